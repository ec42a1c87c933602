# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError


class PublicPageError(UserError):
    "A visitor's input a public page refuses, with the reason to show"


class RateLimitError(PublicPageError):
    pass


class ChallengeError(PublicPageError):
    "The proof of work of the form is missing, wrong, spent or too easy"
