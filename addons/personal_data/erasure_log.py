# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What was erased, when and why: never the data itself"""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.transaction import Transaction, without_check_access

from .exceptions import ErasureLogError

# The kinds of personal data, as the configuration, the erasure log and the
# subject requests name them
KINDS = [
    ('complaint', "Complainant Identity"),
    ('feedback', "Feedback"),
    ('attachment', "Attachments"),
    ('email', "Email Intake Records"),
    ('party', "Party"),
    ('certificate', "Health Certificates"),
    ('preshift', "Pre-shift Checks"),
    ]


class ErasureLog(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'personal_data.erasure_log'

    date = fields.Timestamp("Date", required=True, readonly=True)
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True,
        sort=False)
    kind_string = kind.translated('kind')
    origin = fields.Selection([
            ('retention', "Retention Period"),
            ('request', "Subject Request"),
            ], "Origin", required=True, readonly=True)
    origin_string = origin.translated('origin')
    months = fields.Integer("Retention Months", readonly=True,
        help="The retention period that expired, for an erasure by the "
        "scheduled task.")
    request = fields.Many2One('personal_data.subject_request',
        "Subject Request", readonly=True, ondelete='RESTRICT')
    user = fields.Many2One('res.user', "User", readonly=True,
        help="Who erased at a subject request; empty for the scheduled "
        "task.")
    count = fields.Integer("Records", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.date, Index.Range(order='DESC'))))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    def get_rec_name(self, name):
        return f'{self.kind_string} ({self.count})'

    @classmethod
    def check_modification(cls, mode, logs, values=None, external=False):
        super().check_modification(
            mode, logs, values=values, external=external)
        # Append-only: the system writes a line once, nobody changes it
        if mode in {'write', 'delete'} or (mode == 'create' and external):
            raise ErasureLogError(gettext('personal_data.msg_log_readonly'))

    @classmethod
    @without_check_access
    def record(cls, kind, count, origin, months=None, request=None):
        "Log the erasure of count records of the kind"
        if not count:
            return
        user = Transaction().user
        cls.create([{
                    'date': clock.now(),
                    'kind': kind,
                    'origin': origin,
                    'months': months,
                    'request': request.id if request else None,
                    'user': user if origin == 'request' and user else None,
                    'count': count,
                    }])
