"""Run the modules on PostgreSQL as in production.

Create the database when it is missing (the modules activated, the Chinese
demo data loaded with --demo), then keep running until Ctrl+C:
- N trytond web processes behind one address (gunicorn serving
  trytond.application:app and the web client),
- one trytond-cron,
- one trytond-worker for the queue.
The configuration is written once to var/trytond-pg.conf with a whistleblower
key of its own, readable by its owner only; the PostgreSQL URI comes from
TRYTOND_DATABASE_URI the first time, then from that file.
The processes log at TRYTOND_LOGGING_LEVEL (ERROR by default), never below
INFO: at DEBUG trytond would log the whistleblower reports and identities.
"""
import argparse
import os
import pathlib
import signal
import sys
import time
import urllib.request

from demo.base import DEMO_PASSWORD
from production.database import (
    DEFAULT_URI, ROOT, prepare_database, users, write_config)
from production.processes import programs
from production.supervisor import Supervisor

MODULES = [
    'scheduled_activity', 'complaint_plan', 'whistleblower', 'store_hygiene',
    'public_page', 'personal_data']
READY_TIMEOUT = 120


def wait_ready(url, supervisor, timeout=READY_TIMEOUT):
    """Wait until the web processes answer; False if they died or were asked
    to stop before"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if supervisor.stopping or not supervisor.programs[0].running:
            return False
        try:
            urllib.request.urlopen(url, timeout=2)
            return True
        except OSError:
            time.sleep(0.5)
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', type=pathlib.Path,
        default=ROOT / 'var' / 'trytond-pg.conf')
    parser.add_argument('--database', default='complaints')
    parser.add_argument('--modules', nargs='+', default=MODULES)
    parser.add_argument('--demo', action='store_true',
        help="load the Chinese demo data into a new database")
    parser.add_argument('--listen', default='127.0.0.1:8000')
    parser.add_argument('--workers', type=int, default=2,
        help="web processes")
    parser.add_argument('--threads', type=int, default=16,
        help="threads of each web process")
    parser.add_argument('--queue-processes', type=int, default=1)
    args = parser.parse_args(argv)

    config = write_config(args.config,
        os.environ.get('TRYTOND_DATABASE_URI') or DEFAULT_URI)
    uri = config.get('database', 'uri')
    print(f"Configuration {args.config}, PostgreSQL {uri}", flush=True)
    prepare_database(args.config, uri, args.database, args.modules,
        demo=args.demo, log=lambda m: print(m, flush=True))

    supervisor = Supervisor(
        programs(args.config, args.database, args.listen, args.workers,
            args.threads, args.queue_processes),
        log=lambda m: print(f"production: {m}", flush=True))
    signal.signal(signal.SIGINT, supervisor.ask_stop)
    signal.signal(signal.SIGTERM, supervisor.ask_stop)
    supervisor.start()
    url = f'http://{args.listen}/'
    if not wait_ready(url, supervisor):
        asked_to_stop = supervisor.stopping
        supervisor.stop()
        if asked_to_stop:
            return 0
        print(f"The web processes did not answer at {url}", file=sys.stderr)
        return 1
    print(f"\nOpen {url} , database «{args.database}».", flush=True)
    if args.demo:
        for login, name in users(uri, args.database):
            print(f"  {login:<14} {name}")
        print(f"Password for every demo user: {DEMO_PASSWORD}")
    print("Ctrl+C stops every process.\n", flush=True)
    supervisor.watch()
    return 0


if __name__ == '__main__':
    sys.exit(main())
