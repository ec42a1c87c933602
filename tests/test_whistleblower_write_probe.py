"""Targeted attacks on the whistleblower records, as real users calling the
server the way the web client does.

Each call goes through the RPC definition of the method (the conversion of
the arguments, the access checks turned on, the decorators), in a
transaction that is rolled back, like trytond's dispatcher runs it:

- a leader copies the receipt digest of his own anonymous report onto
  another report, blanks a digest, writes a closed state and an old closing
  date, writes the decision instead of deciding through the wizard;
- the erasure destroys nothing of a report closed other than by the
  workflow;
- an officer excluded for a conflict of interest reads, writes, deletes,
  copies, clicks, prints and starts wizards on the report and its records,
  their attachments and notes: the answer is word for word the one for an
  id that does not exist; he finds none of their attachments and notes,
  sees none of the report's activities and gets none of their notices;
- nobody duplicates a message, an internal note, an access log line or an
  identity;
- the notice letter is printed only through its own action, and the
  access log gets a line only for a letter that was produced.
"""
import datetime as dt
import json
import unittest
from unittest.mock import patch

from trytond.exceptions import UserError
from trytond.modules.scheduled_activity.tests.tools import clock_at
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, drop_db
from trytond.transaction import Transaction

from whistleblower_fixture import setup_database

CODE_A = '1111222233334444'
CODE_B = '5555666677778888'
OLD = dt.datetime(2020, 1, 2, 3, 4, 5)


class Refused(Exception):
    "The server's answer to a refused call: the error's class and arguments"


class WhistleblowerWriteProbeTestCase(unittest.TestCase):
    "Write attacks and existence probes on the whistleblower records"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ids = setup_database()
        with Transaction().start(
                DB_NAME, 0, context={'company': cls.ids['company']}
                ) as transaction:
            cls._build()
            transaction.commit()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    @classmethod
    def _build(cls):
        "More reports, created as root"
        pool = Pool()
        Report = pool.get('whistleblower.report')
        Reporter = pool.get('whistleblower.reporter')
        Message = pool.get('whistleblower.message')
        Employee = pool.get('company.employee')
        ids = cls.ids

        def report(**values):
            values.setdefault('case_officer', ids['employees']['officer'])
            report = Report(
                company=ids['company'], channel='oral',
                received_at=dt.datetime.now(), category='orders',
                description='Work at height without a harness.', **values)
            report.save()
            return report

        # The leader's own anonymous report: he knows its code
        anonymous_a = report(anonymous=True)
        anonymous_a.issue_receipt(CODE_A)
        # Another anonymous report, proposed to the leaders, with a message
        # between the officer and its reporter
        anonymous_b = report(anonymous=True)
        anonymous_b.issue_receipt(CODE_B)
        Message.create([{
                    'report': anonymous_b.id, 'direction': 'outgoing',
                    'text': 'Who else saw it?',
                    }])
        Report.verify([anonymous_b])
        Report.investigate([anonymous_b])
        Report.write([anonymous_b], {
                'findings': 'Confirmed.', 'proposed_handling': 'A warning.'})
        Report.propose([anonymous_b])
        # A named report whose reporter was told the result, not closed
        notified = report()
        Reporter.record_identity(
            notified, 'Reporter of the notified report',
            Employee(ids['employees']['reporter']), 'Phone 1')
        Message.create([{
                    'report': notified.id, 'direction': 'incoming',
                    'text': 'Thank you.',
                    }])
        Report.verify([notified])
        Report.investigate([notified])
        Report.write([notified], {
                'findings': 'Confirmed.', 'proposed_handling': 'A warning.'})
        Report.propose([notified])
        Report.record_decision([notified], 'A warning.')
        Report.write([notified], {'notice_text': 'The foreman was warned.'})
        Report.notify([notified])
        # A report of the officer who is excluded later
        theirs = report(case_officer=ids['employees']['excluded_officer'])
        with Transaction().set_user(ids['users']['excluded_officer']):
            cls._plan_as_excluded_officer(theirs)
        ids.update({
                'anonymous_a': anonymous_a.id,
                'anonymous_b': anonymous_b.id,
                'notified': notified.id,
                'theirs': theirs.id,
                })
        cls._attach(theirs)
        ids['missing'] = max(
            r.id for m in ['whistleblower.report', 'ir.attachment', 'ir.note']
            for r in pool.get(m).search([])) + 1000

    @classmethod
    def _attach(cls, theirs):
        """Evidence and notes on the excluded report and on its message, and
        evidence on a report of the excluded officer"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        ids = cls.ids
        report = f"whistleblower.report,{ids['report']}"
        message = f"whistleblower.message,{ids['message']}"
        (ids['report_attachment'], ids['message_attachment'],
            ids['theirs_attachment']) = [a.id for a in Attachment.create([{
                        'resource': resource, 'name': 'evidence-1.jpg',
                        'data': b'JPEG',
                        } for resource in [report, message, str(theirs)]])]
        ids['report_ir_note'], ids['message_ir_note'] = [
            n.id for n in Note.create([{
                        'resource': resource, 'message': 'Call the foreman.',
                        } for resource in [report, message]])]

    @classmethod
    def _plan_as_excluded_officer(cls, report):
        "An activity that the excluded officer created on the excluded report"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Report = pool.get('whistleblower.report')
        excluded = Report(cls.ids['report'])
        activity = Activity.plan(
            excluded, 'feedback',
            pool.get('company.employee')(cls.ids['employees']['officer']),
            dt.datetime.now() + dt.timedelta(days=3), excluded.number)
        cls.ids['created_activity'] = activity.id

    # Calls as the dispatcher makes them

    def call(self, role, kind, name, method, *args, context=None):
        """Call kind.name.method as the role's user, as the dispatcher does,
        and roll back; return the result or raise Refused with the error"""
        pool = Pool(DB_NAME)
        user = self.ids['users'][role] if role else 0
        obj = pool.get(name, type=kind)
        rpc = obj.__rpc__[method]
        context = {'company': self.ids['company'], **(context or {})}
        with Transaction().start(
                DB_NAME, user, readonly=rpc.readonly) as transaction:
            try:
                c_args, c_kwargs, transaction.context, _ = rpc.convert(
                    obj, *args, context)
                meth = rpc.decorate(getattr(obj, method))
                if rpc.instantiate == 0 and not isinstance(
                        getattr(obj, method), type(obj.read)):
                    instances = c_args.pop(0)
                    if not isinstance(instances, list):
                        instances = [instances]
                    return [rpc.result(meth(i, *c_args, **c_kwargs))
                        for i in instances]
                return rpc.result(meth(*c_args, **c_kwargs))
            except UserError as error:
                raise Refused(type(error).__name__, error.message,
                    error.description) from error
            finally:
                transaction.rollback()

    def refusal(self, *args, **kwargs):
        "Return the refusal of the call, failing if it was accepted"
        with self.assertRaises(Refused) as context:
            self.call(*args, **kwargs)
        return context.exception.args

    def as_root(self, function):
        "Run function(pool) as root and roll back"
        with Transaction().start(
                DB_NAME, 0, context={'company': self.ids['company']}
                ) as transaction:
            try:
                return function(Pool())
            finally:
                transaction.rollback()

    def report_values(self, report_id, names):
        def read(pool):
            return pool.get('whistleblower.report').read([report_id], names)[0]
        return self.as_root(read)

    def find_by_receipt(self, code):
        def find(pool):
            report = pool.get('whistleblower.report').find_by_receipt(code)
            return report.id if report else None
        return self.as_root(find)

    # The leader's attacks

    def test_probe_can_succeed(self):
        "The officer writes what he may write: the probe sees success"
        self.call('officer', 'model', 'whistleblower.report', 'write',
            [self.ids['report']], {'findings': 'Seen on site.'})

    def test_receipt_digest_copied(self):
        "Nobody copies a receipt digest onto another report"
        digest_a = self.report_values(
            self.ids['anonymous_a'], ['receipt_digest'])['receipt_digest']
        for role in ['leader', 'officer']:
            with self.subTest(role=role):
                kind, message, _ = self.refusal(
                    role, 'model', 'whistleblower.report', 'write',
                    [self.ids['anonymous_b']], {'receipt_digest': digest_a})
                self.assertIn('AccessError', kind)
        # Nor onto a new report. Called directly: over RPC the check of the
        # values sent (EnforcedStatesMixin) refuses the category first, as
        # its states read a state that the user does not send
        def create(pool):
            Report = pool.get('whistleblower.report')
            with Transaction().set_user(self.ids['users']['officer']), \
                    Transaction().set_context(_check_access=True):
                Report.create([{
                            'company': self.ids['company'],
                            'channel': 'oral',
                            'received_at': dt.datetime.now(),
                            'category': 'other', 'description': 'A copy.',
                            'case_officer': self.ids['employees']['officer'],
                            'receipt_digest': digest_a,
                            }])
        with self.assertRaises(UserError) as context:
            self.as_root(create)
        self.assertIn('Receipt Digest', context.exception.message)
        # The code of the leader's report still finds his report only
        self.assertEqual(
            self.find_by_receipt(CODE_A), self.ids['anonymous_a'])
        self.assertEqual(
            self.find_by_receipt(CODE_B), self.ids['anonymous_b'])

    def test_receipt_digest_blanked(self):
        "Nobody blanks a receipt digest and cuts the reporter off"
        for role in ['leader', 'officer']:
            for value in [None, '']:
                with self.subTest(role=role, value=value):
                    self.refusal(
                        role, 'model', 'whistleblower.report', 'write',
                        [self.ids['anonymous_b']], {'receipt_digest': value})
        self.assertEqual(
            self.find_by_receipt(CODE_B), self.ids['anonymous_b'])

    def test_closed_state_and_date_written(self):
        "Nobody closes a report or dates its closing by writing them"
        for role in ['leader', 'officer']:
            for values in [
                    {'state': 'closed', 'closed_at': OLD},
                    {'state': 'closed'},
                    {'closed_at': OLD},
                    {'identity_erased_at': OLD},
                    {'decided_at': OLD},
                    ]:
                with self.subTest(role=role, values=values):
                    self.refusal(
                        role, 'model', 'whistleblower.report', 'write',
                        [self.ids['notified']], values)
        self.assertEqual(self.report_values(self.ids['notified'], [
                    'state', 'closed_at', 'identity_erased_at']), {
                'id': self.ids['notified'], 'state': 'notified',
                'closed_at': None, 'identity_erased_at': None})

    def test_case_officer_is_a_case_officer(self):
        """A report goes only to an employee whose user is a case officer:
        another employee could not even read it"""
        reporter = self.ids['employees']['reporter']
        kind, message, _ = self.refusal(
            'officer', 'model', 'whistleblower.report', 'write',
            [self.ids['report']], {'case_officer': reporter})
        self.assertEqual(kind, 'DomainValidationError')
        self.assertIn('Case Officer', message)
        self.assertEqual(
            self.report_values(self.ids['report'], ['case_officer']),
            {'id': self.ids['report'],
                'case_officer': self.ids['employees']['officer']})
        kind, _, _ = self.refusal(
            'officer', 'model', 'whistleblower.report', 'create', [{
                    'company': self.ids['company'], 'channel': 'oral',
                    'received_at': dt.datetime.now(), 'category': 'other',
                    'description': 'Given to a colleague.',
                    'case_officer': reporter,
                    }])
        self.assertEqual(kind, 'DomainValidationError')
        # A case officer takes over another one's report
        self.call('officer', 'model', 'whistleblower.report', 'write',
            [self.ids['theirs']],
            {'case_officer': self.ids['employees']['officer']})

    def test_no_report_created_closed(self):
        "Nobody creates a report already closed in 2020"
        self.refusal('officer', 'model', 'whistleblower.report', 'create', [{
                    'company': self.ids['company'], 'channel': 'oral',
                    'received_at': OLD, 'category': 'other',
                    'description': 'Old.',
                    'case_officer': self.ids['employees']['officer'],
                    'state': 'closed', 'closed_at': OLD,
                    }])

    def test_erasure_only_after_the_close_transition(self):
        """A report closed and dated 2020 by a direct write keeps its
        identity, messages and receipt; one closed in 2020 by the workflow
        is erased"""
        ids = self.ids

        def erase(pool, close):
            Report = pool.get('whistleblower.report')
            Reporter = pool.get('whistleblower.reporter')
            Message = pool.get('whistleblower.message')
            AccessLog = pool.get('whistleblower.access_log')
            report = Report(ids['notified'])
            close(pool, report)
            Report.erase_expired()
            report, = Report.read([ids['notified']], ['identity_erased_at'])
            return {
                'erased': report['identity_erased_at'] is not None,
                'reporters': Reporter.search_count(
                    [('report', '=', ids['notified'])]),
                'messages': Message.search_count(
                    [('report', '=', ids['notified'])]),
                'lines': sorted(l.action for l in AccessLog.search(
                        [('report', '=', ids['notified'])])),
                }

        def forged(pool, report):
            # What the attack wrote, even if nothing checked it
            table = pool.get('whistleblower.report').__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update(
                    [table.state, table.closed_at], ['closed', OLD],
                    where=table.id == report.id))

        def by_workflow(pool, report):
            with patch(
                    'trytond.modules.scheduled_activity.clock.now',
                    return_value=OLD):
                pool.get('whistleblower.report').close([report])

        self.assertEqual(self.as_root(lambda p: erase(p, forged)), {
                'erased': False, 'reporters': 1, 'messages': 1,
                'lines': []})
        self.assertEqual(self.as_root(lambda p: erase(p, by_workflow)), {
                'erased': True, 'reporters': 0, 'messages': 0,
                'lines': ['close', 'erasure']})

    def test_leader_decides_through_the_wizard(self):
        "The leader decides with the Decide wizard; the system records who"
        ids = self.ids
        report_id = ids['anonymous_b']
        context = {
            'active_model': 'whistleblower.report',
            'active_id': report_id, 'active_ids': [report_id]}
        # Writing the decision or calling the transition is refused
        self.refusal('leader', 'model', 'whistleblower.report', 'write',
            [report_id], {'decision': 'Written directly.'})
        self.assertNotIn('record_decision',
            Pool(DB_NAME).get('whistleblower.report').__rpc__)
        # The button opens the wizard
        action_id = self.call('leader', 'model', 'whistleblower.report',
            'decide', [report_id])
        self.assertEqual(action_id, self.as_root(lambda p: p.get(
                    'ir.action.wizard').search([
                        ('wiz_name', '=', 'whistleblower.report.decide'),
                        ])[0].action.id))

        def decide(pool, role, decision='A written warning.', state='decide'):
            with Transaction().set_user(ids['users'][role]), \
                    Transaction().set_context(
                        _check_access=True, **context):
                Decide = pool.get('whistleblower.report.decide', type='wizard')
                session_id, _, _ = Decide.create()
                result = Decide.execute(session_id, {}, 'start')
                Decide.execute(session_id, {
                        'start': {'decision': decision}}, state)
            report = pool.get('whistleblower.report')(report_id)
            return (result['view']['defaults']['proposed_handling'],
                report.state, report.decision,
                report.decided_by.id if report.decided_by else None,
                report.decided_at is not None)

        self.assertEqual(self.as_root(lambda p: decide(p, 'leader')), (
                'A warning.', 'decided', 'A written warning.',
                ids['employees']['leader'], True))
        # Neither an officer nor a blank decision
        with self.assertRaises(UserError):
            self.as_root(lambda p: decide(p, 'officer'))
        with self.assertRaises(UserError):
            self.as_root(lambda p: decide(p, 'leader', decision=' '))
        # Nor a report that is not proposed
        context.update(
            active_id=ids['notified'], active_ids=[ids['notified']])
        with self.assertRaises(UserError):
            self.as_root(lambda p: decide(p, 'leader'))

    # The excluded officer

    def same_as_missing(self, role, kind, name, method, make_args,
            context=None, report_context=False, record_key=None):
        """Assert that the call on the excluded id and on a missing id get
        the same answer, the id aside"""
        answers = []
        for key in ['excluded', 'missing']:
            record_id = self.ids[{
                    'excluded': record_key or self.record_key(name),
                    'missing': 'missing'}[key]]
            report_id = self.ids[{
                    'excluded': 'report', 'missing': 'missing'}[key]]
            call_context = dict(context or {})
            if report_context:
                call_context.update(active_model='whistleblower.report',
                    active_id=record_id, active_ids=[record_id])
            kind_, message, description = self.refusal(
                role, kind, name, method,
                *make_args(record_id, report_id), context=call_context)
            answers.append((kind_,
                    message.replace(f'"{record_id}"', '"ID"').replace(
                        f'"{report_id}"', '"ID"'),
                    description))
        self.assertEqual(answers[0], answers[1])
        self.assertNotIn('rule', answers[0][1])
        self.assertNotIn('conflict', answers[0][1])
        return answers[0]

    def record_key(self, name):
        "The key in ids of the excluded record of the model"
        key = name.split('.')[-1]
        return key if key in self.ids and key != 'report' else 'report'

    def test_excluded_report_is_missing(self):
        "Every call on the excluded report answers as for a missing id"
        report = 'whistleblower.report'
        now = dt.datetime.now()
        cases = [
            ('model', report, 'read', lambda i, r: ([i], ['number'])),
            ('model', report, 'read', lambda i, r: ([i], ['id'])),
            ('model', report, 'write',
                lambda i, r: ([i], {'findings': 'x'})),
            ('model', report, 'write',
                lambda i, r: ([i], {'state': 'closed'})),
            ('model', report, 'write',
                lambda i, r: ([i], {'excluded_users': [('remove', [1])]})),
            ('model', report, 'delete', lambda i, r: ([i],)),
            ('model', report, 'copy', lambda i, r: ([i], {})),
            ('model', report, 'export_data', lambda i, r: ([i], ['number'])),
            ('model', report, 'resources', lambda i, r: (i,)),
            ('model', report, 'verify', lambda i, r: ([i],)),
            ('model', report, 'investigate', lambda i, r: ([i],)),
            ('model', report, 'propose', lambda i, r: ([i],)),
            ('model', report, 'decide', lambda i, r: ([i],)),
            ('model', report, 'close', lambda i, r: ([i],)),
            ('model', report, 'reveal', lambda i, r: ([i],)),
            ('model', report, 'new_receipt', lambda i, r: ([i],)),
            ('model', report, 'acknowledge', lambda i, r: ([i],)),
            ('model', 'whistleblower.reporter', 'read',
                lambda i, r: ([i], ['watch_until'])),
            ('model', 'whistleblower.message', 'read',
                lambda i, r: ([i], ['text'])),
            ('model', 'whistleblower.message', 'write',
                lambda i, r: ([i], {'text': 'x'})),
            ('model', 'whistleblower.message', 'create',
                lambda i, r: ([{'report': r, 'direction': 'outgoing',
                            'text': 'Posted as the officer', 'date': now}],)),
            ('model', 'whistleblower.note', 'read',
                lambda i, r: ([i], ['text'])),
            ('model', 'whistleblower.note', 'write',
                lambda i, r: ([i], {'text': 'x'})),
            ('model', 'whistleblower.note', 'create',
                lambda i, r: ([{'report': r, 'text': 'x'}],)),
            ('model', 'whistleblower.sanction', 'read',
                lambda i, r: ([i], ['person'])),
            ('model', 'whistleblower.sanction', 'write',
                lambda i, r: ([i], {'person': 'x'})),
            ('model', 'whistleblower.sanction', 'delete',
                lambda i, r: ([i],)),
            ('model', 'whistleblower.sanction', 'create',
                lambda i, r: ([{'report': r, 'person': 'x',
                            'type': 'warning'}],)),
            ('model', 'whistleblower.access_log', 'read',
                lambda i, r: ([i], ['reason'])),
            ]
        cases += [('model', name, 'copy', lambda i, r: ([i], {}))
            for name in [
                'whistleblower.reporter', 'whistleblower.message',
                'whistleblower.note', 'whistleblower.sanction',
                'whistleblower.access_log']]
        for kind, name, method, make_args in cases:
            with self.subTest(name=name, method=method, args=make_args(
                        'ID', 'REPORT')):
                kind_, message, _ = self.same_as_missing(
                    'excluded_officer', kind, name, method, make_args)
                self.assertIn('AccessError', kind_)
        # A case officer who is not excluded reads it
        self.call('officer', 'model', report, 'read',
            [self.ids['report']], ['number'])

    def test_excluded_attachments_and_notes_are_missing(self):
        """Every call on the attachments and notes of the excluded report
        and of its message answers as for a missing id"""
        attachment, note = 'ir.attachment', 'ir.note'

        def create_attachment(resource):
            return lambda i, r: ([{
                            'resource': resource.format(i=i, r=r),
                            'name': 'evidence-2.jpg', 'data': b'JPEG'}],)

        def create_note(resource):
            return lambda i, r: ([{
                            'resource': resource.format(i=i, r=r),
                            'message': 'x'}],)
        cases = []
        for key in ['report_attachment', 'message_attachment']:
            cases += [
                (attachment, key, 'read',
                    lambda i, r: ([i], ['name', 'data'])),
                (attachment, key, 'write', lambda i, r: ([i], {'name': 'x'})),
                (attachment, key, 'delete', lambda i, r: ([i],)),
                (attachment, key, 'copy', lambda i, r: ([i], {})),
                (attachment, key, 'copy', lambda i, r: ([i], {
                            'resource': f"whistleblower.report,"
                            f"{self.ids['theirs']}"})),
                (attachment, key, 'export_data',
                    lambda i, r: ([i], ['name', 'data'])),
                ]
        for key in ['report_ir_note', 'message_ir_note']:
            cases += [
                (note, key, 'read', lambda i, r: ([i], ['message'])),
                (note, key, 'write', lambda i, r: ([i], {'message': 'x'})),
                (note, key, 'write', lambda i, r: ([i], {'unread': False})),
                (note, key, 'delete', lambda i, r: ([i],)),
                (note, key, 'copy', lambda i, r: ([i], {})),
                (note, key, 'export_data', lambda i, r: ([i], ['message'])),
                ]
        cases += [
            (attachment, 'report', 'create',
                create_attachment('whistleblower.report,{r}')),
            (attachment, 'message', 'create',
                create_attachment('whistleblower.message,{i}')),
            (note, 'report', 'create',
                create_note('whistleblower.report,{r}')),
            (note, 'message', 'create',
                create_note('whistleblower.message,{i}')),
            # His evidence moved onto the report
            (attachment, 'report', 'write', lambda i, r: (
                    [self.ids['theirs_attachment']],
                    {'resource': f'whistleblower.report,{r}'})),
            ]
        for name, key, method, make_args in cases:
            with self.subTest(name=name, key=key, method=method,
                    args=make_args('ID', 'REPORT')):
                kind, _, _ = self.same_as_missing(
                    'excluded_officer', 'model', name, method, make_args,
                    record_key=key)
                self.assertIn('AccessError', kind)
        # A case officer who is not excluded reads them
        self.call('officer', 'model', attachment, 'read',
            [self.ids['report_attachment']], ['data'])
        self.call('officer', 'model', note, 'read',
            [self.ids['report_ir_note']], ['message'])

    def test_excluded_attachments_and_notes_not_found(self):
        "The excluded officer finds no attachment or note of the report"
        ids = self.ids
        for name, keys in [
                ('ir.attachment', ['report_attachment', 'message_attachment']),
                ('ir.note', ['report_ir_note', 'message_ir_note'])]:
            domain = ['OR',
                ('resource', '=', f"whistleblower.report,{ids['report']}"),
                ('resource', '=', f"whistleblower.message,{ids['message']}"),
                ('id', 'in', [ids[k] for k in keys]),
                ]
            with self.subTest(name=name):
                self.assertEqual(self.call('excluded_officer', 'model', name,
                        'search_read', domain, 0, None, None, ['resource']),
                    [])
                self.assertEqual(self.call('excluded_officer', 'model', name,
                        'search_count', domain), 0)
                self.assertEqual(sorted(self.call('officer', 'model', name,
                            'search', domain, 0, None, None)),
                    sorted(ids[k] for k in keys))
        # Those of his own reports are counted
        resources, = self.call('excluded_officer', 'model',
            'whistleblower.report', 'resources', ids['theirs'])
        self.assertEqual(resources['attachment_count'], 1)

    # The records of the case

    def test_records_of_the_case_not_copied(self):
        """Nobody duplicates a message, a note, a log line or an identity:
        the copy would forge who wrote it, when and on which report"""
        ids = self.ids
        other = ids['anonymous_b']
        cases = [
            ('whistleblower.message', ids['message'], {
                    'report': other, 'direction': 'incoming',
                    'author': ids['users']['leader']}),
            ('whistleblower.message', ids['message'], {}),
            ('whistleblower.note', ids['note'], {}),
            ('whistleblower.note', ids['note'], {'report': other}),
            ('whistleblower.access_log', ids['access_log'], {}),
            ('whistleblower.reporter', ids['reporter'], {}),
            ('whistleblower.reporter', ids['reporter'], {'report': other}),
            ]
        for name, record_id, default in cases:
            with self.subTest(name=name, default=default):
                kind, message, _ = self.refusal('officer', 'model', name,
                    'copy', [record_id], default)
                if not default:
                    self.assertEqual(kind, 'CopyError')
                    self.assertIn('cannot be duplicated', message)

        def copy(pool, name, record_id, default):
            Model = pool.get(name)
            before = Model.search_count([])
            try:
                with Transaction().set_user(ids['users']['officer']), \
                        Transaction().set_context(_check_access=True):
                    Model.copy([Model(record_id)], default)
            except UserError as error:
                result = type(error).__name__
            else:
                result = 'copied'
            return result, Model.search_count([]) - before
        for name, record_id, default in cases:
            with self.subTest(name=name, default=default, count=True):
                self.assertEqual(self.as_root(
                        lambda p: copy(p, name, record_id, default)),
                    ('CopyError', 0))
        # A sanction's copy is a new sanction, checked as one
        self.assertEqual(self.as_root(lambda p: copy(
                    p, 'whistleblower.sanction', ids['sanction'], {})),
            ('copied', 1))

    def test_excluded_report_wizards_and_print(self):
        "The wizards and the notice on the excluded report: as if missing"
        pool = Pool(DB_NAME)
        with Transaction().start(DB_NAME, 0) as transaction:
            action_id, = [a.id for a in pool.get('ir.action.report').search(
                    [('report_name', '=', 'whistleblower.report.notice')])]
            transaction.rollback()
        for wizard in [
                'whistleblower.report.reveal', 'whistleblower.report.receipt',
                'whistleblower.report.decide']:
            for role in ['excluded_officer']:
                with self.subTest(wizard=wizard, role=role):
                    self.same_as_missing(role, 'wizard', wizard, 'create',
                        lambda i, r: (), report_context=True)
        with self.subTest(report='notice'):
            self.same_as_missing('excluded_officer', 'report',
                'whistleblower.report.notice', 'execute',
                lambda i, r: ([i], {'action_id': action_id}))

    def test_no_activity_of_the_excluded_report(self):
        """The excluded officer sees no activity of the report, not even
        the one he created"""
        ids = self.ids
        resource = f"whistleblower.report,{ids['report']}"

        def activities(role):
            return self.call(role, 'model', 'scheduled.activity', 'search',
                [('resource', '=', resource)], 0, None, None)
        found = activities('officer')
        self.assertIn(ids['created_activity'], found)
        self.assertEqual(activities('excluded_officer'), [])
        visible = self.call('excluded_officer', 'model',
            'scheduled.activity', 'search_read', [], 0, None, None,
            ['resource'])
        self.assertNotIn(resource, [a['resource'] for a in visible])
        # Those of the reports he was given are there
        self.assertIn(f"whistleblower.report,{ids['theirs']}",
            [a['resource'] for a in visible])
        kind, message, _ = self.refusal('excluded_officer', 'model',
            'scheduled.activity', 'read', [ids['created_activity']],
            ['subject'])
        self.assertIn('AccessError', kind)
        # Nor plans one on it: the answer is that of a missing report
        feedback = self.as_root(lambda pool: pool.get(
                'scheduled.activity.type').get_by_code('feedback').id)
        kind, _, _ = self.same_as_missing('excluded_officer', 'model',
            'scheduled.activity', 'create', lambda i, r: ([{
                        'company': ids['company'],
                        'resource': f"whistleblower.report,{r}",
                        'type': feedback,
                        'subject': "probe",
                        'assignee': ids['employees']['excluded_officer'],
                        'due': dt.datetime.now() + dt.timedelta(days=1),
                        }],))
        self.assertIn('AccessError', kind)

    def test_no_notice_of_the_excluded_report(self):
        """Reminders and escalations of the report's activities go to no
        excluded user, while the same user gets those of other reports"""
        ids = self.ids

        def remind(pool):
            Employee = pool.get('company.employee')
            Activity = pool.get('scheduled.activity')
            Notification = pool.get('res.notification')
            # The excluded officer supervises the case officer
            officer = Employee(ids['employees']['officer'])
            officer.supervisor = Employee(
                ids['employees']['excluded_officer'])
            officer.save()
            far = dt.datetime.now() + dt.timedelta(days=400)
            with clock_at(far):
                Activity.send_reminders()
            by_user = {}
            for notification in Notification.search([
                        ('model', '=', 'scheduled.activity')]):
                for activity in Activity.browse(
                        json.loads(notification.records)):
                    by_user.setdefault(notification.user.id, set()).add(
                        activity.resource.id if activity.resource else None)
            return by_user

        by_user = self.as_root(remind)
        excluded = by_user.get(ids['users']['excluded_officer'], set())
        self.assertNotIn(ids['report'], excluded)
        self.assertIn(ids['anonymous_a'], excluded)
        self.assertIn(ids['report'], by_user[ids['users']['officer']])

    def test_case_officer_excluded_hands_over(self):
        """When the case officer is excluded, another officer takes the
        report and its planned activities"""
        ids = self.ids

        def exclude(pool, users, role='officer'):
            Report = pool.get('whistleblower.report')
            Activity = pool.get('scheduled.activity')
            resource = f"whistleblower.report,{ids['theirs']}"
            before = {a.assignee.id for a in Activity.search([
                        ('resource', '=', resource),
                        ('state', '=', 'planned')])}
            with Transaction().set_user(ids['users'][role] if role else 0), \
                    Transaction().set_context(_check_access=bool(role)):
                Report.write([Report(ids['theirs'])], {
                        'excluded_users': [('add', users)]})
            report = Report(ids['theirs'])
            after = Activity.search([
                    ('resource', '=', resource), ('state', '=', 'planned')])
            return (before, report.case_officer.id,
                {a.assignee.id for a in after},
                {a.reminded_at for a in after})

        self.assertEqual(self.as_root(lambda p: exclude(
                    p, [ids['users']['excluded_officer']])), (
                {ids['employees']['excluded_officer']},
                ids['employees']['officer'],
                {ids['employees']['officer']}, {None}))
        # Without another officer, the exclusion is refused
        with self.assertRaises(UserError) as context:
            self.as_root(lambda p: exclude(p, [
                        ids['users']['excluded_officer'],
                        ids['users']['officer']], role=None))
        self.assertEqual(
            type(context.exception).__name__, 'ReportValidationError')

    # The notice letter

    def test_notice_only_through_its_own_action(self):
        """Another action's id prints nothing and logs nothing; the right
        one logs the letter"""
        ids = self.ids

        def print_notice(pool, role, action_name, report_key):
            ActionReport = pool.get('ir.action.report')
            AccessLog = pool.get('whistleblower.access_log')
            Notice = pool.get('whistleblower.report.notice', type='report')
            action, = ActionReport.search(
                [('report_name', '=', action_name)], limit=1)
            before = AccessLog.search_count([])
            try:
                with Transaction().set_user(ids['users'][role]), \
                        Transaction().set_context(_check_access=True):
                    result = Notice.execute(
                        [ids[report_key]], {'action_id': action.id})
            except UserError as error:
                result = type(error).__name__
            lines = AccessLog.search([], order=[('id', 'DESC')],
                limit=AccessLog.search_count([]) - before)
            return result, [(l.action, l.report.id) for l in lines]

        result, lines = self.as_root(lambda p: print_notice(
                p, 'officer', 'party.label', 'report'))
        self.assertEqual((result, lines), ('NoticeActionError', []))
        result, lines = self.as_root(lambda p: print_notice(
                p, 'excluded_officer', 'party.label', 'report'))
        self.assertEqual((result, lines), ('NoticeActionError', []))
        result, lines = self.as_root(lambda p: print_notice(
                p, 'excluded_officer', 'whistleblower.report.notice',
                'report'))
        self.assertEqual((result, lines), ('AccessError', []))
        result, lines = self.as_root(lambda p: print_notice(
                p, 'officer', 'whistleblower.report.notice', 'report'))
        self.assertEqual(result[0], 'odt')
        self.assertEqual(lines, [('notice', ids['report'])])
