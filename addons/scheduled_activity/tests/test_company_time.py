# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Times in the company's zone: the helper, then every printed document
and public page of the modules, for a complaint received on a Friday at
23:30 in Beijing (15:30 UTC) and one received at 00:30 on Saturday in
Beijing (16:30 UTC on Friday)"""
import datetime as dt
import html
import io
import zipfile
from unittest.mock import patch

from lxml import etree

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, create_user)
from trytond.modules.scheduled_activity.timezone import (
    company_date, company_datetime, company_today, format_company_date,
    format_company_datetime)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.tools import timezone as tz
from trytond.transaction import Transaction

NBSP = '\u00a0'
# Friday 2026-11-27 23:30 in Beijing
FRIDAY_NIGHT = dt.datetime(2026, 11, 27, 15, 30)
# Saturday 2026-11-28 00:30 in Beijing, still Friday in UTC
AFTER_MIDNIGHT = dt.datetime(2026, 11, 27, 16, 30)


def _company(timezone):
    company = create_company()
    company.timezone = timezone
    company.save()
    return company


class CompanyTimeTestCase(ModuleDatabaseTestCase):
    "Test the company time helpers"
    modules = ['scheduled_activity']

    @with_transaction()
    def test_beijing(self):
        "A UTC time is shown in Beijing time, with the zone named"
        company = _company('Asia/Shanghai')
        self.assertEqual(
            format_company_datetime(company, FRIDAY_NIGHT),
            f'11/27/2026{NBSP}23:30 (Beijing time, UTC+8)')
        self.assertEqual(
            format_company_datetime(company, FRIDAY_NIGHT, seconds=True),
            f'11/27/2026{NBSP}23:30:00 (Beijing time, UTC+8)')
        self.assertEqual(
            format_company_datetime(company, FRIDAY_NIGHT, zone=False),
            f'11/27/2026{NBSP}23:30')
        self.assertEqual(
            company_datetime(company, FRIDAY_NIGHT).replace(tzinfo=None),
            dt.datetime(2026, 11, 27, 23, 30))
        self.assertEqual(
            company_date(company, AFTER_MIDNIGHT), dt.date(2026, 11, 28))
        self.assertEqual(
            format_company_date(company, AFTER_MIDNIGHT), '11/28/2026')
        self.assertEqual(
            company_date(company, dt.date(2026, 11, 27)),
            dt.date(2026, 11, 27))
        self.assertEqual(format_company_datetime(company, None), '')

    @with_transaction()
    def test_other_zones(self):
        "Other zones are named with their offset of the day"
        paris = _company('Europe/Paris')
        self.assertEqual(
            format_company_datetime(paris, FRIDAY_NIGHT),
            f'11/27/2026{NBSP}16:30 (Europe/Paris, UTC+1)')
        self.assertEqual(
            format_company_datetime(paris, dt.datetime(2026, 7, 1, 12)),
            f'07/01/2026{NBSP}14:00 (Europe/Paris, UTC+2)')
        kolkata = _company('Asia/Kolkata')
        self.assertEqual(
            format_company_datetime(kolkata, FRIDAY_NIGHT),
            f'11/27/2026{NBSP}21:00 (Asia/Kolkata, UTC+5:30)')
        new_york = _company('America/New_York')
        self.assertEqual(
            format_company_datetime(new_york, FRIDAY_NIGHT),
            f'11/27/2026{NBSP}10:30 (America/New_York, UTC-5)')

    @with_transaction()
    def test_no_zone(self):
        "Without a zone the time stays in UTC and says so"
        company = _company(None)
        self.assertEqual(
            format_company_datetime(company, FRIDAY_NIGHT),
            f'11/27/2026{NBSP}15:30 (UTC)')
        self.assertEqual(
            format_company_datetime(None, FRIDAY_NIGHT),
            f'11/27/2026{NBSP}15:30 (UTC)')

    @with_transaction()
    def test_today(self):
        "Today is the date in the company's zone"
        company = _company('Pacific/Kiritimati')
        zone = tz.ZoneInfo('Pacific/Kiritimati')
        before = dt.datetime.now(zone).date()
        today = company_today(company)
        self.assertIn(today, {before, dt.datetime.now(zone).date()})


class CompanyTimeChineseTestCase(ModuleDatabaseTestCase):
    "Test the company time helpers in Chinese"
    modules = ['scheduled_activity']
    language = 'zh_CN'

    @with_transaction(context={'language': 'zh_CN'})
    def test_beijing(self):
        "北京时间 is named in Chinese"
        company = _company('Asia/Shanghai')
        self.assertEqual(
            format_company_datetime(company, FRIDAY_NIGHT),
            f'2026-11-27{NBSP}23:30（北京时间，UTC+8）')
        company = _company(None)
        self.assertEqual(
            format_company_datetime(company, FRIDAY_NIGHT),
            f'2026-11-27{NBSP}15:30（UTC）')


def _odt_text(content):
    "The text of an OpenDocument file"
    xml = zipfile.ZipFile(io.BytesIO(content)).read('content.xml')
    return ''.join(etree.fromstring(xml).itertext())


class PrintedTimesTestCase(ModuleDatabaseTestCase):
    "Every document and public page prints the company's time"
    modules = ['complaint_intake', 'whistleblower', 'store_hygiene']

    # Every report of the modules and what checks its times
    CHECKED = {
        'complaint.complaint.registration': 'test_registration',
        'complaint.complaint.feedback_letter': 'test_feedback_letter',
        'complaint.intake.point.sheet': 'test_no_time',
        'hygiene.store.complaint_sheet': 'test_no_time',
        'whistleblower.report.notice': 'test_whistleblower_notice',
        # Printed once the handling plan has versions
        'complaint.complaint.plan': 'test_plan',
        }

    @classmethod
    def setUpClass(cls):
        from trytond.modules.whistleblower.tests.tools import set_test_key
        set_test_key()
        super().setUpClass()

    def complaints(self):
        "Two level 1 complaints of a company in Beijing"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Category = pool.get('complaint.category')
        Level = pool.get('complaint.level')
        company = _company('Asia/Shanghai')
        with set_company(company):
            service, = Category.search([('name', '=', "Service")])
            level, = Level.search([('name', '=', "Level 1")])
            complaints = Complaint.create([{
                        'channel': 'phone',
                        'category': service.id,
                        'level': level.id,
                        'level_reason': "人身安全",
                        'complainant_name': "王女士",
                        'complainant_phone': '021-64321000-8021',
                        'subject': "冷柜漏电",
                        'description': "顾客触碰冷柜时被电击。",
                        'received_at': received_at,
                        } for received_at in [FRIDAY_NIGHT, AFTER_MIDNIGHT]])
        return company, complaints

    def execute(self, name, records, data=None):
        "The text of the report, as OpenDocument"
        pool = Pool()
        Report = pool.get(name, type='report')
        with patch('shutil.which', return_value=None):
            extension, content, _, _ = Report.execute(
                [r.id for r in records], data or {})
        self.assertEqual(extension, 'odt')
        return _odt_text(content)

    @with_transaction()
    def test_every_report_checked(self):
        "Each report of the modules has its check of times here"
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        names = {a.report_name for a in ActionReport.search([
                    ('module', 'in', [
                            'complaint_plan', 'complaint_intake',
                            'whistleblower', 'store_hygiene',
                            'scheduled_activity', 'public_page']),
                    ])}
        # A report missing here needs its check of times
        self.assertLessEqual(names, set(self.CHECKED))
        self.assertLessEqual(set(self.CHECKED) - names, {
                'complaint.complaint.plan'})
        for method in self.CHECKED.values():
            self.assertTrue(hasattr(self, method), method)

    @with_transaction()
    def test_registration(self):
        "The registration form prints Beijing times, with the zone"
        company, complaints = self.complaints()
        for complaint, received, due in zip(complaints, [
                    '11/27/2026 23:30', '11/28/2026 00:30'], [
                    '11/30/2026 23:30', '12/01/2026 00:30']):
            with self.subTest(received=received):
                text = self.execute(
                    'complaint.complaint.registration', [complaint])
                zone = ' (Beijing time, UTC+8)'
                self.assertIn(received.replace(' ', NBSP) + zone, text)
                self.assertIn(due.replace(' ', NBSP) + zone, text)
                utc = complaint.received_at.strftime('%m/%d/%Y %H:%M')
                utc_due = complaint.resolution_due.strftime('%m/%d/%Y %H:%M')
                for value in [utc, utc_due]:
                    self.assertNotIn(value.replace(' ', NBSP), text)
                    self.assertNotIn(value, text)
                    self.assertNotIn(value[-5:], text)
                # The phone in the national format
                self.assertIn('021 6432 1000 ext. 8021', text)
                self.assertNotIn('+862164321000', text)

    @with_transaction()
    def test_feedback_letter(self):
        "The feedback letter prints the received date of Beijing"
        pool = Pool()
        Feedback = pool.get('complaint.feedback')
        company, complaints = self.complaints()
        complaint = complaints[1]
        Feedback.create([{
                    'complaint': complaint.id,
                    'date': AFTER_MIDNIGHT + dt.timedelta(hours=1),
                    'method': 'phone',
                    'content': "已致电顾客道歉。",
                    }])
        text = self.execute('complaint.complaint.feedback_letter', [complaint])
        self.assertIn('Received on: 11/28/2026', text)
        self.assertNotIn('11/27/2026', text)

    @with_transaction()
    def test_plan(self):
        "The handling plan prints the time it was frozen in Beijing time"
        pool = Pool()
        try:
            Version = pool.get('complaint.plan.version')
        except KeyError:
            self.skipTest("The handling plan has no versions")
        company, complaints = self.complaints()
        complaint = complaints[0]
        with patch('trytond.modules.scheduled_activity.clock.now',
                return_value=AFTER_MIDNIGHT):
            Version.freeze([complaint], 'submitted')
        text = self.execute('complaint.complaint.plan', [complaint])
        self.assertIn(
            f'11/28/2026{NBSP}00:30 (Beijing time, UTC+8)', text)
        self.assertNotIn('16:30', text)

    @with_transaction()
    def test_no_time(self):
        "The QR code sheets print no time"
        pool = Pool()
        IntakePoint = pool.get('complaint.intake.point')
        Store = pool.get('hygiene.store')
        company = _company('Asia/Shanghai')
        with set_company(company):
            point, = IntakePoint.create([{'name': "服务台"}])
            store, = Store.create([{'name': "五一广场店"}])
        for name, record in [
                ('complaint.intake.point.sheet', point),
                ('hygiene.store.complaint_sheet', store),
                ]:
            with self.subTest(report=name):
                text = self.execute(name, [record])
                self.assertNotRegex(text, r'[0-9]{2}:[0-9]{2}')

    @with_transaction()
    def test_whistleblower_notice(self):
        "The notice to the reporter prints the received date of Beijing"
        pool = Pool()
        Report = pool.get('whistleblower.report')
        company = _company('Asia/Shanghai')
        with set_company(company):
            officer = create_employee(company, "周")
            create_user('zhou', ['whistleblower.group_whistleblower_officer'],
                company, officer)
            report, = Report.create([{
                        'company': company.id,
                        'channel': 'oral',
                        'received_at': AFTER_MIDNIGHT,
                        'category': 'other',
                        'description': "叉车刹车失灵。",
                        'case_officer': officer.id,
                        }])
        # Printed by the system, which skips the case officer check
        with Transaction().set_user(0):
            text = self.execute('whistleblower.report.notice', [report])
        self.assertIn('Received on: 11/28/2026', text)
        self.assertNotIn('11/27/2026', text)

    @with_transaction()
    def test_complaint_status_page(self):
        """The public status page shows Beijing times, with the zone, to
        the complainant who gives the number without its extension"""
        pool = Pool()
        Feedback = pool.get('complaint.feedback')
        from werkzeug.test import EnvironBuilder

        from trytond.modules.complaint_intake import routes
        from trytond.modules.public_page import page
        from trytond.protocols.wrappers import Request
        company, complaints = self.complaints()
        complaint = complaints[0]
        Feedback.create([{
                    'complaint': complaint.id,
                    'date': FRIDAY_NIGHT + dt.timedelta(hours=10),
                    'method': 'phone',
                    'content': "店长承认服务不周。",
                    'reply': "已致电顾客道歉。",
                    }])
        token = page.new_token(routes.STATUS_FORM)
        request = Request(EnvironBuilder(
                method='POST', data={
                    'csrf_token': token,
                    'number': complaint.number,
                    'contact': '021 6432 1000',
                    },
                headers={'Cookie': f'{page.TOKEN_COOKIE}={token}'},
                environ_base={'REMOTE_ADDR': '192.0.2.1'}).get_environ())
        response = routes.complaint_status(request, pool)
        self.assertEqual(response.status_code, 200)
        text = html.unescape(response.get_data(as_text=True))
        self.assertIn('已致电顾客道歉。', text)
        self.assertIn(
            f'11/27/2026{NBSP}23:30 (Beijing time, UTC+8)', text)
        self.assertIn(
            f'11/28/2026{NBSP}09:30 (Beijing time, UTC+8)', text)
        self.assertNotIn('15:30', text)
        self.assertNotIn('01:30', text)
