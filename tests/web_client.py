"""Logging in to the web client (sao) in Chromium: the browser tests and the
P6 benchmark."""
from playwright.sync_api import TimeoutError as PlaywrightTimeout


def log_in(page, url, database, user, password, path=''):
    """Open the web client at url and log in to the database as user; path
    (/model/<model>/<id>) is the address of a record to open, as a link of
    a mail gives it"""
    page.goto(f'{url}/#{database}{path}')
    page.fill('#login', user)
    # Once in a bench run the password dialog never came: click again
    for attempt in range(3):
        page.click('.login-dialog button[type=submit]')
        try:
            page.wait_for_selector('#ask-dialog-entry', timeout=20_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    page.fill('#ask-dialog-entry', password)
    page.click('.ask-dialog .btn-primary')
    page.wait_for_selector('.login-dialog', state='detached')
    page.wait_for_selector('#menu .column-char')
