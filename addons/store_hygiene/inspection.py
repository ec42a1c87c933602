# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Literal, Null

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.activity import ActivityMixin
from trytond.modules.scheduled_activity.claim import claim
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.notify import (
    notify, users_of_employees)
from trytond.modules.scheduled_activity.resource import LockedResourcesMixin
from trytond.modules.scheduled_activity.timezone import (
    company_today, format_company_datetime, to_company_time, today_domain)

from .checklist import AREAS
from .exceptions import InspectionCompleteError

OPEN_STATES = ('planned', 'in_progress')


class Inspection(
        EnforcedStatesMixin, LockedResourcesMixin, ActivityMixin, Workflow,
        ModelSQL, ModelView):
    __name__ = 'hygiene.inspection'
    _rec_name = 'number'

    _states = {
        'readonly': ~Eval('state').in_(list(OPEN_STATES)),
        }

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    kind = fields.Selection([
            ('scheduled', "Scheduled"),
            ('spot', "Spot"),
            ('reinspection', "Re-inspection"),
            ], "Kind", required=True, readonly=True)
    schedule = fields.Many2One(
        'hygiene.schedule', "Schedule", readonly=True, ondelete='RESTRICT')
    store = fields.Many2One(
        'hygiene.store', "Store", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    checklist = fields.Many2One(
        'hygiene.checklist', "Checklist", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    planned_at = fields.DateTime(
        "Planned At", required=True,
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    due_at = fields.DateTime(
        "Due At", required=True,
        domain=[('due_at', '>=', Eval('planned_at'))],
        states=_states)
    inspector = fields.Many2One(
        'company.employee', "Inspector", required=True,
        domain=[('company', '=', Eval('company', -1))],
        states=_states)
    state = fields.Selection([
            ('planned', "Planned"),
            ('in_progress', "In Progress"),
            ('done', "Done"),
            ('missed', "Missed"),
            ], "State", required=True, readonly=True, sort=False)
    lines = fields.One2Many(
        'hygiene.inspection.line', 'inspection', "Lines",
        states={
            'readonly': ~Eval('state').in_(list(OPEN_STATES)),
            })
    note = fields.Text("Note", states=_states)
    score = fields.Float(
        "Score", digits=(5, 1), readonly=True,
        help="The weighted ratio of passed items, in %.")
    result = fields.Selection([
            (None, ""),
            ('passed', "Passed"),
            ('failed', "Failed"),
            ], "Result", readonly=True)
    done_at = fields.DateTime("Done At", readonly=True)
    done_by = fields.Many2One('res.user', "Done By", readonly=True)
    corrective_action = fields.Many2One(
        'hygiene.corrective_action', "Corrective Action", readonly=True,
        states={
            'invisible': Eval('kind') != 'reinspection',
            },
        help="The corrective action verified by this re-inspection.")
    correction = fields.Function(fields.Text("Correction Done",
            states={
                'invisible': Eval('kind') != 'reinspection',
                },
            help="What the store says it did to correct the failure."),
        'get_correction')
    corrective_actions = fields.One2Many(
        'hygiene.corrective_action', 'inspection', "Corrective Actions",
        readonly=True)
    planned_date = fields.Date(
        "Planned Date", readonly=True,
        help="The local date of the planned time, for the reporting.")
    planned_today = fields.Function(fields.Boolean("Planned Today",
            help="Planned on the company's today."),
        'get_planned_today', searcher='search_planned_today')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('schedule_store_planned_unique',
                Unique(t, t.schedule, t.store, t.planned_at),
                'store_hygiene.msg_inspection_unique'),
            ]
        cls._sql_indexes.update({
                # The missed cron reads only the open ones that are due
                Index(t, (t.due_at, Index.Range()),
                    where=t.state.in_(list(OPEN_STATES))),
                Index(t, (t.store, Index.Equality()),
                    (t.planned_at, Index.Range(order='DESC'))),
                Index(t, (t.planned_date, Index.Range())),
                Index(t, (t.inspector, Index.Equality()),
                    where=t.state.in_(list(OPEN_STATES))),
                Index(t, (t.corrective_action, Index.Equality()),
                    where=t.corrective_action != Null),
                })
        cls._order = [
            ('planned_at', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('planned', 'in_progress'),
            ('planned', 'done'),
            ('in_progress', 'done'),
            ('planned', 'missed'),
            ('in_progress', 'missed'),
            }
        cls._buttons.update({
                'start': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                'pass_all': {
                    'invisible': Eval('state') != 'in_progress',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'complete': {
                    'invisible': ~Eval('state').in_(list(OPEN_STATES)),
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })

    def get_planned_today(self, name):
        return self.planned_date == company_today(self.company)

    @classmethod
    def search_planned_today(cls, name, clause):
        return today_domain('planned_date', clause)

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'spot'

    @classmethod
    def default_state(cls):
        return 'planned'

    @classmethod
    def default_planned_at(cls):
        return clock.now().replace(microsecond=0)

    @fields.depends('store', 'inspector')
    def on_change_store(self):
        if self.store and not self.inspector:
            self.inspector = self.store.inspector or self.store.manager

    def get_rec_name(self, name):
        return f'{self.number} {self.store.rec_name}'

    @classmethod
    def resources_locked(cls, inspections):
        # The photos and notes of a done inspection are the evidence of its
        # score and of the corrective actions it opened or closed
        return super().resources_locked(inspections) + [
            i for i in inspections if i.state == 'done']

    @classmethod
    def get_correction(cls, inspections, name):
        "The store's account of the correction, shown to the inspector"
        pool = Pool()
        Action = pool.get('hygiene.corrective_action')
        result = {i.id: None for i in inspections}
        with without_check_access():
            for inspection in inspections:
                if inspection.corrective_action:
                    action = Action(inspection.corrective_action.id)
                    result[inspection.id] = action.correction
        return result

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('store.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        ModelData = pool.get('ir.model.data')
        Company = pool.get('company.company')
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            if not values.get('number'):
                values['number'] = Sequence(ModelData.get_id(
                        'store_hygiene', 'sequence_inspection')).get()
            if values.get('planned_at') and values.get('company') is not None:
                values['planned_date'] = to_company_time(
                    Company(values['company']), values['planned_at']).date()
        return values

    @classmethod
    def copy(cls, inspections, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'schedule', 'score', 'result', 'done_at',
                'done_by', 'corrective_actions', 'corrective_action']:
            default.setdefault(name, None)
        default.setdefault('state', 'planned')
        default.setdefault('kind', 'spot')
        return super().copy(inspections, default=default)

    @classmethod
    def create_planned(cls, vlist):
        "Create the inspections and plan their activity"
        inspections = cls.create(vlist)
        cls._plan_activities(inspections)
        return inspections

    @classmethod
    @without_check_access
    def _plan_activities(cls, inspections):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Type = pool.get('scheduled.activity.type')
        if not inspections:
            return
        type_ = Type.get_by_code('inspection')
        # One batch create instead of Activity.plan per record: the
        # generation creates thousands of them
        Activity.create([{
                    'company': i.company.id,
                    'resource': str(i),
                    'type': type_.id,
                    'assignee': i.inspector.id,
                    'due': i.due_at,
                    'subject': i._activity_subject(),
                    } for i in inspections])

    def _activity_subject(self):
        return gettext(
            'store_hygiene.msg_inspection_activity_subject',
            store=self.store.rec_name,
            planned=format_company_datetime(
                self.company, self.planned_at, zone=False))

    @classmethod
    @ModelView.button
    @Workflow.transition('in_progress')
    def start(cls, inspections):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def complete(cls, inspections):
        pool = Pool()
        Configuration = pool.get('hygiene.configuration')
        Activity = pool.get('scheduled.activity')
        CorrectiveAction = pool.get('hygiene.corrective_action')
        User = pool.get('res.user')
        for inspection in inspections:
            inspection.check_complete()
        pass_score = Configuration(1).pass_score
        user = User(Transaction().user)
        for inspection in inspections:
            inspection.score = inspection.compute_score()
            critical_failure = any(
                l.result == 'fail' and l.critical for l in inspection.lines)
            if critical_failure or inspection.score < pass_score:
                inspection.result = 'failed'
            else:
                inspection.result = 'passed'
            inspection.done_at = clock.now()
            inspection.done_by = user
        cls.save(inspections)
        with without_check_access():
            Activity.close(inspections)
            CorrectiveAction.follow_inspections(inspections)

    def check_complete(self):
        "Check the lines can be completed, before writing anything"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        if not self.lines:
            raise InspectionCompleteError(gettext(
                    'store_hygiene.msg_inspection_no_line',
                    inspection=self.rec_name))
        # Every item missing something is named at once
        unanswered = [l for l in self.lines if not l.result]
        no_note = [l for l in self.lines
            if l.result == 'fail' and l.critical
            and not (l.note or '').strip()]
        photo_lines = [l for l in self.lines
            if l.photo_required and l.result in {'pass', 'fail'}]
        no_photo = []
        if photo_lines:
            with without_check_access():
                with_photo = {a.resource.id for a in Attachment.search([
                            ('resource', 'in', [str(l) for l in photo_lines]),
                            ])}
            no_photo = [l for l in photo_lines if l.id not in with_photo]
        problems = []
        for message, lines in [
                ('msg_inspection_line_unanswered', unanswered),
                ('msg_inspection_critical_no_note', no_note),
                ('msg_inspection_photo_required', no_photo),
                ]:
            if lines:
                problems.append(gettext(
                        f'store_hygiene.{message}',
                        inspection=self.rec_name,
                        items=''.join(
                            f'\n- {l.rec_name}' for l in lines)))
        if problems:
            raise InspectionCompleteError('\n'.join(problems))

    @classmethod
    @ModelView.button
    def pass_all(cls, inspections):
        """Mark as passed the items without result, for the inspector to
        change the exceptions"""
        pool = Pool()
        Line = pool.get('hygiene.inspection.line')
        lines = [l for i in inspections if i.state == 'in_progress'
            for l in i.lines if not l.result]
        if lines:
            Line.write(lines, {'result': 'pass'})

    def compute_score(self):
        "Return the weighted ratio of passed items (not applicable excluded)"
        answered = [l for l in self.lines if l.result in {'pass', 'fail'}]
        total = sum(l.weight for l in answered)
        if not total:
            return 100.0
        passed = sum(l.weight for l in answered if l.result == 'pass')
        return round(100.0 * passed / total, 1)

    @classmethod
    @without_check_access
    def mark_missed(cls):
        "Mark missed the open inspections past their due time"
        transaction = Transaction()
        table = cls.__table__()
        current = clock.now()
        claimed = claim(cls, table,
            [table.state, table.write_date, table.write_uid],
            ['missed', current, transaction.user],
            table.state.in_(list(OPEN_STATES)) & (table.due_at < current))
        if claimed:
            cls._follow_missed(cls.browse(claimed))
        return claimed

    @classmethod
    def _follow_missed(cls, inspections):
        "Cancel the activities, plan a follow-up and ring the bell"
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Configuration = pool.get('hygiene.configuration')
        Type = pool.get('scheduled.activity.type')
        delay = Configuration(1).missed_follow_up_delay
        current = clock.now()
        Activity.cancel_open(inspections, ['inspection'])
        type_ = Type.get_by_code('hygiene_missed_inspection')
        follow_ups = []
        for inspection in inspections:
            owner = inspection.store.manager or inspection.inspector
            follow_ups.append({
                    'company': inspection.company.id,
                    'resource': str(inspection),
                    'type': type_.id,
                    'assignee': owner.id,
                    'due': current + delay,
                    'subject': gettext(
                        'store_hygiene.msg_missed_activity_subject',
                        inspection=inspection.rec_name),
                    })
        Activity.create(follow_ups)
        for inspection in inspections:
            notify([inspection], users_of_employees(
                    [inspection.store.manager, inspection.inspector]),
                'tryton-notification',
                'store_hygiene.msg_missed_notification_label',
                'store_hygiene.msg_missed_notification_description',
                variables=lambda: {
                    'inspection': inspection.rec_name,
                    'due': format_company_datetime(
                        inspection.company, inspection.due_at),
                    })


class Line(EnforcedStatesMixin, LockedResourcesMixin, ModelSQL, ModelView):
    __name__ = 'hygiene.inspection.line'

    _states = {
        'readonly': ~Eval('inspection_state').in_(list(OPEN_STATES)),
        }

    inspection = fields.Many2One(
        'hygiene.inspection', "Inspection", required=True,
        ondelete='CASCADE')
    sequence = fields.Integer("Sequence")
    item = fields.Many2One(
        'hygiene.checklist.item', "Item", required=True, ondelete='RESTRICT',
        states={
            'readonly': Eval('id', -1) >= 0,
            })
    area = fields.Function(
        fields.Selection(AREAS, "Area"), 'on_change_with_area')
    requirement = fields.Function(
        fields.Text("Requirement"), 'on_change_with_requirement')
    weight = fields.Float(
        "Weight", required=True, digits=(16, 1), readonly=True)
    critical = fields.Boolean("Critical", readonly=True)
    photo_required = fields.Boolean("Photo Required", readonly=True)
    result = fields.Selection([
            (None, ""),
            ('pass', "Pass"),
            ('fail', "Fail"),
            ('not_applicable', "Not Applicable"),
            ], "Result", sort=False, states=_states)
    note = fields.Text(
        "Note", states=_states,
        help="Describe a failure: required to complete the inspection when "
        "a critical item fails.")
    photos = fields.One2Many(
        'ir.attachment', 'resource', "Photos", states=_states,
        help="Photos taken during the inspection.")
    inspection_state = fields.Function(
        fields.Selection('get_inspection_states', "Inspection State"),
        'on_change_with_inspection_state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('inspection')
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.item, Index.Equality()),
                where=t.result == Literal('fail')))
        cls._order = [
            ('inspection', 'ASC'),
            ('sequence', 'ASC NULLS FIRST'),
            ('id', 'ASC'),
            ]

    @fields.depends('item')
    def on_change_item(self):
        if self.item:
            self.weight = self.item.weight
            self.critical = self.item.critical
            self.photo_required = self.item.photo_required
            self.sequence = self.item.sequence

    @fields.depends('item')
    def on_change_with_area(self, name=None):
        return self.item.area if self.item else None

    @fields.depends('item')
    def on_change_with_requirement(self, name=None):
        return self.item.requirement if self.item else None

    @classmethod
    def get_inspection_states(cls):
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        return Inspection.fields_get(['state'])['state']['selection']

    @fields.depends('inspection', '_parent_inspection.state')
    def on_change_with_inspection_state(self, name=None):
        return self.inspection.state if self.inspection else None

    def get_rec_name(self, name):
        return self.item.rec_name

    @classmethod
    def resources_locked(cls, lines):
        # The photos of the lines are the evidence of the inspection's score
        return super().resources_locked(lines) + [
            l for l in lines if l.inspection.state == 'done']

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('item.rec_name',) + tuple(clause[1:])]

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('result', None)
        default.setdefault('note', None)
        default.setdefault('photos', None)
        return super().copy(lines, default=default)
