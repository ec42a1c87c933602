# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Complaints sent from the public web form or a QR code, and looked up on
the status page"""
import re

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Unique, fields
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
    def from_intake_key(cls, key):
        """Return the complaint sent with the intake key or None

        Only its id is read, through the index of the key: each submission
        looks for its key before it is stored, and a search would read every
        column of the complaint. The public pages run as root: no record
        rule applies."""
        if not INTAKE_KEY.match(key or ''):
            return None
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.id, where=table.intake_key == key, limit=1))
        row = cursor.fetchone()
        return cls(row[0]) if row else None

    @classmethod
    def submit_public(cls, key, values, attachments):
        """Create the complaint a visitor sent from the web form once

        Sending the same key again returns the complaint of the first time,
        also when two server processes receive both at once."""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        transaction = Transaction()
        if not INTAKE_KEY.match(key or ''):
            raise ComplaintValidationError(gettext(
                    'complaint_intake.msg_intake_key_invalid'))
        complaint = cls.from_intake_key(key)
        if complaint:
            return complaint
        values = values.copy()
        description = values['description']
        values.setdefault('subject', ' '.join(description.split())[
                :SUBJECT_LENGTH])
        values.update(channel='web', intake_key=key)
        try:
            complaint, = cls.create([values])
        except (SQLConstraintError, backend.DatabaseIntegrityError):
            # The other process stored the same key first
            transaction.rollback()
            complaint = cls.from_intake_key(key)
            if not complaint:
                raise
            return complaint
        Attachment.create([{
                    'resource': str(complaint),
                    'name': attachment.name,
                    'data': attachment.data,
                    } for attachment in attachments])
        cls.announce_arrival([complaint])
        return complaint

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
        if '@' in contact:
            expected = (complaint.complainant_email or '').strip().lower()
            return complaint if contact.lower() == expected else None
        # However written, with or without its extension
        if same_phone(contact, complaint.complainant_phone):
            return complaint
        return None
