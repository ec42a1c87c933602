"""P6: the web client opens a list of 1,000 complaints about as fast as a
list of 1,000 parties.

On a scratch PostgreSQL database with 1,000 complaints to register and 1,000
parties, a web process as `make run-pg` starts it serves the web client
(sao) to Chromium. Logged in as the administrator, time from the click on
the menu entry to the last of the 1,000 rows rendered, for the parties and
for the complaints (its first tab, "To Register", with the counts of every
tab), alternately, and compare the medians.
"""
import pathlib
import statistics
import tempfile
import time
import urllib.request

from benchmarks.scratch import create_company, report, scratch_database

ROWS = 1_000
RUNS = 7
TARGET = 1.5
PASSWORD = 'bench-admin-2026!'
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    ]
# The menu entries: the root to expand, then the entry that opens the list
MENUS = {
    'parties': ('Parties', 'Parties', 1),
    'complaints': ('Complaints', 'Complaints', 1),
    }
ROWS_SHOWN = (
    "document.querySelectorAll("
    "'#tabs .tab-pane.active .treeview tbody > tr:not(.more-row)').length")


def create_records(name):
    "Create the parties and the complaints; let the admin in everywhere"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 0) as transaction:
        pool = Pool()
        Party = pool.get('party.party')
        Complaint = pool.get('complaint.complaint')
        Category = pool.get('complaint.category')
        User = pool.get('res.user')
        Group = pool.get('res.group')

        company = create_company()
        Party.create([{'name': f"客户{i:04d}"} for i in range(ROWS)])
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


def start_server(name, folder):
    "Start a web process of `make run-pg` on the database; return its URL"
    from trytond import config

    from production.database import write_config
    from production.processes import programs
    from production.supervisor import Supervisor
    from tests.production_harness import free_port, server_environ

    config_path = pathlib.Path(folder) / 'trytond.conf'
    write_config(config_path, config.get('database', 'uri'))
    port = free_port()
    web, *_ = programs(config_path, name, f'127.0.0.1:{port}', workers=1,
        threads=4, environ=server_environ())
    supervisor = Supervisor([web], log=lambda message: None)
    supervisor.start()
    url = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url + '/', timeout=2)
            return url, supervisor
        except OSError:
            if not web.running or time.monotonic() > deadline:
                supervisor.stop()
                raise RuntimeError("the web process did not start")
            time.sleep(0.3)


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
    with scratch_database(['complaint_plan']) as name, \
            tempfile.TemporaryDirectory() as folder:
        create_records(name)
        url, supervisor = start_server(name, folder)
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

    parties = statistics.median(timings['parties'])
    complaints = statistics.median(timings['complaints'])
    print(f"  {ROWS:,} parties: median {parties * 1000:.0f} ms; "
        f"{ROWS:,} complaints: median {complaints * 1000:.0f} ms",
        flush=True)
    return report(
        f"P6 web client list of {ROWS:,} complaints vs {ROWS:,} parties",
        complaints / parties, TARGET)


if __name__ == '__main__':
    main()
