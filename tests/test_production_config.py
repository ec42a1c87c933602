"""One configuration template: make run, make run-pg, the browser and
production tests and the benchmarks render their trytond.conf from
production/config.py, with their differences as parameters."""
import configparser
import os
import pathlib
import re
import shlex
import stat
import subprocess
import threading

import production_harness
from conftest import WHISTLEBLOWER_KEY, server_config

from benchmarks.scratch import web_config
from production.config import ROOT, SAO, render, write_config

KEY = 'n4c0aQqc0uQ7Cg8y8mEJ8Zp1h3cY3n2Nf9dfm0U6r1k='
PG_URI = 'postgresql://postgres@db.example.com:5432/'


def parse(text):
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(text)
    return {s: dict(config.items(s, raw=True)) for s in config.sections()}


def test_render_by_engine():
    """The settings that let processes share a database come with
    PostgreSQL only; SQLite keeps trytond's defaults"""
    sqlite = parse(render('sqlite://', '/srv/db', KEY))
    assert sqlite == {
        'database': {
            'uri': 'sqlite://', 'path': '/srv/db', 'language': 'zh_CN'},
        'web': {'root': str(SAO)},
        'session': {'authentications': 'password'},
        'whistleblower': {'key': KEY},
        }
    postgresql = parse(render(PG_URI, '/srv/filestore', KEY, web_root='/sao',
            language='en', listen='0.0.0.0:8000'))
    assert postgresql == {
        'database': {
            'uri': PG_URI, 'path': '/srv/filestore', 'language': 'en'},
        'web': {'listen': '0.0.0.0:8000', 'root': '/sao'},
        'session': {'authentications': 'password'},
        'cache': {'clean_timeout': '0'},
        'bus': {'allow_subscribe': 'True'},
        'queue': {'worker': 'True'},
        'whistleblower': {'key': KEY},
        }


def test_written_once(tmp_path):
    """Written by several processes at once, with a lax umask: one file,
    readable by its owner only, with one new key that every writer reads
    back; nothing else left in the folder; never rewritten"""
    path = tmp_path / 'trytond.conf'
    keys = []

    def write():
        keys.append(write_config(path, PG_URI).get('whistleblower', 'key'))
    umask = os.umask(0o002)
    try:
        writers = [threading.Thread(target=write) for _ in range(8)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
    finally:
        os.umask(umask)
    key, = set(keys)
    assert key != KEY and len(key) == 44
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'filestore', 'trytond.conf']
    text = path.read_text()
    assert text == render(PG_URI, tmp_path / 'filestore', key)
    path.chmod(0o644)
    assert write_config(path, 'sqlite://', key=KEY).get(
        'whistleblower', 'key') == key
    assert path.read_text() == text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def key_of(path):
    config = configparser.ConfigParser(interpolation=None)
    config.read(path)
    return config.get('whistleblower', 'key')


def test_makefile(tmp_path):
    "make run's and make run-pg's configurations, made by the Makefile"
    var = tmp_path / 'var'
    env = {k: v for k, v in os.environ.items() if not k.startswith('MAKE')}
    env['TRYTOND_DATABASE_URI'] = PG_URI
    result = subprocess.run(['make', '--no-print-directory',
            '-o', '.venv/.installed', f'VAR={var}',
            f'{var}/trytond.conf', f'{var}/trytond-pg.conf'],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    sqlite, postgresql = var / 'trytond.conf', var / 'trytond-pg.conf'
    assert sqlite.read_text() == render(
        'sqlite://', var / 'db', key_of(sqlite))
    assert postgresql.read_text() == render(
        PG_URI, var / 'filestore', key_of(postgresql))
    # Each installation has a key of its own
    assert key_of(sqlite) != key_of(postgresql)


def test_browser_tests(tmp_path):
    "The browser tests' server: the key of the cached demo database"
    path = server_config(tmp_path, 8123)
    assert path.read_text() == render('sqlite://', tmp_path / 'db',
        WHISTLEBLOWER_KEY, listen='127.0.0.1:8123')


def test_production_tests_and_benchmarks(tmp_path):
    "The production tests' and the benchmarks' web processes"
    from trytond import config
    uri = config.get('database', 'uri')
    harness = production_harness.server_config()
    try:
        assert harness.read_text() == render(
            uri, harness.parent / 'filestore', key_of(harness))
    finally:
        subprocess.run(['rm', '-rf', str(harness.parent)], check=True)
    benchmark = web_config(tmp_path)
    assert benchmark.read_text() == render(
        uri, tmp_path / 'filestore', key_of(benchmark))
    assert pathlib.Path(benchmark).parent == tmp_path


def test_systemd_units_run_the_procfile():
    """The shipped systemd units run the Procfile's programs with the same
    options and settings"""
    from honcho.environ import parse_procfile

    from production.processes import PROCFILE

    def words(command):
        return [re.sub(r'\$\{(\w+)\}', r'$\1', word)
            for word in shlex.split(command)]
    procfile = parse_procfile(PROCFILE.read_text()).processes
    units = ROOT / 'production' / 'systemd'
    for name, command in procfile.items():
        unit = (units / f'tryton-{name}.service').read_text()
        exec_start = re.search(
            r'^ExecStart=((?:.*\\\n)*.*)$', unit, re.MULTILINE).group(1)
        program, *arguments = words(exec_start.replace('\\\n', ' '))
        expected = words(command.replace(
                '${WSGI_APP:-trytond.application:app}',
                'trytond.application:app'))
        assert expected[0] == 'exec'
        assert [pathlib.Path(program).name, *arguments] == expected[1:], name
        assert 'EnvironmentFile=/etc/tryton/tryton.env' in unit
        assert 'Restart=on-failure' in unit
        assert re.search(r'^User=tryton$', unit, re.MULTILINE)
    settings = re.findall(r'^(\w+)=', (units / 'tryton.env').read_text(),
        re.MULTILINE)
    assert set(settings) == set(re.findall(
            r'\$\{?(\w+)', ' '.join(procfile.values()))) - {'WSGI_APP'} | {
        'TRYTOND_LOGGING_LEVEL'}
