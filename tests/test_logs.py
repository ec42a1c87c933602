"""What the server writes down besides its database: its log and its
configuration files.

A whole whistleblower case runs through the public pages and the JSON-RPC
interface the web client uses, at INFO level with a handler that keeps every
log record of the process: no record holds the reporter's name or contact,
the report's text, the messages, the note, the attachment's name or the
reason of a reveal, while the calls on other models keep their arguments in
the log. The configuration files that hold the whistleblower key are
readable by their owner only.
"""
import base64
import logging
import os
import pathlib
import stat
import subprocess
import tempfile
import unittest
from contextlib import contextmanager

import pytest
from werkzeug.test import Client

from demo.run import programs as demo_programs
from production.config import write_config
from production.processes import PROCFILE, logging_environ, procfile_environ
from trytond.modules.whistleblower import logfilter
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, drop_db
from trytond.transaction import Transaction
from trytond.wsgi import app

from public_pages_fixture import (
    FOLLOW_UP, OFFICER_LOGINS, REPORT, Visitor, new_submission,
    report_of_code, setup_database)

ROOT = pathlib.Path(__file__).resolve().parent.parent
PASSWORD = 'log-officer-2026!'
# Each unique in the database and the log
NAME = '实名举报人钱七LOGPROBE'
CONTACT = '手机 13600001234 钱七'
SITE = '冷库二号门LOGPROBE'
DESCRIPTION = '钱七报告：冷库二号门的氨气报警器被关闭了LOGPROBE。'
PERSONS = '夜班主管孙八LOGPROBE'
# A case officer's message that starts with the reporter's name
MESSAGE = NAME + '，请问报警器是哪天被关闭的？'
NOTE = '已核实：孙八LOGPROBE承认关闭报警器。'
REASON = '需要联系钱七LOGPROBE核实时间。'
REPLY = '是上周五晚上，钱七LOGPROBE亲眼所见。'
ATTACHMENT = '钱七LOGPROBE的照片.jpg'
ATTACHMENT_NOTE = '钱七LOGPROBE拍的'
SECRETS = [
    NAME, CONTACT, '13600001234', SITE, DESCRIPTION, PERSONS, MESSAGE, NOTE,
    REASON, REPLY, ATTACHMENT, ATTACHMENT_NOTE, '钱七', 'LOGPROBE']
# A call on another model keeps its (short) arguments in the log
CONTROL = '对照客户LOGCTRL'
ids = {}


def setUpModule():
    ids.update(setup_database())
    with Transaction().start(DB_NAME, 0) as transaction:
        User = Pool().get('res.user')
        user, = User.search([('login', '=', OFFICER_LOGINS[0])])
        User.write([user], {'password': PASSWORD})
        transaction.commit()


def tearDownModule():
    drop_db()


@contextmanager
def captured_logs(level):
    "Collect every log record of the process from the level"
    records = []
    handler = logging.Handler(level)
    handler.emit = records.append
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def record_text(record):
    "All a handler could write of the record"
    texts = [record.getMessage()]
    if record.exc_info:
        texts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        texts.append(record.exc_text)
    if isinstance(record.args, tuple):
        texts.extend(str(a) for a in record.args)
    return '\n'.join(texts)


class RPCError(Exception):
    pass


class RPC:
    "A user's JSON-RPC session, as the web client's, in this process"

    def __init__(self, login, password):
        self.client = Client(app)
        self.authorization = None
        user_id, session, *_ = self(
            'common.db.login', login, {'password': password}, 'zh_CN')
        token = base64.b64encode(
            f'{login}:{user_id}:{session}'.encode()).decode()
        self.authorization = f'Session {token}'
        self.context = self('model.res.user.get_preferences', True, {})

    def __call__(self, method, *params):
        headers = {}
        if self.authorization:
            headers['Authorization'] = self.authorization
        response = self.client.post(
            f'/{DB_NAME}/rpc/', headers=headers,
            json={'id': 0, 'method': method, 'params': list(params)})
        data = response.get_json()
        if data is None:
            raise RPCError(response.status, response.get_data(as_text=True))
        if 'error' in data:
            raise RPCError(data['error'])
        return data['result']

    def model(self, name, method, *args, context=None):
        return self(f'model.{name}.{method}', *args,
            {**self.context, **(context or {})})


class LogTestCase(unittest.TestCase):
    "No whistleblower text or identity reaches the log"

    def case(self):
        """Run a whole case: the report, the officer's work, the reporter's
        follow-up; return the report's id"""
        reporter = Visitor()
        reporter.get(REPORT)
        result = reporter.post(REPORT, {
                'submission': new_submission(), 'identity': 'named',
                'name': NAME, 'contact': CONTACT, 'category': 'equipment',
                'site': SITE, 'description': DESCRIPTION,
                'persons': PERSONS})
        self.assertEqual(result.status, 200, result.error)
        code = result.text('receipt-code')
        report_id = report_of_code(code)

        officer = RPC(OFFICER_LOGINS[0], PASSWORD)
        found = officer.model('whistleblower.report', 'search', [
                ('description', '=', DESCRIPTION)], 0, None, None)
        self.assertIn(report_id, found)
        report, = officer.model('whistleblower.report', 'read', [report_id], [
                'number', 'description', 'site', 'persons_concerned'])
        self.assertEqual(report['description'], DESCRIPTION)
        officer.model('whistleblower.report', 'search_read', [
                ('persons_concerned', '=', PERSONS)], 0, 10, None, ['id'])
        officer.model('whistleblower.message', 'create', [{
                    'report': report_id, 'direction': 'outgoing',
                    'text': MESSAGE}])
        officer.model('whistleblower.note', 'create', [{
                    'report': report_id, 'text': NOTE}])
        attachment, = officer.model('ir.attachment', 'create', [{
                    'resource': f'whistleblower.report,{report_id}',
                    'type': 'link', 'link': 'https://example.com/x',
                    'name': ATTACHMENT}])
        officer.model('ir.attachment', 'write', [attachment], {
                'description': ATTACHMENT_NOTE})

        context = {
            'active_model': 'whistleblower.report', 'active_id': report_id,
            'active_ids': [report_id]}
        session, _, _ = officer(
            'wizard.whistleblower.report.reveal.create', officer.context)
        shown = officer(
            'wizard.whistleblower.report.reveal.execute', session,
            {'start': {'reason': REASON}}, 'reveal',
            {**officer.context, **context})
        self.assertIn(NAME, str(shown))
        officer('wizard.whistleblower.report.reveal.delete', session,
            {**officer.context, **context})
        try:
            officer('report.whistleblower.report.notice.execute',
                [report_id], {'model': 'whistleblower.report',
                    'id': report_id, 'ids': [report_id]},
                {**officer.context, **context})
        except RPCError:
            # Refused before the notice is written: the call is logged all
            # the same
            pass

        reporter.get(FOLLOW_UP)
        result = reporter.post(
            FOLLOW_UP, {'action': 'lookup', 'code': code})
        self.assertIn(MESSAGE, result.html)
        result = reporter.post(
            FOLLOW_UP, {'action': 'reply', 'code': code, 'text': REPLY})
        self.assertTrue(result.text('replied'))
        messages = officer.model(
            'whistleblower.message', 'search_read',
            [('report', '=', report_id)], 0, None, None, ['text'])
        self.assertIn(REPLY, [m['text'] for m in messages])
        officer.model('party.party', 'create', [{'name': CONTROL}])
        return report_id

    def assertNothingLogged(self, records, loggers=None):
        for record in records:
            if loggers and record.name not in loggers:
                continue
            text = record_text(record)
            for secret in SECRETS:
                self.assertNotIn(secret, text, msg=record.name)

    def test_info(self):
        "At INFO level the case leaves its calls in the log, not its text"
        with captured_logs(logging.INFO) as records:
            self.case()
        calls = [r.getMessage() for r in records
            if r.name == logfilter.LOGGER]
        # The capture sees the calls and the arguments of other models
        self.assertTrue(any(
                m.startswith('whistleblower.message.create(…)')
                for m in calls), calls)
        self.assertTrue(any(
                m.startswith('wizard.whistleblower') or
                m.startswith('whistleblower.report.reveal.execute(…)')
                for m in calls), calls)
        self.assertTrue(any(CONTROL in m for m in calls), calls)
        self.assertNothingLogged(records)

    def test_debug_dispatcher(self):
        """At DEBUG level the dispatcher logs no argument nor result of the
        whistleblower's calls (the SQL queries do show them: DEBUG stays
        off in production)"""
        with captured_logs(logging.DEBUG) as records:
            self.case()
        self.assertTrue(any(
                r.name == logfilter.LOGGER
                and r.msg == logfilter.RESULT_MESSAGE for r in records))
        self.assertNothingLogged(
            records, loggers={logfilter.LOGGER, 'trytond.wsgi'})


class FilterTestCase(unittest.TestCase):
    "The filter alone, on records as the dispatcher makes them"

    def record(self, name, args, kwargs=None, level=logging.INFO):
        from trytond.tools.logging import format_args
        return logging.LogRecord(
            logfilter.LOGGER, level, __file__, 0, logfilter.CALL_MESSAGE,
            (name, 'write', format_args(args, kwargs or {}), 'officer',
                '127.0.0.1', '/db/rpc/', 3), None)

    def test_calls(self):
        "Which calls lose their arguments"
        secret = '钱七LOGPROBE'
        for name, args, stripped in [
                ('whistleblower.report', [[1], {'description': secret}],
                    True),
                ('whistleblower.report.reveal', [1, {'reason': secret}],
                    True),
                ('ir.attachment', [[1], {'description': secret}], True),
                ('ir.note', [[{'message': secret}]], True),
                ('ir.model', [['whistleblower.report'], secret], True),
                ('res.user', [[{'name': 'x', 'context': {
                                    'active_model':
                                    'whistleblower.report'}}], secret],
                    True),
                ('party.party', [[{'name': secret}]], False),
                ]:
            with self.subTest(name=name):
                record = self.record(name, args)
                self.assertTrue(logfilter._filter.filter(record))
                message = record.getMessage()
                self.assertTrue(message.startswith(name + '.write'))
                self.assertEqual(secret[:5] in message, not stripped)

    def test_result_dropped(self):
        "The result that follows a stripped call is dropped, others kept"
        for name, kept in [
                ('whistleblower.report', False), ('party.party', True)]:
            call = self.record(name, [[1]])
            logfilter._filter.filter(call)
            result = logging.LogRecord(
                logfilter.LOGGER, logging.DEBUG, __file__, 0,
                logfilter.RESULT_MESSAGE, ({'name': 'x'},), None)
            self.assertEqual(logfilter._filter.filter(result), kept)

    def test_error_message_dropped(self):
        "A failed call's traceback keeps its frames, not the error's text"
        secret = '钱七LOGPROBE'
        try:
            raise ValueError(secret)
        except ValueError:
            import sys
            exc_info = sys.exc_info()
        record = self.record('whistleblower.message', [[{'text': 'x'}]])
        record.exc_info = exc_info
        logfilter._filter.filter(record)
        text = logging.Formatter().format(record)
        self.assertIn('ValueError', text)
        self.assertIn('test_error_message_dropped', text)
        self.assertNotIn('LOGPROBE', text)

    def test_installed(self):
        "Importing the module installs the filter on the dispatcher, once"
        logger = logging.getLogger(logfilter.LOGGER)
        logfilter.install()
        self.assertEqual(logger.filters.count(logfilter._filter), 1)


class ProductionLoggingTestCase(unittest.TestCase):
    "The production processes never log below INFO"

    def test_level(self):
        for given, expected in [
                (None, None), ('10', '20'), ('0', '20'), ('debug', '20'),
                ('20', '20'), ('40', '40')]:
            with self.subTest(level=given):
                environ = {'PATH': '/bin'}
                if given is not None:
                    environ['TRYTOND_LOGGING_LEVEL'] = given
                env = logging_environ(environ)
                self.assertEqual(env.get('TRYTOND_LOGGING_LEVEL'), expected)

    def test_processes(self):
        """No process of make run-pg (the Procfile's) or make run gets a
        logging configuration or the DEBUG level"""
        environ = {
            'TRYTOND_LOGGING_LEVEL': '10',
            'TRYTOND_LOGGING_CONFIG': '/debug.conf'}
        procfile = procfile_environ(
            '/nonexistent.conf', 'db', '127.0.0.1:0', environ=environ)
        for program in demo_programs(
                '/nonexistent.conf', 'db', '127.0.0.1:0', environ=environ):
            self.assertNotIn('-v', program.argv)
            for env in [procfile, program.env]:
                self.assertEqual(env['TRYTOND_LOGGING_LEVEL'], '20')
                self.assertNotIn('TRYTOND_LOGGING_CONFIG', env)
        self.assertNotRegex(PROCFILE.read_text(), r' -v| --log')


def private(path):
    "Tell if the file is readable and writable by its owner only"
    return stat.S_IMODE(os.stat(path).st_mode) == 0o600


class KeyFileTestCase(unittest.TestCase):
    "The configuration files holding a key are readable by their owner only"

    def setUp(self):
        self.folder = pathlib.Path(tempfile.mkdtemp())
        self.addCleanup(subprocess.run, ['rm', '-rf', str(self.folder)])

    def test_production(self):
        "make run-pg's var/trytond-pg.conf, also when written before"
        path = self.folder / 'var' / 'trytond-pg.conf'
        # Even with a lax umask
        umask = os.umask(0o002)
        try:
            config = write_config(path, 'postgresql://')
        finally:
            os.umask(umask)
        self.assertTrue(config.get('whistleblower', 'key'))
        self.assertTrue(private(path))
        path.chmod(0o644)
        key = config.get('whistleblower', 'key')
        config = write_config(path, 'postgresql://')
        self.assertTrue(private(path))
        self.assertEqual(config.get('whistleblower', 'key'), key)

    def test_harness(self):
        "The production tests' and the benchmarks' configuration"
        import production_harness
        from trytond import config
        path = production_harness.server_config()
        self.addCleanup(subprocess.run, ['rm', '-rf', str(path.parent)])
        self.assertTrue(private(path))
        self.assertIn('[whistleblower]', path.read_text())
        # The benchmarks' web processes (P6, P8) get theirs from
        # write_config too
        self.assertIn(
            'write_config(config_path',
            (ROOT / 'benchmarks' / 'scratch.py').read_text())
        for name in ['p6_web_list.py', 'p8_burst.py']:
            self.assertIn(
                'start_web(', (ROOT / 'benchmarks' / name).read_text())
        self.assertTrue(config.get('database', 'uri'))

    def test_makefile(self):
        "make run's var/trytond.conf, written by the Makefile's rule"
        var = self.folder / 'var'
        env = {k: v for k, v in os.environ.items()
            if not k.startswith('MAKE')}
        result = subprocess.run(
            ['make', '--no-print-directory', '-o', '.venv/.installed',
                f'VAR={var}',
                f'{var}/trytond.conf'],
            cwd=ROOT, env=env, capture_output=True, text=True,
            # A lax umask, as on many desktops
            preexec_fn=lambda: os.umask(0o002))
        self.assertEqual(result.returncode, 0, result.stderr)
        path = var / 'trytond.conf'
        self.assertTrue(private(path))
        self.assertRegex(path.read_text(), r'\[whistleblower\]\nkey = \S{44}')
        self.assertFalse((var / 'trytond.conf.new').exists())


@pytest.mark.browser
def test_browser_server_config(tryton_url):
    "The browser tests' server configuration"
    from conftest import _server_files
    path = _server_files['log'].with_name('trytond.conf')
    assert '[whistleblower]' in path.read_text()
    assert private(path)
