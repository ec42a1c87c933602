"""Real server processes on the test PostgreSQL database, as `make run-pg`
starts them, and a JSON-RPC client that talks to them like the web client.
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

from production.database import BIN, ROOT, write_config
from production.processes import programs
from production.supervisor import Supervisor

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


class WebServers:
    """Web processes of their own, each gunicorn with one worker on its own
    port, so that a request goes to the process chosen"""

    def __init__(self, config_path, database, count=2, threads=4):
        self.urls = []
        web = []
        for index in range(count):
            port = free_port()
            program, *_ = programs(config_path, database,
                f'127.0.0.1:{port}', workers=1, threads=threads,
                environ=server_environ())
            program.name = f'web{index}'
            web.append(program)
            self.urls.append(f'http://127.0.0.1:{port}')
        self.supervisor = Supervisor(web, log=lambda message: None)

    def __enter__(self):
        self.supervisor.start()
        for url, program in zip(self.urls, self.supervisor.programs):
            wait_http(url + '/', program)
        return self

    def __exit__(self, *exc):
        self.supervisor.stop()

    def kill(self, index):
        "SIGKILL the web process and the workers it forked"
        program = self.supervisor.programs[index]
        program.signal(signal.SIGKILL)
        program.process.wait()

    def restart(self, index):
        program = self.supervisor.programs[index]
        program.start()
        wait_http(self.urls[index] + '/', program)


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
