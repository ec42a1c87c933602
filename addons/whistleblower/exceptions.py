# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class EncryptionKeyError(UserError):
    pass


class ReportValidationError(ValidationError):
    pass


class RevealError(AccessError):
    pass


class AccessLogError(AccessError):
    pass


class ReportAccessError(AccessError):
    pass


class NoticeActionError(AccessError):
    pass


class CopyError(AccessError):
    pass
