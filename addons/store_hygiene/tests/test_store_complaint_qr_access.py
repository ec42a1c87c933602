# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The complaint QR code of a store as each role sees it, access checks on"
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_user)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

ROLES = {
    'hygiene_manager': 'store_hygiene.group_hygiene_manager',
    'store_manager': 'store_hygiene.group_hygiene_store_manager',
    'inspector': 'store_hygiene.group_hygiene_inspector',
    'complaint_manager': 'complaint_plan.group_complaint_manager',
    'clerk': 'complaint_plan.group_complaint_clerk',
    'employee': None,
    }


def sheet_action_id():
    "The print action the client calls the store's sheet with"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    return ModelData.get_id('store_hygiene', 'report_store_complaint_sheet')


class StoreComplaintQRAccessTestCase(ModuleDatabaseTestCase):
    "Access to the stores' complaint QR codes"
    modules = ['store_hygiene', 'complaint_intake']

    def setup_company(self):
        pool = Pool()
        Store = pool.get('hygiene.store')
        company = create_company()
        with set_company(company):
            users = {role: create_user(role, [xml_id] if xml_id else [],
                    company, create_employee(company, role))
                for role, xml_id in ROLES.items()}
            store, = Store.create([{'name': "五一广场店"}])
        return users, store

    @with_transaction()
    def test_managers_open_code(self):
        "The store's and complaint managers open the store's one code"
        pool = Pool()
        Store = pool.get('hygiene.store')
        IntakePoint = pool.get('complaint.intake.point')
        users, store = self.setup_company()

        opened = set()
        for role in ['hygiene_manager', 'store_manager', 'complaint_manager']:
            with self.subTest(role=role), as_user(users[role]):
                action = Store.complaint_qr_code([Store(store.id)])
                self.assertEqual(action['res_model'], 'complaint.intake.point')
                point_id, = action['res_id']
                point = IntakePoint(point_id)
                self.assertEqual(point.respondent, store)
                self.assertEqual(point.name, "五一广场店")
                opened.add(point_id)
        self.assertEqual(len(opened), 1)

    @with_transaction()
    def test_store_managers_cannot_change_code(self):
        "The hygiene roles read the store's code but do not change it"
        pool = Pool()
        Store = pool.get('hygiene.store')
        IntakePoint = pool.get('complaint.intake.point')
        users, store = self.setup_company()
        point, = Store.complaint_intake_points([store])

        for role in ['hygiene_manager', 'store_manager']:
            with self.subTest(role=role), as_user(users[role]):
                point = IntakePoint(point.id)
                self.assertIn(point.token, point.url)
                with self.assertRaises(AccessButtonError):
                    IntakePoint.new_code([point])
                with self.assertRaises(AccessError):
                    IntakePoint.write([point], {'name': "入口"})
                with self.assertRaises(AccessError):
                    IntakePoint.create([{'name': "入口"}])

    @with_transaction()
    def test_print_sheet(self):
        "The store manager prints the sheet, which creates a missing code"
        pool = Pool()
        IntakePoint = pool.get('complaint.intake.point')
        Sheet = pool.get('hygiene.store.complaint_sheet', type='report')
        users, store = self.setup_company()

        with as_user(users['store_manager']):
            extension, content, _, name = Sheet.execute(
                [store.id], {'action_id': sheet_action_id()})
            self.assertIn(extension, {'odt', 'pdf'})
            self.assertTrue(content)
            self.assertEqual(name, "Complaint QR Code Sheet-五一广场店")
        point, = IntakePoint.search([])
        self.assertEqual(point.respondent, store)

    @with_transaction()
    def test_other_roles(self):
        "Inspectors, clerks and others neither create nor print a code"
        pool = Pool()
        Store = pool.get('hygiene.store')
        IntakePoint = pool.get('complaint.intake.point')
        Sheet = pool.get('hygiene.store.complaint_sheet', type='report')
        users, store = self.setup_company()

        for role in ['inspector', 'clerk', 'employee']:
            with self.subTest(role=role), as_user(users[role]):
                with self.assertRaises(AccessButtonError):
                    Store.complaint_qr_code([Store(store.id)])
                with self.assertRaises(AccessError):
                    Sheet.execute(
                        [store.id], {'action_id': sheet_action_id()})
        self.assertEqual(IntakePoint.search([]), [])
        point, = Store.complaint_intake_points([store])
        with as_user(users['inspector']):
            with self.assertRaises(AccessError):
                IntakePoint.read([point.id], ['token'])

    @with_transaction()
    def test_delete_store(self):
        "Deleting a store deletes its codes"
        pool = Pool()
        Store = pool.get('hygiene.store')
        IntakePoint = pool.get('complaint.intake.point')
        users, store = self.setup_company()
        point, = Store.complaint_intake_points([store])
        IntakePoint.write([point], {'active': False})

        with as_user(users['hygiene_manager']):
            Store.delete([Store(store.id)])
        with Transaction().set_context(active_test=False):
            self.assertEqual(IntakePoint.search([]), [])
