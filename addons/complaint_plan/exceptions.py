# This file is part of the complaint_plan module.
from trytond.model.exceptions import ValidationError
from trytond.exceptions import UserError


class ComplaintValidationError(ValidationError):
    pass


class ComplaintTransitionError(UserError):
    "A workflow step was asked for without the data it needs."


class ApprovalError(UserError):
    "An approval decision that is not allowed."


class ComplaintEmailError(UserError):
    "An inbound email no complaint can be created from."
