"""The web client (sao 8.0) has no list column for DateTime and Timestamp
fields: such a column stops the whole list from loading, and Tryton's
ModuleTestCase does not notice. Every list view of the product shows them
with a date or time widget."""
from lxml import etree

from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from production.config import MODULES


class ListViewTestCase(ModuleDatabaseTestCase):
    "List views of the product's modules"
    modules = MODULES

    @with_transaction()
    def test_datetime_columns_have_widget(self):
        pool = Pool()
        View = pool.get('ir.ui.view')
        wrong = []
        views = View.search([
                ('type', '=', 'tree'),
                ('module', 'in', MODULES),
                ])
        self.assertTrue(views)
        for view in views:
            Model = pool.get(view.model)
            for element in etree.fromstring(view.arch).iter('field'):
                field = Model._fields.get(element.get('name'))
                if (field is not None
                        and field._type in {'datetime', 'timestamp'}
                        and element.get('widget') not in {'date', 'time'}):
                    wrong.append(f'{view.module}/{view.name}: {field.name}')
        self.assertEqual(wrong, [])
