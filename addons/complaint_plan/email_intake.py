# This file is part of the complaint_plan module.
"""Complaints created from the emails an inbound email inbox receives, the
replies threaded into them, and the broken mails kept for a clerk"""
import base64
import codecs
import datetime as dt
import email
import email.errors
import email.header
import email.message
import email.policy
import hashlib
import html.parser
import json
import logging
import mimetypes
import re
import struct
from collections import namedtuple
from email.utils import getaddresses, parsedate_to_datetime

from sql.operators import Equal

from trytond.i18n import gettext
from trytond.model import (
    Exclude, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import AccessError
from trytond.modules.public_page.metadata import strip_metadata
from trytond.modules.public_page.page import MAX_ATTACHMENT_SIZE
from trytond.modules.scheduled_activity import clock
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import ComplaintEmailError, ComplaintValidationError

CREATE_COMPLAINT = 'complaint.complaint|create_from_email'
logger = logging.getLogger(__name__)

SUBJECT_LENGTH = 200
# Mail servers give up delivering after about five days (RFC 5321
# §4.5.4.1): an older Date header comes from a wrong clock.
MAIL_TRANSIT = dt.timedelta(days=5)
# A longer Message-ID is stored as its digest, to keep the index small.
MESSAGE_ID_LENGTH = 200
# The files of one mail a complaint keeps, each within the web form's size
MAX_EMAIL_FILES = 20
FILE_NAME_LENGTH = 100
# Python's gb2312 and gbk codecs fail on the characters that mail clients
# send under these labels; GB18030 is their superset.
CHARSET_SUPERSETS = {'gb2312': 'gb18030', 'gbk': 'gb18030'}
# A label that says nothing of 8-bit bytes: the text tells.
GUESSED_CHARSETS = {'ascii'}
CONTROL_CHARACTERS = re.compile(r'[\x00-\x08\x0b-\x1f\x7f]')
# RFC 2047 encoded words, in runs separated only by blanks, which are not
# part of the text
ENCODED_WORD = r'=\?[^?\s]+\?[bBqQ]\?[\x21-\x3e\x40-\x7e]*\?='
ENCODED_WORDS = re.compile(f'{ENCODED_WORD}(?:[ \t]+{ENCODED_WORD})*')
# A text with more undecodable or control characters than this share is
# not text: random bytes, a file sent as text, a wrong transfer encoding
UNREADABLE_SHARE = 0.02
MESSAGE_ID_TOKEN = re.compile(r'<[^<>\s]{1,998}>')
# What a complaint number quoted in a reply looks like (TS-2026-00042)
NUMBER_TOKEN = re.compile(r'[A-Za-z0-9][A-Za-z0-9_./-]{2,28}[0-9]')
MAX_NUMBER_TOKENS = 30
# The lines of a reply read for a quoted number: those above the quote
FIRST_LINES = 10
QUOTE_START = re.compile(
    r'^(>|-{2,}\s*(original|原始邮件)|_{5,}|on .* wrote:?$|在.*写道[:：]?$'
    r'|from:|发件人[:：])', re.IGNORECASE)
# File name extensions the web client opens as inert content or downloads;
# any other name gets one of these added, so that an .html or .svg file
# never opens as a page of the server
INERT_EXTENSIONS = {
    '3gp', '7z', 'aac', 'amr', 'avi', 'bmp', 'csv', 'doc', 'docx', 'dps',
    'eml', 'et', 'gif', 'gz', 'heic', 'heif', 'ics', 'jpeg', 'jpg', 'log',
    'm4a', 'mov', 'mp3', 'mp4', 'msg', 'odp', 'ods', 'odt', 'pdf', 'png',
    'ppt', 'pptx', 'rar', 'rtf', 'tif', 'tiff', 'tsv', 'txt', 'vcf', 'wav',
    'webp', 'wps', 'xls', 'xlsx', 'zip',
    }
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
# The kinds of file whose end can be checked, with their extension
FILE_KINDS = {
    'JPEG': 'jpg', 'PNG': 'png', 'GIF': 'gif', 'WebP': 'webp',
    'PDF': 'pdf', 'ZIP': 'zip',
    }
MIME_TYPES = {
    'JPEG': 'image/jpeg', 'PNG': 'image/png', 'WebP': 'image/webp'}
BASE64_DEFECTS = (
    email.errors.InvalidBase64PaddingDefect,
    email.errors.InvalidBase64LengthDefect,
    email.errors.InvalidBase64CharactersDefect,
    )
BOUNDARY_DEFECTS = (
    email.errors.CloseBoundaryNotFoundDefect,
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.MultipartInvariantViolationDefect,
    )
# Why a mail is kept as failed, from the most telling
FAILURES = [
    ('cut_headers', "Cut in Its Headers"),
    ('cut_multipart', "Cut Short"),
    ('damaged_base64', "Damaged Base64 Part"),
    ('cut_quoted_printable', "Cut Quoted-Printable Part"),
    ('cut_file', "Incomplete File"),
    ('cut_text', "Text Cut in a Character"),
    ('undecodable', "Unreadable"),
    ('empty', "Empty"),
    ]
FAILURE_ORDER = [k for k, _ in FAILURES]

ReceivedEmail = namedtuple('ReceivedEmail', [
        'sender_name', 'sender_address', 'subject', 'date', 'message_id',
        'text', 'attachments', 'references', 'problems'])
# Why a mail cannot be taken as it is: a FAILURES key and the part
# concerned (a file name, a content type) and the kind of file
Problem = namedtuple('Problem', ['kind', 'part', 'file_kind'],
    defaults=['', ''])


def screen_attachments(files):
    """Split the files (name, data) of an email into those the complaint
    keeps, with a name that opens inertly and without the details that
    tell who took a photo, within the web form's size, and the messages
    saying why the others are not kept"""
    accepted, refusals = [], []
    for name, data in files:
        if len(data) > MAX_ATTACHMENT_SIZE:
            refusals.append(gettext('public_page.msg_attachment_size',
                    name=name, size=MAX_ATTACHMENT_SIZE // (1024 * 1024)))
        elif len(accepted) >= MAX_EMAIL_FILES:
            refusals.append(gettext(
                    'complaint_plan.msg_email_attachment_over_count',
                    name=name, count=MAX_EMAIL_FILES))
        else:
            kind = file_kind(data)
            accepted.append((
                    safe_name(name, data),
                    strip_metadata(MIME_TYPES[kind], data)
                    if kind in MIME_TYPES else data))
    return accepted, refusals


def file_kind(data):
    "The kind of file the content is, of those FILE_KINDS names, or None"
    if data.startswith(b'\xff\xd8\xff'):
        return 'JPEG'
    if data.startswith(PNG_SIGNATURE):
        return 'PNG'
    if data[:6] in {b'GIF87a', b'GIF89a'}:
        return 'GIF'
    if data[:4] == b'RIFF' and data[8:12] == b'WEBP':
        return 'WebP'
    if data.startswith(b'%PDF-'):
        return 'PDF'
    if data.startswith(b'PK\x03\x04'):
        return 'ZIP'
    return None


def _jpeg_complete(data):
    "Whether the JPEG's first picture reaches its end (EOI) marker"
    if data.rstrip(b'\x00\r\n\t ').endswith(b'\xff\xd9'):
        return True
    # Other pictures or a maker's trailer may follow the end: walk the
    # segments to the first scan, whose coded data holds no EOI of its own
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xDA:
            return data.find(b'\xff\xd9', position + 2) >= 0
        if marker == 0xFF:
            position += 1
            continue
        length, = struct.unpack('>H', data[position + 2:position + 4])
        position += 2 + length
    return False


def file_complete(kind, data):
    "Whether the file of the kind reaches its end marker"
    tail = data.rstrip(b'\x00\r\n\t ')
    if kind == 'JPEG':
        return _jpeg_complete(data)
    if kind == 'PNG':
        return b'IEND\xaeB`\x82' in tail[-64:]
    if kind == 'GIF':
        return tail.endswith(b';')
    if kind == 'WebP':
        size, = struct.unpack('<I', data[4:8])
        return len(data) >= 8 + size
    if kind == 'PDF':
        # Readers look for the end of file in the last kilobyte
        return b'%%EOF' in data[-1024:]
    if kind == 'ZIP':
        # The end of central directory, followed by a comment of 64 KiB
        # at most
        return b'PK\x05\x06' in data[-(22 + 65535):]
    return True


def _text_like(data):
    if b'\x00' in data:
        return False
    for codec in ['utf-8', 'gb18030']:
        try:
            data.decode(codec)
            return True
        except UnicodeDecodeError:
            continue
    return False


def safe_name(name, data):
    """The file name without folder or control characters, ending with an
    extension the web client never opens as a page"""
    name = ''.join(c for c in name if c.isprintable()).strip(' .')
    name = name[:FILE_NAME_LENGTH] or 'attachment'
    _, dot, extension = name.rpartition('.')
    if dot and extension.lower() in INERT_EXTENSIONS:
        return name
    kind = file_kind(data)
    if kind:
        return f'{name}.{FILE_KINDS[kind]}'
    return name + ('.txt' if _text_like(data) else '.bin')


def _codec(charset):
    "The Python codec of a charset label, its superset for GB2312 and GBK"
    if not charset:
        return None
    label = charset.strip().strip('"').lower()
    for name in [label, label.removeprefix('x-')]:
        try:
            codec = codecs.lookup(name).name
        except (LookupError, ValueError):
            # Unknown, or not even a name (NUL, 8-bit bytes)
            continue
        codec = CHARSET_SUPERSETS.get(codec, codec)
        return None if codec in GUESSED_CHARSETS else codec
    return None


def decode_bytes(data, charset=None):
    "Decode text whatever charset it declares, never failing"
    codec = _codec(charset)
    if codec:
        try:
            return data.decode(codec, 'replace')
        except (LookupError, UnicodeError):
            # A codec that refuses any error handler
            pass
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        return data.decode('gb18030', 'replace')


def decode_text(data, charset=None):
    """Decode the text of a body part; return it with what is wrong with
    it: None, 'cut_text' (it ends inside a character) or 'undecodable'"""
    codecs_ = [c for c in [_codec(charset), 'utf-8', 'gb18030'] if c]
    for index, codec in enumerate(dict.fromkeys(codecs_)):
        try:
            return data.decode(codec), None
        except UnicodeDecodeError as error:
            # Only the last character is incomplete: the text was cut
            if (index == 0 and error.end == len(data)
                    and error.start >= len(data) - 3):
                try:
                    text = data[:error.start].decode(codec)
                except UnicodeDecodeError:
                    pass
                else:
                    return text, 'cut_text'
        except (LookupError, UnicodeError):
            # Not a text codec (base64, …) or one that refuses any error
            continue
    text = decode_bytes(data, charset)
    bad = text.count('\ufffd') + len(CONTROL_CHARACTERS.findall(text))
    if bad > max(2, UNREADABLE_SHARE * len(text)):
        return text, 'undecodable'
    return text, None


def clean_text(text):
    "The text with Unix line ends and without control characters"
    text = text.replace('\r\n', '\n').replace('\r', '\n')
    return CONTROL_CHARACTERS.sub('', text).strip()


def single_line(text):
    return ' '.join(clean_text(text).split())


def decode_header(value):
    """Decode a raw header value: its folding, RFC 2047 encoded words (by
    the standard library, which joins the adjacent words of one charset as
    clients split a character across them) and 8-bit bytes sent
    unencoded"""
    if not value:
        return ''
    # Unencoded 8-bit bytes reach here as surrogate escapes.
    value = decode_bytes(value.encode('utf-8', 'surrogateescape'))
    value = re.sub(r'\r?\n(?=[ \t])', '', value)
    pieces = []
    position = 0
    for match in ENCODED_WORDS.finditer(value):
        pieces.append(value[position:match.start()])
        try:
            pieces.append(''.join(decode_bytes(data, charset)
                    for data, charset in email.header.decode_header(
                        match.group())))
        except (email.errors.HeaderParseError, ValueError, LookupError,
                AttributeError):
            # Words that are not what they say are kept as they came
            pieces.append(match.group())
        position = match.end()
    pieces.append(value[position:])
    return ''.join(pieces)


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
    """The text of an HTML body, with the standard library's parser
    (trytond's html_to_text needs html2text, which is not installed)"""
    parser = _HTMLText()
    parser.feed(value)
    parser.close()
    return parser.text()


def _leaves(message):
    """The parts of the message that are not containers, in order; a mail
    forwarded inside is one part"""
    stack = [message]
    while stack:
        part = stack.pop()
        if part.get_content_maintype() == 'multipart' and part.is_multipart():
            yield part
            stack.extend(reversed(list(part.iter_parts())))
        else:
            yield part


def _raw_headers(message):
    "The first raw value of each header, by lower-case name"
    headers = {}
    for name, value in message.raw_items():
        headers.setdefault(name.lower(), value)
    return headers


def _raw_filename(part):
    """The file name of the part read from its raw headers, for names the
    standard policy decodes wrongly (GB2312 labels holding GBK)"""
    compat = email.message.Message()
    for name, value in part.raw_items():
        if name.lower() in {'content-type', 'content-disposition'}:
            compat[name] = value
    value = (compat.get_param('filename', None, 'content-disposition')
        or compat.get_param('name'))
    if isinstance(value, tuple):
        # RFC 2231: charset, language and the bytes as Latin-1 text
        charset, _, text = value
        value = decode_bytes(text.encode('latin-1', 'replace'), charset)
    return decode_header(value) if value else ''


def _attachment_name(part, index):
    try:
        name = part.get_filename() or ''
    except (ValueError, LookupError, IndexError, TypeError,
            email.errors.MessageError):
        name = ''
    if (not name or '\ufffd' in name or '=?' in name
            or any('\udc80' <= c <= '\udcff' for c in name)):
        name = _raw_filename(part) or name
    name = single_line(name.encode('utf-8', 'replace').decode('utf-8'))
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
        try:
            return b''.join(bytes(m) for m in part.get_payload())
        except (ValueError, LookupError, TypeError, IndexError,
                email.errors.MessageError):
            return ''.join(str(m) for m in part.get_payload()).encode(
                'utf-8', 'surrogateescape')
    data = part.get_payload(decode=True) or b''
    payload = part.get_payload()
    if (any(isinstance(d, BASE64_DEFECTS) for d in part.defects)
            and isinstance(payload, str)):
        # What can be read of damaged base64, for the clerk: the whole
        # groups of four characters
        payload = re.sub(r'[^A-Za-z0-9+/]', '', payload)
        data = base64.b64decode(payload[:len(payload) // 4 * 4])
    return data


def _quoted_printable_cut(part):
    "Whether the part's quoted-printable ends inside an escape"
    payload = part.get_payload()
    return isinstance(payload, str) and bool(
        re.search(r'=[0-9A-Fa-f]?\Z', payload))


def _date(value, arrival):
    "The time the Date header gives in UTC, when it is sane"
    try:
        date = parsedate_to_datetime(value)
        if date.tzinfo:
            date = date.astimezone(dt.timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if arrival - MAIL_TRANSIT <= date <= arrival:
        return date.replace(microsecond=0)


def message_id_key(value):
    "The key a Message-ID is stored and found under"
    message_id = single_line(value) if value else ''
    if len(message_id) > MESSAGE_ID_LENGTH or not message_id.isascii():
        return 'sha256:' + hashlib.sha256(
            message_id.encode('utf-8', 'surrogateescape')).hexdigest()
    return message_id


def _message_id(value, raw):
    "The Message-ID as it is, or a digest of it or of the whole mail"
    if not (single_line(value) if value else ''):
        return 'sha256:' + hashlib.sha256(raw).hexdigest()
    return message_id_key(value)


def _references(headers):
    "The Message-IDs the mail answers, the nearest first"
    found = []
    for name in ['in-reply-to', 'references']:
        value = headers.get(name) or ''
        value = value.encode('utf-8', 'surrogateescape').decode(
            'ascii', 'replace')
        tokens = MESSAGE_ID_TOKEN.findall(value)
        if name == 'references':
            tokens.reverse()
        found.extend(message_id_key(t) for t in tokens)
    return tuple(dict.fromkeys(found))[:50]


def read_email(raw, arrival):
    """Read a raw email (bytes) received at arrival (UTC) into a
    ReceivedEmail: texts decoded, the date when it is sane, and the
    problems that keep it from being taken as it is"""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = _raw_headers(message)
    sender_name, sender_address = '', ''
    if headers.get('from'):
        raw_from = re.sub(r'\r?\n', '', headers['from'])
        sender_name, sender_address = getaddresses([raw_from])[0]
        sender_name = single_line(decode_header(sender_name))
        sender_address = single_line(decode_header(sender_address))
        if not (sender_name or sender_address):
            sender_name = single_line(decode_header(raw_from))
    problems = []
    try:
        plain, rich, attachments = _read_parts(message, problems)
    except (ValueError, LookupError, TypeError, IndexError, AttributeError,
            email.errors.MessageError):
        # What the standard library cannot take apart
        problems.append(Problem('undecodable'))
        plain, rich, attachments = [], [], []
    text = '\n\n'.join(t for t in (plain or rich) if t)
    if not headers:
        # Not a mail: no header before the text
        problems = [Problem('undecodable')]
    elif any(isinstance(d, email.errors.MissingHeaderBodySeparatorDefect)
            for d in message.defects):
        # A line that is not a header where the headers should go on:
        # the mail was cut in the middle of a header
        problems.append(Problem('cut_headers'))
    if not text and not attachments:
        problems.append(Problem('empty'))
    problems = sorted(dict.fromkeys(problems),
        key=lambda p: FAILURE_ORDER.index(p.kind))
    return ReceivedEmail(
        sender_name=sender_name,
        sender_address=sender_address,
        subject=single_line(decode_header(headers.get('subject'))),
        date=_date(headers.get('date'), arrival),
        message_id=_message_id(headers.get('message-id'), raw),
        text=text,
        attachments=attachments,
        references=_references(headers),
        problems=problems)


def _read_parts(message, problems):
    "Read the texts and the files of the message, noting the problems"
    plain, rich, attachments = [], [], []
    for index, part in enumerate(_leaves(message), 1):
        if part.get_content_maintype() == 'multipart':
            # Without parts, the mail ended before the first one
            if (not part.is_multipart() or any(
                        isinstance(d, BOUNDARY_DEFECTS)
                        for d in part.defects)):
                problems.append(Problem('cut_multipart'))
            continue
        body = _is_body(part)
        name = part.get_content_type() if body else _attachment_name(
            part, index)
        data = _part_data(part)
        if any(isinstance(d, BASE64_DEFECTS) for d in part.defects):
            problems.append(Problem('damaged_base64', name))
        encoding = str(part.get('content-transfer-encoding', '')).lower()
        if (encoding.strip() == 'quoted-printable'
                and _quoted_printable_cut(part)):
            problems.append(Problem('cut_quoted_printable', name))
        if body:
            text, problem = decode_text(data, part.get_content_charset())
            if problem:
                problems.append(Problem(problem, name))
            if part.get_content_subtype() == 'plain':
                plain.append(clean_text(text))
            else:
                rich.append(clean_text(html_to_text(text)))
        else:
            kind = file_kind(data)
            if kind and not file_complete(kind, data):
                problems.append(Problem('cut_file', name, kind))
            attachments.append((name, data))
    return plain, rich, attachments


def quoted_numbers(received):
    """The words of the subject and of the first lines of the text (above
    any quote) that may be a complaint number, as typed and in capitals"""
    lines = []
    for line in received.text.splitlines():
        if QUOTE_START.match(line.strip()):
            break
        if line.strip():
            lines.append(line)
        if len(lines) >= FIRST_LINES:
            break
    tokens = NUMBER_TOKEN.findall(
        received.subject + '\n' + '\n'.join(lines)[:2000])
    numbers = []
    for token in tokens[:MAX_NUMBER_TOKENS]:
        numbers.extend([token, token.upper()])
    return list(dict.fromkeys(numbers))


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


class IrRule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _user_models(cls):
        # Its rules read the user's employees, as the complaint's
        return super()._user_models() | {'complaint.email'}


class InboundEmail(metaclass=PoolMeta):
    __name__ = 'inbound.email'

    @classmethod
    def from_webhook(cls, inbox, data, data_type):
        # An empty post is no mail: the mail server gets a plain "Bad
        # Request" instead of the platform's "A value is required" message
        if not data:
            return []
        return super().from_webhook(inbox, data, data_type)

    def as_dict(self):
        # The rules match on the platform's reading of the mail, which
        # raises on some broken ones: such a mail is still processed, by the
        # rules that need nothing of it, instead of being lost
        try:
            return super().as_dict()
        except Exception:
            logger.info("inbound email %s: the platform cannot read it",
                self.id, exc_info=True)
            return {}


class Complaint(metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    email_message_id = fields.Char("Email Message-ID", readonly=True,
        help="The Message-ID of the email the complaint was created from "
        "(a digest of the email when it has none).")
    emails = fields.One2Many(
        'complaint.email', 'complaint', "Emails", readonly=True,
        filter=[('state', '=', 'processed')],
        order=[('received_at', 'ASC'), ('id', 'ASC')],
        help="The emails of the complainant about the complaint: the first "
        "one and the replies.")

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
        default.setdefault('emails', None)
        return super().copy(complaints, default=default)

    @classmethod
    def create_from_email(cls, email_, rule):
        """Take an inbound email: return the complaint it creates or
        answers, or the failed email kept for a clerk; the same email
        processed again returns the same complaint"""
        pool = Pool()
        Email = pool.get('complaint.email')
        # An email processed again later arrived when it was stored.
        arrival = (email_.create_date.replace(microsecond=0)
            if email_.id is not None and email_.id >= 0
            else cls.default_received_at())
        raw = _raw_email(email_)
        received = read_email(raw, arrival)
        # Inbound emails are processed as root; processing again from the
        # inbox form must not depend on the user's complaints.
        with without_check_access():
            company = cls._email_company(rule)
            with Transaction().set_context(company=company.id):
                return Email.receive(received, raw, company, arrival)

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
        return {
            'company': company.id,
            'channel': 'email',
            'received_at': received.date or arrival,
            'complainant_name': name or None,
            'complainant_email': address,
            'subject': _truncate(received.subject, SUBJECT_LENGTH) or gettext(
                'complaint_plan.msg_email_no_subject'),
            'description': _with_refusals(received.text or gettext(
                    'complaint_plan.msg_email_no_text'), refusals),
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


def _with_refusals(text, refusals):
    if refusals:
        text += '\n\n' + '\n'.join([
                gettext('complaint_plan.msg_email_attachments_refused'),
                *refusals])
    return text


class ComplaintEmail(Workflow, ModelSQL, ModelView):
    "Complaint Email"
    __name__ = 'complaint.email'

    _editable = {
        'readonly': Eval('state') != 'failed',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    state = fields.Selection([
            ('processed', "Processed"),
            ('failed', "Failed"),
            ('replaced', "Replaced by a Complete Copy"),
            ('discarded', "Discarded"),
            ], "State", required=True, readonly=True, sort=False)
    direction = fields.Selection([
            ('incoming', "Received"),
            ('outgoing', "Sent"),
            ], "Direction", required=True, readonly=True)
    kind = fields.Selection([
            (None, ""),
            ('complaint', "New Complaint"),
            ('reply', "Reply"),
            ], "Kind", readonly=True)
    complaint = fields.Many2One(
        'complaint.complaint', "Complaint", ondelete='CASCADE',
        states={
            'readonly': Eval('state') != 'failed',
            },
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The complaint the email belongs to.\n"
        "On a failed email, choose the complaint it answers before "
        "\"Add to Complaint\".")
    received_at = fields.DateTime(
        "Date", required=True, readonly=True,
        help="When the sender sent the email, or when it arrived.")
    sender_name = fields.Char("Sender", states=_editable)
    sender_address = fields.Char("Sender Address", states=_editable)
    subject = fields.Char("Subject", states=_editable)
    text = fields.Text("Text", states=_editable)
    message_id = fields.Char(
        "Message-ID", readonly=True,
        help="The Message-ID of the email (a digest of the email when it "
        "has none).")
    references = fields.Text(
        "References", readonly=True,
        help="The Message-IDs of the emails this one answers.")
    digest = fields.Char("Digest", readonly=True)
    raw = fields.Binary(
        "Raw Email", filename='raw_name', file_id='raw_id',
        states=_editable,
        help="The email as it arrived, kept while it is not processed.\n"
        "Replace it with a complete copy, then click \"Process Again\".")
    raw_id = fields.Char("Raw Email ID", readonly=True)
    raw_name = fields.Function(
        fields.Char("Raw Email Name"), 'get_raw_name')
    failure = fields.Selection(
        [(None, "")] + FAILURES, "Failure", readonly=True, sort=False)
    failure_string = failure.translated('failure')
    failure_part = fields.Char("Failed Part", readonly=True)
    failure_file_kind = fields.Char("Failed File Kind", readonly=True)
    reason = fields.Function(
        fields.Text("Reason"), 'get_reason')

    del _editable

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            # One processed record per mail, also when two processes take
            # the same reply at once
            ('message_id_processed_exclude',
                Exclude(t, (t.message_id, Equal),
                    where=(t.state == 'processed')
                    & (t.direction == 'incoming')),
                'complaint_plan.msg_email_message_id_processed'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.message_id, Index.Equality())),
                Index(t,
                    (t.state, Index.Equality(cardinality='low')),
                    where=t.state == 'failed'),
                })
        cls._order = [('received_at', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('failed', 'processed'),
            ('failed', 'replaced'),
            ('failed', 'discarded'),
            ('discarded', 'failed'),
            }
        cls._buttons.update({
                'process_again': {
                    'invisible': Eval('state') != 'failed',
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                'create_complaint': {
                    'invisible': ((Eval('state') != 'failed')
                        | Bool(Eval('complaint'))),
                    'icon': 'tryton-forward',
                    'depends': ['state', 'complaint'],
                    },
                'add_to_complaint': {
                    'invisible': ((Eval('state') != 'failed')
                        | ~Eval('complaint')),
                    'icon': 'tryton-forward',
                    'depends': ['state', 'complaint'],
                    },
                'discard': {
                    'invisible': Eval('state') != 'failed',
                    'icon': 'tryton-delete',
                    'depends': ['state'],
                    },
                'restore': {
                    'invisible': Eval('state') != 'discarded',
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        # Only a failed email is corrected; the others are the record of
        # what was received, which may only be erased (personal data)
        if (mode == 'write' and external
                and any(values[f] is not None
                    for f in values.keys() & cls._corrected_fields())):
            for email_ in records:
                if email_.state != 'failed':
                    raise AccessError(gettext(
                            'complaint_plan.msg_email_not_failed',
                            email=email_.rec_name))

    @classmethod
    def _corrected_fields(cls):
        return {'sender_name', 'sender_address', 'subject', 'text', 'raw',
            'complaint'}

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//group[@id="failure"]', 'states', {
                    'invisible': ~Eval('failure'),
                    }),
            ]

    @classmethod
    def default_state(cls):
        return 'failed'

    @classmethod
    def default_direction(cls):
        return 'incoming'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        return self.subject or self.sender_address or str(self.id)

    def get_raw_name(self, name):
        return 'email-%s.eml' % self.id if self.raw_id or self.id else None

    @classmethod
    def get_reason(cls, emails, name):
        reasons = {}
        for email_ in emails:
            reasons[email_.id] = gettext(
                f'complaint_plan.msg_email_failure_{email_.failure}',
                part=email_.failure_part or '',
                kind=email_.failure_file_kind or '') if email_.failure else ''
        return reasons

    # Intake

    @classmethod
    def processed_complaint(cls, message_id):
        "The complaint of the mail processed under the Message-ID, or None"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        complaints = Complaint.search([
                ('email_message_id', '=', message_id),
                ], limit=1)
        if complaints:
            return complaints[0]
        emails = cls.search([
                ('message_id', '=', message_id),
                ('state', '=', 'processed'),
                ('direction', '=', 'incoming'),
                ], limit=1)
        if emails:
            return emails[0].complaint

    @classmethod
    def receive(cls, received, raw, company, arrival):
        """Take the mail read: return its complaint, new or answered, or the
        record of the failed mail"""
        complaint = cls.processed_complaint(received.message_id)
        if complaint:
            return complaint
        if received.problems:
            return cls._keep_failed(received, raw, company, arrival)
        files, refusals = screen_attachments(received.attachments)
        complaint = cls.answered_complaint(received, company)
        if complaint:
            cls._add_reply(complaint, received, files, refusals, arrival)
        else:
            complaint = cls._create_complaint(
                received, files, refusals, company, arrival)
        cls._replace_failed(received.message_id, complaint)
        return complaint

    @classmethod
    def answered_complaint(cls, received, company):
        """The complaint the mail answers: the mail refers to a mail of ours,
        or quotes the number of a complaint of its sender"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        if received.references:
            complaints = Complaint.search([
                    ('email_message_id', 'in', list(received.references)),
                    ('company', '=', company.id),
                    ], limit=1)
            if complaints:
                return complaints[0]
            emails = cls.search([
                    ('message_id', 'in', list(received.references)),
                    ('state', '=', 'processed'),
                    ('complaint', '!=', None),
                    ('company', '=', company.id),
                    ], limit=1)
            if emails:
                return emails[0].complaint
        address = (received.sender_address or '').strip().lower()
        numbers = quoted_numbers(received)
        if address and numbers:
            for complaint in Complaint.search([
                        ('number', 'in', numbers),
                        ('company', '=', company.id),
                        ], order=[('id', 'ASC')]):
                if (complaint.complainant_email or '').strip().lower() == (
                        address):
                    return complaint

    @classmethod
    def _email_values(cls, received, arrival, **values):
        return {
            'direction': 'incoming',
            'received_at': received.date or arrival,
            'sender_name': received.sender_name or None,
            'sender_address': received.sender_address or None,
            'subject': _truncate(received.subject, SUBJECT_LENGTH) or None,
            'text': received.text or None,
            'message_id': received.message_id,
            'references': ' '.join(received.references) or None,
            **values,
            }

    @classmethod
    def _create_complaint(cls, received, files, refusals, company, arrival):
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        complaint, = Complaint.create([Complaint._email_values(
                    received, refusals, company, arrival)])
        cls._attach(complaint, files)
        cls.create([cls._email_values(received, arrival,
                    company=company.id, state='processed', kind='complaint',
                    complaint=complaint.id)])
        return complaint

    @classmethod
    def _add_reply(cls, complaint, received, files, refusals, arrival):
        "Add the mail to the complaint's conversation and tell its handler"
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        cls._attach(complaint, files)
        values = cls._email_values(received, arrival,
            company=complaint.company.id, state='processed', kind='reply',
            complaint=complaint.id)
        values['text'] = _with_refusals(received.text, refusals) or None
        cls.create([values])
        Complaint._notify_handlers(
            [complaint], 'complaint_plan.msg_email_reply_label',
            'tryton-email')

    @classmethod
    def _attach(cls, complaint, files):
        Attachment = Pool().get('ir.attachment')
        Attachment.create([{
                    'resource': str(complaint),
                    'name': name,
                    'data': data,
                    } for name, data in files])

    @classmethod
    def _keep_failed(cls, received, raw, company, arrival):
        "Keep the broken mail, once, for a clerk"
        digest = hashlib.sha256(raw).hexdigest()
        same = cls.search([
                ('message_id', '=', received.message_id),
                ('digest', '=', digest),
                ('state', 'in', ['failed', 'discarded']),
                ], limit=1)
        if same:
            return same[0]
        problem = received.problems[0]
        email_, = cls.create([cls._email_values(received, arrival,
                    company=company.id, state='failed', raw=raw,
                    digest=digest, failure=problem.kind,
                    failure_part=_truncate(problem.part, 200) or None,
                    failure_file_kind=problem.file_kind or None)])
        return email_

    @classmethod
    def _replace_failed(cls, message_id, complaint):
        "The failed copies of a mail processed are replaced by it"
        failed = cls.search([
                ('message_id', '=', message_id),
                ('state', '=', 'failed'),
                ])
        if failed:
            cls.write(failed, {'complaint': complaint.id})
            cls.replace(failed)

    @classmethod
    def record_sent(cls, complaint, message):
        """Record a mail sent to the complainant about the complaint, so that
        the replies to it find the complaint"""
        email_, = cls.create([{
                    'company': complaint.company.id,
                    'complaint': complaint.id,
                    'state': 'processed',
                    'direction': 'outgoing',
                    'received_at': clock.now().replace(microsecond=0),
                    'subject': _truncate(
                        str(message.get('Subject', '')), SUBJECT_LENGTH),
                    'sender_address': str(message.get('From', '')) or None,
                    'message_id': message_id_key(
                        str(message.get('Message-ID', ''))),
                    }])
        return email_

    # A clerk's actions on a failed mail

    def _read_again(self):
        "The mail read again from its raw form, its date as first received"
        received = read_email(bytes(self.raw or b''), self.received_at)
        return received._replace(
            date=received.date or self.received_at,
            message_id=self.message_id or received.message_id)

    @classmethod
    @ModelView.button
    @Workflow.transition('processed')
    def process_again(cls, emails):
        "Read the raw email again, as replaced by the clerk, and take it"
        for email_ in emails:
            received = email_._read_again()
            if received.problems:
                problem = received.problems[0]
                raise ComplaintEmailError(gettext(
                        'complaint_plan.msg_email_still_failed',
                        email=email_.rec_name,
                        reason=gettext(
                            f'complaint_plan.msg_email_failure_{problem.kind}',
                            part=problem.part, kind=problem.file_kind)))
            email_._take(received, received.text, received.subject)

    @classmethod
    @ModelView.button
    @Workflow.transition('processed')
    def create_complaint(cls, emails):
        """Create the complaint from the email as the clerk corrected it,
        with the files of the email that are whole"""
        for email_ in emails:
            email_._take_corrected()

    @classmethod
    @ModelView.button
    @Workflow.transition('processed')
    def add_to_complaint(cls, emails):
        """Add the email as the clerk corrected it to the complaint chosen,
        with the files of the email that are whole"""
        for email_ in emails:
            email_._take_corrected()

    def _take_corrected(self):
        received = self._read_again()
        parts = {p.part for p in received.problems}
        broken = [n for n, _ in received.attachments if n in parts]
        received = received._replace(
            sender_name=self.sender_name or '',
            sender_address=self.sender_address or '',
            attachments=[(n, d) for n, d in received.attachments
                if n not in parts])
        self._take(received, self.text or '', self.subject or '', broken)

    def _take(self, received, text, subject, broken_files=()):
        """Make the complaint of the email, or add it to the complaint
        chosen; the email's files that are not whole are named"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        processed = (self.processed_complaint(self.message_id)
            if self.message_id else None)
        if processed:
            # Another copy of the mail was processed meanwhile
            self.__class__.write([self], {'complaint': processed.id})
            self.replace([self])
            return
        received = received._replace(text=clean_text(text),
            subject=single_line(subject))
        files, refusals = screen_attachments(received.attachments)
        refusals += [gettext('complaint_plan.msg_email_file_incomplete',
                name=name) for name in broken_files]
        arrival = self.received_at
        with Transaction().set_context(company=self.company.id):
            complaint = self.complaint
            if complaint:
                self._attach(complaint, files)
                Complaint._notify_handlers(
                    [complaint], 'complaint_plan.msg_email_reply_label',
                    'tryton-email')
                kind = 'reply'
                text = _with_refusals(received.text, refusals)
            else:
                values = Complaint._email_values(
                    received, refusals, self.company, arrival)
                complaint, = Complaint.create([values])
                self._attach(complaint, files)
                Complaint.announce_arrival([complaint])
                kind = 'complaint'
                text = received.text
        self.__class__.write([self], {
                'complaint': complaint.id,
                'kind': kind,
                'text': text or None,
                'subject': received.subject or None,
                'sender_name': received.sender_name or None,
                'sender_address': received.sender_address or None,
                })
        # The other failed copies go with it
        if self.message_id:
            others = self.search([
                    ('message_id', '=', self.message_id),
                    ('state', '=', 'failed'),
                    ('id', '!=', self.id),
                    ])
            if others:
                self.__class__.write(others, {'complaint': complaint.id})
                self.replace(others)

    @classmethod
    @Workflow.transition('replaced')
    def replace(cls, emails):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('discarded')
    def discard(cls, emails):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('failed')
    def restore(cls, emails):
        pass


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
