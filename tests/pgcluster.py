"""A PostgreSQL server for the tests: the one ``OPGTUI_TEST_PG_DSN`` names (the CI's throwaway cluster sets it),
else a throwaway cluster of our own when Debian's ``postgresql`` binaries are installed (initdb in a temporary
directory, trust authentication, a unix socket in that directory and no TCP port, stopped and removed when the
tests end), else the PostgreSQL tests are skipped with a message saying what is missing.

``pg_server`` (session) is the server's DSN, connected as a superuser; ``pg_database`` (per test module) is the DSN
of a new, empty database on it, dropped after the module.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ENV = "OPGTUI_TEST_PG_DSN"
SUPERUSER = "opgtui_test"

_state: dict[str, str | None] = {}


def _bindir() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian keeps them under /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_server_user() -> list[str]:
    """The command prefix that runs a server program: initdb and postgres refuse to run as root."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if not runuser:
        raise RuntimeError("running as root and runuser is missing (initdb refuses root)")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("running as root and there is no 'postgres' user to run the server as") from None
    return [runuser, "-u", "postgres", "--"]


def _start_cluster() -> str:
    """initdb + pg_ctl start in a new temporary directory; the DSN of its superuser. Raises RuntimeError."""
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (apt-get install postgresql)")
    prefix = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="opgtui-pg-"))
    if prefix:
        shutil.chown(root, "postgres", "postgres")
    data, log = root / "data", root / "server.log"

    def stop() -> None:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    run = [
        *prefix,
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-A",
        "trust",
        "-U",
        SUPERUSER,
        "-E",
        "UTF8",
        "--no-locale",
        "--no-sync",
    ]
    done = subprocess.run(run, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode:
        raise RuntimeError(f"initdb failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
    options = f"-k {root} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
    start = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"]
    done = subprocess.run(start, capture_output=True, text=True, timeout=90, check=False)
    if done.returncode:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
        raise RuntimeError(f"the test cluster did not start: {tail or done.stderr.strip()}")
    return f"host={root} port=5432 user={SUPERUSER} dbname=postgres"


def server_dsn() -> str | None:
    """The test server's DSN (started once per run when needed), or None: then :func:`why_not` says why."""
    if "dsn" not in _state:
        given = os.environ.get(PG_ENV)
        try:
            _state["dsn"] = given or _start_cluster()
            _state["why"] = None
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            _state["dsn"] = None
            _state["why"] = f"PostgreSQL tests skipped: set {PG_ENV} or install postgresql ({exc})"
        if _state["dsn"] and not given:
            os.environ[PG_ENV] = _state["dsn"]  # so helpers that read the variable see the same server
    return _state["dsn"]


def why_not() -> str:
    return _state.get("why") or f"PostgreSQL tests skipped: no server ({PG_ENV} unset)"


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The DSN of a PostgreSQL superuser on the test server (skips the test when there is none)."""
    pytest.importorskip("psycopg", reason="PostgreSQL tests need psycopg: pip install '.[postgres]'")
    dsn = server_dsn()
    if dsn is None:
        pytest.skip(why_not())
    return dsn


@pytest.fixture(scope="module")
def pg_database(pg_server: str) -> Iterator[str]:
    """The DSN of a new, empty database for this test module (dropped afterwards, even with connections open)."""
    import psycopg
    from psycopg import sql

    name = f"opgtest_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(pg_server, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL server at {PG_ENV}: {' '.join(str(exc).split())}")
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield psycopg.conninfo.make_conninfo(pg_server, dbname=name)
    finally:
        with psycopg.connect(pg_server, autocommit=True, connect_timeout=5) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
