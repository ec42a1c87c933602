# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Helpers shared by the modules' tests"
from contextlib import contextmanager
from unittest.mock import Mock, patch

from trytond.modules.scheduled_activity import clock
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, TestCase, activate_module, drop_db)
from trytond.transaction import Transaction


def load_translations(*codes):
    "Load the translations of the languages of the codes into the database"
    Lang = Pool().get('ir.lang')
    Lang.load_translations(Lang.search([('code', 'in', codes)]))


class ModuleDatabaseTestCase(TestCase):
    """A test case on a database of its own, with the modules activated in
    the language, dropped at the end (trytond's TestCase shares its database
    with the other test cases)"""
    modules = []  # the modules to activate
    language = 'en'
    # Other languages whose translations the database holds, loaded once
    translations = []
    # pytest collects the unittest test cases imported into a test module:
    # not this one, only its subclasses
    __test__ = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.__test__ = cls.__dict__.get('__test__', True)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module(cls.modules, lang=cls.language)
        if cls.translations:
            with Transaction().start(DB_NAME, 0) as transaction:
                load_translations(*cls.translations)
                transaction.commit()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()


def create_user(login, groups, company, employee=None):
    """Create the user login of the company, member of the groups
    ('module.xml_id') and working as the employee when given"""
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    user, = User.create([{
                'login': login,
                'name': login,
                'groups': [('add', [
                            ModelData.get_id(*g.split('.')) for g in groups])],
                'companies': [('add', [company.id])],
                'company': company.id,
                'employees': [('add', [employee.id])] if employee else [],
                'employee': employee.id if employee else None,
                }])
    return user


@contextmanager
def as_user(user):
    "Act as a real user through RPC: record rules and access checks apply"
    with Transaction().set_user(user.id), \
            Transaction().set_context(
                _check_access=True, company=user.company.id,
                employee=user.employee.id if user.employee else None):
        yield


def set_clock(value):
    """Pin the clock of the modules to the naive UTC datetime value until the
    next call; the scenarios' teardown releases it (patch.stopall)"""
    if not isinstance(clock.now, Mock):
        patch.object(clock, 'now').start()
    clock.now.return_value = value


@contextmanager
def clock_at(value):
    "Pin the clock of the modules to the naive UTC datetime value inside"
    with patch.object(clock, 'now', return_value=value):
        yield
