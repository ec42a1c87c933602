# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Test the working calendar: its computation and who may change it"
import datetime as dt
import unittest

from hypothesis import given, settings, strategies as st

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.tests.tools import (
    as_user, clock_at, create_user)
from trytond.modules.scheduled_activity.working_calendar import (
    DEFAULT_HOURS, WorkingTime)
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction


def default_working_time(**kwargs):
    hours = {}
    for day, start, end in DEFAULT_HOURS:
        hours.setdefault(day, []).append((start, end))
    return WorkingTime(hours, **kwargs)


# Years the holiday package knows, so that nothing is guessed
moments = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2025, 12, 1)
    ).map(lambda d: d.replace(second=0, microsecond=0))
working_hours = st.integers(min_value=1, max_value=60 * 9 * 40).map(
    lambda m: dt.timedelta(minutes=m))
working_days = st.integers(min_value=1, max_value=60).map(
    lambda d: dt.timedelta(days=d))


class WorkingTimeTestCase(unittest.TestCase):
    "Test the computation of working time"

    def setUp(self):
        self.working = default_working_time()

    def test_friday_evening(self):
        "2 working hours from Friday 17:55 are due on Monday 10:55"
        self.assertEqual(
            self.working.add(dt.datetime(2025, 11, 28, 17, 55),
                dt.timedelta(hours=2), 'working_hours'),
            dt.datetime(2025, 12, 1, 10, 55))

    def test_national_day(self):
        "3 working days from the last working day before National Day"
        # 2025: 1-8 October off, Saturday 11 October worked (调休)
        self.assertEqual(
            self.working.add(dt.datetime(2025, 9, 30, 10, 0),
                dt.timedelta(days=3), 'working_days'),
            dt.datetime(2025, 10, 11, 18, 0))

    def test_adjusted_sunday(self):
        "Sunday 28 September 2025 is worked: it counts"
        self.assertEqual(
            self.working.add(dt.datetime(2025, 9, 26, 17, 0),
                dt.timedelta(hours=2), 'working_hours'),
            dt.datetime(2025, 9, 28, 10, 0))

    def test_closure_and_extra_day(self):
        "The administrator's closures and extra working days count"
        working = default_working_time(
            closures={dt.date(2025, 12, 1)},
            extra_days={dt.date(2025, 11, 29)})
        self.assertEqual(
            working.add(dt.datetime(2025, 11, 28, 17, 0),
                dt.timedelta(hours=2), 'working_hours'),
            dt.datetime(2025, 11, 29, 10, 0))
        self.assertEqual(
            working.add(dt.datetime(2025, 11, 29, 17, 0),
                dt.timedelta(hours=2), 'working_hours'),
            dt.datetime(2025, 12, 2, 10, 0))

    def test_unknown_year(self):
        "A year the package does not know is flagged, not guessed"
        working = default_working_time()
        working.add(dt.datetime(2003, 12, 30, 10), dt.timedelta(days=5),
            'working_days')
        self.assertEqual(working.unknown_years, {2003, 2004} - {2004})
        working = default_working_time(known_years={2003})
        working.add(dt.datetime(2003, 12, 1, 10), dt.timedelta(days=5),
            'working_days')
        self.assertEqual(working.unknown_years, set())

    def test_calendar_unit(self):
        "Calendar time is added as it is"
        start = dt.datetime(2025, 10, 1, 3, 0)
        self.assertEqual(
            self.working.add(start, dt.timedelta(hours=7), 'calendar'),
            start + dt.timedelta(hours=7))

    @settings(max_examples=200, deadline=None)
    @given(moments, working_hours)
    def test_hours_round_trip(self, start, amount):
        "Adding working hours and taking them back returns to the start"
        due = self.working.add(start, amount, 'working_hours')
        back = self.working.add(due, -amount, 'working_hours')
        self.assertEqual(
            self.working.between(start, due, 'working_hours'), amount)
        self.assertEqual(
            self.working.between(back, start, 'working_hours'),
            dt.timedelta())
        if any(s < start < e for s, e in self.working.intervals(
                    start.date())):
            self.assertEqual(back, start)

    @settings(max_examples=200, deadline=None)
    @given(moments, working_hours)
    def test_hours_due_in_working_time(self, start, amount):
        "A due date in working hours is a working moment"
        due = self.working.add(start, amount, 'working_hours')
        self.assertTrue(self.working.is_working(due), due)
        self.assertGreater(due, start)

    @settings(max_examples=200, deadline=None)
    @given(moments, working_days)
    def test_days(self, start, amount):
        "Working days end a working day, and count back to the same number"
        due = self.working.add(start, amount, 'working_days')
        self.assertTrue(self.working.is_working(due), due)
        self.assertEqual(
            self.working.between(start, due, 'working_days'), amount)
        self.assertEqual(
            due, self.working.intervals(due.date())[-1][1])
        back = self.working.add(due, -amount, 'working_days')
        self.assertEqual(
            self.working.between(back, start, 'working_days'),
            dt.timedelta())


class WorkingCalendarAccessTestCase(unittest.TestCase):
    "Test the working calendar in the database"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('scheduled_activity')

    def create_users(self):
        company = create_company()
        with set_company(company):
            clerk = create_employee(company, "李文员")
        clerk_user = create_user('clerk', [], company, clerk)
        manager = create_user(
            'manager', ['scheduled_activity.group_activity_admin'], company)
        return company, clerk_user, manager

    @with_transaction()
    def test_access(self):
        "Everyone reads the calendar, only Activity Administration writes"
        pool = Pool()
        Calendar = pool.get('scheduled.activity.working_calendar')
        Day = pool.get('scheduled.activity.working_calendar.day')
        Hours = pool.get('scheduled.activity.working_calendar.hours')
        company, clerk, manager = self.create_users()
        calendar = Calendar.get(company)
        self.assertEqual(len(calendar.hours), 10)

        with as_user(clerk):
            calendar, = Calendar.search([])
            self.assertEqual(len(Calendar(calendar.id).hours), 10)
            self.assertEqual(Day.search([]), [])
            with self.assertRaises(AccessError):
                Calendar.write([Calendar(calendar.id)], {
                        'china_holidays': False})
            with self.assertRaises(AccessError):
                Day.create([{'calendar': calendar.id,
                            'date': dt.date(2025, 12, 31)}])
            with self.assertRaises(AccessError):
                Hours.delete(Hours.search([]))
            with self.assertRaises(AccessError):
                Calendar.create([{'company': company.id}])

        with as_user(manager):
            Day.create([{'calendar': calendar.id,
                        'date': dt.date(2025, 12, 31), 'name': "盘点"}])
            Calendar.write([Calendar(calendar.id)], {'known_years': '2031'})

    @with_transaction()
    def test_add_in_company_zone(self):
        "Deadlines are computed in the company's zone and stored in UTC"
        pool = Pool()
        Calendar = pool.get('scheduled.activity.working_calendar')
        company = create_company()
        company.timezone = 'Asia/Shanghai'
        company.save()
        calendar = Calendar.get(company)
        # Friday 28 November 2025 17:55 in Beijing is 09:55 UTC
        self.assertEqual(
            calendar.add(dt.datetime(2025, 11, 28, 9, 55),
                dt.timedelta(hours=2), 'working_hours'),
            dt.datetime(2025, 12, 1, 2, 55))
        self.assertEqual(
            calendar.between(dt.datetime(2025, 11, 28, 9, 55),
                dt.datetime(2025, 12, 1, 2, 55), 'working_hours'),
            dt.timedelta(hours=2))

    @with_transaction()
    def test_unknown_year_flagged(self):
        "A year the package does not know is flagged to administrators"
        pool = Pool()
        Calendar = pool.get('scheduled.activity.working_calendar')
        company = create_company()
        calendar = Calendar.get(company)
        calendar.add(dt.datetime(2003, 12, 1, 2), dt.timedelta(days=3),
            'working_days')
        calendar = Calendar(calendar.id)
        self.assertEqual(calendar.flagged_years, '2003')
        self.assertIn('2003', calendar.coverage)
        # The notices are stored when the transaction commits
        notices = list(Transaction().user_notifications)
        self.assertEqual([n.model for n in notices],
            ['scheduled.activity.working_calendar'])
        self.assertIn('2003', notices[0].label)
        # Once only
        calendar.add(dt.datetime(2003, 12, 2, 2), dt.timedelta(days=3),
            'working_days')
        self.assertEqual(len(Transaction().user_notifications), len(notices))

    @with_transaction()
    def test_reminders_in_working_time(self):
        "Reminders and escalations count in working time when told so"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Configuration = pool.get('scheduled.activity.configuration')
        Type = pool.get('scheduled.activity.type')
        company = create_company()
        company.timezone = 'Asia/Shanghai'
        company.save()
        with set_company(company):
            clerk = create_employee(company, "李文员")
        configuration = Configuration(1)
        configuration.remind_before = dt.timedelta(hours=1)
        configuration.remind_before_unit = 'working_hours'
        configuration.escalate_after = dt.timedelta(days=1)
        configuration.escalate_after_unit = 'working_days'
        configuration.save()
        Type.write(Type.search([]), {
                'remind_before': None, 'escalate_after': None})

        def beijing(*args):
            return dt.datetime(*args) - dt.timedelta(hours=8)

        # Due on Monday 30 November 2026 at 9:30, Beijing time
        monday = Activity.plan(clerk, 'call', clerk,
            beijing(2026, 11, 30, 9, 30), "回访")
        # Due on Friday 27 November at 10:00
        friday = Activity.plan(clerk, 'call', clerk,
            beijing(2026, 11, 27, 10, 0), "回访")

        def run(*args):
            with clock_at(beijing(*args)):
                Activity.send_reminders()

        # Friday 17:00: 1 h 30 working minutes before Monday's
        run(2026, 11, 27, 17, 0)
        self.assertIsNone(Activity(monday.id).reminded_at)
        self.assertIsNotNone(Activity(friday.id).overdue_notified_at)
        # Friday 17:40: 50 working minutes before
        run(2026, 11, 27, 17, 40)
        self.assertIsNotNone(Activity(monday.id).reminded_at)
        # Friday's is escalated one working day after, Monday at 18:00
        run(2026, 11, 29, 12, 0)
        self.assertIsNone(Activity(friday.id).escalated_at)
        run(2026, 11, 30, 17, 59)
        self.assertIsNone(Activity(friday.id).escalated_at)
        run(2026, 11, 30, 18, 0)
        self.assertIsNotNone(Activity(friday.id).escalated_at)

    @with_transaction()
    def test_check_coverage(self):
        "The daily task flags next year in December when it is unknown"
        pool = Pool()
        Calendar = pool.get('scheduled.activity.working_calendar')
        company = create_company()
        calendar = Calendar.get(company)
        Calendar.check_coverage(today=dt.date(2024, 11, 30))
        self.assertIsNone(Calendar(calendar.id).flagged_years)
        Calendar.check_coverage(today=dt.date(2003, 6, 1))
        self.assertEqual(Calendar(calendar.id).flagged_years, '2003')
