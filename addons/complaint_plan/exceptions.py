# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model.exceptions import ValidationError
from trytond.exceptions import UserError


class ComplaintValidationError(ValidationError):
    pass


class ComplaintTransitionError(UserError):
    "A workflow step was asked for without the data it needs."


class ApprovalError(UserError):
    "An approval decision that is not allowed."
