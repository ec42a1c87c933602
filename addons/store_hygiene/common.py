# This file is part of store_hygiene.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Clock and time zone helpers shared by the module.

Every "now" of the module comes from `now()`: tests and scenarios control the
clock by putting a naive UTC datetime under the context key `hygiene_now`
(crons run by `ir.cron.run_once` keep the caller's context).
"""
import datetime as dt

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

