# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The sanctions against retaliation or a knowingly false report"""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin

from .access import ExcludedAsMissingMixin
from .exceptions import ReportAccessError


class Sanction(
        ExcludedAsMissingMixin, EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'whistleblower.sanction'
    report = fields.Many2One(
        'whistleblower.report', "Report", required=True, ondelete='CASCADE')
    person = fields.Char(
        "Responsible Person", required=True,
        help="The person held responsible.")
    type = fields.Selection([
            ('warning', "Warning"),
            ('demerit', "Demerit"),
            ('demotion', "Demotion"),
            ('dismissal', "Dismissal from Post"),
            ('other', "Other"),
            ], "Sanction", required=True, sort=False)
    description = fields.Char("Description")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.report, Index.Equality())))

    @classmethod
    def check_modification(cls, mode, sanctions, values=None, external=False):
        super().check_modification(
            mode, sanctions, values=values, external=external)
        for sanction in sanctions:
            if sanction.report.state not in {'investigating', 'proposed'}:
                raise ReportAccessError(gettext(
                        'whistleblower.msg_sanction_modify',
                        report=sanction.report.rec_name))
