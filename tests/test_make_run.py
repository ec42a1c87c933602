"""`make run` (demo/run.py): the web process and the cron on the SQLite demo
database, run by honcho, at the address given on each run, stopped together
by Ctrl+C."""
import os
import pathlib
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from demo.run import drop_listen, programs
from production.config import SAO, render

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_drop_listen(tmp_path):
    "An older configuration's listen line goes, the rest and the mode stay"
    config = tmp_path / 'trytond.conf'
    config.write_text('[database]\nuri = sqlite://\n\n'
        '[web]\nlisten = 127.0.0.1:8000\nroot = /sao\n\n'
        '[whistleblower]\nkey = secret\n')
    config.chmod(0o600)
    assert drop_listen(config)
    assert config.read_text() == ('[database]\nuri = sqlite://\n\n'
        '[web]\nroot = /sao\n\n[whistleblower]\nkey = secret\n')
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert not drop_listen(config)


def test_programs_listen_from_environment(tmp_path):
    web, cron = programs(tmp_path / 'trytond.conf', 'demo', '0.0.0.0:8041',
        environ={'TRYTOND_LOGGING_LEVEL': '10'})
    assert web.argv[-2:] == ['-d', 'demo']
    assert pathlib.Path(cron.argv[0]).name == 'trytond-cron'
    for program in [web, cron]:
        assert program.env['TRYTOND_WEB__LISTEN'] == '0.0.0.0:8041'
        # The links of the mails lead to where the web client listens
        assert program.env['TRYTOND_WEB__HOSTNAME'] == '0.0.0.0:8041'
        # Never DEBUG: it would log the whistleblower reports
        assert program.env['TRYTOND_LOGGING_LEVEL'] == '20'


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose
    try:
        return pathlib.Path(f'/proc/{pid}/stat').read_text().split()[2] != 'Z'
    except FileNotFoundError:
        return False


def test_run_serves_and_stops_on_ctrl_c(tmp_path):
    """The runner serves the web client at the port of this run although the
    file names another one, runs the cron, and stops both on SIGINT"""
    cached = sorted((ROOT / 'var' / 'cache').glob('browser-demo-*.sqlite'),
        key=lambda p: p.stat().st_mtime)
    if not cached:
        pytest.skip("no demo database built by the browser tests yet")
    database = tmp_path / 'db'
    database.mkdir()
    (database / 'demo.sqlite').write_bytes(cached[-1].read_bytes())
    config = tmp_path / 'trytond.conf'
    # As an older make run wrote it, with a listen line
    config.write_text(render('sqlite://', database,
            'n4c0aQqc0uQ7Cg8y8mEJ8Zp1h3cY3n2Nf9dfm0U6r1k=',
            web_root=SAO, listen='127.0.0.1:1'))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(
            ('TRYTOND_', 'DB_'))}
    runner = subprocess.Popen([sys.executable, '-m', 'demo.run',
            '--config', str(config), '--host', '127.0.0.1',
            '--port', str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    output = []
    try:
        for line in runner.stdout:
            output.append(line)
            if line.startswith('Ctrl+C'):
                break
        text = ''.join(output)
        assert f'Open http://127.0.0.1:{port} ' in text, text
        started = dict(re.findall(
                r'\| (web|cron) started \(pid=(\d+)\)', text))
        assert sorted(started) == ['cron', 'web'], text
        pids = [int(pid) for pid in started.values()]
        assert _status(f'http://127.0.0.1:{port}/') == 200
        # Linked by make sao and the browser tests; never trytond's 405
        assert _status(f'http://127.0.0.1:{port}/custom.js') in {200, 404}
        assert _status(f'http://127.0.0.1:{port}/no-such.css') == 404
        time.sleep(1)
        assert all(_alive(pid) for pid in pids), text
    finally:
        runner.send_signal(signal.SIGINT)
        rest, _ = runner.communicate(timeout=60)
    assert runner.returncode == 0, rest
    assert 'SIGINT received' in rest
    for name in ['web', 'cron']:
        assert f'{name} stopped' in rest, rest
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in pids)
