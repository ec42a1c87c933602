# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import DeactivableMixin, Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.timezone import (
    company_today)



class Store(EnforcedStatesMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'hygiene.store'

    name = fields.Char("Name", required=True, translate=False)
    code = fields.Char("Code")
    address = fields.Text("Address")
    company = fields.Many2One('company.company', "Company", required=True)
    manager = fields.Many2One(
        'company.employee', "Manager",
        domain=[('company', '=', Eval('company', -1))],
        help="The store manager, who reads the health data of the staff.")
    inspector = fields.Many2One(
        'company.employee', "Spot Inspector",
        domain=[('company', '=', Eval('company', -1))],
        help="The inspector assigned to spot inspections of the store.")
    staff = fields.Many2Many(
        'hygiene.store-company.employee', 'store', 'employee', "Staff",
        domain=[('company', '=', Eval('company', -1))])
    dusty_region = fields.Boolean(
        "Dusty Region",
        help="Items cleaned daily are inspected twice daily in stores "
        "of a dusty region.")
    expired_certificate_staff = fields.Function(fields.Many2Many(
            'company.employee', None, None, "Staff with Expired Certificate",
            help="Staff whose latest health certificate has expired "
            "(shown only to those who may read health data)."),
        'get_expired_certificate_staff')
    certificate_alert = fields.Function(fields.Boolean(
            "Certificate Alert",
            help="Some staff have an expired health certificate."),
        'get_expired_certificate_staff')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('name', 'ASC'), ('id', 'ASC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.manager, Index.Equality())))

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        if self.code:
            return f'[{self.code}] {self.name}'
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('name', operator, operand, *extra),
            ('code', operator, operand, *extra),
            ]

    @classmethod
    def get_expired_certificate_staff(cls, stores, names):
        pool = Pool()
        Certificate = pool.get('hygiene.health_certificate')
        ModelAccess = pool.get('ir.model.access')
        result = {n: {s.id: [] if n != 'certificate_alert' else False
                for s in stores} for n in names}
        # Derived from health data: computed only for who may read it and
        # through their record rules.
        if not ModelAccess.check(
                Certificate.__name__, 'read', raise_exception=False):
            return result
        employees = {e for s in stores for e in s.staff}
        if not employees:
            return result
        expired = Certificate.expired_employees(
            list(employees), company_today(stores[0].company))
        for store in stores:
            staff = [e.id for e in store.staff if e in expired]
            if 'expired_certificate_staff' in names:
                result['expired_certificate_staff'][store.id] = staff
            if 'certificate_alert' in names:
                result['certificate_alert'][store.id] = bool(staff)
        return result

    @classmethod
    @without_check_access
    def managed_by(cls, employees):
        "Return the stores managed by the employees"
        return cls.search([('manager', 'in', [e.id for e in employees])])


class StoreStaff(EnforcedStatesMixin, ModelSQL):
    __name__ = 'hygiene.store-company.employee'

    store = fields.Many2One(
        'hygiene.store', "Store", required=True, ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.employee, Index.Equality())))


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    hygiene_stores = fields.Many2Many(
        'hygiene.store-company.employee', 'employee', 'store', "Stores")
