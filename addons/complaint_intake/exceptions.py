# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError


class ComplaintEmailError(UserError):
    "An inbound email no complaint can be created from."
