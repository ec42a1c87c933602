# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The receipt code of an anonymous report, of which only a keyed digest is
stored"""
import re
import secrets
import unicodedata

from sql import Null

from trytond.model import Index, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, Not
from trytond.transaction import without_check_access

from . import crypto

RECEIPT_LENGTH = 16


class ReportReceiptMixin:
    "The receipt code that lets the reporter of an anonymous report follow it"
    __slots__ = ()

    # Keyed digest of the receipt code, never the code itself
    receipt_digest = fields.Char("Receipt Digest", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.receipt_digest, Index.Equality()),
                where=t.receipt_digest != Null))
        cls._buttons.update({
                'new_receipt': {
                    'invisible': (Not(Eval('anonymous', False))
                        | (Eval('state') == 'closed')),
                    'depends': ['anonymous', 'state'],
                    },
                })

    @classmethod
    @ModelView.button_action('whistleblower.wizard_receipt')
    def new_receipt(cls, reports):
        pass

    def issue_receipt(self, code=None):
        """Store the digest of a new receipt code and return the code once

        The code is drawn at random unless given"""
        pool = Pool()
        Configuration = pool.get('whistleblower.configuration')
        while True:
            code = code or ''.join(
                secrets.choice('0123456789') for _ in range(RECEIPT_LENGTH))
            digest = Configuration.digest('receipt', code)
            with without_check_access():
                if not self.search([('receipt_digest', '=', digest)]):
                    break
            code = None
        with without_check_access():
            self.write([self], {'receipt_digest': digest})
        return code

    @classmethod
    def find_by_receipt(cls, code):
        "Return the report of the receipt code or None"
        pool = Pool()
        Configuration = pool.get('whistleblower.configuration')
        # Full-width digits, as Chinese input methods type them, are digits
        code = re.sub(r'[\s-]', '', unicodedata.normalize('NFKC', code or ''))
        if not re.fullmatch(r'[0-9]{%s}' % RECEIPT_LENGTH, code):
            return None
        digest = Configuration.digest('receipt', code)
        with without_check_access():
            reports = cls.search([
                    ('receipt_digest', '=', digest),
                    ], limit=1)
        if reports and crypto.same_digest(reports[0].receipt_digest, digest):
            return reports[0]
        return None
