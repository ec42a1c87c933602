# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.pool import Pool


class PublicPageTestCase(ModuleTestCase):
    "Test Public Page module"
    module = 'public_page'

    @with_transaction()
    def test_secret_created_once(self):
        "The token secret exists from the activation and stays"
        pool = Pool()
        Configuration = pool.get('public_page.configuration')
        secret = Configuration(1).secret
        self.assertEqual(len(secret), 64)
        Configuration.__register__('public_page')
        self.assertEqual(Configuration(1).secret, secret)


del ModuleTestCase
