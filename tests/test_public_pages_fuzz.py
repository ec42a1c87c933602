"""Property-based fuzz of the public pages: 1,000 generated visits of each
form (200 on PostgreSQL, see EXAMPLES), with Chinese, control characters,
very long and missing values, wrong types and random files, and on the
whistleblower pages proofs of work missing, wrong or forged.

For every visit: never a server error; a valid one is stored exactly once,
also when it is sent twice; an invalid one is answered 4xx with a message
and stores nothing. Whether a visit is valid is decided here from the rules
the pages announce, not from the pages' code.
"""
import re
import unicodedata
import unittest

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from trytond import backend
from trytond.modules.public_page import challenge as proof_of_work
from trytond.modules.public_page import page
from trytond.modules.scheduled_activity.phone import is_valid_phone
from trytond.tests.test_tryton import drop_db

from public_pages_fixture import (
    COMPLAINT, COMPLAINT_STATUS, EXE, FOLLOW_UP, HTML, JPEG, PDF, PNG, REPORT,
    Visitor, count, files, forget_replies, mint_challenge, mint_token,
    new_submission, read, report_of_code, setup_database, spent_challenges)

# The visits try the pages, whatever the engine: in full on SQLite; on
# PostgreSQL, run beside it in CI, a sample tries what the engine adds (its
# constraints, its refusal of NUL characters)
EXAMPLES = 1000 if backend.name == 'sqlite' else 200
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, database=None,
    suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.data_too_large,
        HealthCheck.large_base_example])
ids = {}

CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
CONTROL = st.characters(categories=['Cc'])
SPACES = st.sampled_from(' \t\n\r\u3000\xa0\u2028')
CHARACTERS = st.one_of(st.characters(codec='utf-8'), CHINESE, CONTROL, SPACES)
TEXT = st.text(CHARACTERS, max_size=40)
# Text that is not blank once stripped
WORDS = st.builds(lambda first, rest: first + rest, CHINESE, TEXT)
WRONG_VALUES = [
    'abc', '-1', '0', '1.5', '1e3', '99999999999999999999', '²', '٣', 'null',
    'None', 'true', '[]', '{"a": 1}', '%s', '${1+1}', "' OR 1=1 --",
    '<script>alert(1)</script>']
WRONG_TYPES = st.sampled_from(WRONG_VALUES + ['', ' ', '\x00'])


def mostly(usual, other, one_in=10):
    "Draw from other once in one_in draws, else from usual"
    return st.integers(1, one_in).flatmap(
        lambda i: other if i == 1 else usual)


def of_length(low, high):
    "Text of a length between low and high once stripped"
    return st.builds(
        lambda text, length: (text * length)[:length],
        st.text(CHINESE, min_size=1, max_size=4), st.integers(low, high))


def field(limit, required=False):
    """A text field's value: nine times in ten a valid one (Chinese, control
    characters, of a wrong type, up to the length limit), else too long or
    missing when required"""
    valid = st.one_of(WORDS, st.sampled_from(WRONG_VALUES), of_length(
            limit - 2, limit))
    invalid = of_length(limit + 1, limit + 3)
    if required:
        invalid = st.one_of(invalid, st.none(), st.sampled_from(
                ['', ' ', '\x00', '\u3000\n']))
    else:
        valid = st.one_of(valid, st.none(), TEXT)
    return mostly(valid, invalid)


# A file's content by its kind and whether the pages accept it
CONTENTS = {
    'jpeg': (JPEG, True), 'png': (PNG, True), 'pdf': (PDF, True),
    'exe': (EXE, False), 'html': (HTML, False), 'empty': (b'', False),
    'large': (JPEG + bytes(page.MAX_ATTACHMENT_SIZE), False),
    }
# The names a browser can send: it escapes quotes, backslashes and line
# ends in the multipart header
FILE_NAMES = st.one_of(
    st.sampled_from([
            'photo.jpg', '照片.png', '../../etc/passwd', 'C:/x/收据.pdf', '',
            ' ', '<script>.jpg', 'a' * 300 + '.jpg']),
    st.text(
        st.one_of(
            st.characters(codec='utf-8', exclude_characters='"\\\r\n%'),
            CHINESE,
            st.characters(categories=['Cc'], exclude_characters='\r\n')),
        max_size=30))
ACCEPTED = st.tuples(FILE_NAMES, st.sampled_from(['jpeg', 'png', 'pdf']))
ANY_FILE = st.tuples(FILE_NAMES, st.one_of(
        # The large file is costly to send: one draw in 25
        st.sampled_from(sorted(set(CONTENTS) - {'large'}) * 4 + ['large']),
        # Random bytes, which no accepted type starts with
        st.binary(max_size=200).map(lambda b: b'RANDOM' + b)))
UPLOADS = mostly(
    st.lists(ACCEPTED, max_size=page.MAX_ATTACHMENTS),
    st.lists(ANY_FILE, min_size=1, max_size=page.MAX_ATTACHMENTS + 2))
# An email address with whether it is well formed
EMAILS = mostly(
    st.sampled_from([
            (None, True), ('li@example.com', True),
            ('Wang.Li@Example.COM', True), (' 12345@qq.com ', True),
            ('wang@例子.中国', True), ('"wang li"@example.com', True)]),
    st.one_of(
        st.sampled_from([
                'li@', '@example.com', 'li@example', 'li example@qq.com',
                'li@@example.com', '王先生', '13912345678']),
        WORDS.map(lambda t: t.replace('@', '')),
        of_length(101, 103).map(lambda t: t + '@qq.com')).map(
        lambda email: (email, False)))
TOKENS = mostly(st.just('valid'), st.sampled_from(['missing', 'forged']))
# The proof of work of the whistleblower pages' forms
CHALLENGES = mostly(
    st.just('solved'),
    st.sampled_from(['missing', 'unsolved', 'forged', 'other form']))
# A new key, the key of an earlier stored form, or no key
SUBMISSIONS = mostly(
    st.sampled_from(['new'] * 5 + ['earlier']),
    st.one_of(
        st.none(), TEXT, WRONG_TYPES,
        st.text('0123456789abcdef', min_size=31, max_size=31),
        st.text('0123456789ABCDEF', min_size=32, max_size=32)))


def setUpModule():
    ids.update(setup_database())


def tearDownModule():
    drop_db()


def visible(value):
    """The text without what the pages drop: the control characters but line
    feeds and tabs, and the bidirectional embeddings, overrides and
    isolates"""
    return ''.join(c for c in value or '' if c in '\n\t' or (
            unicodedata.category(c) != 'Cc' and not (
                '\u202a' <= c <= '\u202e' or '\u2066' <= c <= '\u2069')))


def stripped(value):
    "The text as the pages take it"
    return visible(value).strip()


def fits(value, limit, required=False):
    value = stripped(value)
    return len(value) <= limit and (bool(value) or not required)


def single(value):
    "A one-line field's text as the pages take it: blanks made one space"
    return ' '.join(visible(value).split())


def file_values(uploads):
    "Return the form's files and whether they are accepted"
    sent, accepted = [], []
    for name, kind in uploads:
        data, valid = CONTENTS.get(kind, (kind, False))
        sent.append((name, data))
        # A browser sends no file for an empty name
        if name:
            accepted.append(valid)
    return sent, len(accepted) <= page.MAX_ATTACHMENTS and all(accepted)


def sent_files(uploads):
    "Return how many files the page receives"
    return sum(1 for name, _ in uploads if name)


def submission_key(value, earlier):
    "Return the key to send: new, one of the earlier ones or as drawn"
    if value == 'earlier' and earlier:
        return list(earlier)[-1]
    elif value in {'new', 'earlier'}:
        return new_submission()
    return value


def valid_key(key):
    return bool(re.fullmatch(r'[0-9a-f]{32}', key or ''))


class FuzzTestCase(unittest.TestCase):
    "Visits with a token of the form, forged or missing as drawn"
    path = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = mint_token(cls.path)

    def visitor(self, token):
        visitor = Visitor()
        visitor.use_token(self.token)
        if token == 'missing':
            visitor.token = None
        elif token == 'forged':
            issued, nonce, _ = self.token.split('.')
            visitor.token = visitor.cookie = f'{issued}.{nonce}.{"0" * 64}'
        return visitor

    def post(self, visitor, data):
        return visitor.post(self.path, data, follow=False)

    def challenge(self, visitor, drawn):
        """Give the visitor a new challenge of the form, solved, missing,
        unsolved or forged as drawn"""
        challenge = mint_challenge(self.path)
        visitor.challenge = challenge
        if drawn == 'missing':
            visitor.challenge = None
        elif drawn == 'unsolved':
            proof = next(str(n) for n in range(10 ** 6)
                if not proof_of_work.worked(challenge, str(n)))
            return {'challenge': challenge, 'proof': proof}
        elif drawn == 'forged':
            letter, difficulty, expires, nonce, _ = challenge.split('.')
            forged = '.'.join([letter, '0', expires, nonce, '0' * 32])
            return {'challenge': forged, 'proof': '0'}
        elif drawn == 'other form':
            other = mint_challenge(
                REPORT if self.path != REPORT else FOLLOW_UP)
            return {'challenge': other, 'proof': proof_of_work.solve(other)}
        return {}

    def assertNoServerError(self, result):
        self.assertLess(result.status, 500, result.html[-2000:])

    def assertRefused(self, result, statuses=(400,)):
        "Assert the visit was refused with a message"
        self.assertIn(result.status, statuses, result.error)
        self.assertTrue(result.error)


class ComplaintFuzzTestCase(FuzzTestCase):
    "The complaint form"
    path = COMPLAINT

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The number of the complaint each stored key sent
        cls.numbers = {}

    def valid(self, values, email_valid, uploads_valid):
        "Tell if the form passes the page's checks and can be stored"
        category = values.get('category') or ''
        phone, email = single(values.get('phone')), single(
            values.get('email'))
        return all([
                valid_key(values.get('submission')),
                fits(single(values.get('name')), 200, required=True),
                fits(phone, 30), fits(email, 100), phone or email,
                not phone or _possible_phone(phone), email_valid,
                fits(single(values.get('respondent')), 200),
                fits(values.get('description'), 5000, required=True),
                fits(values.get('remedy'), 2000),
                not category or (
                    re.fullmatch(r'[0-9]+', category)
                    and int(category) in ids['categories'].values()),
                # No QR code drawn is one in use: the form asks for the store
                not values.get('point'),
                uploads_valid,
                ])

    def stored(self):
        return count('complaint.complaint'), count('ir.attachment')

    @FUZZ
    @given(
        token=TOKENS, submission=SUBMISSIONS, name=field(200, required=True),
        phone=mostly(
            st.one_of(st.none(), st.sampled_from([
                        '13912345678', '139 1234 5678', '+86 139-1234-5678',
                        '010 6552 9988', '(021) 6321-8888'])),
            st.one_of(TEXT, WRONG_TYPES, of_length(31, 33))),
        email=EMAILS,
        respondent=field(200),
        category=mostly(
            st.sampled_from([None, '', 'listed']),
            st.one_of(WRONG_TYPES, TEXT, st.integers(-5, 10 ** 12).map(str)),
            one_in=4),
        description=field(5000, required=True), remedy=field(2000),
        point=mostly(st.none(), st.one_of(TEXT, WRONG_TYPES)),
        uploads=UPLOADS, twice=st.booleans())
    def test_submit(self, token, submission, email, category, uploads, twice,
            **values):
        if category == 'listed':
            category = str(min(ids['categories'].values()))
        email, email_valid = email
        values.update(
            submission=submission_key(submission, self.numbers),
            email=email, category=category)
        sent, uploads_valid = file_values(uploads)
        valid = token == 'valid' and self.valid(
            values, email_valid, uploads_valid)
        visitor = self.visitor(token)
        before = self.stored()

        result = self.post(visitor, {**values, 'attachments': files(*sent)})
        self.assertNoServerError(result)
        sent_before = self.numbers.get(values['submission'])
        if token == 'valid' and sent_before:
            event('key sent again')
            # The key's complaint is found again, whatever the values
            self.assertEqual(result.status, 200, result.error)
            self.assertEqual(result.text('complaint-number'), sent_before)
            self.assertEqual(self.stored(), before)
            return
        event('valid' if valid else 'invalid')
        if not valid:
            self.assertRefused(result)
            self.assertEqual(self.stored(), before)
            return
        self.assertEqual(result.status, 200, result.error)
        number = result.text('complaint-number')
        self.numbers[values['submission']] = number
        after = (before[0] + 1, before[1] + sent_files(uploads))
        self.assertEqual(self.stored(), after)
        complaint, = read('complaint.complaint', [('number', '=', number)], [
                'channel', 'complainant_name', 'description'])
        self.assertEqual(complaint['channel'], 'web')
        self.assertEqual(
            complaint['complainant_name'], single(values['name']))
        self.assertEqual(
            complaint['description'], stripped(values['description']))
        if twice:
            again = self.post(
                visitor, {**values, 'attachments': files(*sent)})
            self.assertEqual(again.status, 200, again.error)
            self.assertEqual(again.text('complaint-number'), number)
            self.assertEqual(self.stored(), after)


class ComplaintStatusFuzzTestCase(FuzzTestCase):
    "The status look-up of a complaint"
    path = COMPLAINT_STATUS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        visitor = Visitor()
        visitor.get(COMPLAINT)
        result = visitor.post(COMPLAINT, {
                'submission': new_submission(), 'name': '李女士',
                'phone': '13912345678', 'email': 'Li@Example.com',
                'description': '退货被拒绝。'})
        cls.number = result.text('complaint-number')

    @FUZZ
    @given(
        token=TOKENS,
        number=st.one_of(
            st.sampled_from(['right', 'lower', 'padded', 'suffixed']),
            field(30)),
        contact=st.one_of(
            st.sampled_from([
                    '13912345678', '139 1234 5678', '+86 139-1234-5678',
                    'li@example.com', ' LI@EXAMPLE.COM ']),
            st.sampled_from(['13912345679', 'li@example.org']),
            field(100)))
    def test_look_up(self, token, number, contact):
        right_number = number in {'right', 'lower', 'padded'}
        number = {
            'right': self.number, 'lower': self.number.lower(),
            'padded': f' {self.number}\t', 'suffixed': self.number + '1',
            }.get(number, number)
        right_contact = contact in {
            '13912345678', '139 1234 5678', '+86 139-1234-5678',
            'li@example.com', ' LI@EXAMPLE.COM '}
        visitor = self.visitor(token)
        before = (
            count('complaint.complaint'), count('complaint.feedback'),
            count('public_page.attempt'))

        result = self.post(visitor, {'number': number, 'contact': contact})
        self.assertNoServerError(result)
        event('found' if token == 'valid' and right_number and right_contact
            else 'not found')
        after = (
            count('complaint.complaint'), count('complaint.feedback'),
            count('public_page.attempt'))
        if token != 'valid':
            self.assertRefused(result)
            self.assertEqual(after, before)
        elif right_number and right_contact:
            self.assertEqual(result.status, 200, result.error)
            self.assertEqual(result.text('complaint-number'), self.number)
            self.assertTrue(result.text('complaint-state'))
            self.assertEqual(after, before)
        else:
            self.assertRefused(result, statuses=(404,))
            self.assertIsNone(result.text('complaint-state'))
            # The failure is counted
            self.assertEqual(after, before[:2] + (before[2] + 1,))


class ReportFuzzTestCase(FuzzTestCase):
    "The whistleblower report form"
    path = REPORT
    categories = [
        'responsibility', 'conditions', 'equipment', 'training', 'orders',
        'concealment', 'other']

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The receipt code of the report each stored key sent
        cls.codes = {}

    def valid(self, values, uploads_valid):
        "Tell if the form passes the page's checks"
        named = values.get('identity') == 'named'
        return all([
                valid_key(values.get('submission')),
                values.get('category') in self.categories,
                fits(values.get('description'), 10000, required=True),
                fits(single(values.get('site')), 200),
                fits(values.get('persons'), 2000),
                fits(single(values.get('name')), 200, required=named),
                fits(single(values.get('contact')), 200),
                uploads_valid,
                ])

    def stored(self):
        return (count('whistleblower.report'),
            count('whistleblower.reporter'), count('ir.attachment'))

    @FUZZ
    @given(
        token=TOKENS, submission=SUBMISSIONS,
        identity=st.one_of(
            st.sampled_from(['anonymous', 'named']), st.none(), TEXT),
        name=field(200), contact=field(200),
        category=mostly(
            st.sampled_from(categories),
            st.one_of(st.none(), WRONG_TYPES, TEXT)),
        site=field(200), description=field(10000, required=True),
        persons=field(2000),
        uploads=UPLOADS, twice=st.booleans(), challenge=CHALLENGES)
    def test_report(
            self, token, submission, uploads, twice, challenge, **values):
        values['submission'] = submission_key(submission, self.codes)
        sent, uploads_valid = file_values(uploads)
        checked = token == 'valid' and challenge == 'solved'
        valid = checked and self.valid(values, uploads_valid)
        sent_before = valid and self.codes.get(values['submission'])
        visitor = self.visitor(token)
        proof = self.challenge(visitor, challenge)
        before = self.stored()
        spent = spent_challenges(REPORT)

        result = self.post(
            visitor, {**values, 'evidence': files(*sent), **proof})
        self.assertNoServerError(result)
        event('valid' if valid else 'invalid')
        if not valid:
            self.assertRefused(result)
            self.assertEqual(self.stored(), before)
            # A form refused for what it holds spent its proof of work
            self.assertEqual(spent_challenges(REPORT), spent + checked)
            return
        self.assertEqual(result.status, 200, result.error)
        code = result.text('receipt-code')
        self.assertRegex(code, r'^\d{4} \d{4} \d{4} \d{4}$')
        if sent_before:
            event('key sent again')
            # The key's report is found again, its proof of work not spent
            self.assertEqual(code, sent_before)
            self.assertEqual(self.stored(), before)
            self.assertEqual(spent_challenges(REPORT), spent)
            return
        self.codes[values['submission']] = code
        named = values.get('identity') == 'named'
        after = (
            before[0] + 1, before[1] + named,
            before[2] + sent_files(uploads))
        self.assertEqual(self.stored(), after)
        self.assertEqual(spent_challenges(REPORT), spent + 1)
        report, = read('whistleblower.report',
            [('id', '=', report_of_code(code))],
            ['channel', 'anonymous', 'description'])
        self.assertEqual(report['channel'], 'web')
        self.assertEqual(report['anonymous'], not named)
        self.assertEqual(
            report['description'], stripped(values['description']))
        if twice:
            again = self.post(visitor, {**values, 'evidence': files(*sent)})
            self.assertEqual(again.status, 200, again.error)
            self.assertEqual(again.text('receipt-code'), code)
            self.assertEqual(self.stored(), after)


class FollowUpFuzzTestCase(FuzzTestCase):
    "The follow-up page: look-up and reply"
    path = FOLLOW_UP

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        visitor = Visitor()
        visitor.get(REPORT)
        result = visitor.post(REPORT, {
                'submission': new_submission(), 'category': 'equipment',
                'description': '防护罩被拆了。'})
        cls.code = result.text('receipt-code')
        cls.report_id = report_of_code(cls.code)

    def teardown_example(self, example):
        # Called by hypothesis after each example: the page stays as short
        # as the reporter's first visit
        forget_replies(self.report_id)

    def code_of(self, drawn):
        "Return the code to send and whether it is the report's"
        digits = self.code.replace(' ', '')
        variants = {
            'grouped': self.code, 'digits': digits,
            'dashed': '-'.join(self.code.split()),
            'padded': f'\t{digits} \n',
            'ideographic': self.code.replace(' ', '\u3000'),
            'short': digits[:-1], 'other': digits[:-1] + '0' + digits[-1],
            }
        if drawn in variants:
            return variants[drawn], drawn not in {'short', 'other'}
        # Random text is the code only by a chance not worth counting
        return drawn, False

    def stored(self):
        "What the page stored, and the codes entered (the spent challenges)"
        return (count('whistleblower.message'), count('ir.attachment'),
            count('res.notification'), spent_challenges(FOLLOW_UP))

    @FUZZ
    @given(
        token=TOKENS,
        code=st.one_of(
            st.sampled_from([
                    'grouped', 'digits', 'dashed', 'padded', 'ideographic']),
            st.one_of(
                st.sampled_from(['short', 'other']), TEXT, WRONG_TYPES,
                st.text('0123456789 -', max_size=45))),
        action=st.sampled_from(['lookup', 'lookup', None, 'other']),
        challenge=CHALLENGES)
    def test_look_up(self, token, code, action, challenge):
        code, right = self.code_of(code)
        visitor = self.visitor(token)
        proof = self.challenge(visitor, challenge)
        before = self.stored()

        result = self.post(
            visitor, {'action': action, 'code': code, **proof})
        self.assertNoServerError(result)
        checked = token == 'valid' and challenge == 'solved'
        event('found' if checked and right else 'not found')
        after = self.stored()
        if not checked:
            self.assertRefused(result)
            self.assertIsNone(result.text('report-state'))
            self.assertEqual(after, before)
        elif right:
            # Every code entered spends a proof of work
            self.assertEqual(result.status, 200, result.error)
            self.assertTrue(result.text('report-state'))
            self.assertEqual(after, before[:3] + (before[3] + 1,))
        else:
            self.assertRefused(result, statuses=(404,))
            self.assertIsNone(result.text('report-state'))
            self.assertEqual(after, before[:3] + (before[3] + 1,))

    @FUZZ
    @given(
        token=TOKENS,
        code=mostly(
            st.sampled_from(['grouped', 'digits', 'padded']),
            st.one_of(st.just('other'), TEXT, WRONG_TYPES)),
        text=field(10000), uploads=UPLOADS, challenge=CHALLENGES)
    def test_reply(self, token, code, text, uploads, challenge):
        code, right = self.code_of(code)
        sent, uploads_valid = file_values(uploads)
        visitor = self.visitor(token)
        proof = self.challenge(visitor, challenge)
        before = self.stored()

        result = self.post(visitor, {
                'action': 'reply', 'code': code, 'text': text,
                'evidence': files(*sent), **proof})
        self.assertNoServerError(result)
        after = self.stored()
        checked = token == 'valid' and challenge == 'solved'
        valid = (fits(text, 10000) and uploads_valid
            and (stripped(text) or sent_files(uploads)))
        event('valid' if checked and right and valid
            else 'invalid')
        if not checked:
            self.assertRefused(result)
            self.assertIsNone(result.text('report-state'))
            self.assertEqual(after, before)
        elif not right:
            self.assertRefused(result, statuses=(404,))
            self.assertIsNone(result.text('report-state'))
            self.assertEqual(after, before[:3] + (before[3] + 1,))
        elif valid:
            self.assertEqual(result.status, 200, result.error)
            self.assertTrue(result.text('replied'))
            self.assertEqual(after, (
                    before[0] + bool(stripped(text)),
                    before[1] + sent_files(uploads),
                    before[2] + len(ids['officer_users']),
                    before[3] + 1))
        else:
            # Refused for what it holds: its proof of work is spent
            self.assertRefused(result)
            self.assertEqual(after, before[:3] + (before[3] + 1,))


def _possible_phone(phone):
    "As the server checks it: a valid number (scheduled_activity.phone)"
    return is_valid_phone(phone)
