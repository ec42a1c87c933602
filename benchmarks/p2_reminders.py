"""P2: the reminder cron costs time in proportion to the due activities.

On a scratch PostgreSQL database, time the reminder cron with 100 due
activities among 10,000 open ones, then among 100,000, and compare.
"""
import datetime as dt
import os
import statistics
import time

NOW = dt.datetime(2031, 3, 10, 9, 0)
DUE = 100
SMALL, LARGE = 10_000, 100_000
RUNS = 15
TARGET = 1.3
EMPLOYEES = 10


def create_database(name):
    from trytond import backend
    from trytond.pool import Pool

    database = backend.Database()
    database.connect()
    connection = database.get_connection(autocommit=True)
    try:
        database.create(connection, name)
    finally:
        database.put_connection(connection)
        database.close()
    database = backend.Database(name)
    connection = database.get_connection()
    try:
        database.init()
        with connection.cursor() as cursor:
            cursor.execute(
                'INSERT INTO ir_configuration (language) VALUES (%s)',
                ('en',))
        connection.commit()
    finally:
        database.put_connection(connection)
    Pool(name).init(
        update=['res', 'ir', 'scheduled_activity'], lang=['en'],
        activatedeps=True)


def drop_database(name):
    from trytond import backend
    from trytond.cache import Cache
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    database = backend.Database(name)
    database.close()
    with Transaction().start(None, 0, close=True, autocommit=True) as tx:
        database.drop(tx.connection, name)
        Pool.stop(name)
        Cache.drop(name)


def create_staff(name):
    "Return the company, the activity type and employees having a user"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 0) as transaction:
        pool = Pool()
        Currency = pool.get('currency.currency')
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        Type = pool.get('scheduled.activity.type')

        currency = Currency(name="人民币", code='CNY', symbol="¥")
        currency.save()
        parties = [Party(name="基准公司"), Party(name="主管")] + [
            Party(name=f"员工{i}") for i in range(EMPLOYEES)]
        Party.save(parties)
        company = Company(party=parties[0], currency=currency)
        company.save()
        supervisor = Employee(party=parties[1], company=company)
        supervisor.save()
        employees = [
            Employee(party=p, company=company, supervisor=supervisor)
            for p in parties[2:]]
        Employee.save(employees)
        User.save([
                User(login=f'bench{e.id}', name=e.party.name,
                    companies=[company], company=company,
                    employees=[e], employee=e)
                for e in employees + [supervisor]])
        type_id = Type.get_by_code('call').id
        transaction.commit()
        return company.id, type_id, [e.id for e in employees]


def add_open_activities(name, count, company, type_, employees, offset):
    "Insert planned activities due well after NOW with bulk SQL"
    from trytond.transaction import Transaction

    with Transaction().start(name, 0) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(
            'INSERT INTO scheduled_activity '
            '(company, type, subject, assignee, due, state, '
            'create_uid, create_date) '
            'SELECT %s, %s, %s, (%s::int[])[1 + g %% %s::int], '
            '%s::timestamp + make_interval(mins => g), %s, 0, now() '
            'FROM generate_series(%s::int, %s::int) AS g',
            (company, type_, "预定回访", employees, len(employees),
                NOW + dt.timedelta(days=7), 'planned',
                offset + 1, offset + count))
        cursor.execute('ANALYZE scheduled_activity')
        transaction.commit()


def add_due_activities(name, company, type_, employees):
    "Plan through the ORM activities to remind, overdue and to escalate"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    dues = [
        NOW + dt.timedelta(minutes=30),
        NOW - dt.timedelta(minutes=30),
        NOW - dt.timedelta(days=2),
        ]
    with Transaction().start(name, 0) as transaction:
        Activity = Pool().get('scheduled.activity')
        Activity.save([
                Activity(company=company, type=type_,
                    assignee=employees[i % len(employees)],
                    subject=f"到期回访{i}", due=dues[i % len(dues)])
                for i in range(DUE)])
        transaction.commit()


def time_cron(name):
    """Best and median time of the cron over RUNS runs, each rolled back
    (the best is the least disturbed by the other work of the machine)"""
    from trytond.modules.scheduled_activity.activity import CLOCK
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    timings = []
    for _ in range(RUNS + 1):
        with Transaction().start(
                name, 0, context={CLOCK: NOW}) as transaction:
            Activity = Pool().get('scheduled.activity')
            Notification = Pool().get('res.notification')
            start = time.perf_counter()
            Activity.send_reminders()
            timings.append(time.perf_counter() - start)
            sent = Notification.search_count([])
            transaction.rollback()
    # The first run warms the caches up
    return min(timings[1:]), statistics.median(timings[1:]), sent


def main():
    os.environ.setdefault(
        'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/')
    from trytond import backend
    from trytond.pool import Pool

    if backend.name != 'postgresql':
        print("P2 reminder cron: needs PostgreSQL (TRYTOND_DATABASE_URI)")
        return
    Pool.start()
    name = f'bench_p2_{os.getpid()}'
    create_database(name)
    try:
        company, type_, employees = create_staff(name)
        add_due_activities(name, company, type_, employees)
        add_open_activities(name, SMALL, company, type_, employees, 0)
        small, small_median, sent = time_cron(name)
        add_open_activities(
            name, LARGE - SMALL, company, type_, employees, SMALL)
        large, large_median, sent_large = time_cron(name)
    finally:
        drop_database(name)

    assert sent == sent_large, (sent, sent_large)
    ratio = large / small
    print(
        f"P2 reminder cron, {DUE} due among {LARGE:,} vs {SMALL:,} open: "
        f"{ratio:.2f}x (target <= {TARGET}) "
        f"{'OK' if ratio <= TARGET else 'FAIL'}")
    print(
        f"  {SMALL:,} open: best {small * 1000:.1f} ms, "
        f"median {small_median * 1000:.1f} ms; "
        f"{LARGE:,} open: best {large * 1000:.1f} ms, "
        f"median {large_median * 1000:.1f} ms; "
        f"{sent} notifications per run")


if __name__ == '__main__':
    main()
