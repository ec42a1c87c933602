# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Keep what reporters and case officers write out of trytond's log

trytond's dispatcher (logger ``trytond.protocols.dispatcher``) logs each RPC
call at INFO level as ``<model>.<method>(<arguments>) from <login>@<address>
<path> in <n> ms``, the arguments shortened to their first 17 characters:
enough for a message that starts with the reporter's name, a search for
the reporter's phone, or the reason of a reveal to land in the server log.
At DEBUG level it writes the arguments whole and then the result of the
call (``Result: …``), and logs the traceback of a refused call.

The filter below, installed on that logger when the module is imported,
replaces with ``(…)`` the arguments of every call on a whistleblower model,
wizard or report, of every call whose arguments name one (a domain on
``whistleblower.report``, an attachment's resource, a wizard's context),
and of every call on attachments and notes, which may belong to a report.
It drops the DEBUG result of those calls and keeps of their tracebacks the
frames and the type of the error, not its message (which may quote a value).
What stays is the model, the method, the login of the user, the address and
the duration.

DEBUG level still shows what no filter here can hide: trytond's backend
logs every SQL query with its values (the report's text, the encrypted
identity), the bus logs the notifications it sends. DEBUG must stay off in
production (see production/processes.py).
"""
import logging
import threading
import traceback
from collections.abc import Mapping

LOGGER = 'trytond.protocols.dispatcher'
CALL_MESSAGE = '%s.%s%s from %s@%s%s in %i ms'
RESULT_MESSAGE = 'Result: %r'
PREFIX = 'whistleblower.'
# The models that hold text attached to any record, a report's too
ATTACHED_MODELS = {'ir.attachment', 'ir.note'}
REDACTED = '(…)'
# How deep and how many values of the arguments are looked through
MAX_DEPTH = 6
MAX_VALUES = 2000


def _names_whistleblower(value, depth=0, budget=None):
    "Tell if a string within the value names a whistleblower model"
    if budget is None:
        budget = [MAX_VALUES]
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        # Too large to look through: taken as confidential
        return True
    if isinstance(value, str):
        return PREFIX in value
    if isinstance(value, Mapping):
        return any(
            _names_whistleblower(k, depth + 1, budget)
            or _names_whistleblower(v, depth + 1, budget)
            for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_names_whistleblower(v, depth + 1, budget) for v in value)
    return False


def confidential(name, arguments):
    """Tell if the call of the model (wizard, report) with the arguments
    (trytond's format_args) may carry whistleblower text"""
    if not isinstance(name, str):
        return True
    if name.startswith(PREFIX) or name in ATTACHED_MODELS:
        return True
    args = getattr(arguments, 'args', ())
    kwargs = getattr(arguments, 'kwargs', {})
    return _names_whistleblower([list(args), dict(kwargs or {})])


def _error_without_message(exc_info):
    "The traceback's frames and the error's type, without its message"
    exc_type, _, tb = exc_info
    frames = ''.join(traceback.format_tb(tb))
    return ('Traceback (most recent call last):\n' + frames
        + getattr(exc_type, '__qualname__', 'Exception') + ': ' + REDACTED)


class WhistleblowerCallFilter(logging.Filter):
    "Strip the whistleblower's data from the dispatcher's records"

    def __init__(self):
        super().__init__()
        # The last call of each thread, whose result comes next
        self._local = threading.local()

    def filter(self, record):
        if (record.msg == CALL_MESSAGE and isinstance(record.args, tuple)
                and len(record.args) >= 3):
            name, method, arguments = record.args[:3]
            secret = confidential(name, arguments)
            self._local.confidential = secret
            if secret:
                record.args = (name, method, REDACTED) + record.args[3:]
                if record.exc_info:
                    record.exc_text = _error_without_message(
                        record.exc_info)
                    record.exc_info = None
            return True
        if record.msg == RESULT_MESSAGE:
            secret = getattr(self._local, 'confidential', True)
            self._local.confidential = False
            return not secret
        return True


_filter = WhistleblowerCallFilter()


def install():
    "Add the filter to the dispatcher's logger, once"
    logger = logging.getLogger(LOGGER)
    if _filter not in logger.filters:
        logger.addFilter(_filter)
