# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A database of complaint_plan from before the split updates in place.

Until 8.0.0 the related-complaint detection was part of complaint_plan: such
a database holds its views, buttons, messages, models, fields and
translations under complaint_plan, and complaint_related is not activated.
Updating complaint_plan and activating complaint_related (`make upgrade`)
keeps every record, under its new module, and the data."""
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.complaint_plan.tests.tools import (
    as_before_the_split, ids_of)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

MOVED_RECORDS = ['complaint_view_form_related', 'related_link_incident_button',
    'msg_related_computed', 'msg_same_incident_itself']


class UpgradeTestCase(ModuleDatabaseTestCase):
    "Update in place of a database from before the split"
    modules = ['complaint_related']

    def test_update_in_place(self):
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            Complaint = pool.get('complaint.complaint')
            Term = pool.get('complaint.term')
            company = create_company()
            with set_company(company):
                first, second = Complaint.create([{
                            'subject': subject, 'description': subject,
                            'complainant_name': "顾客",
                            } for subject in ["冰柜不冷", "冷冻柜坏了"]])
                Complaint.write([first], {'same_incident': [
                            ('add', [second.id])]})
                Complaint.index_terms([first, second])
            # Until 8.0.0 the terms had no company
            terms = Term.__table_handler__()
            terms.set_indexes(set())
            terms.drop_column('company')
            records = ids_of('complaint_related', MOVED_RECORDS)
            self.assertEqual(set(records), set(MOVED_RECORDS))
            as_before_the_split('complaint_related')
            self.assertEqual(ids_of('complaint_related', MOVED_RECORDS), {})
            Transaction().commit()

        # make upgrade: trytond-admin -u complaint_plan complaint_related
        Pool(DB_NAME).init(update=['complaint_plan', 'complaint_related'])

        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            Complaint = pool.get('complaint.complaint')
            Model = pool.get('ir.model')
            Field = pool.get('ir.model.field')
            Module = pool.get('ir.module')
            Translation = pool.get('ir.translation')
            View = pool.get('ir.ui.view')
            self.assertEqual(
                ids_of('complaint_related', MOVED_RECORDS), records)
            view = View(records['complaint_view_form_related'])
            self.assertEqual(view.module, 'complaint_related')
            self.assertIn('related_complaints',
                Complaint.fields_view_get(view_type='form')['arch'])
            self.assertEqual(ids_of('complaint_plan', MOVED_RECORDS), {})
            module, = Module.search([('name', '=', 'complaint_related')])
            self.assertEqual(module.state, 'activated')
            model, = Model.search([('name', '=', 'complaint.related')])
            self.assertEqual(model.module, 'complaint_related')
            field, = Field.search([
                    ('model', '=', 'complaint.complaint'),
                    ('name', '=', 'related_count')])
            self.assertEqual(field.module, 'complaint_related')
            self.assertFalse(Translation.search([
                        ('module', '=', 'complaint_plan'),
                        ('name', '=', 'complaint.complaint,related_count'),
                        ]))
            first, second = Complaint.search([], order=[('id', 'ASC')])
            self.assertEqual(list(first.same_incident), [second])
            Term = pool.get('complaint.term')
            self.assertEqual({t.company for t in Term.search([])},
                {first.company})
            self.assertEqual(
                [c for c, _ in second.related_scores()], [first])
