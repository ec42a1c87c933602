# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import os

import polib

from trytond.modules.company.tests import CompanyTestMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

LOCALE = os.path.join(os.path.dirname(__file__), '..', 'locale', 'zh_CN.po')


class PersonalDataTestCase(CompanyTestMixin, ModuleTestCase):
    "Test the personal_data module"
    module = 'personal_data'

    @with_transaction()
    def test_translations_complete(self):
        "Every string of the module is translated into Chinese"
        pool = Pool()
        Translation = pool.get('ir.translation')
        Set = pool.get('ir.translation.set', type='wizard')
        session_id, _, _ = Set.create()
        Set(session_id).transition_set_()
        Set.delete(session_id)
        strings = polib.pofile(
            Translation.translation_export('en', self.module).decode('utf-8'))
        translated = {(e.msgctxt, e.msgid)
            for e in polib.pofile(LOCALE) if e.msgstr}
        self.assertEqual(
            sorted({(e.msgctxt, e.msgid) for e in strings} - translated), [])


del ModuleTestCase
