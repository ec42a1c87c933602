# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The company's working calendar: the one place working time is computed

A delay counts calendar time (as the clock runs), working hours (only the
hours of the working days) or working days (whole working days after the
day it starts, due at the end of the last one, as Chinese regulation
counts "within 7 working days": the day of receipt does not count).

The working days are the weekdays with working hours, minus the statutory
holidays and plus the adjusted working days (调休) of mainland China as
published by the State Council, read from the ``chinesecalendar`` package,
minus the closures and plus the extra working days an administrator adds.
A year the package does not know yet is not guessed: its holidays count as
working days until the administrator enters them, and the year is flagged
on the calendar and notified to the Activity Administration group.

Datetimes are stored naive in UTC; the computation runs in the company's
zone (see timezone.py).
"""
import datetime as dt
import logging

import chinese_calendar

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import timezone as tz
from trytond.transaction import Transaction, without_check_access

from .enforce import EnforcedStatesMixin
from .exceptions import WorkingCalendarError
from .notify import notify, users_of_groups
from .timezone import company_datetime, company_today, company_zone


logger = logging.getLogger(__name__)

UNITS = [
    ('calendar', "Calendar Time"),
    ('working_hours', "Working Hours"),
    ('working_days', "Working Days"),
    ]
WEEKDAYS = [
    ('0', "Monday"),
    ('1', "Tuesday"),
    ('2', "Wednesday"),
    ('3', "Thursday"),
    ('4', "Friday"),
    ('5', "Saturday"),
    ('6', "Sunday"),
    ]
# The default working hours: Monday to Friday, 9:00-12:00 and 13:00-18:00
DEFAULT_HOURS = [
    (d, start, end) for d in range(5)
    for start, end in [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(18))]]
# A calendar without any working day in this many days is an error
HORIZON = 3700


def unit_field(name, string, help=None):
    "A selection field for the unit of the delay field name"
    return fields.Selection(UNITS, string, required=True,
        help=help or "How the delay is counted: as the clock runs, in the "
        "working hours, or in whole working days after the day it starts "
        "(due at the end of the last one).")


def package_workday(date):
    """Tell if the package says date is a working day in mainland China;
    None for a year it does not know"""
    try:
        return chinese_calendar.is_workday(date)
    except NotImplementedError:
        return None


class WorkingTime:
    """The computation of working time on naive local datetimes

    hours: {weekday: [(start time, end time), ...]}
    closures, extra_days: sets of dates the administrator added
    holidays: follow the holidays and 调休 of mainland China
    adjusted_weekday: the weekday whose hours an adjusted or extra working
    day that has none of its own works
    known_years: years the administrator keeps by hand
    """

    def __init__(self, hours, closures=(), extra_days=(), holidays=True,
            adjusted_weekday=0, known_years=()):
        self.hours = {d: sorted(h) for d, h in hours.items()}
        self.closures = set(closures)
        self.extra_days = set(extra_days)
        self.holidays = holidays
        self.adjusted_weekday = adjusted_weekday
        self.known_years = set(known_years)
        self.unknown_years = set()
        self._cache = {}

    def _day_hours(self, date):
        hours = self.hours.get(date.weekday(), [])
        return hours or self.hours.get(self.adjusted_weekday, [])

    def day_hours(self, date):
        "The working hours of the date, [] for a day off"
        if date in self.extra_days:
            return self._day_hours(date)
        if date in self.closures:
            return []
        if self.holidays:
            workday = package_workday(date)
            if workday is None:
                if date.year not in self.known_years:
                    self.unknown_years.add(date.year)
            elif workday:
                return self._day_hours(date)
            else:
                return []
        return self.hours.get(date.weekday(), [])

    def intervals(self, date):
        "The working intervals of the date as naive datetimes"
        if date not in self._cache:
            self._cache[date] = [
                (dt.datetime.combine(date, s), dt.datetime.combine(date, e))
                for s, e in self.day_hours(date) if s < e]
        return self._cache[date]

    def is_working_day(self, date):
        return bool(self.intervals(date))

    def _days(self, date, step):
        for i in range(HORIZON):
            yield date + dt.timedelta(days=i * step)
        raise WorkingCalendarError(gettext(
                'scheduled_activity.msg_working_calendar_empty'))

    def is_working(self, moment):
        "Tell if moment is within working hours (their ends included)"
        return any(s <= moment <= e
            for s, e in self.intervals(moment.date()))

    def add(self, start, amount, unit):
        """Return start moved by amount, a timedelta, counted in unit;
        a negative amount goes back"""
        if unit == 'calendar':
            return start + amount
        if unit == 'working_days':
            return self._add_days(start, amount.days)
        if not amount:
            return start
        forward = amount > dt.timedelta()
        remaining = abs(amount)
        for date in self._days(start.date(), 1 if forward else -1):
            intervals = self.intervals(date)
            for s, e in (intervals if forward else reversed(intervals)):
                if forward:
                    if e <= start:
                        continue
                    s = max(s, start)
                else:
                    if s >= start:
                        continue
                    e = min(e, start)
                if remaining <= e - s:
                    return s + remaining if forward else e - remaining
                remaining -= e - s

    def _add_days(self, start, days):
        """The end of the working hours of the days-th working day after
        (before for a negative number) the day of start"""
        if not days:
            return start
        step = 1 if days > 0 else -1
        count = 0
        days_ = self._days(start.date() + dt.timedelta(days=step), step)
        for date in days_:
            intervals = self.intervals(date)
            if intervals:
                count += 1
                if count == abs(days):
                    return intervals[-1][1]

    def between(self, start, end, unit):
        """The time from start to end counted in unit, as a timedelta
        (working days as whole days), negative when end is before start"""
        if unit == 'calendar':
            return end - start
        if end < start:
            return -self.between(end, start, unit)
        if unit == 'working_days':
            count = 0
            date = start.date() + dt.timedelta(days=1)
            while date <= end.date():
                count += self.is_working_day(date)
                date += dt.timedelta(days=1)
            return dt.timedelta(days=count)
        total = dt.timedelta()
        date = start.date()
        while date <= end.date():
            for s, e in self.intervals(date):
                s, e = max(s, start), min(e, end)
                if s < e:
                    total += e - s
            date += dt.timedelta(days=1)
        return total


class WorkingCalendar(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'scheduled.activity.working_calendar'

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
    hours = fields.One2Many(
        'scheduled.activity.working_calendar.hours', 'calendar',
        "Working Hours",
        help="The working hours of each weekday; a weekday without hours "
        "is a day off.")
    china_holidays = fields.Boolean(
        "Holidays of Mainland China",
        help="Follow the statutory holidays and the adjusted working days "
        "(调休) published by the State Council.")
    adjusted_weekday = fields.Selection(
        WEEKDAYS, "Adjusted Days Work As", required=True, sort=False,
        help="The weekday whose hours an adjusted working day (调休) or an "
        "extra working day on a day off works.")
    days = fields.One2Many(
        'scheduled.activity.working_calendar.day', 'calendar',
        "Closures and Extra Working Days")
    known_years = fields.Char(
        "Years Entered by Hand",
        help="The years the holiday package does not know, whose holidays "
        "and adjusted working days you entered as closures and extra "
        "working days, separated by commas (such as \"2027\").")
    flagged_years = fields.Char("Years Flagged", readonly=True,
        help="The years a deadline was computed in that the holiday package "
        "does not know and that are not entered by hand.")
    coverage = fields.Function(fields.Text("Coverage"), 'get_coverage')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('company_unique', Unique(t, t.company),
                'scheduled_activity.msg_working_calendar_company_unique'),
            ]

    @classmethod
    def default_china_holidays(cls):
        return True

    @classmethod
    def default_adjusted_weekday(cls):
        return '0'

    @classmethod
    def default_hours(cls):
        return [{'weekday': str(d), 'start_time': s, 'end_time': e}
            for d, s, e in DEFAULT_HOURS]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        return self.company.rec_name if self.company else ''

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('company.rec_name',) + tuple(clause[1:])]

    def _known_years(self):
        years = set()
        for part in (self.known_years or '').replace('，', ',').split(','):
            if part.strip().isdigit():
                years.add(int(part.strip()))
        return years

    def _flagged_years(self):
        return {int(y) for y in (self.flagged_years or '').split(',')
            if y.strip().isdigit()} - self._known_years()

    def get_coverage(self, name):
        "Which years the holidays come from, and which are flagged"
        if not self.china_holidays:
            return gettext('scheduled_activity.msg_working_calendar_no_holidays')
        today = company_today(self.company)
        years = {today.year, today.year + 1} | self._flagged_years()
        missing = sorted(y for y in years - self._known_years()
            if package_workday(dt.date(y, 1, 1)) is None)
        if missing:
            return gettext('scheduled_activity.msg_working_calendar_missing',
                years=', '.join(map(str, missing)))
        return gettext('scheduled_activity.msg_working_calendar_covered')

    @classmethod
    def check_coverage(cls, today=None):
        """Flag the years the package does not know: this year, and next
        year from December, when the State Council has usually published
        it"""
        for calendar in cls.search([('china_holidays', '=', True)]):
            date = today or company_today(calendar.company)
            years = {date.year}
            if date.month == 12:
                years.add(date.year + 1)
            calendar._flag({y for y in years
                    if package_workday(dt.date(y, 1, 1)) is None})

    @classmethod
    def get(cls, company):
        """The calendar of the company; a default one (Monday to Friday,
        holidays of mainland China) is created when it has none"""
        company_id = getattr(company, 'id', company)
        with without_check_access():
            calendars = cls.search([('company', '=', company_id)], limit=1)
            if calendars:
                return calendars[0]
            calendar, = cls.create([{
                        'company': company_id,
                        'hours': [('create', cls.default_hours())],
                        }])
            return cls(calendar.id)

    def working_time(self):
        "The computation of this calendar"
        hours = {}
        for line in self.hours:
            hours.setdefault(int(line.weekday), []).append(
                (line.start_time, line.end_time))
        return WorkingTime(hours,
            closures={d.date for d in self.days if d.kind == 'closure'},
            extra_days={d.date for d in self.days if d.kind == 'working'},
            holidays=self.china_holidays,
            adjusted_weekday=int(self.adjusted_weekday or 0),
            known_years=self._known_years())

    def _local(self, value):
        return company_datetime(self.company, value).replace(tzinfo=None)

    def _utc(self, value):
        zone = company_zone(self.company)
        return value.replace(tzinfo=zone).astimezone(tz.UTC).replace(
            tzinfo=None)

    def add(self, start, amount, unit):
        """Return the naive UTC datetime start moved by the timedelta amount
        counted in unit ('calendar', 'working_hours' or 'working_days')"""
        if start is None or amount is None:
            return None
        if unit in {None, 'calendar'} or not amount:
            return start + amount
        working = self.working_time()
        result = self._utc(working.add(self._local(start), amount, unit))
        self._flag(working.unknown_years)
        return result

    def between(self, start, end, unit):
        """The time from the naive UTC datetime start to end counted in
        unit, as a timedelta (working days as whole days)"""
        if unit in {None, 'calendar'}:
            return end - start
        working = self.working_time()
        result = working.between(self._local(start), self._local(end), unit)
        self._flag(working.unknown_years)
        return result

    def is_working(self, moment):
        "Tell if the naive UTC datetime is in working time"
        return self.working_time().is_working(self._local(moment))

    def _flag(self, years):
        "Flag to the administrators the years the package does not know"
        years = set(years) - self._known_years() - self._flagged_years()
        if not years or not getattr(self, 'id', None) or self.id < 0:
            return
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        logger.warning(
            "working calendar %s: no holidays known for %s", self.id, years)
        flagged = sorted(self._flagged_years() | years)
        with without_check_access():
            self.__class__.write([self], {
                    'flagged_years': ','.join(map(str, flagged))})
            administrators = users_of_groups([ModelData.get_id(
                        'scheduled_activity', 'group_activity_admin')])
        notify([self], administrators, 'tryton-warning',
            'scheduled_activity.msg_working_calendar_flag',
            'scheduled_activity.msg_working_calendar_missing',
            variables={'years': ', '.join(map(str, sorted(years)))})


def add_delay(company, start, amount, unit):
    """Return the naive UTC start moved by amount in unit, in the working
    calendar of company; calendar time needs no calendar"""
    if start is None or amount is None:
        return None
    if unit in {None, 'calendar'} or not amount:
        return start + amount
    Calendar = Pool().get('scheduled.activity.working_calendar')
    return Calendar.get(company).add(start, amount, unit)


def time_between(company, start, end, unit):
    "The time from start to end counted in unit in the company's calendar"
    if unit in {None, 'calendar'}:
        return end - start
    Calendar = Pool().get('scheduled.activity.working_calendar')
    return Calendar.get(company).between(start, end, unit)


class WorkingHours(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'scheduled.activity.working_calendar.hours'

    calendar = fields.Many2One(
        'scheduled.activity.working_calendar', "Calendar", required=True,
        ondelete='CASCADE')
    weekday = fields.Selection(WEEKDAYS, "Weekday", required=True,
        sort=False)
    start_time = fields.Time("From", required=True, format='%H:%M')
    end_time = fields.Time("To", required=True, format='%H:%M',
        domain=[('end_time', '>', Eval('start_time'))])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('calendar')
        cls._order = [
            ('calendar', 'ASC'), ('weekday', 'ASC'), ('start_time', 'ASC'),
            ('id', 'ASC')]


class WorkingDay(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'scheduled.activity.working_calendar.day'

    calendar = fields.Many2One(
        'scheduled.activity.working_calendar', "Calendar", required=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    kind = fields.Selection([
            ('closure', "Company Closure"),
            ('working', "Extra Working Day"),
            ], "Kind", required=True,
        help="A closure is a day off even when it is a working day; an "
        "extra working day is worked even on a weekend or a holiday.")
    name = fields.Char("Reason", translate=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('calendar')
        t = cls.__table__()
        cls._sql_constraints = [
            ('date_unique', Unique(t, t.calendar, t.date),
                'scheduled_activity.msg_working_calendar_day_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.calendar, Index.Equality()),
                (t.date, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_kind(cls):
        return 'closure'
