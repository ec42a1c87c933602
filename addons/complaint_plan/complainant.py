# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Who complains, how to reach them, and whom or what they complain about"""
from trytond.model import fields
from trytond.modules.scheduled_activity.phone import Phone
from trytond.pool import Pool
from trytond.pyson import Eval

# What the clerk registers is read-only once verification starts
REGISTRATION_STATES = {
    'readonly': ~Eval('state').in_(['received', 'registered']),
    }
# The languages the complainant is written to in, as the public pages
# speak them
COMPLAINANT_LANGUAGES = [
    ('zh_CN', "Chinese"),
    ('en', "English"),
    ]


class ComplainantMixin:
    "The complainant and the respondent of a complaint"
    __slots__ = ()

    complainant = fields.Many2One('party.party', "Complainant",
        states=REGISTRATION_STATES,
        context={'company': Eval('company', -1)}, depends={'company'},
        help="Leave empty and fill in the name and contact "
        "when the complainant is not a known party.")
    complainant_name = fields.Char("Complainant Name",
        states=REGISTRATION_STATES)
    complainant_phone = Phone("Complainant Phone", states=REGISTRATION_STATES)
    complainant_email = fields.Char("Complainant Email",
        states=REGISTRATION_STATES)
    complainant_address = fields.Text(
        "Complainant Address", states=REGISTRATION_STATES)
    complainant_language = fields.Selection(COMPLAINANT_LANGUAGES,
        "Complainant Language", required=True, states=REGISTRATION_STATES,
        help="The language of the emails to the complainant.")
    respondent = fields.Reference("Respondent",
        selection='get_respondent_models', states=REGISTRATION_STATES,
        help="The store, employee or party complained about.")
    respondent_name = fields.Char("Respondent Description",
        states=REGISTRATION_STATES,
        help="The department or anything complained about "
        "that is not a record.")

    @classmethod
    def default_complainant_language(cls):
        return 'zh_CN'

    @classmethod
    def _get_respondent_models(cls):
        "Models whose records a complaint can be about."
        return ['company.employee', 'party.party']

    @classmethod
    def get_respondent_models(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        models = cls._get_respondent_models()
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in models]

    @fields.depends('complainant', 'complainant_name')
    def on_change_complainant(self):
        if self.complainant and not self.complainant_name:
            self.complainant_name = self.complainant.rec_name
