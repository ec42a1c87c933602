"""A flood of the whistleblower pages from many clients at once, on a real
server: PostgreSQL behind two web processes as `make run-pg` starts them,
or SQLite behind trytond's own server as `make run` does.

While threads send wrong receipt codes and junk reports as fast as they
solve the pages' proofs of work (and posts without any), a reporter reads
the case officer's question on the follow-up page, answers it and sends a
new report, each within seconds. Nothing is locked: the proof of work got
harder instead. Then the counts are checked against what the clients were
answered: every code entered and every report sent spent one challenge, a
challenge sent by many clients at once served once, and the per-address
limit of the complaint status page let through exactly its number of
wrong look-ups sent at once.

Only loopback, a bounded number of threads for a bounded time.
"""
import http.cookiejar
import os
import pathlib
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter

import pytest

from production_harness import (
    OUTPUT, RPC, WebServers, free_port, server_environ, wait_http)
from production.config import write_config

from trytond import backend, config
from trytond.i18n import gettext
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.public_page import challenge as proof_of_work
from trytond.modules.scheduled_activity.tests.tools import load_translations
from trytond.modules.whistleblower.tests.tools import set_test_key
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction

MODULES = ['complaint_intake', 'whistleblower']
PASSWORD = 'flood-officer-2026!'
OFFICER = 'flood_officer'
# The flood: threads, how long, how many requests each at most
ATTACKERS = 12
FLOOD_SECONDS = 12
MAX_REQUESTS = 200
# Sent at once with one challenge, and to the complaint status page
RACERS = 10
# The difficulties and usual loads of the flood's database: low, so that
# the flood raises the difficulty within seconds
DIFFICULTY = 8
MAX_DIFFICULTY = 16
LOOKUP_LOAD = 10
SUBMISSION_LOAD = 5
LOOKUP_LIMIT = 4
# What the reporter may wait for each step at most, the flood going on
REPORTER_SECONDS = 20
CASE_DESCRIPTION = '配电房的绝缘垫被撤走了FLOODCASE。'
QUESTION = '请问绝缘垫是哪天被撤走的？'
ANSWER = '上周一早上，主管说下周再放回去。'
REAL_DESCRIPTION = '二号车间的急停按钮被胶带缠住了FLOODREAL。'


def _setup():
    "The company, the case officer of the web reports and the page settings"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    WhistleblowerConfiguration = pool.get('whistleblower.configuration')
    PublicConfiguration = pool.get('public_page.configuration')

    load_translations('zh_CN')
    company = create_company()
    with set_company(company):
        officer = create_employee(company, '周敏')
    User.create([{
                'login': OFFICER, 'name': '周敏', 'password': PASSWORD,
                'companies': [('add', [company.id])],
                'company': company.id,
                'employees': [('add', [officer.id])],
                'employee': officer.id,
                'groups': [('add', [ModelData.get_id(
                                'whistleblower',
                                'group_whistleblower_officer')])],
                }])
    configuration = WhistleblowerConfiguration(1)
    configuration.web_case_officer = officer
    configuration.save()
    WhistleblowerConfiguration.get_digest_secret()
    PublicConfiguration.write([PublicConfiguration(1)], {
            'challenge_difficulty': DIFFICULTY,
            'challenge_max_difficulty': MAX_DIFFICULTY,
            'anonymous_lookup_load': LOOKUP_LOAD,
            'anonymous_submission_load': SUBMISSION_LOAD,
            'lookup_limit': LOOKUP_LIMIT,
            'submission_limit': 100_000,
            })


def _write_private(path, text):
    "Write the configuration readable by its owner only: it holds a key"
    with os.fdopen(os.open(
                path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
            'w') as file:
        file.write(text)


class Server:
    """The real server of the flood on the suite's database: the web
    processes of `make run-pg` on PostgreSQL, trytond on a copy of the
    SQLite database"""

    def __init__(self, folder):
        self.folder = folder
        self.key = config.get('whistleblower', 'key')
        self.urls = []

    def __enter__(self):
        if backend.name == 'postgresql':
            path = self.folder / 'trytond.conf'
            write_config(path, config.get('database', 'uri'))
            # The key of the database's digest secret, made in this process
            text = re.sub(
                r'(?m)^key = .*$', f'key = {self.key}', path.read_text())
            _write_private(path, text)
            self.database = DB_NAME
            self.servers = WebServers(path, DB_NAME, count=2, threads=4)
            self.servers.__enter__()
            self.urls = self.servers.urls
        else:
            self.database = 'flood'
            self.path = self.folder / f'{self.database}.sqlite'
            with Transaction().start(DB_NAME, 0) as transaction:
                with sqlite3.connect(self.path) as copy:
                    transaction.connection.backup(copy)
            port = free_port()
            path = self.folder / 'trytond.conf'
            _write_private(path,
                f'[database]\nuri = sqlite://\npath = {self.folder}\n\n'
                f'[web]\nlisten = 127.0.0.1:{port}\n\n'
                f'[whistleblower]\nkey = {self.key}\n')
            self.log = (self.folder / 'trytond.log').open('w')
            trytond = pathlib.Path(sys.executable).with_name('trytond')
            self.process = subprocess.Popen(
                [str(trytond), '-c', str(path), '-d', self.database],
                env=server_environ(), stdout=self.log,
                stderr=subprocess.STDOUT)
            self.urls = [f'http://127.0.0.1:{port}']

            class Program:
                name = 'trytond'
                running = property(lambda _: self.process.poll() is None)
            wait_http(self.urls[0] + '/', Program())
        return self

    def __exit__(self, *exc):
        if backend.name == 'postgresql':
            self.servers.__exit__(*exc)
        else:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.log.close()

    def count(self, sql):
        "The one number the SQL query returns, read from the database"
        if backend.name == 'postgresql':
            with Transaction().start(DB_NAME, 0) as transaction:
                cursor = transaction.connection.cursor()
                cursor.execute(sql)
                return cursor.fetchone()[0]
        with sqlite3.connect(self.path) as connection:
            return connection.execute(sql).fetchone()[0]


class Visitor:
    "A browser without scripts on one web process: it solves in Python"

    def __init__(self, url, database, timeout=60):
        self.url = f'{url}/{database}'
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.html = ''

    def field(self, name):
        match = re.search(f'name="{name}" value="([^"]*)"', self.html)
        return match.group(1) if match else None

    def text(self, id_):
        match = re.search(f'id="{id_}"[^>]*>([^<]*)<', self.html)
        return match.group(1).strip() if match else None

    def get(self, path):
        with self.opener.open(
                f'{self.url}/{path}?lang=en', timeout=self.timeout) as answer:
            self.html = answer.read().decode()
        return answer.status

    def post(self, path, fields, solve=True):
        """Post the fields with the page's token and its challenge, solved
        or with a wrong proof, unless the fields have one; return the
        status"""
        fields = {'csrf_token': self.field('csrf_token'), 'lang': 'en',
            **fields}
        challenge = self.field('challenge')
        if 'challenge' not in fields and challenge:
            fields['challenge'] = challenge
            if solve:
                fields['proof'] = proof_of_work.solve(challenge)
            else:
                fields['proof'] = next(str(n) for n in range(10 ** 6)
                    if not proof_of_work.worked(challenge, str(n)))
        request = urllib.request.Request(
            f'{self.url}/{path}', method='POST',
            data=urllib.parse.urlencode(
                {k: v for k, v in fields.items() if v is not None}).encode())
        try:
            with self.opener.open(request, timeout=self.timeout) as answer:
                status, self.html = answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            status, self.html = error.code, error.read().decode()
        return status

    @property
    def error(self):
        return self.text('error')


def _report_values(description, **values):
    return {'submission': uuid.uuid4().hex, 'identity': 'anonymous',
        'category': 'equipment', 'site': '车间',
        'description': description, **values}


@pytest.fixture(scope='module')
def database():
    set_test_key()
    drop_db()
    activate_module(MODULES, lang='zh_CN')
    with Transaction().start(
            DB_NAME, 0,
            _lock_tables=['whistleblower_configuration']) as transaction:
        _setup()
        transaction.commit()
    with Transaction().start(
            DB_NAME, 0, context={'language': 'en'}) as transaction:
        messages = {name: gettext(f'public_page.msg_challenge_{name}')
            for name in ['missing', 'expired', 'spent', 'harder']}
        messages['too_many'] = gettext('public_page.msg_too_many_attempts')
    OUTPUT.mkdir(exist_ok=True)
    folder = pathlib.Path(tempfile.mkdtemp(prefix='flood-', dir=OUTPUT))
    yield folder, messages
    drop_db()
    shutil.rmtree(folder)


def test_flood(database):
    folder, messages = database
    # The answers that refuse a challenge, before anything is spent
    refusals = {messages[n] for n in ['missing', 'expired', 'spent',
            'harder']}
    started = time.monotonic()
    with Server(folder) as server:
        urls, name = server.urls, server.database
        # The case: a report, and the officer's question
        reporter = Visitor(urls[0], name)
        reporter.get('whistleblower/report')
        assert reporter.post('whistleblower/report', _report_values(
                CASE_DESCRIPTION)) == 200, reporter.error
        code = reporter.text('receipt-code')
        officer = RPC(urls[-1], name, OFFICER, PASSWORD)
        report_id, = officer.model('whistleblower.report', 'search', [
                ('description', '=', CASE_DESCRIPTION)], 0, None, None)
        officer.model('whistleblower.message', 'create', [{
                    'report': report_id, 'direction': 'outgoing',
                    'text': QUESTION}])

        answers = Counter()
        answers_lock = threading.Lock()
        deadline = time.monotonic() + FLOOD_SECONDS
        stop = threading.Event()

        def answered(kind, status, error):
            with answers_lock:
                answers[kind, status, error if status == 400 else None] += 1

        def attack(index):
            visitor = Visitor(urls[index % len(urls)], name)
            for request in range(MAX_REQUESTS):
                if stop.is_set() or time.monotonic() > deadline:
                    return
                what = request % 4
                if what in {0, 1}:
                    visitor.get('whistleblower/follow-up')
                    status = visitor.post('whistleblower/follow-up', {
                            'action': 'lookup',
                            'code': f'{index:04d} {request:04d} 0000 0000'})
                    answered('lookup', status, visitor.error)
                elif what == 2:
                    visitor.get('whistleblower/report')
                    # Junk, half of it refused for its category
                    status = visitor.post('whistleblower/report',
                        _report_values(
                            f'垃圾举报 {index}-{request}',
                            category='equipment' if request % 8 == 2
                            else 'junk'))
                    answered('submission', status, visitor.error)
                else:
                    visitor.get('whistleblower/follow-up')
                    status = visitor.post('whistleblower/follow-up', {
                            'action': 'lookup', 'code': '1234'}, solve=False)
                    answered('unsolved', status, visitor.error)

        attackers = [threading.Thread(target=attack, args=(i,))
            for i in range(ATTACKERS)]
        for thread in attackers:
            thread.start()
        try:
            time.sleep(3)
            # The reporter comes back during the flood
            steps = {}
            reporter = Visitor(urls[0], name)
            step = time.monotonic()
            reporter.get('whistleblower/follow-up')
            difficulty = proof_of_work.difficulty_of(
                reporter.field('challenge'))
            status = reporter.post(
                'whistleblower/follow-up', {'action': 'lookup', 'code': code})
            assert status == 200, reporter.error
            assert QUESTION in reporter.html
            answered('lookup', status, None)
            steps['read'] = time.monotonic() - step
            step = time.monotonic()
            status = reporter.post('whistleblower/follow-up', {
                    'action': 'reply', 'code': code, 'text': ANSWER})
            assert status == 200, reporter.error
            assert reporter.text('replied')
            answered('lookup', status, None)
            steps['answer'] = time.monotonic() - step
            step = time.monotonic()
            reporter.get('whistleblower/report')
            status = reporter.post('whistleblower/report', _report_values(
                    REAL_DESCRIPTION, identity='named', name='王小明',
                    contact='13700007777'))
            assert status == 200, reporter.error
            assert re.fullmatch(
                r'\d{4} \d{4} \d{4} \d{4}', reporter.text('receipt-code'))
            answered('submission', status, None)
            steps['report'] = time.monotonic() - step
        finally:
            for thread in attackers:
                thread.join(timeout=120)
            stop.set()
        assert not any(t.is_alive() for t in attackers)
        # The flood made the proof of work harder, and never locked anybody
        # out: no page answered "too many attempts" nor failed
        assert difficulty > DIFFICULTY, answers
        assert all(s < 500 and s != 429 for (_, s, _) in answers), answers
        assert max(steps.values()) < REPORTER_SECONDS, steps
        assert answers['lookup', 404, None] > ATTACKERS, answers

        # One challenge sent by many clients at once serves once
        racer = Visitor(urls[0], name)
        racer.get('whistleblower/follow-up')
        challenge = racer.field('challenge')
        proof = proof_of_work.solve(challenge)
        race = _race([
                (Visitor(urls[i % len(urls)], name), 'whistleblower/follow-up',
                    {'action': 'lookup', 'code': '9999 9999 9999 9999',
                        'challenge': challenge, 'proof': proof})
                for i in range(RACERS)])
        assert sorted(race) == sorted(
            [(404, None)] + [(400, messages['spent'])] * (RACERS - 1)), race
        answered('lookup', 404, None)
        racer.get('whistleblower/report')
        challenge = racer.field('challenge')
        proof = proof_of_work.solve(challenge)
        race = _race([
                (Visitor(urls[i % len(urls)], name), 'whistleblower/report',
                    {**_report_values(f'同一题目 {i}'),
                        'challenge': challenge, 'proof': proof})
                for i in range(RACERS)])
        assert sorted(race) == sorted(
            [(200, None)] + [(400, messages['spent'])] * (RACERS - 1)), race
        answered('submission', 200, None)

        # The per-address limit of the complaint status page, sent at once
        race = _race([
                (Visitor(urls[i % len(urls)], name),
                    'complaint_plan/complaint/status',
                    {'number': f'TS-2000-{i:05d}', 'contact': '13900000000'})
                for i in range(RACERS)],
            page='complaint_plan/complaint/status')
        assert sorted(race) == sorted(
            [(404, None)] * LOOKUP_LIMIT
            + [(429, messages['too_many'])] * (RACERS - LOOKUP_LIMIT)), race

        # Every code entered and every report taken or refused for what it
        # held spent exactly one challenge; a refused challenge spent none
        spent = {kind: server.count(
                'SELECT COUNT(*) FROM public_page_challenge '
                f"WHERE kind = 'anonymous_{kind}'")
            for kind in ['lookup', 'submission']}
        expected = {kind: sum(n for (k, s, e), n in answers.items()
                if k == kind and e not in refusals)
            for kind in ['lookup', 'submission']}
        # The case's report and the officer's code
        expected['submission'] += 1
        assert spent == expected, (spent, answers)
        assert answers['unsolved', 400, messages['missing']] == sum(
            n for (k, _, _), n in answers.items() if k == 'unsolved')
        reports = server.count('SELECT COUNT(*) FROM whistleblower_report')
        assert reports == 1 + sum(n for (k, s, _), n in answers.items()
            if k == 'submission' and s == 200), answers
        assert server.count(
            'SELECT COUNT(*) FROM whistleblower_message '
            f"WHERE direction = 'incoming' AND text = '{ANSWER}'") == 1
        assert server.count(
            'SELECT COUNT(*) FROM whistleblower_report '
            f"WHERE description = '{REAL_DESCRIPTION}'") == 1
        assert server.count(
            "SELECT COUNT(*) FROM public_page_attempt WHERE kind = 'lookup'"
            ) == LOOKUP_LIMIT
    # Database, servers and flood together
    assert time.monotonic() - started < 120


def _race(posts, page=None):
    """Open each visitor's page, then post all at once; return the (status,
    error) of each"""
    barrier = threading.Barrier(len(posts))
    results = [None] * len(posts)

    def post(index, visitor, path, fields):
        visitor.get(page or path)
        barrier.wait(timeout=60)
        status = visitor.post(path, fields)
        results[index] = (status, visitor.error if status != 404 else None)
    threads = [threading.Thread(target=post, args=(i, *p))
        for i, p in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
