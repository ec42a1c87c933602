# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import unittest

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.exceptions import (
    ActivityTypeUnknownError, ValueKindError)
from trytond.modules.scheduled_activity.tests.tools import (
    as_user, create_user)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import activate_module, with_transaction




class ScheduledActivityAccessTestCase(unittest.TestCase):
    "Test access to scheduled activities as non-administrators"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('scheduled_activity')

    def setUp(self):
        super().setUp()
        self.now = dt.datetime.now().replace(microsecond=0)

    def create_staff(self):
        company = create_company()
        with set_company(company):
            supervisor = create_employee(company, "王主管")
            clerk = create_employee(company, "李文员")
            colleague = create_employee(company, "张同事")
            clerk.supervisor = supervisor
            clerk.save()

        return {
            'company': company,
            'supervisor': supervisor,
            'clerk': clerk,
            'colleague': colleague,
            'supervisor_user': create_user(
                'supervisor', [], company, supervisor),
            'clerk_user': create_user('clerk', [], company, clerk),
            'colleague_user': create_user(
                'colleague', [], company, colleague),
            'manager_user': create_user(
                'manager', ['scheduled_activity.group_activity_admin'],
                company),
            }

    def plan(self, assignee, due=None, type_code='call', resource=None):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        return Activity.plan(
            resource or assignee, type_code, assignee,
            due or self.now + dt.timedelta(days=3), "电话回访")

    @with_transaction()
    def test_employee_sees_own_activities(self):
        "An employee sees and completes only the activities assigned to them"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        staff = self.create_staff()
        mine = self.plan(staff['clerk'])
        other = self.plan(staff['colleague'])

        with as_user(staff['clerk_user']):
            self.assertEqual(Activity.search([]), [mine])
            with self.assertRaises(AccessError):
                Activity.read([other.id], ['subject'])
            with self.assertRaises(AccessError):
                Activity.write([Activity(other.id)], {'subject': "改"})
            with self.assertRaises(AccessError):
                Activity.do([Activity(other.id)])

            Activity.do([Activity(mine.id)])
            done = Activity(mine.id)
            self.assertEqual(done.state, 'done')
            self.assertEqual(done.done_by, staff['clerk_user'])
            self.assertIsNotNone(done.done_at)

    @with_transaction()
    def test_values_of_their_fields_kinds(self):
        """A value not of its field's kind, or naming a record that does not
        exist, is refused with a message and the activity stays as it was"""
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        staff = self.create_staff()
        mine = self.plan(staff['clerk'])

        with as_user(staff['clerk_user']):
            for values in [
                    {'subject': 12345},
                    {'subject': "电话\x00回访"},
                    {'resource': ["a list"]},
                    {'due': "2026-13-45 99:00"},
                    {'due': dt.date(2026, 12, 8)},
                    ]:
                with self.subTest(values=values):
                    with self.assertRaises(ValueKindError):
                        Activity.write([Activity(mine.id)], values)
            # As reading it: a record hidden from the user answers the same
            with self.assertRaises(AccessError):
                Activity.write([Activity(mine.id)], {'assignee': 10 ** 9})
            with self.assertRaises(ValueKindError):
                Activity.create([{'subject': ["a list"]}])
            with self.assertRaises(ValueKindError):
                Activity.create({'subject': "电话回访"})
            activity = Activity(mine.id)
            self.assertEqual(activity.subject, "电话回访")
            self.assertEqual(activity.assignee, staff['clerk'])
            Activity.write([activity], {'subject': "再次电话回访"})
            self.assertEqual(Activity(mine.id).subject, "再次电话回访")

    @with_transaction()
    def test_employee_cannot_forge_bookkeeping(self):
        "The state and the notice dates change only through buttons and cron"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        staff = self.create_staff()
        mine = self.plan(staff['clerk'])

        with as_user(staff['clerk_user']):
            for values in [
                    {'state': 'done'},
                    {'done_at': self.now},
                    {'reminded_at': self.now},
                    {'overdue_notified_at': self.now},
                    {'escalated_at': self.now},
                    ]:
                with self.subTest(values=values):
                    with self.assertRaises(AccessError):
                        Activity.write([Activity(mine.id)], values)
            with self.assertRaises(AccessError):
                Activity.delete([Activity(mine.id)])
            self.assertEqual(Activity(mine.id).state, 'planned')

    @with_transaction()
    def test_supervisor_sees_subordinate_activities(self):
        "The supervisor may open the activities escalated to them"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        staff = self.create_staff()
        clerks = self.plan(staff['clerk'])
        self.plan(staff['colleague'])

        with as_user(staff['supervisor_user']):
            self.assertEqual(Activity.search([]), [clerks])

    @with_transaction()
    def test_creator_sees_planned_activity(self):
        "A user sees the activities they planned for somebody else"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Type = pool.get('scheduled.activity.type')
        staff = self.create_staff()

        with as_user(staff['colleague_user']):
            activity, = Activity.create([{
                        'company': staff['company'].id,
                        'type': Type.get_by_code('meeting').id,
                        'subject': "项目例会",
                        'assignee': staff['clerk'].id,
                        'due': self.now + dt.timedelta(days=1),
                        }])
            self.assertEqual(Activity.search([]), [activity])
        with as_user(staff['clerk_user']):
            self.assertEqual(Activity.search([]), [activity])
        with as_user(staff['supervisor_user']):
            self.assertEqual(Activity.search([]), [activity])

    @with_transaction()
    def test_activity_on_unreadable_record(self):
        """Nobody plans an activity on a record they may not read, nor
        learns its name from the notice of an activity on it"""
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Notification = pool.get('res.notification')
        Type = pool.get('scheduled.activity.type')
        staff = self.create_staff()
        clerks = self.plan(staff['clerk'])
        call = Type.get_by_code('call')

        def plan(resource, assignee):
            return Activity.create([{
                        'company': staff['company'].id,
                        'type': call.id,
                        'subject': "跟进",
                        'resource': resource,
                        'assignee': assignee.id,
                        'due': self.now + dt.timedelta(days=1),
                        }])

        with as_user(staff['colleague_user']):
            # The clerk's activity, and a record that does not exist
            for resource in [str(clerks), 'scheduled.activity,999999']:
                with self.subTest(resource=resource):
                    with self.assertRaises(AccessError):
                        plan(resource, staff['clerk'])
            activity = self.plan(staff['colleague'])
            with self.assertRaises(AccessError):
                Activity.write([Activity(activity.id)], {
                        'resource': str(clerks)})
        self.assertEqual(
            Activity.search([('resource', '=', str(clerks))]), [])

        # The supervisor reads the clerk's activity, the colleague does not
        with as_user(staff['clerk_user']):
            plan(str(clerks), staff['supervisor'])
            plan(str(clerks), staff['colleague'])
        notices = {n.user.login: n.description
            for n in Notification.search([
                    ('user', 'in', [staff['supervisor_user'].id,
                            staff['colleague_user'].id]),
                    ])}
        self.assertTrue(notices['supervisor'].endswith("- 电话回访"))
        self.assertNotIn("电话回访", notices['colleague'])
        self.assertIn("跟进", notices['colleague'])

        # Nor from the reminders, of a record of a model they may not read
        cron, = pool.get('ir.cron').search([], limit=1)
        error, = pool.get('ir.error').create([{
                    'origin': str(cron), 'message': "故障"}])
        Activity.plan(error, 'call', staff['clerk'],
            self.now - dt.timedelta(hours=1), "检查任务")
        Activity.send_reminders()
        notice, = Notification.search([
                ('user', '=', staff['clerk_user'].id),
                ('description', 'like', '检查任务%'),
                ])
        self.assertNotIn(error.rec_name, notice.description)

    @with_transaction()
    def test_administration_group(self):
        "Activity Administration configures types and sees every activity"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Type = pool.get('scheduled.activity.type')
        Configuration = pool.get('scheduled.activity.configuration')
        staff = self.create_staff()
        activities = [
            self.plan(staff['clerk']), self.plan(staff['colleague'])]

        with as_user(staff['clerk_user']):
            with self.assertRaises(AccessError):
                Type.create([{'name': "巡店", 'code': 'store_visit'}])
            with self.assertRaises(AccessError):
                Configuration.write([Configuration(1)], {
                        'remind_before': dt.timedelta(minutes=10)})

        with as_user(staff['manager_user']):
            self.assertEqual(Activity.search([]), activities)
            Type.create([{'name': "巡店", 'code': 'store_visit'}])
            Configuration.write([Configuration(1)], {
                    'remind_before': dt.timedelta(minutes=10)})
            Activity.delete([Activity(activities[0].id)])

    @with_transaction()
    def test_tabs(self):
        "The tabs of My Activities split the user's planned activities"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        ActWindow = pool.get('ir.action.act_window')
        staff = self.create_staff()
        end_of_today = dt.datetime.combine(
            self.now.date() + dt.timedelta(days=1), dt.time())
        overdue = self.plan(staff['clerk'], self.now - dt.timedelta(hours=1))
        today = self.plan(
            staff['clerk'], self.now + (end_of_today - self.now) / 2)
        upcoming = self.plan(staff['clerk'], end_of_today + dt.timedelta(
                hours=1))
        self.plan(staff['colleague'], self.now - dt.timedelta(hours=1))
        Activity.cancel([self.plan(staff['clerk'])])

        action = ActWindow(pool.get('ir.model.data').get_id(
                'scheduled_activity', 'act_activity_form'))
        tabs = {d.name: d.domain for d in action.act_window_domains}
        decoder = PYSONDecoder({
                'context': {'employee': staff['clerk'].id}})

        with as_user(staff['clerk_user']):
            for name, expected in [
                    ('Overdue', [overdue]),
                    ('Today', [today]),
                    ('Upcoming', [upcoming]),
                    ]:
                with self.subTest(tab=name):
                    self.assertEqual(
                        Activity.search(decoder.decode(tabs[name])),
                        expected)

    @with_transaction()
    def test_plan_close_cancel_open(self):
        "Other modules plan, close and cancel activities on their records"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Type = pool.get('scheduled.activity.type')
        staff = self.create_staff()
        resource = staff['colleague']
        verification = self.plan(
            staff['clerk'], type_code='verification', resource=resource)
        call = self.plan(staff['clerk'], resource=resource)
        meeting = self.plan(
            staff['clerk'], type_code='meeting', resource=resource)
        unrelated = self.plan(staff['clerk'], resource=staff['supervisor'])
        self.assertEqual(verification.resource, resource)
        self.assertEqual(verification.company, staff['company'])

        with self.assertRaises(ActivityTypeUnknownError):
            self.plan(staff['clerk'], type_code='unknown')

        feedback, = Type.search([('code', '=', 'feedback')])
        Type.write(Type.search([('code', '=', 'verification')]), {
                'follow_up_type': feedback.id,
                'follow_up_delay': dt.timedelta(days=1),
                })

        # The caller needs no right on the activities
        with as_user(staff['colleague_user']):
            Activity.close([resource], type_codes=['verification'])
            Activity.cancel_open([resource])

        self.assertEqual(
            [Activity(a.id).state
                for a in [verification, call, meeting, unrelated]],
            ['done', 'cancelled', 'cancelled', 'planned'])
        follow_up, = Activity.search([
                ('type.code', '=', 'feedback'),
                ])
        self.assertEqual(follow_up.state, 'cancelled')
        self.assertEqual(follow_up.resource, resource)

    @with_transaction()
    def test_reschedule_resets_notices(self):
        "Moving the due time of an activity gets its notices sent again"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        staff = self.create_staff()
        activity = self.plan(staff['clerk'], self.now - dt.timedelta(days=2))
        Activity.send_reminders()
        activity = Activity(activity.id)
        self.assertIsNotNone(activity.overdue_notified_at)
        self.assertIsNotNone(activity.escalated_at)

        activity.due = self.now + dt.timedelta(days=1)
        activity.save()
        self.assertEqual(
            (activity.reminded_at, activity.overdue_notified_at,
                activity.escalated_at),
            (None, None, None))
