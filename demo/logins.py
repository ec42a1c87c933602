"""Print how to log in to the demo database served by `make run`."""
import sqlite3
import sys

from demo.base import DEMO_PASSWORD


def main(database='var/db/demo.sqlite', url='http://127.0.0.1:8000'):
    connection = sqlite3.connect(database)
    users = connection.execute(
        'SELECT login, name FROM res_user '
        "WHERE active AND login != 'root' ORDER BY id").fetchall()
    print(f"\nOpen {url} , database «demo», and log in as one of:")
    for login, name in users:
        print(f"  {login:<14} {name}")
    print(f"Password for every demo user: {DEMO_PASSWORD}\n")


if __name__ == '__main__':
    main(*sys.argv[1:])
