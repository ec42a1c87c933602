# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
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
                ])
