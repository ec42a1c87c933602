# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The emails to the complainant, as a real SMTP server on 127.0.0.1
receives them, and the satisfaction survey page their link opens, through
trytond's WSGI application as a visitor's browser uses it"""
import datetime as dt
import re
import threading
import unittest

import lxml.html
from werkzeug.test import Client

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.public_page import page
from trytond.modules.scheduled_activity.tests.mail_tools import (
    mail_html, run_queued_tasks, smtp_server)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_user)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

PUBLIC_URL = 'https://complaints.example.com'
SURVEY_LINK = re.compile(
    re.escape(PUBLIC_URL) + r'/[^/]+/complaint_plan/survey\?'
    r'token=([A-Za-z0-9_-]{43})&lang=(zh_CN|en)')


def setup_company():
    """A company of Beijing time with its public address (the test cases'
    databases hold the Chinese translations)"""
    pool = Pool()
    Configuration = pool.get('complaint.configuration')
    company = create_company()
    company.timezone = 'Asia/Shanghai'
    company.save()
    Configuration.write([Configuration(1)], {'public_url': PUBLIC_URL})
    return company


def new_complaint(**values):
    "Return a registered product complaint of Ms Wang"
    pool = Pool()
    Category = pool.get('complaint.category')
    Complaint = pool.get('complaint.complaint')
    quality, = Category.search([('name', '=', "Product Quality")])
    values = {
        'complainant_name': "王女士",
        'complainant_email': "wang@example.com",
        'subject': "牛奶过期",
        'description': "购买的牛奶已过保质期两天。",
        'category': quality.id,
        'received_at': dt.datetime(2026, 3, 2, 1, 0),
        **values}
    complaint, = Complaint.create([values])
    Complaint.register([complaint])
    return complaint


def respond(complaint, reply="已为您办理退款，并致歉。"):
    "Handle the complaint up to the answer of the round, with the reply"
    pool = Pool()
    Complaint = pool.get('complaint.complaint')
    Feedback = pool.get('complaint.feedback')
    Complaint.verify([complaint])
    complaint.occurred_at = complaint.received_at
    complaint.cause = "临期商品未及时下架。"
    complaint.save()
    Complaint.plan([complaint])
    complaint.investigation_duties = "店长调查。"
    complaint.investigation_methods = "检查货架与出库记录。"
    complaint.measures = "退货退款。"
    complaint.save()
    Complaint.process([complaint])
    Feedback.create([{
                'complaint': complaint.id,
                'method': 'email',
                'content': "电话致歉，办理退款。",
                'reply': reply,
                }])
    Complaint.respond([complaint])
    return Complaint(complaint.id)


class Visitor:
    "A browser on the survey page: it keeps the anti-forgery cookie"

    def __init__(self, path='complaint_plan/survey'):
        self.client = Client(app, use_cookies=False)
        self.url = f'/{DB_NAME}/{path}'
        self.cookie = self.token = ''

    def _answer(self, response):
        cookie = response.headers.get('Set-Cookie', '')
        if cookie.startswith(page.TOKEN_COOKIE + '='):
            self.cookie = cookie.split(';')[0].split('=', 1)[1]
        document = lxml.html.fromstring(response.get_data(as_text=True))
        tokens = document.xpath('//input[@name="csrf_token"]/@value')
        if tokens:
            self.token = tokens[0]
        return response, document

    def get(self, query):
        return self._answer(self.client.get(self.url, query_string=query))

    def post(self, query, data):
        return self._answer(self.client.post(self.url, query_string=query,
                data={'csrf_token': self.token, **data},
                headers={'Cookie': f'{page.TOKEN_COOKIE}={self.cookie}'}))


def body_text(message):
    "The text of the mail as the complainant reads it"
    document = lxml.html.fromstring(mail_html(message))
    return ' '.join(document.text_content().split())


def text_of(document, id_):
    return ' '.join(document.get_element_by_id(id_).text_content().split())


class ComplaintMailTestCase(ModuleDatabaseTestCase):
    "The emails to the complainant and the satisfaction survey"
    modules = ['complaint_plan']
    translations = ['zh_CN']

    @with_transaction()
    def test_acknowledgement(self):
        """Registering the complaint mails the number and the answer
        deadline in Beijing time, in Chinese by default"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Email = pool.get('ir.email')
        company = setup_company()
        with set_company(company), smtp_server() as messages:
            complaint = new_complaint()
            run_queued_tasks()

        message, = messages
        self.assertEqual(message.envelope_recipients, ['wang@example.com'])
        self.assertEqual(
            message['Subject'], f"您的投诉已登记：{complaint.number}")
        self.assertEqual(message['Content-Language'], 'zh-CN')
        document = lxml.html.fromstring(mail_html(message))
        self.assertEqual(text_of(document, 'number'), complaint.number)
        # Received 09:00 Beijing time, answered within the level's delay
        self.assertEqual(text_of(document, 'deadline'),
            complaint.resolution_due.replace(tzinfo=dt.timezone.utc)
            .astimezone(dt.timezone(dt.timedelta(hours=8)))
            .strftime('%Y-%m-%d %H:%M') + '（北京时间，UTC+8）')
        # No page to follow the complaint on: no link to it
        self.assertIsNone(document.get_element_by_id('status', None))
        self.assertIn('王女士，您好', body_text(message))
        # Archived on the complaint
        email, = Email.search([('resource', '=', str(complaint))])
        self.assertEqual(email.subject, message['Subject'])
        self.assertEqual(
            Complaint(complaint.id).complainant_language, 'zh_CN')

    @with_transaction()
    def test_acknowledgement_english(self):
        "An English-speaking complainant is written to in English"
        company = setup_company()
        with set_company(company), smtp_server() as messages:
            complaint = new_complaint(
                complainant_name="Ms Green",
                complainant_email="green@example.com",
                complainant_language='en')
            run_queued_tasks()

        message, = messages
        self.assertEqual(message['Subject'],
            f"Your complaint {complaint.number} is registered")
        self.assertEqual(message['Content-Language'], 'en')
        text = body_text(message)
        self.assertIn("Dear Ms Green,", text)
        self.assertIn("(Beijing time, UTC+8)", text)
        self.assertNotRegex(text, r'[\u4e00-\u9fff]')

    @with_transaction()
    def test_no_email_no_mail(self):
        "A complainant without email address is sent nothing"
        pool = Pool()
        Email = pool.get('ir.email')
        Mail = pool.get('scheduled.activity.mail')
        company = setup_company()
        with set_company(company), smtp_server() as messages:
            complaint = new_complaint(
                complainant_email=None, complainant_phone='13912345678')
            respond(complaint)
            run_queued_tasks()
        self.assertEqual(messages, [])
        self.assertEqual(Mail.search([]), [])
        self.assertEqual(Email.search([]), [])
        self.assertIsNone(complaint.feedbacks[0].survey_token)

    @with_transaction()
    def test_feedback(self):
        """Responding mails the reply, with the feedback letter attached and
        the survey link of the reply"""
        company = setup_company()
        with set_company(company), smtp_server() as messages:
            complaint = new_complaint()
            complaint = respond(complaint)
            run_queued_tasks()

        acknowledgement, message = messages
        feedback, = complaint.feedbacks
        self.assertEqual(
            message['Subject'], f"您的投诉 {complaint.number} 的答复")
        document = lxml.html.fromstring(mail_html(message))
        self.assertEqual(text_of(document, 'reply'), "已为您办理退款，并致歉。")
        # The internal record stays in the office
        self.assertNotIn("电话致歉", mail_html(message))
        survey_url = document.get_element_by_id('survey').get('href')
        match = SURVEY_LINK.fullmatch(survey_url)
        self.assertTrue(match, survey_url)
        self.assertEqual(match.groups(), (feedback.survey_token, 'zh_CN'))
        letter, = message.iter_attachments()
        # LibreOffice is not on every machine: the letter is then an ODT
        self.assertIn(letter.get_filename(), {
                f"投诉答复函 {complaint.number}.pdf",
                f"投诉答复函 {complaint.number}.odt"})
        self.assertGreater(len(letter.get_content()), 1000)

    @with_transaction()
    def test_feedback_needs_reply(self):
        """A round answered by phone, with no reply written for the
        complainant, sends no mail"""
        company = setup_company()
        with set_company(company), smtp_server() as messages:
            complaint = new_complaint()
            respond(complaint, reply=None)
            run_queued_tasks()
        acknowledgement, = messages
        self.assertIn("已登记", acknowledgement['Subject'])

    @with_transaction()
    def test_survey_token_hidden(self):
        """No one in the office reads, searches or sets the survey code of a
        reply: they would answer the survey for the complainant"""
        pool = Pool()
        Feedback = pool.get('complaint.feedback')
        company = setup_company()
        with set_company(company), smtp_server():
            complaint = respond(new_complaint())
            run_queued_tasks()
            feedback, = complaint.feedbacks
            self.assertTrue(Feedback(feedback.id).survey_token)
            for group in ['group_complaint_clerk',
                    'group_complaint_manager']:
                user = create_user(
                    group, [f'complaint_plan.{group}'], company)
                with self.subTest(group=group), as_user(user):
                    self.assertEqual(Feedback.read(
                            [feedback.id], ['reply'])[0]['reply'],
                        feedback.reply)
                    for forbidden in [
                            lambda: Feedback.read(
                                [feedback.id], ['survey_token']),
                            lambda: Feedback.search(
                                [('survey_token', '!=', None)]),
                            lambda: Feedback.write([Feedback(feedback.id)],
                                {'survey_token': 'x'}),
                            ]:
                        with self.assertRaises(AccessError):
                            forbidden()


class SurveyPageTestCase(ModuleDatabaseTestCase):
    """The survey page as a complainant's browser uses it and an attacker
    probes it: every request in a transaction of its own"""
    modules = ['complaint_plan']
    translations = ['zh_CN']

    def setUp(self):
        super().setUp()
        # The configuration's row is created under the lock of its table
        with Transaction().start(DB_NAME, 0,
                _lock_tables=['complaint_configuration']) as transaction:
            pool = Pool()
            Company = pool.get('company.company')
            companies = Company.search([])
            company = companies[0] if companies else setup_company()
            with set_company(company), smtp_server():
                complaint = respond(new_complaint())
                run_queued_tasks()
            self.complaint = complaint.id
            self.token = complaint.feedbacks[0].survey_token
            transaction.commit()

    def state(self):
        "The complaint's state, round and satisfaction and the reply's"
        with Transaction().start(DB_NAME, 0, readonly=True):
            pool = Pool()
            Complaint = pool.get('complaint.complaint')
            complaint = Complaint(self.complaint)
            return (complaint.state, complaint.round,
                [(f.satisfaction, f.comment) for f in complaint.feedbacks])

    def test_satisfied_once(self):
        """Showing the page changes nothing; the click records the answer;
        a second click says it was recorded already and changes nothing"""
        visitor = Visitor()
        query = {'token': self.token, 'lang': 'en'}
        response, document = visitor.get(query)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(text_of(document, 'satisfied'), "Satisfied")
        self.assertEqual(text_of(document, 'unsatisfied'), "Unsatisfied")
        self.assertEqual(self.state(), ('responded', 1, [(None, None)]))

        response, document = visitor.post(
            query, {'answer': 'satisfied', 'comment': "Quick refund."})
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "has been recorded", text_of(document, 'survey-recorded'))
        self.assertEqual(self.state(),
            ('responded', 1, [('satisfied', "Quick refund.")]))

        response, document = visitor.post(
            query, {'answer': 'unsatisfied', 'comment': "Changed my mind."})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(text_of(document, 'survey-already'),
            "Your answer to this survey was already recorded: Satisfied.")
        self.assertEqual(self.state(),
            ('responded', 1, [('satisfied', "Quick refund.")]))
        response, document = visitor.get(query)
        self.assertTrue(document.get_element_by_id('survey-already', None)
            is not None)
        self.assertFalse(document.xpath('//form'))

    def test_unsatisfied_reopens(self):
        """Unsatisfied sends the complaint back to verification for a
        second round, as the office does with Reverify"""
        visitor = Visitor()
        query = {'token': self.token}
        response, document = visitor.get(query)
        self.assertEqual(text_of(document, 'unsatisfied'), "不满意")
        response, document = visitor.post(
            query, {'answer': 'unsatisfied', 'comment': "希望得到书面道歉。"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("重新进入处理", text_of(document, 'survey-recorded'))
        self.assertEqual(self.state(),
            ('verifying', 2, [('unsatisfied', "希望得到书面道歉。")]))

    def test_refused(self):
        """Wrong codes, answers, comments and forged posts are refused with
        a translated page and change nothing"""
        visitor = Visitor()
        query = {'token': self.token, 'lang': 'en'}
        visitor.get(query)
        before = self.state()
        wrong_token = self.token[:-1] + ('A' if self.token[-1] != 'A' else 'B')
        for token in [wrong_token, '', 'x' * 5000, "' OR 1=1 --", '\x00']:
            response, document = visitor.get({'token': token, 'lang': 'en'})
            self.assertEqual(response.status_code, 404, token)
            self.assertIn("not valid", text_of(document, 'error'))
            self.assertFalse(document.xpath('//form'))
            response, document = visitor.post(
                {'token': token, 'lang': 'en'}, {'answer': 'satisfied'})
            self.assertEqual(response.status_code, 404, token)
        for data, message in [
                ({'answer': 'no_answer'}, "Please choose"),
                ({'answer': ''}, "Please choose"),
                ({'answer': 'satisfied', 'comment': 'x' * 2001},
                    "2000"),
                ({'answer': 'satisfied', 'csrf_token': 'forged'},
                    "expired"),
                ]:
            response, document = visitor.post(query, data)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn(message, text_of(document, 'error'))
            self.assertEqual(self.state(), before)
        # Refused in Chinese to a Chinese visitor
        response, document = visitor.post(
            {'token': self.token}, {'answer': 'maybe'})
        self.assertEqual(text_of(document, 'error'), "请选择“满意”或“不满意”。")
        self.assertEqual(self.state(), before)

    @unittest.skipUnless(backend.name == 'postgresql',
        "SQLite runs one writing transaction at a time: no two answers can "
        "be recorded at the same moment")
    def test_two_answers_at_once(self):
        """Two answers posted at the same moment (two tabs, two server
        threads): one is recorded, the other is told it was recorded
        already, and the complaint is reopened once"""
        visitors = [Visitor(), Visitor()]
        query = {'token': self.token, 'lang': 'en'}
        for visitor in visitors:
            visitor.get(query)
        start = threading.Barrier(len(visitors))
        pages = {}

        def answer(visitor, value):
            start.wait()
            pages[value] = visitor.post(query, {'answer': value})

        threads = [threading.Thread(target=answer, args=(v, a))
            for v, a in zip(visitors, ['satisfied', 'unsatisfied'])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        outcomes = {
            value: [id_ for id_ in ['survey-recorded', 'survey-already']
                if document.get_element_by_id(id_, None) is not None]
            for value, (response, document) in pages.items()}
        self.assertEqual(sorted(outcomes.values()),
            [['survey-already'], ['survey-recorded']])
        recorded, = [v for v, o in outcomes.items()
            if o == ['survey-recorded']]
        state, round_, feedbacks = self.state()
        self.assertEqual(feedbacks, [(recorded, None)])
        self.assertEqual((state, round_),
            ('verifying', 2) if recorded == 'unsatisfied'
            else ('responded', 1))
