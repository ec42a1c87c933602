# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The clock of the modules

Every "now" of the modules that is stored, compared with a deadline or
printed is read here. It is a function and not a context key on purpose:
any user calling the server sets the context, and would then date an
inspection, a decision or a reply as they like. Tests and the demo data move
time by patching it: ``unittest.mock.patch.object(clock, 'now')``.
"""
import datetime as dt


def now():
    "Return the current naive UTC datetime (trytond runs in UTC)"
    return dt.datetime.now()


def timestamp():
    "Return the clock's time in seconds since the epoch"
    return now().replace(tzinfo=dt.timezone.utc).timestamp()
