# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import secrets

from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.transaction import Transaction


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'public_page.configuration'

    submission_limit = fields.Integer(
        "Submissions per Hour", required=True,
        domain=[('submission_limit', '>', 0)],
        help="How many forms one network address may submit in an hour.")
    lookup_limit = fields.Integer(
        "Failed Look-ups per Hour", required=True,
        domain=[('lookup_limit', '>', 0)],
        help="How many failed status look-ups one network address may make "
        "in an hour.")
    anonymous_submission_limit = fields.Integer(
        "Anonymous Submissions per Hour", required=True,
        domain=[('anonymous_submission_limit', '>', 0)],
        help="How many forms all visitors of the anonymous pages together "
        "may submit in an hour.\n"
        "These pages never record an address, so they count everybody "
        "together.")
    anonymous_lookup_limit = fields.Integer(
        "Anonymous Failed Look-ups per Hour", required=True,
        domain=[('anonymous_lookup_limit', '>', 0)],
        help="How many wrong codes all visitors of the anonymous pages "
        "together may enter in an hour before the look-up pauses.")
    # Signs the anti-forgery tokens and keys the address digests: set once
    # when the module is activated, never shown in a view
    secret = fields.Char("Secret", readonly=True)

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, table.secret, limit=1))
        row = cursor.fetchone()
        secret = secrets.token_hex(32)
        if not row:
            cursor.execute(*table.insert(
                    [table.id, table.secret, table.submission_limit,
                        table.lookup_limit, table.anonymous_submission_limit,
                        table.anonymous_lookup_limit],
                    [[1, secret, cls.default_submission_limit(),
                            cls.default_lookup_limit(),
                            cls.default_anonymous_submission_limit(),
                            cls.default_anonymous_lookup_limit()]]))
        elif not row[1]:
            cursor.execute(*table.update(
                    [table.secret], [secret], where=table.id == row[0]))

    @classmethod
    def default_submission_limit(cls):
        return 10

    @classmethod
    def default_lookup_limit(cls):
        return 20

    @classmethod
    def default_anonymous_submission_limit(cls):
        return 200

    @classmethod
    def default_anonymous_lookup_limit(cls):
        return 100
