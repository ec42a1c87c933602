# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Times in the company's time zone, for what is printed, mailed or shown
on a public page

Tryton stores naive UTC datetimes; the web client converts them on screen,
nothing else does. Documents, emails and pages convert them here, to the
zone of the company (company.company timezone, UTC when it has none), and
name the zone: ``2026-11-27 23:30（北京时间，UTC+8）``,
``2026-11-27 23:30 (Beijing time, UTC+8)``,
``2026-11-27 16:30 (Europe/Paris, UTC+1)``.
"""
import datetime as dt

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.tools import timezone as tz
from trytond.transaction import Transaction

from . import clock

# The zone names of China's time, UTC+8 all year
BEIJING_ZONES = {'Asia/Shanghai', 'Asia/Chongqing', 'Asia/Harbin', 'PRC'}


def company_zone(company):
    "Return the tzinfo of the company, UTC without company or zone"
    if company and company.timezone:
        return tz.get_tzinfo(company.timezone)
    return tz.UTC


def company_datetime(company, value):
    """Return the naive UTC datetime value as an aware datetime in the zone
    of the company (None stays None)"""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz.UTC)
    return value.astimezone(company_zone(company))


def to_company_time(company, value):
    "Return the naive UTC datetime value as a naive datetime of the company"
    return company_datetime(company, value).replace(tzinfo=None)


def from_company_time(company, value):
    "Return the naive datetime value of the company as a naive UTC datetime"
    return value.replace(tzinfo=company_zone(company)).astimezone(
        tz.UTC).replace(tzinfo=None)


def company_date(company, value):
    """Return the date of the naive UTC datetime value in the zone of the
    company; a date is returned as it is"""
    if value is None or not isinstance(value, dt.datetime):
        return value
    return company_datetime(company, value).date()


def company_today(company):
    "Return today's date in the zone of the company"
    return company_datetime(company, clock.now()).date()


def today_domain(date_field, clause):
    """The domain of the searcher of a Boolean "on today" of date_field:
    today is that of the user's company, not that of the browser, whose
    Date() is another day for a user in another zone"""
    Company = Pool().get('company.company')
    company = Transaction().context.get('company')
    today = company_today(Company(company) if company else None)
    _, operator, value = clause[:3]
    on_today = (operator == '=') == bool(value)
    return [(date_field, '=' if on_today else '!=', today)]


def _offset(value):
    "+8, +5:30, -3 or +0 for the UTC offset of the aware datetime"
    offset = value.utcoffset() or dt.timedelta()
    sign = '-' if offset < dt.timedelta() else '+'
    minutes = abs(int(offset.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    return f'{sign}{hours}' + (f':{minutes:02d}' if minutes else '')


def zone_name(company):
    "The name of the zone of the company for a reader"
    name = company.timezone if company and company.timezone else None
    if name in BEIJING_ZONES:
        return gettext('scheduled_activity.msg_zone_beijing')
    return name or 'UTC'


def format_company_datetime(company, value, lang=None, seconds=False,
        zone=True):
    """Return the naive UTC datetime value as a text in the zone of the
    company, in the date format of lang (the context's language by
    default), followed by the zone when zone is true; '' for None"""
    pool = Pool()
    Lang = pool.get('ir.lang')
    if value is None:
        return ''
    if lang is None:
        lang = Lang.get()
    local = company_datetime(company, value)
    text = lang.strftime(
        local, lang.date + (' %H:%M:%S' if seconds else ' %H:%M'))
    if not zone:
        return text
    if not company or not company.timezone or company.timezone == 'UTC':
        return gettext('scheduled_activity.msg_datetime_utc', datetime=text)
    return gettext('scheduled_activity.msg_datetime_zone',
        datetime=text, zone=zone_name(company), offset=_offset(local))


def format_company_date(company, value, lang=None):
    """Return the date, in the zone of the company for a naive UTC
    datetime, in the date format of lang; '' for None"""
    pool = Pool()
    Lang = pool.get('ir.lang')
    if value is None:
        return ''
    if lang is None:
        lang = Lang.get()
    return lang.strftime(company_date(company, value))


def report_helpers():
    """The functions a report template calls to print times and phone
    numbers, to add to the context of the report"""
    from .phone import format_phone
    return {
        'company_datetime': company_datetime,
        'company_date': company_date,
        'company_today': company_today,
        'format_company_datetime': format_company_datetime,
        'format_company_date': format_company_date,
        'format_phone': format_phone,
        }
