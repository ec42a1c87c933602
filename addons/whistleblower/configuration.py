# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import secrets

from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Id
from trytond.transaction import without_check_access
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.working_calendar import unit_field

from . import crypto


class Configuration(EnforcedStatesMixin, ModelSingleton, ModelSQL, ModelView):
    __name__ = 'whistleblower.configuration'

    report_sequence = fields.Many2One(
        'ir.sequence', "Report Sequence", required=True,
        domain=[
            ('sequence_type', '=',
                Id('whistleblower', 'sequence_type_report')),
            ])
    verification_delay = fields.TimeDelta(
        "Verification Delay", required=True,
        help="Time after the receipt within which a report is verified.")
    verification_delay_unit = unit_field(
        'verification_delay', "Verification Counted In")
    acknowledgement_delay = fields.TimeDelta(
        "Acknowledgement Delay", required=True,
        help="Time after the receipt within which the reporter is told "
        "that the report was received.")
    acknowledgement_delay_unit = unit_field(
        'acknowledgement_delay', "Acknowledgement Counted In")
    feedback_months = fields.Integer(
        "Feedback Months", required=True,
        help="Months after the receipt within which the reporter gets "
        "feedback.")
    retaliation_watch_months = fields.Integer(
        "Retaliation Watch Months", required=True,
        help="Months after the report during which changes to the "
        "reporting employee's record alert the case officers.")
    retention_months = fields.Integer(
        "Retention Months", required=True,
        help="Months after closing after which the identity and the "
        "evidence are erased.")
    web_case_officer = fields.Many2One(
        'company.employee', "Case Officer of Web Reports",
        domain=[('whistleblower_officer', '=', True)],
        help="The case officer of the reports sent from the public report "
        "page.\nThe page accepts reports only when one is set.")
    # Fernet token of the secret of the keyed digests: it survives key
    # rotations, and the database alone does not give it away
    digest_secret = fields.Char("Digest Secret", readonly=True)

    @classmethod
    def default_report_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id('whistleblower', 'sequence_report')
        except KeyError:
            return None

    @classmethod
    def default_verification_delay(cls):
        return dt.timedelta(hours=24)

    @classmethod
    def default_acknowledgement_delay(cls):
        return dt.timedelta(days=7)

    @classmethod
    def default_verification_delay_unit(cls):
        return 'calendar'

    @classmethod
    def default_acknowledgement_delay_unit(cls):
        return 'calendar'

    @classmethod
    def default_feedback_months(cls):
        return 3

    @classmethod
    def default_retaliation_watch_months(cls):
        return 24

    @classmethod
    def default_retention_months(cls):
        return 36

    @classmethod
    @without_check_access
    def get_digest_secret(cls):
        "Return the secret bytes of the keyed digests, created once"
        configuration = cls(1)
        if not configuration.digest_secret:
            # Two transactions must not create two different secrets: the
            # lock restarts the transaction with the table locked
            cls.lock()
            configuration = cls(1)
            if not configuration.digest_secret:
                token = crypto.encrypt(secrets.token_hex(32))
                cls.write([configuration], {'digest_secret': token})
                configuration = cls(1)
        return bytes.fromhex(crypto.decrypt(configuration.digest_secret))

    @classmethod
    def digest(cls, purpose, value):
        return crypto.digest(cls.get_digest_secret(), purpose, value)
