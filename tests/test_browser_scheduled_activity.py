"""The assistant follows their activities in My Activities and marks an
overdue call done, which plans its feedback; the team lead sees the
activities of the assistant they supervise."""
import re

import pytest
from playwright.sync_api import expect
from web_client import press

pytestmark = pytest.mark.browser

CALL = '回访上周投诉的王女士'


def open_my_activities(page):
    page.get_by_text('我的活动').first.click()
    page.get_by_role('tab', name=re.compile('已逾期')).wait_for()


def test_assistant_marks_call_done(page, login, screenshot):
    login(page, 'assistant')
    open_my_activities(page)
    tabs = page.get_by_role('tab')
    for name in ['今天', '已逾期', '即将到来', '全部']:
        assert tabs.filter(has_text=name).count() == 1
    # The tabs of planned activities show how many they hold
    for name in ['今天', '已逾期', '即将到来']:
        expect(tabs.filter(has_text=name)).to_have_text(
            re.compile(name + r'\s*\d+'))
    screenshot(page, 'activity_my_activities')

    tabs.filter(has_text='已逾期').click()
    page.locator('tr', has_text=CALL).get_by_text(CALL).dblclick()
    done = page.locator('.form button[name="do"]')
    expect(done).to_be_visible()
    screenshot(page, 'activity_call_form')
    press(done)
    expect(done).to_be_hidden()
    screenshot(page, 'activity_call_done')

    # Back to the list (the views cycle form, calendar, list); each switch
    # loads its view before the next click is taken
    treeview = page.locator('.tab-form .treeview')
    for _ in range(3):
        if treeview.is_visible():
            break
        page.locator('.tab-form button#switch_').click()
        page.wait_for_timeout(1500)
    expect(treeview).to_be_visible()
    page.get_by_role('tab', name=re.compile('全部')).click()
    rows = page.locator('.tab-form .treeview tr', has_text=CALL)
    expect(rows).to_have_count(2)
    # The list fills in the names of the activity types as they load
    for state, kind in [('已完成', '电话'), ('已计划', '反馈')]:
        row = rows.filter(has_text=state)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(kind)
    screenshot(page, 'activity_all_after_done')


def test_team_lead_sees_assistant_activities(page, login, screenshot):
    login(page, 'team_lead')
    open_my_activities(page)
    page.get_by_role('tab', name=re.compile('全部')).click()
    rows = page.locator('.tab-form .treeview tr')
    expect(rows.filter(has_text=CALL).first).to_be_visible()
    screenshot(page, 'activity_team_lead_all')
    # The five demo activities of the assistant (and the feedback planned
    # when the call is done)
    assert rows.filter(has_text='郑丽').count() >= 5
