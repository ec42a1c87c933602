"""A zh_CN user sees Chinese everywhere: the roles log in to the web client,
open every entry of their menus (the list, the first record's form and each
of its tabs) and no label, column title, tab, button, tooltip or choice
shows text in Latin letters only, apart from the allow-list (codes,
numbers, units, addresses, names)."""
import re
import time

import pytest
import web_client

pytestmark = pytest.mark.browser

# Each menu entry is opened once, by the first of these roles that has it
ROLES = ['clerk', 'handler', 'manager', 'leader1', 'officer', 'inspector',
    'storemanager', 'dpo', 'activity_admin', 'team_lead']

# Latin text that is right in a Chinese interface
ALLOWED = [
    re.compile(r'^[A-Z0-9][A-Z0-9\-_/.:#() ]*$'),  # codes: ID, QR, TS-2026-…
    re.compile(r'^[\d\s.,:;%+\-/×x()]*'
        r'(h|min|s|ms|d|kg|g|km|m|cm|mm|°C|px)?$'),  # numbers and units
    re.compile(r'^[a-z][a-z0-9]*(_[a-z0-9]+)+$'),  # codes: hygiene_inspection
    re.compile(r'@|^https?://|^www\.'),  # addresses
    re.compile(r'^(Tryton|English|Français|Deutsch|Español|中文)$'),
    ]

SCAN = r'''(root) => {
    const CJK = /[\u3400-\u9fff\uff00-\uffef]/;
    const LATIN = /[A-Za-z]{2,}/;
    const texts = new Set();
    const visible = el => !!(el.offsetWidth || el.offsetHeight
        || el.getClientRects().length);
    const add = text => {
        text = (text || '').replace(/\s+/g, ' ').trim();
        if (text && LATIN.test(text) && !CJK.test(text)) {
            texts.add(text);
        }
    };
    const roots = [root, ...document.querySelectorAll('.modal.in'),
        document.querySelector('nav.navbar'),
        document.querySelector('#menu'),
        document.querySelector('#tablist')].filter(Boolean);
    for (const scope of roots) {
        for (const el of scope.querySelectorAll(
                'label, th, .nav-tabs a, button, legend, .panel-heading, '
                + '#menu td, #tablist a, '
                + '.dropdown-menu a, .form-separator, .filter-box .btn')) {
            if (visible(el)) {
                add(el.innerText);
            }
        }
        for (const el of scope.querySelectorAll('[title], [placeholder], '
                + '[aria-label]')) {
            // The cells of a list carry their value as title: data
            if (visible(el) && !el.closest('.cell')) {
                add(el.getAttribute('title'));
                add(el.getAttribute('placeholder'));
                add(el.getAttribute('aria-label'));
            }
        }
        for (const select of scope.querySelectorAll('select')) {
            if (visible(select)) {
                for (const option of select.options) {
                    add(option.text);
                }
            }
        }
    }
    return [...texts];
}'''


def allowed(text):
    return any(pattern.search(text) for pattern in ALLOWED)


def active(page):
    return page.locator('#tabs > div > .tab-pane.active')


def settle(page):
    """Wait until the web client has drawn the answers of its calls; a
    short quiet moment, as the scan only reads what is drawn"""
    web_client.settle(page, quiet=0.1)


def scan(page, where, found):
    root = active(page).element_handle(timeout=2000) if active(page).count() \
        else None
    for text in page.evaluate(SCAN, root):
        if not allowed(text):
            found.setdefault(text, where)


def menu_entries(page):
    "The window actions of the user's menu, with their path in the menu"
    return page.evaluate('''() => new Promise((resolve, reject) => {
        const session = Sao.Session.current_session;
        Sao.rpc({
            'method': 'model.ir.ui.menu.search_read',
            'params': [[], 0, null, [['id', 'ASC']],
                ['complete_name', 'action'], session.context],
        }, session).then(resolve, reject);
    })''')


def open_entry(page, menu_id):
    "Open the menu entry in a new tab; False if no tab opened"
    count = page.evaluate('() => Sao.Tab.tabs.length')
    page.evaluate('''(id) => {
        Sao.Action.exec_keyword('tree_open', {
            'model': 'ir.ui.menu', 'id': id, 'ids': [id]});
    }''', menu_id)
    try:
        page.wait_for_function(
            f'() => Sao.Tab.tabs.length > {count} && '
            'Sao.Tab.tabs.get_current() === Sao.Tab.tabs.at(-1)',
            timeout=10_000)
    except Exception:
        return False
    settle(page)
    return True


def close_entry(page):
    "Close the tab, forgetting what opening its form may have changed"
    modified = page.evaluate('''() => {
        const tab = Sao.Tab.tabs.get_current();
        if (!tab) {
            return false;
        }
        const record = tab.screen && tab.screen.current_record;
        const modified = Boolean(record && record.modified);
        if (modified) {
            record.cancel();
        }
        tab.close();
        return modified;
    }''')
    settle(page)
    return modified


def crawl_form(page, where, found, screenshot, shots):
    rows = active(page).locator('.treeview tbody tr:visible')
    if not rows.count():
        return
    try:
        # The text of a cell, not a link: a link (a Many2One column) opens
        # the record it names in a tab of its own, once per click
        rows.first.locator('td .cell:visible:not(:has(a))').first.dblclick(
            timeout=5000)
    except Exception:
        return
    form = active(page).locator('.form').first
    try:
        form.wait_for(timeout=5000)
    except Exception:
        return
    settle(page)
    scan(page, f'{where} ‣ 表单', found)
    if len(shots) < 6:
        name = re.sub(r'\W+', '_', where)[:40]
        shots.append(screenshot(page, f'chinese_{len(shots)}_{name}'))
    for index in range(form.locator('.nav-tabs > li > a:visible').count()):
        tab = form.locator('.nav-tabs > li > a:visible').nth(index)
        label = tab.inner_text().strip()
        try:
            tab.click(timeout=3000)
        except Exception:
            continue
        page.wait_for_timeout(100)
        scan(page, f'{where} ‣ 表单 ‣ {label}', found)


def test_every_menu_entry_in_chinese(browser, login, screenshot):
    found, seen, shots, errors, modified = {}, set(), [], [], []
    not_opened = []
    started = time.monotonic()
    for role in ROLES:
        context = browser.new_context(
            viewport={'width': 1440, 'height': 900}, locale='zh-CN')
        page = context.new_page()
        page.on('pageerror', lambda error, role=role: errors.append(
                f'{role}: {error}'))
        login(page, role)
        settle(page)
        scan(page, f'{role}: 菜单', found)
        for entry in menu_entries(page):
            if not (entry['action'] or '').startswith('ir.action.act_window,'):
                continue
            if entry['action'] in seen:
                continue
            seen.add(entry['action'])
            where = f"{role}: {entry['complete_name']}"
            print(f'{time.monotonic() - started:5.0f} s {where}', flush=True)
            if not open_entry(page, entry['id']):
                # A dialog (a wizard or an error) rather than a tab
                scan(page, where, found)
                not_opened.append(where)
                page.keyboard.press('Escape')
                continue
            scan(page, where, found)
            if active(page).locator('.treeview').count():
                crawl_form(page, where, found, screenshot, shots)
            if close_entry(page):
                modified.append(where)
        context.close()
    report = '\n'.join(f'{text!r} in {where}' for text, where in found.items())
    print(f'\n{len(seen)} menu entries in {time.monotonic() - started:.0f} s')
    print(report)
    print('Modified by opening:', modified)
    print('Not opened in a tab:', not_opened)
    assert not errors, '\n'.join(errors)
    assert not found, f"Latin-only labels for a zh_CN user:\n{report}"
