# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The clock of a complaint: when it must be acknowledged and resolved, in
the working calendar of its company, the pause while the handler waits on
the complainant, the overdue flags and the alert to the leading group"""
import datetime as dt

from sql import Null

from trytond.i18n import gettext
from trytond.model import Index, ModelView, Workflow, fields
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.claim import claim
from trytond.modules.scheduled_activity.notify import notify, users_of_groups
from trytond.modules.scheduled_activity.working_calendar import (
    add_delay, time_between)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

# The resolution clock runs in these states; 'waiting' pauses it.
CLOCK_STATES = ['received', 'registered', 'verifying', 'planning',
    'approving', 'processing']


class ComplaintDeadlineMixin:
    "The deadlines of a complaint"
    __slots__ = ()

    acknowledgement_due = fields.Timestamp(
        "Acknowledgement Due", readonly=True)
    resolution_due = fields.Timestamp("Resolution Due", readonly=True,
        help="Moves later by the time spent waiting on the complainant.")
    waiting_since = fields.Timestamp("Waiting Since", readonly=True)
    waiting_from = fields.Char("Waiting From", readonly=True)
    leaders_alerted_at = fields.Timestamp("Leading Group Alerted At",
        readonly=True)
    acknowledgement_overdue = fields.Function(
        fields.Boolean("Acknowledgement Overdue"),
        'get_acknowledgement_overdue',
        searcher='search_acknowledgement_overdue')
    overdue = fields.Function(fields.Boolean("Overdue"),
        'get_overdue', searcher='search_overdue')
    on_time = fields.Function(fields.Boolean("Responded on Time"),
        'get_on_time')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.resolution_due, Index.Range()),
                    (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(CLOCK_STATES)),
                Index(t,
                    (t.acknowledgement_due, Index.Range()),
                    where=t.state == 'received'),
                Index(t,
                    (t.resolution_due, Index.Range()),
                    (t.level, Index.Equality()),
                    where=t.state.in_(CLOCK_STATES)
                    & (t.leaders_alerted_at == Null)),
                })
        # Waiting on the complainant pauses the resolution clock
        cls._transitions |= {
            ('verifying', 'waiting'),
            ('processing', 'waiting'),
            ('waiting', 'verifying'),
            ('waiting', 'processing'),
            }
        cls._buttons.update({
                'wait': {
                    'invisible': ~Eval('state').in_(
                        ['verifying', 'processing']),
                    'icon': 'tryton-switch',
                    'depends': ['state'],
                    },
                'resume': {
                    'invisible': Eval('state') != 'waiting',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('overdue', False)
                    | Eval('acknowledgement_overdue', False), 'danger', ''),
                ['overdue', 'acknowledgement_overdue']),
            ]

    @classmethod
    def _deadlines(cls, level, received_at, paused=dt.timedelta(),
            company=None):
        """The due dates of a complaint received at received_at, its
        resolution moved by paused, counted in the resolution's unit, in
        the working calendar of the company"""
        if not level or not received_at:
            return {'acknowledgement_due': None, 'resolution_due': None}
        if company is None:
            company = cls.default_company()
        unit = level.resolution_delay_unit
        return {
            'acknowledgement_due': add_delay(company, received_at,
                level.acknowledgement_delay,
                level.acknowledgement_delay_unit),
            'resolution_due': add_delay(company, add_delay(company,
                    received_at, level.resolution_delay, unit),
                paused, unit),
            }

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Level = pool.get('complaint.level')
        vlist = [v.copy() for v in vlist]
        levels = {l.id: l for l in Level.browse(
                {v['level'] for v in vlist if v.get('level')})}
        for values in vlist:
            values.update(cls._deadlines(
                    levels.get(values.get('level')),
                    values.get('received_at') or cls.default_received_at(),
                    company=values.get('company', cls.default_company())))
        complaints = super().create(vlist)
        cls._plan_activity(complaints, 'complaint_acknowledgement',
            'acknowledgement_due')
        return complaints

    @classmethod
    def on_modification(cls, mode, complaints, field_names=None):
        super().on_modification(mode, complaints, field_names=field_names)
        if mode == 'write' and 'responsible' in field_names:
            cls._reschedule_activities(complaints)
        if mode != 'write' or not {'level', 'received_at'} & field_names:
            return
        to_write = []
        for complaint in complaints:
            deadlines = cls._deadlines(
                complaint.level, complaint.received_at,
                complaint._paused_time(), company=complaint.company)
            if any(getattr(complaint, f) != v for f, v in deadlines.items()):
                to_write.extend(([complaint], deadlines))
        if to_write:
            cls.write(*to_write)
            cls._reschedule_activities(complaints)

    @classmethod
    def _plan_activity(cls, complaints, type_code, due_field):
        "Plan for the responsible the activity that tracks the deadline"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        for complaint in complaints:
            due = getattr(complaint, due_field)
            if complaint.responsible and due:
                with Transaction().set_context(
                        language=complaint.company.party.lang.code
                        if complaint.company.party.lang else None):
                    subject = gettext(
                        f'complaint_plan.msg_activity_{type_code}',
                        complaint=complaint.rec_name)
                Activity.plan(complaint, type_code, complaint.responsible,
                    due, subject)

    @classmethod
    def _reschedule_activities(cls, complaints):
        "Keep the open deadline activities on the responsible and deadlines"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        to_write = []
        with without_check_access():
            for complaint in complaints:
                for activity in complaint.activities:
                    if activity.state != 'planned' or not (
                            complaint.responsible):
                        continue
                    due = {
                        'complaint_acknowledgement':
                            complaint.acknowledgement_due,
                        'complaint_resolution': complaint.resolution_due,
                        }.get(activity.type.code)
                    values = {}
                    if due and activity.due != due:
                        values['due'] = due
                    if activity.assignee != complaint.responsible:
                        values['assignee'] = complaint.responsible.id
                    if values:
                        to_write.extend(([activity], values))
            if to_write:
                Activity.write(*to_write)

    @classmethod
    def escalate_to_leaders(cls):
        """Alert the leading group of the complaints overdue longer than
        their level allows, once each"""
        pool = Pool()
        Level = pool.get('complaint.level')
        ModelData = pool.get('ir.model.data')
        table = cls.__table__()
        now = clock.now()
        ids = []
        for level in Level.search([('leaders_escalation_delay', '!=', None)]):
            where = (table.state.in_(CLOCK_STATES)
                & (table.leaders_alerted_at == Null)
                & (table.level == level.id))
            if level.leaders_escalation_delay_unit in {None, 'calendar'}:
                where &= (table.resolution_due
                    < now - level.leaders_escalation_delay)
            else:
                # Working time is counted from the overdue ones only, whose
                # stored resolution_due is indexed
                cursor = Transaction().connection.cursor()
                cursor.execute(*table.select(
                        table.id, table.company, table.resolution_due,
                        where=where & (table.resolution_due < now)))
                due = [id_ for id_, company, resolution_due in cursor
                    if add_delay(company, resolution_due,
                        level.leaders_escalation_delay,
                        level.leaders_escalation_delay_unit) < now]
                if not due:
                    continue
                where &= table.id.in_(due)
            ids += claim(cls, table, [table.leaders_alerted_at], [now], where)
        if not ids:
            return
        leaders = users_of_groups([ModelData.get_id(
                    'complaint_plan', 'group_leading_group')])
        for complaint in cls.browse(ids):
            notify([complaint], leaders, 'tryton-warning',
                'complaint_plan.msg_leaders_overdue_label',
                'complaint_plan.msg_complaint_subject_description',
                variables={
                    'complaint': complaint.rec_name,
                    'subject': complaint.subject,
                    })

    def _paused_time(self):
        """Time already spent waiting, as recorded by resolution_due,
        counted in the unit of the resolution delay"""
        if self.resolution_due and self.level and self.received_at:
            unit = self.level.resolution_delay_unit
            due = add_delay(self.company, self.received_at,
                self.level.resolution_delay, unit)
            return max(time_between(self.company, due, self.resolution_due,
                    unit), dt.timedelta())
        return dt.timedelta()

    def get_acknowledgement_overdue(self, name):
        return bool(self.state == 'received' and self.acknowledgement_due
            and self.acknowledgement_due < clock.now())

    @classmethod
    def search_acknowledgement_overdue(cls, name, clause):
        _, operator, value = clause
        overdue = [
            ('state', '=', 'received'),
            ('acknowledgement_due', '<', clock.now()),
            ]
        if (operator == '=') == bool(value):
            return overdue
        return ['OR',
            ('state', '!=', 'received'),
            ('acknowledgement_due', '=', None),
            ('acknowledgement_due', '>=', clock.now()),
            ]

    def get_overdue(self, name):
        return bool(self.state in CLOCK_STATES and self.resolution_due
            and self.resolution_due < clock.now())

    @classmethod
    def search_overdue(cls, name, clause):
        _, operator, value = clause
        if (operator == '=') == bool(value):
            return [
                ('state', 'in', CLOCK_STATES),
                ('resolution_due', '<', clock.now()),
                ]
        return ['OR',
            ('state', 'not in', CLOCK_STATES),
            ('resolution_due', '=', None),
            ('resolution_due', '>=', clock.now()),
            ]

    def get_on_time(self, name):
        if self.responded_at and self.resolution_due:
            return self.responded_at <= self.resolution_due

    @classmethod
    @ModelView.button
    @Workflow.transition('waiting')
    def wait(cls, complaints):
        now = clock.now()
        for complaint in complaints:
            complaint.waiting_from = complaint.state
            complaint.waiting_since = now
        cls.save(complaints)

    @classmethod
    @ModelView.button
    def resume(cls, complaints):
        complaints = [c for c in complaints if c.state == 'waiting']
        now = clock.now()
        for complaint in complaints:
            if complaint.resolution_due and complaint.waiting_since:
                # The wait counted in the unit of the resolution delay
                unit = (complaint.level.resolution_delay_unit
                    if complaint.level else None)
                complaint.resolution_due = add_delay(complaint.company,
                    complaint.resolution_due,
                    time_between(complaint.company, complaint.waiting_since,
                        now, unit), unit)
            complaint.waiting_since = None
        cls.save(complaints)
        cls._reschedule_activities(complaints)
        to_verify = [c for c in complaints if c.waiting_from == 'verifying']
        cls._resume_verifying(to_verify)
        cls._resume_processing(
            [c for c in complaints if c not in to_verify])
        cls.write(complaints, {'waiting_from': None})

    @classmethod
    @Workflow.transition('verifying')
    def _resume_verifying(cls, complaints):
        pass

    @classmethod
    @Workflow.transition('processing')
    def _resume_processing(cls, complaints):
        pass
