# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"What the web client forbids, the server refuses"
import copy
from functools import wraps

from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelStorage, Workflow
from trytond.model.exceptions import AccessError
from trytond.model.modelstorage import _record_eval_pyson
from trytond.pool import Pool
from trytond.tools import is_instance_method
from trytond.transaction import Transaction, without_check_access

from .exceptions import ModificationError

X2MANY = {'one2many', 'many2many'}
# The parent fields behind the Many2One fields of each model class
_parent_links = {}


def user_call():
    "Tell if the current call comes from a user, with access checks on"
    transaction = Transaction()
    return bool(transaction.user and transaction.check_access)


def _enforcing_create(create):
    "Check the values a user sends to create records"
    @wraps(create)
    def wrapper(vlist, *args, **kwargs):
        if user_call():
            create.__self__._enforce_create(vlist)
        return create(vlist, *args, **kwargs)
    return wrapper


def _enforcing_copy(copy_):
    "Check the values a user sends to copy records with"
    @wraps(copy_)
    def wrapper(records, default=None, *args, **kwargs):
        if user_call() and isinstance(default, dict):
            copy_.__self__._enforce_copy_default(default)
        return copy_(records, default, *args, **kwargs)
    return wrapper


def _on_writable(Model):
    """Check that the user may write the records of a button of the Model:
    trytond checks them against the read rules only"""
    def decorator(method):
        @wraps(method)
        def wrapper(records, *args, **kwargs):
            Rule = Pool().get('ir.rule')
            if user_call():
                ids = [r.id for r in records
                    if r.id is not None and r.id >= 0]
                # Unreadable records first refused as trytond refuses them
                Model.read(ids, ['id'])
                Rule.check(Model.__name__, ids, mode='write')
            return method(records, *args, **kwargs)
        return wrapper
    return decorator


def _with_readable_references(method):
    """Check the records of the Reference fields that a user sends with a
    record to compute its changes: of a model of the field's selection,
    readable by the user. The changes read them without access checks (their
    names, copied into the record and returned), and a Reference may point
    to any record of the database."""
    @wraps(method)
    def wrapper(record, *args, **kwargs):
        if user_call():
            type(record)._check_references(record)
        return method(record, *args, **kwargs)
    return wrapper


def _unchanged(record, name, value):
    "Tell if the value is the one stored: clients send such values too"
    if record._fields[name]._type in X2MANY:
        return False
    current = getattr(record, name)
    if hasattr(current, 'id'):
        current = current.id
    return current == value or (not current and not value)


def _is_empty(field, value):
    if field._type in X2MANY:
        # No command, as clients send a list they did not change
        return not value
    return value is None or value == '' or value is False


def _checked(rpc, check):
    "Return a copy of the RPC whose procedure is checked first"
    rpc = copy.copy(rpc)
    if rpc.decorator is None:
        rpc.decorator = check
    else:
        rpc.decorator = (lambda method, decorator=rpc.decorator:
            check(decorator(method)))
    return rpc


class ReadableReferencesMixin:
    """Refuse to users the changes of a record (on_change, on_change_with,
    autocomplete) computed with a Reference to a record of a model not of
    the field's selection or that the client does not read (the sessions),
    or with a Reference or a Many2One to a record that the user may not read
    (the record's own stored values aside)

    The changes return the names of the records of the Reference fields, and
    methods copy them, read without access checks: with a Reference to any
    record of the database, a user would read any record's name (a session's
    key is its name), and with a Many2One what a method copies of it (the
    round of another handler's complaint)."""
    __slots__ = ()

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        for name, rpc in list(cls.__rpc__.items()):
            if (rpc.instantiate == 0
                    and name.startswith(('on_change', 'autocomplete'))):
                cls.__rpc__[name] = _checked(rpc, _with_readable_references)

    @classmethod
    def _check_references(cls, record):
        pool = Pool()
        Model = pool.get('ir.model')
        stored = None
        for name, field in cls._fields.items():
            if field._type not in {'reference', 'many2one'}:
                continue
            value = record._values._get(name) if record._values else None
            if not isinstance(value, ModelStorage) or value.id is None:
                continue
            if field._type == 'many2one':
                if value.id < 0:
                    continue
                if record.id is not None and record.id >= 0:
                    if stored is None:
                        # What a record the user reads holds is shown with it
                        cls.read([record.id], ['id'])
                        with without_check_access():
                            stored, = cls.read([record.id], [
                                    n for n, f in cls._fields.items()
                                    if f._type == 'many2one'])
                    if stored[name] == value.id:
                        continue
                value.__class__.read([value.id], ['id'])
                continue
            # Of the selection, and of a model the client reads: the
            # selection of an attachment's resource holds every model
            if (value.__name__ not in field.get_selection(cls, name, record)
                    or 'read' not in value.__rpc__):
                raise AccessError(gettext('ir.msg_read_error',
                        ids=value.id, model=Model.get_name(value.__name__)))
            if value.id >= 0:
                # The error of a record the user may not read
                value.__class__.read([value.id], ['id'])


class EnforcedStatesMixin(ReadableReferencesMixin):
    """Refuse to users what the fields' definition and states make read-only

    The web client honours `readonly` and the record's `states`; a user who
    calls the server directly does not have to. For a call with access
    checks on, this refuses:

    - writing a field that is read-only by definition, or by its states in
      the record's current state (so `state` moves only by transitions);
    - creating a record with a value other than the default in such a field
      (so no record is created directly in a later state);
    - creating, changing or deleting a record of a One2Many or Many2Many
      that the parent's states make read-only (a child that only the
      system writes has read-only fields of its own);
    - deleting a workflow record that has left its first state;
    - copying records with such a value in the default (a copy is a
      creation);
    - clicking a button on records that the record rules do not let the
      user write (a button's groups give it to them, not the records);
    - computing the changes of a record (on_change, on_change_with,
      autocomplete) whose Reference fields point to a record of a model
      that is not of the field's selection, or that the user may not read.

    Transitions, wizards, crons and triggers run as the system, without
    access checks, and are not concerned.
    """
    __slots__ = ()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The values as the user sent them, before the model completes them
        # with what the system sets
        for name, check in [
                ('create', _enforcing_create), ('copy', _enforcing_copy)]:
            if name in cls.__rpc__:
                cls.__rpc__[name] = _checked(cls.__rpc__[name], check)

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        # The buttons are known, and routed, once every module set them up
        for name, rpc in list(cls.__rpc__.items()):
            if (rpc.instantiate == 0 and name in getattr(cls, '_buttons', {})
                    and not is_instance_method(cls, name)):
                cls.__rpc__[name] = _checked(rpc, _on_writable(cls))

    @classmethod
    def write(cls, *args):
        if (issubclass(cls, ModelSingleton) and user_call()
                and not cls.get_singleton()):
            # The singleton's row is then created from the written values
            cls._enforce_create(list(args[1::2]))
        super().write(*args)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if not external:
            return
        if mode == 'create':
            for record in records:
                cls._enforce_parents(record, {})
        elif mode == 'write':
            values = {n: v for n, v in values.items() if n in cls._fields}
            for record in records:
                for name, value in values.items():
                    field = cls._fields[name]
                    if field._type in X2MANY and _is_empty(field, value):
                        continue
                    if (cls._field_readonly(record, name)
                            and not _unchanged(record, name, value)):
                        cls._refuse(name, record)
                cls._enforce_parents(record, values)
            cls._enforce_children(values)
        elif mode == 'delete':
            for record in records:
                cls._enforce_parents(record, {})
                if not cls._deletable(record):
                    raise ModificationError(gettext(
                            'scheduled_activity.msg_modification_delete',
                            **cls.__names__(record=record)))

    @classmethod
    def _enforce_create(cls, vlist):
        guarded = {n for v in vlist for n in v
            if n in cls._fields and (cls._fields[n].readonly
                or 'readonly' in cls._fields[n].states)}
        defaults = None
        for values in vlist:
            record = None
            for name in sorted(guarded & values.keys()):
                field, value = cls._fields[name], values[name]
                if _is_empty(field, value):
                    continue
                if defaults is None:
                    # The states may depend on any field, the state first
                    defaults = cls.default_get(
                        [n for n, f in cls._fields.items()
                            if f._type not in X2MANY],
                        with_rec_name=False)
                if value == defaults.get(name):
                    continue
                if record is None:
                    # The record as it would be created, to evaluate states
                    record = cls(**{**defaults, **{
                                n: v for n, v in values.items()
                                if n in cls._fields
                                and cls._fields[n]._type not in X2MANY}})
                if cls._field_readonly(record, name):
                    cls._refuse(name)
            cls._enforce_children(values)

    @classmethod
    def _enforce_copy_default(cls, default):
        """Check the default of a copy as the values of a creation, those
        of the copied One2Many and Many2Many ("field.name" keys) by their
        model"""
        cls._enforce_create([{n: v for n, v in default.items()
                    if '.' not in n}])
        children = {}
        for key, value in default.items():
            name, dot, child_name = key.partition('.')
            if dot and name in cls._fields:
                children.setdefault(name, {})[child_name] = value
        for name, child_default in children.items():
            field = cls._fields[name]
            if field._type not in X2MANY:
                continue
            Target = field.get_target()
            if issubclass(Target, EnforcedStatesMixin):
                Target._enforce_copy_default(child_default)

    @classmethod
    def _enforce_children(cls, values):
        "Check the records created through the One2Many and Many2Many"
        for name, value in values.items():
            field = cls._fields.get(name)
            if (field is None or field._type not in X2MANY
                    or not isinstance(value, list)):
                continue
            Target = field.get_target()
            if not issubclass(Target, EnforcedStatesMixin):
                continue
            for command in value:
                if (isinstance(command, (list, tuple)) and len(command) == 2
                        and command[0] == 'create'
                        and isinstance(command[1], list)):
                    Target._enforce_create(command[1])

    @classmethod
    def _field_readonly(cls, record, name):
        return cls._fields[name].readonly or cls._state_readonly(record, name)

    @classmethod
    def _state_readonly(cls, record, name):
        readonly = cls._fields[name].states.get('readonly')
        if readonly is None or isinstance(readonly, bool):
            return bool(readonly)
        with Transaction().set_context(
                groups=Pool().get('res.user').get_groups()):
            return bool(_record_eval_pyson(record, readonly))

    @classmethod
    def _refuse(cls, name, record=None):
        if record is None:
            raise ModificationError(gettext(
                    'scheduled_activity.msg_modification_create',
                    **cls.__names__(field=name)))
        raise ModificationError(gettext(
                'scheduled_activity.msg_modification_readonly',
                **cls.__names__(field=name, record=record)))

    @classmethod
    def _parent_links(cls):
        """The Many2One fields of the model behind a One2Many or Many2Many
        of their target, with the target model and field"""
        if cls not in _parent_links:
            pool = Pool()
            links = []
            for name, field in cls._fields.items():
                if field._type != 'many2one':
                    continue
                Parent = pool.get(field.model_name)
                if not issubclass(Parent, EnforcedStatesMixin):
                    continue
                for parent_name, parent_field in Parent._fields.items():
                    if ((parent_field._type == 'one2many'
                                and parent_field.model_name == cls.__name__
                                and parent_field.field == name)
                            or (parent_field._type == 'many2many'
                                and parent_field.relation_name
                                == cls.__name__
                                and parent_field.origin == name)):
                        links.append((name, Parent, parent_name))
            _parent_links[cls] = links
        return _parent_links[cls]

    @classmethod
    def _enforce_parents(cls, record, values):
        "Refuse the change when the parent's state freezes its children"
        for name, Parent, parent_name in cls._parent_links():
            parent_ids = set()
            if record is not None and getattr(record, name, None):
                parent_ids.add(getattr(record, name).id)
            if isinstance(values.get(name), int) and values[name] >= 0:
                parent_ids.add(values[name])
            for parent in Parent.browse(list(parent_ids)):
                if Parent._state_readonly(parent, parent_name):
                    Parent._refuse(parent_name, parent)

    @classmethod
    def _deletable(cls, record):
        "Tell if the record may be deleted: a workflow's only in its first"
        if not issubclass(cls, Workflow):
            return True
        default = getattr(cls, f'default_{cls._transition_state}', None)
        return default is None or (
            getattr(record, cls._transition_state) == default())
