# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model.exceptions import ValidationError
from trytond.exceptions import UserError


class ScheduleValidationError(ValidationError):
    pass


class InspectionValidationError(ValidationError):
    pass


class InspectionCompleteError(UserError):
    pass


class CorrectiveActionError(UserError):
    pass


class PreshiftCheckValidationError(ValidationError):
    pass


class PreshiftCheckClosedError(UserError):
    pass
