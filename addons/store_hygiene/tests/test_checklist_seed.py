# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The shipped checklist holds every item of the source document's hygiene
standards (3.1.2 to 3.1.4), in its order, in English and Chinese"""

from trytond.modules.scheduled_activity.tests.tools import (
    ModuleDatabaseTestCase)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

# 3.1.2 staff hygiene 5 and appearance 6; 3.1.3 sample products 4 and
# shelves and storage 4; 3.1.4 store premises 6
SECTIONS = [
    ('staff_hygiene', 5),
    ('staff_appearance', 6),
    ('sample_products', 4),
    ('shelves_storage', 4),
    ('store_premises', 6),
    ]
# The last item of each section as the source document writes it
LAST_ITEMS = {
    'staff_hygiene': "保持口腔的清洁，身体无异味。",
    'staff_appearance': "上班时间应面带微笑，精神要饱满。",
    'sample_products': "展板、货架保持干净、明亮，不得随意移动样板商品。",
    'shelves_storage': "店面货架仓储一旦缺货，应及时补充。",
    'store_premises': "禁止随地乱放样品或者存货，临时存放后及时归位，并打扫地板。",
    }


class ChecklistSeedTestCase(ModuleDatabaseTestCase):
    "The seed's hygiene checklist"
    modules = ['store_hygiene']
    language = 'zh_CN'

    def items(self):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Checklist = pool.get('hygiene.checklist')
        checklist = Checklist(
            ModelData.get_id('store_hygiene', 'checklist_seed'))
        return list(checklist.items)

    @with_transaction()
    def test_sections(self):
        "25 items: 5 + 6 + 4 + 4 + 6, section after section"
        items = self.items()
        self.assertEqual(len(items), 25)
        areas = [i.area for i in items]
        self.assertEqual(
            [(a, areas.count(a)) for a in dict.fromkeys(areas)], SECTIONS)
        sequences = [i.sequence for i in items]
        self.assertEqual(sequences, sorted(sequences))
        self.assertEqual(len(set(sequences)), 25)

    @with_transaction()
    def test_store_item_6(self):
        "Store item 6 is the last one, in English and Chinese"
        with Transaction().set_context(language='en'):
            last = self.items()[-1]
        self.assertEqual(last.area, 'store_premises')
        self.assertEqual(last.requirement,
            "No samples or stock left lying around: anything stored "
            "temporarily is put back promptly and the floor swept.")
        with Transaction().set_context(language='zh_CN'):
            items = self.items()
        last_items = {}
        for item in items:
            last_items[item.area] = item.requirement
        self.assertEqual(last_items, LAST_ITEMS)
