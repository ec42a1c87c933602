# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import threading
import unittest
from collections import Counter

import pytest

from trytond import backend
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, clock_at)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

NOW = dt.datetime(2031, 3, 10, 9, 0)


@pytest.mark.postgresql
class ScheduledActivityConcurrencyTestCase(ModuleDatabaseTestCase):
    "Test two reminder crons running at the same moment"
    # The data is committed: work on a database of its own
    modules = ['scheduled_activity']

    @classmethod
    def setUpClass(cls):
        if backend.name != 'postgresql':
            raise unittest.SkipTest(
                "needs PostgreSQL: SQLite serialises whole transactions, "
                "so two cron transactions never overlap")
        super().setUpClass()

    def setUp(self):
        super().setUp()
        with Transaction().start(DB_NAME, 0) as transaction:
            self.create_activities()
            transaction.commit()

    def create_activities(self):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        User = pool.get('res.user')

        company = create_company()
        with set_company(company):
            supervisor = create_employee(company, "王主管")
            employees = [
                create_employee(company, f"员工{i}") for i in range(5)]
            for employee in employees:
                employee.supervisor = supervisor
            pool.get('company.employee').save(employees)
        User.save([
                User(login=f'user{e.id}', name=e.party.name,
                    companies=[company], company=company,
                    employees=[e], employee=e)
                for e in employees + [supervisor]])

        activities = []
        # Due soon (reminder), overdue, and overdue for two days (escalated)
        dues = [
            NOW + dt.timedelta(minutes=30),
            NOW - dt.timedelta(minutes=30),
            NOW - dt.timedelta(days=2),
            ]
        for i, employee in enumerate(employees * 4):
            due = dues[i % 3]
            activities.append(Activity(
                    company=company, type=self.call(), assignee=employee,
                    subject=f"回访{i}", due=due))
        Activity.save(activities)

    def call(self):
        Type = Pool().get('scheduled.activity.type')
        return Type.get_by_code('call')

    def run_cron(self, barrier, outcomes):
        "Run the reminder cron in its own transaction, as trytond-cron does"
        try:
            with Transaction().start(DB_NAME, 0) as transaction:
                pool = Pool()
                Activity = pool.get('scheduled.activity')
                # Take the snapshot before the other run commits
                transaction.connection.cursor().execute('SELECT 1')
                barrier.wait(timeout=30)
                Activity.send_reminders()
                transaction.commit()
        except backend.DatabaseOperationalError as exception:
            outcomes.append(exception)
        else:
            outcomes.append('committed')

    def notices(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            Notification = Pool().get('res.notification')
            notices = Counter(
                (n.user.id, n.records, n.label)
                for n in Notification.search([]))
            transaction.rollback()
        return notices

    def test_concurrent_runs_send_once(self):
        "Two cron runs at the same moment notify each activity once"
        # trytond-cron runs at NOW
        with clock_at(NOW):
            barrier = threading.Barrier(2)
            outcomes = []
            threads = [
                threading.Thread(
                    target=self.run_cron, args=(barrier, outcomes))
                for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)

            # One run commits, the other fails on the rows the first claimed
            self.assertEqual(outcomes.count('committed'), 1)
            self.assertEqual(len(outcomes), 2)
            notices = self.notices()
            # 7 reminders, 13 overdue notices and 6 escalations
            self.assertEqual(sum(notices.values()), 7 + 13 + 6)
            self.assertEqual(max(notices.values()), 1)

            # The failed run is retried, as trytond-cron does: nothing new
            self.run_cron(threading.Barrier(1), outcomes)
            self.assertEqual(self.notices(), notices)
