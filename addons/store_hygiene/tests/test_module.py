# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.scheduled_activity.tests.tools import (
    clock_at, create_user)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

ROLES = {
    'inspector': 'store_hygiene.group_hygiene_inspector',
    'store_manager': 'store_hygiene.group_hygiene_store_manager',
    'manager': 'store_hygiene.group_hygiene_manager',
    'employee': None,
    }


class StoreHygieneTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Store Hygiene module"
    module = 'store_hygiene'
    extras = ['complaint_plan', 'complaint_intake']

    def _employee(self, company, name):
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        party, = Party.create([{'name': name}])
        employee, = Employee.create([{
                    'party': party.id, 'company': company.id}])
        return employee

    def _setup(self):
        "Two stores with their managers, staff, inspections and health data"
        pool = Pool()
        Store = pool.get('hygiene.store')
        Checklist = pool.get('hygiene.checklist')
        Inspection = pool.get('hygiene.inspection')
        Certificate = pool.get('hygiene.health_certificate')
        Check = pool.get('hygiene.preshift_check')

        company = create_company()
        data = {'company': company}
        with set_company(company):
            for name in ['inspector', 'other_inspector', 'store_manager',
                    'other_manager', 'manager', 'employee', 'staff',
                    'other_staff']:
                data[name] = self._employee(company, name)
            for role in ROLES:
                data[role + '_user'] = create_user(
                    role, [ROLES[role]] if ROLES[role] else [], company,
                    data[role])
            data['store'], data['other_store'] = Store.create([{
                        'name': "五一广场店",
                        'company': company.id,
                        'manager': data['store_manager'].id,
                        'staff': [('add', [data['staff'].id])],
                        }, {
                        'name': "河西万达店",
                        'company': company.id,
                        'manager': data['other_manager'].id,
                        'staff': [('add', [data['other_staff'].id])],
                        }])
            checklist, = Checklist.search([])
            item = checklist.items[0]
            planned_at = dt.datetime(2025, 3, 1, 1)
            data['inspection'], data['other_inspection'] = (
                Inspection.create_planned([{
                            'company': company.id,
                            'store': store.id,
                            'checklist': checklist.id,
                            'inspector': inspector.id,
                            'planned_at': planned_at,
                            'due_at': planned_at + dt.timedelta(hours=4),
                            'lines': [('create', [{
                                            'item': item.id,
                                            'weight': 1,
                                            }])],
                            } for store, inspector in [
                            (data['store'], data['inspector']),
                            (data['other_store'], data['other_inspector']),
                            ]]))
            data['certificate'], data['other_certificate'] = (
                Certificate.create([{
                            'company': company.id,
                            'employee': employee.id,
                            'number': number,
                            'issued_on': dt.date(2025, 1, 1),
                            'expires_on': dt.date(2026, 1, 1),
                            } for employee, number in [
                            (data['staff'], 'HC-1'),
                            (data['other_staff'], 'HC-2')]]))
            data['check'], data['other_check'] = Check.create([{
                        'company': company.id,
                        'store': store.id,
                        'employee': employee.id,
                        'date': dt.date(2025, 3, 1),
                        'fever': True,
                        'fit_for_duty': False,
                        } for store, employee in [
                        (data['store'], data['staff']),
                        (data['other_store'], data['other_staff'])]])
        return data

    def _as(self, data, role):
        return Transaction().set_user(data[role + '_user'].id), (
            Transaction().set_context(
                _check_access=True, company=data['company'].id))

    @with_transaction()
    def test_health_data_store_manager(self):
        "The store manager reads the health data of his store's staff only"
        pool = Pool()
        Certificate = pool.get('hygiene.health_certificate')
        Check = pool.get('hygiene.preshift_check')
        data = self._setup()
        user, context = self._as(data, 'store_manager')
        with user, context:
            self.assertEqual(Certificate.search([]), [data['certificate']])
            self.assertEqual(Check.search([]), [data['check']])
            with self.assertRaises(AccessError):
                Certificate.read([data['other_certificate'].id], ['number'])
            with self.assertRaises(AccessError):
                Check.read([data['other_check'].id], ['fever'])
            with self.assertRaises(AccessError):
                Certificate.write(
                    [Certificate(data['other_certificate'].id)],
                    {'number': 'X'})

    @with_transaction()
    def test_health_data_hygiene_manager(self):
        "The hygiene manager reads all health data"
        pool = Pool()
        Certificate = pool.get('hygiene.health_certificate')
        Check = pool.get('hygiene.preshift_check')
        data = self._setup()
        user, context = self._as(data, 'manager')
        with user, context:
            self.assertEqual(
                set(Certificate.search([])),
                {data['certificate'], data['other_certificate']})
            self.assertEqual(len(Check.search([])), 2)

    @with_transaction()
    def test_health_data_inspector_and_employee(self):
        "Inspectors and ordinary employees read no health data"
        pool = Pool()
        Certificate = pool.get('hygiene.health_certificate')
        Check = pool.get('hygiene.preshift_check')
        Store = pool.get('hygiene.store')
        data = self._setup()
        for role in ['inspector', 'employee']:
            user, context = self._as(data, role)
            with self.subTest(role=role), user, context:
                with self.assertRaises(AccessError):
                    Certificate.search([])
                with self.assertRaises(AccessError):
                    Certificate.read([data['certificate'].id], ['number'])
                with self.assertRaises(AccessError):
                    Check.search([])
                with self.assertRaises(AccessError):
                    Store.read(
                        [data['store'].id], ['expired_certificate_staff'])
                # The store itself stays readable
                store, = Store.read([data['store'].id], ['name'])
                self.assertEqual(store['name'], "五一广场店")

    @with_transaction()
    def test_inspection_inspector(self):
        "The inspector fills in his inspections only"
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        Line = pool.get('hygiene.inspection.line')
        Schedule = pool.get('hygiene.schedule')
        data = self._setup()
        user, context = self._as(data, 'inspector')
        with user, context:
            inspection = Inspection(data['inspection'].id)
            Line.write(list(inspection.lines), {'result': 'pass'})
            Inspection.complete([inspection])
            self.assertEqual(inspection.state, 'done')
            self.assertEqual(inspection.score, 100.0)
            other = Inspection(data['other_inspection'].id)
            with self.assertRaises(AccessError):
                Line.write(list(other.lines), {'result': 'fail'})
            with self.assertRaises(AccessError):
                Inspection.create([{
                            'store': data['store'].id,
                            'checklist': inspection.checklist.id,
                            'inspector': data['inspector'].id,
                            'planned_at': dt.datetime(2025, 3, 2),
                            'due_at': dt.datetime(2025, 3, 2, 4),
                            }])
            with self.assertRaises(AccessError):
                Schedule.create([{
                            'name': "X",
                            'checklist': inspection.checklist.id,
                            'inspector': data['inspector'].id,
                            'start_date': dt.date(2025, 3, 1),
                            }])

    @with_transaction()
    def test_inspection_store_manager(self):
        "The store manager fills in the inspections of his store only"
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        Line = pool.get('hygiene.inspection.line')
        data = self._setup()
        user, context = self._as(data, 'store_manager')
        with user, context:
            self.assertEqual(len(Inspection.search([])), 2)
            inspection = Inspection(data['inspection'].id)
            Line.write(list(inspection.lines), {'result': 'pass'})
            other = Inspection(data['other_inspection'].id)
            with self.assertRaises(AccessError):
                Line.write(list(other.lines), {'result': 'pass'})

    @with_transaction()
    def test_inspection_hygiene_manager(self):
        "The hygiene manager manages schedules and any inspection"
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        Line = pool.get('hygiene.inspection.line')
        Schedule = pool.get('hygiene.schedule')
        data = self._setup()
        user, context = self._as(data, 'manager')
        with user, context:
            other = Inspection(data['other_inspection'].id)
            Line.write(list(other.lines), {'result': 'pass'})
            schedule, = Schedule.create([{
                        'name': "每日卫生检查",
                        'checklist': other.checklist.id,
                        'inspector': data['inspector'].id,
                        'start_date': dt.date(2025, 3, 1),
                        'stores': [('add', [data['store'].id])],
                        }])
            self.assertEqual(schedule.recurrence, 'daily')

    @with_transaction()
    def test_inspection_ordinary_employee(self):
        "An ordinary employee reads no inspection"
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        CorrectiveAction = pool.get('hygiene.corrective_action')
        data = self._setup()
        user, context = self._as(data, 'employee')
        with user, context:
            with self.assertRaises(AccessError):
                Inspection.search([])
            with self.assertRaises(AccessError):
                Inspection.read([data['inspection'].id], ['score'])
            with self.assertRaises(AccessError):
                CorrectiveAction.search([])


    @with_transaction()
    def test_today_is_the_company_day(self):
        """The Today tabs of inspections and pre-shift checks show those of
        the company's day, whatever the day in UTC or in the browser"""
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        Check = pool.get('hygiene.preshift_check')
        data = self._setup()
        company = data['company']
        company.timezone = 'Asia/Shanghai'
        company.save()
        inspections = [data['inspection'], data['other_inspection']]
        checks = [data['check'], data['other_check']]
        # 1 March 2025 in Beijing, still 28 February in UTC
        with set_company(company), clock_at(dt.datetime(2025, 2, 28, 20)):
            self.assertEqual(
                set(Inspection.search([('planned_today', '=', True)])),
                set(inspections))
            self.assertEqual(set(Check.search([('today', '=', True)])),
                set(checks))
            self.assertEqual(Check.search([('today', '!=', True)]), [])
            self.assertTrue(all(i.planned_today
                    for i in Inspection.browse(inspections)))
        # 2 March in Beijing, 1 March in UTC
        with set_company(company), clock_at(dt.datetime(2025, 3, 1, 17)):
            self.assertEqual(
                Inspection.search([('planned_today', '=', True)]), [])
            self.assertEqual(Check.search([('today', '=', True)]), [])
            self.assertEqual(set(Check.search([('today', '=', False)])),
                set(checks))

    @with_transaction()
    def test_inspection_list_window(self):
        """The list shows the date and time both of the start and of the end
        of the window: the end time alone, as the start, read as a window
        of no length"""
        from lxml import etree
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        Line = pool.get('hygiene.inspection.line')
        view = Inspection.fields_view_get(view_type='tree')
        arch = etree.fromstring(view['arch'])
        for name in ['planned_at', 'due_at']:
            widgets = {f.get('widget'): f.get('optional')
                for f in arch.xpath(f'//field[@name="{name}"]')}
            self.assertEqual(set(widgets), {'date', 'time'}, msg=name)
            self.assertFalse(widgets['date'], msg=name)
        view = Line.fields_view_get(view_type='tree')
        arch = etree.fromstring(view['arch'])
        requirement, = arch.xpath('//field[@name="requirement"]')
        self.assertEqual(requirement.get('readonly'), '1')


del ModuleTestCase
