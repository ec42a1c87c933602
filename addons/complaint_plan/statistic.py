# This file is part of the complaint_plan module.
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
    def _columns(cls, complaint, latest_feedback):
        "Aggregate columns over the complaints joined to their last feedback"
        one = Literal(1)
        zero = Literal(0)
        return [
            cls.month.sql_cast(
                DateTrunc('month', complaint.received_at)).as_('month'),
            complaint.company.as_('company'),
            Count(complaint.id).as_('complaints'),
            Sum(Case((complaint.responded_at != Null, one),
                    else_=zero)).as_('responded'),
            Sum(Case((complaint.responded_at <= complaint.resolution_due,
                        one), else_=zero)).as_('on_time'),
            Sum(Case((latest_feedback.satisfaction.in_(
                            ['satisfied', 'unsatisfied']), one),
                    else_=zero)).as_('answered'),
            Sum(Case((latest_feedback.satisfaction == 'satisfied', one),
                    else_=zero)).as_('satisfied'),
            ]

    @classmethod
    def _tables(cls):
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
        from_ = complaint.join(latest_feedback, 'LEFT',
            condition=latest_feedback.complaint == complaint.id)
        where = complaint.state != 'cancelled'
        company = Transaction().context.get('company')
        if company is not None:
            where &= complaint.company == company
        return complaint, latest_feedback, from_, where


class Statistic(_StatisticMixin, ModelSQL, ModelView):
    "Complaint statistic by month, category, level and channel"
    __name__ = 'complaint.statistic'

    category = fields.Many2One('complaint.category', "Category",
        readonly=True)
    level = fields.Many2One('complaint.level', "Level", readonly=True)
    channel = fields.Selection(CHANNELS, "Channel", readonly=True)

    @classmethod
    def table_query(cls):
        complaint, latest_feedback, from_, where = cls._tables()
        return from_.select(
            Min(complaint.id).as_('id'),
            *cls._columns(complaint, latest_feedback),
            complaint.category.as_('category'),
            complaint.level.as_('level'),
            complaint.channel.as_('channel'),
            where=where,
            group_by=[
                DateTrunc('month', complaint.received_at),
                complaint.company, complaint.category, complaint.level,
                complaint.channel])


class StatisticMonth(_StatisticMixin, ModelSQL, ModelView):
    "Complaint service level and satisfaction by month"
    __name__ = 'complaint.statistic.month'

    sla_rate = fields.Function(fields.Numeric("SLA Compliance",
            digits=(1, 4), help="Share of responded complaints answered "
            "by their resolution deadline."), 'get_rate')
    satisfaction_rate = fields.Function(fields.Numeric("Satisfaction Rate",
            digits=(1, 4), help="Share of answered feedback that was "
            "satisfied."), 'get_rate')

    @classmethod
    def table_query(cls):
        complaint, latest_feedback, from_, where = cls._tables()
        return from_.select(
            Min(complaint.id).as_('id'),
            *cls._columns(complaint, latest_feedback),
            where=where,
            group_by=[
                DateTrunc('month', complaint.received_at),
                complaint.company])

    def get_rate(self, name):
        numerator, denominator = {
            'sla_rate': (self.on_time, self.responded),
            'satisfaction_rate': (self.satisfied, self.answered),
            }[name]
        if denominator:
            return (Decimal(numerator) / denominator).quantize(
                Decimal('0.0001'))
