# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Test the deadlines of approval steps in working time"
import datetime as dt
import unittest

from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction


class ApprovalStepWorkingTimeTestCase(unittest.TestCase):
    "Test the deadline of an approval step in working time"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('complaint_plan')

    @with_transaction()
    def test_step_deadline_units(self):
        "A step's deadline counts in its own unit"
        pool = Pool()
        Step = pool.get('complaint.approval.step')
        company = create_company()
        company.timezone = 'Asia/Shanghai'
        company.save()
        # Friday 27 November 2026, 17:55 in Beijing
        start = dt.datetime(2026, 11, 27, 9, 55)
        self.assertEqual(Step.default_deadline_unit(), 'calendar')
        step = Step(deadline=dt.timedelta(hours=2), deadline_unit='calendar')
        self.assertEqual(
            step.due_from(start, company), start + dt.timedelta(hours=2))
        step.deadline_unit = 'working_hours'
        # Monday 10:55 in Beijing
        self.assertEqual(
            step.due_from(start, company), dt.datetime(2026, 11, 30, 2, 55))
        step.deadline = dt.timedelta(days=1)
        step.deadline_unit = 'working_days'
        # Monday 18:00 in Beijing
        self.assertEqual(
            step.due_from(start, company), dt.datetime(2026, 11, 30, 10, 0))
