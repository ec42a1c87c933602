# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What is held about a person: the search behind the subject requests

The person is given by a name, a phone number or an email address. A phone
number is found however it was typed (spaces, dashes, +86, full-width
digits): both sides are compared by their digits. What is found is
described field by field, and told whether it may be erased now."""
import datetime as dt
import re
import unicodedata

from trytond.modules.scheduled_activity.timezone import (
    format_company_datetime)
from trytond.pool import Pool
from trytond.tools import escape_wildcard, grouped_slice
from trytond.transaction import Transaction

from .eraser import phone_key

PHONE_TYPES = {'phone', 'mobile', 'fax'}
# The kinds of record found, from the person to their traces
MODELS = {
    'party': ['party.party'],
    'complaint': ['complaint.complaint'],
    'feedback': ['complaint.feedback'],
    'attachment': ['ir.attachment'],
    'email': ['complaint.email', 'inbound.email'],
    'certificate': ['hygiene.health_certificate'],
    'preshift': ['hygiene.preshift_check'],
    }


def _exact(value):
    "The ilike pattern of the value as a whole, its wildcards escaped"
    return escape_wildcard(value.strip())


def _phone_candidates(Model, names, phone):
    """The records of Model whose fields hold the phone number: a search
    on the last digits, checked on the digits of each value"""
    key = phone_key(phone)
    if not key:
        return []
    pattern = '%' + key[-8:] + '%'
    records = Model.search(['OR'] + [(n, 'like', pattern) for n in names])
    return [r for r in records
        if any(phone_key(getattr(r, n)) == key for n in names)]


def find_parties(name, phone, email):
    pool = Pool()
    Party = pool.get('party.party')
    Mechanism = pool.get('party.contact_mechanism')
    parties = set()
    with Transaction().set_context(active_test=False):
        if name:
            parties.update(Party.search([('name', 'ilike', _exact(name))]))
        if email:
            parties.update(m.party for m in Mechanism.search([
                        ('type', '=', 'email'),
                        ('value', 'ilike', _exact(email)),
                        ]))
        if phone:
            parties.update(m.party for m in _phone_candidates(
                    Mechanism, ['value', 'value_compact'], phone)
                if m.type in PHONE_TYPES)
    return sorted(parties, key=lambda p: p.id)


def find_complaints(name, phone, email, parties):
    Complaint = Pool().get('complaint.complaint')
    clauses = []
    if name:
        clauses.append(('complainant_name', 'ilike', _exact(name)))
    if email:
        clauses.append(('complainant_email', 'ilike', _exact(email)))
    if phone:
        clauses.append(('complainant_phone', '=', phone))
    if parties:
        clauses.append(('complainant', 'in', [p.id for p in parties]))
    complaints = set()
    if clauses:
        complaints.update(Complaint.search(['OR'] + clauses))
    if phone:
        complaints.update(_phone_candidates(
                Complaint, ['complainant_phone'], phone))
    return sorted((c for c in complaints if not c.personal_data_erased_at),
        key=lambda c: c.id)


def find_emails(name, email, complaints):
    pool = Pool()
    Email = pool.get('complaint.email')
    InboundEmail = pool.get('inbound.email')
    clauses = []
    if complaints:
        clauses.append(('complaint', 'in', [c.id for c in complaints]))
    if email:
        clauses.append(('sender_address', 'ilike', _exact(email)))
    if name:
        clauses.append(('sender_name', 'ilike', _exact(name)))
    emails = []
    if clauses:
        emails = Email.search([
                ('personal_data_erased_at', '=', None),
                ['OR'] + clauses,
                ], order=[('id', 'ASC')])
    results = [str(c) for c in complaints] + [str(e) for e in emails]
    inbound = []
    for sub_results in grouped_slice(results):
        inbound += InboundEmail.search([
                ('result', 'in', list(sub_results)),
                ], order=[('id', 'ASC')])
    return emails, inbound


def find(name=None, phone=None, email=None):
    """Return the records held about the person, as (kind, record) in the
    order of MODELS"""
    pool = Pool()
    Attachment = pool.get('ir.attachment')
    Employee = pool.get('company.employee')
    Certificate = pool.get('hygiene.health_certificate')
    Check = pool.get('hygiene.preshift_check')
    name, phone, email = (
        unicodedata.normalize('NFKC', v).strip() if v else None
        for v in [name, phone, email])
    parties = find_parties(name, phone, email)
    complaints = find_complaints(name, phone, email, parties)
    feedbacks = [f for c in complaints for f in c.feedbacks
        if not f.personal_data_erased_at]
    emails, inbound = find_emails(name, email, complaints)
    resources = [str(r) for r in complaints + feedbacks]
    attachments = []
    for sub_resources in grouped_slice(resources):
        attachments += Attachment.search([
                ('resource', 'in', list(sub_resources)),
                ], order=[('id', 'ASC')])
    with Transaction().set_context(active_test=False):
        employees = Employee.search([
                ('party', 'in', [p.id for p in parties]),
                ]) if parties else []
    certificates, checks = [], []
    if employees:
        employee_ids = [e.id for e in employees]
        certificates = Certificate.search([
                ('employee', 'in', employee_ids),
                ], order=[('id', 'ASC')])
        checks = Check.search([
                ('employee', 'in', employee_ids),
                ], order=[('id', 'ASC')])
    return ([('party', p) for p in parties]
        + [('complaint', c) for c in complaints]
        + [('feedback', f) for f in feedbacks]
        + [('attachment', a) for a in attachments]
        + [('email', e) for e in emails + inbound]
        + [('certificate', c) for c in certificates]
        + [('preshift', c) for c in checks])


def _complaint_of(record):
    "The complaint the record belongs to, or None"
    pool = Pool()
    Complaint = pool.get('complaint.complaint')
    if isinstance(record, Complaint):
        return record
    if record.__name__ in {'complaint.feedback', 'complaint.email'}:
        return record.complaint
    if record.__name__ == 'ir.attachment':
        resource = record.resource
        if resource and resource.__name__ == 'complaint.complaint':
            return resource
        if resource and resource.__name__ == 'complaint.feedback':
            return resource.complaint
    if record.__name__ == 'inbound.email':
        result = record.result
        if result and result.__name__ == 'complaint.complaint':
            return result
        if result and result.__name__ == 'complaint.email':
            return result.complaint
    return None


def blocked_reason(kind, record):
    """Why the record may not be erased at the request: 'law' (health
    records kept for their legal period), 'staff' (the party of an employee
    or a company), 'hold', 'incident' or 'open' (its complaint); None when
    it may"""
    pool = Pool()
    Complaint = pool.get('complaint.complaint')
    Employee = pool.get('company.employee')
    Company = pool.get('company.company')
    if kind in {'certificate', 'preshift'}:
        return 'law'
    if kind == 'party':
        with Transaction().set_context(active_test=False):
            if (Employee.search([('party', '=', record.id)], limit=1)
                    or Company.search([('party', '=', record.id)], limit=1)):
                return 'staff'
            complaints = Complaint.search([
                    ('complainant', '=', record.id),
                    ('personal_data_erased_at', '=', None),
                    ])
        reasons = [c.held_reason() for c in complaints]
        for reason in ['hold', 'incident', 'open']:
            if reason in reasons:
                return reason
        return None
    complaint = _complaint_of(record)
    if complaint is not None:
        return complaint.held_reason()
    return None


def _line(label, value):
    if value in (None, '', []):
        return None
    return f'{label}: {value}'


def describe(record):
    "The personal data the record holds, one field a line, as text"
    strings = {}

    def label(Model, name):
        if Model.__name__ not in strings:
            strings[Model.__name__] = {n: f['string'] for n, f in
                Model.fields_get().items()}
        return strings[Model.__name__].get(name, name)

    Model = record.__class__
    names = {
        'party.party': ['name', 'code'],
        'complaint.complaint': ['number', 'received_at', 'complainant',
            'complainant_name', 'complainant_phone', 'complainant_email',
            'complainant_address', 'subject'],
        'complaint.feedback': ['date', 'content', 'satisfaction', 'comment'],
        'ir.attachment': ['name', 'data_size'],
        'complaint.email': ['received_at', 'sender_name', 'sender_address',
            'subject', 'text'],
        'inbound.email': ['create_date', 'data_type'],
        'hygiene.health_certificate': ['number', 'issued_on',
            'expires_on'],
        'hygiene.preshift_check': ['date', 'store', 'fever', 'diarrhoea',
            'sore_throat', 'skin_wound', 'fit_for_duty', 'note'],
        }.get(Model.__name__, [])
    lines = []
    company = getattr(record, 'company', None)
    for name in names:
        value = getattr(record, name, None)
        if isinstance(value, dt.datetime):
            value = format_company_datetime(company, value)
        elif isinstance(value, dt.date):
            value = Pool().get('ir.lang').get().strftime(value)
        elif hasattr(value, 'rec_name'):
            value = value.rec_name
        elif isinstance(value, bool):
            value = {True: '✔', False: None}[value]
        lines.append(_line(label(Model, name), value))
    if Model.__name__ == 'party.party':
        for mechanism in record.contact_mechanisms:
            lines.append(_line(
                    mechanism.type_string if hasattr(mechanism, 'type_string')
                    else mechanism.type, mechanism.value))
        for address in record.addresses:
            lines.append(_line(label(address.__class__, 'full_address'),
                    re.sub(r'\s+', ' ', address.full_address or '')))
    return '\n'.join(l for l in lines if l)
