"""Fixtures shared by every test module."""

from pgcluster import pg_database, pg_server  # noqa: F401  (PostgreSQL: the test server, a database per module)
