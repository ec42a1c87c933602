# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import hashlib
import hmac

from sql import Null
from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .exceptions import RateLimitError

WINDOW = dt.timedelta(hours=1)
# The configuration field holding the limit of each kind of attempt; the
# anonymous ones are counted for all visitors together
LIMITS = {
    'submission': 'submission_limit',
    'lookup': 'lookup_limit',
    'anonymous_submission': 'anonymous_submission_limit',
    'anonymous_lookup': 'anonymous_lookup_limit',
    }


class Attempt(ModelSQL):
    "What a visitor of a public page did, counted to limit the rate"
    __name__ = 'public_page.attempt'

    kind = fields.Selection([
            ('submission', "Submission"),
            ('lookup', "Failed Look-up"),
            ('anonymous_submission', "Anonymous Submission"),
            ('anonymous_lookup', "Anonymous Failed Look-up"),
            ], "Kind", required=True)
    date = fields.DateTime("Date", required=True)
    # A keyed digest of the network address, never the address itself,
    # and empty for the anonymous pages
    source = fields.Char("Source")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t,
                (t.kind, Index.Equality()),
                (t.source, Index.Equality()),
                (t.date, Index.Range())))

    @classmethod
    def source_of(cls, address):
        "Return the keyed digest of the network address"
        pool = Pool()
        Configuration = pool.get('public_page.configuration')
        if not address:
            return None
        secret = Configuration(1).secret.encode()
        return hmac.new(
            secret, address.encode(), hashlib.sha256).hexdigest()[:32]

    @classmethod
    def _count(cls, kind, source):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        source_clause = (
            table.source == source if source else table.source == Null)
        cursor.execute(*table.select(
                Count(table.id),
                where=(table.kind == kind) & source_clause
                & (table.date >= dt.datetime.now() - WINDOW)))
        return cursor.fetchone()[0]

    @classmethod
    def check(cls, kind, address=None):
        "Raise when the visitor reached the limit of this kind of attempt"
        pool = Pool()
        Configuration = pool.get('public_page.configuration')
        limit = getattr(Configuration(1), LIMITS[kind])
        if cls._count(kind, cls.source_of(address)) >= limit:
            raise RateLimitError(gettext('public_page.msg_too_many_attempts'))

    @classmethod
    def add(cls, kind, address=None):
        cls.create([{
                    'kind': kind,
                    'date': dt.datetime.now(),
                    'source': cls.source_of(address),
                    }])

    @classmethod
    def clean(cls):
        "Delete the attempts older than the counting window"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(
                where=table.date < dt.datetime.now() - WINDOW))
