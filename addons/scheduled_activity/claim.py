# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.transaction import Transaction


def claim(Model, table, columns, values, where):
    """Set the columns to the values on the rows of table (of Model) that
    match where, and return their ids.

    This conditional UPDATE is how a cron claims its due rows: where says
    that a row is still unclaimed, so a concurrent run that claimed the same
    rows makes this one fail and roll back (PostgreSQL repeatable read) and
    nothing is done twice. Cached reads of the rows are dropped, as
    ModelStorage.write does."""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    if transaction.database.has_returning():
        cursor.execute(*table.update(
                columns, values, where=where, returning=[table.id]))
        ids = [i for i, in cursor]
    else:
        cursor.execute(*table.select(table.id, where=where))
        ids = [i for i, in cursor]
        if ids:
            cursor.execute(*table.update(
                    columns, values, where=table.id.in_(ids) & where))
    if ids:
        transaction.counter += 1
        for cache in transaction.cache.values():
            for id_ in ids:
                cache.get(Model.__name__, {}).pop(id_, None)
    return ids
