# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Complaints created from the emails an inbound email inbox receives, the
replies threaded into them, the broken mails kept for a clerk, and the mails
programs send (auto-replies, bounces, lists), which make no complaint"""
import hashlib
import json
import logging
from email.utils import getaddresses

from sql.operators import Equal

from trytond.i18n import gettext
from trytond.model import (
    Exclude, Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import AccessError
from trytond.modules.complaint_plan.exceptions import (
    ComplaintValidationError)
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import ReadableReferencesMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access

from .email_parse import (
    AUTOMATIC_KINDS, FAILURES, SUBJECT_LENGTH, clean_text, message_id_key,
    quoted_numbers, read_email, screen_attachments, single_line, truncate)
from .exceptions import ComplaintEmailError

CREATE_COMPLAINT = 'complaint.complaint|create_from_email'
AUTOMATIC = [k for k, _ in AUTOMATIC_KINDS]
logger = logging.getLogger(__name__)


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


class InboundEmail(ReadableReferencesMixin, metaclass=PoolMeta):
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


class OutgoingMail(metaclass=PoolMeta):
    __name__ = 'scheduled.activity.mail'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # The answers and bounces of the mails to complainants find them
        cls._sql_indexes.add(Index(t, (t.message_id, Index.Equality())))


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
                'complaint_intake.msg_complaint_email_message_id_unique'))

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
    def from_email_message_id(cls, message_id):
        "The complaint of the mail processed under the Message-ID, or None"
        pool = Pool()
        Email = pool.get('complaint.email')
        complaints = cls.search([
                ('email_message_id', '=', message_id),
                ], limit=1)
        if complaints:
            return complaints[0]
        emails = Email.search([
                ('message_id', '=', message_id),
                ('state', '=', 'processed'),
                ('direction', '=', 'incoming'),
                ], limit=1)
        if emails:
            return emails[0].complaint

    @classmethod
    def answered_by_email(cls, received, company):
        """The complaint the mail answers: the mail refers to a mail of ours,
        or quotes the number of a complaint of its sender (of the address a
        bounce returns)"""
        if received.references:
            complaint = cls._referred_by_email(received.references, company)
            if complaint:
                return complaint
        if received.bounce:
            addresses = set(received.bounce.recipients)
        else:
            addresses = {received.sender_address or ''}
        addresses = {a.strip().lower() for a in addresses} - {''}
        numbers = quoted_numbers(received)
        if addresses and numbers:
            for complaint in cls.search([
                        ('number', 'in', numbers),
                        ('company', '=', company.id),
                        ], order=[('id', 'ASC')]):
                if (complaint.complainant_email or '').strip().lower() in (
                        addresses):
                    return complaint

    @classmethod
    def _referred_by_email(cls, references, company):
        """The complaint of the Message-IDs: its first mail, a mail of its
        conversation, or a mail the product sent its complainant"""
        pool = Pool()
        Email = pool.get('complaint.email')
        Mail = pool.get('scheduled.activity.mail')
        references = list(references)
        complaints = cls.search([
                ('email_message_id', 'in', references),
                ('company', '=', company.id),
                ], limit=1)
        if complaints:
            return complaints[0]
        emails = Email.search([
                ('message_id', 'in', references),
                ('state', '=', 'processed'),
                ('complaint', '!=', None),
                ('company', '=', company.id),
                ], limit=1)
        if emails:
            return emails[0].complaint
        # The acknowledgement and the answer leave through the outbox; the
        # notices to the staff about the complaint too, not to be followed
        mails = Mail.search([
                ('message_id', 'in', references),
                ('resource', 'like', f'{cls.__name__},%'),
                ], order=[('id', 'DESC')])
        complaints = {c.id: c for c in cls.search([
                    ('id', 'in', [m.resource.id for m in mails]),
                    ('company', '=', company.id),
                    ])}
        for mail in mails:
            complaint = complaints.get(mail.resource.id)
            recipients = {a.lower()
                for _, a in getaddresses([mail.recipients or ''])}
            if complaint and (complaint.complainant_mail_address or ''
                    ).lower() in recipients:
                return complaint

    @classmethod
    def _notify_bounce(cls, complaint, bounce):
        """Tell the complaint's handler that the mail to the complainant
        bounced, with the mail server's reason: call instead"""
        address = complaint.complainant_mail_address

        def label(complaint, subject):
            return gettext('complaint_intake.msg_email_bounced_label',
                complaint=complaint, address=address,
                diagnostic=bounce.diagnostic or gettext(
                    'complaint_intake.msg_email_bounce_no_diagnostic'))
        cls._notify_handlers([complaint], label, 'tryton-warning')

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
            'subject': truncate(received.subject, SUBJECT_LENGTH) or gettext(
                'complaint_intake.msg_email_no_subject'),
            'description': _with_refusals(received.text or gettext(
                    'complaint_intake.msg_email_no_text'), refusals),
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
                'complaint_intake.msg_email_complaint_company'))


def _with_refusals(text, refusals):
    if refusals:
        text += '\n\n' + '\n'.join([
                gettext('complaint_intake.msg_email_attachments_refused'),
                *refusals])
    return text


class ComplaintEmail(Workflow, ModelSQL, ModelView):
    __name__ = 'complaint.email'

    # A failed email is corrected, an automatic one perhaps taken as a
    # person's by the clerk
    _editable = {
        'readonly': ~Eval('state').in_(['failed', 'automatic']),
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    state = fields.Selection([
            ('processed', "Processed"),
            ('failed', "Failed"),
            ('automatic', "Sent Automatically"),
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
            ] + AUTOMATIC_KINDS, "Kind", readonly=True, sort=False)
    complaint = fields.Many2One(
        'complaint.complaint', "Complaint", ondelete='CASCADE',
        states={
            'readonly': ~Eval('state').in_(['failed', 'automatic']),
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
        help="The email as it arrived, kept while it is not processed and "
        "for the emails sent automatically.\n"
        "Replace it with a complete copy, then click \"Process Again\".")
    raw_id = fields.Char("Raw Email ID", readonly=True)
    raw_name = fields.Function(
        fields.Char("Raw Email Name"), 'get_raw_name')
    failure = fields.Selection(
        [(None, "")] + FAILURES, "Failure", readonly=True, sort=False)
    failure_string = failure.translated('failure')
    failure_part = fields.Char("Failed Part", readonly=True)
    failure_file_kind = fields.Char("Failed File Kind", readonly=True)
    automatic_header = fields.Char(
        "Recognised By", readonly=True,
        help="The header that shows a program sent the email.")
    bounced_address = fields.Char(
        "Bounced Address", readonly=True,
        help="The addresses the bounce says the mail could not be "
        "delivered to.")
    bounce_diagnostic = fields.Char(
        "Diagnostic", readonly=True,
        help="Why the mail could not be delivered, as the mail server "
        "says it.")
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
                'complaint_intake.msg_email_message_id_processed'),
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
            ('automatic', 'processed'),
            ('automatic', 'discarded'),
            ('discarded', 'automatic'),
            }
        cls._buttons.update({
                'process_again': {
                    'invisible': Eval('state') != 'failed',
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                'create_complaint': {
                    'invisible': (~Eval('state').in_(['failed', 'automatic'])
                        | Bool(Eval('complaint'))),
                    'icon': 'tryton-forward',
                    'depends': ['state', 'complaint'],
                    },
                'add_to_complaint': {
                    'invisible': (~Eval('state').in_(['failed', 'automatic'])
                        | ~Eval('complaint')),
                    'icon': 'tryton-forward',
                    'depends': ['state', 'complaint'],
                    },
                'discard': {
                    'invisible': ~Eval('state').in_(['failed', 'automatic']),
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
        # Only a failed or automatic email is corrected; the others are the
        # record of what was received, which may only be erased (personal
        # data)
        if (mode == 'write' and external
                and any(values[f] is not None
                    for f in values.keys() & cls._corrected_fields())):
            for email_ in records:
                if email_.state not in {'failed', 'automatic'}:
                    raise AccessError(gettext(
                            'complaint_intake.msg_email_not_failed',
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
            ('//group[@id="automatic"]', 'states', {
                    'invisible': ~Eval('kind').in_(AUTOMATIC),
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
            if email_.failure:
                reason = gettext(
                    f'complaint_intake.msg_email_failure_{email_.failure}',
                    part=email_.failure_part or '',
                    kind=email_.failure_file_kind or '')
            elif email_.kind in AUTOMATIC:
                reason = gettext(
                    f'complaint_intake.msg_email_automatic_{email_.kind}',
                    header=email_.automatic_header,
                    address=email_.bounced_address or gettext(
                        'complaint_intake.msg_email_bounce_no_address'),
                    diagnostic=email_.bounce_diagnostic or gettext(
                        'complaint_intake.msg_email_bounce_no_diagnostic'))
            else:
                reason = ''
            reasons[email_.id] = reason
        return reasons

    # Received mails

    @classmethod
    def receive(cls, received, raw, company, arrival):
        """Take the mail read: return its complaint, new or answered, or the
        record of the failed mail"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        complaint = Complaint.from_email_message_id(received.message_id)
        if complaint:
            return complaint
        # Never a complaint, whole or broken, never an answer: it would
        # answer a program, which may answer again
        if received.automatic:
            return cls._receive_automatic(received, raw, company, arrival)
        if received.problems:
            return cls._keep_failed(received, raw, company, arrival)
        files, refusals = screen_attachments(received.attachments)
        complaint = Complaint.answered_by_email(received, company)
        if complaint:
            cls._add_reply(complaint, received, files, refusals, arrival)
        else:
            complaint = cls._create_complaint(
                received, files, refusals, company, arrival)
        cls._replace_failed(received.message_id, complaint)
        return complaint

    @classmethod
    def _email_values(cls, received, arrival, **values):
        return {
            'direction': 'incoming',
            'received_at': received.date or arrival,
            'sender_name': received.sender_name or None,
            'sender_address': received.sender_address or None,
            'subject': truncate(received.subject, SUBJECT_LENGTH) or None,
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
        Complaint.announce_arrival([complaint])
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
            [complaint], 'complaint_intake.msg_email_reply_label',
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
    def _receive_automatic(cls, received, raw, company, arrival):
        """Keep the automatic mail on the complaint it answers, telling the
        handler of a bounce of the mail to the complainant, or else in the
        inbox; return the complaint or the email kept"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        # Its files are the mail returned and the report: not evidence for
        # the complaint, they stay in the raw email
        values = cls._email_values(received, arrival,
            company=company.id, raw=raw,
            digest=hashlib.sha256(raw).hexdigest(),
            kind=received.automatic.kind,
            automatic_header=received.automatic.header)
        if received.bounce:
            values.update(
                bounced_address=truncate(
                    ', '.join(received.bounce.recipients), 200) or None,
                bounce_diagnostic=received.bounce.diagnostic or None)
        complaint = Complaint.answered_by_email(received, company)
        if not complaint:
            return cls._keep_automatic(values)
        cls.create([dict(values, state='processed', complaint=complaint.id)])
        address = (complaint.complainant_mail_address or '').lower()
        # A bounce that names no address is of the mail it returns, ours
        if received.bounce and address and (
                not received.bounce.recipients
                or address in {
                    a.lower() for a in received.bounce.recipients}):
            Complaint._notify_bounce(complaint, received.bounce)
        return complaint

    @classmethod
    def _keep_automatic(cls, values):
        "Keep, once, the automatic mail that answers no complaint"
        same = cls.search([
                ('message_id', '=', values['message_id']),
                ('digest', '=', values['digest']),
                ('state', 'in', ['automatic', 'discarded']),
                ], limit=1)
        if same:
            return same[0]
        email_, = cls.create([dict(values, state='automatic')])
        return email_

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
                    failure_part=truncate(problem.part, 200) or None,
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
                    'subject': truncate(
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
                        'complaint_intake.msg_email_still_failed',
                        email=email_.rec_name,
                        reason=gettext(
                            'complaint_intake.msg_email_failure_'
                            + problem.kind,
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
        processed = (Complaint.from_email_message_id(self.message_id)
            if self.message_id else None)
        if processed:
            # Another copy of the mail was processed meanwhile
            self.__class__.write([self], {'complaint': processed.id})
            self.replace([self])
            return
        received = received._replace(text=clean_text(text),
            subject=single_line(subject))
        files, refusals = screen_attachments(received.attachments)
        refusals += [gettext('complaint_intake.msg_email_file_incomplete',
                name=name) for name in broken_files]
        arrival = self.received_at
        with Transaction().set_context(company=self.company.id):
            complaint = self.complaint
            if complaint:
                self._attach(complaint, files)
                Complaint._notify_handlers(
                    [complaint], 'complaint_intake.msg_email_reply_label',
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
    def restore(cls, emails):
        "Bring the discarded emails back to the state they were discarded in"
        automatic = [e for e in emails if e.kind in AUTOMATIC]
        cls._restore_automatic(automatic)
        cls._restore_failed([e for e in emails if e not in automatic])

    @classmethod
    @Workflow.transition('failed')
    def _restore_failed(cls, emails):
        pass

    @classmethod
    @Workflow.transition('automatic')
    def _restore_automatic(cls, emails):
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
                'complaint_intake.msg_email_no_raw_message',
                type=email_.data_type))
    return raw.encode('utf-8', 'surrogateescape')
