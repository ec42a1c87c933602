"""A leader approves a handling plan from their inbox; the handler's bell
tells them the plan is approved."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SUBJECT = '地面湿滑导致摔倒'


def test_leader_approves_from_inbox(browser, page, login, screenshot):
    login(page, 'leader2')
    page.locator('#menu').get_by_text('我的审批', exact=True).first.click()
    to_approve = page.get_by_role('tab', name=re.compile('待审批'))
    expect(to_approve).to_have_text(re.compile(r'待审批\s*1'))
    row = page.locator('tr', has_text=SUBJECT)
    expect(row).to_have_count(1)
    expect(row).to_contain_text('领导小组审批')
    screenshot(page, 'approval_leader_inbox')

    row.get_by_text(SUBJECT).dblclick()
    form = page.locator('#tabs > div > .tab-pane.active .form')
    expect(form.locator('input[name=approvals_count][type=text]')).to_have_value('1')
    form.locator('button[name=approve]').click()
    expect(form.locator('select[name=state]')).to_have_value('"approved"')
    screenshot(page, 'approval_leader_approved')

    handler = browser.new_context(
        viewport={'width': 1440, 'height': 900}, locale='zh-CN').new_page()
    login(handler, 'handler2')
    badge = handler.locator('.notification-badge:visible').first
    expect(badge).to_be_visible()
    badge.click()
    approved = handler.locator('.notification-menu .notification-label',
        has_text=re.compile('处置方案已批准'))
    expect(approved).to_have_count(1)
    screenshot(handler, 'approval_handler_bell')
    handler.context.close()
