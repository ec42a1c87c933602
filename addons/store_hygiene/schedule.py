# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import logging
import re
from collections import defaultdict

from dateutil.rrule import (
    DAILY, MONTHLY, WEEKLY, rrule, rruleset, rrulestr)
from sql import Literal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.timezone import (
    from_company_time, to_company_time)

from .exceptions import ScheduleValidationError

logger = logging.getLogger(__name__)

TIME_RE = re.compile(r'^([01]?\d|2[0-3]):([0-5]\d)$')
# Finer frequencies would flood the stores with inspections
FORBIDDEN_FREQUENCIES = {'SECONDLY', 'MINUTELY'}
# How far back to look for the previous occurrences of a half month
LOOKBACK = dt.timedelta(days=16)


def parse_times(value):
    "Return the sorted times of a text like '09:00 15:00' or None if invalid"
    times = []
    for token in re.split(r'[\s,;]+', (value or '').strip()):
        if not token:
            continue
        match = TIME_RE.match(token)
        if not match:
            return None
        times.append(dt.time(int(match.group(1)), int(match.group(2))))
    return sorted(set(times)) or None


class Schedule(EnforcedStatesMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'hygiene.schedule'

    name = fields.Char("Name", required=True)
    company = fields.Many2One('company.company', "Company", required=True)
    stores = fields.Many2Many(
        'hygiene.schedule-hygiene.store', 'schedule', 'store', "Stores",
        domain=[('company', '=', Eval('company', -1))])
    checklist = fields.Many2One(
        'hygiene.checklist', "Checklist", required=True)
    recurrence = fields.Selection([
            ('daily', "Daily"),
            ('twice_daily', "Twice Daily"),
            ('weekly', "Weekly"),
            ('half_monthly', "Every Half Month"),
            ('monthly', "Monthly"),
            ('custom', "Custom"),
            ], "Recurrence", required=True, sort=False)
    rrule = fields.Char(
        "Recurrence Rule",
        states={
            'required': Eval('recurrence') == 'custom',
            'invisible': Eval('recurrence') != 'custom',
            },
        help="An iCalendar RRULE, for example "
        "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=10;BYMINUTE=0")
    times_of_day = fields.Char(
        "Times of Day", required=True,
        help="The local times of the inspections, separated by spaces, "
        "for example 09:00 15:00.")
    dusty_times_of_day = fields.Char(
        "Times of Day in Dusty Regions",
        states={
            'required': Eval('recurrence') == 'daily',
            'invisible': Eval('recurrence') != 'daily',
            },
        help="The times of a daily inspection in stores of a dusty region.")
    due_delay = fields.TimeDelta(
        "Due Within", required=True,
        domain=[('due_delay', '>', dt.timedelta())],
        help="An inspection not done within this time is missed.")
    assignee = fields.Selection([
            ('inspector', "Inspector"),
            ('store_manager', "Store Manager"),
            ], "Assignee", required=True)
    inspector = fields.Many2One(
        'company.employee', "Inspector",
        domain=[('company', '=', Eval('company', -1))],
        states={
            'required': Eval('assignee') == 'inspector',
            },
        help="Also used for stores without manager.")
    start_date = fields.Date("Start Date", required=True)
    end_date = fields.Date("End Date")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.end_date, Index.Range()), (t.start_date, Index.Range()),
                where=t.active == Literal(True)))

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_recurrence(cls):
        return 'daily'

    @classmethod
    def default_times_of_day(cls):
        return '09:00'

    @classmethod
    def default_dusty_times_of_day(cls):
        return '09:00 15:00'

    @classmethod
    def default_due_delay(cls):
        return dt.timedelta(hours=4)

    @classmethod
    def default_assignee(cls):
        return 'inspector'

    @classmethod
    def validate_fields(cls, schedules, field_names):
        super().validate_fields(schedules, field_names)
        for schedule in schedules:
            schedule.check_dates()
            schedule.check_times()
            schedule.check_rrule()

    def check_dates(self):
        if self.end_date and self.end_date < self.start_date:
            raise ScheduleValidationError(gettext(
                    'store_hygiene.msg_schedule_end_before_start',
                    schedule=self.rec_name))

    def check_times(self):
        for name in ['times_of_day', 'dusty_times_of_day']:
            value = getattr(self, name)
            if (value or name == 'times_of_day') and not parse_times(value):
                raise ScheduleValidationError(gettext(
                        'store_hygiene.msg_schedule_invalid_times',
                        schedule=self.rec_name, times=value or ''))

    def check_rrule(self):
        if self.recurrence != 'custom':
            return
        value = (self.rrule or '').strip()
        frequency = re.search(r'FREQ=(\w+)', value.upper())
        try:
            if not frequency or frequency.group(1) in FORBIDDEN_FREQUENCIES:
                raise ValueError(value)
            rrulestr(value, dtstart=dt.datetime.combine(
                    self.start_date, dt.time()), forceset=True)
        except (ValueError, TypeError, AttributeError, KeyError) as exception:
            raise ScheduleValidationError(gettext(
                    'store_hygiene.msg_schedule_invalid_rrule',
                    schedule=self.rec_name, rrule=value)) from exception

    def _times(self, store):
        if self.recurrence == 'daily' and store.dusty_region:
            return parse_times(self.dusty_times_of_day)
        return parse_times(self.times_of_day)

    def _rule(self, store, window_start):
        """Return the rule of the local occurrences of the store

        Standard recurrences are anchored on explicit days so they start at
        window_start: dateutil iterates from dtstart."""
        times = self._times(store)
        dtstart = dt.datetime.combine(
            max(self.start_date, window_start.date()), dt.time())
        if self.recurrence == 'custom':
            return rrulestr(
                self.rrule.strip(),
                dtstart=dt.datetime.combine(self.start_date, times[0]),
                forceset=True)
        rules = rruleset()
        for time in times:
            kwargs = dict(
                dtstart=dtstart, byhour=time.hour, byminute=time.minute,
                bysecond=0)
            if self.recurrence in {'daily', 'twice_daily'}:
                rules.rrule(rrule(DAILY, **kwargs))
            elif self.recurrence == 'weekly':
                rules.rrule(rrule(
                        WEEKLY, byweekday=self.start_date.weekday(),
                        **kwargs))
            elif self.recurrence == 'half_monthly':
                rules.rrule(rrule(MONTHLY, bymonthday=(1, 16), **kwargs))
            elif self.recurrence == 'monthly':
                day = self.start_date.day
                rules.rrule(rrule(
                        MONTHLY, bymonthday=day if day <= 28 else -1,
                        **kwargs))
        if self.recurrence == 'twice_daily' and len(times) < 2:
            # A single time of day gives the morning; the afternoon
            # inspection comes six hours later.
            later = dt.datetime.combine(dt.date.min, times[0]) + (
                dt.timedelta(hours=6))
            rules.rrule(rrule(
                    DAILY, dtstart=dtstart, byhour=later.hour,
                    byminute=later.minute, bysecond=0))
        return rules

    @staticmethod
    def _period(item, occurrence, store):
        "Return the period in which the item is inspected once"
        if item.frequency == 'daily':
            if store.dusty_region:
                return (occurrence.date(), occurrence.hour < 12)
            return occurrence.date()
        elif item.frequency == 'half_monthly':
            return (occurrence.year, occurrence.month, occurrence.day <= 15)

    def occurrences(self, store, start, end):
        """Yield (planned_at, items) for the occurrences of the store
        planned from start (included) to end (excluded), naive UTC"""
        local_start = to_company_time(self.company, start)
        local_end = to_company_time(self.company, end)
        if self.end_date:
            local_end = min(local_end, dt.datetime.combine(
                    self.end_date + dt.timedelta(days=1), dt.time()))
        start_date = dt.datetime.combine(self.start_date, dt.time())
        lookback = max(local_start - LOOKBACK, start_date)
        rule = self._rule(store, lookback)
        items = [i for i in self.checklist.items if i.active]
        seen = defaultdict(set)
        for occurrence in rule.between(lookback, local_end, inc=True):
            if occurrence >= local_end or occurrence < start_date:
                continue
            selected = []
            for item in items:
                period = self._period(item, occurrence, store)
                if period is None or period not in seen[item.id]:
                    selected.append(item)
                    seen[item.id].add(period)
            if occurrence >= local_start and selected:
                yield from_company_time(self.company, occurrence), selected

    def get_inspector(self, store):
        if self.assignee == 'store_manager' and store.manager:
            return store.manager
        return self.inspector

    @classmethod
    def generate_inspections(cls, schedules=None):
        """Create the missing inspections up to the horizon

        Only the missing ones are computed and created: the existing
        (schedule, store, planned_at) of the window are read with one query
        per slice, and a UNIQUE constraint guards against concurrent runs."""
        pool = Pool()
        Configuration = pool.get('hygiene.configuration')
        Inspection = pool.get('hygiene.inspection')
        inspection = Inspection.__table__()
        cursor = Transaction().connection.cursor()

        start = clock.now().replace(microsecond=0)
        end = start + Configuration(1).horizon
        if schedules is None:
            schedules = cls.search([
                    ('start_date', '<=', end.date() + dt.timedelta(days=1)),
                    ['OR',
                        ('end_date', '=', None),
                        ('end_date', '>=',
                            start.date() - dt.timedelta(days=1)),
                        ],
                    ])
        to_create = []
        for sub_schedules in grouped_slice(schedules):
            sub_schedules = list(sub_schedules)
            cursor.execute(*inspection.select(
                    inspection.schedule, inspection.store,
                    inspection.planned_at,
                    where=reduce_ids(
                        inspection.schedule, [s.id for s in sub_schedules])
                    & (inspection.planned_at >= start)
                    & (inspection.planned_at < end)))
            existing = {(s, st, _as_datetime(p)) for s, st, p in cursor}
            for schedule in sub_schedules:
                for store in schedule.stores:
                    inspector = schedule.get_inspector(store)
                    if not inspector:
                        logger.warning(
                            "No inspector for schedule %s in store %s",
                            schedule.id, store.id)
                        continue
                    for planned_at, items in schedule.occurrences(
                            store, start, end):
                        key = (schedule.id, store.id, planned_at)
                        if key in existing:
                            continue
                        to_create.append(schedule._inspection_values(
                                store, inspector, planned_at, items))
        return Inspection.create_planned(to_create)

    def _inspection_values(self, store, inspector, planned_at, items):
        return {
            'company': self.company.id,
            'kind': 'scheduled',
            'schedule': self.id,
            'store': store.id,
            'checklist': self.checklist.id,
            'inspector': inspector.id,
            'planned_at': planned_at,
            'due_at': planned_at + self.due_delay,
            'lines': [('create', [{
                            'item': i.id,
                            'sequence': i.sequence,
                            'weight': i.weight,
                            'critical': i.critical,
                            'photo_required': i.photo_required,
                            } for i in items])],
            }


def _as_datetime(value):
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


class ScheduleStore(EnforcedStatesMixin, ModelSQL):
    __name__ = 'hygiene.schedule-hygiene.store'

    schedule = fields.Many2One(
        'hygiene.schedule', "Schedule", required=True, ondelete='CASCADE')
    store = fields.Many2One(
        'hygiene.store', "Store", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.store, Index.Equality())))
