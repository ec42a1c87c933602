# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import unittest

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.scheduled_activity.mail import (
    MAX_ATTEMPTS, RETRY_DELAYS, queue_mail)
from trytond.modules.scheduled_activity.tests.mail_tools import (
    mail_html, run_queued_tasks, smtp_down, smtp_server)
from trytond.modules.scheduled_activity.tests.tools import as_user, clock_at
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction


class OutboxTestCase(unittest.TestCase):
    "Test the outbox of the mails"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('scheduled_activity')

    def setUp(self):
        super().setUp()
        self.now = dt.datetime(2026, 3, 2, 9, 0)

    def record(self):
        "A record to write about: a company's party"
        return create_company().party

    @with_transaction()
    def test_queued_then_sent_after_commit(self):
        "A mail is stored with the transaction and sent by the queue after it"
        pool = Pool()
        Email = pool.get('ir.email')
        Attachment = pool.get('ir.attachment')
        record = self.record()

        with smtp_server() as messages:
            mail = queue_mail(
                record, ['王经理 <wang@example.com>', 'li@example.com'],
                "投诉 C-001 已受理", '<p>您好，<b>已受理</b>。</p>',
                files=[('回执.txt', '编号 C-001'.encode('utf-8'))],
                language='zh_CN')
            self.assertEqual(mail.state, 'queued')
            self.assertEqual(messages, [])
            self.assertTrue(Transaction().tasks)

            run_queued_tasks()

        message, = messages
        self.assertEqual(
            message.envelope_recipients,
            ['wang@example.com', 'li@example.com'])
        self.assertEqual(message['Subject'], "投诉 C-001 已受理")
        self.assertIn('王经理', message['To'])
        self.assertEqual(message['Content-Language'], 'zh-CN')
        self.assertIn('<b>已受理</b>', mail_html(message))
        self.assertIn('lang="zh-CN"', mail_html(message))
        attachment, = message.iter_attachments()
        self.assertEqual(attachment.get_filename(), '回执.txt')
        self.assertEqual(
            attachment.get_payload(decode=True), '编号 C-001'.encode('utf-8'))

        mail = mail.__class__(mail.id)
        self.assertEqual(mail.state, 'sent')
        self.assertEqual(mail.attempts, 1)
        self.assertIsNone(mail.next_try)
        self.assertEqual(mail.message_id, message['Message-ID'])
        email, = Email.search([('resource', '=', str(record))])
        self.assertEqual(mail.email, email)
        self.assertEqual(email.subject, "投诉 C-001 已受理")
        self.assertEqual(email.message_id, message['Message-ID'])
        self.assertEqual(
            {a.address for a in email.addresses},
            {'wang@example.com', 'li@example.com'})
        archived, = Attachment.search([('resource', '=', str(email))])
        self.assertEqual(archived.name, '回执.txt')

    @with_transaction()
    def test_failed_send_retried_with_growing_delay(self):
        "A failed send is noted, tried again later, then left failed"
        pool = Pool()
        Mail = pool.get('scheduled.activity.mail')
        record = self.record()

        with clock_at(self.now):
            mail = queue_mail(record, ['li@example.com'], "Test", '<p>x</p>')
        with smtp_down(), clock_at(self.now):
            run_queued_tasks()
        mail = Mail(mail.id)
        self.assertEqual(mail.state, 'failed')
        self.assertEqual(mail.attempts, 1)
        self.assertTrue(mail.last_error)
        self.assertEqual(mail.next_try, self.now + RETRY_DELAYS[0])

        # Not yet due: the cron leaves it
        with smtp_down(), clock_at(self.now + dt.timedelta(minutes=1)):
            Mail.send_due()
            run_queued_tasks()
        self.assertEqual(Mail(mail.id).attempts, 1)

        moment = self.now
        for attempt in range(2, MAX_ATTEMPTS + 1):
            moment = Mail(mail.id).next_try
            with smtp_down(), clock_at(moment):
                Mail.send_due()
                run_queued_tasks()
            mail = Mail(mail.id)
            self.assertEqual(mail.attempts, attempt)
            if attempt < MAX_ATTEMPTS:
                self.assertEqual(
                    mail.next_try, moment + RETRY_DELAYS[attempt - 1])
        self.assertEqual(mail.state, 'failed')
        self.assertIsNone(mail.next_try)

        # Given up: the cron no longer tries it
        with smtp_server() as messages, \
                clock_at(moment + dt.timedelta(days=7)):
            Mail.send_due()
            run_queued_tasks()
            self.assertEqual(messages, [])

            # An administrator retries it once the server is fixed
            Mail.retry([Mail(mail.id)])
            run_queued_tasks()
        self.assertEqual(len(messages), 1)
        mail = Mail(mail.id)
        self.assertEqual(mail.state, 'sent')
        self.assertEqual(mail.attempts, MAX_ATTEMPTS + 1)

    @with_transaction()
    def test_sent_once(self):
        "A mail queued again after it is sent is not sent twice"
        pool = Pool()
        Mail = pool.get('scheduled.activity.mail')
        record = self.record()

        with smtp_server() as messages:
            mail = queue_mail(record, ['li@example.com'], "Test", '<p>x</p>')
            Mail.__queue__.send([mail])
            run_queued_tasks()
            Mail.send([mail])
        self.assertEqual(len(messages), 1)

    @with_transaction()
    def test_access(self):
        "Only the activity administrators read the mails; nobody writes them"
        pool = Pool()
        Mail = pool.get('scheduled.activity.mail')
        Digest = pool.get('scheduled.activity.mail.digest')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        record = company.party
        mail = queue_mail(record, ['li@example.com'], "Test", '<p>x</p>')

        with set_company(company):
            clerk = User(login='clerk', name="Clerk",
                companies=[company], company=company)
            clerk.save()
            manager = User(login='manager', name="Manager",
                companies=[company], company=company,
                groups=[ModelData.get_id(
                        'scheduled_activity', 'group_activity_admin')])
            manager.save()

        values = {
            'resource': str(record),
            'recipients': 'evil@example.com',
            'message': b'x',
            }
        with as_user(clerk):
            with self.assertRaises(AccessError):
                Mail.read([mail.id], ['subject'])
            with self.assertRaises(AccessError):
                Mail.create([values])
            with self.assertRaises(AccessError):
                Mail.write([Mail(mail.id)], {'recipients': 'x@example.com'})
            with self.assertRaises(AccessError):
                Mail.retry([Mail(mail.id)])
            with self.assertRaises(AccessError):
                Digest.create([{
                            'user': clerk.id, 'kind': 'activity_due',
                            'label': "x", 'resource': str(record),
                            }])
            with self.assertRaises(AccessError):
                Digest.search([])
        with as_user(manager):
            self.assertEqual(
                Mail.read([mail.id], ['subject'])[0]['subject'], "Test")
            with self.assertRaises(AccessError):
                Mail.create([values])
            with self.assertRaises(AccessError):
                Mail.write([Mail(mail.id)], {'recipients': 'x@example.com'})
            with self.assertRaises(AccessError):
                Mail.delete([Mail(mail.id)])
