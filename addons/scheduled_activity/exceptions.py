# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class ActivityTypeUnknownError(UserError):
    pass


class ModificationError(UserError):
    pass


class ResourceLockedError(ModificationError):
    "An attachment or note of a record that keeps them as they are"
    pass


class PhoneNumberError(ValidationError):
    "A phone number that cannot be dialled; the message says why"
    pass


class WorkingCalendarError(UserError):
    "A working calendar that cannot count a delay"
    pass


class MailResourceError(UserError):
    "A mail about a record that no mail may concern"
    pass


class WizardDataError(UserError):
    "Data sent to a wizard that is not the values of its forms"
    pass


class ValueKindError(UserError):
    "A value sent that is not of its field's kind"
    pass
