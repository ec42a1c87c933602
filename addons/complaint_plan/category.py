# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered, tree)
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin


class Category(
        EnforcedStatesMixin, DeactivableMixin, tree(separator=' / '), sequence_ordered(),
        ModelSQL, ModelView):
    __name__ = 'complaint.category'

    name = fields.Char("Name", required=True, translate=True)
    parent = fields.Many2One('complaint.category', "Parent",
        ondelete='RESTRICT')
    childs = fields.One2Many('complaint.category', 'parent', "Children")
    default_level = fields.Many2One('complaint.level', "Default Level",
        help="The level suggested for complaints of this category.")
    responsible_employees = fields.Many2Many(
        'complaint.category-company.employee', 'category', 'employee',
        "Responsible Employees",
        help="The handlers who work the complaints of this category.")

    def get_default_level(self):
        "The level of the category or of its nearest parent that has one."
        category = self
        while category:
            if category.default_level:
                return category.default_level
            category = category.parent

    def get_responsible_employees(self):
        category = self
        while category:
            if category.responsible_employees:
                return category.responsible_employees
            category = category.parent
        return []


class CategoryEmployee(EnforcedStatesMixin, ModelSQL):
    __name__ = 'complaint.category-company.employee'

    category = fields.Many2One('complaint.category', "Category",
        required=True, ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee",
        required=True, ondelete='CASCADE')
