# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The whistleblower reports, their lifecycle, registration and decision"""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.activity import ActivityMixin
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .access import (
    ExcludedAsMissingMixin, ReportExclusionMixin, check_leader, check_officer)
from .deadline import (
    ACTIVITY_ACKNOWLEDGEMENT, ACTIVITY_FEEDBACK, ReportDeadlineMixin)
from .exceptions import ReportAccessError, ReportValidationError
from .public_report import ReportPublicMixin
from .receipt import ReportReceiptMixin
from .retention import ReportRetentionMixin


CATEGORIES = [
    ('responsibility', "Safety Rules or Responsibilities Not in Place"),
    ('conditions', "Conditions Below Legal Standards"),
    ('equipment', "Equipment Defects or Missed Inspections"),
    ('training', "Insufficient Safety Training"),
    ('orders', "Unlawful Orders, Forced Risky Work or Indiscipline"),
    ('concealment', "Accident Concealed, Falsely or Late Reported"),
    ('other', "Other"),
    ]
CHANNELS = [
    ('written', "Written"),
    ('oral', "Oral"),
    ('email', "Email"),
    ('in_person', "In Person"),
    ('web', "Web"),
    ]
OPEN_STATES = [
    'received', 'verifying', 'investigating', 'proposed', 'decided',
    'dismissed']


class Report(
        ReportDeadlineMixin, ReportReceiptMixin, ReportRetentionMixin,
        ReportExclusionMixin, ReportPublicMixin, ExcludedAsMissingMixin,
        EnforcedStatesMixin, Workflow, ActivityMixin, ModelSQL, ModelView):
    __name__ = 'whistleblower.report'
    _rec_name = 'number'
    _report_field = None

    _states = {
        'readonly': Eval('state') != 'received',
        }

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    channel = fields.Selection(
        CHANNELS, "Channel", required=True, states=_states)
    received_at = fields.DateTime(
        "Received at", required=True, states=_states)
    category = fields.Selection(
        CATEGORIES, "Category", required=True, sort=False,
        states={
            'readonly': ~Eval('state').in_(['received', 'verifying']),
            })
    description = fields.Text(
        "Description", required=True, states=_states)
    site = fields.Char(
        "Site or Department", states=_states,
        help="The site, equipment or department concerned.")
    persons_concerned = fields.Text(
        "Persons Concerned",
        states={
            'readonly': ~Eval('state').in_(
                ['received', 'verifying', 'investigating']),
            })
    anonymous = fields.Boolean(
        "Anonymous", readonly=True,
        help="The reporter did not give a name; "
        "a receipt code lets them follow the report.")
    case_officer = fields.Many2One(
        'company.employee', "Case Officer", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('whistleblower_officer', '=', True),
            ],
        states={
            'readonly': Eval('state').in_(['notified', 'closed']),
            })
    dismissal_reason = fields.Text(
        "Dismissal Reason",
        states={
            'readonly': Eval('state') != 'verifying',
            'invisible': ~Eval('state').in_(
                ['verifying', 'dismissed', 'notified', 'closed']),
            'required': Eval('state') == 'dismissed',
            })
    findings = fields.Text(
        "Findings",
        states={
            'readonly': Eval('state') != 'investigating',
            'invisible': Eval('state').in_(
                ['received', 'verifying', 'dismissed']),
            })
    proposed_handling = fields.Text(
        "Proposed Handling",
        states={
            'readonly': Eval('state') != 'investigating',
            'invisible': Eval('state').in_(
                ['received', 'verifying', 'dismissed']),
            },
        help="The handling of the responsible persons proposed to the "
        "leaders.")
    sanctions = fields.One2Many(
        'whistleblower.sanction', 'report', "Sanctions",
        states={
            'readonly': ~Eval('state').in_(['investigating', 'proposed']),
            'invisible': Eval('state').in_(
                ['received', 'verifying', 'dismissed']),
            })
    # Written by the decision wizard only
    decision = fields.Text(
        "Decision", readonly=True,
        states={
            'invisible': ~Eval('state').in_(
                ['proposed', 'decided', 'notified', 'closed']),
            },
        help="The leaders' decision, taken with the Decide button.")
    decided_by = fields.Many2One(
        'company.employee', "Decided by", readonly=True)
    decided_at = fields.DateTime("Decided at", readonly=True)
    notice_text = fields.Text(
        "Notice",
        states={
            'readonly': ~Eval('state').in_(['decided', 'dismissed']),
            'invisible': ~Eval('state').in_(
                ['decided', 'dismissed', 'notified', 'closed']),
            },
        help="The result told to the reporter in writing.")
    notice_date = fields.Date(
        "Notice Date",
        states={
            'readonly': ~Eval('state').in_(['decided', 'dismissed']),
            'invisible': ~Eval('state').in_(
                ['decided', 'dismissed', 'notified', 'closed']),
            })
    closed_at = fields.DateTime("Closed at", readonly=True)

    messages = fields.One2Many(
        'whistleblower.message', 'report', "Messages with the Reporter",
        states={
            'readonly': Eval('state') == 'closed',
            })
    notes = fields.One2Many(
        'whistleblower.note', 'report', "Internal Notes",
        states={
            'readonly': Eval('state') == 'closed',
            })
    access_logs = fields.One2Many(
        'whistleblower.access_log', 'report', "Access Log", readonly=True)
    state = fields.Selection([
            ('received', "Received"),
            ('verifying', "Verifying"),
            ('investigating', "Investigating"),
            ('dismissed', "Dismissed"),
            ('proposed', "Proposed"),
            ('decided', "Decided"),
            ('notified', "Notified"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        cls.number.search_unaccented = False
        super().__setup__()
        t = cls.__table__()
        cls._order = [('received_at', 'DESC'), ('id', 'DESC')]
        cls._sql_indexes.update({
                Index(t, (t.number, Index.Similarity())),
                Index(t, (t.received_at, Index.Range(order='DESC'))),
                Index(t, (t.state, Index.Equality()),
                    where=t.state.in_(OPEN_STATES)),
                })
        cls._transitions |= {
            ('received', 'verifying'),
            ('verifying', 'investigating'),
            ('verifying', 'dismissed'),
            ('investigating', 'proposed'),
            ('proposed', 'investigating'),
            ('proposed', 'decided'),
            ('decided', 'notified'),
            ('dismissed', 'notified'),
            ('notified', 'closed'),
            }
        cls._buttons.update({
                'verify': {
                    'invisible': Eval('state') != 'received',
                    'depends': ['state'],
                    },
                'investigate': {
                    'invisible': Eval('state') != 'verifying',
                    'depends': ['state'],
                    },
                'dismiss': {
                    'invisible': Eval('state') != 'verifying',
                    'depends': ['state'],
                    },
                'propose': {
                    'invisible': Eval('state') != 'investigating',
                    'depends': ['state'],
                    },
                'reinvestigate': {
                    'invisible': Eval('state') != 'proposed',
                    'depends': ['state'],
                    },
                'decide': {
                    'invisible': Eval('state') != 'proposed',
                    'depends': ['state'],
                    },
                'notify': {
                    'invisible': ~Eval('state').in_(['decided', 'dismissed']),
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'notified',
                    'depends': ['state'],
                    },
                'reveal': {
                    'invisible': (Eval('anonymous', False)
                        | Bool(Eval('identity_erased_at'))),
                    'depends': ['anonymous', 'identity_erased_at'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'received'

    @classmethod
    def default_received_at(cls):
        # Whole seconds as the client shows them: otherwise reading the
        # widget back changes the value, redraws the form and resets the
        # selections to their first option before they are read
        return clock.now().replace(microsecond=0)

    @classmethod
    def default_anonymous(cls):
        return False

    @classmethod
    def default_case_officer(cls):
        return Transaction().context.get('employee')

    @classmethod
    def order_number(cls, tables):
        table, _ = tables[None]
        return [table.number]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('whistleblower.configuration')
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            if not values.get('number'):
                configuration = Configuration(1)
                with without_check_access():
                    values['number'] = configuration.report_sequence.get()
            values.update(cls._deadlines(
                    values.get('received_at') or cls.default_received_at(),
                    values.get('company') or cls.default_company()))
        elif mode == 'write' and values.get('received_at'):
            values.update(cls._deadlines(values['received_at'],
                    values.get('company') or cls.default_company()))
        return values

    @classmethod
    def check_modification(cls, mode, reports, values=None, external=False):
        super().check_modification(
            mode, reports, values=values, external=external)
        if mode == 'delete':
            for report in reports:
                if report.state != 'received':
                    raise ReportAccessError(gettext(
                            'whistleblower.msg_report_delete_received',
                            report=report.rec_name))

    @classmethod
    def on_modification(cls, mode, reports, field_names=None):
        super().on_modification(mode, reports, field_names=field_names)
        if mode == 'create':
            cls._plan_deadlines(reports)
            cls._hand_over(reports)
        elif mode == 'write' and (
                field_names & {'excluded_users', 'case_officer'}):
            cls._hand_over(reports)

    @classmethod
    def copy(cls, reports, default=None):
        # A copy would duplicate the case without its identity and log
        if reports:
            raise ReportAccessError(gettext(
                    'whistleblower.msg_report_no_copy'))
        return super().copy(reports, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('verifying')
    def verify(cls, reports):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('investigating')
    def investigate(cls, reports):
        cls._mark_verified([r for r in reports if not r.verified_at])

    @classmethod
    @ModelView.button
    @Workflow.transition('dismissed')
    def dismiss(cls, reports):
        for report in reports:
            if not (report.dismissal_reason or '').strip():
                raise ReportValidationError(gettext(
                        'whistleblower.msg_dismissal_reason_required',
                        report=report.rec_name))
        cls._mark_verified([r for r in reports if not r.verified_at])

    @classmethod
    @ModelView.button
    @Workflow.transition('proposed')
    def propose(cls, reports):
        for report in reports:
            if not ((report.findings or '').strip()
                    and (report.proposed_handling or '').strip()):
                raise ReportValidationError(gettext(
                        'whistleblower.msg_proposal_required',
                        report=report.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('investigating')
    def reinvestigate(cls, reports):
        pass

    @classmethod
    @ModelView.button_action('whistleblower.wizard_decide')
    def decide(cls, reports):
        "Open the decision wizard of the leaders"

    @classmethod
    @Workflow.transition('decided')
    def record_decision(cls, reports, decision, employee=None):
        """Record the leaders' decision on the proposed reports

        Called by the decision wizard, as the system, once it has checked
        that the user is a leader who may read the reports"""
        decision = (decision or '').strip()
        for report in reports:
            if not decision:
                raise ReportValidationError(gettext(
                        'whistleblower.msg_decision_required',
                        report=report.rec_name))
        cls.write(reports, {
                'decision': decision,
                'decided_by': employee.id if employee else None,
                'decided_at': clock.now(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('notified')
    def notify(cls, reports):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        Date = pool.get('ir.date')
        for report in reports:
            if not (report.notice_text or '').strip():
                raise ReportValidationError(gettext(
                        'whistleblower.msg_notice_required',
                        report=report.rec_name))
        moment = clock.now()
        for report in reports:
            values = {'feedback_at': moment}
            if not report.notice_date:
                values['notice_date'] = Date.today()
            if not report.acknowledged_at:
                values['acknowledged_at'] = moment
            cls.write([report], values)
        Activity.close(
            reports, [ACTIVITY_ACKNOWLEDGEMENT, ACTIVITY_FEEDBACK])

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, reports):
        pool = Pool()
        Activity = pool.get('scheduled.activity')
        AccessLog = pool.get('whistleblower.access_log')
        cls.write(reports, {'closed_at': clock.now()})
        Activity.cancel_open(reports)
        # The record of the transition that starts the retention period:
        # the erasure trusts it, not the state or the closing date
        AccessLog.record(reports, 'close')

    @classmethod
    @ModelView.button_action('whistleblower.wizard_reveal')
    def reveal(cls, reports):
        pass


class ReportExcludedUser(
        ExcludedAsMissingMixin, EnforcedStatesMixin, ModelSQL):
    __name__ = 'whistleblower.report-res.user'
    report = fields.Many2One(
        'whistleblower.report', "Report", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.user, Index.Equality()),
                    (t.report, Index.Equality())),
                Index(t, (t.report, Index.Equality())),
                })

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        pool = Pool()
        Rule = pool.get('ir.rule')
        Report = pool.get('whistleblower.report')
        super().on_modification(mode, records, field_names=field_names)
        # The rule of the activities lists the reports of each exclusion
        Rule._domain_get_cache.clear()
        if mode in {'create', 'write'}:
            with without_check_access():
                Report._hand_over(list({r.report for r in records}))


class RegisterStart(ModelView):
    __name__ = 'whistleblower.report.register.start'

    company = fields.Many2One('company.company', "Company", required=True)
    channel = fields.Selection(CHANNELS, "Channel", required=True)
    received_at = fields.DateTime("Received at", required=True)
    category = fields.Selection(
        CATEGORIES, "Category", required=True, sort=False)
    description = fields.Text("Description", required=True)
    site = fields.Char("Site or Department")
    persons_concerned = fields.Text("Persons Concerned")
    case_officer = fields.Many2One(
        'company.employee', "Case Officer", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('whistleblower_officer', '=', True),
            ])
    anonymous = fields.Boolean(
        "Anonymous",
        help="The reporter does not give a name: "
        "a receipt code is shown once to hand over to them.")
    reporter_name = fields.Char(
        "Reporter Name",
        states={
            'invisible': Eval('anonymous', False),
            'required': ~Eval('anonymous', False),
            })
    reporter_employee = fields.Many2One(
        'company.employee', "Reporter Employee",
        domain=[('company', '=', Eval('company', -1))],
        states={
            'invisible': Eval('anonymous', False),
            },
        help="The employment record watched against retaliation.")
    reporter_contact = fields.Text(
        "Reporter Contact",
        states={
            'invisible': Eval('anonymous', False),
            })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_received_at(cls):
        # Whole seconds as the client shows them: otherwise reading the
        # widget back changes the value, redraws the form and resets the
        # selections to their first option before they are read
        return clock.now().replace(microsecond=0)

    @classmethod
    def default_case_officer(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_anonymous(cls):
        return False


class RegisterDone(ModelView):
    __name__ = 'whistleblower.report.register.done'

    number = fields.Char("Number", readonly=True)
    anonymous = fields.Boolean("Anonymous", readonly=True)
    receipt_code = fields.Char(
        "Receipt Code", readonly=True,
        states={
            'invisible': ~Eval('anonymous', False),
            },
        help="Hand this code over to the reporter now: "
        "it is not stored and cannot be shown again.")

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            # A named report has no receipt code to hand over
            ('/form/group[@id="receipt"]', 'states', {
                    'invisible': ~Eval('anonymous', False),
                    }),
            ]


class Register(Wizard):
    __name__ = 'whistleblower.report.register'
    start = StateView(
        'whistleblower.report.register.start',
        'whistleblower.report_register_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Register", 'register', 'tryton-ok', default=True),
            ])
    register = StateTransition()
    done = StateView(
        'whistleblower.report.register.done',
        'whistleblower.report_register_done_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    _identity_fields = [
        'reporter_name', 'reporter_employee', 'reporter_contact']

    def transition_register(self):
        pool = Pool()
        Configuration = pool.get('whistleblower.configuration')
        Employee = pool.get('company.employee')
        Report = pool.get('whistleblower.report')
        Reporter = pool.get('whistleblower.reporter')
        check_officer()
        # Before the number is taken: creating the secret restarts the
        # transaction
        Configuration.get_digest_secret()
        start = self.start
        if not start.anonymous and not (start.reporter_name or '').strip():
            raise ReportValidationError(gettext(
                    'whistleblower.msg_reporter_name_required'))
        # Kept only as a token, which no foreign key or domain checks
        if (not start.anonymous and start.reporter_employee
                and not Employee.search([
                        ('id', '=', start.reporter_employee.id),
                        ('company', '=', start.company.id),
                        ])):
            raise ReportValidationError(gettext(
                    'whistleblower.msg_reporter_employee_unknown'))
        report = Report(
            company=start.company,
            channel=start.channel,
            received_at=start.received_at,
            category=start.category,
            description=start.description,
            site=start.site,
            persons_concerned=start.persons_concerned,
            case_officer=start.case_officer,
            anonymous=bool(start.anonymous),
            )
        report.save()
        if start.anonymous:
            self._receipt_code = report.issue_receipt()
        else:
            Reporter.record_identity(
                report, start.reporter_name.strip(),
                start.reporter_employee, start.reporter_contact)
        self._report = report
        return 'done'

    def default_done(self, fields):
        report = getattr(self, '_report', None)
        if not report:
            return {}
        return {
            'number': report.number,
            'anonymous': report.anonymous,
            # Kept only in this answer, never in the wizard session
            'receipt_code': getattr(self, '_receipt_code', None),
            }

    def _save(self):
        # The session is stored in the database: no identity there
        for name in self._identity_fields:
            setattr(self.start, name, None)
        self.done.receipt_code = None
        super()._save()


class ReceiptShow(ModelView):
    __name__ = 'whistleblower.report.receipt.show'

    number = fields.Char("Number", readonly=True)
    receipt_code = fields.Char(
        "Receipt Code", readonly=True,
        help="Hand this code over to the reporter now: "
        "it is not stored and cannot be shown again. "
        "The previous code no longer works.")


class Receipt(Wizard):
    __name__ = 'whistleblower.report.receipt'
    start_state = 'issue'
    issue = StateTransition()
    show = StateView(
        'whistleblower.report.receipt.show',
        'whistleblower.report_receipt_show_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_issue(self):
        check_officer()
        report = self.record
        if not report.anonymous or report.state == 'closed':
            raise ReportValidationError(gettext(
                    'whistleblower.msg_receipt_anonymous_only',
                    report=report.rec_name))
        self._receipt_code = report.issue_receipt()
        return 'show'

    def default_show(self, fields):
        code = getattr(self, '_receipt_code', None)
        if not code:
            return {}
        return {
            'number': self.record.number,
            'receipt_code': code,
            }

    def _save(self):
        self.show.receipt_code = None
        super()._save()


class DecideStart(ModelView):
    __name__ = 'whistleblower.report.decide.start'

    number = fields.Char("Report", readonly=True)
    findings = fields.Text("Findings", readonly=True)
    proposed_handling = fields.Text("Proposed Handling", readonly=True)
    decision = fields.Text(
        "Decision", required=True,
        help="The handling decided by the leaders; it is recorded with "
        "your name and the time.")


class Decide(Wizard):
    __name__ = 'whistleblower.report.decide'
    start = StateView(
        'whistleblower.report.decide.start',
        'whistleblower.report_decide_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Decide", 'decide', 'tryton-ok', default=True),
            ])
    decide = StateTransition()

    def _check(self):
        "Return the reports once the user may decide on them"
        pool = Pool()
        Report = pool.get('whistleblower.report')
        check_leader()
        reports = self.records
        # The record rules decide, as for any read by this user
        with check_access():
            Report.read([r.id for r in reports], ['id'])
        for report in reports:
            if report.state != 'proposed':
                raise ReportValidationError(gettext(
                        'whistleblower.msg_decide_proposed_only',
                        report=report.rec_name))
        return reports

    def default_start(self, fields):
        reports = self._check()
        if not reports:
            return {}
        report = reports[0]
        return {
            'number': ', '.join(r.number for r in reports),
            'findings': report.findings if len(reports) == 1 else None,
            'proposed_handling': (
                report.proposed_handling if len(reports) == 1 else None),
            }

    def transition_decide(self):
        pool = Pool()
        Report = pool.get('whistleblower.report')
        User = pool.get('res.user')
        reports = self._check()
        with without_check_access():
            user = User(Transaction().user)
            employees = [user.employee] if user.employee else []
            employees += list(user.employees)
            for company in {r.company for r in reports}:
                employee = next(
                    (e for e in employees if e.company == company), None)
                # The transition runs as the system: the leader has no
                # write access to the reports
                Report.record_decision(
                    [r for r in reports if r.company == company],
                    self.start.decision, employee)
        return 'end'
