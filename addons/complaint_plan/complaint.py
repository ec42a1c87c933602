# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import copy
import datetime as dt
from collections import defaultdict
from email.errors import MessageError
from email.headerregistry import Address

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Workflow, fields, sequence_ordered)
from trytond.modules.public_page.lists import join_names
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.activity import ActivityMixin
from trytond.modules.scheduled_activity.phone import (
    check_phone, normalize_phone)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin

from .complainant import REGISTRATION_STATES, ComplainantMixin
from .deadline import CLOCK_STATES, ComplaintDeadlineMixin
from .exceptions import ComplaintTransitionError, ComplaintValidationError
from .plan import ComplaintPlanMixin
from .review import ComplaintReviewMixin

CHANNELS = [
    ('phone', "Phone"),
    ('email', "Email"),
    ('letter', "Letter"),
    ('web', "Web"),
    ('walk_in', "Walk-in"),
    ('social_media', "Social Media"),
    ('other', "Other"),
    ]
OPEN_STATES = CLOCK_STATES + ['waiting']
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


class Complaint(ComplainantMixin, ComplaintPlanMixin, ComplaintReviewMixin,
        ComplaintDeadlineMixin, EnforcedStatesMixin, ActivityMixin, Workflow,
        ModelSQL, ModelView):
    __name__ = 'complaint.complaint'
    _rec_name = 'number'

    _open = {
        'readonly': ~Eval('state').in_(OPEN_STATES),
        }

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One('company.company', "Company", required=True,
        states=REGISTRATION_STATES)
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

    # Registration
    channel = fields.Selection(CHANNELS, "Channel", required=True,
        states=REGISTRATION_STATES)
    channel_string = channel.translated('channel')
    received_at = fields.DateTime("Received At", required=True,
        states=REGISTRATION_STATES)
    subject = fields.Char("Subject", required=True, states=REGISTRATION_STATES)
    description = fields.Text("Description", required=True,
        states=REGISTRATION_STATES)
    requested_remedy = fields.Text("Requested Remedy",
        states=REGISTRATION_STATES)
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
    acknowledged_at = fields.Timestamp("Acknowledged At", readonly=True)
    registered_by = fields.Many2One('res.user', "Registered By",
        readonly=True, ondelete='RESTRICT',
        help="The user who registered the complaint.")
    responded_at = fields.Timestamp("Responded At", readonly=True)
    closed_at = fields.Timestamp("Closed At", readonly=True)

    # Verification
    occurred_at = fields.DateTime("Occurred At", states=_open)
    place = fields.Char("Place", states=_open)
    persons_involved = fields.Text("Persons Involved", states=_open)
    cause = fields.Text("Cause", states=_open)
    interview_notes = fields.Text("Interview Notes", states=_open)

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
                })
        cls._order = [('received_at', 'DESC'), ('id', 'DESC')]
        uncache_default_get(cls)
        cls._transitions |= {
            ('received', 'registered'),
            ('registered', 'verifying'),
            ('verifying', 'planning'),
            ('processing', 'responded'),
            ('responded', 'closed'),
            ('responded', 'verifying'),
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
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'received'

    @classmethod
    def default_round(cls):
        return 1

    @classmethod
    def default_channel(cls):
        return 'phone'

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
        LevelChange = pool.get('complaint.level.change')
        # Number and suggested level (and deadlines, ComplaintDeadlineMixin)
        # are completed for the whole batch at once, so that creating many
        # complaints stays cheap.
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
        unnumbered = defaultdict(list)
        for values in vlist:
            if not values.get('number'):
                company = values.get('company', cls.default_company())
                unnumbered[company].append(values)
        for company, company_vlist in unnumbered.items():
            for values, number in zip(company_vlist, cls.number_sequence(
                        company).get_many(len(company_vlist))):
                values['number'] = number
        complaints = super().create(vlist)
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
    def number_sequence(cls, company):
        "The sequence that numbers the complaints of the company (its id)"
        Configuration = Pool().get('complaint.configuration')
        return Configuration(1).get_multivalue(
            'complaint_sequence', company=company)

    @classmethod
    def on_modification(cls, mode, complaints, field_names=None):
        pool = Pool()
        LevelChange = pool.get('complaint.level.change')
        super().on_modification(mode, complaints, field_names=field_names)
        if mode == 'write' and 'level' in field_names:
            LevelChange.create([{
                        'complaint': c.id,
                        'level': c.level.id,
                        'suggested_level': (
                            c.suggested_level.id if c.suggested_level
                            else None),
                        'reason': c.level_reason,
                        } for c in complaints if c.level])

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

    def _filled(self, name):
        value = getattr(self, name)
        if isinstance(value, str):
            return bool(value.strip())
        return bool(value)

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
        "in the answer mail and in the feedback letter.")
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
