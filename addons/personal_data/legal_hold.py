# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Legal holds: a complaint or an incident kept whole while a dispute, an
investigation or the authorities need it

A hold stops the erasure of the complaint's personal data, by the retention
periods and by the subject requests, until it is lifted. It is placed and
lifted only through the wizards, by the data protection officer or a
complaint manager, with a reason, and each step is logged."""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import (
    ErasureLogError, HeldRecordError, LegalHoldAccessError, LegalHoldError)

# The models a hold is placed on
HELD_MODELS = ['complaint.complaint', 'complaint.incident']
# The groups that place and lift holds
HOLD_GROUPS = [
    ('personal_data', 'group_data_protection_officer'),
    ('complaint_plan', 'group_complaint_manager'),
    ]


def check_hold_user():
    "Refuse the user who is neither data protection officer nor manager"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    transaction = Transaction()
    if not transaction.user:
        return
    groups = {ModelData.get_id(m, g) for m, g in HOLD_GROUPS}
    if not groups & set(User.get_groups()):
        raise LegalHoldAccessError(gettext('personal_data.msg_hold_group'))


class LegalHoldMixin:
    "The legal hold fields and buttons of a complaint or an incident"
    __slots__ = ()

    legal_hold = fields.Boolean("Legal Hold", readonly=True,
        help="Kept whole for a dispute, an investigation or the "
        "authorities: no personal data of it is erased until the hold is "
        "lifted.")
    legal_hold_reason = fields.Text("Legal Hold Reason", readonly=True,
        states={'invisible': ~Eval('legal_hold')})
    legal_hold_by = fields.Many2One('res.user', "Legal Hold Placed By",
        readonly=True, states={'invisible': ~Eval('legal_hold')})
    legal_hold_at = fields.Timestamp("Legal Hold Placed At", readonly=True,
        states={'invisible': ~Eval('legal_hold')})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'place_legal_hold': {
                    'invisible': Bool(Eval('legal_hold')),
                    'icon': 'tryton-lock',
                    'depends': ['legal_hold'],
                    },
                'lift_legal_hold': {
                    'invisible': ~Eval('legal_hold'),
                    'icon': 'tryton-unlock',
                    'depends': ['legal_hold'],
                    },
                })

    @classmethod
    def default_legal_hold(cls):
        return False

    @classmethod
    def copy(cls, records, default=None):
        default = default.copy() if default is not None else {}
        for name in ['legal_hold', 'legal_hold_reason', 'legal_hold_by',
                'legal_hold_at']:
            default.setdefault(name, None)
        return super().copy(records, default=default)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        if mode == 'delete':
            for record in records:
                if record.legal_hold:
                    raise HeldRecordError(gettext(
                            'personal_data.msg_hold_delete',
                            record=record.rec_name))
        super().check_modification(
            mode, records, values=values, external=external)

    @classmethod
    @ModelView.button_action('personal_data.wizard_legal_hold_place')
    def place_legal_hold(cls, records):
        pass

    @classmethod
    @ModelView.button_action('personal_data.wizard_legal_hold_lift')
    def lift_legal_hold(cls, records):
        pass


class HoldLog(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'personal_data.legal_hold.log'

    date = fields.Timestamp("Date", required=True, readonly=True)
    resource = fields.Reference("Record", selection=[
            ('complaint.complaint', "Complaint"),
            ('complaint.incident', "Incident"),
            ], required=True, readonly=True)
    action = fields.Selection([
            ('place', "Placed"),
            ('lift', "Lifted"),
            ], "Action", required=True, readonly=True)
    reason = fields.Text("Reason", required=True, readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.resource, Index.Equality())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def check_modification(cls, mode, logs, values=None, external=False):
        super().check_modification(
            mode, logs, values=values, external=external)
        if mode in {'write', 'delete'} or (mode == 'create' and external):
            raise ErasureLogError(gettext('personal_data.msg_log_readonly'))

    @classmethod
    @without_check_access
    def record(cls, records, action, reason):
        user = Transaction().user
        now = clock.now()
        cls.create([{
                    'date': now,
                    'resource': str(record),
                    'action': action,
                    'reason': reason,
                    'user': user or None,
                    } for record in records])


class PlaceStart(ModelView):
    __name__ = 'personal_data.legal_hold.place.start'

    reason = fields.Text("Reason", required=True,
        help="The dispute, investigation or request of the authorities "
        "that needs the record kept whole.")


class LiftStart(ModelView):
    __name__ = 'personal_data.legal_hold.lift.start'

    reason = fields.Text("Reason", required=True,
        help="Why the record no longer needs to be kept whole.")


class _HoldWizard(Wizard):
    __slots__ = ()

    def _held_records(self):
        model = Transaction().context.get('active_model')
        if model not in HELD_MODELS:
            raise LegalHoldError(gettext('personal_data.msg_hold_model'))
        return list(self.records)

    @staticmethod
    def _reason(text):
        reason = (text or '').strip()
        if not reason:
            raise LegalHoldError(gettext('personal_data.msg_hold_reason'))
        return reason


class Place(_HoldWizard):
    __name__ = 'personal_data.legal_hold.place'
    start = StateView('personal_data.legal_hold.place.start',
        'personal_data.legal_hold_place_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Place", 'place', 'tryton-lock', default=True),
            ])
    place = StateTransition()

    def transition_place(self):
        check_hold_user()
        records = self._held_records()
        reason = self._reason(self.start.reason)
        for record in records:
            if record.legal_hold:
                raise LegalHoldError(gettext(
                        'personal_data.msg_hold_already',
                        record=record.rec_name))
        Model = self.model
        with without_check_access():
            Model.write(records, {
                    'legal_hold': True,
                    'legal_hold_reason': reason,
                    'legal_hold_by': Transaction().user or None,
                    'legal_hold_at': clock.now(),
                    })
        Pool().get('personal_data.legal_hold.log').record(
            records, 'place', reason)
        return 'end'


class Lift(_HoldWizard):
    __name__ = 'personal_data.legal_hold.lift'
    start = StateView('personal_data.legal_hold.lift.start',
        'personal_data.legal_hold_lift_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Lift", 'lift', 'tryton-unlock', default=True),
            ])
    lift = StateTransition()

    def transition_lift(self):
        check_hold_user()
        records = self._held_records()
        reason = self._reason(self.start.reason)
        for record in records:
            if not record.legal_hold:
                raise LegalHoldError(gettext(
                        'personal_data.msg_hold_none',
                        record=record.rec_name))
        Model = self.model
        with without_check_access():
            Model.write(records, {
                    'legal_hold': False,
                    'legal_hold_reason': None,
                    'legal_hold_by': None,
                    'legal_hold_at': None,
                    })
        Pool().get('personal_data.legal_hold.log').record(
            records, 'lift', reason)
        return 'end'
