# This file is part of the complaint_plan module.
from trytond.pool import PoolMeta


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _user_models(cls):
        return super()._user_models() | {'complaint.complaint'}
