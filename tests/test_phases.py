"""opg-phase: the helper a job calls (markers, chirp, graceful outside a job) and opgtui reading its phases back
from logs and from the ad, into per-stage wall and CPU time."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import classad2
import pytest

from opgtui.config import Config, ExperimentConfig, LogLocation, RecordConfig
from opgtui.core.model import Job
from opgtui.domain import opg_phase, stats
from opgtui.domain.phases import PhaseEvent, pair, parse_chirp, parse_log, parse_marker, phases_from_ad, stage_of
from opgtui.ops.record import scan_finished
from opgtui.store import open_store

HELPER = [sys.executable, "-m", "opgtui.domain.opg_phase"]


def fake_chirp(bin_dir: Path, record: Path, exit_code: int = 0) -> None:
    """A stand-in for the worker node's condor_chirp that records its arguments (one per line)."""
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "condor_chirp"
    script.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n'
        + (f'echo "chirp: cannot connect" >&2\nexit {exit_code}\n' if exit_code else "")
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def run_helper(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("_CONDOR")}
    return subprocess.run(
        [*HELPER, *args], capture_output=True, text=True, env={**base, **(env or {})}, timeout=60, check=False
    )


# ---------------------------------------------------------------------------- the helper


def test_outside_a_job_it_prints_a_marker_and_exits_0() -> None:
    done = run_helper("start", "reco")
    assert done.returncode == 0 and done.stderr == ""
    ev = parse_marker(done.stdout.strip())
    assert ev is not None and (ev.verb, ev.name) == ("start", "reco") and ev.t > 1.7e9


def test_in_a_job_it_chirps_every_phase_so_far_as_a_classad_string(tmp_path: Path) -> None:
    record = tmp_path / "chirp.args"
    fake_chirp(tmp_path / "bin", record)
    env = {"_CONDOR_SCRATCH_DIR": str(tmp_path), "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    for args in (("start", "gen"), ("end", "gen", "0"), ("start", "reco"), ("end", "reco", "65")):
        done = run_helper(*args, env=env)
        assert done.returncode == 0, done.stderr
    verb, attr, literal = record.read_text().splitlines()
    assert (verb, attr) == ("set_job_attr_delayed", "ChirpOpgPhases")
    value = classad2.ExprTree(literal).eval()  # the value HTCondor will store, parsed by HTCondor's own parser
    phases = phases_from_ad({"ChirpOpgPhases": value})
    assert [(p.name, p.status) for p in phases] == [("gen", 0), ("reco", 65)]
    assert all(p.wall is not None and p.wall >= 0 for p in phases)


def test_chirp_failure_never_fails_the_job(tmp_path: Path) -> None:
    fake_chirp(tmp_path / "bin", tmp_path / "args", exit_code=1)
    env = {"_CONDOR_SCRATCH_DIR": str(tmp_path), "PATH": f"{tmp_path / 'bin'}"}
    done = run_helper("end", "merge", "0", env=env)
    assert done.returncode == 0 and parse_marker(done.stdout) is not None
    assert done.stderr.startswith("opg-phase: condor_chirp exit 1: chirp: cannot connect")


def test_no_chirp_at_all_still_records_the_marker(tmp_path: Path) -> None:
    done = run_helper("start", "merge", env={"_CONDOR_SCRATCH_DIR": str(tmp_path), "PATH": str(tmp_path)})
    assert done.returncode == 0 and "marker line in the log still records" in done.stderr
    assert (tmp_path / ".opg-phases").read_text().startswith("start,merge,")


def test_usage_errors_and_odd_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert opg_phase.main(["begin", "reco"]) == 2
    assert "usage: opg-phase start|end" in capsys.readouterr().err
    assert opg_phase.main(["start", "my reco;$(rm -rf)"]) == 0
    out, err = capsys.readouterr()
    ev = parse_marker(out)
    assert ev is not None and ev.name == "my_reco___rm_-rf_" and "recorded as" in err
    assert opg_phase.main(["end", "reco", "oops"]) == 0
    ev = parse_marker(capsys.readouterr().out)
    assert ev is not None and ev.status is None


def test_the_chirped_value_stays_bounded() -> None:
    events = [opg_phase.event("start", f"step{i}", 1.7e9 + i, 10.0 * i) for i in range(200)]
    value = opg_phase.chirp_value(events)
    assert len(value) <= opg_phase.MAX_VALUE and value.endswith(events[-1])


# ---------------------------------------------------------------------------- reading phases back


def test_markers_inside_hostile_log_lines_are_read_and_nothing_else() -> None:
    lines = [
        "\x1b]52;c;cHduZWQ=\x07[@click=app.bell]x[/] 2026-11-25 03:10 opg-phase: start name=reco t=100.0 cpu=5.0",
        "opg-phase: start name=[bold]evil[/] t=1",  # not a name opg-phase would print: ignored
        "user text mentioning opg-phase: but no marker",
        "[wrapper] opg-phase: end name=reco t=400.5 cpu=205.0 status=0",
    ]
    phases = pair(parse_log(lines), "log")
    assert len(phases) == 1
    p = phases[0]
    assert (p.name, p.start, p.end, p.cpu, p.status, p.wall) == ("reco", 100.0, 400.5, 200.0, 0, 300.5)


def test_pairing_nested_unclosed_and_unopened_phases() -> None:
    evs = [
        PhaseEvent("start", "job", 0.0, 0.0),
        PhaseEvent("start", "reco", 10.0, 1.0),
        PhaseEvent("end", "reco", 70.0, 50.0, 0),
        PhaseEvent("end", "merge", 90.0, 60.0, 1),
    ]
    got = [(p.name, p.start, p.end, p.cpu, p.status) for p in pair(evs, "log")]
    assert got == [("job", 0.0, None, None, None), ("reco", 10.0, 70.0, 49.0, 0), ("merge", None, 90.0, None, 1)]


def test_bad_chirp_pieces_are_skipped() -> None:
    assert parse_chirp("start,reco,12.5,1.0;garbage;end,reco,x;end,reco,20.0,,3") == [
        PhaseEvent("start", "reco", 12.5, 1.0),
        PhaseEvent("end", "reco", 20.0, None, 3),
    ]
    assert parse_chirp(None) == [] and parse_chirp(42) == []


def test_stage_names_from_the_config() -> None:
    stages = {"reconstruction": ["reco", "reco[0-9]*"], "simulation": ["g4", "gen"]}
    assert [stage_of(n, stages) for n in ("reco", "reco2", "g4", "merge")] == [
        "reconstruction",
        "reconstruction",
        "simulation",
        "merge",
    ]


# ---------------------------------------------------------------------------- into the store and the stats


def _finished(i: int, stdout: str | None = None) -> Job:
    return Job(
        f"s#{i}.0",
        "s",
        i,
        0,
        status=4,
        exit_code=0,
        experiment="nova",
        end_time=1_795_000_000.0 + i,
        wall=1000.0,
        request_cpus=2,
        cpu_user=1500.0,
        stdout=stdout,
    )


def test_phases_from_the_ad_and_from_the_log_make_per_stage_times(tmp_path: Path) -> None:
    store: Any = open_store(tmp_path / "s.db")
    log = tmp_path / "job.out"
    log.write_text(
        "setup\nopg-phase: start name=reco t=1000.0 cpu=0.0\nart...\n"
        "opg-phase: end name=reco t=1600.0 cpu=900.0 status=0\n"
        "opg-phase: start name=copyout t=1600.0 cpu=900.0\n"
        "opg-phase: end name=copyout t=1700.0 cpu=901.0 status=1\n"
    )
    store.upsert_jobs(
        [_finished(1), _finished(2, str(log))],
        {
            "s#1.0": {"ChirpOpgPhases": "start,g4,0.0,0.0;end,g4,400.0,700.0,0"},
            # the ad lags behind the log (chirp updates are delayed): the log wins once read
            "s#2.0": {"ChirpOpgPhases": "start,reco,1000.0,0.0"},
        },
    )
    cfg = Config(
        record=RecordConfig(scan_logs=True, stages={"simulation": ["g4"]}),
        logs=[LogLocation("x", stdout=f"{tmp_path}/{{Out}}")],
    )  # logs are read only under tmp_path
    report = scan_finished(cfg, store, now=1_795_000_100.0)
    assert report.scanned == 2 and report.phases == 2
    stats.refresh(store)
    rows = {r.key: r.tally for r in stats.aggregate(store, "stage", 0, stages=cfg.record.stages)}
    assert set(rows) == {"simulation", "reco", "copyout"}
    assert rows["simulation"].core_sec == 400.0 * 2 and rows["simulation"].efficiency == pytest.approx(700 / 800)
    assert rows["reco"].core_sec == 600.0 * 2 and rows["reco"].cpu == 900.0
    assert (rows["copyout"].failed, rows["copyout"].wasted) == (1, 200.0)
    assert scan_finished(cfg, store, now=1_795_000_100.0).scanned == 0  # each log is read once


def test_logs_are_read_only_for_experiments_that_ask(tmp_path: Path) -> None:
    store: Any = open_store(tmp_path / "s.db")
    store.upsert_jobs([_finished(1, str(tmp_path / "missing.out"))])
    assert scan_finished(Config(experiments=[ExperimentConfig("dune")]), store, now=1_795_000_100.0).scanned == 0
