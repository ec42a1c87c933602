"""P7: related-complaint detection finds the complaints about the same
incident, at a cost that does not follow the number of complaints.

On a scratch PostgreSQL database:

* register the labelled set of complaint_related (409 complaints written by
  hand, 73 incidents of 3 to 6 complaints, 98 about nothing else, 23 % in
  English; see tests/related_set.py) one by one in the order received, and
  report on its held-out part, kept out of training and tuning: the
  precision of the top 5 probably related complaints (with, beside it, the
  figure counting the empty slots the incident could have filled as misses),
  the mean average precision, the share of complaints of no incident shown
  anything and the English-Chinese recall of the top 5; the same for the
  unseen set (131 complaints written after the model and its glossary by
  someone who saw neither), registered with the training part in another
  company;
* fill the complaints and their indexed terms with bulk SQL, the terms being
  those of a complaint of the labelled set and a product code each, one
  complaint every 10 minutes up to now, 8 in 10 closed 3 days after; time
  the related search of one new complaint (the candidates from the index,
  their probabilities, the probable relations stored) with 10,000
  complaints then 100,000, and compare.
"""
import datetime as dt
import statistics
import time

from benchmarks.scratch import (
    create_company, cycle, generate_series, report, scratch_database)

SMALL, LARGE = 10_000, 100_000
RUNS = 15
TARGET = 2.0
# The targets of issue 19 on the held-out part
PRECISION_TARGET = 0.90
MAP_TARGET = 0.75
UNRELATED_TARGET = 0.25
CROSS_RECALL_TARGET = 0.5
# Filler complaints: one every 10 minutes, most of them closed
STATES = ['closed'] * 8 + ['processing', 'registered']
PRODUCTS = 5_000
NEW_COMPLAINT = {
    'subject': "冷冻柜坏了",
    'description': "五一广场店冻品区的冷冻柜不制冷，冰淇淋和速冻水饺都化了。",
    }


def labelled_set(name, entries=None):
    """Register the labelled set, or the entries, in a company of their own;
    return the company, the stores and the measures of the held-out part"""
    from trytond.modules.complaint_related.tests.related_set import (
        evaluate, register_complaints)
    from trytond.transaction import Transaction

    with Transaction().start(name, 1) as transaction:
        company = create_company()
        with transaction.set_context(company=company.id):
            complaints = register_complaints(company, entries)
            measures = evaluate(complaints, entries)
            setup = {
                'company': company.id,
                'stores': sorted({str(c.respondent) for c in complaints
                        if c.respondent}),
                'category': complaints[0].category.id,
                'level': complaints[0].level.id,
                }
        transaction.commit()
    return setup, measures


def create_entry_terms(name, setup):
    """Store the terms of each complaint of the labelled set (of the
    company of the setup) in a table of its own, numbered from 0, for the
    fillers to copy"""
    from sql import Table
    from sql.aggregate import Min

    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 0) as transaction:
        pool = Pool()
        term = pool.get('complaint.term').__table__()
        complaint = pool.get('complaint.complaint').__table__()
        entry_terms = Table('bench_entry_terms')
        cursor = transaction.connection.cursor()
        cursor.execute('CREATE TABLE bench_entry_terms ('
            'entry INTEGER, term VARCHAR, occurrences INTEGER)')
        labelled = term.join(complaint,
            condition=term.complaint == complaint.id)
        where = complaint.company == setup['company']
        cursor.execute(*labelled.select(Min(term.complaint), where=where))
        first, = cursor.fetchone()
        cursor.execute(*entry_terms.insert(
                [entry_terms.entry, entry_terms.term,
                    entry_terms.occurrences],
                labelled.select(term.complaint - first, term.term,
                    term.occurrences, where=where)))
        cursor.execute('SELECT COUNT(DISTINCT entry) FROM bench_entry_terms')
        entries, = cursor.fetchone()
        transaction.commit()
    return entries


def add_complaints(name, setup, entries, first, last):
    """Insert with bulk SQL the complaints numbered first to last, with the
    terms of a complaint of the labelled set and a product code each"""
    from sql import Cast, Literal, Null, Table
    from sql.aggregate import Max
    from sql.conditionals import Case, Coalesce
    from sql.functions import CurrentTimestamp
    from sql.operators import Concat

    from trytond.pool import Pool
    from trytond.transaction import Transaction

    now = dt.datetime.now().replace(microsecond=0)
    with Transaction().start(name, 0) as transaction:
        pool = Pool()
        complaint = pool.get('complaint.complaint').__table__()
        term = pool.get('complaint.term').__table__()
        entry_terms = Table('bench_entry_terms')
        cursor = transaction.connection.cursor()
        cursor.execute(*complaint.select(Coalesce(Max(complaint.id), 0)))
        last_complaint, = cursor.fetchone()

        series = generate_series(first, last)
        g = series.g
        # Numbered in the order received, the last of LARGE now: the first
        # SMALL are the oldest
        received_at = Literal(now) - (Literal(LARGE) - g) * dt.timedelta(
            minutes=10)
        state = cycle(g, STATES)
        columns = {
            'number': Concat('TS-BENCH-', Cast(g, 'VARCHAR')),
            'company': Literal(setup['company']),
            'state': state,
            'round': Literal(1),
            'plan_round': Literal(0),
            'channel': Literal('phone'),
            'received_at': received_at,
            'complainant_name': Concat("顾客", Cast(g, 'VARCHAR')),
            'complainant_language': Literal('zh_CN'),
            'respondent': cycle(g, setup['stores']),
            'subject': Concat("投诉 ", Cast(g, 'VARCHAR')),
            'description': Literal("……"),
            'category': Literal(setup['category']),
            'level': Literal(setup['level']),
            'suggested_level': Literal(setup['level']),
            'acknowledged_at': received_at + dt.timedelta(hours=1),
            'closed_at': Case(
                (state == 'closed', received_at + dt.timedelta(days=3)),
                else_=Null),
            'create_uid': Literal(0),
            'create_date': CurrentTimestamp(),
            }
        # Inserted in order, so that the ids follow the received time
        cursor.execute(*complaint.insert(
                [getattr(complaint, c) for c in columns],
                series.select(*columns.values(), order_by=[g])))
        new = complaint.select(complaint.id,
            where=complaint.id > last_complaint)
        company = Literal(setup['company'])
        cursor.execute(*term.insert(
                [term.complaint, term.company, term.term, term.occurrences,
                    term.create_uid, term.create_date],
                new.join(entry_terms,
                    condition=entry_terms.entry == (new.id % entries)
                    ).select(new.id, company, entry_terms.term,
                    entry_terms.occurrences, Literal(0),
                    CurrentTimestamp())))
        cursor.execute(*term.insert(
                [term.complaint, term.company, term.term, term.occurrences,
                    term.create_uid, term.create_date],
                new.select(new.id, company,
                    Concat('sku', Cast(new.id % PRODUCTS, 'VARCHAR')),
                    Literal(1), Literal(0), CurrentTimestamp())))
        for table in ['complaint_complaint', 'complaint_term']:
            cursor.execute(f'ANALYZE {table}')
        transaction.commit()


def related_search(name, setup):
    """Best and median time of the related search of one new complaint over
    RUNS runs, and the number of probably related complaints found"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    context = {'company': setup['company']}
    with Transaction().start(name, 1, context=context) as transaction:
        Complaint = Pool().get('complaint.complaint')
        complaint, = Complaint.create([{
                    'complainant_name': "顾客",
                    'respondent': setup['stores'][0],
                    'category': setup['category'],
                    **NEW_COMPLAINT,
                    }])
        Complaint.write([complaint], {'state': 'registered'})
        Complaint.index_terms([complaint])
        complaint_id = complaint.id
        transaction.commit()

    timings = []
    for _ in range(RUNS + 1):
        with Transaction().start(
                name, 1, context=context) as transaction:
            Complaint = Pool().get('complaint.complaint')
            complaint = Complaint(complaint_id)
            start = time.perf_counter()
            Complaint.find_related([complaint])
            timings.append(time.perf_counter() - start)
            found = len(complaint.related_complaints)
            transaction.rollback()
    # The first run warms the caches up
    return min(timings[1:]), statistics.median(timings[1:]), found


def quality_reports(part, measures):
    "Report the measures of a held-out part against the targets"
    return [
        report(
            f"P7 {part}: precision of the top 5 "
            f"({measures['precision_strict']:.2f} with missing slots as "
            "misses)", measures['precision'], PRECISION_TARGET,
            comparison='>=', unit=''),
        report(f"P7 {part}: mean average precision", measures['map'],
            MAP_TARGET, comparison='>=', unit=''),
        report(f"P7 {part}: share of unrelated complaints shown anything",
            measures['unrelated'], UNRELATED_TARGET, unit=''),
        report(f"P7 {part}: English-Chinese recall of the top 5",
            measures['cross_recall'], CROSS_RECALL_TARGET,
            comparison='>=', unit=''),
        ]


def main():
    from trytond.modules.complaint_related.tests.related_set import (
        unseen_set)

    with scratch_database(['complaint_related']) as name:
        setup, measures = labelled_set(name)
        _, unseen_measures = labelled_set(name, unseen_set())
        entries = create_entry_terms(name, setup)
        add_complaints(name, setup, entries, 1, SMALL)
        small, small_median, small_found = related_search(name, setup)
        add_complaints(name, setup, entries, SMALL + 1, LARGE)
        large, large_median, large_found = related_search(name, setup)

    print(
        f"P7 timings of the related search of one complaint: "
        f"{SMALL:,} complaints: best {small * 1000:.1f} ms, "
        f"median {small_median * 1000:.1f} ms, {small_found} found; "
        f"{LARGE:,} complaints: best {large * 1000:.1f} ms, "
        f"median {large_median * 1000:.1f} ms, {large_found} found",
        flush=True)
    met = [report(
            f"P7 related search, one complaint against {LARGE:,} vs "
            f"{SMALL:,}", large / small, TARGET),
        *quality_reports("held out", measures),
        *quality_reports("unseen set", unseen_measures),
        ]
    return all(met)


if __name__ == '__main__':
    main()
