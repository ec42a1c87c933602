# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Two retention runs at the same moment erase and log each record once"
import datetime as dt
import threading
import unittest
from unittest.mock import patch

import pytest
from dateutil.relativedelta import relativedelta

from trytond import backend
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

from . import data

CLOCK = 'trytond.modules.scheduled_activity.clock.now'


@pytest.mark.postgresql
class RetentionConcurrencyTestCase(ModuleDatabaseTestCase):
    "Test two retention runs at the same moment"
    modules = ['personal_data']

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
            company = create_company()
            with set_company(company):
                data.create_person_records(company)
            transaction.commit()

    def run_cron(self, barrier, outcomes):
        "Run the retention in its own transaction, as trytond-cron does"
        try:
            with Transaction().start(DB_NAME, 0) as transaction:
                Retention = Pool().get('personal_data.retention')
                # Take the snapshot before the other run commits
                transaction.connection.cursor().execute('SELECT 1')
                barrier.wait(timeout=30)
                Retention.erase_expired()
                transaction.commit()
        except backend.DatabaseOperationalError as exception:
            outcomes.append(exception)
        else:
            outcomes.append('committed')

    def logs(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            Log = Pool().get('personal_data.erasure_log')
            logs = sorted((l.kind, l.count) for l in Log.search([]))
            transaction.rollback()
        return logs

    def test_concurrent_runs_erase_once(self):
        "Two runs at the same moment erase and log each record once"
        later = dt.datetime.now() + relativedelta(months=40)
        barrier = threading.Barrier(2)
        outcomes = []
        with patch(CLOCK, return_value=later):
            threads = [
                threading.Thread(
                    target=self.run_cron, args=(barrier, outcomes))
                for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)

            # One run commits, the other fails on the rows claimed by the
            # first
            self.assertEqual(outcomes.count('committed'), 1)
            self.assertEqual(len(outcomes), 2)
            logs = self.logs()
            self.assertEqual(logs, [
                    ('attachment', 1), ('certificate', 1), ('complaint', 1),
                    ('email', 2), ('feedback', 1), ('preshift', 1)])

            # The failed run is retried, as trytond-cron does: nothing new
            self.run_cron(threading.Barrier(1), outcomes)
        self.assertEqual(self.logs(), logs)
