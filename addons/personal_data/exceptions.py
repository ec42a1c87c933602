# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class RetentionValidationError(ValidationError):
    "A retention period that the law or the module does not allow"


class SubjectRequestError(UserError):
    "A subject request step asked for without what it needs"


class LegalHoldError(UserError):
    "A legal hold placed twice, or lifted when there is none"


class LegalHoldAccessError(AccessError):
    "Only the data protection officer and the complaint managers hold"


class ErasureLogError(AccessError):
    "The logs are written by the system and never changed"


class HeldRecordError(AccessError):
    "A record under legal hold is not deleted"
