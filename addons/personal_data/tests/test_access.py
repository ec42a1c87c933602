# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Each role as a real user, with access checks on: the data protection
officer does each step, the clerk, the handler and the inspector are
refused; the health records stay with those who need them"""
import datetime as dt

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.exceptions import ModificationError
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_user)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from trytond.modules.personal_data.exceptions import ErasureLogError
from . import data

REFUSED = (AccessError, AccessButtonError)


class PersonalDataAccessTestCase(ModuleDatabaseTestCase):
    "Access of the data protection officer and of the other roles"
    modules = ['personal_data']

    def setup_company(self):
        pool = Pool()
        Category = pool.get('complaint.category')
        Store = pool.get('hygiene.store')
        Request = pool.get('personal_data.subject_request')

        company = create_company()
        with set_company(company):
            handler_employee = create_employee(company, "张伟")
            manager_employee = create_employee(company, "郑强")
            service, = Category.search([('name', '=', "Service")])
            Category.write([service], {
                    'responsible_employees': [('add', [handler_employee.id])],
                    })
            records = data.create_person_records(company)
            Store.write([records['store']], {
                    'manager': manager_employee.id})
            other_staff = create_employee(company, "钱多")
            other_store, = Store.create([{
                        'name': "河西万达店",
                        'company': company.id,
                        'staff': [('add', [other_staff.id])],
                        }])
            other_certificate, = pool.get('hygiene.health_certificate').create(
                [{'company': company.id, 'employee': other_staff.id,
                        'number': "HC-OTHER", 'issued_on': dt.date.today(),
                        'expires_on': dt.date.today() + dt.timedelta(days=300),
                        }])
            users = {
                'dpo': create_user('dpo', [
                        'personal_data.group_data_protection_officer'],
                    company),
                'clerk': create_user('clerk', [
                        'complaint_plan.group_complaint_clerk'], company),
                'handler': create_user('handler', [
                        'complaint_plan.group_complaint_handler'], company,
                    handler_employee),
                'manager': create_user('manager', [
                        'complaint_plan.group_complaint_manager'], company),
                'inspector': create_user('inspector', [
                        'store_hygiene.group_hygiene_inspector'], company),
                'storemanager': create_user('storemanager', [
                        'store_hygiene.group_hygiene_store_manager'],
                    company, manager_employee),
                'hygiene_manager': create_user('hygiene_manager', [
                        'store_hygiene.group_hygiene_manager'], company),
                }
            request, = Request.create([{
                        'company': company.id, 'phone': data.PHONE}])
        records['other_certificate'] = other_certificate
        records['request'] = request
        return users, records

    def run_hold_wizard(self, name, record, reason):
        pool = Pool()
        Wizard = pool.get(f'personal_data.legal_hold.{name}', type='wizard')
        with Transaction().set_context(
                active_model=record.__name__, active_id=record.id,
                active_ids=[record.id]):
            session_id, _, _ = Wizard.create()
            Wizard.execute(session_id, {'start': {'reason': reason}}, name)
            Wizard.delete(session_id)

    def report(self, request):
        pool = Pool()
        Report = pool.get(
            'personal_data.subject_request.report', type='report')
        ModelData = pool.get('ir.model.data')
        action_id = ModelData.get_id('personal_data', 'report_subject_request')
        return Report.execute([request.id], {'action_id': action_id})

    @with_transaction()
    def test_officer(self):
        "The data protection officer does each step"
        pool = Pool()
        Request = pool.get('personal_data.subject_request')
        Log = pool.get('personal_data.erasure_log')
        HoldLog = pool.get('personal_data.legal_hold.log')
        Configuration = pool.get('personal_data.configuration')
        Complaint = pool.get('complaint.complaint')
        users, records = self.setup_company()
        complaint = records['complaint']

        with as_user(users['dpo']):
            Configuration.write([Configuration(1)], {'complaint_months': 48})
            self.assertEqual(Configuration(1).complaint_months, 48)

            request, = Request.create([{'email': data.EMAIL}])
            Request.find([request])
            self.assertEqual(request.state, 'found')
            self.assertIn('complaint', {l.kind for l in request.lines})
            # The officer removes a line that is not about the person
            feedback_line, = [l for l in request.lines
                if l.kind == 'feedback']
            Request.write([request], {
                    'lines': [('delete', [feedback_line.id])]})
            action = Request.export([request])
            self.assertEqual(request.state, 'exported')
            self.assertTrue(action)
            extension, content, _, _ = self.report(request)
            self.assertTrue(content)

            self.run_hold_wizard('place', complaint, "诉讼保全")
            self.assertTrue(Complaint(complaint.id).legal_hold)
            Request.write([request], {'reason': "本人申请删除"})
            Request.erase([request])
            self.assertEqual(request.state, 'erased')
            # Everything found belongs to the held complaint
            self.assertEqual(
                {(l.blocked, l.erased) for l in request.lines},
                {('hold', False)})
            self.assertEqual(Log.search([('request', '=', request.id)]), [])
            self.run_hold_wizard('lift', complaint, "判决生效")
            self.assertFalse(Complaint(complaint.id).legal_hold)

            # Once lifted, a new request erases it
            request, = Request.create([{'name': data.NAME}])
            Request.find([request])
            # Only the search lists records
            with self.assertRaises(ModificationError):
                Request.write([request], {'lines': [('create', [{
                                    'kind': 'party',
                                    'resource': 'party.party,1'}])]})
            Request.export([request])
            Request.write([request], {'reason': "本人申请删除"})
            Request.erase([request])
            self.assertTrue(all(l.erased for l in request.lines))
            self.assertIn('complaint', {l.kind for l in Log.search([
                            ('request', '=', request.id)])})
            self.assertIsNone(Complaint(complaint.id).complainant_name)
            self.assertEqual(
                [l.action for l in HoldLog.search(
                        [], order=[('id', 'ASC')])],
                ['place', 'lift'])

            # What the system writes, the officer does not
            with self.assertRaises(ModificationError):
                Request.write([request], {'state': 'draft'})
            with self.assertRaises(ModificationError):
                Request.write([request], {'name': "王芳"})
            log = Log.search([])[0]
            with self.assertRaises(AccessError):
                Log.write([log], {'count': 0})
            with self.assertRaises(AccessError):
                Log.delete([log])
            # Nor the health records
            with self.assertRaises(AccessError):
                pool.get('hygiene.health_certificate').search([])

    @with_transaction()
    def test_others_refused(self):
        "The clerk, the handler and the inspector are refused everything"
        pool = Pool()
        Request = pool.get('personal_data.subject_request')
        Log = pool.get('personal_data.erasure_log')
        HoldLog = pool.get('personal_data.legal_hold.log')
        Configuration = pool.get('personal_data.configuration')
        Complaint = pool.get('complaint.complaint')
        users, records = self.setup_company()
        request = records['request']
        Request.find([request])
        Request.export([request])
        complaint = records['complaint']

        for login in ['clerk', 'handler', 'inspector']:
            with self.subTest(user=login), as_user(users[login]):
                with self.assertRaises(AccessError):
                    Request.create([{'name': "王芳"}])
                with self.assertRaises(AccessError):
                    Request.search([])
                with self.assertRaises(AccessError):
                    Request.read([request.id], ['name'])
                for button in ['find', 'export', 'erase', 'draft']:
                    with self.assertRaises(REFUSED):
                        getattr(Request, button)([Request(request.id)])
                with self.assertRaises(AccessError):
                    self.report(request)
                with self.assertRaises(AccessError):
                    Log.search([])
                with self.assertRaises(AccessError):
                    HoldLog.search([])
                with self.assertRaises(AccessError):
                    Configuration.read([1], ['complaint_months'])
                with self.assertRaises(AccessError):
                    Configuration.write(
                        [Configuration(1)], {'complaint_months': 1})
                with self.assertRaises(REFUSED):
                    Complaint.place_legal_hold([Complaint(complaint.id)])
                with self.assertRaises(AccessError):
                    self.run_hold_wizard('place', complaint, "x")
        self.assertEqual(Request(request.id).state, 'exported')
        self.assertFalse(Complaint(complaint.id).legal_hold)

    @with_transaction()
    def test_manager(self):
        "A complaint manager holds complaints but handles no requests"
        pool = Pool()
        Request = pool.get('personal_data.subject_request')
        HoldLog = pool.get('personal_data.legal_hold.log')
        Complaint = pool.get('complaint.complaint')
        users, records = self.setup_company()
        complaint = records['complaint']

        with as_user(users['manager']):
            self.run_hold_wizard('place', complaint, "市场监管局调查")
            self.assertTrue(Complaint(complaint.id).legal_hold)
            with self.assertRaises(UserError):
                # Placed once only
                self.run_hold_wizard('place', complaint, "again")
            self.assertEqual(len(HoldLog.search([])), 1)
            # Set by the wizard only
            for name, value in [('legal_hold', False),
                    ('personal_data_erased_at', dt.datetime.now()),
                    ('attachments_erased_at', dt.datetime.now())]:
                with self.assertRaises(ModificationError):
                    Complaint.write([Complaint(complaint.id)], {name: value})
            with self.assertRaises(AccessError):
                Request.search([])
            # A copy is a new complaint: the hold stays on the original
            copy, = Complaint.copy([Complaint(complaint.id)])
            self.assertFalse(copy.legal_hold)
            self.assertIsNone(copy.legal_hold_by)
            self.assertIsNone(copy.legal_hold_reason)
            self.assertEqual(len(HoldLog.search([])), 1)

    @with_transaction()
    def test_health_records(self):
        """Health certificates and pre-shift checks are read by the store
        manager of the employee's store and the hygiene managers only"""
        pool = Pool()
        Certificate = pool.get('hygiene.health_certificate')
        Check = pool.get('hygiene.preshift_check')
        users, records = self.setup_company()

        for login in ['dpo', 'clerk', 'handler', 'manager', 'inspector']:
            with self.subTest(user=login), as_user(users[login]):
                with self.assertRaises(AccessError):
                    Certificate.search([])
                with self.assertRaises(AccessError):
                    Certificate.read(
                        [records['certificate'].id], ['number'])
                with self.assertRaises(AccessError):
                    Check.search([])
        with as_user(users['storemanager']):
            self.assertEqual(
                Certificate.search([]), [records['certificate']])
            self.assertEqual(Check.search([]), [records['check']])
        with as_user(users['hygiene_manager']):
            self.assertEqual(
                set(Certificate.search([])),
                {records['certificate'], records['other_certificate']})

    @with_transaction()
    def test_logs_append_only(self):
        "Even the system never changes nor deletes a log line"
        pool = Pool()
        Log = pool.get('personal_data.erasure_log')
        HoldLog = pool.get('personal_data.legal_hold.log')
        users, records = self.setup_company()
        Log.record('complaint', 3, 'retention', months=36)
        HoldLog.record([records['complaint']], 'place', "reason")
        for Model in [Log, HoldLog]:
            line, = Model.search([])
            with self.assertRaises(ErasureLogError):
                Model.write([line], {'date': dt.datetime(2020, 1, 1)})
            with self.assertRaises(ErasureLogError):
                Model.delete([line])
