# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _user_models(cls):
        # The conflict-of-interest rules exclude users one by one
        return super()._user_models() | {
            'whistleblower.report',
            'whistleblower.report-res.user',
            'whistleblower.reporter',
            'whistleblower.message',
            'whistleblower.note',
            'whistleblower.sanction',
            'whistleblower.access_log',
            }

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        context = super()._get_context(model_name)
        if model_name == 'scheduled.activity':
            # The activities of the reports the user is excluded from: the
            # rule compares the resources, without reading the reports (the
            # activity administrators may not read them). The exclusions
            # clear the rules' cache.
            Excluded = pool.get('whistleblower.report-res.user')
            excluded = Excluded.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*excluded.select(excluded.report,
                    where=excluded.user == Transaction().user))
            context['whistleblower_excluded_reports'] = sorted(
                f'whistleblower.report,{i}' for i, in cursor)
        return context


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('whistleblower.report|erase_expired',
                "Erase Expired Whistleblower Identities"))
