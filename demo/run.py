"""`make run`: serve the SQLite demo database with the processes production
runs, through honcho as `make run-pg`, until Ctrl+C stops them all together.

- web: trytond serving the JSON-RPC, the public pages and the web client;
- cron: trytond-cron, which runs the scheduled tasks (reminders, overdue
  notices, escalations, inspection generation, erasure of personal data).

What production also runs and SQLite cannot:
- the queue worker (trytond-worker) waits for PostgreSQL NOTIFY on its
  connection; with `[queue] worker` left False the queued tasks (ir.queue,
  e.g. the emergency alert mails) run in the web or cron process right after
  the transaction that queued them commits;
- the bus (long polling of the web client): SQLite has no channels
  (Database.has_channel() is False), so trytond publishes nothing and the
  client does not subscribe; web/custom.js then asks for the bell's count
  every 20 seconds.

The address comes from the command line on every run (HOST and PORT of
make, here --listen) through TRYTOND_WEB__LISTEN, so the configuration file
holds none; a listen line that an older `make run` wrote into it would take
precedence over the environment and is removed once.
"""
import argparse
import collections
import configparser
import os
import pathlib
import re
import shlex
import sys
import threading
import time
import urllib.request

from honcho.manager import SIGNALS, Manager
from honcho.printer import Printer

from demo.logins import main as print_logins
from production.processes import logging_environ

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
LISTEN_LINE = re.compile(r'^listen\s*[=:].*\n?', re.MULTILINE)


def drop_listen(path):
    """Remove the [web] listen line from the configuration file at path,
    keeping it readable by its owner only (it holds the whistleblower key)"""
    path = pathlib.Path(path)
    text = path.read_text()
    sections = re.split(r'(?m)^(?=\[)', text)
    changed = False
    for i, section in enumerate(sections):
        if section.startswith('[web]') and LISTEN_LINE.search(section):
            sections[i] = LISTEN_LINE.sub('', section)
            changed = True
    if not changed:
        return False
    new = path.with_name(path.name + '.new')
    descriptor = os.open(new, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, 'w') as file:
        file.write(''.join(sections))
    os.replace(new, path)
    return True


Program = collections.namedtuple('Program', 'name argv env')


def programs(config, database, listen, environ=os.environ):
    "The web and cron programs serving database"
    # hostname: the links of the mails open the web client where it listens
    env = dict(logging_environ(environ),
        TRYTOND_CONFIG=str(config), TRYTOND_WEB__LISTEN=listen,
        TRYTOND_WEB__HOSTNAME=listen)
    return [
        Program('web', [str(BIN / 'trytond'), '-c', str(config),
                # -d: the first login fails on a server started without it
                '-d', database], env),
        Program('cron', [str(BIN / 'trytond-cron'), '-c', str(config),
                '-d', database], env),
        ]


def announce(url, database_file, timeout=120):
    "Print how to log in once the web process answers at url"
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url + '/', timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                print(f"The web process did not answer at {url}",
                    file=sys.stderr, flush=True)
                return
            time.sleep(0.5)
    print_logins(str(database_file), url)
    print("Ctrl+C stops the web and cron processes.\n", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', type=pathlib.Path,
        default=ROOT / 'var' / 'trytond.conf')
    parser.add_argument('--database', default='demo')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', default='8000')
    args = parser.parse_args(argv)
    # Each line as it comes, also into a pipe
    sys.stdout.reconfigure(line_buffering=True)
    listen = f'{args.host}:{args.port}'
    if drop_listen(args.config):
        print(f"{args.config}: its [web] listen line is removed, the address "
            "comes from HOST and PORT now")
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.read(args.config)
    database_file = (pathlib.Path(parsed.get('database', 'path'))
        / f'{args.database}.sqlite')

    # honcho runs them as foreman does: the output of each prefixed with its
    # name, all stopped when one stops or on Ctrl+C
    manager = Manager(Printer(sys.stdout, colour=sys.stdout.isatty()))
    for program in programs(args.config, args.database, listen):
        manager.add_process(program.name,
            # honcho starts a shell: the program takes its place
            'exec ' + shlex.join(program.argv),
            env=program.env, cwd=ROOT)
    threading.Thread(target=announce, args=(f'http://{listen}', database_file),
        daemon=True).start()
    manager.loop()
    # Stopped on Ctrl+C or SIGTERM, as asked, rather than by a failure
    stopped = {signal['rc'] for signal in SIGNALS.values()}
    return 0 if manager.returncode in stopped else manager.returncode


if __name__ == '__main__':
    sys.exit(main())
