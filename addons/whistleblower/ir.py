# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta

class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _user_models(cls):
        # The conflict-of-interest rules exclude users one by one
        return super()._user_models() | {
            'whistleblower.report',
            'whistleblower.reporter',
            'whistleblower.message',
            'whistleblower.note',
            'whistleblower.sanction',
            'whistleblower.access_log',
            }


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('whistleblower.report|erase_expired',
                "Erase Expired Whistleblower Identities"))
