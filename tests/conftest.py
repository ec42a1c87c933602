"""Browser harness: a trytond serving the sao web client on the demo data,
driven by Debian's Chromium through playwright.

The demo database is built once per content of addons/ and demo/ and kept
under var/cache, so repeated runs only pay for starting the server.
"""
import hashlib
import logging
import os
import pathlib
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from demo.base import DEMO_PASSWORD
from production.config import write_config
from web_client import log_in

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / 'test-output'
SCREENSHOTS = OUTPUT / 'screenshots'
FAILURES = OUTPUT / 'failures'
CHROMIUM = '/usr/bin/chromium'
SAO = ROOT / 'node_modules' / 'tryton-sao'
MODULES = os.environ.get(
    'DEMO_MODULES',
    'scheduled_activity complaint_plan complaint_emergency complaint_intake '
    'complaint_related whistleblower store_hygiene personal_data').split()
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    ]
# The browser tests' server keeps the whistleblower key of its own.
WHISTLEBLOWER_KEY = 'n4c0aQqc0uQ7Cg8y8mEJ8Zp1h3cY3n2Nf9dfm0U6r1k='
# A save or a button may take seconds on a busy 2-core CI machine: the
# assertions wait as long as the actions do
expect.set_options(timeout=20_000)
# The database and log of the session's server, set by tryton_url
_server_files = {}


def _content_hash():
    digest = hashlib.sha1()
    for folder in ['addons', 'demo']:
        for path in sorted((ROOT / folder).rglob('*')):
            if path.is_file() and '__pycache__' not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    digest.update(' '.join(MODULES).encode())
    return digest.hexdigest()[:12]


def link_custom_files(sao=SAO):
    """Link the project's web/custom.js and web/custom.css into the web
    client's root, where its index.html loads them (as `make sao` does)"""
    for name in ['custom.js', 'custom.css']:
        link, target = sao / name, ROOT / 'web' / name
        if not (link.is_symlink() and link.resolve() == target):
            temporary = sao / f'.{name}.{os.getpid()}'
            temporary.unlink(missing_ok=True)
            temporary.symlink_to(target)
            os.replace(temporary, link)


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _server_env():
    """The environment without the test suite's database settings, logging
    each request so that tests can read what the server logs"""
    env = {k: v for k, v in os.environ.items()
        if not k.startswith('TRYTOND_') and k not in {'DB_NAME', 'DB_CACHE'}}
    env['TRYTOND_LOGGING_LEVEL'] = str(logging.INFO)
    return env


def server_config(folder, port):
    """Write the configuration of the browser tests' server into folder, its
    SQLite databases in folder/db; return its path"""
    path = folder / 'trytond.conf'
    write_config(path, 'sqlite://', data_path=folder / 'db',
        key=WHISTLEBLOWER_KEY, web_root=SAO, listen=f'127.0.0.1:{port}')
    return path


@pytest.fixture(scope='session')
def tryton_url():
    OUTPUT.mkdir(exist_ok=True)
    link_custom_files()
    # A folder per test run: several runs may share the machine.
    folder = pathlib.Path(tempfile.mkdtemp(prefix='browser-server-', dir=OUTPUT))
    database_folder = folder / 'db'
    database_folder.mkdir(parents=True)
    port = _free_port()
    config = server_config(folder, port)
    env = _server_env()
    cached = ROOT / 'var' / 'cache' / f'browser-demo-{_content_hash()}.sqlite'
    if not cached.exists():
        subprocess.run([sys.executable, '-m', 'demo',
                '--config', str(config), '--database', 'demo',
                '--modules', *MODULES],
            cwd=ROOT, env=env, check=True)
        cached.parent.mkdir(parents=True, exist_ok=True)
        building = cached.with_suffix(f'.{os.getpid()}')
        shutil.copy(database_folder / 'demo.sqlite', building)
        os.replace(building, cached)
    else:
        shutil.copy(cached, database_folder / 'demo.sqlite')

    log = (folder / 'trytond.log').open('w')
    trytond = pathlib.Path(sys.executable).with_name('trytond')
    server = subprocess.Popen(
        [str(trytond), '-c', str(config), '-d', 'demo'],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + '/', timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"trytond did not start, see {folder / 'trytond.log'}")
            time.sleep(0.3)
    _server_files.update(
        database=database_folder / 'demo.sqlite', log=folder / 'trytond.log')
    yield url
    server.terminate()
    server.wait(timeout=30)
    log.close()
    shutil.rmtree(database_folder)


@pytest.fixture
def demo_database(tryton_url):
    "Return a connection to the served demo database, to check what it holds"
    connection = sqlite3.connect(_server_files['database'])
    yield connection
    connection.close()


@pytest.fixture
def server_log(tryton_url):
    "Return the text the served trytond has logged so far"
    return lambda: _server_files['log'].read_text()


@pytest.fixture(scope='session')
def browser():
    # The PostgreSQL run's production tests use it too; the Makefile leaves
    # the browser tests out when Chromium is missing
    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that fails leaves a screenshot of each page it had
    open under test-output/failures/, named in its report"""
    report = yield
    browser = item.funcargs.get('browser')
    if browser is None or report.when != 'call' or not report.failed:
        return report
    FAILURES.mkdir(parents=True, exist_ok=True)
    pages = [page for context in browser.contexts for page in context.pages]
    for index, page in enumerate(pages):
        path = FAILURES / f'{item.name}-{index}.png'
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as error:
            report.sections.append(('failure screenshot', repr(error)))
        else:
            report.sections.append(
                ('failure screenshot', f'{path} ({page.url})'))
    return report


@pytest.fixture
def page(browser):
    context = browser.new_context(
        viewport={'width': 1440, 'height': 900}, locale='zh-CN')
    context.set_default_timeout(20000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(tryton_url):
    "Log in the web client as a demo user: login(page, 'clerk')"
    def login(page, user, password=DEMO_PASSWORD, path=''):
        log_in(page, tryton_url, 'demo', user, password, path=path)
    return login


@pytest.fixture
def screenshot():
    "Save a screenshot under test-output/screenshots/<name>.png"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def screenshot(page, name):
        path = SCREENSHOTS / f'{name}.png'
        page.screenshot(path=str(path), full_page=True)
        return path
    return screenshot
