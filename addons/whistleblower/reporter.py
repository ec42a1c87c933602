# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from dateutil.relativedelta import relativedelta
from sql import Null

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.transaction import check_access, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard
from trytond.modules.scheduled_activity.enforce import EnforcedStatesMixin

from . import crypto
from .access import (
    CopyRefusedMixin, ExcludedAsMissingMixin, check_officer)
from .exceptions import RevealError


class Reporter(
        ExcludedAsMissingMixin, CopyRefusedMixin, EnforcedStatesMixin,
        ModelSQL, ModelView):
    """The identity of a named reporter, apart from the report.

    Only Fernet tokens and a keyed digest of the employee are stored.
    """
    __name__ = 'whistleblower.reporter'

    report = fields.Many2One(
        'whistleblower.report', "Report", required=True, readonly=True,
        ondelete='CASCADE')
    name_token = fields.Text("Name Token", readonly=True)
    contact_token = fields.Text("Contact Token", readonly=True)
    employee_token = fields.Char("Employee Token", readonly=True)
    employee_digest = fields.Char("Employee Digest", readonly=True)
    watch_until = fields.Date(
        "Retaliation Watch until", readonly=True,
        help="Until this date, changes to the reporter's employment record "
        "alert the case officers.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('report_unique', Unique(t, t.report),
                'whistleblower.msg_reporter_report_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.employee_digest, Index.Equality())),
                Index(t, (t.watch_until, Index.Range()),
                    where=t.employee_digest != Null),
                })

    def get_rec_name(self, name):
        return gettext(
            'whistleblower.msg_reporter_rec_name', report=self.report.number)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        return [('report.number', operator, operand, *extra)]

    @classmethod
    def record_identity(cls, report, name, employee=None, contact=None):
        "Store the encrypted identity of the reporter of report"
        pool = Pool()
        Configuration = pool.get('whistleblower.configuration')
        configuration = Configuration(1)
        values = {
            'report': report.id,
            'name_token': crypto.encrypt(name),
            'contact_token': crypto.encrypt(contact),
            'watch_until': (
                report.received_at.date()
                + relativedelta(
                    months=configuration.retaliation_watch_months)),
            }
        if employee:
            values['employee_token'] = crypto.encrypt(str(employee.id))
            values['employee_digest'] = cls.employee_digest_of(employee.id)
        with without_check_access():
            reporter, = cls.create([values])
        return reporter

    @classmethod
    def employee_digest_of(cls, employee_id):
        pool = Pool()
        Configuration = pool.get('whistleblower.configuration')
        return Configuration.digest('employee', employee_id)

    def identity(self):
        "Return the decrypted name, employee and contact"
        pool = Pool()
        Employee = pool.get('company.employee')
        employee_id = crypto.decrypt(self.employee_token)
        return (
            crypto.decrypt(self.name_token),
            Employee(int(employee_id)) if employee_id else None,
            crypto.decrypt(self.contact_token),
            )

    @classmethod
    def watched(cls, employee_ids, date):
        "Return the reporters under retaliation watch among the employees"
        with without_check_access():
            # Employee records change without any watch most of the time
            if not cls.search([
                        ('employee_digest', '!=', None),
                        ('watch_until', '>=', date),
                        ], limit=1):
                return []
            digests = [cls.employee_digest_of(i) for i in employee_ids]
            return cls.search([
                    ('employee_digest', 'in', digests),
                    ('watch_until', '>=', date),
                    ])


class RevealStart(ModelView):
    __name__ = 'whistleblower.report.reveal.start'

    reason = fields.Text(
        "Reason", required=True,
        help="Why the identity is needed; it is kept in the access log.")


class RevealShow(ModelView):
    __name__ = 'whistleblower.report.reveal.show'

    number = fields.Char("Report", readonly=True)
    reporter_name = fields.Char("Name", readonly=True)
    reporter_employee = fields.Many2One(
        'company.employee', "Employee", readonly=True)
    reporter_contact = fields.Text("Contact", readonly=True)


class Reveal(Wizard):
    __name__ = 'whistleblower.report.reveal'
    start = StateView(
        'whistleblower.report.reveal.start',
        'whistleblower.report_reveal_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reveal", 'reveal', 'tryton-ok', default=True),
            ])
    reveal = StateTransition()
    show = StateView(
        'whistleblower.report.reveal.show',
        'whistleblower.report_reveal_show_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_reveal(self):
        pool = Pool()
        Report = pool.get('whistleblower.report')
        Reporter = pool.get('whistleblower.reporter')
        AccessLog = pool.get('whistleblower.access_log')
        check_officer()
        reason = (self.start.reason or '').strip()
        if not reason:
            raise RevealError(gettext('whistleblower.msg_reveal_reason'))
        report = self.record
        # The record rules decide, as for any read by this user
        with check_access():
            Report.read([report.id], ['id'])
            reporters = Reporter.search([('report', '=', report.id)])
        if not reporters:
            raise RevealError(gettext(
                    'whistleblower.msg_reveal_no_identity',
                    report=report.rec_name))
        AccessLog.record([report], 'reveal', reason)
        self._revealed, = reporters
        return 'show'

    def default_show(self, fields):
        # Only right after the logged transition, never on a direct call
        reporter = getattr(self, '_revealed', None)
        if reporter is None:
            raise RevealError(gettext('whistleblower.msg_reveal_reason'))
        name, employee, contact = reporter.identity()
        return {
            'number': reporter.report.number,
            'reporter_name': name,
            'reporter_employee': employee.id if employee else None,
            'reporter_contact': contact,
            }

    def _save(self):
        # The session is stored in the database: no identity there
        for name in ['reporter_name', 'reporter_employee', 'reporter_contact']:
            setattr(self.show, name, None)
        super()._save()
