# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The data a client sends to a wizard is that of the wizard's own forms"
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.wizard import StateView

from .exceptions import WizardDataError


class WizardFormsMixin:
    """Refuse the data of a wizard's execution that is not the values of the
    fields of its forms (its StateView)

    trytond sets each value of the data on the attribute of the wizard that
    its key names: with "model", a user set attributes of a model's class
    for the whole server (its record rules, its order), and with "record"
    faked the values of the record the wizard checks before it acts.

    Registered on every wizard (tryton.cfg, register_mixin)."""
    __slots__ = ()

    @classmethod
    def execute(cls, session_id, data, state_name):
        pool = Pool()
        for key, values in data.items():
            state = cls.states.get(key)
            if not isinstance(state, StateView) or not isinstance(
                    values, dict):
                cls._refuse_data(key)
            fields = pool.get(state.model_name)._fields
            for name in values:
                if name != 'id' and name not in fields:
                    cls._refuse_data(f'{key}.{name}')
        return super().execute(session_id, data, state_name)

    @classmethod
    def _refuse_data(cls, key):
        raise WizardDataError(gettext(
                'scheduled_activity.msg_wizard_data',
                wizard=cls.__name__, key=key))
