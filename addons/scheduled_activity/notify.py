# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"Ringing the bell of the people a record concerns, each in their language"
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction


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
        variables=None, action=None):
    """Give each user a notice of the records, its label and description the
    messages label_id and description_id with the variables, in the user's
    language, opening the records with the action (an ir.action id) when
    given; stored when the transaction commits (notify_user)

    variables may be a function without argument returning them, called in
    each user's language: for texts the database translates (a selection's
    label)."""
    if not records:
        return
    model = records[0].__class__
    default_language = Transaction().language
    for user in users:
        language = user.language.code if user.language else default_language
        with Transaction().set_context(language=language):
            values = (variables() if callable(variables)
                else variables or {})
            model.notify_user(records, icon,
                gettext(label_id, **values),
                gettext(description_id, **values)
                if description_id else None,
                user=user.id, action=action)
