# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The approval of the handling plans by the steps of an approval chain"""
import datetime as dt
import json

from sql import Null

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow,
    fields, sequence_ordered)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import reduce_ids
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.wizard import Button, StateTransition, StateView, Wizard

from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.claim import claim
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.notify import (
    notify, users_of_employees, users_of_groups)
from trytond.modules.scheduled_activity.timezone import (
    format_company_datetime)
from trytond.modules.scheduled_activity.working_calendar import (
    add_delay, unit_field)

from .approval_delegation import ApprovalDelegationMixin
from .approval_inbox import ApprovalInboxMixin
from .exceptions import ApprovalError


class Chain(EnforcedStatesMixin, DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'complaint.approval.chain'

    name = fields.Char("Name", required=True, translate=True)
    level = fields.Many2One('complaint.level', "Level", required=True,
        ondelete='CASCADE')
    categories = fields.Many2Many(
        'complaint.approval.chain-complaint.category', 'chain', 'category',
        "Categories",
        help="Leave empty to apply to every category of the level.")
    steps = fields.One2Many('complaint.approval.step', 'chain', "Steps")

    @classmethod
    def find(cls, complaint):
        "The chain that approves the plan of the complaint, if any"
        chains = cls.search([('level', '=', complaint.level.id)])
        category_ids = set()
        category = complaint.category
        while category:
            category_ids.add(category.id)
            category = category.parent
        # A chain narrowed to the category wins over a general one.
        for chain in chains:
            if {c.id for c in chain.categories} & category_ids:
                return chain
        for chain in chains:
            if not chain.categories and chain.steps:
                return chain


class ChainCategory(EnforcedStatesMixin, ModelSQL):
    __name__ = 'complaint.approval.chain-complaint.category'

    chain = fields.Many2One('complaint.approval.chain', "Chain",
        required=True, ondelete='CASCADE')
    category = fields.Many2One('complaint.category', "Category",
        required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Configured with the chain, by those who may change the chain
        cls.__access__.add('chain')


class Step(EnforcedStatesMixin, sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'complaint.approval.step'

    chain = fields.Many2One('complaint.approval.chain', "Chain",
        required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True, translate=True)
    approver_kind = fields.Selection([
            ('group', "Members of a Group"),
            ('employees', "Named Employees"),
            ('supervisor', "Supervisor of the Responsible"),
            ], "Approvers", required=True)
    group = fields.Many2One('res.group', "Group",
        states={
            'invisible': Eval('approver_kind') != 'group',
            'required': Eval('approver_kind') == 'group',
            })
    employees = fields.Many2Many(
        'complaint.approval.step-company.employee', 'step', 'employee',
        "Employees",
        states={
            'invisible': Eval('approver_kind') != 'employees',
            })
    required_approvals = fields.Integer("Required Approvals", required=True,
        domain=[('required_approvals', '>=', 1)],
        help="How many of the approvers must approve (N of M).")
    deadline = fields.TimeDelta("Deadline", required=True,
        help="How long the approvers have once the step is theirs.")
    deadline_unit = unit_field('deadline', "Deadline Counted In")
    timeout_action = fields.Selection([
            ('next', "Escalate to the Next Step"),
            ('supervisor', "Escalate to the Supervisor"),
            ('group', "Escalate to a Group"),
            ], "On Timeout", required=True)
    timeout_group = fields.Many2One('res.group', "Timeout Group",
        states={
            'invisible': Eval('timeout_action') != 'group',
            'required': Eval('timeout_action') == 'group',
            })

    @classmethod
    def default_approver_kind(cls):
        return 'group'

    @classmethod
    def default_required_approvals(cls):
        return 1

    @classmethod
    def default_deadline(cls):
        return dt.timedelta(hours=24)

    @classmethod
    def default_deadline_unit(cls):
        return 'calendar'

    def due_from(self, start, company):
        "The time the approvers of this step have to act by from start"
        return add_delay(company, start, self.deadline, self.deadline_unit)

    @classmethod
    def default_timeout_action(cls):
        return 'next'

    def get_approvers(self, complaint):
        "The users who may approve this step for the complaint"
        if self.approver_kind == 'group':
            return users_of_groups([self.group])
        elif self.approver_kind == 'employees':
            return users_of_employees(self.employees)
        elif self.approver_kind == 'supervisor':
            responsible = complaint.responsible
            return users_of_employees(
                [responsible.supervisor] if responsible else [])

    def get_timeout_approvers(self, complaint, current):
        "The users a timed-out approval goes to"
        if self.timeout_action == 'group':
            return users_of_groups([self.timeout_group])
        # The supervisors of the approvers who let it time out, or of the
        # responsible when the approvers have none.
        employees = {e.supervisor for u in current for e in u.employees
            if e.supervisor}
        if not employees and complaint.responsible:
            employees = {complaint.responsible.supervisor}
        return users_of_employees(employees)


class StepEmployee(EnforcedStatesMixin, ModelSQL):
    __name__ = 'complaint.approval.step-company.employee'

    step = fields.Many2One('complaint.approval.step', "Step",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Who approves is set with the step, by those who may change it
        cls.__access__.add('step')


class Approval(
        ApprovalInboxMixin, ApprovalDelegationMixin, EnforcedStatesMixin,
        Workflow, ModelSQL, ModelView):
    __name__ = 'complaint.approval'

    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE', readonly=True)
    step = fields.Many2One('complaint.approval.step', "Step", required=True,
        ondelete='RESTRICT', readonly=True)
    sequence = fields.Integer("Sequence", readonly=True)
    round = fields.Integer("Plan Round", readonly=True,
        help="Each restart of the plan starts the chain again.")
    required_approvals = fields.Integer("Required Approvals", readonly=True)
    state = fields.Selection([
            ('waiting', "Waiting"),
            ('pending', "Pending"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ('escalated', "Escalated"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    candidates = fields.Many2Many(
        'complaint.approval-res.user', 'approval', 'user', "Approvers",
        readonly=True)
    decisions = fields.One2Many('complaint.approval.decision', 'approval',
        "Decisions", readonly=True)
    started_at = fields.Timestamp("Started At", readonly=True)
    due = fields.Timestamp("Due", readonly=True)
    escalated_at = fields.Timestamp("Escalated At", readonly=True)
    decided_at = fields.Timestamp("Decided At", readonly=True)
    approvals_count = fields.Function(
        fields.Integer("Approvals Given"), 'get_approvals_count')
    complaint_subject = fields.Function(fields.Char("Subject"),
        'get_complaint_field')
    complaint_level = fields.Function(
        fields.Many2One('complaint.level', "Level"), 'get_complaint_field')
    complaint_measures = fields.Function(fields.Text("Measures"),
        'get_complaint_field')
    plan_version = fields.Many2One('complaint.plan.version', "Plan Version",
        readonly=True, ondelete='CASCADE',
        help="The frozen version of the handling plan decided on.")
    plan_team = fields.Function(fields.Text("1. Investigation Team and Duties"),
        'get_plan_element')
    plan_time_place = fields.Function(
        fields.Text("2. Investigation Time and Place"), 'get_plan_element')
    plan_methods = fields.Function(fields.Text("3. Methods and Means"),
        'get_plan_element')
    plan_measures = fields.Function(
        fields.Text("4. Measures and Compensation"), 'get_plan_element')
    plan_responsibility = fields.Function(
        fields.Text("5. Responsibility Determination"), 'get_plan_element')
    plan_prevention = fields.Function(
        fields.Text("6. Prevention and Improvement"), 'get_plan_element')
    plan_changes = fields.Function(
        fields.Text("Changes Since the Previous Version"), 'get_plan_changes')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.complaint, Index.Equality())),
                # The inboxes: pending approvals in due order
                Index(t, (t.due, Index.Range()), where=t.state == 'pending'),
                # The timeout cron
                Index(t, (t.due, Index.Range()),
                    where=(t.state == 'pending') & (t.escalated_at == Null)),
                })
        cls._sql_constraints += [
            # One live approval per complaint and step in a round.
            ('complaint_step_round_unique',
                Unique(t, t.complaint, t.step, t.round),
                'complaint_plan.msg_approval_unique'),
            ]
        cls._order = [('due', 'ASC NULLS LAST'), ('id', 'ASC')]
        cls._transitions |= {
            ('waiting', 'pending'),
            ('pending', 'approved'),
            ('pending', 'rejected'),
            ('pending', 'escalated'),
            ('waiting', 'cancelled'),
            ('pending', 'cancelled'),
            }
        cls._buttons.update({
                'approve': {
                    'invisible': ~Eval('to_me', False),
                    'icon': 'tryton-ok',
                    'depends': ['to_me'],
                    },
                'approve_comment': {
                    'invisible': ~Eval('to_me', False),
                    'icon': 'tryton-ok',
                    'depends': ['to_me'],
                    },
                'reject': {
                    'invisible': ~Eval('to_me', False),
                    'icon': 'tryton-cancel',
                    'depends': ['to_me'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'waiting'

    def get_rec_name(self, name):
        return f'{self.complaint.rec_name} / {self.step.rec_name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('complaint.rec_name', *clause[1:]),
            ('step.rec_name', *clause[1:]),
            ]

    def get_approvals_count(self, name):
        return sum(1 for d in self.decisions if d.decision == 'approve')

    def get_complaint_field(self, name):
        if name == 'complaint_measures' and self.plan_version:
            # What the approvers decide on, not what the complaint has now
            return self.plan_version.measures
        value = getattr(self.complaint, name[len('complaint_'):])
        if isinstance(value, ModelSQL):
            return value.id
        return value

    def get_plan_element(self, name):
        if self.plan_version:
            return self.plan_version.element_text(name[len('plan_'):])

    def get_plan_changes(self, name):
        if self.plan_version:
            return self.plan_version.changes

    # Starting the chain

    @classmethod
    def start_chain(cls, complaints, versions=None):
        """Create the approvals of the complaints' chain and open its first
        step; the approvals decide on the plan versions, one per complaint"""
        pool = Pool()
        Chain = pool.get('complaint.approval.chain')
        approvals = []
        if versions is None:
            versions = [c.plan_version for c in complaints]
        for complaint, version in zip(complaints, versions):
            chain = Chain.find(complaint)
            for sequence, step in enumerate(chain.steps):
                approvals.append(cls(
                        complaint=complaint, step=step, sequence=sequence,
                        round=complaint.plan_round, plan_version=version,
                        required_approvals=step.required_approvals))
        cls.save(approvals)
        cls.open_steps([a for a in approvals if a.sequence == 0])

    @classmethod
    @Workflow.transition('pending')
    def open_steps(cls, approvals):
        "Make the steps theirs: set the approvers, the due time and tell them"
        pool = Pool()
        Configuration = pool.get('complaint.configuration')
        allow_own = Configuration(1).allow_handler_approval
        now = clock.now()
        for approval in approvals:
            approvers = approval.step.get_approvers(approval.complaint)
            approval._set_candidates(approvers, allow_own)
            approval.started_at = now
            approval.due = approval.step.due_from(
                now, approval.complaint.company)
        cls.save(approvals)
        cls._notify_approvers(approvals)

    @classmethod
    def exclude_responsible(cls, complaints):
        """Take the responsible of the complaints, made so while a step
        waits, out of its approvers, and their notices with them: unless
        handlers may approve, who handles a complaint never approves its
        plan. Refused when no approver would be left."""
        pool = Pool()
        Configuration = pool.get('complaint.configuration')
        if Configuration(1).allow_handler_approval:
            return
        with without_check_access():
            approvals = cls.search([
                    ('complaint', 'in', [c.id for c in complaints]),
                    ('state', '=', 'pending'),
                    ])
            removed = {}
            for approval in approvals:
                before = set(approval.candidates)
                approval._set_candidates(before, False)
                if before != set(approval.candidates):
                    removed[approval] = before - set(approval.candidates)
            cls.save(list(removed))
            for approval, users in removed.items():
                cls._withdraw_notices([approval], users=users)

    def _set_candidates(self, users, allow_own):
        if not allow_own and self.complaint.responsible:
            handlers = users_of_employees(
                [self.complaint.responsible])
            users = set(users) - handlers
        if not users:
            raise ApprovalError(gettext(
                    'complaint_plan.msg_approval_no_approver',
                    step=self.step.rec_name,
                    complaint=self.complaint.rec_name))
        self.candidates = list(users)
        # N of M cannot ask for more approvals than there are approvers.
        self.required_approvals = min(
            self.step.required_approvals, len(users))

    @classmethod
    def _notify_approvers(cls, approvals, users=None, delegation=None):
        """Tell the candidates (or the users) that the approvals await
        their decision"""
        def describe(**variables):
            description = gettext(
                'complaint_plan.msg_approval_yours_description', **variables)
            if delegation:
                description = gettext(
                    'complaint_plan.msg_approval_delegated_description',
                    description=description,
                    user=delegation.from_user.rec_name,
                    reason=delegation.reason)
            return description
        for approval in approvals:
            notify([approval],
                users if users is not None else approval.candidates,
                'tryton-ok', 'complaint_plan.msg_approval_yours_label',
                describe, kind='approval', variables=lambda: {
                    'complaint': approval.complaint.rec_name,
                    'step': approval.step.rec_name,
                    'due': format_company_datetime(
                        approval.complaint.company, approval.due),
                    })

    @classmethod
    def _withdraw_notices(cls, approvals, users=None):
        """Take back the "awaits your approval" notices of the approvals
        from the users, all the candidates when None: a step that is
        decided, cancelled, escalated or delegated is no longer their task"""
        pool = Pool()
        Notification = pool.get('res.notification')
        transaction = Transaction()
        keys = set()
        for approval in approvals:
            for user in (users if users is not None else approval.candidates):
                keys.add((json.dumps([approval.id]), int(user)))
        if not keys:
            return
        # The notices of this transaction are stored when it commits
        queued = transaction.user_notifications
        if queued:
            queued[:] = [n for n in queued
                if not (n.model == cls.__name__
                    and (n.records, n.user.id) in keys)]
        with without_check_access():
            notices = Notification.search([
                    ('model', '=', cls.__name__),
                    ('records', 'in', list({r for r, _ in keys})),
                    ('user', 'in', list({u for _, u in keys})),
                    ])
            withdrawn = [n for n in notices if (n.records, n.user.id) in keys]
            # res.notification's deletion hook writes "IN ()" when empty
            if withdrawn:
                Notification.delete(withdrawn)

    # Decisions

    @classmethod
    @ModelView.button
    def approve(cls, approvals):
        cls.decide(approvals, 'approve')

    @classmethod
    @ModelView.button_action('complaint_plan.wizard_approval_approve')
    def approve_comment(cls, approvals):
        pass

    @classmethod
    @ModelView.button_action('complaint_plan.wizard_approval_reject')
    def reject(cls, approvals):
        pass

    @classmethod
    def check_pending_candidate(cls, approvals):
        "Refuse when an approval does not wait for the user's decision"
        for approval in approvals:
            if not approval.to_me:
                raise ApprovalError(gettext(
                        'complaint_plan.msg_approval_not_yours',
                        approval=approval.rec_name))

    @classmethod
    def decide(cls, approvals, decision, comment=None):
        """Record the current user's decision on the approvals.

        The approvals are locked first, so two approvers deciding at the
        same moment are serialized: a step is approved exactly once."""
        pool = Pool()
        Decision = pool.get('complaint.approval.decision')
        Complaint = pool.get('complaint.complaint')
        user = Transaction().user
        if decision == 'reject' and not (comment or '').strip():
            raise ApprovalError(gettext(
                    'complaint_plan.msg_approval_reject_comment'))
        cls._serialize(approvals)
        approvals = cls.browse(approvals)
        for approval in approvals:
            if approval.state != 'pending' or not any(
                    u.id == user for u in approval.candidates):
                raise ApprovalError(gettext(
                        'complaint_plan.msg_approval_not_yours',
                        approval=approval.rec_name))
            if any(d.user.id == user for d in approval.decisions):
                raise ApprovalError(gettext(
                        'complaint_plan.msg_approval_already_decided',
                        approval=approval.rec_name))
        comment = (comment or '').strip() or None
        with without_check_access():
            Decision.create([{
                        'approval': a.id,
                        'user': user,
                        'decision': decision,
                        'comment': comment,
                        } for a in approvals])
            # Decided: the approver's task leaves their bell
            cls._withdraw_notices(approvals, users=[user])
            approvals = cls.browse([a.id for a in approvals])
            if decision == 'reject':
                cls._reject(approvals)
                Complaint.plan_rejected(
                    list({a.complaint for a in approvals}))
            else:
                done = [a for a in approvals
                    if a.approvals_count >= a.required_approvals]
                cls._approve(done)
                cls._advance(done)

    @classmethod
    def _serialize(cls, approvals):
        """Lock the approvals: of two transactions deciding on the same
        approval, the second waits for the first to end, then fails
        (PostgreSQL repeatable read).

        Unlike lock(), whose NOWAIT attempts give up after a fraction of a
        second, the wait has no limit. The approver whose decision is no
        longer needed is told so; for another, the request runs again on
        what the first decided (N of M)."""
        transaction = Transaction()
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        ids = [a.id for a in approvals]
        try:
            # The row is locked without a change: a new write date would
            # refuse the transition's write to a client that sent the
            # record's timestamp
            cursor.execute(*table.update(
                    [table.state], [table.state],
                    where=reduce_ids(table.id, ids)))
        except backend.DatabaseOperationalError:
            # What the other transaction committed is seen only by a new one
            with transaction.new_transaction(readonly=True):
                for approval in cls.browse(ids):
                    if not approval.to_me:
                        raise ApprovalError(gettext(
                                'complaint_plan.msg_approval_not_yours',
                                approval=approval.rec_name))
            raise

    @classmethod
    @Workflow.transition('approved')
    def _approve(cls, approvals):
        cls.write(approvals, {'decided_at': clock.now()})
        cls._withdraw_notices(approvals)

    @classmethod
    @Workflow.transition('rejected')
    def _reject(cls, approvals):
        cls.write(approvals, {'decided_at': clock.now()})
        cls._withdraw_notices(approvals)
        cls._cancel([a2 for a in approvals for a2 in a.complaint.approvals
                if a2.round == a.round and a2.state in {'waiting', 'pending'}
                and a2 != a])

    @classmethod
    @Workflow.transition('cancelled')
    def _cancel(cls, approvals):
        cls._withdraw_notices(approvals)

    @classmethod
    def cancel_round(cls, complaints):
        "Cancel the steps still open of the complaints' current plan round"
        cls._cancel([a for c in complaints for a in c.approvals
                if a.round == c.plan_round
                and a.state in {'waiting', 'pending'}])

    @classmethod
    def _advance(cls, approvals):
        "Open the next step, or approve the plan after the last one"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        to_open, approved = [], []
        for approval in approvals:
            following = [a for a in approval.complaint.approvals
                if a.round == approval.round and a.state == 'waiting'
                and a.sequence > approval.sequence]
            if following:
                to_open.append(min(following, key=lambda a: a.sequence))
            else:
                approved.append(approval.complaint)
        cls.open_steps(to_open)
        Complaint.plan_approved(approved)

    # Timeouts

    @classmethod
    def escalate_overdue(cls):
        "Escalate the pending approvals past their due time, once each"
        table = cls.__table__()
        now = clock.now()
        ids = claim(cls, table, [table.escalated_at], [now],
            (table.state == 'pending') & (table.escalated_at == Null)
            & (table.due < now))
        if not ids:
            return
        approvals = cls.browse(ids)
        to_next = [a for a in approvals if a.step.timeout_action == 'next'
            and any(a2.state == 'waiting' for a2 in a.complaint.approvals
                if a2.round == a.round)]
        cls._escalate(to_next)
        cls._advance(to_next)
        reassigned = [a for a in approvals if a not in to_next]
        cls._withdraw_notices(reassigned)
        for approval in reassigned:
            approval.candidates = list(approval.step.get_timeout_approvers(
                    approval.complaint, approval.candidates)
                or approval.candidates)
            approval.due = approval.step.due_from(
                now, approval.complaint.company)
        cls.save(reassigned)
        cls._notify_approvers(reassigned)

    @classmethod
    @Workflow.transition('escalated')
    def _escalate(cls, approvals):
        cls._withdraw_notices(approvals)


class ApprovalUser(EnforcedStatesMixin, ModelSQL):
    __name__ = 'complaint.approval-res.user'

    approval = fields.Many2One('complaint.approval', "Approval",
        required=True, ondelete='CASCADE')
    user = fields.Many2One('res.user', "User", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The approvers are set by the system: the model access lets users
        # read them only (no __access__ on the approval: its record rule
        # searches the approvers)
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.user, Index.Equality()),
                    (t.approval, Index.Equality())),
                Index(t,
                    (t.approval, Index.Equality()),
                    (t.user, Index.Equality())),
                })


class Decision(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'complaint.approval.decision'

    approval = fields.Many2One('complaint.approval', "Approval",
        required=True, ondelete='CASCADE', readonly=True)
    user = fields.Many2One('res.user', "Approver", required=True,
        readonly=True)
    decision = fields.Selection([
            ('approve', "Approve"),
            ('reject', "Reject"),
            ], "Decision", required=True, readonly=True)
    decision_string = decision.translated('decision')
    comment = fields.Text("Comment", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # An approver counts once per step.
        cls._sql_constraints += [
            ('approval_user_unique', Unique(t, t.approval, t.user),
                'complaint_plan.msg_approval_already_decided_once'),
            ]
        cls.__access__.add('approval')
        cls._order = [('create_date', 'ASC'), ('id', 'ASC')]


class Delegation(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'complaint.approval.delegation'

    # The log is written by the system only
    approval = fields.Many2One('complaint.approval', "Approval",
        required=True, readonly=True, ondelete='CASCADE')
    from_user = fields.Many2One('res.user', "From", required=True,
        readonly=True, ondelete='RESTRICT')
    to_user = fields.Many2One('res.user', "To", required=True,
        readonly=True, ondelete='RESTRICT')
    reason = fields.Text("Reason", required=True, readonly=True)
    by = fields.Many2One('res.user', "Delegated By", readonly=True,
        ondelete='RESTRICT')
    date = fields.Timestamp("Date", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('approval')
        cls._order = [('date', 'ASC'), ('id', 'ASC')]


class ApprovalWizardMixin:
    """A wizard of the approvers on complaint.approval

    Approvers do not write approvals: they read their own, and the
    wizard's transition, run by the system, checks that the user may act on
    them (a pending approver deciding, an approver or an administrator
    delegating). So the wizard asks for read access, not write access."""
    __slots__ = ()

    @classmethod
    def check_access(cls):
        pool = Pool()
        transaction = Transaction()
        context = transaction.context
        if (transaction.user == 0
                or context.get('active_model') != 'complaint.approval'):
            return super().check_access()
        ModelAccess = pool.get('ir.model.access')
        Approval = pool.get('complaint.approval')
        with check_access():
            ModelAccess.check('complaint.approval', 'read')
            ids = list(context.get('active_ids') or [])
            if context.get('active_id') is not None and (
                    context['active_id'] not in ids):
                ids.append(context['active_id'])
            # The record rules: only approvals the user may read
            Approval.read(ids, ['id'])


class DecideStart(ModelView):
    __name__ = 'complaint.approval.decide.start'

    comment = fields.Text("Comment")


class RejectStart(ModelView):
    __name__ = 'complaint.approval.reject.start'

    comment = fields.Text("Comment", required=True,
        help="Tells the handler what to change in the plan.")


class DecisionWizardMixin(ApprovalWizardMixin):
    "A wizard of a pending approver deciding with the comment of its start"
    __slots__ = ()

    def default_start(self, fields):
        self.model.check_pending_candidate(self.records)
        return {}

    def _decide(self, decision):
        self.model.decide(self.records, decision, self.start.comment)
        return 'end'


class Approve(DecisionWizardMixin, Wizard):
    __name__ = 'complaint.approval.approve'

    start = StateView('complaint.approval.decide.start',
        'complaint_plan.approval_approve_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Approve", 'approve', 'tryton-ok', default=True),
            ])
    approve = StateTransition()

    def transition_approve(self):
        return self._decide('approve')


class Reject(DecisionWizardMixin, Wizard):
    __name__ = 'complaint.approval.reject'

    start = StateView('complaint.approval.reject.start',
        'complaint_plan.approval_reject_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reject", 'reject', 'tryton-ok', default=True),
            ])
    reject = StateTransition()

    def transition_reject(self):
        return self._decide('reject')


class DelegateStart(ModelView):
    __name__ = 'complaint.approval.delegate.start'

    approval = fields.Many2One('complaint.approval', "Approval",
        readonly=True)
    from_user = fields.Many2One('res.user', "From", required=True,
        domain=[('id', 'in', Eval('delegators', []))],
        states={
            'readonly': Eval('delegator_count', 0) <= 1,
            },
        help="The approver who hands the approval over.")
    to_user = fields.Many2One('res.user', "To", required=True,
        domain=[('id', 'in', Eval('eligible', []))],
        help="Who approves instead: an active user who may decide on "
        "approvals, not already an approver of the step.")
    reason = fields.Text("Reason", required=True,
        help="Why the approver hands the approval over, "
        "e.g. away on business until Friday.")
    delegators = fields.Many2Many('res.user', None, None, "Delegators",
        readonly=True)
    delegator_count = fields.Integer("Delegator Count", readonly=True)
    eligible = fields.Many2Many('res.user', None, None, "Eligible Users",
        readonly=True)


class Delegate(ApprovalWizardMixin, Wizard):
    __name__ = 'complaint.approval.delegate'

    start = StateView('complaint.approval.delegate.start',
        'complaint_plan.approval_delegate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Delegate", 'delegate', 'tryton-forward', default=True),
            ])
    delegate = StateTransition()

    def default_start(self, fields):
        approval = self.record
        delegators = approval.delegators() if approval else []
        if not delegators:
            raise ApprovalError(gettext(
                    'complaint_plan.msg_delegation_nothing',
                    approval=approval.rec_name if approval else ''))
        user = Transaction().user
        own = [u for u in delegators if u.id == user]
        return {
            'approval': approval.id,
            'delegators': [u.id for u in delegators],
            'delegator_count': len(delegators),
            'from_user': (own or delegators)[0].id,
            'eligible': [u.id for u in approval.eligible_delegates()],
            }

    def transition_delegate(self):
        self.model.delegate_to(self.record, self.start.from_user,
            self.start.to_user, self.start.reason)
        return 'end'
