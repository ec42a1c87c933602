# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin

from .exceptions import RetentionValidationError

# Food Safety Law practice: inspection records are kept at least 2 years
PRESHIFT_MINIMUM_MONTHS = 24
# The periods of the configuration, with their default in months
PERIODS = {
    'complaint_months': 36,
    'feedback_months': 36,
    'attachment_months': 24,
    'email_months': 12,
    'certificate_months': 12,
    'preshift_months': PRESHIFT_MINIMUM_MONTHS,
    }


class Configuration(EnforcedStatesMixin, ModelSingleton, ModelSQL, ModelView):
    __name__ = 'personal_data.configuration'

    complaint_months = fields.Integer(
        "Closed Complaints", required=True,
        help="Months after closing (after receipt for a cancelled "
        "complaint) after which the complainant's name, phone, email, "
        "address and party are erased.")
    feedback_months = fields.Integer(
        "Feedback", required=True,
        help="Months after the closing of the complaint after which the "
        "content of the feedback and the complainant's comment are erased.")
    attachment_months = fields.Integer(
        "Attachments", required=True,
        help="Months after the closing of the complaint after which the "
        "photos, letters and other files attached to it are deleted.")
    email_months = fields.Integer(
        "Email Intake Records", required=True,
        help="Months after the closing of the complaint (after receipt for "
        "an email of no complaint) after which the emails received and "
        "sent are erased.")
    certificate_months = fields.Integer(
        "Health Certificates", required=True,
        help="Months after the expiry of a health certificate after which "
        "it is anonymised and its documents are deleted.")
    preshift_months = fields.Integer(
        "Pre-shift Checks", required=True,
        help="Months after a pre-shift check after which it is "
        "anonymised; at least 24 (Food Safety Law practice).")
    batch_size = fields.Integer(
        "Batch Size", required=True,
        help="The most records of each kind that one run of the scheduled "
        "erasure takes; the rest is taken by the next runs.")

    @classmethod
    def default_complaint_months(cls):
        return PERIODS['complaint_months']

    @classmethod
    def default_feedback_months(cls):
        return PERIODS['feedback_months']

    @classmethod
    def default_attachment_months(cls):
        return PERIODS['attachment_months']

    @classmethod
    def default_email_months(cls):
        return PERIODS['email_months']

    @classmethod
    def default_certificate_months(cls):
        return PERIODS['certificate_months']

    @classmethod
    def default_preshift_months(cls):
        return PERIODS['preshift_months']

    @classmethod
    def default_batch_size(cls):
        return 500

    @classmethod
    def validate_fields(cls, configurations, field_names):
        super().validate_fields(configurations, field_names)
        for configuration in configurations:
            configuration.check_periods()

    def check_periods(self):
        for name in PERIODS:
            months = getattr(self, name)
            if months is not None and months < 1:
                raise RetentionValidationError(gettext(
                        'personal_data.msg_retention_positive',
                        field=self.__class__.fields_get(
                            [name])[name]['string']))
        if (self.preshift_months is not None
                and self.preshift_months < PRESHIFT_MINIMUM_MONTHS):
            raise RetentionValidationError(gettext(
                    'personal_data.msg_retention_preshift_minimum',
                    months=PRESHIFT_MINIMUM_MONTHS))
        if self.batch_size is not None and self.batch_size < 1:
            raise RetentionValidationError(gettext(
                    'personal_data.msg_batch_size_positive'))
