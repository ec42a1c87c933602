"""P8: a burst of public complaint submissions, and ten times more.

On a scratch PostgreSQL database, the web processes of `make run-pg` (two
processes of 16 threads, gunicorn) serve the public complaint form and its
trytond-worker registers the complaints answered (see
complaint.intake.submission): the time until every complaint of a burst is
registered is printed beside, not compared.

1. Throughput: visitors, 32 at once (the threads of both processes), each
   with the form's anti-forgery token, send 256 complaints (new intake keys,
   the product quality category); the same visitors send 256 posts of the
   same fields to a bare Tryton route that only creates one record of a
   model with the same fields (both registered by this benchmark in the web
   processes, see server()). The median of 3 alternated runs of each,
   compared: target within 2x.
2. Overload: 10 times as many visitors at once (320), 2 complaints each,
   twice: product quality complaints, then service complaints, whose spike
   activates an emergency plan (20 within an hour), so that every later one
   joins its incident and the complaints' transactions wait on each other.
   Every answer must be the complaint's number, or "busy, retry" (429 or 503
   with Retry-After); then, once the worker registered them, every complaint
   answered with a number is stored once, under its number, and no complaint
   answered busy is stored.

The visitors come from 200 loopback addresses (127.0.0.x) and the
per-address limit is raised to 1,000 submissions an hour, so that the rate
limit, which is not measured here, does not answer. Loopback only; every
request times out after 120 s and each burst after 10 minutes.
P8_DEBUG=1 makes the web processes log each failed request.
"""
import datetime as dt
import http.client
import logging
import os
import re
import statistics
import tempfile
import threading
import time
import uuid

from benchmarks.scratch import (
    create_company, report, scratch_database, start_web, wsgi_app)

WORKERS = 2
THREADS = 16
CONCURRENCY = WORKERS * THREADS
COUNT = 256
RUNS = 3
OVERLOAD = 10
OVERLOAD_EACH = 2
TARGET = 2.0
TIMEOUT = 120
PHASE_TIMEOUT = 600
ADDRESSES = [f'127.0.0.{i}' for i in range(2, 202)]
SUBMISSION_LIMIT = 1_000
BARE_PATH = '/benchmark/bare'
FIELDS = ['name', 'phone', 'description', 'remedy', 'category', 'submission']


def register_bare_model():
    "A model with the fields of the form, without behaviour"
    from trytond.model import ModelSQL, fields
    from trytond.pool import Pool

    BareSubmission = type('BareSubmission', (ModelSQL,), {
            '__doc__': "The form's fields without behaviour",
            '__name__': 'benchmark.bare_submission',
            'name': fields.Char("Name"),
            'phone': fields.Char("Phone"),
            'description': fields.Text("Description"),
            'remedy': fields.Text("Remedy"),
            'category': fields.Integer("Category"),
            'submission': fields.Char("Submission"),
            })
    Pool.register(BareSubmission, module='complaint_intake', type_='model')


def register_bare_route():
    "The bare route: one record of the bare model per post"
    from trytond.protocols.wrappers import (
        Response, with_pool, with_transaction)
    from trytond.wsgi import app

    @app.route('/<database_name>' + BARE_PATH, methods=['POST'])
    @with_pool
    @with_transaction()
    def bare(request, pool):
        Bare = pool.get('benchmark.bare_submission')
        values = {f: request.form.get(f) for f in FIELDS}
        values['category'] = int(values['category'] or 0)
        record, = Bare.create([values])
        return Response(str(record.id), content_type='text/plain')


def server():
    """The WSGI application of the benchmark's web processes: trytond's with
    the bare model and route"""
    if os.environ.get('P8_DEBUG'):
        logging.getLogger('trytond.wsgi').setLevel(logging.DEBUG)

    def register():
        register_bare_model()
        register_bare_route()
    return wsgi_app(register)


def set_up(name):
    """The company, the per-address limit and the emergency plan of the
    service complaints; return the ids of a category no plan covers and of
    the service category"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 0) as transaction:
        pool = Pool()
        Configuration = pool.get('public_page.configuration')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        Plan = pool.get('complaint.emergency_plan')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        Configuration.write([Configuration(1)], {
                'submission_limit': SUBMISSION_LIMIT})
        quality = ModelData.get_id(
            'complaint_plan', 'category_product_quality')
        service = ModelData.get_id('complaint_plan', 'category_service')
        with Transaction().set_context(company=company.id):
            party, = Party.create([{'name': "陈静"}])
            owner, = Employee.create([{
                        'party': party.id, 'company': company.id}])
            Plan.create([{
                        'company': company.id,
                        'name': "服务投诉应急处置预案",
                        'owner': owner.id,
                        'categories': [('add', [service])],
                        'activation_count': 20,
                        'activation_window': dt.timedelta(hours=1),
                        'activate_on_level': False,
                        'activate_on_media': False,
                        }])
        transaction.commit()
        return quality, service


class Visitor:
    "A browser of the public form, on a connection of its own"

    def __init__(self, port, database, address):
        self.port = port
        self.address = address
        self.form_path = f'/{database}/complaint_plan/complaint'
        self.bare_path = f'/{database}{BARE_PATH}'
        self.connection = None
        self.cookie = None
        self.csrf_token = None
        self.category = None

    def _request(self, method, path, body=None, headers=None):
        "Return the status, headers and body; reconnect once if closed"
        headers = dict(headers or {})
        if self.cookie:
            headers['Cookie'] = self.cookie
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    '127.0.0.1', self.port, timeout=TIMEOUT,
                    source_address=(self.address, 0))
            try:
                self.connection.request(method, path, body, headers)
                answer = self.connection.getresponse()
                data = answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
                continue
            if answer.getheader('Connection', '').lower() == 'close':
                self.connection.close()
                self.connection = None
            return answer.status, answer.headers, data

    def open(self):
        "Open the form: its token in the cookie and the page"
        status, headers, data = self._request(
            'GET', self.form_path, headers={'Accept-Language': 'zh-CN'})
        assert status == 200, status
        html = data.decode()
        self.csrf_token = re.search(
            'name="csrf_token" value="([^"]*)"', html).group(1)
        self.cookie = headers['Set-Cookie'].split(';', 1)[0]

    def fields(self, category, index):
        return {
            'csrf_token': self.csrf_token,
            'submission': uuid.uuid4().hex,
            'name': f"顾客{index}",
            'phone': f'139{index:08d}',
            'category': str(category),
            'description': f"收银台只开一个，排队半小时，没人管。第{index}位顾客。",
            'remedy': "增开收银台",
            }

    def post(self, path, fields):
        boundary = uuid.uuid4().hex
        body = b''.join(
            f'--{boundary}\r\nContent-Disposition: form-data; '
            f'name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()) + (
            f'--{boundary}--\r\n'.encode())
        return self._request('POST', path, body, {
                'Content-Type': f'multipart/form-data; boundary={boundary}',
                'Accept-Language': 'zh-CN',
                })

    def submit(self, fields):
        "Send the complaint; return the status, its number, Retry-After"
        status, headers, data = self.post(self.form_path, fields)
        number = re.search(
            rb'id="complaint-number"[^>]*>([^<]*)<', data)
        return (status, number.group(1).decode().strip() if number else None,
            headers.get('Retry-After'))

    def bare(self, fields):
        status, _, _ = self.post(self.bare_path, fields)
        return status

    def close(self):
        if self.connection:
            self.connection.close()


def run_at_once(visitors, work):
    """Run work(visitor) in a thread per visitor, all released at once;
    return the seconds from the release to the last end"""
    barrier = threading.Barrier(len(visitors) + 1)
    errors = []

    def run(visitor):
        barrier.wait()
        try:
            work(visitor)
        except Exception as error:
            errors.append(error)
    threads = [threading.Thread(target=run, args=(v,), daemon=True)
        for v in visitors]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    deadline = time.monotonic() + PHASE_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0))
    duration = time.perf_counter() - start
    if any(t.is_alive() for t in threads):
        raise RuntimeError(f"the burst took more than {PHASE_TIMEOUT} s")
    if errors:
        raise errors[0]
    return duration


def burst(visitors, category, kind, count):
    """Send count posts of the kind ('form' or 'bare') spread over the
    visitors; return the duration and the answers"""
    answers = []
    lock = threading.Lock()
    each = count // len(visitors)

    def work(visitor):
        index = ADDRESSES.index(visitor.address)
        for number in range(each):
            fields = visitor.fields(category, index * 1000 + number)
            if kind == 'form':
                answer = visitor.submit(fields)
            else:
                answer = (visitor.bare(fields), None, None)
            with lock:
                answers.append((fields['submission'], *answer))
    return run_at_once(visitors, work), answers


def overload(visitors, category, offset):
    """Every visitor sends its complaints at once; return the answers with
    the failures of the connection as status None"""
    answers = []
    lock = threading.Lock()

    def work(visitor):
        index = ADDRESSES.index(visitor.address) + 200 * (
            visitors.index(visitor) // len(ADDRESSES))
        for number in range(OVERLOAD_EACH):
            fields = visitor.fields(category, offset + index * 10 + number)
            try:
                answer = visitor.submit(fields)
            except (OSError, http.client.HTTPException) as error:
                answer = (None, None, None)
                visitor.close()
                visitor.connection = None
                print(f"  connection failure: {error!r}", flush=True)
            with lock:
                answers.append((fields['submission'], *answer))
    run_at_once(visitors, work)
    return answers


def drain(name):
    """Wait until trytond-worker registered every complaint accepted; return
    the seconds waited"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    start = time.perf_counter()
    while True:
        with Transaction().start(name, 0, readonly=True):
            waiting = Pool().get('complaint.intake.submission').search(
                [], count=True)
        if not waiting:
            return time.perf_counter() - start
        if time.perf_counter() - start > PHASE_TIMEOUT:
            raise RuntimeError(
                f"{waiting} complaints still waiting after {PHASE_TIMEOUT} s")
        time.sleep(0.1)


def stored(name, keys):
    "The numbers of the complaints stored under the intake keys"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(name, 0, readonly=True):
        Complaint = Pool().get('complaint.complaint')
        numbers = {}
        for start in range(0, len(keys), 500):
            for complaint in Complaint.search([
                        ('intake_key', 'in', keys[start:start + 500]),
                        ]):
                numbers.setdefault(complaint.intake_key, []).append(
                    complaint.number)
        return numbers


def count_overload(answers, numbers):
    "The answers numbered, busy, other; and those stored wrongly"
    numbered = [a for a in answers if a[1] == 200 and a[2]]
    busy = [a for a in answers if a[1] in {429, 503} and a[3]]
    other = [a for a in answers if a not in numbered and a not in busy]
    wrong = [a for a in numbered if numbers.get(a[0]) != [a[2]]]
    busy_stored = [a for a in busy if a[0] in numbers]
    return numbered, busy, other, wrong, busy_stored


def main():
    with scratch_database(['complaint_intake', 'complaint_emergency'],
            register=register_bare_model) as name, \
            tempfile.TemporaryDirectory() as folder:
        quality, service = set_up(name)
        port, supervisor = start_web(name, folder,
            app='benchmarks.p8_burst:server()', workers=WORKERS,
            threads=THREADS, processes=['web', 'worker'],
            environ={'P8_DEBUG': os.environ.get('P8_DEBUG', '')})
        overloads = []
        try:
            visitors = [Visitor(port, name, ADDRESSES[i % len(ADDRESSES)])
                for i in range(CONCURRENCY)]
            for visitor in visitors:
                visitor.open()
            # Both processes load their caches and templates: not timed
            burst(visitors, quality, 'form', CONCURRENCY)
            burst(visitors, quality, 'bare', CONCURRENCY)
            drain(name)
            timings = {'form': [], 'bare': []}
            drains = []
            for _ in range(RUNS):
                for kind in ['form', 'bare']:
                    duration, answers = burst(
                        visitors, quality, kind, COUNT)
                    bad = [a for a in answers if a[1] != 200
                        or (kind == 'form' and not a[2])]
                    if bad:
                        raise RuntimeError(
                            f"{kind}: {len(bad)} posts failed: {bad[:3]}")
                    timings[kind].append(duration)
                    if kind == 'form':
                        drains.append(duration + drain(name))
            for visitor in visitors:
                visitor.close()

            # Product quality complaints, which no plan covers, then service
            # complaints, whose spike activates the plan: each one then
            # joins its incident
            for label, category, offset in [
                    ("no plan activated", quality, 500_000),
                    ("the spike activates an emergency plan", service,
                        700_000)]:
                crowd = [Visitor(port, name, ADDRESSES[i % len(ADDRESSES)])
                    for i in range(CONCURRENCY * OVERLOAD)]
                for visitor in crowd:
                    visitor.open()
                start = time.perf_counter()
                answers = overload(crowd, category, offset)
                duration = time.perf_counter() - start
                registered = time.perf_counter() - start + drain(name)
                for visitor in crowd:
                    visitor.close()
                overloads.append((label, answers, duration, registered))
        finally:
            supervisor.stop()
        stored_numbers = stored(
            name, [a[0] for _, answers, _, _ in overloads for a in answers])

    form = statistics.median(timings['form'])
    bare = statistics.median(timings['bare'])
    registered = statistics.median(drains)
    print(f"  {COUNT} posts, {CONCURRENCY} at once: complaint form median "
        f"{form:.2f} s ({COUNT / form:.1f}/s), bare route median {bare:.2f} s "
        f"({COUNT / bare:.1f}/s); all {COUNT} complaints registered by the "
        f"worker after a median {registered:.2f} s "
        f"({COUNT / registered:.1f}/s, {registered / bare:.2f}x the bare "
        "route)", flush=True)
    failures = 0
    for label, answers, duration, registered in overloads:
        numbered, busy, other, wrong, busy_stored = count_overload(
            answers, stored_numbers)
        failures += len(other) + len(wrong) + len(busy_stored)
        print(f"  overload, {label}: {CONCURRENCY * OVERLOAD} visitors at "
            f"once, {len(answers)} complaints in {duration:.1f} s "
            f"(all registered after {registered:.1f} s): "
            f"{len(numbered)} numbered, {len(busy)} busy with Retry-After "
            f"({', '.join(sorted({str(a[1]) for a in busy})) or '-'}), "
            f"{len(other)} other "
            f"({', '.join(sorted({str(a[1]) for a in other})) or '-'}); "
            f"numbered but not stored once: {len(wrong)}; busy but stored: "
            f"{len(busy_stored)}", flush=True)
    met = report(
        f"P8 public complaint form vs bare route, {COUNT} posts "
        f"{CONCURRENCY} at once", form / bare, TARGET)
    return report(
        f"P8 overload x{OVERLOAD}: answers neither numbered nor busy, or "
        "not stored once", failures, 0, unit='') and met


if __name__ == '__main__':
    main()
