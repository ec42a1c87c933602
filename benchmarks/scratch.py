"""What every benchmark needs: a scratch PostgreSQL database with modules
activated, a timer and the line that reports a ratio against its target."""
import contextlib
import os
import statistics
import time


@contextlib.contextmanager
def scratch_database(modules, register=None):
    """Create a database named after the process, activate the modules, yield
    its name and drop it at the end.

    register is called before the pool is initialised, to add classes that
    exist only for the benchmark."""
    name = f'bench_{os.getpid()}'
    os.environ['DB_NAME'] = name
    from trytond import backend
    from trytond.cache import Cache
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    Pool.start()
    if register:
        register()
    database = backend.Database()
    database.connect()
    connection = database.get_connection(autocommit=True)
    try:
        database.create(connection, name)
    finally:
        database.put_connection(connection)
        database.close()
    # From here on, drop the database whatever fails, module activation
    # included
    try:
        database = backend.Database(name)
        connection = database.get_connection()
        try:
            database.init()
            with connection.cursor() as cursor:
                cursor.execute(
                    'INSERT INTO ir_configuration (language) VALUES (%s)',
                    ('en',))
            connection.commit()
        finally:
            database.put_connection(connection)
        Pool(name).init(
            update=['res', 'ir', *modules], lang=['en'], activatedeps=True)
        yield name
    finally:
        Pool.stop(name)
        # Close the connection pool of the database last (the cache listener
        # reopens it) and drop through the class: an instance would open a
        # new pool whose workers keep reconnecting to the dropped database
        # and log "error connecting in 'pool-N'"
        Cache.drop(name)
        backend.Database(name).close()
        with Transaction().start(
                None, 0, close=True, autocommit=True) as transaction:
            backend.Database.drop(transaction.connection, name)


def wsgi_app(register):
    """trytond's WSGI application as trytond.application makes it, with the
    classes that register adds, for the web processes of start_web"""
    import logging
    logging.basicConfig(level=logging.ERROR)
    from trytond import backend
    from trytond.pool import Pool
    from trytond.wsgi import app

    Pool.start()
    register()
    for name in os.environ['TRYTOND_DATABASE_NAMES'].split(','):
        Pool(name).init()
        backend.Database(name).close()
    return app


def web_config(folder):
    "Write the configuration of the web processes into folder; its path"
    import pathlib

    from trytond import config

    from production.config import write_config

    config_path = pathlib.Path(folder) / 'trytond.conf'
    write_config(config_path, config.get('database', 'uri'))
    return config_path


def start_web(name, folder, app=None, workers=1, threads=4, environ=None,
        processes=('web',)):
    """Start the Procfile's web process of `make run-pg` on the database
    (with the other processes given), serving app ("module:function()")
    instead of trytond's when given; return the port and the runner whose
    stop() stops it"""
    from tests.production_harness import Procfile, free_port, server_environ

    port = free_port()
    web = Procfile(web_config(folder), name, f'127.0.0.1:{port}',
        processes=list(processes), workers=workers, threads=threads,
        wsgi_app=app,
        environ=dict(server_environ(), **(environ or {})))
    try:
        web.start()
    except Exception:
        web.stop()
        # The folder goes with the benchmark: what the processes said first
        print(web.log.read_text())
        raise
    return port, web


def timed(function, runs=1):
    "The median wall time of runs calls of function, in seconds"
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def report(label, ratio, target, comparison='<=', unit='x'):
    "Print one target line; return whether it is met"
    met = ratio <= target if comparison == '<=' else ratio >= target
    print(f"{label}: {ratio:.2f}{unit} (target {comparison} {target}) "
        f"{'OK' if met else 'FAIL'}", flush=True)
    return met


def create_company(name="华联商贸有限公司"):
    """Create the company with the ORM, without importing the test modules
    (they would switch the pool to test mode and its extra validation)."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Currency = pool.get('currency.currency')
    Party = pool.get('party.party')
    Company = pool.get('company.company')
    User = pool.get('res.user')
    currency = Currency.search([('code', '=', 'CNY')], limit=1)
    currency, = currency or Currency.create([{
                'name': "人民币", 'code': 'CNY', 'symbol': '¥'}])
    party, = Party.create([{'name': name}])
    company, = Company.create([{'party': party.id, 'currency': currency.id}])
    User.write([User(Transaction().user)], {
            'companies': [('add', [company.id])],
            'company': company.id,
            })
    return company


def generate_series(first, last):
    """The subquery of the integers first to last in its column g, to insert
    many rows with one INSERT ... SELECT"""
    from sql import Cast, Literal, Select
    from sql.functions import Function

    class GenerateSeries(Function):
        __slots__ = ()
        _function = 'GENERATE_SERIES'

    return Select([GenerateSeries(
                Cast(Literal(first), 'INTEGER'),
                Cast(Literal(last), 'INTEGER')).as_('g')])


def cycle(g, values):
    "The SQL expression of values[g % len(values)]"
    from sql.conditionals import Case
    return Case(*(((g % len(values)) == i, v) for i, v in enumerate(values)))
