# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Approvals as real users, with access checks on: who decides, with a
comment, who delegates, and that nobody writes approvers, decisions,
delegations or plan versions"""
import datetime as dt

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import create_employee, set_company
from trytond.modules.scheduled_activity.exceptions import ModificationError
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_user)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from trytond.modules.complaint_plan.exceptions import ApprovalError
from . import test_access
from .test_access import LEADER, MANAGER


class ApprovalAccessTestCase(ModuleDatabaseTestCase):
    "Access to the approvals of the handling plans"
    modules = ['complaint_plan']

    def setup_approval(self):
        """A complaint whose plan awaits two of three leaders; the users of
        the company by role"""
        pool = Pool()
        Chain = pool.get('complaint.approval.chain')
        Complaint = pool.get('complaint.complaint')
        users, complaint, _ = (
            test_access.ComplaintAccessTestCase.setup_company(self))
        company = users['clerk'].company
        with set_company(company):
            for login, name, group in [
                    ('leader1', "王建国", LEADER),
                    ('leader2', "李红", LEADER),
                    ('leader3', "张明", LEADER),
                    ('deputy', "陈静", MANAGER),
                    ('approval_admin', "何芳",
                        'complaint_plan.group_approval_admin'),
                    ]:
                users[login] = create_user(login, [group], company,
                    create_employee(company, name))
        users['admin'] = users['approval_admin']
        leading = users['leader1'].groups[0]
        Chain.create([{
                    'name': "审批", 'level': complaint.level.id,
                    'steps': [('create', [{
                                    'name': "领导小组审批",
                                    'approver_kind': 'group',
                                    'group': leading.id,
                                    'required_approvals': 2,
                                    'deadline': dt.timedelta(days=1),
                                    }])],
                    }])
        Complaint.write([complaint], {
                'state': 'planning',
                'responsible': users['handler'].employee.id,
                'investigation_duties': "调查",
                'investigation_methods': "调取监控",
                'measures': "赔偿",
                'investigation_time': dt.datetime.now(),
                'investigation_place': "门店",
                'responsibility': "当班员工负责",
                'prevention': "加强培训",
                })
        Complaint.process([complaint])
        approval, = complaint.approvals
        return users, complaint, approval

    def run_wizard(self, user, name, approval, data, button):
        """Run the wizard on the approval as the web client does: created
        with access checks, executed as the system"""
        Wizard = Pool().get(name, type='wizard')
        context = {
            'active_model': 'complaint.approval',
            'active_id': approval.id,
            'active_ids': [approval.id],
            }
        with as_user(user), Transaction().set_context(context):
            session_id, start, _ = Wizard.create()
            with Transaction().set_context(_check_access=False):
                Wizard.execute(session_id, {}, start)
                Wizard.execute(session_id, {start: data}, button)

    def candidates(self, approval):
        Approval = Pool().get('complaint.approval')
        return sorted(u.login for u in Approval(approval.id).candidates)

    @with_transaction()
    def test_leader_rejects_with_comment(self):
        "A leader who is an approver rejects with a comment"
        pool = Pool()
        Approval = pool.get('complaint.approval')
        Complaint = pool.get('complaint.complaint')
        users, complaint, approval = self.setup_approval()

        with as_user(users['leader1']):
            # The button opens the wizard: allowed to the leading group
            Approval.reject([Approval(approval.id)])
        self.run_wizard(users['leader1'], 'complaint.approval.reject',
            approval, {'comment': "赔偿须经法务审核。"}, 'reject')

        approval = Approval(approval.id)
        self.assertEqual(approval.state, 'rejected')
        decision, = approval.decisions
        self.assertEqual(
            (decision.user, decision.decision, decision.comment),
            (users['leader1'], 'reject', "赔偿须经法务审核。"))
        complaint = Complaint(complaint.id)
        self.assertEqual(complaint.state, 'planning')
        self.assertEqual(complaint.plan_version.state, 'rejected')

    @with_transaction()
    def test_leader_approves_with_comment(self):
        "Leaders approve with a comment or without, once each"
        pool = Pool()
        Approval = pool.get('complaint.approval')
        Complaint = pool.get('complaint.complaint')
        users, complaint, approval = self.setup_approval()

        self.run_wizard(users['leader1'], 'complaint.approval.approve',
            approval, {'comment': "同意。"}, 'approve')
        self.assertEqual(Approval(approval.id).approvals_count, 1)
        # Once only
        with self.assertRaises(ApprovalError):
            self.run_wizard(users['leader1'], 'complaint.approval.approve',
                approval, {'comment': "再次同意。"}, 'approve')
        with as_user(users['leader2']):
            Approval.approve([Approval(approval.id)])

        approval = Approval(approval.id)
        self.assertEqual(approval.state, 'approved')
        self.assertEqual(
            [(d.user.login, d.comment) for d in approval.decisions],
            [('leader1', "同意。"), ('leader2', None)])
        self.assertEqual(Complaint(complaint.id).state, 'processing')

    @with_transaction()
    def test_only_approvers_decide(self):
        "Who is not an approver of the step cannot decide, even by wizard"
        pool = Pool()
        Approval = pool.get('complaint.approval')
        users, complaint, approval = self.setup_approval()

        # The clerk and the handler do not see the approval
        for login in ['clerk', 'handler']:
            for wizard, button in [
                    ('complaint.approval.approve', 'approve'),
                    ('complaint.approval.reject', 'reject')]:
                with self.subTest(login=login, wizard=wizard):
                    with self.assertRaises((AccessError, ApprovalError)):
                        self.run_wizard(users[login], wizard, approval,
                            {'comment': "x"}, button)
        with as_user(users['clerk']):
            with self.assertRaises(AccessError):
                Approval.approve([Approval(approval.id)])
        # The manager and the auditor see it but are not approvers
        for login in ['manager', 'auditor', 'deputy']:
            for wizard, button in [
                    ('complaint.approval.approve', 'approve'),
                    ('complaint.approval.reject', 'reject')]:
                with self.subTest(login=login, wizard=wizard):
                    with self.assertRaises(ApprovalError):
                        self.run_wizard(users[login], wizard, approval,
                            {'comment': "x"}, button)
        with as_user(users['manager']):
            with self.assertRaises(AccessButtonError):
                Approval.approve([Approval(approval.id)])
        approval = Approval(approval.id)
        self.assertEqual(
            (approval.state, approval.decisions), ('pending', ()))

    @with_transaction()
    def test_responsible_leaves_approvers(self):
        "A leader made responsible while the step waits does not approve it"
        pool = Pool()
        Approval = pool.get('complaint.approval')
        Complaint = pool.get('complaint.complaint')
        users, complaint, approval = self.setup_approval()

        with as_user(users['manager']):
            Complaint.write([Complaint(complaint.id)], {
                    'responsible': users['leader2'].employee.id})
        self.assertEqual(self.candidates(approval), ['leader1', 'leader3'])
        # No longer an approver, the approval is no longer theirs to read
        with as_user(users['leader2']):
            self.assertEqual(Approval.search([('to_me', '=', True)]), [])
            with self.assertRaises(AccessError):
                Approval.approve([Approval(approval.id)])
        for login in ['leader1', 'leader3']:
            with as_user(users[login]):
                Approval.approve([Approval(approval.id)])
        self.assertEqual(Approval(approval.id).state, 'approved')
        self.assertEqual(Complaint(complaint.id).state, 'processing')

    @with_transaction()
    def test_responsible_leaves_no_approver(self):
        "A reassignment that would leave a waiting step no approver is refused"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        users, complaint, approval = self.setup_approval()

        with as_user(users['manager']):
            for login in ['leader1', 'leader2']:
                Complaint.write([Complaint(complaint.id)], {
                        'responsible': users[login].employee.id})
            self.assertEqual(self.candidates(approval), ['leader3'])
            with self.assertRaises(ApprovalError):
                Complaint.write([Complaint(complaint.id)], {
                        'responsible': users['leader3'].employee.id})

    @with_transaction()
    def test_nobody_writes_approvers_decisions_versions(self):
        "Approvers, decisions, delegations and plan versions are the system's"
        pool = Pool()
        Approval = pool.get('complaint.approval')
        ApprovalUser = pool.get('complaint.approval-res.user')
        Decision = pool.get('complaint.approval.decision')
        Delegation = pool.get('complaint.approval.delegation')
        Version = pool.get('complaint.plan.version')
        VersionEmployee = pool.get('complaint.plan.version-company.employee')
        Step = pool.get('complaint.approval.step')
        StepEmployee = pool.get('complaint.approval.step-company.employee')
        Complaint = pool.get('complaint.complaint')
        Investigator = pool.get(
            'complaint.complaint-investigation-company.employee')
        users, complaint, approval = self.setup_approval()
        version = complaint.plan_version
        step, = Step.search([])
        employee = users['deputy'].employee

        for login in ['leader1', 'manager', 'admin', 'handler']:
            user = users[login]
            with self.subTest(login=login), as_user(user):
                with self.assertRaises((AccessError, ModificationError)):
                    Approval.write([Approval(approval.id)], {
                            'candidates': [('add', [user.id])]})
                with self.assertRaises(AccessError):
                    ApprovalUser.create([{
                                'approval': approval.id, 'user': user.id}])
                with self.assertRaises(AccessError):
                    Decision.create([{
                                'approval': approval.id, 'user': user.id,
                                'decision': 'approve'}])
                with self.assertRaises(AccessError):
                    Delegation.create([{
                                'approval': approval.id,
                                'from_user': user.id, 'to_user': user.id,
                                'reason': "x", 'date': dt.datetime.now()}])
                with self.assertRaises(AccessError):
                    Version.write([Version(version.id)], {'measures': "x"})
                with self.assertRaises(AccessError):
                    Version.create([{
                                'complaint': complaint.id, 'number': 9,
                                'state': 'approved'}])
                with self.assertRaises(AccessError):
                    Version.delete([Version(version.id)])
                with self.assertRaises(AccessError):
                    VersionEmployee.create([{
                                'version': version.id,
                                'employee': employee.id}])
                if login != 'manager':
                    # The manager configures the chains
                    with self.assertRaises(AccessError):
                        StepEmployee.create([{
                                    'step': step.id,
                                    'employee': employee.id}])

        # The handler may not change the submitted plan, nor its team
        with as_user(users['handler']):
            with self.assertRaises(ModificationError):
                Complaint.write([Complaint(complaint.id)], {
                        'measures': "不赔偿"})
            with self.assertRaises(ModificationError):
                Investigator.create([{
                            'complaint': complaint.id,
                            'employee': users['handler'].employee.id}])
        # A leader does not write complaints
        with as_user(users['leader1']):
            with self.assertRaises(AccessError):
                Investigator.create([{
                            'complaint': complaint.id,
                            'employee': users['leader1'].employee.id}])
        self.assertEqual(
            self.candidates(approval), ['leader1', 'leader2', 'leader3'])
        self.assertEqual(Version(version.id).measures, "赔偿")

    @with_transaction()
    def test_approver_delegates(self):
        "An approver hands their approval over with a reason"
        pool = Pool()
        Approval = pool.get('complaint.approval')
        users, complaint, approval = self.setup_approval()

        with as_user(users['leader1']):
            self.assertTrue(Approval(approval.id).may_delegate)
        self.run_wizard(users['leader1'], 'complaint.approval.delegate',
            approval, {
                'from_user': users['leader1'].id,
                'to_user': users['deputy'].id,
                'reason': "出差",
                }, 'delegate')

        self.assertEqual(
            self.candidates(approval), ['deputy', 'leader2', 'leader3'])
        approval = Approval(approval.id)
        self.assertEqual(approval.required_approvals, 2)
        log, = approval.delegations
        self.assertEqual(
            (log.from_user, log.to_user, log.by, log.reason),
            (users['leader1'], users['deputy'], users['leader1'], "出差"))
        # The delegator still sees the approval, no longer to decide
        with as_user(users['leader1']):
            self.assertEqual(
                Approval.search([('to_me', '=', True)]), [])
            self.assertEqual(
                Approval.search([('id', '=', approval.id)]), [approval])
        with as_user(users['deputy']):
            mine, = Approval.search([('to_me', '=', True)])
            Approval.approve([mine])
        self.assertEqual(Approval(approval.id).approvals_count, 1)

    @with_transaction()
    def test_administrator_delegates(self):
        "An administrator of approvals delegates for an approver"
        pool = Pool()
        Approval = pool.get('complaint.approval')
        users, complaint, approval = self.setup_approval()

        with as_user(users['admin']):
            self.assertTrue(Approval(approval.id).may_delegate)
        self.run_wizard(users['admin'], 'complaint.approval.delegate',
            approval, {
                'from_user': users['leader2'].id,
                'to_user': users['deputy'].id,
                'reason': "住院",
                }, 'delegate')
        self.assertEqual(
            self.candidates(approval), ['deputy', 'leader1', 'leader3'])
        log, = Approval(approval.id).delegations
        self.assertEqual(log.by, users['admin'])

    @with_transaction()
    def test_delegation_refused(self):
        "Others may not delegate; nobody delegates to an ineligible user"
        pool = Pool()
        Approval = pool.get('complaint.approval')
        Configuration = pool.get('complaint.configuration')
        users, complaint, approval = self.setup_approval()

        def delegate(login, from_login, to_login, reason="出差"):
            self.run_wizard(users[login], 'complaint.approval.delegate',
                approval, {
                    'from_user': users[from_login].id,
                    'to_user': users[to_login].id,
                    'reason': reason,
                    }, 'delegate')

        # Not for another approver, unless an administrator
        with self.assertRaises(ApprovalError):
            delegate('leader3', 'leader2', 'deputy')
        # Who reads the approval without being an approver has nothing to
        # delegate; who does not read it is refused
        for login in ['manager', 'auditor', 'handler']:
            with self.subTest(login=login):
                with as_user(users[login]):
                    self.assertFalse(Approval(approval.id).may_delegate)
                with self.assertRaises(ApprovalError):
                    delegate(login, 'leader2', 'deputy')
        for login in ['clerk']:
            with self.subTest(login=login):
                with self.assertRaises(AccessError):
                    delegate(login, 'leader2', 'deputy')
        # Not to an approver of the step, the handler, a clerk (who cannot
        # decide on approvals), nor without reason
        for to_login, reason in [
                ('leader2', "出差"), ('handler', "出差"), ('clerk', "出差"),
                ('deputy', " ")]:
            with self.subTest(to_login=to_login, reason=reason):
                with self.assertRaises(ApprovalError):
                    delegate('leader1', 'leader1', to_login, reason)
        self.assertEqual(
            self.candidates(approval), ['leader1', 'leader2', 'leader3'])

        # The handler becomes eligible when handlers may approve
        Configuration.write([Configuration(1)], {
                'allow_handler_approval': True})
        delegate('leader1', 'leader1', 'handler')
        self.assertEqual(
            self.candidates(approval), ['handler', 'leader2', 'leader3'])
