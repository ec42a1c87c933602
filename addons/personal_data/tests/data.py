# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The records of a person that the unit tests erase, created in the
current transaction, and a probe of everything the database holds"""
import datetime as dt
import uuid

from trytond import backend
from trytond.modules.company.tests import create_employee
from trytond.modules.scheduled_activity.mail import queue_mail
from trytond.pool import Pool
from trytond.transaction import Transaction

# Values found nowhere else: the probe looks for each of them
NAME = "冯晓梅"
PHONE = "13912345678"
PHONE_TYPED = "139 1234 5678"
EMAIL = "xiaomei.feng@example.org"
ADDRESS = "长沙市岳麓区麓山南路八十八号"
FEEDBACK = "FEEDBACK-7f3a 已致电道歉"
REPLY = "REPLY-7f3a 冯晓梅女士，已向您致歉"
COMMENT = "COMMENT-7f3a 满意"
PHOTO = b'\xff\xd8\xff PHOTO-7f3a'
MAIL_TEXT = "MAILTEXT-7f3a 收银员态度恶劣"
RAW_MAIL = ("From: xiaomei.feng@example.org\r\nSubject: complaint\r\n\r\n"
    "MAILTEXT-7f3a 冯晓梅 13912345678\r\n").encode('utf-8')
CERTIFICATE = "HC-7f3a-0042"
SCAN = b'%PDF- SCAN-7f3a'
NOTE = "NOTE-7f3a 咽痛"

PROBES = [NAME, PHONE, EMAIL, ADDRESS, FEEDBACK, REPLY, COMMENT, PHOTO,
    MAIL_TEXT, RAW_MAIL, CERTIFICATE, SCAN, NOTE]


def create_person_records(company, party=None, closed_at=None):
    """Create a closed complaint of the person with feedback, a photo and
    the email it came from, and the health records of an employee;
    return them in a dict"""
    pool = Pool()
    Category = pool.get('complaint.category')
    Complaint = pool.get('complaint.complaint')
    Feedback = pool.get('complaint.feedback')
    Attachment = pool.get('ir.attachment')
    Inbox = pool.get('inbound.email.inbox')
    InboundEmail = pool.get('inbound.email')
    Email = pool.get('complaint.email')
    SentEmail = pool.get('ir.email')
    Store = pool.get('hygiene.store')
    Certificate = pool.get('hygiene.health_certificate')
    Check = pool.get('hygiene.preshift_check')

    now = dt.datetime.now().replace(microsecond=0)
    service, = Category.search([('name', '=', "Service")])
    complaint, = Complaint.create([{
                'company': company.id,
                'channel': 'email',
                'complainant': party.id if party else None,
                'complainant_name': NAME,
                'complainant_phone': PHONE_TYPED,
                'complainant_email': EMAIL,
                'complainant_address': ADDRESS,
                'subject': "收银员态度恶劣",
                'description': (
                    f"{NAME}说收银员出言不逊，请回电 {PHONE_TYPED}。"),
                'category': service.id,
                'received_at': now - dt.timedelta(days=2),
                }])
    Feedback.create([{
                'complaint': complaint.id,
                'method': 'phone',
                'content': FEEDBACK,
                'reply': REPLY,
                'comment': COMMENT,
                'satisfaction': 'satisfied',
                }])
    Complaint.write([complaint], {
            'state': 'closed',
            'responded_at': closed_at or now,
            'closed_at': closed_at or now,
            })
    photo, = Attachment.create([{
                'name': 'photo.jpg',
                'resource': str(complaint),
                'data': PHOTO,
                }])
    inbox, = Inbox.create([{'name': "Complaints"}])
    inbound, = InboundEmail.create([{
                'inbox': inbox.id,
                'data': RAW_MAIL,
                'data_type': 'raw',
                'result': str(complaint),
                }])
    email, = Email.create([{
                'company': company.id,
                'complaint': complaint.id,
                'state': 'processed',
                'direction': 'incoming',
                'kind': 'complaint',
                'received_at': now - dt.timedelta(days=2),
                'sender_name': NAME,
                'sender_address': EMAIL,
                'subject': "complaint",
                'text': MAIL_TEXT,
                'message_id': f'<{uuid.uuid4()}@example.org>',
                'raw': RAW_MAIL,
                }])

    # The reply mailed to her: in the outbox and, once sent, in the archive
    # of the complaint with the letter attached
    queue_mail(complaint, [f'{NAME} <{EMAIL}>'], "投诉答复",
        f'<p>{REPLY}</p>', files=[('letter.odt', REPLY.encode('utf-8'))])
    archive, = SentEmail.create([{
                'recipients': EMAIL,
                'subject': "投诉答复",
                'body': REPLY,
                'resource': str(complaint),
                }])
    Attachment.create([{
                'name': 'letter.odt',
                'resource': str(archive),
                'data': REPLY.encode('utf-8'),
                }])

    staff = create_employee(company, "赵敏")
    store, = Store.create([{
                'name': "五一广场店",
                'company': company.id,
                'staff': [('add', [staff.id])],
                }])
    certificate, = Certificate.create([{
                'company': company.id,
                'employee': staff.id,
                'number': CERTIFICATE,
                'issued_on': now.date() - dt.timedelta(days=400),
                'expires_on': now.date() - dt.timedelta(days=35),
                }])
    scan, = Attachment.create([{
                'name': 'certificate.pdf',
                'resource': str(certificate),
                'data': SCAN,
                }])
    check, = Check.create([{
                'company': company.id,
                'store': store.id,
                'employee': staff.id,
                'date': now.date() - dt.timedelta(days=1),
                'sore_throat': True,
                'fit_for_duty': False,
                'note': NOTE,
                }])
    return {
        'complaint': complaint, 'photo': photo, 'inbound': inbound,
        'email': email, 'staff': staff, 'store': store,
        'certificate': certificate, 'scan': scan, 'check': check,
        }


def _tables_and_columns(cursor):
    if backend.name == 'sqlite':
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")
        for table, in cursor.fetchall():
            cursor.execute(f'PRAGMA table_info("{table}")')
            for column in [r[1] for r in cursor.fetchall()]:
                yield table, column, 'any'
    else:
        cursor.execute(
            "SELECT table_name, column_name, data_type "
            "FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND data_type IN ('text', 'character varying', 'bytea', "
            "'json', 'jsonb')")
        yield from cursor.fetchall()


def database_holding(values):
    """Return (table, column, value) of every column of every table of the
    database that holds one of the values, text or bytes"""
    cursor = Transaction().connection.cursor()
    needles = [v.encode('utf-8') if isinstance(v, str) else v
        for v in values]
    hits = []
    for table, column, type_ in list(_tables_and_columns(cursor)):
        for value, needle in zip(values, needles):
            if backend.name == 'sqlite':
                cursor.execute(
                    f'SELECT COUNT(*) FROM "{table}" '
                    f'WHERE instr(CAST("{column}" AS BLOB), ?) > 0',
                    (needle,))
            elif type_ == 'bytea':
                cursor.execute(
                    f'SELECT COUNT(*) FROM "{table}" '
                    f'WHERE position(%s::bytea IN "{column}") > 0',
                    (needle,))
            else:
                if isinstance(value, bytes):
                    try:
                        value = value.decode('utf-8')
                    except UnicodeDecodeError:
                        continue
                cursor.execute(
                    f'SELECT COUNT(*) FROM "{table}" '
                    f'WHERE position(%s IN CAST("{column}" AS TEXT)) > 0',
                    (value,))
            if cursor.fetchone()[0]:
                hits.append((table, column, value))
    return hits
