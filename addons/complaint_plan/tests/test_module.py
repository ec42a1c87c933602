# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
from decimal import Decimal
from unittest.mock import patch

from lxml import etree

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class ComplaintPlanTestCase(CompanyTestMixin, ModuleTestCase):
    "Test the complaint_plan module"
    module = 'complaint_plan'

    @with_transaction()
    def test_received_at_default_current(self):
        """Each new complaint is received now: the defaults are not cached
        by the client and the server fills the time when none is given"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Feedback = pool.get('complaint.feedback')
        Disclosure = pool.get('complaint.disclosure')
        for Model in [Complaint, Feedback, Disclosure]:
            self.assertFalse(
                Model.__rpc__['default_get'].cache, msg=Model.__name__)

        first = dt.datetime(2026, 5, 1, 9, 0)
        later = first + dt.timedelta(minutes=7)
        with patch('trytond.modules.scheduled_activity.clock.now',
                return_value=first):
            self.assertEqual(
                Complaint.default_get(['received_at'])['received_at'], first)
        with patch('trytond.modules.scheduled_activity.clock.now',
                return_value=later):
            self.assertEqual(
                Complaint.default_get(['received_at'])['received_at'], later)

        company = create_company()
        with set_company(company):
            complaint, = Complaint.create([{
                        'subject': "x", 'description': "x",
                        'complainant_name': "王女士"}])
        self.assertTrue(complaint.received_at)
        self.assertLess(
            abs(complaint.received_at - dt.datetime.now()),
            dt.timedelta(minutes=1))

    @with_transaction()
    def test_complaint_form_buttons(self):
        """Tabbing out of the last field of the plan does not land on
        Cancel, which asks for confirmation; the team duties are labelled"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        view = Complaint.fields_view_get(view_type='form')
        arch = etree.fromstring(view['arch'])
        buttons = arch.xpath('//group[@id="buttons"]/button')
        self.assertEqual(buttons[-1].get('name'), 'cancel')
        self.assertTrue(buttons[-1].get('confirm'))
        self.assertTrue(arch.xpath('//label[@name="investigation_duties"]'))


    @with_transaction()
    def test_board_overdue(self):
        """The board's overdue box lists the open overdue complaints only:
        the board of the web client applies the tab domains of its actions,
        not their domain"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        ModelData = pool.get('ir.model.data')
        ActionDomain = pool.get('ir.action.act_window.domain')
        company = create_company()
        long_ago = dt.datetime.now() - dt.timedelta(days=60)
        with set_company(company):
            category, = pool.get('complaint.category').search(
                [('name', '=', "Service")])
            late, closed = Complaint.create([{
                        'subject': subject, 'description': "x",
                        'complainant_name': "王女士",
                        'category': category.id,
                        'received_at': long_ago,
                        } for subject in ["late", "closed"]])
            Complaint.write([closed], {'state': 'closed'})
            action_id = ModelData.get_id(
                'complaint_plan', 'act_complaint_overdue')
            tab, = ActionDomain.search([('act_window', '=', action_id)])
            domain = PYSONDecoder({}).decode(tab.domain)
            self.assertEqual(Complaint.search(domain), [late])

    @with_transaction()
    def test_statistic_percent(self):
        "The service level graph draws percentages, not ratios"
        pool = Pool()
        Month = pool.get('complaint.statistic.month')
        month = Month(on_time=9, responded=20, satisfied=3, answered=4)
        self.assertEqual(month.get_percent('sla_percent'), Decimal('45.0'))
        self.assertEqual(
            month.get_percent('satisfaction_percent'), Decimal('75.0'))
        view = Month.fields_view_get(view_type='graph')
        arch = etree.fromstring(view['arch'])
        self.assertEqual(
            [f.get('name') for f in arch.xpath('//y/field')],
            ['sla_percent', 'satisfaction_percent'])


del ModuleTestCase
