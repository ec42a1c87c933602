# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The staff's mails of the activities, as a real SMTP server on 127.0.0.1
receives them: each user told as they chose, in their language, with the
link that opens the activity in the web client"""
import datetime as dt
import urllib.parse
from unittest.mock import patch

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.tests.mail_tools import (
    mail_html, mail_text, run_queued_tasks, smtp_server)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, clock_at)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

HOSTNAME = 'tryton.example.com'
DUE = dt.datetime(2031, 3, 10, 9, 0)


def activity_url(activity):
    "The address of the activity in the web client, after login"
    return 'http://%s/#%s' % (HOSTNAME, urllib.parse.quote(
            '%s/model/scheduled.activity/%s' % (
                Transaction().database.name, activity.id)))


class StaffMailTestCase(ModuleDatabaseTestCase):
    "Test the mails of the activities to the staff"
    modules = ['scheduled_activity']
    language = 'zh_CN'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The links are made from trytond's [web] hostname
        cls._hostname = patch('trytond.url.HOSTNAME', HOSTNAME)
        cls._hostname.start()

    @classmethod
    def tearDownClass(cls):
        cls._hostname.stop()
        super().tearDownClass()

    def create_staff(self):
        """A Chinese-speaking clerk under an English-speaking supervisor,
        a colleague who wants the bell only, one who wants the digest and
        one without email address"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        chinese, = Lang.search([('code', '=', 'zh_CN')])
        english, = Lang.search([('code', '=', 'en')])
        english.translatable = True
        english.save()

        company = create_company()
        company.timezone = 'Asia/Shanghai'
        company.save()
        with set_company(company):
            supervisor = create_employee(company, "王主管")
            staff = {'company': company}
            for login, name, language, values in [
                    ('clerk', "李文员", chinese, {}),
                    ('bell', "赵铃", chinese, {
                            'notice_activity_assigned': 'bell',
                            'notice_activity_due': 'bell',
                            'notice_activity_overdue': 'bell',
                            }),
                    ('digest', "钱汇总", english, {
                            'notice_activity_assigned': 'digest',
                            'notice_activity_due': 'digest',
                            'notice_activity_overdue': 'digest',
                            }),
                    ('noemail', "孙无邮", chinese, {'email': None}),
                    ]:
                employee = create_employee(company, name)
                employee.supervisor = supervisor
                employee.save()
                values.setdefault('email', '%s@example.com' % login)
                staff[login] = User(
                    login=login, name=name, language=language,
                    companies=[company], company=company,
                    employees=[employee], employee=employee, **values)
                staff[login].save()
            staff['supervisor'] = User(
                login='supervisor', name="Wang Supervisor",
                email='supervisor@example.com', language=english,
                companies=[company], company=company,
                employees=[supervisor], employee=supervisor)
            staff['supervisor'].save()
        return staff

    def assign(self, by, to, subject="回访投诉人", due=DUE):
        "The user by plans a call for the user to, as in the web client"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Type = pool.get('scheduled.activity.type')
        call = Type.get_by_code('call')
        with as_user(by):
            activity, = Activity.create([{
                        'company': by.company.id,
                        'type': call.id,
                        'subject': subject,
                        'assignee': to.employee.id,
                        'due': due,
                        }])
        return Activity(activity.id)

    def run_cron(self, at):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        with clock_at(at):
            Activity.send_reminders()
        run_queued_tasks()

    @with_transaction()
    def test_assigned_reminded_escalated(self):
        """The clerk gets the assignment, the reminder and the overdue
        notice in Chinese, the supervisor the escalation in English"""
        staff = self.create_staff()

        with smtp_server() as messages:
            activity = self.assign(staff['supervisor'], staff['clerk'])
            run_queued_tasks()
            assigned, = messages
            self.assertEqual(
                assigned.envelope_recipients, ['clerk@example.com'])
            self.assertEqual(assigned['To'], '李文员 <clerk@example.com>')
            self.assertEqual(assigned['Subject'], "有活动指派给您：电话")
            self.assertEqual(assigned['Content-Language'], 'zh-CN')
            html = mail_html(assigned)
            self.assertIn('href="%s"' % activity_url(activity), html)
            self.assertIn("在网页客户端中打开 回访投诉人", html)
            # In Beijing time
            self.assertIn("回访投诉人（到期 2031-03-10", mail_text(assigned))
            self.assertIn("17:00", mail_text(assigned))
            messages.clear()

            self.run_cron(DUE - dt.timedelta(minutes=30))
            reminder, = messages
            self.assertEqual(reminder['To'], '李文员 <clerk@example.com>')
            self.assertEqual(reminder['Subject'], "活动即将到期：电话")
            self.assertIn(
                'href="%s"' % activity_url(activity), mail_html(reminder))
            messages.clear()

            self.run_cron(DUE + dt.timedelta(minutes=1))
            overdue, = messages
            self.assertEqual(overdue['Subject'], "活动已逾期：电话")
            messages.clear()

            self.run_cron(DUE + dt.timedelta(days=1, minutes=1))
            escalated, = messages
            self.assertEqual(
                escalated['To'], 'Wang Supervisor <supervisor@example.com>')
            self.assertEqual(
                escalated['Subject'],
                "Overdue activity escalated to you: Call")
            self.assertEqual(escalated['Content-Language'], 'en')
            self.assertIn(
                'href="%s"' % activity_url(activity), mail_html(escalated))
            self.assertIn(
                "Open 回访投诉人 in the web client", mail_html(escalated))

    @with_transaction()
    def test_mail_archived_on_activity(self):
        "The mail sent is in the activity's email archive"
        pool = Pool()
        Email = pool.get('ir.email')
        staff = self.create_staff()

        with smtp_server():
            activity = self.assign(staff['supervisor'], staff['clerk'])
            run_queued_tasks()
        email, = Email.search([('resource', '=', str(activity))])
        self.assertEqual(email.subject, "有活动指派给您：电话")
        self.assertEqual(email.recipients, '李文员 <clerk@example.com>')

    @with_transaction()
    def test_own_activity_no_notice(self):
        "Who plans an activity for themselves is told nothing"
        pool = Pool()
        Notification = pool.get('res.notification')
        staff = self.create_staff()

        with smtp_server() as messages:
            self.assign(staff['clerk'], staff['clerk'])
            run_queued_tasks()
        self.assertEqual(messages, [])
        self.assertEqual(
            Notification.search([('user', '=', staff['clerk'].id)]), [])

    @with_transaction()
    def test_bell_only_and_without_email(self):
        """A user who wants the bell only, or who has no email address,
        gets the bell and no mail"""
        pool = Pool()
        Notification = pool.get('res.notification')
        staff = self.create_staff()

        with smtp_server() as messages:
            for login in ['bell', 'noemail']:
                self.assign(staff['supervisor'], staff[login])
            run_queued_tasks()
            self.run_cron(DUE - dt.timedelta(minutes=30))
            self.run_cron(DUE + dt.timedelta(minutes=1))
        self.assertEqual(messages, [])
        for login in ['bell', 'noemail']:
            self.assertEqual(
                sorted(n.label for n in Notification.search(
                        [('user', '=', staff[login].id)])),
                sorted(["有活动指派给您：电话", "活动即将到期：电话", "活动已逾期：电话"]))

    @with_transaction()
    def test_daily_digest(self):
        """A user who wants the digest gets nothing at once, then one mail
        of the day's notices in their language"""
        pool = Pool()
        Digest = pool.get('scheduled.activity.mail.digest')
        staff = self.create_staff()

        with smtp_server() as messages:
            first = self.assign(
                staff['supervisor'], staff['digest'], subject="Call Ms Wang")
            second = self.assign(
                staff['supervisor'], staff['digest'], subject="Call Mr Li",
                due=DUE + dt.timedelta(days=3))
            self.run_cron(DUE - dt.timedelta(minutes=30))
            self.assertEqual(messages, [])
            self.assertEqual(len(Digest.search([])), 3)

            # 07:30 in Beijing
            with clock_at(dt.datetime(2031, 3, 10, 23, 30)):
                Digest.send_digests()
            run_queued_tasks()
            digest, = messages
            self.assertEqual(
                digest['To'], '钱汇总 <digest@example.com>')
            self.assertEqual(
                digest['Subject'], "Your notices of 03/11/2031 (3)")
            html = mail_html(digest)
            self.assertEqual(html.count('<li>'), 3)
            self.assertEqual(
                html.count('Activity assigned to you: Call'), 2)
            self.assertIn('Activity due soon: Call', html)
            for activity in [first, second]:
                self.assertIn('href="%s"' % activity_url(activity), html)
            self.assertEqual(Digest.search([]), [])

            # Nothing kept, nothing mailed
            Digest.send_digests()
            run_queued_tasks()
        self.assertEqual(len(messages), 1)
