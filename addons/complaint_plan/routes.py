# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"The public complaint pages: the form and the status look-up"
import re
import uuid
from urllib.parse import quote

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.modules.public_page import page
from trytond.modules.public_page.exceptions import (
    PublicPageError, RateLimitError)
from trytond.transaction import Transaction

FORM = 'complaint'
STATUS_FORM = 'complaint_status'


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
        'complaint_plan', 'complaint_form.html', status=status,
        title=gettext('complaint_plan.msg_page_complaint_title'),
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
        return gettext(f'complaint_plan.msg_page_field_{name}')
    name = page.text(request, 'name', label('name'), required=True)
    phone = page.text(request, 'phone', label('phone'), max_length=30)
    email = page.text(request, 'email', label('email'), max_length=100)
    if not phone and not email:
        raise PublicPageError(gettext(
                'complaint_plan.msg_page_contact_required'))
    description = page.text(
        request, 'description', label('description'), required=True,
        max_length=5000, multiline=True)
    remedy = page.text(
        request, 'remedy', label('remedy'), max_length=2000, multiline=True)
    values = {
        'complainant_name': name,
        'complainant_phone': phone,
        'complainant_email': email,
        'description': description,
        'requested_remedy': remedy,
        }
    point = _intake_point(pool, request.form.get('point'))
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
        if not re.fullmatch(r'[0-9]{1,9}', category) or not Category.search(
                [('id', '=', int(category))]):
            raise PublicPageError(gettext(
                    'complaint_plan.msg_page_category_unknown'))
        values['category'] = int(category)
    values['company'] = company.id
    return values


@page.public_route('/complaint_plan/complaint', 'complaint.complaint')
def complaint_form(request, pool):
    Complaint = pool.get('complaint.complaint')
    Attempt = pool.get('public_page.attempt')
    transaction = Transaction()
    if request.method == 'GET':
        values = {
            'point': request.args.get('point', ''),
            'submission': uuid.uuid4().hex,
            }
        error = None
        if values['point'] and not _intake_point(pool, values['point']):
            error = gettext('complaint_plan.msg_page_point_unknown')
        return _form_page(request, pool, values, error=error)
    values = request.form.to_dict()
    try:
        page.check_token(request, FORM)
        complaint = Complaint.from_intake_key(values.get('submission'))
        if not complaint:
            Attempt.check('submission', request.remote_addr)
            complaint_values = _submitted_values(request, pool)
            attachments = page.attachments(request)
            with transaction.set_context(
                    company=complaint_values['company']):
                complaint = Complaint.submit_public(
                    values.get('submission'), complaint_values, attachments)
            Attempt.add('submission', request.remote_addr)
    except UserError as exception:
        transaction.rollback()
        return _form_page(
            request, pool, values, status=_status(exception),
            error=exception.message)
    return page.render(
        'complaint_plan', 'complaint_submitted.html',
        title=gettext('complaint_plan.msg_page_complaint_title'),
        complaint=complaint)


@page.public_route('/complaint_plan/complaint/status', 'complaint.complaint')
def complaint_status(request, pool):
    Complaint = pool.get('complaint.complaint')
    Attempt = pool.get('public_page.attempt')
    transaction = Transaction()
    values = request.form.to_dict() if request.method == 'POST' else {
        'number': request.args.get('number', '')}
    complaint, error, status = None, None, 200
    if request.method == 'POST':
        try:
            page.check_token(request, STATUS_FORM)
            Attempt.check('lookup', request.remote_addr)
            complaint = Complaint.from_public_reference(
                (values.get('number') or '').strip()[:30],
                (values.get('contact') or '').strip()[:100])
            if not complaint:
                Attempt.add('lookup', request.remote_addr)
                error = gettext('complaint_plan.msg_page_status_not_found')
                status = 404
        except UserError as exception:
            transaction.rollback()
            error, status = exception.message, _status(exception)
    token = page.new_token(STATUS_FORM)
    response = page.render(
        'complaint_plan', 'complaint_status.html', status=status,
        title=gettext('complaint_plan.msg_page_status_title'),
        error=error, values=values, complaint=complaint, csrf_token=token)
    page.set_token_cookie(response, request, token)
    return response


def _status(exception):
    return 429 if isinstance(exception, RateLimitError) else 400
