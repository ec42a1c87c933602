# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.working_calendar import unit_field

# The presets of the delays: {name: {field: value}}
PRESETS = {
    'samr_acceptance': {
        'acknowledgement_delay': dt.timedelta(days=7),
        'acknowledgement_delay_unit': 'working_days',
        },
    }

# The six elements of the seed's handling plan (安全事故客诉 §四.3)
PLAN_PARTS = [
    ('team', "1. Investigation Team and Duties"),
    ('time_place', "2. Investigation Time and Place"),
    ('methods', "3. Methods and Means"),
    ('measures', "4. Measures and Compensation"),
    ('responsibility', "5. Responsibility Determination"),
    ('prevention', "6. Prevention and Improvement"),
    ]


class Level(EnforcedStatesMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'complaint.level'

    name = fields.Char("Name", required=True, translate=True)
    sequence = fields.Integer("Sequence", required=True,
        help="Lower is more severe.")
    criteria = fields.Text("Criteria", translate=True)
    acknowledgement_delay = fields.TimeDelta(
        "Acknowledgement Delay", required=True,
        help="Time after receipt by which the complainant is acknowledged.")
    acknowledgement_delay_unit = unit_field(
        'acknowledgement_delay', "Acknowledgement Counted In")
    resolution_delay = fields.TimeDelta(
        "Resolution Delay", required=True,
        help="Time after receipt by which the complaint is answered; "
        "time spent waiting on the complainant is not counted.")
    resolution_delay_unit = unit_field(
        'resolution_delay', "Resolution Counted In")
    leaders_escalation_delay = fields.TimeDelta(
        "Escalate to Leading Group After",
        help="How long after the resolution deadline an unanswered "
        "complaint is reported to the leading group.\n"
        "Leave empty to never report it.")
    leaders_escalation_delay_unit = unit_field(
        'leaders_escalation_delay', "Escalation Counted In")
    preset = fields.Selection([
            (None, ""),
            ('samr_acceptance',
                "Regulator: accept or refuse within 7 working days"),
            ], "Preset", sort=False,
        help="Fill the delays as a rule requires.")
    plan_parts = fields.MultiSelection(PLAN_PARTS, "Required Plan Parts",
        sort=False,
        help="The parts of the handling plan that must be filled in "
        "before it is processed or submitted for approval.")
    close_needs_review = fields.Boolean("Closing Needs Review",
        help="A complaint of this level is closed only with its root cause "
        "and at least one improvement action.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('sequence', 'ASC'))

    @classmethod
    def __register__(cls, module):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        data = ModelData.__table__()
        review_exists = cls.__table_handler__(module).column_exist(
            'close_needs_review')
        super().__register__(module)
        if not review_exists:
            # Migration: the levels installed before get the seed's review
            # (一级, 二级) and six-part plan (一级), as the data of the module
            cursor.execute(*data.select(data.fs_id, data.db_id,
                    where=(data.module == module)
                    & (data.model == cls.__name__)
                    & data.fs_id.in_(['level_1', 'level_2'])))
            for fs_id, db_id in cursor.fetchall():
                columns = [table.close_needs_review]
                values = [True]
                if fs_id == 'level_1':
                    columns.append(table.plan_parts)
                    values.append(cls.plan_parts.sql_format(
                            [p for p, _ in PLAN_PARTS]))
                cursor.execute(*table.update(
                        columns, values, where=table.id == db_id))

    @classmethod
    def default_plan_parts(cls):
        return ['team', 'methods', 'measures']

    @classmethod
    def default_close_needs_review(cls):
        return False

    @classmethod
    def default_acknowledgement_delay_unit(cls):
        return 'calendar'

    @classmethod
    def default_resolution_delay_unit(cls):
        return 'calendar'

    @classmethod
    def default_leaders_escalation_delay_unit(cls):
        return 'calendar'

    @fields.depends('preset')
    def on_change_preset(self):
        for name, value in PRESETS.get(self.preset, {}).items():
            setattr(self, name, value)

    @fields.depends('preset', *{f for p in PRESETS.values() for f in p})
    def _clear_changed_preset(self):
        "A preset whose delays were changed no longer applies"
        values = PRESETS.get(self.preset, {})
        if any(getattr(self, f) != v for f, v in values.items()):
            self.preset = None

    @fields.depends(methods=['_clear_changed_preset'])
    def on_change_acknowledgement_delay(self):
        self._clear_changed_preset()

    @fields.depends(methods=['_clear_changed_preset'])
    def on_change_acknowledgement_delay_unit(self):
        self._clear_changed_preset()

    @staticmethod
    def default_acknowledgement_delay():
        return dt.timedelta(hours=24)

    @staticmethod
    def default_resolution_delay():
        return dt.timedelta(days=15)
