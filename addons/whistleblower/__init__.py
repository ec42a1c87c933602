# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.

from . import logfilter, routes

# No text of a reporter or a case officer in trytond's log
logfilter.install()

__all__ = [routes]
