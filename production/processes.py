"""The programs of the production run."""
import logging
import os

from production.database import BIN, ROOT
from production.supervisor import Program


def logging_environ(environ):
    """The environment with trytond's logging at INFO level at most verbose

    At DEBUG level trytond logs the SQL queries with their values, the whole
    arguments and the results of the RPC calls: the whistleblower reports,
    messages and identities (see whistleblower/logfilter.py). So a lower
    TRYTOND_LOGGING_LEVEL is raised to INFO, and a logging configuration
    file (TRYTOND_LOGGING_CONFIG), which could ask for DEBUG, is not used."""
    env = dict(environ)
    env.pop('TRYTOND_LOGGING_CONFIG', None)
    level = env.get('TRYTOND_LOGGING_LEVEL')
    if level is not None:
        try:
            level = int(level)
        except ValueError:
            level = logging.NOTSET
        if level < logging.INFO:
            env['TRYTOND_LOGGING_LEVEL'] = str(logging.INFO)
    return env


def programs(config_path, database, listen, workers=2, threads=16,
        queue_processes=1, environ=os.environ):
    "The web, cron and queue worker programs serving the database"
    env = dict(logging_environ(environ),
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
