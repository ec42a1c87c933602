"""The configuration file and the PostgreSQL database of the production run."""
import configparser
import hashlib
import os
import pathlib
import secrets
import stat
import subprocess
import sys
import tempfile
import urllib.parse

from cryptography.fernet import Fernet

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent
DEFAULT_URI = 'postgresql://postgres@127.0.0.1:5432/'
SAO = ROOT / 'node_modules' / 'tryton-sao'
# Built under this suffix and renamed at the end: a database that failed
# half-way is never left under its final name
BUILDING = '_building'


def write_config(path, uri):
    """Write the server configuration at path unless it exists and return
    it parsed.

    Written once: it holds the whistleblower key that encrypts the
    reporters' identities, which must never change by accident. Readable by
    its owner only (mode 0600), also when an earlier version wrote it."""
    path = pathlib.Path(path)
    if path.exists():
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        filestore = path.parent / 'filestore'
        filestore.mkdir(exist_ok=True)
        text = (
            f'[database]\nuri = {uri}\npath = {filestore}\n'
            'language = zh_CN\n\n'
            f'[web]\nroot = {SAO}\n\n'
            '[session]\nauthentications = password\n\n'
            # Every process clears its caches on the NOTIFY of the others
            '[cache]\nclean_timeout = 0\n\n'
            '[bus]\nallow_subscribe = True\n\n'
            '[queue]\nworker = True\n\n'
            f'[whistleblower]\nkey = {Fernet.generate_key().decode()}\n')
        # Created readable by its owner only: it holds the key
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, 'w') as file:
            file.write(text)
    config = configparser.ConfigParser()
    config.read(path)
    return config


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


def activated_modules(uri, name):
    with _connect(uri, name) as connection:
        return {n for n, in connection.execute(
                "SELECT name FROM ir_module WHERE state = 'activated'")}


def _admin(config_path, name, modules, password=''):
    """Activate the modules; in an empty database, create the tables and the
    admin user with the password first"""
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write(password)
        passfile.flush()
        subprocess.run([
                str(BIN / 'trytond-admin'), '-c', str(config_path), '-d', name,
                '--email', 'admin@example.com', '-l', 'zh_CN', 'en',
                '-u', *modules, '--activate-dependencies'],
            env=dict(os.environ, TRYTONPASSFILE=passfile.name), check=True)


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
    _admin(config_path, building, modules, password)
    if demo:
        subprocess.run([sys.executable, '-m', 'demo.load',
                '--config', str(config_path), '--database', building,
                '--modules', *modules], cwd=ROOT, check=True)
    with _connect(uri) as connection:
        connection.execute(
            f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return password


def addons_hash():
    "A digest of the modules' code: a change asks for an update"
    digest = hashlib.sha1()
    for path in sorted((ROOT / 'addons').rglob('*')):
        if path.is_file() and '__pycache__' not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def prepare_database(config_path, uri, name, modules, demo=False, log=print):
    """Create the database if missing, or update its modules when their code
    changed (activating those the database lacks and their new
    dependencies)"""
    # Beside the configuration: the code this database was updated to
    updated = pathlib.Path(config_path).with_name(f'{name}.updated')
    code = addons_hash()
    if not database_exists(uri, name):
        password = create_database(
            config_path, uri, name, modules, demo=demo, log=log)
        updated.write_text(code)
        log(f"Database {name} created; admin password: {password}")
        return
    if demo:
        log(f"Database {name} exists: the demo data is loaded only into a "
            "new database.")
    if (set(modules) - activated_modules(uri, name)
            or not updated.exists() or updated.read_text() != code):
        log(f"Updating the modules of {name} to the code")
        _admin(config_path, name, modules)
        updated.write_text(code)


def users(uri, name):
    "The (login, name) of the active users but root"
    with _connect(uri, name) as connection:
        return connection.execute(
            'SELECT login, name FROM res_user '
            "WHERE active AND login != 'root' ORDER BY id").fetchall()
