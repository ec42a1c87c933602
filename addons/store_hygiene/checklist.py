# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, sequence_ordered, fields)
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin

AREAS = [
    ('staff_hygiene', "Staff Hygiene"),
    ('staff_appearance', "Staff Appearance"),
    ('sample_products', "Sample Products"),
    ('shelves_storage', "Shelves and Storage"),
    ('store_premises', "Store Premises"),
    ]

FREQUENCIES = [
    ('each', "Every Inspection"),
    ('daily', "Daily"),
    ('half_monthly', "Every Half Month"),
    ]


class Checklist(EnforcedStatesMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'hygiene.checklist'

    name = fields.Char("Name", required=True, translate=True)
    description = fields.Text("Description", translate=True)
    items = fields.One2Many('hygiene.checklist.item', 'checklist', "Items")


class Item(EnforcedStatesMixin, sequence_ordered(), DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'hygiene.checklist.item'
    _rec_name = 'requirement'

    checklist = fields.Many2One(
        'hygiene.checklist', "Checklist", required=True, ondelete='CASCADE')
    area = fields.Selection(AREAS, "Area", required=True, sort=False)
    requirement = fields.Text("Requirement", required=True, translate=True)
    weight = fields.Float(
        "Weight", required=True, digits=(16, 1),
        domain=[('weight', '>', 0)],
        help="The share of the item in the inspection score.")
    critical = fields.Boolean(
        "Critical", help="A failure of the item fails the inspection.")
    photo_required = fields.Boolean(
        "Photo Required",
        help="A photo must be attached to the line to complete the "
        "inspection.")
    frequency = fields.Selection(
        FREQUENCIES, "Frequency", required=True, sort=False,
        help="Every Inspection: on each inspection.\n"
        "Daily: on the first inspection of the day, of each half day in "
        "stores of a dusty region.\n"
        "Every Half Month: on the first inspection of each half month.")

    @staticmethod
    def default_weight():
        return 1.0

    @staticmethod
    def default_frequency():
        return 'each'

    @classmethod
    def default_area(cls):
        return 'store_premises'
