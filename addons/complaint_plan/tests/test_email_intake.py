# This file is part of the complaint_plan module.
"Complaints created from emails, in every encoding Chinese mail comes in"
import base64
import datetime as dt
import encodings.aliases
import json
import threading
import unittest
import uuid
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.complaint_plan import email_intake
from trytond.modules.complaint_plan.email_intake import (
    CREATE_COMPLAINT, MAIL_TRANSIT, read_email)
from trytond.modules.complaint_plan.exceptions import ComplaintEmailError
from trytond.modules.scheduled_activity.tests.tools import as_user
from trytond.pool import Pool
from trytond.protocols.wrappers import HTTPStatus
from trytond.tests.test_tryton import (
    RouteTestCase, TestCase, activate_module, drop_db, with_transaction)

from .test_access import create_user

SAMPLES = Path(__file__).parent
SAMPLE_NAMES = sorted(p.name for p in SAMPLES.glob('email_*.eml'))
# Every charset name Python knows, text codecs or not, and some it does not
CHARSETS = sorted(set(encodings.aliases.aliases)
    | set(encodings.aliases.aliases.values())
    | {'x-gbk', 'unknown-8bit', 'gb2312*zh-cn', ''})


def sample(name):
    return (SAMPLES / name).read_bytes()


def utc_now():
    return dt.datetime.now().replace(microsecond=0)


def with_date(raw, date):
    "The sample as if it had been sent at date (UTC)"
    head, body = raw.split(b'\r\n\r\n', 1)
    lines = [l for l in head.split(b'\r\n') if not l.startswith(b'Date:')]
    lines.append(b'Date: ' + format_datetime(
            date.replace(tzinfo=dt.timezone.utc)).encode())
    return b'\r\n'.join(lines) + b'\r\n\r\n' + body


def photo():
    "The PNG attached to the UTF-8 sample"
    received = read_email(sample('email_utf8_base64_photo.eml'), utc_now())
    (_, data), = received.attachments
    return data


def new_message(subject="投诉"):
    message = EmailMessage()
    message['From'] = '王芳 <wangfang@example.cn>'
    message['To'] = 'complaints@shop.example.cn'
    message['Subject'] = subject
    message['Message-ID'] = f'<{uuid.uuid4().hex}@example.cn>'
    message.set_content("门店地面湿滑。")
    return message


class ReadEmailTestCase(unittest.TestCase):
    "Reading raw emails, without a database"

    arrival = dt.datetime(2026, 11, 24, 3, 0)

    def read(self, name):
        return read_email(sample(name), self.arrival)

    def test_utf8_base64_with_photo(self):
        "UTF-8 mail in base64 with a photo attached"
        received = self.read('email_utf8_base64_photo.eml')
        self.assertEqual(received.sender_name, "王芳")
        self.assertEqual(received.sender_address, 'wangfang@example.cn')
        self.assertEqual(received.subject, "生鲜区购买的鸡蛋有破损和异味")
        self.assertIn("有6枚破损，另有几枚有明显异味。", received.text)
        self.assertEqual(
            received.message_id, '<20261124091532.4F2A1@mail.example.cn>')
        # Sent at 09:15:32 in Beijing
        self.assertEqual(received.date, dt.datetime(2026, 11, 24, 1, 15, 32))
        (name, data), = received.attachments
        self.assertEqual(name, "鸡蛋照片.png")
        self.assertTrue(data.startswith(b'\x89PNG\r\n\x1a\n'))

    def test_gb2312_quoted_printable(self):
        "GB2312 mail in quoted-printable, with a GBK character in it"
        received = self.read('email_gb2312_qp.eml')
        # 喆 is not in GB2312: the client sent its GBK code under that label
        self.assertEqual(received.sender_name, "李喆")
        self.assertEqual(received.subject, "收银员多收钱且态度恶劣")
        self.assertIn("本人李喆，11月22日在河西万达店收银台结账时", received.text)
        self.assertIn("（29.9元）", received.text)
        self.assertNotIn('\ufffd', received.text)
        self.assertNotIn('\r', received.text)

    def test_gbk_8bit(self):
        "GBK mail sent in 8 bits, with a character outside GB2312"
        received = self.read('email_gbk_8bit.eml')
        self.assertEqual(received.sender_name, "陈镕")
        self.assertEqual(received.subject, "电饭煲质量问题，陈镕要求退换")
        self.assertIn("我是陈镕。11月21日在东方红店买的电饭煲", received.text)
        self.assertIn("陈镕 139 1234 5678", received.text)
        # Named in RFC 2047 words, as Outlook writes it
        (name, data), = received.attachments
        self.assertEqual(name, "购物小票.jpg")
        self.assertTrue(data.startswith(b'\xff\xd8\xff'))

    def test_gb18030_four_bytes(self):
        "GB18030 mail with a character of four bytes"
        received = self.read('email_gb18030_base64.eml')
        self.assertEqual(received.sender_name, "𠮷先生")
        self.assertEqual(received.subject, "会员卡上的“𠮷”字显示成问号")
        self.assertIn("系统把“𠮷”显示成问号", received.text)

    def test_html_only(self):
        "An HTML mail gives its text, without style or script"
        received = self.read('email_html_only.eml')
        self.assertEqual(received.text,
            "您好，\n\n"
            "河西万达店冷冻食品柜柜底有积水， 有明显异味。\n\n"
            "- 时间：11月19日中午\n"
            "- 位置：冷冻区第3排\n\n"
            "请检查食品是否变质 & 清洁冷柜。\n\n"
            "赵敏")

    def test_no_subject(self):
        "A mail without subject, from a bare address"
        received = self.read('email_no_subject.eml')
        self.assertEqual(received.subject, '')
        self.assertEqual(received.sender_name, '')
        self.assertEqual(received.sender_address, 'sunlei@example.com')
        self.assertEqual(
            received.text, "送货上门承诺当天送达，实际晚了三天，大米包装也破了。")
        # Sent more than five days before it arrived: a wrong clock
        self.assertIsNone(received.date)

    def test_date(self):
        "The Date header is kept only when the mail could have been in transit"
        raw = sample('email_no_subject.eml')
        sent = self.arrival - dt.timedelta(hours=2)
        self.assertEqual(read_email(with_date(raw, sent), self.arrival).date,
            sent)
        for date in [self.arrival + dt.timedelta(minutes=1),
                self.arrival - MAIL_TRANSIT - dt.timedelta(seconds=1)]:
            with self.subTest(date=date):
                self.assertIsNone(
                    read_email(with_date(raw, date), self.arrival).date)
        garbled = raw.replace(b'Date: Wed, 18 Nov 2026 08:00:00 +0800',
            b'Date: yesterday')
        self.assertIsNone(read_email(garbled, self.arrival).date)

    def test_message_id_missing(self):
        "A mail without Message-ID is known by the digest of its bytes"
        raw = sample('email_no_subject.eml').replace(
            b'Message-ID: <no-subject-20261118@example.com>\r\n', b'')
        first = read_email(raw, self.arrival).message_id
        self.assertTrue(first.startswith('sha256:'))
        self.assertEqual(read_email(raw, self.arrival).message_id, first)
        self.assertNotEqual(
            read_email(raw + b'\r\n', self.arrival).message_id, first)

    def test_header_encoded_word_split(self):
        "A character split across two encoded words is joined back"
        gbk = "陈镕".encode('gbk')
        raw = ('Subject: =?GBK?Q?%s?=\r\n =?GBK?Q?%s?=\r\n\r\nx' % (
                ''.join('=%02X' % b for b in gbk[:3]),
                ''.join('=%02X' % b for b in gbk[3:]))).encode()
        self.assertEqual(read_email(raw, self.arrival).subject, "陈镕")

    def test_header_raw_8bit(self):
        "Headers sent in raw GBK or UTF-8 bytes"
        for charset in ['gbk', 'utf-8']:
            with self.subTest(charset=charset):
                raw = ("From: 陈镕 <chenrong@example.net>\r\n"
                    "Subject: 电饭煲坏了\r\n\r\n电饭煲坏了").encode(charset)
                received = read_email(raw, self.arrival)
                self.assertEqual(received.sender_name, "陈镕")
                self.assertEqual(received.subject, "电饭煲坏了")
                self.assertEqual(received.text, "电饭煲坏了")

    def test_broken_charsets(self):
        "Unknown, wrong or non-text charsets never stop the reading"
        text = "冷柜有异味".encode('gbk') + b'\xff\xfe\x80'
        for charset in ['x-unknown', 'base64', 'undefined', 'idna',
                'utf-8', 'us-ascii', '"', '']:
            with self.subTest(charset=charset):
                raw = (b'Subject: =?' + charset.encode()
                    + b'?B?' + b'5Ya35p+c?=\r\n'
                    + b'Content-Type: text/plain; charset="'
                    + charset.encode() + b'"\r\n'
                    + b'Content-Transfer-Encoding: 8bit\r\n\r\n' + text)
                received = read_email(raw, self.arrival)
                self.assertIsInstance(received.text, str)
                received.text.encode('utf-8')
                received.subject.encode('utf-8')

    def test_broken_base64_word(self):
        "An encoded word that is not base64 is kept as it came"
        raw = b'Subject: =?utf-8?B?5Ya3a?= ok\r\n\r\nx'
        self.assertEqual(
            read_email(raw, self.arrival).subject, '=?utf-8?B?5Ya3a?= ok')

    def test_forwarded_email_is_a_file(self):
        "A forwarded email is kept as a file, its text is not the body"
        forwarded = new_message("原始邮件")
        message = new_message()
        message.add_attachment(forwarded)
        received = read_email(message.as_bytes(), self.arrival)
        self.assertEqual(received.text, "门店地面湿滑。")
        (name, data), = received.attachments
        self.assertTrue(name.endswith('.eml'))
        self.assertIn(b'Subject: ', data)

    @settings(max_examples=1000, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow])
    @given(
        charsets=st.lists(st.sampled_from(CHARSETS), min_size=3, max_size=3),
        words=st.lists(st.binary(max_size=20), min_size=2, max_size=2),
        raw_header=st.binary(max_size=30),
        encoding=st.sampled_from(
            ['8bit', 'base64', 'quoted-printable', 'uuencode', 'x-token']),
        body=st.binary(max_size=200))
    def test_any_charset(self, charsets, words, raw_header, encoding, body):
        "Headers and bodies in any charset, valid or not, give text"
        b64, qp = (
            base64.b64encode(words[0]).decode(),
            ''.join('=%02X' % b for b in words[1]))
        raw = (f'From: =?{charsets[0]}?B?{b64}?= <a@example.cn>\r\n'
            f'Subject: =?{charsets[1]}?Q?{qp}?= =?{charsets[1]}?B?{b64}?= '
            ).encode() + raw_header.replace(b'\n', b' ') + (
            f'\r\nContent-Type: text/plain; charset="{charsets[2]}"\r\n'
            f'Content-Transfer-Encoding: {encoding}\r\n\r\n').encode() + body
        received = read_email(raw, self.arrival)
        for text in [received.sender_name, received.subject, received.text]:
            text.encode('utf-8')
        self.assertEqual(received.sender_address, 'a@example.cn')

    @settings(max_examples=1000, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow])
    @given(
        name=st.sampled_from(SAMPLE_NAMES),
        edits=st.lists(st.tuples(
                st.floats(min_value=0, max_value=1),
                st.integers(min_value=0, max_value=8),
                st.binary(max_size=12)), max_size=6),
        cut=st.floats(min_value=0, max_value=1))
    def test_mangled_samples(self, name, edits, cut):
        "Mangled sample mails are read without error into clean text"
        raw = bytearray(sample(name))
        for where, length, data in edits:
            start = int(where * len(raw))
            raw[start:start + length] = data
        raw = bytes(raw[:max(int(cut * len(raw) * 2), 1)])
        received = read_email(raw, self.arrival)
        for text in [received.sender_name, received.sender_address,
                received.subject, received.text, received.message_id,
                *(n for n, _ in received.attachments)]:
            text.encode('utf-8')
            self.assertNotIn('\x00', text)
        for value in [received.sender_name, received.subject]:
            self.assertNotIn('\n', value)
        self.assertTrue(received.message_id)


class EmailIntakeTestCase(TestCase):
    "Complaints created by the inbound email rule"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('complaint_plan')

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    def create_rule(self, company=None):
        pool = Pool()
        Inbox = pool.get('inbound.email.inbox')
        inbox, = Inbox.create([{
                    'name': "Complaints",
                    'rules': [('create', [{
                                    'action': CREATE_COMPLAINT,
                                    'complaint_company': (
                                        company.id if company else None),
                                    }])],
                    }])
        return inbox

    def receive(self, inbox, raw, data_type='raw'):
        "Process the email as the webhook does, and return its result"
        Email = Pool().get('inbound.email')
        email, = Email.from_webhook(inbox, raw, data_type)
        inbox.process(email)
        Email.save([email])
        return email.result

    def attachments(self, complaint):
        Attachment = Pool().get('ir.attachment')
        return sorted((a.name, a.data) for a in Attachment.search([
                    ('resource', '=', str(complaint)),
                    ]))

    @with_transaction()
    def test_samples(self):
        "Each sample mail becomes a complaint with its text intact"
        company = create_company()
        inbox = self.create_rule()
        expected = {
            'email_utf8_base64_photo.eml': (
                "王芳", 'wangfang@example.cn', "生鲜区购买的鸡蛋有破损和异味",
                "有6枚破损"),
            'email_gb2312_qp.eml': (
                "李喆", 'lizhe@example.com.cn', "收银员多收钱且态度恶劣",
                "本人李喆"),
            'email_gbk_8bit.eml': (
                "陈镕", 'chenrong@example.net',
                "电饭煲质量问题，陈镕要求退换", "我是陈镕。"),
            'email_gb18030_base64.eml': (
                "𠮷先生", 'ji.xiansheng@example.org',
                "会员卡上的“𠮷”字显示成问号", "系统把“𠮷”显示成问号"),
            'email_html_only.eml': (
                "赵敏", 'zhaomin@example.com', "冷柜积水有异味",
                "- 位置：冷冻区第3排"),
            'email_no_subject.eml': (
                'sunlei@example.com', 'sunlei@example.com', "(no subject)",
                "大米包装也破了"),
            }
        self.assertEqual(sorted(expected), SAMPLE_NAMES)
        before = utc_now()
        for name, (sender, address, subject, text) in expected.items():
            with self.subTest(sample=name):
                complaint = self.receive(inbox, sample(name))
                self.assertEqual(complaint.channel, 'email')
                self.assertEqual(complaint.state, 'received')
                self.assertEqual(complaint.company, company)
                self.assertEqual(complaint.complainant_name, sender)
                self.assertEqual(complaint.complainant_email, address)
                self.assertEqual(complaint.subject, subject)
                self.assertIn(text, complaint.description)
                self.assertTrue(complaint.number)
                # The samples were sent days ago: they arrive now
                self.assertGreaterEqual(complaint.received_at, before)
        photo_complaint, = Pool().get('complaint.complaint').search([
                ('email_message_id', '=',
                    '<20261124091532.4F2A1@mail.example.cn>'),
                ])
        self.assertEqual(self.attachments(photo_complaint),
            [("鸡蛋照片.png", photo())])

    @with_transaction()
    def test_same_email_twice(self):
        "The same email processed twice makes one complaint"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Email = pool.get('inbound.email')
        create_company()
        inbox = self.create_rule()
        raw = sample('email_utf8_base64_photo.eml')

        first = self.receive(inbox, raw)
        second = self.receive(inbox, raw)

        self.assertEqual(first, second)
        self.assertEqual(Complaint.search([], count=True), 1)
        self.assertEqual(len(self.attachments(first)), 1)
        self.assertEqual(
            [e.result for e in Email.search([])], [first, first])

    @with_transaction()
    def test_processed_again_from_inbox(self):
        "An email no rule matched is processed again once there is one"
        pool = Pool()
        Email = pool.get('inbound.email')
        Inbox = pool.get('inbound.email.inbox')
        Rule = pool.get('inbound.email.rule')
        create_company()
        inbox, = Inbox.create([{'name': "Complaints"}])
        sent = utc_now() - dt.timedelta(days=3)
        raw = with_date(sample('email_gbk_8bit.eml'), sent)
        self.assertIsNone(self.receive(inbox, raw))
        email, = Email.search([])

        Rule.create([{'inbox': inbox.id, 'action': CREATE_COMPLAINT}])
        Email.process([email])

        self.assertEqual(email.result.subject, "电饭煲质量问题，陈镕要求退换")
        self.assertEqual(email.result.received_at, sent)

    @with_transaction()
    def test_received_at(self):
        "The Date header is the received time unless it is in the future"
        create_company()
        inbox = self.create_rule()
        raw = sample('email_gb18030_base64.eml')
        sent = utc_now() - dt.timedelta(hours=3)
        complaint = self.receive(inbox, with_date(raw, sent))
        self.assertEqual(complaint.received_at, sent)

        before = utc_now()
        raw = with_date(raw.replace(b'CAJ9xq3e', b'future'),
            utc_now() + dt.timedelta(days=1))
        complaint = self.receive(inbox, raw)
        self.assertGreaterEqual(complaint.received_at, before)
        self.assertLessEqual(complaint.received_at, utc_now())

    @with_transaction()
    def test_attachment_limits(self):
        "Files beyond the web form's limits are named in the description"
        create_company()
        inbox = self.create_rule()
        message = new_message()
        image = photo()
        for index in range(6):
            message.add_attachment(image, maintype='image', subtype='png',
                filename=f"照片{index}.png")
        message.add_attachment(b'MZ\x90\x00' + bytes(200),
            maintype='application', subtype='octet-stream',
            filename="发票.exe")
        message.add_attachment(image + bytes(5 * 1024 * 1024),
            maintype='image', subtype='png', filename="大图.png")

        complaint = self.receive(inbox, message.as_bytes())

        self.assertEqual([n for n, _ in self.attachments(complaint)],
            [f"照片{i}.png" for i in range(5)])
        self.assertEqual(complaint.description, "\n".join([
                    "门店地面湿滑。",
                    "",
                    "Files of the email that were not kept:",
                    'The file "照片5.png" is beyond the 5 files a complaint '
                    'keeps.',
                    'The file "发票.exe" is not a picture (JPEG, PNG, GIF, '
                    'WebP) or a PDF document.',
                    'The file "大图.png" is larger than 5 MB.',
                    ]))

    @with_transaction()
    def test_invalid_sender(self):
        "A sender address the complaint refuses stays in the name"
        create_company()
        inbox = self.create_rule()
        message = EmailMessage()
        message['From'] = '陈镕 <chenrong@localhost>'
        message['Subject'] = '地面湿滑'
        message['Message-ID'] = '<invalid-sender@example.net>'
        message.set_content('门店地面湿滑。')

        complaint = self.receive(inbox, message.as_bytes())
        valid = self.receive(inbox, sample('email_gb2312_qp.eml'))

        self.assertIsNone(complaint.complainant_email)
        self.assertEqual(
            complaint.complainant_name, "陈镕 <chenrong@localhost>")
        self.assertEqual(valid.complainant_email, 'lizhe@example.com.cn')

    @with_transaction()
    def test_company(self):
        "The rule's company, else the user's; with several, the rule says"
        company = create_company()
        other = create_company("其他公司", company.currency)
        inbox = self.create_rule(other)
        complaint = self.receive(inbox, sample('email_gbk_8bit.eml'))
        self.assertEqual(complaint.company, other)

        inbox = self.create_rule()
        with self.assertRaises(ComplaintEmailError):
            self.receive(inbox, sample('email_gb2312_qp.eml'))
        with set_company(company):
            complaint = self.receive(inbox, sample('email_gb2312_qp.eml'))
        self.assertEqual(complaint.company, company)

    @with_transaction()
    def test_email_services(self):
        "Services that pass the raw mail in JSON; Postmark does not"
        create_company()
        inbox = self.create_rule()
        raw = sample('email_utf8_base64_photo.eml').decode('ascii')
        complaint = self.receive(inbox,
            json.dumps({'email': raw}).encode(), 'sendgrid')
        self.assertEqual(complaint.subject, "生鲜区购买的鸡蛋有破损和异味")
        self.assertEqual(len(self.attachments(complaint)), 1)

        with self.assertRaises(ComplaintEmailError):
            self.receive(inbox, json.dumps({
                        'FromFull': {'Email': 'a@example.com'},
                        'Subject': "x"}).encode(), 'postmark')

    @with_transaction()
    def test_copy(self):
        "A copy of an email's complaint is not the email's"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        create_company()
        inbox = self.create_rule()
        complaint = self.receive(inbox, sample('email_no_subject.eml'))

        copy, = Complaint.copy([complaint])

        self.assertIsNone(copy.email_message_id)
        self.assertEqual(
            self.receive(inbox, sample('email_no_subject.eml')), complaint)

    @with_transaction()
    def test_clerk_registers(self):
        "The clerk sees the email's complaint and its photo, and registers it"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Category = pool.get('complaint.category')
        Complaint = pool.get('complaint.complaint')
        Inbox = pool.get('inbound.email.inbox')
        company = create_company()
        with set_company(company):
            clerk = create_user('clerk', ['group_complaint_clerk'], company)
            manager = create_user('manager', ['group_complaint_manager'],
                company, create_employee(company, "陈静"))
        inbox = self.create_rule()
        complaint = self.receive(
            inbox, sample('email_utf8_base64_photo.eml'))
        quality, = Category.search([('name', '=', "Product Quality")])

        with as_user(clerk):
            complaint, = Complaint.search([('channel', '=', 'email')])
            attachment, = Attachment.search([
                    ('resource', '=', str(complaint))])
            self.assertEqual(attachment.data, photo())
            # As the client does: the category suggests the level
            complaint.category = quality
            complaint.on_change_category()
            complaint.save()
            Complaint.register([complaint])
            self.assertEqual(complaint.state, 'registered')

        for user in [clerk, manager]:
            with self.subTest(user=user.login), as_user(user):
                with self.assertRaises(AccessError):
                    Inbox.read([inbox.id], ['name'])


class InboxRouteMixin:
    "An inbox that creates complaints, and the mail server that posts to it"
    module = 'complaint_plan'
    identifier = uuid.uuid4().hex

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Inbox = pool.get('inbound.email.inbox')
        create_company()
        Inbox.create([{
                    'name': "Complaints",
                    'identifier': cls.identifier,
                    'rules': [('create', [{'action': CREATE_COMPLAINT}])],
                    }])

    def post(self, raw):
        # As the configuration documents it for a mail server
        return self.client().post(
            f'/{self.db_name}/inbound_email/inbox/{self.identifier}',
            data=raw, headers={'Content-Type': 'message/rfc822'})


class EmailIntakeRouteTestCase(InboxRouteMixin, RouteTestCase):
    "Mails posted by the mail server to the inbox's webhook"

    def test_samples(self):
        "Each sample posted twice is one complaint with its text and files"
        for name in SAMPLE_NAMES:
            with self.subTest(sample=name):
                for _ in range(2):
                    response = self.post(sample(name))
                    self.assertEqual(
                        response.status_code, HTTPStatus.NO_CONTENT)

        @with_transaction()
        def check():
            pool = Pool()
            Attachment = pool.get('ir.attachment')
            Complaint = pool.get('complaint.complaint')
            Email = pool.get('inbound.email')
            emails = Email.search([])
            self.assertEqual(len(emails), 2 * len(SAMPLE_NAMES))
            complaints = Complaint.search([])
            self.assertEqual(len(complaints), len(SAMPLE_NAMES))
            self.assertEqual(
                {e.result for e in emails}, set(complaints))
            by_subject = {c.subject: c for c in complaints}
            self.assertIn("我是陈镕。", by_subject[
                    "电饭煲质量问题，陈镕要求退换"].description)
            self.assertIn("本人李喆", by_subject[
                    "收银员多收钱且态度恶劣"].description)
            self.assertIn("系统把“𠮷”显示成问号", by_subject[
                    "会员卡上的“𠮷”字显示成问号"].description)
            self.assertEqual(
                by_subject["(no subject)"].complainant_email,
                'sunlei@example.com')
            files = {c.subject: [a.name for a in Attachment.search([
                            ('resource', '=', str(c))])] for c in complaints}
            self.assertEqual(
                files["电饭煲质量问题，陈镕要求退换"], ["购物小票.jpg"])
            self.assertEqual(
                files["生鲜区购买的鸡蛋有破损和异味"], ["鸡蛋照片.png"])
            self.assertEqual(sum(map(len, files.values())), 2)
        check()


@pytest.mark.postgresql
class EmailIntakeRaceTestCase(InboxRouteMixin, RouteTestCase):
    "The same mail posted twice at the same moment"

    @classmethod
    def setUpClass(cls):
        if backend.name != 'postgresql':
            raise unittest.SkipTest(
                "needs PostgreSQL: SQLite serialises whole transactions, "
                "so two posts never overlap")
        super().setUpClass()

    def test_same_mail_at_once(self):
        "Both posts looked for the mail's complaint before either stored it"
        both_searched = threading.Barrier(2, timeout=30)
        screen = email_intake.screen_attachments

        def screen_when_both_searched(files):
            both_searched.wait()
            return screen(files)

        raw = sample('email_utf8_base64_photo.eml')
        statuses = []
        with patch.object(email_intake, 'screen_attachments',
                screen_when_both_searched):
            posts = [threading.Thread(
                    target=lambda: statuses.append(
                        self.post(raw).status_code)) for _ in range(2)]
            for post in posts:
                post.start()
            for post in posts:
                post.join()
        # The database refused the second: its post fails and the mail
        # server posts it again later.
        self.assertEqual(sorted(statuses)[0], HTTPStatus.NO_CONTENT)
        self.assertGreaterEqual(sorted(statuses)[1], 400)
        self.assertEqual(self.post(raw).status_code, HTTPStatus.NO_CONTENT)

        @with_transaction()
        def check():
            pool = Pool()
            Attachment = pool.get('ir.attachment')
            Complaint = pool.get('complaint.complaint')
            Email = pool.get('inbound.email')
            complaint, = Complaint.search([])
            self.assertEqual(
                [e.result for e in Email.search([])], [complaint, complaint])
            self.assertEqual(Attachment.search([
                        ('resource', '=', str(complaint)),
                        ], count=True), 1)
        check()
