# This file is part of the complaint_plan module.
import datetime as dt
from collections import defaultdict
from email.message import EmailMessage

from dateutil.relativedelta import relativedelta
from sql import Column, Literal, Null
from sql.aggregate import Count, Max
from sql.operators import Equal, Exists

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Exclude, Index, ModelSQL, ModelView, Workflow, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.sendmail import send_message_transactional
from trytond.tools import grouped_slice
from trytond.tools import timezone as tz
from trytond.tools.email_ import format_address, set_from_header
from trytond.modules.public_page.lists import join_names
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.claim import claim
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.notify import (
    notify, users_of_employees)

from .exceptions import ComplaintTransitionError

ALERT_LABEL = 'complaint_plan.msg_incident_alert_label'
ALERT_DESCRIPTION = 'complaint_plan.msg_incident_alert_description'


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
# Fields of a complaint whose change may activate an emergency plan
TRIGGER_FIELDS = {'level', 'category', 'media_attention', 'state',
    'received_at', 'company'}


def _current_employee():
    return Transaction().context.get('employee')


class EmergencyPlan(EnforcedStatesMixin, DeactivableMixin, ModelSQL, ModelView):
    "Emergency plan"
    __name__ = 'complaint.emergency_plan'

    company = fields.Many2One('company.company', "Company", required=True)
    name = fields.Char("Name", required=True)
    version = fields.Integer("Version", readonly=True,
        help="Incremented by each revision of the plan.")
    owner = fields.Many2One('company.employee', "Owner", required=True,
        domain=[('company', '=', Eval('company', -1))],
        help="The employee who maintains the plan and organises its drills.")
    effective_date = fields.Date("Effective Date", required=True,
        help="The drill due dates count from this date "
        "until a drill is recorded.")
    scope = fields.Text("Scope")

    # Activation
    levels = fields.Many2Many(
        'complaint.emergency_plan-complaint.level', 'plan', 'level',
        "Levels", help="The levels of complaint the plan covers.\n"
        "Leave empty to cover all levels.")
    categories = fields.Many2Many(
        'complaint.emergency_plan-complaint.category', 'plan', 'category',
        "Categories", help="The categories of complaint the plan covers, "
        "with their sub-categories.\n"
        "Leave empty to cover all categories.")
    activation_conditions = fields.Text("Activation Conditions",
        help="The conditions as the plan document states them.")
    activation_count = fields.Integer("Complaint Count",
        domain=['OR',
            ('activation_count', '=', None),
            ('activation_count', '>=', 1),
            ],
        help="The plan is activated when this many covered complaints are "
        "received within the window.\n"
        "Leave empty to not activate on the number of complaints.")
    activation_window = fields.TimeDelta("Window",
        states={
            'required': Bool(Eval('activation_count')),
            'invisible': ~Eval('activation_count'),
            },
        help="The period over which the complaints are counted.")
    activate_on_level = fields.Boolean("Activate on Level",
        help="A covered complaint of a level that activates emergency plans "
        "activates the plan.")
    activate_on_media = fields.Boolean("Activate on Media Attention",
        help="A covered complaint likely to draw media attention activates "
        "the plan.")
    alert_email = fields.Boolean("Alert by Email",
        help="Also alert the leading group by email on activation.")

    # Organisation
    leaders = fields.Many2Many(
        'complaint.emergency_plan-leader-company.employee', 'plan',
        'employee', "Leading Group",
        domain=[('company', '=', Eval('company', -1))],
        help="Alerted when the plan is activated.")
    handlers = fields.Many2Many(
        'complaint.emergency_plan-handler-company.employee', 'plan',
        'employee', "Handling Group",
        domain=[('company', '=', Eval('company', -1))])
    duties = fields.One2Many(
        'complaint.emergency_plan.duty', 'plan', "Duty Roster")
    dispatch_resources = fields.One2Many(
        'complaint.emergency_plan.resource', 'plan', "Resources")

    # Maintenance
    revisions = fields.One2Many(
        'complaint.emergency_plan.revision', 'plan', "Revisions",
        readonly=True)
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
    incidents = fields.One2Many(
        'complaint.incident', 'plan', "Incidents", readonly=True)

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
        cls._order.insert(0, ('name', 'ASC'))
        cls._buttons.update({
                'revise': {
                    'icon': 'tryton-launch',
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_version(cls):
        return 1

    @classmethod
    def default_effective_date(cls):
        return cls._today()

    @classmethod
    def default_activate_on_level(cls):
        return True

    @classmethod
    def default_activate_on_media(cls):
        return True

    @classmethod
    def default_owner(cls):
        return _current_employee()

    @classmethod
    def _today(cls):
        return clock.now().date()

    @classmethod
    def copy(cls, plans, default=None):
        default = default.copy() if default is not None else {}
        for name in ['revisions', 'drills', 'incidents', 'next_drill_due',
                'next_onsite_drill_due', 'drill_reminded_due',
                'onsite_drill_reminded_due']:
            default.setdefault(name, None)
        default.setdefault('version', 1)
        return super().copy(plans, default=default)

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
                    'complaint_plan.msg_drill_due_subject'),
                ('next_onsite_drill_due', 'onsite_drill_reminded_due',
                    'complaint_plan.msg_onsite_drill_due_subject'),
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

    @classmethod
    @ModelView.button_action('complaint_plan.wizard_emergency_plan_revise')
    def revise(cls, plans):
        pass

    @classmethod
    def add_revision(cls, plans, summary, incident=None):
        "Increment the version of the plans and record why"
        pool = Pool()
        Revision = pool.get('complaint.emergency_plan.revision')
        today = cls._today()
        with without_check_access():
            cls.lock(plans)
            plans = cls.browse(plans)
            revisions = []
            for plan in plans:
                plan.version += 1
                revisions.append(Revision(
                        plan=plan, version=plan.version, date=today,
                        summary=summary, author=_current_employee(),
                        incident=incident))
            cls.save(plans)
            Revision.save(revisions)
        return revisions

    # Activation

    def covered_category_ids(self):
        "The ids of the categories of the plan with their sub-categories"
        pool = Pool()
        Category = pool.get('complaint.category')
        if not self.categories:
            return None
        with Transaction().set_context(active_test=False):
            return {c.id for c in Category.search([
                        ('parent', 'child_of',
                            [c.id for c in self.categories]),
                        ], order=[])}

    def covers(self, complaint, category_ids):
        "Whether the complaint is of the categories and levels of the plan"
        if complaint.company != self.company:
            return False
        if self.levels and complaint.level not in self.levels:
            return False
        if category_ids is not None and (
                complaint.category is None
                or complaint.category.id not in category_ids):
            return False
        return True

    def window_start(self, now):
        if self.activation_count and self.activation_window:
            return now - self.activation_window

    def _not_in_incident(self, complaint):
        "The condition that the complaint is in no incident of the plan"
        pool = Pool()
        Incident = pool.get('complaint.incident')
        IncidentComplaint = pool.get('complaint.incident-complaint.complaint')
        incident = Incident.__table__()
        link = IncidentComplaint.__table__()
        return ~Exists(link.join(incident,
                condition=link.incident == incident.id
                ).select(link.id,
                where=(link.complaint == complaint.id)
                & (incident.plan == self.id)))

    def _window_query(self, start, category_ids, columns):
        """Covered complaints received since start, none cancelled or yet in
        an incident of the plan"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        complaint = Complaint.__table__()
        where = ((complaint.company == self.company.id)
            & (complaint.received_at >= start)
            & (complaint.state != 'cancelled'))
        if category_ids is not None:
            where &= complaint.category.in_(list(category_ids))
        if self.levels:
            where &= complaint.level.in_([l.id for l in self.levels])
        where &= self._not_in_incident(complaint)
        window = self._window_members(complaint, where)
        return window.select(*columns(window))

    def _window_members(self, complaint, where):
        "The ids of the complaints of the window: complaint where where"
        return complaint.select(complaint.id, where=where)

    def count_in_window(self, start, category_ids):
        cursor = Transaction().connection.cursor()
        cursor.execute(*self._window_query(
                start, category_ids, lambda t: [Count(t.id)]))
        count, = cursor.fetchone()
        return count

    def complaints_in_window(self, start, category_ids):
        cursor = Transaction().connection.cursor()
        cursor.execute(*self._window_query(
                start, category_ids, lambda t: [t.id]))
        return [i for i, in cursor]

    @classmethod
    def _linked(cls, plans, complaints):
        "The (plan, complaint) pairs already linked through an incident"
        pool = Pool()
        Incident = pool.get('complaint.incident')
        IncidentComplaint = pool.get('complaint.incident-complaint.complaint')
        incident = Incident.__table__()
        link = IncidentComplaint.__table__()
        cursor = Transaction().connection.cursor()
        linked = set()
        for sub_ids in grouped_slice([c.id for c in complaints]):
            cursor.execute(*link.join(incident,
                    condition=link.incident == incident.id
                    ).select(incident.plan, link.complaint,
                    where=link.complaint.in_(list(sub_ids))
                    & incident.plan.in_([p.id for p in plans])))
            linked.update(cursor)
        return linked

    @classmethod
    def _incident_members(cls, complaint_ids):
        """The other complaints known to be about the same incident as each
        complaint"""
        return defaultdict(set)

    @classmethod
    def check_activation(cls, complaints):
        """Activate the plans that the complaints trigger, or add the
        complaints to the open incident of the plan"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Incident = pool.get('complaint.incident')
        now = clock.now()
        with without_check_access():
            # Looked for first: where no plan activates, the complaints need
            # not be read
            plans = cls.search(['OR',
                    ('activation_count', '!=', None),
                    ('activate_on_level', '=', True),
                    ('activate_on_media', '=', True),
                    ])
            if not plans:
                return
            complaints = [c for c in Complaint.browse(complaints)
                if c.state != 'cancelled']
            company_ids = {c.company.id for c in complaints}
            plans = [p for p in plans if p.company.id in company_ids]
            if not plans:
                return
            # A complaint goes with the complaints of the same incident
            ids = {c.id for c in complaints}
            members = cls._incident_members(ids)
            grouped = any(members.values())
            covered_ids = {p.id: p.covered_category_ids() for p in plans}
            if not grouped and not any(p.covers(c, covered_ids[p.id])
                    for p in plans for c in complaints):
                # Nothing to activate or join: as most new complaints
                return
            if grouped:
                ids.update(*members.values())
                members = cls._incident_members(ids)
                complaints = [c for c in Complaint.browse(ids)
                    if c.state != 'cancelled']
            linked = cls._linked(plans, complaints)
            for plan in plans:
                category_ids = covered_ids[plan.id]
                fresh = [c for c in complaints
                    if (plan.id, c.id) not in linked
                    and plan.covers(c, category_ids)]
                # A complaint of an incident may join an active one
                if not fresh and not grouped:
                    continue
                start = plan.window_start(now)
                by_level = [c for c in fresh if plan.activate_on_level
                    and c.level and c.level.activates_emergency_plan]
                by_media = [c for c in fresh
                    if plan.activate_on_media and c.media_attention]
                in_window = [c for c in fresh
                    if start and c.received_at >= start]
                matching = {c.id for c in by_level + by_media + in_window}
                incident = Incident.get_open(plan)
                if incident:
                    # Joined by the complaints of the same incident as one
                    # of its complaints
                    matching |= {c.id for c in complaints
                        if incident in c.incidents}
                matching |= {r for c in matching for r in members[c]}
                matching &= {c.id for c in complaints
                    if (plan.id, c.id) not in linked}
                if not matching:
                    continue
                if incident:
                    incident.add_complaints(matching)
                    continue
                if by_level:
                    trigger = 'level'
                elif by_media:
                    trigger = 'media'
                elif (plan.count_in_window(start, category_ids)
                        >= plan.activation_count):
                    trigger = 'count'
                    matching.update(
                        plan.complaints_in_window(start, category_ids))
                else:
                    continue
                Incident.activate(plan, trigger, matching)


class EmergencyPlanLevel(EnforcedStatesMixin, ModelSQL):
    "Emergency plan - Complaint level"
    __name__ = 'complaint.emergency_plan-complaint.level'

    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, ondelete='CASCADE')
    level = fields.Many2One('complaint.level', "Level",
        required=True, ondelete='CASCADE')


class EmergencyPlanCategory(EnforcedStatesMixin, ModelSQL):
    "Emergency plan - Complaint category"
    __name__ = 'complaint.emergency_plan-complaint.category'

    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, ondelete='CASCADE')
    category = fields.Many2One('complaint.category', "Category",
        required=True, ondelete='CASCADE')


class EmergencyPlanLeader(EnforcedStatesMixin, ModelSQL):
    "Emergency plan - Leading group member"
    __name__ = 'complaint.emergency_plan-leader-company.employee'

    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.employee, Index.Equality())))


class EmergencyPlanHandler(EnforcedStatesMixin, ModelSQL):
    "Emergency plan - Handling group member"
    __name__ = 'complaint.emergency_plan-handler-company.employee'

    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='CASCADE')


class EmergencyPlanDuty(EnforcedStatesMixin, ModelSQL, ModelView):
    "Emergency plan duty"
    __name__ = 'complaint.emergency_plan.duty'

    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, ondelete='CASCADE')
    start = fields.DateTime("Start", required=True)
    end = fields.DateTime("End", required=True,
        domain=[('end', '>', Eval('start', None))])
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='RESTRICT')
    role = fields.Char("Role",
        help="For example: duty officer, leader on call.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('plan')
        cls._order = [('start', 'ASC'), ('id', 'ASC')]


class EmergencyPlanResource(EnforcedStatesMixin, ModelSQL, ModelView):
    "Emergency plan resource"
    __name__ = 'complaint.emergency_plan.resource'

    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, ondelete='CASCADE')
    name = fields.Char("Resource", required=True)
    quantity = fields.Float("Quantity",
        domain=['OR',
            ('quantity', '=', None),
            ('quantity', '>=', 0),
            ])
    holder = fields.Many2One('company.employee', "Holder",
        ondelete='RESTRICT',
        help="The employee who keeps the resource and dispatches it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('plan')


class EmergencyPlanRevision(EnforcedStatesMixin, ModelSQL, ModelView):
    "Emergency plan revision"
    __name__ = 'complaint.emergency_plan.revision'

    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, ondelete='CASCADE')
    version = fields.Integer("Version", required=True)
    date = fields.Date("Date", required=True)
    summary = fields.Text("Summary", required=True)
    author = fields.Many2One('company.employee', "Author",
        ondelete='RESTRICT')
    incident = fields.Many2One('complaint.incident', "Incident",
        ondelete='RESTRICT', help="The incident whose evaluation led to it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('plan')
        cls._order = [('version', 'DESC'), ('id', 'DESC')]


class EmergencyPlanDrill(EnforcedStatesMixin, ModelSQL, ModelView):
    "Emergency plan drill or training"
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
    "Emergency plan drill - Participant"
    __name__ = 'complaint.emergency_plan.drill-company.employee'

    drill = fields.Many2One('complaint.emergency_plan.drill', "Drill",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='CASCADE')


class EmergencyPlanReviseStart(ModelView):
    "Revise emergency plan"
    __name__ = 'complaint.emergency_plan.revise.start'

    summary = fields.Text("Summary", required=True,
        help="What changes in this version of the plan.")


class EmergencyPlanRevise(Wizard):
    "Revise emergency plan"
    __name__ = 'complaint.emergency_plan.revise'

    start = StateView('complaint.emergency_plan.revise.start',
        'complaint_plan.emergency_plan_revise_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Revise", 'revise', 'tryton-ok', default=True),
            ])
    revise = StateTransition()

    def transition_revise(self):
        self.model.add_revision(self.records, self.start.summary)
        return 'end'


class Incident(EnforcedStatesMixin, Workflow, ModelSQL, ModelView):
    "Emergency incident"
    __name__ = 'complaint.incident'
    _rec_name = 'number'

    _active = {
        'readonly': Eval('state') != 'active',
        }

    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    number = fields.Char("Number", readonly=True)
    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, readonly=True, ondelete='RESTRICT')
    plan_version = fields.Integer("Plan Version", readonly=True,
        help="The version of the plan in force at activation.")
    state = fields.Selection([
            ('active', "Active"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)
    activated_at = fields.DateTime("Activated At", readonly=True)
    trigger = fields.Selection([
            ('level', "Complaint Level"),
            ('count', "Number of Complaints"),
            ('media', "Media Attention"),
            ], "Trigger", readonly=True, required=True)
    trigger_string = trigger.translated('trigger')
    complaints = fields.Many2Many(
        'complaint.incident-complaint.complaint', 'incident', 'complaint',
        "Complaints", states=_active,
        domain=[('company', '=', Eval('company', -1))])
    actions = fields.One2Many(
        'complaint.incident.action', 'incident', "Timeline",
        states=_active)
    evaluation_worked = fields.Text("What Worked", states=_active)
    evaluation_changes = fields.Text("What to Change", states=_active,
        help="Starts the revision of the plan once the incident is closed.")
    closed_at = fields.DateTime("Closed At", readonly=True)
    revision = fields.Many2One('complaint.emergency_plan.revision',
        "Plan Revision", readonly=True, ondelete='SET NULL')

    del _active

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('plan_active_exclude',
                Exclude(t, (t.plan, Equal), where=t.state == 'active'),
                'complaint_plan.msg_incident_one_active'),
            ]
        cls._sql_indexes.add(Index(t, (t.plan, Index.Equality()),
                where=t.state == 'active'))
        cls._order = [('activated_at', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('active', 'closed'),
            }
        cls._buttons.update({
                'close': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'start_revision': {
                    'invisible': ((Eval('state') != 'closed')
                        | Bool(Eval('revision'))),
                    'icon': 'tryton-launch',
                    'depends': ['state', 'revision'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'active'

    @classmethod
    def get_open(cls, plan):
        incidents = cls.search([
                ('plan', '=', plan.id),
                ('state', '=', 'active'),
                ], limit=1)
        if incidents:
            incident, = incidents
            return incident

    def add_complaints(self, complaint_ids):
        with without_check_access():
            self.__class__.write([self], {
                    'complaints': [('add', list(complaint_ids))],
                    })

    @classmethod
    def activate(cls, plan, trigger, complaint_ids):
        "Open an incident of the plan and alert its leading group"
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        ModelData = pool.get('ir.model.data')
        Sequence = pool.get('ir.sequence')
        with without_check_access():
            # Serialize the activations of a plan
            Plan.lock([plan])
            incident = cls.get_open(plan)
            if incident:
                incident.add_complaints(complaint_ids)
                return incident
            sequence = Sequence(
                ModelData.get_id('complaint_plan', 'sequence_incident'))
            incident, = cls.create([{
                        'company': plan.company.id,
                        'number': sequence.get(),
                        'plan': plan.id,
                        'plan_version': plan.version,
                        'activated_at': clock.now(),
                        'trigger': trigger,
                        'complaints': [('add', list(complaint_ids))],
                        }])
            incident.alert()
        return incident

    def _leader_users(self):
        return users_of_employees(self.plan.leaders)

    def alert(self):
        "Tell the leading group of the plan through the bell and by email"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action')
        notify([self], self._leader_users(), 'complaint-plan',
            ALERT_LABEL, ALERT_DESCRIPTION,
            variables=lambda: self.__class__(self.id)._alert_variables(),
            action=Action.get_action_id(
                ModelData.get_id('complaint_plan', 'act_incident')))
        if self.plan.alert_email:
            # A slow mail server must not hold the request that activated
            # the plan: the queue worker sends the emails
            self.__class__.__queue__.send_alert_emails([self])

    @classmethod
    def send_alert_emails(cls, incidents):
        "Email the alert to the leading group of each incident's plan"
        default_language = Transaction().language
        for incident in incidents:
            for user in incident._leader_users():
                if not user.email:
                    continue
                language = (user.language.code if user.language
                    else default_language)
                with Transaction().set_context(language=language):
                    translated = cls(incident.id)
                    variables = translated._alert_variables()
                    translated._send_alert_email(user,
                        gettext(ALERT_LABEL, **variables),
                        gettext(ALERT_DESCRIPTION, **variables))

    def _alert_variables(self):
        "The variables of the alert's texts: never a complainant's details"
        return {
            'plan': self.plan.name,
            'number': self.number,
            'trigger': self.trigger_string,
            'count': len(self.complaints),
            }

    def _send_alert_email(self, user, subject, body):
        from_ = config.get('email', 'from')
        msg = EmailMessage()
        set_from_header(msg, from_, from_)
        msg['To'] = format_address(user.email, user.name)
        msg['Subject'] = subject
        msg.set_content(body)
        send_message_transactional(msg)

    @classmethod
    def copy(cls, incidents, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'closed_at', 'revision', 'actions']:
            default.setdefault(name, None)
        default.setdefault('state', 'active')
        return super().copy(incidents, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, incidents):
        for incident in incidents:
            missing = [f for f in ['evaluation_worked', 'evaluation_changes']
                if not (getattr(incident, f) or '').strip()]
            if missing:
                strings = cls.fields_get(missing)
                raise ComplaintTransitionError(gettext(
                        'complaint_plan.msg_incident_close_needs_evaluation',
                        incident=incident.rec_name,
                        fields=join_names(
                            strings[f]['string'] for f in missing)))
        cls.write(incidents, {'closed_at': clock.now()})

    @classmethod
    @ModelView.button
    def start_revision(cls, incidents):
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        for incident in incidents:
            if incident.state != 'closed' or incident.revision:
                raise ComplaintTransitionError(gettext(
                        'complaint_plan.msg_incident_revision_closed_once',
                        incident=incident.rec_name))
        for incident in incidents:
            revision, = Plan.add_revision(
                [incident.plan], incident.evaluation_changes,
                incident=incident)
            incident.revision = revision
        with without_check_access():
            cls.save(incidents)


class IncidentComplaint(EnforcedStatesMixin, ModelSQL):
    "Emergency incident - Complaint"
    __name__ = 'complaint.incident-complaint.complaint'

    incident = fields.Many2One('complaint.incident', "Incident",
        required=True, ondelete='CASCADE')
    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('incident')
        cls._sql_indexes.update({
                Index(t, (t.complaint, Index.Equality())),
                Index(t, (t.incident, Index.Equality())),
                })


class IncidentAction(EnforcedStatesMixin, ModelSQL, ModelView):
    "Emergency incident action"
    __name__ = 'complaint.incident.action'

    incident = fields.Many2One('complaint.incident', "Incident",
        required=True, ondelete='CASCADE')
    time = fields.DateTime("Time", required=True)
    kind = fields.Selection([
            ('action', "Action"),
            ('resource', "Resource Dispatched"),
            ('communication', "Communication"),
            ], "Kind", required=True)
    description = fields.Text("Description", required=True)
    by = fields.Many2One('company.employee', "By", ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('incident')
        cls._order = [('time', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_time(cls):
        return clock.now().replace(microsecond=0)

    @classmethod
    def default_kind(cls):
        return 'action'

    @classmethod
    def default_by(cls):
        return _current_employee()

    @classmethod
    def check_modification(cls, mode, actions, values=None, external=False):
        pool = Pool()
        Incident = pool.get('complaint.incident')
        super().check_modification(
            mode, actions, values=values, external=external)
        incidents = {a.incident for a in actions}
        if values and values.get('incident'):
            incidents.add(Incident(values['incident']))
        for incident in incidents:
            if incident.state == 'closed':
                raise ComplaintTransitionError(gettext(
                        'complaint_plan.msg_incident_closed_timeline',
                        incident=incident.rec_name))


class Complaint(metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    media_attention = fields.Boolean("Media Attention",
        states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            },
        help="Likely to draw media attention.")
    incidents = fields.Many2Many(
        'complaint.incident-complaint.complaint', 'complaint', 'incident',
        "Incidents", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # The activation count of an emergency plan
        cls._sql_indexes.add(Index(t,
                (t.category, Index.Equality()),
                (t.received_at, Index.Range()),
                where=t.state != 'cancelled'))

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('incidents', None)
        return super().copy(complaints, default=default)

    @classmethod
    def on_modification(cls, mode, complaints, field_names=None):
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        super().on_modification(mode, complaints, field_names=field_names)
        if mode == 'create' or (
                mode == 'write' and TRIGGER_FIELDS & field_names):
            Plan.check_activation(complaints)
