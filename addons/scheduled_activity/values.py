# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What a client sends to create or write records is of its fields' kinds

trytond takes the values of a create or a write as they come. A number
sent for a text is stored as a number, a list sent for a date fails deep in
the model with a programming error that shows the server's code, and a
Many2One to a record that does not exist is stored on SQLite, which checks
no foreign key (PostgreSQL's fails the whole transaction). A user's create and write are refused, with a message naming
the field, when a value is not of its field's kind or names a record that
does not exist.
"""
import datetime as dt
import math
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .enforce import user_call
from .exceptions import ValueKindError

# The range of the columns: an integer out of it fails in the database
INTEGER_LIMIT = 2 ** 31
BIGINTEGER_LIMIT = 2 ** 63
X2MANY = {'one2many', 'many2many'}


def _integer(limit):
    def integer(value):
        return (isinstance(value, int) and not isinstance(value, bool)
            and -limit <= value < limit)
    return integer


_id = _integer(BIGINTEGER_LIMIT)


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, int) or math.isfinite(value)


def _text(value):
    # PostgreSQL stores no NUL character
    return isinstance(value, str) and '\x00' not in value


def _ids(value):
    return isinstance(value, (list, tuple)) and all(map(_id, value))


def _dicts(value):
    return isinstance(value, (list, tuple)) and all(
        isinstance(v, dict) for v in value)


KINDS = {
    'boolean': lambda v: isinstance(v, bool),
    'integer': _integer(INTEGER_LIMIT),
    'biginteger': _id,
    'float': _number,
    'numeric': _number,
    'char': _text,
    'text': _text,
    'selection': lambda v: _text(v) or _id(v),
    'multiselection': lambda v: (
        isinstance(v, (list, tuple)) and all(map(_text, v))),
    'reference': lambda v: _text(v) or (
        isinstance(v, (list, tuple)) and len(v) == 2),
    'date': lambda v: isinstance(v, dt.date) and not isinstance(
        v, dt.datetime),
    'datetime': lambda v: isinstance(v, dt.datetime),
    'timestamp': lambda v: isinstance(v, dt.datetime),
    'time': lambda v: isinstance(v, dt.time),
    'timedelta': lambda v: isinstance(v, dt.timedelta),
    'binary': lambda v: isinstance(v, (bytes, bytearray)),
    'dict': lambda v: isinstance(v, dict),
    'many2one': _id,
    'one2one': _id,
    }


def _command(command):
    "Tell if the command of a One2Many or Many2Many is one trytond reads"
    if not isinstance(command, (list, tuple)) or not command:
        return False
    action, *args = command
    if action == 'create':
        return len(args) == 1 and _dicts(args[0])
    if action == 'write':
        return (len(args) >= 2 and not len(args) % 2
            and all(_ids(a) for a in args[::2])
            and all(isinstance(a, dict) for a in args[1::2]))
    if action == 'copy':
        return (len(args) in {1, 2} and _ids(args[0])
            and (len(args) == 1 or args[1] is None
                or isinstance(args[1], dict)))
    if action in {'delete', 'add', 'remove'}:
        return len(args) == 1 and _ids(args[0])
    return False


def check_values(Model, vlist):
    """Refuse the values of the records of the Model, and of the records
    their One2Many and Many2Many create or write, that are not of their
    fields' kinds or name records that do not exist"""
    existing = {}
    if not isinstance(vlist, (list, tuple)):
        raise ValueKindError(gettext(
                'scheduled_activity.msg_values_not_record',
                **Model.__names__()))
    _check_kinds(Model, vlist, existing)
    for Target, ids in existing.items():
        with without_check_access(), \
                Transaction().set_context(active_test=False):
            found = {r.id for r in Target.search([('id', 'in', list(ids))])}
        if ids - found:
            # The error of reading them, as a record hidden from the user
            # answers (see whistleblower's ExcludedAsMissingMixin)
            raise missing_error(Target, ids - found)


def missing_error(Model, ids, mode='read'):
    "The error trytond gives for the ids of the Model that do not exist"
    text = ', '.join(map(str, sorted(ids)[:5]))
    if len(ids) > 5:
        text += '...'
    return AccessError(gettext(f'ir.msg_{mode}_error',
            ids=text, model=Pool().get('ir.model').get_name(Model.__name__)))


def _check_kinds(Model, vlist, existing):
    for values in vlist:
        if not isinstance(values, dict):
            raise ValueKindError(gettext(
                    'scheduled_activity.msg_values_not_record',
                    **Model.__names__()))
        for name, value in values.items():
            field = Model._fields.get(name)
            if field is None or value is None:
                # An unknown name is trytond's to refuse
                continue
            if field._type in X2MANY:
                kind = (isinstance(value, (list, tuple))
                    and all(map(_command, value)))
            else:
                kind = KINDS.get(field._type, lambda v: True)(value)
            if not kind:
                raise ValueKindError(gettext(
                        'scheduled_activity.msg_value_kind',
                        value=repr(value)[:50],
                        **Model.__names__(field=name)))
            if field._type in {'many2one', 'one2one'}:
                existing.setdefault(field.get_target(), set()).add(value)
            elif field._type in X2MANY:
                Target = field.get_target()
                for action, *args in value:
                    if action == 'create':
                        _check_kinds(Target, args[0], existing)
                    elif action == 'write':
                        _check_kinds(Target, args[1::2], existing)
                    if action in {'add', 'write', 'copy'}:
                        ids = [i for a in (
                                args[::2] if action == 'write' else args[:1])
                            for i in a]
                        existing.setdefault(Target, set()).update(ids)


class ValueKindsMixin:
    """Refuse to users the values they send to create or write records
    that are not of their fields' kinds or name records that do not exist

    Registered on every ModelStorage (tryton.cfg, register_mixin)."""
    __slots__ = ()

    @classmethod
    def create(cls, vlist):
        if user_call():
            check_values(cls, vlist)
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        if user_call():
            check_values(cls, args[1::2])
        super().write(*args)
