"""New work rings the bell of the web client that is open, without a reload.

Two people are logged in at once: the handler of product quality complaints
and a clerk. A customer sends a complaint from the website; the handler's
badge counts it while the page stays as it was, and the notice names the
complaint; the clerk's badge does not change.
"""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DESCRIPTION = '酸奶还没到保质期就胀袋了，喝了一口是酸的。'
# The web client asks the server for its count this often when it has no
# bus to listen to (custom.js); the badge must follow well within it
RING_SECONDS = 60


def count(page):
    "The number the page's badge shows, 0 when hidden"
    badge = page.locator('.notification-badge:visible')
    if not badge.count():
        return 0
    text = badge.first.inner_text().strip()
    return int(text) if text else 0


def test_public_complaint_rings_open_client(
        browser, page, tryton_url, login, screenshot):
    login(page, 'handler')
    clerk = browser.new_context(
        viewport={'width': 1440, 'height': 900}, locale='zh-CN').new_page()
    login(clerk, 'clerk')
    # Whatever the demo left in the bells, read once they are drawn
    page.wait_for_timeout(2000)
    handler_before, clerk_before = count(page), count(clerk)
    page.evaluate('window.notReloaded = true')

    customer = browser.new_context(locale='zh-CN').new_page()
    customer.goto(f'{tryton_url}/demo/complaint_plan/complaint')
    customer.fill('#name', '陈先生')
    customer.fill('#phone', '13987654321')
    customer.select_option('#category', label='产品质量')
    customer.fill('#description', DESCRIPTION)
    customer.click('#submit')
    number = customer.locator('#complaint-number')
    expect(number).to_have_text(re.compile(r'TS-\d{4}-\d{5}'))
    number = number.inner_text()
    customer.context.close()

    badge = page.locator('.notification-badge:visible').first
    expect(badge).to_have_text(str(handler_before + 1),
        timeout=RING_SECONDS * 1000)
    assert page.evaluate('window.notReloaded') is True
    page.locator('#user-preferences > a.dropdown-toggle').click()
    notice = page.locator('.notification-menu li',
        has_text=f'新投诉 {number}（网上）')
    expect(notice).to_have_count(1)
    expect(notice.locator('.notification-description')).to_have_text(
        re.compile('主题：酸奶还没到保质期就胀袋了'))
    screenshot(page, 'bell_new_public_complaint')
    assert count(clerk) == clerk_before
    clerk.context.close()
