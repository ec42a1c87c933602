# This file is part of the scheduled_activity module.
"Helpers shared by the modules' access tests"
from contextlib import contextmanager

from trytond.transaction import Transaction


@contextmanager
def as_user(user):
    "Act as a real user through RPC: record rules and access checks apply"
    with Transaction().set_user(user.id), \
            Transaction().set_context(
                _check_access=True, company=user.company.id,
                employee=user.employee.id if user.employee else None):
        yield
