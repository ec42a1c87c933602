"""The PostgreSQL database of `make run-pg`: created with its modules when
missing, updated only when asked (`make upgrade`)."""
import os
import pathlib
import secrets
import subprocess
import sys
import tempfile
import urllib.parse

from production.config import ROOT

BIN = pathlib.Path(sys.executable).parent
DEFAULT_URI = 'postgresql://postgres@127.0.0.1:5432/'
# Built under this suffix and renamed at the end: a database that failed
# half-way is never left under its final name
BUILDING = '_building'


def _connect(uri, database='postgres'):
    import psycopg
    parts = urllib.parse.urlparse(uri)
    return psycopg.connect(
        parts._replace(scheme='postgresql', path='/' + database).geturl(),
        autocommit=True)


def database_exists(uri, name):
    with _connect(uri) as connection:
        return bool(connection.execute(
                'SELECT 1 FROM pg_database WHERE datname = %s',
                (name,)).fetchone())


def _initialise(config_path, name, modules, password):
    """In the empty database name: create the tables, the admin user with the
    password and the languages, and activate the modules"""
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write(password)
        passfile.flush()
        subprocess.run([
                str(BIN / 'trytond-admin'), '-c', str(config_path), '-d', name,
                '--email', 'admin@example.com', '-l', 'zh_CN', 'en',
                '-u', *modules, '--activate-dependencies'],
            env=dict(os.environ, TRYTONPASSFILE=passfile.name), check=True)


def upgrade(config_path, name, modules):
    """Update the database to the code: the modules' tables, views, records
    and translations, activating the modules and dependencies it lacks"""
    subprocess.run([
            str(BIN / 'trytond-admin'), '-c', str(config_path), '-d', name,
            '-u', *modules, '--activate-dependencies'], check=True)


def create_database(config_path, uri, name, modules, demo=False, log=print):
    """Create the database with the modules activated and the demo data when
    asked; return the admin password"""
    from demo.base import DEMO_PASSWORD
    building = name + BUILDING
    with _connect(uri) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{building}"')
        connection.execute(
            f'CREATE DATABASE "{building}" TEMPLATE template0 '
            "ENCODING 'unicode'")
    password = DEMO_PASSWORD if demo else secrets.token_urlsafe(12)
    log(f"Creating database {name} with {' '.join(modules)}")
    _initialise(config_path, building, modules, password)
    if demo:
        subprocess.run([sys.executable, '-m', 'demo.load',
                '--config', str(config_path), '--database', building,
                '--modules', *modules], cwd=ROOT, check=True)
    with _connect(uri) as connection:
        connection.execute(
            f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return password


def users(uri, name):
    "The (login, name) of the active users but root"
    with _connect(uri, name) as connection:
        return connection.execute(
            'SELECT login, name FROM res_user '
            "WHERE active AND login != 'root' ORDER BY id").fetchall()
