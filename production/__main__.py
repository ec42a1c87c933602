"""Run the modules on PostgreSQL as in production (`make run-pg`), or update
a database to the code (`make upgrade`).

run: create the database when it is missing (the modules activated, the
Chinese demo data loaded with --demo), then run the processes of the
Procfile with honcho until Ctrl+C:
- web: gunicorn with WORKERS processes serving trytond.application:app and
  the web client,
- cron: trytond-cron,
- worker: trytond-worker for the queue.
An existing database is served as it is, never updated: after a change of
the code, `make upgrade` (this program's upgrade) updates it.

The configuration is made by `make run-pg` from the project's template
(production/config.py) once, with a whistleblower key of its own. The
processes log at TRYTOND_LOGGING_LEVEL (ERROR by default), never below INFO:
at DEBUG trytond would log the whistleblower reports and identities.
"""
import argparse
import configparser
import os
import pathlib
import sys

from production.config import MODULES, ROOT
from production.database import (
    create_database, database_exists, upgrade, users)
from production.processes import honcho_command, procfile_environ


def run(args):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(args.config)
    uri = parser.get('database', 'uri')
    print(f"Configuration {args.config}, PostgreSQL {uri}", flush=True)
    if database_exists(uri, args.database):
        if args.demo:
            print(f"Database {args.database} exists: the demo data is "
                "loaded only into a new database.")
    else:
        password = create_database(args.config, uri, args.database,
            args.modules, demo=args.demo, log=lambda m: print(m, flush=True))
        print(f"Database {args.database} created; admin password: "
            f"{password}")
    print(f"\nOpen http://{args.listen}/ , database «{args.database}».")
    if args.demo:
        from demo.base import DEMO_PASSWORD
        for login, name in users(uri, args.database):
            print(f"  {login:<14} {name}")
        print(f"Password for every demo user: {DEMO_PASSWORD}")
    print("Ctrl+C stops every process.\n", flush=True)
    command = honcho_command()
    os.chdir(ROOT)
    os.execve(command[0], command, procfile_environ(args.config,
            args.database, args.listen, workers=args.workers,
            threads=args.threads, queue_processes=args.queue_processes))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument('--config', type=pathlib.Path,
        default=ROOT / 'var' / 'trytond-pg.conf')
    database.add_argument('--database', default='complaints')
    database.add_argument('--modules', nargs='+', default=MODULES)
    commands = parser.add_subparsers(dest='command', required=True)
    start = commands.add_parser('run', parents=[database],
        help="create the database if missing and run the Procfile")
    start.add_argument('--demo', action='store_true',
        help="load the Chinese demo data into a new database")
    start.add_argument('--listen', default='127.0.0.1:8000')
    start.add_argument('--workers', type=int, default=2,
        help="web processes")
    start.add_argument('--threads', type=int, default=16,
        help="threads of each web process")
    start.add_argument('--queue-processes', type=int, default=1)
    commands.add_parser('upgrade', parents=[database],
        help="update the database's modules to the code, activating the "
        "modules and dependencies it lacks")
    args = parser.parse_args(argv)
    if args.command == 'run':
        run(args)
    else:
        upgrade(args.config, args.database, args.modules)
    return 0


if __name__ == '__main__':
    sys.exit(main())
