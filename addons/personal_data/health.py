# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Health certificates and pre-shift checks are sensitive personal data
(PIPL Art. 28): once their retention period is over they are anonymised,
the row stays without the employee"""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Bool, Eval


class _AnonymisedMixin:
    __slots__ = ()

    personal_data_erased_at = fields.Timestamp(
        "Personal Data Erased At", readonly=True,
        help="When the record was anonymised after its retention period.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Anonymised records have no employee any more
        cls.employee.required = False
        cls.employee.states = {
            **cls.employee.states,
            'required': ~Bool(Eval('personal_data_erased_at')),
            'readonly': Bool(Eval('personal_data_erased_at')),
            }

    @classmethod
    def copy(cls, records, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('personal_data_erased_at', None)
        return super().copy(records, default=default)


class HealthCertificate(_AnonymisedMixin, metaclass=PoolMeta):
    __name__ = 'hygiene.health_certificate'

    def get_rec_name(self, name):
        if not self.employee:
            return gettext('personal_data.msg_anonymised_certificate',
                expires_on=self.expires_on)
        return super().get_rec_name(name)


class PreshiftCheck(_AnonymisedMixin, metaclass=PoolMeta):
    __name__ = 'hygiene.preshift_check'

    def get_rec_name(self, name):
        if not self.employee:
            return gettext('personal_data.msg_anonymised_preshift',
                date=self.date)
        return super().get_rec_name(name)
