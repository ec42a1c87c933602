# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.activity import ActivityMixin
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import without_check_access
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.notify import (
    notify, users_of_employees)
from trytond.modules.scheduled_activity.resource import LockedResourcesMixin
from trytond.modules.scheduled_activity.timezone import (
    from_company_time, to_company_time)
from trytond.modules.scheduled_activity.working_calendar import add_delay

from .exceptions import CorrectiveActionError

OPEN_STATES = ('open', 'verifying')


class CorrectiveAction(
        EnforcedStatesMixin, LockedResourcesMixin, ActivityMixin, Workflow,
        ModelSQL, ModelView):
    __name__ = 'hygiene.corrective_action'

    _states = {
        'readonly': ~Eval('state').in_(list(OPEN_STATES)),
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    store = fields.Many2One(
        'hygiene.store', "Store", required=True, readonly=True,
        ondelete='RESTRICT')
    inspection = fields.Many2One(
        'hygiene.inspection', "Inspection", required=True, readonly=True,
        ondelete='RESTRICT',
        help="The inspection that found the failure.")
    line = fields.Many2One(
        'hygiene.inspection.line', "Failed Line", required=True,
        readonly=True, ondelete='RESTRICT')
    item = fields.Many2One(
        'hygiene.checklist.item', "Item", required=True, readonly=True,
        ondelete='RESTRICT')
    description = fields.Text(
        "What to Do", required=True, states=_states)
    owner = fields.Many2One(
        'company.employee', "Owner", required=True, states=_states,
        domain=[('company', '=', Eval('company', -1))])
    due_date = fields.Date("Due Date", required=True, states=_states)
    correction = fields.Text("Correction Done",
        states={
            'readonly': Eval('state') != 'open',
            },
        help="The store's account of what it did to correct the failure; "
        "required to ask for the re-inspection, which shows it.")
    state = fields.Selection([
            ('open', "Open"),
            ('verifying', "Verifying"),
            ('closed', "Closed"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)
    reinspections = fields.One2Many(
        'hygiene.inspection', 'corrective_action', "Re-inspections",
        readonly=True)
    closing_line = fields.Many2One(
        'hygiene.inspection.line', "Passed Re-inspection", readonly=True,
        states={
            'invisible': Eval('state') != 'closed',
            },
        help="The line of the inspection where the item passed again.")
    closed_at = fields.DateTime(
        "Closed At", readonly=True,
        states={
            'invisible': Eval('state') != 'closed',
            })

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.store, Index.Equality()),
                    (t.item, Index.Equality()),
                    where=t.state.in_(list(OPEN_STATES))),
                Index(t, (t.owner, Index.Equality()),
                    where=t.state.in_(list(OPEN_STATES))),
                })
        cls._order = [
            ('due_date', 'ASC'),
            ('id', 'ASC'),
            ]
        cls._transitions |= {
            ('open', 'verifying'),
            ('verifying', 'open'),
            ('open', 'closed'),
            ('verifying', 'closed'),
            ('open', 'cancelled'),
            ('verifying', 'cancelled'),
            }
        cls._buttons.update({
                'reinspect': {
                    'invisible': Eval('state') != 'open',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(list(OPEN_STATES)),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    def get_rec_name(self, name):
        return f'{self.store.rec_name}: {self.item.rec_name}'

    @classmethod
    def resources_locked(cls, actions):
        # A closed or cancelled action is final: its attachments and notes
        # are the evidence of how it ended
        return super().resources_locked(actions) + [
            a for a in actions if a.state not in OPEN_STATES]

    @classmethod
    @ModelView.button
    @Workflow.transition('verifying')
    def reinspect(cls, actions):
        "Plan a re-inspection of the failed item"
        pool = Pool()
        Inspection = pool.get('hygiene.inspection')
        for action in actions:
            if not (action.correction or '').strip():
                raise CorrectiveActionError(gettext(
                        'store_hygiene.msg_reinspect_needs_correction',
                        action=action.rec_name))
        current = clock.now().replace(microsecond=0)
        vlist = []
        for action in actions:
            due_at = from_company_time(action.company, dt.datetime.combine(
                    action.due_date, dt.time(23, 59)))
            vlist.append({
                    'company': action.company.id,
                    'kind': 'reinspection',
                    'store': action.store.id,
                    'checklist': action.item.checklist.id,
                    'inspector': action.inspection.inspector.id,
                    'planned_at': current,
                    'due_at': max(due_at, current + dt.timedelta(hours=1)),
                    'corrective_action': action.id,
                    'lines': [('create', [{
                                    'item': action.item.id,
                                    'sequence': action.item.sequence,
                                    'weight': action.line.weight,
                                    'critical': action.line.critical,
                                    'photo_required': (
                                        action.line.photo_required),
                                    }])],
                    })
        with without_check_access():
            Inspection.create_planned(vlist)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, actions):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Activity.cancel_open(actions)

    @classmethod
    def follow_inspections(cls, inspections):
        """Open actions for the failed lines and close those whose item
        passed again in the same store"""
        pool = Pool()
        Configuration = pool.get('hygiene.configuration')
        Activity = pool.get('scheduled.activity')
        configuration = Configuration(1)
        delay = configuration.corrective_action_delay
        unit = configuration.corrective_action_delay_unit
        stores = {i.store for i in inspections}
        actions = cls.search([
                ('store', 'in', [s.id for s in stores]),
                ('state', 'in', OPEN_STATES),
                ])
        open_actions = {(a.store, a.item): a for a in actions}
        to_create, to_close, to_reopen = [], [], []
        current = clock.now()
        for inspection in inspections:
            for line in inspection.lines:
                action = open_actions.get((inspection.store, line.item))
                if action and action.inspection == inspection:
                    continue
                if line.result == 'pass' and action:
                    action.closing_line = line
                    action.closed_at = current
                    to_close.append(action)
                elif line.result == 'fail':
                    if action:
                        if action.state == 'verifying':
                            to_reopen.append(action)
                        continue
                    owner = inspection.store.manager or inspection.inspector
                    action = cls(
                        company=inspection.company,
                        store=inspection.store,
                        inspection=inspection,
                        line=line,
                        item=line.item,
                        description=line.note or line.item.requirement,
                        owner=owner,
                        due_date=to_company_time(inspection.company,
                            add_delay(inspection.company,
                                current, delay, unit)).date())
                    open_actions[(inspection.store, line.item)] = action
                    to_create.append(action)
        cls.save(to_close + to_create)
        cls.close(to_close)
        cls.reopen(to_reopen)
        for action in to_create:
            notify([action], users_of_employees([action.owner]),
                'tryton-notification',
                'store_hygiene.msg_corrective_action_label',
                'store_hygiene.msg_corrective_action_description',
                variables=lambda: {
                    'store': action.store.rec_name,
                    'description': action.description,
                    'due': Pool().get('ir.lang').get().strftime(
                        action.due_date),
                    })
            Activity.plan(
                action, 'hygiene_corrective_action', action.owner,
                from_company_time(action.company, dt.datetime.combine(
                        action.due_date, dt.time(23, 59))),
                gettext('store_hygiene.msg_corrective_activity_subject',
                    action=action.rec_name))
        return to_create

    @classmethod
    @Workflow.transition('closed')
    def close(cls, actions):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Activity.close(actions)

    @classmethod
    @Workflow.transition('open')
    def reopen(cls, actions):
        pass
