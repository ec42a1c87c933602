# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Encryption of the reporter's identity and keyed digests.

The Fernet keys come from the server configuration, option ``key`` of the
section ``[whistleblower]`` (environment variable
``TRYTOND_WHISTLEBLOWER__KEY``): a comma-separated list, the first key
encrypts, all of them decrypt so that a key can be rotated.
"""
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from trytond import config
from trytond.i18n import gettext

from .exceptions import EncryptionKeyError


def keys():
    "Return the configured Fernet keys, the current one first"
    value = config.get('whistleblower', 'key', default='') or ''
    result = [k.strip() for k in value.split(',') if k.strip()]
    if not result:
        raise EncryptionKeyError(gettext('whistleblower.msg_key_missing'))
    return result


def fernet():
    try:
        return MultiFernet([Fernet(k) for k in keys()])
    except ValueError:
        raise EncryptionKeyError(gettext('whistleblower.msg_key_invalid'))


def encrypt(text):
    "Return the token of text or None"
    if text is None or text == '':
        return None
    return fernet().encrypt(text.encode('utf-8')).decode('ascii')


def decrypt(token):
    "Return the text of token or None"
    if not token:
        return None
    try:
        return fernet().decrypt(token.encode('ascii')).decode('utf-8')
    except InvalidToken:
        raise EncryptionKeyError(gettext(
                'whistleblower.msg_key_cannot_decrypt'))


def rotate(token):
    "Return token encrypted again with the current key"
    if not token:
        return token
    try:
        return fernet().rotate(token.encode('ascii')).decode('ascii')
    except InvalidToken:
        raise EncryptionKeyError(gettext(
                'whistleblower.msg_key_cannot_decrypt'))


def digest(secret, purpose, value):
    "Return the keyed HMAC-SHA256 of value for purpose as hexadecimal"
    message = f'{purpose}:{value}'.encode('utf-8')
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def same_digest(a, b):
    return hmac.compare_digest((a or '').encode(), (b or '').encode())
