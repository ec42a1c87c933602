"""What the web client forbids, the server refuses: a probe over JSON-RPC

Every demo user logs in to the demo server and, for every model of the
project's modules that they can read (enumerated from the server, so a model
added later is covered without editing this test), tries:

- to write each field that is read-only by definition, or by its states in
  the record's current state (state included);
- to create a record directly in a later state;
- to copy a record with a later state in the default;
- to click every button that their groups do not allow.

Each attempt must be refused with an access or modification error, and the
record must be as it was.
"""
import datetime as dt
import json
import re
from collections import defaultdict

import pytest

from production_harness import RPC, HTTPError, RPCError
from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
from trytond.pyson import PYSONDecoder

from demo.base import DEMO_PASSWORD
from production.config import MODULES

ROLES = [
    'clerk', 'handler', 'manager', 'auditor', 'leader1', 'officer',
    'officer2', 'activity_admin', 'team_lead', 'assistant', 'inspector',
    'storemanager', 'dpo']
# What a refusal says (in English): the platform's access errors and the
# project's modification errors
REFUSALS = (
    'You are not allowed to', 'Calling button',
    'is no longer in a state that allows this action',
    'cannot be changed', 'cannot be given when creating', 'is frozen',
    'cannot be deleted')
UNPROBED_TYPES = {'binary', 'dict', 'reference', 'multiselection'}


class ProbeRPC(RPC):
    "A JSON-RPC session whose dates travel as the web client sends them"

    def _post(self, method, params, authorization):
        return super()._post(
            method, json.loads(json.dumps(params, cls=JSONEncoder)),
            authorization)

    def __init__(self, url, database, login, password):
        super().__init__(url, database, login, password)
        self.login = login

    def model(self, name, method, *args):
        return self(f'model.{name}.{method}', *args,
            {**self.context, 'language': 'en'})


def decode(value):
    return json.loads(json.dumps(value), object_hook=JSONDecoder())


def refused(call):
    "Return None when the call is refused as it must be, else what happened"
    try:
        result = call()
    except RPCError as error:
        kind, arguments = error.args[0][0], error.args[0][1]
        message = arguments[0] if kind == 'UserError' else str(kind)
        if kind == 'UserError' and any(r in message for r in REFUSALS):
            return None
        if message == 'On table_query':
            return None  # a report over other tables: it stores nothing
        return f'refused for another reason: {kind} {message[:200]}'
    return f'accepted: {result!r:.100}'


# Some ids of each relation, by login
_related = {}


def related_ids(sessions, relation):
    """Some ids of the relation, searched once for the first session as the
    first session allowed to"""
    key = (sessions[0].login, relation)
    if key not in _related:
        _related[key] = []
        for session in sessions:
            try:
                _related[key] = session.model(
                    relation, 'search', [], 0, 2, None)
                break
            except RPCError:
                continue
    return _related[key]


def other_value(sessions, description, value):
    "A value of the field's type other than the current one, or None"
    kind = description['type']
    if kind in {'char', 'text'}:
        return (value or '') + ' probe'
    elif kind in {'integer', 'float', 'numeric'}:
        return (value or 0) + 1
    elif kind == 'boolean':
        return not value
    elif kind == 'date':
        return dt.date(2020, 1, 2)
    elif kind in {'datetime', 'timestamp'}:
        return dt.datetime(2020, 1, 2, 3, 4, 5)
    elif kind == 'timedelta':
        return (value or dt.timedelta()) + dt.timedelta(hours=1)
    elif kind == 'selection':
        if isinstance(description.get('selection'), list):
            for key, _ in description['selection']:
                if key not in {value, None, ''}:
                    return key
    elif kind == 'many2one':
        ids = [i for i in related_ids(sessions, description['relation'])
            if i != value]
        return ids[0] if ids else None
    elif kind == 'many2many':
        ids = [i for i in related_ids(sessions, description['relation'])
            if i not in (value or [])]
        if ids:
            return [('add', ids[:1])]
        if value:
            return [('remove', value[:1])]
    elif kind == 'one2many':
        return [('create', [{}])]


def readonly_now(description, record, context):
    "Tell if the field is read-only in the record's current state"
    if description.get('readonly'):
        return True
    states = description.get('states')
    if not states:
        return False
    states = PYSONDecoder({**record, 'context': context}).decode(states)
    return bool(states.get('readonly'))


@pytest.fixture(scope='module')
def admin(tryton_url):
    return ProbeRPC(tryton_url, 'demo', 'admin', DEMO_PASSWORD)


@pytest.fixture
def user(tryton_url, login):
    return ProbeRPC(tryton_url, 'demo', login, DEMO_PASSWORD)


@pytest.fixture(scope='module')
def models(admin):
    "The names of the models of the project's modules"
    names = [m['name'] for m in admin.model('ir.model', 'search_read',
            [('module', 'in', MODULES)], 0, None, [('name', 'ASC')],
            ['name'])]
    assert {'complaint.complaint', 'whistleblower.report'} <= set(names)
    return names


def readable(admin, user, names):
    "The user's view of the models they can read: their fields and records"
    groups = user_groups(admin, user)
    hidden = defaultdict(lambda: defaultdict(list))
    for access in admin.model('ir.model.field.access', 'search_read',
            [('model', 'in', names)], 0, None, None,
            ['model', 'field', 'group', 'perm_read']):
        hidden[access['model']][access['field']].append(
            access['perm_read'] and (
                access['group'] is None or access['group'] in groups))
    for name in names:
        try:
            ids = user.model(name, 'search', [], 0, 200, None)
            fields = decode(user.model(name, 'fields_get', None))
        except (RPCError, HTTPError):
            # No access, or a relation or wizard view without RPC
            continue
        yield name, {n: d for n, d in fields.items()
            if any(hidden[name].get(n, [True]))}, ids


def user_groups(admin, user):
    return set(admin.model('res.user', 'search_read',
            [('login', '=', user.login)], 0, 1, None, ['groups'])[0]['groups'])


def probe_records(user, name, fields, ids):
    "One record of each state among those the user can read"
    names = [n for n, d in fields.items() if d['type'] not in UNPROBED_TYPES]
    chosen = {}
    for record in decode(user.model(name, 'read', ids, names)) if ids else []:
        chosen.setdefault(record.get('state'), record)
    records = list(chosen.values())
    # What changes between two reads, as the creation date of a singleton
    # not stored yet, tells nothing of a write
    again = {r['id']: r for r in decode(user.model(
                name, 'read', [r['id'] for r in records], names))}
    for record in records:
        for field in [f for f, v in again[record['id']].items()
                if record[f] != v]:
            del record[field]
    return records


@pytest.mark.sqlite_demo
@pytest.mark.parametrize('login', ROLES)
def test_readonly_fields_and_states_refused(admin, models, user, login):
    leaks = []
    for name, fields, ids in readable(admin, user, models):
        for record in probe_records(user, name, fields, ids):
            for field, description in sorted(fields.items()):
                if (description['type'] in UNPROBED_TYPES
                        or field in {'id', 'rec_name'}
                        or not readonly_now(
                            description, record, user.context)):
                    continue
                value = other_value(
                    [user, admin], description, record.get(field))
                if value is None:
                    continue
                outcome = refused(lambda: user.model(
                        name, 'write', [record['id']], {field: value}))
                if outcome:
                    leaks.append(f'{login} wrote {name}.{field} of '
                        f'{record["id"]} ({record.get("state")}): {outcome}')
            after = decode(user.model(
                    name, 'read', [record['id']], list(record)))[0]
            changed = [n for n in record if after.get(n) != record[n]]
            if changed:
                leaks.append(f'{login} changed {name} {record["id"]}: '
                    + ', '.join(f'{n} {record[n]!r} -> {after.get(n)!r}'
                        for n in changed))
    assert not leaks, '\n'.join(leaks)


@pytest.mark.sqlite_demo
@pytest.mark.parametrize('login', ROLES)
def test_no_record_created_in_a_later_state(admin, models, user, login):
    leaks = []
    for name, fields, _ in readable(admin, user, models):
        state = fields.get('state')
        if not state or not isinstance(state.get('selection'), list):
            continue
        default = user.model(name, 'default_get', ['state']).get('state')
        for key, _ in state['selection']:
            if key in {default, None, ''}:
                continue
            outcome = refused(
                lambda: user.model(name, 'create', [{'state': key}]))
            if outcome:
                leaks.append(f'{login} created {name} in {key}: {outcome}')
    assert not leaks, '\n'.join(leaks)


@pytest.mark.sqlite_demo
@pytest.mark.parametrize('login', ROLES)
def test_buttons_of_other_groups_refused(admin, models, user, login):
    groups = user_groups(admin, user)
    leaks = []
    records = {name: ids[:1] for name, _, ids in readable(admin, user, models)}
    for button in admin.model('ir.model.button', 'search_read',
            [('model', 'in', list(records))], 0, None, None,
            ['name', 'model', 'groups']):
        name, ids = button['model'], records[button['model']]
        if (not ids or not button['groups']
                or groups & set(button['groups'])):
            continue
        before = decode(user.model(name, 'read', ids, ['write_date']))
        outcome = refused(
            lambda: user.model(name, button['name'], ids))
        if outcome:
            leaks.append(
                f'{login} clicked {name}.{button["name"]}: {outcome}')
        if decode(user.model(name, 'read', ids, ['write_date'])) != before:
            leaks.append(f'{login} changed {name} {ids} by '
                f'{button["name"]}')
    assert not leaks, '\n'.join(leaks)


def later_states(user, name, description):
    "The states of the field's selection other than the model's default"
    if not isinstance(description.get('selection'), list):
        return []
    default = user.model(name, 'default_get', ['state']).get('state')
    return [key for key, _ in description['selection']
        if key not in {default, None, ''}]


@pytest.mark.sqlite_demo
@pytest.mark.parametrize('login', ROLES)
def test_no_record_copied_in_a_later_state(admin, models, user, login):
    "A copy is a creation: its default may not hold what a creation may not"
    leaks = []
    for name, fields, ids in readable(admin, user, models):
        if not ids:
            continue
        for key in later_states(user, name, fields.get('state', {})):
            count = user.model(name, 'search_count', [])
            outcome = refused(
                lambda: user.model(name, 'copy', ids[:1], {'state': key}))
            if outcome:
                leaks.append(f'{login} copied {name} in {key}: {outcome}')
            if user.model(name, 'search_count', []) != count:
                leaks.append(f'{login} added {name} by a copy in {key}')
    assert not leaks, '\n'.join(leaks)


@pytest.mark.sqlite_demo
def test_no_children_copied_with_what_only_the_system_writes(tryton_url):
    """The default of the copied children ("field.name") is checked by
    their model: the reason of a level change is the system's"""
    user = ProbeRPC(tryton_url, 'demo', 'handler', DEMO_PASSWORD)
    complaints = user.model('complaint.complaint', 'search', [], 0, 1, None)
    count = user.model('complaint.complaint', 'search_count', [])
    assert refused(lambda: user.model('complaint.complaint', 'copy',
            complaints, {'level_changes.reason': "forged"})) is None
    assert user.model('complaint.complaint', 'search_count', []) == count


@pytest.mark.sqlite_demo
def test_buttons_refused_on_records_the_user_may_not_write(admin, tryton_url):
    """The store manager reads every inspection but writes those of his
    stores only: the buttons of his group follow the same rule"""
    user = ProbeRPC(tryton_url, 'demo', 'storemanager', DEMO_PASSWORD)
    employees = admin.model('res.user', 'search_read',
        [('login', '=', 'storemanager')], 0, 1, None,
        ['employees'])[0]['employees']
    name = 'hygiene.inspection'
    others = admin.model(name, 'search', [
            ('store.manager', 'not in', employees),
            ('inspector', 'not in', employees),
            ], 0, None, None)
    assert others, "the demo has inspections of other stores"
    arch = user.model(name, 'fields_view_get', None, 'form')['arch']
    buttons = set(re.findall(r'<button [^>]*name="([a-z_]+)"', arch))
    assert {'start', 'pass_all', 'complete'} <= buttons
    before = decode(user.model(name, 'read', others, ['write_date']))
    leaks = []
    for button in buttons:
        outcome = refused(lambda: user.model(name, button, others))
        if outcome:
            leaks.append(f'clicked {name}.{button}: {outcome}')
    assert decode(user.model(name, 'read', others, ['write_date'])) == before
    assert not leaks, '\n'.join(leaks)


@pytest.mark.sqlite_demo
def test_changes_read_no_record_through_a_reference(admin, tryton_url):
    """A Reference sent to compute a record's changes names a record of its
    selection that the user may read: not a session key, not another
    store's health certificate"""
    clerk = ProbeRPC(tryton_url, 'demo', 'clerk', DEMO_PASSWORD)
    # The admin's session, opened first ("admin" logs in before the others)
    session = 1
    certificate, = admin.model(
        'hygiene.health_certificate', 'search', [], 0, 1, None)
    store, = clerk.model('hygiene.store', 'search', [], 0, 1, None)
    leaks = []
    for model, field in [
            ('complaint.intake.point', 'respondent'),
            ('complaint.complaint', 'respondent'),
            ('scheduled.activity', 'resource'),
            ('ir.attachment', 'resource'),
            ('ir.note', 'resource'),
            ('ir.action.keyword', 'model'),
            ('ir.ui.menu', 'action'),
            ('ir.error', 'origin'),
            ('ir.email', 'resource'),
            ('inbound.email', 'result'),
            ]:
        for value in [f'ir.session,{session}',
                f'hygiene.health_certificate,{certificate}']:
            try:
                changes = clerk.model(model, 'on_change', {field: value},
                    [field])
            except RPCError as refusal:
                if refusal.args[0][0] != 'UserError':
                    leaks.append(f'{model}: {refusal}')
            else:
                leaks.append(f'{model} with {value}: {changes}')
    assert not leaks, '\n'.join(leaks)
    # A store of the selection that the clerk reads names the QR code
    changes = clerk.model('complaint.intake.point', 'on_change',
        {'respondent': f'hygiene.store,{store}', 'name': None},
        ['respondent'])
    assert changes['name'] == clerk.model(
        'hygiene.store', 'read', [store], ['rec_name'])[0]['rec_name']


def own_action(admin, model, name_field, name):
    return admin.model(model, 'search', [(name_field, '=', name)],
        0, 1, None)[0]


@pytest.mark.sqlite_demo
def test_reports_and_wizards_only_with_their_own_actions(admin, tryton_url):
    """The action given with a report or a wizard is one of its own: the
    groups of another action, which trytond would read instead, give no
    access, and no report prints with another's template"""
    clerk = ProbeRPC(tryton_url, 'demo', 'clerk', DEMO_PASSWORD)
    dpo = ProbeRPC(tryton_url, 'demo', 'dpo', DEMO_PASSWORD)
    subject_request = own_action(admin, 'ir.action.report', 'report_name',
        'personal_data.subject_request.report')
    store_sheet = own_action(admin, 'ir.action.report', 'report_name',
        'hygiene.store.complaint_sheet')
    registration = own_action(admin, 'ir.action.report', 'report_name',
        'complaint.complaint.registration')
    hold = own_action(admin, 'ir.action.wizard', 'wiz_name',
        'personal_data.legal_hold.place')
    requests = dpo.model('personal_data.subject_request', 'search', [],
        0, 1, None)
    stores = clerk.model('hygiene.store', 'search', [], 0, None, None)
    points = admin.model('complaint.intake.point', 'search_count', [])
    for user, report, ids, action in [
            (dpo, 'complaint.complaint.registration', requests,
                subject_request),
            (clerk, 'hygiene.store.complaint_sheet', stores[-1:],
                registration),
            (clerk, 'complaint.complaint.registration', stores[-1:],
                store_sheet),
            ]:
        outcome = refused(lambda: user(f'report.{report}.execute', ids,
                {'action_id': action}, {**user.context, 'language': 'en'}))
        assert outcome is None, f'{user.login} printed {report}: {outcome}'
    assert admin.model('complaint.intake.point', 'search_count', []) == points
    party, = admin.model('party.party', 'search', [], 0, 1, None)
    outcome = refused(lambda: clerk('wizard.party.erase.create', {
                **clerk.context, 'language': 'en', 'active_model':
                'party.party', 'active_id': party, 'active_ids': [party],
                'action_id': hold}))
    assert outcome is None, f'clerk ran party.erase: {outcome}'


@pytest.mark.sqlite_demo
def test_wizards_take_only_the_values_of_their_forms(admin, tryton_url):
    """The data sent to a wizard holds the values of its forms only: trytond
    would set each key's values on what the key names, the class of the
    active model (its record rules, for the whole server) or the record the
    wizard checks"""
    clerk = ProbeRPC(tryton_url, 'demo', 'clerk', DEMO_PASSWORD)
    feedback = clerk.model('complaint.feedback', 'search_count', [])
    order = admin.model('complaint.complaint', 'search', [], 0, None, None)
    context = {**clerk.context, 'language': 'en',
        'active_model': 'complaint.feedback', 'active_id': None,
        'active_ids': []}
    session, _, _ = clerk('wizard.whistleblower.report.register.create',
        context)
    for data in [
            {'model': {'__access__': []}},
            {'model': {'_order': [['id', 'DESC']]}},
            {'record': {'anonymous': True}},
            {'start': {'no_such_field': True}},
            ]:
        with pytest.raises(RPCError) as error:
            clerk('wizard.whistleblower.report.register.execute', session,
                data, 'end', context)
        assert 'has no form field' in error.value.message, data
    # The rules and the order of the models are as they were
    assert clerk.model('complaint.feedback', 'search_count', []) == feedback
    assert admin.model(
        'complaint.complaint', 'search', [], 0, None, None) == order


# A value of another kind for each kind of field, as a crafted call sends it
OTHER_KIND = {
    'char': 12345, 'text': ['a list'], 'integer': 'abc', 'float': 'NaN',
    'numeric': [1], 'boolean': 'yes', 'date': '2026-13-45',
    'datetime': 12, 'timedelta': 'an hour', 'selection': ['a list'],
    'many2one': 10 ** 9, 'many2many': [('add', [10 ** 9])],
    'one2many': [('create', 'not values')],
    }


@pytest.mark.sqlite_demo
@pytest.mark.parametrize('login', ['clerk', 'handler', 'officer',
        'storemanager'])
def test_values_of_another_kind_refused(admin, models, user, login):
    """A value not of its field's kind, or naming a record that does not
    exist, is refused with a message, never stored nor failing in the
    server's code"""
    failures = []
    for name, fields, ids in readable(admin, user, models):
        if not ids:
            continue
        for field, description in fields.items():
            value = OTHER_KIND.get(description['type'])
            if value is None or description.get('readonly'):
                continue
            try:
                user.model(name, 'write', ids[:1], {field: value})
            except RPCError as error:
                if error.args[0][0] != 'UserError':
                    failures.append(
                        f'{name}.{field} = {value!r}: {error.args[0]!r:.200}')
            else:
                failures.append(f'{name}.{field} = {value!r}: accepted')
    assert not failures, '\n'.join(failures)


@pytest.mark.sqlite_demo
def test_reporter_employee_of_the_company_of_the_report(admin, tryton_url):
    """The reporter's employee record, kept only as a token that no foreign
    key checks, must be an employee of the report's company"""
    officer = ProbeRPC(tryton_url, 'demo', 'officer', DEMO_PASSWORD)
    reports = officer.model('whistleblower.report', 'search_count', [])
    employees = admin.model('company.employee', 'search', [], 0, None, None)
    context = {**officer.context, 'language': 'en'}
    session, _, _ = officer('wizard.whistleblower.report.register.create',
        context)
    start = {
        'company': officer.context['company'], 'channel': 'oral',
        'received_at': dt.datetime.now().replace(microsecond=0),
        'category': 'other', 'description': '叉车刹车失灵。',
        'case_officer': officer.context['employee'], 'anonymous': False,
        'reporter_name': '刘伟', 'reporter_employee': max(employees) + 1000,
        'reporter_contact': None,
        }
    with pytest.raises(RPCError) as error:
        officer('wizard.whistleblower.report.register.execute', session,
            {'start': start}, 'register', context)
    assert 'not one of the company of the report' in error.value.message
    assert officer.model(
        'whistleblower.report', 'search_count', []) == reports


@pytest.mark.sqlite_demo
@pytest.mark.parametrize('login', ['clerk', 'team_lead', 'storemanager'])
def test_password_digest_and_reset_code_not_searched(admin, user, login):
    """No user spells out the admin's password digest or reset code with
    searches (trytond blanks them only when read): not on the users, not
    through the users of a record"""
    admin_id, = admin.model('res.user', 'search',
        [('login', '=', 'admin')], 0, 1, None)
    admin.model('res.user', 'write', [admin_id], {
            'password_reset': 'probe-reset-code',
            'password_reset_expire': dt.datetime.now() + dt.timedelta(
                hours=1)})
    try:
        leaks = []
        for field, value in [('password_hash', '$%'),
                ('password_reset', 'probe%')]:
            clause = (field, 'like', value)
            for model, domain in [
                    ('res.user', [clause]),
                    ('complaint.category',
                        [(f'create_uid.{field}',) + clause[1:]]),
                    ('complaint.category',
                        [('create_uid', 'where', [clause])]),
                    ]:
                outcome = refused(lambda: user.model(
                        model, 'search_count', domain))
                if outcome:
                    leaks.append(
                        f'{login} searched {model} on {domain}: {outcome}')
        for field in ['password_hash', 'password_reset']:
            outcome = refused(lambda: user.model(
                    'res.user', 'read', [admin_id], [field]))
            if outcome:
                leaks.append(f'{login} read {field}: {outcome}')
        assert not leaks, '\n'.join(leaks)
    finally:
        admin.model('res.user', 'write', [admin_id],
            {'password_reset': None, 'password_reset_expire': None})


@pytest.mark.sqlite_demo
def test_searches_through_relations_match_readable_records_only(
        admin, tryton_url):
    """The second handler may not read a complaint of the incident: no
    search or export through the incident's complaints tells its phone or
    number, while the manager, who reads it, finds and exports both"""
    handler2 = ProbeRPC(tryton_url, 'demo', 'handler2', DEMO_PASSWORD)
    manager = ProbeRPC(tryton_url, 'demo', 'manager', DEMO_PASSWORD)
    readable = handler2.model('complaint.complaint', 'search', [],
        0, None, None)
    incidents = handler2.model('complaint.incident', 'search', [],
        0, None, None)
    incident, complaint = next(
        (i['id'], c) for i in admin.model('complaint.incident', 'read',
            incidents, ['id', 'complaints'])
        for c in admin.model('complaint.complaint', 'read',
            i['complaints'], ['id', 'complainant_phone', 'number'])
        if c['id'] not in readable and c['complainant_phone'])
    phone, number = complaint['complainant_phone'], complaint['number']
    assert refused(lambda: handler2.model(
            'complaint.complaint', 'read', [complaint['id']], ['id'])) is None
    for domain, on_complaint in [
            ([('complaints.complainant_phone', '=', phone)],
                [('complainant_phone', '=', phone)]),
            ([('complaints', 'where', [('complainant_phone', '=', phone)])],
                [('complainant_phone', '=', phone)]),
            ([('complaints.complainant_phone', 'like', phone[:6] + '%')],
                [('complainant_phone', 'like', phone[:6] + '%')]),
            ([('complaints', 'ilike', f'%{number}%')],
                [('number', 'ilike', f'%{number}%')]),
            ([('complaints.rec_name', 'ilike', f'%{number}%')],
                [('number', 'ilike', f'%{number}%')]),
            ]:
        # The incidents of a complaint that handler2 reads and that matches
        readable_match = admin.model('complaint.incident', 'search', [
                ('complaints', 'where',
                    [('id', 'in', readable)] + on_complaint)],
            0, None, [('id', 'ASC')])
        assert handler2.model('complaint.incident', 'search', domain,
            0, None, [('id', 'ASC')]) == readable_match, (
            f'handler2 searched the incidents by {domain}')
        assert incident in manager.model(
            'complaint.incident', 'search', domain, 0, None, None), domain
    # The number is the complaint's own
    assert incident not in admin.model('complaint.incident', 'search', [
            ('complaints', 'where',
                [('id', 'in', readable), ('number', '=', number)])],
        0, None, None)
    for path in ['complaints/complainant_phone', 'complaints']:
        outcome = refused(lambda: handler2.model(
                'complaint.incident', 'export_data', [incident], [path]))
        assert outcome is None, f'handler2 exported {path}: {outcome}'
        outcome = refused(lambda: handler2.model(
                'complaint.incident', 'export_data_domain',
                [('id', '=', incident)], [path]))
        assert outcome is None, f'handler2 exported {path}: {outcome}'
    assert [phone] in manager.model('complaint.incident', 'export_data',
        [incident], ['complaints/complainant_phone'])


@pytest.mark.sqlite_demo
def test_changes_read_no_record_through_a_many2one(admin, tryton_url):
    """The feedback's round is copied from its complaint when the complaint
    is chosen: not of a complaint the handler may not read"""
    handler2 = ProbeRPC(tryton_url, 'demo', 'handler2', DEMO_PASSWORD)
    readable = handler2.model('complaint.complaint', 'search', [],
        0, None, None)
    other, = admin.model('complaint.complaint', 'search',
        [('id', 'not in', readable), ('round', '>', 0)], 0, 1, None)
    outcome = refused(lambda: handler2.model('complaint.feedback',
            'on_change', {'complaint': other, 'round': None}, ['complaint']))
    assert outcome is None, f'the round of complaint {other}: {outcome}'
    own, = handler2.model('complaint.complaint', 'read', readable[:1],
        ['id', 'round'])
    changes = handler2.model('complaint.feedback', 'on_change',
        {'complaint': own['id'], 'round': None}, ['complaint'])
    assert changes['round'] == own['round']
