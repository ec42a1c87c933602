# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from contextlib import contextmanager

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


@contextmanager
def as_user(user):
    "Act as the user through RPC: access checks on"
    with Transaction().set_user(user.id), \
            Transaction().set_context(_check_access=True):
        yield


class PublicPageAccessTestCase(ModuleTestCase):
    "Test the access to the public page records"
    module = 'public_page'
    extras = ['company']

    @with_transaction()
    def test_only_administrators(self):
        """Only administrators read the settings; nobody reads the attempts
        and the spent challenges"""
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        Configuration = pool.get('public_page.configuration')
        Attempt = pool.get('public_page.attempt')
        Challenge = pool.get('public_page.challenge')

        company = create_company()
        admin_group = Group(ModelData.get_id('res', 'group_admin'))
        administrator, clerk = User.create([{
                    'login': login, 'companies': [('add', [company.id])],
                    'company': company.id,
                    'groups': [('add', groups)],
                    } for login, groups in [
                    ('administrator', [admin_group.id]), ('clerk', [])]])
        Attempt.add('submission', '203.0.113.7')

        with as_user(administrator):
            Configuration.write([Configuration(1)], {'submission_limit': 5})
            self.assertEqual(Configuration(1).submission_limit, 5)
            with self.assertRaises(AccessError):
                Attempt.search([])
            with self.assertRaises(AccessError):
                Challenge.search([])
        with as_user(clerk):
            with self.assertRaises(AccessError):
                Configuration.read([1], ['submission_limit'])
            with self.assertRaises(AccessError):
                Attempt.search([])
            with self.assertRaises(AccessError):
                Challenge.search([])


del ModuleTestCase
