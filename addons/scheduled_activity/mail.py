# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The outbox: mails stored with the user's transaction, sent after it

Tryton's ir.email sends when the transaction commits and never again: an SMTP
server that is down makes the user's save fail, and a lost mail is lost. Here
the user's transaction only stores the mail; the platform's queue sends it
after the commit (in a worker when one is configured), each mail in its own
transaction, and a failed send is tried again later by the cron, visible to
the activity administrators meanwhile.
"""
import datetime as dt
import mimetypes
from collections import defaultdict
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from html import escape

import trytond.config as config
from trytond.i18n import gettext
from trytond.ir.email_ import HTML_EMAIL
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import html_to_text
from trytond.sendmail import send_message
from trytond.tools import grouped_slice
from trytond.tools.email_ import format_address, set_from_header
from trytond.transaction import Transaction, without_check_access
from trytond.url import host

from . import clock
from .enforce import ReadableReferencesMixin
from .exceptions import MailResourceError
from .timezone import format_company_date

# The delay before the next try after each failed attempt; once they are all
# spent the mail stays failed until an administrator retries it
RETRY_DELAYS = [
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=4),
    dt.timedelta(hours=12),
    ]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def is_confidential(model_name):
    "Tell if the records of the model may never appear in a mail"
    return model_name.startswith('whistleblower.')


def queue_mail(record, to, subject, html, files=None, language=None):
    """Store a mail about the record to the addresses of the list to, and send
    it after the transaction commits; return the outgoing mail

    html is the body as HTML (a fragment or a whole document), files a list
    of (file name, bytes) attached, language the code of the language the
    mail is written in. A record of a whistleblower model is refused."""
    pool = Pool()
    Mail = pool.get('scheduled.activity.mail')
    with without_check_access():
        mail = Mail.build(record, to, subject, html, files, language)
        mail.save()
    Mail.__queue__.send([mail])
    return mail


def record_url(record):
    """The address that opens the record in the web client after login, from
    trytond's [web] hostname (and root_path): the same whoever's request
    queued the mail"""
    with Transaction().set_context(_request=None):
        return record.__href__


def notice_html(records, label, description=None):
    "The body of the mail of a notice, in the language of the context"
    paragraphs = [label]
    if description:
        paragraphs.append(description)
    lines = ['<p>%s</p>' % escape(p) for p in paragraphs]
    for record in records:
        lines.append('<p><a href="%s">%s</a></p>' % (
                escape(record_url(record)),
                escape(gettext('scheduled_activity.msg_mail_open',
                        record=record.rec_name))))
    lines.append('<p><small>%s</small></p>' % escape(
            gettext('scheduled_activity.msg_mail_why')))
    return '\n'.join(lines)


class Mail(ReadableReferencesMixin, ModelSQL, ModelView):
    __name__ = 'scheduled.activity.mail'
    __string__ = "Outgoing Mail"

    resource = fields.Reference(
        "Resource", selection='get_resources', required=True, readonly=True,
        help="The record the mail is about; it is archived on it once sent.")
    recipients = fields.Char("Recipients", required=True, readonly=True)
    subject = fields.Char("Subject", readonly=True)
    language = fields.Char("Language", readonly=True)
    message = fields.Binary(
        "Message", readonly=True, filename='message_filename',
        help="The mail as it is sent (RFC 5322).")
    message_filename = fields.Function(
        fields.Char("Message File Name"), 'get_message_filename')
    message_id = fields.Char("Message-ID", readonly=True)
    state = fields.Selection([
            ('queued', "Queued"),
            ('sent', "Sent"),
            ('failed', "Failed"),
            ], "State", required=True, readonly=True, sort=False)
    attempts = fields.Integer("Attempts", required=True, readonly=True)
    last_error = fields.Text(
        "Last Error", readonly=True,
        states={
            'invisible': ~Eval('last_error'),
            })
    next_try = fields.DateTime(
        "Next Try", readonly=True,
        help="When the mail is tried again; empty once sent or when every "
        "attempt failed.")
    sent_at = fields.DateTime("Sent At", readonly=True)
    email = fields.Many2One(
        'ir.email', "Archived Email", readonly=True, ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # The cron reads only the mails still to send
        cls._sql_indexes.add(
            Index(t, (t.next_try, Index.Range()),
                where=t.state.in_(['queued', 'failed'])))
        cls._order = [
            ('create_date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._buttons.update({
                'retry': {
                    'invisible': Eval('state') != 'failed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'queued'

    @classmethod
    def default_attempts(cls):
        return 0

    @classmethod
    def get_resources(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        return [(None, '')] + Model.get_name_items()

    def get_message_filename(self, name):
        return 'mail-%s.eml' % self.id

    def get_rec_name(self, name):
        return self.subject or str(self.id)

    @classmethod
    def validate_fields(cls, mails, field_names):
        super().validate_fields(mails, field_names)
        if not field_names or 'resource' in field_names:
            for mail in mails:
                mail.check_resource()

    def check_resource(self):
        "Refuse a mail about a record whose people must stay unknown"
        if self.resource and is_confidential(self.resource.__name__):
            raise MailResourceError(gettext(
                    'scheduled_activity.msg_mail_confidential_resource',
                    model=self.resource.__names__()['model']))

    @classmethod
    def build(cls, record, to, subject, html, files=None, language=None):
        "Return the unsaved mail of the message built from the parts"
        mail = cls(resource=record, language=language)
        # Refused before anything of the record goes into a message
        mail.check_resource()
        msg = EmailMessage()
        if '<html' not in html[:200].lower():
            html = HTML_EMAIL % {
                'subject': subject,
                'body': html,
                'signature': '',
                }
            if language:
                html = html.replace(
                    '<html>', '<html lang="%s">' % language.replace('_', '-'),
                    1)
        if body_text := html_to_text(html):
            msg.add_alternative(body_text, subtype='plain')
        if msg.is_multipart():
            msg.add_alternative(html, subtype='html')
        else:
            msg.set_content(html, subtype='html')
        for name, data in files or []:
            ctype, _ = mimetypes.guess_type(name)
            maintype, subtype = (
                ctype or 'application/octet-stream').split('/', 1)
            msg.add_attachment(
                data, maintype=maintype, subtype=subtype,
                filename=('utf-8', '', name))
        msg['To'] = [format_address(a, n) for n, a in getaddresses(to)]
        msg['Subject'] = subject
        # Kept across the attempts: a reply threads to the same mail
        msg['Message-ID'] = make_msgid(domain=host())
        if language:
            msg['Content-Language'] = language.replace('_', '-')
        mail.message = msg.as_bytes(policy=policy.SMTP)
        # The addresses as read, their names decoded
        sent = message_from_bytes(mail.message, policy=policy.default)
        mail.recipients = str(sent['To'])
        mail.subject = subject
        mail.message_id = msg['Message-ID']
        return mail

    def get_message(self):
        "Return the message to send, from the configured sender"
        msg = message_from_bytes(self.message, policy=policy.default)
        from_ = config.get('email', 'from')
        del msg['From']
        set_from_header(msg, from_, from_)
        del msg['Date']
        msg['Date'] = formatdate()
        return msg

    @classmethod
    @without_check_access
    def send(cls, mails):
        """Send the mails still to send and archive them on their record;
        note the error of each that fails and when it is tried again"""
        pool = Pool()
        Email = pool.get('ir.email')
        Attachment = pool.get('ir.attachment')
        # A mail queued twice (the queue and the cron) goes out once
        cls.lock(mails)
        mails = cls.browse([m.id for m in mails])
        for mail in mails:
            if mail.state == 'sent':
                continue
            msg = mail.get_message()
            mail.attempts += 1
            try:
                send_message(msg, strict=True)
            except Exception as exception:
                mail.state = 'failed'
                mail.last_error = str(exception) or repr(exception)
                if mail.attempts < MAX_ATTEMPTS:
                    mail.next_try = (
                        clock.now() + RETRY_DELAYS[mail.attempts - 1])
                else:
                    mail.next_try = None
            else:
                body = next(
                    (p.get_content() for p in msg.walk()
                        if p.get_content_type() == 'text/html'), None)
                email = Email.from_message(
                    msg, body=body, resource=mail.resource)
                email.save()
                attachments = [
                    Attachment(
                        resource=email, name=part.get_filename(),
                        data=part.get_payload(decode=True))
                    for part in msg.iter_attachments()]
                Attachment.save(attachments)
                mail.state = 'sent'
                mail.sent_at = clock.now()
                mail.next_try = None
                mail.email = email
            mail.save()

    @classmethod
    @without_check_access
    def send_due(cls):
        "Send the mails whose next try has come, each after the commit"
        mails = cls.search([
                ('state', 'in', ['queued', 'failed']),
                ('next_try', '<=', clock.now()),
                ], order=[('next_try', 'ASC'), ('id', 'ASC')])
        for mail in mails:
            cls.__queue__.send([mail])

    @classmethod
    @ModelView.button
    def retry(cls, mails):
        "Send the failed mails again, once each"
        now = clock.now()
        with without_check_access():
            cls.write([m for m in mails if m.state == 'failed'], {
                    'next_try': now,
                    })
        for mail in mails:
            if mail.state == 'failed':
                cls.__queue__.send([mail])

    @classmethod
    def create(cls, vlist):
        now = clock.now()
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            # Due at once: the cron sends it if the queue did not
            values.setdefault('next_try', now)
        return super().create(vlist)


class Digest(ModelSQL):
    __name__ = 'scheduled.activity.mail.digest'
    __string__ = "Notice Kept for the Daily Digest"

    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    kind = fields.Char("Kind", required=True)
    label = fields.Char("Label", required=True)
    description = fields.Text("Description")
    resource = fields.Reference(
        "Resource", selection='get_resources', required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.user, Index.Equality())))
        cls._order = [('create_date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def get_resources(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        return [(None, '')] + Model.get_name_items()

    @classmethod
    def keep(cls, user, kind, records, label, description=None):
        "Keep the notice of the records for the daily digest of the user"
        with without_check_access():
            cls.save([cls(
                        user=user, kind=kind, resource=record,
                        label=label, description=description)
                    for record in records])

    @classmethod
    @without_check_access
    def send_digests(cls):
        """Mail each user the notices kept for them, in one mail in their
        language, and forget them"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        notices = cls.search([])
        by_user = defaultdict(list)
        for notice in notices:
            by_user[notice.user].append(notice)
        default_language = Transaction().language
        now = clock.now()
        for user, user_notices in by_user.items():
            if not user.email or not user.active:
                continue
            language = user.language.code if user.language else (
                default_language)
            with Transaction().set_context(language=language):
                lang = Lang.get(language)
                subject = gettext(
                    'scheduled_activity.msg_digest_subject',
                    date=format_company_date(user.company, now, lang),
                    count=len(user_notices))
                queue_mail(user, [format_address(user.email, user.name)],
                    subject, digest_html(user_notices), language=language)
        for sub_notices in grouped_slice(notices):
            cls.delete(list(sub_notices))


def digest_html(notices):
    "The body of a digest mail of the notices, in the language of the context"
    items = []
    for notice in notices:
        text = escape(notice.label)
        if notice.description:
            text += '<br/>' + escape(notice.description)
        if notice.resource:
            text += '<br/><a href="%s">%s</a>' % (
                escape(record_url(notice.resource)),
                escape(gettext('scheduled_activity.msg_mail_open',
                        record=notice.resource.rec_name)))
        items.append('<li>%s</li>' % text)
    return '\n'.join([
            '<p>%s</p>' % escape(
                gettext('scheduled_activity.msg_digest_intro')),
            '<ul>', *items, '</ul>',
            '<p><small>%s</small></p>' % escape(
                gettext('scheduled_activity.msg_mail_why')),
            ])
