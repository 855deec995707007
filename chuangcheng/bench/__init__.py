"""The benchmark harness: named scenarios timed against PostgreSQL at a chosen scale.

Each scenario is a request through the whole Django stack (middleware, auth, scoping, DRF,
templates) in-process, measured over repeated runs, with its SQL query count, next to the same
answer computed by one hand-written SQL statement timed by ``EXPLAIN ANALYZE`` in the same run:
the ratio says how far the application is from what the database itself can do.

Run: ``make bench`` or ``python -m chuangcheng.bench --help``.
"""
