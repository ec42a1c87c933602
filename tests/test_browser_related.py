"""Related complaints in the web client: a foreign customer writes in
English about the broken freezer of 五一广场店 that three Chinese customers
of the demo data complained about; the handler sees them on the English
complaint's page, with why, and links one as the same incident.
Screenshots: test-output/screenshots/related_<step>.png."""
import re

import pytest
from playwright.sync_api import expect

from test_browser_journey_complaints import (
    current_form, list_row, one2many, open_menu,
    registered_complaint, show_list_tab)
from web_client import press, settle

pytestmark = pytest.mark.browser

SUBJECT = "Melted ice cream at Wuyi Square"
DESCRIPTION = (
    "The ice cream I bought yesterday at your Wuyi Square store was "
    "completely melted. The staff said the freezer has been broken for "
    "two days.")
# The demo's complaints about the freezer
FREEZER = ['冷冻柜坏了', '冰柜不冷冰淇淋融化', '速冻水饺解冻了']


def test_english_complaint_finds_chinese_incident(
        page, login, screenshot, tryton_url):
    # Of the category Other: the handler's, and no plan of the demo counts
    # it with the freezer complaints
    _, number = registered_complaint(tryton_url, SUBJECT, '其他',
        name='Tom Smith', phone='+44 20 7946 0958', description=DESCRIPTION)

    login(page, 'handler')
    open_menu(page, '投诉管理', '投诉')
    show_list_tab(page, '我负责的')
    list_row(page, number).get_by_text(number).dblclick()
    form = current_form(page)
    expect(form.locator('input[name=subject]')).to_have_value(SUBJECT)

    form.get_by_role('tab', name='相关投诉', exact=True).click()
    expect(form.locator('input[name=related_count][type=text]')).to_have_value(
        '3')
    related = one2many(form, '可能相关')
    rows = related.locator('tbody tr:visible')
    expect(rows).to_have_count(3)
    for subject in FREEZER:
        row = rows.filter(has_text=subject)
        expect(row).to_have_count(1)
        # Why, in the reader's language: the concepts the English text
        # names, in Chinese, and the store its pinyin names
        expect(row).to_contain_text('都提到')
        expect(row).to_contain_text('冰柜')
        expect(row).to_contain_text('同一门店')
    first = rows.filter(has_text=FREEZER[0])
    expect(first).to_contain_text('同一天受理')
    # Most probable first
    scores = [float(re.search(r'\d\.\d\d', rows.nth(i).inner_text()).group())
        for i in range(3)]
    assert scores == sorted(scores, reverse=True), scores
    assert scores[-1] >= 0.8, scores
    screenshot(page, 'related_1_probably_related')

    # The buttons of the list act on the rows selected
    first.locator('td.selection-state input').check()
    press(related.locator('button[name=link_incident]'))
    same = form.locator('.form-many2many:visible', has_text='同一事件')
    expect(same.locator('tbody tr:visible')).to_have_count(1)
    expect(same.locator('tbody tr:visible')).to_contain_text(FREEZER[0])
    # The row tells it is linked now
    expect(first.locator('input.column-boolean')).to_be_checked()
    screenshot(page, 'related_2_same_incident')
