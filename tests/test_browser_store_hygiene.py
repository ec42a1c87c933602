"""The inspector opens today's inspection of 五一广场店, marks each item pass
or fail, attaches photos, completes it and sees the score; the failed item
became a corrective action."""
import base64
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

STORE = '五一广场店'
# On Mondays the store also has the store manager's weekly inspection
INSPECTOR = '孙丽'
FAILED = '店内地板经常清洁'
FAILURE_NOTE = '收银台前地板有明显脚印。'
# A 1×1 PNG
PHOTO = base64.b64decode(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAF'
    'gwJ/lg0X0QAAAABJRU5ErkJggg==')


def button(page, name):
    "The visible button of the current form"
    return page.locator(
        'button:visible', has_text=re.compile(rf'^\s*{name}\s*$')).first


def open_inspections(page):
    menu = page.locator('#menu')
    menu.get_by_text('门店卫生').first.click()
    menu.get_by_text('检查', exact=True).first.click()
    page.get_by_role('tab', name=re.compile('今日')).wait_for()
    page.wait_for_timeout(1000)


def attach_photo(page, lines, tmp_path):
    photo = tmp_path / '现场照片.png'
    photo.write_bytes(PHOTO)
    photos = lines.locator('.form-one2many', has_text='照片').last
    photos.locator('button[title="新建"]').click()
    page.wait_for_timeout(300)
    # The photo's file name fills the attachment's name
    photos.locator('input[type="file"]').last.set_input_files(str(photo))
    page.wait_for_timeout(500)


def mark_items(page, tmp_path, on_first_photo):
    "Go through the lines in the form view, item by item"
    lines = page.locator('.form-one2many:visible').first
    lines.locator('tbody tr').first.locator('td').nth(2).click()
    lines.locator('button[title="切换"]').first.click()
    page.wait_for_timeout(500)
    counter = lines.locator('.form-one2many-menu').first
    total = int(re.search(r'/\s*(\d+)', counter.inner_text()).group(1))
    photos = 0
    for index in range(total):
        requirement = lines.locator('textarea[name="requirement"]').first
        text = requirement.input_value()
        result = lines.locator('select[name="result"]').first
        if text.startswith(FAILED):
            result.select_option(label='不合格')
            note = lines.locator('textarea[name="note"]').first
            note.fill(FAILURE_NOTE)
            note.press('Tab')
        else:
            result.select_option(label='合格')
        if lines.locator('input[name="photo_required"]').first.is_checked():
            attach_photo(page, lines, tmp_path)
            if not photos:
                on_first_photo()
            photos += 1
        page.wait_for_timeout(200)
        if index < total - 1:
            lines.locator('button[title="向后"]').first.click()
            page.wait_for_timeout(300)
    return total, photos


def test_inspector_completes_todays_inspection(
        page, login, screenshot, tmp_path):
    login(page, 'inspector')
    open_inspections(page)
    today = page.get_by_role('tab', name=re.compile('今日'))
    assert re.search(r'今日\s*\d+', today.inner_text())
    screenshot(page, 'hygiene_today_inspections')

    page.locator('tr', has_text=STORE).filter(
        has_text=INSPECTOR).first.dblclick()
    page.locator('.form-one2many:visible').first.wait_for()
    expect(page.locator('input[name="store"]:visible')).to_have_value(
        re.compile(STORE))
    screenshot(page, 'hygiene_inspection_opened')

    total, photos = mark_items(
        page, tmp_path,
        lambda: screenshot(page, 'hygiene_inspection_line_with_photo'))
    assert total >= 20 and photos >= 1
    button(page, '完成').click()
    page.wait_for_timeout(1500)
    screenshot(page, 'hygiene_inspection_completed')

    form = page.locator('#tabcontent')

    def selected(name):
        select = form.locator(f'select[name="{name}"]:visible').first
        return select.locator('option:checked').inner_text().strip()
    assert selected('state') == '已完成'
    # One ordinary item failed: the weighted score stays above the pass mark
    score = form.locator('input[name="score"]:visible').first.input_value()
    assert 90 < float(score) < 100, score
    assert selected('result') == '合格'

    form.get_by_role('tab', name='整改措施').click()
    page.wait_for_timeout(500)
    assert form.locator('tr', has_text=FAILURE_NOTE).count() == 1
    screenshot(page, 'hygiene_inspection_corrective_action')
