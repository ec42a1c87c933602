# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The scheduled erasure of what has outlived its retention period

Each kind of personal data has its period in the configuration. A run takes
at most a batch of each kind, claims it with a conditional update (a
concurrent run that claimed the same rows fails and rolls back), erases it
and logs how many records of the kind were erased; a longer backlog is
taken by the next runs."""
import logging

from dateutil.relativedelta import relativedelta

from trytond.model import Model
from trytond.modules.complaint_intake.email_intake import CREATE_COMPLAINT
from trytond.modules.scheduled_activity import clock
from trytond.pool import Pool
from trytond.transaction import without_check_access

from . import eraser

logger = logging.getLogger(__name__)


class Retention(Model):
    __name__ = 'personal_data.retention'

    @classmethod
    @without_check_access
    def erase_expired(cls):
        "Erase every kind of personal data whose period is over"
        pool = Pool()
        Configuration = pool.get('personal_data.configuration')
        Log = pool.get('personal_data.erasure_log')
        configuration = Configuration(1)
        batch = configuration.batch_size
        erased = {}
        for kind, field_name in cls._kinds():
            months = getattr(configuration, field_name)
            limit = clock.now() - relativedelta(months=months)
            count = getattr(cls, f'_erase_{kind}')(limit, batch)
            if count:
                Log.record(kind, count, 'retention', months=months)
                erased[kind] = count
        if erased:
            logger.info("personal data erased after retention: %s", erased)
        return erased

    @classmethod
    def _kinds(cls):
        "The kinds erased, in order, with their period in the configuration"
        # The identity goes last: the emails and texts are searched for
        # it until then
        return [
            ('feedback', 'feedback_months'),
            ('attachment', 'attachment_months'),
            ('email', 'email_months'),
            ('complaint', 'complaint_months'),
            ('certificate', 'certificate_months'),
            ('preshift', 'preshift_months'),
            ]

    @classmethod
    def _expired_complaints(cls, limit):
        "The domain of the complaints finished before limit and not held"
        Complaint = Pool().get('complaint.complaint')
        return Complaint.releasable_domain() + [
            ['OR', [
                    ('state', '=', 'closed'),
                    ('closed_at', '<=', limit),
                    ], [
                    ('state', '=', 'cancelled'),
                    ('received_at', '<=', limit),
                    ]],
            ]

    @classmethod
    def _erase_complaint(cls, limit, batch):
        Complaint = Pool().get('complaint.complaint')
        complaints = Complaint.search([
                ('personal_data_erased_at', '=', None),
                *cls._expired_complaints(limit),
                ], limit=batch, order=[('id', 'ASC')])
        ids = eraser.claim_marked(Complaint, [c.id for c in complaints])
        return eraser.erase_complaints(Complaint.browse(ids))

    @classmethod
    def _erase_feedback(cls, limit, batch):
        Feedback = Pool().get('complaint.feedback')
        feedbacks = Feedback.search([
                ('personal_data_erased_at', '=', None),
                ('complaint', 'where', cls._expired_complaints(limit)),
                ], limit=batch, order=[('id', 'ASC')])
        ids = eraser.claim_marked(Feedback, [f.id for f in feedbacks])
        return eraser.erase_feedbacks(Feedback.browse(ids))

    @classmethod
    def _erase_attachment(cls, limit, batch):
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        complaints = Complaint.search([
                ('attachments_erased_at', '=', None),
                *cls._expired_complaints(limit),
                ], limit=batch, order=[('id', 'ASC')])
        ids = eraser.claim_marked(
            Complaint, [c.id for c in complaints],
            name='attachments_erased_at')
        complaints = Complaint.browse(ids)
        resources = list(complaints)
        for complaint in complaints:
            resources.extend(complaint.feedbacks)
        return eraser.delete_attachments(resources)

    @classmethod
    def _erase_email(cls, limit, batch):
        pool = Pool()
        Email = pool.get('complaint.email')
        emails = Email.search([
                ('personal_data_erased_at', '=', None),
                ['OR',
                    ('complaint', 'where', cls._expired_complaints(limit)),
                    [
                        ('complaint', '=', None),
                        ('received_at', '<=', limit),
                        ],
                    ],
                ], limit=batch, order=[('id', 'ASC')])
        ids = eraser.claim_marked(Email, [e.id for e in emails])
        count = eraser.erase_emails(Email.browse(ids))
        # The mails of the complaint inboxes that made nothing
        count += eraser.delete_inbound_emails([
                ('result', '=', None),
                ('create_date', '<=', limit),
                ('inbox.rules.action', '=', CREATE_COMPLAINT),
                ], limit=batch)
        return count

    @classmethod
    def _erase_certificate(cls, limit, batch):
        Certificate = Pool().get('hygiene.health_certificate')
        certificates = Certificate.search([
                ('personal_data_erased_at', '=', None),
                ('expires_on', '<=', limit.date()),
                ], limit=batch, order=[('id', 'ASC')])
        ids = eraser.claim_marked(
            Certificate, [c.id for c in certificates],
            extra=eraser.certificate_claim_extra())
        return eraser.erase_certificates(Certificate.browse(ids))

    @classmethod
    def _erase_preshift(cls, limit, batch):
        Check = Pool().get('hygiene.preshift_check')
        checks = Check.search([
                ('personal_data_erased_at', '=', None),
                ('date', '<=', limit.date()),
                ], limit=batch, order=[('id', 'ASC')])
        ids = eraser.claim_marked(Check, [c.id for c in checks])
        return eraser.erase_preshift_checks(Check.browse(ids))
