# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The approvals as the user's inbox: those awaiting the user's decision,
those the user decided and those past their due time"""
from trytond.model import fields
from trytond.modules.scheduled_activity import clock
from trytond.pyson import Eval, If
from trytond.transaction import Transaction


class ApprovalInboxMixin:
    "Where an approval stands for the current user"
    __slots__ = ()

    to_me = fields.Function(fields.Boolean("To Approve by Me"),
        'get_to_me', searcher='search_to_me')
    decided_by_me = fields.Function(fields.Boolean("Decided by Me"),
        'get_decided_by_me', searcher='search_decided_by_me')
    overdue = fields.Function(fields.Boolean("Overdue"),
        'get_overdue', searcher='search_overdue')

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('overdue', False), 'danger', ''),
                ['overdue']),
            ]

    def get_to_me(self, name):
        user = Transaction().user
        return self.state == 'pending' and any(
            u.id == user for u in self.candidates) and not any(
            d.user.id == user for d in self.decisions)

    @classmethod
    def search_to_me(cls, name, clause):
        _, operator, value = clause
        user = Transaction().user
        if (operator == '=') == bool(value):
            return [
                ('state', '=', 'pending'),
                ('candidates', '=', user),
                ('decisions', 'not where', [('user', '=', user)]),
                ]
        return ['OR',
            ('state', '!=', 'pending'),
            ('candidates', 'not where', [('id', '=', user)]),
            ('decisions', 'where', [('user', '=', user)]),
            ]

    def get_decided_by_me(self, name):
        user = Transaction().user
        return any(d.user.id == user for d in self.decisions)

    @classmethod
    def search_decided_by_me(cls, name, clause):
        _, operator, value = clause
        mine = [('user', '=', Transaction().user)]
        if (operator == '=') == bool(value):
            return [('decisions', 'where', mine)]
        return [('decisions', 'not where', mine)]

    def get_overdue(self, name):
        return bool(self.state == 'pending' and self.due
            and self.due < clock.now())

    @classmethod
    def search_overdue(cls, name, clause):
        _, operator, value = clause
        now = clock.now()
        if (operator == '=') == bool(value):
            return [('state', '=', 'pending'), ('due', '<', now)]
        return ['OR',
            ('state', '!=', 'pending'),
            ('due', '=', None),
            ('due', '>=', now),
            ]
