# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case
from sql.functions import DateTrunc
from sql.operators import Exists

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .complaint import CHANNELS


class _StatisticMixin:
    "Counts of complaints received, answered on time and satisfied"
    __slots__ = ()

    company = fields.Many2One('company.company', "Company", readonly=True)
    month = fields.Date("Month", readonly=True)
    complaints = fields.Integer("Complaints", readonly=True)
    responded = fields.Integer("Responded", readonly=True)
    on_time = fields.Integer("Responded on Time", readonly=True)
    answered = fields.Integer("Satisfaction Answered", readonly=True)
    satisfied = fields.Integer("Satisfied", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('id', 'DESC')]

    @classmethod
    def _columns(cls, complaints):
        "Aggregate columns over the rows of _complaints()"
        one = Literal(1)
        zero = Literal(0)
        return [
            complaints.month.as_('month'),
            complaints.company.as_('company'),
            Count(complaints.id).as_('complaints'),
            Sum(Case((complaints.responded_at != Null, one),
                    else_=zero)).as_('responded'),
            Sum(Case((complaints.responded_at <= complaints.resolution_due,
                        one), else_=zero)).as_('on_time'),
            Sum(Case((complaints.satisfaction.in_(
                            ['satisfied', 'unsatisfied']), one),
                    else_=zero)).as_('answered'),
            Sum(Case((complaints.satisfaction == 'satisfied', one),
                    else_=zero)).as_('satisfied'),
            ]

    @classmethod
    def _complaints(cls):
        """The complaints with their month and last satisfaction, as a
        sub-query: grouping on its plain columns is the same on every
        database (PostgreSQL does not group a parametrized DATE_TRUNC)"""
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Feedback = pool.get('complaint.feedback')
        complaint = Complaint.__table__()
        feedback = Feedback.__table__()
        later = Feedback.__table__()
        latest_feedback = feedback.select(
            feedback.complaint, feedback.satisfaction,
            where=~Exists(later.select(later.id,
                    where=(later.complaint == feedback.complaint)
                    & (later.id > feedback.id))))
        where = complaint.state != 'cancelled'
        company = Transaction().context.get('company')
        if company is not None:
            where &= complaint.company == company
        return complaint.join(latest_feedback, 'LEFT',
            condition=latest_feedback.complaint == complaint.id
            ).select(
                complaint.id, complaint.company, complaint.category,
                complaint.level, complaint.channel, complaint.responded_at,
                complaint.resolution_due,
                latest_feedback.satisfaction.as_('satisfaction'),
                cls.month.sql_cast(
                    DateTrunc('month', complaint.received_at)).as_('month'),
                where=where)


class Statistic(_StatisticMixin, ModelSQL, ModelView):
    __name__ = 'complaint.statistic'

    category = fields.Many2One('complaint.category', "Category",
        readonly=True)
    level = fields.Many2One('complaint.level', "Level", readonly=True)
    channel = fields.Selection(CHANNELS, "Channel", readonly=True)

    @classmethod
    def table_query(cls):
        complaints = cls._complaints()
        return complaints.select(
            Min(complaints.id).as_('id'),
            *cls._columns(complaints),
            complaints.category.as_('category'),
            complaints.level.as_('level'),
            complaints.channel.as_('channel'),
            group_by=[
                complaints.month, complaints.company, complaints.category,
                complaints.level, complaints.channel])


class StatisticMonth(_StatisticMixin, ModelSQL, ModelView):
    __name__ = 'complaint.statistic.month'

    sla_rate = fields.Function(fields.Numeric("SLA Compliance",
            digits=(1, 4), help="Share of responded complaints answered "
            "by their resolution deadline."), 'get_rate')
    satisfaction_rate = fields.Function(fields.Numeric("Satisfaction Rate",
            digits=(1, 4), help="Share of answered feedback that was "
            "satisfied."), 'get_rate')
    # The graph draws the rates as percentages
    sla_percent = fields.Function(fields.Numeric("SLA Compliance (%)",
            digits=(3, 1)), 'get_percent')
    satisfaction_percent = fields.Function(fields.Numeric(
            "Satisfaction Rate (%)", digits=(3, 1)), 'get_percent')

    @classmethod
    def table_query(cls):
        complaints = cls._complaints()
        return complaints.select(
            Min(complaints.id).as_('id'),
            *cls._columns(complaints),
            group_by=[complaints.month, complaints.company])

    def get_rate(self, name):
        numerator, denominator = {
            'sla_rate': (self.on_time, self.responded),
            'satisfaction_rate': (self.satisfied, self.answered),
            }[name]
        if denominator:
            return (Decimal(numerator) / denominator).quantize(
                Decimal('0.0001'))

    def get_percent(self, name):
        rate = self.get_rate(name.replace('_percent', '_rate'))
        if rate is not None:
            return (rate * 100).quantize(Decimal('0.1'))
