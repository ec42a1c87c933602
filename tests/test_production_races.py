"""Races between real server processes on one PostgreSQL database.

Two web processes (gunicorn, as `make run-pg` starts them) serve the same
database: two approvers click "Approve" on the same step at the same moment,
each through a process of its own; a visitor's browser sends the public
complaint form twice, to both processes at once. Two trytond-cron processes
go at the same moment through the same due reminders, escalations and
inspection generation. In Chromium, an approval made through one process
rings the next approver's bell in a web client served by the other.
"""
import datetime as dt
import json
import shutil
import threading
from collections import Counter

import pytest
from playwright.sync_api import expect

from production_harness import (
    RPC, ComplaintForm, RPCError, WebServers, run_cron_once, server_config)
from web_client import log_in

from trytond import backend
from trytond.i18n import gettext
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction
from trytond.worker import run_task

pytestmark = pytest.mark.postgresql

MODULES = ['complaint_intake', 'store_hygiene']
RACES = 100
FORM_RACES = 20
CRON_COMPLAINTS = 20
STORES = 10
PASSWORD = 'race-approver-2026!'
CRON_METHODS = [
    'scheduled.activity|send_reminders',
    'complaint.approval|escalate_overdue',
    'complaint.complaint|escalate_to_leaders',
    'hygiene.schedule|generate_inspections',
    ]


def _setup():
    "Create the approvers, the chain, the complaints and the hygiene schedule"
    pool = Pool()
    User = pool.get('res.user')
    Group = pool.get('res.group')
    ModelData = pool.get('ir.model.data')
    Lang = pool.get('ir.lang')
    Level = pool.get('complaint.level')
    Category = pool.get('complaint.category')
    Chain = pool.get('complaint.approval.chain')
    Complaint = pool.get('complaint.complaint')
    Store = pool.get('hygiene.store')
    Schedule = pool.get('hygiene.schedule')
    Checklist = pool.get('hygiene.checklist')
    PublicConfiguration = pool.get('public_page.configuration')

    company = create_company()
    # The tests send every form from the same address
    PublicConfiguration.write(
        [PublicConfiguration(1)], {'submission_limit': 100_000})
    chinese, = Lang.search([('code', '=', 'zh_CN')])
    leading = Group(ModelData.get_id('complaint_plan', 'group_leading_group'))
    with set_company(company):
        supervisor = create_employee(company, "陈静")
        employees = [create_employee(company, name)
            for name in ["王建国", "李红", "张明", "张伟", "孙丽"]]
        handler = employees[3]
        handler.supervisor = supervisor
        handler.save()
    pair, = Group.create([{'name': "审批甲组"}])
    users = User.create([{
                'login': f'approver{i}', 'name': e.party.name,
                'password': PASSWORD, 'language': chinese.id,
                'companies': [('add', [company.id])],
                'company': company.id,
                'employees': [('add', [e.id])], 'employee': e.id,
                'groups': [('add', [leading.id] + (
                            [pair.id] if i < 2 else []))],
                } for i, e in enumerate(employees[:3])] + [{
                'login': 'supervisor', 'name': "陈静",
                'language': chinese.id,
                'companies': [('add', [company.id])],
                'company': company.id,
                'employees': [('add', [supervisor.id])],
                'employee': supervisor.id,
                }, {
                'login': 'handler', 'name': "张伟",
                'language': chinese.id,
                'companies': [('add', [company.id])],
                'company': company.id,
                'employees': [('add', [handler.id])],
                'employee': handler.id,
                }])
    level1 = Level(ModelData.get_id('complaint_plan', 'level_1'))
    Chain.create([{
                'name': "一级审批", 'level': level1.id,
                'steps': [('create', [{
                                'sequence': 1, 'name': "甲组审批",
                                'approver_kind': 'group', 'group': pair.id,
                                'required_approvals': 1,
                                'deadline': dt.timedelta(days=1),
                                }, {
                                'sequence': 2, 'name': "组长审批",
                                'approver_kind': 'employees',
                                'employees': [('add', [employees[2].id])],
                                'deadline': dt.timedelta(days=1),
                                }])],
                }])
    safety = Category(ModelData.get_id('complaint_plan', 'category_safety'))
    # Received ten days ago: every deadline of the cron complaints is past
    long_ago = dt.datetime.now() - dt.timedelta(days=10)
    with Transaction().set_context(company=company.id):
        complaints = Complaint.create([{
                    'company': company.id,
                    'complainant_name': f"顾客{i}",
                    'subject': f"安全投诉{i}",
                    'description': "...",
                    'category': safety.id,
                    'responsible': handler.id,
                    'state': 'planning',
                    'investigation_duties': "调查",
                    'investigation_methods': "调取监控",
                    'measures': "赔偿",
                    'investigation_time': dt.datetime.now(),
                    'investigation_place': "门店",
                    'responsibility': "当班员工负责",
                    'prevention': "加强培训",
                    'received_at': (
                        long_ago if i >= RACES else dt.datetime.now()),
                    } for i in range(RACES + CRON_COMPLAINTS)])
        Complaint.process(complaints)
        checklist, = Checklist.search([], limit=1)
        stores = Store.create([{
                    'name': f"门店{i}", 'code': f'S{i:02d}',
                    'company': company.id, 'dusty_region': not i % 3,
                    } for i in range(STORES)])
        Schedule.create([{
                    'name': "每日卫生检查", 'company': company.id,
                    'checklist': checklist.id, 'inspector': employees[4].id,
                    'start_date': dt.date.today() - dt.timedelta(days=1),
                    'stores': [('add', [s.id for s in stores])],
                    }])
    return {
        'company': company.id,
        'approvers': [u.id for u in users[:2]],
        'next_approver': users[2].id,
        'leaders': [u.id for u in users[:3]],
        'race_complaints': [c.id for c in complaints[:RACES]],
        'cron_complaints': [c.id for c in complaints[RACES:]],
        }


@pytest.fixture(scope='module')
def database():
    if backend.name != 'postgresql':
        pytest.skip("needs PostgreSQL: several server processes share it")
    drop_db()
    activate_module(MODULES, lang='zh_CN')
    with Transaction().start(DB_NAME, 0) as transaction:
        data = _setup()
        transaction.commit()
    config = server_config()
    yield config, data
    drop_db()
    shutil.rmtree(config.parent)


def _pending(complaint_id):
    Approval = Pool().get('complaint.approval')
    approval, = Approval.search([
            ('complaint', '=', complaint_id),
            ('state', '=', 'pending'),
            ])
    return approval


def test_approval_races(database):
    """Two approvers click at the same moment through two processes: the
    step is approved once, the other approver is refused in Chinese: by the
    approval when both decide at once, or by the check of the button's
    states when the step was already approved as the click arrived"""
    config, data = database

    def refusals(language):
        "The refusals of each approval in the language"
        with Transaction().start(DB_NAME, 0, context={'language': language}):
            Approval = Pool().get('complaint.approval')
            return {a.id: {
                    gettext('ir.msg_button_state_record', button='approve',
                        **Approval.__names__(record=a)),
                    gettext('complaint_plan.msg_approval_not_yours',
                        approval=a.rec_name)}
                for a in map(_pending, data['race_complaints'])}
    expected_errors = refusals('zh_CN')
    approval_ids = list(expected_errors)
    for approval_id, english in refusals('en').items():
        assert not english & expected_errors[approval_id]

    with WebServers(config, DB_NAME) as servers:
        sessions = [RPC(url, DB_NAME, f'approver{i}', PASSWORD)
            for i, url in enumerate(servers.urls)]
        for approval_id in approval_ids:
            barrier = threading.Barrier(2)
            outcomes = {}

            def approve(session):
                barrier.wait(timeout=30)
                try:
                    session.model(
                        'complaint.approval', 'approve', [approval_id])
                except RPCError as error:
                    outcomes[session] = error.message
                else:
                    outcomes[session] = 'approved'
            threads = [threading.Thread(target=approve, args=(s,))
                for s in sessions]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            approved, refused = sorted(
                outcomes.values(), key=lambda o: o != 'approved')
            assert approved == 'approved', outcomes
            assert refused in expected_errors[approval_id], outcomes

    with Transaction().start(DB_NAME, 0):
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Notification = pool.get('res.notification')
        opened = []
        for complaint in Complaint.browse(data['race_complaints']):
            first, second = sorted(
                complaint.approvals, key=lambda a: a.sequence)
            assert first.state == 'approved'
            assert len(first.decisions) == 1
            assert first.decisions[0].user.id in data['approvers']
            assert second.state == 'pending'
            opened.append(json.dumps([second.id]))
        # The next step's approver was told once per complaint
        notices = Notification.search([
                ('user', '=', data['next_approver']),
                ('model', '=', 'complaint.approval'),
                ('records', 'in', opened),
                ])
        assert len(notices) == RACES


def test_two_crons_at_once(database):
    """Two cron processes go through the same due work at the same moment:
    every reminder, escalation and inspection exists once"""
    config, data = database
    with Transaction().start(DB_NAME, 0) as transaction:
        pool = Pool()
        Cron = pool.get('ir.cron')
        Approval = pool.get('complaint.approval')
        Activity = pool.get('scheduled.activity')
        Complaint = pool.get('complaint.complaint')
        employee = Complaint(data['cron_complaints'][0]).responsible
        now = dt.datetime.now()
        # Due soon: the reminders
        with Transaction().set_context(company=data['company']):
            for complaint in Complaint.browse(data['cron_complaints']):
                Activity.plan(complaint, 'complaint_resolution', employee,
                    now + dt.timedelta(minutes=30), complaint.subject)
        # Past their due time: the escalations to the next step
        escalated = [_pending(c) for c in data['cron_complaints']]
        Approval.write(escalated, {'due': now - dt.timedelta(hours=1)})
        # Each method twice, one next to the other: the two processes take
        # the two tasks of a method at the same moment
        Cron.write(Cron.search([]), {'active': False})
        crons = Cron.create([{
                    'method': method,
                    'interval_number': 1,
                    'interval_type': 'days',
                    } for method in CRON_METHODS for _ in range(2)])
        cron_ids = [c.id for c in crons]
        transaction.commit()

    assert run_cron_once(config, DB_NAME) == [0, 0]

    with Transaction().start(DB_NAME, 0):
        pool = Pool()
        Cron = pool.get('ir.cron')
        Approval = pool.get('complaint.approval')
        Activity = pool.get('scheduled.activity')
        Complaint = pool.get('complaint.complaint')
        Notification = pool.get('res.notification')
        Inspection = pool.get('hygiene.inspection')
        Schedule = pool.get('hygiene.schedule')

        # Every method ran
        ran = {c.method for c in Cron.browse(cron_ids) if c.logs}
        assert ran == set(CRON_METHODS)
        # Nobody was told the same thing twice
        notices = Counter(
            (n.user.id, n.label, n.description, n.model, n.records)
            for n in Notification.search([]))
        assert [k for k, count in notices.items() if count > 1] == []

        # Each cron complaint: the leading group alerted, the overdue
        # acknowledgement escalated to the supervisor, the due resolution
        # reminded, the approval escalated to the next step
        for complaint in Complaint.browse(data['cron_complaints']):
            assert complaint.leaders_alerted_at
            approvals = sorted(complaint.approvals, key=lambda a: a.sequence)
            assert [a.state for a in approvals] == ['escalated', 'pending']
            activities = {a.type.code: a for a in complaint.activities}
            assert activities['complaint_acknowledgement'].escalated_at
            assert activities['complaint_resolution'].reminded_at
        leader_alerts = Notification.search([
                ('model', '=', 'complaint.complaint'),
                ('records', 'in', [json.dumps([c])
                        for c in data['cron_complaints']]),
                ('user', 'in', data['leaders']),
                ])
        assert len(leader_alerts) == CRON_COMPLAINTS * len(data['leaders'])

        # The inspections of the horizon, each once with one activity
        inspections = Inspection.search([])
        assert inspections
        keys = Counter(
            (i.schedule.id, i.store.id, i.planned_at) for i in inspections)
        assert max(keys.values()) == 1
        assert Schedule.generate_inspections() == []
        activities = Counter(str(a.resource) for a in Activity.search([
                    ('type.code', '=', 'inspection'),
                    ]))
        assert sorted(activities) == sorted(str(i) for i in inspections)
        assert set(activities.values()) == {1}


def test_same_form_at_once(database):
    """The same form (same idempotency key) reaches both processes at the
    same moment: one complaint, registered once, both answers show its
    number"""
    config, data = database
    keys, numbers = [], {}
    with WebServers(config, DB_NAME) as servers:
        for race in range(FORM_RACES):
            visitors = [ComplaintForm(url, DB_NAME) for url in servers.urls]
            (first, categories), (second, _) = [v.open() for v in visitors]
            key = first['submission']
            keys.append(key)
            fields = {
                'submission': key,
                'name': "陈先生",
                'phone': '139 8765 4321',
                'category': categories[0],
                'description': f"冷冻柜温度显示零上五度 {race}",
                'remedy': "退款",
                }
            barrier = threading.Barrier(2)
            answers = {}

            def send(visitor, hidden):
                barrier.wait(timeout=30)
                answers[visitor] = visitor.submit(
                    dict(fields, csrf_token=hidden['csrf_token']))
            threads = [threading.Thread(target=send, args=args)
                for args in zip(visitors, [first, second])]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            (status1, number1), (status2, number2) = answers.values()
            assert (status1, status2) == (200, 200)
            assert number1 and number1 == number2
            numbers[key] = number1

    # One submission each, its registration queued once: the part of
    # trytond-worker (not started with these web processes), run here
    with Transaction().start(DB_NAME, 0):
        pool = Pool()
        Submission = pool.get('complaint.intake.submission')
        Queue = pool.get('ir.queue')
        submissions = Submission.search([('intake_key', 'in', keys)])
        assert sorted(s.intake_key for s in submissions) == sorted(keys)
        tasks = [t.id for t in Queue.search([('finished_at', '=', None)])
            if t.data['model'] == Submission.__name__]
        assert len(tasks) == FORM_RACES
    for task in tasks:
        run_task(DB_NAME, task)
    with Transaction().start(DB_NAME, 0):
        Complaint = Pool().get('complaint.complaint')
        complaints = Complaint.search([('intake_key', 'in', keys)])
        assert {c.intake_key: c.number for c in complaints} == numbers


def _login(browser, url, login):
    "A web client of its own, logged in through the process at url"
    page = browser.new_context(
        viewport={'width': 1440, 'height': 900}, locale='zh-CN').new_page()
    page.set_default_timeout(30_000)
    log_in(page, url, DB_NAME, login, PASSWORD)
    return page


def test_bell_across_processes(database, browser, screenshot):
    """In the web client, an approver opens a step from the bell and
    approves it through one web process; the next approver, whose web client
    talks to the other process, sees the bell ring without reloading: the bus
    carries it between the processes"""
    config, data = database
    subject = "冷柜温度异常"
    approver_id, next_approver_id = data['approvers'][0], data['next_approver']
    with Transaction().start(DB_NAME, 0, context={
                'company': data['company']}) as transaction:
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Notification = pool.get('res.notification')
        ModelData = pool.get('ir.model.data')
        # Both start with a quiet bell
        Notification.write(Notification.search([
                    ('user', 'in', [approver_id, next_approver_id]),
                    ('unread', '=', True),
                    ]), {'unread': False})
        complaint, = Complaint.create([{
                    'company': data['company'],
                    'complainant_name': "赵女士",
                    'subject': subject,
                    'description': "冷柜显示零上五度。",
                    'category': ModelData.get_id(
                        'complaint_plan', 'category_safety'),
                    'state': 'planning',
                    'investigation_duties': "调查",
                    'investigation_methods': "调取监控",
                    'measures': "赔偿",
                    'investigation_time': dt.datetime.now(),
                    'investigation_place': "门店",
                    'responsibility': "当班员工负责",
                    'prevention': "加强培训",
                    }])
        Complaint.process([complaint])
        number = complaint.number
        transaction.commit()
    awaits = f'投诉 {number} 等待您审批'

    with WebServers(config, DB_NAME) as servers:
        first_url, other_url = servers.urls
        next_approver = _login(browser, other_url, 'approver2')
        next_bell = next_approver.locator('.notification-badge:visible').first
        expect(next_bell).to_have_count(0)

        approver = _login(browser, first_url, 'approver0')
        bell = approver.locator('.notification-badge:visible').first
        expect(bell).to_have_text('1')
        bell.click()
        approver.locator(
            '.notification-menu .notification-label', has_text=awaits).click()
        form = approver.locator('#tabs > div > .tab-pane.active .form')
        expect(form.locator('input[name=complaint_subject]')).to_have_value(
            subject)
        form.locator('button[name=approve]').click()
        expect(form.locator('select[name=state]')).to_have_value('"approved"')
        screenshot(approver, 'production_approver_approved')

        expect(next_bell).to_have_text('1')
        next_bell.click()
        expect(next_approver.locator(
                '.notification-menu .notification-label', has_text=awaits)
            ).to_have_count(1)
        screenshot(next_approver, 'production_next_approver_bell')
        for page in [approver, next_approver]:
            page.context.close()
