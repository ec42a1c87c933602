# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The intake points (QR codes): what each role may do, as real users with
access checks on, and how the codes and addresses behave"""
import datetime as dt
import urllib.parse
from unittest.mock import patch

from trytond.model.exceptions import AccessError
from trytond.model.modelsql import ForeignKeyError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_user)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


ROLES = {
    'clerk': 'complaint_plan.group_complaint_clerk',
    'handler': 'complaint_plan.group_complaint_handler',
    'manager': 'complaint_plan.group_complaint_manager',
    'auditor': 'complaint_plan.group_complaint_auditor',
    'leader': 'complaint_plan.group_leading_group',
    }


class IntakePointTestCase(ModuleDatabaseTestCase):
    "Complaint intake points"
    modules = ['complaint_intake']

    def setup_company(self):
        "The roles' users and a point of the service counter with a complaint"
        pool = Pool()
        IntakePoint = pool.get('complaint.intake.point')
        Category = pool.get('complaint.category')
        Complaint = pool.get('complaint.complaint')

        company = create_company()
        with set_company(company):
            users = {
                role: create_user(role, [group], company,
                    create_employee(company, role))
                for role, group in ROLES.items()}
            users['employee'] = create_user(
                'employee', [], company, create_employee(company, "刘洋"))
            counter = create_employee(company, "服务台")
            service, = Category.search([('name', '=', "Service")])
            point, = IntakePoint.create([{
                        'name': "服务台",
                        'respondent': str(counter),
                        'category': service.id,
                        }])
            Complaint.create([{
                        'channel': 'web',
                        'intake_point': point.id,
                        'respondent': str(counter),
                        'category': service.id,
                        'complainant_name': "王女士",
                        'subject': "排队太久",
                        'description': "服务台只有一个人。",
                        'received_at': dt.datetime.now() - dt.timedelta(
                            hours=1),
                        }])
        return users, point

    @with_transaction()
    def test_manager(self):
        "The complaint manager creates, copies, deletes points, renews codes"
        pool = Pool()
        IntakePoint = pool.get('complaint.intake.point')
        users, point = self.setup_company()

        with as_user(users['manager']):
            entrance, = IntakePoint.create([{'name': "入口"}])
            self.assertEqual(len(entrance.token), 22)
            self.assertTrue(entrance.url.endswith('?point=' + entrance.token))
            old_token = point.token
            IntakePoint.new_code([IntakePoint(point.id)])
            point = IntakePoint(point.id)
            self.assertNotEqual(point.token, old_token)
            copy, = IntakePoint.copy([entrance])
            self.assertNotEqual(copy.token, entrance.token)
            IntakePoint.delete([entrance, copy])
            # Its complaint keeps the point that received it
            with self.assertRaises(ForeignKeyError):
                IntakePoint.delete([point])

        self.assertIsNone(IntakePoint.from_token(old_token))
        self.assertEqual(IntakePoint.from_token(point.token), point)

    @with_transaction()
    def test_read_only_roles(self):
        "Clerks, handlers, auditors and leaders read the points, change none"
        pool = Pool()
        IntakePoint = pool.get('complaint.intake.point')
        users, point = self.setup_company()

        for role in ['clerk', 'handler', 'auditor', 'leader']:
            with self.subTest(role=role), as_user(users[role]):
                found, = IntakePoint.search([])
                self.assertEqual(found.complaint_count, 1)
                self.assertIn(found.token, found.url)
                self.assertTrue(found.qr_code.startswith(b'\x89PNG'))
                with self.assertRaises(AccessError):
                    IntakePoint.create([{'name': "入口"}])
                with self.assertRaises(AccessError):
                    IntakePoint.write([found], {'name': "入口"})
                with self.assertRaises(AccessButtonError):
                    IntakePoint.new_code([found])
                with self.assertRaises(AccessError):
                    IntakePoint.delete([found])

    @with_transaction()
    def test_clerk_reads_point_of_complaint(self):
        "The clerk sees on the complaint the point it came through"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        users, point = self.setup_company()

        with as_user(users['clerk']):
            complaint, = Complaint.search([])
            self.assertEqual(complaint.intake_point, point)
            self.assertEqual(complaint.intake_point.rec_name, "服务台")

    @with_transaction()
    def test_other_roles(self):
        "A user without a complaint role neither reads nor changes points"
        pool = Pool()
        IntakePoint = pool.get('complaint.intake.point')
        users, point = self.setup_company()

        with as_user(users['employee']):
            with self.assertRaises(AccessError):
                IntakePoint.search([])
            with self.assertRaises(AccessError):
                IntakePoint.read([point.id], ['token'])
            with self.assertRaises(AccessError):
                IntakePoint.create([{'name': "入口"}])

    @with_transaction()
    def test_from_token(self):
        "Only the code of an active point finds it"
        pool = Pool()
        IntakePoint = pool.get('complaint.intake.point')
        users, point = self.setup_company()

        self.assertEqual(IntakePoint.from_token(point.token), point)
        for token in [None, '', point.token[:-1], point.token.swapcase()]:
            with self.subTest(token=token):
                self.assertIsNone(IntakePoint.from_token(token))
        IntakePoint.write([point], {'active': False})
        self.assertIsNone(IntakePoint.from_token(point.token))

    @with_transaction()
    def test_url(self):
        "The address is the configured public address or the server's"
        pool = Pool()
        IntakePoint = pool.get('complaint.intake.point')
        Configuration = pool.get('complaint.configuration')
        users, point = self.setup_company()
        database = urllib.parse.quote(Transaction().database.name)

        with patch('trytond.modules.complaint_plan.configuration.http_host',
                return_value='http://server.example.com:8000'):
            self.assertEqual(IntakePoint(point.id).url,
                'http://server.example.com:8000/%s/complaint_plan/complaint'
                '?point=%s' % (database, point.token))
        Configuration.write([Configuration(1)], {
                'public_url': 'https://tousu.example.com/'})
        self.assertTrue(IntakePoint(point.id).url.startswith(
                'https://tousu.example.com/%s/complaint_plan/complaint?'
                % database))

    @with_transaction()
    def test_name_from_respondent(self):
        "Choosing the respondent names a new point after it"
        pool = Pool()
        IntakePoint = pool.get('complaint.intake.point')
        Employee = pool.get('company.employee')
        users, point = self.setup_company()
        counter, = Employee.search([('party.name', '=', "服务台")])

        point = IntakePoint(respondent=counter)
        point.on_change_respondent()
        self.assertEqual(point.name, "服务台")
        point = IntakePoint(name="入口", respondent=counter)
        point.on_change_respondent()
        self.assertEqual(point.name, "入口")
        point = IntakePoint(respondent=Employee(-1))
        point.on_change_respondent()
        self.assertIsNone(point.name)
