"""P3: the approval inbox of a leader costs time in proportion to its
content, not to the complaints.

On a scratch PostgreSQL database, a chain approves handling plans by the
leading group. Every complaint has the approval of its plan: approved (with
its approvers and the decision of one of them) or waiting, all for other
leaders; 20 approvals are pending with the measured leader among their
approvers. As the leader, with access checks and record rules on, time the
count of the approvals to approve by me, the search of their first page and
the read of the fields of the list view, with 1,000 complaints then
100,000, and compare.
"""
import datetime as dt
import statistics
import time

from benchmarks.scratch import (
    create_company, cycle, generate_series, report, scratch_database)

NOW = dt.datetime(2031, 3, 10, 9, 0)
PENDING = 20
SMALL, LARGE = 1_000, 100_000
OTHER_LEADERS = 6
PAGE = 80
RUNS = 15
TARGET = 1.3
# The fields of view/approval_list.xml as the client reads them: the
# Many2One with their names and what the buttons depend on
LIST_FIELDS = [
    'complaint', 'complaint.rec_name', 'complaint_subject',
    'complaint_level', 'complaint_level.rec_name', 'step', 'step.rec_name',
    'approvals_count', 'required_approvals', 'due', 'overdue', 'state',
    'to_me']
INBOX = [('to_me', '=', True)]


def create_chain(name):
    """Create the company, the leaders and the approval chain of the
    leading group; return what the approvals refer to"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 1) as transaction:
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Category = pool.get('complaint.category')
        Chain = pool.get('complaint.approval.chain')

        company = create_company()
        parties = Party.create([{'name': "王总"}] + [
                {'name': f"领导{i}"} for i in range(OTHER_LEADERS)])
        employees = Employee.create([{
                    'party': p.id, 'company': company.id} for p in parties])
        leading_group = ModelData.get_id(
            'complaint_plan', 'group_leading_group')
        leader, *others = User.create([{
                    'login': f'bench_leader{e.id}',
                    'name': e.party.name,
                    'groups': [('add', [leading_group])],
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'employees': [('add', [e.id])],
                    'employee': e.id,
                    } for e in employees])
        category, = Category.search([('name', '=', "Product Quality")])
        level = category.get_default_level()
        chain, = Chain.create([{
                    'name': "领导小组审批",
                    'level': level.id,
                    'steps': [('create', [{
                                    'name': "领导小组",
                                    'approver_kind': 'group',
                                    'group': leading_group,
                                    'required_approvals': 1,
                                    'deadline': dt.timedelta(hours=24),
                                    'timeout_action': 'next',
                                    }])],
                    }])
        setup = {
            'company': company.id,
            'category': category.id,
            'level': level.id,
            'step': chain.steps[0].id,
            'leader': leader.id,
            'others': [u.id for u in others],
            }
        transaction.commit()
    return setup


def add_complaints(name, setup, first, last, pending=False):
    """Insert with bulk SQL the complaints numbered first to last with the
    approval of their plan, its approvers and decision.

    The plans are approved or waiting, for other leaders; or pending with
    the measured leader among the approvers."""
    from sql import Cast, Literal, Null, Union
    from sql.aggregate import Max
    from sql.conditionals import Case, Coalesce
    from sql.functions import CurrentTimestamp
    from sql.operators import Concat

    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 0) as transaction:
        pool = Pool()
        complaint = pool.get('complaint.complaint').__table__()
        approval = pool.get('complaint.approval').__table__()
        candidate = pool.get('complaint.approval-res.user').__table__()
        decision = pool.get('complaint.approval.decision').__table__()
        cursor = transaction.connection.cursor()
        cursor.execute(*complaint.select(Coalesce(Max(complaint.id), 0)))
        last_complaint, = cursor.fetchone()
        cursor.execute(*approval.select(Coalesce(Max(approval.id), 0)))
        last_approval, = cursor.fetchone()

        series = generate_series(first, last)
        g = series.g
        received_at = Literal(NOW) - g * dt.timedelta(minutes=10)
        if pending:
            state = Literal('approving')
        else:
            state = cycle(g, [
                    'processing', 'responded', 'closed', 'closed',
                    'approving'])
        columns = {
            'number': Concat('TS-2031-', Cast(g, 'VARCHAR')),
            'company': Literal(setup['company']),
            'state': state,
            'round': Literal(1),
            'plan_round': Literal(1),
            'channel': Literal('phone'),
            'received_at': received_at,
            'complainant_name': Concat("顾客", Cast(g, 'VARCHAR')),
            'complainant_language': Literal('zh_CN'),
            'subject': Concat("投诉主题 ", Cast(g, 'VARCHAR')),
            'description': Literal("顾客反映商品质量问题，要求退换。"),
            'category': Literal(setup['category']),
            'level': Literal(setup['level']),
            'suggested_level': Literal(setup['level']),
            'acknowledgement_due': received_at + dt.timedelta(hours=2),
            'acknowledged_at': received_at + dt.timedelta(hours=1),
            'resolution_due': received_at + dt.timedelta(days=3),
            'measures': Literal("更换商品并赔偿顾客交通费。"),
            'create_uid': Literal(0),
            'create_date': CurrentTimestamp(),
            }
        cursor.execute(*complaint.insert(
                [getattr(complaint, c) for c in columns],
                series.select(*columns.values())))

        started_at = complaint.received_at + dt.timedelta(days=1)
        if pending:
            approval_state = Literal('pending')
        else:
            approval_state = Case(
                (complaint.state == 'approving', 'waiting'),
                else_='approved')
        decided = approval_state == 'approved'
        cursor.execute(*approval.insert([
                    approval.complaint, approval.step, approval.sequence,
                    approval.round, approval.required_approvals,
                    approval.state, approval.started_at, approval.due,
                    approval.decided_at, approval.create_uid,
                    approval.create_date],
                complaint.select(
                    complaint.id, Literal(setup['step']), Literal(0),
                    Literal(1), Literal(1), approval_state, started_at,
                    started_at + dt.timedelta(hours=24),
                    Case((decided, started_at + dt.timedelta(hours=2)),
                        else_=Null),
                    Literal(0), CurrentTimestamp(),
                    where=complaint.id > last_complaint)))

        # Two other leaders approve each open step, one of them decided
        new = (approval.id > last_approval) & (approval.state != 'waiting')
        others = setup['others']
        approvers = [
            approval.select(
                approval.id.as_('approval'),
                cycle(approval.id + shift, others).as_('user'),
                where=new)
            for shift in range(2)]
        if pending:
            approvers.append(approval.select(
                    approval.id.as_('approval'),
                    Literal(setup['leader']).as_('user'),
                    where=new))
        approvers = Union(*approvers, all_=True)
        cursor.execute(*candidate.insert([
                    candidate.approval, candidate.user,
                    candidate.create_uid, candidate.create_date],
                approvers.select(
                    approvers.approval, approvers.user,
                    Literal(0), CurrentTimestamp())))
        cursor.execute(*decision.insert([
                    decision.approval, decision.user, decision.decision,
                    decision.create_uid, decision.create_date],
                approval.select(
                    approval.id, cycle(approval.id, others),
                    Literal('approve'), Literal(0), CurrentTimestamp(),
                    where=new & (approval.state == 'approved'))))
        for table in [
                'complaint_complaint', 'complaint_approval',
                '"complaint_approval-res_user"',
                'complaint_approval_decision']:
            cursor.execute(f'ANALYZE {table}')
        # The ORM keeps the record counts (they choose the shape of the
        # subqueries) up to date on create only: forget them
        pool.get('complaint.approval')._count_cache.clear()
        transaction.commit()


def inbox(name, setup):
    """Best and median time over RUNS runs of the inbox of the leader and
    the number of lines"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    context = {'_check_access': True, 'company': setup['company']}
    timings = []
    for _ in range(RUNS + 1):
        with Transaction().start(
                name, setup['leader'], context=context) as transaction:
            Approval = Pool().get('complaint.approval')
            start = time.perf_counter()
            count = Approval.search_count(INBOX)
            approvals = Approval.search(INBOX, limit=PAGE)
            rows = Approval.read([a.id for a in approvals], LIST_FIELDS)
            timings.append(time.perf_counter() - start)
            assert count == len(rows) == PENDING, (count, len(rows))
            assert all(r['to_me'] for r in rows)
            transaction.rollback()
    # The first run warms the caches up
    return min(timings[1:]), statistics.median(timings[1:])


def main():
    with scratch_database(['complaint_plan']) as name:
        setup = create_chain(name)
        add_complaints(name, setup, 1, PENDING, pending=True)
        add_complaints(name, setup, PENDING + 1, SMALL)
        small, small_median = inbox(name, setup)
        add_complaints(name, setup, SMALL + 1, LARGE)
        large, large_median = inbox(name, setup)

    print(
        f"P3 timings of the inbox ({PENDING} to approve): "
        f"{SMALL:,} complaints: best {small * 1000:.1f} ms, "
        f"median {small_median * 1000:.1f} ms; "
        f"{LARGE:,} complaints: best {large * 1000:.1f} ms, "
        f"median {large_median * 1000:.1f} ms", flush=True)
    return report(
        f"P3 inbox count and first page for a leader, {LARGE:,} vs "
        f"{SMALL:,} complaints", large / small, TARGET)


if __name__ == '__main__':
    main()
