# This file is part of the complaint_plan module.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class ComplaintPlanTestCase(CompanyTestMixin, ModuleTestCase):
    "Test the complaint_plan module"
    module = 'complaint_plan'


del ModuleTestCase
