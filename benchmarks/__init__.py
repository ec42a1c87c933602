"""Speed and size targets, measured by `make bench` on PostgreSQL."""
