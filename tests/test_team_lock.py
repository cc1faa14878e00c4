"""One collector per team store: a PostgreSQL advisory lock; a second collector says who holds it and exits 2."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("psycopg", reason="the team store's tests need psycopg: pip install '.[postgres]'")

from opgtui.team.lock import CollectorBusy, application_name, collector_lock, parse_holder

NOW = 1_765_000_000.0  # 2025-12-06 05:46 UTC


def test_a_second_collector_is_told_who_holds_the_lock(pg_database: str) -> None:
    with collector_lock(pg_database, "team", now=NOW, host="node07.example.org"):
        with pytest.raises(CollectorBusy) as busy, collector_lock(pg_database, "team", host="node12"):
            pass
        assert str(busy.value) == (
            f"team: another collector is already writing this store: pid {os.getpid()} on "
            "node07.example.org since 2025-12-06 05:46 UTC (database user opgtui_test)"
        )
    with collector_lock(pg_database, "team", host="node12"):  # released with its session
        pass


def test_a_killed_collector_leaves_no_stale_lock(pg_database: str) -> None:
    code = (
        "import sys, time; from opgtui.team.lock import collector_lock\n"
        "with collector_lock(sys.argv[1], 'x', host='dead'):\n    print('held', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, pg_database], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(CollectorBusy, match=f"pid {proc.pid} on dead"), collector_lock(pg_database, "team"):
            pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    with collector_lock(pg_database, "team"):  # the server dropped the lock with the dead session
        pass


def test_opgtui_collect_exits_2_naming_the_holder(pg_database: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from opgtui.cli import main

    config = tmp_path / "config.yaml"
    config.write_text(f"store: '{pg_database}'\n")
    with collector_lock(pg_database, "team", now=NOW, host="node07"):
        result = CliRunner().invoke(main, ["--config", str(config), "collect", "--once"])
    assert result.exit_code == 2
    assert "another collector is already writing this store: pid" in result.output
    assert "on node07 since 2025-12-06 05:46 UTC" in result.output


def test_the_session_name_fits_postgresql_and_reads_back() -> None:
    name = application_name(123, NOW, "a" * 100)
    assert len(name.encode()) <= 63
    held = parse_holder(name, "novapro")
    assert (held.pid, held.since, held.user) == (123, NOW, "novapro") and held.host.startswith("aaa")
    assert parse_holder("psql", "bob").describe() == "a process on ? since ? (database user bob)"
