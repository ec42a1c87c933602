# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A database of complaint_plan from before the split updates in place.

Until 8.0.0 the intake was part of complaint_plan: such a database holds its
views, menus, actions, report, access, rules, buttons, messages, models,
fields and translations under complaint_plan, and complaint_intake is not
activated. Updating complaint_plan and activating complaint_intake (`make
upgrade`) keeps every record, under its new module, and the data."""
from sql import Table

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.complaint_plan.tests.tools import (
    as_before_the_split, ids_of)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

MOVED_RECORDS = ['intake_point_view_form', 'menu_intake_point',
    'report_intake_point_sheet', 'access_intake_point_clerk',
    'complaint_view_form_intake_point', 'inbound_email_rule_view_form',
    'complaint_email_view_form', 'menu_complaint_email',
    'rule_group_complaint_email_clerk', 'complaint_email_discard_button',
    'msg_email_no_subject', 'msg_page_complaint_title',
    'msg_intake_key_unique']


def sheet_as_before_the_split():
    """Give the report of the sheet back to complaint_plan, with the template
    it read there, as in a database from before the split"""
    report = Table('ir_action_report')
    Transaction().connection.cursor().execute(*report.update(
            [report.module, report.report],
            ['complaint_plan', 'complaint_plan/intake_point_sheet.fodt'],
            where=report.report_name == 'complaint.intake.point.sheet'))


class UpgradeTestCase(ModuleDatabaseTestCase):
    "Update in place of a database from before the split"
    modules = ['complaint_intake']
    maxDiff = None

    def test_update_in_place(self):
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            Complaint = pool.get('complaint.complaint')
            Email = pool.get('complaint.email')
            IntakePoint = pool.get('complaint.intake.point')
            company = create_company()
            with set_company(company):
                point, = IntakePoint.create([{'name': "收银台"}])
                complaint, = Complaint.create([{
                            'subject': "收银员多收钱", 'description': "多收十元",
                            'complainant_name': "顾客",
                            'intake_point': point.id,
                            'email_message_id': '<first@example.cn>',
                            }])
                Email.create([{
                            'complaint': complaint.id, 'state': 'processed',
                            'kind': 'complaint',
                            'received_at': complaint.received_at,
                            'subject': complaint.subject,
                            'message_id': '<first@example.cn>',
                            }])
            records = ids_of('complaint_intake', MOVED_RECORDS)
            self.assertEqual(set(records), set(MOVED_RECORDS))
            sheet_as_before_the_split()
            as_before_the_split('complaint_intake')
            self.assertEqual(ids_of('complaint_intake', MOVED_RECORDS), {})
            Transaction().commit()

        # make upgrade: trytond-admin -u complaint_plan complaint_intake
        Pool(DB_NAME).init(update=['complaint_plan', 'complaint_intake'])

        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            Complaint = pool.get('complaint.complaint')
            Model = pool.get('ir.model')
            Field = pool.get('ir.model.field')
            Module = pool.get('ir.module')
            Report = pool.get('ir.action.report')
            Translation = pool.get('ir.translation')
            View = pool.get('ir.ui.view')
            self.assertEqual(
                ids_of('complaint_intake', MOVED_RECORDS), records)
            self.assertEqual(ids_of('complaint_plan', MOVED_RECORDS), {})
            view = View(records['complaint_view_form_intake_point'])
            self.assertEqual(view.module, 'complaint_intake')
            self.assertIn('intake_point',
                Complaint.fields_view_get(view_type='form')['arch'])
            report = Report(records['report_intake_point_sheet'])
            self.assertEqual(report.module, 'complaint_intake')
            self.assertEqual(
                report.report, 'complaint_intake/intake_point_sheet.fodt')
            module, = Module.search([('name', '=', 'complaint_intake')])
            self.assertEqual(module.state, 'activated')
            self.assertEqual({m.name: m.module for m in Model.search([
                            ('name', 'in', [
                                    'complaint.intake.point',
                                    'complaint.email']),
                            ])}, {
                    'complaint.intake.point': 'complaint_intake',
                    'complaint.email': 'complaint_intake',
                    })
            for model, name in [
                    ('complaint.complaint', 'intake_point'),
                    ('complaint.complaint', 'emails'),
                    ('inbound.email.rule', 'complaint_company'),
                    ]:
                field, = Field.search([
                        ('model', '=', model), ('name', '=', name)])
                self.assertEqual(field.module, 'complaint_intake')
            self.assertFalse(Translation.search([
                        ('module', '=', 'complaint_plan'),
                        ('name', 'in', [
                                'complaint.complaint,intake_point',
                                'complaint.email,subject']),
                        ]))
            complaint, = Complaint.search([])
            self.assertEqual(complaint.intake_point.name, "收银台")
            self.assertEqual(complaint.email_message_id, '<first@example.cn>')
            email, = complaint.emails
            self.assertEqual(email.message_id, '<first@example.cn>')
