# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.transaction import Transaction, without_check_access

from .exceptions import AccessLogError
from .access import CopyRefusedMixin, ExcludedAsMissingMixin


class AccessLog(
        ExcludedAsMissingMixin, CopyRefusedMixin, EnforcedStatesMixin,
        ModelSQL, ModelView):
    """Append-only log of the accesses to the reporter's identity, and of the
    closings that start the retention period"""
    __name__ = 'whistleblower.access_log'

    report = fields.Many2One(
        'whistleblower.report', "Report", required=True, readonly=True,
        ondelete='RESTRICT')
    user = fields.Many2One('res.user', "User", readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)
    action = fields.Selection([
            ('reveal', "Reporter Revealed"),
            ('notice', "Notice Letter Printed"),
            ('close', "Report Closed"),
            ('erasure', "Identity and Evidence Erased"),
            ], "Action", required=True, readonly=True)
    reason = fields.Text("Reason", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.report, Index.Equality()), (t.date, Index.Range())))

    def get_rec_name(self, name):
        return self.report.rec_name

    @classmethod
    def record(cls, reports, action, reason=None):
        "Append a line for each report, as the current user"
        user = Transaction().user or None
        with without_check_access():
            return cls.create([{
                        'report': r.id,
                        'user': user,
                        'date': clock.now(),
                        'action': action,
                        'reason': reason,
                        } for r in reports])

    @classmethod
    def check_modification(cls, mode, logs, values=None, external=False):
        super().check_modification(
            mode, logs, values=values, external=external)
        # Nobody, not even the administrator, edits or deletes the log
        if mode in {'write', 'delete'}:
            raise AccessLogError(gettext(
                    'whistleblower.msg_access_log_append_only'))
