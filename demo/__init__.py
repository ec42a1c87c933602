"""Demo database in Chinese: `python -m demo` builds it, `make run` serves it."""
