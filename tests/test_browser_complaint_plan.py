"""The clerk registers a complaint received by phone in the web client; the
handler finds it in their list and starts the verification."""
import re

import pytest
from playwright.sync_api import expect
from web_client import press

pytestmark = pytest.mark.browser

SUBJECT = '生鲜区地面湿滑无警示'


def open_complaints(page):
    page.locator('#menu').get_by_text('投诉管理').click()
    page.locator('#menu').get_by_text('投诉', exact=True).click()
    page.get_by_role('tab', name=re.compile('待登记')).wait_for()


def form(page):
    return page.locator('#tabs > div > .tab-pane.active .form')


def test_clerk_registers_handler_verifies(browser, page, login, screenshot):
    login(page, 'clerk')
    open_complaints(page)
    page.locator('#tabs > div > .tab-pane.active button#new_').click()
    current = form(page)
    current.locator('input[name=subject]').fill(SUBJECT)
    current.locator('input[name=complainant_name]').fill('钱女士')
    current.locator('input[name=complainant_phone]').fill('13812345678')
    current.locator('textarea[name=description]').fill(
        '顾客称生鲜区地面有积水，没有放置警示牌，险些滑倒。')
    current.locator('textarea[name=requested_remedy]').fill('尽快处理地面')
    current.locator('input[name=category]').fill('服务')
    page.locator('.dropdown-menu').filter(has_text='查找').get_by_text(
        '服务', exact=True).click()
    # The category suggests the level and the handler
    expect(current.locator('input[name=level]')).to_have_value('三级')
    expect(current.locator('input[name=responsible]')).to_have_value('张伟')
    screenshot(page, 'complaint_clerk_new')

    page.keyboard.press('Control+s')
    expect(current.locator('input[name=number]')).to_have_value(
        re.compile(r'TS-\d{4}-\d{5}'))
    number = current.locator('input[name=number]').input_value()
    press(current.locator('button[name=register]'))
    expect(current.locator('select[name=state]')).to_have_value('"registered"')
    screenshot(page, 'complaint_clerk_registered')

    handler_page = browser.new_context(
        viewport={'width': 1440, 'height': 900}, locale='zh-CN').new_page()
    login(handler_page, 'handler')
    open_complaints(handler_page)
    handler_page.get_by_role('tab', name=re.compile('我负责的')).click()
    row = handler_page.locator('tr', has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(SUBJECT)
    screenshot(handler_page, 'complaint_handler_list')
    row.get_by_text(number).dblclick()
    handler_form = form(handler_page)
    press(handler_form.locator('button[name=verify]'))
    expect(handler_form.locator('select[name=state]')).to_have_value(
        '"verifying"')
    handler_form.get_by_role('tab', name='核实').click()
    screenshot(handler_page, 'complaint_handler_verifying')
    handler_page.context.close()
