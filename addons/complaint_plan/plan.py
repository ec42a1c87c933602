# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The handling plan as a record: each submission freezes a version

The handler writes the six elements of the plan on the complaint. Submitting
the plan for approval, or starting to carry it out when the level has no
approval chain, copies them into a new *Plan Version* that nobody changes
afterwards: the approvers decide on that version, processing carries out the
approved one, the documents print it. A change after submission goes through
"Revise Plan" and a new version, compared element by element with the
previous one.
"""
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.modules.public_page.lists import join_names
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import (
    EnforcedStatesMixin, user_call)
from trytond.modules.scheduled_activity.notify import (
    notify, users_of_employees)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import ComplaintTransitionError

# The six elements of the seed's plan (安全事故客诉 §四.3) and their fields
ELEMENTS = [
    ('team', ['investigation_team', 'investigation_duties']),
    ('time_place', ['investigation_time', 'investigation_place']),
    ('methods', ['investigation_methods']),
    ('measures', [
            'measures', 'compensation_amount', 'compensation_description']),
    ('responsibility', ['responsibility']),
    ('prevention', ['prevention']),
    ]
# What a version copies from the complaint: the elements' fields and the
# currency of the compensation
PLAN_FIELDS = [name for _, names in ELEMENTS for name in names] + ['currency']
# A version in one of these states is the plan to carry out
CARRIED_OUT = ['approved', 'adopted']
# The handling plan is written in these states (and while waiting on the
# complainant during verification)
PLAN_STATES = ['received', 'registered', 'verifying', 'planning']
# The plan is frozen once submitted: read-only while it awaits approval
# and while it is carried out; "Revise Plan" opens it again
_PLAN_EDITABLE = {
    'readonly': ~Eval('state').in_(PLAN_STATES) & ~(
        (Eval('state') == 'waiting')
        & (Eval('waiting_from') == 'verifying')),
    }


def element_label(code):
    "The translated heading of the element, numbered as on the form"
    return gettext(f'complaint_plan.msg_plan_element_{code}')


class PlanVersion(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'complaint.plan.version'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, readonly=True, ondelete='CASCADE')
    number = fields.Integer("Version", required=True, readonly=True)
    state = fields.Selection([
            ('submitted', "Awaiting Approval"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ('withdrawn', "Withdrawn"),
            ('adopted', "Carried Out Without Approval"),
            ], "State", required=True, readonly=True, sort=False)
    state_string = state.translated('state')
    previous = fields.Many2One('complaint.plan.version', "Previous Version",
        readonly=True, ondelete='SET NULL')
    submitted_by = fields.Many2One('res.user', "Submitted By", readonly=True)
    submitted_at = fields.Timestamp("Frozen At", readonly=True)
    decided_at = fields.Timestamp("Decided At", readonly=True)

    # The six elements, as the complaint had them when frozen
    investigation_team = fields.Many2Many(
        'complaint.plan.version-company.employee', 'version', 'employee',
        "Investigation Team", readonly=True)
    investigation_duties = fields.Text("Team Duties", readonly=True)
    investigation_time = fields.DateTime("Investigation Time", readonly=True)
    investigation_place = fields.Char("Investigation Place", readonly=True)
    investigation_methods = fields.Text("Methods and Means", readonly=True)
    measures = fields.Text("Measures", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency",
        readonly=True)
    compensation_amount = Monetary("Compensation", currency='currency',
        digits='currency', readonly=True)
    compensation_description = fields.Char("Compensation Details",
        readonly=True)
    responsibility = fields.Text("Responsibility Determination",
        readonly=True)
    prevention = fields.Text("Prevention and Improvement", readonly=True)

    approvals = fields.One2Many('complaint.approval', 'plan_version',
        "Approvals", readonly=True)
    changes = fields.Function(fields.Text("Changes Since the Previous Version",
            help="What changed in each element of the plan since the "
            "previous version."), 'get_changes')
    changed_elements = fields.Function(fields.Char("Changed Elements"),
        'get_changed_elements')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('complaint')
        cls._sql_constraints += [
            ('complaint_number_unique', Unique(t, t.complaint, t.number),
                'complaint_plan.msg_plan_version_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.complaint, Index.Equality()),
                (t.number, Index.Range(order='DESC'))))
        cls._order = [('complaint', 'ASC'), ('number', 'DESC'), ('id', 'DESC')]

    @classmethod
    def create(cls, vlist):
        # Refused before anything is stored
        if user_call():
            raise AccessError(gettext(
                    'complaint_plan.msg_plan_version_frozen'))
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, versions, values=None, external=False):
        # Read access follows the complaint's, whose writers would
        # otherwise write its versions too
        if external:
            raise AccessError(gettext(
                    'complaint_plan.msg_plan_version_frozen'))
        super().check_modification(
            mode, versions, values=values, external=external)

    def get_rec_name(self, name):
        return gettext('complaint_plan.msg_plan_version_rec_name',
            complaint=self.complaint.rec_name, number=self.number)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('complaint.rec_name', *clause[1:])]

    # Freezing

    @classmethod
    def freeze(cls, complaints, state):
        """Freeze the plans of the complaints into new versions in the
        state; return them in the order of the complaints"""
        user = Transaction().user
        now = clock.now()
        vlist = []
        for complaint in complaints:
            previous = complaint.plan_version
            values = {
                'complaint': complaint.id,
                'number': previous.number + 1 if previous else 1,
                'previous': previous.id if previous else None,
                'state': state,
                'submitted_by': user or None,
                'submitted_at': now,
                }
            for name in PLAN_FIELDS:
                value = getattr(complaint, name)
                if name == 'investigation_team':
                    value = [('add', [e.id for e in value])]
                elif isinstance(value, ModelSQL):
                    value = value.id
                values[name] = value
            vlist.append(values)
        return cls.create(vlist)

    @classmethod
    def decide(cls, versions, state):
        "Record the outcome of the approval of the submitted versions"
        versions = [v for v in versions if v.state == 'submitted']
        if versions:
            cls.write(versions, {'state': state, 'decided_at': clock.now()})

    # Reading

    def _comparable(self, names):
        "The comparable values of the fields"
        values = {}
        for name in names:
            value = getattr(self, name)
            if name == 'investigation_team':
                value = tuple(sorted(e.id for e in value))
            elif isinstance(value, ModelSQL):
                value = value.id
            elif isinstance(value, str):
                value = value.strip() or None
            values[name] = value
        return values

    def format_value(self, name):
        "The field's value as a reader sees it, in the context's language"
        pool = Pool()
        Lang = pool.get('ir.lang')
        value = getattr(self, name)
        if name == 'investigation_team':
            return '、'.join(sorted(e.rec_name for e in value)) or None
        if value is None or value == '':
            return None
        if name == 'investigation_time':
            from trytond.modules.scheduled_activity.timezone import (
                format_company_datetime)
            return format_company_datetime(self.complaint.company, value)
        if name == 'compensation_amount':
            lang = Lang.get()
            if self.currency:
                return lang.currency(value, self.currency, grouping=True)
            return lang.format_number(value, grouping=True, monetary=True)
        if isinstance(value, str):
            return value.strip() or None
        return str(value)

    def element_text(self, code):
        "The element as lines of 'Field: value', empty fields left out"
        names = dict(ELEMENTS)[code]
        strings = self.__class__.fields_get(names)
        lines = []
        for name in names:
            text = self.format_value(name)
            if text is None:
                continue
            label = strings[name]['string']
            if '\n' in text:
                lines.append(gettext(
                        'complaint_plan.msg_plan_field_heading', field=label))
                lines.extend(f"  {line}" for line in text.splitlines())
            else:
                lines.append(gettext('complaint_plan.msg_plan_field',
                        field=label, value=text))
        return '\n'.join(lines)

    def changed_codes(self):
        "The codes of the elements that differ from the previous version"
        if not self.previous:
            return [code for code, _ in ELEMENTS]
        return [code for code, names in ELEMENTS
            if self._comparable(names) != self.previous._comparable(names)]

    def get_changed_elements(self, name):
        if not self.previous:
            return gettext('complaint_plan.msg_plan_diff_first_short')
        codes = self.changed_codes()
        if not codes:
            return gettext('complaint_plan.msg_plan_diff_none_short')
        return '; '.join(element_label(c) for c in codes)

    def get_changes(self, name):
        """A readable, translated comparison with the previous version: for
        each changed element, the changed fields as they were and as they
        are now; then the unchanged elements"""
        if not self.previous:
            return gettext('complaint_plan.msg_plan_diff_first',
                number=self.number)
        previous = self.previous
        strings = self.__class__.fields_get(PLAN_FIELDS)
        empty = gettext('complaint_plan.msg_plan_diff_empty')
        blocks, unchanged = [], []
        for code, names in ELEMENTS:
            before, after = previous._comparable(names), self._comparable(names)
            if before == after:
                unchanged.append(element_label(code))
                continue
            lines = [element_label(code)]
            for name in names:
                if before[name] == after[name]:
                    continue
                lines.append(gettext('complaint_plan.msg_plan_field_heading',
                        field=strings[name]['string']))
                for message, version in [
                        ('complaint_plan.msg_plan_diff_was', previous),
                        ('complaint_plan.msg_plan_diff_now', self)]:
                    text = version.format_value(name) or empty
                    text = text.replace('\n', ' / ')
                    lines.append('  ' + gettext(message, value=text))
            blocks.append('\n'.join(lines))
        header = gettext('complaint_plan.msg_plan_diff_header',
            number=previous.number, changed=len(blocks))
        if not blocks:
            return gettext('complaint_plan.msg_plan_diff_none',
                number=previous.number)
        text = header + '\n\n' + '\n\n'.join(blocks)
        if unchanged:
            text += '\n\n' + gettext('complaint_plan.msg_plan_diff_unchanged',
                elements='; '.join(unchanged))
        return text


class PlanVersionEmployee(EnforcedStatesMixin, ModelSQL):
    __name__ = 'complaint.plan.version-company.employee'

    version = fields.Many2One('complaint.plan.version', "Version",
        required=True, readonly=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, readonly=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('version')

    @classmethod
    def create(cls, vlist):
        if user_call():
            raise AccessError(gettext(
                    'complaint_plan.msg_plan_version_frozen'))
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, links, values=None, external=False):
        if external:
            raise AccessError(gettext(
                    'complaint_plan.msg_plan_version_frozen'))
        super().check_modification(
            mode, links, values=values, external=external)


class ComplaintPlanMixin:
    """The handling plan of a complaint: its six elements, their versions
    and their approval"""
    __slots__ = ()

    plan_round = fields.Integer("Plan Round", readonly=True,
        help="Incremented each time the handling plan is submitted "
        "for approval.")
    investigation_team = fields.Many2Many(
        'complaint.complaint-investigation-company.employee',
        'complaint', 'employee', "Investigation Team", states=_PLAN_EDITABLE)
    investigation_duties = fields.Text("Team Duties", states=_PLAN_EDITABLE)
    investigation_time = fields.DateTime("Investigation Time",
        states=_PLAN_EDITABLE)
    investigation_place = fields.Char("Investigation Place",
        states=_PLAN_EDITABLE)
    investigation_methods = fields.Text("Methods and Means",
        states=_PLAN_EDITABLE)
    measures = fields.Text("Measures", states=_PLAN_EDITABLE)
    compensation_amount = Monetary("Compensation", currency='currency',
        digits='currency', states=_PLAN_EDITABLE)
    compensation_description = fields.Char("Compensation Details",
        states=_PLAN_EDITABLE)
    currency = fields.Many2One('currency.currency', "Currency",
        states=_PLAN_EDITABLE)
    responsibility = fields.Text("Responsibility Determination",
        states=_PLAN_EDITABLE)
    prevention = fields.Text("Prevention and Improvement",
        states=_PLAN_EDITABLE)
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

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Submitted for approval or carried out, and revised
        cls._transitions |= {
            ('planning', 'processing'),
            ('planning', 'approving'),
            ('approving', 'processing'),
            ('approving', 'planning'),
            ('processing', 'planning'),
            }
        cls._buttons.update({
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
                })

    @classmethod
    def default_plan_round(cls):
        return 0

    @classmethod
    def on_modification(cls, mode, complaints, field_names=None):
        pool = Pool()
        Approval = pool.get('complaint.approval')
        super().on_modification(mode, complaints, field_names=field_names)
        if mode == 'write' and 'responsible' in field_names:
            Approval.exclude_responsible(complaints)

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

            def describe(complaint, subject):
                if not comments:
                    return subject
                return '; '.join(gettext(
                        f'complaint_plan.msg_plan_{kind}_comment',
                        approver=approver, comment=comment)
                    for approver, kind, comment in comments)
            notify([complaint], users_of_employees([complaint.responsible]),
                icon, label, describe, variables={
                    'complaint': complaint.rec_name,
                    'subject': complaint.subject,
                    })
