# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The clock of the module.

Every deadline, log line and erasure reads the time here, so that the
scenarios control it with
``unittest.mock.patch('trytond.modules.whistleblower.clock.now')``.
"""
import datetime as dt


def now():
    return dt.datetime.now()
