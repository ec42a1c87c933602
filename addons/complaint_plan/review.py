# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The end of a complaint: the answers to the complainant with their
satisfaction, the disclosures, and the closing review (root cause,
improvement actions, staff assessments) that a level can require"""
from sql.operators import Exists

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.public_page.lists import join_names
from trytond.pool import Pool
from trytond.pyson import Eval

from .exceptions import ComplaintTransitionError


class ComplaintReviewMixin:
    "The answers and the closing review of a complaint"
    __slots__ = ()

    feedbacks = fields.One2Many('complaint.feedback', 'complaint', "Feedback",
        states={
            'readonly': ~Eval('state').in_(['processing', 'responded']),
            })
    satisfaction = fields.Function(fields.Selection([
                (None, ""),
                ('satisfied', "Satisfied"),
                ('unsatisfied', "Unsatisfied"),
                ('no_answer', "No Answer"),
                ], "Satisfaction"), 'get_satisfaction',
        searcher='search_satisfaction')
    disclosures = fields.One2Many(
        'complaint.disclosure', 'complaint', "Disclosures")
    root_cause = fields.Text("Root Cause",
        states={'readonly': Eval('state') == 'cancelled'})
    improvements = fields.One2Many(
        'complaint.improvement', 'complaint', "Improvement Actions")
    assessments = fields.One2Many(
        'complaint.assessment', 'complaint', "Staff Assessments")

    def get_satisfaction(self, name):
        if self.feedbacks:
            return self.feedbacks[-1].satisfaction

    def replies(self):
        "The feedback written for the complainant, the internal record kept"
        return [f for f in self.feedbacks if (f.reply or '').strip()]

    @classmethod
    def search_satisfaction(cls, name, clause):
        pool = Pool()
        Feedback = pool.get('complaint.feedback')
        feedback = Feedback.__table__()
        latest = Feedback.__table__()
        _, operator, value = clause
        Operator = fields.SQL_OPERATORS[operator]
        query = feedback.select(feedback.complaint,
            where=Operator(feedback.satisfaction, value)
            & ~Exists(latest.select(latest.id,
                    where=(latest.complaint == feedback.complaint)
                    & (latest.id > feedback.id))))
        return [('id', 'in', query)]

    def check_review(self):
        """Raise the translated message when the level asks for the closing
        review and the root cause or the improvement actions are missing"""
        if not self.level or not self.level.close_needs_review:
            return
        missing = [f for f in ['root_cause', 'improvements']
            if not self._filled(f)]
        if missing:
            strings = self.__class__.fields_get(missing)
            raise ComplaintTransitionError(gettext(
                    'complaint_plan.msg_close_needs_review',
                    complaint=self.rec_name, level=self.level.rec_name,
                    fields=join_names(strings[f]['string'] for f in missing)))
