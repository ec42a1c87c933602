# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Each role works emergency plans and incidents as a real user"
import datetime as dt

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_user)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

ROLES = {
    'manager': 'group_complaint_manager',
    'leader': 'group_leading_group',
    'handler': 'group_complaint_handler',
    'auditor': 'group_complaint_auditor',
    'clerk': 'group_complaint_clerk',
    }


class EmergencyAccessTestCase(ModuleDatabaseTestCase):
    "Access to emergency plans and incidents"
    modules = ['complaint_emergency']

    def setup_company(self):
        "Users of each role, a plan led by the leader and its open incident"
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        Category = pool.get('complaint.category')

        company = create_company()
        users = {}
        with set_company(company):
            for role, group in ROLES.items():
                employee = create_employee(company, role)
                users[role] = create_user(
                    role, ['complaint_plan.' + group], company, employee)
            service, = Category.search([('name', '=', "Service")])
            plan, = Plan.create([{
                        'name': "服务投诉应急处置预案",
                        'owner': users['manager'].employee.id,
                        'categories': [('add', [service.id])],
                        'activate_on_level': False,
                        'activate_on_media': True,
                        'leaders': [('add', [users['leader'].employee.id])],
                        }])
        return users, plan, service

    def register_media_complaint(self, service, company):
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        complaint, = Complaint.create([{
                    'company': company.id,
                    'subject': "顾客在微博投诉",
                    'description': "...",
                    'complainant_name': "吴先生",
                    'category': service.id,
                    'media_attention': True,
                    'received_at': dt.datetime.now() - dt.timedelta(hours=1),
                    }])
        return complaint

    def open_incident(self, plan):
        pool = Pool()
        Incident = pool.get('complaint.incident')
        incident, = Incident.search([
                ('plan', '=', plan.id), ('state', '=', 'active')])
        return incident

    @with_transaction()
    def test_clerk(self):
        "The clerk's complaint activates a plan the clerk cannot see"
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        Incident = pool.get('complaint.incident')
        users, plan, service = self.setup_company()

        with as_user(users['clerk']):
            complaint = self.register_media_complaint(
                service, users['clerk'].company)
            with self.assertRaises(AccessError):
                Plan.search([])
            with self.assertRaises(AccessError):
                Incident.search([])
            with self.assertRaises(AccessError):
                Plan.read([plan.id], ['name'])

        incident = self.open_incident(plan)
        self.assertEqual(incident.complaints, (complaint,))

    @with_transaction()
    def test_manager(self):
        "The manager registers, revises and drills plans and runs incidents"
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        Drill = pool.get('complaint.emergency_plan.drill')
        Incident = pool.get('complaint.incident')
        users, plan, service = self.setup_company()
        self.register_media_complaint(service, plan.company)

        with as_user(users['manager']):
            other, = Plan.create([{'name': "投诉应急预案"}])
            Plan.write([other], {'scope': "全公司"})
            Drill.create([{
                        'plan': other.id,
                        'date': dt.date.today(),
                        'kind': 'special',
                        }])
            self.assertEqual(
                Plan(other.id).next_drill_due,
                dt.date.today().replace(year=dt.date.today().year + 1))
            self.assertTrue(Plan.revise([other]))
            incident, = Incident.search([('state', '=', 'active')])
            Incident.write([incident], {
                    'evaluation_worked': "响应及时",
                    'evaluation_changes': "增加值班人员",
                    })
            Incident.close([incident])
            self.assertEqual(incident.state, 'closed')
            Plan.delete([other])

    @with_transaction()
    def test_leader(self):
        "The leading group reads plans and runs their incidents"
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        Incident = pool.get('complaint.incident')
        Action = pool.get('complaint.incident.action')
        users, plan, service = self.setup_company()
        self.register_media_complaint(service, plan.company)

        with as_user(users['leader']):
            self.assertEqual(Plan.search([]), [plan])
            with self.assertRaises(AccessError):
                Plan.write([Plan(plan.id)], {'scope': "x"})
            with self.assertRaises(AccessError):
                Plan.create([{'name': "x"}])
            with self.assertRaises(AccessButtonError):
                Plan.revise([Plan(plan.id)])

            incident, = Incident.search([])
            action, = Action.create([{
                        'incident': incident.id,
                        'description': "召开领导小组会议",
                        }])
            self.assertEqual(action.by, users['leader'].employee)
            Incident.write([incident], {
                    'evaluation_worked': "响应及时",
                    'evaluation_changes': "增加值班人员",
                    })
            Incident.close([incident])
            Incident.start_revision([incident])
            self.assertEqual(Plan(plan.id).version, 2)
            with self.assertRaises(AccessError):
                Incident.create([{'plan': plan.id, 'trigger': 'media'}])
            with self.assertRaises(AccessError):
                Incident.delete([incident])

    @with_transaction()
    def test_handler(self):
        "The handler reads plans and incidents and changes neither"
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        Incident = pool.get('complaint.incident')
        Action = pool.get('complaint.incident.action')
        users, plan, service = self.setup_company()
        self.register_media_complaint(service, plan.company)

        with as_user(users['handler']):
            self.assertEqual(Plan.search([]), [plan])
            incident, = Incident.search([])
            self.assertEqual(incident.trigger, 'media')
            with self.assertRaises(AccessError):
                Incident.write([incident], {'evaluation_worked': "x"})
            with self.assertRaises(AccessError):
                Action.create([{
                            'incident': incident.id, 'description': "x"}])
            with self.assertRaises(AccessButtonError):
                Incident.close([incident])

    @with_transaction()
    def test_auditor(self):
        "The auditor reads plans and incidents and changes neither"
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        Drill = pool.get('complaint.emergency_plan.drill')
        Incident = pool.get('complaint.incident')
        users, plan, service = self.setup_company()
        self.register_media_complaint(service, plan.company)

        with as_user(users['auditor']):
            self.assertEqual(Plan.search([]), [plan])
            self.assertEqual(len(Incident.search([])), 1)
            with self.assertRaises(AccessError):
                Plan.write([Plan(plan.id)], {'scope': "x"})
            with self.assertRaises(AccessError):
                Drill.create([{
                            'plan': plan.id, 'date': dt.date.today()}])
            with self.assertRaises(AccessButtonError):
                Incident.close(Incident.search([]))
