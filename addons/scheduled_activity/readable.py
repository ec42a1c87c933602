# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What a user reaches through a relation is only what they may read

trytond converts a domain to SQL without access checks. So the record rules
of the target of a relation are not applied to a dotted path
(`complaints.complainant_phone`), to a name searched on a relation
(`('complaint', 'ilike', ...)`) or to a `where` clause, and the field access
of the target is not checked in a `where` clause: counting incidents by
`complaints.complainant_phone`, a handler would read the phone of a complaint
they may not read, and any user the password digests of the users, a
character at a time.

The export evaluates the record rules in Python, where the paths through
One2Many and Many2Many fields of the rules do not hold: exporting
`complaints/complainant_phone` of an incident, the same handler would read
the phone of each of its complaints.
"""
from collections import defaultdict

from trytond.model import fields
from trytond.model.modelstorage import is_leaf
from trytond.pool import Pool
from trytond.transaction import without_check_access

from .enforce import user_call

RELATIONS = {'many2one', 'one2many', 'many2many', 'reference'}


class ReadableExportMixin:
    """Export, for a user with access checks on, only records they may read,
    those reached through the relations of the exported fields included

    Registered on every ModelStorage (tryton.cfg, register_mixin)."""
    __slots__ = ()

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        if user_call():
            check_readable_paths(cls, [r.id for r in records],
                [n.split('/') for n in fields_names])
        return super().export_data(records, fields_names, header=header)


def check_readable_paths(Model, ids, paths):
    """Read, with the access checks, the records and, level by level, the
    records their paths of field names go through (the names of those at
    the end of a path are exported)"""
    pool = Pool()
    ids = [i for i in ids if i is not None and i >= 0]
    if not ids:
        return
    Model.read(ids, ['id'])
    below = defaultdict(list)
    for path in paths:
        if path:
            # The ".translated" and ":lang=" forms of a field
            name = path[0].split(':lang=')[0].split('.')[0]
            below[name].append(path[1:])
    for name, sub_paths in below.items():
        field = Model._fields.get(name)
        if field is None or field._type not in RELATIONS:
            continue
        with without_check_access():
            rows = Model.read(ids, [name])
        targets = defaultdict(set)
        for row in rows:
            values = row[name]
            if not isinstance(values, (list, tuple)):
                values = [values]
            for value in values:
                if isinstance(value, str):
                    model, _, id_ = value.partition(',')
                    if id_.lstrip('-').isdigit():
                        targets[model].add(int(id_))
                elif value is not None:
                    targets[field.get_target().__name__].add(value)
        for model, target_ids in targets.items():
            check_readable_paths(pool.get(model), list(target_ids), sub_paths)


class ReadableSearchMixin:
    """Search, for a user with access checks on, through the relations of
    the domain only the records of the target that they may read, and only
    the fields they may read

    Registered on every ModelSQL (tryton.cfg, register_mixin)."""
    __slots__ = ()

    @classmethod
    def search(cls, domain, *args, **kwargs):
        if user_call():
            domain = readable_domain(cls, domain)
        return super().search(domain, *args, **kwargs)


def readable_domain(Model, domain, checked=True):
    """Return the domain of Model whose clauses through a relation match
    only the targets the user may read; check the user's access to the
    fields of the targets when checked (the clauses the user wrote, not
    those of the searchers and rules)"""
    return _map_clauses(
        domain, lambda clause: _readable_clause(Model, clause, checked))


def _map_clauses(domain, function):
    "Return the domain with each clause replaced by what function returns"
    if is_leaf(domain):
        return function(domain)
    if isinstance(domain, str):
        return domain  # trytond refuses it
    if not domain or domain[0] not in ('AND', 'OR'):
        return [_map_clauses(d, function) for d in domain]
    return [domain[0]] + [_map_clauses(d, function) for d in domain[1:]]


def _readable_clause(Model, clause, checked):
    pool = Pool()
    Rule = pool.get('ir.rule')
    name, operator, value = clause[:3]
    field_name, _, target_name = name.partition('.')
    field = Model._fields.get(field_name)
    if field is None:
        return clause  # trytond refuses it
    if isinstance(field, fields.Function):
        if not field.searcher:
            return clause
        # As trytond converts it, before the rules
        with without_check_access():
            domain = getattr(Model, field.searcher)(field_name, clause)
        readable = readable_domain(Model, domain, checked=False)
        # Else left to trytond, which checks the access to the field only
        return clause if readable == domain else readable
    if field._type not in RELATIONS:
        return clause

    if field._type == 'reference':
        if not target_name or len(clause) < 4:
            return clause  # the stored "model,id" only
        Target = pool.get(clause[3])
        target_domain = [(target_name, operator, value) + tuple(clause[4:])]
    else:
        Target = field.get_target()
        if target_name:
            target_domain = [(target_name,) + tuple(clause[1:])]
        elif operator in {'where', 'not where'}:
            target_domain = value
        elif isinstance(value, str) and not operator.endswith(
                ('child_of', 'parent_of')):
            target_domain = [('rec_name', operator, value)]
        else:
            return clause  # ids, stored in the relation itself
    if checked:
        _check_access(Target, target_domain)
    readable = readable_domain(Target, target_domain, checked)
    rule = Rule.domain_get(Target.__name__, mode='read')
    if not rule and readable == target_domain:
        return clause
    if rule:
        readable = ['AND', readable, rule]

    if field._type == 'reference':
        return _on_reference(readable, field_name, Target.__name__)
    if operator == 'not where':
        return (field_name, 'not where', readable)
    where = (field_name, 'where', readable)
    if operator != 'where' and _negative(operator, value):
        # As trytond: also the records without target
        return ['OR', where, (field_name, '=', None)]
    return where


def _check_access(Model, domain):
    "Check the user's read access to the model and fields of the domain"
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    ModelFieldAccess = pool.get('ir.model.field.access')
    ModelAccess.check(Model.__name__, 'read')
    names = set()
    _map_clauses(domain, lambda clause: names.add(clause[0].split('.', 1)[0]))
    ModelFieldAccess.check(Model.__name__, names, 'read')


def _negative(operator, value):
    "Tell if trytond matches also the records without target"
    return ((operator.startswith('not')
            and not (operator == 'not in' and None in value))
        or (operator == '!=' and value is not None))


def _on_reference(domain, field_name, target):
    "Return the domain of the target as clauses through the Reference field"
    return _map_clauses(domain, lambda clause: (
            f'{field_name}.{clause[0]}', *clause[1:3], target, *clause[3:]))
