"""P2: the reminder and escalation crons cost time in proportion to the due
items, not to the open complaints.

On a scratch PostgreSQL database, open complaints each have their planned
'complaint_resolution' activity. 100 complaints are overdue beyond their
level's delay to alert the leading group, and their activities are overdue
beyond the delay to escalate to the supervisor; the others are due far in
the future. Time one run of the activity reminder cron and of the leading
group alert cron together, with 10,000 open complaints then 100,000, and
compare. Each run is rolled back so the same 100 items are due again.
"""
import datetime as dt
import statistics
import time
from unittest import mock

from benchmarks.scratch import (
    create_company, cycle, generate_series, report, scratch_database)

NOW = dt.datetime(2031, 3, 10, 9, 0)
DUE = 100
SMALL, LARGE = 10_000, 100_000
RUNS = 20
TARGET = 1.3
HANDLERS = 10
LEADERS = 2
# The states of a registered complaint still open: each has its resolution
# activity planned
FILLER_STATES = [
    'registered', 'verifying', 'planning', 'approving', 'processing',
    'waiting']
# The states in which the resolution clock runs and leaders are alerted
DUE_STATES = ['verifying', 'planning', 'processing']


def create_staff(name):
    """Create the company, handlers under a supervisor and leaders, all with
    users, and return what the complaints refer to"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 1) as transaction:
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Category = pool.get('complaint.category')
        Level = pool.get('complaint.level')
        Type = pool.get('scheduled.activity.type')

        company = create_company()
        supervisor_party, *handler_parties = Party.create(
            [{'name': "主管"}] + [
                {'name': f"处理人{i}"} for i in range(HANDLERS)])
        supervisor, = Employee.create([{
                    'party': supervisor_party.id, 'company': company.id}])
        handlers = Employee.create([{
                    'party': p.id, 'company': company.id,
                    'supervisor': supervisor.id} for p in handler_parties])
        leading_group = ModelData.get_id(
            'complaint_plan', 'group_leading_group')
        User.create([{
                    'login': f'bench_employee{e.id}',
                    'name': e.party.name,
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'employees': [('add', [e.id])],
                    'employee': e.id,
                    } for e in handlers + [supervisor]] + [{
                    'login': f'bench_leader{i}',
                    'name': f"领导{i}",
                    'groups': [('add', [leading_group])],
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    } for i in range(LEADERS)])
        category, = Category.search([('name', '=', "Product Quality")])
        levels = Level.search([('leaders_escalation_delay', '!=', None)])
        staff = {
            'company': company.id,
            'category': category.id,
            'levels': [(l.id, l.resolution_delay) for l in levels],
            'longest_escalation': max(
                l.leaders_escalation_delay for l in levels),
            'handlers': [e.id for e in handlers],
            'type': Type.get_by_code('complaint_resolution').id,
            }
        transaction.commit()
    return staff


def add_open_complaints(name, staff, first, last, states, resolution_due):
    """Insert with bulk SQL the complaints numbered first to last in the
    states, with resolution_due(g) as deadline, and their planned resolution
    activities due at the same time"""
    from sql import Cast, Literal
    from sql.aggregate import Max
    from sql.conditionals import Coalesce
    from sql.functions import CurrentTimestamp
    from sql.operators import Concat

    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 0) as transaction:
        pool = Pool()
        complaint = pool.get('complaint.complaint').__table__()
        activity = pool.get('scheduled.activity').__table__()
        cursor = transaction.connection.cursor()
        cursor.execute(*complaint.select(Coalesce(Max(complaint.id), 0)))
        last_id, = cursor.fetchone()

        series = generate_series(first, last)
        g = series.g
        due = resolution_due(g)
        level = cycle(g, [l for l, _ in staff['levels']])
        received_at = due - cycle(g, [d for _, d in staff['levels']])
        columns = {
            'number': Concat('TS-2031-', Cast(g, 'VARCHAR')),
            'company': Literal(staff['company']),
            'state': cycle(g, states),
            'round': Literal(1),
            'plan_round': Literal(0),
            'channel': Literal('phone'),
            'received_at': received_at,
            'complainant_name': Concat("顾客", Cast(g, 'VARCHAR')),
            'complainant_language': Literal('zh_CN'),
            'complainant_phone': Literal('13800138000'),
            'subject': Concat("投诉主题 ", Cast(g, 'VARCHAR')),
            'description': Literal("顾客反映商品质量问题，要求退换。"),
            'category': Literal(staff['category']),
            'level': level,
            'suggested_level': level,
            'responsible': cycle(g, staff['handlers']),
            'acknowledgement_due': received_at + dt.timedelta(hours=2),
            'acknowledged_at': received_at + dt.timedelta(hours=1),
            'resolution_due': due,
            'create_uid': Literal(0),
            'create_date': CurrentTimestamp(),
            }
        cursor.execute(*complaint.insert(
                [getattr(complaint, c) for c in columns],
                series.select(*columns.values())))
        cursor.execute(*activity.insert([
                    activity.company, activity.resource, activity.type,
                    activity.subject, activity.assignee, activity.due,
                    activity.state, activity.create_uid,
                    activity.create_date],
                complaint.select(
                    complaint.company,
                    Concat('complaint.complaint,',
                        Cast(complaint.id, 'VARCHAR')),
                    Literal(staff['type']),
                    Concat("答复投诉 ", complaint.number),
                    complaint.responsible,
                    complaint.resolution_due,
                    Literal('planned'),
                    Literal(0),
                    CurrentTimestamp(),
                    where=complaint.id > last_id)))
        cursor.execute('ANALYZE complaint_complaint')
        cursor.execute('ANALYZE scheduled_activity')
        # The ORM keeps the record counts (they choose the shape of the
        # subqueries) up to date on create only: forget them
        pool.get('complaint.complaint')._count_cache.clear()
        transaction.commit()


def time_crons(name):
    """Best and median time of one run of both crons over RUNS runs, each
    rolled back, and the notifications a run creates"""
    from trytond.modules.scheduled_activity import clock
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    timings = []
    for _ in range(RUNS + 1):
        with (mock.patch.object(clock, 'now', return_value=NOW),
                Transaction().start(name, 0) as transaction):
            pool = Pool()
            Activity = pool.get('scheduled.activity')
            Complaint = pool.get('complaint.complaint')
            Notification = pool.get('res.notification')
            start = time.perf_counter()
            Activity.send_reminders()
            Complaint.escalate_to_leaders()
            # notify_user stores its notifications at commit: store them
            # here so that the run includes their cost
            transaction._store_user_notifications()
            timings.append(time.perf_counter() - start)
            sent = Notification.search_count([])
            transaction.rollback()
    # The first run warms the caches up
    return min(timings[1:]), statistics.median(timings[1:]), sent


def main():
    from sql import Literal

    with scratch_database(['complaint_plan']) as name:
        staff = create_staff(name)
        # Past the leaders' alert delay of every level and past the
        # escalation delay of the activities
        overdue = NOW - staff['longest_escalation'] - dt.timedelta(hours=1)
        add_open_complaints(
            name, staff, 1, DUE, DUE_STATES,
            lambda g: Literal(overdue) - g * dt.timedelta(minutes=1))
        # Due 30 days and more after NOW: nothing to notify
        later = NOW + dt.timedelta(days=30)

        def filler(g):
            return Literal(later) + g * dt.timedelta(minutes=1)
        add_open_complaints(
            name, staff, DUE + 1, SMALL, FILLER_STATES, filler)
        small, small_median, sent = time_crons(name)
        add_open_complaints(
            name, staff, SMALL + 1, LARGE, FILLER_STATES, filler)
        large, large_median, sent_large = time_crons(name)

    assert sent == sent_large > 0, (sent, sent_large)
    print(
        f"P2 timings of one run of both crons ({sent} notifications): "
        f"{SMALL:,} open: best {small * 1000:.1f} ms, "
        f"median {small_median * 1000:.1f} ms; "
        f"{LARGE:,} open: best {large * 1000:.1f} ms, "
        f"median {large_median * 1000:.1f} ms", flush=True)
    return report(
        f"P2 reminder and escalation crons, {DUE} due among {LARGE:,} vs "
        f"{SMALL:,} open complaints", large / small, TARGET)


if __name__ == '__main__':
    main()
