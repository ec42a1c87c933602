"""Build the demo database: `python -m demo --config FILE --database NAME
[--modules MOD...]` (by default the suite's modules). Nothing is done when the database already exists; a
database that failed half-way is never left behind under the final name."""
import argparse
import configparser
import os
import pathlib
import subprocess
import sys
import tempfile

from demo.base import DEMO_PASSWORD
from production.config import MODULES


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--config', required=True)
    parser.add_argument('--database', required=True)
    parser.add_argument('--modules', nargs='+', default=MODULES)
    args = parser.parse_args()

    conf = configparser.ConfigParser()
    conf.read(args.config)
    folder = pathlib.Path(conf.get('database', 'path'))
    final = folder / f'{args.database}.sqlite'
    if final.exists():
        print(f"Demo database {final} exists: reused.")
        return
    building = f'{args.database}_building'
    path = folder / f'{building}.sqlite'
    path.unlink(missing_ok=True)
    path.touch()

    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write(DEMO_PASSWORD)
        passfile.flush()
        env = dict(os.environ, TRYTONPASSFILE=passfile.name)
        admin = pathlib.Path(sys.executable).with_name('trytond-admin')
        subprocess.run([
                str(admin), '-c', args.config, '-d', building,
                '--email', 'admin@example.com', '-l', 'zh_CN', 'en',
                '-u', *args.modules, '--activate-dependencies'],
            env=env, check=True)

    # A process of its own, so that SQLite has written everything to the
    # database file when it ends and the file can be renamed.
    subprocess.run([sys.executable, '-m', 'demo.load',
            '--config', args.config, '--database', building,
            '--modules', *args.modules], check=True)
    path.rename(final)
    print(f"Demo database {final} created.")


if __name__ == '__main__':
    main()
