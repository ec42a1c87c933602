# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The public complaint pages: the form and the status look-up"
import html
import logging
import random
import re
import threading
import time
import uuid
from functools import wraps
from urllib.parse import quote

from werkzeug.exceptions import InternalServerError, ServiceUnavailable

from trytond import backend
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.modules.public_page import page
from trytond.modules.public_page.exceptions import (
    PublicPageError, RateLimitError)
from trytond.modules.scheduled_activity.timezone import (
    format_company_datetime)
from trytond.protocols.wrappers import Response
from trytond.transaction import Transaction
from trytond.wsgi import app

FORM = 'complaint'
STATUS_FORM = 'complaint_status'
# The pages keep the addresses they had when they were part of
# complaint_plan: the printed QR codes and the mails sent link to them
FORM_PATH = re.compile(r'^/([^/]+)/complaint_plan/complaint$')
# A burst of complaints can make their transactions wait on each other
# (without a queue worker, the incident of an emergency plan that each one
# joins, the plan's lock): the database refuses some after trytond's quick
# retries. A web process then writes its complaints in single file for a
# while, so that they stop refusing each other; a post waits for its turn
# at most LANE_WAIT seconds and is tried again for at most
# BUSY_RETRY_SECONDS, then is told "busy, retry" (503): under overload the
# answers come in seconds instead of queueing until the visitor's browser
# gives up.
SINGLE_FILE_SECONDS = 10
LANE_WAIT = 5
BUSY_RETRY_SECONDS = 10
# When to send the form again after a "busy" answer, and after reaching the
# hourly limit of an address
BUSY_RETRY_AFTER = 30
RATE_LIMIT_RETRY_AFTER = 3600
logger = logging.getLogger(__name__)
_lane = threading.Lock()
# Until when the process writes its complaints in single file
_single_file_until = [0.0]


def _intake_point(pool, token):
    IntakePoint = pool.get('complaint.intake.point')
    return IntakePoint.from_token(token) if token else None


def _categories(pool):
    Category = pool.get('complaint.category')
    return Category.search([])


def _form_page(request, pool, values, status=200, error=None):
    point = _intake_point(pool, values.get('point'))
    token = page.new_token(FORM)
    response = page.render(
        'complaint_intake', 'complaint_form.html', status=status,
        title=gettext('complaint_intake.msg_page_complaint_title'),
        error=error, values=values, point=point,
        categories=_categories(pool), csrf_token=token,
        switch_query=('&point=' + quote(point.token)) if point else '')
    page.set_token_cookie(response, request, token)
    return response


def _submitted_values(request, pool):
    "Return the complaint's values from the form, checked"
    Category = pool.get('complaint.category')
    Company = pool.get('company.company')

    def label(name):
        return gettext(f'complaint_intake.msg_page_field_{name}')
    name = page.text(request, 'name', label('name'), required=True)
    phone = page.text(request, 'phone', label('phone'), max_length=30)
    email = page.text(request, 'email', label('email'), max_length=100)
    if not phone and not email:
        raise PublicPageError(gettext(
                'complaint_intake.msg_page_contact_required'))
    description = page.text(
        request, 'description', label('description'), required=True,
        max_length=5000, multiline=True)
    remedy = page.text(
        request, 'remedy', label('remedy'), max_length=2000, multiline=True)
    values = {
        'complainant_name': name,
        'complainant_phone': phone,
        'complainant_email': email,
        'complainant_language': Transaction().language,
        'description': description,
        'requested_remedy': remedy,
        }
    point = _intake_point(pool, request.form.get('point'))
    if request.form.get('point') and not point:
        # Not another store's complaint sent to the first company
        raise PublicPageError(gettext(
                'complaint_intake.msg_page_point_unknown'))
    if point:
        values['respondent'] = (
            str(point.respondent) if point.respondent else None)
        values['respondent_name'] = point.name
        values['category'] = point.category.id if point.category else None
        values['intake_point'] = point.id
        company = point.company
    else:
        values['respondent_name'] = page.text(
            request, 'respondent', label('respondent'))
        # Without a QR code, the complaint goes to the first company
        company, = Company.search([], order=[('id', 'ASC')], limit=1)
    category = request.form.get('category', '')
    if category:
        # An id of the list: ASCII digits that fit the column
        if not re.fullmatch(r'[0-9]{1,9}', category) or not (
                Category.search_count([('id', '=', int(category))])):
            raise PublicPageError(gettext(
                    'complaint_intake.msg_page_category_unknown'))
        values['category'] = int(category)
    values['company'] = company.id
    return values


@page.public_route('/complaint_plan/complaint', 'complaint.intake.point')
def complaint_form(request, pool):
    Submission = pool.get('complaint.intake.submission')
    Attempt = pool.get('public_page.attempt')
    transaction = Transaction()
    if request.method == 'GET':
        values = {
            'point': request.args.get('point', ''),
            'submission': uuid.uuid4().hex,
            }
        error = None
        if values['point'] and not _intake_point(pool, values['point']):
            error = gettext('complaint_intake.msg_page_point_unknown')
        _remember_busy_texts(pool.database_name)
        return _form_page(request, pool, values, error=error)
    values = request.form.to_dict()
    try:
        page.check_token(request, FORM)
        complaint = Submission.from_intake_key(values.get('submission'))
        if not complaint:
            Attempt.check('submission', request.remote_addr)
            complaint_values = _submitted_values(request, pool)
            attachments = page.attachments(request)
            with transaction.set_context(
                    company=complaint_values['company']):
                complaint = Submission.submit(
                    values.get('submission'), complaint_values, attachments)
            Attempt.add('submission', request.remote_addr)
    except UserError as exception:
        transaction.rollback()
        response = _form_page(
            request, pool, values, status=_status(exception),
            error=exception.message)
        if isinstance(exception, RateLimitError):
            response.headers['Retry-After'] = str(RATE_LIMIT_RETRY_AFTER)
        return response
    return page.render(
        'complaint_intake', 'complaint_submitted.html',
        title=gettext('complaint_intake.msg_page_complaint_title'),
        complaint=complaint)


@page.public_route(
    '/complaint_plan/complaint/status', 'complaint.intake.point')
def complaint_status(request, pool):
    Submission = pool.get('complaint.intake.submission')
    Attempt = pool.get('public_page.attempt')
    transaction = Transaction()
    values = request.form.to_dict() if request.method == 'POST' else {
        'number': request.args.get('number', '')}
    complaint, error, status = None, None, 200
    if request.method == 'POST':
        try:
            page.check_token(request, STATUS_FORM)
            Attempt.check('lookup', request.remote_addr)
            complaint = Submission.from_public_reference(
                (values.get('number') or '').strip()[:30],
                (values.get('contact') or '').strip()[:100])
            if not complaint:
                Attempt.add('lookup', request.remote_addr)
                error = gettext('complaint_intake.msg_page_status_not_found')
                status = 404
        except UserError as exception:
            transaction.rollback()
            error, status = exception.message, _status(exception)
    token = page.new_token(STATUS_FORM)
    response = page.render(
        'complaint_intake', 'complaint_status.html', status=status,
        title=gettext('complaint_intake.msg_page_status_title'),
        error=error, values=values, complaint=complaint, csrf_token=token,
        format_company_datetime=format_company_datetime)
    page.set_token_cookie(response, request, token)
    return response


def _status(exception):
    return 429 if isinstance(exception, RateLimitError) else 400


# Busy: the answer when the database cannot take the form now

BUSY_MESSAGES = [
    'msg_page_busy_title', 'msg_page_busy', 'msg_page_busy_send_again',
    'msg_page_busy_files']
# The messages of each database and language, read while the database
# answers, for when it does not
_busy_texts = {}
# As message.xml says them, for a process that never read them
_BUSY_DEFAULTS = {
    'en': ["Busy",
        "Too many complaints are being sent at this moment: yours has not "
        "been registered yet. Please send it again in a minute; it will not "
        "be registered twice.",
        "Send Again", "Attach your files again before sending."],
    'zh_CN': ["系统繁忙",
        "此刻提交投诉的人太多，您的投诉尚未登记。请一分钟后再次提交，不会重复登记。",
        "再次提交", "提交前请重新添加附件。"],
    }


def _remember_busy_texts(database_name):
    key = (database_name, Transaction().language)
    if key not in _busy_texts:
        _busy_texts[key] = [
            gettext(f'complaint_intake.{m}') for m in BUSY_MESSAGES]


def _busy_page(request, database_name):
    """The page saying "busy, retry" (503, Retry-After) in the visitor's
    language, with the form's fields to send them again as they were"""
    language = page.language(request)
    title, message, again, files = _busy_texts.get(
        (database_name, language), _BUSY_DEFAULTS[language])
    escape = html.escape
    hidden = ''.join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in request.form.items(multi=True))
    attached = any(f.filename for f in request.files.getlist('attachments'))
    body = (
        f'<!DOCTYPE html><html lang="{language.replace("_", "-")}">'
        f'<head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f'<body><h1>{escape(title)}</h1>'
        f'<p id="busy" role="alert">{escape(message)}</p>'
        '<form method="post" enctype="multipart/form-data">' + hidden
        + (f'<p>{escape(files)}</p>'
            '<input type="file" name="attachments" multiple>'
            if attached else '')
        + f'<button type="submit">{escape(again)}</button></form>'
        '</body></html>')
    response = Response(body, status=503,
        content_type='text/html; charset=utf-8')
    response.headers.update(page.SECURITY_HEADERS)
    response.headers['Retry-After'] = str(BUSY_RETRY_AFTER)
    response.headers['Content-Language'] = language.replace('_', '-')
    return response


def _database_busy(answer):
    """Whether the answer of the route is the database refusing the
    transaction now: trytond answers it with a 503, or with a 500 in routes
    that are not RPC (with_pool)"""
    if isinstance(answer, ServiceUnavailable):
        return True
    return isinstance(answer, InternalServerError) and any(
        isinstance(e, backend.DatabaseOperationalError)
        for e in [answer.description, answer.__context__])


def _retry_when_busy(dispatch_request):
    """Dispatch the complaint form; while the database refuses it for a
    moment, in single file and again after random pauses; then answer busy
    instead of an error"""
    @wraps(dispatch_request)
    def wrapper(request):
        match = FORM_PATH.match(request.path)
        if not match or request.method != 'POST':
            return dispatch_request(request)
        if time.monotonic() >= _single_file_until[0]:
            answer = dispatch_request(request)
            if not _database_busy(answer):
                return answer
            _refused(answer)
        return _in_single_file(dispatch_request, request, match.group(1))
    wrapper.retries_when_busy = True
    return wrapper


def _refused(answer):
    logger.info("complaint form refused by the database: %s",
        answer.description)
    _single_file_until[0] = time.monotonic() + SINGLE_FILE_SECONDS


def _in_single_file(dispatch_request, request, database_name):
    if not _lane.acquire(timeout=LANE_WAIT):
        return _busy_page(request, database_name)
    try:
        deadline = time.monotonic() + BUSY_RETRY_SECONDS
        pause = 0.05
        while True:
            answer = dispatch_request(request)
            if not _database_busy(answer):
                return answer
            _refused(answer)
            # Spread: the other process retries too
            pause = random.uniform(pause, pause * 3)
            if time.monotonic() + pause > deadline:
                return _busy_page(request, database_name)
            time.sleep(pause)
            pause = min(pause, 1)
    finally:
        _lane.release()


if not getattr(app.dispatch_request, 'retries_when_busy', False):
    app.dispatch_request = _retry_when_busy(app.dispatch_request)
