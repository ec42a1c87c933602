# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Each role works as a real user with access checks on"
import datetime as dt

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_user)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

CLERK = 'complaint_plan.group_complaint_clerk'
HANDLER = 'complaint_plan.group_complaint_handler'
MANAGER = 'complaint_plan.group_complaint_manager'
AUDITOR = 'complaint_plan.group_complaint_auditor'
LEADER = 'complaint_plan.group_leading_group'


class ComplaintAccessTestCase(ModuleDatabaseTestCase):
    "Access of the complaint roles"
    modules = ['complaint_plan']

    def setup_company(self):
        pool = Pool()
        Category = pool.get('complaint.category')
        Complaint = pool.get('complaint.complaint')

        company = create_company()
        with set_company(company):
            handler_employee = create_employee(company, "张伟")
            other_employee = create_employee(company, "刘洋")
            service, = Category.search([('name', '=', "Service")])
            billing, = Category.search([('name', '=', "Billing")])
            Category.write([service], {
                    'responsible_employees': [('add', [handler_employee.id])],
                    })
            Category.write([billing], {
                    'responsible_employees': [('add', [other_employee.id])],
                    })
            users = {
                'clerk': create_user(
                    'clerk', [CLERK], company),
                'handler': create_user(
                    'handler', [HANDLER], company, handler_employee),
                'manager': create_user(
                    'manager', [MANAGER], company),
                'auditor': create_user(
                    'auditor', [AUDITOR], company),
                }
            values = {
                'company': company.id,
                'complainant_name': "王女士",
                'description': "...",
                'received_at': dt.datetime.now() - dt.timedelta(hours=1),
                }
            unassigned, = Complaint.create([{
                        'subject': "unassigned", 'category': service.id,
                        **values}])
            of_other, = Complaint.create([{
                        'subject': "other's", 'category': billing.id,
                        'responsible': other_employee.id, **values}])
        return users, unassigned, of_other

    def subjects(self):
        Complaint = Pool().get('complaint.complaint')
        return sorted(c.subject for c in Complaint.search([]))

    @with_transaction()
    def test_clerk(self):
        """The clerk registers complaints and sees their own, the unassigned
        ones and all those waiting to be registered"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Level = pool.get('complaint.level')
        users, unassigned, of_other = self.setup_company()

        with as_user(users['clerk']):
            # Received with a responsible already named: still the clerk's
            # to register
            self.assertEqual(self.subjects(), ["other's", "unassigned"])
            complaint, = Complaint.create([{
                        'subject': "clerk's", 'complainant_name': "李先生",
                        'description': "...", 'category':
                        unassigned.category.id}])
            Complaint.register([complaint])
            self.assertEqual(complaint.state, 'registered')
            self.assertEqual(
                self.subjects(), ["clerk's", "other's", "unassigned"])
            other = Complaint(of_other.id)
            Complaint.register([other])
            self.assertEqual(other.state, 'registered')
        # Registered by someone else and in the handler's hands: no longer
        # the clerk's business
        with as_user(users['clerk']):
            self.assertEqual(self.subjects(), ["clerk's", "unassigned"])
            with self.assertRaises(AccessError):
                Complaint.read([of_other.id], ['subject'])
            with self.assertRaises(AccessError):
                Complaint.delete([complaint])
            with self.assertRaises(AccessButtonError):
                Complaint.verify([complaint])
            level, = Level.search([], limit=1)
            with self.assertRaises(AccessError):
                Level.write([level], {'name': "Changed"})

    @with_transaction()
    def test_approval_menu(self):
        "My Approvals is in the menu of who may approve, of no one else"
        pool = Pool()
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        menu_id = ModelData.get_id('complaint_plan', 'menu_approval_top')
        users, _, _ = self.setup_company()
        company = users['clerk'].company
        users['officer'] = create_user('officer', [], company)
        users['leader'] = create_user(
            'leader', [LEADER], company)
        for login, visible in [
                ('officer', False), ('clerk', False), ('auditor', False),
                ('handler', True), ('manager', True), ('leader', True)]:
            with self.subTest(login=login), as_user(users[login]):
                self.assertEqual(
                    bool(Menu.search([('id', '=', menu_id)])), visible)

    @with_transaction()
    def test_handler(self):
        "The handler works the complaints of their categories"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        users, unassigned, of_other = self.setup_company()
        Complaint.register([unassigned])

        with as_user(users['handler']):
            self.assertEqual(self.subjects(), ["unassigned"])
            complaint = Complaint(unassigned.id)
            Complaint.verify([complaint])
            self.assertEqual(complaint.state, 'verifying')
            with self.assertRaises(AccessError):
                Complaint.write([Complaint(of_other.id)], {'subject': "x"})
            with self.assertRaises(AccessError):
                Complaint.delete([complaint])

    @with_transaction()
    def test_manager(self):
        "The manager sees everything, configures and deletes"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Level = pool.get('complaint.level')
        users, unassigned, of_other = self.setup_company()

        with as_user(users['manager']):
            self.assertEqual(self.subjects(), ["other's", "unassigned"])
            level, = Level.search([('name', '=', "Level 3")])
            Level.write([level], {'resolution_delay': dt.timedelta(days=10)})
            Complaint.delete([Complaint(of_other.id)])
            self.assertEqual(self.subjects(), ["unassigned"])

    @with_transaction()
    def test_auditor(self):
        "The auditor reads everything and changes nothing"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Statistic = pool.get('complaint.statistic.month')
        users, unassigned, of_other = self.setup_company()

        with as_user(users['auditor']):
            self.assertEqual(self.subjects(), ["other's", "unassigned"])
            month, = Statistic.search([])
            self.assertEqual(month.complaints, 2)
            with self.assertRaises(AccessError):
                Complaint.write([Complaint(unassigned.id)], {'subject': "x"})
            with self.assertRaises(AccessError):
                Complaint.create([{'subject': "x", 'complainant_name': "x",
                            'description': "x"}])
            with self.assertRaises(AccessButtonError):
                Complaint.register([Complaint(unassigned.id)])

    @with_transaction()
    def test_approvers(self):
        "Leaders see and decide only the approvals that are theirs"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Chain = pool.get('complaint.approval.chain')
        Approval = pool.get('complaint.approval')
        users, unassigned, of_other = self.setup_company()
        company = users['clerk'].company
        with set_company(company):
            leader = create_user('leader', [LEADER], company,
                create_employee(company, "王建国"))
            other_leader = create_user('leader2', [LEADER],
                company, create_employee(company, "李红"))
        Chain.create([{
                    'name': "三级审批", 'level': unassigned.level.id,
                    'steps': [('create', [{
                                    'name': "领导审批",
                                    'approver_kind': 'employees',
                                    'employees': [
                                        ('add', [leader.employee.id])],
                                    }])],
                    }])
        Complaint.write([unassigned], {
                'state': 'planning',
                'investigation_duties': "调查",
                'investigation_methods': "调取监控",
                'measures': "赔偿",
                })
        Complaint.process([unassigned])
        approval, = unassigned.approvals

        with as_user(users['clerk']):
            self.assertEqual(Approval.search([]), [])
            with self.assertRaises(AccessError):
                Approval.read([approval.id], ['state'])
        with as_user(other_leader):
            self.assertEqual(Approval.search([('to_me', '=', True)]), [])
            with self.assertRaises(AccessError):
                Approval.approve([Approval(approval.id)])
        with as_user(leader):
            mine, = Approval.search([('to_me', '=', True)])
            # The filters the other way round: the complement
            self.assertEqual(Approval.search([('to_me', '=', False)]), [])
            self.assertEqual(Approval.search([('to_me', '!=', True)]), [])
            self.assertEqual(
                Approval.search([('overdue', '=', False)]), [mine])
            self.assertEqual(Approval.search([('overdue', '=', True)]), [])
            self.assertEqual(
                Approval.search([('decided_by_me', '=', False)]), [mine])
            with self.assertRaises(AccessError):
                Approval.write([mine], {'state': 'approved'})
            Approval.approve([mine])
            self.assertEqual(Approval.search([('to_me', '=', False)]), [mine])
            self.assertEqual(mine.state, 'approved')
            self.assertEqual(
                Approval.search([('decided_by_me', '=', True)]), [mine])
            self.assertEqual(
                Approval.search([('decided_by_me', '=', False)]), [])
        self.assertEqual(Complaint(unassigned.id).state, 'processing')
