"""Production-style run on PostgreSQL: `python -m production` (`make run-pg`)
prepares the database and supervises the web, cron and queue processes."""
