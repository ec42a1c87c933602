# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The written notice to the reporter"""
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.report import Report as BaseReport
from trytond.rpc import RPC
from trytond.transaction import without_check_access

from .access import check_officer
from .exceptions import NoticeActionError


class NoticeReport(BaseReport):
    __name__ = 'whistleblower.report.notice'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Printing writes an access-log line
        cls.__rpc__['execute'] = RPC(readonly=False)

    @classmethod
    def check_access(cls, action, model, ids):
        # Only through its own action: another action's id would print that
        # action's template on its model, with this report's access
        if (action.report_name != cls.__name__
                or action.model != 'whistleblower.report'
                or model != 'whistleblower.report'):
            raise NoticeActionError(gettext(
                    'whistleblower.msg_notice_wrong_action'))
        # The reports are read as the user: the record rules apply
        super().check_access(action, model, ids)
        check_officer()

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        Report = pool.get('whistleblower.report')
        AccessLog = pool.get('whistleblower.access_log')
        result = super().execute(ids, data)
        # Logged once the letter of these reports exists, not before
        AccessLog.record(Report.browse(list(map(int, ids))), 'notice')
        return result

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Reporter = pool.get('whistleblower.reporter')
        context = super().get_context(records, header, data)
        with without_check_access():
            reporters = Reporter.search([
                    ('report', 'in', [r.id for r in records]),
                    ])
        names = {r.report.id: r.identity()[0] for r in reporters}
        context['reporter_name'] = lambda report: names.get(report.id)
        # The received date in the company's zone
        from trytond.modules.scheduled_activity.timezone import (
            report_helpers)
        context.update(report_helpers())
        return context
