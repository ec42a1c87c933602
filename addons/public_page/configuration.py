# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import secrets

from trytond.cache import Cache
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.transaction import Transaction

# What every public form reads: its token's signature and the limits of an
# address
REQUEST_FIELDS = ['secret', 'submission_limit', 'lookup_limit']


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
    challenge_difficulty = fields.Integer(
        "Proof-of-Work Difficulty", required=True,
        domain=[
            ('challenge_difficulty', '>=', 0),
            ('challenge_difficulty', '<=', 32),
            ],
        help="How many zero bits the browser of a visitor of the anonymous "
        "pages must find before a form is taken, at the usual load.\n"
        "Each bit doubles the work: 10 bits take a browser a few "
        "milliseconds.")
    challenge_max_difficulty = fields.Integer(
        "Highest Proof-of-Work Difficulty", required=True,
        domain=[
            ('challenge_max_difficulty', '>=', 0),
            ('challenge_max_difficulty', '<=', 32),
            ],
        help="The difficulty under the heaviest load.\n"
        "18 bits take a usual browser one or two seconds.")
    anonymous_submission_load = fields.Integer(
        "Anonymous Submissions per 10 Minutes", required=True,
        domain=[('anonymous_submission_load', '>', 0)],
        help="How many forms all visitors of the anonymous pages together "
        "may send in 10 minutes at the usual difficulty.\n"
        "Each doubling of it adds a bit to the difficulty. These pages "
        "never record an address and never close.")
    anonymous_lookup_load = fields.Integer(
        "Anonymous Look-ups per 10 Minutes", required=True,
        domain=[('anonymous_lookup_load', '>', 0)],
        help="How many codes all visitors of the anonymous pages together "
        "may enter in 10 minutes at the usual difficulty.\n"
        "Each doubling of it adds a bit to the difficulty.")
    # Signs the anti-forgery tokens and the challenges, and keys the address
    # digests: set once when the module is activated, never shown in a view
    secret = fields.Char("Secret", readonly=True)
    _request_values_cache = Cache(
        'public_page.configuration.request_values', context=False)

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
                        table.lookup_limit, table.challenge_difficulty,
                        table.challenge_max_difficulty,
                        table.anonymous_submission_load,
                        table.anonymous_lookup_load],
                    [[1, secret, cls.default_submission_limit(),
                            cls.default_lookup_limit(),
                            cls.default_challenge_difficulty(),
                            cls.default_challenge_max_difficulty(),
                            cls.default_anonymous_submission_load(),
                            cls.default_anonymous_lookup_load()]]))
        elif not row[1]:
            cursor.execute(*table.update(
                    [table.secret], [secret], where=table.id == row[0]))

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        cls._request_values_cache.clear()

    @classmethod
    def get_request_values(cls):
        """Return the values of REQUEST_FIELDS by name

        Kept between requests: reading the singleton takes two queries that
        each submission of a burst would repeat."""
        values = cls._request_values_cache.get(None)
        if values is None:
            configuration = cls(1)
            values = cls._request_values_cache.set(None, {
                    name: getattr(configuration, name)
                    for name in REQUEST_FIELDS})
        return values

    @classmethod
    def default_submission_limit(cls):
        return 10

    @classmethod
    def default_lookup_limit(cls):
        return 20

    @classmethod
    def default_challenge_difficulty(cls):
        return 10

    @classmethod
    def default_challenge_max_difficulty(cls):
        return 18

    @classmethod
    def default_anonymous_submission_load(cls):
        return 20

    @classmethod
    def default_anonymous_lookup_load(cls):
        return 50
