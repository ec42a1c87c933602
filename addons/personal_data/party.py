# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.pool import Pool, PoolMeta

from .eraser import ERASED


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        result = []
        for Model, domain, resource, columns, values in super().to_erase(
                party_id):
            # The platform erases the value but keeps its compact form,
            # the phone number or email address as searched
            if (Model == ContactMechanism
                    and 'value_compact' in ContactMechanism._fields
                    and 'value_compact' not in columns):
                columns = list(columns) + ['value_compact']
                values = list(values) + [ERASED]
            result.append((Model, domain, resource, columns, values))
        return result
