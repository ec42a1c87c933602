"""A working day in the web client for the roles outside the complaint
office, on the demo data: the whistleblower case officer, the hygiene
inspector, the store manager and the auditor (in English), each from logging
in to the day's work done, with a screenshot at each important step
(test-output/screenshots/journey_<role>_<step>.png).

What a day starts with and that another person does (a hygiene complaint
that orders a spot inspection) is put in place through JSON-RPC as that
person would have done it, with subjects of this file only: the other
browser tests share the server."""
import base64
import re
import uuid

import pytest
from playwright.sync_api import expect
from web_client import press

from demo.base import DEMO_PASSWORD
from production_harness import RPC

pytestmark = pytest.mark.browser

VIEWPORT = {'width': 1440, 'height': 900}
# A 1×1 PNG
PHOTO = base64.b64decode(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAF'
    'gwJ/lg0X0QAAAABJRU5ErkJggg==')


def unique(text):
    "The text made unique to this run: the server is shared"
    return f'{text}{uuid.uuid4().hex[:6]}'


def new_page(browser, locale='zh-CN'):
    "A page of its own browser context: another person at another desk"
    context = browser.new_context(viewport=VIEWPORT, locale=locale)
    context.set_default_timeout(20_000)
    return context.new_page()


def open_menu(page, *path):
    menu = page.locator('#menu')
    for name in path:
        menu.get_by_text(name, exact=True).first.click()


def active_tab(page):
    return page.locator('#tabs > div > .tab-pane.active').first


def tab_count(page, name):
    "The count shown on the list tab of the name, once it is drawn"
    tab = page.get_by_role('tab', name=re.compile(name))
    expect(tab).to_have_text(re.compile(rf'{name}\s*\d+'))
    return int(re.search(rf'{name}\s*(\d+)', tab.inner_text()).group(1))


def expect_tab_count(page, name, count):
    expect(page.get_by_role('tab', name=re.compile(name))).to_have_text(
        re.compile(rf'{name}\s*{count}$'))


def open_row(page, text):
    "Open the record of the list row with the text"
    active_tab(page).locator('tbody tr:visible', has_text=text).first\
        .get_by_text(text).first.dblclick()


def save(page, notice='记录保存成功'):
    "Save the record; close the notice, which covers the toolbar"
    active_tab(page).locator('button#save').click()
    saved = active_tab(page).locator('.alert', has_text=notice)
    expect(saved).to_be_visible()
    saved.get_by_role('button').first.click()
    expect(saved).to_be_hidden()


def reload(page):
    active_tab(page).locator('button#reload').click()


def expect_state(form, state):
    expect(form.locator('select[name=state]')).to_have_value(f'"{state}"')


def selected(locator):
    "The label of the option chosen in a select"
    return locator.evaluate(
        'select => select.options[select.selectedIndex].text')


def open_bell(page):
    page.locator('#user-preferences > a.dropdown-toggle').click()
    items = page.locator('.notification-menu')
    expect(items).to_be_visible()
    return items


def close_bell(page):
    page.keyboard.press('Escape')
    expect(page.locator('.notification-menu')).to_be_hidden()


def dialog(page, text):
    "The visible dialog with the text"
    found = page.locator('.modal-dialog:visible', has_text=text).last
    expect(found).to_be_visible()
    return found


def fill(page, field, text):
    """Type the text in the field, again if a redraw of the form (the
    defaults or a reload arriving) erased it"""
    for _ in range(5):
        field.fill(text)
        page.wait_for_timeout(300)
        if field.input_value() == text:
            break
    expect(field).to_have_value(text)
    # Leaving the field tells the form it changed
    field.blur()


def add_dated_line(page, widget, title, text):
    """Add a line to the one2many in its dialog, once the defaults are
    drawn: drawn later, they reset what is typed"""
    widget.locator('button[title="新建"]').first.click()
    line = dialog(page, title)
    expect(line.locator('input[name=date]').first).to_have_value(
        re.compile(r'\d'))
    fill(page, line.locator('textarea[name=text]'), text)
    line.get_by_role('button', name='添加', exact=True).click()
    expect(widget.locator('tr', has_text=text)).to_have_count(1)


def shoot(page, screenshot, role, step):
    return screenshot(page, f'journey_{role}_{step}')


def rpc(tryton_url, login):
    return RPC(tryton_url, 'demo', login, DEMO_PASSWORD)


# The whistleblower case officer ----------------------------------------

def test_officer_day(browser, page, login, screenshot):
    """Register a named oral report, see it to verify, handle it to the
    leaders' decision, tell the reporter and close it; the reporter's name
    shows only through Reveal Reporter, with a reason that is logged"""
    site = unique('冷库')
    reporter = '钱多多'
    reason = '需要电话约谈举报人补充细节'
    login(page, 'officer')
    # A case officer does not approve complaint plans
    expect(page.locator('#menu')).to_contain_text('举报')
    assert '我的审批' not in page.locator('#menu').inner_text()
    open_menu(page, '举报', '举报记录')
    to_verify = tab_count(page, '待核实')
    shoot(page, screenshot, 'officer', '1_reports')

    open_menu(page, '登记举报')
    wizard = dialog(page, '登记举报')
    for name, label in [
            ('channel', '口头'), ('category', '设施设备缺陷或未定期检验维护')]:
        select = wizard.locator(f'select[name={name}]')
        select.click()
        select.select_option(label=label)
        wizard.locator('input[name=site]').click()
    wizard.locator('input[name=site]').fill(site)
    wizard.locator('textarea[name=description]').fill(
        f'{site}的温控报警器坏了一周，夜班关掉报警继续作业。')
    wizard.locator('input[name=reporter_name]').fill(reporter)
    wizard.locator('textarea[name=reporter_contact]').fill('手机 137 0000 8888')
    # Pressed as long as a person does: leaving the last field redraws the
    # form before the click
    wizard.get_by_role('button', name='登记').click(delay=150)
    number_input = wizard.locator('input[name=number]')
    expect(number_input).to_have_value(re.compile(r'JB-\d{4}-\d{5}'))
    number = number_input.input_value()
    shoot(page, screenshot, 'officer', '2_registered')
    wizard.get_by_role('button', name='关闭').click()
    expect(page.locator('.modal-dialog:visible')).to_have_count(0)

    reload(page)
    expect_tab_count(page, '待核实', to_verify + 1)
    open_row(page, number)
    form = active_tab(page)
    expect(form.locator('input[name=number]')).to_have_value(number)
    expect_state(form, 'received')
    expect(form.locator('textarea[name=description]')).to_have_value(
        re.compile(site))
    # The identity is nowhere in the report
    values = page.eval_on_selector_all(
        'input, textarea', 'elements => elements.map(e => e.value)')
    assert reporter not in page.content() + '\n'.join(values)
    shoot(page, screenshot, 'officer', '3_identity_hidden')

    press(form.locator('button[name=verify]'))
    expect_state(form, 'verifying')
    press(form.locator('button[name=acknowledge]'))
    expect(form.locator('button[name=acknowledge]')).to_be_hidden()
    form.get_by_role('tab', name='与举报人的往来消息').click()
    add_dated_line(page, form.locator('.form-one2many:visible').first,
        '与举报人的往来消息', '您的举报已收到，我们将在三十日内告知处理结果。')
    press(form.locator('button[name=investigate]'))
    expect_state(form, 'investigating')
    form.get_by_role('tab', name='内部备注').click()
    add_dated_line(page, form.locator('.form-one2many:visible').first,
        '内部备注', '周四夜班到冷库查看报警器记录。')
    shoot(page, screenshot, 'officer', '4_investigating')

    # The identity, only for a reason, which the access log keeps
    form.get_by_role('button', name='查看举报人').click()
    reveal = dialog(page, '理由')
    reveal.locator('textarea[name=reason]').fill(reason)
    reveal.get_by_role('button', name='查看', exact=True).click()
    shown = page.locator('.modal-dialog:visible').last
    expect(shown.locator('input[name=reporter_name]')).to_have_value(reporter)
    shoot(page, screenshot, 'officer', '5_reporter_revealed')
    shown.get_by_role('button', name='关闭').click()
    expect(page.locator('.modal-dialog:visible')).to_have_count(0)

    form.get_by_role('tab', name='处理').click()
    fill(page, form.locator('textarea[name=findings]'),
        '报警器确已损坏，夜班主管指示关闭报警。')
    fill(page, form.locator('textarea[name=proposed_handling]'),
        '更换报警器，对夜班主管通报批评。')
    save(page)
    press(form.locator('button[name=propose]'))
    expect_state(form, 'proposed')
    shoot(page, screenshot, 'officer', '6_proposed')

    # A leader decides, without the identity
    leader = new_page(browser)
    login(leader, 'leader1')
    open_menu(leader, '举报', '举报记录')
    leader.get_by_role('tab', name=re.compile('待决定')).click()
    open_row(leader, number)
    leader_form = active_tab(leader)
    expect(leader_form.locator('input[name=number]')).to_have_value(number)
    press(leader_form.locator('button[name=decide]'))
    decide = dialog(leader, '处理决定')
    expect(decide.locator('textarea[name=findings]')).to_have_value(
        re.compile('报警器确已损坏'))
    decide.locator('textarea[name=decision]').fill(
        '同意处理建议，本周内更换报警器。')
    decide.get_by_role('button', name='作出决定').click(delay=150)
    expect_state(leader_form, 'decided')
    assert reporter not in leader.content()
    leader.context.close()

    reload(page)
    expect_state(form, 'decided')
    expect(form.locator('textarea[name=decision]')).to_have_value(
        '同意处理建议，本周内更换报警器。')
    notice = form.locator('textarea[name=notice_text]')
    fill(page, notice, '经调查，您反映的问题属实，报警器已更换，相关人员已受到处理。')
    save(page)
    press(form.locator('button[name=notify]'))
    expect_state(form, 'notified')
    press(form.locator('button[name=close]'))
    expect_state(form, 'closed')
    expect(notice).not_to_be_editable()
    shoot(page, screenshot, 'officer', '7_closed')

    open_menu(page, '访问日志')
    log = active_tab(page).locator('tbody tr', has_text=number)
    expect(log.filter(has_text=reason)).to_have_count(1)
    shoot(page, screenshot, 'officer', '8_access_log')


# The hygiene inspector ------------------------------------------------

HEXI = '河西万达店'
CRITICAL_FAILED = '手要干净，指甲应常修剪'
FAILED = '衣着干净整洁'
FAILURE_NOTE = '收银员工服上有油渍。'


def spot_inspection(tryton_url, subject):
    """A customer phones about the hygiene of 河西万达店 and the clerk
    registers it: return the number of the complaint and of the spot
    inspection it orders"""
    clerk = rpc(tryton_url, 'clerk')
    category, = clerk.model('complaint.category', 'search',
        [('hygiene_spot_inspection', '=', True)], 0, None, None)
    store, = clerk.model('hygiene.store', 'search',
        [('name', '=', HEXI)], 0, None, None)
    complaint, = clerk.model('complaint.complaint', 'create', [{
                'channel': 'phone',
                'subject': subject,
                'description': f'{subject}：熟食柜台的台面和地面都很脏。',
                'complainant_name': '吴女士',
                'complainant_phone': '13677778888',
                'category': category,
                'respondent': f'hygiene.store,{store}',
                }])
    clerk.model('complaint.complaint', 'register', [complaint])
    complaint, = clerk.model('complaint.complaint', 'read', [complaint],
        ['number'])
    inspector = rpc(tryton_url, 'inspector')
    inspection, = inspector.model('hygiene.inspection', 'search_read',
        [('complaint', '=', complaint['id'])], 0, None, None, ['number'])
    return complaint['number'], inspection['number']


# The cells of the lines' rows: handle, selection, area, requirement,
# result, note
REQUIREMENT_COLUMN = 3
RESULT_COLUMN = 4
NOTE_COLUMN = 5


PHOTO_REQUIRED = [
    '店内所有样板商品每日必须清洁一次',
    '通风扇须每半月定期清理',
    '每日清洁店面货架仓储',
    '店面外部通道、走廊无纸屑',
    ]


def row_index(lines, requirement):
    "The place of the line's row: once edited, its texts are in inputs"
    return lines.locator('tbody tr').evaluate_all(
        '(rows, text) => rows.findIndex(row => row.innerText.includes(text))',
        requirement)


def edit_cell(row, column, name):
    "The editable widget of the row's cell: a first click selects the row"
    widget = row.locator(f'[name={name}]')
    for _ in range(3):
        row.locator('td').nth(column).click()
        if widget.is_visible():
            break
    expect(widget).to_be_editable()
    return widget


def line_row(lines, requirement):
    return lines.locator('tbody tr', has_text=requirement).first


def test_inspector_day(
        page, login, screenshot, tryton_url, demo_database, tmp_path):
    """The bell announces the spot inspection a complaint ordered; the
    inspector starts it, marks all as passed, fails two items, is told at
    once everything still missing, adds it, completes, and finds the
    failures as corrective actions"""
    complaint, number = spot_inspection(tryton_url, unique('熟食区卫生差'))
    login(page, 'inspector')
    expect(page.locator('.notification-badge:visible').first).to_be_visible()
    bell = open_bell(page)
    notice = bell.locator('li', has_text=complaint)
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(HEXI)
    shoot(page, screenshot, 'inspector', '1_bell')
    close_bell(page)

    open_menu(page, '门店卫生', '检查')
    today = tab_count(page, '今日')
    assert today >= 1
    row = active_tab(page).locator('tbody tr', has_text=number)
    expect(row).to_contain_text(HEXI)
    expect(row).to_contain_text('已计划')
    # The start button of the row is where the eye is, on a 1440 px screen
    start = row.get_by_role('button', name='开始')
    expect(start).to_be_visible()
    assert start.bounding_box()['x'] + start.bounding_box()['width'] <= 1440
    shoot(page, screenshot, 'inspector', '2_today')

    open_row(page, number)
    form = active_tab(page)
    expect(form.locator('input[name=number]')).to_have_value(number)
    press(form.locator('button[name=start]'))
    expect_state(form, 'in_progress')
    press(form.locator('button[name=pass_all]'))
    lines = form.locator('.form-one2many:visible').first
    expect(line_row(lines, CRITICAL_FAILED)).to_contain_text('合格')
    total, passed = demo_database.execute(
        'SELECT COUNT(*), SUM(l.result = \'pass\') '
        'FROM hygiene_inspection_line AS l '
        'JOIN hygiene_inspection AS i ON l.inspection = i.id '
        'WHERE i.number = ?', (number,)).fetchone()
    assert total >= 20 and passed == total, (total, passed)
    shoot(page, screenshot, 'inspector', '3_all_passed')

    # The exceptions, in the rows; the standard's text is read-only there
    for requirement in [CRITICAL_FAILED, FAILED]:
        row = lines.locator('tbody tr').nth(row_index(lines, requirement))
        edit_cell(row, RESULT_COLUMN, 'result').select_option(label='不合格')
        assert not row.locator('td').nth(REQUIREMENT_COLUMN).locator(
            'input, textarea').count()
    # The note of the ordinary item only: the critical one is forgotten
    note = edit_cell(row, NOTE_COLUMN, 'note')
    note.fill(FAILURE_NOTE)
    note.press('Enter')
    shoot(page, screenshot, 'inspector', '4_exceptions')

    press(form.locator('button[name=complete]'))
    # Everything missing in one message
    missing = dialog(page, '需要照片')
    expect(missing).to_contain_text('关键项不合格，请在备注中说明')
    expect(missing).to_contain_text(CRITICAL_FAILED)
    for requirement in PHOTO_REQUIRED:
        expect(missing).to_contain_text(requirement)
    shoot(page, screenshot, 'inspector', '5_all_missing_at_once')
    missing.get_by_role('button', name='确定').click()
    expect_state(form, 'in_progress')

    row = lines.locator('tbody tr').nth(row_index(lines, CRITICAL_FAILED))
    note = edit_cell(row, NOTE_COLUMN, 'note')
    note.fill('一名店员指甲内有污物，已要求立即清洁。')
    note.press('Enter')
    photo = tmp_path / '现场照片.png'
    photo.write_bytes(PHOTO)
    for requirement in PHOTO_REQUIRED:
        lines.locator('tbody tr').nth(row_index(lines, requirement)).locator(
            'td').nth(REQUIREMENT_COLUMN).click()
        # One line at a time, with its photos
        lines.locator('button[title="切换"]').first.click()
        expect(lines.locator('textarea[name=requirement]')).to_have_value(
            re.compile(requirement))
        photos = lines.locator('.form-one2many', has_text='照片').last
        photos.locator('button[title="新建"]').click()
        photos.locator('input[type="file"]').last.set_input_files(str(photo))
        expect(photos.locator('tbody tr', has_text='现场照片')).to_have_count(1)
        lines.locator('button[title="切换"]').first.click()
        expect(lines.locator('tbody tr').first).to_be_visible()
    shoot(page, screenshot, 'inspector', '6_photos')

    press(form.locator('button[name=complete]'))
    expect_state(form, 'done')
    score = float(form.locator('input[name=score][type=text]').input_value())
    assert 0 < score < 100, score
    # A critical item failed
    assert selected(form.locator('select[name=result]')) == '不合格'
    shoot(page, screenshot, 'inspector', '7_completed')
    form.get_by_role('tab', name='整改措施').click()
    actions = form.locator('.form-one2many:visible').first
    expect(actions.locator('tbody tr')).to_have_count(2)
    expect(actions).to_contain_text(FAILURE_NOTE)
    shoot(page, screenshot, 'inspector', '8_corrective_actions')


# The store manager -----------------------------------------------------

SHOES = '皮鞋时刻保持光亮干净'


def failed_inspection(tryton_url, note):
    """The inspector fails the shoes of the staff of 河西万达店 in the spot
    inspection a complaint ordered: return the number of the inspection"""
    _, number = spot_inspection(tryton_url, unique('店员仪容不整'))
    inspector = rpc(tryton_url, 'inspector')
    inspection, = inspector.model('hygiene.inspection', 'search',
        [('number', '=', number)], 0, None, None)
    inspector.model('hygiene.inspection', 'start', [inspection])
    inspector.model('hygiene.inspection', 'pass_all', [inspection])
    lines = inspector.model('hygiene.inspection.line', 'search_read',
        [('inspection', '=', inspection)], 0, None, None,
        ['requirement', 'photo_required'])
    shoes, = [l['id'] for l in lines if l['requirement'].startswith(SHOES)]
    inspector.model('hygiene.inspection.line', 'write', [shoes],
        {'result': 'fail', 'note': note})
    photo = {'__class__': 'bytes',
        'base64': base64.b64encode(PHOTO).decode()}
    inspector.model('ir.attachment', 'create', [{
                'resource': f'hygiene.inspection.line,{l["id"]}',
                'name': '现场照片.png', 'data': photo,
                } for l in lines if l['photo_required']])
    inspector.model('hygiene.inspection', 'complete', [inspection])
    return number


def test_store_manager_day(page, login, screenshot, tryton_url):
    """The bell announces the corrective action of the morning's spot
    inspection; the store manager writes what the store did and asks for
    the re-inspection, then sees the expired health certificate flagged"""
    note = unique('两名店员皮鞋有泥渍')
    number = failed_inspection(tryton_url, note)
    login(page, 'storemanager')
    expect(page.locator('.notification-badge:visible').first).to_be_visible()
    bell = open_bell(page)
    expect(bell.locator('li', has_text='河西万达店 整改任务').first).to_be_visible()
    # Expired already when first seen: announced as expired, not expiring
    expect(bell.locator('li', has_text='健康证已过期').first).to_be_visible()
    shoot(page, screenshot, 'storemanager', '1_bell')
    close_bell(page)

    open_menu(page, '门店卫生', '整改措施')
    open_actions = tab_count(page, '待整改')
    assert open_actions >= 1
    row = active_tab(page).locator('tbody tr', has_text=note)
    expect(row).to_contain_text(HEXI)
    expect(row).to_contain_text(SHOES)
    expect(row.get_by_role('button', name='复查')).to_be_visible()
    shoot(page, screenshot, 'storemanager', '2_corrective_actions')

    open_row(page, note)
    form = active_tab(page)
    expect(form.locator('input[name=inspection]')).to_have_value(
        re.compile(number))
    correction = form.locator('textarea[name=correction]')
    fill(page, correction, '已要求当班店员擦净皮鞋，每日班前检查仪容。')
    save(page)
    press(form.locator('button[name=reinspect]'))
    expect_state(form, 'verifying')
    # The store's account stays as it was given to the inspector
    expect(correction).not_to_be_editable()
    shoot(page, screenshot, 'storemanager', '3_reinspection_asked')
    active_tab(page).locator('button[title="切换"]').first.click()
    reload(page)
    expect_tab_count(page, '待整改', open_actions - 1)

    open_menu(page, '健康管理', '健康证')
    page.get_by_role('tab', name=re.compile('已过期')).click()
    expect(active_tab(page).locator('tbody tr', has_text='李强')).to_have_count(
        1)
    shoot(page, screenshot, 'storemanager', '4_expired_certificate')


# The auditor, in English ---------------------------------------------

def test_auditor_day(browser, login, screenshot):
    """The auditor reads the complaints and the statistics in English and
    finds every way to change a complaint closed"""
    page = new_page(browser, locale='en-US')
    login(page, 'auditor')
    menu = page.locator('#menu')
    open_menu(page, 'Complaints')
    # The entry under the menu of the same name
    menu.get_by_text('Complaints', exact=True).nth(1).click()
    overdue = tab_count(page, 'Overdue')
    tabs = page.get_by_role('tab').all_inner_texts()
    assert not [t for t in tabs if re.search(r'[\u4e00-\u9fff]', t)], tabs
    shoot(page, screenshot, 'auditor', '1_complaints')

    page.get_by_role('tab', name=re.compile('Overdue')).click()
    rows = active_tab(page).locator('tbody tr')
    expect(rows).to_have_count(overdue)
    shoot(page, screenshot, 'auditor', '2_overdue')
    if not overdue:
        page.get_by_role('tab', name=re.compile('In Progress')).click()
    rows.first.locator('td').nth(3).dblclick()
    form = active_tab(page)
    subject = form.locator('input[name=subject]')
    expect(subject).to_have_value(re.compile('.'))
    before = subject.input_value()
    # Typing changes nothing; there is nothing to save or to press
    expect(subject).not_to_be_editable()
    subject.click()
    page.keyboard.type('edited by the auditor')
    expect(subject).to_have_value(before)
    expect(form.locator('button#save')).to_be_disabled()
    # Nor a line to add, nor a button of the workflow to press
    for button in form.locator('button[title=New]').all() + form.locator(
            '.form button[name]:visible').all():
        expect(button).to_be_disabled()
    shoot(page, screenshot, 'auditor', '3_read_only')

    open_menu(page, 'Reporting', 'Service Level and Satisfaction')
    report = active_tab(page)
    # Rates drawn as percentages, per month
    expect(report).to_contain_text('SLA Compliance (%)')
    expect(report).to_contain_text('Satisfaction Rate (%)')
    expect(report).to_contain_text('100')
    shoot(page, screenshot, 'auditor', '4_statistics')
    page.context.close()
