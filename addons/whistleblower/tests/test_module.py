# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.whistleblower.tests.tools import set_test_key
from trytond.tests.test_tryton import ModuleTestCase

set_test_key()


class WhistleblowerTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Whistleblower module"
    module = 'whistleblower'


del ModuleTestCase

