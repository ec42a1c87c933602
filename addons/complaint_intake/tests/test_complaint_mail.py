# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The status page link in the emails to the complainant, and the language
of a complaint sent from the web form"""
import urllib.parse

import lxml.html

from trytond.modules.company.tests import set_company
from trytond.modules.complaint_plan.tests.test_complaint_mail import (
    PUBLIC_URL, Visitor, new_complaint, setup_company, text_of)
from trytond.modules.scheduled_activity.tests.mail_tools import (
    mail_html, run_queued_tasks, smtp_server)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction


class ComplaintMailStatusTestCase(ModuleDatabaseTestCase):
    "The emails to the complainant link to the status page"
    modules = ['complaint_intake']
    translations = ['zh_CN']

    @with_transaction()
    def test_acknowledgement_status_link(self):
        """The acknowledgement links to the status page of the complaint on
        the public address, in the complainant's language"""
        company = setup_company()
        with set_company(company), smtp_server() as messages:
            chinese = new_complaint()
            english = new_complaint(
                complainant_name="Ms Green",
                complainant_email="green@example.com",
                complainant_language='en')
            run_queued_tasks()

        for complaint, language in [(chinese, 'zh_CN'), (english, 'en')]:
            message, = [m for m in messages
                if complaint.number in m['Subject']]
            document = lxml.html.fromstring(mail_html(message))
            status_url = (f'{PUBLIC_URL}/{urllib.parse.quote(DB_NAME)}'
                '/complaint_plan/complaint/status?'
                + urllib.parse.urlencode(
                    {'number': complaint.number, 'lang': language}))
            self.assertEqual(
                document.get_element_by_id('status').get('href'), status_url)
            self.assertEqual(text_of(document, 'status'), status_url)

    def test_web_form_language(self):
        """A complaint sent from the page in English is written to in
        English"""
        # The configuration's row is created under the lock of its table
        with Transaction().start(DB_NAME, 0,
                _lock_tables=['complaint_configuration']) as transaction:
            setup_company()
            transaction.commit()
        visitor = Visitor('complaint_plan/complaint')
        response, document = visitor.get({'lang': 'en'})
        submission, = document.xpath('//input[@name="submission"]/@value')
        response, document = visitor.post({}, {
                'lang': 'en', 'submission': submission, 'name': "Ms Green",
                'email': 'green@example.com',
                'description': "The milk was expired."})
        self.assertEqual(response.status_code, 200)
        number = text_of(document, 'complaint-number')
        with Transaction().start(DB_NAME, 0, readonly=True):
            Complaint = Pool().get('complaint.complaint')
            complaint, = Complaint.search([('number', '=', number)])
            self.assertEqual(complaint.complainant_language, 'en')
