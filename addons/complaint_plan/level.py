# This file is part of the complaint_plan module.
import datetime as dt

from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin


class Level(EnforcedStatesMixin, DeactivableMixin, ModelSQL, ModelView):
    "Severity level of a complaint (一级 / 二级 / 三级)"
    __name__ = 'complaint.level'

    name = fields.Char("Name", required=True, translate=True)
    sequence = fields.Integer("Sequence", required=True,
        help="Lower is more severe.")
    criteria = fields.Text("Criteria", translate=True)
    acknowledgement_delay = fields.TimeDelta(
        "Acknowledgement Delay", required=True,
        help="Time after receipt by which the complainant is acknowledged.")
    resolution_delay = fields.TimeDelta(
        "Resolution Delay", required=True,
        help="Time after receipt by which the complaint is answered; "
        "time spent waiting on the complainant is not counted.")
    leaders_escalation_delay = fields.TimeDelta(
        "Escalate to Leading Group After",
        help="How long after the resolution deadline an unanswered "
        "complaint is reported to the leading group.\n"
        "Leave empty to never report it.")
    activates_emergency_plan = fields.Boolean("Activates Emergency Plan",
        help="A complaint of this level activates the emergency plan.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('sequence', 'ASC'))

    @staticmethod
    def default_acknowledgement_delay():
        return dt.timedelta(hours=24)

    @staticmethod
    def default_resolution_delay():
        return dt.timedelta(days=15)
