# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The incidents of the emergency plans: activated by complaints, handled
and closed with their evaluation"""
from email.message import EmailMessage

from sql.operators import Equal

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import (
    Exclude, Index, ModelSQL, ModelView, Workflow, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.sendmail import send_message_transactional
from trytond.tools.email_ import format_address, set_from_header
from trytond.modules.complaint_plan.exceptions import (
    ComplaintTransitionError)
from trytond.modules.public_page.lists import join_names
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.modules.scheduled_activity.notify import (
    notify, users_of_employees)
from trytond.transaction import Transaction, without_check_access

from .emergency import current_employee

ALERT_LABEL = 'complaint_emergency.msg_incident_alert_label'
ALERT_DESCRIPTION = 'complaint_emergency.msg_incident_alert_description'
# Fields of a complaint whose change may activate an emergency plan
TRIGGER_FIELDS = {'level', 'category', 'media_attention', 'state',
    'received_at', 'company'}


class Incident(EnforcedStatesMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'complaint.incident'
    _rec_name = 'number'

    _active = {
        'readonly': Eval('state') != 'active',
        }

    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    number = fields.Char("Number", readonly=True)
    plan = fields.Many2One('complaint.emergency_plan', "Plan",
        required=True, readonly=True, ondelete='RESTRICT')
    plan_version = fields.Integer("Plan Version", readonly=True,
        help="The version of the plan in force at activation.")
    state = fields.Selection([
            ('active', "Active"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)
    activated_at = fields.DateTime("Activated At", readonly=True)
    trigger = fields.Selection([
            ('level', "Complaint Level"),
            ('count', "Number of Complaints"),
            ('media', "Media Attention"),
            ], "Trigger", readonly=True, required=True)
    trigger_string = trigger.translated('trigger')
    complaints = fields.Many2Many(
        'complaint.incident-complaint.complaint', 'incident', 'complaint',
        "Complaints", states=_active,
        domain=[('company', '=', Eval('company', -1))])
    actions = fields.One2Many(
        'complaint.incident.action', 'incident', "Timeline",
        states=_active)
    evaluation_worked = fields.Text("What Worked", states=_active)
    evaluation_changes = fields.Text("What to Change", states=_active,
        help="Starts the revision of the plan once the incident is closed.")
    closed_at = fields.DateTime("Closed At", readonly=True)
    revision = fields.Many2One('complaint.emergency_plan.revision',
        "Plan Revision", readonly=True, ondelete='SET NULL')

    del _active

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('plan_active_exclude',
                Exclude(t, (t.plan, Equal), where=t.state == 'active'),
                'complaint_emergency.msg_incident_one_active'),
            ]
        cls._sql_indexes.add(Index(t, (t.plan, Index.Equality()),
                where=t.state == 'active'))
        cls._order = [('activated_at', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('active', 'closed'),
            }
        cls._buttons.update({
                'close': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'start_revision': {
                    'invisible': ((Eval('state') != 'closed')
                        | Bool(Eval('revision'))),
                    'icon': 'tryton-launch',
                    'depends': ['state', 'revision'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'active'

    @classmethod
    def get_open(cls, plan):
        incidents = cls.search([
                ('plan', '=', plan.id),
                ('state', '=', 'active'),
                ], limit=1)
        if incidents:
            incident, = incidents
            return incident

    def add_complaints(self, complaint_ids):
        with without_check_access():
            self.__class__.write([self], {
                    'complaints': [('add', list(complaint_ids))],
                    })

    @classmethod
    def activate(cls, plan, trigger, complaint_ids):
        "Open an incident of the plan and alert its leading group"
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        ModelData = pool.get('ir.model.data')
        Sequence = pool.get('ir.sequence')
        with without_check_access():
            # Serialize the activations of a plan
            Plan.lock([plan])
            incident = cls.get_open(plan)
            if incident:
                incident.add_complaints(complaint_ids)
                return incident
            sequence = Sequence(
                ModelData.get_id('complaint_emergency', 'sequence_incident'))
            incident, = cls.create([{
                        'company': plan.company.id,
                        'number': sequence.get(),
                        'plan': plan.id,
                        'plan_version': plan.version,
                        'activated_at': clock.now(),
                        'trigger': trigger,
                        'complaints': [('add', list(complaint_ids))],
                        }])
            incident.alert()
        return incident

    def _leader_users(self):
        return users_of_employees(self.plan.leaders)

    def alert(self):
        "Tell the leading group of the plan through the bell and by email"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action')
        notify([self], self._leader_users(), 'complaint-plan',
            ALERT_LABEL, ALERT_DESCRIPTION,
            variables=lambda: self.__class__(self.id)._alert_variables(),
            action=Action.get_action_id(
                ModelData.get_id('complaint_emergency', 'act_incident')))
        if self.plan.alert_email:
            # A slow mail server must not hold the request that activated
            # the plan: the queue worker sends the emails
            self.__class__.__queue__.send_alert_emails([self])

    @classmethod
    def send_alert_emails(cls, incidents):
        "Email the alert to the leading group of each incident's plan"
        default_language = Transaction().language
        for incident in incidents:
            for user in incident._leader_users():
                if not user.email:
                    continue
                language = (user.language.code if user.language
                    else default_language)
                with Transaction().set_context(language=language):
                    translated = cls(incident.id)
                    variables = translated._alert_variables()
                    translated._send_alert_email(user,
                        gettext(ALERT_LABEL, **variables),
                        gettext(ALERT_DESCRIPTION, **variables))

    def _alert_variables(self):
        "The variables of the alert's texts: never a complainant's details"
        return {
            'plan': self.plan.name,
            'number': self.number,
            'trigger': self.trigger_string,
            'count': len(self.complaints),
            }

    def _send_alert_email(self, user, subject, body):
        from_ = config.get('email', 'from')
        msg = EmailMessage()
        set_from_header(msg, from_, from_)
        msg['To'] = format_address(user.email, user.name)
        msg['Subject'] = subject
        msg.set_content(body)
        send_message_transactional(msg)

    @classmethod
    def copy(cls, incidents, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'closed_at', 'revision', 'actions']:
            default.setdefault(name, None)
        default.setdefault('state', 'active')
        return super().copy(incidents, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, incidents):
        for incident in incidents:
            missing = [f for f in ['evaluation_worked', 'evaluation_changes']
                if not (getattr(incident, f) or '').strip()]
            if missing:
                strings = cls.fields_get(missing)
                raise ComplaintTransitionError(gettext(
                        'complaint_emergency.msg_incident_close_needs_evaluation',
                        incident=incident.rec_name,
                        fields=join_names(
                            strings[f]['string'] for f in missing)))
        cls.write(incidents, {'closed_at': clock.now()})

    @classmethod
    @ModelView.button
    def start_revision(cls, incidents):
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        for incident in incidents:
            if incident.state != 'closed' or incident.revision:
                raise ComplaintTransitionError(gettext(
                        'complaint_emergency.msg_incident_revision_closed_once',
                        incident=incident.rec_name))
        for incident in incidents:
            revision, = Plan.add_revision(
                [incident.plan], incident.evaluation_changes,
                incident=incident)
            incident.revision = revision
        with without_check_access():
            cls.save(incidents)


class IncidentComplaint(EnforcedStatesMixin, ModelSQL):
    __name__ = 'complaint.incident-complaint.complaint'

    incident = fields.Many2One('complaint.incident', "Incident",
        required=True, ondelete='CASCADE')
    complaint = fields.Many2One('complaint.complaint', "Complaint",
        required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls.__access__.add('incident')
        cls._sql_indexes.update({
                Index(t, (t.complaint, Index.Equality())),
                Index(t, (t.incident, Index.Equality())),
                })


class IncidentAction(EnforcedStatesMixin, ModelSQL, ModelView):
    __name__ = 'complaint.incident.action'

    incident = fields.Many2One('complaint.incident', "Incident",
        required=True, ondelete='CASCADE')
    time = fields.DateTime("Time", required=True)
    kind = fields.Selection([
            ('action', "Action"),
            ('resource', "Resource Dispatched"),
            ('communication', "Communication"),
            ], "Kind", required=True)
    description = fields.Text("Description", required=True)
    by = fields.Many2One('company.employee', "By", ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('incident')
        cls._order = [('time', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_time(cls):
        return clock.now().replace(microsecond=0)

    @classmethod
    def default_kind(cls):
        return 'action'

    @classmethod
    def default_by(cls):
        return current_employee()

    @classmethod
    def check_modification(cls, mode, actions, values=None, external=False):
        pool = Pool()
        Incident = pool.get('complaint.incident')
        super().check_modification(
            mode, actions, values=values, external=external)
        incidents = {a.incident for a in actions}
        if values and values.get('incident'):
            incidents.add(Incident(values['incident']))
        for incident in incidents:
            if incident.state == 'closed':
                raise ComplaintTransitionError(gettext(
                        'complaint_emergency.msg_incident_closed_timeline',
                        incident=incident.rec_name))


class Complaint(metaclass=PoolMeta):
    __name__ = 'complaint.complaint'

    media_attention = fields.Boolean("Media Attention",
        states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            },
        help="Likely to draw media attention.")
    incidents = fields.Many2Many(
        'complaint.incident-complaint.complaint', 'complaint', 'incident',
        "Incidents", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # The activation count of an emergency plan
        cls._sql_indexes.add(Index(t,
                (t.category, Index.Equality()),
                (t.received_at, Index.Range()),
                where=t.state != 'cancelled'))

    @classmethod
    def copy(cls, complaints, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('incidents', None)
        return super().copy(complaints, default=default)

    @classmethod
    def on_modification(cls, mode, complaints, field_names=None):
        pool = Pool()
        Plan = pool.get('complaint.emergency_plan')
        super().on_modification(mode, complaints, field_names=field_names)
        if mode == 'create' or (
                mode == 'write' and TRIGGER_FIELDS & field_names):
            Plan.check_activation(complaints)
