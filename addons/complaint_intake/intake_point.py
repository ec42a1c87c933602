# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import io
import re
import secrets
from pathlib import Path

import segno
from sql import Null
from sql.aggregate import Count

from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.modules.complaint_plan.report import ComplaintReport
from trytond.modules.complaint_plan.upgrade import (
    take_over_from_complaint_plan)
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access


def new_token():
    return secrets.token_urlsafe(16)


class IntakePoint(EnforcedStatesMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'complaint.intake.point'

    company = fields.Many2One('company.company', "Company", required=True)
    name = fields.Char("Name", required=True, translate=False,
        help="Printed under the QR code.")
    respondent = fields.Reference("Respondent",
        selection='get_respondent_models',
        help="The store, employee or party the complaints sent through "
        "this point are about.")
    category = fields.Many2One('complaint.category', "Category",
        help="The category suggested to the complaints sent through "
        "this point.")
    token = fields.Char("Code", readonly=True,
        help="The secret part of the address printed in the QR code.")
    url = fields.Function(fields.Char("Address",
            help="The public page the QR code opens."), 'get_url')
    qr_code = fields.Function(fields.Binary("QR Code"), 'get_qr_code')
    complaint_count = fields.Function(
        fields.Integer("Complaints",
            help="The complaints sent through this point."),
        'get_complaint_count')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('token_unique', Unique(t, t.token),
                'complaint_intake.msg_intake_point_token_unique'),
            ]
        cls._order = [('name', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                'new_code': {
                    'icon': 'tryton-refresh',
                    },
                })

    @classmethod
    def __register__(cls, module_name):
        # Until 8.0.0 the intake was part of complaint_plan
        take_over_from_complaint_plan(module_name, Path(__file__).parent,
            ['intake_point.xml', 'email_intake.xml', 'message.xml'],
            models=['complaint.intake.point', 'complaint.email'],
            fields={
                'complaint.complaint': [
                    'intake_point', 'intake_key', 'email_message_id',
                    'emails'],
                'inbound.email.rule': ['complaint_company'],
                })
        super().__register__(module_name)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def get_respondent_models(cls):
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        return Complaint.get_respondent_models()

    @fields.depends('respondent', 'name')
    def on_change_respondent(self):
        # A model chosen without its record comes with the id -1
        if self.respondent and self.respondent.id >= 0 and not self.name:
            self.name = self.respondent.rec_name

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('token'):
            values['token'] = new_token()
        return values

    @classmethod
    def copy(cls, points, default=None):
        default = default.copy() if default is not None else {}
        # A copy is another place: it gets its own code
        default.setdefault('token', None)
        return super().copy(points, default=default)

    @classmethod
    @without_check_access
    def from_token(cls, token):
        "Return the active intake point of the code or None"
        # Only what new_token() makes reaches the search
        if not re.fullmatch(r'[A-Za-z0-9_-]{1,64}', token or ''):
            return None
        points = cls.search([
                ('token', '=', token),
                ('active', '=', True),
                ], limit=1)
        return points[0] if points else None

    def get_url(self, name):
        pool = Pool()
        Configuration = pool.get('complaint.configuration')
        return Configuration(1).public_page_url('complaint', point=self.token)

    def get_qr_code(self, name):
        output = io.BytesIO()
        # Medium error correction: a printed code still scans when it is
        # worn or partly dirty.
        segno.make(self.url, error='m', micro=False).save(
            output, kind='png', scale=10, border=4)
        return output.getvalue()

    @classmethod
    def get_complaint_count(cls, points, name):
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        complaint = Complaint.__table__()
        cursor = Transaction().connection.cursor()
        counts = dict.fromkeys((p.id for p in points), 0)
        cursor.execute(*complaint.select(
                complaint.intake_point, Count(complaint.id),
                where=complaint.intake_point.in_(list(counts)),
                group_by=[complaint.intake_point]))
        counts.update(cursor)
        return counts

    @classmethod
    @ModelView.button
    def new_code(cls, points):
        "Replace the code: the printed QR codes of the points stop working"
        for point in points:
            point.token = new_token()
        cls.save(points)


class Complaint(metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    intake_point = fields.Many2One('complaint.intake.point', "Intake Point",
        readonly=True, ondelete='RESTRICT',
        states={
            'invisible': ~Eval('intake_point'),
            },
        help="The QR code the complaint was sent through.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t,
                (t.intake_point, Index.Equality()),
                where=t.intake_point != Null))

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('intake_point', None)
        return super().copy(complaints, default=default)


class IntakePointSheet(ComplaintReport):
    __name__ = 'complaint.intake.point.sheet'
