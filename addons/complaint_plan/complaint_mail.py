# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The emails to the complainant: the acknowledgement when the complaint is
registered and the answer, with the feedback letter and the satisfaction
survey link, when the complaint is responded

They are written in the complainant's language from the module's templates
and queued on the complaint: they leave after the commit, with retries, and
stay archived on it."""
import os
import re
import secrets

from genshi.template import TemplateLoader
from sql import Null

from trytond.i18n import gettext
from trytond.model import Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.claim import claim
from trytond.modules.scheduled_activity.mail import queue_mail
from trytond.modules.scheduled_activity.timezone import (
    format_company_datetime)

_loader = TemplateLoader(
    [os.path.join(os.path.dirname(__file__), 'templates')],
    auto_reload=False)


def render_mail(kind, language, **values):
    "Return the HTML of the mail of the kind in the language"
    template = _loader.load(f'mail_{kind}.{language}.html')
    return template.generate(**values).render(
        'html', doctype='html5', encoding=None)


def public_url(page, **query):
    "Return the address of the module's public page with the query"
    pool = Pool()
    Configuration = pool.get('complaint.configuration')
    return Configuration(1).public_page_url(page, **query)


SURVEY_TOKEN = re.compile(r'[A-Za-z0-9_-]{43}')


def new_survey_token():
    "Return a new survey code: 256 random bits, as SURVEY_TOKEN matches"
    return secrets.token_urlsafe(32)


class Complaint(metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    @classmethod
    def register(cls, complaints):
        received = [c.id for c in complaints if c.state == 'received']
        super().register(complaints)
        cls.mail_acknowledgement([c for c in cls.browse(received)
                if c.state == 'registered'])

    @classmethod
    def respond(cls, complaints):
        processing = [c.id for c in complaints if c.state == 'processing']
        super().respond(complaints)
        cls.mail_feedback([c for c in cls.browse(processing)
                if c.state == 'responded'])

    @property
    def complainant_mail_address(self):
        "The email address the complainant gave, else None"
        return (self.complainant_email
            or (self.complainant.email if self.complainant else None)
            or None)

    def _mail_values(self):
        "The values the templates of the complainant's mails are filled with"
        pool = Pool()
        Lang = pool.get('ir.lang')
        language = self.complainant_language
        return {
            'complaint': self,
            'complainant': self.complainant_name or (
                self.complainant.rec_name if self.complainant else ''),
            'company': self.company.rec_name,
            'resolution_due': format_company_datetime(
                self.company, self.resolution_due, lang=Lang.get(language)),
            'status_url': self._mail_status_url(),
            }

    def _mail_status_url(self):
        """The address of the page where the complainant follows the
        complaint, in the mails when there is one"""
        return None

    @classmethod
    def mail_acknowledgement(cls, complaints):
        """Queue to each complainant with an email address the
        acknowledgement of the registered complaint"""
        for complaint in complaints:
            to = complaint.complainant_mail_address
            if not to:
                continue
            language = complaint.complainant_language
            with Transaction().set_context(language=language):
                subject = gettext(
                    'complaint_plan.msg_mail_acknowledgement_subject',
                    number=complaint.number)
                html = render_mail('acknowledgement', language,
                    **complaint._mail_values())
            queue_mail(complaint, [to], subject, html, language=language)

    @classmethod
    def mail_feedback(cls, complaints):
        """Queue to each complainant with an email address the reply of the
        round, with the feedback letter attached and the link to the
        satisfaction survey of the reply"""
        pool = Pool()
        Feedback = pool.get('complaint.feedback')
        FeedbackLetter = pool.get(
            'complaint.complaint.feedback_letter', type='report')
        for complaint in complaints:
            to = complaint.complainant_mail_address
            # Only a reply written for the complainant is sent: the
            # internal record stays in the office
            replies = [f for f in complaint.replies()
                if f.round == complaint.round]
            if not to or not replies:
                continue
            feedback = replies[-1]
            if not feedback.survey_token:
                feedback.survey_token = new_survey_token()
                # The code is the system's, read-only to the user
                with without_check_access():
                    Feedback.save([feedback])
            language = complaint.complainant_language
            # The letter goes with the mail whoever clicked, as printed
            # from the complaint
            with Transaction().set_context(language=language), \
                    without_check_access():
                extension, letter, _, _ = FeedbackLetter.execute(
                    [complaint.id], {})
                subject = gettext(
                    'complaint_plan.msg_mail_feedback_subject',
                    number=complaint.number)
                filename = gettext(
                    'complaint_plan.msg_mail_feedback_letter_name',
                    number=complaint.number)
                html = render_mail('feedback', language,
                    feedback=feedback,
                    survey_url=public_url('survey',
                        token=feedback.survey_token, lang=language),
                    **complaint._mail_values())
            queue_mail(complaint, [to], subject, html,
                files=[(f'{filename}.{extension}', letter)],
                language=language)


class Feedback(metaclass=PoolMeta):
    __name__ = 'complaint.feedback'

    # The secret of the survey link mailed with the reply: whoever holds
    # it answers the survey of this reply, once. Its field access hides it
    # from every user: loaded only when asked for, not with the record.
    survey_token = fields.Char("Survey Code", readonly=True, loading='lazy')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('survey_token_unique', Unique(t, t.survey_token),
                'complaint_plan.msg_feedback_survey_token_unique'),
            ]

    @classmethod
    def copy(cls, feedbacks, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('survey_token', None)
        return super().copy(feedbacks, default=default)

    @classmethod
    def from_survey_token(cls, token):
        "Return the feedback of the survey code or None"
        # Only what new_survey_token() makes reaches the search
        if not SURVEY_TOKEN.fullmatch(token or ''):
            return None
        feedbacks = cls.search([('survey_token', '=', token)], limit=1)
        return feedbacks[0] if feedbacks else None

    @classmethod
    def record_survey(cls, feedback, satisfaction, comment=None):
        """Record the complainant's answer to the survey of the feedback
        once, and return whether it was recorded

        An answer recorded before, by the survey (also from a concurrent
        request) or by the office, stays as it is. An unsatisfied answer to
        the latest feedback sends the responded complaint back to
        verification for another round, as the office does with Reverify."""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        table = cls.__table__()
        columns = [table.satisfaction, table.write_date, table.write_uid]
        values = [satisfaction, clock.now(), Transaction().user]
        if comment:
            columns.append(table.comment)
            values.append(comment)
        # Only while the feedback has no answer: of two requests at once,
        # the second waits for the first and then finds the answer
        if not claim(cls, table, columns, values,
                where=(table.id == feedback.id)
                & (table.satisfaction == Null)):
            return False
        cls.log([feedback], 'write', 'satisfaction,comment')
        complaint = Complaint(feedback.complaint.id)
        if (complaint.state == 'responded'
                and complaint.satisfaction == 'unsatisfied'):
            Complaint.reverify([complaint])
        return True
