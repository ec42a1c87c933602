"""The staff's mails of the complaints (approval turn, leaders' digest) and
the probe that no mail ever carries a whistleblower's identity or report,
as a real SMTP server on 127.0.0.1 receives them"""
import datetime as dt
import urllib.parse
from unittest.mock import patch

from trytond.modules.company.tests import create_employee, set_company
from trytond.modules.scheduled_activity.exceptions import MailResourceError
from trytond.modules.scheduled_activity.mail import queue_mail
from trytond.modules.scheduled_activity.notify import notify
from trytond.modules.scheduled_activity.tests.mail_tools import (
    mail_html, mail_text, run_queued_tasks, smtp_server)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, clock_at)
from trytond.modules.whistleblower.tests.tools import set_test_key
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from whistleblower_fixture import (
    MODULES, REPORTER_CONTACT, REPORTER_NAME, _build)

HOSTNAME = 'tryton.example.com'
# What the report says, in the fixture: no mail may carry any of it
REPORT_TEXTS = [
    REPORTER_NAME, REPORTER_CONTACT, '13800138000',
    'The press guard is removed on line 4.', 'Line 4 foreman',
    'More photos follow.', 'Visit line 4.']


def record_url(record):
    return 'http://%s/#%s' % (HOSTNAME, urllib.parse.quote('%s/model/%s/%s' % (
                Transaction().database.name, record.__name__, record.id)))


class StaffMailTestCase(ModuleDatabaseTestCase):
    "Test the staff's mails of the complaints and of the reports"
    modules = MODULES
    language = 'zh_CN'

    @classmethod
    def setUpClass(cls):
        set_test_key()
        super().setUpClass()
        cls._hostname = patch('trytond.url.HOSTNAME', HOSTNAME)
        cls._hostname.start()

    @classmethod
    def tearDownClass(cls):
        cls._hostname.stop()
        super().tearDownClass()

    def languages(self):
        pool = Pool()
        Lang = pool.get('ir.lang')
        chinese, = Lang.search([('code', '=', 'zh_CN')])
        english, = Lang.search([('code', '=', 'en')])
        english.translatable = True
        english.save()
        return chinese, english

    def setup_approval(self):
        """A complaint whose plan awaits the leading group: a Chinese leader,
        an English one, one who wants the bell only"""
        pool = Pool()
        Category = pool.get('complaint.category')
        Chain = pool.get('complaint.approval.chain')
        Complaint = pool.get('complaint.complaint')
        Company = pool.get('company.company')
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        chinese, english = self.languages()

        company = Company(_build()['company'])
        leading = ModelData.get_id('complaint_plan', 'group_leading_group')
        with set_company(company):
            handler = create_employee(company, "张伟")
            leaders = {}
            for login, name, language, channel in [
                    ('wang', "王建国", chinese, 'email'),
                    ('smith', "John Smith", english, 'email'),
                    ('li', "李红", chinese, 'bell'),
                    ]:
                leaders[login], = User.create([{
                            'login': login, 'name': name,
                            'email': '%s@example.com' % login,
                            'language': language.id,
                            'notice_approval': channel,
                            'groups': [('add', [leading])],
                            'companies': [('add', [company.id])],
                            'company': company.id,
                            'employees': [('add', [create_employee(
                                            company, name).id])],
                            }])
            service = Category(ModelData.get_id(
                    'complaint_plan', 'category_service'))
            complaint, = Complaint.create([{
                        'company': company.id,
                        'complainant_name': "王女士",
                        'complainant_email': 'customer@example.com',
                        'subject': "服务态度差",
                        'description': "店员态度恶劣。",
                        'category': service.id,
                        'received_at': dt.datetime.now() - dt.timedelta(
                            hours=1),
                        }])
            Complaint.register([complaint])
            Chain.create([{
                        'name': "审批", 'level': complaint.level.id,
                        'steps': [('create', [{
                                        'name': "领导小组审批",
                                        'approver_kind': 'group',
                                        'group': leading,
                                        'required_approvals': 1,
                                        'deadline': dt.timedelta(days=1),
                                        }])],
                        }])
            Complaint.write([complaint], {
                    'state': 'planning',
                    'responsible': handler.id,
                    'investigation_duties': "调查",
                    'investigation_methods': "调取监控",
                    'measures': "赔偿",
                    'investigation_time': dt.datetime.now(),
                    'investigation_place': "门店",
                    'responsibility': "当班员工负责",
                    'prevention': "加强培训",
                    })
            Complaint.process([complaint])
        approval, = complaint.approvals
        return leaders, complaint, approval

    @with_transaction()
    def test_approval_turn(self):
        """Each leader who wants mail is told in their language that the
        plan awaits them, with the link to the approval"""
        with smtp_server() as messages:
            leaders, complaint, approval = self.setup_approval()
            run_queued_tasks()
        by_to = {m.envelope_recipients[0]: m for m in messages
            if m.envelope_recipients[0] in {
                'wang@example.com', 'smith@example.com', 'li@example.com'}}
        self.assertEqual(
            sorted(by_to), ['smith@example.com', 'wang@example.com'])
        wang = by_to['wang@example.com']
        self.assertEqual(wang['To'], '王建国 <wang@example.com>')
        self.assertEqual(
            wang['Subject'], "投诉 %s 等待您审批" % complaint.number)
        self.assertIn("领导小组审批，截止", mail_text(wang))
        self.assertIn('href="%s"' % record_url(approval), mail_html(wang))
        smith = by_to['smith@example.com']
        self.assertEqual(
            smith['Subject'],
            "Complaint %s awaits your approval" % complaint.number)
        self.assertIn(
            'href="%s"' % record_url(approval), mail_html(smith))
        for message in messages:
            self.assertNotIn("店员态度恶劣", mail_text(message))

    @with_transaction()
    def test_leaders_digest(self):
        """Each morning the leaders get the pending approvals and the
        overdue complaints, in their language; those who stop it do not"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        User = pool.get('res.user')
        leaders, complaint, approval = self.setup_approval()
        User.write([leaders['li']], {'leaders_digest': False})
        run_queued_tasks()

        with smtp_server() as messages, \
                clock_at(dt.datetime.now() + dt.timedelta(days=400)):
            Complaint.send_leaders_digest()
            run_queued_tasks()
        by_to = {m.envelope_recipients[0]: m for m in messages}
        self.assertEqual(
            sorted(by_to), ['smith@example.com', 'wang@example.com'])
        wang = by_to['wang@example.com']
        self.assertRegex(
            wang['Subject'],
            r'^\d{4}-\d{2}-\d{2} 待审批事项（1 项）和逾期投诉（1 件）$')
        html = mail_html(wang)
        self.assertIn("等待审批的事项", html)
        self.assertIn('href="%s"' % record_url(approval), html)
        self.assertIn("审批人：", html)
        self.assertIn("已超过答复期限的投诉", html)
        self.assertIn('href="%s"' % record_url(complaint), html)
        self.assertIn("负责人：张伟", html)
        self.assertNotIn("服务态度差", html)
        self.assertNotIn("王女士", html)
        smith = by_to['smith@example.com']
        self.assertRegex(
            smith['Subject'],
            r'^Pending approvals \(1\) and overdue complaints \(1\) on ')

    @with_transaction()
    def test_no_reporter_data_in_any_mail(self):
        """Every notice of a report's activities, the approval turn and the
        digests go out; no mail carries the reporter or the report"""
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Complaint = pool.get('complaint.complaint')
        Digest = pool.get('scheduled.activity.mail.digest')
        Employee = pool.get('company.employee')
        Report = pool.get('whistleblower.report')
        Type = pool.get('scheduled.activity.type')
        User = pool.get('res.user')

        with smtp_server() as messages:
            self.setup_approval()
            users = User.search([('login', '!=', 'admin')])
            for user in users:
                values = {'email': '%s@example.com' % user.login}
                if user.login == 'leader':
                    values['notice_activity_overdue'] = 'digest'
                User.write([user], values)
            report, = Report.search([])
            officer, = User.search([('login', '=', 'officer')])
            leader, = User.search([('login', '=', 'leader')])
            Employee.write([officer.employee], {
                    'supervisor': leader.employee.id})
            # A colleague gives the officer an activity on the report
            due = dt.datetime.now() + dt.timedelta(days=2)
            with as_user(leader):
                Activity.create([{
                            'company': report.company.id,
                            'resource': str(report),
                            'type': Type.get_by_code('call').id,
                            'subject': report.number,
                            'assignee': officer.employee.id,
                            'due': due,
                            }])
            # A notice about the report itself is never mailed
            notify([report], [officer], 'tryton-notification',
                'scheduled_activity.msg_assigned_label',
                variables={'type': "x"}, kind='activity_assigned')
            with self.assertRaises(MailResourceError):
                queue_mail(report, ['officer@example.com'], "x", "x")
            for moment in [
                    due - dt.timedelta(minutes=30),
                    due + dt.timedelta(minutes=1),
                    due + dt.timedelta(days=1, minutes=1),
                    due + dt.timedelta(days=30),
                    due + dt.timedelta(days=400),
                    ]:
                with clock_at(moment):
                    Activity.send_reminders()
                    Digest.send_digests()
                    Complaint.send_leaders_digest()
            run_queued_tasks()

        subjects = [m['Subject'] for m in messages]
        # Not vacuous: the report's activities were mailed, the escalation
        # in the leader's digest
        for subject in ["有活动指派给您：电话", "活动即将到期：电话", "活动已逾期：电话"]:
            self.assertIn(subject, subjects)
        self.assertTrue(any("逾期活动已上报给您：电话" in mail_html(m)
                for m in messages if m['To'].addresses[0].username == 'leader'))
        for message in messages:
            content = '\n'.join([message.as_string(),
                str(message['Subject']), str(message['To']),
                mail_text(message)])
            for text in REPORT_TEXTS:
                with self.subTest(subject=message['Subject'], text=text):
                    self.assertNotIn(text, content)
