"""Leak probes: no path gives the reporter's identity to a non-officer.

Every probe runs as each role that must not know who reported (excluded
officer, leader, complaint handler, ordinary employee, auditor) with the
access checks on, and fails if REPORTER_NAME or REPORTER_CONTACT shows up or
if the path is open. The last probes look at the whole database as root.
"""
import datetime as dt
import io
import json
import unittest
import zipfile

from sql import Table

from trytond import backend
from trytond.model import ChatMixin
from trytond.model.exceptions import AccessError
from trytond.modules.scheduled_activity.tests.tools import clock_at
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, drop_db
from trytond.transaction import Transaction

from whistleblower_fixture import (
    REPORTER_CONTACT, REPORTER_NAME, setup_database)

NON_OFFICERS = [
    'excluded_officer', 'leader', 'complaint_handler', 'employee', 'auditor']
WHISTLEBLOWER_MODELS = [
    'whistleblower.report', 'whistleblower.reporter',
    'whistleblower.message', 'whistleblower.note', 'whistleblower.sanction',
    'whistleblower.access_log', 'whistleblower.configuration']
SECRETS = [REPORTER_NAME, REPORTER_CONTACT]


class WhistleblowerLeakTestCase(unittest.TestCase):
    "Leak probes of the whistleblower identity"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ids = setup_database()
        cls._officer_actions()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    @classmethod
    def _officer_actions(cls):
        """The officer reveals the reporter as through the client; a scan is
        attached to the identity; committed"""
        ids = cls.ids
        with Transaction().start(
                DB_NAME, ids['users']['officer'],
                context={'_check_access': True, 'company': ids['company']}
                ) as transaction:
            pool = Pool()
            Reveal = pool.get('whistleblower.report.reveal', type='wizard')
            with transaction.set_context(
                    active_model='whistleblower.report',
                    active_id=ids['report'], active_ids=[ids['report']]):
                session_id, _, _ = Reveal.create()
                result = Reveal.execute(
                    session_id, {'start': {'reason': 'Interview'}}, 'reveal')
                values = result['view']['defaults']
                # The client sends the shown values back when closing
                Reveal.execute(session_id, {'show': {
                            k: v for k, v in values.items() if '.' not in k}},
                    'end')
                Reveal.delete(session_id)
            cls.revealed = values
            transaction.commit()
        # Officers cannot write the identity, so neither attach to it: the
        # scan of a signed report is attached by the server
        with Transaction().start(DB_NAME, 0) as transaction:
            Attachment = Pool().get('ir.attachment')
            attachment, = Attachment.create([{
                        'name': 'signed-report.pdf',
                        'resource': (
                            f"whistleblower.reporter,{ids['reporter']}"),
                        'data': b'%PDF scan',
                        }])
            ids['attachment'] = attachment.id
            transaction.commit()
        # The evidence and a note of the toolbar on the report
        with Transaction().start(
                DB_NAME, ids['users']['officer'],
                context={'_check_access': True, 'company': ids['company']}
                ) as transaction:
            pool = Pool()
            Attachment = pool.get('ir.attachment')
            Note = pool.get('ir.note')
            resource = f"whistleblower.report,{ids['report']}"
            evidence, = Attachment.create([{
                        'name': 'evidence-1.jpg', 'resource': resource,
                        'data': b'JPEG',
                        }])
            note, = Note.create([{
                        'resource': resource,
                        'message': 'The foreman knows who called.',
                        }])
            ids['evidence'], ids['ir_note'] = evidence.id, note.id
            transaction.commit()

    def as_user(self, role):
        return Transaction().start(
            DB_NAME, self.ids['users'][role],
            context={'_check_access': True, 'company': self.ids['company']})

    def assert_no_secret(self, value):
        text = json.dumps(value, default=str, ensure_ascii=False)
        for secret in SECRETS:
            self.assertNotIn(secret, text)

    def probe(self, call):
        "Run call as every non-officer; return the results by role"
        results = {}
        for role in NON_OFFICERS:
            with self.as_user(role) as transaction:
                try:
                    result = call()
                except AccessError:
                    result = 'denied'
                finally:
                    transaction.rollback()
            with self.subTest(role=role):
                self.assert_no_secret(result)
            results[role] = result
        return results

    def test_probe_detects_the_identity(self):
        "The officer's reveal showed the identity: the probes can see it"
        self.assertEqual(self.revealed['reporter_name'], REPORTER_NAME)
        with self.assertRaises(AssertionError):
            self.assert_no_secret(self.revealed)

    def test_read(self):
        "Reading the reporter is refused; the report holds no identity"
        pool = Pool(DB_NAME)

        def read_reporter():
            Reporter = pool.get('whistleblower.reporter')
            return Reporter.read(
                [self.ids['reporter']], list(Reporter._fields))

        results = self.probe(read_reporter)
        self.assertEqual(set(results.values()), {'denied'})

        def read_report():
            Report = pool.get('whistleblower.report')
            return Report.read([self.ids['report']], [
                    n for n, f in Report._fields.items()
                    if f._type not in {'one2many', 'many2many'}])
        results = self.probe(read_report)
        self.assertEqual(results['excluded_officer'], 'denied')
        self.assertEqual(results['employee'], 'denied')
        self.assertNotEqual(results['leader'], 'denied')

    def test_search_domain_on_reporter_fields(self):
        "A domain on the identity finds nothing"
        pool = Pool(DB_NAME)

        def search_tokens():
            Reporter = pool.get('whistleblower.reporter')
            return Reporter.search([
                    ('name_token', '!=', None),
                    ('report', '=', self.ids['report']),
                    ])
        results = self.probe(search_tokens)
        self.assertEqual(results['excluded_officer'], [])
        self.assertEqual(results['leader'], 'denied')

        def search_report_by_name():
            Report = pool.get('whistleblower.report')
            return Report.search(['OR',
                    ('description', 'ilike', f'%{REPORTER_NAME}%'),
                    ('persons_concerned', 'ilike', f'%{REPORTER_NAME}%'),
                    ('access_logs.reason', 'ilike', f'%{REPORTER_NAME}%'),
                    ])
        results = self.probe(search_report_by_name)
        self.assertEqual(results['leader'], 'denied')
        self.assertEqual(results['auditor'], [])

    def test_search_rec_name(self):
        "search_rec_name gives no identity and finds nothing by the name"
        pool = Pool(DB_NAME)

        def rec_names():
            Report = pool.get('whistleblower.report')
            reports = Report.search([('rec_name', 'ilike', '%')])
            by_name = Report.search(
                [('rec_name', 'ilike', f'%{REPORTER_NAME}%')])
            return [r.rec_name for r in reports], by_name
        results = self.probe(rec_names)
        self.assertEqual(results['leader'][1], [])
        self.assertEqual(results['excluded_officer'], ([], []))

        def reporter_rec_names():
            Reporter = pool.get('whistleblower.reporter')
            return Reporter.search([('rec_name', 'ilike', '%')])
        results = self.probe(reporter_rec_names)
        self.assertEqual(results['excluded_officer'], [])
        self.assertEqual(results['leader'], 'denied')

    def test_order_by_reporter_fields(self):
        "Ordering by the identity is refused or orders nothing"
        pool = Pool(DB_NAME)

        def ordered():
            Reporter = pool.get('whistleblower.reporter')
            return Reporter.search([], order=[
                    ('name_token', 'ASC'), ('employee_digest', 'ASC')])
        results = self.probe(ordered)
        self.assertEqual(results['excluded_officer'], [])
        self.assertEqual(results['leader'], 'denied')

    def test_export_data(self):
        "Exports give no identity, even through relations"
        pool = Pool(DB_NAME)
        Report = pool.get('whistleblower.report')
        names = [n for n, f in Report._fields.items()
            if f._type not in {'one2many', 'many2many'}]

        def export_report():
            Report = pool.get('whistleblower.report')
            return Report.export_data(
                [Report(self.ids['report'])],
                names + ['messages/text', 'access_logs/reason'])
        results = self.probe(export_report)
        self.assertEqual(results['excluded_officer'], 'denied')
        self.assertEqual(results['leader'], 'denied')

        def export_reporter():
            Reporter = pool.get('whistleblower.reporter')
            return Reporter.export_data(
                [Reporter(self.ids['reporter'])],
                ['name_token', 'contact_token', 'rec_name'])
        results = self.probe(export_reporter)
        self.assertEqual(set(results.values()), {'denied'})

    def test_function_fields(self):
        "No Function field of the module computes the identity"
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, 0) as transaction:
            for model in WHISTLEBLOWER_MODELS:
                Model = pool.get(model)
                names = [n for n, f in Model._fields.items()
                    if hasattr(f, 'getter')]
                records = Model.search([])
                with self.subTest(model=model):
                    self.assertTrue(records)
                    self.assert_no_secret(
                        Model.read([r.id for r in records], names))
                    self.assert_no_secret([r.rec_name for r in records])
            transaction.rollback()

    def test_reports(self):
        "Only the notice has the name, and only case officers print it"
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, 0) as transaction:
            ActionReport = pool.get('ir.action.report')
            actions = ActionReport.search([
                    ('model', 'like', 'whistleblower.%')])
            self.assertEqual(
                [a.report_name for a in actions],
                ['whistleblower.report.notice'])
            action_id = actions[0].id
            transaction.rollback()

        def print_notice():
            Notice = pool.get('whistleblower.report.notice', type='report')
            return Notice.execute(
                [self.ids['report']], {'action_id': action_id})
        results = self.probe(print_notice)
        self.assertEqual(set(results.values()), {'denied'})

        with self.as_user('officer') as transaction:
            Notice = pool.get('whistleblower.report.notice', type='report')
            _, content, _, _ = Notice.execute(
                [self.ids['report']], {'action_id': action_id})
            text = zipfile.ZipFile(io.BytesIO(content)).read('content.xml')
            self.assertIn(REPORTER_NAME, text.decode())
            transaction.rollback()

    def test_notifications(self):
        "Retaliation alerts and activity reminders name the report only"
        pool = Pool(DB_NAME)
        with Transaction().start(
                DB_NAME, 0, context={'company': self.ids['company']}
                ) as transaction:
            Employee = pool.get('company.employee')
            Notification = pool.get('res.notification')
            Activity = pool.get('scheduled.activity')
            employee = Employee(self.ids['employees']['reporter'])
            employee.end_date = dt.date.today()
            employee.save()
            far = dt.datetime.now() + dt.timedelta(days=400)
            with clock_at(far):
                Activity.send_reminders()
            notifications = Notification.search([])
            self.assertTrue(any(
                    'Retaliation' in (n.label or '') for n in notifications))
            users = {n.user.login for n in notifications
                if 'Retaliation' in (n.label or '')}
            self.assertEqual(users, {'officer'})
            self.assert_no_secret(Notification.read(
                    [n.id for n in notifications],
                    ['label', 'description', 'records']))
            transaction.rollback()

    def test_attachments_of_the_reporter(self):
        "Attachments of the identity stay with the case officers"
        pool = Pool(DB_NAME)

        def attachments():
            Attachment = pool.get('ir.attachment')
            found = Attachment.search([
                    ('resource', 'like', 'whistleblower.reporter,%')])
            try:
                Attachment.read([self.ids['attachment']], ['name', 'data'])
            except AccessError:
                return found, 'denied'
            return found, 'read'
        results = self.probe(attachments)
        for role, result in results.items():
            with self.subTest(role=role):
                self.assertIn(result, ['denied', ([], 'denied')])

    def test_notes_and_evidence_of_the_report(self):
        """The notes of the toolbar on a report are internal notes, as those
        of its tab; the evidence goes with the report"""
        pool = Pool(DB_NAME)
        resource = f"whistleblower.report,{self.ids['report']}"

        def found_and_read(name, record_id, field):
            Model = pool.get(name)
            found = [r.id for r in Model.search([('resource', '=', resource)])]
            try:
                Model.read([record_id], [field])
            except AccessError:
                return found, 'denied'
            return found, 'read'

        def notes():
            return found_and_read('ir.note', self.ids['ir_note'], 'message')
        results = self.probe(notes)
        self.assertEqual(results['auditor'], ([self.ids['ir_note']], 'read'))
        for role in ['excluded_officer', 'leader', 'complaint_handler',
                'employee']:
            with self.subTest(role=role):
                self.assertEqual(results[role], ([], 'denied'))

        def evidence():
            return found_and_read(
                'ir.attachment', self.ids['evidence'], 'data')
        results = self.probe(evidence)
        for role in ['leader', 'auditor']:
            with self.subTest(role=role):
                self.assertEqual(
                    results[role], ([self.ids['evidence']], 'read'))
        self.assertEqual(results['excluded_officer'], ([], 'denied'))
        for role in ['complaint_handler', 'employee']:
            with self.subTest(role=role):
                self.assertEqual(results[role], 'denied')

        def counts():
            Report = pool.get('whistleblower.report')
            return Report(self.ids['report']).resources()
        self.assertEqual(self.probe(counts)['leader'], {
                'attachment_count': 1, 'note_count': 0, 'note_unread': 0})

        # The case officers keep the notes as those of the tab: they write
        # them but delete none
        with self.as_user('officer') as transaction:
            Note = pool.get('ir.note')
            note = Note(self.ids['ir_note'])
            Note.write([note], {'message': 'Ask the foreman.'})
            with self.assertRaises(AccessError):
                Note.delete([note])
            transaction.rollback()
        # A leader reads the report but writes no note on it
        with self.as_user('leader') as transaction:
            Note = pool.get('ir.note')
            with self.assertRaises(AccessError):
                Note.create([{'resource': resource, 'message': 'Seen.'}])
            transaction.rollback()

    def test_model_log(self):
        "ir.model.log keeps field names, never values"
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, 0) as transaction:
            Log = pool.get('ir.model.log')
            logs = Log.search([])
            self.assertTrue(logs)
            self.assert_no_secret(
                Log.read([l.id for l in logs], list(Log._fields)))
            transaction.rollback()

        def reporter_logs():
            Log = pool.get('ir.model.log')
            return Log.search([
                    ('resource', 'like', 'whistleblower.reporter,%')])
        results = self.probe(reporter_logs)
        for role, result in results.items():
            with self.subTest(role=role):
                self.assertIn(result, [[], 'denied'])

    def test_chat_and_bus(self):
        "No chat channel can exist on the module's models"
        pool = Pool(DB_NAME)
        for model in WHISTLEBLOWER_MODELS:
            with self.subTest(model=model):
                self.assertFalse(issubclass(pool.get(model), ChatMixin))
        with Transaction().start(DB_NAME, 0) as transaction:
            Channel = pool.get('ir.chat.channel')
            self.assertFalse([m for m, _ in Channel.get_models()
                    if m.startswith('whistleblower.')])
            transaction.rollback()

        def post():
            Channel = pool.get('ir.chat.channel')
            results = []
            for resource in [
                    f"whistleblower.reporter,{self.ids['reporter']}",
                    f"whistleblower.report,{self.ids['report']}"]:
                try:
                    Channel.post(resource, 'Who reported this?')
                    results.append(Channel.get(resource))
                except Exception as exception:
                    results.append(type(exception).__name__)
            return results
        results = self.probe(post)
        for role, result in results.items():
            with self.subTest(role=role):
                self.assertNotIn(None, result)
                self.assertTrue(all(isinstance(r, str) for r in result)
                    or result == 'denied')

    def test_database_holds_no_plaintext(self):
        "No column of any table holds the name or the contact"
        with Transaction().start(DB_NAME, 0) as transaction:
            cursor = transaction.connection.cursor()
            if backend.name == 'sqlite':
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")
            else:
                cursor.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = 'public'")
            tables = [t for t, in cursor]
            self.assertIn('whistleblower_reporter', tables)
            for name in tables:
                table = Table(name)
                cursor.execute(*table.select())
                for row in cursor:
                    text = ' '.join(
                        bytes(v).decode('utf-8', 'replace')
                        if isinstance(v, (bytes, memoryview)) else str(v)
                        for v in row)
                    for secret in SECRETS:
                        self.assertNotIn(secret, text, msg=name)
            cursor.execute(
                'SELECT name_token, contact_token FROM whistleblower_reporter')
            (name_token, contact_token), = cursor.fetchall()
            self.assertTrue(name_token.startswith('gAAAA'))
            self.assertTrue(contact_token.startswith('gAAAA'))
            transaction.rollback()
