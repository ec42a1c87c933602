# This file is part of store_hygiene.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Clock and time zone helpers shared by the module.

Every "now" of the module comes from `now()`: tests and scenarios control the
clock by putting a naive UTC datetime under the context key `hygiene_now`
(crons run by `ir.cron.run_once` keep the caller's context).
"""
import datetime as dt
import json

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.tools import timezone as tz
from trytond.transaction import Transaction

CLOCK_KEY = 'hygiene_now'


def now():
    "Return the current naive UTC datetime (or the controlled clock)"
    return Transaction().context.get(CLOCK_KEY) or dt.datetime.now()


def company_timezone(company):
    if company and company.timezone:
        return tz.ZoneInfo(company.timezone)
    return tz.UTC


def to_local(value, timezone):
    "Convert a naive UTC datetime into a naive local datetime"
    return value.replace(tzinfo=tz.UTC).astimezone(timezone).replace(
        tzinfo=None)


def to_utc(value, timezone):
    "Convert a naive local datetime into a naive UTC datetime"
    return value.replace(tzinfo=timezone).astimezone(tz.UTC).replace(
        tzinfo=None)


def today(company):
    "Return the current date in the company's time zone"
    return to_local(now(), company_timezone(company)).date()


def users_of(employees):
    "Return the users linked to the employees"
    pool = Pool()
    User = pool.get('res.user')
    employees = [e for e in employees if e]
    if not employees:
        return []
    return User.search([
            ('employees', 'in', [e.id for e in employees]),
            ])


def notify(employees, record, label_id, description_id, **values):
    """Ring the bell of the users of the employees about the record

    The texts are the messages label_id and description_id, translated in
    the language of each user."""
    pool = Pool()
    Notification = pool.get('res.notification')
    default_language = Transaction().language
    notifications = []
    for user in users_of(employees):
        language = user.language.code if user.language else default_language
        with Transaction().set_context(language=language):
            notifications.append(Notification(
                    user=user,
                    icon='tryton-notification',
                    label=gettext(label_id, **values),
                    description=gettext(description_id, **values),
                    model=record.__name__,
                    records=json.dumps([record.id]),
                    ))
    Notification.save(notifications)
    return notifications
