"""The public pages as a visitor without an account uses them, and as an
attacker probes them: the complaint form and status look-up, the
whistleblower report and follow-up.

Every request goes through trytond's WSGI application in a transaction of
its own; what it stored is then read back as root.
"""
import base64
import datetime as dt
import hashlib
import json
import logging
import math
import re
import threading
import unittest
import urllib.request
from contextlib import contextmanager
from unittest import mock

from sql import Table
from werkzeug.serving import make_server

from trytond import backend
from trytond.modules.public_page import challenge as proof_of_work
from trytond.modules.public_page import page
from trytond.modules.public_page.tests import test_metadata
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.tests.tools import clock_at
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, drop_db
from trytond.transaction import Transaction

from public_pages_fixture import (
    COMPLAINT, COMPLAINT_STATUS, DIFFICULTY, EXE, FOLLOW_UP, HTML, JPEG, PDF,
    PNG, REPORT, STAFF_COMPLAINT_DESCRIPTION, Visitor, add_officer_message,
    clear_attempts, close_report, count, files, message, mint_challenge,
    new_submission, read, report_of_code, set_limits, set_web_case_officer,
    setup_database, spent_challenges, state_of)

XSS = '<script>alert(1)</script>'
XSS_ATTRIBUTE = '"><img src=x onerror=alert(1)>'
RECEIPT_CODE = re.compile(r'\d{4} \d{4} \d{4} \d{4}')
CHALLENGE = re.compile(r'^[sl]\.\d+\.\d+\.[0-9a-f]{16}\.[0-9a-f]{32}$')
# What a visitor's browser and network tell, each unique in the database
PROBE_ADDRESS = '203.0.113.77'
PROBE_FORWARDED = '198.51.100.23'
PROBE_USER_AGENT = 'ProbeAgent/9.9 UNIQUE'
PROBE_REFERER = 'https://intranet.example/links?ref=PROBE-REFERER-5c1e'
PROBE_STRINGS = [
    PROBE_ADDRESS, PROBE_FORWARDED, PROBE_USER_AGENT, 'PROBE-REFERER-5c1e']
PRIVATE_PATHS = ['/whistleblower/report', '/whistleblower/follow-up']
ids = {}


def setUpModule():
    ids.update(setup_database())


def tearDownModule():
    drop_db()


def complaint_values(**values):
    "Return the values of a complete complaint form"
    result = {
        'submission': new_submission(),
        'name': '王先生',
        'phone': '13912345678',
        'email': 'Wang.Li@Example.com',
        'respondent': '人民路店',
        'category': str(ids['categories']['Service']),
        'description': '冷柜坏了，冰淇淋都化了。',
        'remedy': '退款',
        }
    result.update(values)
    return result


def report_values(**values):
    "Return the values of a complete anonymous whistleblower report"
    result = {
        'submission': new_submission(),
        'identity': 'anonymous',
        'category': 'concealment',
        'site': '三号仓库',
        'description': '叉车事故没有上报。',
        'persons': '仓库主管',
        }
    result.update(values)
    return result


def scan_database(strings):
    "Return the (table, string) of the strings found in any column"
    found = []
    with Transaction().start(DB_NAME, 0) as transaction:
        cursor = transaction.connection.cursor()
        if backend.name == 'sqlite':
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")
        else:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public'")
        tables = [t for t, in cursor]
        for name in tables:
            cursor.execute(*Table(name).select())
            for row in cursor:
                text = ' '.join(
                    bytes(v).decode('utf-8', 'replace')
                    if isinstance(v, (bytes, memoryview)) else str(v)
                    for v in row)
                found.extend((name, s) for s in strings if s in text)
        transaction.rollback()
    return found


@contextmanager
def captured_logs():
    "Collect every log record of the process at DEBUG level"
    records = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def log_text(record):
    text = record.getMessage()
    if record.exc_info:
        text += logging.Formatter().formatException(record.exc_info)
    return text


class PublicPageTestCase(unittest.TestCase):
    "Each test starts with the rate limits out of the way"

    def setUp(self):
        super().setUp()
        set_limits()
        clear_attempts()

    def assertRefused(self, result, message_id, status=400, **variables):
        "Assert the page answered with the message in its language"
        self.assertEqual(result.status, status, result.error)
        self.assertEqual(
            result.error, message(message_id, result.language, **variables))


class ComplaintFormTestCase(PublicPageTestCase):
    "The complaint form"

    def submit(self, visitor=None, **values):
        visitor = visitor or Visitor()
        visitor.get(COMPLAINT)
        return visitor.post(COMPLAINT, complaint_values(**values))

    def assertNothingStored(self, before):
        self.assertEqual(
            (count('complaint.complaint'), count('ir.attachment')), before)

    def stored(self):
        return count('complaint.complaint'), count('ir.attachment')

    def test_form_in_chinese_by_browser_language(self):
        "A browser asking for Chinese gets the form in Chinese"
        result = Visitor(
            headers={'Accept-Language': 'zh-CN,zh;q=0.9,en;q=0.5'}).get(
            COMPLAINT)
        self.assertEqual(result.status, 200)
        self.assertEqual(result.document.get('lang'), 'zh-CN')
        self.assertEqual(result.response.headers['Content-Language'], 'zh-CN')
        self.assertEqual(result.field('lang'), 'zh_CN')
        title = message('complaint_intake.msg_page_complaint_title', 'zh_CN')
        self.assertNotEqual(
            title, message('complaint_intake.msg_page_complaint_title', 'en'))
        self.assertEqual(result.document.findtext('.//h1'), title)
        self.assertEqual(result.text('submit'),
            message('complaint_intake.msg_page_submit', 'zh_CN'))

    def test_form_in_english_by_browser_language(self):
        "A browser asking for English gets the form in English"
        result = Visitor(headers={'Accept-Language': 'en'}).get(COMPLAINT)
        self.assertEqual(result.status, 200)
        self.assertEqual(result.document.get('lang'), 'en')
        self.assertEqual(result.response.headers['Content-Language'], 'en')
        self.assertEqual(result.field('lang'), 'en')
        self.assertEqual(
            result.document.findtext('.//h1'),
            message('complaint_intake.msg_page_complaint_title', 'en'))

    def test_form_in_english_by_link(self):
        "The link's language wins over the browser's"
        result = Visitor(headers={'Accept-Language': 'zh-CN'}).get(
            COMPLAINT, query={'lang': 'en'})
        self.assertEqual(result.document.get('lang'), 'en')
        self.assertEqual(result.field('lang'), 'en')
        self.assertEqual(
            result.document.findtext('.//h1'),
            message('complaint_intake.msg_page_complaint_title', 'en'))
        switch, = result.document.xpath('//header/a[@class="lang"]')
        self.assertEqual(switch.get('href'), '?lang=zh_CN')

    def test_security_headers(self):
        "The page may not be framed, cached or sniffed"
        headers = Visitor().get(COMPLAINT).response.headers
        self.assertEqual(headers['X-Frame-Options'], 'DENY')
        self.assertEqual(headers['Cache-Control'], 'no-store')
        self.assertEqual(headers['X-Content-Type-Options'], 'nosniff')
        self.assertEqual(headers['Referrer-Policy'], 'same-origin')
        self.assertIn("default-src 'none'", headers['Content-Security-Policy'])

    def test_token_cookie(self):
        "The anti-forgery cookie is for this site only, out of scripts' reach"
        result = Visitor().get(COMPLAINT)
        self.assertEqual(result.cookies, [page.TOKEN_COOKIE])
        cookie = result.response.headers['Set-Cookie']
        self.assertIn('HttpOnly', cookie)
        self.assertIn('SameSite=Strict', cookie)
        self.assertIn(f'{page.TOKEN_COOKIE}={result.field("csrf_token")};',
            cookie)

    def test_submission_creates_web_complaint(self):
        "The complaint is stored from the web with the values and files"
        before = count('complaint.complaint', [('channel', '=', 'web')])
        values = complaint_values()
        visitor = Visitor()
        visitor.get(COMPLAINT)
        result = visitor.post(COMPLAINT, {**values, 'attachments': files(
                    ('冷柜.jpg', JPEG), ('receipt.pdf', PDF))})

        self.assertEqual(result.status, 200, result.error)
        number = result.text('complaint-number')
        self.assertTrue(number)
        self.assertEqual(
            count('complaint.complaint', [('channel', '=', 'web')]),
            before + 1)
        complaint, = read('complaint.complaint', [('number', '=', number)], [
                'channel', 'complainant_name', 'complainant_phone',
                'complainant_email', 'respondent_name', 'category',
                'description', 'requested_remedy', 'intake_key', 'state'])
        self.assertEqual(complaint['channel'], 'web')
        self.assertEqual(complaint['complainant_name'], values['name'])
        # Stored once in E.164, however it was typed
        self.assertEqual(complaint['complainant_phone'], '+8613912345678')
        self.assertEqual(complaint['complainant_email'], values['email'])
        self.assertEqual(complaint['respondent_name'], values['respondent'])
        self.assertEqual(complaint['category'], int(values['category']))
        self.assertEqual(complaint['description'], values['description'])
        self.assertEqual(complaint['requested_remedy'], values['remedy'])
        self.assertEqual(complaint['intake_key'], values['submission'])
        attachments = read('ir.attachment', [
                ('resource', '=', f'complaint.complaint,{complaint["id"]}'),
                ], ['name', 'data'])
        self.assertEqual(
            [(a['name'], bytes(a['data'])) for a in attachments],
            [('冷柜.jpg', JPEG), ('receipt.pdf', PDF)])

    def test_same_submission_twice(self):
        "Sending the same form twice stores one complaint, same number"
        visitor = Visitor()
        visitor.get(COMPLAINT)
        values = {**complaint_values(), 'attachments': files(('a.jpg', JPEG))}
        before = self.stored()
        first = visitor.post(COMPLAINT, values)
        values['attachments'] = files(('a.jpg', JPEG))
        second = visitor.post(COMPLAINT, values)

        self.assertEqual((first.status, second.status), (200, 200))
        self.assertEqual(
            first.text('complaint-number'), second.text('complaint-number'))
        self.assertEqual(self.stored(), (before[0] + 1, before[1] + 1))

    def test_missing_token(self):
        "A form sent without its token is refused, in the visitor's language"
        before = self.stored()
        self.assertNotEqual(
            message('public_page.msg_form_expired', 'zh_CN'),
            message('public_page.msg_form_expired', 'en'))
        for language, accept in [('en', 'en'), ('zh_CN', 'zh-CN')]:
            with self.subTest(language=language):
                visitor = Visitor(headers={'Accept-Language': accept})
                visitor.get(COMPLAINT)
                result = visitor.post(
                    COMPLAINT, complaint_values(csrf_token=None))
                self.assertEqual(result.status, 400)
                self.assertEqual(result.error, message(
                        'public_page.msg_form_expired', language))
        self.assertNothingStored(before)

    def test_forged_token(self):
        "A token not signed by the server is refused"
        visitor = Visitor()
        visitor.get(COMPLAINT)
        issued, nonce, signature = visitor.token.split('.')
        forged = f'{issued}.{nonce}.{"0" * len(signature)}'
        visitor.use_token(forged)
        before = self.stored()
        result = visitor.post(COMPLAINT, complaint_values())
        self.assertRefused(result, 'public_page.msg_form_expired')
        self.assertNothingStored(before)

    def test_token_not_the_cookie(self):
        "The posted token must be the one of the visitor's cookie"
        visitor, other = Visitor(), Visitor()
        visitor.get(COMPLAINT)
        other.get(COMPLAINT)
        visitor.cookie = other.cookie
        before = self.stored()
        result = visitor.post(COMPLAINT, complaint_values())
        self.assertRefused(result, 'public_page.msg_form_expired')
        self.assertNothingStored(before)

    def test_token_without_cookie(self):
        "A cross-site post carries the token but not the cookie"
        visitor = Visitor()
        visitor.get(COMPLAINT)
        visitor.cookie = ''
        before = self.stored()
        result = visitor.post(COMPLAINT, complaint_values())
        self.assertRefused(result, 'public_page.msg_form_expired')
        self.assertNothingStored(before)

    def test_expired_token(self):
        "A form left open for longer than the token lives is refused"
        visitor = Visitor()
        visitor.get(COMPLAINT)
        later = clock.now() + dt.timedelta(
            seconds=page.TOKEN_LIFETIME + 60)
        before = self.stored()
        with clock_at(later):
            result = visitor.post(COMPLAINT, complaint_values())
        self.assertRefused(result, 'public_page.msg_form_expired')
        self.assertNothingStored(before)

    def test_token_of_another_form(self):
        "The token of the status page does not open the complaint form"
        visitor = Visitor()
        visitor.get(COMPLAINT_STATUS)
        before = self.stored()
        result = visitor.post(COMPLAINT, complaint_values())
        self.assertRefused(result, 'public_page.msg_form_expired')
        self.assertNothingStored(before)

    def test_output_escaped(self):
        "What the visitor typed is shown back as text, never as markup"
        result = self.submit(
            name=XSS_ATTRIBUTE, phone=None, email=None, description=XSS,
            remedy=XSS)
        self.assertRefused(
            result, 'complaint_intake.msg_page_contact_required')
        self.assertNotIn(XSS, result.html)
        self.assertNotIn(XSS_ATTRIBUTE, result.html)
        self.assertIn('&lt;script&gt;', result.html)
        self.assertEqual(result.field('description'), XSS)
        self.assertEqual(result.field('remedy'), XSS)
        self.assertEqual(result.field('name'), XSS_ATTRIBUTE)
        self.assertFalse(result.document.xpath('//script'))
        self.assertFalse(result.document.xpath('//img'))

    def test_file_name_escaped(self):
        "A refused file's name is shown in the message as text"
        name = '<img src=x onerror=alert(1)>.jpg'
        visitor = Visitor()
        visitor.get(COMPLAINT)
        result = visitor.post(COMPLAINT, {
                **complaint_values(), 'attachments': files((name, EXE))})
        self.assertRefused(
            result, 'public_page.msg_attachment_type', name=name)
        self.assertNotIn(name, result.html)
        self.assertFalse(result.document.xpath('//img'))

    def stored_picture(self, name):
        "Send a complaint with a picture of the name; return its attachment"
        visitor = Visitor()
        visitor.get(COMPLAINT)
        result = visitor.post(COMPLAINT, {
                **complaint_values(), 'attachments': files((name, JPEG))})
        self.assertEqual(result.status, 200, result.error)
        complaint, = read('complaint.complaint', [
                ('number', '=', result.text('complaint-number'))], ['id'])
        attachment, = read('ir.attachment', [('resource', '=',
                    f'complaint.complaint,{complaint["id"]}')],
            ['name', 'data'])
        return attachment

    def test_file_names_cleaned(self):
        "A picture named with blanks or control characters is kept"
        for name in [' ', 'photos/\x85', 'scan\t1.jpg', 'a\x0cb.jpg',
                'a\x00b.jpg']:
            with self.subTest(name=name):
                attachment = self.stored_picture(name)
                self.assertEqual(bytes(attachment['data']), JPEG)
                self.assertTrue(attachment['name'].strip())
                self.assertTrue(attachment['name'].isprintable())

    def test_file_name_tells_content(self):
        """A picture keeps its name when its extension says what it is; one
        named as a page or a program gets the extension of a picture"""
        for name, kept in [
                ('收据.jpg', '收据.jpg'), ('IMG_0001.JPEG', 'IMG_0001.JPEG'),
                ('evidence.html', 'evidence.html.jpg'),
                ('发票.pdf.exe', '发票.pdf.exe.jpg'), ('photo', 'photo.jpg'),
                ]:
            with self.subTest(name=name):
                attachment = self.stored_picture(name)
                self.assertEqual(attachment['name'], kept)

    def assertRefusedKeepingText(self, uploads, message_id, **variables):
        "Assert the files are refused and nothing typed is lost"
        visitor = Visitor()
        visitor.get(COMPLAINT)
        values = complaint_values(description='冷柜坏了\n第二行', remedy='换货')
        before = self.stored()
        result = visitor.post(
            COMPLAINT, {**values, 'attachments': files(*uploads)})
        self.assertRefused(result, message_id, **variables)
        self.assertNothingStored(before)
        for name in ['name', 'phone', 'email', 'respondent', 'description',
                'remedy', 'submission']:
            self.assertEqual(result.field(name), values[name], msg=name)
        self.assertEqual(
            result.document.xpath('//option[@selected]/@value'),
            [values['category']])
        # The form is ready to be sent again with a new token
        self.assertEqual(result.field('csrf_token'), visitor.token)
        again = visitor.post(COMPLAINT, values)
        self.assertEqual(again.status, 200, again.error)

    def test_too_many_files(self):
        "More files than allowed are refused"
        self.assertRefusedKeepingText(
            [(f'{i}.jpg', JPEG) for i in range(page.MAX_ATTACHMENTS + 1)],
            'public_page.msg_attachment_count', count=page.MAX_ATTACHMENTS)

    def test_file_too_large(self):
        "A file over the size limit is refused"
        large = JPEG + bytes(page.MAX_ATTACHMENT_SIZE)
        self.assertRefusedKeepingText(
            [('big.jpg', large)], 'public_page.msg_attachment_size',
            name='big.jpg', size=page.MAX_ATTACHMENT_SIZE // (1024 * 1024))

    def test_program_named_as_picture(self):
        "A program named .jpg is refused"
        self.assertRefusedKeepingText(
            [('photo.jpg', EXE)], 'public_page.msg_attachment_type',
            name='photo.jpg')

    def test_web_page_named_as_picture(self):
        "A web page named .jpg is refused"
        self.assertRefusedKeepingText(
            [('photo.jpg', HTML)], 'public_page.msg_attachment_type',
            name='photo.jpg')

    def test_request_too_large(self):
        """A request over the size limit is answered 413 with the message in
        the visitor's language"""
        size = page.MAX_ATTACHMENT_SIZE
        uploads = [(f'{i}.jpg', JPEG + bytes(size - len(JPEG)))
            for i in range(page.MAX_REQUEST_SIZE // size + 1)]
        for language, accept in [('en', 'en'), ('zh_CN', 'zh-CN')]:
            with self.subTest(language=language):
                visitor = Visitor(headers={'Accept-Language': accept})
                visitor.get(COMPLAINT)
                before = self.stored()
                result = visitor.post(COMPLAINT, {
                        **complaint_values(),
                        'attachments': files(*uploads)})
                self.assertEqual(result.status, 413)
                self.assertEqual(result.html, message(
                        'public_page.msg_request_too_large', language))
                self.assertEqual(
                    result.response.headers.get('Cache-Control'), 'no-store')
                self.assertNothingStored(before)

    def test_rate_limit(self):
        "An address that sent as many forms as allowed must wait"
        set_limits(submission_limit=2)
        address = '192.0.2.10'
        visitor = Visitor(environ={'REMOTE_ADDR': address})
        for _ in range(2):
            self.assertEqual(self.submit(visitor).status, 200)
        before = self.stored()
        result = self.submit(visitor)
        self.assertRefused(
            result, 'public_page.msg_too_many_attempts', status=429)
        self.assertNothingStored(before)
        self.assertEqual(result.field('description'),
            complaint_values()['description'])

        other = Visitor(environ={'REMOTE_ADDR': '192.0.2.11'})
        self.assertEqual(self.submit(other).status, 200)
        # Only a keyed digest of the address is kept
        self.assertEqual(scan_database([address]), [])

    def test_missing_submission_key(self):
        "A form without its submission key is refused"
        before = self.stored()
        staff_number, = read('complaint.complaint',
            [('id', '=', ids['staff_complaint'])], ['number'])
        result = self.submit(submission=None)
        self.assertRefused(result, 'complaint_intake.msg_intake_key_invalid')
        self.assertNotIn(staff_number['number'], result.html)
        self.assertNothingStored(before)

    def test_category_not_from_the_list(self):
        "A category that is not an id of the list is refused"
        for category in ['abc', '-1', '0', '1.5', ' 1', '99999999999999999999',
                '²', '999999']:
            with self.subTest(category=category):
                before = self.stored()
                result = self.submit(category=category)
                self.assertRefused(
                    result, 'complaint_intake.msg_page_category_unknown')
                self.assertNothingStored(before)

    def test_point_unknown(self):
        """A QR code no longer in use is refused, as its form says: the
        complaint is not sent to the first company instead"""
        for point in ['doesnotexist', '0' * 32]:
            with self.subTest(point=point):
                before = self.stored()
                result = self.submit(point=point)
                self.assertRefused(
                    result, 'complaint_intake.msg_page_point_unknown')
                self.assertNothingStored(before)

    def test_null_characters(self):
        "NUL characters in any field are refused or dropped, never a crash"
        for field in ['submission', 'point', 'category', 'name',
                'description', 'lang']:
            with self.subTest(field=field):
                result = self.submit(**{field: 'a\x00b'})
                self.assertLess(result.status, 500)
                self.assertIn(result.status, {200, 400})
        result = Visitor().get(COMPLAINT, query={'point': 'a\x00b'})
        self.assertEqual(result.status, 200)

    def test_hidden_characters_dropped(self):
        """Control characters and the bidirectional overrides, which show a
        text in another order than it is stored, are dropped"""
        result = self.submit(name='王\u202e明\x07',
            description='冰柜\u2066坏了\u2069三天，\x1b\r\n没人修。',
            remedy='退款\u202d\u202c')
        self.assertEqual(result.status, 200, result.error)
        complaint, = read('complaint.complaint', [
                ('number', '=', result.text('complaint-number'))], [
                'complainant_name', 'description', 'requested_remedy'])
        self.assertEqual(
            (complaint['complainant_name'], complaint['description'],
                complaint['requested_remedy']),
            ('王明', '冰柜坏了三天，\n没人修。', '退款'))


class ComplaintStatusTestCase(PublicPageTestCase):
    "The status look-up of a complaint"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        set_limits()
        visitor = Visitor()
        visitor.get(COMPLAINT)
        result = visitor.post(COMPLAINT, complaint_values())
        cls.number = result.text('complaint-number')
        complaint, = read(
            'complaint.complaint', [('number', '=', cls.number)], ['id'])
        cls.complaint_id = complaint['id']
        cls.state = state_of('complaint.complaint', cls.complaint_id)
        with Transaction().start(DB_NAME, 0) as transaction:
            Feedback = Pool().get('complaint.feedback')
            Feedback.create([{
                        'complaint': cls.complaint_id,
                        'method': 'web',
                        'content': '门店值班经理承认冷柜坏了三天未报修。',
                        'reply': '已联系门店，冷柜今天维修。',
                        }])
            transaction.commit()

    def look_up(self, number, contact, visitor=None):
        visitor = visitor or Visitor()
        visitor.get(COMPLAINT_STATUS)
        return visitor.post(
            COMPLAINT_STATUS, {'number': number, 'contact': contact})

    def lookups(self):
        return count('public_page.attempt', [('kind', '=', 'lookup')])

    def test_number_and_phone(self):
        "The number and the phone, however written, show the state"
        for contact in ['13912345678', '139 1234 5678', '139-1234-5678',
                '+86 139 1234 5678', '+86-13912345678']:
            with self.subTest(contact=contact):
                result = self.look_up(self.number, contact)
                self.assertEqual(result.status, 200, result.error)
                self.assertEqual(
                    result.text('complaint-number'), self.number)
                self.assertEqual(result.text('complaint-state'), self.state)
                # The reply to the complainant, never the internal record
                self.assertIn('已联系门店，冷柜今天维修。', result.html)
                self.assertNotIn('未报修', result.html)
                self.assertIsNone(result.error)

    def test_number_and_email(self):
        "The number and the email in any case show the state"
        for contact in ['wang.li@example.com', 'WANG.LI@EXAMPLE.COM',
                ' Wang.Li@Example.com ']:
            with self.subTest(contact=contact):
                result = self.look_up(self.number.lower(), contact)
                self.assertEqual(result.status, 200, result.error)
                self.assertEqual(result.text('complaint-state'), self.state)

    def test_wrong_contact(self):
        "A wrong contact is answered as an unknown number, and counted"
        before = self.lookups()
        for number, contact in [
                (self.number, '13900000000'),
                (self.number, 'someone@example.com'),
                (self.number, ''),
                ('TS-1999-99999', '13912345678'),
                ]:
            with self.subTest(number=number, contact=contact):
                result = self.look_up(number, contact)
                self.assertRefused(
                    result, 'complaint_intake.msg_page_status_not_found',
                    status=404)
                self.assertIsNone(result.text('complaint-state'))
                self.assertNotIn('已联系门店', result.html)
        self.assertEqual(self.lookups(), before + 4)

    def test_lookup_limit(self):
        "After too many failed look-ups even the right contact must wait"
        set_limits(lookup_limit=3)
        visitor = Visitor(environ={'REMOTE_ADDR': '192.0.2.20'})
        for _ in range(3):
            self.assertEqual(
                self.look_up(self.number, '13900000000', visitor).status, 404)
        result = self.look_up(self.number, '13912345678', visitor)
        self.assertRefused(
            result, 'public_page.msg_too_many_attempts', status=429)
        self.assertIsNone(result.text('complaint-state'))
        other = Visitor(environ={'REMOTE_ADDR': '192.0.2.21'})
        self.assertEqual(
            self.look_up(self.number, '13912345678', other).status, 200)

    def test_missing_token(self):
        "A look-up without the page's token is refused"
        visitor = Visitor()
        visitor.get(COMPLAINT_STATUS)
        result = visitor.post(COMPLAINT_STATUS, {
                'csrf_token': None, 'number': self.number,
                'contact': '13912345678'})
        self.assertRefused(result, 'public_page.msg_form_expired')
        self.assertIsNone(result.text('complaint-state'))

    def test_null_characters(self):
        "NUL characters in the number are dropped or find nothing"
        result = self.look_up(self.number + '\x00', '13912345678')
        self.assertIn(result.status, {200, 404}, result.error)
        result = self.look_up('\x00', '\x00')
        self.assertRefused(
            result, 'complaint_intake.msg_page_status_not_found', status=404)

    def test_staff_complaint_needs_its_contact(self):
        "A complaint taken by phone is found with its own contact only"
        number, = read('complaint.complaint',
            [('id', '=', ids['staff_complaint'])], ['number'])
        result = self.look_up(number['number'], '13912345678')
        self.assertEqual(result.status, 404)
        self.assertNotIn(STAFF_COMPLAINT_DESCRIPTION, result.html)
        result = self.look_up(number['number'], '138 0013 8000')
        self.assertEqual(result.status, 200, result.error)


class WhistleblowerReportTestCase(PublicPageTestCase):
    "The whistleblower report form"

    def submit(self, visitor=None, evidence=(), **values):
        visitor = visitor or Visitor()
        visitor.get(REPORT)
        data = report_values(**values)
        if evidence:
            data['evidence'] = files(*evidence)
        return visitor.post(REPORT, data)

    def stored(self):
        return (count('whistleblower.report'),
            count('whistleblower.reporter'), count('ir.attachment'))

    def test_anonymous_report(self):
        "An anonymous report shows its receipt code and stores no reporter"
        before = self.stored()
        values = report_values()
        visitor = Visitor()
        visitor.get(REPORT)
        result = visitor.post(REPORT, {**values, 'evidence': files(
                    ('IMG_20250101_张三.jpg', JPEG), ('张三的报告.pdf', PDF))})

        self.assertEqual(result.status, 200, result.error)
        code = result.text('receipt-code')
        self.assertRegex(code, RECEIPT_CODE)
        self.assertEqual(result.cookies, [])
        self.assertEqual(self.stored(), (
                before[0] + 1, before[1], before[2] + 2))
        report_id = report_of_code(code)
        report, = read('whistleblower.report', [('id', '=', report_id)], [
                'anonymous', 'channel', 'category', 'site', 'description',
                'persons_concerned', 'case_officer', 'receipt_digest'])
        self.assertTrue(report['anonymous'])
        self.assertEqual(report['channel'], 'web')
        self.assertEqual(report['category'], values['category'])
        self.assertEqual(report['site'], values['site'])
        self.assertEqual(report['description'], values['description'])
        self.assertEqual(report['persons_concerned'], values['persons'])
        self.assertEqual(report['case_officer'], ids['officer_employee'])
        self.assertEqual(count(
                'whistleblower.reporter', [('report', '=', report_id)]), 0)
        # Only a digest of the code is kept
        self.assertNotIn(code.replace(' ', ''), report['receipt_digest'])
        self.assertEqual(scan_database([code.replace(' ', '')]), [])
        attachments = read('ir.attachment', [
                ('resource', '=', f'whistleblower.report,{report_id}')],
            ['name', 'data'])
        self.assertEqual(
            [(a['name'], bytes(a['data'])) for a in attachments],
            [('evidence-1.jpg', JPEG), ('evidence-2.pdf', PDF)])
        self.assertEqual(scan_database(['张三']), [])

    def test_named_report(self):
        "A named reporter's identity is stored apart, encrypted"
        name, contact = '实名举报人王五UNIQUE', '手机 13700001111 王五'
        result = self.submit(identity='named', name=name, contact=contact)
        self.assertEqual(result.status, 200, result.error)
        report_id = report_of_code(result.text('receipt-code'))
        self.assertEqual(count(
                'whistleblower.reporter', [('report', '=', report_id)]), 1)
        with Transaction().start(DB_NAME, 0) as transaction:
            Report = Pool().get('whistleblower.report')
            values = Report.read([report_id], [
                    n for n, f in Report._fields.items()
                    if f._type not in {'one2many', 'many2many'}])
            transaction.rollback()
        self.assertFalse(values[0]['anonymous'])
        text = json.dumps(values, default=str, ensure_ascii=False)
        self.assertNotIn(name, text)
        self.assertEqual(scan_database([name, '13700001111']), [])

    def test_named_report_needs_a_name(self):
        "Choosing to give one's name asks for the name"
        before = self.stored()
        result = self.submit(identity='named', name=' ')
        self.assertRefused(result, 'public_page.msg_field_required',
            field=message('whistleblower.msg_page_field_name', 'zh_CN'))
        self.assertEqual(self.stored(), before)

    def test_anonymous_report_drops_the_name(self):
        "A name typed before choosing anonymity is not kept"
        name = '匿名却填了名字UNIQUE'
        result = self.submit(identity='anonymous', name=name)
        self.assertEqual(result.status, 200, result.error)
        self.assertEqual(scan_database([name]), [])

    def test_same_submission_twice(self):
        "Sending the same report twice stores one report, same code"
        visitor = Visitor()
        visitor.get(REPORT)
        values = report_values()
        before = self.stored()
        first = visitor.post(REPORT, values)
        second = visitor.post(REPORT, values)
        self.assertEqual((first.status, second.status), (200, 200))
        self.assertEqual(
            first.text('receipt-code'), second.text('receipt-code'))
        self.assertEqual(self.stored()[0], before[0] + 1)

    def test_channel_closed(self):
        "Without a case officer for the web the page takes no report"
        set_web_case_officer(None)
        self.addCleanup(set_web_case_officer, ids['officer_employee'])
        before = self.stored()
        result = self.submit(evidence=[('a.jpg', JPEG)])
        self.assertRefused(result, 'whistleblower.msg_page_channel_closed')
        self.assertEqual(self.stored(), before)
        self.assertEqual(
            result.field('description'), report_values()['description'])

    def test_token_of_another_form(self):
        "The token of the follow-up page does not open the report form"
        visitor = Visitor()
        visitor.get(FOLLOW_UP)
        before = self.stored()
        result = visitor.post(REPORT, report_values())
        self.assertRefused(result, 'public_page.msg_form_expired')
        self.assertEqual(self.stored(), before)

    def test_unknown_category(self):
        "A category that is not one of the seven is refused"
        for category in ['', 'bogus', 'Concealment', None]:
            with self.subTest(category=category):
                before = self.stored()
                result = self.submit(category=category)
                self.assertRefused(
                    result, 'whistleblower.msg_page_category_required')
                self.assertEqual(self.stored(), before)

    def test_output_escaped(self):
        "What the reporter typed is shown back as text, never as markup"
        result = self.submit(
            category='bogus', description=XSS, site=XSS_ATTRIBUTE)
        self.assertEqual(result.status, 400)
        self.assertNotIn(XSS, result.html)
        self.assertNotIn(XSS_ATTRIBUTE, result.html)
        self.assertEqual(result.field('description'), XSS)
        self.assertEqual(result.field('site'), XSS_ATTRIBUTE)
        self.assertFalse(result.document.xpath('//img'))
        # No script but the page's own, which solves the proof of work
        self.assertEqual(
            [s.text for s in result.document.xpath('//script')],
            [page.CHALLENGE_SCRIPT])

    def test_disguised_evidence(self):
        "Evidence that is not what its name says is refused, text kept"
        before = self.stored()
        result = self.submit(evidence=[('photo.png', HTML)])
        self.assertRefused(
            result, 'public_page.msg_attachment_type', name='photo.png')
        self.assertEqual(self.stored(), before)
        self.assertEqual(
            result.field('description'), report_values()['description'])

    def test_photo_details_removed(self):
        """A phone's photo reaches the case officer without the place, the
        device or the author written in it"""
        photo = test_metadata.FOLDER.joinpath('photo.jpg').read_bytes()
        phone_photo = (photo[:2]
            + test_metadata.jpeg_segment(0xE1, test_metadata.GPS_EXIF)
            + test_metadata.jpeg_segment(0xE1, test_metadata.XMP)
            + photo[2:])
        result = self.submit(evidence=[('IMG_0001.jpg', phone_photo)])
        self.assertEqual(result.status, 200, result.error)
        report_id = report_of_code(result.text('receipt-code'))
        attachment, = read('ir.attachment', [
                ('resource', '=', f'whistleblower.report,{report_id}')],
            ['name', 'data'])
        self.assertEqual(attachment['name'], 'evidence-1.jpg')
        self.assertEqual(bytes(attachment['data']), photo)
        secrets = [s.decode() for s in test_metadata.SECRETS]
        self.assertEqual(scan_database(secrets), [])


class FollowUpTestCase(PublicPageTestCase):
    "The follow-up page of a report, with its receipt code"

    def setUp(self):
        super().setUp()
        visitor = Visitor()
        visitor.get(REPORT)
        result = visitor.post(REPORT, {
                **report_values(), 'evidence': files(('a.jpg', JPEG))})
        self.code = result.text('receipt-code')
        self.report_id = report_of_code(self.code)
        self.question = '请问事故发生在哪一天？<b>'
        add_officer_message(self.report_id, self.question)

    def follow_up(self, data, visitor=None):
        visitor = visitor or Visitor()
        visitor.get(FOLLOW_UP)
        return visitor.post(FOLLOW_UP, data)

    def look_up(self, code, visitor=None):
        return self.follow_up({'action': 'lookup', 'code': code}, visitor)

    def reply(self, code, text, evidence=(), visitor=None):
        data = {'action': 'reply', 'code': code, 'text': text}
        if evidence:
            data['evidence'] = files(*evidence)
        return self.follow_up(data, visitor)

    def stored(self):
        return (count('whistleblower.message'), count('ir.attachment'),
            count('res.notification'))

    def lookups(self):
        "Return how many codes were entered: each spent a challenge"
        return spent_challenges(FOLLOW_UP)

    def state(self):
        return state_of('whistleblower.report', self.report_id)

    def assertShowsNothing(self, result):
        self.assertIsNone(result.text('report-state'))
        self.assertNotIn('请问事故发生在哪一天', result.html)
        self.assertFalse(result.document.xpath('//form[@id="reply-form"]'))

    def test_code_shows_state_and_messages(self):
        "The code, with or without spaces, shows the state and questions"
        digits = self.code.replace(' ', '')
        for code in [self.code, digits, f' {digits} ',
                '-'.join(self.code.split())]:
            with self.subTest(code=code):
                result = self.look_up(code)
                self.assertEqual(result.status, 200, result.error)
                self.assertEqual(result.text('report-state'), self.state())
                messages = [m.text_content().strip() for m in
                    result.document.find_class('outgoing')]
                self.assertTrue(
                    any(m.endswith(self.question) for m in messages))
                self.assertNotIn('<b>', result.html)
                self.assertTrue(
                    result.document.xpath('//form[@id="reply-form"]'))

    def test_code_in_full_width_digits(self):
        "A code typed with a Chinese input method's digits finds the report"
        full_width = ''.join(
            chr(ord(c) + 0xFEE0) if c.isdigit() else '\u3000'
            for c in self.code)
        result = self.look_up(full_width)
        self.assertEqual(result.status, 200, result.error)
        self.assertEqual(result.text('report-state'), self.state())

    def test_reply(self):
        "A reply is stored for the officers, evidence under neutral names"
        before = self.stored()
        reply = '事故发生在周一晚上，主管让我们别说出去。'
        result = self.reply(self.code, reply, evidence=[
                ('我的照片-李四.jpg', JPEG), ('scan_李四.png', PNG)])

        self.assertEqual(result.status, 200, result.error)
        self.assertTrue(result.text('replied'))
        incoming = read('whistleblower.message', [
                ('report', '=', self.report_id),
                ('direction', '=', 'incoming')], ['text', 'author'])
        self.assertEqual(
            [(m['text'], m['author']) for m in incoming], [(reply, None)])
        attachments = read('ir.attachment', [
                ('resource', '=', f'whistleblower.report,{self.report_id}')],
            ['name', 'data'])
        self.assertEqual(
            [(a['name'], bytes(a['data'])) for a in attachments], [
                ('evidence-1.jpg', JPEG), ('evidence-2.jpg', JPEG),
                ('evidence-3.png', PNG)])
        self.assertEqual(scan_database(['李四']), [])
        notifications = read('res.notification', [
                ('model', '=', 'whistleblower.report')],
            ['user', 'label', 'description', 'records', 'create_date'])
        new = notifications[-len(ids['officer_users']):]
        self.assertEqual(self.stored(), (
                before[0] + 1, before[1] + 2,
                before[2] + len(ids['officer_users'])))
        self.assertEqual(
            sorted(n['user'] for n in new), sorted(ids['officer_users']))
        for notification in new:
            self.assertEqual(
                json.loads(notification['records']), [self.report_id])
            for text in [notification['label'], notification['description']]:
                self.assertTrue(text)
                for fragment in [reply, '周一', '李四']:
                    self.assertNotIn(fragment, text)

    def test_empty_reply(self):
        "A reply with neither text nor evidence is refused"
        before = self.stored()
        result = self.reply(self.code, '  \n ')
        self.assertRefused(result, 'whistleblower.msg_page_reply_empty')
        self.assertEqual(self.stored(), before)
        self.assertEqual(result.text('report-state'), self.state())

    def test_wrong_codes(self):
        """A wrong code of the right form and a malformed one get the same
        answer, and both count"""
        before = self.lookups()
        results = [self.look_up(c) for c in [
                '0000 0000 0000 0000', '1234567890123456', 'abc',
                self.code[:-1], self.code + '1', '']]
        for result in results:
            self.assertRefused(
                result, 'whistleblower.msg_page_code_unknown', status=404)
            self.assertShowsNothing(result)
        self.assertEqual(
            {(r.status, r.error) for r in results},
            {(results[0].status, results[0].error)})
        self.assertEqual(self.lookups(), before + len(results))

    def test_wrong_codes_lock_nobody_out(self):
        """After many wrong codes the right code still shows the report and
        takes a reply: the proof of work got harder instead"""
        set_limits(anonymous_lookup_load=3)
        for _ in range(12):
            self.assertEqual(self.look_up('1111 1111 1111 1111').status, 404)
        visitor = Visitor()
        visitor.get(FOLLOW_UP)
        # 12 codes, 4 times the usual load: 2 bits more
        self.assertEqual(
            proof_of_work.difficulty_of(visitor.challenge), DIFFICULTY + 2)
        result = visitor.post(
            FOLLOW_UP, {'action': 'lookup', 'code': self.code})
        self.assertEqual(result.status, 200, result.error)
        self.assertEqual(result.text('report-state'), self.state())
        before = self.stored()
        result = visitor.post(FOLLOW_UP, {
                'action': 'reply', 'code': self.code, 'text': '你好'})
        self.assertEqual(result.status, 200, result.error)
        self.assertTrue(result.text('replied'))
        self.assertEqual(self.stored()[0], before[0] + 1)

    def test_forged_token_reply_shows_nothing(self):
        "A reply with a forged token neither shows nor checks the code"
        before = (self.stored(), self.lookups())
        for code in [self.code, '1111 1111 1111 1111']:
            with self.subTest(code=code):
                result = self.follow_up({
                        'action': 'reply', 'code': code, 'text': '你好',
                        'csrf_token': '1.2.3'})
                self.assertRefused(result, 'public_page.msg_form_expired')
                self.assertShowsNothing(result)
        self.assertEqual((self.stored(), self.lookups()), before)

    def test_token_of_another_form(self):
        "The token of the report form does not open the follow-up"
        visitor = Visitor()
        visitor.get(REPORT)
        result = visitor.post(
            FOLLOW_UP, {'action': 'lookup', 'code': self.code})
        self.assertRefused(result, 'public_page.msg_form_expired')
        self.assertShowsNothing(result)

    def test_closed_report_refuses_replies(self):
        "A closed report shows its state but takes no more replies"
        close_report(self.report_id, ids['company'])
        result = self.look_up(self.code)
        self.assertEqual(result.status, 200)
        self.assertEqual(result.text('report-state'), self.state())
        self.assertFalse(result.document.xpath('//form[@id="reply-form"]'))
        before = self.stored()
        result = self.reply(self.code, '还有一件事', evidence=[('a.jpg', JPEG)])
        self.assertRefused(result, 'whistleblower.msg_page_report_closed')
        self.assertEqual(self.stored(), before)

    def test_reply_escaped(self):
        "A reply is shown back as text"
        result = self.reply(self.code, XSS)
        self.assertEqual(result.status, 200, result.error)
        self.assertNotIn(XSS, result.html)
        self.assertFalse(result.document.xpath('//main//script'))
        self.assertTrue(any(XSS in m.text_content()
                for m in result.document.find_class('incoming')))


class ProofOfWorkTestCase(PublicPageTestCase):
    """The proof of work the whistleblower pages ask of the visitor's browser
    instead of counting the visitors, whom they do not know"""

    def setUp(self):
        super().setUp()
        visitor = Visitor()
        visitor.get(REPORT)
        self.code = visitor.post(REPORT, report_values()).text('receipt-code')

    def stored(self):
        return (count('whistleblower.report'),
            count('whistleblower.reporter'), count('whistleblower.message'),
            count('ir.attachment'))

    def spent(self):
        return spent_challenges(REPORT), spent_challenges(FOLLOW_UP)

    def assertShowsNothing(self, result):
        self.assertIsNone(result.text('report-state'))
        self.assertIsNone(result.text('receipt-code'))
        self.assertFalse(result.document.xpath('//form[@id="reply-form"]'))

    def test_forms_carry_a_challenge(self):
        """Each form of the whistleblower pages holds a challenge of its kind,
        the script that solves it and what the visitor is told, in the
        visitor's language; the complaint pages ask for none"""
        visitor = Visitor()
        visitor.get(FOLLOW_UP)
        reply_page = visitor.post(
            FOLLOW_UP, {'action': 'lookup', 'code': self.code})
        pages = [
            (Visitor().get(REPORT, query={'lang': 'en'}), 's'),
            (Visitor().get(REPORT), 's'),
            (Visitor().get(FOLLOW_UP, query={'lang': 'en'}), 'l'),
            (reply_page, 'l'),
            ]
        for result, letter in pages:
            with self.subTest(form=result.document.xpath('//form/@id')):
                self.assertEqual(result.status, 200, result.error)
                form, = result.document.xpath('//form')
                challenge, = form.xpath('.//input[@name="challenge"]')
                proof, = form.xpath('.//input[@name="proof"]')
                self.assertRegex(challenge.get('value'), CHALLENGE)
                self.assertEqual(challenge.get('value')[0], letter)
                self.assertEqual(
                    proof_of_work.difficulty_of(challenge.get('value')),
                    DIFFICULTY)
                self.assertFalse(proof.get('value'))
                language = result.language
                status, = form.find_class('challenge-status')
                self.assertEqual(status.text_content().strip(), message(
                        'public_page.msg_page_challenge_checking', language))
                self.assertEqual(status.get('data-failed'), message(
                        'public_page.msg_page_challenge_failed', language))
                self.assertIn(
                    message('public_page.msg_page_challenge_noscript',
                        language),
                    form.xpath('string(.//noscript)'))
                script, = result.document.xpath('//script')
                self.assertEqual(script.text, page.CHALLENGE_SCRIPT)
                digest = base64.b64encode(
                    hashlib.sha256(script.text.encode()).digest()).decode()
                policy = result.response.headers['Content-Security-Policy']
                self.assertIn(f"script-src 'sha256-{digest}'", policy)
                self.assertIn("default-src 'none'", policy)
        self.assertNotEqual(pages[0][0].field('challenge'),
            pages[1][0].field('challenge'))
        for path in [COMPLAINT, COMPLAINT_STATUS]:
            result = Visitor().get(path)
            self.assertFalse(result.document.xpath(
                    '//input[@name="challenge"]|//script'))

    def test_missing_or_wrong_proof(self):
        """A form without its proof of work, with a wrong one or with a
        challenge not ours shows and stores nothing and spends nothing"""
        visitor = Visitor()
        visitor.get(FOLLOW_UP)
        challenge = visitor.challenge
        letter, difficulty, expires, nonce, signature = challenge.split('.')
        easier = '.'.join([letter, '0', expires, nonce, signature])
        longer = '.'.join(
            [letter, difficulty, str(int(expires) + 3600), nonce, signature])
        report_challenge = mint_challenge(REPORT)
        wrong = next(str(n) for n in range(10 ** 6)
            if not proof_of_work.worked(challenge, str(n)))
        right = proof_of_work.solve(challenge)
        cases = {
            'no challenge': {'challenge': None, 'proof': None},
            'no proof': {'challenge': challenge, 'proof': None},
            'empty proof': {'challenge': challenge, 'proof': ''},
            'wrong proof': {'challenge': challenge, 'proof': wrong},
            'full-width proof': {
                'challenge': challenge,
                'proof': ''.join(chr(ord(c) + 0xFEE0) for c in right)},
            'signed for harder': {
                'challenge': easier,
                'proof': proof_of_work.solve(easier)},
            'signed to expire sooner': {
                'challenge': longer,
                'proof': proof_of_work.solve(longer)},
            'of the report form': {
                'challenge': report_challenge,
                'proof': proof_of_work.solve(report_challenge)},
            'not a challenge': {'challenge': 'x' * 100, 'proof': '1'},
            }
        before = (self.stored(), self.spent())
        for case, data in cases.items():
            for action in ['lookup', 'reply']:
                with self.subTest(case=case, action=action):
                    result = visitor.post(FOLLOW_UP, {
                            'action': action, 'code': self.code,
                            'text': '你好', **data}, follow=False)
                    self.assertRefused(
                        result, 'public_page.msg_challenge_missing')
                    self.assertShowsNothing(result)
            with self.subTest(case=case, form='report'):
                visitor.get(REPORT)
                data = dict(data)
                if case == 'of the report form':
                    data = {
                        'challenge': challenge,
                        'proof': proof_of_work.solve(challenge)}
                result = visitor.post(
                    REPORT, {**report_values(), **data}, follow=False)
                self.assertRefused(
                    result, 'public_page.msg_challenge_missing')
                self.assertShowsNothing(result)
                visitor.get(FOLLOW_UP)
                visitor.challenge = challenge
        self.assertEqual((self.stored(), self.spent()), before)

    def test_challenge_serves_once(self):
        """A solved challenge sent again is refused, with the right code or
        a wrong one, and counted once"""
        visitor = Visitor()
        visitor.get(FOLLOW_UP)
        before = self.spent()
        first = visitor.post(
            FOLLOW_UP, {'action': 'lookup', 'code': self.code}, follow=False)
        self.assertEqual(first.status, 200, first.error)
        for action, code in [
                ('lookup', self.code), ('lookup', '1111 1111 1111 1111'),
                ('reply', self.code)]:
            with self.subTest(action=action, code=code):
                result = visitor.post(FOLLOW_UP, {
                        'action': action, 'code': code, 'text': '你好'},
                    follow=False)
                self.assertRefused(result, 'public_page.msg_challenge_spent')
                self.assertShowsNothing(result)
        self.assertEqual(self.spent(), (before[0], before[1] + 1))

    def test_report_challenge_serves_once(self):
        """The challenge of a sent report does not send another one; the same
        form sent again shows its receipt code again"""
        visitor = Visitor()
        visitor.get(REPORT)
        values = report_values()
        before = self.stored()
        first = visitor.post(REPORT, values, follow=False)
        self.assertEqual(first.status, 200, first.error)
        again = visitor.post(REPORT, values, follow=False)
        self.assertEqual(again.status, 200, again.error)
        self.assertEqual(
            again.text('receipt-code'), first.text('receipt-code'))
        other = visitor.post(REPORT, report_values(), follow=False)
        self.assertRefused(other, 'public_page.msg_challenge_spent')
        self.assertShowsNothing(other)
        self.assertEqual(self.stored()[0], before[0] + 1)

    def test_refused_form_spends_its_challenge(self):
        """A form refused for what it holds spent its challenge all the
        same; the form shown again has a new one"""
        visitor = Visitor()
        visitor.get(REPORT)
        challenge = visitor.challenge
        before = (self.stored(), self.spent())
        refused = visitor.post(
            REPORT, report_values(category='bogus'), follow=False)
        self.assertRefused(
            refused, 'whistleblower.msg_page_category_required')
        self.assertEqual(
            (self.stored(), self.spent()),
            (before[0], (before[1][0] + 1, before[1][1])))
        again = visitor.post(REPORT, report_values(), follow=False)
        self.assertRefused(again, 'public_page.msg_challenge_spent')
        self.assertEqual(self.stored(), before[0])
        self.assertNotEqual(refused.field('challenge'), challenge)
        visitor.challenge = refused.field('challenge')
        result = visitor.post(REPORT, report_values())
        self.assertEqual(result.status, 200, result.error)
        self.assertEqual(self.stored()[0], before[0][0] + 1)

        visitor.get(FOLLOW_UP)
        visitor.post(FOLLOW_UP, {'action': 'lookup', 'code': self.code})
        challenge = visitor.challenge
        empty = visitor.post(FOLLOW_UP, {
                'action': 'reply', 'code': self.code, 'text': ' '})
        self.assertRefused(empty, 'whistleblower.msg_page_reply_empty')
        self.assertEqual(empty.text('report-state'), state_of(
                'whistleblower.report', report_of_code(self.code)))
        spent = self.spent()
        again = visitor.post(FOLLOW_UP, {
                'action': 'reply', 'code': self.code, 'text': '你好',
                'challenge': challenge,
                'proof': proof_of_work.solve(challenge)})
        self.assertRefused(again, 'public_page.msg_challenge_spent')
        self.assertShowsNothing(again)
        self.assertEqual(self.spent(), spent)

    def test_expired_challenge(self):
        "A challenge older than the token's lifetime is refused"
        visitor = Visitor()
        visitor.get(FOLLOW_UP)
        old = visitor.challenge
        later = clock.now() + dt.timedelta(
            seconds=proof_of_work.LIFETIME + 60)
        with clock_at(later):
            visitor.get(FOLLOW_UP)
            result = visitor.post(FOLLOW_UP, {
                    'action': 'lookup', 'code': self.code,
                    'challenge': old, 'proof': proof_of_work.solve(old)})
            self.assertRefused(result, 'public_page.msg_challenge_expired')
            self.assertShowsNothing(result)
            result = visitor.post(
                FOLLOW_UP, {'action': 'lookup', 'code': self.code})
            self.assertEqual(result.status, 200, result.error)

    def test_difficulty_follows_the_load(self):
        """Each doubling of the usual load adds a bit, up to the highest;
        the other kind of form stays as it was"""
        set_limits(
            anonymous_submission_load=2,
            challenge_max_difficulty=DIFFICULTY + 3)
        for _ in range(12):
            load = self.spent()[0]
            expected = DIFFICULTY + min(
                math.ceil(math.log2(load / 2)) if load > 2 else 0, 3)
            visitor = Visitor()
            visitor.get(REPORT)
            self.assertEqual(
                proof_of_work.difficulty_of(visitor.challenge), expected,
                load)
            self.assertEqual(
                visitor.post(REPORT, report_values()).status, 200)
        self.assertEqual(
            proof_of_work.difficulty_of(Visitor().get(FOLLOW_UP).field(
                    'challenge')), DIFFICULTY)

    def test_easier_challenge_after_load_rose(self):
        """A challenge issued before the load rose is taken while it is at
        most a few bits easier than the current one; else the page asks for
        a new, harder one and then shows the report"""
        set_limits(anonymous_lookup_load=1, challenge_max_difficulty=32)
        first, second = Visitor(), Visitor()
        for visitor in [first, second]:
            visitor.get(FOLLOW_UP)
            self.assertEqual(
                proof_of_work.difficulty_of(visitor.challenge), DIFFICULTY)
        slack = proof_of_work.SLACK
        while self.spent()[1] < 2 ** slack:
            self.assertEqual(self.look_up_wrong().status, 404)
        result = first.post(FOLLOW_UP, {'action': 'lookup', 'code': self.code})
        self.assertEqual(result.status, 200, result.error)
        result = second.post(
            FOLLOW_UP, {'action': 'lookup', 'code': self.code})
        self.assertRefused(result, 'public_page.msg_challenge_harder')
        self.assertShowsNothing(result)
        self.assertEqual(
            proof_of_work.difficulty_of(second.challenge),
            DIFFICULTY + slack + 1)
        result = second.post(
            FOLLOW_UP, {'action': 'lookup', 'code': self.code})
        self.assertEqual(result.status, 200, result.error)

    def look_up_wrong(self):
        visitor = Visitor()
        visitor.get(FOLLOW_UP)
        return visitor.post(
            FOLLOW_UP, {'action': 'lookup', 'code': '1111 1111 1111 1111'})

    def test_solver_is_the_browsers(self):
        "The proof is the first counter that works, as the script counts"
        challenge = mint_challenge(FOLLOW_UP)
        proof = proof_of_work.solve(challenge)
        self.assertTrue(proof_of_work.worked(challenge, proof))
        self.assertFalse(any(proof_of_work.worked(challenge, str(n))
                for n in range(int(proof))))

    def test_spent_challenges_tell_nothing(self):
        "A spent challenge is kept as its digest, with its kind and dates"
        visitor = Visitor()
        visitor.get(FOLLOW_UP)
        challenge = visitor.challenge
        visitor.post(FOLLOW_UP, {'action': 'lookup', 'code': self.code})
        spent = read('public_page.challenge', [
                ('digest', '=',
                    hashlib.sha256(challenge.encode()).hexdigest())],
            ['kind', 'date', 'expires'])
        self.assertEqual([s['kind'] for s in spent], ['anonymous_lookup'])
        self.assertEqual(scan_database([challenge]), [])


class NoTraceTestCase(PublicPageTestCase):
    "The whistleblower pages leave no trace of who visited them"

    def visit(self):
        "Use every whistleblower page as a visitor with a telling browser"
        visitor = Visitor(
            headers={
                'User-Agent': PROBE_USER_AGENT,
                'X-Forwarded-For': PROBE_FORWARDED,
                'X-Real-IP': PROBE_FORWARDED,
                'Forwarded': f'for={PROBE_FORWARDED}',
                'Referer': PROBE_REFERER,
                'Origin': 'http://localhost',
                'Accept-Language': 'zh-CN',
                },
            environ={'REMOTE_ADDR': PROBE_ADDRESS})
        pages = [visitor.get(REPORT)]
        pages.append(visitor.post(REPORT, {
                    **report_values(description='无痕探针举报'),
                    'evidence': files(('a.jpg', JPEG))}))
        code = pages[-1].text('receipt-code')
        pages.append(visitor.get(REPORT, query={'lang': 'en'}))
        pages.append(visitor.post(REPORT, report_values(
                    identity='named', name='探针实名', contact='探针联系')))
        pages.append(visitor.get(FOLLOW_UP))
        pages.append(visitor.post(
                FOLLOW_UP, {'action': 'lookup', 'code': code}))
        pages.append(visitor.post(FOLLOW_UP, {
                    'action': 'reply', 'code': code, 'text': '无痕探针回复',
                    'evidence': files(('b.png', PNG))}))
        pages.append(visitor.post(
                FOLLOW_UP, {'action': 'lookup', 'code': '0' * 16}))
        self.assertEqual(
            [p.status for p in pages], [200] * 7 + [404],
            [p.error for p in pages])
        return pages, code

    def test_nothing_stored(self):
        "No column of any table holds the visitor's address or browser"
        self.visit()
        # The scan sees what the visitor typed
        self.assertTrue(scan_database(['无痕探针回复']))
        self.assertEqual(scan_database(PROBE_STRINGS), [])

    def test_nothing_logged(self):
        "No log record tells of the pages, the visitor or the report"
        with captured_logs() as records:
            visitor = Visitor(environ={'REMOTE_ADDR': PROBE_ADDRESS})
            visitor.get(COMPLAINT)
            _, code = self.visit()
        # The capture sees the requests of the other pages
        self.assertTrue(any(
                '/complaint_plan/complaint' in log_text(r) for r in records))
        for record in records:
            text = log_text(record)
            if '/complaint_plan/' in text:
                continue
            # The reported facts may show in the SQL queries logged at
            # DEBUG level, the receipt code and the reporter's name not
            for string in PROBE_STRINGS + PRIVATE_PATHS + [
                    code, code.replace(' ', ''), '探针实名', '探针联系']:
                self.assertNotIn(string, text, msg=record.name)

    def test_redirected_path_logs_nothing(self):
        "A link to the page with a doubled slash leaves no trace either"
        with captured_logs() as records:
            visitor = Visitor(environ={'REMOTE_ADDR': PROBE_ADDRESS})
            result = visitor.get('/whistleblower/report')
            second = visitor.get('whistleblower/follow-up/')
        self.assertLess(result.status, 500)
        self.assertLess(second.status, 500)
        for record in records:
            text = log_text(record)
            self.assertNotIn(PROBE_ADDRESS, text, msg=record.name)
            self.assertNotIn('whistleblower', text, msg=record.name)

    def test_development_server_log(self):
        "The development server logs no request line of the private pages"
        server = make_server(
            '127.0.0.1', 0, _plain_application, threaded=False)
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(server.shutdown)
        url = f'http://127.0.0.1:{server.socket.getsockname()[1]}/demo'
        with captured_logs() as records:
            for path in [
                    '/whistleblower/report', '/whistleblower/report?lang=en',
                    '/whistleblower/follow-up', '/complaint_plan/complaint']:
                request = urllib.request.Request(
                    url + path, headers={'User-Agent': PROBE_USER_AGENT})
                with urllib.request.urlopen(request) as response:
                    response.read()
        access = [log_text(r) for r in records if r.name == 'werkzeug']
        # The access line of the public complaint page is logged
        self.assertEqual(len(access), 1, access)
        self.assertIn('/demo/complaint_plan/complaint', access[0])
        for text in access:
            self.assertNotIn('whistleblower', text)

    def test_only_the_token_cookie(self):
        "The pages set no cookie but the anti-forgery token"
        pages, _ = self.visit()
        cookies = {c for p in pages for c in p.cookies}
        self.assertEqual(cookies, {page.TOKEN_COOKIE})
        for result in pages:
            for cookie in result.response.headers.getlist('Set-Cookie'):
                self.assertIn('HttpOnly', cookie)
                self.assertIn('SameSite=Strict', cookie)

    def test_nothing_identifying_reaches_the_page(self):
        "The page's request holds no address, browser or referrer"
        seen = {}
        original = page.language

        def spy(request):
            seen['environ'] = dict(request.environ)
            seen['remote_addr'] = request.remote_addr
            return original(request)
        visitor = Visitor(
            headers={'User-Agent': PROBE_USER_AGENT,
                'X-Forwarded-For': PROBE_FORWARDED, 'Referer': PROBE_REFERER},
            environ={'REMOTE_ADDR': PROBE_ADDRESS})
        with mock.patch.object(page, 'language', spy):
            visitor.get(REPORT)
        self.assertFalse(seen['remote_addr'])
        environ = json.dumps(seen['environ'], default=str)
        for string in PROBE_STRINGS:
            self.assertNotIn(string, environ)


def _plain_application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'ok']
