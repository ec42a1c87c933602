# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""What every public page shares: language, rendering, anti-forgery tokens,
text and file input, and pages that leave no trace of their visitors"""
import base64
import hashlib
import hmac
import logging
import mimetypes
import os
import pathlib
import re
import secrets
from collections import namedtuple
from functools import wraps

import puremagic
from genshi.core import Markup
from genshi.template import TemplateLoader
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from trytond.i18n import gettext
from trytond.modules.scheduled_activity import clock
from trytond.pool import Pool
from trytond.protocols.wrappers import (
    Response, set_max_request_size, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .exceptions import PublicPageError
from .metadata import strip_metadata

LANGUAGES = ['zh_CN', 'en']
# Each language named in itself for the switch
LANGUAGE_NAMES = {'zh_CN': '中文', 'en': 'English'}
TOKEN_COOKIE = 'public_page_token'
TOKEN_LIFETIME = 4 * 60 * 60
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_SIZE = 5 * 1024 * 1024
# Room for the attachments and the text fields of one form
MAX_REQUEST_SIZE = MAX_ATTACHMENTS * MAX_ATTACHMENT_SIZE + 1024 * 1024
# What a visitor's text loses: the control characters but line feeds and
# tabs, and the bidirectional embeddings, overrides and isolates, which
# would show a name or a text in the back office and in mails in another
# order than it is stored (U+202E turns "gpj.exe" into "exe.jpg")
HIDDEN_CHARACTERS = re.compile(
    '[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]')
# The accepted types with their usual file extension
ATTACHMENT_TYPES = {
    'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif',
    'image/webp': 'webp', 'application/pdf': 'pdf',
    }
# The script that solves the proof of work (see challenge.py): the only one
# the pages may run, named by its digest in the security policy. Without
# blank lines and trailing blanks, which Genshi's output would remove.
CHALLENGE_SCRIPT = ''.join(
    line.rstrip() + '\n' for line in pathlib.Path(__file__).with_name(
        'templates').joinpath('challenge.js').read_text(
        encoding='utf-8').splitlines() if line.strip())
CHALLENGE_SCRIPT_HASH = base64.b64encode(
    hashlib.sha256(CHALLENGE_SCRIPT.encode()).digest()).decode()
SECURITY_HEADERS = {
    'Cache-Control': 'no-store',
    # Not no-referrer: the browser would then post the forms with a null
    # Origin, which trytond refuses
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{CHALLENGE_SCRIPT_HASH}'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    }
# The environment entries that could tell who a visitor is
IDENTIFYING_ENVIRON = {
    'REMOTE_ADDR', 'REMOTE_HOST', 'REMOTE_PORT', 'HTTP_USER_AGENT',
    'HTTP_X_FORWARDED_FOR', 'HTTP_X_REAL_IP', 'HTTP_FORWARDED',
    'HTTP_REFERER', 'HTTP_FROM', 'HTTP_VIA', 'HTTP_CLIENT_IP',
    }
Upload = namedtuple('Upload', ['name', 'mimetype', 'data'])
_private_paths = []
_loaders = {}


def language(request, form=True):
    """Return the language asked by the link or the form, else by the
    browser"""
    asked = request.args.get('lang') or (form and request.form.get('lang'))
    if asked in LANGUAGES:
        return asked
    best = request.accept_languages.best_match(
        ['zh-CN', 'zh', 'en'], default='zh-CN')
    return 'en' if best == 'en' else 'zh_CN'


def _template_dirs(module):
    from trytond.modules import get_module_info
    return tuple(
        os.path.join(get_module_info(m)['directory'], 'templates')
        for m in [module, 'public_page'])


def render(module, template, status=200, **values):
    "Return the response of the module's template filled with the values"
    dirs = _template_dirs(module)
    loader = _loaders.get(dirs)
    if loader is None:
        loader = _loaders[dirs] = TemplateLoader(list(dirs), auto_reload=False)
    language = Transaction().language
    values.setdefault('error', None)
    values.setdefault('switch_query', '')
    # A form with a proof of work holds the challenge (see challenge.py)
    values.setdefault('challenge', None)
    stream = loader.load(template).generate(
        _=gettext, language=language, languages=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        challenge_script=Markup(CHALLENGE_SCRIPT), **values)
    response = Response(
        stream.render('html', doctype='html5', encoding='utf-8'),
        status=status, content_type='text/html; charset=utf-8')
    response.headers['Content-Language'] = language.replace('_', '-')
    return response


def _secret():
    pool = Pool()
    Configuration = pool.get('public_page.configuration')
    return Configuration.get_request_values()['secret'].encode()


def _signature(form, issued, nonce):
    return hmac.new(
        _secret(), f'{form}|{issued}|{nonce}'.encode(),
        hashlib.sha256).hexdigest()


def new_token(form):
    "Return a new anti-forgery token for the form"
    issued, nonce = int(clock.timestamp()), secrets.token_hex(16)
    return f'{issued}.{nonce}.{_signature(form, issued, nonce)}'


def set_token_cookie(response, request, token):
    response.set_cookie(
        TOKEN_COOKIE, token, max_age=TOKEN_LIFETIME, httponly=True,
        secure=request.is_secure, samesite='Strict',
        path=request.script_root + '/')


def check_token(request, form):
    "Raise unless the posted token is the cookie's, ours and still valid"
    posted = request.form.get('csrf_token', '')
    cookie = request.cookies.get(TOKEN_COOKIE, '')
    try:
        issued, nonce, signature = posted.split('.')
        issued = int(issued)
    except ValueError:
        issued, nonce, signature = 0, '', ''
    valid = (
        hmac.compare_digest(posted.encode(), cookie.encode())
        and hmac.compare_digest(
            signature.encode(), _signature(form, issued, nonce).encode())
        and 0 <= clock.timestamp() - issued <= TOKEN_LIFETIME)
    if not valid:
        raise PublicPageError(gettext('public_page.msg_form_expired'))


def text(request, name, label, required=False, max_length=200,
        multiline=False):
    """Return the stripped text of the field, checked against the limits

    A one-line field has its blanks, line breaks and tabs made single
    spaces, as its input shows them; control and bidirectional formatting
    characters are dropped (HIDDEN_CHARACTERS)."""
    value = HIDDEN_CHARACTERS.sub('', request.form.get(name, ''))
    value = value.strip() if multiline else ' '.join(value.split())
    if required and not value:
        raise PublicPageError(gettext(
                'public_page.msg_field_required', field=label))
    if len(value) > max_length:
        raise PublicPageError(gettext(
                'public_page.msg_field_too_long', field=label,
                length=max_length))
    return value or None


def attachments(request, name='attachments'):
    "Return the uploaded files as Uploads, checked against the limits"
    files = [f for f in request.files.getlist(name) if f.filename]
    if len(files) > MAX_ATTACHMENTS:
        raise PublicPageError(gettext(
                'public_page.msg_attachment_count', count=MAX_ATTACHMENTS))
    result = []
    for file in files:
        # Only what can be shown: no control characters, path or blanks
        filename = ''.join(
            c for c in os.path.basename(file.filename.replace('\\', '/'))
            if c.isprintable()).strip()[:100]
        # From the start: a transaction that restarts reads the files again
        file.seek(0)
        data = file.read(MAX_ATTACHMENT_SIZE + 1)
        if len(data) > MAX_ATTACHMENT_SIZE:
            raise PublicPageError(gettext(
                    'public_page.msg_attachment_size', name=filename,
                    size=MAX_ATTACHMENT_SIZE // (1024 * 1024)))
        mimetype = attachment_type(filename, data)
        result.append(Upload(
                named_as(filename or 'attachment', mimetype), mimetype,
                strip_metadata(mimetype, data)))
    return result


def named_as(filename, mimetype):
    """The file name ending with an extension of the content's type: a
    picture named page.html would open as a page on the desk that saves
    it"""
    extension = os.path.splitext(filename)[1].lower()
    if extension not in mimetypes.guess_all_extensions(mimetype):
        filename += '.' + ATTACHMENT_TYPES[mimetype]
    return filename


def attachment_type(filename, data):
    """Return the MIME type of the content, whatever its name says, or raise
    if it is not accepted"""
    try:
        mimetype = puremagic.from_string(data, mime=True)
    except (puremagic.PureError, ValueError):
        mimetype = None
    if mimetype not in ATTACHMENT_TYPES:
        raise PublicPageError(gettext(
                'public_page.msg_attachment_type', name=filename))
    return mimetype


def public_route(path, model, private=False, methods=('GET', 'POST')):
    """Route a public page of the database

    The page is served only where the model is activated, in the visitor's
    language, as the root user, with the security headers.
    A private page leaves no trace of its visitors: see private_path."""
    if private:
        # Everything under the page's first path segment is private, also
        # a mistyped address: found in a path as in a log line
        _private_paths.append(re.compile(
                r'/+' + re.escape(path.strip('/').split('/')[0])
                + r'(?=[/?#\s\'"]|$)'))

    def decorator(func):
        @wraps(func)
        def page(request, pool, *args, **kwargs):
            try:
                pool.get(model)
            except KeyError:
                raise NotFound()
            transaction = Transaction()
            try:
                request.form
            except RequestEntityTooLarge:
                with transaction.set_context(
                        language=language(request, form=False)):
                    response = Response(
                        gettext('public_page.msg_request_too_large'),
                        status=413, content_type='text/plain; charset=utf-8')
            else:
                with transaction.set_context(language=language(request)):
                    response = func(request, pool, *args, **kwargs)
            response.headers.update(SECURITY_HEADERS)
            return response
        app.route('/<database_name>' + path, methods=list(methods))(
            set_max_request_size(MAX_REQUEST_SIZE)(
                with_pool(with_transaction()(page))))
        return func
    return decorator


def private_path(path):
    "Tell if the path is of a page that must leave no trace of its visitor"
    return any(p.search(path or '') for p in _private_paths)


def _forget_visitor(wsgi_app):
    "Remove from the request of a private page what could identify a visitor"
    @wraps(wsgi_app)
    def wrapper(environ, start_response):
        if private_path(environ.get('PATH_INFO')):
            for key in IDENTIFYING_ENVIRON & environ.keys():
                del environ[key]
            # The development server reads it to log the request
            environ['REMOTE_ADDR'] = ''
        return wsgi_app(environ, start_response)
    return wrapper


class PrivatePathFilter(logging.Filter):
    "Drop the log records about the requests of private pages"

    def filter(self, record):
        return not private_path(record.getMessage())


app.wsgi_app = _forget_visitor(app.wsgi_app)


# trytond answers the CORS preflight of any path (rule '/<path:path>' for
# OPTIONS only), so a GET of a file missing from the web client's root ([web]
# root) matched that rule and got "405 Method Not Allowed" instead of 404
@app.route('/<path:path>', methods=['GET', 'HEAD'])
def not_found(request, path):
    raise NotFound()


for logger_name in ['trytond.wsgi', 'werkzeug', 'gunicorn.access']:
    logging.getLogger(logger_name).addFilter(PrivatePathFilter())
