"""Faults under load, with the processes of `make run-pg` on PostgreSQL.

- PostgreSQL restarts while clerks register complaints through two web
  processes: the requests caught by the restart fail with a clear error, the
  next ones succeed, the cron goes on, nothing is lost or counted twice.
- The web workers die (SIGKILL) in the middle of a batch of web forms:
  every complaint is either whole or absent; gunicorn starts new workers,
  and the batch sent again with the same keys puts the rest in once.

PostgreSQL is shared with the other tests of the machine: it is restarted
once, for a moment, inside the first test only.
"""
import datetime as dt
import http.client
import os
import pathlib
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter

import psycopg
import pytest

from production_harness import (
    RPC, ComplaintForm, HTTPError, Procfile, RPCError, children, free_port,
    server_config, wait_http)

from trytond import backend
from trytond.config import config as trytond_config
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction

pytestmark = pytest.mark.postgresql

PASSWORD = 'clerk-under-load-2026!'
CLERKS = 4
# Requests in a row that must succeed once PostgreSQL is back
AFTER_RESTART = 10
BATCH = 120
KILL_AFTER = 40
# What a request caught by the restart may answer: trytond's 503 Service
# Unavailable, or the error of the connection that PostgreSQL closed
CLEAR_ERRORS = [
    'terminating connection due to administrator command',
    'the connection is lost',
    'server closed the connection unexpectedly',
    'the database system is shutting down',
    'the database system is starting up',
    'connection refused',
    'connection failed',
    'consuming input failed',
    "couldn't get a connection",
    ]


def _setup():
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    Cron = pool.get('ir.cron')
    PublicConfiguration = pool.get('public_page.configuration')

    company = create_company()
    with set_company(company):
        employee = create_employee(company, "李娜")
    clerk, = User.create([{
                'login': 'clerk', 'name': "李娜", 'password': PASSWORD,
                'companies': [('add', [company.id])], 'company': company.id,
                'employees': [('add', [employee.id])],
                'employee': employee.id,
                'groups': [('add', [ModelData.get_id(
                                'complaint_plan', 'group_complaint_clerk')])],
                }])
    # The batch comes from one address
    PublicConfiguration.write(
        [PublicConfiguration(1)], {'submission_limit': 100_000})
    # The reminders run every minute: the test waits for one after the
    # restart
    reminders, = Cron.search([
            ('method', '=', 'scheduled.activity|send_reminders')])
    reminders.interval_number = 1
    reminders.interval_type = 'minutes'
    reminders.save()
    return {
        'company': company.id,
        'employee': employee.id,
        'category': ModelData.get_id('complaint_plan', 'category_service'),
        }


@pytest.fixture(scope='module')
def database():
    if backend.name != 'postgresql':
        pytest.skip("needs PostgreSQL: the test restarts its server")
    drop_db()
    activate_module(['complaint_intake'])
    with Transaction().start(DB_NAME, 0) as transaction:
        data = _setup()
        transaction.commit()
    config = server_config()
    yield config, data
    drop_db()
    shutil.rmtree(config.parent)


@pytest.fixture
def production(database):
    """The processes of `make run-pg`: the Procfile's web (gunicorn with two
    workers), cron and queue worker, run by honcho"""
    config, _ = database
    with Procfile(config, DB_NAME, f'127.0.0.1:{free_port()}',
            workers=2, threads=4) as procfile:
        yield procfile


def _restart_postgresql():
    version, = [p.name for p in pathlib.Path('/etc/postgresql').iterdir()]
    subprocess.run(['pg_ctlcluster', '--skip-systemctl-redirect', version,
            'main', 'restart'], check=True, timeout=120)


def _postgresql_started_at():
    "When the PostgreSQL server of the tests started"
    uri = trytond_config.get('database', 'uri').rstrip('/') + '/postgres'
    with psycopg.connect(uri) as connection:
        return connection.execute(
            'SELECT pg_postmaster_start_time()').fetchone()


def _clear(error):
    "Whether the failure says that the database was not there"
    if isinstance(error, HTTPError):
        text = error.args[1]
        return error.status == 503 and any(
            e in text.lower() for e in CLEAR_ERRORS)
    if isinstance(error, RPCError):
        text = str(error.args[0]).lower()
        return any(e in text for e in CLEAR_ERRORS)
    return False


def test_postgresql_restart(database, production):
    """Clerks register complaints while PostgreSQL restarts"""
    config, data = database
    url = production.url
    outcomes = [[] for _ in range(CLERKS)]
    stop = threading.Event()

    def register(index, session):
        "Register a complaint, then refresh the list, again and again"
        for count in range(100_000):
            if stop.is_set():
                return
            subject = f"负载{index}-{count}"
            try:
                complaint_id, = session.model(
                    'complaint.complaint', 'create', [{
                            'company': data['company'],
                            'complainant_name': "顾客",
                            'subject': subject,
                            'description': "...",
                            'category': data['category'],
                            }])
            except (HTTPError, RPCError) as error:
                outcomes[index].append((subject, error))
            else:
                outcomes[index].append((subject, complaint_id))
            try:
                session.model('complaint.complaint', 'search_read',
                    [('subject', 'like', f"负载{index}-%")], 0, 20, None,
                    ['number', 'subject', 'state'])
            except (HTTPError, RPCError) as error:
                outcomes[index].append((None, error))
            else:
                outcomes[index].append((None, 0))
    # One after the other: concurrent logins of one user may fail
    sessions = [RPC(url, DB_NAME, 'clerk', PASSWORD) for _ in range(CLERKS)]
    clerks = [threading.Thread(target=register, args=(i, s))
        for i, s in enumerate(sessions)]
    for clerk in clerks:
        clerk.start()
    time.sleep(3)
    started_at = _postgresql_started_at()
    _restart_postgresql()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not all(
            len(o) >= AFTER_RESTART
            and all(isinstance(r, int) for _, r in o[-AFTER_RESTART:])
            for o in outcomes):
        time.sleep(0.5)
    stop.set()
    for clerk in clerks:
        clerk.join(timeout=120)

    # The server did restart under the clerks' requests; a request that
    # waited for it is no failure, one cut by it says what it was
    assert _postgresql_started_at() != started_at
    results = [o for clerk in outcomes for o in clerk]
    failures = [r for _, r in results if not isinstance(r, int)]
    assert [f for f in failures if not _clear(f)] == []
    # Then every clerk's requests succeed again
    for clerk in outcomes:
        assert all(isinstance(r, int) for _, r in clerk[-AFTER_RESTART:])

    with Transaction().start(DB_NAME, 0) as transaction:
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Activity = pool.get('scheduled.activity')
        Employee = pool.get('company.employee')
        stored = Counter(c.subject for c in Complaint.search([
                    ('subject', 'like', "负载%"),
                    ]))
        # Nothing counted twice, nothing acknowledged lost
        assert max(stored.values()) == 1
        acknowledged = {subject: id_ for subject, id_ in results
            if subject and isinstance(id_, int)}
        assert set(acknowledged) <= set(stored)
        for complaint in Complaint.browse(list(acknowledged.values())):
            assert acknowledged[complaint.subject] == complaint.id

        # Work for the cron, due after the restart
        complaint = Complaint(next(iter(acknowledged.values())))
        activity = Activity.plan(complaint, 'complaint_resolution',
            Employee(data['employee']), dt.datetime.now()
            + dt.timedelta(minutes=30), "负载提醒")
        transaction.commit()

    # The cron goes on: the activity is reminded within its next runs
    deadline = time.monotonic() + 150
    while True:
        with Transaction().start(DB_NAME, 0):
            Activity = Pool().get('scheduled.activity')
            if Activity(activity.id).reminded_at:
                break
        assert time.monotonic() < deadline, "the cron did not resume"
        time.sleep(2)
    # No process stopped: honcho would have stopped them all
    assert production.running


def test_kill_during_batch_intake(database, production):
    """The web workers die in the middle of a batch of web forms; gunicorn
    starts new ones and the batch is sent again with the same keys"""
    url = production.url
    arbiter = production.pid('web')
    workers = children(arbiter)
    assert len(workers) == 2
    batch = []
    for index in range(BATCH):
        visitor = ComplaintForm(url, DB_NAME)
        hidden, categories = visitor.open()
        batch.append((visitor, {
                    'submission': hidden['submission'],
                    'csrf_token': hidden['csrf_token'],
                    'name': f"访客{index}",
                    'phone': f'139{index:08d}',
                    'category': categories[0],
                    'description': f"批量投诉 {index}",
                    'remedy': "回复",
                    }))
    answered = {}
    killed = threading.Event()
    lock = threading.Lock()

    def send(part):
        for visitor, fields in part:
            if killed.is_set():
                return
            try:
                status, number = visitor.submit(fields)
            except (OSError, http.client.HTTPException):
                continue
            with lock:
                if status == 200:
                    answered[fields['submission']] = number
                if len(answered) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    # Every worker goes at once, requests in flight
                    for worker in workers:
                        os.kill(worker, signal.SIGKILL)
    senders = [threading.Thread(target=send, args=(batch[i::4],))
        for i in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=300)
    assert killed.is_set()

    def stored():
        "The complaints of the batch, once trytond-worker registered them"
        deadline = time.monotonic() + 60
        while True:
            with Transaction().start(DB_NAME, 0):
                if not Pool().get('complaint.intake.submission').search(
                        [], count=True):
                    break
            assert time.monotonic() < deadline, "the worker did not register"
            time.sleep(0.2)
        with Transaction().start(DB_NAME, 0):
            Complaint = Pool().get('complaint.complaint')
            return {c.intake_key: (c.number, c.complainant_name,
                    c.complainant_phone, c.description, c.channel)
                for c in Complaint.search([
                        ('intake_key', 'in',
                            [f['submission'] for _, f in batch]),
                        ])}
    # The phone is stored once in E.164, however it was typed
    expected = {f['submission']: (
            f['name'], '+86' + f['phone'], f['description'], 'web')
        for _, f in batch}
    # Each complaint is whole or absent; the answered ones are there
    before = stored()
    for key, (number, *values) in before.items():
        assert number and values == list(expected[key])
    assert {k: before[k][0] for k in answered} == answered
    assert len(before) < BATCH

    # gunicorn's arbiter replaces its workers; the batch is sent again
    deadline = time.monotonic() + 60
    while len(set(children(arbiter)) - set(workers)) < 2:
        assert time.monotonic() < deadline, "the workers were not replaced"
        time.sleep(0.2)
    wait_http(url + '/', production)
    numbers = {}
    for visitor, fields in batch:
        hidden, _ = visitor.open()
        status, number = visitor.submit(
            dict(fields, csrf_token=hidden['csrf_token']))
        assert status == 200
        numbers[fields['submission']] = number
    after = stored()
    assert sorted(after) == sorted(expected)
    for key, (number, *values) in after.items():
        assert values == list(expected[key])
        assert numbers[key] == number
    # What was in before the kill kept its number
    assert {k: after[k][0] for k in before} == {
        k: v[0] for k, v in before.items()}
    # The same processes serve on: only the workers were replaced
    assert production.running and production.pid('web') == arbiter
