# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The reading of a received email: its sender, subject, date, Message-IDs,
text and files, what makes it unreadable as it arrived, and whether a program
sent it (an automatic reply, a bounce, a mailing list)"""
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
import mimetypes
import quopri
import re
import struct
from collections import namedtuple
from email.utils import (
    collapse_rfc2231_value, getaddresses, parsedate_to_datetime)

from trytond.i18n import gettext
from trytond.modules.public_page.metadata import strip_metadata
from trytond.modules.public_page.page import MAX_ATTACHMENT_SIZE


SUBJECT_LENGTH = 200
# Mail servers give up delivering after about five days (RFC 5321
# §4.5.4.1): an older Date header comes from a wrong clock.
MAIL_TRANSIT = dt.timedelta(days=5)
# A longer Message-ID is stored as its digest, to keep the index small.
MESSAGE_ID_LENGTH = 200
# The files of one mail a complaint keeps, each within the web form's size
MAX_EMAIL_FILES = 20
FILE_NAME_LENGTH = 100
# Python's gb2312, gbk, big5, shift_jis and euc_kr codecs fail on the
# characters that mail clients send under these labels (GBK, the HKSCS and
# Windows code pages); their supersets read them, as browsers do (WHATWG
# Encoding Standard).
CHARSET_SUPERSETS = {
    'gb2312': 'gb18030', 'gbk': 'gb18030', 'big5': 'big5hkscs',
    'shift_jis': 'cp932', 'euc_kr': 'cp949'}
# Labels of the WHATWG Encoding Standard that mail programs write and
# Python does not know
LABEL_ALIASES = {
    'cn-big5': 'big5', 'x-x-big5': 'big5',
    'csgb2312': 'gbk', 'gb_2312': 'gbk', 'gb_2312-80': 'gbk',
    'windows-936': 'gbk', 'x-mac-chinesesimp': 'gbk',
    'x-sjis': 'shift_jis', 'windows-31j': 'shift_jis',
    'x-euc-jp': 'euc_jp',
    'cseuckr': 'euc_kr', 'ks_c_5601-1989': 'euc_kr', 'windows-949': 'euc_kr',
    'unicode-1-1-utf-8': 'utf-8', 'x-cp1252': 'cp1252',
    'windows-874': 'cp874',
    }
# A label that says nothing of 8-bit bytes: the text tells.
GUESSED_CHARSETS = {'ascii'}
# Labels that mail programs and web forms put by default on whatever they
# send: under them, text that reads as UTF-8 or as GB is taken as such
DEFAULT_LABELS = {'iso8859-1', 'cp1252', 'iso8859-15'}
# GB2312 text: ASCII and pairs of bytes from 0xA1 to 0xFE. Latin letters of
# the labels above come one by one between ASCII letters.
GB_PAIRS = re.compile(rb'(?:[\x00-\x7f]|[\xa1-\xfe]{2})*')
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
    ('no_parts', "Parts Not Found"),
    ('damaged_base64', "Damaged Base64 Part"),
    ('cut_quoted_printable', "Cut Quoted-Printable Part"),
    ('cut_file', "Incomplete File"),
    ('cut_text', "Text Cut in a Character"),
    ('undecodable', "Unreadable"),
    ('empty', "Empty"),
    ]
FAILURE_ORDER = [k for k, _ in FAILURES]
# The mails a program sent (RFC 3834), which never make a complaint
AUTOMATIC_KINDS = [
    ('auto_reply', "Automatic Reply"),
    ('bounce', "Bounce"),
    ('bulk', "List or Bulk Email"),
    ]
# The senders of the delivery reports of mail servers (RFC 5321 §4.5.5,
# RFC 2142), at Postfix, Sendmail, Exim, QQ, 163, Aliyun and Exchange alike
REPORT_SENDERS = {'mailer-daemon', 'postmaster'}
BULK_PRECEDENCES = {'bulk', 'junk', 'list'}
# The subjects of the auto-replies that carry no header saying so (some
# webmail and Exchange inbox rules): the prefix in brackets or followed by
# the colon the responders write, as "自动回复：…" is theirs and "自动回复功能
# 失灵" a customer's
_AUTO_REPLY_WORDS = (r'(自动回复|自动答复|自動回覆|auto[- ]?reply|automatic reply'
    r'|auto[- ]?response|out of (the )?office( auto[- ]?reply)?)')
AUTO_REPLY_SUBJECT = re.compile(
    rf'\s*([\[【]{_AUTO_REPLY_WORDS}[\]】]|{_AUTO_REPLY_WORDS}\s*[:：])',
    re.IGNORECASE)
DELIVERY_STATUS_TYPES = {
    'message/delivery-status', 'message/global-delivery-status'}
# The parts of a report that return the mail reported on, or its headers
RETURNED_TYPES = {
    'message/rfc822', 'message/global', 'text/rfc822-headers',
    'message/global-headers'}
# The nesting of forwarded mails whose text is read
MAX_FORWARD_DEPTH = 3

ReceivedEmail = namedtuple('ReceivedEmail', [
        'sender_name', 'sender_address', 'subject', 'date', 'message_id',
        'text', 'attachments', 'references', 'problems', 'automatic',
        'bounce'])
# Why a mail cannot be taken as it is: a FAILURES key and the part
# concerned (a file name, a content type) and the kind of file
Problem = namedtuple('Problem', ['kind', 'part', 'file_kind'],
    defaults=['', ''])
# A mail a program sent: an AUTOMATIC_KINDS key and the header that tells
Automatic = namedtuple('Automatic', ['kind', 'header'])
# What a bounce says: the addresses the mail returned was not delivered to,
# the mail server's reason and the subject of the mail returned
Bounce = namedtuple('Bounce', ['recipients', 'diagnostic', 'subject'])


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
                    'complaint_intake.msg_email_attachment_over_count',
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
    "The Python codec of a charset label, or its CHARSET_SUPERSETS superset"
    if not charset:
        return None
    label = charset.strip().strip('"').lower()
    for name in [label, label.removeprefix('x-')]:
        try:
            codec = codecs.lookup(LABEL_ALIASES.get(name, name)).name
        except (LookupError, ValueError):
            # Unknown, or not even a name (NUL, 8-bit bytes)
            continue
        codec = CHARSET_SUPERSETS.get(codec, codec)
        return None if codec in GUESSED_CHARSETS else codec
    return None


def _label_codec(data, charset):
    "The codec to read the data with first: the label's, unless it lies"
    codec = _codec(charset)
    if codec in DEFAULT_LABELS and not data.isascii():
        if _decodes(data, 'utf-8'):
            return 'utf-8'
        if (GB_PAIRS.fullmatch(data) and _decodes(data, 'gb2312')
                and sum(b > 0x7f for b in data) >= 4):
            return 'gb18030'
    return codec


def decode_bytes(data, charset=None):
    "Decode text whatever charset it declares, never failing"
    # The byte order mark some programs put first is no part of the text
    return _decode_bytes(data, charset).removeprefix('\ufeff')


def _decode_bytes(data, charset):
    codec = _label_codec(data, charset)
    # UTF-8 under a wrong label (web forms, scripts) is read as UTF-8
    if codec and (_decodes(data, codec) or not _decodes(data, 'utf-8')):
        try:
            return data.decode(codec, 'replace')
        except (LookupError, UnicodeError):
            # A codec that refuses any error handler
            pass
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        return data.decode('gb18030', 'replace')


def _decodes(data, codec):
    "Whether the bytes are text in the codec"
    try:
        data.decode(codec)
    except (LookupError, UnicodeError):
        return False
    return True


def decode_text(data, charset=None):
    """Decode the text of a body part; return it with what is wrong with
    it: None, 'cut_text' (it ends inside a character) or 'undecodable'"""
    text, problem = _decode_text(data, charset)
    # The byte order mark some programs put first is no part of the text
    return text.removeprefix('\ufeff'), problem


def _decode_text(data, charset):
    codecs_ = [c for c in [_label_codec(data, charset), 'utf-8', 'gb18030']
        if c]
    for index, codec in enumerate(dict.fromkeys(codecs_)):
        try:
            return data.decode(codec), None
        except UnicodeDecodeError as error:
            # Only the last character is incomplete: the text was cut,
            # unless it is UTF-8 under a wrong label, read next
            if (index == 0 and error.end == len(data)
                    and error.start >= len(data) - 3
                    and (data.isascii() or not _decodes(data, 'utf-8'))):
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


def decode_header(value, charset=None):
    """Decode a raw header value: its folding, RFC 2047 encoded words (by
    the standard library, which joins the adjacent words of one charset as
    clients split a character across them) and 8-bit bytes sent
    unencoded, read in the charset when they are not UTF-8"""
    if not value:
        return ''
    value = _raw_text(value, charset)
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


def _raw_text(value, charset=None):
    """A raw header value with its unencoded 8-bit bytes decoded: as UTF-8
    when they are, else in the charset (that of the mail's text), else as
    GB18030"""
    # They reach here as surrogate escapes.
    data = value.encode('utf-8', 'surrogateescape')
    return decode_bytes(data, None if _decodes(data, 'utf-8') else charset)


def _headers_charset(message):
    """The charset that a mail program writing its text in a Chinese,
    Japanese or Korean charset writes its unencoded headers in"""
    for part in message.walk():
        if part.get_content_maintype() == 'text':
            codec = _codec(part.get_content_charset())
            if codec and codec not in DEFAULT_LABELS | {'utf-8'}:
                return codec
    return None


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
        self.head = False

    def handle_starttag(self, tag, attrs):
        if tag == 'body':
            # HTML lets the end tag of the head be left out
            self._end_head()
        elif tag in self.HIDDEN:
            self.head = self.head or tag == 'head'
            self.hidden += 1
        elif tag in self.PARAGRAPHS:
            self.parts.append('\n\n')
        elif tag in self.LINES:
            self.parts.append('\n- ' if tag == 'li' else '\n')
        elif tag in {'td', 'th'}:
            self.parts.append(' ')

    def handle_endtag(self, tag):
        if tag == 'head':
            self._end_head()
        elif tag in self.HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self.PARAGRAPHS:
            self.parts.append('\n\n')
        elif tag == 'div':
            self.parts.append('\n')

    def _end_head(self):
        if self.head:
            self.head = False
            self.hidden = max(self.hidden - 1, 0)

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
    standard policy decodes wrongly (GB2312 labels holding GBK, 8-bit
    bytes sent unencoded)"""
    compat = email.message.Message()
    for name, value in part.raw_items():
        if name.lower() in {'content-type', 'content-disposition'}:
            # Decoded before the parameters are split, as a GBK character
            # may end with a backslash, and as the compat32 policy replaces
            # 8-bit bytes
            compat[name] = _raw_text(value)
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
        if _base64_forward(part):
            text = part.get_payload(0).get_payload()
            try:
                return base64.b64decode(text)
            except ValueError:
                return _base64_readable(text)
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
        # What can be read of damaged base64, for the clerk
        data = _base64_readable(payload)
    return data


def _base64_forward(part):
    """Whether the message part is in base64, which RFC 2046 forbids but
    some clients send: the parser takes it for a mail of text"""
    encoding = str(part.get('content-transfer-encoding', ''))
    return encoding.strip().lower() == 'base64'


def _base64_readable(text):
    "The bytes of the whole groups of four base64 characters of the text"
    text = re.sub(r'[^A-Za-z0-9+/]', '', text)
    return base64.b64decode(text[:len(text) // 4 * 4])


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
    ReceivedEmail: texts decoded, the date when it is sane, the problems
    that keep it from being taken as it is, and whether a program sent it"""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = _raw_headers(message)
    charset = _headers_charset(message)
    sender_name, sender_address = '', ''
    if headers.get('from'):
        # Decoded before the addresses are split, as the second byte of a
        # GBK character may be a backslash or an at sign
        raw_from = _raw_text(re.sub(r'\r?\n', '', headers['from']), charset)
        sender_name, sender_address = getaddresses([raw_from])[0]
        sender_name = single_line(decode_header(sender_name))
        sender_address = single_line(decode_header(sender_address))
        if not (sender_name or sender_address):
            sender_name = single_line(decode_header(raw_from))
    subject = single_line(decode_header(headers.get('subject'), charset))
    automatic = _automatic(message, headers, sender_address, subject)
    problems = []
    try:
        texts = _read_parts(message, problems)
    except (ValueError, LookupError, TypeError, IndexError, AttributeError,
            email.errors.MessageError):
        # What the standard library cannot take apart
        problems.append(Problem('undecodable'))
        texts = _Texts([], [], [], [])
    plain, rich, shown, attachments = texts
    # Without text of its own, a mail reads as its mail program shows it:
    # its text files and the mails it forwards; not so a report, whose
    # files are the mail it returns
    text = _first_text(plain, rich, [] if automatic else shown)
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
    references = _references(headers)
    bounce = None
    if automatic:
        automatic, bounce, returned_ids = _report(
            message, headers, automatic)
        references = tuple(dict.fromkeys(references + returned_ids))[:50]
    return ReceivedEmail(
        sender_name=sender_name,
        sender_address=sender_address,
        subject=subject,
        date=_date(headers.get('date'), arrival),
        message_id=_message_id(headers.get('message-id'), raw),
        text=text,
        attachments=attachments,
        references=references,
        problems=problems,
        automatic=automatic,
        bounce=bounce)


# The texts of a mail: its plain and HTML bodies, the text files it shows
# inline and the texts of the mails it forwards, and its files
_Texts = namedtuple('_Texts', ['plain', 'rich', 'shown', 'attachments'])


def _read_parts(message, problems, depth=0):
    "Read the texts and the files of the message, noting the problems"
    plain, rich, shown, attachments = [], [], [], []
    for index, part in enumerate(_leaves(message), 1):
        if part.get_content_maintype() == 'multipart':
            if not part.is_multipart():
                # Its boundary never comes: written wrongly, or cut before
                # the first part; the clerk reads what it holds
                problems.append(Problem('no_parts'))
                plain.append(_body_text(part))
            elif any(isinstance(d, BOUNDARY_DEFECTS) for d in part.defects):
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
            if _holds_own_boundary(part):
                # A mail of several parts labelled as one: its text would be
                # the parts' headers and boundaries
                problems.append(Problem('no_parts'))
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
            shown.extend(_shown_text(part, data, depth))
    return _Texts(plain, rich, shown, attachments)


def _first_text(*texts):
    """The first of the lists of texts that is not blank, joined: an HTML
    body is the text of a mail whose plain body is blank"""
    for block in texts:
        if any(block):
            return '\n\n'.join(t for t in block if t)
    return ''


def _body_text(part):
    "The text of the body of a part, whatever it holds"
    return clean_text(decode_bytes(
            part.get_payload(decode=True) or b'', part.get_content_charset()))


def _holds_own_boundary(part):
    "Whether a single part holds the delimiters of a boundary it declares"
    boundary = part.get_param('boundary')
    payload = part.get_payload()
    return (isinstance(boundary, str) and bool(boundary)
        and isinstance(payload, str)
        and re.search(
            '^--' + re.escape(boundary) + r'\s*$', payload, re.MULTILINE)
        is not None)


def _shown_text(part, data, depth):
    """The texts a mail program shows of a file: a text file not attached
    (a text/plain part with a file name, text/x-…), the text of a forwarded
    mail after its From, Date and Subject"""
    if part.get_content_maintype() == 'text':
        if part.get_content_disposition() == 'attachment':
            return []
        text, problem = decode_text(data, part.get_content_charset())
        if problem:
            return []
        if part.get_content_subtype() == 'html':
            text = html_to_text(text)
        return [clean_text(text)]
    if (part.get_content_type() not in {'message/rfc822', 'message/global'}
            or not part.is_multipart() or depth >= MAX_FORWARD_DEPTH):
        return []
    if _base64_forward(part):
        forwarded = email.message_from_bytes(data, policy=part.policy)
    else:
        forwarded = part.get_payload(0)
    try:
        plain, rich, shown, _ = _read_parts(forwarded, [], depth + 1)
    except (ValueError, LookupError, TypeError, IndexError, AttributeError,
            email.errors.MessageError):
        return []
    text = _first_text(plain, rich, shown)
    headers = _raw_headers(forwarded)
    lines = [f'{label}: {value}' for label, value in (
            (label, _decoded(headers.get(label.lower())))
            for label in ['From', 'Date', 'Subject']) if value]
    return ['\n'.join(lines) + '\n\n' + text] if text else []


def _decoded(value):
    "A header value decoded on a single line"
    return single_line(decode_header(value))


def _token(value):
    "The first word of a header value, in lower case"
    return _decoded(value).split(';')[0].strip().lower()


def _automatic(message, headers, sender_address, subject):
    """Whether a program sent the mail: its AUTOMATIC_KINDS key and the
    header that tells it, as Automatic, or None

    Delivery reports first, then the headers of RFC 3834 and of the mail
    programs, then the subject prefixes of the auto-replies that carry no
    header; a null sender (Return-Path: <>) is a mail server's."""
    def sign(kind, name, value=None):
        if value is None:
            value = _decoded(headers.get(name.lower()))
        return Automatic(kind, truncate(f'{name}: {value}', SUBJECT_LENGTH))

    if message.get_content_type() == 'multipart/report':
        report_type = _token(collapse_rfc2231_value(
                message.get_param('report-type', '')))
        return sign(
            'bounce' if report_type == 'delivery-status' else 'auto_reply',
            'Content-Type', '; '.join(filter(None, [
                        'multipart/report',
                        report_type and f'report-type={report_type}'])))
    if sender_address.split('@')[0].lower() in REPORT_SENDERS:
        return sign('bounce', 'From', sender_address)
    auto_submitted = _token(headers.get('auto-submitted'))
    if auto_submitted and auto_submitted != 'no':
        return sign('auto_reply', 'Auto-Submitted')
    for name in ['X-Autoreply', 'X-Autorespond']:
        if name.lower() in headers and _token(headers[name.lower()]) != 'no':
            return sign('auto_reply', name)
    precedence = _token(headers.get('precedence'))
    if precedence == 'auto_reply':
        return sign('auto_reply', 'Precedence')
    # Exchange's inbox rules answer without Auto-Submitted; alone the
    # header only asks not to be answered, as some people's mail does
    suppress = {w.strip().lower() for w in _decoded(
            headers.get('x-auto-response-suppress')).split(',')}
    if 'all' in suppress and 'x-ms-exchange-inbox-rules-loop' in headers:
        return sign('auto_reply', 'X-Auto-Response-Suppress')
    if precedence in BULK_PRECEDENCES:
        return sign('bulk', 'Precedence')
    for name in ['List-Id', 'List-Unsubscribe']:
        if _decoded(headers.get(name.lower())):
            return sign('bulk', name)
    if AUTO_REPLY_SUBJECT.match(subject):
        return sign('auto_reply', 'Subject', subject)
    if re.fullmatch(r'<\s*>', (headers.get('return-path') or '').strip()):
        return sign('bounce', 'Return-Path')
    return None


def _report(message, headers, automatic):
    """Read the delivery report of the automatic mail: return the
    Automatic (a bounce when a delivery failed, whatever its type says; a
    report of delays only is no bounce), the Bounce, and the Message-IDs of
    the mail returned"""
    statuses, returned = [], {}
    try:
        for part in _leaves(message):
            content_type = part.get_content_type()
            if content_type in DELIVERY_STATUS_TYPES:
                statuses.extend(_status_blocks(part)[1:])
            elif content_type in RETURNED_TYPES and not returned:
                returned = _returned_headers(part)
    except (ValueError, LookupError, TypeError, IndexError, AttributeError,
            email.errors.MessageError):
        # A damaged report: the bounce tells what could be read
        pass
    returned_ids = tuple(message_id_key(t) for t in MESSAGE_ID_TOKEN.findall(
            _ascii(returned.get('message-id'))))
    failed = [s for s in statuses if _token(s.get('action')) == 'failed']
    if failed:
        automatic = automatic._replace(kind='bounce')
    elif statuses:
        # Delayed, relayed or delivered: a notice, nothing failed
        automatic = automatic._replace(kind='auto_reply')
    if automatic.kind != 'bounce':
        return automatic, None, returned_ids
    recipients = [_status_address(s.get('final-recipient')) for s in failed]
    if not any(recipients):
        # Exim names them in a header, the others in the mail returned
        recipients = [a for _, a in getaddresses([_decoded(v) for v in [
                        headers.get('x-failed-recipients'),
                        returned.get('to'), returned.get('cc')] if v])]
    diagnostics = [_status_diagnostic(s) for s in failed]
    return automatic, Bounce(
        recipients=tuple(dict.fromkeys(a for a in recipients if a)),
        diagnostic=truncate('; '.join(
                dict.fromkeys(d for d in diagnostics if d)), 1000),
        subject=_decoded(returned.get('subject'))), returned_ids


def _ascii(value):
    "A raw header value in ASCII, its 8-bit bytes replaced"
    return (value or '').encode('utf-8', 'surrogateescape').decode(
        'ascii', 'replace')


def _status_blocks(part):
    """The field blocks of a delivery-status part (RFC 3464) by lower-case
    name: the message's, then one a recipient"""
    parsed = part.get_payload()
    if isinstance(parsed, str):
        data = part.get_payload(decode=True) or b''
    else:
        # The parser took the first fields of each block (of the whole part
        # for message/global-delivery-status) for headers and the rest for
        # a body; encoded against RFC 3464, all is body
        data = b'\r\n'.join(
            b''.join(f'{n}: {v}\r\n'.encode('utf-8', 'surrogateescape')
                for n, v in block.raw_items())
            + b'\r\n' + (block.get_payload(decode=True) or b'')
            for block in parsed)
        encoding = str(
            part.get('content-transfer-encoding', '')).strip().lower()
        if encoding == 'base64':
            data = _base64_readable(data.decode('ascii', 'replace'))
        elif encoding == 'quoted-printable':
            data = quopri.decodestring(data)
    return [_raw_headers(email.message_from_bytes(
                block, policy=email.policy.compat32))
        for block in re.split(rb'(?:\r?\n){2,}', data.strip())]


def _status_address(value):
    "The address of a recipient field of a delivery status: type; address"
    return _decoded(value).rpartition(';')[2].strip().strip('<>').strip()


def _status_diagnostic(fields):
    """The reason of a recipient's delivery status: its Diagnostic-Code
    without its type (smtp; …), with its Status when it does not say it"""
    status = _decoded(fields.get('status'))
    code = _decoded(fields.get('diagnostic-code'))
    if ';' in code:
        code = code.split(';', 1)[1].strip()
    if status and status not in code:
        return f'{status} {code}'.strip()
    return code


def _returned_headers(part):
    "The headers of the mail a report returns, whole or headers only"
    payload = part.get_payload()
    if isinstance(payload, list):
        return _raw_headers(payload[0]) if payload else {}
    return _raw_headers(email.message_from_bytes(
            part.get_payload(decode=True) or b'',
            policy=email.policy.compat32))


def quoted_numbers(received):
    """The words of the subject (and of the subject of the mail a bounce
    returns) and of the first lines of the text (above any quote) that may
    be a complaint number, as typed and in capitals"""
    lines = []
    for line in received.text.splitlines():
        if QUOTE_START.match(line.strip()):
            break
        if line.strip():
            lines.append(line)
        if len(lines) >= FIRST_LINES:
            break
    subjects = [received.subject]
    if received.bounce:
        subjects.append(received.bounce.subject)
    tokens = NUMBER_TOKEN.findall(
        '\n'.join(subjects) + '\n' + '\n'.join(lines)[:2000])
    numbers = []
    for token in tokens[:MAX_NUMBER_TOKENS]:
        numbers.extend([token, token.upper()])
    return list(dict.fromkeys(numbers))


def truncate(text, length):
    return text if len(text) <= length else text[:length - 1] + '…'
