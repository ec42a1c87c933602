"""Database and visitor shared by the tests of the public pages.

The records are created as root and committed; every request then runs in a
transaction of its own through trytond's WSGI application, as on a server.
"""
import datetime as dt
import io
import uuid

import lxml.html
from werkzeug.test import Client

from trytond.i18n import gettext
from trytond.modules.company.tests import create_company
from trytond.modules.public_page import challenge as proof_of_work
from trytond.modules.public_page import page
from trytond.modules.scheduled_activity.tests.tools import load_translations
from trytond.modules.whistleblower.tests.tools import set_test_key
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction
from trytond.wsgi import app

MODULES = ['complaint_intake', 'whistleblower']
COMPLAINT = 'complaint_plan/complaint'
COMPLAINT_STATUS = 'complaint_plan/complaint/status'
REPORT = 'whistleblower/report'
FOLLOW_UP = 'whistleblower/follow-up'
# The form name each page signs its anti-forgery tokens with
FORMS = {
    COMPLAINT: 'complaint',
    COMPLAINT_STATUS: 'complaint_status',
    REPORT: 'whistleblower_report',
    FOLLOW_UP: 'whistleblower_follow_up',
    }
# The kind of proof of work each anonymous page's forms ask for
KINDS = {
    REPORT: 'anonymous_submission',
    FOLLOW_UP: 'anonymous_lookup',
    }
# High enough for the rate limits never to be met and the proof of work
# never to get harder unless a test lowers them
HIGH_LIMIT = 10 ** 9
LIMITS = [
    'submission_limit', 'lookup_limit', 'anonymous_submission_load',
    'anonymous_lookup_load']
# The proof of work's difficulties, the configuration's defaults
DIFFICULTY = 10
MAX_DIFFICULTY = 18
OFFICER_LOGINS = ['officer_zhou', 'officer_wu']
STAFF_COMPLAINT_DESCRIPTION = '员工录入的投诉：收银台多收了钱'

# The smallest files each accepted type is recognised by, and two that are
# not what their name says
JPEG = b'\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00' + bytes(64)
PNG = b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' + bytes(64)
PDF = b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n'
EXE = b'MZ\x90\x00\x03\x00\x00\x00\x04\x00' + bytes(64)
HTML = b'<!DOCTYPE html><html><body><script>alert(1)</script></body></html>'


def setup_database():
    "Activate the modules, build the records and return their ids"
    set_test_key()
    drop_db()
    activate_module(MODULES)
    # The whistleblower digest secret is created under a lock of its table
    with Transaction().start(
            DB_NAME, 0,
            _lock_tables=['whistleblower_configuration']) as transaction:
        ids = _build()
        transaction.commit()
    set_limits()
    return ids


def _build():
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    Category = pool.get('complaint.category')
    Complaint = pool.get('complaint.complaint')
    WhistleblowerConfiguration = pool.get('whistleblower.configuration')

    # The pages are in Chinese unless the visitor asks for English
    load_translations('zh_CN')
    company = create_company()
    ids = {'company': company.id, 'officer_users': []}
    with Transaction().set_context(company=company.id):
        officer_group = ModelData.get_id(
            'whistleblower', 'group_whistleblower_officer')
        for login in OFFICER_LOGINS:
            party = Party(name=login.replace('_', ' ').title())
            party.save()
            employee = Employee(party=party, company=company)
            employee.save()
            user = User(
                login=login, name=party.name, groups=[officer_group],
                companies=[company], company=company,
                employees=[employee], employee=employee)
            user.save()
            ids['officer_users'].append(user.id)
            ids.setdefault('officer_employee', employee.id)
        configuration = WhistleblowerConfiguration(1)
        configuration.web_case_officer = ids['officer_employee']
        configuration.save()
        WhistleblowerConfiguration.get_digest_secret()

        ids['categories'] = {
            c.name: c.id for c in Category.search([])}
        # A complaint taken by phone has no intake key
        staff_complaint, = Complaint.create([{
                    'company': company.id,
                    'channel': 'phone',
                    'complainant_name': '赵女士',
                    'complainant_phone': '13800138000',
                    'subject': '收银台多收钱',
                    'description': STAFF_COMPLAINT_DESCRIPTION,
                    }])
        ids['staff_complaint'] = staff_complaint.id
    return ids


def set_limits(**limits):
    """Set the rate limits and the loads of the proof of work of the public
    pages, the others out of the way, and its difficulties"""
    with Transaction().start(DB_NAME, 0) as transaction:
        Configuration = Pool().get('public_page.configuration')
        values = {name: limits.get(name, HIGH_LIMIT) for name in LIMITS}
        values['challenge_difficulty'] = limits.get(
            'challenge_difficulty', DIFFICULTY)
        values['challenge_max_difficulty'] = limits.get(
            'challenge_max_difficulty', MAX_DIFFICULTY)
        Configuration.write([Configuration(1)], values)
        transaction.commit()


def clear_attempts():
    "Forget the counted attempts and the spent challenges, as after an hour"
    with Transaction().start(DB_NAME, 0) as transaction:
        pool = Pool()
        for name in ['public_page.attempt', 'public_page.challenge']:
            Model = pool.get(name)
            records = Model.search([])
            # Deleting no record fails on PostgreSQL
            if records:
                Model.delete(records)
        transaction.commit()


def set_web_case_officer(employee_id):
    with Transaction().start(DB_NAME, 0) as transaction:
        Configuration = Pool().get('whistleblower.configuration')
        Configuration.write(
            [Configuration(1)], {'web_case_officer': employee_id})
        transaction.commit()


def count(model, domain=None):
    "Return how many records of the model match the domain"
    with Transaction().start(DB_NAME, 0) as transaction:
        result = Pool().get(model).search_count(domain or [])
        transaction.rollback()
    return result


def read(model, domain, fields_names):
    """Return the values of the fields of the records matching the domain,
    in the order created"""
    with Transaction().start(DB_NAME, 0) as transaction:
        Model = Pool().get(model)
        result = Model.read(
            [r.id for r in Model.search(domain)], fields_names)
        transaction.rollback()
    # read() returns the rows as the database finds them
    return sorted(result, key=lambda r: r['id'])


def state_of(model, id_, language='zh_CN'):
    "Return the state of the record as a visitor in the language reads it"
    with Transaction().start(
            DB_NAME, 0, context={'language': language}) as transaction:
        state = Pool().get(model)(id_).state_string
        transaction.rollback()
    return state


def message(message_id, language='en', **variables):
    "Return the text of the ir.message as a visitor sees it"
    with Transaction().start(
            DB_NAME, 0, context={'language': language}) as transaction:
        text = gettext(message_id, **variables)
        transaction.rollback()
    return text


def mint_token(path):
    "Return a new anti-forgery token of the page's form"
    with Transaction().start(DB_NAME, 0) as transaction:
        token = page.new_token(FORMS[path])
        transaction.rollback()
    return token


def mint_challenge(path):
    "Return a new challenge of the page's form, unsolved"
    with Transaction().start(DB_NAME, 0) as transaction:
        challenge = proof_of_work.new_challenge(KINDS[path])
        transaction.rollback()
    return challenge


def spent_challenges(path):
    "Return how many challenges of the page's kind were spent"
    return count('public_page.challenge', [('kind', '=', KINDS[path])])


def report_of_code(code):
    "Return the id of the whistleblower report of the receipt code"
    with Transaction().start(DB_NAME, 0) as transaction:
        Report = Pool().get('whistleblower.report')
        report = Report.find_by_receipt(code)
        transaction.rollback()
    return report.id if report else None


def add_officer_message(report_id, text):
    "Record a case officer's question to the reporter"
    with Transaction().start(DB_NAME, 0) as transaction:
        Message = Pool().get('whistleblower.message')
        Message.create([{
                    'report': report_id,
                    'direction': 'outgoing',
                    'date': dt.datetime.now().replace(microsecond=0),
                    'text': text,
                    }])
        transaction.commit()


def close_report(report_id, company_id):
    "Take the report through its workflow up to closed"
    with Transaction().start(
            DB_NAME, 0, context={'company': company_id}) as transaction:
        Report = Pool().get('whistleblower.report')
        report = Report(report_id)
        Report.verify([report])
        Report.write([report], {'dismissal_reason': 'Not a violation.'})
        Report.dismiss([report])
        Report.write([report], {'notice_text': 'The case is closed.'})
        Report.notify([report])
        Report.close([report])
        transaction.commit()


def forget_replies(report_id):
    "Delete what the reporter added to the report and the notifications"
    with Transaction().start(DB_NAME, 0) as transaction:
        pool = Pool()
        Message = pool.get('whistleblower.message')
        Attachment = pool.get('ir.attachment')
        Notification = pool.get('res.notification')
        for Model, domain in [
                (Message, [
                        ('report', '=', report_id),
                        ('direction', '=', 'incoming'),
                        ]),
                (Attachment, [
                        ('resource', '=', f'whistleblower.report,{report_id}'),
                        ]),
                (Notification, []),
                ]:
            # Deleting no notification fails on PostgreSQL
            records = Model.search(domain)
            if records:
                Model.delete(records)
        transaction.commit()


def new_submission():
    "Return a fresh idempotency key as the forms hold"
    return uuid.uuid4().hex


def files(*uploads):
    "Return the uploads as form values: (name, content) pairs"
    return [(io.BytesIO(data), name) for name, data in uploads]


class Page:
    "A response of a public page, read as a visitor reads it"

    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)
        self._document = None

    @property
    def document(self):
        if self._document is None:
            self._document = lxml.html.document_fromstring(
                self.html or '<html></html>')
        return self._document

    def element(self, id_):
        return self.document.get_element_by_id(id_, None)

    def text(self, id_):
        "Return the text of the element of the id or None without it"
        element = self.element(id_)
        return element.text_content().strip() if element is not None else None

    def field(self, name):
        "Return the value the form field of the name holds"
        element, = self.document.xpath(
            '//*[@name=$name][not(@type="radio")]', name=name)
        if element.tag == 'textarea':
            return element.text or ''
        return element.get('value')

    @property
    def error(self):
        return self.text('error')

    @property
    def language(self):
        "Return the language code of the page"
        return (self.document.get('lang') or '').replace('-', '_') or None

    @property
    def cookies(self):
        "Return the names of the cookies the response sets"
        return [h.split('=', 1)[0].strip()
            for h in self.response.headers.getlist('Set-Cookie')]


class Visitor:
    """A browser on the public pages

    It keeps the anti-forgery cookie the pages set and posts the token of
    the last form it was shown, as a browser does; it solves the proof of
    work of that form as the page's script does."""

    def __init__(self, headers=None, environ=None):
        self.client = Client(app, use_cookies=False)
        self.headers = dict(headers or {})
        self.environ = dict(environ or {})
        self.cookie = ''
        self.token = ''
        self.challenge = None

    def use_token(self, token):
        "Hold the token as cookie and form field"
        self.cookie = self.token = token

    def _headers(self, headers):
        result = dict(self.headers)
        if self.cookie:
            result['Cookie'] = f'{page.TOKEN_COOKIE}={self.cookie}'
        result.update(headers or {})
        return result

    def _remember(self, response, follow):
        result = Page(response)
        if follow:
            cookie = response.headers.get('Set-Cookie', '')
            if cookie.startswith(page.TOKEN_COOKIE + '='):
                self.cookie = cookie.split(';')[0].split('=', 1)[1]
            if result.html and result.document.xpath(
                    '//input[@name="csrf_token"]'):
                self.token = result.field('csrf_token')
            if result.html and result.document.xpath(
                    '//input[@name="challenge"]'):
                self.challenge = result.field('challenge')
        return result

    def get(self, path, query=None, headers=None, follow=True):
        response = self.client.get(
            f'/{DB_NAME}/{path}', query_string=query,
            headers=self._headers(headers), environ_base=self.environ)
        return self._remember(response, follow)

    def post(self, path, data, headers=None, follow=True):
        """Post the form values with the held token unless they have one,
        and the held challenge with its proof unless they have a challenge;
        the values None are not sent"""
        if self.challenge and 'challenge' not in data:
            data = {
                'challenge': self.challenge,
                'proof': proof_of_work.solve(self.challenge), **data}
        data = {
            k: v for k, v in {'csrf_token': self.token, **data}.items()
            if v is not None}
        response = self.client.post(
            f'/{DB_NAME}/{path}', data=data,
            headers=self._headers(headers), environ_base=self.environ)
        return self._remember(response, follow)
