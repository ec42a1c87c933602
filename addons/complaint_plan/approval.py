# This file is part of the complaint_plan module.
import datetime as dt

from sql import Null

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow,
    fields, sequence_ordered)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import reduce_ids
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from trytond.modules.scheduled_activity.claim import claim
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin

from .exceptions import ApprovalError


def _now():
    return dt.datetime.now()


def user_language(user):
    "The language a notification to the user is written in"
    return user.language.code if user.language else None


class Chain(EnforcedStatesMixin, DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    "Approval chain of handling plans"
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
    "Approval chain - Category"
    __name__ = 'complaint.approval.chain-complaint.category'

    chain = fields.Many2One('complaint.approval.chain', "Chain",
        required=True, ondelete='CASCADE')
    category = fields.Many2One('complaint.category', "Category",
        required=True, ondelete='CASCADE')


class Step(EnforcedStatesMixin, sequence_ordered(), ModelSQL, ModelView):
    "Approval step"
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
    def default_timeout_action(cls):
        return 'next'

    @classmethod
    def _users_of_groups(cls, groups):
        pool = Pool()
        UserGroup = pool.get('res.user-res.group')
        return {link.user for link in UserGroup.search([
                    ('group', 'in', [g.id for g in groups]),
                    ('user.active', '=', True),
                    ])}

    @classmethod
    def users_of_employees(cls, employees):
        pool = Pool()
        UserEmployee = pool.get('res.user-company.employee')
        return {link.user for link in UserEmployee.search([
                    ('employee', 'in', [e.id for e in employees if e]),
                    ('user.active', '=', True),
                    ])}

    def get_approvers(self, complaint):
        "The users who may approve this step for the complaint"
        if self.approver_kind == 'group':
            return self._users_of_groups([self.group])
        elif self.approver_kind == 'employees':
            return self.users_of_employees(self.employees)
        elif self.approver_kind == 'supervisor':
            responsible = complaint.responsible
            return self.users_of_employees(
                [responsible.supervisor] if responsible else [])

    def get_timeout_approvers(self, complaint, current):
        "The users a timed-out approval goes to"
        if self.timeout_action == 'group':
            return self._users_of_groups([self.timeout_group])
        # The supervisors of the approvers who let it time out, or of the
        # responsible when the approvers have none.
        employees = {e.supervisor for u in current for e in u.employees
            if e.supervisor}
        if not employees and complaint.responsible:
            employees = {complaint.responsible.supervisor}
        return self.users_of_employees(employees)


class StepEmployee(EnforcedStatesMixin, ModelSQL):
    "Approval step - Employee"
    __name__ = 'complaint.approval.step-company.employee'

    step = fields.Many2One('complaint.approval.step', "Step",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='CASCADE')


class Approval(EnforcedStatesMixin, Workflow, ModelSQL, ModelView):
    "Approval of a handling plan by one step of the chain"
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
    to_me = fields.Function(fields.Boolean("To Approve by Me"),
        'get_to_me', searcher='search_to_me')
    decided_by_me = fields.Function(fields.Boolean("Decided by Me"),
        'get_decided_by_me', searcher='search_decided_by_me')
    overdue = fields.Function(fields.Boolean("Overdue"),
        'get_overdue', searcher='search_overdue')
    complaint_subject = fields.Function(fields.Char("Subject"),
        'get_complaint_field')
    complaint_level = fields.Function(
        fields.Many2One('complaint.level', "Level"), 'get_complaint_field')
    complaint_measures = fields.Function(fields.Text("Measures"),
        'get_complaint_field')

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

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('overdue', False), 'danger', ''),
                ['overdue']),
            ]

    def get_approvals_count(self, name):
        return sum(1 for d in self.decisions if d.decision == 'approve')

    def get_to_me(self, name):
        user = Transaction().user
        return self.state == 'pending' and any(
            u.id == user for u in self.candidates) and not any(
            d.user.id == user for d in self.decisions)

    @classmethod
    def search_to_me(cls, name, clause):
        _, operator, value = clause
        user = Transaction().user
        domain = [
            ('state', '=', 'pending'),
            ('candidates', '=', user),
            ('decisions', 'not where', [('user', '=', user)]),
            ]
        if (operator == '=') != bool(value):
            domain = ['NOT', domain]
        return domain

    def get_decided_by_me(self, name):
        user = Transaction().user
        return any(d.user.id == user for d in self.decisions)

    @classmethod
    def search_decided_by_me(cls, name, clause):
        _, operator, value = clause
        if (operator == '=') == bool(value):
            return [('decisions.user', '=', Transaction().user)]
        return [('decisions.user', '!=', Transaction().user)]

    def get_overdue(self, name):
        return bool(self.state == 'pending' and self.due
            and self.due < _now())

    @classmethod
    def search_overdue(cls, name, clause):
        _, operator, value = clause
        overdue = [('state', '=', 'pending'), ('due', '<', _now())]
        if (operator == '=') == bool(value):
            return overdue
        return ['NOT', overdue]

    def get_complaint_field(self, name):
        value = getattr(self.complaint, name[len('complaint_'):])
        if isinstance(value, ModelSQL):
            return value.id
        return value

    # Starting the chain

    @classmethod
    def start_chain(cls, complaints):
        "Create the approvals of the complaints' chain and open its first step"
        pool = Pool()
        Chain = pool.get('complaint.approval.chain')
        approvals = []
        for complaint in complaints:
            chain = Chain.find(complaint)
            for sequence, step in enumerate(chain.steps):
                approvals.append(cls(
                        complaint=complaint, step=step, sequence=sequence,
                        round=complaint.plan_round,
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
        now = _now()
        for approval in approvals:
            approvers = approval.step.get_approvers(approval.complaint)
            approval._set_candidates(approvers, allow_own)
            approval.started_at = now
            approval.due = now + approval.step.deadline
        cls.save(approvals)
        cls._notify_approvers(approvals)

    def _set_candidates(self, users, allow_own):
        if not allow_own and self.complaint.responsible:
            handlers = self.step.users_of_employees(
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
    def _notify_approvers(cls, approvals):
        for approval in approvals:
            for user in approval.candidates:
                with Transaction().set_context(language=user_language(user)):
                    approval.notify_user('tryton-ok',
                        gettext('complaint_plan.msg_approval_yours_label',
                            complaint=approval.complaint.rec_name),
                        gettext(
                            'complaint_plan.msg_approval_yours_description',
                            step=approval.step.rec_name,
                            due=approval.due.strftime('%Y-%m-%d %H:%M')),
                        user=user.id)

    # Decisions

    @classmethod
    @ModelView.button
    def approve(cls, approvals):
        cls.decide(approvals, 'approve')

    @classmethod
    @ModelView.button_action('complaint_plan.wizard_approval_reject')
    def reject(cls, approvals):
        pass

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
        with without_check_access():
            Decision.create([{
                        'approval': a.id,
                        'user': user,
                        'decision': decision,
                        'comment': comment,
                        } for a in approvals])
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
        cls.write(approvals, {'decided_at': _now()})

    @classmethod
    @Workflow.transition('rejected')
    def _reject(cls, approvals):
        cls.write(approvals, {'decided_at': _now()})
        cls._cancel([a2 for a in approvals for a2 in a.complaint.approvals
                if a2.round == a.round and a2.state in {'waiting', 'pending'}
                and a2 != a])

    @classmethod
    @Workflow.transition('cancelled')
    def _cancel(cls, approvals):
        pass

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
        now = _now()
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
        for approval in reassigned:
            approval.candidates = list(approval.step.get_timeout_approvers(
                    approval.complaint, approval.candidates)
                or approval.candidates)
            approval.due = now + approval.step.deadline
        cls.save(reassigned)
        cls._notify_approvers(reassigned)

    @classmethod
    @Workflow.transition('escalated')
    def _escalate(cls, approvals):
        pass


class ApprovalUser(EnforcedStatesMixin, ModelSQL):
    "Approval - Approver"
    __name__ = 'complaint.approval-res.user'

    approval = fields.Many2One('complaint.approval', "Approval",
        required=True, ondelete='CASCADE')
    user = fields.Many2One('res.user', "User", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
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
    "Decision of an approver"
    __name__ = 'complaint.approval.decision'

    approval = fields.Many2One('complaint.approval', "Approval",
        required=True, ondelete='CASCADE', readonly=True)
    user = fields.Many2One('res.user', "Approver", required=True,
        readonly=True)
    decision = fields.Selection([
            ('approve', "Approve"),
            ('reject', "Reject"),
            ], "Decision", required=True, readonly=True)
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


class RejectStart(ModelView):
    "Reject an approval"
    __name__ = 'complaint.approval.reject.start'

    comment = fields.Text("Comment", required=True,
        help="Tells the handler what to change in the plan.")


class Reject(Wizard):
    "Reject approvals"
    __name__ = 'complaint.approval.reject'

    start = StateView('complaint.approval.reject.start',
        'complaint_plan.approval_reject_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reject", 'reject', 'tryton-ok', default=True),
            ])
    reject = StateTransition()

    def transition_reject(self):
        self.model.decide(self.records, 'reject', self.start.comment)
        return 'end'
