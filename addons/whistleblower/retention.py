# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The erasure of the identity and the evidence of the reports closed for
longer than the retention period"""
import logging

from dateutil.relativedelta import relativedelta
from sql import Null

from trytond.model import Index, fields
from trytond.modules.scheduled_activity import clock
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

logger = logging.getLogger(__name__)


class ReportRetentionMixin:
    "The retention period of a closed report and its erasure"
    __slots__ = ()

    identity_erased_at = fields.DateTime(
        "Identity Erased at", readonly=True,
        help="When the identity and the evidence were erased after the "
        "retention period.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.closed_at, Index.Range()),
                where=(t.state == 'closed')
                & (t.identity_erased_at == Null)))

    @classmethod
    @without_check_access
    def erase_expired(cls):
        """Erase the identity, the receipt, the messages and the evidence of
        the reports closed for longer than the retention period

        Only a closing by the workflow counts: the close transition writes
        a line in the access log, which nobody can write, change or delete;
        a report closed or dated otherwise keeps everything."""
        pool = Pool()
        Configuration = pool.get('whistleblower.configuration')
        Reporter = pool.get('whistleblower.reporter')
        Message = pool.get('whistleblower.message')
        Attachment = pool.get('ir.attachment')
        AccessLog = pool.get('whistleblower.access_log')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        database = transaction.database
        table = cls.__table__()
        log = AccessLog.__table__()

        configuration = Configuration(1)
        moment = clock.now()
        limit = moment - relativedelta(months=configuration.retention_months)
        expired = ((table.state == 'closed')
            & (table.identity_erased_at == Null)
            & (table.closed_at <= limit))
        closed_by_workflow = table.id.in_(log.select(
                log.report,
                where=(log.action == 'close') & (log.date <= limit)))
        cursor.execute(*table.select(table.id,
                where=expired & ~closed_by_workflow))
        unproven = [i for i, in cursor]
        if unproven:
            logger.warning(
                "Reports closed without the close transition, not erased: "
                "%s", unproven)
        query = table.select(
            table.id, where=expired & closed_by_workflow)
        if database.has_select_for():
            # A concurrent run skips what this one claims
            For = database.get_select_for_skip_locked()
            query.for_ = For('UPDATE')
        cursor.execute(*query)
        ids = [i for i, in cursor]
        if not ids:
            return
        # Claim: a second run finds nothing left to erase
        cursor.execute(*table.update(
                [table.identity_erased_at, table.receipt_digest],
                [moment, Null],
                where=table.id.in_(ids) & (table.identity_erased_at == Null)))
        reports = cls.browse(ids)
        reporters = Reporter.search([('report', 'in', ids)])
        resources = [str(r) for r in reports + reporters]
        Attachment.delete(Attachment.search([
                    ('resource', 'in', resources),
                    ]))
        Reporter.delete(reporters)
        Message.delete(Message.search([('report', 'in', ids)]))
        AccessLog.record(reports, 'erasure')
