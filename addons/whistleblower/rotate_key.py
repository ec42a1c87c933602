# This file is part of Tryton.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Encrypt again every stored identity with the current whistleblowing key.

Put the new key first in ``[whistleblower] key`` (keep the old ones after
it), then run::

    python -m trytond.modules.whistleblower.rotate_key -c trytond.conf -d DB

Afterwards the old keys can be removed from the configuration.
"""
import argparse


# Rows encrypted again per transaction
BATCH = 500


def rotate(database_name, batch=BATCH):
    """Re-encrypt the tokens of database_name; return the number of rows

    A transaction per batch of rows, so the servers keep serving while it
    runs: each batch holds the locks of its rows only briefly. Encrypting a
    token again with the current key is harmless, so a run stopped half-way
    is simply run again."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    from . import crypto

    pool = Pool(database_name)
    Reporter = pool.get('whistleblower.reporter')
    Configuration = pool.get('whistleblower.configuration')
    reporter = Reporter.__table__()
    configuration = Configuration.__table__()
    token_columns = [
        reporter.name_token, reporter.contact_token, reporter.employee_token]

    count, last_id = 0, 0
    while True:
        with Transaction().start(database_name, 0) as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute(*reporter.select(reporter.id, *token_columns,
                    where=reporter.id > last_id,
                    order_by=[reporter.id.asc], limit=batch))
            rows = cursor.fetchall()
            for id_, *tokens in rows:
                cursor.execute(*reporter.update(
                        token_columns, [crypto.rotate(t) for t in tokens],
                        where=reporter.id == id_))
            transaction.commit()
        if not rows:
            break
        count += len(rows)
        last_id = rows[-1][0]

    with Transaction().start(database_name, 0) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(*configuration.select(
                configuration.id, configuration.digest_secret))
        for id_, secret in cursor.fetchall():
            cursor.execute(*configuration.update(
                    [configuration.digest_secret], [crypto.rotate(secret)],
                    where=configuration.id == id_))
        transaction.commit()
    return count


def main():
    parser = argparse.ArgumentParser(
        description="Encrypt again the whistleblower identities with the "
        "first key of [whistleblower] key")
    parser.add_argument('-c', '--config', dest='configfile', required=True)
    parser.add_argument('-d', '--database', dest='database', required=True)
    args = parser.parse_args()

    from trytond import config
    config.update_etc(args.configfile)
    from trytond.pool import Pool
    Pool.start()
    Pool(args.database).init()
    count = rotate(args.database)
    print(f"{count} reporter identities encrypted with the current key")


if __name__ == '__main__':
    main()
