"""The project's additions to the web client (web/custom.js, web/custom.css):
served by trytond, the selection widgets keep their value when a button is
clicked while the form redraws, typed text survives a redraw, sao's own
strings in Chinese."""
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect
from web_client import settle

pytestmark = pytest.mark.browser


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_custom_files_served(tryton_url):
    "custom.js and custom.css are the project's; a missing file is a 404"
    assert status(f'{tryton_url}/custom.js') == 200
    assert status(f'{tryton_url}/custom.css') == 200
    with urllib.request.urlopen(f'{tryton_url}/custom.js') as response:
        assert b'Sao.View.Form.Selection' in response.read()
    # trytond's CORS rule for OPTIONS on every path made it a 405
    assert status(f'{tryton_url}/no-such-file.js') == 404


def form(page):
    return page.locator('#tabs > div > .tab-pane.active .form').first


def test_selection_kept_when_button_clicked_during_redraw(
        page, login, demo_database, screenshot):
    """sao 8.0 refills a selection's options when the form redraws and sets
    the value a moment later: a button clicked in between saved the first
    option. Here the button is clicked right when the options are refilled,
    before sao sets the value."""
    login(page, 'clerk')
    page.locator('#menu').get_by_text('投诉管理').click()
    page.locator('#menu').get_by_text('投诉', exact=True).click()
    page.locator('#tabs > div > .tab-pane.active button#new_').click()
    current = form(page)
    current.locator('input[name=subject]').fill('收银台排队过长')
    current.locator('input[name=complainant_name]').fill('孙先生')
    current.locator('input[name=complainant_phone]').fill('13812340000')
    current.locator('textarea[name=description]').fill('晚高峰只开一个收银台。')
    current.locator('input[name=category]').fill('服务')
    page.locator('.dropdown-menu').filter(has_text='查找').get_by_text(
        '服务', exact=True).click()
    channel = current.locator('select[name=channel]')
    # A channel that is not the first option
    values = channel.locator('option').evaluate_all(
        'options => options.map(o => o.value)')
    chosen = values[-1]
    assert chosen != values[0]
    channel.select_option(chosen)
    expect(channel).to_have_value(chosen)
    current.locator('textarea[name=requested_remedy]').fill('多开收银台')
    page.keyboard.press('Control+s')
    expect(current.locator('input[name=number]')).to_have_value(
        re.compile(r'TS-\d{4}-\d{5}'))
    number = current.locator('input[name=number]').input_value()

    clicked = page.evaluate('''() => {
        const screen = Sao.Tab.tabs.get_current().screen;
        const view = screen.current_view;
        const widget = view.widgets.channel[0];
        const button = document.querySelector(
            '#tabs > div > .tab-pane.active .form button[name=register]');
        const set_selection = widget.set_selection;
        let clicked = null;
        widget.set_selection = function() {
            const result = set_selection.apply(this, arguments);
            if (clicked === null && this.record) {
                // The options are refilled, the value is not set yet
                clicked = this.select.val();
                button.click();
            }
            return result;
        };
        view.display();
        return new Promise(resolve => setTimeout(() => resolve(clicked), 500));
    }''')
    assert clicked is not None, "the redraw did not refill the options"
    expect(current.locator('select[name=state]')).to_have_value('"registered"')
    expect(channel).to_have_value(chosen)
    screenshot(page, 'web_client_selection_kept')
    # The deadlines (fields.Timestamp, format '%H:%M:%S.%f') show to the
    # second, not "2026-12-05 15:45:55.0"
    current.get_by_role('tab', name='办理期限').click()
    due = current.locator('.form-datetime input:visible, '
        '.form-timestamp input:visible').first
    expect(due).to_have_value(re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$'))
    screenshot(page, 'web_client_deadlines_to_the_second')
    stored, = demo_database.execute(
        'SELECT channel FROM complaint_complaint WHERE number = ?',
        (number,)).fetchone()
    assert stored == chosen.strip('"')


def test_typing_kept_when_form_redraws(page, login, screenshot):
    """The form redraws when an answer of the server arrives (the defaults
    of a new record, an on-change): what is being typed into a text field
    at that moment, not yet written into the record, stays. The redraw used
    to put the record's empty value back."""
    login(page, 'clerk')
    page.locator('#menu').get_by_text('投诉管理').click()
    page.locator('#menu').get_by_text('投诉', exact=True).click()
    page.locator('#tabs > div > .tab-pane.active button#new_').click()
    # The new record's defaults arrive first and put the cursor in the form's
    # first field; the late answer below is the one the test makes. On a
    # busy machine the cursor is put after the calls that follow the
    # defaults, which may not have started when settle() looks.
    current = form(page)
    page.wait_for_function('''() => {
        const form = document.querySelector(
            '#tabs > div > .tab-pane.active .form');
        return form && form.contains(document.activeElement);
    }''')
    settle(page)
    for name, text in [
            ('input[name=subject]', '收银扫码故障'),
            ('textarea[name=description]', '结账时扫码枪反复报错。'),
            ]:
        field = current.locator(name)
        field.fill(text)
        # A late answer redraws the form while the field has the focus
        page.evaluate(
            '() => Sao.Tab.tabs.get_current().screen.current_view.display()')
        expect(field).to_be_focused()
        expect(field).to_have_value(text)
        field.press('Tab')
        expect(field).to_have_value(text)
    # Written into the record: another redraw shows it
    page.evaluate(
        '() => Sao.Tab.tabs.get_current().screen.current_view.display()')
    expect(current.locator('input[name=subject]')).to_have_value('收银扫码故障')
    screenshot(page, 'web_client_typing_kept')


def test_sao_strings_in_chinese(page, login, screenshot):
    "The strings sao 8.0 leaves in English are Chinese for a zh_CN user"
    login(page, 'inspector')
    page.locator('#user-preferences > a.dropdown-toggle').click()
    items = page.locator('.notification-menu')
    expect(items).to_be_visible()
    expect(items).to_contain_text('偏好设置…')
    expect(items).to_contain_text('帮助…')
    for english in ['Preferences', 'Help', 'Notifications']:
        expect(items).not_to_contain_text(english)
    screenshot(page, 'web_client_chinese_user_menu')
    items.get_by_text('偏好设置…').click()
    dialog = page.locator('.modal-dialog', has_text='偏好设置')
    expect(dialog.locator('.modal-title')).to_have_text('偏好设置')
    screenshot(page, 'web_client_chinese_preferences')
    texts = page.evaluate('''() => [
        'No notifications at this time', 'Email...', 'Restore'].map(
            s => Sao.i18n.gettext(s))''')
    assert texts == ['暂无通知', '电子邮件…', '恢复']
    # sao's own Chinese ends with the Chinese full stop
    texts = page.evaluate('''() => [
        'Record saved.', 'Could not connect to the server.'].map(
            s => Sao.i18n.gettext(s))''')
    assert texts == ['记录保存成功。', '无法连接服务器。']
