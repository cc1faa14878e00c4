"""Both store engines for the store's tests: SQLite in the test's temporary directory, and PostgreSQL in a schema of
its own on the tests' PostgreSQL server (tests/pgcluster.py: ``OPGTUI_TEST_PG_DSN``, else a throwaway cluster). Without
a server the PostgreSQL half is skipped with a message saying so."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ENV = "OPGTUI_TEST_PG_DSN"
ENGINES = ("sqlite", "postgresql")


@contextmanager
def pg_schema() -> Iterator[str]:
    """A DSN whose tables live in a new, empty schema, dropped afterwards (skips when no server is available)."""
    try:
        from pgcluster import server_dsn, why_not  # the session's server: OPGTUI_TEST_PG_DSN or a throwaway cluster
    except ImportError:
        dsn, why = os.environ.get(PG_ENV), f"set {PG_ENV} (the CI's throwaway cluster does)"
    else:
        dsn = server_dsn()
        why = "" if dsn else why_not()
    if not dsn:
        pytest.skip(f"PostgreSQL store tests need a server: {why}")
    psycopg = pytest.importorskip("psycopg", reason="PostgreSQL store tests need psycopg: pip install '.[postgres]'")
    try:
        admin = psycopg.connect(dsn, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL server at {PG_ENV}: {' '.join(str(exc).split())}")
    name = f"opgtest_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield psycopg.conninfo.make_conninfo(dsn, options=f"-c search_path={name}")
    finally:
        admin.execute(f'DROP SCHEMA "{name}" CASCADE')
        admin.close()


@contextmanager
def target(engine: str, tmp_path: Path, name: str = "store.db") -> Iterator[str]:
    """Where a store of ``engine`` lives: a file under ``tmp_path``, or a PostgreSQL DSN."""
    if engine == "sqlite":
        yield str(tmp_path / name)
    else:
        with pg_schema() as dsn:
            yield dsn


@pytest.fixture(params=ENGINES)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new store's location, once per engine."""
    with target(request.param, tmp_path) as where:
        yield where


def integrity_errors() -> tuple[type[BaseException], ...]:
    """The errors a refused constraint (the audit trail's triggers) raises on either engine."""
    import sqlite3

    try:
        import psycopg
    except ImportError:
        return (sqlite3.IntegrityError,)
    return (sqlite3.IntegrityError, psycopg.IntegrityError)
