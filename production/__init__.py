"""Production-style operations on PostgreSQL: `python -m production run`
(`make run-pg`) creates the database if missing and runs the Procfile with
honcho; `python -m production upgrade` (`make upgrade`) updates a database
to the code. production/systemd/ holds the units of a production host."""
