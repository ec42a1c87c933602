# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The proof of work of the anonymous pages

A page that must not lock anybody out, and cannot count its visitors one by
one because it keeps no address, hands out with its form a challenge: a
random nonce with a difficulty D and an expiry, signed with the secret of
the configuration. The visitor's browser finds a counter such that
SHA-256(challenge + counter) starts with D zero bits and posts it with the
form (templates/challenge.js). The server checks the signature, the expiry
and the work, and records the digest of the challenge as spent, so that it
serves once.

D rises with how many challenges of that kind all visitors spent lately: a
flood makes every request dearer for whoever sends it, instead of closing
the page to everybody."""
import datetime as dt
import hashlib
import hmac
import math
import re
import secrets
from collections import namedtuple

from sql import Conflict
from sql.aggregate import Count

from trytond import backend
from trytond.i18n import gettext
from trytond.modules.scheduled_activity import clock
from trytond.model import Index, ModelSQL, Unique, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .exceptions import ChallengeError

# The kinds of attempt with their letter in the challenge and the
# configuration field of their usual load
KINDS = {
    'anonymous_submission': ('s', 'anonymous_submission_load'),
    'anonymous_lookup': ('l', 'anonymous_lookup_load'),
    }
KIND_OF_LETTER = {letter: kind for kind, (letter, _) in KINDS.items()}
# As long as the anti-forgery token: a report may take a while to write
LIFETIME = 4 * 60 * 60
# The spent challenges counted as the load
LOAD_WINDOW = dt.timedelta(minutes=10)
# A challenge issued before the load rose is still taken if it is at most
# this many bits easier than the current difficulty: the visitor who opened
# the page before a flood does not start again, and challenges gathered in
# a quiet hour make a flood at most 2**SLACK times cheaper
SLACK = 4
# The browser compares the first 32 bits of the digest
MAX_BITS = 32
CHALLENGE = re.compile(
    r'([sl])\.([0-9]{1,2})\.([0-9]{1,12})\.([0-9a-f]{16})\.([0-9a-f]{32})')
PROOF = re.compile(r'[0-9]{1,15}')
FIELD, PROOF_FIELD = 'challenge', 'proof'

Checked = namedtuple('Checked', ['kind', 'digest', 'difficulty', 'expires'])


def _signature(letter, difficulty, expires, nonce):
    pool = Pool()
    Configuration = pool.get('public_page.configuration')
    message = f'challenge|{letter}|{difficulty}|{expires}|{nonce}'
    return hmac.new(
        Configuration.get_request_values()['secret'].encode(),
        message.encode(),
        hashlib.sha256).hexdigest()[:32]


def new_challenge(kind):
    "Return a new challenge for the kind at its current difficulty"
    pool = Pool()
    Challenge = pool.get('public_page.challenge')
    letter, _ = KINDS[kind]
    difficulty = Challenge.difficulty(kind)
    expires = int(clock.timestamp()) + LIFETIME
    nonce = secrets.token_hex(8)
    signature = _signature(letter, difficulty, expires, nonce)
    return f'{letter}.{difficulty}.{expires}.{nonce}.{signature}'


def difficulty_of(challenge):
    "Return the number of zero bits the challenge asks for"
    return int(challenge.split('.')[1])


def worked(challenge, proof):
    """Tell if SHA-256(challenge + proof) starts with the zero bits the
    challenge asks for"""
    difficulty = difficulty_of(challenge)
    digest = hashlib.sha256((challenge + proof).encode()).digest()
    # The whole digest as one number: the same work whatever it holds
    return int.from_bytes(digest, 'big') >> (256 - difficulty) == 0


def solve(challenge):
    """Return the proof of the challenge, found as the page's script finds
    it: counting from 0

    For the tests and for tools; a flood that solves its challenges so
    pays their price."""
    difficulty = difficulty_of(challenge)
    prefix = hashlib.sha256(challenge.encode())
    shift = 256 - difficulty
    counter = 0
    while True:
        digest = prefix.copy()
        digest.update(str(counter).encode())
        if int.from_bytes(digest.digest(), 'big') >> shift == 0:
            return str(counter)
        counter += 1


def check_challenge(request, kind):
    """Return the challenge the form was posted with, checked, or raise

    The signature is compared in constant time; the work is checked on the
    whole digest. The challenge is not spent: see spend_challenge."""
    challenge = request.form.get(FIELD, '')
    proof = request.form.get(PROOF_FIELD, '')
    match = CHALLENGE.fullmatch(challenge)
    if match:
        letter, difficulty, expires, nonce, signature = match.groups()
    else:
        letter, difficulty, expires, nonce, signature = '', '0', '0', '', ''
    expected = _signature(letter, difficulty, expires, nonce)
    signed = hmac.compare_digest(signature.encode(), expected.encode())
    difficulty, expires = int(difficulty), int(expires)
    if not (match and signed and KIND_OF_LETTER.get(letter) == kind
            and difficulty <= MAX_BITS
            and PROOF.fullmatch(proof) and worked(challenge, proof)):
        raise ChallengeError(gettext('public_page.msg_challenge_missing'))
    if expires < clock.timestamp():
        raise ChallengeError(gettext('public_page.msg_challenge_expired'))
    pool = Pool()
    Challenge = pool.get('public_page.challenge')
    if difficulty < Challenge.difficulty(kind) - SLACK:
        raise ChallengeError(gettext('public_page.msg_challenge_harder'))
    return Checked(
        kind, hashlib.sha256(challenge.encode()).hexdigest(), difficulty,
        dt.datetime.fromtimestamp(expires, dt.timezone.utc).replace(
            tzinfo=None))


def spend_challenge(checked, again=False):
    """Record the checked challenge as spent in the transaction; raise if it
    was spent before

    With again, after the transaction was rolled back for a refused form:
    the challenge stays spent, whoever spent it."""
    pool = Pool()
    Challenge = pool.get('public_page.challenge')
    if not Challenge.spend(checked) and not again:
        raise ChallengeError(gettext('public_page.msg_challenge_spent'))


class Challenge(ModelSQL):
    __name__ = 'public_page.challenge'

    # The SHA-256 of the challenge: it says nothing of who solved it
    digest = fields.Char("Digest", required=True)
    kind = fields.Selection([
            ('anonymous_submission', "Anonymous Submission"),
            ('anonymous_lookup', "Anonymous Look-up"),
            ], "Kind", required=True)
    date = fields.DateTime("Date", required=True)
    expires = fields.DateTime("Expires", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('digest_unique', Unique(t, t.digest),
                'public_page.msg_challenge_spent'),
            ]
        cls._sql_indexes.add(Index(
                t,
                (t.kind, Index.Equality()),
                (t.date, Index.Range())))
        cls._sql_indexes.add(Index(t, (t.expires, Index.Range())))

    @classmethod
    def load(cls, kind):
        "Return how many challenges of the kind were spent lately"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                Count(table.id),
                where=(table.kind == kind)
                & (table.date >= clock.now() - LOAD_WINDOW)))
        return cursor.fetchone()[0]

    @classmethod
    def difficulty(cls, kind):
        """Return the number of zero bits a challenge of the kind asks for
        now: the configuration's at the usual load, one more for each
        doubling of it, up to the highest"""
        pool = Pool()
        Configuration = pool.get('public_page.configuration')
        configuration = Configuration(1)
        base = configuration.challenge_difficulty
        highest = max(base, configuration.challenge_max_difficulty)
        usual = getattr(configuration, KINDS[kind][1])
        load = cls.load(kind)
        extra = math.ceil(math.log2(load / usual)) if load > usual else 0
        return min(base + extra, highest, MAX_BITS)

    @classmethod
    def spend(cls, checked):
        """Record the checked challenge as spent; return False if it was
        already

        One statement that inserts nothing on a conflict: on PostgreSQL a
        concurrent spending of the same challenge makes the later
        transaction wait, then fail to serialize and start again, when it
        finds the challenge spent; SQLite runs one writer at a time."""
        transaction = Transaction()
        database = transaction.database
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        now = clock.now()
        columns = [
            table.digest, table.kind, table.date, table.expires,
            table.create_uid, table.create_date]
        values = [[
                checked.digest, checked.kind, now, checked.expires, 0, now]]
        if database.has_insert_on_conflict():
            cursor.execute(*table.insert(
                    columns, values,
                    on_conflict=Conflict(
                        table, indexed_columns=[table.digest])))
            return cursor.rowcount == 1
        try:
            cursor.execute(*table.insert(columns, values))
        except backend.DatabaseIntegrityError:
            return False
        return True

    @classmethod
    def clean(cls):
        "Delete the spent challenges that could no longer be used"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.delete(
                where=table.expires < clock.now()
                - dt.timedelta(minutes=5)))
