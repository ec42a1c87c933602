# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.working_calendar import unit_field


class Configuration(EnforcedStatesMixin, ModelSingleton, ModelSQL, ModelView):
    __name__ = 'hygiene.configuration'

    horizon = fields.TimeDelta(
        "Generation Horizon", required=True,
        domain=[('horizon', '>', dt.timedelta())],
        help="How far ahead the inspections of the schedules are created.")
    pass_score = fields.Float(
        "Pass Score", required=True, digits=(5, 1),
        domain=[('pass_score', '>=', 0), ('pass_score', '<=', 100)],
        help="The lowest score (in %) of a passed inspection.")
    corrective_action_delay = fields.TimeDelta(
        "Corrective Action Delay", required=True,
        help="The time given to correct a failed item.")
    corrective_action_delay_unit = unit_field(
        'corrective_action_delay', "Correction Counted In")
    missed_follow_up_delay = fields.TimeDelta(
        "Missed Follow-up Delay", required=True,
        help="The time given to the store manager to follow up a missed "
        "inspection.")
    spot_checklist = fields.Many2One(
        'hygiene.checklist', "Spot Inspection Checklist",
        help="The checklist of the spot inspections triggered by "
        "complaints.")
    spot_inspection_delay = fields.TimeDelta(
        "Spot Inspection Delay", required=True,
        help="A spot inspection triggered by a complaint is due within "
        "this time.")
    spot_inspection_delay_unit = unit_field(
        'spot_inspection_delay', "Spot Inspection Counted In")
    certificate_validity = fields.Integer(
        "Certificate Validity", required=True,
        domain=[('certificate_validity', '>', 0)],
        help="In months, the default validity of a health certificate.")
    certificate_reminder_days = fields.Integer(
        "Certificate Reminder", required=True,
        domain=[('certificate_reminder_days', '>=', 0)],
        help="In days, when to remind before a health certificate expires.")

    @classmethod
    def default_horizon(cls):
        return dt.timedelta(days=1)

    @classmethod
    def default_pass_score(cls):
        return 80.0

    @classmethod
    def default_corrective_action_delay(cls):
        return dt.timedelta(days=1)

    @classmethod
    def default_corrective_action_delay_unit(cls):
        return 'calendar'

    @classmethod
    def default_spot_inspection_delay_unit(cls):
        return 'calendar'

    @classmethod
    def default_missed_follow_up_delay(cls):
        return dt.timedelta(days=1)

    @classmethod
    def default_spot_checklist(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id('store_hygiene', 'checklist_seed')
        except KeyError:
            return None

    @classmethod
    def default_spot_inspection_delay(cls):
        return dt.timedelta(hours=24)

    @classmethod
    def default_certificate_validity(cls):
        return 12

    @classmethod
    def default_certificate_reminder_days(cls):
        return 30
