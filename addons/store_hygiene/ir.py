# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('hygiene.schedule|generate_inspections',
                    "Generate Hygiene Inspections"),
                ('hygiene.inspection|mark_missed',
                    "Mark Missed Hygiene Inspections"),
                ('hygiene.health_certificate|send_expiry_reminders',
                    "Remind Expiring Health Certificates"),
                ])


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _user_models(cls):
        # The rules of inspectors and store managers are keyed on the
        # user's employees
        return super()._user_models() | {
            'hygiene.store', 'hygiene.schedule', 'hygiene.inspection',
            'hygiene.corrective_action', 'hygiene.health_certificate',
            'hygiene.preshift_check'}
