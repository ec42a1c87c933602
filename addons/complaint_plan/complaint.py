# This file is part of the complaint_plan module.
import copy
import datetime as dt
from collections import defaultdict
from email.errors import MessageError
from email.headerregistry import Address

from sql import Null
from sql.operators import Exists

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Workflow, fields, sequence_ordered)
from trytond.modules.currency.fields import Monetary
from trytond.modules.public_page.lists import join_names
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.activity import ActivityMixin
from trytond.modules.scheduled_activity.claim import claim
from trytond.modules.scheduled_activity.phone import (
    Phone, check_phone, normalize_phone)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction, without_check_access
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.notify import (
    notify, users_of_employees, users_of_groups)
from trytond.modules.scheduled_activity.working_calendar import (
    add_delay, time_between)

from .approval import user_language
from .plan import CARRIED_OUT
from .exceptions import ComplaintTransitionError, ComplaintValidationError

CHANNELS = [
    ('phone', "Phone"),
    ('email', "Email"),
    ('letter', "Letter"),
    ('web', "Web"),
    ('walk_in', "Walk-in"),
    ('social_media', "Social Media"),
    ('other', "Other"),
    ]
# The languages the complainant is written to in, as the public pages
# speak them
COMPLAINANT_LANGUAGES = [
    ('zh_CN', "Chinese"),
    ('en', "English"),
    ]
# The resolution clock runs in these states; 'waiting' pauses it.
CLOCK_STATES = ['received', 'registered', 'verifying', 'planning',
    'approving', 'processing']
OPEN_STATES = CLOCK_STATES + ['waiting']
# The handling plan is written in these states (and while waiting on the
# complainant during verification)
PLAN_STATES = ['received', 'registered', 'verifying', 'planning']
# A received time this far ahead of the server clock is a clock skew, not
# a complaint from the future.
CLOCK_SKEW = dt.timedelta(minutes=5)


def valid_email(email):
    "Tell if the email address is well formed, without asking the network"
    # trytond's validate_email accepts everything unless email_validator is
    # installed, and then asks DNS
    try:
        address = Address(addr_spec=email)
    except (ValueError, IndexError, MessageError):
        return False
    return '.' in address.domain.strip('.')


def uncache_default_get(cls):
    """Let the client ask the defaults for each new record: the defaults
    of the model hold the time of now, that a client cache of five minutes
    would give stale to the next record"""
    rpc = copy.copy(cls.__rpc__['default_get'])
    rpc.cache = None
    cls.__rpc__['default_get'] = rpc


class Complaint(EnforcedStatesMixin, ActivityMixin, Workflow, ModelSQL, ModelView):
    "Complaint"
    __name__ = 'complaint.complaint'
    _rec_name = 'number'

    _registration = {
        'readonly': ~Eval('state').in_(['received', 'registered']),
        }
    _open = {
        'readonly': ~Eval('state').in_(OPEN_STATES),
        }
    # The plan is frozen once submitted: read-only while it awaits approval
    # and while it is carried out; "Revise Plan" opens it again
    _plan = {
        'readonly': ~Eval('state').in_(PLAN_STATES) & ~(
            (Eval('state') == 'waiting')
            & (Eval('waiting_from') == 'verifying')),
        }

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One('company.company', "Company", required=True,
        states=_registration)
    state = fields.Selection([
            ('received', "Received"),
            ('registered', "Registered"),
            ('verifying', "Verifying"),
            ('planning', "Planning"),
            ('approving', "Awaiting Approval"),
            ('processing', "Processing"),
            ('waiting', "Waiting on Complainant"),
            ('responded', "Responded"),
            ('closed', "Closed"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')
    round = fields.Integer("Round", readonly=True,
        help="Incremented each time the complaint goes back to verification.")
    plan_round = fields.Integer("Plan Round", readonly=True,
        help="Incremented each time the handling plan is submitted "
        "for approval.")

    # Registration
    channel = fields.Selection(CHANNELS, "Channel", required=True,
        states=_registration)
    channel_string = channel.translated('channel')
    received_at = fields.DateTime("Received At", required=True,
        states=_registration)
    complainant = fields.Many2One('party.party', "Complainant",
        states=_registration,
        context={'company': Eval('company', -1)}, depends={'company'},
        help="Leave empty and fill in the name and contact "
        "when the complainant is not a known party.")
    complainant_name = fields.Char("Complainant Name", states=_registration)
    complainant_phone = Phone("Complainant Phone", states=_registration)
    complainant_email = fields.Char("Complainant Email", states=_registration)
    complainant_address = fields.Text(
        "Complainant Address", states=_registration)
    complainant_language = fields.Selection(COMPLAINANT_LANGUAGES,
        "Complainant Language", required=True, states=_registration,
        help="The language of the emails to the complainant.")
    respondent = fields.Reference("Respondent",
        selection='get_respondent_models', states=_registration,
        help="The store, employee or party complained about.")
    respondent_name = fields.Char("Respondent Description",
        states=_registration,
        help="The department or anything complained about "
        "that is not a record.")
    subject = fields.Char("Subject", required=True, states=_registration)
    description = fields.Text("Description", required=True,
        states=_registration)
    requested_remedy = fields.Text("Requested Remedy", states=_registration)
    category = fields.Many2One('complaint.category', "Category",
        states={
            'readonly': _open['readonly'],
            'required': Eval('state') != 'received',
            })
    level = fields.Many2One('complaint.level', "Level",
        states={
            'readonly': _open['readonly'],
            'required': Eval('state') != 'received',
            })
    suggested_level = fields.Many2One('complaint.level', "Suggested Level",
        readonly=True, help="The level suggested by the category.")
    level_reason = fields.Text("Level Reason",
        states={
            'readonly': _open['readonly'],
            'invisible': ~Eval('level') | (
                Eval('level') == Eval('suggested_level')),
            'required': Bool(Eval('level')) & Bool(Eval('suggested_level'))
            & (Eval('level') != Eval('suggested_level')),
            },
        help="Why the level differs from the one suggested by the category.")
    level_changes = fields.One2Many(
        'complaint.level.change', 'complaint', "Level Changes", readonly=True)
    responsible = fields.Many2One('company.employee', "Responsible",
        domain=[('company', '=', Eval('company', -1))],
        states=_open)

    # Deadlines
    acknowledgement_due = fields.Timestamp(
        "Acknowledgement Due", readonly=True)
    acknowledged_at = fields.Timestamp("Acknowledged At", readonly=True)
    registered_by = fields.Many2One('res.user', "Registered By",
        readonly=True, ondelete='RESTRICT',
        help="The user who registered the complaint.")
    resolution_due = fields.Timestamp("Resolution Due", readonly=True,
        help="Moves later by the time spent waiting on the complainant.")
    waiting_since = fields.Timestamp("Waiting Since", readonly=True)
    waiting_from = fields.Char("Waiting From", readonly=True)
    responded_at = fields.Timestamp("Responded At", readonly=True)
    closed_at = fields.Timestamp("Closed At", readonly=True)
    leaders_alerted_at = fields.Timestamp("Leading Group Alerted At",
        readonly=True)
    acknowledgement_overdue = fields.Function(
        fields.Boolean("Acknowledgement Overdue"),
        'get_acknowledgement_overdue',
        searcher='search_acknowledgement_overdue')
    overdue = fields.Function(fields.Boolean("Overdue"),
        'get_overdue', searcher='search_overdue')
    on_time = fields.Function(fields.Boolean("Responded on Time"),
        'get_on_time')

    # Verification
    occurred_at = fields.DateTime("Occurred At", states=_open)
    place = fields.Char("Place", states=_open)
    persons_involved = fields.Text("Persons Involved", states=_open)
    cause = fields.Text("Cause", states=_open)
    interview_notes = fields.Text("Interview Notes", states=_open)

    # Handling plan: the six elements of the seed's plan
    investigation_team = fields.Many2Many(
        'complaint.complaint-investigation-company.employee',
        'complaint', 'employee', "Investigation Team", states=_plan)
    investigation_duties = fields.Text("Team Duties", states=_plan)
    investigation_time = fields.DateTime("Investigation Time", states=_plan)
    investigation_place = fields.Char("Investigation Place", states=_plan)
    investigation_methods = fields.Text("Methods and Means", states=_plan)
    measures = fields.Text("Measures", states=_plan)
    compensation_amount = Monetary("Compensation", currency='currency',
        digits='currency', states=_plan)
    compensation_description = fields.Char("Compensation Details",
        states=_plan)
    currency = fields.Many2One('currency.currency', "Currency",
        states=_plan)
    responsibility = fields.Text("Responsibility Determination", states=_plan)
    prevention = fields.Text("Prevention and Improvement", states=_plan)
    approvals = fields.One2Many('complaint.approval', 'complaint',
        "Approvals", readonly=True)
    plan_versions = fields.One2Many('complaint.plan.version', 'complaint',
        "Plan Versions", readonly=True,
        help="The plan as frozen at each submission.")
    plan_version = fields.Function(fields.Many2One(
            'complaint.plan.version', "Latest Plan Version"),
        'get_plan_version')
    approved_plan = fields.Function(fields.Many2One(
            'complaint.plan.version', "Plan Carried Out",
            help="The approved version of the plan, or the version "
            "frozen when processing started when the level needs "
            "no approval."),
        'get_plan_version')
    approval_needed = fields.Function(fields.Boolean("Needs Approval",
            help="The level of the complaint has an approval chain: "
            "the plan is submitted for approval before it is carried out."),
        'on_change_with_approval_needed')

    # Feedback and after
    feedbacks = fields.One2Many('complaint.feedback', 'complaint', "Feedback",
        states={
            'readonly': ~Eval('state').in_(['processing', 'responded']),
            })
    satisfaction = fields.Function(fields.Selection([
                (None, ""),
                ('satisfied', "Satisfied"),
                ('unsatisfied', "Unsatisfied"),
                ('no_answer', "No Answer"),
                ], "Satisfaction"), 'get_satisfaction',
        searcher='search_satisfaction')
    disclosures = fields.One2Many(
        'complaint.disclosure', 'complaint', "Disclosures")
    root_cause = fields.Text("Root Cause",
        states={'readonly': Eval('state') == 'cancelled'})
    improvements = fields.One2Many(
        'complaint.improvement', 'complaint', "Improvement Actions")
    assessments = fields.One2Many(
        'complaint.assessment', 'complaint', "Staff Assessments")
    cancel_reason = fields.Text("Cancellation Reason",
        states={
            'readonly': ~Eval('state').in_(OPEN_STATES),
            },
        help="Why this is not a complaint; required to cancel.")

    @classmethod
    def __setup__(cls):
        cls.number.search_unaccented = False
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.number, Index.Similarity())),
                Index(t, (t.received_at, Index.Range(order='DESC'))),
                Index(t,
                    (t.resolution_due, Index.Range()),
                    (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(CLOCK_STATES)),
                Index(t,
                    (t.acknowledgement_due, Index.Range()),
                    where=t.state == 'received'),
                Index(t,
                    (t.resolution_due, Index.Range()),
                    (t.level, Index.Equality()),
                    where=t.state.in_(CLOCK_STATES)
                    & (t.leaders_alerted_at == Null)),
                })
        cls._order = [('received_at', 'DESC'), ('id', 'DESC')]
        uncache_default_get(cls)
        cls._transitions |= {
            ('received', 'registered'),
            ('registered', 'verifying'),
            ('verifying', 'planning'),
            ('planning', 'processing'),
            ('planning', 'approving'),
            ('approving', 'processing'),
            ('approving', 'planning'),
            ('processing', 'planning'),
            ('processing', 'responded'),
            ('responded', 'closed'),
            ('responded', 'verifying'),
            ('verifying', 'waiting'),
            ('processing', 'waiting'),
            ('waiting', 'verifying'),
            ('waiting', 'processing'),
            ('received', 'cancelled'),
            ('registered', 'cancelled'),
            ('verifying', 'cancelled'),
            ('planning', 'cancelled'),
            ('waiting', 'cancelled'),
            ('closed', 'verifying'),
            ('cancelled', 'received'),
            }
        cls._buttons.update({
                'register': {
                    'invisible': Eval('state') != 'received',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'verify': {
                    'invisible': Eval('state') != 'registered',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'plan': {
                    'invisible': Eval('state') != 'verifying',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'process': {
                    'invisible': ((Eval('state') != 'planning')
                        | Eval('approval_needed', False)),
                    'icon': 'tryton-forward',
                    'depends': ['state', 'approval_needed'],
                    },
                'submit_plan': {
                    'invisible': ((Eval('state') != 'planning')
                        | ~Eval('approval_needed', False)),
                    'icon': 'tryton-forward',
                    'depends': ['state', 'approval_needed'],
                    },
                'revise_plan': {
                    'invisible': ~Eval('state').in_(
                        ['approving', 'processing']),
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'respond': {
                    'invisible': Eval('state') != 'processing',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'responded',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'reverify': {
                    'invisible': Eval('state') != 'responded',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'wait': {
                    'invisible': ~Eval('state').in_(
                        ['verifying', 'processing']),
                    'icon': 'tryton-switch',
                    'depends': ['state'],
                    },
                'resume': {
                    'invisible': Eval('state') != 'waiting',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['received', 'registered', 'verifying', 'planning',
                            'waiting']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': ~Eval('state').in_(['closed', 'cancelled']),
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('overdue', False)
                    | Eval('acknowledgement_overdue', False), 'danger', ''),
                ['overdue', 'acknowledgement_overdue']),
            ]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'received'

    @classmethod
    def default_round(cls):
        return 1

    @classmethod
    def default_plan_round(cls):
        return 0

    @classmethod
    def default_channel(cls):
        return 'phone'

    @classmethod
    def default_complainant_language(cls):
        return 'zh_CN'

    @classmethod
    def default_received_at(cls):
        return clock.now().replace(microsecond=0)

    @classmethod
    def default_currency(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company = Transaction().context.get('company')
        if company is not None and company >= 0:
            return Company(company).currency.id

    @classmethod
    def _get_respondent_models(cls):
        "Models whose records a complaint can be about."
        return ['company.employee', 'party.party']

    @classmethod
    def get_respondent_models(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        models = cls._get_respondent_models()
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in models]

    @fields.depends('category', 'level', 'responsible', 'suggested_level')
    def on_change_category(self):
        self.suggested_level = (
            self.category.get_default_level() if self.category else None)
        if self.category:
            self.level = self.suggested_level
            if not self.responsible:
                employees = self.category.get_responsible_employees()
                if employees:
                    self.responsible = employees[0]

    @fields.depends('complainant', 'complainant_name')
    def on_change_complainant(self):
        if self.complainant and not self.complainant_name:
            self.complainant_name = self.complainant.rec_name

    # Deadlines and flags

    @classmethod
    def _deadlines(cls, level, received_at, paused=dt.timedelta(),
            company=None):
        """The due dates of a complaint received at received_at, its
        resolution moved by paused, counted in the resolution's unit, in
        the working calendar of the company"""
        if not level or not received_at:
            return {'acknowledgement_due': None, 'resolution_due': None}
        if company is None:
            company = cls.default_company()
        unit = level.resolution_delay_unit
        return {
            'acknowledgement_due': add_delay(company, received_at,
                level.acknowledgement_delay,
                level.acknowledgement_delay_unit),
            'resolution_due': add_delay(company, add_delay(company,
                    received_at, level.resolution_delay, unit),
                paused, unit),
            }

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Category = pool.get('complaint.category')
        values = super().preprocess_values(mode, values)
        cls.check_values(values)
        if values.get('complainant_phone'):
            values['complainant_phone'] = normalize_phone(
                values['complainant_phone'])
        if mode == 'write' and 'category' in values:
            suggested = (Category(values['category']).get_default_level()
                if values['category'] else None)
            values['suggested_level'] = suggested.id if suggested else None
        return values

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Category = pool.get('complaint.category')
        Level = pool.get('complaint.level')
        Configuration = pool.get('complaint.configuration')
        LevelChange = pool.get('complaint.level.change')
        # Number, suggested level and deadlines are completed for the whole
        # batch at once, so that creating many complaints stays cheap.
        vlist = [v.copy() for v in vlist]
        suggestions = {c.id: c.get_default_level() for c in Category.browse(
                {v['category'] for v in vlist if v.get('category')})}
        overridden = []
        for values in vlist:
            suggested = suggestions.get(values.get('category'))
            values['suggested_level'] = suggested.id if suggested else None
            if not values.get('level'):
                values['level'] = values['suggested_level']
            overridden.append(bool(
                    suggested and values['level'] != suggested.id))
        levels = {l.id: l for l in Level.browse(
                {v['level'] for v in vlist if v['level']})}
        unnumbered = defaultdict(list)
        for values in vlist:
            values.update(cls._deadlines(
                    levels.get(values['level']),
                    values.get('received_at') or cls.default_received_at(),
                    company=values.get('company', cls.default_company())))
            if not values.get('number'):
                company = values.get('company', cls.default_company())
                unnumbered[company].append(values)
        configuration = Configuration(1)
        for company, company_vlist in unnumbered.items():
            sequence = configuration.get_multivalue(
                'complaint_sequence', company=company)
            for values, number in zip(
                    company_vlist, sequence.get_many(len(company_vlist))):
                values['number'] = number
        complaints = super().create(vlist)
        cls._plan_activity(complaints, 'complaint_acknowledgement',
            'acknowledgement_due')
        # The level history is the system's record, not the user's
        with without_check_access():
            LevelChange.create([{
                        'complaint': complaint.id,
                        'level': values['level'],
                        'suggested_level': values['suggested_level'],
                        'reason': values.get('level_reason'),
                        } for complaint, values, changed in zip(
                        complaints, vlist, overridden) if changed])
        return complaints

    @classmethod
    def on_modification(cls, mode, complaints, field_names=None):
        pool = Pool()
        LevelChange = pool.get('complaint.level.change')
        super().on_modification(mode, complaints, field_names=field_names)
        if mode == 'write' and 'responsible' in field_names:
            cls._reschedule_activities(complaints)
        if mode != 'write' or not {'level', 'received_at'} & field_names:
            return
        to_write = []
        for complaint in complaints:
            deadlines = cls._deadlines(
                complaint.level, complaint.received_at,
                complaint._paused_time(), company=complaint.company)
            if any(getattr(complaint, f) != v for f, v in deadlines.items()):
                to_write.extend(([complaint], deadlines))
        if to_write:
            cls.write(*to_write)
            cls._reschedule_activities(complaints)
        if 'level' in field_names:
            LevelChange.create([{
                        'complaint': c.id,
                        'level': c.level.id,
                        'suggested_level': (
                            c.suggested_level.id if c.suggested_level
                            else None),
                        'reason': c.level_reason,
                        } for c in complaints if c.level])

    @classmethod
    def _reschedule_activities(cls, complaints):
        "Keep the open deadline activities on the responsible and deadlines"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        to_write = []
        with without_check_access():
            for complaint in complaints:
                for activity in complaint.activities:
                    if activity.state != 'planned' or not (
                            complaint.responsible):
                        continue
                    due = {
                        'complaint_acknowledgement':
                            complaint.acknowledgement_due,
                        'complaint_resolution': complaint.resolution_due,
                        }.get(activity.type.code)
                    values = {}
                    if due and activity.due != due:
                        values['due'] = due
                    if activity.assignee != complaint.responsible:
                        values['assignee'] = complaint.responsible.id
                    if values:
                        to_write.extend(([activity], values))
            if to_write:
                Activity.write(*to_write)

    @classmethod
    def escalate_to_leaders(cls):
        """Alert the leading group of the complaints overdue longer than
        their level allows, once each"""
        pool = Pool()
        Level = pool.get('complaint.level')
        ModelData = pool.get('ir.model.data')
        table = cls.__table__()
        now = clock.now()
        ids = []
        for level in Level.search([('leaders_escalation_delay', '!=', None)]):
            where = (table.state.in_(CLOCK_STATES)
                & (table.leaders_alerted_at == Null)
                & (table.level == level.id))
            if level.leaders_escalation_delay_unit in {None, 'calendar'}:
                where &= (table.resolution_due
                    < now - level.leaders_escalation_delay)
            else:
                # Working time is counted from the overdue ones only, whose
                # stored resolution_due is indexed
                cursor = Transaction().connection.cursor()
                cursor.execute(*table.select(
                        table.id, table.company, table.resolution_due,
                        where=where & (table.resolution_due < now)))
                due = [id_ for id_, company, resolution_due in cursor
                    if add_delay(company, resolution_due,
                        level.leaders_escalation_delay,
                        level.leaders_escalation_delay_unit) < now]
                if not due:
                    continue
                where &= table.id.in_(due)
            ids += claim(cls, table, [table.leaders_alerted_at], [now], where)
        if not ids:
            return
        leaders = users_of_groups([ModelData.get_id(
                    'complaint_plan', 'group_leading_group')])
        for complaint in cls.browse(ids):
            notify([complaint], leaders, 'tryton-warning',
                'complaint_plan.msg_leaders_overdue_label',
                'complaint_plan.msg_complaint_subject_description',
                variables={
                    'complaint': complaint.rec_name,
                    'subject': complaint.subject,
                    })

    def _paused_time(self):
        """Time already spent waiting, as recorded by resolution_due,
        counted in the unit of the resolution delay"""
        if self.resolution_due and self.level and self.received_at:
            unit = self.level.resolution_delay_unit
            due = add_delay(self.company, self.received_at,
                self.level.resolution_delay, unit)
            return max(time_between(self.company, due, self.resolution_due,
                    unit), dt.timedelta())
        return dt.timedelta()

    def get_acknowledgement_overdue(self, name):
        return bool(self.state == 'received' and self.acknowledgement_due
            and self.acknowledgement_due < clock.now())

    @classmethod
    def search_acknowledgement_overdue(cls, name, clause):
        _, operator, value = clause
        overdue = [
            ('state', '=', 'received'),
            ('acknowledgement_due', '<', clock.now()),
            ]
        if (operator == '=') == bool(value):
            return overdue
        return ['OR',
            ('state', '!=', 'received'),
            ('acknowledgement_due', '=', None),
            ('acknowledgement_due', '>=', clock.now()),
            ]

    def get_overdue(self, name):
        return bool(self.state in CLOCK_STATES and self.resolution_due
            and self.resolution_due < clock.now())

    @classmethod
    def search_overdue(cls, name, clause):
        _, operator, value = clause
        if (operator == '=') == bool(value):
            return [
                ('state', 'in', CLOCK_STATES),
                ('resolution_due', '<', clock.now()),
                ]
        return ['OR',
            ('state', 'not in', CLOCK_STATES),
            ('resolution_due', '=', None),
            ('resolution_due', '>=', clock.now()),
            ]

    def get_on_time(self, name):
        if self.responded_at and self.resolution_due:
            return self.responded_at <= self.resolution_due

    def get_satisfaction(self, name):
        if self.feedbacks:
            return self.feedbacks[-1].satisfaction

    def replies(self):
        "The feedback written for the complainant, the internal record kept"
        return [f for f in self.feedbacks if (f.reply or '').strip()]

    @classmethod
    def search_satisfaction(cls, name, clause):
        pool = Pool()
        Feedback = pool.get('complaint.feedback')
        feedback = Feedback.__table__()
        latest = Feedback.__table__()
        _, operator, value = clause
        Operator = fields.SQL_OPERATORS[operator]
        query = feedback.select(feedback.complaint,
            where=Operator(feedback.satisfaction, value)
            & ~Exists(latest.select(latest.id,
                    where=(latest.complaint == feedback.complaint)
                    & (latest.id > feedback.id))))
        return [('id', 'in', query)]

    # Validation

    @classmethod
    def check_values(cls, values):
        "Refuse wrong input before it is stored"
        received_at = values.get('received_at')
        if received_at and received_at > clock.now() + CLOCK_SKEW:
            raise ComplaintValidationError(gettext(
                    'complaint_plan.msg_received_in_future',
                    received_at=received_at))
        email = values.get('complainant_email')
        if email and not valid_email(email):
            raise ComplaintValidationError(gettext(
                    'complaint_plan.msg_invalid_email', email=email))
        # Raises PhoneNumberError, which says what is wrong
        check_phone(values.get('complainant_phone'))
        amount = values.get('compensation_amount')
        if amount is not None and amount < 0:
            raise ComplaintValidationError(gettext(
                    'complaint_plan.msg_compensation_negative',
                    amount=amount))

    # The fields that fill each part of the handling plan: one of the
    # groups filled is enough
    _plan_part_fields = {
        'team': [['investigation_team'], ['investigation_duties']],
        'time_place': [['investigation_time', 'investigation_place']],
        'methods': [['investigation_methods']],
        'measures': [['measures']],
        'responsibility': [['responsibility']],
        'prevention': [['prevention']],
        }

    def _filled(self, name):
        value = getattr(self, name)
        if isinstance(value, str):
            return bool(value.strip())
        return bool(value)

    def check_plan_parts(self):
        """Raise the translated message naming at once every part of the
        handling plan that its level requires and is empty"""
        pool = Pool()
        Level = pool.get('complaint.level')
        parts = (self.level.plan_parts
            if self.level and self.level.plan_parts is not None
            else Level.default_plan_parts())
        # In the order of the plan
        missing = [p for p, groups in self._plan_part_fields.items()
            if p in (parts or [])
            and not any(all(self._filled(f) for f in group)
                for group in groups)]
        if missing:
            selection = dict(
                Level.fields_get(['plan_parts'])['plan_parts']['selection'])
            raise ComplaintTransitionError(gettext(
                    'complaint_plan.msg_process_needs_plan',
                    complaint=self.rec_name,
                    fields=join_names(selection[p] for p in missing)))

    def check_review(self):
        """Raise the translated message when the level asks for the closing
        review and the root cause or the improvement actions are missing"""
        if not self.level or not self.level.close_needs_review:
            return
        missing = [f for f in ['root_cause', 'improvements']
            if not self._filled(f)]
        if missing:
            strings = self.__class__.fields_get(missing)
            raise ComplaintTransitionError(gettext(
                    'complaint_plan.msg_close_needs_review',
                    complaint=self.rec_name, level=self.level.rec_name,
                    fields=join_names(strings[f]['string'] for f in missing)))

    def _require(self, field_names, message):
        "Raise the translated message when one of the fields is empty."
        missing = [f for f in field_names
            if not getattr(self, f) or (
                isinstance(getattr(self, f), str)
                and not getattr(self, f).strip())]
        if missing:
            strings = self.__class__.fields_get(missing)
            fields_string = join_names(strings[f]['string'] for f in missing)
            raise ComplaintTransitionError(gettext(
                    message, complaint=self.rec_name, fields=fields_string))

    # Workflow

    @classmethod
    @ModelView.button
    @Workflow.transition('registered')
    def register(cls, complaints):
        for complaint in complaints:
            complaint._require(['category', 'level'],
                'complaint_plan.msg_register_needs')
            if not complaint.complainant and not complaint.complainant_name:
                raise ComplaintTransitionError(gettext(
                        'complaint_plan.msg_register_needs_complainant',
                        complaint=complaint.rec_name))
        now = clock.now()
        user = Transaction().user
        for complaint in complaints:
            complaint.acknowledged_at = now
            complaint.registered_by = user
            if not complaint.responsible and complaint.category:
                employees = complaint.category.get_responsible_employees()
                if employees:
                    complaint.responsible = employees[0]
        cls.save(complaints)
        Activity = Pool().get('scheduled.activity')
        Activity.close(complaints, ['complaint_acknowledgement'])
        cls._plan_activity(complaints, 'complaint_resolution',
            'resolution_due')

    @classmethod
    def _plan_activity(cls, complaints, type_code, due_field):
        "Plan for the responsible the activity that tracks the deadline"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        for complaint in complaints:
            due = getattr(complaint, due_field)
            if complaint.responsible and due:
                with Transaction().set_context(
                        language=complaint.company.party.lang.code
                        if complaint.company.party.lang else None):
                    subject = gettext(
                        f'complaint_plan.msg_activity_{type_code}',
                        complaint=complaint.rec_name)
                Activity.plan(complaint, type_code, complaint.responsible,
                    due, subject)

    @classmethod
    @ModelView.button
    @Workflow.transition('verifying')
    def verify(cls, complaints):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('planning')
    def plan(cls, complaints):
        for complaint in complaints:
            complaint._require(['occurred_at', 'cause'],
                'complaint_plan.msg_plan_needs_verification')

    @fields.depends('level', 'category')
    def on_change_with_approval_needed(self, name=None):
        pool = Pool()
        Chain = pool.get('complaint.approval.chain')
        if not self.level:
            return False
        with without_check_access():
            return bool(Chain.find(self))

    @classmethod
    def get_plan_version(cls, complaints, names):
        pool = Pool()
        Version = pool.get('complaint.plan.version')
        latest = {c.id: None for c in complaints}
        approved = latest.copy()
        with without_check_access():
            # Versions come newest first
            for version in Version.search([
                        ('complaint', 'in', [c.id for c in complaints]),
                        ], order=[('number', 'DESC')]):
                complaint = version.complaint.id
                if latest[complaint] is None:
                    latest[complaint] = version.id
                if (approved[complaint] is None
                        and version.state in CARRIED_OUT):
                    approved[complaint] = version.id
        result = {}
        if 'plan_version' in names:
            result['plan_version'] = latest
        if 'approved_plan' in names:
            result['approved_plan'] = approved
        return result

    @classmethod
    @ModelView.button
    def process(cls, complaints):
        """Carry out the handling plan, after the approval chain of the
        complaint's level when it has one"""
        cls._process_plan(complaints)

    @classmethod
    @ModelView.button
    def submit_plan(cls, complaints):
        "Submit the handling plan to the approval chain of the level"
        cls._process_plan(complaints)

    @classmethod
    def _process_plan(cls, complaints):
        """Freeze the plan in a new version; submit it to the approval
        chain of the level, or carry it out when the level has none"""
        pool = Pool()
        Chain = pool.get('complaint.approval.chain')
        Approval = pool.get('complaint.approval')
        Version = pool.get('complaint.plan.version')
        complaints = [c for c in complaints if c.state == 'planning']
        for complaint in complaints:
            complaint.check_plan_parts()
        with without_check_access():
            to_approve = [c for c in complaints if Chain.find(c)]
        to_process = [c for c in complaints if c not in to_approve]
        with without_check_access():
            versions = Version.freeze(to_approve, 'submitted')
            Version.freeze(to_process, 'adopted')
        cls._submit(to_approve)
        cls._start_processing(to_process)
        if to_approve:
            for complaint in to_approve:
                complaint.plan_round += 1
            cls.save(to_approve)
            with without_check_access():
                Approval.start_chain(to_approve, versions)

    @classmethod
    @ModelView.button
    def revise_plan(cls, complaints):
        """Take the submitted or approved plan back to planning: the
        approval under way is cancelled, the version stays as it was and
        the next submission freezes a new one"""
        pool = Pool()
        Approval = pool.get('complaint.approval')
        Version = pool.get('complaint.plan.version')
        complaints = [c for c in complaints
            if c.state in {'approving', 'processing'}]
        approving = [c for c in complaints if c.state == 'approving']
        with without_check_access():
            Approval.cancel_round(approving)
            Version.decide([c.plan_version for c in approving
                    if c.plan_version], 'withdrawn')
        cls._revise(complaints)

    @classmethod
    @Workflow.transition('planning')
    def _revise(cls, complaints):
        pass

    @classmethod
    @Workflow.transition('approving')
    def _submit(cls, complaints):
        pass

    @classmethod
    @Workflow.transition('processing')
    def _start_processing(cls, complaints):
        pass

    @classmethod
    def plan_approved(cls, complaints):
        "Called when the last step of the chain approved the plan"
        pool = Pool()
        Version = pool.get('complaint.plan.version')
        Version.decide([c.plan_version for c in complaints
                if c.plan_version], 'approved')
        cls._start_processing(complaints)
        cls._notify_handlers(complaints,
            'complaint_plan.msg_plan_approved_label', 'tryton-ok',
            decision='approve')

    @classmethod
    @Workflow.transition('planning')
    def plan_rejected(cls, complaints):
        "Called when an approver rejected the plan"
        pool = Pool()
        Version = pool.get('complaint.plan.version')
        Version.decide([c.plan_version for c in complaints
                if c.plan_version], 'rejected')
        cls._notify_handlers(complaints,
            'complaint_plan.msg_plan_rejected_label', 'tryton-cancel',
            decision='reject')

    def _decision_comments(self):
        """The comments of the decisions of the current plan round, as
        (approver, decision, comment), in the order they were given"""
        return [(d.user.rec_name, d.decision, d.comment)
            for a in sorted(self.approvals, key=lambda a: a.sequence)
            if a.round == self.plan_round
            for d in a.decisions if d.comment]

    @classmethod
    def _notify_handlers(cls, complaints, label, icon, decision=None):
        """Tell the handlers the outcome, with the comments of the round's
        decisions of the kind, in each handler's language"""
        for complaint in complaints:
            comments = [c for c in complaint._decision_comments()
                if c[1] == decision]
            for user in users_of_employees([complaint.responsible]):
                with Transaction().set_context(language=user_language(user)):
                    description = complaint.subject
                    if comments:
                        description = '; '.join(gettext(
                                f'complaint_plan.msg_plan_{kind}_comment',
                                approver=approver, comment=comment)
                            for approver, kind, comment in comments)
                    complaint.notify_user(icon,
                        gettext(label, complaint=complaint.rec_name),
                        description, user=user.id)

    @classmethod
    @ModelView.button
    @Workflow.transition('responded')
    def respond(cls, complaints):
        for complaint in complaints:
            if not any(f.round == complaint.round
                    for f in complaint.feedbacks):
                raise ComplaintTransitionError(gettext(
                        'complaint_plan.msg_respond_needs_feedback',
                        complaint=complaint.rec_name))
        cls.write(complaints, {'responded_at': clock.now()})
        Pool().get('scheduled.activity').close(
            complaints, ['complaint_resolution'])

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, complaints):
        for complaint in complaints:
            if complaint.satisfaction not in {'satisfied', 'no_answer'}:
                raise ComplaintTransitionError(gettext(
                        'complaint_plan.msg_close_needs_satisfaction',
                        complaint=complaint.rec_name))
            complaint.check_review()
        cls.write(complaints, {'closed_at': clock.now()})

    @classmethod
    @ModelView.button
    @Workflow.transition('verifying')
    def reverify(cls, complaints):
        for complaint in complaints:
            if complaint.satisfaction != 'unsatisfied':
                raise ComplaintTransitionError(gettext(
                        'complaint_plan.msg_reverify_needs_unsatisfied',
                        complaint=complaint.rec_name))
        cls._next_round(complaints)

    @classmethod
    def _next_round(cls, complaints):
        for complaint in complaints:
            complaint.round += 1
            complaint.responded_at = None
            complaint.closed_at = None
        cls.save(complaints)
        cls._plan_activity(complaints, 'complaint_resolution',
            'resolution_due')

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def wait(cls, complaints):
        now = clock.now()
        for complaint in complaints:
            complaint.waiting_from = complaint.state
            complaint.waiting_since = now
        cls.save(complaints)

    @classmethod
    @ModelView.button
    def resume(cls, complaints):
        complaints = [c for c in complaints if c.state == 'waiting']
        now = clock.now()
        for complaint in complaints:
            if complaint.resolution_due and complaint.waiting_since:
                # The wait counted in the unit of the resolution delay
                unit = (complaint.level.resolution_delay_unit
                    if complaint.level else None)
                complaint.resolution_due = add_delay(complaint.company,
                    complaint.resolution_due,
                    time_between(complaint.company, complaint.waiting_since,
                        now, unit), unit)
            complaint.waiting_since = None
        cls.save(complaints)
        cls._reschedule_activities(complaints)
        to_verify = [c for c in complaints if c.waiting_from == 'verifying']
        cls._resume_verifying(to_verify)
        cls._resume_processing(
            [c for c in complaints if c not in to_verify])
        cls.write(complaints, {'waiting_from': None})

    @classmethod
    @Workflow.transition('verifying')
    def _resume_verifying(cls, complaints):
        pass

    @classmethod
    @Workflow.transition('processing')
    def _resume_processing(cls, complaints):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, complaints):
        for complaint in complaints:
            complaint._require(['cancel_reason'],
                'complaint_plan.msg_cancel_needs_reason')
        cls.write(complaints, {'waiting_since': None, 'waiting_from': None})
        Pool().get('scheduled.activity').cancel_open(complaints)

    @classmethod
    @ModelView.button
    def reopen(cls, complaints):
        cls._reopen_closed([c for c in complaints if c.state == 'closed'])
        cls._reopen_cancelled(
            [c for c in complaints if c.state == 'cancelled'])

    @classmethod
    @Workflow.transition('verifying')
    def _reopen_closed(cls, complaints):
        cls._next_round(complaints)

    @classmethod
    @Workflow.transition('received')
    def _reopen_cancelled(cls, complaints):
        pass

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'acknowledged_at', 'registered_by',
                'responded_at', 'closed_at',
                'waiting_since', 'waiting_from', 'leaders_alerted_at',
                'feedbacks', 'level_changes',
                'disclosures', 'improvements', 'assessments', 'approvals',
                'plan_versions']:
            default.setdefault(name, None)
        default.setdefault('state', 'received')
        default.setdefault('round', 1)
        default.setdefault('plan_round', 0)
        return super().copy(complaints, default=default)


class ComplaintInvestigator(EnforcedStatesMixin, ModelSQL):
    "Complaint - Investigation team member"
    __name__ = 'complaint.complaint-investigation-company.employee'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The team is part of the plan: written by who writes the complaint
        cls.__access__.add('complaint')


class LevelChange(EnforcedStatesMixin, ModelSQL, ModelView):
    "Complaint level change"
    __name__ = 'complaint.level.change'

    # The history is written by the system only
    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, readonly=True, ondelete='CASCADE')
    level = fields.Many2One('complaint.level', "Level", required=True,
        readonly=True, ondelete='RESTRICT')
    suggested_level = fields.Many2One('complaint.level', "Suggested Level",
        readonly=True, ondelete='RESTRICT')
    reason = fields.Text("Reason", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('complaint')
        cls._order = [('create_date', 'ASC'), ('id', 'ASC')]


class Feedback(EnforcedStatesMixin, sequence_ordered(), ModelSQL, ModelView):
    "Feedback to the complainant"
    __name__ = 'complaint.feedback'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE')
    round = fields.Integer("Round", required=True, readonly=True)
    method = fields.Selection(CHANNELS, "Method", required=True)
    date = fields.DateTime("Date", required=True)
    content = fields.Text("Internal Record", required=True,
        help="What was done and said, for the complaint office only.")
    reply = fields.Text("Reply to the Complainant",
        help="The answer as the complainant reads it "
        "on the status page and in the feedback letter.")
    satisfaction = fields.Selection([
            (None, ""),
            ('satisfied', "Satisfied"),
            ('unsatisfied', "Unsatisfied"),
            ('no_answer', "No Answer"),
            ], "Satisfaction")
    comment = fields.Text("Complainant's Comment")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('complaint')
        cls._order = [('id', 'ASC')]
        uncache_default_get(cls)

    @classmethod
    def default_date(cls):
        return clock.now().replace(microsecond=0)

    @classmethod
    def default_method(cls):
        return 'phone'

    @fields.depends('complaint', '_parent_complaint.round')
    def on_change_complaint(self):
        if self.complaint:
            self.round = self.complaint.round

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('complaint'):
            values['round'] = Complaint(values['complaint']).round
        return values


class Disclosure(EnforcedStatesMixin, ModelSQL, ModelView):
    "Information disclosure and public-opinion log"
    __name__ = 'complaint.disclosure'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE')
    date = fields.DateTime("Date", required=True)
    channel = fields.Selection([
            ('website', "Website"),
            ('social_media', "Social Media"),
            ('press', "Press"),
            ('notice', "Notice"),
            ('other', "Other"),
            ], "Channel", required=True)
    content = fields.Text("Content", required=True)
    by = fields.Many2One('company.employee', "By")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('complaint')
        cls._order = [('date', 'ASC'), ('id', 'ASC')]
        uncache_default_get(cls)

    @classmethod
    def default_date(cls):
        return clock.now().replace(microsecond=0)


class Improvement(EnforcedStatesMixin, ModelSQL, ModelView):
    "Improvement action"
    __name__ = 'complaint.improvement'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE')
    description = fields.Text("Action", required=True)
    owner = fields.Many2One('company.employee', "Owner", required=True)
    due_date = fields.Date("Due Date", required=True)
    done = fields.Boolean("Done")
    effectiveness = fields.Selection([
            ('pending', "To Check"),
            ('effective', "Effective"),
            ('ineffective', "Not Effective"),
            ], "Effectiveness", required=True,
        states={'readonly': ~Eval('done')})
    effectiveness_note = fields.Text("Effectiveness Check",
        states={'readonly': ~Eval('done')})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('complaint')

    @classmethod
    def default_effectiveness(cls):
        return 'pending'


class Assessment(EnforcedStatesMixin, ModelSQL, ModelView):
    "Assessment of responsible staff"
    __name__ = 'complaint.assessment'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee", required=True)
    kind = fields.Selection([
            ('reward', "Reward"),
            ('penalty', "Penalty"),
            ], "Kind", required=True)
    note = fields.Text("Note", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('complaint')
