# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The conversation with the reporter and the case officers' notes"""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .access import CopyRefusedMixin, ExcludedAsMissingMixin
from .exceptions import ReportAccessError


class Message(
        ExcludedAsMissingMixin, CopyRefusedMixin, EnforcedStatesMixin,
        ModelSQL, ModelView):
    __name__ = 'whistleblower.message'
    _states = {
        'readonly': Eval('id', -1) >= 0,
        }
    report = fields.Many2One(
        'whistleblower.report', "Report", required=True, ondelete='CASCADE',
        states=_states)
    direction = fields.Selection([
            ('incoming', "From the Reporter"),
            ('outgoing', "To the Reporter"),
            ], "Direction", required=True, states=_states)
    date = fields.DateTime("Date", required=True, states=_states)
    text = fields.Text("Text", required=True, states=_states)
    author = fields.Many2One('res.user', "Recorded by", readonly=True)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.report, Index.Equality())))

    @classmethod
    def default_date(cls):
        # Whole seconds as the client shows them (see
        # Report.default_received_at)
        return clock.now().replace(microsecond=0)

    @classmethod
    def default_direction(cls):
        return 'outgoing'

    @classmethod
    def default_author(cls):
        return Transaction().user

    def get_rec_name(self, name):
        return self.report.rec_name

    @classmethod
    def check_modification(cls, mode, messages, values=None, external=False):
        super().check_modification(
            mode, messages, values=values, external=external)
        # What was said to or by the reporter is a record: only the
        # retention erasure (without access check) removes it
        if mode in {'write', 'delete'} and external:
            raise ReportAccessError(gettext(
                    'whistleblower.msg_message_modify'))


class Note(
        ExcludedAsMissingMixin, CopyRefusedMixin, EnforcedStatesMixin,
        ModelSQL, ModelView):
    __name__ = 'whistleblower.note'
    report = fields.Many2One(
        'whistleblower.report', "Report", required=True, ondelete='CASCADE')
    date = fields.DateTime("Date", required=True, readonly=True)
    author = fields.Many2One('res.user', "Author", readonly=True)
    text = fields.Text("Text", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.report, Index.Equality())))

    @classmethod
    def default_date(cls):
        # Whole seconds as the client shows them (see
        # Report.default_received_at)
        return clock.now().replace(microsecond=0)

    @classmethod
    def default_author(cls):
        return Transaction().user

    def get_rec_name(self, name):
        return self.report.rec_name
