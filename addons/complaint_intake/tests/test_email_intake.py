# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Complaints created from emails, in every encoding Chinese mail comes in"
import base64
import datetime as dt
import encodings.aliases
import io
import json
import re
import threading
import time
import unittest
import uuid
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trytond import backend, config
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.complaint_intake import email_intake, email_parse
from trytond.modules.complaint_intake.email_intake import CREATE_COMPLAINT
from trytond.modules.complaint_intake.email_parse import (
    MAIL_TRANSIT, MAX_EMAIL_FILES, Bounce, read_email)
from trytond.modules.complaint_intake.exceptions import ComplaintEmailError
from trytond.modules.complaint_plan.tests.test_access import (
    CLERK, HANDLER, LEADER, MANAGER)
from trytond.modules.scheduled_activity.mail import queue_mail
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_user, load_translations)
from trytond.pool import Pool
from trytond.protocols.wrappers import HTTPStatus
from trytond.tests.test_tryton import RouteTestCase, with_transaction
from trytond.transaction import Transaction
from trytond.worker import run_task
from trytond.wsgi import app


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

    def test_blank_plain_alternative(self):
        "A mail whose plain text is blank reads as its HTML, sent or forwarded"
        text = "洗衣机漏水，已经三次维修了，要求退货。\n\n张三"
        received = self.read('alternative_blank_plain.eml')
        self.assertEqual(received.text, text)
        self.assertEqual(received.problems, [])
        raw = (b'From: zhaomin@example.com\r\nSubject: Fw\r\n'
            b'MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n'
            + sample('alternative_blank_plain.eml'))
        received = read_email(raw, self.arrival)
        self.assertTrue(received.text.endswith("\n\n" + text))

    def test_html_head_not_closed(self):
        "The body starts the text of an HTML mail whose head is not closed"
        received = self.read('html_head_not_closed.eml')
        self.assertEqual(received.text, "冰箱不制冷，要求退货。\n\n赵敏")
        self.assertEqual(received.problems, [])

    def test_file_name_raw_8bit(self):
        "File names sent in raw GBK bytes, one ending with a backslash byte"
        received = self.read('gbk_raw_file_name.eml')
        self.assertEqual([n for n, _ in received.attachments],
            ["购物小票（11月）.pdf", "誠信說明.txt"])

    def assertReadInCharset(self, label, codec, text):
        "The text encoded by codec under the label is read as it was"
        word = base64.b64encode(text.encode(codec)).decode()
        raw = (f'Subject: =?{label}?B?{word}?=\r\n'
            f'Content-Type: text/plain; charset="{label}"\r\n'
            'Content-Transfer-Encoding: 8bit\r\n\r\n').encode() + (
            text.encode(codec))
        received = read_email(raw, self.arrival)
        self.assertEqual(received.subject, text)
        self.assertEqual(received.text, text)
        self.assertEqual(received.problems, [])

    def test_charset_supersets(self):
        """Big5, Shift_JIS and EUC-KR labels holding the characters of their
        supersets (code pages 950, 932 and 949, HKSCS)"""
        for name, sender, subject, text in [
                ('big5_cp950.eml', "林小姐", "電鍋裏的內鍋有刮痕",
                    "您好，我在台北門市買的電鍋裏面的內鍋有刮痕，恒溫功能也失靈了，"
                    "請問可以換貨嗎？謝謝。"),
                ('big5_hkscs.eml', "陳生", "冷氣機壞咗",
                    "我住喺石硤尾邨，你哋送嚟嘅冷氣機壞咗。"),
                ]:
            with self.subTest(sample=name):
                received = self.read(name)
                self.assertEqual(received.sender_name, sender)
                self.assertEqual(received.subject, subject)
                self.assertEqual(received.text, text)
                self.assertEqual(received.problems, [])
        for charset, codec, text in [
                ('shift_jis', 'cp932', "①番レジで二重請求"),
                ('euc-kr', 'cp949', "똠양꿍 맛이 이상해요"),
                ]:
            with self.subTest(charset=charset):
                self.assertReadInCharset(charset, codec, text)

    def test_utf8_under_wrong_label(self):
        "UTF-8 labelled GB2312 (a web form's mail) is read as UTF-8"
        received = self.read('utf8_labelled_gb2312.eml')
        self.assertEqual(received.subject, "您好，我在贵店购买的冰箱不制冷")
        self.assertEqual(received.text, "您好，我在贵店购买的冰箱不制冷")
        self.assertEqual(received.problems, [])

    def test_charset_labels_of_the_web(self):
        """The charset labels of the WHATWG Encoding Standard that Python
        does not know are read as browsers read them"""
        for label, codec, text in [
                ('x-x-big5', 'cp950', "電鍋的內鍋有刮痕"),
                ('cn-big5', 'cp950', "電鍋的內鍋有刮痕"),
                ('csGB2312', 'gbk', "冰箱不制冷，要求退货"),
                ('GB_2312-80', 'gbk', "冰箱不制冷，要求退货"),
                ('windows-936', 'gbk', "冰箱不制冷，要求退货"),
                ('windows-31j', 'cp932', "①番レジで二重請求"),
                ('ks_c_5601-1989', 'cp949', "똠양꿍 맛이 이상해요"),
                ]:
            with self.subTest(label=label):
                self.assertReadInCharset(label, codec, text)

    def test_text_under_default_label(self):
        """GBK and UTF-8 under the Latin-1 label a mail program or web form
        puts by default are read as such; Latin text stays Latin"""
        for label in ['iso-8859-1', 'windows-1252']:
            for text, codec in [
                    ("冰箱不制冷，要求退货。", 'gbk'),
                    ("冰箱不制冷，要求退货。", 'utf-8'),
                    ("Größe falsch, Kühlschrank kühlt nicht", 'latin-1'),
                    ("Größe", 'latin-1'),
                    ]:
                with self.subTest(label=label, text=text, codec=codec):
                    raw = (f'Subject: x\r\nContent-Type: text/plain; '
                        f'charset="{label}"\r\n'
                        'Content-Transfer-Encoding: 8bit\r\n\r\n'
                        ).encode() + text.encode(codec)
                    received = read_email(raw, self.arrival)
                    self.assertEqual(received.text, text)
                    self.assertEqual(received.problems, [])

    def test_byte_order_mark(self):
        "The byte order mark before a UTF-8 text is not part of it"
        raw = (b'Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n'
            b'Content-Transfer-Encoding: 8bit\r\n\r\n'
            + '\ufeff收银员态度恶劣'.encode())
        self.assertEqual(read_email(raw, self.arrival).text, "收银员态度恶劣")

    def test_raw_headers_in_text_charset(self):
        """Unencoded 8-bit headers of a Big5 mail are read as Big5; those in
        UTF-8 as UTF-8"""
        body = "您好，電鍋的內鍋有刮痕。".encode('cp950')
        for header_codec in ['cp950', 'utf-8']:
            with self.subTest(header_codec=header_codec):
                raw = ('From: 林小姐 <lin@example.com.tw>\r\n'
                    'Subject: 電鍋的內鍋有刮痕\r\n'
                    'Content-Type: text/plain; charset=big5\r\n'
                    'Content-Transfer-Encoding: 8bit\r\n\r\n'
                    ).encode(header_codec) + body
                received = read_email(raw, self.arrival)
                self.assertEqual(received.sender_name, "林小姐")
                self.assertEqual(
                    received.sender_address, 'lin@example.com.tw')
                self.assertEqual(received.subject, "電鍋的內鍋有刮痕")
                self.assertEqual(received.text, "您好，電鍋的內鍋有刮痕。")

    def test_sender_raw_gbk(self):
        "Raw GBK names whose second bytes are a backslash or an at sign"
        received = self.read('gbk_raw_sender.eml')
        self.assertEqual(received.sender_name, "李誠")
        self.assertEqual(received.sender_address, 'li@163.com')
        for name in ["陳園園", "淺衆", "獲"]:
            for sender in [f'"{name}" <li@163.com>', f'{name} <li@163.com>']:
                with self.subTest(sender=sender):
                    raw = f'From: {sender}\r\nSubject: x\r\n\r\nx'.encode(
                        'gbk')
                    received = read_email(raw, self.arrival)
                    self.assertEqual(received.sender_name, name)
                    self.assertEqual(received.sender_address, 'li@163.com')

    def test_forwarded_email_base64(self):
        "A forwarded email in base64, against RFC 2046, is read as any other"
        received = self.read('rfc822_base64.eml')
        self.assertEqual(received.text, "\n".join([
                    "From: 河西万达店 <hexi.wanda@store.example.cn>",
                    "Date: Mon, 30 Nov 2026 18:02:00 +0800",
                    "Subject: 拒绝退款通知",
                    "",
                    "您的退款申请被拒绝。"]))
        (name, data), = received.attachments
        self.assertEqual(name, "拒绝退款通知.eml")
        self.assertIn(b'Message-ID: <refusal-20261130@store.example.cn>', data)
        self.assertEqual(received.problems, [])

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


# The broken mails kept as failed, with the failure each one shows first
# and the part it names
BROKEN = {
    'broken_base64.eml': ('damaged_base64', 'text/plain'),
    'broken_quoted_printable.eml': ('cut_quoted_printable', 'text/plain'),
    'broken_boundary.eml': ('cut_multipart', ''),
    'broken_cut_photo.eml': ('cut_multipart', ''),
    'broken_jpeg.eml': ('cut_file', "鸡蛋.jpg"),
    'broken_pdf.eml': ('cut_file', "小票.pdf"),
    'broken_random.eml': ('undecodable', ''),
    'broken_charset.eml': ('undecodable', 'text/plain'),
    'broken_empty.eml': ('empty', ''),
    'broken_no_boundary.eml': ('no_parts', ''),
    'broken_single_part_boundaries.eml': ('no_parts', ''),
    }
# Mails of several parts: cut anywhere, the cut shows
MULTIPART_SAMPLES = [
    'email_utf8_base64_photo.eml', 'email_gbk_8bit.eml',
    'photo_complete.eml', 'attachments_office.eml']


class BrokenEmailReadTestCase(unittest.TestCase):
    "What is wrong with a broken mail, found without a database"

    arrival = dt.datetime(2026, 11, 25, 3, 0)

    def read(self, name):
        return read_email(sample(name), self.arrival)

    def test_broken_samples(self):
        "Each broken sample says what is wrong with it"
        self.assertEqual(sorted(BROKEN),
            sorted(p.name for p in SAMPLES.glob('broken_*.eml')))
        for name, (kind, part) in BROKEN.items():
            with self.subTest(sample=name):
                received = self.read(name)
                self.assertTrue(received.problems)
                self.assertEqual(received.problems[0][:2], (kind, part))

    def test_sound_samples(self):
        "The sound samples have nothing wrong"
        for name in SAMPLE_NAMES + [
                'photo_complete.eml', 'attachments_office.eml']:
            with self.subTest(sample=name):
                self.assertEqual(self.read(name).problems, [])

    def test_cut_photo(self):
        """A mail cut at a line end inside its JPEG: no base64 error, but the
        parts are not closed and the photo has no end"""
        received = self.read('broken_cut_photo.eml')
        self.assertEqual([tuple(p) for p in received.problems], [
                ('cut_multipart', '', ''),
                ('cut_file', "酸奶照片.jpg", 'JPEG'),
                ])
        (name, data), = received.attachments
        self.assertTrue(sample('photo_complete.eml').startswith(
                sample('broken_cut_photo.eml')))
        self.assertFalse(data.endswith(b'\xff\xd9'))

    def test_damaged_base64_readable(self):
        "The readable start of damaged base64 is kept for the clerk"
        received = self.read('broken_base64.eml')
        self.assertTrue(received.text.startswith(
                "11月24日晚上八点，东方红店3号收银台的收银员"))
        self.assertNotIn('\ufffd', received.text)

    def test_random_bytes(self):
        "2 KiB of random bytes are no mail"
        received = self.read('broken_random.eml')
        self.assertEqual(len(sample('broken_random.eml')), 2048)
        self.assertEqual({p.kind for p in received.problems}, {'undecodable'})

    def test_every_cut_shows(self):
        """A mail of several parts cut anywhere is either seen as cut or
        reads as the whole mail (cut in its last line breaks)

        Every cut around a line end (where base64 and quoted-printable are
        whole) and one byte in 29 elsewhere: every byte takes minutes (it
        was run once, nothing was hidden)."""
        for name in MULTIPART_SAMPLES:
            raw = sample(name)
            whole = read_email(raw, self.arrival)
            self.assertEqual(whole.problems, [])
            hidden = []
            line_ends = [m.start() for m in re.finditer(b'\r\n', raw)]
            lengths = sorted(set(range(0, len(raw), 29)) | {
                    length for end in line_ends
                    for length in range(end - 2, end + 4)
                    if 0 <= length < len(raw)})
            for length in lengths:
                received = read_email(raw[:length], self.arrival)
                if not received.problems and (
                        received.text, received.attachments) != (
                        whole.text, whole.attachments):
                    hidden.append(length)
            with self.subTest(sample=name):
                self.assertEqual(hidden, [])

    def test_cut_character(self):
        "A text that ends inside a character was cut"
        for charset in ['utf-8', 'gb18030']:
            with self.subTest(charset=charset):
                data = "冷柜有异味".encode(charset)[:-1]
                raw = (f'From: a@example.cn\r\nSubject: x\r\n'
                    f'Content-Type: text/plain; charset="{charset}"\r\n'
                    'Content-Transfer-Encoding: 8bit\r\n\r\n').encode() + data
                received = read_email(raw, self.arrival)
                self.assertEqual([p.kind for p in received.problems],
                    ['cut_text'])
                self.assertEqual(received.text, "冷柜有异")

    def test_files_end(self):
        "The ends of the files whose end is checked"
        jpeg = (SAMPLES.parent.parent / 'public_page' / 'tests'
            / 'photo.jpg').read_bytes()
        png = photo()
        for kind, whole in [('JPEG', jpeg), ('PNG', png)]:
            with self.subTest(kind=kind):
                self.assertEqual(email_parse.file_kind(whole), kind)
                self.assertTrue(email_parse.file_complete(kind, whole))
                # A trailer after the end, as some phones write
                self.assertTrue(email_parse.file_complete(
                        kind, whole + b'SEFT' * 3)
                    or kind == 'PNG')
                for length in range(3, len(whole) - 1):
                    self.assertFalse(email_parse.file_complete(
                            kind, whole[:length]), length)
        pdf = b'%PDF-1.4\n%%EOF\n'
        self.assertTrue(email_parse.file_complete('PDF', pdf))
        self.assertFalse(email_parse.file_complete('PDF', pdf[:-3]))

    def test_safe_names(self):
        "File names that open inertly in the web client"
        html = b'<html><script>alert(1)</script></html>'
        for name, data, expected in [
                ("说明.txt", b'x', "说明.txt"),
                ("流水.CSV", b'x', "流水.CSV"),
                ("小票.html", html, "小票.html.txt"),
                ("图.svg", b'<svg onload="alert(1)"/>', "图.svg.txt"),
                ("page.htm", b'\xff\xfe\x00<', "page.htm.bin"),
                ("photo", photo(), "photo.png"),
                ("..", b'x', "attachment.txt"),
                ("a\x00b\u202e.txt", b'x', "ab.txt"),
                ]:
            with self.subTest(name=name):
                self.assertEqual(email_parse.safe_name(name, data), expected)

    def test_references(self):
        "The Message-IDs a reply refers to, the nearest first"
        raw = ('From: a@example.cn\r\n'
            'In-Reply-To: <b@example.cn>\r\n'
            'References: <a@example.cn>\r\n <b@example.cn> junk\r\n'
            '\r\nx').encode()
        self.assertEqual(read_email(raw, self.arrival).references,
            ('<b@example.cn>', '<a@example.cn>'))

    def test_quoted_numbers(self):
        "Numbers are read in the subject and the lines above the quote"
        raw = ('From: a@example.cn\r\nSubject: Re: 投诉TS-2026-00042已受理'
            '\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
            '补充：编号 ts-2026-00043\r\n'
            '在 2026年11月25日，客服 写道：\r\n'
            '> TS-2026-00044\r\n').encode()
        numbers = email_parse.quoted_numbers(read_email(raw, self.arrival))
        self.assertIn('TS-2026-00042', numbers)
        self.assertIn('TS-2026-00043', numbers)
        self.assertNotIn('TS-2026-00044', numbers)


# The mails programs sent, with their kind and the header that tells it
DELIVERY_REPORT = 'Content-Type: multipart/report; report-type=delivery-status'
AUTOMATIC = {
    'automatic_qq_out_of_office.eml': (
        'auto_reply', 'Auto-Submitted: auto-replied'),
    'automatic_163_auto_reply.eml': ('auto_reply', 'X-Autoreply: yes'),
    'automatic_postfix_bounce.eml': ('bounce', DELIVERY_REPORT),
    'automatic_exchange_ndr.eml': ('bounce', DELIVERY_REPORT),
    'automatic_mailing_list.eml': ('bulk', 'Precedence: list'),
    }
# The Message-IDs of the acknowledgements the samples answer or return
QQ_ACKNOWLEDGEMENT = (
    '<176404116325.4012.6630916711624810043@shop.example.cn>')
POSTFIX_ACKNOWLEDGEMENT = (
    '<176404120512.4012.1835204736421987702@shop.example.cn>')
EXCHANGE_ACKNOWLEDGEMENT = (
    '<176404150344.4012.4128937465019283746@shop.example.cn>')
# The number the samples quote, replaced by the complaint's
SAMPLE_NUMBER = b'TS-2026-00001'
POSTFIX_DIAGNOSTIC = ('550 5.1.1 <chenrong@exmaple.net>: Recipient address '
    'rejected: User unknown in virtual mailbox table')


def person_mail(**headers):
    "A mail of a person, with the headers given replaced (X_Autorespond=…)"
    message = new_message()
    for name, value in headers.items():
        name = name.replace('_', '-')
        del message[name]
        message[name] = value
    return message.as_bytes()


def without_header(raw, name):
    "The raw mail without the header of the name"
    return re.sub(rb'(?m)^' + name + rb':.*\r\n', b'', raw)


class AutomaticEmailReadTestCase(unittest.TestCase):
    "The mails programs send, found without a database"

    arrival = dt.datetime(2026, 11, 24, 3, 0)

    def read(self, name):
        return read_email(sample(name), self.arrival)

    def automatic(self, raw):
        received = read_email(raw, self.arrival)
        return tuple(received.automatic) if received.automatic else None

    def test_samples(self):
        "Each automatic sample is told by its header, no person's mail is"
        self.assertEqual(sorted(AUTOMATIC),
            sorted(p.name for p in SAMPLES.glob('automatic_*.eml')))
        for name, expected in AUTOMATIC.items():
            with self.subTest(sample=name):
                self.assertEqual(self.automatic(sample(name)), expected)
        for name in SAMPLE_NAMES + sorted(BROKEN) + [
                'photo_complete.eml', 'attachments_office.eml']:
            with self.subTest(sample=name):
                self.assertIsNone(self.read(name).automatic)

    def test_headers(self):
        """The headers of RFC 3834, of the mail programs and of the lists;
        X-Auto-Response-Suppress alone asks, it does not tell"""
        auto_reply = 'auto_reply'
        for headers, expected in [
                ({'Auto_Submitted': 'no'}, None),
                ({'Auto_Submitted': 'auto-generated'},
                    (auto_reply, 'Auto-Submitted: auto-generated')),
                ({'Auto_Submitted': 'auto-replied; owner-email="a@b.cn"'},
                    (auto_reply,
                        'Auto-Submitted: auto-replied; owner-email="a@b.cn"')),
                ({'X_Autorespond': 'Vacation'},
                    (auto_reply, 'X-Autorespond: Vacation')),
                ({'Precedence': 'auto_reply'},
                    (auto_reply, 'Precedence: auto_reply')),
                ({'Precedence': 'bulk'}, ('bulk', 'Precedence: bulk')),
                ({'Precedence': 'Junk'}, ('bulk', 'Precedence: Junk')),
                ({'Precedence': 'first-class'}, None),
                ({'List_Id': '<news.retail.example.org>'},
                    ('bulk', 'List-Id: <news.retail.example.org>')),
                ({'List_Unsubscribe': '<mailto:off@news.cn>'},
                    ('bulk', 'List-Unsubscribe: <mailto:off@news.cn>')),
                ({'X_Auto_Response_Suppress': 'All'}, None),
                ({'X_Auto_Response_Suppress': 'All',
                        'X_MS_Exchange_Inbox_Rules_Loop':
                        'wang.fang@corp.example.com'},
                    (auto_reply, 'X-Auto-Response-Suppress: All')),
                ({'From': 'MAILER-DAEMON@mx.example.cn'},
                    ('bounce', 'From: MAILER-DAEMON@mx.example.cn')),
                ({'From': '"系统退信" <PostMaster@163.com>'},
                    ('bounce', 'From: PostMaster@163.com')),
                ({'Return_Path': '<>'}, ('bounce', 'Return-Path: <>')),
                ({'Return_Path': '<wangfang@example.cn>'}, None),
                ({'Return_Path': '<>', 'Subject': "自动回复：我在休假"},
                    (auto_reply, 'Subject: 自动回复：我在休假')),
                ]:
            with self.subTest(headers=headers):
                self.assertEqual(
                    self.automatic(person_mail(**headers)), expected)

    def test_subjects(self):
        """Without a header, only the prefixes auto-responders write tell
        an auto-reply, not a customer's words"""
        for subject, automatic in [
                ("自动回复：我在休假，11月30日返回", True),
                ("自动回复: 您的投诉已登记", True),
                ("自动答复: 外出", True),
                ("【自动回复】您好", True),
                ("Automatic reply: Out of office", True),
                ("Out of Office: back on Monday", True),
                ("Auto-Reply: away", True),
                ("自动回复功能失灵，客服一直不回复", False),
                ("关于自动回复的投诉", False),
                ("Re: 自动回复: 休假", False),
                ("退信用卡年费的问题", False),
                ("Undeliverable: 投诉", False),
                ]:
            with self.subTest(subject=subject):
                self.assertEqual(
                    bool(self.automatic(person_mail(Subject=subject))),
                    automatic)
        # The 163 sample without its header: told by its subject alone
        raw = without_header(
            sample('automatic_163_auto_reply.eml'), b'X-Autoreply')
        self.assertEqual(self.automatic(raw), (
                'auto_reply', 'Subject: 自动回复：您的投诉已登记： TS-2026-00001'))

    def test_postfix_bounce(self):
        """A Postfix bounce: the address and the diagnostic of its report,
        the Message-ID and subject of the acknowledgement it returns"""
        received = self.read('automatic_postfix_bounce.eml')
        self.assertEqual(received.bounce, Bounce(
                recipients=('chenrong@exmaple.net',),
                diagnostic=POSTFIX_DIAGNOSTIC,
                subject="您的投诉已登记： TS-2026-00002"))
        self.assertEqual(received.references, (POSTFIX_ACKNOWLEDGEMENT,))
        self.assertTrue(received.text.startswith(
                "This is the mail system at host mx.shop.example.cn."))
        self.assertIn('TS-2026-00002', email_parse.quoted_numbers(received))
        self.assertEqual(received.problems, [])

    def test_exchange_ndr(self):
        """An Exchange NDR returns only the headers of the mail
        (text/rfc822-headers); its diagnostic is unfolded"""
        received = self.read('automatic_exchange_ndr.eml')
        self.assertEqual(received.bounce, Bounce(
                recipients=('wang.fang@corp.example.com',),
                diagnostic='550 5.1.10 RESOLVER.ADR.RecipientNotFound; '
                'Recipient not found by SMTP address lookup',
                subject="您的投诉已登记： TS-2026-00003"))
        self.assertEqual(received.references, (EXCHANGE_ACKNOWLEDGEMENT,))
        self.assertTrue(received.text.startswith(
                "Delivery has failed to these recipients or groups:"))

    def test_encoded_reports(self):
        """A 163-style "系统退信" whose report is encoded against RFC 3464,
        or in UTF-8 (RFC 6533): the diagnostic is decoded"""
        status = ("Reporting-MTA: dns; m16.mail.163.com\r\n\r\n"
            "Final-Recipient: rfc822; wang_fang@126.com\r\n"
            "Action: failed\r\nStatus: 5.1.1\r\n")
        encoded = base64.b64encode((status + "Diagnostic-Code: smtp; 550 "
                "=?UTF-8?B?5pS25Lu25Lq65LiN5a2Y5Zyo?=\r\n").encode()).decode()
        for content_type, encoding, body in [
                ('message/delivery-status', 'base64', encoded),
                ('message/global-delivery-status', '8bit',
                    status + "Diagnostic-Code: smtp; 550 收件人不存在\r\n"),
                ]:
            with self.subTest(content_type=content_type):
                raw = ("From: =?utf-8?b?57O757uf6YCA5L+h?= "
                    "<postmaster@163.com>\r\n"
                    "To: complaints@shop.example.cn\r\n"
                    "Subject: =?utf-8?b?57O757uf6YCA5L+h?=\r\n"
                    "Message-ID: <bounce-1@163.com>\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: multipart/report; "
                    "report-type=delivery-status; boundary=\"B\"\r\n\r\n"
                    "--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                    "<p>很抱歉，您发送的邮件被退回。</p>\r\n"
                    f"--B\r\nContent-Type: {content_type}\r\n"
                    f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
                    f"{body}\r\n"
                    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
                    "To: wang_fang@126.com\r\n"
                    "Subject: =?utf-8?b?5oKo55qE5oqV6K+J5bey55m76K6w77ya?= "
                    "TS-2026-00004\r\n"
                    "Message-ID: <ack-4@shop.example.cn>\r\n\r\n--B--\r\n"
                    ).encode()
                received = read_email(raw, self.arrival)
                self.assertEqual(received.bounce.recipients,
                    ('wang_fang@126.com',))
                self.assertEqual(
                    received.bounce.diagnostic, "5.1.1 550 收件人不存在")
                self.assertEqual(received.references,
                    ('<ack-4@shop.example.cn>',))
                self.assertEqual(received.text, "很抱歉，您发送的邮件被退回。")

    def test_bounces_without_report(self):
        """Bounces without a delivery-status part name the address in
        X-Failed-Recipients (Exim) or in the mail they return (QQ)"""
        exim = ("From: Mail Delivery System <Mailer-Daemon@mx.example.net>\r\n"
            "To: complaints@shop.example.cn\r\n"
            "Subject: Mail delivery failed: returning message to sender\r\n"
            "X-Failed-Recipients: chenrong@exmaple.net\r\n"
            "Auto-Submitted: auto-replied\r\n\r\n"
            "This message was created automatically by mail delivery "
            "software.\r\n").encode()
        returned = new_message("您的投诉已登记：TS-2026-00005")
        returned.replace_header('To', 'chenrong@exmaple.net')
        qq = EmailMessage()
        qq['From'] = 'PostMaster@qq.com'
        qq['Subject'] = "退信"
        qq['Message-ID'] = '<bounce-qq@qq.com>'
        qq.set_content("抱歉，您的邮件被退回来了……")
        qq.add_attachment(returned)
        for raw in [exim, qq.as_bytes()]:
            received = read_email(raw, self.arrival)
            self.assertEqual(received.automatic.kind, 'bounce')
            self.assertEqual(
                received.bounce.recipients, ('chenrong@exmaple.net',))
            self.assertEqual(received.bounce.diagnostic, '')
        self.assertEqual(received.references, (returned['Message-ID'],))

    def test_delay_notice(self):
        "A report of a delay only is a notice, no bounce"
        raw = sample('automatic_postfix_bounce.eml').replace(
            b'Action: failed', b'Action: delayed').replace(
            b'Status: 5.1.1', b'Status: 4.4.1')
        received = read_email(raw, self.arrival)
        self.assertEqual(received.automatic.kind, 'auto_reply')
        self.assertIsNone(received.bounce)

    def test_report_without_type(self):
        "A report without report-type that says a delivery failed bounces"
        raw = sample('automatic_postfix_bounce.eml').replace(
            b' report-type=delivery-status;', b'')
        received = read_email(raw, self.arrival)
        self.assertEqual(tuple(received.automatic),
            ('bounce', 'Content-Type: multipart/report'))
        self.assertEqual(
            received.bounce.recipients, ('chenrong@exmaple.net',))

    def test_forwarded_mail_is_not_a_reference(self):
        """A person who forwards our mail as a file does not answer it: only
        the mail a report returns is followed"""
        acknowledgement = new_message("您的投诉已登记：TS-2026-00001")
        message = new_message()
        message.add_attachment(acknowledgement)
        self.assertEqual(read_email(message.as_bytes(), self.arrival)
            .references, ())

    def test_cut_report(self):
        "A report cut short is still a bounce, never a failed mail"
        raw = sample('automatic_postfix_bounce.eml')
        received = read_email(raw[:len(raw) * 2 // 3], self.arrival)
        self.assertEqual(received.automatic.kind, 'bounce')
        self.assertTrue(received.problems)


class CorpusFindingsReadTestCase(unittest.TestCase):
    """What CPython's corpus of odd mails showed, on mails of our own: a mail
    without text of its own reads as its mail program shows it; a mail whose
    parts cannot be found says so"""

    arrival = dt.datetime(2026, 11, 25, 3, 0)

    def read(self, name):
        return read_email(sample(name), self.arrival)

    def test_forwarded_only(self):
        """A mail that is only a forwarded mail (GroupWise, "forward as
        attachment") reads as the forwarded mail, kept whole too"""
        received = self.read('forwarded_only.eml')
        self.assertEqual(received.text, "\n".join([
                    "From: 河西万达店 <hexi.wanda@store.example.cn>",
                    "Date: Tue, 24 Nov 2026 18:02:00 +0800",
                    "Subject: 关于退款的答复",
                    "",
                    "赵女士：",
                    "",
                    "您购买的冷冻水饺已拆封，按本店规定不予退款。",
                    "",
                    "河西万达店"]))
        (name, data), = received.attachments
        self.assertEqual(name, 'attachment-1.eml')
        self.assertIn(b'Message-ID: <refusal-20261124@store.example.cn>', data)
        self.assertEqual(received.problems, [])

    def test_digest(self):
        "A digest of forwarded mails without text reads as their texts"
        digest = EmailMessage()
        digest['From'] = 'wangfang@example.cn'
        digest['Subject'] = "两封邮件"
        digest.make_mixed()
        for text in ["第一封", "第二封"]:
            digest.add_attachment(new_message(text))
        received = read_email(digest.as_bytes(), self.arrival)
        self.assertEqual(
            [block.rsplit("\n", 1)[-1]
                for block in received.text.split("\n\nFrom: ")],
            ["门店地面湿滑。", "门店地面湿滑。"])
        self.assertEqual(len(received.attachments), 2)

    def test_inline_text_files(self):
        """Text parts shown inline with a file name are the text of a mail
        that has no other, and stay files"""
        received = self.read('inline_text_files.eml')
        self.assertEqual(received.text,
            "11月18日下单，承诺当天送达，11月21日才送到。\n\n客服：已为您催单。")
        self.assertEqual([n for n, _ in received.attachments],
            ["送货记录.txt", "客服聊天.txt"])
        self.assertEqual(received.problems, [])

    def test_parts_not_found(self):
        """A multipart mail whose boundary never comes, or a single part
        holding the boundaries of parts, shows what it holds as failed"""
        received = self.read('broken_no_boundary.eml')
        self.assertEqual([tuple(p) for p in received.problems],
            [('no_parts', '', '')])
        self.assertEqual(received.text, "冷冻柜柜底有积水，有明显异味。")
        received = self.read('broken_single_part_boundaries.eml')
        self.assertEqual([p.kind for p in received.problems], ['no_parts'])
        self.assertIn("收银员多收了一件商品的钱。", received.text)


class InboxMixin:
    "An inbox whose rule creates complaints, on a database of its own"
    modules = ['complaint_intake']

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


class EmailIntakeTestCase(InboxMixin, ModuleDatabaseTestCase):
    "Complaints created by the inbound email rule"

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
    def test_text_of_files_and_forwarded_mails(self):
        """A mail without text of its own makes a complaint with the text
        its mail program shows, and its files (CPython's corpus showed
        complaints without a description)"""
        create_company()
        inbox = self.create_rule()
        forwarded = self.receive(inbox, sample('forwarded_only.eml'))
        self.assertTrue(forwarded.description.startswith(
                "From: 河西万达店 <hexi.wanda@store.example.cn>\n"))
        self.assertIn("按本店规定不予退款。", forwarded.description)
        self.assertEqual([n for n, _ in self.attachments(forwarded)],
            ['attachment-1.eml'])
        shown = self.receive(inbox, sample('inline_text_files.eml'))
        self.assertEqual(shown.description,
            "11月18日下单，承诺当天送达，11月21日才送到。\n\n客服：已为您催单。")
        self.assertEqual(len(self.attachments(shown)), 2)

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
        """Every file is kept within the web form's size, inert; the files
        beyond are named in the description"""
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

        # The program is kept under a name that only downloads it
        self.assertEqual(self.attachments(complaint), sorted(
                [(f"照片{i}.png", image) for i in range(6)]
                + [("发票.exe.bin", b'MZ\x90\x00' + bytes(200))]))
        self.assertEqual(complaint.description, "\n".join([
                    "门店地面湿滑。",
                    "",
                    "Files of the email that were not kept:",
                    'The file "大图.png" is larger than 5 MB.',
                    ]))

    @with_transaction()
    def test_attachment_count(self):
        "A complaint keeps 20 files of a mail; the others are named"
        create_company()
        inbox = self.create_rule()
        message = new_message()
        for index in range(MAX_EMAIL_FILES + 2):
            message.add_attachment(f"第{index}页".encode(),
                maintype='text', subtype='plain', filename=f"{index:02}.txt")

        complaint = self.receive(inbox, message.as_bytes())

        self.assertEqual([n for n, _ in self.attachments(complaint)],
            [f"{i:02}.txt" for i in range(MAX_EMAIL_FILES)])
        self.assertEqual(complaint.description.splitlines()[-2:], [
                f'The file "{i}.txt" is beyond the 20 files a complaint '
                'keeps.' for i in [20, 21]])

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
            clerk = create_user('clerk', [CLERK], company)
            manager = create_user('manager', [MANAGER],
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


def reply(subject, text, sender='李喆 <lizhe@example.com.cn>', **headers):
    "A mail answering, with the headers given (In_Reply_To=…)"
    message = EmailMessage()
    message['From'] = sender
    message['To'] = 'complaints@shop.example.cn'
    message['Subject'] = subject
    message['Message-ID'] = f'<{uuid.uuid4().hex}@example.com.cn>'
    for name, value in headers.items():
        message[name.replace('_', '-')] = value
    message.set_content(text)
    return message


class HandlerMixin:
    "A handler who reads Chinese, and the bell's notices"
    translations = ['zh_CN']

    def setup_handler(self):
        "A company, and a handler who reads Chinese, with a user"
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            employee = create_employee(company, "张伟")
            handler = create_user('handler', [HANDLER],
                company, employee)
        zh, = Lang.search([('code', '=', 'zh_CN')])
        User.write([handler], {'language': zh.id})
        return company, employee, handler

    def notifications(self, user):
        "The bell's notices to the user, saved when the transaction commits"
        return [(n.label, n.description, n.icon)
            for n in Transaction().user_notifications if n.user == user]


class ThreadedReplyTestCase(HandlerMixin, InboxMixin, ModuleDatabaseTestCase):
    "Replies of complainants added to their complaint"

    def complaint(self, inbox, employee):
        "The complaint of the GB2312 sample, handled by the employee"
        complaint = self.receive(inbox, sample('email_gb2312_qp.eml'))
        complaint.responsible = employee
        complaint.save()
        return complaint

    @with_transaction()
    def test_reply_to_our_mail(self):
        """A reply to the complaint's mail joins its conversation and rings
        the handler's bell, in Chinese"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        _, employee, handler = self.setup_handler()
        inbox = self.create_rule()
        complaint = self.complaint(inbox, employee)
        answer = reply("回复：收银员多收钱", "补充：当班的是3号收银台。",
            sender='另一个邮箱 <lizhe@other.example>',
            In_Reply_To=complaint.email_message_id)
        answer.add_attachment(b'3 cashier', maintype='text',
            subtype='plain', filename="收银台.txt")

        result = self.receive(inbox, answer.as_bytes())

        self.assertEqual(result, complaint)
        self.assertEqual(Complaint.search([], count=True), 1)
        first, second = complaint.emails
        self.assertEqual((first.kind, first.state), ('complaint', 'processed'))
        self.assertEqual((second.kind, second.state), ('reply', 'processed'))
        self.assertEqual(second.text, "补充：当班的是3号收银台。")
        self.assertEqual(second.sender_address, 'lizhe@other.example')
        self.assertEqual(second.message_id, answer['Message-ID'])
        self.assertEqual(self.attachments(complaint),
            [("收银台.txt", b'3 cashier')])
        # The complaint's description is the first mail's
        self.assertIn("本人李喆", complaint.description)
        self.assertEqual(self.notifications(handler), [(
                    f"投诉人就投诉 {complaint.number} 再次来信",
                    complaint.subject, 'tryton-email')])

    @with_transaction()
    def test_reply_quotes_number(self):
        """A mail of the same sender that quotes the number in its subject or
        first lines joins the complaint; from another sender or only in the
        quote, it is a new complaint"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        _, employee, handler = self.setup_handler()
        inbox = self.create_rule()
        complaint = self.complaint(inbox, employee)
        number = complaint.number

        by_subject = reply(f"Re: 投诉{number}", "还没有人联系我。",
            sender='李喆 <LiZhe@Example.com.cn>')
        by_text = reply("进展如何", f"您好，\n我的投诉编号是 {number.lower()}，"
            "请尽快处理。")
        other_sender = reply(f"Re: 投诉{number}", "我也遇到了。",
            sender='王芳 <wangfang@example.cn>')
        in_quote = reply("新的问题", "今天又多收了一次。\n\n"
            f"在 2026年11月23日，客服 写道：\n> 您的投诉 {number} 已受理")

        self.assertEqual(self.receive(inbox, by_subject.as_bytes()), complaint)
        self.assertEqual(self.receive(inbox, by_text.as_bytes()), complaint)
        for message in [other_sender, in_quote]:
            with self.subTest(subject=message['Subject']):
                result = self.receive(inbox, message.as_bytes())
                self.assertNotEqual(result, complaint)
                self.assertEqual(result.__name__, 'complaint.complaint')
        self.assertEqual(Complaint.search([], count=True), 3)
        self.assertEqual([e.text for e in complaint.emails][1:], [
                "还没有人联系我。",
                f"您好，\n我的投诉编号是 {number.lower()}，请尽快处理。"])
        self.assertEqual(len(self.notifications(handler)), 2)

    @with_transaction()
    def test_reply_to_reply_and_sent_mail(self):
        """References to a reply already threaded, or to a mail we sent to
        the complainant, find the complaint"""
        pool = Pool()
        Email = pool.get('complaint.email')
        _, employee, _ = self.setup_handler()
        inbox = self.create_rule()
        complaint = self.complaint(inbox, employee)
        first = reply("补充", "一",
            References=complaint.email_message_id)
        self.assertEqual(self.receive(inbox, first.as_bytes()), complaint)
        second = reply("再补充", "二", sender='x@example.org',
            References=f"<unknown@example.org> {first['Message-ID']}")
        self.assertEqual(self.receive(inbox, second.as_bytes()), complaint)

        sent = EmailMessage()
        sent['From'] = 'complaints@shop.example.cn'
        sent['Subject'] = f"投诉 {complaint.number} 已受理"
        sent['Message-ID'] = '<ack-1@shop.example.cn>'
        record = Email.record_sent(complaint, sent)
        self.assertEqual(record.direction, 'outgoing')
        answer = reply("谢谢", "三", sender='y@example.org',
            In_Reply_To='<ack-1@shop.example.cn>')
        self.assertEqual(self.receive(inbox, answer.as_bytes()), complaint)
        self.assertEqual([(e.direction, e.kind, e.text)
                for e in complaint.emails][1:], [
                ('incoming', 'reply', "一"),
                ('incoming', 'reply', "二"),
                ('outgoing', None, None),
                ('incoming', 'reply', "三"),
                ])

    @with_transaction()
    def test_reply_twice(self):
        "The same reply posted twice is in the conversation once"
        _, employee, handler = self.setup_handler()
        inbox = self.create_rule()
        complaint = self.complaint(inbox, employee)
        answer = reply("补充", "一", In_Reply_To=complaint.email_message_id)
        for _ in range(2):
            self.assertEqual(
                self.receive(inbox, answer.as_bytes()), complaint)
        self.assertEqual(len(complaint.emails), 2)
        self.assertEqual(len(self.notifications(handler)), 1)

    @with_transaction()
    def test_reply_other_company(self):
        "A reference to a complaint of another company is not followed"
        company = create_company()
        other = create_company("其他公司", company.currency)
        inbox = self.create_rule(company)
        complaint = self.receive(inbox, sample('email_gb2312_qp.eml'))
        answer = reply("补充", "一", In_Reply_To=complaint.email_message_id)
        result = self.receive(self.create_rule(other), answer.as_bytes())
        self.assertNotEqual(result, complaint)
        self.assertEqual(result.company, other)


class FailedEmailTestCase(InboxMixin, ModuleDatabaseTestCase):
    "Broken mails kept as failed for a clerk, never a partial complaint"

    def setup_users(self):
        company = create_company()
        with set_company(company):
            employee = create_employee(company, "张伟")
            users = {
                'clerk': create_user(
                    'clerk', [CLERK], company),
                'handler': create_user('handler',
                    [HANDLER], company, employee),
                'manager': create_user(
                    'manager', [MANAGER], company),
                'leader': create_user(
                    'leader', [LEADER], company),
                }
        return company, employee, users

    @with_transaction()
    def test_broken_samples(self):
        "Each broken mail is kept as failed, with its reason, once"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Email = pool.get('complaint.email')
        company = create_company()
        inbox = self.create_rule()
        for name, (kind, part) in BROKEN.items():
            with self.subTest(sample=name):
                failed = self.receive(inbox, sample(name))
                self.assertEqual(failed.__name__, 'complaint.email')
                self.assertEqual(
                    (failed.state, failed.failure), ('failed', kind))
                self.assertEqual(failed.failure_part or '', part)
                self.assertIsNone(failed.complaint)
                self.assertEqual(failed.company, company)
                self.assertEqual(failed.raw, sample(name))
                self.assertTrue(failed.raw_name.endswith('.eml'))
                self.assertTrue(failed.reason)
                if kind not in {
                        'cut_multipart', 'no_parts', 'undecodable', 'empty'}:
                    self.assertIn(part, failed.reason)
                # Posted again, the same broken mail is the same record
                self.assertEqual(self.receive(inbox, sample(name)), failed)
        self.assertEqual(Complaint.search([], count=True), 0)
        self.assertEqual(Email.search([], count=True), len(BROKEN))
        self.assertEqual(Pool().get('ir.attachment').search([], count=True),
            0)

    @with_transaction()
    def test_reason_translated(self):
        "The reason is told in the reader's language"
        pool = Pool()
        Email = pool.get('complaint.email')
        create_company()
        load_translations('zh_CN')
        inbox = self.create_rule()
        failed = self.receive(inbox, sample('broken_jpeg.eml'))
        self.assertEqual(Email(failed.id).reason,
            'The file "鸡蛋.jpg" is incomplete: the end of the JPEG file is '
            'missing.')
        with Transaction().set_context(language='zh_CN'):
            failed = Email(failed.id)
            self.assertEqual(failed.reason,
                "文件“鸡蛋.jpg”不完整：缺少 JPEG 文件的结尾。")
            self.assertEqual(
                dict(failed._fields['failure'].selection)[failed.failure],
                "Incomplete File")
            self.assertEqual(failed.failure_string, "文件不完整")

    @with_transaction()
    def test_complete_copy_processed(self):
        """The complete copy of a cut mail, under the same Message-ID, makes
        the complaint with the whole photo; the cut one is replaced"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        create_company()
        inbox = self.create_rule()
        cut = self.receive(inbox, sample('broken_cut_photo.eml'))
        self.assertEqual(cut.state, 'failed')

        complaint = self.receive(inbox, sample('photo_complete.eml'))

        self.assertEqual(complaint.__name__, 'complaint.complaint')
        self.assertEqual(complaint.email_message_id,
            '<photo-20261125.101200@example.cn>')
        (name, data), = self.attachments(complaint)
        self.assertEqual(name, "酸奶照片.jpg")
        self.assertTrue(data.endswith(b'\xff\xd9'))
        self.assertEqual((cut.state, cut.complaint), ('replaced', complaint))
        # The cut copy again, or the complete one: the same complaint
        for name in ['broken_cut_photo.eml', 'photo_complete.eml']:
            self.assertEqual(self.receive(inbox, sample(name)), complaint)
        self.assertEqual(Complaint.search([], count=True), 1)

    @with_transaction()
    def test_cut_reply(self):
        "A cut reply is not added to the complaint it answers"
        create_company()
        inbox = self.create_rule()
        complaint = self.receive(inbox, sample('email_gb2312_qp.eml'))
        answer = reply("补充", "补充：当班的是3号收银台。" * 20,
            In_Reply_To=complaint.email_message_id)
        answer.add_attachment(sample('photo_complete.eml')[:0] + photo(),
            maintype='image', subtype='png', filename="照片.png")
        raw = answer.as_bytes()
        failed = self.receive(inbox, raw[:len(raw) * 2 // 3])
        self.assertEqual(failed.state, 'failed')
        self.assertEqual(len(complaint.emails), 1)
        self.assertEqual(self.attachments(complaint), [])
        self.assertEqual(self.receive(inbox, raw), complaint)
        self.assertEqual(len(complaint.emails), 2)
        self.assertEqual(failed.state, 'replaced')

    @with_transaction()
    def test_office_files(self):
        "Statements, payment records and documents are kept, pages inert"
        create_company()
        inbox = self.create_rule()
        complaint = self.receive(inbox, sample('attachments_office.eml'))
        files = dict(self.attachments(complaint))
        self.assertEqual(sorted(files), sorted([
                    "情况说明.txt", "银行流水.csv", "退款申请.docx",
                    "小票.html.txt"]))
        # As the mail holds it, with its line ends
        self.assertEqual(files["银行流水.csv"].decode(),
            "日期,金额,商户\r\n2026-11-23,128.50,东方红店\r\n"
            "2026-11-23,128.50,东方红店\r\n")
        self.assertTrue(files["退款申请.docx"].startswith(b'PK\x03\x04'))
        self.assertIn(b'<script>', files["小票.html.txt"])
        self.assertNotIn("not kept", complaint.description)

    @with_transaction()
    def test_submissions_out_of_reach(self):
        """What a visitor typed, waiting for its registration, is out of
        reach of every role: only the form and its queued task touch it"""
        pool = Pool()
        Submission = pool.get('complaint.intake.submission')
        company, _, users = self.setup_users()
        values = {
            'intake_key': uuid.uuid4().hex,
            'number': "TS-2026-00001",
            'company': company.id,
            'received_at': dt.datetime(2026, 11, 27, 15, 30),
            'values': {'complainant_name': "陈先生"},
            }
        submission, = Submission.create([values])
        calls = {
            'search': lambda: Submission.search([]),
            'read': lambda: Submission.read([submission.id], ['values']),
            'write': lambda: Submission.write(
                [Submission(submission.id)], {'refused': True}),
            'create': lambda: Submission.create(
                [dict(values, intake_key=uuid.uuid4().hex)]),
            'delete': lambda: Submission.delete([Submission(submission.id)]),
            }
        for login, user in users.items():
            for name, call in calls.items():
                with self.subTest(user=login, call=name), as_user(user):
                    with self.assertRaises(AccessError):
                        call()
        self.assertEqual(Submission.search([]), [submission])

    @with_transaction()
    def test_clerk_list_and_access(self):
        """The clerks and managers see the failed mails; the handlers only
        the mails of their complaints; the leading group none"""
        pool = Pool()
        Email = pool.get('complaint.email')
        _, employee, users = self.setup_users()
        inbox = self.create_rule()
        failed = self.receive(inbox, sample('broken_empty.eml'))
        complaint = self.receive(inbox, sample('email_gbk_8bit.eml'))
        complaint.responsible = employee
        complaint.save()
        first, = complaint.emails
        for login in ['clerk', 'manager']:
            with self.subTest(user=login), as_user(users[login]):
                self.assertEqual(Email.search([('state', '=', 'failed')]),
                    [Email(failed.id)])
                self.assertEqual(Email(failed.id).raw,
                    sample('broken_empty.eml'))
        with as_user(users['handler']):
            self.assertEqual(Email.search([]), [Email(first.id)])
            with self.assertRaises(AccessButtonError):
                Email.discard([Email(first.id)])
        with as_user(users['leader']):
            with self.assertRaises(AccessError):
                Email.search([])
        with as_user(users['clerk']):
            failed = Email(failed.id)
            with self.assertRaises(AccessError):
                Email.delete([failed])
            Email.write([failed], {'text': "补充：冷柜积水。"})
            Email.discard([failed])
            self.assertEqual(failed.state, 'discarded')
            with self.assertRaises(AccessError):
                Email.write([failed], {'text': "x"})
            Email.restore([failed])
            self.assertEqual(failed.state, 'failed')
            self.assertEqual(failed.text, "补充：冷柜积水。")

    @with_transaction()
    def test_clerk_creates_complaint(self):
        """The clerk corrects a failed mail and creates its complaint, with
        the files that are whole; the incomplete ones are named"""
        pool = Pool()
        Email = pool.get('complaint.email')
        Complaint = pool.get('complaint.complaint')
        _, _, users = self.setup_users()
        inbox = self.create_rule()
        failed = self.receive(inbox, sample('broken_jpeg.eml'))

        with as_user(users['clerk']):
            failed = Email(failed.id)
            failed.text = "鸡蛋破了六枚。（照片不完整，已电话请顾客重发）"
            failed.save()
            Email.create_complaint([failed])
            self.assertEqual(failed.state, 'processed')
            complaint = failed.complaint
            self.assertEqual(complaint.channel, 'email')
            self.assertEqual(complaint.subject, "鸡蛋破损")
            self.assertEqual(complaint.complainant_email,
                'wangfang@example.cn')
            self.assertEqual(complaint.description, "\n".join([
                        "鸡蛋破了六枚。（照片不完整，已电话请顾客重发）",
                        "",
                        "Files of the email that were not kept:",
                        'The file "鸡蛋.jpg" is incomplete: its end is '
                        'missing.']))
            self.assertEqual(self.attachments(complaint), [])
            # The clerk made it, and sees it
            self.assertEqual(Complaint.search([]), [complaint])
        # The complete mail later is the same complaint
        self.assertEqual(
            self.receive(inbox, sample('broken_jpeg.eml')), complaint)

    @with_transaction()
    def test_clerk_adds_to_complaint(self):
        "The clerk adds a broken reply to the complaint it answers"
        pool = Pool()
        Email = pool.get('complaint.email')
        _, employee, users = self.setup_users()
        inbox = self.create_rule()
        complaint = self.receive(inbox, sample('email_gbk_8bit.eml'))
        # The complaint from the mailbox rings the clerks' bell
        arrival, = Transaction().user_notifications
        self.assertEqual((arrival.user, arrival.records),
            (users['clerk'], f'[{complaint.id}]'))
        Transaction().user_notifications.clear()
        failed = self.receive(inbox, sample('broken_boundary.eml'))
        with as_user(users['clerk']):
            failed = Email(failed.id)
            failed.complaint = complaint.id
            failed.save()
            Email.add_to_complaint([failed])
        complaint.responsible = employee
        complaint.save()
        self.assertEqual(failed.state, 'processed')
        self.assertEqual(failed.kind, 'reply')
        self.assertEqual([e.kind for e in complaint.emails],
            ['complaint', 'reply'])
        self.assertEqual([n for n, _ in self.attachments(complaint)],
            ["说明.txt", "购物小票.jpg"])
        # Without a handler yet, nobody's bell rings
        self.assertEqual(Transaction().user_notifications, [])

    @with_transaction()
    def test_process_again(self):
        """Processing again a mail still broken says why; with the complete
        mail uploaded by the clerk, it makes the complaint"""
        pool = Pool()
        Email = pool.get('complaint.email')
        _, _, users = self.setup_users()
        inbox = self.create_rule()
        failed = self.receive(inbox, sample('broken_cut_photo.eml'))
        with as_user(users['clerk']):
            failed = Email(failed.id)
            with self.assertRaisesRegex(ComplaintEmailError,
                    "still cannot be processed. The email was cut short"):
                Email.process_again([failed])
            failed.raw = sample('photo_complete.eml')
            failed.save()
            Email.process_again([failed])
            self.assertEqual(failed.state, 'processed')
            self.assertEqual(failed.complaint.subject, "冷藏柜的酸奶过期了")
            with self.assertRaises(AccessError):
                # Processed: nothing to change any more
                Email.write([failed], {'text': "x"})
            # But the personal data can be erased
            Email.write([failed], {'sender_name': None, 'text': None})
            self.assertIsNone(failed.sender_name)

    @with_transaction()
    def test_taken_after_complete_copy(self):
        """A failed copy taken in hand after the complete one was processed
        is replaced by it, without a second complaint"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Email = pool.get('complaint.email')
        create_company()
        inbox = self.create_rule()
        cut = self.receive(inbox, sample('broken_cut_photo.eml'))
        Email.discard([cut])
        complaint = self.receive(inbox, sample('photo_complete.eml'))
        self.assertEqual(cut.state, 'discarded')
        Email.restore([cut])
        Email.create_complaint([cut])
        self.assertEqual((cut.state, cut.complaint), ('replaced', complaint))
        self.assertEqual(Complaint.search([], count=True), 1)

    @with_transaction()
    def test_failed_not_counted_as_processed(self):
        "De-duplication counts only the processed mails"
        pool = Pool()
        Email = pool.get('complaint.email')
        create_company()
        inbox = self.create_rule()
        failed = self.receive(inbox, sample('broken_empty.eml'))
        Email.discard([failed])
        # The same Message-ID with a text: processed
        fixed = sample('broken_empty.eml') + "补充正文。".encode()
        complaint = self.receive(inbox, fixed)
        self.assertEqual(complaint.description, "补充正文。")
        self.assertEqual(failed.state, 'discarded')


class AutomaticEmailTestCase(HandlerMixin, InboxMixin, ModuleDatabaseTestCase):
    """The mails programs send: never a complaint nor an answer, kept on the
    complaint they answer, a bounce of the mail to the complainant told to
    the handler"""

    def complain(self, inbox, employee, sender):
        "The complaint the sender mails, handled by the employee"
        complaint = self.receive(inbox, reply("投诉", "冷柜有异味。",
                sender=sender).as_bytes())
        complaint.responsible = employee
        complaint.save()
        return complaint

    def record_acknowledgement(self, complaint, message_id):
        "Record the acknowledgement sent to the complainant"
        Email = Pool().get('complaint.email')
        message = EmailMessage()
        message['From'] = 'complaints@shop.example.cn'
        message['To'] = complaint.complainant_email
        message['Subject'] = f"您的投诉已登记：{complaint.number}"
        message['Message-ID'] = message_id
        Email.record_sent(complaint, message)

    def assertNothingSent(self):
        Mail = Pool().get('scheduled.activity.mail')
        self.assertEqual(Mail.search([], count=True), 0)

    @with_transaction()
    def test_out_of_office(self):
        """A QQ out-of-office reply to the acknowledgement joins the
        conversation, once, without ringing the handler's bell"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        _, employee, handler = self.setup_handler()
        inbox = self.create_rule()
        complaint = self.complain(inbox, employee, '王芳 <2783451290@qq.com>')
        self.record_acknowledgement(complaint, QQ_ACKNOWLEDGEMENT)

        for _ in range(2):
            result = self.receive(
                inbox, sample('automatic_qq_out_of_office.eml'))
            self.assertEqual(result, complaint)

        self.assertEqual(Complaint.search([], count=True), 1)
        self.assertEqual([(e.direction, e.kind) for e in complaint.emails], [
                ('incoming', 'complaint'), ('outgoing', None),
                ('incoming', 'auto_reply')])
        answer = complaint.emails[-1]
        self.assertEqual(answer.state, 'processed')
        self.assertEqual(answer.automatic_header,
            'Auto-Submitted: auto-replied')
        self.assertIn("这是来自QQ邮箱的假期自动回复邮件。", answer.text)
        self.assertEqual(answer.raw,
            sample('automatic_qq_out_of_office.eml'))
        self.assertEqual(self.notifications(handler), [])
        self.assertEqual(self.attachments(complaint), [])
        self.assertNothingSent()

    @with_transaction()
    def test_auto_reply_by_number(self):
        """A 163 auto-reply without reference finds the complaint by the
        number of its subject and its sender, with its header or without"""
        _, employee, handler = self.setup_handler()
        inbox = self.create_rule()
        complaint = self.complain(
            inbox, employee, '李喆 <lizhe_1988@163.com>')
        raw = sample('automatic_163_auto_reply.eml').replace(
            SAMPLE_NUMBER, complaint.number.encode())
        subject_only = without_header(raw, b'X-Autoreply').replace(
            b'Coremail.lizhe', b'Coremail.again.lizhe')

        self.assertEqual(self.receive(inbox, raw), complaint)
        self.assertEqual(self.receive(inbox, subject_only), complaint)

        self.assertEqual(
            [(e.kind, e.automatic_header[:13]) for e in complaint.emails[1:]],
            [('auto_reply', 'X-Autoreply: '), ('auto_reply', 'Subject: 自动回复')])
        self.assertEqual(self.notifications(handler), [])
        self.assertNothingSent()

    @with_transaction()
    def test_answer_to_acknowledgement(self):
        """The acknowledgement leaves through the outbox: an auto-reply to
        it finds its complaint; one to a notice to the staff about the
        complaint does not"""
        pool = Pool()
        Category = pool.get('complaint.category')
        Complaint = pool.get('complaint.complaint')
        Mail = pool.get('scheduled.activity.mail')
        company, employee, handler = self.setup_handler()
        inbox = self.create_rule()
        complaint = self.complain(inbox, employee, '王芳 <2783451290@qq.com>')
        complaint.category, = Category.search(
            [('name', '=', "Product Quality")])
        complaint.on_change_category()
        complaint.save()
        with set_company(company):
            Complaint.register([complaint])
            notice = queue_mail(complaint, ['张伟 <zhangwei@shop.example.cn>'],
                "投诉提醒", "<p>请处理</p>")
        acknowledgement, = Mail.search([('id', '!=', notice.id)])

        raw = sample('automatic_qq_out_of_office.eml')
        self.assertEqual(self.receive(inbox, raw.replace(
                    QQ_ACKNOWLEDGEMENT.encode(),
                    acknowledgement.message_id.encode())), complaint)
        staff = person_mail(From='张伟 <zhangwei@shop.example.cn>',
            Subject="自动回复：年假中", In_Reply_To=notice.message_id)
        kept = self.receive(inbox, staff)

        self.assertEqual(complaint.emails[-1].kind, 'auto_reply')
        self.assertEqual((kept.state, kept.complaint), ('automatic', None))
        self.assertEqual(Mail.search([], count=True), 2)

    @with_transaction()
    def test_bounce_tells_handler(self):
        """A Postfix bounce of the acknowledgement joins the conversation
        and tells the handler, in Chinese, that the complainant's address
        bounced and why, once"""
        _, employee, handler = self.setup_handler()
        inbox = self.create_rule()
        complaint = self.complain(inbox, employee, '陈镕 <chenrong@exmaple.net>')
        self.record_acknowledgement(complaint, POSTFIX_ACKNOWLEDGEMENT)

        for _ in range(2):
            result = self.receive(
                inbox, sample('automatic_postfix_bounce.eml'))
            self.assertEqual(result, complaint)

        bounce = complaint.emails[-1]
        self.assertEqual((bounce.kind, bounce.state), ('bounce', 'processed'))
        self.assertEqual(bounce.bounced_address, 'chenrong@exmaple.net')
        self.assertEqual(bounce.bounce_diagnostic, POSTFIX_DIAGNOSTIC)
        self.assertEqual(bounce.reason,
            "A mail server returned a mail it could not deliver to "
            "chenrong@exmaple.net (Content-Type: multipart/report; "
            f"report-type=delivery-status): {POSTFIX_DIAGNOSTIC}. The email "
            "makes no complaint and nothing is sent back.")
        self.assertEqual(self.notifications(handler), [(
                    f"投诉 {complaint.number}：发给投诉人 chenrong@exmaple.net "
                    f"的邮件被退回（{POSTFIX_DIAGNOSTIC}），请改用电话等其他方式联系。",
                    complaint.subject, 'tryton-warning')])
        self.assertEqual(self.attachments(complaint), [])
        self.assertNothingSent()

    @with_transaction()
    def test_exchange_ndr(self):
        """An Exchange NDR finds the complaint by the Message-ID of the
        headers it returns, or by the number they quote and the address
        that bounced"""
        _, employee, handler = self.setup_handler()
        inbox = self.create_rule()
        recorded = self.complain(
            inbox, employee, '王芳 <wang.fang@corp.example.com>')
        self.record_acknowledgement(recorded, EXCHANGE_ACKNOWLEDGEMENT)
        quoted = self.complain(
            inbox, employee, '王芳 <wang.fang@corp.example.com>')
        raw = sample('automatic_exchange_ndr.eml')

        self.assertEqual(self.receive(inbox, raw), recorded)
        self.assertEqual(self.receive(inbox, raw.replace(
                    b'TS-2026-00003', quoted.number.encode()).replace(
                    EXCHANGE_ACKNOWLEDGEMENT.encode(), b'<unknown@x>')
                .replace(b'<6a0b1c2d', b'<7a0b1c2d')), quoted)

        self.assertEqual(len(self.notifications(handler)), 2)
        for complaint in [recorded, quoted]:
            self.assertEqual(complaint.emails[-1].bounce_diagnostic,
                '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not '
                'found by SMTP address lookup')
        self.assertNothingSent()

    @with_transaction()
    def test_bounce_of_another_address(self):
        """A bounce that quotes a complaint's number for another address
        than its complainant's is not the complaint's, and rings no bell"""
        _, employee, handler = self.setup_handler()
        inbox = self.create_rule()
        complaint = self.complain(inbox, employee, '陈镕 <chenrong@example.net>')
        raw = sample('automatic_postfix_bounce.eml').replace(
            b'TS-2026-00002', complaint.number.encode())

        kept = self.receive(inbox, raw)

        self.assertEqual((kept.state, kept.kind), ('automatic', 'bounce'))
        self.assertEqual(len(complaint.emails), 1)
        self.assertEqual(self.notifications(handler), [])

    @with_transaction()
    def test_kept_in_inbox(self):
        """The automatic mails that answer no complaint are kept in the
        inbox, once, with the reason in the reader's language; nothing
        makes a complaint, nothing is sent"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Email = pool.get('complaint.email')
        self.setup_handler()
        inbox = self.create_rule()
        for name, (kind, header) in AUTOMATIC.items():
            with self.subTest(sample=name):
                kept = self.receive(inbox, sample(name))
                self.assertEqual(kept.__name__, 'complaint.email')
                self.assertEqual(
                    (kept.state, kept.kind, kept.automatic_header),
                    ('automatic', kind, header))
                self.assertEqual(kept.raw, sample(name))
                self.assertIsNone(kept.complaint)
                self.assertEqual(self.receive(inbox, sample(name)), kept)
        self.assertEqual(Complaint.search([], count=True), 0)
        self.assertEqual(Email.search([], count=True), len(AUTOMATIC))
        self.assertEqual(Pool().get('ir.attachment').search([], count=True),
            0)
        self.assertNothingSent()

        bulk, = Email.search([('kind', '=', 'bulk')])
        bounce, = Email.search(
            [('bounced_address', '=', 'chenrong@exmaple.net')])
        with Transaction().set_context(language='zh_CN'):
            self.assertEqual(Email(bulk.id).reason,
                "这是邮件列表或群发的邮件（Precedence: list）：不会生成投诉，也不会回信。")
            self.assertEqual(dict(Email.fields_get(['state'])['state'][
                        'selection'])['automatic'], "自动邮件")
        self.assertIn(POSTFIX_DIAGNOSTIC, bounce.reason)

    @with_transaction()
    def test_clerk_takes_in_hand(self):
        """The clerk discards an automatic mail and restores it; takes one
        wrongly classified for a complaint or for a reply"""
        pool = Pool()
        Email = pool.get('complaint.email')
        company = create_company()
        with set_company(company):
            clerk = create_user('clerk', [CLERK], company)
        inbox = self.create_rule()
        bulk = self.receive(inbox, sample('automatic_mailing_list.eml'))
        complaint = self.receive(inbox, sample('email_gb2312_qp.eml'))
        auto_reply = self.receive(
            inbox, sample('automatic_163_auto_reply.eml'))

        with as_user(clerk):
            bulk = Email(bulk.id)
            Email.discard([bulk])
            self.assertEqual(bulk.state, 'discarded')
            Email.restore([bulk])
            self.assertEqual(bulk.state, 'automatic')
            Email.create_complaint([bulk])
            self.assertEqual(
                (bulk.state, bulk.kind), ('processed', 'complaint'))
            self.assertEqual(bulk.complaint.subject,
                "【零售资讯】2026年第47期：冷链食品安全抽检结果")
            self.assertIn("冷链食品安全抽检结果公布", bulk.complaint.description)

            auto_reply = Email(auto_reply.id)
            auto_reply.complaint = complaint.id
            auto_reply.save()
            Email.add_to_complaint([auto_reply])
            self.assertEqual(
                (auto_reply.state, auto_reply.kind), ('processed', 'reply'))
        self.assertEqual(len(complaint.emails), 2)


class InboxRouteMixin:
    "An inbox that creates complaints, and the mail server that posts to it"
    module = 'complaint_intake'
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


class BrokenEmailRouteTestCase(InboxRouteMixin, RouteTestCase):
    "Broken mails posted by the mail server"

    def test_broken_posts(self):
        """An empty post is refused with a plain Bad Request; the broken
        mails are kept as failed; a mail the platform's rules cannot read
        still makes its complaint"""
        response = self.post(b'')
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertNotIn(b'required', response.data)
        for name in sorted(BROKEN):
            with self.subTest(sample=name):
                self.assertEqual(self.post(sample(name)).status_code,
                    HTTPStatus.NO_CONTENT)
        # An encoded line break in a recipient's name: the platform's
        # reading for the rules raises on it
        odd = ('From: 王芳 <wangfang@example.cn>\r\n'
            'To: =?utf-8?q?=E6=8A=95=E8=AF=89=0D=0A?= <c@shop.example.cn>\r\n'
            'Subject: =?utf-8?b?5Zyw6Z2i5rm/5ruR?=\r\n'
            'Message-ID: <odd-recipient@example.cn>\r\n'
            'Content-Type: text/plain; charset=utf-8\r\n\r\n'
            '门店地面湿滑。\r\n').encode()
        self.assertEqual(self.post(odd).status_code, HTTPStatus.NO_CONTENT)

        @with_transaction()
        def check():
            pool = Pool()
            Complaint = pool.get('complaint.complaint')
            Email = pool.get('complaint.email')
            failed = Email.search([('state', '=', 'failed')])
            self.assertEqual(sorted(e.failure for e in failed),
                sorted(k for k, _ in BROKEN.values()))
            complaint, = Complaint.search([
                    ('email_message_id', '=', '<odd-recipient@example.cn>')])
            self.assertEqual(complaint.subject, "地面湿滑")
            self.assertEqual(complaint.description, "门店地面湿滑。")
        check()


class AutomaticEmailRouteTestCase(InboxRouteMixin, RouteTestCase):
    "Automatic mails posted by the mail server"

    def test_automatic_posts(self):
        "Each is taken (204) and kept in the inbox; none makes a complaint"
        for name in sorted(AUTOMATIC):
            with self.subTest(sample=name):
                self.assertEqual(self.post(sample(name)).status_code,
                    HTTPStatus.NO_CONTENT)

        @with_transaction()
        def check():
            pool = Pool()
            Complaint = pool.get('complaint.complaint')
            Email = pool.get('complaint.email')
            Mail = pool.get('scheduled.activity.mail')
            self.assertEqual(Complaint.search([], count=True), 0)
            self.assertEqual(sorted(e.kind for e in Email.search([
                            ('state', '=', 'automatic')])),
                sorted(k for k, _ in AUTOMATIC.values()))
            self.assertEqual(Mail.search([], count=True), 0)
        check()


class ComplaintFormVisitor:
    """A visitor of the public complaint form of the test database, whose
    address may send 1,000 forms an hour"""
    module = 'complaint_intake'

    @classmethod
    def setUpDatabase(cls):
        create_company()
        cls.set_limit(1000)

    @staticmethod
    def set_limit(limit):
        "Set the submissions an address may send in an hour"
        Configuration = Pool().get('public_page.configuration')
        Configuration.write([Configuration(1)], {'submission_limit': limit})

    def open_form(self, client, language='en'):
        html = client.get(f'/{self.db_name}/complaint_plan/complaint',
            headers={'Accept-Language': language}).get_data(as_text=True)
        return {
            'csrf_token': re.search(
                'name="csrf_token" value="([^"]*)"', html).group(1),
            'submission': uuid.uuid4().hex,
            'name': "陈先生",
            'phone': '139 8765 4321',
            'description': "收银台排队半小时。",
            }

    def post(self, client, fields, language='en'):
        return client.post(f'/{self.db_name}/complaint_plan/complaint',
            data=fields, headers={'Accept-Language': language})

    def stored(self, key):
        with Transaction().start(self.db_name, 0):
            Complaint = Pool().get('complaint.complaint')
            return [c.number for c in Complaint.search([
                        ('intake_key', '=', key)])]


class ComplaintFormBusyTestCase(ComplaintFormVisitor, RouteTestCase):
    """The public complaint form when the database refuses its transactions
    for a while, as under a burst of complaints (benchmark P8): the form
    tries again, then answers "busy, retry", never an error"""
    # The settings and state of the form's retries, in the routes module
    # that installed them: pytest imports the module a second time, as
    # complaint_intake.routes
    busy = app.dispatch_request.__globals__

    @classmethod
    def setUpDatabase(cls):
        super().setUpDatabase()
        load_translations('zh_CN')

    def refuse(self, times):
        "Make the database refuse the complaint's creation that many times"
        with Transaction().start(self.db_name, 0):
            Submission = Pool().get('complaint.intake.submission')
        submit = Submission.submit
        calls = []

        def refused(*args, **kwargs):
            calls.append(1)
            if len(calls) <= times:
                raise backend.DatabaseOperationalError(
                    "could not serialize access due to concurrent update")
            return submit(*args, **kwargs)
        return patch.object(Submission, 'submit', refused), calls

    def test_refused_for_a_moment(self):
        """Refused beyond trytond's own retries, the complaint is tried again
        and gets its number"""
        client = self.client()
        fields = self.open_form(client)
        refusing, calls = self.refuse(9)
        with refusing:
            response = self.post(client, fields)
        self.assertEqual(response.status_code, 200)
        number = re.search(r'id="complaint-number"[^>]*>([^<]*)<',
            response.get_data(as_text=True)).group(1).strip()
        self.assertEqual(self.stored(fields['submission']), [number])
        # trytond tried 6 times, twice, the form a third time
        self.assertEqual(len(calls), 10)

    def test_busy(self):
        """Refused for longer, the visitor is told the server is busy, in
        their language, with the form to send again as it was"""
        client = self.client()
        for language, text in [
                ('en', "Too many complaints are being sent at this moment"),
                ('zh-CN', "此刻提交投诉的人太多")]:
            with self.subTest(language=language):
                fields = self.open_form(client, language)
                refusing, _ = self.refuse(10_000)
                with refusing, patch.dict(
                        self.busy, BUSY_RETRY_SECONDS=0.5):
                    response = self.post(client, fields, language)
                self.assertEqual(response.status_code, 503)
                self.assertEqual(response.headers['Retry-After'], '30')
                self.assertEqual(
                    response.headers['X-Content-Type-Options'], 'nosniff')
                html = response.get_data(as_text=True)
                self.assertIn(text, html)
                self.assertNotIn('serialize', html)
                for name in ['submission', 'csrf_token', 'name']:
                    self.assertIn(f'name="{name}" value="{fields[name]}"',
                        html)
                self.assertEqual(self.stored(fields['submission']), [])
                # Sent again when the database takes it: one complaint
                response = client.post(
                    f'/{self.db_name}/complaint_plan/complaint',
                    data=dict(re.findall(
                            r'name="([^"]+)" value="([^"]*)"', html)),
                    headers={'Accept-Language': language})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(len(self.stored(fields['submission'])), 1)

    def test_single_file(self):
        """After a refusal the process writes its complaints in single file;
        a post that does not get its turn in time is told busy"""
        client = self.client()
        fields = self.open_form(client)
        refusing, _ = self.refuse(6)
        with refusing:
            self.assertEqual(self.post(client, fields).status_code, 200)
        self.assertGreater(
            self.busy['_single_file_until'][0], time.monotonic())
        fields = self.open_form(client)
        lane = self.busy['_lane']
        self.assertTrue(lane.acquire(timeout=5))
        try:
            with patch.dict(self.busy, LANE_WAIT=0.2):
                start = time.monotonic()
                response = self.post(client, fields)
        finally:
            lane.release()
        self.assertEqual(response.status_code, 503)
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(self.stored(fields['submission']), [])
        # Its turn comes: the same form makes its complaint
        self.assertEqual(self.post(client, fields).status_code, 200)
        self.assertEqual(len(self.stored(fields['submission'])), 1)

    def test_other_errors(self):
        "Errors that are not the database's being busy are not hidden"
        client = self.client()
        fields = self.open_form(client)
        with Transaction().start(self.db_name, 0):
            Submission = Pool().get('complaint.intake.submission')
        with patch.object(Submission, 'submit',
                side_effect=ZeroDivisionError):
            response = self.post(client, fields)
        self.assertEqual(response.status_code, 500)

    def test_rate_limit_retry_after(self):
        "The hourly limit of an address answers 429 with Retry-After"
        with Transaction().start(self.db_name, 0):
            Attempt = Pool().get('public_page.attempt')
            sent = Attempt.search([], count=True)
            self.set_limit(sent + 1)
        try:
            client = self.client()
            self.assertEqual(
                self.post(client, self.open_form(client)).status_code, 200)
            response = self.post(client, self.open_form(client))
            self.assertEqual(response.status_code, 429)
            self.assertEqual(response.headers['Retry-After'], '3600')
        finally:
            with Transaction().start(self.db_name, 0):
                self.set_limit(1000)




class ComplaintFormQueueTestCase(ComplaintFormVisitor, RouteTestCase):
    """With trytond-worker taking the queue ([queue] worker, as in `make
    run-pg`), the visitor gets the number as soon as the form is checked and
    the worker registers the complaint"""

    def setUp(self):
        super().setUp()
        config.set('queue', 'worker', 'True')
        self.addCleanup(config.set, 'queue', 'worker', 'False')

    def send(self, client, **fields):
        "Send a new form; return its fields and the number shown"
        fields = dict(self.open_form(client), **fields)
        response = self.post(client, fields)
        self.assertEqual(response.status_code, 200)
        return fields, re.search(r'id="complaint-number"[^>]*>([^<]*)<',
            response.get_data(as_text=True)).group(1).strip()

    def status(self, client, number, contact):
        html = client.get(f'/{self.db_name}/complaint_plan/complaint/status'
            ).get_data(as_text=True)
        token = re.search('name="csrf_token" value="([^"]*)"', html).group(1)
        html = client.post(f'/{self.db_name}/complaint_plan/complaint/status',
            data={'csrf_token': token, 'number': number, 'contact': contact}
            ).get_data(as_text=True)
        state = re.search(r'id="complaint-state">([^<]*)<', html)
        return state.group(1) if state else None

    def waiting(self):
        "The submissions waiting and the ids of the tasks queued"
        with Transaction().start(self.db_name, 0):
            pool = Pool()
            Submission = pool.get('complaint.intake.submission')
            Queue = pool.get('ir.queue')
            return ([s.number for s in Submission.search([])],
                [t.id for t in Queue.search([
                            ('name', '=', 'default'),
                            ('finished_at', '=', None),
                            ], order=[('id', 'ASC')])])

    def test_number_then_registration(self):
        """The number comes with the answer; the status page says the
        complaint is being registered; the worker registers it with its
        file, once, even when the form is sent twice"""
        client = self.client()
        photo = b'%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'
        fields, number = self.send(client, attachments=(
                io.BytesIO(photo), 'receipt.pdf'))
        self.assertEqual(self.stored(fields['submission']), [])
        self.assertEqual(
            self.status(client, number, fields['phone']),
            "Received, being registered")
        self.assertIsNone(self.status(client, number, '13900000000'))
        # Sent again before the worker came: the same number, nothing more
        del fields['attachments']
        fields['csrf_token'] = self.open_form(client)['csrf_token']
        again = self.post(client, fields).get_data(as_text=True)
        self.assertIn(number, again)
        submissions, tasks = self.waiting()
        self.assertEqual(submissions, [number])
        self.assertEqual(len(tasks), 1)

        run_task(self.db_name, tasks[0])
        self.assertEqual(self.stored(fields['submission']), [number])
        self.assertEqual(self.waiting(), ([], []))
        self.assertEqual(
            self.status(client, number, fields['phone']), "Received")
        with Transaction().start(self.db_name, 0):
            pool = Pool()
            Complaint = pool.get('complaint.complaint')
            Attachment = pool.get('ir.attachment')
            complaint, = Complaint.search([('number', '=', number)])
            self.assertEqual(complaint.channel, 'web')
            self.assertEqual(complaint.complainant_phone, '+8613987654321')
            attachment, = Attachment.search(
                [('resource', '=', str(complaint))])
            self.assertEqual(attachment.name, 'receipt.pdf')
            self.assertEqual(attachment.data, photo)

    def test_burst_in_one_task(self):
        """The first task of a burst registers the complaints waiting with
        its own; the tasks after it find theirs gone"""
        client = self.client()
        sent = [self.send(client) for _ in range(3)]
        _, tasks = self.waiting()
        self.assertEqual(len(tasks), 3)
        run_task(self.db_name, tasks[0])
        for fields, number in sent:
            self.assertEqual(self.stored(fields['submission']), [number])
        for task in tasks[1:]:
            run_task(self.db_name, task)
        self.assertEqual(self.waiting(), ([], []))

    def test_refused_alone(self):
        """A complaint of the burst that cannot be registered holds back no
        other: it waits, with an error for the administrator, who solves it
        once the cause is mended: it is registered then"""
        client = self.client()
        refused, refused_number = self.send(client, name="拒收")
        fields, number = self.send(client)
        _, tasks = self.waiting()
        with Transaction().start(self.db_name, 0):
            Complaint = Pool().get('complaint.complaint')
        create = Complaint.create

        def refusing(vlist):
            if any(v['complainant_name'] == "拒收" for v in vlist):
                raise UserError("refused")
            return create(vlist)
        with patch.object(Complaint, 'create', refusing):
            for task in tasks:
                run_task(self.db_name, task)
        self.assertEqual(self.stored(fields['submission']), [number])
        self.assertEqual(self.stored(refused['submission']), [])
        self.assertEqual(self.waiting()[0], [refused_number])
        with Transaction().start(self.db_name, 0) as transaction:
            pool = Pool()
            Error = pool.get('ir.error')
            Submission = pool.get('complaint.intake.submission')
            # No batch takes it again
            self.assertEqual(
                [s.number for s in Submission.search(
                        [('refused', '=', True)])], [refused_number])
            error, = Error.search([('state', '=', 'open')])
            self.assertEqual(error.origin.id, tasks[0])
            Error.process([error])
            Error.solve([error])
            transaction.commit()
        _, tasks = self.waiting()
        for task in tasks:
            run_task(self.db_name, task)
        self.assertEqual(
            self.stored(refused['submission']), [refused_number])
        self.assertEqual(self.waiting(), ([], []))


class PostsOverlap:
    "Two posts at once overlap only on PostgreSQL"

    @classmethod
    def setUpClass(cls):
        if backend.name != 'postgresql':
            raise unittest.SkipTest(
                "needs PostgreSQL: SQLite serialises whole transactions, "
                "so two posts never overlap")
        super().setUpClass()


@pytest.mark.postgresql
class ComplaintFormRaceTestCase(
        PostsOverlap, ComplaintFormVisitor, RouteTestCase):
    "The same form posted twice at the same moment, without a worker"

    def test_same_form_at_once(self):
        """Both posts looked for the form's complaint before either stored
        it: one complaint, both answers show its number"""
        # Not in single file, as after the busy tests: both posts at once
        app.dispatch_request.__globals__['_single_file_until'][0] = 0.0
        with Transaction().start(self.db_name, 0):
            Complaint = Pool().get('complaint.complaint')
        both_checked = threading.Barrier(2, timeout=30)
        check_values = Complaint.check_values
        # The complaint's creation checks the values again: wait once
        waited = threading.local()

        def check_when_both_looked(values):
            if not getattr(waited, 'once', False):
                waited.once = True
                both_checked.wait()
            return check_values(values)
        fields = self.open_form(self.client())
        answers = []

        def post():
            client = self.client()
            token = self.open_form(client)['csrf_token']
            answers.append(self.post(client, dict(fields, csrf_token=token)))
        with patch.object(Complaint, 'check_values', check_when_both_looked):
            posts = [threading.Thread(target=post) for _ in range(2)]
            for thread in posts:
                thread.start()
            for thread in posts:
                thread.join()
        self.assertEqual([a.status_code for a in answers], [200, 200])
        numbers = {re.search(r'id="complaint-number"[^>]*>([^<]*)<',
                a.get_data(as_text=True)).group(1).strip() for a in answers}
        self.assertEqual(
            [self.stored(fields['submission'])], [list(numbers)])


@pytest.mark.postgresql
class EmailIntakeRaceTestCase(PostsOverlap, InboxRouteMixin, RouteTestCase):
    "The same mail posted twice at the same moment"

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
