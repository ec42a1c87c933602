# This file is part of the complaint_plan module.
"Complaints created from the emails an inbound email inbox receives"
import base64
import binascii
import codecs
import datetime as dt
import email
import hashlib
import html.parser
import json
import mimetypes
import quopri
import re
from collections import namedtuple
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime

from trytond.i18n import gettext
from trytond.model import Unique, fields
from trytond.modules.public_page.exceptions import PublicPageError
from trytond.modules.public_page.page import (
    MAX_ATTACHMENT_SIZE, MAX_ATTACHMENTS, attachment_type)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import ComplaintEmailError, ComplaintValidationError

CREATE_COMPLAINT = 'complaint.complaint|create_from_email'

SUBJECT_LENGTH = 200
# Mail servers give up delivering after about five days (RFC 5321
# §4.5.4.1): an older Date header comes from a wrong clock.
MAIL_TRANSIT = dt.timedelta(days=5)
# A longer Message-ID is stored as its digest, to keep the index small.
MESSAGE_ID_LENGTH = 200
# Python's gb2312 and gbk codecs fail on the characters that mail clients
# send under these labels; GB18030 is their superset.
CHARSET_SUPERSETS = {'gb2312': 'gb18030', 'gbk': 'gb18030'}
# A label that says nothing of 8-bit bytes: the text tells.
GUESSED_CHARSETS = {'ascii'}
ENCODED_WORD = re.compile(
    r'=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([\x21-\x3e\x40-\x7e]*)\?=')
CONTROL_CHARACTERS = re.compile(r'[\x00-\x08\x0b-\x1f\x7f]')

ReceivedEmail = namedtuple('ReceivedEmail', [
        'sender_name', 'sender_address', 'subject', 'date', 'message_id',
        'text', 'attachments'])


def screen_attachments(files):
    """Split the files (name, data) of an email into those the complaint
    keeps, within the limits of the web form, and the messages saying why
    the others are not kept"""
    accepted, refusals = [], []
    for name, data in files:
        if len(data) > MAX_ATTACHMENT_SIZE:
            refusals.append(gettext('public_page.msg_attachment_size',
                    name=name, size=MAX_ATTACHMENT_SIZE // (1024 * 1024)))
            continue
        try:
            attachment_type(name, data)
        except PublicPageError as exception:
            refusals.append(exception.message)
            continue
        if len(accepted) >= MAX_ATTACHMENTS:
            refusals.append(gettext(
                    'complaint_plan.msg_email_attachment_over_count',
                    name=name, count=MAX_ATTACHMENTS))
        else:
            accepted.append((name, data))
    return accepted, refusals


def decode_bytes(data, charset=None):
    "Decode text whatever charset it declares, never failing"
    codec = None
    if charset:
        label = charset.strip().strip('"').lower()
        for name in [label, label.removeprefix('x-')]:
            try:
                codec = codecs.lookup(name).name
                break
            except (LookupError, ValueError):
                # Unknown, or not even a name (NUL, 8-bit bytes)
                continue
    codec = CHARSET_SUPERSETS.get(codec, codec)
    if codec and codec not in GUESSED_CHARSETS:
        try:
            return data.decode(codec, 'replace')
        except (LookupError, UnicodeError):
            # Not a text codec (base64, …) or one that refuses any error
            pass
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        return data.decode('gb18030', 'replace')


def clean_text(text):
    "The text with Unix line ends and without control characters"
    text = text.replace('\r\n', '\n').replace('\r', '\n')
    return CONTROL_CHARACTERS.sub('', text).strip()


def single_line(text):
    return ' '.join(clean_text(text).split())


def decode_header(value):
    """Decode a raw header value: its folding, RFC 2047 encoded words and
    8-bit bytes sent unencoded"""
    if not value:
        return ''
    # Unencoded 8-bit bytes reach here as surrogate escapes.
    value = decode_bytes(value.encode('utf-8', 'surrogateescape'))
    value = re.sub(r'\r?\n(?=[ \t])', '', value)
    # Adjacent encoded words of one charset are joined before decoding, as
    # clients split a multi-byte character across them.
    pieces = []
    position = 0
    for match in ENCODED_WORD.finditer(value):
        between = value[position:match.start()]
        follows_word = pieces and isinstance(pieces[-1], list)
        if between and not (follows_word and between.isspace()):
            pieces.append(between)
        charset, encoding, encoded = match.groups()
        try:
            if encoding in 'bB':
                data = base64.b64decode(
                    encoded + '=' * (-len(encoded) % 4), validate=False)
            else:
                data = quopri.decodestring(encoded.encode(), header=True)
        except binascii.Error:
            pieces.append(match.group())
        else:
            charset = charset.lower()
            if (pieces and isinstance(pieces[-1], list)
                    and pieces[-1][0] == charset):
                pieces[-1][1] += data
            else:
                pieces.append([charset, data])
        position = match.end()
    pieces.append(value[position:])
    return ''.join(
        p if isinstance(p, str) else decode_bytes(p[1], p[0])
        for p in pieces)


class _RawHeaderPolicy(Compat32):
    "Header values as received, 8-bit bytes included, for decode_header"

    def header_fetch_parse(self, name, value):
        return value


class _HTMLText(html.parser.HTMLParser):
    "The text of an HTML body: a blank line between paragraphs"
    PARAGRAPHS = {
        'address', 'article', 'blockquote', 'dl', 'footer', 'h1', 'h2', 'h3',
        'h4', 'h5', 'h6', 'header', 'hr', 'ol', 'p', 'pre', 'section',
        'table', 'ul',
        }
    LINES = {'br', 'dd', 'div', 'dt', 'li', 'tr'}
    HIDDEN = {'head', 'script', 'style', 'template', 'title'}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.PARAGRAPHS:
            self.parts.append('\n\n')
        elif tag in self.LINES:
            self.parts.append('\n- ' if tag == 'li' else '\n')
        elif tag in {'td', 'th'}:
            self.parts.append(' ')

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self.PARAGRAPHS:
            self.parts.append('\n\n')
        elif tag == 'div':
            self.parts.append('\n')

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(re.sub(r'\s+', ' ', data))

    def text(self):
        lines = [' '.join(l.split())
            for l in ''.join(self.parts).splitlines()]
        return re.sub(r'\n{3,}', '\n\n', '\n'.join(lines))


def html_to_text(value):
    parser = _HTMLText()
    parser.feed(value)
    parser.close()
    return parser.text()


def _leaves(message):
    "The parts of the message that are not containers, in order"
    stack = [message]
    while stack:
        part = stack.pop()
        if part.get_content_maintype() == 'multipart' and part.is_multipart():
            stack.extend(reversed(part.get_payload()))
        else:
            yield part


def _attachment_name(part, index):
    value = (part.get_param('filename', None, 'content-disposition')
        or part.get_param('name'))
    if isinstance(value, tuple):
        # RFC 2231: charset, language and the bytes as Latin-1 text
        charset, _, text = value
        value = decode_bytes(text.encode('latin-1', 'replace'), charset)
    name = single_line(decode_header(value)) if value else ''
    # Only the file's name: no folder of the sender's machine
    name = name.replace('\\', '/').rsplit('/', 1)[-1].strip(' .')
    if not name:
        name = 'attachment-%s%s' % (
            index, mimetypes.guess_extension(part.get_content_type()) or '')
    return name


def _is_body(part):
    return (part.get_content_type() in {'text/plain', 'text/html'}
        and part.get_content_disposition() != 'attachment'
        and not part.get_param('filename', None, 'content-disposition')
        and not part.get_param('name'))


def _part_data(part):
    if part.get_content_maintype() == 'message' and part.is_multipart():
        # A forwarded email is kept whole, as a file
        return b''.join(bytes(m) for m in part.get_payload())
    return part.get_payload(decode=True) or b''


def _date(value, arrival):
    "The time the Date header gives in UTC, when it is sane"
    try:
        date = parsedate_to_datetime(value)
        if date.tzinfo:
            date = date.astimezone(dt.timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError):
        return None
    if arrival - MAIL_TRANSIT <= date <= arrival:
        return date.replace(microsecond=0)


def _message_id(value, raw):
    "The Message-ID as it is, or a digest of it or of the whole mail"
    message_id = single_line(value) if value else ''
    if not message_id:
        return 'sha256:' + hashlib.sha256(raw).hexdigest()
    if len(message_id) > MESSAGE_ID_LENGTH or not message_id.isascii():
        return 'sha256:' + hashlib.sha256(
            message_id.encode('utf-8', 'surrogateescape')).hexdigest()
    return message_id


def read_email(raw, arrival):
    """Read a raw email (bytes) received at arrival (UTC) into a
    ReceivedEmail: texts decoded, the date when it is sane"""
    message = email.message_from_bytes(raw, policy=_RawHeaderPolicy())
    sender_name, sender_address = '', ''
    if message.get('From'):
        sender_name, sender_address = getaddresses(
            [re.sub(r'\r?\n', '', message.get('From'))])[0]
        sender_name = single_line(decode_header(sender_name))
        sender_address = single_line(decode_header(sender_address))
        if not (sender_name or sender_address):
            sender_name = single_line(decode_header(message.get('From')))
    plain, rich, attachments = [], [], []
    for index, part in enumerate(_leaves(message), 1):
        if _is_body(part):
            text = decode_bytes(
                _part_data(part), part.get_content_charset())
            if part.get_content_subtype() == 'plain':
                plain.append(clean_text(text))
            else:
                rich.append(clean_text(html_to_text(text)))
        else:
            attachments.append(
                (_attachment_name(part, index), _part_data(part)))
    return ReceivedEmail(
        sender_name=sender_name,
        sender_address=sender_address,
        subject=single_line(decode_header(message.get('Subject'))),
        date=_date(message.get('Date'), arrival),
        message_id=_message_id(message.get('Message-ID'), raw),
        text='\n\n'.join(t for t in (plain or rich) if t),
        attachments=attachments)


def _truncate(text, length):
    return text if len(text) <= length else text[:length - 1] + '…'


class Rule(metaclass=PoolMeta):
    __name__ = 'inbound.email.rule'

    complaint_company = fields.Many2One(
        'company.company', "Company",
        states={
            'invisible': Eval('action') != CREATE_COMPLAINT,
            },
        help="The company the complaints are filed for.\n"
        "Leave empty when there is only one company.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.action.selection.append((CREATE_COMPLAINT, "Create Complaint"))


class Complaint(metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    email_message_id = fields.Char("Email Message-ID", readonly=True,
        help="The Message-ID of the email the complaint was created from "
        "(a digest of the email when it has none).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # The unique index is also what finds an email's complaint.
        cls._sql_constraints.append(
            ('email_message_id_unique', Unique(t, t.email_message_id),
                'complaint_plan.msg_complaint_email_message_id_unique'))

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('email_message_id', None)
        return super().copy(complaints, default=default)

    @classmethod
    def create_from_email(cls, email_, rule):
        """Create the complaint of an inbound email and return it; the same
        email processed again returns the same complaint"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        # An email processed again later arrived when it was stored.
        arrival = (email_.create_date.replace(microsecond=0)
            if email_.id is not None and email_.id >= 0
            else cls.default_received_at())
        received = read_email(_raw_email(email_), arrival)
        # Inbound emails are processed as root; processing again from the
        # inbox form must not depend on the user's complaints.
        with without_check_access():
            complaints = cls.search([
                    ('email_message_id', '=', received.message_id),
                    ], limit=1)
            if complaints:
                return complaints[0]
            company = cls._email_company(rule)
            files, refusals = screen_attachments(received.attachments)
            with Transaction().set_context(company=company.id):
                complaint, = cls.create([cls._email_values(
                            received, refusals, company, arrival)])
                Attachment.create([{
                            'resource': str(complaint),
                            'name': name,
                            'data': data,
                            } for name, data in files])
        return complaint

    @classmethod
    def _email_values(cls, received, refusals, company, arrival):
        """The values of the complaint of the email, whose files not kept
        are told by the refusals"""
        name = received.sender_name or received.sender_address
        address = received.sender_address or None
        try:
            cls.check_values({'complainant_email': address})
        except ComplaintValidationError:
            # The name keeps the address the complaint cannot store
            address = None
            name = ' '.join(filter(None, [
                        received.sender_name,
                        received.sender_address
                        and f'<{received.sender_address}>']))
        description = received.text or gettext(
            'complaint_plan.msg_email_no_text')
        if refusals:
            description += '\n\n' + '\n'.join([
                    gettext('complaint_plan.msg_email_attachments_refused'),
                    *refusals])
        return {
            'company': company.id,
            'channel': 'email',
            'received_at': received.date or arrival,
            'complainant_name': name or None,
            'complainant_email': address,
            'subject': _truncate(received.subject, SUBJECT_LENGTH) or gettext(
                'complaint_plan.msg_email_no_subject'),
            'description': description,
            'email_message_id': received.message_id,
            }

    @classmethod
    def _email_company(cls, rule):
        "The company of the complaints of the rule"
        pool = Pool()
        Company = pool.get('company.company')
        User = pool.get('res.user')
        if rule.complaint_company:
            return rule.complaint_company
        company_id = cls.default_company()
        if company_id is not None and company_id >= 0:
            return Company(company_id)
        user = User(Transaction().user)
        if user.company:
            return user.company
        companies = Company.search([], limit=2)
        if len(companies) == 1:
            return companies[0]
        raise ComplaintEmailError(gettext(
                'complaint_plan.msg_email_complaint_company'))


def _raw_email(email_):
    "The raw bytes of the inbound email, as its sender wrote them"
    # The key of the raw message in the JSON of each email service
    raw_keys = {'mailchimp': 'raw_msg', 'mailpace': 'raw', 'sendgrid': 'email'}
    if email_.data_type == 'raw':
        return bytes(email_.data)
    raw = None
    if email_.data_type in raw_keys:
        raw = json.loads(email_.data).get(raw_keys[email_.data_type])
    if not isinstance(raw, str):
        raise ComplaintEmailError(gettext(
                'complaint_plan.msg_email_no_raw_message',
                type=email_.data_type))
    return raw.encode('utf-8', 'surrogateescape')
