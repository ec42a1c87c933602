"""P4: the whistleblower record rules cost little.

On a scratch PostgreSQL database with 1,000 reports (some with users
excluded for a conflict of interest), time the search and the read of the
list fields of all reports as a case officer (access checks and the global
rules on) and as root (no checks), and compare.
"""
import datetime as dt
import os
import statistics

from cryptography.fernet import Fernet

from benchmarks.scratch import (
    create_company, report, scratch_database, timed)

REPORTS = 1_000
EXCLUDED = 50
RUNS = 9
TARGET = 1.3
LIST_FIELDS = [
    'number', 'received_at', 'channel', 'category', 'case_officer',
    'verification_status', 'acknowledgement_status', 'feedback_status',
    'feedback_due', 'state', 'rec_name']


def create_reports(name):
    "Return the company and the case officer after inserting the reports"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 1) as transaction:
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')

        company = create_company("基准公司")
        officer_party, other_party = parties = [
            Party(name="周敏"), Party(name="吴刚")]
        Party.save(parties)
        officer_employee = Employee(party=officer_party, company=company)
        other_employee = Employee(party=other_party, company=company)
        Employee.save([officer_employee, other_employee])
        officer_group = ModelData.get_id(
            'whistleblower', 'group_whistleblower_officer')
        officer, other = users = [
            User(login='bench_officer', name="周敏",
                groups=[officer_group], companies=[company],
                company=company, employees=[officer_employee],
                employee=officer_employee),
            User(login='bench_other', name="吴刚",
                groups=[officer_group], companies=[company],
                company=company, employees=[other_employee],
                employee=other_employee),
            ]
        User.save(users)

        cursor = transaction.connection.cursor()
        now = dt.datetime(2026, 3, 1, 9, 0)
        cursor.execute(
            'INSERT INTO whistleblower_report '
            '(number, company, channel, received_at, category, description, '
            'anonymous, case_officer, state, verification_due, '
            'acknowledgement_due, feedback_due, create_uid, create_date) '
            'SELECT %s || lpad(g::text, 5, %s), %s, %s, '
            '%s::timestamp - make_interval(hours => g), %s, %s, '
            'g %% 2 = 0, %s, %s, '
            '%s::timestamp - make_interval(hours => g) + %s::interval, '
            '%s::timestamp - make_interval(hours => g) + %s::interval, '
            '%s::timestamp - make_interval(hours => g) + %s::interval, '
            '0, now() '
            'FROM generate_series(1, %s) AS g',
            ('JB-2026-', '0', company.id, 'written', now, 'equipment',
                "叉车刹车失灵", officer_employee.id, 'investigating',
                now, '24 hours', now, '7 days', now, '3 months', REPORTS))
        # Another officer is excluded from some reports
        cursor.execute(
            'INSERT INTO "whistleblower_report-res_user" '
            '(report, "user", create_uid, create_date) '
            'SELECT id, %s, 0, now() FROM whistleblower_report '
            'ORDER BY id LIMIT %s',
            (other.id, EXCLUDED))
        cursor.execute('ANALYZE whistleblower_report')
        cursor.execute('ANALYZE "whistleblower_report-res_user"')
        transaction.commit()
        return company.id, officer.id


def time_listing(name, user, company):
    "Best and median time to search and read all reports as user"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    context = {'company': company}
    if user:
        context['_check_access'] = True
    timings = []
    count = None
    for _ in range(RUNS + 1):
        with Transaction().start(name, user, context=context) as transaction:
            Report = Pool().get('whistleblower.report')

            def listing():
                nonlocal count
                reports = Report.search([])
                count = len(Report.read([r.id for r in reports], LIST_FIELDS))
            timings.append(timed(listing))
            transaction.rollback()
    # The first run warms the caches up
    return min(timings[1:]), statistics.median(timings[1:]), count


def main():
    os.environ.setdefault(
        'TRYTOND_WHISTLEBLOWER__KEY', Fernet.generate_key().decode())
    from trytond import config

    if not config.has_section('whistleblower'):
        config.add_section('whistleblower')
    config.set(
        'whistleblower', 'key', os.environ['TRYTOND_WHISTLEBLOWER__KEY'])
    with scratch_database(['whistleblower']) as name:
        company, officer = create_reports(name)
        root, root_median, root_count = time_listing(name, 0, company)
        user, user_median, user_count = time_listing(name, officer, company)

    assert root_count == user_count == REPORTS, (root_count, user_count)
    print(
        f"  root: best {root * 1000:.1f} ms, median "
        f"{root_median * 1000:.1f} ms; case officer: best "
        f"{user * 1000:.1f} ms, median {user_median * 1000:.1f} ms",
        flush=True)
    return report(
        f"P4 search and read of {REPORTS:,} reports, case officer vs root",
        user / root, TARGET)


if __name__ == '__main__':
    main()
