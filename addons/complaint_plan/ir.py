# This file is part of the complaint_plan module.
from trytond.pool import PoolMeta


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _user_models(cls):
        return super()._user_models() | {
            'complaint.complaint', 'complaint.approval'}


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('complaint.approval|escalate_overdue',
                    "Escalate Overdue Approvals"),
                ('complaint.complaint|escalate_to_leaders',
                    "Alert the Leading Group of Overdue Complaints"),
                ('complaint.emergency_plan|remind_drills',
                    "Remind Emergency Plan Drills"),
                ])
