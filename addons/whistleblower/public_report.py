# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import re

from trytond.i18n import gettext
from trytond.modules.public_page.page import ATTACHMENT_TYPES
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.notify import notify
from trytond.pool import Pool
from trytond.transaction import without_check_access

from .exceptions import ReportValidationError
from .access import officer_users
from .receipt import RECEIPT_LENGTH

SUBMISSION_KEY = re.compile(r'^[0-9a-f]{32}$')


class ReportPublicMixin:
    "What the report and follow-up pages do with a report"
    __slots__ = ()

    @classmethod
    def receipt_of_submission(cls, key):
        """Return the receipt code of the web form's submission key

        The same form sent twice gets the same code and so finds its report
        again, while nothing but the code's digest is stored."""
        pool = Pool()
        Configuration = pool.get('whistleblower.configuration')
        if not SUBMISSION_KEY.match(key or ''):
            raise ReportValidationError(gettext(
                    'whistleblower.msg_page_submission_invalid'))
        digest = Configuration.digest('submission', key)
        return str(int(digest, 16) % 10 ** RECEIPT_LENGTH).zfill(
            RECEIPT_LENGTH)

    @classmethod
    @without_check_access
    def submit_public(cls, key, values, reporter_name, reporter_contact,
            evidence):
        """Create the report sent from the web form once and return it with
        its receipt code"""
        pool = Pool()
        Reporter = pool.get('whistleblower.reporter')
        code = cls.receipt_of_submission(key)
        report = cls.find_by_receipt(code)
        if report:
            return report, code
        report = cls(channel='web', anonymous=not reporter_name, **values)
        report.save()
        if reporter_name:
            Reporter.record_identity(
                report, reporter_name, contact=reporter_contact)
        code = report.issue_receipt(code)
        report.add_public_evidence(evidence)
        # The text names the report only
        notify([report], officer_users([report]), 'tryton-notification',
            'whistleblower.msg_new_report_label',
            'whistleblower.msg_new_report_description',
            variables={'report': report.number})
        return report, code

    def add_public_evidence(self, evidence):
        "Attach the files under neutral names: a file name can tell who"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        existing = Attachment.search_count([('resource', '=', str(self))])
        Attachment.create([{
                    'resource': str(self),
                    'name': 'evidence-%s.%s' % (
                        existing + i, ATTACHMENT_TYPES[upload.mimetype]),
                    'data': upload.data,
                    } for i, upload in enumerate(evidence, 1)])

    @without_check_access
    def reply_public(self, text, evidence):
        "Record the reporter's reply from the follow-up page"
        pool = Pool()
        Message = pool.get('whistleblower.message')
        if self.state == 'closed':
            raise ReportValidationError(gettext(
                    'whistleblower.msg_page_report_closed'))
        if text:
            Message.create([{
                        'report': self.id,
                        'direction': 'incoming',
                        'date': clock.now().replace(microsecond=0),
                        'text': text,
                        'author': None,
                        }])
        self.add_public_evidence(evidence)
        # The text names the report only
        notify([self], officer_users([self]), 'tryton-email',
            'whistleblower.msg_reply_label',
            'whistleblower.msg_reply_description',
            variables={'report': self.number})

    def public_messages(self):
        "Return the messages the reporter may read on the follow-up page"
        with without_check_access():
            return list(self.messages)
