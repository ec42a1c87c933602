# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Emergency plans (预案): their scope, activation, people and revisions"
from collections import defaultdict
from pathlib import Path

from sql.aggregate import Count
from sql.operators import Exists

from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, fields)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice
from trytond.modules.complaint_plan.upgrade import (
    take_over_from_complaint_plan)
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .drill import PlanDrillMixin


def current_employee():
    "The employee the user works as"
    return Transaction().context.get('employee')


class EmergencyPlan(PlanDrillMixin, EnforcedStatesMixin, DeactivableMixin,
        ModelSQL, ModelView):
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
    incidents = fields.One2Many(
        'complaint.incident', 'plan', "Incidents", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))
        cls._buttons.update({
                'revise': {
                    'icon': 'tryton-launch',
                    },
                })

    @classmethod
    def __register__(cls, module_name):
        # Until 8.0.0 the emergency plans were part of complaint_plan
        take_over_from_complaint_plan(module_name, Path(__file__).parent,
            ['emergency.xml', 'incident.xml', 'message.xml'],
            models=[
                'complaint.emergency_plan',
                'complaint.emergency_plan-complaint.level',
                'complaint.emergency_plan-complaint.category',
                'complaint.emergency_plan-leader-company.employee',
                'complaint.emergency_plan-handler-company.employee',
                'complaint.emergency_plan.duty',
                'complaint.emergency_plan.resource',
                'complaint.emergency_plan.revision',
                'complaint.emergency_plan.drill',
                'complaint.emergency_plan.drill-company.employee',
                'complaint.emergency_plan.revise.start',
                'complaint.incident',
                'complaint.incident-complaint.complaint',
                'complaint.incident.action',
                ],
            fields={
                'complaint.complaint': ['media_attention', 'incidents'],
                'complaint.level': ['activates_emergency_plan'],
                })
        super().__register__(module_name)

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
        return current_employee()

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
    @ModelView.button_action('complaint_emergency.wizard_emergency_plan_revise')
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
                        summary=summary, author=current_employee(),
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
    __name__ = 'complaint.emergency_plan-complaint.level'

    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, ondelete='CASCADE')
    level = fields.Many2One('complaint.level', "Level",
        required=True, ondelete='CASCADE')


class EmergencyPlanCategory(EnforcedStatesMixin, ModelSQL):
    __name__ = 'complaint.emergency_plan-complaint.category'

    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, ondelete='CASCADE')
    category = fields.Many2One('complaint.category', "Category",
        required=True, ondelete='CASCADE')


class EmergencyPlanLeader(EnforcedStatesMixin, ModelSQL):
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
    __name__ = 'complaint.emergency_plan-handler-company.employee'

    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='CASCADE')


class EmergencyPlanDuty(EnforcedStatesMixin, ModelSQL, ModelView):
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


class EmergencyPlanReviseStart(ModelView):
    __name__ = 'complaint.emergency_plan.revise.start'

    summary = fields.Text("Summary", required=True,
        help="What changes in this version of the plan.")


class EmergencyPlanRevise(Wizard):
    __name__ = 'complaint.emergency_plan.revise'

    start = StateView('complaint.emergency_plan.revise.start',
        'complaint_emergency.emergency_plan_revise_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Revise", 'revise', 'tryton-ok', default=True),
            ])
    revise = StateTransition()

    def transition_revise(self):
        self.model.add_revision(self.records, self.start.summary)
        return 'end'
