"""P6: the web client opens the list of 1,000 complaints about as fast as a
list of 1,000 records of a bare model with the same columns.

On a scratch PostgreSQL database with 1,000 complaints to register, a web
process as `make run-pg` starts it serves the web client (sao) to Chromium.
The bare model has the complaint list's eight columns with the same kinds
(text, date-time, three links to the same models, a timestamp shown as a
date, a selection) and the same values, and a list view and menu entry of
its own. Logged in as the administrator, time from the click on the menu
entry to the last of the 1,000 rows rendered, for the bare list and for the
complaints (its first tab, "To Register", with the counts of every tab),
alternately, and compare the medians.
"""
import statistics
import tempfile
import time

from benchmarks.scratch import (
    create_company, report, scratch_database, start_web, wsgi_app)

ROWS = 1_000
RUNS = 7
TARGET = 1.3
PASSWORD = 'bench-admin-2026!'
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    ]
# The menu entries: the root to expand, then the entry that opens the list
MENUS = {
    'bare': ('Bare Lists', 'Bare Complaints', 0),
    'complaints': ('Complaints', 'Complaints', 1),
    }
ROWS_SHOWN = (
    "document.querySelectorAll("
    "'#tabs .tab-pane.active .treeview tbody > tr:not(.more-row)').length")
COLUMNS = ['number', 'received_at', 'subject', 'category', 'level',
    'responsible', 'resolution_due', 'state']
# The complaint's states, as many and as long
STATES = [
    ('received', "Received"),
    ('registered', "Registered"),
    ('verifying', "Verifying"),
    ('planning', "Planning"),
    ('approving', "Awaiting Approval"),
    ('processing', "Processing"),
    ('waiting', "Waiting on Complainant"),
    ('responded', "Responded"),
    ('closed', "Closed"),
    ('cancelled', "Cancelled"),
    ]
BARE_LIST = """<tree>
    <field name="number"/>
    <field name="received_at" widget="date"/>
    <field name="subject" expand="1"/>
    <field name="category"/>
    <field name="level"/>
    <field name="responsible"/>
    <field name="resolution_due" widget="date"/>
    <field name="state"/>
</tree>"""


def register_bare_model():
    "The complaint list's columns without behaviour"
    from trytond.model import ModelSQL, ModelView, fields
    from trytond.pool import Pool

    BareList = type('BareList', (ModelSQL, ModelView), {
            '__name__': 'benchmark.bare_list',
            'number': fields.Char("Number"),
            'received_at': fields.DateTime("Received At"),
            'subject': fields.Char("Subject"),
            'category': fields.Many2One('complaint.category', "Category"),
            'level': fields.Many2One('complaint.level', "Level"),
            'responsible': fields.Many2One('company.employee', "Handler"),
            'resolution_due': fields.Timestamp("Resolution Due"),
            'state': fields.Selection(STATES, "State"),
            })
    Pool.register(BareList, module='complaint_plan', type_='model')


def server():
    "The WSGI application of the web process, with the bare model"
    return wsgi_app(register_bare_model)


def create_records(name):
    """Create the complaints, the bare records with their values, the bare
    list's view, action and menu entry; let the admin in everywhere"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 0) as transaction:
        pool = Pool()
        Complaint = pool.get('complaint.complaint')
        Category = pool.get('complaint.category')
        BareList = pool.get('benchmark.bare_list')
        View = pool.get('ir.ui.view')
        Action = pool.get('ir.action.act_window')
        Menu = pool.get('ir.ui.menu')
        User = pool.get('res.user')
        Group = pool.get('res.group')

        company = create_company()
        categories = Category.search([])
        with Transaction().set_context(company=company.id):
            for start in range(0, ROWS, 100):
                Complaint.create([{
                            'company': company.id,
                            'channel': 'phone',
                            'complainant_name': f"顾客{i:04d}",
                            'complainant_phone': f'139{i:08d}',
                            'subject': f"投诉{i:04d}：收银排队过长",
                            'description': "顾客称收银台只开一个，排队半小时。",
                            'category': categories[i % len(categories)].id,
                            } for i in range(start, start + 100)])
        BareList.create([{
                    c: getattr(v, 'id', v)
                    for c, v in ((c, getattr(complaint, c))
                        for c in COLUMNS)}
                for complaint in Complaint.search([])])
        view, = View.create([{
                    'model': 'benchmark.bare_list', 'type': 'tree',
                    'data': BARE_LIST}])
        action, = Action.create([{
                    'name': "Bare Complaints",
                    'res_model': 'benchmark.bare_list',
                    'act_window_views': [('create', [{
                                    'view': view.id, 'sequence': 10}])],
                    }])
        Menu.create([{
                    'name': "Bare Lists",
                    'childs': [('create', [{
                                    'name': "Bare Complaints",
                                    'action': str(action),
                                    }])],
                    }])
        # No set-up wizard at the administrator's first login
        ConfigItem = pool.get('ir.module.config_wizard.item')
        ConfigItem.write(ConfigItem.search([]), {'state': 'done'})
        admin, = User.search([('login', '=', 'admin')])
        User.write([admin], {
                'password': PASSWORD,
                'groups': [('add', [g.id for g in Group.search([])])],
                'companies': [('add', [company.id])],
                'company': company.id,
                })
        transaction.commit()


def login(page, url, name):
    from tests.web_client import log_in

    log_in(page, url, name, 'admin', PASSWORD)
    # Every row at once: the client shows 20 and a "More" button otherwise
    page.evaluate(f'Sao.config.display_size = {ROWS}')


def expand_menus(page):
    "Unfold the menu entries that hold the lists"
    menu = page.locator('#menu')
    for root, _, _ in MENUS.values():
        menu.get_by_text(root, exact=True).first.click()


def open_list(page, kind):
    "Seconds from the click on the menu entry to the last row rendered"
    _, entry, index = MENUS[kind]
    target = page.locator('#menu').get_by_text(entry, exact=True).nth(index)
    target.wait_for()
    start = time.perf_counter()
    target.click()
    page.wait_for_function(f'{ROWS_SHOWN} >= {ROWS}', polling='raf',
        timeout=120_000)
    duration = time.perf_counter() - start
    page.evaluate('() => Sao.Tab.tabs.get_current().close()')
    page.wait_for_function(
        "document.querySelectorAll('#tabs .tab-pane').length == 0")
    return duration


def main():
    from playwright.sync_api import sync_playwright

    timings = {kind: [] for kind in MENUS}
    with scratch_database(['complaint_plan'],
                register=register_bare_model) as name, \
            tempfile.TemporaryDirectory() as folder:
        create_records(name)
        port, supervisor = start_web(name, folder,
            app='benchmarks.p6_web_list:server()')
        url = f'http://127.0.0.1:{port}'

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(
                    viewport={'width': 1440, 'height': 900})
                page.set_default_timeout(60_000)
                login(page, url, name)
                expand_menus(page)
                # The first opening of each list loads its views: not timed
                for kind in MENUS:
                    open_list(page, kind)
                for _ in range(RUNS):
                    for kind in MENUS:
                        timings[kind].append(open_list(page, kind))
                browser.close()
        finally:
            supervisor.stop()

    bare = statistics.median(timings['bare'])
    complaints = statistics.median(timings['complaints'])
    print(f"  {ROWS:,} bare records: median {bare * 1000:.0f} ms; "
        f"{ROWS:,} complaints: median {complaints * 1000:.0f} ms",
        flush=True)
    return report(
        f"P6 web client list of {ROWS:,} complaints vs {ROWS:,} records "
        "of a bare model with the same columns",
        complaints / bare, TARGET)


if __name__ == '__main__':
    main()
