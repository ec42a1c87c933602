# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""How each kind of personal data is erased

The retention task and the subject requests erase through the same
functions. A row that keeps its place in the statistics is blanked and
marked; files are deleted, and removed from the filestore once the erasure
is committed (the platform keeps deleted files 90 days otherwise)."""
import re
import unicodedata

from sql import Column, Null
from sql.conditionals import Coalesce

from trytond.filestore import filestore
from trytond.model import fields
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.claim import claim
from trytond.modules.scheduled_activity.phone import DASHES, normalize_phone
from trytond.pool import Pool
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction


# What an erased text that the model requires becomes (as the platform's
# party erasure writes it)
ERASED = '****'
# The digits compared when a phone number cannot be read as a number
PHONE_DIGITS = 11
# A run of digits and the signs people write in phone numbers, with or
# without spaces; the dashes are those the phone validator reads
_PHONE_SIGNS = r'0-9０-９\-().（）' + re.escape(DASHES)
_PHONE_SPACED = re.compile(
    r'[+＋]?[0-9０-９][%s\s]{5,}[0-9０-９]' % _PHONE_SIGNS)
_PHONE_COMPACT = re.compile(
    r'[+＋]?[0-9０-９][%s]{5,}[0-9０-９]' % _PHONE_SIGNS)
# The text fields of the complaint and of its children searched for the
# erased values; identifiers and technical fields are left
REDACTED_MODELS = [
    ('complaint.complaint', 'id'),
    ('complaint.feedback', 'complaint'),
    ('complaint.disclosure', 'complaint'),
    ('complaint.improvement', 'complaint'),
    ('complaint.assessment', 'complaint'),
    ('complaint.level.change', 'complaint'),
    ('complaint.plan.version', 'complaint'),
    ('complaint.email', 'complaint'),
    ]
NOT_REDACTED = {'number', 'email_message_id', 'waiting_from',
    'complainant_name', 'complainant_phone', 'complainant_email',
    'complainant_address', 'legal_hold_reason', 'message_id', 'digest',
    'raw_id', 'references', 'failure_part', 'failure_file_kind'}
IDENTITY_FIELDS = ['complainant', 'complainant_name', 'complainant_phone',
    'complainant_email', 'complainant_address']


def phone_key(value):
    """The digits that tell a phone number whatever way it was typed: those
    of its normalised form, else the last 11 digits typed"""
    if not value:
        return None
    text = unicodedata.normalize('NFKC', str(value))
    try:
        stored = normalize_phone(text)
    except Exception:
        stored = None
    if stored:
        text = stored.split(';')[0]
    else:
        text = re.split(r';ext=|转|分机|#|ext', text, maxsplit=1)[0]
    digits = re.sub(r'[^0-9]', '', text)
    if len(digits) < 7:
        return None
    return digits[-PHONE_DIGITS:]


def mask_name(value):
    if not value:
        return value
    value = value.strip()
    return value[:1] + '*' * max(len(value) - 1, 1)


def mask_phone(value):
    if not value:
        return value
    digits = phone_key(value) or re.sub(
        r'[^0-9]', '', unicodedata.normalize('NFKC', value))
    if len(digits) < 7:
        return '*' * len(digits)
    if len(digits) >= 11:
        head, tail = 3, 4
    else:
        # Too few digits to hide only the middle: a short number shows less
        # than half of its digits and hides 4 at least
        shown = min(len(digits) // 2, len(digits) - 4)
        head, tail = shown // 2, shown - shown // 2
    return digits[:head] + '*' * (len(digits) - head - tail) + digits[-tail:]


def mask_email(value):
    if not value:
        return value
    local, _, domain = value.strip().partition('@')
    return local[:1] + '***' + ('@' + domain if domain else '')


class Redactor:
    "Replace the erased values where free text repeats them"

    def __init__(self, texts=(), phones=()):
        self.texts = sorted({t.strip() for t in texts
                if t and len(t.strip()) >= 2}, key=len, reverse=True)
        for text in list(self.texts):
            # The lines of an address, as they may be quoted one by one
            self.texts.extend(line.strip() for line in text.splitlines()
                if len(line.strip()) >= 4 and line.strip() not in self.texts)
        self.phones = {k for k in map(phone_key, phones) if k}
        # The phone numbers also as written
        self.texts.extend(p for p in phones if p and p not in self.texts)

    def __bool__(self):
        return bool(self.texts or self.phones)

    def _phone(self, match):
        text = match.group(0)
        if phone_key(text) in self.phones:
            return ERASED
        return _PHONE_COMPACT.sub(
            lambda m: ERASED if phone_key(m.group(0)) in self.phones
            else m.group(0), text)

    def __call__(self, value):
        if not value or not isinstance(value, str):
            return value
        for text in self.texts:
            value = re.sub(re.escape(text), ERASED, value, flags=re.IGNORECASE)
        if self.phones:
            value = _PHONE_SPACED.sub(self._phone, value)
        return value


class _FilePurge:
    """Remove files from the filestore once the transaction that deleted
    their records is committed"""

    def __init__(self):
        self.files = set()

    def __eq__(self, other):
        return isinstance(other, _FilePurge)

    def __hash__(self):
        return hash(_FilePurge)

    def tpc_begin(self, transaction):
        pass

    def commit(self, transaction):
        pass

    def tpc_vote(self, transaction):
        pass

    def tpc_finish(self, transaction):
        files, self.files = self.files, set()
        for file_id, prefix in files:
            filestore.delete(file_id, prefix=prefix)

    def tpc_abort(self, transaction):
        self.files = set()


def stored_files(Model, name, records):
    "The (file id, prefix) of the binary field of the records"
    field = Model._fields[name]
    if not field.file_id:
        return set()
    prefix = field.store_prefix
    if prefix is None:
        prefix = Transaction().database.name
    return {(getattr(r, field.file_id), prefix) for r in records
        if getattr(r, field.file_id)}


def remove_files(Model, name, files):
    """Remove the files from the filestore after the commit, unless a record
    of the model still uses them (a copy shares its file)"""
    if not files:
        return
    field = Model._fields[name]
    file_ids = [f for f, _ in files]
    used = set()
    for sub_ids in grouped_slice(file_ids):
        used.update(getattr(r, field.file_id) for r in Model.search([
                    (field.file_id, 'in', list(sub_ids)),
                    ]))
    transaction = Transaction()
    purge = transaction.join(_FilePurge())
    purge.files.update(f for f in files if f[0] not in used)


def claim_marked(Model, ids, name='personal_data_erased_at', extra=None):
    """Mark the records as erased now, those not marked yet, and return
    their ids: a concurrent run that marked them makes this one fail, so
    nothing is erased twice"""
    if not ids:
        return []
    table = Model.__table__()
    column = Column(table, name)
    columns, values = [column], [clock.now()]
    for extra_name, value in (extra or {}).items():
        columns.append(Column(table, extra_name))
        values.append(value(Column(table, extra_name))
            if callable(value) else value)
    claimed = []
    for sub_ids in grouped_slice(ids):
        claimed += claim(Model, table, columns, values,
            reduce_ids(table.id, sub_ids) & (column == Null))
    return sorted(claimed)


def _text_fields(Model):
    return [n for n, f in Model._fields.items()
        if f._type in {'char', 'text'} and not isinstance(f, fields.Function)
        and n not in NOT_REDACTED and not getattr(f, 'translate', False)
        and n not in {'rec_name', 'create_uid', 'write_uid'}]


def redact_complaints(complaints, redactors):
    "Replace the erased values in the free text of the complaints"
    pool = Pool()
    for model, link in REDACTED_MODELS:
        Model = pool.get(model)
        names = _text_fields(Model)
        if not names:
            continue
        domain = [(link, 'in', [c.id for c in complaints])]
        to_write = []
        for record in Model.search(domain):
            complaint_id = record.id if link == 'id' else getattr(
                record, link).id
            redactor = redactors.get(complaint_id)
            if not redactor:
                continue
            values = {}
            for name in names:
                value = getattr(record, name)
                redacted = redactor(value)
                if redacted != value:
                    values[name] = redacted
            if values:
                to_write.extend(([record], values))
        if to_write:
            Model.write(*to_write)


def erase_complaints(complaints):
    """Erase the identity of the complainant of the claimed complaints:
    name, phone, email, address and party; the free text that repeats them
    is redacted"""
    pool = Pool()
    Complaint = pool.get('complaint.complaint')
    if not complaints:
        return 0
    redactors = {}
    for complaint in complaints:
        party = complaint.complainant
        texts = [complaint.complainant_name, complaint.complainant_email,
            complaint.complainant_address]
        phones = [complaint.complainant_phone]
        if party:
            texts.append(party.name)
            for mechanism in party.contact_mechanisms:
                if mechanism.type in {'phone', 'mobile', 'fax'}:
                    phones.append(mechanism.value)
                else:
                    texts.append(mechanism.value)
        redactors[complaint.id] = Redactor(texts, phones)
    Complaint.write(list(complaints), {n: None for n in IDENTITY_FIELDS})
    redact_complaints(complaints, redactors)
    delete_sent_mails(complaints)
    return len(complaints)


def delete_sent_mails(resources):
    """Delete the mails written about the resources (to the complainant:
    their address, the reply) from the outbox and from the archive, with
    the archive's attachments"""
    pool = Pool()
    Mail = pool.get('scheduled.activity.mail')
    Email = pool.get('ir.email')
    Attachment = pool.get('ir.attachment')
    names = [str(r) for r in resources]
    for sub_names in grouped_slice(names):
        sub_names = list(sub_names)
        Mail.delete(Mail.search([('resource', 'in', sub_names)]))
        emails = Email.search([('resource', 'in', sub_names)])
        attachments = Attachment.search([
                ('resource', 'in', [str(e) for e in emails]),
                ])
        files = stored_files(Attachment, 'data', attachments)
        Attachment.delete(attachments)
        remove_files(Attachment, 'data', files)
        Email.delete(emails)


def erase_feedbacks(feedbacks):
    """Erase the content, the reply to the complainant and the complainant's
    comment of the feedback"""
    pool = Pool()
    Feedback = pool.get('complaint.feedback')
    if not feedbacks:
        return 0
    Feedback.write(list(feedbacks), {
            'content': ERASED, 'reply': None, 'comment': None})
    return len(feedbacks)


def delete_attachments(resources):
    "Delete the attachments of the resources and their files"
    pool = Pool()
    Attachment = pool.get('ir.attachment')
    attachments = []
    for sub_resources in grouped_slice([str(r) for r in resources]):
        attachments += Attachment.search([
                ('resource', 'in', list(sub_resources)),
                ])
    return delete_attachment_records(attachments)


def delete_attachment_records(attachments):
    pool = Pool()
    Attachment = pool.get('ir.attachment')
    if not attachments:
        return 0
    files = stored_files(Attachment, 'data', attachments)
    Attachment.delete(attachments)
    remove_files(Attachment, 'data', files)
    return len(attachments)


def erase_emails(emails):
    """Erase the sender, the subject, the text and the raw copy of the
    emails; the inbound emails they come from are deleted"""
    pool = Pool()
    Email = pool.get('complaint.email')
    if not emails:
        return 0
    files = stored_files(Email, 'raw', emails)
    Email.write(list(emails), {
            'sender_name': None,
            'sender_address': None,
            'subject': None,
            'text': None,
            'raw': None,
            'references': None,
            })
    remove_files(Email, 'raw', files)
    results = {str(e) for e in emails} | {
        str(e.complaint) for e in emails if e.complaint}
    return len(emails) + delete_inbound_emails([
            ('result', 'in', sorted(results))])


def delete_inbound_emails(domain, limit=None):
    "Delete the inbound emails of the domain, with their raw data"
    pool = Pool()
    InboundEmail = pool.get('inbound.email')
    inbound = InboundEmail.search(domain, limit=limit, order=[('id', 'ASC')])
    if not inbound:
        return 0
    files = stored_files(InboundEmail, 'data', inbound)
    InboundEmail.delete(inbound)
    remove_files(InboundEmail, 'data', files)
    return len(inbound)


def erase_certificates(certificates):
    """Anonymise the claimed health certificates: no employee, no number;
    their documents and activities are deleted"""
    pool = Pool()
    Certificate = pool.get('hygiene.health_certificate')
    Activity = pool.get('scheduled.activity')
    if not certificates:
        return 0
    delete_attachments(certificates)
    activities = Activity.search([
            ('resource', 'in', [str(c) for c in certificates]),
            ])
    if activities:
        Activity.delete(activities)
    Certificate.write(list(certificates), {
            'employee': None,
            'number': ERASED,
            })
    return len(certificates)


def erase_preshift_checks(checks):
    "Anonymise the claimed pre-shift checks: no employee, no note"
    pool = Pool()
    Check = pool.get('hygiene.preshift_check')
    if not checks:
        return 0
    delete_attachments(checks)
    Check.write(list(checks), {'employee': None, 'note': None})
    return len(checks)


def erase_parties(parties):
    """Erase the parties as the platform's party erasure does: name,
    addresses, contact mechanisms, identifiers and their attachments"""
    pool = Pool()
    Party = pool.get('party.party')
    Erase = pool.get('party.erase', type='wizard')
    if not parties:
        return 0
    Party.write(list(parties), {'active': False})
    # The wizard checks its own access: the erasure is the system's
    with Transaction().set_user(0):
        for party in parties:
            session_id, _, _ = Erase.create()
            erase = Erase(session_id)
            erase.ask.party = Party(party.id)
            erase.transition_erase()
            Erase.delete(session_id)
    return len(parties)


def certificate_claim_extra():
    "The claim of a certificate also ends its reminders"
    now = clock.now()
    return {'reminded_at': lambda column: Coalesce(column, now)}
