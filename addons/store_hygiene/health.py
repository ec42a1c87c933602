# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from dateutil.relativedelta import relativedelta
from sql import Null
from sql.aggregate import Max

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.activity import ActivityMixin
from trytond.modules.scheduled_activity.claim import claim
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.notify import (
    notify, users_of_employees)
from trytond.modules.scheduled_activity.timezone import (
    company_today, from_company_time, today_domain)

from .exceptions import PreshiftCheckClosedError, PreshiftCheckValidationError


class HealthCertificate(EnforcedStatesMixin, ActivityMixin, ModelSQL, ModelView):
    __name__ = 'hygiene.health_certificate'
    _rec_name = 'number'

    company = fields.Many2One('company.company', "Company", required=True)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))])
    number = fields.Char("Number", required=True)
    issued_on = fields.Date("Issued On", required=True)
    expires_on = fields.Date(
        "Expires On", required=True,
        domain=[('expires_on', '>', Eval('issued_on'))])
    reminded_at = fields.DateTime("Reminded At", readonly=True)
    expired = fields.Function(
        fields.Boolean("Expired"), 'get_expired')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                # The reminder cron reads only those not yet reminded
                Index(t, (t.expires_on, Index.Range()),
                    where=t.reminded_at == Null),
                Index(t, (t.employee, Index.Equality()),
                    (t.expires_on, Index.Range(order='DESC'))),
                })
        cls._order = [
            ('expires_on', 'DESC'),
            ('id', 'DESC'),
            ]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_issued_on(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company = Transaction().context.get('company')
        return company_today(Company(company) if company else None)

    @classmethod
    def default_expires_on(cls):
        return cls._expires_on(cls.default_issued_on())

    @classmethod
    def _expires_on(cls, issued_on):
        pool = Pool()
        Configuration = pool.get('hygiene.configuration')
        if issued_on:
            return issued_on + relativedelta(
                months=Configuration(1).certificate_validity)

    @fields.depends('issued_on')
    def on_change_issued_on(self):
        self.expires_on = self._expires_on(self.issued_on)

    def get_rec_name(self, name):
        return f'{self.employee.rec_name} ({self.number})'

    def get_expired(self, name):
        return self.expires_on < company_today(self.company)

    @classmethod
    def copy(cls, certificates, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('reminded_at', None)
        return super().copy(certificates, default=default)

    @classmethod
    def on_modification(cls, mode, certificates, field_names=None):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        super().on_modification(mode, certificates, field_names=field_names)
        if mode == 'create':
            # A renewal ends the reminders of the previous certificates
            with without_check_access():
                previous = cls.search([
                        ('employee', 'in',
                            [c.employee.id for c in certificates]),
                        ('id', 'not in', [c.id for c in certificates]),
                        ])
            previous = [p for p in previous if any(
                    p.employee == c.employee and p.expires_on < c.expires_on
                    for c in certificates)]
            if previous:
                Activity.close(previous)

    @classmethod
    def expired_employees(cls, employees, date):
        "Return the employees whose latest certificate expired before date"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        domain_ids = {c.id for c in cls.search([
                    ('employee', 'in', [e.id for e in employees]),
                    ])}
        latest = {}
        for sub_ids in grouped_slice(domain_ids):
            cursor.execute(*table.select(
                    table.employee, Max(table.expires_on),
                    where=reduce_ids(table.id, sub_ids),
                    group_by=[table.employee]))
            for employee, expires_on in cursor:
                if isinstance(expires_on, str):
                    expires_on = dt.date.fromisoformat(expires_on)
                latest[employee] = max(
                    latest.get(employee, expires_on), expires_on)
        return {e for e in employees
            if e.id in latest and latest[e.id] < date}

    @classmethod
    @without_check_access
    def send_expiry_reminders(cls):
        """Plan a renewal activity for the store managers and ring their
        bell once per certificate that expires within the reminder days"""
        pool = Pool()
        Configuration = pool.get('hygiene.configuration')
        Store = pool.get('hygiene.store')
        Activity = pool.get('scheduled.activity')
        Lang = pool.get('ir.lang')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        days = Configuration(1).certificate_reminder_days
        current = clock.now()
        limit = current.date() + dt.timedelta(days=days + 1)
        cursor.execute(*table.select(
                table.id,
                where=(table.reminded_at == Null)
                & (table.expires_on <= limit)))
        candidates = cls.browse([i for i, in cursor])
        # Precise limit in the company time zone
        ids = [c.id for c in candidates
            if c.expires_on <= company_today(c.company) + dt.timedelta(days=days)]
        claimed = ids and claim(cls, table, [table.reminded_at], [current],
            reduce_ids(table.id, ids) & (table.reminded_at == Null))
        if not claimed:
            return []
        certificates = cls.browse(claimed)
        lang = Lang.get()
        for certificate in certificates:
            stores = Store.search([
                    ('staff', '=', certificate.employee.id),
                    ('manager', '!=', None),
                    ])
            managers = {s.manager for s in stores}
            due = from_company_time(certificate.company, dt.datetime.combine(
                    certificate.expires_on, dt.time(9)))
            values = dict(
                employee=certificate.employee.rec_name,
                expires_on=lang.strftime(certificate.expires_on))
            # A certificate recorded or first seen once expired is announced
            # as expired, not as expiring
            suffix = ('_expired'
                if certificate.expires_on < company_today(certificate.company)
                else '')
            for manager in managers:
                Activity.plan(
                    certificate, 'hygiene_certificate_renewal', manager, due,
                    gettext('store_hygiene.msg_certificate_activity_subject'
                        + suffix, **values))
            notify([certificate], users_of_employees(managers),
                'tryton-notification',
                'store_hygiene.msg_certificate_notification_label' + suffix,
                'store_hygiene.msg_certificate_notification_description'
                + suffix, variables=values)
        return certificates


class PreshiftCheck(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'hygiene.preshift_check'

    company = fields.Many2One('company.company', "Company", required=True)
    date = fields.Date("Date", required=True)
    today = fields.Function(fields.Boolean("Today",
            help="Of the company's today."),
        'get_today', searcher='search_today')
    store = fields.Many2One(
        'hygiene.store', "Store", required=True, ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))])
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE',
        domain=[
            ('company', '=', Eval('company', -1)),
            If(Eval('store'),
                ('hygiene_stores', '=', Eval('store', -1)),
                ()),
            ])
    fever = fields.Boolean("Fever")
    diarrhoea = fields.Boolean("Diarrhoea")
    sore_throat = fields.Boolean("Sore Throat")
    skin_wound = fields.Boolean("Skin Wound")
    fit_for_duty = fields.Boolean(
        "Fit for Duty",
        help="Staff with a symptom are not fit to handle the products.")
    note = fields.Text("Note")
    checked_by = fields.Many2One(
        'company.employee', "Checked By",
        domain=[('company', '=', Eval('company', -1))])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('employee_date_unique', Unique(t, t.employee, t.date),
                'store_hygiene.msg_preshift_check_unique'),
            ]
        cls._sql_indexes.add(Index(
                t, (t.store, Index.Equality()), (t.date, Index.Range())))
        cls._order = [
            ('date', 'DESC'),
            ('id', 'DESC'),
            ]

    def get_today(self, name):
        return self.date == company_today(self.company)

    @classmethod
    def search_today(cls, name, clause):
        return today_domain('date', clause)

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_date(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company = Transaction().context.get('company')
        return company_today(Company(company) if company else None)

    @classmethod
    def default_fit_for_duty(cls):
        return True

    @classmethod
    def default_checked_by(cls):
        return Transaction().context.get('employee')

    @property
    def symptoms(self):
        return any([
                self.fever, self.diarrhoea, self.sore_throat,
                self.skin_wound])

    @fields.depends('fever', 'diarrhoea', 'sore_throat', 'skin_wound')
    def on_change_with_fit_for_duty(self):
        return not self.symptoms

    def get_rec_name(self, name):
        return f'{self.employee.rec_name} {self.date}'

    @classmethod
    def check_modification(cls, mode, checks, values=None, external=False):
        """The checks of a past day are the records the law asks to keep:
        nobody changes or deletes them (the retention's erasure does)"""
        super().check_modification(
            mode, checks, values=values, external=external)
        if not external or mode not in {'write', 'delete'}:
            return
        for check in checks:
            today = company_today(check.company)
            dates = [check.date]
            if mode == 'write' and values.get('date'):
                dates.append(values['date'])
            if min(dates) < today:
                raise PreshiftCheckClosedError(gettext(
                        'store_hygiene.msg_preshift_check_past',
                        check=check.rec_name))

    @classmethod
    def validate_fields(cls, checks, field_names):
        super().validate_fields(checks, field_names)
        for check in checks:
            if check.fit_for_duty and check.symptoms:
                raise PreshiftCheckValidationError(gettext(
                        'store_hygiene.msg_preshift_check_unfit',
                        check=check.rec_name))
