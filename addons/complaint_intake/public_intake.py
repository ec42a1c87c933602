# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Complaints sent from the public web form or a QR code, and looked up on
the status page"""
import re
from collections import defaultdict
from itertools import chain

from sql import Literal, Union
from sql.conditionals import Coalesce

from trytond import backend, config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, Unique, fields
from trytond.model.exceptions import SQLConstraintError
from trytond.modules.complaint_plan.exceptions import (
    ComplaintValidationError)
from trytond.modules.scheduled_activity.notify import (
    notify, users_of_employees, users_of_groups)
from trytond.modules.scheduled_activity.phone import same_phone
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

INTAKE_KEY = re.compile(r'^[0-9a-f]{32}$')
# No control character reaches the search: PostgreSQL refuses NUL
NUMBER = re.compile(r'^[^\x00-\x1f\x7f]{1,30}$')
SUBJECT_LENGTH = 40
# The submissions a queued task registers at most besides its own, in one
# transaction
BATCH = 500


def _same_contact(contact, email, phone):
    "Whether the contact is the email, or the phone however written"
    if '@' in contact:
        return contact.lower() == (email or '').strip().lower()
    return same_phone(contact, phone)


class Complaint(metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    intake_key = fields.Char(
        "Intake Key", readonly=True,
        help="The key of the web form that sent the complaint: sending the "
        "same form again finds this complaint instead of adding another.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # Its index also finds a complaint by its key
        cls._sql_constraints += [
            ('intake_key_unique', Unique(t, t.intake_key),
                'complaint_intake.msg_intake_key_unique'),
            ]

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('intake_key')
        return super().copy(complaints, default=default)

    @classmethod
    def announce_arrival(cls, complaints):
        """Ring the bell of who takes the complaints that arrived with no one
        at the desk (web form, QR code, email): the handlers of their
        category, or the clerks when the category has none"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        clerks = None
        for complaint in complaints:
            handlers = (complaint.category.get_responsible_employees()
                if complaint.category else [])
            if handlers:
                users = users_of_employees(handlers)
            else:
                if clerks is None:
                    clerks = users_of_groups([ModelData.get_id(
                                'complaint_plan', 'group_complaint_clerk')])
                users = clerks
            notify([complaint], users, 'tryton-notification',
                'complaint_intake.msg_complaint_arrived_label',
                'complaint_plan.msg_complaint_subject_description',
                variables=lambda: {
                    'complaint': complaint.rec_name,
                    'channel': cls(complaint.id).channel_string,
                    'subject': complaint.subject,
                    })

    @classmethod
    def from_public_reference(cls, number, contact):
        """Return the complaint of the number when the contact is its
        complainant's phone or email, else None"""
        if not NUMBER.match(number or ''):
            return None
        # As typed, or in capitals as the sequences write them
        complaints = cls.search(
            [('number', 'in', list({number, number.upper()}))], limit=1)
        if not complaints or not contact:
            return None
        complaint, = complaints
        if _same_contact(contact, complaint.complainant_email,
                complaint.complainant_phone):
            return complaint
        return None


class Submission(ModelSQL):
    """A complaint sent from the web form, numbered and waiting for its
    registration

    The visitor is answered as soon as the form is checked, numbered and
    stored here; a queued task registers the complaint (its deadlines,
    emergency plan, related complaints and bells), in trytond-worker when
    the server has one (in the visitor's transaction otherwise). A
    registration that fails leaves the submission and an error of the queued
    task, which the administrator solves to register it again; one that the
    database refuses for a moment is queued again."""
    __name__ = 'complaint.intake.submission'

    intake_key = fields.Char("Intake Key", required=True, readonly=True)
    number = fields.Char("Number", required=True, readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    received_at = fields.DateTime("Received at", required=True, readonly=True)
    values = fields.Dict(None, "Values", readonly=True,
        help="The values of the complaint, as the form checked them.")
    refused = fields.Boolean("Refused", readonly=True,
        help="Its registration was refused: it waits for the error of its "
        "task to be solved.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('intake_key_unique', Unique(t, t.intake_key),
                'complaint_intake.msg_intake_key_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.number, Index.Equality())))

    # What the pages read of a complaint
    @property
    def state_string(self):
        return gettext('complaint_intake.msg_submission_waiting')

    def replies(self):
        return []

    @classmethod
    def from_intake_key(cls, key):
        """Return the complaint sent with the intake key or, while it waits
        for its registration, its submission; else None

        One query through the indexes of both keys, reading only the ids:
        every post of the form looks for its key before it is stored. The
        public pages run as root: no record rule applies."""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        if not INTAKE_KEY.match(key or ''):
            return None
        complaint, submission = Complaint.__table__(), cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*Union(
                complaint.select(Literal(0).as_('waiting'), complaint.id,
                    where=complaint.intake_key == key),
                submission.select(Literal(1).as_('waiting'), submission.id,
                    where=submission.intake_key == key),
                all_=True))
        # Never both: the registration deletes the submission it creates the
        # complaint of
        for waiting, id_ in cursor:
            return cls(id_) if waiting else Complaint(id_)
        return None

    @classmethod
    def from_public_reference(cls, number, contact):
        """Return the complaint of the number, or its submission while it
        waits, when the contact is its complainant's phone or email"""
        Complaint = Pool().get('complaint.complaint')
        complaint = Complaint.from_public_reference(number, contact)
        if complaint or not NUMBER.match(number or '') or not contact:
            return complaint
        for submission in cls.search(
                [('number', 'in', list({number, number.upper()}))], limit=1):
            if _same_contact(contact,
                    submission.values.get('complainant_email'),
                    submission.values.get('complainant_phone')):
                return submission
        return None

    @classmethod
    def submit(cls, key, values, attachments):
        """Number and keep the complaint a visitor sent from the web form
        once, and queue its registration; return the submission (the
        complaint, when no worker takes the queue)

        The key is one that from_intake_key did not find. Sent again
        meanwhile, to another server process, it returns the complaint, or
        the submission, of the first time."""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Complaint = pool.get('complaint.complaint')
        transaction = Transaction()
        if not INTAKE_KEY.match(key or ''):
            raise ComplaintValidationError(gettext(
                    'complaint_intake.msg_intake_key_invalid'))
        # The complaint's own checks, before the visitor is answered
        Complaint.check_values(values)
        number = Complaint.number_sequence(values['company']).get()
        try:
            submission, = cls.create([{
                        'intake_key': key,
                        'number': number,
                        'company': values['company'],
                        'received_at': Complaint.default_received_at(),
                        'values': values,
                        }])
            if attachments:
                Attachment.create([{
                            'resource': str(submission),
                            'name': attachment.name,
                            'data': attachment.data,
                            } for attachment in attachments])
            if config.getboolean('queue', 'worker', default=False):
                cls.__queue__.register_queued([submission])
            else:
                # No worker takes the queue: registered in the visitor's
                # transaction, as if the form waited for it
                submission, = cls.register([submission])
        except (SQLConstraintError, backend.DatabaseIntegrityError):
            # The other process stored the same key first
            transaction.rollback()
            sent = cls.from_intake_key(key)
            if not sent:
                raise
            return sent
        return submission

    def complaint_values(self):
        "The values of the submission's complaint"
        values = dict(self.values)
        values.update(
            number=self.number,
            received_at=self.received_at,
            channel='web',
            intake_key=self.intake_key)
        values.setdefault('subject', ' '.join(
                values['description'].split())[:SUBJECT_LENGTH])
        return values

    @classmethod
    def register(cls, submissions):
        """Register the complaints of the submissions with their files, ring
        the bells of who takes them and delete the submissions; return the
        complaints"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Complaint = pool.get('complaint.complaint')
        by_company = defaultdict(list)
        for submission in submissions:
            by_company[submission.company.id].append(submission)
        complaints = []
        # Together, as the complaints' creation is made for batches
        for company, company_submissions in by_company.items():
            with Transaction().set_context(company=company):
                complaints += Complaint.create([
                        s.complaint_values() for s in company_submissions])
        complaint_of = {
            str(s): c for s, c in zip(chain(*by_company.values()), complaints)}
        moves = []
        for attachment in Attachment.search(
                [('resource', 'in', list(complaint_of))],
                order=[('id', 'ASC')]):
            moves += [[attachment], {
                    'resource': str(complaint_of[str(attachment.resource)])}]
        if moves:
            Attachment.write(*moves)
        Complaint.announce_arrival(complaints)
        cls.delete(submissions)
        return complaints

    @classmethod
    def register_queued(cls, submissions):
        """The queued task of the submissions: register them with up to
        BATCH others waiting that no other task holds and that were never
        refused. trytond-worker starts a task every 50 ms on average and a
        task whose submissions are gone does nothing: in a burst, the first
        task takes the backlog. When one of the batch is refused, only the
        task's own; refused, they are marked so that no batch takes them
        again, and wait for the error of their task to be solved."""
        transaction = Transaction()
        # Taken by another task's batch meanwhile: the task is run again,
        # when its submissions are gone
        cls.lock(submissions)
        table = cls.__table__()
        query = table.select(table.id,
            where=~table.id.in_([s.id for s in submissions])
            & (Coalesce(table.refused, False) == Literal(False)),
            order_by=[table.id.asc], limit=BATCH)
        database = transaction.database
        if database.has_select_for():
            query.for_ = database.get_select_for_skip_locked()('UPDATE')
        cursor = transaction.connection.cursor()
        cursor.execute(*query)
        others = cls.browse([i for i, in cursor])
        try:
            try:
                cls.register(submissions + others)
            except UserError:
                if not others:
                    raise
                # The others stay for their own tasks
                transaction.rollback()
                cls.register(submissions)
        except UserError:
            transaction.rollback()
            with transaction.new_transaction():
                cls.write(cls.browse(submissions), {'refused': True})
            raise
