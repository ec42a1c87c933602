"""Logging in to the web client (sao) in Chromium: the browser tests and the
P6 benchmark."""
import time
import weakref

# The web client's calls to the server in flight, for each page
_calls = weakref.WeakKeyDictionary()


def log_in(page, url, database, user, password, path=''):
    """Open the web client at url and log in to the database as user; path
    (/model/<model>/<id>) is the address of a record to open, as a link of
    a mail gives it"""
    calls = _calls.setdefault(page, set())
    page.on('request', lambda request: (
            calls.add(request) if request.method == 'POST' else None))
    page.on('requestfinished', lambda request: calls.discard(request))
    page.on('requestfailed', lambda request: calls.discard(request))
    page.goto(f'{url}/#{database}{path}')
    # The web client ignores the login until the database field is filled
    # from the server's list of databases (a while on a server just started)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll("
        "'.login-dialog [name=database]')).some(field => field.value)")
    page.fill('#login', user)
    page.click('.login-dialog button[type=submit]')
    page.fill('#ask-dialog-entry', password)
    page.click('.ask-dialog .btn-primary')
    page.wait_for_selector('.login-dialog', state='detached')
    page.wait_for_selector('#menu .column-char')


def settle(page, timeout=20, quiet=0.3):
    """Wait until the web client of the page (logged in by log_in) has had
    no call to the server in flight for a moment: when an answer arrives the
    form redraws, and text typed meanwhile is lost. The moment covers the
    gap between an answer and the call the web client makes on reading it
    (a new record's defaults, then its on_change), longer on a busy
    machine."""
    calls = _calls[page]
    end = time.monotonic() + timeout
    quiet_since = time.monotonic()
    while calls or time.monotonic() - quiet_since < quiet:
        if calls:
            if time.monotonic() > end:
                raise AssertionError(
                    f'Server calls still running: {[r.url for r in calls]}')
            quiet_since = time.monotonic()
        page.wait_for_timeout(50)


def press(button):
    """Click the button of a form once the web client has loaded the form's
    record: a click while it loads is lost"""
    settle(button.page)
    button.click()
