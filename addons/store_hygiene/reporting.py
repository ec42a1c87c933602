# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Cast
from sql.aggregate import Avg, Count, Min, Sum
from sql.conditionals import Case

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction


class Context(ModelView):
    __name__ = 'hygiene.reporting.context'

    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date(
        "From Date",
        domain=[If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')),
                ())])
    to_date = fields.Date(
        "To Date",
        domain=[If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')),
                ())])
    store = fields.Many2One(
        'hygiene.store', "Store",
        domain=[('company', '=', Eval('company', -1))])

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        return Transaction().context.get('from_date')

    @classmethod
    def default_to_date(cls):
        return Transaction().context.get('to_date')

    @classmethod
    def default_store(cls):
        return Transaction().context.get('store')


class _ReportingMixin:
    __slots__ = ()

    @classmethod
    def _inspection_where(cls, inspection):
        context = Transaction().context
        where = inspection.company == context.get('company', -1)
        if context.get('from_date'):
            where &= inspection.planned_date >= context['from_date']
        if context.get('to_date'):
            where &= inspection.planned_date <= context['to_date']
        if context.get('store'):
            where &= inspection.store == context['store']
        return where


class StoreScore(_ReportingMixin, ModelSQL, ModelView):
    __name__ = 'hygiene.reporting.store_score'

    store = fields.Many2One('hygiene.store', "Store", readonly=True)
    date = fields.Date("Date", readonly=True)
    score = fields.Float("Average Score", digits=(5, 1), readonly=True)
    inspections = fields.Integer("Inspections", readonly=True)
    failed = fields.Integer("Failed", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('store', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        inspection = Inspection.__table__()
        return inspection.select(
            Min(inspection.id).as_('id'),
            inspection.store.as_('store'),
            inspection.planned_date.as_('date'),
            Avg(inspection.score).as_('score'),
            Count(inspection.id).as_('inspections'),
            Sum(Case((inspection.result == 'failed', 1), else_=0)).as_(
                'failed'),
            where=cls._inspection_where(inspection)
            & (inspection.state == 'done'),
            group_by=[inspection.store, inspection.planned_date])


class ItemFailure(_ReportingMixin, ModelSQL, ModelView):
    __name__ = 'hygiene.reporting.item_failure'

    item = fields.Many2One('hygiene.checklist.item', "Item", readonly=True)
    area = fields.Function(fields.Selection('get_areas', "Area"),
        'get_area')
    failures = fields.Integer("Failures", readonly=True)
    checks = fields.Integer("Checks", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('failures', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        Line = pool.get('hygiene.inspection.line')
        inspection = Inspection.__table__()
        line = Line.__table__()
        return line.join(
            inspection, condition=line.inspection == inspection.id
            ).select(
            line.item.as_('id'),
            line.item.as_('item'),
            Sum(Case((line.result == 'fail', 1), else_=0)).as_('failures'),
            Count(line.id).as_('checks'),
            where=cls._inspection_where(inspection)
            & (inspection.state == 'done')
            & line.result.in_(['pass', 'fail']),
            group_by=[line.item])

    @classmethod
    def get_areas(cls):
        pool = Pool()
        Item = pool.get('hygiene.checklist.item')
        return Item.fields_get(['area'])['area']['selection']

    def get_area(self, name):
        return self.item.area


class MissedRate(_ReportingMixin, ModelSQL, ModelView):
    __name__ = 'hygiene.reporting.missed_rate'

    store = fields.Many2One('hygiene.store', "Store", readonly=True)
    inspections = fields.Integer("Inspections", readonly=True)
    missed = fields.Integer("Missed", readonly=True)
    rate = fields.Float(
        "Missed Rate", digits=(5, 1), readonly=True,
        help="The share of the due inspections that were missed, in %.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('rate', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        inspection = Inspection.__table__()
        missed = Sum(Case((inspection.state == 'missed', 1), else_=0))
        total = Count(inspection.id)
        rate_type = cls.rate.sql_type().base
        return inspection.select(
            inspection.store.as_('id'),
            inspection.store.as_('store'),
            total.as_('inspections'),
            missed.as_('missed'),
            (Cast(missed, rate_type) * 100 / total).as_('rate'),
            where=cls._inspection_where(inspection)
            & inspection.state.in_(['done', 'missed']),
            group_by=[inspection.store])
