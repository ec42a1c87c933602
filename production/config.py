"""The one trytond configuration of the project.

`make run` (SQLite), `make run-pg` (PostgreSQL), the browser and production
tests and the benchmarks all write their trytond.conf with write_config;
their differences are its parameters. The PostgreSQL settings that let
several processes share a database (cache invalidation and bus through
LISTEN/NOTIFY, the queue worker) follow from the engine of the URI.

    python -m production.config FILE --uri URI --data-path DIR
"""
import argparse
import configparser
import os
import pathlib
import stat
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The modules of the suite that make run, make run-pg, make upgrade and the
# tests activate (their dependencies come with them)
MODULES = [
    'scheduled_activity', 'public_page', 'complaint_plan',
    'complaint_emergency', 'complaint_intake', 'complaint_related',
    'whistleblower', 'store_hygiene', 'personal_data']
SAO = ROOT / 'node_modules' / 'tryton-sao'


def generate_key():
    "A new whistleblower key (Fernet)"
    from cryptography.fernet import Fernet
    return Fernet.generate_key().decode()


def render(uri, data_path, key, web_root=SAO, language='zh_CN', listen=None):
    """The configuration text for the database engine of uri, its files under
    data_path (the SQLite databases or the PostgreSQL filestore)

    listen is left out by default: the processes get their address from the
    command line or TRYTOND_WEB__LISTEN, which a listen line would
    override."""
    sections = {
        'database': {
            'uri': uri,
            'path': data_path,
            'language': language,
            },
        'web': {
            'listen': listen,
            'root': web_root,
            },
        'session': {
            'authentications': 'password',
            },
        }
    if uri.startswith('postgresql'):
        sections.update({
                # Every process clears its caches on the NOTIFY of the
                # others
                'cache': {'clean_timeout': 0},
                # A notification made by one process rings the bell of a
                # web client served by another
                'bus': {'allow_subscribe': True},
                # Queued tasks wait for trytond-worker; SQLite has no
                # channel to wake it, so there they run after the commit
                'queue': {'worker': True},
                })
    sections['whistleblower'] = {'key': key}
    return '\n'.join(
        f'[{name}]\n' + ''.join(
            f'{option} = {value}\n' for option, value in options.items()
            if value is not None)
        for name, options in sections.items())


def write_config(path, uri, data_path=None, key=None, **parameters):
    """Write the configuration at path unless it exists and return it parsed.

    Written once: it holds the whistleblower key that encrypts the
    reporters' identities, which must never change by accident (a new key
    is generated unless one is given). It is created readable by its owner
    only, complete under a temporary name and linked in place, so that a
    crash or another process never sees half a file and never replaces a
    key; an existing file is made readable by its owner only again.
    data_path defaults to the folder filestore beside the file."""
    path = pathlib.Path(path)
    if path.exists():
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        if data_path is None:
            data_path = path.parent / 'filestore'
        pathlib.Path(data_path).mkdir(parents=True, exist_ok=True)
        text = render(uri, data_path, key or generate_key(), **parameters)
        # mkstemp creates the file with mode 0600 whatever the umask
        descriptor, temporary = tempfile.mkstemp(
            prefix=f'.{path.name}.', dir=path.parent)
        try:
            with os.fdopen(descriptor, 'w') as file:
                file.write(text)
            try:
                os.link(temporary, path)
            except FileExistsError:
                # Written by another process meanwhile: theirs is kept
                pass
        finally:
            os.unlink(temporary)
    config = configparser.ConfigParser(interpolation=None)
    config.read(path)
    return config


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('path', type=pathlib.Path)
    parser.add_argument('--uri', required=True)
    parser.add_argument('--data-path', type=pathlib.Path, required=True)
    parser.add_argument('--web-root', type=pathlib.Path, default=SAO)
    parser.add_argument('--language', default='zh_CN')
    args = parser.parse_args(argv)
    write_config(args.path, args.uri, data_path=args.data_path,
        web_root=args.web_root, language=args.language)


if __name__ == '__main__':
    main()
