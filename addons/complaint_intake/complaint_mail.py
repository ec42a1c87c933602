# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The link to the status page in the mails to the complainant"
from trytond.modules.complaint_plan.complaint_mail import public_url
from trytond.pool import PoolMeta


class Complaint(metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    def _mail_status_url(self):
        return public_url('complaint/status',
            number=self.number, lang=self.complainant_language)
