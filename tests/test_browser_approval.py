"""A leader approves a handling plan from their inbox; the handler's bell
tells them the plan is approved."""
import re

import pytest
from playwright.sync_api import expect
from web_client import press

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
    press(form.locator('button[name=approve]'))
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


# The handling plan as a frozen version, decided by the leading group with
# comments, on a desktop and on a phone. Each viewport takes its own level 1
# complaint of the demo data (planned, not yet submitted) through the chain.
VIEWPORTS = {
    'desktop': {'width': 1440, 'height': 900},
    'phone': {'width': 390, 'height': 844},
    }
PLANS = {
    'desktop': '货架倒塌砸伤顾客',
    'phone': '扶梯急停顾客跌倒',
    }
PLAN_PARTS = ['plan_team', 'plan_time_place', 'plan_methods',
    'plan_measures', 'plan_responsibility', 'plan_prevention']


def new_page(browser, viewport):
    options = {'viewport': VIEWPORTS[viewport], 'locale': 'zh-CN'}
    if viewport == 'phone':
        options.update(is_mobile=True, has_touch=True)
    context = browser.new_context(**options)
    context.set_default_timeout(20_000)
    return context.new_page()


def current_form(page):
    return page.locator('#tabs > div > .tab-pane.active .form').first


def open_menu(page, *path):
    "Open the menu entry, showing the menu first on a phone"
    menu = page.locator('#menu')
    if not menu.is_visible():
        page.locator('.navbar-brand').click()
        expect(menu).to_be_visible()
    for name in path:
        menu.get_by_text(name, exact=True).first.click()


def open_bell(page):
    "Open the notifications; on a phone they are behind the navbar toggle"
    toggle = page.locator('.navbar-header .navbar-toggle')
    if toggle.is_visible() and toggle.get_attribute('aria-expanded') != 'true':
        toggle.click()
    page.locator('#user-preferences > a.dropdown-toggle').click()
    items = page.locator('.notification-menu')
    expect(items).to_be_visible()
    # The menu is filled once the notifications are read from the server
    expect(items.locator('li').first).to_be_visible()
    return items


def bell_item(page, label):
    return page.locator('.notification-menu li', has_text=label)


def close_bell(page):
    page.keyboard.press('Escape')
    expect(page.locator('.notification-menu')).to_be_hidden()
    fold_navbar(page)


def fold_navbar(page):
    toggle = page.locator('.navbar-header .navbar-toggle')
    if toggle.is_visible():
        # On a phone, fold the navbar back (Bootstrap's collapse animates)
        navbar = page.locator('#main_navbar')
        for attempt in range(3):
            if not navbar.is_visible():
                break
            if 'collapsing' not in (navbar.get_attribute('class') or ''):
                toggle.click()
            page.wait_for_timeout(700)
        expect(navbar).to_be_hidden()


def open_from_bell(page, label):
    "Open the record of the notification with the label"
    open_bell(page)
    bell_item(page, label).locator('.notification-label').click()
    fold_navbar(page)
    return current_form(page)


def shoot(page, screenshot, name, locator=None):
    """Screenshot the page with the locator in view: the phone's form scrolls
    inside its pane, a full page screenshot would not show it"""
    if locator is not None:
        locator.scroll_into_view_if_needed()
    return screenshot(page, name)


def decide(page, button, comment, confirm):
    "Click the decision button and give the comment in its dialog"
    press(current_form(page).locator(f'button[name={button}]'))
    dialog = page.locator('.modal-dialog').filter(
        has=page.locator('textarea[name=comment]'))
    dialog.locator('textarea[name=comment]').fill(comment)
    dialog.get_by_role('button', name=confirm).click()
    expect(dialog).to_have_count(0)


@pytest.mark.parametrize('viewport', ['desktop', 'phone'])
def test_plan_version_decided_by_leaders(
        browser, login, screenshot, viewport):
    """The handler submits the six-part plan (提交审批), the head of the office
    approves, a leader approves with a comment, another rejects with a
    comment: the handler's bell gives the comment, the decided step leaves
    every approver's bell. The plan submitted again cannot be changed any
    more (the server refuses it), and the head sees what changed since the
    first version and the six parts."""
    subject = PLANS[viewport]

    # The handler submits the plan: the level has a chain, the button says so
    handler = new_page(browser, viewport)
    login(handler, 'handler2')
    open_menu(handler, '投诉管理', '投诉')
    handler.get_by_role('tab', name=re.compile('我负责的')).click()
    handler.locator('tr', has_text=subject).get_by_text(subject).first.dblclick()
    form = current_form(handler)
    expect(form.locator('select[name=state]')).to_have_value('"planning"')
    number = form.locator('input[name=number]')
    expect(number).to_have_value(re.compile(r'TS-\d{4}-\d{5}'))
    number = number.input_value()
    submit = form.locator('button[name=submit_plan]')
    expect(submit).to_be_visible()
    expect(submit).to_contain_text('提交审批')
    expect(form.locator('button[name=process]')).to_be_hidden()
    shoot(handler, screenshot, f'plan_{viewport}_1_submit', submit)
    press(submit)
    expect(form.locator('select[name=state]')).to_have_value('"approving"')
    handler.context.close()
    awaits = f'投诉 {number} 等待您审批'

    # The head of the complaint office approves the first step
    manager = new_page(browser, viewport)
    login(manager, 'manager')
    approval = open_from_bell(manager, awaits)
    expect(approval.locator('input[name=complaint_subject]')).to_have_value(
        subject)
    press(approval.locator('button[name=approve]'))
    expect(approval.locator('select[name=state]')).to_have_value('"approved"')

    # A leader reads the six parts of the version and approves with a comment
    leader = new_page(browser, viewport)
    login(leader, 'leader2')
    approval = open_from_bell(leader, awaits)
    expect(approval.locator('input[name=plan_version]')).to_have_value(
        re.compile(f'{number} 处置方案第 1 版'))
    expect(approval.locator('textarea[name=plan_changes]')).to_have_value(
        re.compile('第一版'))
    for part in PLAN_PARTS:
        expect(approval.locator(f'textarea[name={part}]')).not_to_have_value('')
    expect(approval.locator('textarea[name=plan_measures]')).to_have_value(
        re.compile('向顾客道歉并按规定补偿'))
    shoot(leader, screenshot, f'plan_{viewport}_2_leader_reads',
        approval.locator('textarea[name=plan_changes]'))
    decide(leader, 'approve_comment', '同意，注意安抚顾客。', '批准')
    expect(approval.locator('input[name=approvals_count][type=text]')
        ).to_have_value('1')
    expect(approval.locator('select[name=state]')).to_have_value('"pending"')
    # The leader's task leaves their bell
    open_bell(leader)
    expect(bell_item(leader, awaits)).to_have_count(0)
    close_bell(leader)

    # A leader who does not answer has the task in their bell
    silent = new_page(browser, viewport)
    login(silent, 'leader4')
    open_bell(silent)
    expect(bell_item(silent, awaits)).to_have_count(1)
    close_bell(silent)

    # Another leader rejects with a comment: no access error any more
    other = new_page(browser, viewport)
    login(other, 'leader3')
    approval = open_from_bell(other, awaits)
    decide(other, 'reject', '赔偿金额须经法务审核。', '驳回')
    expect(approval.locator('select[name=state]')).to_have_value('"rejected"')
    expect(other.locator('.modal-dialog')).to_have_count(0)
    shoot(other, screenshot, f'plan_{viewport}_3_leader_rejected',
        approval.locator('select[name=state]'))

    # The decided step left the bells of every approver, those who did not
    # answer included
    for page in [leader, other]:
        page.reload()
        page.wait_for_selector('#menu .column-char', state='attached')
        open_bell(page)
        expect(bell_item(page, awaits)).to_have_count(0)
        close_bell(page)
    silent.reload()
    silent.wait_for_selector('#menu .column-char', state='attached')
    open_bell(silent)
    expect(bell_item(silent, awaits)).to_have_count(0)
    shoot(silent, screenshot, f'plan_{viewport}_4_silent_leader_bell')
    silent.context.close()

    # The handler's bell says why the plan was rejected
    handler = new_page(browser, viewport)
    login(handler, 'handler2')
    open_bell(handler)
    rejected = bell_item(handler, f'投诉 {number} 的处置方案被驳回')
    expect(rejected).to_have_count(1)
    expect(rejected.locator('.notification-description')).to_have_text(
        '张明 驳回意见：赔偿金额须经法务审核。')
    shoot(handler, screenshot, f'plan_{viewport}_5_handler_bell')
    close_bell(handler)
    open_menu(handler, '投诉管理', '投诉')
    handler.get_by_role('tab', name=re.compile('我负责的')).click()
    handler.locator('tr', has_text=subject).get_by_text(subject).first.dblclick()
    form = current_form(handler)
    expect(form.locator('select[name=state]')).to_have_value('"planning"')

    # The handler keeps a second window on the plan, changes the measures
    # in the first one and submits version 2
    stale = new_page(browser, viewport)
    login(stale, 'handler2')
    open_menu(stale, '投诉管理', '投诉')
    stale.get_by_role('tab', name=re.compile('我负责的')).click()
    stale.locator('tr', has_text=subject).get_by_text(subject).first.dblclick()
    stale_form = current_form(stale)
    expect(stale_form.locator('select[name=state]')).to_have_value(
        '"planning"')

    # The approvals and the plan versions listed on the complaint do not
    # make the web client send more than the change
    form.get_by_role('tab', name='审批').click()
    expect(form.locator('.tab-pane.active tr:visible', has_text='领导小组审批')
        ).not_to_have_count(0)
    form.get_by_role('tab', name='处置方案').click()
    measures = form.locator('textarea[name=measures]')
    measures.fill('向顾客道歉，经法务审核后赔偿医药费。')
    # Leave the field and let the form redraw before clicking: sao 8.0
    # refills the options of its selection widgets when it redraws and sets
    # their value a moment later, a button clicked meanwhile sends their
    # first option (the channel "phone"), which the server refuses
    measures.press('Tab')
    expect(form.locator('select[name=channel]')).not_to_have_value('"phone"')
    expect(form.locator('select[name=state]')).to_have_value('"planning"')
    press(form.locator('button[name=submit_plan]'))
    expect(form.locator('select[name=state]')).to_have_value('"approving"')
    # Submitted, the plan is read-only in the form
    expect(measures).not_to_be_editable()

    # The second window still shows the plan as editable: its change is
    # refused by the server
    stale_form.get_by_role('tab', name='处置方案').click()
    stale_form.locator('textarea[name=prevention]').fill('不再改进。')
    stale.keyboard.press('Control+s')
    error = stale.locator('.modal-dialog', has_text='现在不能修改')
    expect(error).to_be_visible()
    expect(error).to_contain_text('预防及改进措施')
    shoot(stale, screenshot, f'plan_{viewport}_6_stale_change_refused')
    stale.context.close()

    # The head sees the version's changes and its six parts
    manager.reload()
    manager.wait_for_selector('#menu .column-char', state='attached')
    approval = open_from_bell(manager, awaits)
    expect(approval.locator('input[name=plan_version]')).to_have_value(
        re.compile(f'{number} 处置方案第 2 版'))
    changes = approval.locator('textarea[name=plan_changes]')
    expect(changes).to_have_value(re.compile('四、处理措施及赔偿方案'))
    expect(changes).to_have_value(re.compile('原：向顾客道歉并按规定补偿。'))
    expect(changes).to_have_value(
        re.compile('现：向顾客道歉，经法务审核后赔偿医药费。'))
    for part in PLAN_PARTS:
        expect(approval.locator(f'textarea[name={part}]')).not_to_have_value('')
    shoot(manager, screenshot, f'plan_{viewport}_7_head_sees_changes', changes)
    shoot(manager, screenshot, f'plan_{viewport}_8_head_sees_parts_1_3',
        approval.locator('textarea[name=plan_methods]'))
    shoot(manager, screenshot, f'plan_{viewport}_9_head_sees_parts_4_6',
        approval.locator('button[name=approve]'))
    for page in [handler, manager, leader, other]:
        page.context.close()
