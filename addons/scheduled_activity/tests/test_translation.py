# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase, clock_at)
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


class ScheduledActivityTranslationTestCase(ModuleDatabaseTestCase):
    "Test the notices in the language of their recipient"
    modules = ['scheduled_activity']
    language = 'zh_CN'

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

    @with_transaction()
    def test_platform_refusals_in_chinese(self):
        """The platform's refusals whose Chinese trytond marks fuzzy are said
        in Chinese all the same"""
        for message_id, variables, chinese in [
                ('msg_button_state_record',
                    {'record': "TS-1", 'model': "投诉"}, "当前的状态已不允许"),
                ('msg_access_report_error',
                    {'report': "complaint.complaint.registration"},
                    "没有运行报表“complaint.complaint.registration”的权限"),
                ]:
            with self.subTest(message=message_id), \
                    Transaction().set_context(language='zh_CN'):
                self.assertIn(chinese, gettext(
                        f'ir.{message_id}', **variables))
