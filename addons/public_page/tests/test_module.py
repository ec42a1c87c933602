# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime as dt

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from trytond.modules.public_page import challenge as proof_of_work
from trytond.modules.public_page.exceptions import (
    ChallengeError, RateLimitError)
from trytond.modules.scheduled_activity import clock
from trytond.modules.scheduled_activity.tests.tools import clock_at
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


def posted(**form):
    "A request that posted the form"
    return Request(EnvironBuilder(method='POST', data=form).get_environ())


class PublicPageTestCase(ModuleTestCase):
    "Test Public Page module"
    module = 'public_page'

    @with_transaction()
    def test_secret_created_once(self):
        "The token secret exists from the activation and stays"
        pool = Pool()
        Configuration = pool.get('public_page.configuration')
        secret = Configuration(1).secret
        self.assertEqual(len(secret), 64)
        Configuration.__register__('public_page')
        self.assertEqual(Configuration(1).secret, secret)

    @with_transaction()
    def test_challenge(self):
        "A challenge is taken solved, signed by us, of its kind and in time"
        challenge = proof_of_work.new_challenge('anonymous_lookup')
        letter, difficulty, expires, nonce, signature = challenge.split('.')
        self.assertEqual(letter, 'l')
        self.assertEqual(int(difficulty), 10)
        self.assertAlmostEqual(
            int(expires), clock.timestamp() + proof_of_work.LIFETIME, delta=5)
        proof = proof_of_work.solve(challenge)
        checked = proof_of_work.check_challenge(
            posted(challenge=challenge, proof=proof), 'anonymous_lookup')
        self.assertEqual(checked.kind, 'anonymous_lookup')
        self.assertEqual(checked.difficulty, 10)

        def refused(message, **form):
            with self.assertRaises(ChallengeError) as context:
                proof_of_work.check_challenge(
                    posted(**form), 'anonymous_lookup')
            self.assertEqual(
                context.exception.message.split('.')[0],
                message.split('.')[0])
        missing = "Your browser has not finished checking this form"
        wrong = next(str(n) for n in range(10 ** 6)
            if not proof_of_work.worked(challenge, str(n)))
        refused(missing)
        refused(missing, challenge=challenge)
        refused(missing, challenge=challenge, proof=wrong)
        refused(missing, challenge=challenge, proof=proof + ' ')
        for index, value in [
                (0, 's'), (1, '0'), (2, str(int(expires) + 1)),
                (3, '0' * 16), (4, 'f' * 32)]:
            parts = challenge.split('.')
            parts[index] = value
            forged = '.'.join(parts)
            refused(
                missing, challenge=forged,
                proof=proof_of_work.solve(forged))
        expired = dt.datetime.fromtimestamp(
            int(expires) + 1, dt.timezone.utc).replace(tzinfo=None)
        with clock_at(expired):
            refused(
                "The check of this form has expired",
                challenge=challenge, proof=proof)

    @with_transaction()
    def test_spent_once(self):
        "A challenge is spent once"
        challenge = proof_of_work.new_challenge('anonymous_submission')
        checked = proof_of_work.check_challenge(posted(
                challenge=challenge,
                proof=proof_of_work.solve(challenge)),
            'anonymous_submission')
        proof_of_work.spend_challenge(checked)
        with self.assertRaises(ChallengeError):
            proof_of_work.spend_challenge(checked)
        proof_of_work.spend_challenge(checked, again=True)

    @with_transaction()
    def test_difficulty(self):
        """The difficulty rises a bit for each doubling of the usual load,
        up to the highest; challenges too easy are refused"""
        pool = Pool()
        Configuration = pool.get('public_page.configuration')
        Challenge = pool.get('public_page.challenge')
        Configuration.write([Configuration(1)], {
                'challenge_difficulty': 4,
                'challenge_max_difficulty': 9,
                'anonymous_lookup_load': 3,
                })
        now = clock.now()
        old = proof_of_work.new_challenge('anonymous_lookup')
        for load, expected in [
                (0, 4), (3, 4), (4, 5), (6, 5), (7, 6), (12, 6), (13, 7),
                (24, 7), (25, 8), (48, 8), (49, 9), (500, 9)]:
            while Challenge.load('anonymous_lookup') < load:
                Challenge.create([{
                            'digest': str(Challenge.load(
                                    'anonymous_lookup')),
                            'kind': 'anonymous_lookup', 'date': now,
                            'expires': now + dt.timedelta(hours=1),
                            }])
            self.assertEqual(
                Challenge.difficulty('anonymous_lookup'), expected, load)
            self.assertEqual(
                Challenge.difficulty('anonymous_submission'), 4)
        # Spent long ago: no load
        Challenge.write(Challenge.search([]), {
                'date': now - proof_of_work.LOAD_WINDOW})
        self.assertEqual(Challenge.difficulty('anonymous_lookup'), 4)
        Challenge.write(Challenge.search([]), {'date': now})
        # 9 bits are asked, the old challenge gives 4: SLACK is 4
        with self.assertRaises(ChallengeError):
            proof_of_work.check_challenge(posted(
                    challenge=old, proof=proof_of_work.solve(old)),
                'anonymous_lookup')
        Configuration.write([Configuration(1)], {
                'challenge_max_difficulty': 8})
        proof_of_work.check_challenge(posted(
                challenge=old, proof=proof_of_work.solve(old)),
            'anonymous_lookup')

    @with_transaction()
    def test_attempt_limit(self):
        "The attempts of an address are counted up to the limit"
        pool = Pool()
        Configuration = pool.get('public_page.configuration')
        Attempt = pool.get('public_page.attempt')
        Configuration.write([Configuration(1)], {'lookup_limit': 3})
        Attempt.check('lookup', '198.51.100.1')
        for _ in range(3):
            Attempt.add('lookup', '198.51.100.1')
        # On PostgreSQL add() counts on a connection of its own, committed:
        # check(), a first look in the request's transaction, may not see
        # what was added since the transaction started
        with self.assertRaises(RateLimitError):
            Attempt.add('lookup', '198.51.100.1')
        Attempt.add('lookup', '198.51.100.2')
        Attempt.add('submission', '198.51.100.1')


del ModuleTestCase
