# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""A database of complaint_plan from before the split updates in place.

Until 8.0.0 the emergency plans were part of complaint_plan: such a database
holds their views, menus, access, buttons, sequence, scheduled task,
messages, models, fields and translations under complaint_plan, and
complaint_emergency is not activated. Updating complaint_plan and activating
complaint_emergency (`make upgrade`) keeps every record, under its new
module, and the data."""
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.modules.complaint_plan.tests.tools import (
    as_before_the_split, ids_of)
from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

MOVED_RECORDS = ['complaint_view_form_emergency', 'act_incident',
    'menu_emergency_plan', 'access_incident_leading',
    'incident_close_button', 'sequence_incident', 'cron_remind_drills',
    'activity_type_drill', 'msg_incident_one_active']


class UpgradeTestCase(ModuleDatabaseTestCase):
    "Update in place of a database from before the split"
    modules = ['complaint_emergency']

    def test_update_in_place(self):
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            Complaint = pool.get('complaint.complaint')
            Level = pool.get('complaint.level')
            ModelData = pool.get('ir.model.data')
            Plan = pool.get('complaint.emergency_plan')
            level_1 = Level(ModelData.get_id('complaint_plan', 'level_1'))
            level_2 = Level(ModelData.get_id('complaint_plan', 'level_2'))
            self.assertTrue(level_1.activates_emergency_plan)
            # The levels as the company changed them
            Level.write([level_1], {'activates_emergency_plan': False})
            Level.write([level_2], {'activates_emergency_plan': True})
            company = create_company()
            with set_company(company):
                owner = create_employee(company, "陈静")
                Plan.create([{
                            'name': "舆情应急处置预案",
                            'owner': owner.id,
                            'activate_on_level': False,
                            'activate_on_media': True,
                            }])
                Complaint.create([{
                            'subject': "顾客在微博投诉",
                            'description': "...",
                            'complainant_name': "吴先生",
                            'media_attention': True,
                            }])
            records = ids_of('complaint_emergency', MOVED_RECORDS)
            self.assertEqual(set(records), set(MOVED_RECORDS))
            as_before_the_split('complaint_emergency')
            self.assertEqual(ids_of('complaint_emergency', MOVED_RECORDS), {})
            Transaction().commit()

        # make upgrade: trytond-admin -u complaint_plan complaint_emergency
        Pool(DB_NAME).init(update=['complaint_plan', 'complaint_emergency'])

        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            Complaint = pool.get('complaint.complaint')
            Incident = pool.get('complaint.incident')
            Level = pool.get('complaint.level')
            Model = pool.get('ir.model')
            Field = pool.get('ir.model.field')
            Module = pool.get('ir.module')
            Translation = pool.get('ir.translation')
            View = pool.get('ir.ui.view')
            self.assertEqual(
                ids_of('complaint_emergency', MOVED_RECORDS), records)
            view = View(records['complaint_view_form_emergency'])
            self.assertEqual(view.module, 'complaint_emergency')
            self.assertIn('media_attention',
                Complaint.fields_view_get(view_type='form')['arch'])
            self.assertEqual(ids_of('complaint_plan', MOVED_RECORDS), {})
            module, = Module.search([('name', '=', 'complaint_emergency')])
            self.assertEqual(module.state, 'activated')
            model, = Model.search([('name', '=', 'complaint.incident')])
            self.assertEqual(model.module, 'complaint_emergency')
            for model_name, field_name in [
                    ('complaint.complaint', 'media_attention'),
                    ('complaint.level', 'activates_emergency_plan')]:
                field, = Field.search([
                        ('model', '=', model_name),
                        ('name', '=', field_name)])
                self.assertEqual(field.module, 'complaint_emergency')
                self.assertFalse(Translation.search([
                            ('module', '=', 'complaint_plan'),
                            ('name', '=', f'{model_name},{field_name}'),
                            ]))
            levels = Level.search([], order=[('sequence', 'ASC')])
            self.assertEqual(
                [(l.name, bool(l.activates_emergency_plan)) for l in levels],
                [("Level 1", False), ("Level 2", True), ("Level 3", False)])
            complaint, = Complaint.search([])
            self.assertTrue(complaint.media_attention)
            incident, = Incident.search([])
            self.assertEqual(list(incident.complaints), [complaint])
            self.assertTrue(incident.number.startswith('YJ-'))
