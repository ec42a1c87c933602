"""A working day in the web client for each role of the complaint office, on
the demo data: the clerk, the handler, a member of the leading group and
the head of the complaint office (manager), each from logging in to the
day's work done, in Chinese, with a screenshot at each important step
(test-output/screenshots/journey_<role>_<step>.png).

The work a day starts with (a complaint waiting for its handler, plans
waiting for the leading group) is put in place through JSON-RPC as the
people before them in the chain would have done it, with subjects of this
file only: the other browser tests share the server."""
import datetime as dt
import re
import zipfile

import pytest
from playwright.sync_api import expect

from demo.base import DEMO_PASSWORD
from production_harness import RPC
from web_client import press, settle

pytestmark = pytest.mark.browser

VIEWPORT = {'width': 1440, 'height': 900}
TERMINAL_STATES = ['已关闭', '已取消']


def new_page(browser):
    "A page of its own browser context: another person at another desk"
    context = browser.new_context(viewport=VIEWPORT, locale='zh-CN')
    context.set_default_timeout(20_000)
    return context.new_page()


def open_menu(page, *path):
    menu = page.locator('#menu')
    for name in path:
        menu.get_by_text(name, exact=True).first.click()


def active_tab(page):
    return page.locator('#tabs > div > .tab-pane.active')


def current_form(page):
    return active_tab(page).locator('.form').first


def list_tab(page, name):
    "The tab of the name of the list in the current tab"
    return active_tab(page).locator('.tab-domain:visible').get_by_role(
        'tab', name=re.compile(name))


def show_list_tab(page, name):
    "Show the list of the tab and wait for its rows"
    tab = list_tab(page, name)
    tab.click()
    expect(tab).to_have_attribute('aria-expanded', 'true')
    expect_list_loaded(page)


def expect_list_loaded(page):
    "Wait until the list shows as many rows as its tab counts, if it does"
    tab = active_tab(page).locator(
        '.tab-domain:visible li.active [role=tab]')
    if tab.count() and re.search(r'\d', tab.inner_text()):
        name = re.sub(r'\s*\d+\s*$', '', tab.inner_text().strip())
        expect(active_tab(page).locator('tbody tr:visible')).to_have_count(
            tab_count(page, name))


def tab_count(page, name):
    """The count shown on the list tab of the name, once it is drawn (the
    web client blanks it while it counts again)"""
    tab = list_tab(page, name)
    pattern = re.compile(rf'{name}\s*(\d+)')
    for _ in range(100):
        match = pattern.search(tab.inner_text())
        if match:
            return int(match.group(1))
        page.wait_for_timeout(200)
    raise AssertionError(f'{name} shows no count: {tab.inner_text()!r}')


def expect_tab_count(page, name, count):
    expect(list_tab(page, name)).to_have_text(
        re.compile(rf'{name}\s*{count}$'))


def list_row(page, text):
    return active_tab(page).locator('tbody tr:visible', has_text=text)


def to_list(page):
    "Go back from the form to the list it was opened from"
    active_tab(page).locator('button[title="切换"]').first.click()
    expect(active_tab(page).locator('.treeview').first).to_be_visible()


def write(field, text):
    """Type the text into the field and leave it, as a person does: the form
    may redraw on leaving a field, the text must stay"""
    settle(field.page)
    field.fill(text)
    field.press('Tab')
    expect(field).to_have_value(text)


def save(page):
    "Save the record; close the notice, which covers the toolbar"
    active_tab(page).locator('button#save').click()
    saved = active_tab(page).locator('.alert', has_text='记录保存成功')
    expect(saved).to_be_visible()
    saved.get_by_role('button', name='关闭').click()
    expect(saved).to_be_hidden()


def choose(page, field, text):
    "Type in a many2one field and pick the record from the suggestions"
    field.fill('')
    field.press_sequentially(text)
    page.locator('.dropdown-menu:visible').get_by_text(
        text, exact=True).first.click()
    expect(field).to_have_value(text)


def open_bell(page):
    page.locator('#user-preferences > a.dropdown-toggle').click()
    items = page.locator('.notification-menu')
    expect(items).to_be_visible()
    expect(items.locator('li').first).to_be_visible()
    return items


def close_bell(page):
    page.keyboard.press('Escape')
    expect(page.locator('.notification-menu')).to_be_hidden()


def error_dialog(page, text):
    "The error dialog the server's refusal opens, with the text"
    dialog = page.locator('.modal-dialog:visible', has_text=text)
    expect(dialog).to_be_visible()
    return dialog


def close_refusal(page, dialog):
    """Close the dialog of the refused button and wait for the form to read
    the record again, as the web client does then"""
    def reads(response):
        return '.read"' in (response.request.post_data or '')
    with page.expect_response(reads):
        dialog.get_by_role('button', name='确定').click()
    expect(dialog).to_have_count(0)


def one2many(form, label):
    return form.locator('.form-one2many:visible', has_text=label).first


def add_line(widget):
    "Add a line to the editable list of the one2many"
    rows = widget.locator('tbody tr:visible')
    count = rows.count()
    widget.locator('button[title="新建"]').first.click()
    expect(rows).to_have_count(count + 1)


def rpc(tryton_url, login):
    return RPC(tryton_url, 'demo', login, DEMO_PASSWORD)


def category_id(session, name):
    category, = session.model('complaint.category', 'search',
        [('name', '=', name)], 0, None, None)
    return category


def registered_complaint(tryton_url, subject, category, **values):
    """The clerk takes the phone call and registers it: return the id and
    the number of the complaint"""
    clerk = rpc(tryton_url, 'clerk')
    complaint, = clerk.model('complaint.complaint', 'create', [{
                'channel': 'phone',
                'subject': subject,
                'complainant_name': values.pop('name', '周先生'),
                'complainant_phone': values.pop('phone', '13866667777'),
                'category': category_id(clerk, category),
                **values,
                }])
    clerk.model('complaint.complaint', 'register', [complaint])
    number, = clerk.model('complaint.complaint', 'read', [complaint],
        ['number'])
    return complaint, number['number']


def shoot(page, screenshot, role, step, locator=None):
    if locator is not None:
        locator.scroll_into_view_if_needed()
    return screenshot(page, f'journey_{role}_{step}')


# The clerk ---------------------------------------------------------------

CLERK_CALL = '会员积分未到账'
CLERK_SECOND_CALL = '熟食区称重短秤'


def register_call(page, form, subject, name, phone, description, category):
    "Fill in the phone call as the caller tells it"
    channel = form.locator('select[name=channel]')
    channel.select_option(label='电话')
    write(form.locator('input[name=subject]'), subject)
    write(form.locator('input[name=complainant_name]'), name)
    form.locator('input[name=complainant_phone]').fill(phone)
    write(form.locator('textarea[name=description]'), description)
    choose(page, form.locator('input[name=category]'), category)


def test_clerk_day(page, login, screenshot):
    """The clerk reads what waits to be registered, takes two phone calls,
    registers them and sees them handed over to their handler"""
    login(page, 'clerk')
    open_bell(page)
    expect(page.locator('.notification-menu')).not_to_contain_text(
        'No notifications')
    shoot(page, screenshot, 'clerk', '1_bell')
    close_bell(page)

    open_menu(page, '投诉管理', '投诉')
    # What waits since last night: the complaints received from the website,
    # the mailbox and the phone that nobody registered yet
    waiting = tab_count(page, '待登记')
    assert waiting >= 1
    expect(list_row(page, '购买的牛奶已过期')).to_have_count(1)
    expect(list_row(page, '购买的牛奶已过期')).to_contain_text('已接收')
    shoot(page, screenshot, 'clerk', '2_to_register')

    # A customer calls
    active_tab(page).locator('button#new_').click()
    form = current_form(page)
    received_at = form.locator('input[name=received_at]')
    expect(received_at).not_to_have_value('')
    first_received = received_at.input_value()
    # Shown to the second, without a fraction
    assert re.fullmatch(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d', first_received), (
        first_received)
    register_call(page, form, CLERK_CALL, '韩女士', '139 1111 2222',
        '上周在五一广场店消费 500 元，会员积分至今未到账。', '服务')
    # The category suggests the level and the handler
    expect(form.locator('input[name=level]')).to_have_value('三级')
    expect(form.locator('input[name=responsible]')).to_have_value('张伟')
    shoot(page, screenshot, 'clerk', '3_phone_call')
    save(page)
    number = form.locator('input[name=number]')
    expect(number).to_have_value(re.compile(r'TS-\d{4}-\d{5}'))
    first_number = number.input_value()
    expect(form.locator('select[name=state]')).to_have_value('"received"')
    # Saved and not yet registered, it waits with the others
    to_list(page)
    expect_tab_count(page, '待登记', waiting + 1)
    list_row(page, first_number).get_by_text(first_number).dblclick()
    form = current_form(page)
    expect(form.locator('input[name=number]')).to_have_value(first_number)

    press(form.locator('button[name=register]'))
    expect(form.locator('select[name=state]')).to_have_value('"registered"')
    form.get_by_role('tab', name='办理期限', exact=True).click()
    expect(form.locator('input[name=registered_by]')).to_have_value('李娜')
    expect(form.locator('input[name=acknowledged_at]')).not_to_have_value('')
    expect(form.locator('input[name=resolution_due]')).not_to_have_value('')
    # Registered, the record is as saved: nothing to save, New at hand
    expect(active_tab(page).locator('button#save')).to_be_disabled()
    expect(active_tab(page).locator('button#new_')).to_be_enabled()
    shoot(page, screenshot, 'clerk', '4_registered')

    # Another call a moment later, without logging out: its received time
    # is when it is taken, not the time of the first one
    page.wait_for_timeout(1100)
    active_tab(page).locator('button#new_').click()
    form = current_form(page)
    form.get_by_role('tab', name='登记', exact=True).click()
    expect(form.locator('input[name=number]')).to_have_value('')
    received_at = form.locator('input[name=received_at]')
    expect(received_at).not_to_have_value('')
    assert received_at.input_value() > first_received
    # The kinds of respondent read in Chinese
    respondent_kinds = form.get_by_role(
        'combobox', name='被投诉对象', exact=True).evaluate(
        'select => Array.from(select.options, o => o.text)')
    assert not [k for k in respondent_kinds if re.search('[A-Za-z]', k)], (
        respondent_kinds)
    register_call(page, form, CLERK_SECOND_CALL, '侯先生', '137 3333 4444',
        '在熟食区买的卤牛肉标 500 克，回家称只有 430 克。', '产品质量')
    expect(form.locator('input[name=responsible]')).to_have_value('张伟')
    press(form.locator('button[name=register]'))
    expect(form.locator('select[name=state]')).to_have_value('"registered"')
    expect(form.locator('input[name=number]')).to_have_value(
        re.compile(r'TS-\d{4}-\d{5}'))
    second_number = form.locator('input[name=number]').input_value()
    assert second_number != first_number

    # Both are handed over: registered, with their handler, and no longer
    # among those to register
    to_list(page)
    expect_tab_count(page, '待登记', waiting)
    show_list_tab(page, '全部')
    for number, subject in [
            (first_number, CLERK_CALL), (second_number, CLERK_SECOND_CALL)]:
        row = list_row(page, number)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(subject)
        expect(row).to_contain_text('张伟')
        expect(row).to_contain_text('已登记')
    shoot(page, screenshot, 'clerk', '5_handed_over')


# The handler -------------------------------------------------------------

HANDLER_SUBJECT = '熟食柜台苍蝇多'
INTERNAL_RECORD = '店长承认灭蝇灯损坏一周未报修，已当场更换。'
REPLY = '经核实，熟食柜台灭蝇灯损坏，已更换并全面消杀，感谢您的监督。'


def test_handler_day(browser, page, login, screenshot, tryton_url):
    """The handler works a 二级 complaint of their category from its
    registration to its closing review, and the customer reads the reply"""
    _, number = registered_complaint(tryton_url, HANDLER_SUBJECT,
        '卫生与环境', phone='13855556666',
        description='河西万达店熟食柜台苍蝇很多，灭蝇灯不亮。',
        requested_remedy='整改并消毒')

    login(page, 'handler')
    open_menu(page, '投诉管理', '投诉')
    show_list_tab(page, '我负责的')
    mine = tab_count(page, '我负责的')
    row = list_row(page, number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text('二级')
    expect(row).to_contain_text('已登记')
    shoot(page, screenshot, 'handler', '1_assigned_to_me')

    row.get_by_text(number).dblclick()
    form = current_form(page)
    expect(form.locator('input[name=subject]')).to_have_value(HANDLER_SUBJECT)
    press(form.locator('button[name=verify]'))
    expect(form.locator('select[name=state]')).to_have_value('"verifying"')

    # The facts found at the store
    form.get_by_role('tab', name='核实', exact=True).click()
    occurred_at = form.locator('input[name=occurred_at]')
    occurred_at.fill(dt.datetime.now().strftime('%Y-%m-%d 09:00:00'))
    occurred_at.press('Tab')
    write(form.locator('input[name=place]'), '河西万达店熟食柜台')
    write(form.locator('textarea[name=cause]'),
        '灭蝇灯损坏一周未报修，熟食柜未加盖。')
    write(form.locator('textarea[name=interview_notes]'),
        '已与店长、熟食组长面谈并查看现场。')
    shoot(page, screenshot, 'handler', '2_verified')
    press(form.locator('button[name=plan]'))
    expect(form.locator('select[name=state]')).to_have_value('"planning"')

    # The level asks for three parts of the plan: the one written first is
    # not enough, and the message names both missing at once
    form.get_by_role('tab', name='处置方案', exact=True).click()
    write(form.locator('textarea[name=measures]'),
        '更换灭蝇灯，熟食柜加盖，全店消杀。')
    press(form.locator('button[name=process]'))
    dialog = error_dialog(page, '处置方案不完整')
    expect(dialog).to_contain_text('一、调查组组成及职责')
    expect(dialog).to_contain_text('三、调查方法及手段')
    expect(dialog).not_to_contain_text('四、处理措施及赔偿方案')
    shoot(page, screenshot, 'handler', '3_plan_incomplete')
    close_refusal(page, dialog)
    expect(form.locator('select[name=state]')).to_have_value('"planning"')

    write(form.locator('textarea[name=investigation_duties]'),
        '处置小组张伟牵头，门店店长配合。')
    write(form.locator('textarea[name=investigation_methods]'),
        '现场查看，调取监控，询问员工。')
    press(form.locator('button[name=process]'))
    expect(form.locator('select[name=state]')).to_have_value('"processing"')
    shoot(page, screenshot, 'handler', '4_processing')

    # The answer given to the customer by phone: what was done, for the
    # office, and the reply the customer reads
    form.get_by_role('tab', name='反馈', exact=True).click()
    feedbacks = one2many(form, '反馈')
    add_line(feedbacks)
    feedbacks.locator('[name=method]').select_option(label='电话')
    write(feedbacks.locator('[name=content]'), INTERNAL_RECORD)
    write(feedbacks.locator('[name=reply]'), REPLY)
    feedbacks.locator('[name=satisfaction]').select_option(label='满意')
    shoot(page, screenshot, 'handler', '5_feedback')
    press(form.locator('button[name=respond]'))
    expect(form.locator('select[name=state]')).to_have_value('"responded"')

    # A 二级 complaint closes only with its review
    press(form.locator('button[name=close]'))
    dialog = error_dialog(page, '须完成总结改进后才能关闭')
    # It names the page to fill in
    expect(dialog).to_contain_text('请在“总结改进”页填写')
    expect(dialog).to_contain_text('根本原因')
    expect(dialog).to_contain_text('改进措施')
    shoot(page, screenshot, 'handler', '6_review_missing')
    close_refusal(page, dialog)
    expect(form.locator('select[name=state]')).to_have_value('"responded"')

    form.get_by_role('tab', name='总结改进', exact=True).click()
    write(form.locator('textarea[name=root_cause]'),
        '门店设备故障没有报修渠道，卫生巡查未覆盖灭蝇设施。')
    improvements = one2many(form, '改进措施')
    add_line(improvements)
    write(improvements.locator('[name=description]'),
        '各门店灭蝇灯纳入每日卫生检查。')
    choose(page, improvements.locator('input[name=owner]'), '张伟')
    due_date = improvements.locator('input[name=due_date]')
    due_date.fill((dt.date.today() + dt.timedelta(days=14)).isoformat())
    due_date.press('Tab')
    press(form.locator('button[name=close]'))
    expect(form.locator('select[name=state]')).to_have_value('"closed"')
    shoot(page, screenshot, 'handler', '7_closed')

    # Done: the complaint left the handler's own list
    to_list(page)
    expect_tab_count(page, '我负责的', mine - 1)

    # The customer reads the reply, never the internal record
    customer = new_page(browser)
    customer.goto(f'{tryton_url}/demo/complaint_plan/complaint/status')
    customer.fill('#number', number)
    customer.fill('#contact', '138 5555 6666')
    customer.click('#submit')
    expect(customer.locator('#complaint-state')).to_have_text('已关闭')
    expect(customer.locator('body')).to_contain_text(REPLY)
    expect(customer.locator('body')).not_to_contain_text(INTERNAL_RECORD)
    shoot(customer, screenshot, 'handler', '8_customer_reads_reply')
    customer.context.close()


# A member of the leading group ----------------------------------------

LEADER_APPROVES = '电梯口地垫翘起绊倒老人'
LEADER_REJECTS = '停车场护栏松动划伤车辆'


def rpc_datetime(value):
    "The datetime as JSON-RPC carries it"
    return {'__class__': 'datetime', 'year': value.year, 'month': value.month,
        'day': value.day, 'hour': value.hour, 'minute': value.minute,
        'second': value.second, 'microsecond': 0}


def plan_submitted(tryton_url, subject):
    """A 一级 complaint whose handler submitted the six-part plan and the
    head of the office approved it: it waits for the leading group"""
    complaint, number = registered_complaint(tryton_url, subject,
        '安全事故', description=f'{subject}，顾客要求赔偿。')
    handler = rpc(tryton_url, 'handler2')
    now = dt.datetime.now(dt.timezone.utc)
    handler.model('complaint.complaint', 'verify', [complaint])
    handler.model('complaint.complaint', 'write', [complaint], {
            'occurred_at': rpc_datetime(now), 'place': '河西万达店',
            'cause': '巡查不到位，隐患未及时整改。'})
    handler.model('complaint.complaint', 'plan', [complaint])
    handler.model('complaint.complaint', 'write', [complaint], {
            'investigation_duties': '刘洋牵头调查，店长配合。',
            'investigation_time': rpc_datetime(now),
            'investigation_place': '河西万达店',
            'investigation_methods': '调取监控录像，询问当事人。',
            'measures': f'{subject}：向顾客道歉并赔偿损失。',
            'responsibility': '当班主管负管理责任。',
            'prevention': '每日开店前巡查设施。'})
    handler.model('complaint.complaint', 'submit_plan', [complaint])
    manager = rpc(tryton_url, 'manager')
    approval, = manager.model('complaint.approval', 'search', [
            ('complaint', '=', complaint), ('state', '=', 'pending')],
        0, None, None)
    manager.model('complaint.approval', 'approve', [approval])
    return number


def decide(page, form, button, comment, confirm):
    "Click the decision and give the comment its dialog asks for"
    press(form.locator(f'button[name={button}]'))
    dialog = page.locator('.modal-dialog').filter(
        has=page.locator('textarea[name=comment]'))
    dialog.locator('textarea[name=comment]').fill(comment)
    dialog.get_by_role('button', name=confirm).click()
    expect(dialog).to_have_count(0)


def test_leader_day(page, login, screenshot, tryton_url):
    """A member of the leading group finds the plans waiting in the bell and
    in 我的审批, reads each, approves one and rejects the other with a
    comment; both leave what waits for them"""
    approve_number = plan_submitted(tryton_url, LEADER_APPROVES)
    reject_number = plan_submitted(tryton_url, LEADER_REJECTS)

    login(page, 'leader1')
    items = open_bell(page)
    for number in [approve_number, reject_number]:
        expect(items.locator('li', has_text=f'投诉 {number} 等待您审批')
            ).to_have_count(1)
    shoot(page, screenshot, 'leader', '1_bell')
    close_bell(page)

    open_menu(page, '我的审批')
    waiting = tab_count(page, '待审批')
    assert waiting >= 2
    for subject in [LEADER_APPROVES, LEADER_REJECTS]:
        row = list_row(page, subject)
        expect(row).to_have_count(1)
        expect(row).to_contain_text('领导小组审批')
    shoot(page, screenshot, 'leader', '2_inbox')

    # Reads the six parts and approves with a comment
    list_row(page, LEADER_APPROVES).get_by_text(LEADER_APPROVES).dblclick()
    form = current_form(page)
    expect(form.locator('input[name=complaint_subject]')).to_have_value(
        LEADER_APPROVES)
    expect(form.locator('textarea[name=plan_measures]')).to_have_value(
        re.compile('向顾客道歉并赔偿损失'))
    for part in ['plan_team', 'plan_time_place', 'plan_methods',
            'plan_responsibility', 'plan_prevention']:
        expect(form.locator(f'textarea[name={part}]')).not_to_have_value('')
    shoot(page, screenshot, 'leader', '3_reads_plan')
    decide(page, form, 'approve_comment', '同意，三日内完成赔付。', '批准')
    expect(form.locator('input[name=approvals_count][type=text]')
        ).to_have_value('1')
    # The step needs two members of the group: it stays open for the others
    expect(form.locator('select[name=state]')).to_have_value('"pending"')
    shoot(page, screenshot, 'leader', '4_approved_with_comment',
        form.locator('select[name=state]'))

    to_list(page)
    expect_tab_count(page, '待审批', waiting - 1)
    list_row(page, LEADER_REJECTS).get_by_text(LEADER_REJECTS).dblclick()
    form = current_form(page)
    expect(form.locator('input[name=complaint_subject]')).to_have_value(
        LEADER_REJECTS)
    decide(page, form, 'reject', '先查明护栏责任单位再定赔偿。', '驳回')
    expect(form.locator('select[name=state]')).to_have_value('"rejected"')
    shoot(page, screenshot, 'leader', '5_rejected_with_comment',
        form.locator('select[name=state]'))

    # Done: nothing of the two waits any more, both are among the decided
    to_list(page)
    expect_tab_count(page, '待审批', waiting - 2)
    show_list_tab(page, '我已审批')
    for subject in [LEADER_APPROVES, LEADER_REJECTS]:
        expect(list_row(page, subject)).to_have_count(1)
    shoot(page, screenshot, 'leader', '6_decided_by_me')
    page.reload()
    page.wait_for_selector('#menu .column-char', state='attached')
    items = open_bell(page)
    for number in [approve_number, reject_number]:
        expect(items.locator('li', has_text=f'投诉 {number} 等待您审批')
            ).to_have_count(0)
    close_bell(page)


# The head of the complaint office ---------------------------------------

MANAGER_SUBJECT = '退货被拒且无书面答复'


def test_manager_day(page, login, screenshot, tryton_url):
    """The head of the office reads the board and the overdue complaints,
    hands a complaint over to another handler and prints its registration
    form, which names the clerk who registered it"""
    _, number = registered_complaint(tryton_url, MANAGER_SUBJECT, '服务',
        description='七天无理由退货被门店拒绝，也不给书面答复。')

    login(page, 'manager')
    open_menu(page, '投诉管理', '统计报表', '管理看板')
    board = active_tab(page)

    def box(title):
        return board.locator('.board-action').filter(
            has=page.locator('.panel-heading', has_text=title))
    # The overdue box lists open complaints only
    overdue_box = box('逾期投诉')
    overdue_tab = overdue_box.get_by_role('tab', name=re.compile('已逾期'))
    expect(overdue_tab).to_have_text(re.compile(r'已逾期\s*\d+'))
    expect(overdue_box.locator('tbody tr:visible')).to_have_count(
        int(re.search(r'\d+', overdue_tab.inner_text()).group()))
    expect(overdue_box).not_to_contain_text('送货上门延误')
    expect(overdue_box.locator('tbody tr').filter(
            has_text=re.compile('|'.join(TERMINAL_STATES)))).to_have_count(0)
    # The rates are drawn as percentages: the scale goes past 1
    ticks = box('办结时效与满意度').locator('.bb-axis-y .tick text')
    expect(ticks.first).to_be_visible()
    scale = [float(t.replace(',', '')) for t in ticks.evaluate_all(
            'texts => texts.map(text => text.textContent)') if t.strip()]
    assert max(scale) > 1, scale
    shoot(page, screenshot, 'manager', '1_board')

    open_menu(page, '投诉')
    expect(list_tab(page, '待登记')).to_be_visible()
    show_list_tab(page, '已逾期')
    overdue = tab_count(page, '已逾期')
    assert overdue >= 1
    rows = active_tab(page).locator('tbody tr:visible')
    expect(rows).to_have_count(overdue)
    expect(rows.filter(has_text=re.compile('|'.join(TERMINAL_STATES)))
        ).to_have_count(0)
    expect(list_row(page, '送货上门延误')).to_have_count(0)
    shoot(page, screenshot, 'manager', '2_overdue')

    # Hands the new complaint over to the other handler
    show_list_tab(page, '全部')
    row = list_row(page, number)
    expect(row).to_contain_text('张伟')
    row.get_by_text(number).dblclick()
    form = current_form(page)
    responsible = form.locator('input[name=responsible]')
    expect(responsible).to_have_value('张伟')
    choose(page, responsible, '刘洋')
    save(page)
    form.get_by_role('tab', name='活动', exact=True).click()
    expect(one2many(form, '活动')).to_contain_text('刘洋')
    shoot(page, screenshot, 'manager', '3_reassigned')

    # Prints the registration form
    active_tab(page).locator('button#print').click()
    with page.expect_download() as download:
        active_tab(page).locator('.dropdown-menu:visible').get_by_text(
            '投诉登记表').click()
    # OpenDocument without LibreOffice on the machine
    assert download.value.suggested_filename.endswith('.odt')
    with zipfile.ZipFile(download.value.path()) as document:
        registration = document.read('content.xml').decode()
    assert number in registration
    assert MANAGER_SUBJECT in registration
    registered_by = re.search('登记人：(?:<[^>]*>|\\s)*([^<]+)', registration)
    assert registered_by and registered_by.group(1).strip() == '李娜', (
        registered_by and registered_by.group(1))
    shoot(page, screenshot, 'manager', '4_printed')
