# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The public satisfaction survey: the page the link mailed with an answer
opens, to tell in one click whether the complainant is satisfied

Showing the page changes nothing (mail scanners follow links): only the
form's post records the answer, once."""
from urllib.parse import quote

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.modules.public_page import page
from trytond.modules.public_page.exceptions import (
    PublicPageError, RateLimitError)
from trytond.transaction import Transaction

SURVEY_FORM = 'complaint_survey'
ANSWERS = {'satisfied', 'unsatisfied'}
COMMENT_LENGTH = 2000


def _answer_string(pool, feedback):
    "The answer recorded on the feedback as the visitor reads it"
    Feedback = pool.get('complaint.feedback')
    selection = Feedback.fields_get(['satisfaction'])['satisfaction'][
        'selection']
    return dict(selection).get(feedback.satisfaction, '')


@page.public_route('/complaint_plan/survey', 'complaint.feedback')
def survey(request, pool):
    Feedback = pool.get('complaint.feedback')
    Attempt = pool.get('public_page.attempt')
    transaction = Transaction()
    token = request.args.get('token', '')
    feedback, error, status, outcome = None, None, 200, None
    try:
        Attempt.check('lookup', request.remote_addr)
        feedback = Feedback.from_survey_token(token)
    except UserError as exception:
        error, status = exception.message, _status(exception)
    else:
        if not feedback:
            # Counted as a failed look-up: codes are not guessed by trial
            Attempt.add('lookup', request.remote_addr)
            error = gettext('complaint_plan.msg_page_survey_unknown')
            status = 404
    if feedback and request.method == 'POST':
        try:
            page.check_token(request, SURVEY_FORM)
            answer = request.form.get('answer', '')
            if answer not in ANSWERS:
                raise PublicPageError(gettext(
                        'complaint_plan.msg_page_survey_answer_invalid'))
            comment = page.text(request, 'comment',
                gettext('complaint_plan.msg_page_survey_comment'),
                max_length=COMMENT_LENGTH, multiline=True)
            if Feedback.record_survey(feedback, answer, comment):
                outcome = answer
            feedback = Feedback(feedback.id)
        except UserError as exception:
            transaction.rollback()
            error, status = exception.message, _status(exception)
    # The form is shown until the answer is recorded
    asking = bool(feedback and not outcome and not feedback.satisfaction)
    csrf_token = page.new_token(SURVEY_FORM) if asking else None
    response = page.render(
        'complaint_plan', 'survey.html', status=status,
        title=gettext('complaint_plan.msg_page_survey_title'),
        error=error, feedback=feedback, outcome=outcome, asking=asking,
        answer=_answer_string(pool, feedback) if feedback else '',
        comment=request.form.get('comment', '')[:COMMENT_LENGTH],
        csrf_token=csrf_token, switch_query='&token=' + quote(token[:64]))
    if asking:
        page.set_token_cookie(response, request, csrf_token)
    return response


def _status(exception):
    return 429 if isinstance(exception, RateLimitError) else 400
