# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.scheduled_activity.enforce import user_call
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .access import (
    ExcludedResourceAsMissingMixin, report_models, report_records)


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


class Attachment(ExcludedResourceAsMissingMixin, metaclass=PoolMeta):
    __name__ = 'ir.attachment'


class Note(ExcludedResourceAsMissingMixin, metaclass=PoolMeta):
    __name__ = 'ir.note'

    @classmethod
    def check_access(cls, ids, mode='read'):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        super().check_access(ids, mode=mode)
        # A note on a report or its records is an internal note: the access
        # to the case officers' notes applies
        if user_call() and report_records(cls._resources(ids)):
            ModelAccess.check('whistleblower.note', mode)

    @classmethod
    def search(cls, domain, *args, **kwargs):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        if user_call() and not ModelAccess.check(
                'whistleblower.note', 'read', raise_exception=False):
            # Only who reads the internal notes finds them
            domain = [domain] + [
                ('resource', 'not like', f'{Model.__name__},%')
                for Model in report_models()]
        return super().search(domain, *args, **kwargs)
