"""Access matrix of the whistleblower models.

Each role (a real user, access checks on) tries each operation on each
model; every cell of EXPECTED is asserted:

- ``Y``: allowed and it works on the record under test,
- ``N``: refused with an AccessError,
- ``0``: the search runs but does not find the record (record rule).

The record under test belongs to a report under investigation from which
``excluded_officer`` is excluded for a conflict of interest; the created
records carry the same exclusion, so he cannot create them either.
``write`` on the report changes its findings, which only case officers
write while it is investigated (leaders write no report: they decide through
the decision wizard), ``create`` of the child records targets that report,
``delete``
removes a fresh record of the same report (for reports: a fresh received
report with the same exclusion).
"""
import datetime as dt
import unittest

from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, drop_db
from trytond.transaction import Transaction, without_check_access

from whistleblower_fixture import ROLES, setup_database

OPERATIONS = ['read', 'search', 'create', 'write', 'delete', 'export']
EXPECTED = {
    # model: {role: read search create write delete export}
    'whistleblower.report': {
        'officer':           'Y Y Y Y Y Y',
        'excluded_officer':  'N 0 N N N N',
        'leader':            'Y Y N N N Y',
        'complaint_handler': 'N N N N N N',
        'employee':          'N N N N N N',
        'auditor':           'Y Y N N N Y',
        },
    'whistleblower.reporter': {
        'officer':           'Y Y N N N Y',
        'excluded_officer':  'N 0 N N N N',
        'leader':            'N N N N N N',
        'complaint_handler': 'N N N N N N',
        'employee':          'N N N N N N',
        'auditor':           'N N N N N N',
        },
    'whistleblower.message': {
        'officer':           'Y Y Y N N Y',
        'excluded_officer':  'N 0 N N N N',
        'leader':            'N N N N N N',
        'complaint_handler': 'N N N N N N',
        'employee':          'N N N N N N',
        'auditor':           'N N N N N N',
        },
    'whistleblower.note': {
        'officer':           'Y Y Y Y N Y',
        'excluded_officer':  'N 0 N N N N',
        'leader':            'N N N N N N',
        'complaint_handler': 'N N N N N N',
        'employee':          'N N N N N N',
        'auditor':           'Y Y N N N Y',
        },
    'whistleblower.sanction': {
        'officer':           'Y Y Y Y Y Y',
        'excluded_officer':  'N 0 N N N N',
        'leader':            'Y Y Y Y Y Y',
        'complaint_handler': 'N N N N N N',
        'employee':          'N N N N N N',
        'auditor':           'Y Y N N N Y',
        },
    'whistleblower.access_log': {
        'officer':           'Y Y N N N Y',
        'excluded_officer':  'N 0 N N N N',
        'leader':            'N N N N N N',
        'complaint_handler': 'N N N N N N',
        'employee':          'N N N N N N',
        'auditor':           'Y Y N N N Y',
        },
    'whistleblower.configuration': {
        role: 'N N N N N N' for role in ROLES},
    }
# The field read, written and exported on each model
FIELDS = {
    'whistleblower.report': 'findings',
    'whistleblower.reporter': 'watch_until',
    'whistleblower.message': 'text',
    'whistleblower.note': 'text',
    'whistleblower.sanction': 'person',
    'whistleblower.access_log': 'reason',
    'whistleblower.configuration': 'retention_months',
    }


class WhistleblowerAccessMatrixTestCase(unittest.TestCase):
    "Roles × models × operations of the whistleblower module"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ids = setup_database()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    def values(self, model):
        "Return the values to create a record of model"
        ids = self.ids
        now = dt.datetime.now()
        return {
            'whistleblower.report': {
                'company': ids['company'], 'channel': 'oral',
                'received_at': now, 'category': 'training',
                'description': 'No training.',
                'case_officer': ids['employees']['officer'],
                'excluded_users': [
                    ('add', [ids['users']['excluded_officer']])],
                },
            'whistleblower.reporter': {
                'report': ids['report'], 'name_token': 'x',
                },
            'whistleblower.message': {
                'report': ids['report'], 'direction': 'outgoing',
                'text': 'Thanks', 'date': now,
                },
            'whistleblower.note': {
                'report': ids['report'], 'text': 'Note', 'date': now,
                },
            'whistleblower.sanction': {
                'report': ids['report'], 'person': 'Someone',
                'type': 'demerit',
                },
            'whistleblower.access_log': {
                'report': ids['report'], 'action': 'reveal', 'date': now,
                'reason': 'Forged',
                },
            'whistleblower.configuration': {'retention_months': 1},
            }[model]

    def record_id(self, model):
        return self.ids[model.split('.')[1]]

    def fresh_record(self, model):
        "Create as root a record that the role then tries to delete"
        Model = Pool().get(model)
        with Transaction().set_user(0), without_check_access():
            if model == 'whistleblower.reporter':
                Report = Pool().get('whistleblower.report')
                report, = Report.create([self.values('whistleblower.report')])
                values = {'report': report.id, 'name_token': 'x'}
            elif model == 'whistleblower.access_log':
                # Nobody deletes a line, not even a fresh one
                return Model(self.ids['access_log'])
            elif model == 'whistleblower.configuration':
                return Model(1)
            else:
                values = self.values(model)
            record, = Model.create([values])
        return record

    def run_cell(self, role, model, operation):
        pool = Pool()
        Model = pool.get(model)
        record_id = self.record_id(model)
        field = FIELDS[model]
        try:
            if operation == 'read':
                rows = Model.read([record_id], ['id', field])
                return 'Y' if [r['id'] for r in rows] == [record_id] else '0'
            elif operation == 'search':
                found = Model.search([('id', '=', record_id)])
                return 'Y' if found else '0'
            elif operation == 'create':
                Model.create([self.values(model)])
            elif operation == 'write':
                value = {
                    'watch_until': dt.date.today(),
                    'retention_months': 1,
                    }.get(field, 'Changed')
                Model.write([Model(record_id)], {field: value})
            elif operation == 'delete':
                record = self.fresh_record(model)
                Model.delete([Model(record.id)])
            elif operation == 'export':
                rows = Model.export_data([Model(record_id)], [field])
                return 'Y' if rows else '0'
        except AccessError:
            return 'N'
        return 'Y'

    def test_matrix(self):
        "Every role, model and operation gives the expected access"
        results = {}
        for model, roles in EXPECTED.items():
            for role, row in roles.items():
                for operation, expected in zip(OPERATIONS, row.split()):
                    with Transaction().start(
                            DB_NAME, self.ids['users'][role],
                            context={
                                '_check_access': True,
                                'company': self.ids['company'],
                                }) as transaction:
                        try:
                            result = self.run_cell(role, model, operation)
                        finally:
                            transaction.rollback()
                    results[model, role, operation] = result
                    with self.subTest(
                            model=model, role=role, operation=operation):
                        self.assertEqual(result, expected)
        self.assertEqual(len(results), 7 * 6 * 6)
