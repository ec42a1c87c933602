"""The processes of the production run: the Procfile, run by honcho, and the
environment they take their settings from."""
import logging
import os

from production.config import ROOT
from production.database import BIN

PROCFILE = ROOT / 'Procfile'


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


def procfile_environ(config_path, database, listen, workers=2, threads=16,
        queue_processes=1, wsgi_app=None, environ=os.environ):
    "The environment of the Procfile's processes serving the database"
    host, port = listen.rsplit(':', 1)
    env = dict(logging_environ(environ),
        # The programs of this Python first
        PATH=os.pathsep.join([str(BIN), environ.get('PATH', os.defpath)]),
        TRYTOND_CONFIG=str(config_path),
        # Each web process loads the database's modules before it answers
        TRYTOND_DATABASE_NAMES=database,
        HOST=host, PORT=port, WORKERS=str(workers), THREADS=str(threads),
        QUEUE_PROCESSES=str(queue_processes))
    if wsgi_app:
        env['WSGI_APP'] = wsgi_app
    return env


def honcho_command(*processes):
    "The command that runs the processes of the Procfile (all by default)"
    return [str(BIN / 'honcho'), '--no-colour', '--procfile', str(PROCFILE),
        '--app-root', str(ROOT), 'start', *processes]

