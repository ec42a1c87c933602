"""P5: generating one day of inspections for 1,000 store schedules.

On a scratch PostgreSQL database with 1,000 daily schedules of one store each
(one store in ten is in a dusty region, so it is inspected twice a day),
time:
- the bare creates of the same inspections, lines and activities (values
  computed beforehand, rolled back),
- the generation cron creating them (first run),
- the generation cron again, with nothing new to create (second run).
The first run must stay within 2x of the bare creates, the second within
0.1x of the first.
"""
import datetime as dt
from unittest import mock

from benchmarks.scratch import (
    create_company, report, scratch_database, timed)

SCHEDULES = 1_000
DUSTY_EVERY = 10
# The clock of the cron (naive UTC): the day's inspections start at 09:00
NOW = dt.datetime(2031, 3, 10, 0, 0)


def create_schedules(name):
    "Create the company, an inspector, the stores and their schedules"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 1) as transaction:
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        Store = pool.get('hygiene.store')
        Schedule = pool.get('hygiene.schedule')
        Checklist = pool.get('hygiene.checklist')

        company = create_company("基准公司")
        inspector_party, = Party.create([{'name': "孙丽"}])
        inspector = Employee(party=inspector_party, company=company)
        inspector.save()
        checklist, = Checklist.search([])
        stores = Store.create([{
                    'name': f"门店{i:04d}",
                    'code': f'S{i:04d}',
                    'company': company.id,
                    'dusty_region': not i % DUSTY_EVERY,
                    } for i in range(SCHEDULES)])
        Schedule.create([{
                    'name': f"每日卫生检查 {store.code}",
                    'company': company.id,
                    'checklist': checklist.id,
                    'inspector': inspector.id,
                    'start_date': NOW.date(),
                    'stores': [('add', [store.id])],
                    } for store in stores])
        transaction.commit()
        return company.id


def main():
    from trytond.modules.scheduled_activity import clock
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with scratch_database(['store_hygiene']) as name, \
            mock.patch.object(clock, 'now', return_value=NOW):
        company_id = create_schedules(name)
        context = {'company': company_id}

        with Transaction().start(name, 0, context=context) as transaction:
            pool = Pool()
            Schedule = pool.get('hygiene.schedule')
            Inspection = pool.get('hygiene.inspection')
            Activity = pool.get('scheduled.activity')
            Type = pool.get('scheduled.activity.type')
            Configuration = pool.get('hygiene.configuration')
            end = NOW + Configuration(1).horizon
            type_id = Type.get_by_code('inspection').id
            vlist = []
            for schedule in Schedule.search([]):
                for store in schedule.stores:
                    inspector = schedule.get_inspector(store)
                    for planned_at, items in schedule.occurrences(
                            store, NOW, end):
                        vlist.append(schedule._inspection_values(
                                store, inspector, planned_at, items))

            def bare():
                inspections = Inspection.create(vlist)
                Activity.create([{
                            'company': i.company.id,
                            'resource': str(i),
                            'type': type_id,
                            'assignee': i.inspector.id,
                            'due': i.due_at,
                            'subject': i._activity_subject(),
                            } for i in inspections])
            bare_time = timed(bare)
            transaction.rollback()

        def generate():
            with Transaction().start(name, 0, context=context):
                Pool().get('hygiene.schedule').generate_inspections()
        first_time = timed(generate)
        second_time = timed(generate)

        with Transaction().start(name, 0) as transaction:
            pool = Pool()
            created = pool.get('hygiene.inspection').search([], count=True)
            lines = pool.get('hygiene.inspection.line').search(
                [], count=True)

        print(f"{SCHEDULES} schedules: {created} inspections with {lines} "
            f"lines; bare creates {bare_time:.2f}s, first run "
            f"{first_time:.2f}s, second run {second_time:.3f}s", flush=True)
        report("P5 first generation vs bare creates",
            first_time / bare_time, 2)
        report("P5 second generation vs first",
            second_time / first_time, 0.1)
