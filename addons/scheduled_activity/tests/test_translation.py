# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import unittest

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.tests.tools import clock_at
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    activate_module, drop_db, with_transaction)


class ScheduledActivityTranslationTestCase(unittest.TestCase):
    "Test the notices in the language of their recipient"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module('scheduled_activity', lang='zh_CN')

    @classmethod
    def tearDownClass(cls):
        drop_db()
        super().tearDownClass()

    @with_transaction()
    def test_notice_in_user_language(self):
        "A Chinese-speaking assignee gets the notice in Chinese"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Lang = pool.get('ir.lang')
        Notification = pool.get('res.notification')
        User = pool.get('res.user')

        company = create_company()
        with set_company(company):
            clerk = create_employee(company, "李文员")
        chinese, = Lang.search([('code', '=', 'zh_CN')])
        user = User(
            login='clerk', name="李文员", language=chinese,
            companies=[company], company=company,
            employees=[clerk], employee=clerk)
        user.save()
        due = dt.datetime(2031, 3, 10, 9, 0)
        Activity.plan(clerk, 'call', clerk, due, "回访投诉人")

        with clock_at(due + dt.timedelta(minutes=1)):
            Activity.send_reminders()

        notice, = Notification.search([('user', '=', user.id)])
        self.assertEqual(notice.label, "活动已逾期：电话")
        self.assertEqual(
            notice.description,
            "回访投诉人（到期 2031-03-10\u00a009:00）- 李文员")
