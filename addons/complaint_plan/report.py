# This file is part of the complaint_plan module.
import shutil

from trytond.modules.company import CompanyReport


class ComplaintReport(CompanyReport):
    "A complaint document, in PDF when LibreOffice is installed"

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
