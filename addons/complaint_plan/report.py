# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import shutil

from trytond.modules.company import CompanyReport
from trytond.modules.scheduled_activity.timezone import report_helpers


class ComplaintReport(CompanyReport):
    """A complaint document, in PDF when LibreOffice is installed

    Its times are printed in the company's zone, with the zone named
    (format_company_datetime), and its phone numbers in the national
    format (format_phone)."""

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context.update(report_helpers())
        # The plan a document shows: the version carried out (approved, or
        # frozen when processing started without approval), else what the
        # complaint holds when no version was frozen
        context['plan'] = lambda complaint: (
            complaint.approved_plan or complaint)
        return context

    @classmethod
    def convert(cls, report, data, **kwargs):
        if shutil.which('soffice') is None:
            # Without LibreOffice the document is delivered as ODT.
            return report.template_extension, data
        return super().convert(report, data, **kwargs)


class RegistrationReport(ComplaintReport):
    __name__ = 'complaint.complaint.registration'


class FeedbackLetter(ComplaintReport):
    __name__ = 'complaint.complaint.feedback_letter'


class PlanReport(ComplaintReport):
    __name__ = 'complaint.complaint.plan'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['plans'] = lambda complaint: [
            v for v in [complaint.approved_plan or complaint.plan_version]
            if v]
        return context
