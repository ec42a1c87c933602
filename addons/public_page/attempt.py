# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt
import hashlib
import hmac
from contextlib import contextmanager

from sql import Null
from sql.aggregate import Count

from trytond import backend
from trytond.i18n import gettext
from trytond.modules.scheduled_activity import clock
from trytond.model import Index, ModelSQL, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .exceptions import RateLimitError

WINDOW = dt.timedelta(hours=1)
# The configuration field holding the limit of each kind of attempt of one
# network address. The anonymous pages, which keep no address, do not
# count their visitors: they ask for a proof of work (see challenge.py).
LIMITS = {
    'submission': 'submission_limit',
    'lookup': 'lookup_limit',
    }


@contextmanager
def _counting_cursor():
    """Yield a cursor on which a count and the insert that depends on it are
    exact whatever runs at the same time

    PostgreSQL: a connection of its own in READ COMMITTED, committed at the
    end, so that each statement sees what the others committed (the
    request's own transaction is REPEATABLE READ: it would count from the
    moment it started). SQLite: the request's transaction, which runs alone
    once it has written."""
    transaction = Transaction()
    if backend.name != 'postgresql':
        yield transaction.connection.cursor()
        return
    from psycopg import IsolationLevel
    database = transaction.database
    connection = database.get_connection()
    try:
        connection.isolation_level = IsolationLevel.READ_COMMITTED
        with connection.cursor() as cursor:
            yield cursor
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        database.put_connection(connection)


class Attempt(ModelSQL):
    __name__ = 'public_page.attempt'

    kind = fields.Selection([
            ('submission', "Submission"),
            ('lookup', "Failed Look-up"),
            ], "Kind", required=True)
    date = fields.DateTime("Date", required=True)
    # A keyed digest of the network address, never the address itself
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
        secret = Configuration.get_request_values()['secret'].encode()
        return hmac.new(
            secret, address.encode(), hashlib.sha256).hexdigest()[:32]

    @classmethod
    def _counted(cls, table, kind, source, now):
        "The condition of the attempts of the kind and source in the window"
        source_clause = (
            table.source == source if source else table.source == Null)
        return ((table.kind == kind) & source_clause
            & (table.date >= now - WINDOW))

    @classmethod
    def _count(cls, kind, source):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                Count(table.id),
                where=cls._counted(table, kind, source, clock.now())))
        return cursor.fetchone()[0]

    @classmethod
    def check(cls, kind, address=None):
        """Raise when the visitor reached the limit of this kind of attempt

        A first look, before the work: add() counts exactly."""
        pool = Pool()
        Configuration = pool.get('public_page.configuration')
        limit = Configuration.get_request_values()[LIMITS[kind]]
        if cls._count(kind, cls.source_of(address)) >= limit:
            raise RateLimitError(gettext('public_page.msg_too_many_attempts'))

    @classmethod
    def add(cls, kind, address=None):
        """Count the attempt, or raise when the visitor reached the limit
        meanwhile

        Exact under concurrency: the attempts of one kind and source are
        counted and inserted one request at a time (an advisory lock on
        PostgreSQL, the write lock on SQLite), so that requests sent
        together never count the same free places."""
        pool = Pool()
        Configuration = pool.get('public_page.configuration')
        limit = Configuration.get_request_values()[LIMITS[kind]]
        source = cls.source_of(address)
        table = cls.__table__()
        now = clock.now()
        with _counting_cursor() as cursor:
            if backend.name == 'postgresql':
                cursor.execute(
                    'SELECT pg_advisory_xact_lock(%s)',
                    (cls._lock_key(kind, source),))
            else:
                # Any write starts the transaction that holds the database
                # until it ends
                cursor.execute(*table.update(
                        [table.id], [table.id], where=table.id == -1))
            cursor.execute(*table.select(
                    Count(table.id),
                    where=cls._counted(table, kind, source, now)))
            if cursor.fetchone()[0] >= limit:
                raise RateLimitError(
                    gettext('public_page.msg_too_many_attempts'))
            cursor.execute(*table.insert(
                    [table.kind, table.date, table.source, table.create_uid,
                        table.create_date],
                    [[kind, now, source, 0, now]]))

    @staticmethod
    def _lock_key(kind, source):
        "The advisory lock of the kind and source: a signed 64-bit number"
        digest = hashlib.sha256(
            f'public_page.attempt|{kind}|{source}'.encode()).digest()
        return int.from_bytes(digest[:8], 'big', signed=True)

    @classmethod
    def clean(cls):
        """Delete the attempts older than the counting window and the spent
        challenges past their expiry"""
        pool = Pool()
        Challenge = pool.get('public_page.challenge')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(
                where=table.date < clock.now() - WINDOW))
        Challenge.clean()
