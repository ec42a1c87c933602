# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The drills and training of the emergency plans, and the reminders of the
drills that fall due"""
import datetime as dt

from dateutil.relativedelta import relativedelta
from sql import Column, Literal, Null
from sql.aggregate import Max

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.scheduled_activity.claim import claim
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.tools import timezone as tz
from trytond.transaction import Transaction, without_check_access

# Work Safety Law practice: a comprehensive or special drill every year,
# an on-site drill every half-year
DRILL_INTERVAL = relativedelta(years=1)
ONSITE_DRILL_INTERVAL = relativedelta(months=6)
DRILL_REMINDER_HORIZON = dt.timedelta(days=30)
# Local time of day at which a drill reminder activity is due
DRILL_REMINDER_TIME = dt.time(9, 0)
DRILL_KINDS = [
    ('comprehensive', "Comprehensive Drill"),
    ('special', "Special Drill"),
    ('onsite', "On-site Drill"),
    ('training', "Training"),
    ]


class PlanDrillMixin:
    "When the drills of an emergency plan fall due"
    __slots__ = ()

    drills = fields.One2Many(
        'complaint.emergency_plan.drill', 'plan', "Drills and Training")
    # Stored so that the reminder cron finds the due plans through an index
    next_drill_due = fields.Date("Next Drill Due", readonly=True,
        help="One year after the last comprehensive or special drill.")
    next_onsite_drill_due = fields.Date("Next On-site Drill Due",
        readonly=True,
        help="Six months after the last on-site drill.")
    drill_reminded_due = fields.Date("Drill Reminded For", readonly=True)
    onsite_drill_reminded_due = fields.Date(
        "On-site Drill Reminded For", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        active = t.active == Literal(True)
        cls._sql_indexes.update({
                Index(t, (t.next_drill_due, Index.Range()),
                    where=active & (
                        (t.drill_reminded_due == Null)
                        | (t.drill_reminded_due != t.next_drill_due))),
                Index(t, (t.next_onsite_drill_due, Index.Range()),
                    where=active & (
                        (t.onsite_drill_reminded_due == Null)
                        | (t.onsite_drill_reminded_due
                            != t.next_onsite_drill_due))),
                })

    @classmethod
    def on_modification(cls, mode, plans, field_names=None):
        super().on_modification(mode, plans, field_names=field_names)
        if mode == 'create' or (
                mode == 'write' and 'effective_date' in field_names):
            cls.update_drill_dues(plans)

    @classmethod
    def update_drill_dues(cls, plans):
        "Compute the due dates of the next drills from the recorded ones"
        pool = Pool()
        Drill = pool.get('complaint.emergency_plan.drill')
        drill = Drill.__table__()
        cursor = Transaction().connection.cursor()
        last_drill, last_onsite = {}, {}
        for sub_plans in grouped_slice(plans):
            ids = [p.id for p in sub_plans]
            for last, kinds in [
                    (last_drill, ['comprehensive', 'special']),
                    (last_onsite, ['onsite'])]:
                cursor.execute(*drill.select(
                        drill.plan, Max(drill.date),
                        where=drill.plan.in_(ids) & drill.kind.in_(kinds),
                        group_by=[drill.plan]))
                for plan_id, date in cursor:
                    # SQLite returns the aggregate as text
                    if isinstance(date, str):
                        date = dt.date.fromisoformat(date)
                    last[plan_id] = date
        to_write = []
        for plan in plans:
            values = {
                'next_drill_due': (
                    last_drill.get(plan.id) or plan.effective_date)
                + DRILL_INTERVAL,
                'next_onsite_drill_due': (
                    last_onsite.get(plan.id) or plan.effective_date)
                + ONSITE_DRILL_INTERVAL,
                }
            if any(getattr(plan, f) != v for f, v in values.items()):
                to_write.extend(([plan], values))
        if to_write:
            with without_check_access():
                cls.write(*to_write)

    @classmethod
    @without_check_access
    def remind_drills(cls):
        """Plan an activity for the owner of each plan whose drill falls due
        within the horizon, once per due date"""
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        horizon = cls._today() + DRILL_REMINDER_HORIZON
        for due_name, reminded_name, message in [
                ('next_drill_due', 'drill_reminded_due',
                    'complaint_emergency.msg_drill_due_subject'),
                ('next_onsite_drill_due', 'onsite_drill_reminded_due',
                    'complaint_emergency.msg_onsite_drill_due_subject'),
                ]:
            for plan in cls.browse(
                    cls._claim_due(due_name, reminded_name, horizon)):
                due = getattr(plan, due_name)
                Activity.plan(
                    plan, 'drill', plan.owner, plan._reminder_time(due),
                    gettext(message, plan=plan.name, due=due))

    @classmethod
    def _claim_due(cls, due_name, reminded_name, horizon):
        """Stamp the active plans due by the horizon and not yet reminded
        for that due date, and return their ids.

        The conditional UPDATE is the claim: a concurrent run that stamped
        the same rows makes this one fail and roll back (PostgreSQL
        repeatable read), its activities with it."""
        table = cls.__table__()
        due, reminded = Column(table, due_name), Column(table, reminded_name)
        return claim(cls, table, [reminded], [due],
            (table.active == Literal(True))
            & (due <= horizon)
            & ((reminded == Null) | (reminded != due)))

    def _reminder_time(self, date):
        "The UTC time at which a reminder for the date is due"
        zone = (tz.get_tzinfo(self.company.timezone)
            if self.company.timezone else tz.UTC)
        local = dt.datetime.combine(date, DRILL_REMINDER_TIME, tzinfo=zone)
        return local.astimezone(tz.UTC).replace(tzinfo=None)


class EmergencyPlanDrill(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'complaint.emergency_plan.drill'

    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    kind = fields.Selection(DRILL_KINDS, "Kind", required=True)
    kind_string = kind.translated('kind')
    participants = fields.Many2Many(
        'complaint.emergency_plan.drill-company.employee', 'drill',
        'employee', "Participants")
    findings = fields.Text("Findings",
        help="What the drill showed and what is to improve.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('plan')
        cls._sql_indexes.add(Index(t,
                (t.plan, Index.Equality()),
                (t.kind, Index.Equality(cardinality='low')),
                (t.date, Index.Range(order='DESC'))))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_kind(cls):
        return 'comprehensive'

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        drills = super().create(vlist)
        Plan.update_drill_dues(Plan.browse({d.plan.id for d in drills}))
        return drills

    @classmethod
    def write(cls, *args):
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        # A drill moved to another plan changes the due dates of both
        plan_ids = {d.plan.id for drills in args[::2] for d in drills}
        super().write(*args)
        plan_ids |= {d.plan.id for drills in args[::2] for d in drills}
        Plan.update_drill_dues(Plan.browse(plan_ids))

    @classmethod
    def on_delete(cls, drills):
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        callback = super().on_delete(drills)
        plan_ids = {d.plan.id for d in drills}
        callback.append(lambda: Plan.update_drill_dues(
                Plan.browse(plan_ids)))
        return callback


class EmergencyPlanDrillParticipant(EnforcedStatesMixin, ModelSQL):
    __name__ = 'complaint.emergency_plan.drill-company.employee'

    drill = fields.Many2One('complaint.emergency_plan.drill', "Drill",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='CASCADE')
