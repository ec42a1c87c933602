# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The one phone number validator of the modules

Every phone field of the modules goes through `normalize_phone()` before it
is stored, `format_phone()` before it is shown or printed and `Phone` (or
`phone_domain()`) when it is searched.

The stored form is E.164 followed by the extension as in RFC 3966:
``+8613800138000``, ``+862164321000;ext=8021``: one spelling per number, so
that the same customer is found whatever way the number was typed, and a
form that phonenumbers (and any dialler) reads back.

Numbers without a country code are Chinese (region ``CN``). The number
must be a *valid* one (an assigned mobile prefix or area code with the
right length), not only a possible one. People in China write extensions
as ``021-64321000-8021``, ``020-38881234 转 12``, ``分机 12``, ``#602`` or
``ext. 305``; all are read. Letters are refused: phonenumbers would read
``138l2345678`` as ``1382345678`` and ``1-800-FLOWERS`` as digits.
"""
import functools
import re
import unicodedata

import phonenumbers
from phonenumbers import (
    NumberParseException, PhoneNumberFormat, PhoneNumberType,
    ValidationResult)

from trytond.i18n import gettext
from trytond.model import fields
from trytond.tools import escape_wildcard, unescape_wildcard

from .exceptions import PhoneNumberError

DEFAULT_REGION = 'CN'
MAX_EXTENSION = 6
# The dashes people paste, read as the ASCII hyphen (also by the personal
# data redactor, so that it finds the numbers this module reads)
DASHES = ('\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\ufe58\ufe63'
    '\uff0d')
_DASHES = str.maketrans({c: '-' for c in DASHES})
# The words and signs before an extension: 转 (transfer), 分机 (extension),
# ext., x, # and the stored ;ext=
_EXTENSION = re.compile(
    r'^(?P<number>.*?[0-9)])[\s,;]*'
    r'(?:转|轉|分机号?|分機號?|内线|內線|extension|ext\.?|x|#|;?ext=)'
    r'\s*[:=.]?\s*(?P<extension>[0-9]+)\s*#?$', re.IGNORECASE)
# A last group after a dash, read as the extension of a full landline:
# 021-64321000-8021
_DASH_EXTENSION = re.compile(
    r'^(?P<number>.*[0-9)])\s*-\s*(?P<extension>[0-9]{2,%d})$'
    % MAX_EXTENSION)
# What a phone number may contain once the extension is taken off
_NUMBER = re.compile(r'^[(\s]*\+?[0-9\s\-.()/]*[0-9][0-9\s\-.()/]*$')
_NOT_NUMBER = re.compile(r'[^0-9\s\-.()/+]')
_REASONS = {
    ValidationResult.TOO_SHORT: 'scheduled_activity.msg_phone_too_short',
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        'scheduled_activity.msg_phone_too_short',
    ValidationResult.TOO_LONG: 'scheduled_activity.msg_phone_too_long',
    ValidationResult.INVALID_COUNTRY_CODE:
        'scheduled_activity.msg_phone_country',
    }
_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE:
        'scheduled_activity.msg_phone_country',
    NumberParseException.TOO_SHORT_AFTER_IDD:
        'scheduled_activity.msg_phone_too_short',
    NumberParseException.TOO_SHORT_NSN:
        'scheduled_activity.msg_phone_too_short',
    NumberParseException.TOO_LONG: 'scheduled_activity.msg_phone_too_long',
    }


def _clean(value):
    """The text as typed, with full-width signs and dashes made ASCII and
    any whitespace a space: phonenumbers refuses tabs and line breaks"""
    text = ' '.join(
        unicodedata.normalize('NFKC', value).translate(_DASHES).split())
    if text[:4].lower() == 'tel:':
        text = text[4:]
    return text


class _Refused(Exception):
    "The message id and values of a refusal, translated by parse_phone()"


def _refuse(message, value, **values):
    raise _Refused(message, dict(values, phone=value))


def _parse(text, region):
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException as exception:
        return exception.error_type


def _dialable(number):
    return (not isinstance(number, int)
        and phonenumbers.is_valid_number(number))


def parse_phone(value, region=DEFAULT_REGION):
    """Return the phonenumbers.PhoneNumber of the value, with its extension,
    or None when the value is empty

    Raise PhoneNumberError with a message that tells what is wrong."""
    try:
        return _read(value, region)
    except _Refused as refusal:
        message, values = refusal.args
        raise PhoneNumberError(gettext(message, **values)) from None


def is_valid_phone(value, region=DEFAULT_REGION):
    """Tell if the value is a valid phone number (False when empty);
    needs no transaction"""
    if not isinstance(value, str):
        return False
    return _normalize(value, region)[0] is not None


def _read(value, region):
    if value is None or not value.strip():
        return None
    text = _clean(value)
    match = _EXTENSION.match(text)
    if match:
        text, extension = match.group('number', 'extension')
    else:
        extension = None
    text = text.strip()
    if not _NUMBER.match(text):
        if not re.search(r'[0-9]', text):
            _refuse('scheduled_activity.msg_phone_too_short', value)
        # A sign that has no place in a number, or a + inside it
        wrong = ''.join(dict.fromkeys(_NOT_NUMBER.findall(text))) or '+'
        _refuse('scheduled_activity.msg_phone_characters', value,
            characters=wrong)
    number = _parse(text, region)
    if not _dialable(number) and extension is None:
        # 021-64321000-8021: the whole is too long, the first part is a
        # full landline
        match = _DASH_EXTENSION.match(text)
        if match:
            head = _parse(match.group('number'), region)
            if (_dialable(head)
                    and phonenumbers.number_type(head)
                    != PhoneNumberType.MOBILE):
                number, extension = head, match.group('extension')
    if isinstance(number, int):
        _refuse(_PARSE_ERRORS.get(
                number, 'scheduled_activity.msg_phone_characters'),
            value, characters=text)
    if not phonenumbers.is_valid_number(number):
        reason = phonenumbers.is_possible_number_with_reason(number)
        _refuse(_REASONS.get(reason, 'scheduled_activity.msg_phone_unknown'),
            value)
    if extension is not None:
        if (len(extension) > MAX_EXTENSION
                or phonenumbers.number_type(number)
                == PhoneNumberType.MOBILE):
            _refuse('scheduled_activity.msg_phone_extension', value,
                extension=extension)
        number.extension = extension
    else:
        number.extension = None
    return number


def check_phone(value, region=DEFAULT_REGION):
    "Raise PhoneNumberError unless the value is empty or a valid number"
    normalize_phone(value, region=region)


def normalize_phone(value, region=DEFAULT_REGION):
    """Return the stored form of the phone number: E.164 and ';ext=' with
    the extension (``+862164321000;ext=8021``), None when empty

    Raise PhoneNumberError when the value is not a valid number."""
    if value is not None and not isinstance(value, str):
        value = str(value)
    stored, refusal = _normalize(value, region)
    if refusal:
        message, values = refusal
        raise PhoneNumberError(gettext(message, **values))
    return stored


@functools.lru_cache(maxsize=1024)
def _normalize(value, region):
    "The stored form and None, or None and the refusal"
    # Cached: a check and the normalisation of the same value parse once
    try:
        return _stored(_read(value, region)), None
    except _Refused as refusal:
        return None, refusal.args


def _stored(number):
    if number is None:
        return None
    result = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if number.extension:
        result += ';ext=' + number.extension
    return result


def format_phone(value, region=DEFAULT_REGION):
    """Return the phone number to show: the national format for the numbers
    of the region (``021 6432 1000 转 8021``), the international format for
    the others (``+852 2123 4567``)

    A value that is not a valid number is returned as it is."""
    if not value or not value.strip():
        return ''
    try:
        number = _read(value, region)
    except _Refused:
        return value
    extension, number.extension = number.extension, None
    if phonenumbers.region_code_for_number(number) == region:
        text = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    else:
        text = phonenumbers.format_number(
            number, PhoneNumberFormat.INTERNATIONAL)
    if extension:
        text = gettext('scheduled_activity.msg_phone_extension_display',
            number=text, extension=extension)
    return text


def same_phone(value, other, region=DEFAULT_REGION):
    """Tell if both values are the same number; an extension given on both
    sides must be the same

    The value may also be written as a local number of the other's country,
    as its owner writes it at home (9123 4567 for +852 9123 4567)."""
    try:
        other = _read(other, region)
    except _Refused:
        return False
    if other is None:
        return False
    regions = dict.fromkeys(
        [region, phonenumbers.region_code_for_number(other)])
    return any(_same_number(value, other, r) for r in regions if r)


def _same_number(value, other, region):
    try:
        number = _read(value, region)
    except _Refused:
        return False
    return (number is not None
        and (number.country_code, number.national_number)
        == (other.country_code, other.national_number)
        and (not number.extension or not other.extension
            or number.extension == other.extension))


def _try_normalize(value):
    return _normalize(value, DEFAULT_REGION)[0]


def phone_domain(name, operator, value):
    """Return the domain that finds the phone numbers of the field name
    however the searched value is written

    A valid number finds its stored form, with any extension when the
    searched number has none; partial digits find the numbers that
    contain them. The clause as given is kept for the values stored
    before the numbers were normalised."""
    clause = (name, operator, value)
    negative = operator.startswith('not ') or operator == '!='
    if operator in {'in', 'not in'}:
        if not isinstance(value, (list, tuple)):
            return [clause]
        normalized = [n for n in map(_try_normalize,
                (v for v in value if isinstance(v, str))) if n]
        return [(name, operator, list(value) + normalized)]
    if (operator not in {'=', '!=', 'like', 'ilike', 'not like',
                'not ilike'}
            or not isinstance(value, str) or not value.strip()):
        return [clause]
    text = value
    if operator.endswith('like'):
        text = unescape_wildcard(value.strip('%'))
    clauses = [clause]
    normalized = _try_normalize(text)
    if normalized:
        clauses.append((name, '!=' if negative else '=', normalized))
        if ';ext=' not in normalized:
            clauses.append((name, 'not like' if negative else 'like',
                    escape_wildcard(normalized) + ';ext=%'))
    elif operator.endswith('like') and _NUMBER.match(_clean(text)):
        # Partial digits, also without the trunk prefix 0 or the
        # international prefix 00 that the stored form does not have
        digits = re.sub(r'[^0-9]', '', _clean(text))
        variants = {digits}
        if digits.startswith('00'):
            variants.add(digits[2:])
        elif digits.startswith('0'):
            variants.add(digits[1:])
        for variant in sorted(v for v in variants if v):
            clauses.append((name, 'not like' if negative else 'like',
                    '%' + variant + '%'))
    if len(clauses) == 1:
        return [clause]
    return ['AND' if negative else 'OR'] + clauses


class Phone(fields.Char):
    """A phone number field, searched with phone_domain()

    The model stores what normalize_phone() returns (see the modules'
    preprocess_values) and shows format_phone()."""

    def convert_domain(self, domain, tables, Model):
        name, operator, value = domain
        new = phone_domain(name, operator, value)
        if len(new) == 1:
            return super().convert_domain(new[0], tables, Model)
        bool_op, *clauses = new
        expression = None
        for clause in clauses:
            sql = super().convert_domain(clause, tables, Model)
            if expression is None:
                expression = sql
            elif bool_op == 'AND':
                expression &= sql
            else:
                expression |= sql
        return expression
