# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The public whistleblower pages: the report form and the follow-up

They are private pages: nothing that could identify the visitor reaches
them, the database or the logs (see public_page.page). As they cannot count
their visitors one by one, every form they take asks the visitor's browser
for a proof of work (see public_page.challenge) instead of closing the page
to everybody after a number of attempts."""
import uuid

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.modules.public_page import challenge as proof_of_work
from trytond.modules.public_page import page
from trytond.modules.public_page.exceptions import (
    PublicPageError, RateLimitError)
from trytond.transaction import Transaction

from .public_report import SUBMISSION_KEY

REPORT_FORM = 'whistleblower_report'
FOLLOW_UP_FORM = 'whistleblower_follow_up'
# The kinds of challenge: a report, a receipt code entered (to read or to
# reply)
REPORT_KIND = 'anonymous_submission'
LOOKUP_KIND = 'anonymous_lookup'


def _status(exception):
    return 429 if isinstance(exception, RateLimitError) else 400


def _with_token(response, request, token):
    page.set_token_cookie(response, request, token)
    return response


def _report_form(request, pool, values, status=200, error=None):
    Report = pool.get('whistleblower.report')
    token = page.new_token(REPORT_FORM)
    return _with_token(page.render(
            'whistleblower', 'report_form.html', status=status,
            title=gettext('whistleblower.msg_page_report_title'),
            error=error, values=values, csrf_token=token,
            challenge=proof_of_work.new_challenge(REPORT_KIND),
            categories=Report.fields_get(
                ['category'])['category']['selection']), request, token)


def _submitted_values(request, pool):
    Report = pool.get('whistleblower.report')
    Configuration = pool.get('whistleblower.configuration')

    def label(name):
        return gettext(f'whistleblower.msg_page_field_{name}')
    officer = Configuration(1).web_case_officer
    if not officer:
        raise PublicPageError(gettext(
                'whistleblower.msg_page_channel_closed'))
    categories = dict(Report.fields_get(['category'])['category']['selection'])
    category = request.form.get('category', '')
    if category not in categories:
        raise PublicPageError(gettext(
                'whistleblower.msg_page_category_required'))
    named = request.form.get('identity') == 'named'
    values = {
        'company': officer.company.id,
        'case_officer': officer.id,
        'category': category,
        'description': page.text(
            request, 'description', label('description'), required=True,
            max_length=10000, multiline=True),
        'site': page.text(request, 'site', label('site')),
        'persons_concerned': page.text(
            request, 'persons', label('persons'), max_length=2000,
            multiline=True),
        }
    name = page.text(request, 'name', label('name'), required=named)
    contact = page.text(request, 'contact', label('contact'))
    if not named:
        name = contact = None
    return values, name, contact


def _sent_before(pool, key):
    """Return the report and code of the form's submission key if it was
    sent before, else (None, None)"""
    Report = pool.get('whistleblower.report')
    if not SUBMISSION_KEY.match(key or ''):
        return None, None
    code = Report.receipt_of_submission(key)
    report = Report.find_by_receipt(code)
    return (report, code) if report else (None, None)


def _spend_again(checked):
    """Keep the challenge spent after the transaction was rolled back for a
    refused form: each challenge serves one attempt"""
    if checked:
        proof_of_work.spend_challenge(checked, again=True)


@page.public_route(
    '/whistleblower/report', 'whistleblower.report', private=True)
def report_form(request, pool):
    Report = pool.get('whistleblower.report')
    Configuration = pool.get('whistleblower.configuration')
    transaction = Transaction()
    if request.method == 'GET':
        return _report_form(request, pool, {
                'submission': uuid.uuid4().hex,
                'identity': 'anonymous',
                })
    values = request.form.to_dict()
    checked = None
    try:
        page.check_token(request, REPORT_FORM)
        # Before anything is written: creating the secret restarts the
        # transaction
        Configuration.get_digest_secret()
        checked = proof_of_work.check_challenge(request, REPORT_KIND)
        report_values, name, contact = _submitted_values(request, pool)
        evidence = page.attachments(request, 'evidence')
        # The same form sent again shows its report again: its challenge
        # was spent with it
        report, code = _sent_before(pool, values.get('submission'))
        if not report:
            # In the transaction of the report: the same form sent twice at
            # once waits for the first and then finds its report
            proof_of_work.spend_challenge(checked)
            report, code = Report.submit_public(
                values.get('submission'), report_values, name, contact,
                evidence)
    except UserError as exception:
        transaction.rollback()
        _spend_again(checked)
        return _report_form(
            request, pool, values, status=_status(exception),
            error=exception.message)
    return page.render(
        'whistleblower', 'report_submitted.html',
        title=gettext('whistleblower.msg_page_report_title'),
        receipt_code=' '.join(code[i:i + 4] for i in range(0, len(code), 4)))


@page.public_route(
    '/whistleblower/follow-up', 'whistleblower.report', private=True)
def follow_up(request, pool):
    Report = pool.get('whistleblower.report')
    Configuration = pool.get('whistleblower.configuration')
    transaction = Transaction()
    values = request.form.to_dict() if request.method == 'POST' else {}
    report, error, status, replied = None, None, 200, False
    if request.method == 'POST':
        checked = None
        try:
            page.check_token(request, FOLLOW_UP_FORM)
            Configuration.get_digest_secret()
            # Every code entered costs a proof of work, a right one too
            checked = proof_of_work.check_challenge(request, LOOKUP_KIND)
            proof_of_work.spend_challenge(checked)
            report = Report.find_by_receipt(values.get('code', '')[:40])
            if not report:
                error = gettext('whistleblower.msg_page_code_unknown')
                status = 404
            elif values.get('action') == 'reply':
                text = page.text(
                    request, 'text',
                    gettext('whistleblower.msg_page_field_reply'),
                    max_length=10000, multiline=True)
                evidence = page.attachments(request, 'evidence')
                if not text and not evidence:
                    raise PublicPageError(gettext(
                            'whistleblower.msg_page_reply_empty'))
                report.reply_public(text, evidence)
                replied = True
        except UserError as exception:
            transaction.rollback()
            _spend_again(checked)
            error, status = exception.message, _status(exception)
            # A refused reply shows its report again, with what was typed,
            # only when the token, the proof of work and the code were right
            if values.get('action') != 'reply':
                report = None
    token = page.new_token(FOLLOW_UP_FORM)
    return _with_token(page.render(
            'whistleblower', 'follow_up.html', status=status,
            title=gettext('whistleblower.msg_page_follow_up_title'),
            error=error, values=values, report=report, replied=replied,
            messages=report.public_messages() if report else [],
            csrf_token=token,
            challenge=proof_of_work.new_challenge(LOOKUP_KIND)),
        request, token)
