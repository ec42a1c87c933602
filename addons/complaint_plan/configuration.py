# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import urllib.parse

from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool
from trytond.pyson import Eval, Id
from trytond.transaction import Transaction
from trytond.url import http_host
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin

from .exceptions import ComplaintValidationError


class Configuration(EnforcedStatesMixin, ModelSingleton, ModelSQL, ModelView,
        CompanyMultiValueMixin):
    __name__ = 'complaint.configuration'

    complaint_sequence = fields.MultiValue(fields.Many2One(
            'ir.sequence', "Complaint Sequence", required=True,
            domain=[
                ('company', 'in', [Eval('context', {}).get('company', -1),
                        None]),
                ('sequence_type', '=',
                    Id('complaint_plan', 'sequence_type_complaint')),
                ]))
    allow_handler_approval = fields.Boolean("Handler May Approve",
        help="Whether the responsible of a complaint may approve "
        "its own handling plan.")
    public_url = fields.Char("Public Address",
        help="The address customers reach this server at, "
        "e.g. https://tousu.example.com\n"
        "When empty, the address of the server is used.")

    @classmethod
    def validate_fields(cls, configurations, field_names):
        super().validate_fields(configurations, field_names)
        if field_names is None or 'public_url' in field_names:
            for configuration in configurations:
                configuration.check_public_url()

    def check_public_url(self):
        "The links mailed to the complainants open this address in a browser"
        if not self.public_url:
            return
        url = urllib.parse.urlsplit(self.public_url)
        if (url.scheme not in {'http', 'https'} or not url.netloc
                or url.query or url.fragment):
            raise ComplaintValidationError(gettext(
                    'complaint_plan.msg_invalid_public_url',
                    url=self.public_url))

    def public_page_url(self, page, **query):
        """Return the address of the public page of the database (e.g.
        survey) with the query, on the public address (the server's when
        empty)"""
        base = self.public_url or http_host()
        path = urllib.parse.quote(
            f'/{Transaction().database.name}/complaint_plan/{page}')
        return f'{base.rstrip("/")}{path}?{urllib.parse.urlencode(query)}'

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field == 'complaint_sequence':
            return pool.get('complaint.configuration.sequence')
        return super().multivalue_model(field)

    @classmethod
    def default_complaint_sequence(cls, **pattern):
        return cls.multivalue_model(
            'complaint_sequence').default_complaint_sequence()


class ConfigurationSequence(EnforcedStatesMixin, ModelSQL, CompanyValueMixin):
    __name__ = 'complaint.configuration.sequence'

    complaint_sequence = fields.Many2One(
        'ir.sequence', "Complaint Sequence", required=True,
        domain=[
            ('company', 'in', [Eval('company', -1), None]),
            ('sequence_type', '=',
                Id('complaint_plan', 'sequence_type_complaint')),
            ])

    @classmethod
    def default_complaint_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id('complaint_plan', 'sequence_complaint')
        except KeyError:
            return None
