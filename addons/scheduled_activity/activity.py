# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import json
from collections import defaultdict

from sql import Column, Null
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelStorage, ModelView, Unique,
    Workflow, fields)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, TimeDelta
from trytond.tools import timezone as tz
from trytond.transaction import (
    Transaction, check_access, without_check_access)

from . import clock
from .claim import claim
from .enforce import EnforcedStatesMixin, user_call
from .exceptions import ActivityTypeUnknownError
from .mail import is_confidential
from .notify import mail_notice
from .working_calendar import add_delay, unit_field

# Context key that pins the clock of the reminder cron (tests, benchmarks)
BOOKKEEPING = ('reminded_at', 'overdue_notified_at', 'escalated_at')
# The kind of each notice, as the users choose how they are told of it
NOTICE_KINDS = {
    'scheduled_activity.msg_assigned_label': 'activity_assigned',
    'scheduled_activity.msg_reminder_label': 'activity_due',
    'scheduled_activity.msg_overdue_label': 'activity_overdue',
    'scheduled_activity.msg_escalation_label': 'activity_overdue',
    }


def _positive_delay(name):
    return ['OR',
        (name, '=', None),
        (name, '>=', TimeDelta()),
        ]


class ActivityType(EnforcedStatesMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'scheduled.activity.type'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char(
        "Code", required=True, strip=True,
        help="The identifier other modules use to plan activities "
        "of this type.")
    follow_up_type = fields.Many2One(
        'scheduled.activity.type', "Follow-up Type", ondelete='RESTRICT',
        help="The activity planned when an activity of this type is done.")
    follow_up_delay = fields.TimeDelta(
        "Follow-up Delay", domain=_positive_delay('follow_up_delay'),
        states={
            'invisible': ~Eval('follow_up_type'),
            'required': Bool(Eval('follow_up_type')),
            },
        help="How long after the activity is done the follow-up is due.")
    remind_before = fields.TimeDelta(
        "Remind Before", domain=_positive_delay('remind_before'),
        help="How long before the due time the assignee is reminded.\n"
        "Leave empty to use the configuration.")
    remind_before_unit = unit_field('remind_before', "Reminder Counted In")
    escalate_after = fields.TimeDelta(
        "Escalate After", domain=_positive_delay('escalate_after'),
        help="How long after the due time an activity still planned is "
        "escalated to the assignee's supervisor.\n"
        "Leave empty to use the configuration.")
    escalate_after_unit = unit_field('escalate_after', "Escalation Counted In")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'scheduled_activity.msg_type_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_remind_before_unit(cls):
        return 'calendar'

    @classmethod
    def default_escalate_after_unit(cls):
        return 'calendar'

    @classmethod
    def get_by_code(cls, code):
        types = cls.search([('code', '=', code)], limit=1)
        if not types:
            raise ActivityTypeUnknownError(gettext(
                    'scheduled_activity.msg_type_unknown', code=code))
        type_, = types
        return type_


class ActivityMixin:
    "Show the scheduled activities of a record"
    __slots__ = ()

    activities = fields.One2Many(
        'scheduled.activity', 'resource', "Activities")

    @classmethod
    def copy(cls, records, default=None):
        default = default.copy() if default is not None else {}
        # Planned work belongs to the original record
        default.setdefault('activities', None)
        return super().copy(records, default=default)

    @classmethod
    def on_delete(cls, records):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        callback = super().on_delete(records)
        with without_check_access():
            activities = Activity.search([
                    ('resource', 'in', [str(r) for r in records]),
                    ])
        if activities:
            # The planned work goes with its record, whatever its state
            @without_check_access
            def delete_activities():
                Activity.delete(activities)
            callback.append(delete_activities)
        return callback


class Activity(EnforcedStatesMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'scheduled.activity'
    _rec_name = 'subject'

    _states = {
        'readonly': Eval('state') != 'planned',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    resource = fields.Reference(
        "Resource", selection='get_resources', states=_states,
        help="The record the activity is about.")
    type = fields.Many2One(
        'scheduled.activity.type', "Type", required=True, states=_states,
        ondelete='RESTRICT')
    subject = fields.Char(
        "Subject", required=True, states=_states,
        help="Shown in reminders: keep confidential details in the note.")
    assignee = fields.Many2One(
        'company.employee', "Assignee", required=True, states=_states,
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        help="The employee who carries out the activity.")
    due = fields.DateTime("Due", required=True, states=_states)
    due_date = fields.Function(
        fields.Date("Due Date"), 'get_due_date', searcher='search_due_date')
    note = fields.Text("Note")
    state = fields.Selection([
            ('planned', "Planned"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)
    done_by = fields.Many2One(
        'res.user', "Done By", readonly=True,
        states={
            'invisible': Eval('state') != 'done',
            })
    done_at = fields.DateTime(
        "Done At", readonly=True,
        states={
            'invisible': Eval('state') != 'done',
            })
    reminded_at = fields.DateTime("Reminded At", readonly=True)
    overdue_notified_at = fields.DateTime(
        "Overdue Notified At", readonly=True)
    escalated_at = fields.DateTime("Escalated At", readonly=True)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        planned = t.state == 'planned'
        # Partial indexes keep the cron proportional to the due activities:
        # each holds only the planned activities still waiting for a notice
        cls._sql_indexes.update({
                Index(t, (t.resource, Index.Equality())),
                Index(t,
                    (t.assignee, Index.Equality()),
                    (t.due, Index.Range()),
                    where=planned),
                Index(t, (t.due, Index.Range()),
                    where=planned & (t.reminded_at == Null)),
                Index(t, (t.due, Index.Range()),
                    where=planned & (t.overdue_notified_at == Null)),
                Index(t, (t.due, Index.Range()),
                    where=planned & (t.escalated_at == Null)),
                })
        cls._order = [
            ('due', 'ASC'),
            ('id', 'ASC'),
            ]
        cls._transitions |= {
            ('planned', 'done'),
            ('planned', 'cancelled'),
            }
        cls._buttons.update({
                'do': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_assignee(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_state(cls):
        return 'planned'

    @classmethod
    def get_resources(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        ModelAccess = pool.get('ir.model.access')
        models = Model.get_name_items((ModelStorage, ModelView))
        # The client hides a reference field when one of its models is not
        # readable, so offer only the readable ones
        if Transaction().check_access:
            access = ModelAccess.get_access([m for m, _ in models])
            models = [(m, n) for m, n in models if access[m]['read']]
        return [(None, '')] + models

    @classmethod
    def _timezone(cls, company):
        if company and company.timezone:
            return tz.get_tzinfo(company.timezone)
        return tz.UTC

    def get_due_date(self, name):
        if self.due:
            zone = self._timezone(self.company)
            return (self.due.replace(tzinfo=tz.UTC)
                .astimezone(zone).date())

    @classmethod
    def search_due_date(cls, name, clause):
        pool = Pool()
        Company = pool.get('company.company')
        _, operator, value = clause
        company_id = Transaction().context.get('company')
        zone = cls._timezone(Company(company_id) if company_id else None)

        def utc_midnight(date):
            local = dt.datetime.combine(date, dt.time(), tzinfo=zone)
            return local.astimezone(tz.UTC).replace(tzinfo=None)

        if value is None:
            return [('due', operator, None)]
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        start = utc_midnight(value)
        end = utc_midnight(value + dt.timedelta(days=1))
        return {
            '=': [('due', '>=', start), ('due', '<', end)],
            '!=': ['OR', ('due', '<', start), ('due', '>=', end)],
            '<': [('due', '<', start)],
            '<=': [('due', '<', end)],
            '>': [('due', '>=', end)],
            '>=': [('due', '>=', start)],
            }[operator]

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'write' and values.keys() & {'due', 'type'}:
            # A rescheduled activity gets its notices again
            for name in BOOKKEEPING:
                values.setdefault(name, None)
        return values

    @classmethod
    def copy(cls, activities, default=None):
        default = default.copy() if default is not None else {}
        for name in BOOKKEEPING + ('done_by', 'done_at'):
            default.setdefault(name, None)
        default.setdefault('state', 'planned')
        return super().copy(activities, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, activities):
        user = Transaction().user
        now = clock.now()
        for activity in activities:
            activity.done_by = user or None
            activity.done_at = now
        cls.save(activities)
        cls._plan_follow_ups(activities)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, activities):
        pass

    @classmethod
    def _plan_follow_ups(cls, activities):
        follow_ups = []
        for activity in activities:
            type_ = activity.type
            if type_.follow_up_type:
                follow_ups.append(cls(
                        company=activity.company,
                        resource=activity.resource,
                        type=type_.follow_up_type,
                        subject=activity.subject,
                        assignee=activity.assignee,
                        due=activity.done_at + type_.follow_up_delay,
                        ))
        cls.save(follow_ups)
        return follow_ups

    @classmethod
    def plan(cls, resource, type_code, assignee, due, subject, note=None):
        "Plan an activity of the type with the code on the resource"
        pool = Pool()
        Type = pool.get('scheduled.activity.type')
        with without_check_access():
            activity = cls(
                company=assignee.company,
                resource=resource,
                type=Type.get_by_code(type_code),
                assignee=assignee,
                due=due,
                subject=subject,
                note=note)
            activity.save()
        return activity

    @classmethod
    def _search_open(cls, resources, type_codes):
        domain = [
            ('resource', 'in', [str(r) for r in resources]),
            ('state', '=', 'planned'),
            ]
        if type_codes is not None:
            domain.append(('type.code', 'in', list(type_codes)))
        return cls.search(domain)

    @classmethod
    def close(cls, resources, type_codes=None):
        "Mark done the planned activities of the resources"
        with without_check_access():
            cls.do(cls._search_open(resources, type_codes))

    @classmethod
    def cancel_open(cls, resources, type_codes=None):
        "Cancel the planned activities of the resources"
        with without_check_access():
            cls.cancel(cls._search_open(resources, type_codes))

    @classmethod
    @without_check_access
    def send_reminders(cls):
        "Notify the reminders, overdue notices and escalations that are due"
        pool = Pool()
        Configuration = pool.get('scheduled.activity.configuration')
        Type = pool.get('scheduled.activity.type')
        now = clock.now()
        configuration = Configuration(1)
        with Transaction().set_context(active_test=False):
            types = Type.search([], order=[('id', 'ASC')])

        by_remind_before = defaultdict(list)
        by_escalate_after = defaultdict(list)
        for type_ in types:
            if type_.remind_before is not None:
                remind_before = (
                    type_.remind_before, type_.remind_before_unit)
            else:
                remind_before = (configuration.remind_before,
                    configuration.remind_before_unit)
            if type_.escalate_after is not None:
                escalate_after = (
                    type_.escalate_after, type_.escalate_after_unit)
            else:
                escalate_after = (configuration.escalate_after,
                    configuration.escalate_after_unit)
            by_remind_before[remind_before].append(type_.id)
            by_escalate_after[escalate_after].append(type_.id)
        companies = None

        # An activity already past its due time gets the overdue notice
        # instead of the "due soon" one
        reminded = []
        for (remind_before, unit), type_ids in by_remind_before.items():
            if unit in {None, 'calendar'}:
                reminded += cls._claim(
                    now, ['reminded_at'], lambda t: (
                        t.type.in_(type_ids)
                        & (t.due > now)
                        & (t.due <= now + remind_before)))
                continue
            # In working time, the bound is computed for each company so
            # that the indexed due time is still what is compared
            if companies is None:
                companies = cls._companies()
            for company in companies:
                bound = add_delay(company, now, remind_before, unit)
                reminded += cls._claim(
                    now, ['reminded_at'], lambda t: (
                        t.type.in_(type_ids)
                        & (t.company == company)
                        & (t.due > now)
                        & (t.due <= bound)))
        overdue = cls._claim(
            now, ['overdue_notified_at', 'reminded_at'],
            lambda t: t.due <= now)
        escalated = []
        for (escalate_after, unit), type_ids in by_escalate_after.items():
            if unit in {None, 'calendar'}:
                escalated += cls._claim(
                    now, ['escalated_at'], lambda t: (
                        t.type.in_(type_ids)
                        & (t.overdue_notified_at != Null)
                        & (t.due <= now - escalate_after)))
                continue
            # In working time, among the overdue ones only (indexed due)
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    table.id, table.company, table.due,
                    where=(table.state == 'planned')
                    & (table.escalated_at == Null)
                    & (table.overdue_notified_at != Null)
                    & table.type.in_(type_ids)
                    & (table.due <= now)))
            ids = [id_ for id_, company, due in cursor
                if add_delay(company, due, escalate_after, unit) <= now]
            if ids:
                escalated += cls._claim(
                    now, ['escalated_at'], lambda t: (
                        t.type.in_(type_ids)
                        & (t.overdue_notified_at != Null)
                        & t.id.in_(ids)))

        cls._notify(
            cls.browse(reminded), 'assignee',
            'scheduled_activity.msg_reminder_label')
        cls._notify(
            cls.browse(overdue), 'assignee',
            'scheduled_activity.msg_overdue_label')
        cls._notify(
            cls.browse(escalated), 'supervisor',
            'scheduled_activity.msg_escalation_label')

    @classmethod
    def _companies(cls):
        "The ids of the companies with planned activities"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.company,
                where=table.state == 'planned', group_by=[table.company]))
        return [c for c, in cursor]

    @classmethod
    def _claim(cls, now, column_names, condition):
        """Stamp the planned activities matching condition whose first column
        is still empty and return their ids.

        The conditional UPDATE is the claim: a concurrent run that stamped
        the same rows makes this one fail (PostgreSQL repeatable read) and
        roll back, notifications included."""
        table = cls.__table__()
        flag = Column(table, column_names[0])
        where = (table.state == 'planned') & (flag == Null) & condition(table)
        columns = [Column(table, n) for n in column_names]
        values = [now] + [
            Coalesce(Column(table, n), now) for n in column_names[1:]]
        return claim(cls, table, columns, values, where)

    @classmethod
    def create(cls, vlist):
        # Only a person assigning gives the notice: the modules that plan
        # activities (plan) announce the work that comes with them
        by_user = user_call()
        if by_user:
            for values in vlist:
                cls._check_references(cls(**values))
        activities = super().create(vlist)
        if by_user:
            cls._notify_assigned(activities)
        return activities

    @classmethod
    def write(cls, *args):
        by_user = user_call()
        actions = iter(args)
        reassigned = []
        for activities, values in zip(actions, actions):
            if 'assignee' in values:
                reassigned.extend(activities)
            if by_user and values.get('resource'):
                cls._check_references(cls(resource=values['resource']))
        super().write(*args)
        if by_user and reassigned:
            cls._notify_assigned(cls.browse(reassigned))

    @classmethod
    def _notify_assigned(cls, activities):
        with without_check_access():
            cls._notify(
                [a for a in activities if a.state == 'planned'],
                'assignee', 'scheduled_activity.msg_assigned_label')

    @classmethod
    def _notify(cls, activities, recipient, label_id):
        pool = Pool()
        Notification = pool.get('res.notification')
        UserEmployee = pool.get('res.user-company.employee')
        Lang = pool.get('ir.lang')

        employee_of = {}
        for activity in activities:
            employee = activity.assignee
            if recipient == 'supervisor':
                employee = employee.supervisor
            if employee:
                employee_of[activity.id] = employee.id
        if not employee_of:
            return
        users_of = defaultdict(set)
        for link in UserEmployee.search([
                    ('employee', 'in', list(set(employee_of.values()))),
                    ('user.active', '=', True),
                    ]):
            users_of[link.employee.id].add(link.user)

        kind = NOTICE_KINDS[label_id]
        current_user = Transaction().user
        default_language = Transaction().language
        notifications = []
        for activity_id, employee_id in employee_of.items():
            for user in users_of[employee_id]:
                if kind == 'activity_assigned' and user.id == current_user:
                    # Who plans an activity for themselves knows it
                    continue
                language = (user.language.code if user.language
                    else default_language)
                with Transaction().set_context(language=language):
                    activity = cls(activity_id)
                    lang = Lang.get(language)
                    label = gettext(label_id, type=activity.type.name)
                    description = activity._notification_description(
                        lang, activity._resource_readable_by(user))
                    notifications.append(Notification(
                            user=user,
                            icon='tryton-scheduled-activity',
                            label=label,
                            description=description,
                            model=cls.__name__,
                            records=json.dumps([activity.id]),
                            ))
                    # The subject of an activity on a whistleblower record
                    # stays in the web client
                    if (activity.resource
                            and is_confidential(
                                activity.resource.__name__)):
                        description = None
                    mail_notice(user, kind, [activity], label, description)
        Notification.save(notifications)

    def _resource_readable_by(self, user):
        "Tell if the user may read the record the activity is about"
        ModelAccess = Pool().get('ir.model.access')
        if not self.resource:
            return False
        Resource = self.resource.__class__
        # As the user's own session: trytond reads the user's company and
        # employee from the context, and caches them
        with Transaction().set_user(user.id), Transaction().set_context(
                company=user.company.id if user.company else None,
                employee=user.employee.id if user.employee else None), \
                check_access():
            return (ModelAccess.check(
                    Resource.__name__, 'read', raise_exception=False)
                and bool(Resource.search(
                        [('id', '=', self.resource.id)], count=True)))

    def _notification_description(self, lang, with_resource=True):
        """The text of a notice: only what is never confidential, and the
        name of the record the activity is about when the recipient may
        read it"""
        zone = self._timezone(self.company)
        due = self.due.replace(tzinfo=tz.UTC).astimezone(zone)
        due = lang.strftime(due, lang.date + ' %H:%M')
        if self.resource and with_resource:
            return gettext(
                'scheduled_activity.msg_notification_description_resource',
                subject=self.subject, due=due,
                resource=self.resource.rec_name)
        return gettext(
            'scheduled_activity.msg_notification_description',
            subject=self.subject, due=due)
