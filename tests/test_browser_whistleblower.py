"""The case officer registers a named report in the web client and reveals
the reporter with a reason; a leader opens the same report and sees no
identity."""
import re

import pytest

pytestmark = pytest.mark.browser

REPORTER_NAME = '赵小燕'
REPORTER_CONTACT = '手机 137 1234 5678'
REASON = '需要约谈举报人核实叉车维修记录'


def open_menu(page, *labels):
    menu = page.locator('#menu')
    for label in labels:
        menu.get_by_text(label, exact=True).click()
        page.wait_for_timeout(800)


def selected_label(page, name):
    return page.locator(f'select[name={name}]:visible').evaluate(
        'select => select.options[select.selectedIndex].text')


def test_register_reveal_and_leader_view(browser, page, login, screenshot):
    login(page, 'officer')
    open_menu(page, '举报', '登记举报')
    field = page.locator
    for name, label in [
            ('channel', '书面'), ('category', '设施设备缺陷或未定期检验维护')]:
        select = field(f'select[name={name}]').last
        select.click()
        select.select_option(label=label)
        field('input[name=site]').last.click()
    field('input[name=site]').last.fill('三号仓库')
    field('textarea[name=description]').last.fill(
        '三号仓库的货架横梁变形，仍在存放重物。')
    field('input[name=reporter_name]').last.fill(REPORTER_NAME)
    field('textarea[name=reporter_contact]').last.fill(REPORTER_CONTACT)
    screenshot(page, 'whistleblower_1_officer_registers')
    # Pressed as long as a person does: leaving the last field redraws the
    # form before the click
    page.get_by_role('button', name='登记').last.click(delay=150)
    number_input = page.locator('input[name=number]').last
    page.wait_for_function(
        "element => element.value.startsWith('JB-')",
        arg=number_input.element_handle())
    number = number_input.input_value()
    assert re.fullmatch(r'JB-\d{4}-\d{5}', number)
    screenshot(page, 'whistleblower_2_registered')
    # A named report has no receipt code to hand over
    assert page.locator('input[name=receipt_code]:visible').count() == 0
    assert page.locator('label:visible', has_text='回执码').count() == 0
    page.get_by_role('button', name='关闭').last.click()
    page.wait_for_timeout(800)

    open_menu(page, '举报记录')
    page.locator('input[placeholder="查找"]:visible').fill(number)
    page.keyboard.press('Enter')
    page.wait_for_timeout(1500)
    page.locator('tr:visible', has_text=number).last.click()
    page.locator('button[title="切换"]:visible').click()
    page.locator('textarea[name=description]:visible').wait_for()
    page.wait_for_timeout(1500)
    assert selected_label(page, 'channel') == '书面'
    assert selected_label(page, 'category') == '设施设备缺陷或未定期检验维护'
    page.get_by_role('button', name='查看举报人').click()
    page.locator('textarea[name=reason]').last.fill(REASON)
    screenshot(page, 'whistleblower_3_reveal_reason')
    page.get_by_role('button', name='查看', exact=True).click()
    name_input = page.locator('input[name=reporter_name]').last
    page.wait_for_function(
        "element => element.value.length > 0",
        arg=name_input.element_handle())
    assert name_input.input_value() == REPORTER_NAME
    screenshot(page, 'whistleblower_4_reporter_revealed')
    page.get_by_role('button', name='关闭').last.click()
    page.wait_for_timeout(800)

    # The access log has the line with the reason
    open_menu(page, '访问日志')
    page.get_by_text(REASON).first.wait_for()
    screenshot(page, 'whistleblower_5_access_log')

    context = browser.new_context(
        viewport={'width': 1440, 'height': 900}, locale='zh-CN')
    context.set_default_timeout(20000)
    page = context.new_page()
    login(page, 'leader1')
    open_menu(page, '举报', '举报记录')
    page.locator('input[placeholder="查找"]:visible').fill(number)
    page.keyboard.press('Enter')
    page.wait_for_timeout(1500)
    page.locator('tr:visible', has_text=number).last.click()
    page.locator('button[title="切换"]:visible').click()
    page.locator('textarea[name=description]:visible').wait_for()
    page.wait_for_timeout(2000)
    description = page.locator('textarea[name=description]:visible')
    assert description.input_value().startswith('三号仓库的货架横梁变形')
    screenshot(page, 'whistleblower_6_leader_sees_no_identity')
    values = page.eval_on_selector_all(
        'input, textarea', 'elements => elements.map(e => e.value)')
    shown = page.content() + '\n'.join(values)
    assert REPORTER_NAME not in shown
    assert REPORTER_CONTACT not in shown
    # Leaders see the buttons of the case officers greyed out
    reveal = page.get_by_role('button', name='查看举报人')
    assert reveal.count() == 1 and reveal.is_disabled()
    assert page.locator('textarea[name=reason]').count() == 0
    context.close()
