"""A module update is an explicit step, never a side effect of starting.

The database is older than the code (a column of scheduled_activity is
missing, as after a field is added, and public_page is not activated yet): the
processes of `make run-pg` serve it as it is; `make upgrade` (python -m
production upgrade) brings it to the code.
"""
import shutil
import subprocess
import sys
import urllib.request

import pytest
from production_harness import (
    Procfile, free_port, server_config, server_environ)

from production.config import ROOT
from trytond import backend
from trytond.tests.test_tryton import DB_NAME, activate_module, drop_db
from trytond.transaction import Transaction

pytestmark = pytest.mark.postgresql

TABLE = 'scheduled_activity_configuration'
COLUMN = 'escalate_after_unit'


@pytest.fixture(scope='module')
def database():
    if backend.name != 'postgresql':
        pytest.skip("needs PostgreSQL: the processes of make run-pg serve it")
    drop_db()
    activate_module(['scheduled_activity'])
    config = server_config()
    yield config
    drop_db()
    shutil.rmtree(config.parent)


def _state():
    "Whether the column exists, and the activated modules"
    with Transaction().start(DB_NAME, 0) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute('SELECT 1 FROM information_schema.columns '
            'WHERE table_name = %s AND column_name = %s', (TABLE, COLUMN))
        column = bool(cursor.fetchone())
        cursor.execute(
            "SELECT name FROM ir_module WHERE state = 'activated'")
        return column, {name for name, in cursor}


def test_start_serves_and_upgrade_updates(database):
    config = database
    with Transaction().start(DB_NAME, 0) as transaction:
        transaction.connection.cursor().execute(
            f'ALTER TABLE "{TABLE}" DROP COLUMN "{COLUMN}"')
        transaction.commit()
    column, before = _state()
    assert not column
    assert 'scheduled_activity' in before and 'public_page' not in before

    # Started on the older database: it serves, and nothing is updated
    with Procfile(config, DB_NAME, f'127.0.0.1:{free_port()}') as procfile:
        with urllib.request.urlopen(procfile.url + '/', timeout=30) as page:
            assert page.status == 200
        assert procfile.running
    assert _state() == (False, before)

    # make upgrade's command
    result = subprocess.run([sys.executable, '-m', 'production', 'upgrade',
            '--config', str(config), '--database', DB_NAME,
            '--modules', 'scheduled_activity', 'public_page'],
        cwd=ROOT, env=server_environ(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    column, after = _state()
    assert column
    assert after >= before | {'public_page'}
