# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What the module adds to the complaints: the marks of the erasures and the
legal hold"""
from trytond.model import fields
from trytond.pool import PoolMeta

from .legal_hold import LegalHoldMixin

# A complaint in one of these states is finished: its personal data may be
# erased when its retention period is over
FINISHED_STATES = ['closed', 'cancelled']


class Complaint(LegalHoldMixin, metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    personal_data_erased_at = fields.Timestamp(
        "Personal Data Erased At", readonly=True,
        help="When the complainant's name, phone, email, address and "
        "party were erased; the complaint stays for the statistics.")
    attachments_erased_at = fields.Timestamp(
        "Attachments Erased At", readonly=True,
        help="When the files attached to the complaint were deleted.")

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('personal_data_erased_at', None)
        default.setdefault('attachments_erased_at', None)
        return super().copy(complaints, default=default)

    def held_reason(self):
        """Why the personal data of the complaint must be kept at a subject
        request: 'hold' (a legal hold on it or on one of its incidents),
        'incident' (part of an emergency incident, whose evaluation and
        plan revision rely on it), 'open' (not closed nor cancelled) or
        None; the retention period ends all but holds and active
        incidents (see releasable_domain)"""
        incidents = getattr(self, 'incidents', None) or []
        if self.legal_hold or any(i.legal_hold for i in incidents):
            return 'hold'
        if incidents:
            return 'incident'
        if self.state not in FINISHED_STATES:
            return 'open'
        return None

    @classmethod
    def releasable_domain(cls):
        "The domain of the complaints that no hold keeps"
        return [
            ('state', 'in', FINISHED_STATES),
            ('legal_hold', '=', False),
            ('incidents', 'not where', ['OR',
                    ('state', '=', 'active'),
                    ('legal_hold', '=', True),
                    ]),
            ]


class Incident(LegalHoldMixin, metaclass=PoolMeta):
    __name__ = 'complaint.incident'


class Feedback(metaclass=PoolMeta):
    __name__ = 'complaint.feedback'

    personal_data_erased_at = fields.Timestamp(
        "Personal Data Erased At", readonly=True,
        help="When the content and the complainant's comment were erased.")

    @classmethod
    def copy(cls, feedbacks, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('personal_data_erased_at', None)
        return super().copy(feedbacks, default=default)


class ComplaintEmail(metaclass=PoolMeta):
    __name__ = 'complaint.email'

    personal_data_erased_at = fields.Timestamp(
        "Personal Data Erased At", readonly=True,
        help="When the sender, the subject, the text and the raw email "
        "were erased.")
