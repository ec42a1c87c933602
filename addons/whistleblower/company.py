# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import json

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.scheduled_activity import clock
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .access import officer_users


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'
    whistleblower_officer = fields.Function(fields.Boolean(
            "Whistleblowing Case Officer",
            help="A user of this employee is a case officer: "
            "reports can be given to them."),
        'get_whistleblower_officer', searcher='search_whistleblower_officer')

    @classmethod
    @without_check_access
    def _officer_employee_ids(cls):
        return {e.id for u in officer_users() for e in u.employees}

    @classmethod
    def get_whistleblower_officer(cls, employees, name):
        officers = cls._officer_employee_ids()
        return {e.id: e.id in officers for e in employees}

    @classmethod
    def search_whistleblower_officer(cls, name, clause):
        _, operator, value = clause[:3]
        officer = {'=': value, '!=': not value}.get(operator)
        if officer is None:
            return [('id', '=', -1)]
        return [('id', 'in' if officer else 'not in',
                list(cls._officer_employee_ids()))]

    @classmethod
    def on_modification(cls, mode, employees, field_names=None):
        super().on_modification(mode, employees, field_names=field_names)
        if mode == 'write':
            cls._watch_retaliation(employees)

    @classmethod
    @without_check_access
    def _watch_retaliation(cls, employees):
        "Alert the case officers when a protected reporter's record changes"
        pool = Pool()
        Reporter = pool.get('whistleblower.reporter')
        Notification = pool.get('res.notification')
        reporters = Reporter.watched(
            [e.id for e in employees], clock.now().date())
        notifications = []
        for reporter in reporters:
            report = reporter.report
            for user in officer_users([report]):
                # The text names the report only, never the employee
                notifications.append(Notification(
                        user=user,
                        icon='tryton-warning',
                        label=gettext(
                            'whistleblower.msg_retaliation_label',
                            report=report.number),
                        description=gettext(
                            'whistleblower.msg_retaliation_description',
                            report=report.number),
                        model='whistleblower.report',
                        records=json.dumps([report.id]),
                        ))
        Notification.save(notifications)


class UserEmployee(metaclass=PoolMeta):
    __name__ = 'res.user-company.employee'

    @classmethod
    def search(cls, domain, *args, **kwargs):
        # The activity notices leave out the users excluded from the report
        # (see report.Activity._notify); a private key, out of clients' reach
        skip = Transaction().context.get('_whistleblower_skip_users')
        if skip:
            domain = [domain, ('user', 'not in', list(skip))]
        return super().search(domain, *args, **kwargs)
