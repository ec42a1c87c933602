"""The public pages in a real browser: a customer files a complaint with a
photo and follows it; a clerk finds it in the web client; an employee
reports anonymously, keeps the receipt code, comes back and replies; the
case officer is told; the server logged nothing of the whistleblower pages.
The browser solves the whistleblower pages' proof of work, with its own
SHA-256 where it has no crypto.subtle, within seconds at the highest
difficulty.
"""
import hashlib
import io
import re
from contextlib import contextmanager

import pytest
import segno
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DESCRIPTION = '冷冻柜温度显示零上五度，冰淇淋全化了还在卖。'
PHONE = '13987654321'
# At the highest difficulty of the proof of work, a reporter waits at most
CHECK_SECONDS = 15
# Without crypto.subtle, as on a page served over plain HTTP from another
# machine than the visitor's
NO_WEBCRYPTO = """
Object.defineProperty(window, 'isSecureContext', {get: () => false});
Object.defineProperty(Crypto.prototype, 'subtle', {get: () => undefined});
"""
# The browser's digests held back until the test releases them
HOLD_WEBCRYPTO = """
(function () {
  var release, held = new Promise(function (resolve) { release = resolve; });
  window.releaseDigests = function () { release(); };
  var digest = SubtleCrypto.prototype.digest;
  SubtleCrypto.prototype.digest = function () {
    var self = this, args = arguments;
    return held.then(function () { return digest.apply(self, args); });
  };
})();
"""


def policy_errors(page):
    "Collect what the page's console says of the security policy"
    errors = []
    page.on('console', lambda message: errors.append(message.text)
        if 'Content Security Policy' in message.text else None)
    return errors


@contextmanager
def difficulty(demo_database, bits):
    "Ask the served pages for the proof of work of the bits"
    before = demo_database.execute(
        'SELECT challenge_difficulty, challenge_max_difficulty '
        'FROM public_page_configuration').fetchone()
    demo_database.execute(
        'UPDATE public_page_configuration SET challenge_difficulty = ?, '
        'challenge_max_difficulty = ?', (bits, bits))
    demo_database.commit()
    try:
        yield
    finally:
        demo_database.execute(
            'UPDATE public_page_configuration SET challenge_difficulty = ?, '
            'challenge_max_difficulty = ?', before)
        demo_database.commit()


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
    policy = policy_errors(page)
    page.goto(f'{tryton_url}/demo/whistleblower/report')
    expect(page.locator('h1')).to_have_text('安全生产违法违规举报')
    # The page's script solves the proof of work while the form is filled
    expect(page.locator('#report-form')).to_have_attribute(
        'data-challenge', 'solved')
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
    assert policy == []

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
    # Nor what the reporter wrote, read by the officer's web client
    for text in ['叉车撞伤', '物流中心', '临时工']:
        assert text not in log


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


def test_reporter_sends_before_the_check_is_done(
        browser, page, tryton_url, screenshot, demo_database):
    """A reporter who sends the code before the browser's check is done sees
    the page check, then the case; at the highest difficulty the check
    takes seconds"""
    code = _report(page, tryton_url)
    # The browser's digests wait until the code is sent
    page.add_init_script(HOLD_WEBCRYPTO)
    page.goto(f'{tryton_url}/demo/whistleblower/follow-up')
    form = page.locator('#code-form')
    expect(form).to_have_attribute('data-challenge', 'solving')
    status = form.locator('.challenge-status')
    expect(status).to_be_hidden()
    page.fill('#code', code)
    page.click('#submit')
    expect(status).to_have_text('正在检查您的浏览器…')
    expect(status).to_be_visible()
    expect(page.locator('#submit')).to_be_disabled()
    screenshot(page, 'public_whistleblower_checking')
    page.evaluate('window.releaseDigests()')
    expect(page.locator('#report-state')).to_have_text('已收到')

    with difficulty(demo_database, 18):
        context = browser.new_context(locale='zh-CN')
        try:
            reporter = context.new_page()
            reporter.goto(f'{tryton_url}/demo/whistleblower/follow-up')
            form = reporter.locator('#code-form')
            expect(form).to_have_attribute(
                'data-challenge', 'solved', timeout=CHECK_SECONDS * 1000)
            assert int(form.get_attribute('data-challenge-ms')) < (
                CHECK_SECONDS * 1000)
            assert reporter.locator('input[name=challenge]').input_value(
                ).startswith('l.18.')
            reporter.fill('#code', code)
            reporter.click('#submit')
            expect(reporter.locator('#report-state')).to_have_text('已收到')
            # The reply form's check runs while the reporter types
            expect(reporter.locator('#reply-form')).to_have_attribute(
                'data-challenge', 'solved', timeout=CHECK_SECONDS * 1000)
        finally:
            context.close()


def test_proof_of_work_without_webcrypto(
        browser, tryton_url, demo_database):
    """Where the browser has no crypto.subtle, the page's own SHA-256 gives
    the digests Python gives, and the page works as well"""
    context = browser.new_context(locale='zh-CN')
    context.add_init_script(NO_WEBCRYPTO)
    page = context.new_page()
    try:
        code = _report(page, tryton_url)
        page.goto(f'{tryton_url}/demo/whistleblower/follow-up')
        assert page.evaluate('window.crypto.subtle') is None
        for text in ['', 'abc', '举报' * 40, 'l.18.1767225600.' + 'a' * 200]:
            expected = int.from_bytes(
                hashlib.sha256(text.encode()).digest()[:4], 'big')
            assert page.evaluate(
                'text => publicPageChallenge.sha256First32(text)',
                text) == expected, text
        with difficulty(demo_database, 16):
            page.goto(f'{tryton_url}/demo/whistleblower/follow-up')
            page.fill('#code', code)
            page.click('#submit')
            expect(page.locator('#report-state')).to_have_text(
                '已收到', timeout=CHECK_SECONDS * 1000)
    finally:
        context.close()


def _report(page, tryton_url):
    "Send a report from the page; return its receipt code"
    page.goto(f'{tryton_url}/demo/whistleblower/report')
    page.select_option('#category', 'equipment')
    page.fill('#description', '三号线的防护罩拆下后一直没装回去。')
    page.click('#submit')
    code = page.locator('#receipt-code')
    expect(code).to_have_text(re.compile(r'^\d{4} \d{4} \d{4} \d{4}$'))
    return code.inner_text()
