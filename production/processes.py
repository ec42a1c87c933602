"""The programs of the production run."""
import os

from production.database import BIN, ROOT
from production.supervisor import Program


def programs(config_path, database, listen, workers=2, threads=16,
        queue_processes=1, environ=os.environ):
    "The web, cron and queue worker programs serving the database"
    env = dict(environ,
        TRYTOND_CONFIG=str(config_path),
        # Each web process loads the database's modules before it answers
        TRYTOND_DATABASE_NAMES=database)
    return [
        Program('web', [
                str(BIN / 'gunicorn'),
                '--workers', str(workers),
                # Threads: the web client's bus long polling holds one
                # while it waits, the other requests go on
                '--worker-class', 'gthread', '--threads', str(threads),
                '--bind', listen,
                '--graceful-timeout', '20',
                # Several servers may run on one machine
                '--no-control-socket',
                '--chdir', str(ROOT),
                'trytond.application:app'], env=env),
        Program('cron', [
                str(BIN / 'trytond-cron'), '-c', str(config_path),
                '-d', database, '-n', '1'], env=env),
        Program('queue', [
                str(BIN / 'trytond-worker'), '-c', str(config_path),
                '-d', database, '-n', str(queue_processes)], env=env),
        ]
