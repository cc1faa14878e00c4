"""`opgtui stats` and `opgtui prune` as an API: JSON, CSV and the table from a store filled from real ads, the
collector's upkeep (logs read once, daily retention), and clear one-line errors."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from opgtui.cli import main
from opgtui.config import Config, RecordConfig
from opgtui.domain import stats
from opgtui.ops.record import upkeep
from opgtui.sources.dumps import load_files
from opgtui.store import open_store

DATA = Path(__file__).parent / "data" / "condor"
HOSTILE = "[@click=app.bell]x[/] \x1b]52;c;cHduZWQ=\x07 \x1b[2J"


@pytest.fixture
def cfg_path(tmp_path: Path) -> Path:
    """A store with the real CHTC job (removed after its hold, ended an hour ago) and the two real fifebatch
    jobs (moved to end two hours ago), plus a job whose site name is hostile."""
    store = open_store(tmp_path / "s.db")
    loaded = load_files([DATA / "chtc_held_docker_memory.long.ad", DATA / "fifebatch_completed_2017.long"])
    now = time.time()
    jobs = []
    for j in loaded.jobs:
        if j.status == 5:
            jobs.append(dataclasses.replace(j, status=3, status_since=now - 3600))
        else:
            jobs.append(dataclasses.replace(j, end_time=now - 7200))
    jobs.append(dataclasses.replace(jobs[-1], id="x#1.0", site=HOSTILE, wall=600.0, cpu_sys=300.0))
    store.upsert_jobs(jobs, loaded.ads)
    store.close()
    path = tmp_path / "c.yaml"
    path.write_text(f"store: {tmp_path / 's.db'}\ntimezone: UTC\n")
    return path


def run(cfg: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(cfg), *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_by_site(cfg_path: Path) -> None:
    code, out, _ = run(cfg_path, "stats", "--by", "site", "--since", "1d", "--json")
    assert code == 0
    doc = json.loads(out)
    rows = {r["key"]: r for r in doc["rows"]}
    assert set(rows) == {"chtc.wisc.edu", "FNAL_GPGrid", HOSTILE}
    chtc = rows["chtc.wisc.edu"]
    assert (chtc["jobs"], chtc["removed"], chtc["success_rate"]) == (1, 1, 0.0)
    assert chtc["core_hours"] == pytest.approx(5156.0 / 3600) and chtc["badput_hours"] == pytest.approx(5156.0 / 3600)
    assert rows["FNAL_GPGrid"]["ok"] == 2 and rows["FNAL_GPGrid"]["efficiency"] is None
    assert doc["total"]["jobs"] == 4 and doc["by"] == "site"


def test_csv_and_the_table(cfg_path: Path) -> None:
    code, out, _ = run(cfg_path, "stats", "--by", "verdict", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["key"]: int(r["jobs"]) for r in rows} == {"ok": 3, "undiagnosed": 1}
    code, out, _ = run(cfg_path, "stats")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["site", "jobs", "ok"] and lines[-1].split()[:2] == ["total", "4"]
    assert "\x1b" not in out and "[@click=app.bell]x[/]" in out  # an ad's text cannot drive the terminal


def test_period_filters_and_bad_input(cfg_path: Path) -> None:
    code, out, _ = run(cfg_path, "stats", "--since", "90m", "--json")
    assert code == 0 and json.loads(out)["total"]["jobs"] == 1  # only the CHTC job ended within 90 minutes
    code, out, _ = run(cfg_path, "stats", "--since", "1d", "--until", "90m", "--json")
    assert json.loads(out)["total"]["jobs"] == 3
    code, out, err = run(cfg_path, "stats", "--experiment", "nobody", "--json")
    assert code == 2 and out == "" and "unknown experiment 'nobody'" in err
    code, _, err = run(cfg_path, "stats", "--until", "soon")
    assert code == 2 and err.startswith("opgtui: --until: not a time") and err.count("\n") == 1
    code, _, err = run(cfg_path, "stats", "--by", "colour")
    assert code == 2 and "colour" in err


def test_prune_dry_run_then_for_real(cfg_path: Path) -> None:
    code, out, _ = run(cfg_path, "prune", "--keep-days", "0.05", "--dry-run")
    assert code == 0 and out.startswith("would prune 3 finished jobs")
    code, out, _ = run(cfg_path, "prune", "--keep-days", "0.05")
    assert code == 0 and out.startswith("pruned 3 finished jobs")
    code, out, _ = run(cfg_path, "stats", "--json")
    assert json.loads(out)["total"]["jobs"] == 1


def test_upkeep_reads_logs_once_and_prunes_once_a_day(tmp_path: Path) -> None:
    store: Any = open_store(tmp_path / "s.db")
    loaded = load_files([DATA / "fifebatch_completed_2017.long"])
    now = 1_486_423_594.0 + 500 * 86400  # the 2017 jobs are now 500 days old
    store.upsert_jobs(loaded.jobs, loaded.ads)
    cfg = Config(record=RecordConfig(keep_days=400, scan_logs=True))
    first = upkeep(cfg, store, now=now)
    assert first.pruned == 2 and first.problems == []
    store.upsert_jobs(loaded.jobs, loaded.ads)  # the same history read again
    assert upkeep(cfg, store, now=now + 3600).pruned == 0  # not due for another day
    stats.refresh(store)
    assert stats.totals(store, 0).jobs == 2
    assert upkeep(cfg, store, now=now + 2 * 86400).pruned == 2


def test_table_csv_and_json_agree_that_a_dq_failed_job_is_not_ok(cfg_path: Path) -> None:
    store = open_store(cfg_path.parent / "s.db")
    (fnal,) = store.conn.execute("SELECT job_id FROM job_stats WHERE site = 'FNAL_GPGrid' LIMIT 1").fetchone()
    with store.transaction() as c:  # exit 0, but the experiment's data-quality check failed
        c.execute("INSERT INTO dq_results(job_id, ok, checked) VALUES (?, 0, 0)", (fnal,))
    store.close()
    code, out, _ = run(cfg_path, "stats", "--by", "site", "--since", "1d")
    assert code == 0
    head, *lines = out.splitlines()
    ok_col, dq_col = head.split().index("ok"), head.split().index("dq")
    table = {line.split()[0]: line.split() for line in lines}
    assert (table["FNAL_GPGrid"][ok_col], table["FNAL_GPGrid"][dq_col]) == ("1", "1")
    _, out, _ = run(cfg_path, "stats", "--by", "site", "--since", "1d", "--csv")
    by_key = {r["key"]: r for r in csv.DictReader(io.StringIO(out))}
    assert (by_key["FNAL_GPGrid"]["ok"], by_key["FNAL_GPGrid"]["dq_bad"]) == ("1", "1")
    _, out, _ = run(cfg_path, "stats", "--by", "site", "--since", "1d", "--json")
    doc = json.loads(out)
    fnal_row = next(r for r in doc["rows"] if r["key"] == "FNAL_GPGrid")
    assert (fnal_row["ok"], fnal_row["dq_bad"], fnal_row["success_rate"]) == (1, 1, 0.5)
    assert doc["total"]["ok"] == int(table["total"][ok_col]) == 2  # 3 exit 0 (1 on the hostile site), 1 dq-failed
