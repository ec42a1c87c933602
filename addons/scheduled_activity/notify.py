# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Ringing the bell of the people a record concerns, each in their language,
and mailing it to those who chose so"""
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.tools.email_ import format_address
from trytond.transaction import Transaction

from .mail import is_confidential, notice_html, queue_mail


def users_of_employees(employees):
    "The active users who work as one of the employees"
    pool = Pool()
    UserEmployee = pool.get('res.user-company.employee')
    employee_ids = list({e.id for e in employees if e})
    users = set()
    for sub_ids in grouped_slice(employee_ids):
        users.update(link.user for link in UserEmployee.search([
                    ('employee', 'in', list(sub_ids)),
                    ('user.active', '=', True),
                    ]))
    return users


def users_of_groups(groups):
    "The active users who are members of one of the groups"
    pool = Pool()
    UserGroup = pool.get('res.user-res.group')
    return {link.user for link in UserGroup.search([
                ('group', 'in', [int(g) for g in groups]),
                ('user.active', '=', True),
                ])}


def notify(records, users, icon, label_id, description_id=None,
        variables=None, action=None, kind=None):
    """Give each user a notice of the records, its label and description the
    messages label_id and description_id with the variables, in the user's
    language, opening the records with the action (an ir.action id) when
    given; stored when the transaction commits (notify_user)

    variables may be a function without argument returning them, called in
    each user's language: for texts the database translates (a selection's
    label). label_id and description_id may also be functions that return
    the text from the variables, called in each user's language: for a text
    made of several messages.

    With a kind (the name of a notice_<kind> field of res.user), the notice
    is also mailed to the users who chose so (mail_notice)."""
    if not records:
        return
    model = records[0].__class__
    default_language = Transaction().language
    for user in users:
        language = user.language.code if user.language else default_language
        with Transaction().set_context(language=language):
            values = (variables() if callable(variables)
                else variables or {})
            label = _text(label_id, values)
            description = _text(description_id, values)
            model.notify_user(records, icon, label, description,
                user=user.id, action=action)
            if kind:
                mail_notice(user, kind, records, label, description)


def _text(message, values):
    "The text of the message id, or of the function, with the values"
    if message is None:
        return None
    if callable(message):
        return message(**values)
    return gettext(message, **values)


def mail_notice(user, kind, records, label, description=None):
    """Mail the notice of the records to the user at once or keep it for the
    user's daily digest, as the user chose for the kind; nothing for a user
    without email address, nothing about a whistleblower record (the bell is
    enough). Called in the user's language."""
    pool = Pool()
    Digest = pool.get('scheduled.activity.mail.digest')
    channel = user.notice_channel(kind)
    records = [r for r in records if not is_confidential(r.__name__)]
    if channel == 'bell' or not user.email or not records:
        return
    if channel == 'email':
        queue_mail(records[0], [format_address(user.email, user.name)],
            label, notice_html(records, label, description),
            language=Transaction().language)
    elif channel == 'digest':
        Digest.keep(user, kind, records, label, description)
