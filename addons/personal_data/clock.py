# This file is part of the personal_data module.
"""The clock of the module.

The retention periods are counted from here, so that the scenarios move in
time with
``unittest.mock.patch('trytond.modules.personal_data.clock.now')``.
"""
import datetime as dt


def now():
    return dt.datetime.now()
