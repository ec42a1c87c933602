# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The deadlines of a report: its verification, the acknowledgement to the
reporter and the feedback, each planned as an activity of the case officer"""
from dateutil.relativedelta import relativedelta

from trytond.model import ModelView, fields
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.working_calendar import add_delay
from trytond.pool import Pool
from trytond.pyson import Bool, Eval

DEADLINE_STATUSES = [
    ('pending', "Pending"),
    ('overdue', "Overdue"),
    ('done', "Done on Time"),
    ('late', "Done Late"),
    ]
ACTIVITY_VERIFICATION = 'verification'
ACTIVITY_ACKNOWLEDGEMENT = 'whistleblower_acknowledgement'
ACTIVITY_FEEDBACK = 'feedback'


class ReportDeadlineMixin:
    "The deadlines of a report and their activities"
    __slots__ = ()

    verification_due = fields.DateTime("Verification Due", readonly=True)
    verified_at = fields.DateTime("Verified at", readonly=True)
    verification_status = fields.Function(fields.Selection(
            DEADLINE_STATUSES, "Verification"), 'get_deadline_status')
    acknowledgement_due = fields.DateTime(
        "Acknowledgement Due", readonly=True)
    acknowledged_at = fields.DateTime("Acknowledged at", readonly=True)
    acknowledgement_status = fields.Function(fields.Selection(
            DEADLINE_STATUSES, "Acknowledgement"), 'get_deadline_status')
    feedback_due = fields.DateTime("Feedback Due", readonly=True)
    feedback_at = fields.DateTime("Feedback at", readonly=True)
    feedback_status = fields.Function(fields.Selection(
            DEADLINE_STATUSES, "Feedback"), 'get_deadline_status')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'acknowledge': {
                    'invisible': (Bool(Eval('acknowledged_at'))
                        | Eval('state').in_(['notified', 'closed'])),
                    'depends': ['acknowledged_at', 'state'],
                    },
                })

    def get_deadline_status(self, name):
        prefix = name[:-len('_status')]
        due = getattr(self, f'{prefix}_due')
        done_at = getattr(self, {
                'verification': 'verified_at',
                'acknowledgement': 'acknowledged_at',
                'feedback': 'feedback_at',
                }[prefix])
        if not due:
            return
        if done_at:
            return 'done' if done_at <= due else 'late'
        return 'overdue' if clock.now() > due else 'pending'

    @classmethod
    def _deadlines(cls, received_at, company=None):
        """The due times of a report received at received_at; the
        verification and acknowledgement count in their configured unit in
        the working calendar of the company, the feedback in months"""
        pool = Pool()
        Configuration = pool.get('whistleblower.configuration')
        configuration = Configuration(1)
        if company is None:
            company = cls.default_company()
        return {
            'verification_due': add_delay(company, received_at,
                configuration.verification_delay,
                configuration.verification_delay_unit),
            'acknowledgement_due': add_delay(company, received_at,
                configuration.acknowledgement_delay,
                configuration.acknowledgement_delay_unit),
            'feedback_due': (
                received_at
                + relativedelta(months=configuration.feedback_months)),
            }

    @classmethod
    def _plan_deadlines(cls, reports):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        for report in reports:
            # Subjects reach reminders and escalations: the number only
            for code, due in [
                    (ACTIVITY_VERIFICATION, report.verification_due),
                    (ACTIVITY_ACKNOWLEDGEMENT, report.acknowledgement_due),
                    (ACTIVITY_FEEDBACK, report.feedback_due),
                    ]:
                Activity.plan(
                    report, code, report.case_officer, due, report.number)

    @classmethod
    def _mark_verified(cls, reports):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        cls.write(reports, {'verified_at': clock.now()})
        Activity.close(reports, [ACTIVITY_VERIFICATION])

    @classmethod
    @ModelView.button
    def acknowledge(cls, reports):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        reports = [r for r in reports if not r.acknowledged_at]
        cls.write(reports, {'acknowledged_at': clock.now()})
        Activity.close(reports, [ACTIVITY_ACKNOWLEDGEMENT])
