# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The delegation of an approval by one of its approvers to another user"""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.notify import users_of_employees
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import ApprovalError


class ApprovalDelegationMixin:
    "The hand-over of an approval from an approver to another user"
    __slots__ = ()

    delegations = fields.One2Many('complaint.approval.delegation', 'approval',
        "Delegations", readonly=True)
    may_delegate = fields.Function(fields.Boolean("May Delegate"),
        'get_may_delegate')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'delegate': {
                    'invisible': ~Eval('may_delegate', False),
                    'icon': 'tryton-forward',
                    'depends': ['may_delegate'],
                    },
                })

    @classmethod
    def is_administrator(cls):
        "Tell if the current user administers the approvals"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        return ModelData.get_id('complaint_plan', 'group_approval_admin') in (
            User.get_groups())

    @classmethod
    def get_may_delegate(cls, approvals, name):
        administrator = cls.is_administrator()
        user = Transaction().user
        result = {}
        for approval in approvals:
            pending = [u.id for u in approval.candidates
                if not any(d.user == u for d in approval.decisions)]
            result[approval.id] = approval.state == 'pending' and bool(
                (user in pending) or (administrator and pending))
        return result

    @classmethod
    @ModelView.button_action('complaint_plan.wizard_approval_delegate')
    def delegate(cls, approvals):
        pass

    def eligible_delegates(self):
        """The users who may take over the approval from one of its
        approvers: active users of the complaint's company who may decide
        on approvals, neither an approver nor a decider of the step, nor
        the handler of the complaint unless the configuration allows it"""
        pool = Pool()
        User = pool.get('res.user')
        Button = pool.get('ir.model.button')
        Configuration = pool.get('complaint.configuration')
        excluded = {u.id for u in self.candidates} | {
            d.user.id for d in self.decisions}
        if (not Configuration(1).allow_handler_approval
                and self.complaint.responsible):
            excluded |= {u.id for u in users_of_employees(
                    [self.complaint.responsible])}
        groups = Button.get_groups(self.__name__, 'approve')
        domain = [
            ('active', '=', True),
            ('companies', '=', self.complaint.company.id),
            ('id', 'not in', list(excluded)),
            ]
        if groups:
            domain.append(('groups', 'in', list(groups)))
        with without_check_access():
            return User.search(domain, order=[('name', 'ASC')])

    def delegators(self):
        """The approvers the current user may delegate for: themself when
        the step waits for their decision, every approver who has not
        decided for an administrator of approvals"""
        if self.state != 'pending':
            return []
        pending = [u for u in self.candidates
            if not any(d.user == u for d in self.decisions)]
        if self.is_administrator():
            return pending
        return [u for u in pending if u.id == Transaction().user]

    @classmethod
    def delegate_to(cls, approval, from_user, to_user, reason):
        """Hand the approval over from one of its approvers to another user,
        logged with the reason: the delegate replaces the delegator among
        the approvers, so the counts of the step stay what they were"""
        pool = Pool()
        Delegation = pool.get('complaint.approval.delegation')
        user = Transaction().user
        if not (reason or '').strip():
            raise ApprovalError(gettext(
                    'complaint_plan.msg_delegation_reason'))
        cls._serialize([approval])
        approval = cls(approval.id)
        if from_user not in approval.delegators():
            raise ApprovalError(gettext(
                    'complaint_plan.msg_delegation_not_allowed',
                    approval=approval.rec_name, user=from_user.rec_name))
        if to_user not in approval.eligible_delegates():
            raise ApprovalError(gettext(
                    'complaint_plan.msg_delegation_not_eligible',
                    approval=approval.rec_name, user=to_user.rec_name))
        with without_check_access():
            cls.write([approval], {
                    'candidates': [
                        ('remove', [from_user.id]), ('add', [to_user.id])],
                    })
            delegation, = Delegation.create([{
                        'approval': approval.id,
                        'from_user': from_user.id,
                        'to_user': to_user.id,
                        'reason': reason.strip(),
                        'by': user or None,
                        'date': clock.now(),
                        }])
            cls._withdraw_notices([approval], users=[from_user])
            cls._notify_approvers([approval], users=[to_user],
                delegation=delegation)
        return delegation
