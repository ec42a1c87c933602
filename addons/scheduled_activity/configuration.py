# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from .enforce import EnforcedStatesMixin
from .working_calendar import unit_field


class Configuration(EnforcedStatesMixin, ModelSingleton, ModelSQL, ModelView):
    __name__ = 'scheduled.activity.configuration'

    remind_before = fields.TimeDelta(
        "Remind Before", required=True,
        help="How long before the due time the assignee is reminded.\n"
        "An activity type can override it.")
    remind_before_unit = unit_field('remind_before', "Reminder Counted In")
    escalate_after = fields.TimeDelta(
        "Escalate After", required=True,
        help="How long after the due time an activity still planned is "
        "escalated to the assignee's supervisor.\n"
        "An activity type can override it.")

    escalate_after_unit = unit_field('escalate_after', "Escalation Counted In")

    @classmethod
    def default_remind_before_unit(cls):
        return 'calendar'

    @classmethod
    def default_escalate_after_unit(cls):
        return 'calendar'

    @classmethod
    def default_remind_before(cls):
        return dt.timedelta(hours=1)

    @classmethod
    def default_escalate_after(cls):
        return dt.timedelta(days=1)
