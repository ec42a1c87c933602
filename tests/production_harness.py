"""Real server processes on the test PostgreSQL database, the Procfile's
run by honcho as `make run-pg` starts them, and a JSON-RPC client that talks
to them like the web client.
"""
import base64
import http.cookiejar
import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid

from production.config import ROOT, write_config
from production.database import BIN
from production.processes import honcho_command, procfile_environ

OUTPUT = ROOT / 'test-output'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def server_environ():
    "The environment without the test suite's database settings"
    return {k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_') and k not in {'DB_NAME', 'DB_CACHE'}}


def server_config():
    """Write the production configuration (whistleblower key, cache
    invalidation, bus, queue) for the test database server into a folder of
    its own and return its path"""
    from trytond import config
    OUTPUT.mkdir(exist_ok=True)
    folder = pathlib.Path(tempfile.mkdtemp(prefix='production-', dir=OUTPUT))
    path = folder / 'trytond.conf'
    write_config(path, config.get('database', 'uri'))
    return path


def wait_http(url, program, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if not program.running or time.monotonic() > deadline:
                raise RuntimeError(f"{program.name} did not answer at {url}")
            time.sleep(0.3)


class Procfile:
    """honcho running processes of the Procfile (all by default) on the
    database at listen, as `make run-pg` does; its output goes to log"""

    def __init__(self, config_path, database, listen, processes=(),
            workers=2, threads=4, wsgi_app=None, environ=None, log=None):
        self.url = f'http://{listen}'
        self.command = honcho_command(*processes)
        self.env = procfile_environ(config_path, database, listen,
            workers=workers, threads=threads, wsgi_app=wsgi_app,
            environ=server_environ() if environ is None else environ)
        # honcho's lines reach the log as they come: pid() reads them
        self.env['PYTHONUNBUFFERED'] = '1'
        self.log = pathlib.Path(log or pathlib.Path(config_path).with_name(
                f'honcho-{listen.rsplit(":", 1)[1]}.log'))
        self.name = f"{' '.join(processes) or 'Procfile'} (see {self.log})"
        self.process = None

    def start(self, wait=True):
        "Start honcho; wait until the web process answers when asked"
        with self.log.open('w') as log:
            self.process = subprocess.Popen(self.command, env=self.env,
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        if wait:
            wait_http(self.url + '/', self)
        return self

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def pid(self, name):
        "The pid of the process name (web, cron, worker) honcho started"
        *_, pid = re.findall(rf'\| {name}\.1 started \(pid=(\d+)\)',
            self.log.read_text())
        return int(pid)

    def stop(self):
        "Stop every process as Ctrl+C does"
        self.terminate()
        self.wait()

    def terminate(self):
        "Ask every process to stop, as Ctrl+C does"
        if self.running:
            self.process.send_signal(signal.SIGTERM)

    def wait(self):
        "Wait until every process stopped"
        if self.process is not None:
            self.process.wait(timeout=60)

    __enter__ = start

    def __exit__(self, *exc):
        self.stop()


def children(pid):
    "The pids of the living processes that pid started"
    found = []
    for stat in pathlib.Path('/proc').glob('[0-9]*/stat'):
        try:
            # State and parent follow the command, in () and maybe spaced
            state, parent = stat.read_text().rsplit(')', 1)[1].split()[:2]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(parent) == pid and state != 'Z':
            found.append(int(stat.parent.name))
    return sorted(found)


class WebServers:
    """Web processes of their own, each the Procfile's web process with one
    worker on its own port, so that a request goes to the process chosen"""

    def __init__(self, config_path, database, count=2, threads=4):
        self.servers = [Procfile(config_path, database,
                f'127.0.0.1:{free_port()}', processes=['web'], workers=1,
                threads=threads)
            for _ in range(count)]
        self.urls = [server.url for server in self.servers]

    def __enter__(self):
        for server in self.servers:
            server.start(wait=False)
        for server in self.servers:
            wait_http(server.url + '/', server)
        return self

    def __exit__(self, *exc):
        # Together: each waits up to gunicorn's graceful timeout for the bus
        # polls of the web clients
        for server in self.servers:
            server.terminate()
        for server in self.servers:
            server.wait()


def run_cron_once(config_path, database, count=2):
    """Run count trytond-cron processes at the same moment, each going once
    through the due tasks; return their exit codes"""
    processes = [subprocess.Popen(
            [str(BIN / 'trytond-cron'), '-c', str(config_path),
                '-d', database, '--once'],
            env=server_environ(), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        for _ in range(count)]
    return [p.wait(timeout=300) for p in processes]


class HTTPError(Exception):
    "The status and the page of a request that failed"

    @property
    def status(self):
        return self.args[0]


class RPCError(Exception):
    "The error a JSON-RPC call answered"

    @property
    def message(self):
        "The user message of a UserError"
        kind, (message, *_) = self.args[0]
        assert kind == 'UserError', self.args[0]
        return message


class RPC:
    "A user's JSON-RPC session on one web process"

    def __init__(self, url, database, login, password, timeout=60):
        self.url = f'{url}/{database}/rpc/'
        self.timeout = timeout
        user_id, session, _ = self._post('common.db.login',
            [login, {'password': password}, 'zh_CN'], authorization=None)
        token = base64.b64encode(
            f'{login}:{user_id}:{session}'.encode()).decode()
        self.authorization = f'Session {token}'
        self.context = self('model.res.user.get_preferences', True, {})

    def _post(self, method, params, authorization):
        headers = {'Content-Type': 'application/json'}
        if authorization:
            headers['Authorization'] = authorization
        request = urllib.request.Request(self.url, method='POST',
            headers=headers, data=json.dumps({
                    'id': 0, 'method': method, 'params': params}).encode())
        try:
            with urllib.request.urlopen(
                    request, timeout=self.timeout) as answer:
                data = json.loads(answer.read())
        except urllib.error.HTTPError as error:
            raise HTTPError(error.code, error.read().decode()) from error
        if 'error' in data:
            raise RPCError(data['error'])
        return data['result']

    def __call__(self, method, *args):
        return self._post(method, list(args), self.authorization)

    def model(self, name, method, *args):
        "Call the method of the model with the user's context"
        return self(f'model.{name}.{method}', *args, self.context)


class ComplaintForm:
    """A visitor of the public complaint form of one web process, with the
    cookies of a browser"""

    def __init__(self, url, database, timeout=60):
        self.url = f'{url}/{database}/complaint_plan/complaint'
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self):
        """Open the form; return its hidden fields (csrf_token, submission)
        and the ids of its categories"""
        with self.opener.open(self.url, timeout=self.timeout) as answer:
            html = answer.read().decode()
        hidden = {name: re.search(
                    f'name="{name}" value="([^"]*)"', html).group(1)
            for name in ['csrf_token', 'submission']}
        categories = re.findall(r'<option value="(\d+)"', html)
        return hidden, categories

    def submit(self, fields):
        """Post the fields as multipart/form-data; return the status and the
        complaint number shown (or None)"""
        boundary = uuid.uuid4().hex
        body = b''.join(
            f'--{boundary}\r\nContent-Disposition: form-data; '
            f'name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()) + f'--{boundary}--\r\n'.encode()
        request = urllib.request.Request(self.url, data=body, method='POST',
            headers={'Content-Type':
                f'multipart/form-data; boundary={boundary}'})
        try:
            with self.opener.open(request, timeout=self.timeout) as answer:
                status, html = answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            status, html = error.code, error.read().decode()
        number = re.search(r'id="complaint-number"[^>]*>([^<]*)<', html)
        return status, number.group(1).strip() if number else None
