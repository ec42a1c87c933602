"""The public pages in a real browser: a customer files a complaint with a
photo and follows it; a clerk finds it in the web client; an employee
reports anonymously, keeps the receipt code, comes back and replies; the
case officer is told; the server logged nothing of the whistleblower pages.
"""
import io
import re

import pytest
import segno
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DESCRIPTION = '冷冻柜温度显示零上五度，冰淇淋全化了还在卖。'
PHONE = '13987654321'


def photo(path):
    "Save a small PNG picture, as a phone's photo would be uploaded"
    buffer = io.BytesIO()
    segno.make('冷冻柜').save(buffer, kind='png', scale=8)
    path.write_bytes(buffer.getvalue())
    return path


def test_customer_files_and_follows_complaint(
        browser, page, tryton_url, login, screenshot, demo_database,
        tmp_path):
    page.goto(f'{tryton_url}/demo/complaint_plan/complaint')
    expect(page.locator('h1')).to_have_text('投诉与建议')
    page.fill('#name', '陈先生')
    page.fill('#phone', PHONE)
    page.fill('#respondent', '河西万达店')
    page.select_option('#category', label='产品质量')
    page.fill('#description', DESCRIPTION)
    page.fill('#remedy', '退款并检查冷冻柜')
    page.set_input_files('#attachments', str(photo(tmp_path / '冷冻柜.png')))
    screenshot(page, 'public_complaint_form')
    page.click('#submit')
    number = page.locator('#complaint-number')
    expect(number).to_have_text(re.compile(r'TS-\d{4}-\d{5}'))
    number = number.inner_text()
    screenshot(page, 'public_complaint_submitted')

    channel, respondent, attachments = demo_database.execute(
        'SELECT c.channel, c.respondent_name, '
        '(SELECT COUNT(*) FROM ir_attachment a '
        "WHERE a.resource = 'complaint.complaint,' || c.id) "
        'FROM complaint_complaint c WHERE c.number = ?', (number,)).fetchone()
    assert (channel, respondent, attachments) == ('web', '河西万达店', 1)

    page.get_by_text('查询已提交的投诉').click()
    page.fill('#number', number)
    page.fill('#contact', '139 8765 4321')
    page.click('#submit')
    expect(page.locator('#complaint-state')).to_have_text('已接收')
    screenshot(page, 'public_complaint_status')

    clerk = browser.new_context(
        viewport={'width': 1440, 'height': 900}, locale='zh-CN').new_page()
    login(clerk, 'clerk')
    clerk.locator('#menu').get_by_text('投诉管理').click()
    clerk.locator('#menu').get_by_text('投诉', exact=True).click()
    row = clerk.locator('tr', has_text=number)
    expect(row).to_have_count(1)
    row.get_by_text(number).dblclick()
    form = clerk.locator('#tabs > div > .tab-pane.active .form')
    expect(form.locator('select[name=channel]')).to_have_value('"web"')
    expect(form.locator('textarea[name=description]')).to_have_value(
        DESCRIPTION)
    screenshot(clerk, 'public_complaint_clerk')
    clerk.context.close()


def test_employee_reports_anonymously_and_replies(
        browser, page, tryton_url, login, screenshot, server_log,
        demo_database):
    page.goto(f'{tryton_url}/demo/whistleblower/report')
    expect(page.locator('h1')).to_have_text('安全生产违法违规举报')
    expect(page.locator('#identity-anonymous')).to_be_checked()
    page.select_option('#category', 'concealment')
    page.fill('#site', '物流中心三号库')
    page.fill('#description', '上周二夜班叉车撞伤搬运工，主管要求不要上报。')
    screenshot(page, 'public_whistleblower_form')
    page.click('#submit')
    code = page.locator('#receipt-code')
    expect(code).to_have_text(re.compile(r'^\d{4} \d{4} \d{4} \d{4}$'))
    code = code.inner_text()
    screenshot(page, 'public_whistleblower_receipt')

    page.get_by_text('凭回执码查询举报').click()
    page.fill('#code', code)
    page.click('#submit')
    expect(page.locator('#report-state')).to_have_text('已收到')
    page.fill('#text', '伤者是临时工，被安排在宿舍休息。')
    page.click('#submit')
    expect(page.locator('#replied')).to_be_visible()
    expect(page.locator('.message.incoming')).to_contain_text('临时工')
    screenshot(page, 'public_whistleblower_reply')
    assert {c['name'] for c in page.context.cookies()} <= {
        'public_page_token'}

    officer = browser.new_context(
        viewport={'width': 1440, 'height': 900}, locale='zh-CN').new_page()
    login(officer, 'officer')
    badge = officer.locator('.notification-badge:visible').first
    expect(badge).to_be_visible()
    badge.click()
    expect(officer.locator(
            '.notification-menu .notification-label',
            has_text='举报人已回复')).not_to_have_count(0)
    screenshot(officer, 'public_whistleblower_officer_bell')
    officer.context.close()

    log = server_log()
    assert '/demo/complaint_plan/complaint' in log, (
        "the server logs requests, so the probe below can fail")
    assert '/whistleblower/' not in log


def test_customer_scans_store_qr_code(page, tryton_url, screenshot,
        demo_database):
    "The QR code's address opens the form with the store filled in"
    store_id, store_name, token = demo_database.execute(
        'SELECT s.id, s.name, p.token FROM complaint_intake_point p '
        "JOIN hygiene_store s ON p.respondent = 'hygiene.store,' || s.id "
        'WHERE p.active ORDER BY s.id LIMIT 1').fetchone()
    page.goto(f'{tryton_url}/demo/complaint_plan/complaint?point={token}')
    expect(page.locator('#respondent-fixed')).to_have_text(store_name)
    expect(page.locator('#respondent')).to_have_count(0)
    page.fill('#name', '林女士')
    page.fill('#email', 'lin@example.com')
    page.fill('#description', '收银台排队半小时只开了一个窗口。')
    screenshot(page, 'public_complaint_qr_form')
    page.click('#submit')
    number = page.locator('#complaint-number')
    expect(number).to_have_text(re.compile(r'TS-\d{4}-\d{5}'))
    screenshot(page, 'public_complaint_qr_submitted')

    channel, respondent = demo_database.execute(
        'SELECT channel, respondent FROM complaint_complaint '
        'WHERE number = ?', (number.inner_text(),)).fetchone()
    assert (channel, respondent) == ('web', f'hygiene.store,{store_id}')
