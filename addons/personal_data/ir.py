# This file is part of the personal_data module.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('personal_data.retention|erase_expired',
                "Erase Expired Personal Data"))
