"""Post-job data-quality checks: exit-0 jobs that did not leave what a good job leaves are flagged, counted as
wasted in the stats, and the config says clearly when a check is written wrong."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from opgtui.config import Config, ConfigError, DQConfig, ExperimentConfig, LogLocation, parse_config
from opgtui.core.model import Job
from opgtui.core.patterns import pattern_problem
from opgtui.domain import stats
from opgtui.domain.dq import check, count_events
from opgtui.ops.record import dq_flags, find_outputs, scan_finished
from opgtui.sources.dumps import load_files
from opgtui.store import open_store

DEMO_LOGS = Path(__file__).parent.parent / "opgtui" / "demo" / "data" / "logs"
FIFE = Path(__file__).parent / "data" / "condor" / "fifebatch_completed_2017.long"
EVENTS = r"TrigReport Events total = (\d+)"


def job(**kw: Any) -> Job:
    base = dict(
        id="s#1.0",
        schedd="s",
        cluster=1,
        proc=0,
        status=4,
        exit_code=0,
        experiment="nova",
        end_time=1_795_000_000.0,
        wall=3600.0,
        request_cpus=1,
    )
    base.update(kw)
    return Job(**base)  # type: ignore[arg-type]


def test_event_count_from_real_art_logs() -> None:
    good = (DEMO_LOGS / "success.log").read_text().splitlines()
    empty = (DEMO_LOGS / "no_events.log").read_text().splitlines()
    assert count_events(good, EVENTS) == 1000 and count_events(empty, EVENTS) == 0
    dq = DQConfig(events_line=EVENTS, min_events=1)
    assert check(job(), dq, log_lines=good).ok is True
    res = check(job(), dq, log_lines=empty)
    assert res.ok is False and res.problems == ["0 events processed (expected at least 1)"]
    res = check(job(), dq, log_lines=["Art has completed and will exit with status 0."])
    assert res.ok is False and "no event-count line" in res.problems[0]


def test_unreadable_log_is_not_checked_rather_than_flagged() -> None:
    res = check(job(), DQConfig(events_line=EVENTS), log_lines=None, log_error="/x/job.out: no such file")
    assert res.ok is None and res.problems == [] and "no such file" in res.unchecked[0]


def test_output_files_by_count_and_size(tmp_path: Path) -> None:
    out = tmp_path / "out" / "88.3"
    out.mkdir(parents=True)
    (out / "reco.root").write_bytes(b"x" * 5000)
    (out / "hist.root").write_bytes(b"x" * 10)
    (out / "notes.txt").write_text("not an output")
    attrs = {"Iwd": str(tmp_path), "ClusterId": 88, "ProcId": 3}
    found = find_outputs("{Iwd}/out/{ClusterId}.{ProcId}/*.root", attrs, "nova")
    assert [(Path(p).name, s) for p, s in found] == [("hist.root", 10), ("reco.root", 5000)]
    res = check(job(), DQConfig(outputs="x", min_files=3, min_bytes=1000), log_lines=[], outputs=found)
    assert res.ok is False
    assert res.problems == ["2 output files (expected at least 3)", "output hist.root is 10 B (minimum 1.0 kB)"]
    assert check(job(), DQConfig(outputs="x", min_files=2, min_bytes=10), log_lines=[], outputs=found).ok is True
    with pytest.raises(ValueError, match="does not have"):
        find_outputs("{Iwd}/out/{RunNumber}/*.root", attrs, "nova")


def test_without_an_outputs_template_the_ads_own_numbers_count() -> None:
    """The real (trimmed) fifebatch DUNE job has no BytesSent: not checkable, so not flagged."""
    real = load_files([FIFE]).jobs[0]
    assert real.exit_code == 0
    res = check(real, DQConfig(min_bytes=1000), log_lines=None)
    assert res.ok is None and "BytesSent" in res.unchecked[0]
    sent = dataclasses.replace(real, bytes_out=512.0, files_out=2)
    res = check(sent, DQConfig(min_bytes=1000, min_files=2), log_lines=None)
    assert res.ok is False and res.problems == ["sent 512 B of output (minimum 1.0 kB)"]
    assert check(sent, DQConfig(min_files=2), log_lines=None).ok is True


def test_flagged_jobs_are_recorded_and_count_as_wasted(tmp_path: Path) -> None:
    store: Any = open_store(tmp_path / "s.db")
    good, empty = DEMO_LOGS / "success.log", DEMO_LOGS / "no_events.log"
    jobs = [
        job(id="s#1.0", cluster=1, stdout=str(good)),
        job(id="s#2.0", cluster=2, stdout=str(empty)),
        job(id="s#3.0", cluster=3, stdout=str(empty), exit_code=1),
    ]  # failed anyway: not a dq question
    store.upsert_jobs(jobs)
    cfg = Config(
        experiments=[ExperimentConfig("nova", dq=DQConfig(events_line=EVENTS))],
        logs=[LogLocation("demo", stdout=f"{DEMO_LOGS}/{{Out}}")],
    )
    report = scan_finished(cfg, store, now=1_795_000_100.0)
    assert (report.scanned, report.flagged) == (3, 1)
    assert dq_flags(store) == {"s#2.0": ["0 events processed (expected at least 1)"]}
    stats.refresh(store)
    t = stats.totals(store, 0)
    assert (t.ok, t.dq_bad, t.failed) == (2, 1, 1)
    assert t.wasted == 2 * 3600.0 and t.goodput == 3600.0
    assert t.success_rate == pytest.approx(1 / 3)
    assert {r.key for r in stats.aggregate(store, "verdict", 0)} == {"ok", "dq-failed", "undiagnosed"}


def test_dq_config_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    text = "experiments:\n  - name: nova\n    dq:\n      events_line: 'Events total = (\\d+'\n"
    with pytest.raises(ConfigError, match=r"c.yaml:4: experiments\[0\].dq.events_line: invalid pattern: missing"):
        parse_config(text, path)
    with pytest.raises(ConfigError, match=r"c.yaml:4: experiments\[0\].dq.min_file: unknown key \(did you mean"):
        parse_config("experiments:\n  - name: nova\n    dq:\n      min_file: 2\n", path)
    with pytest.raises(ConfigError, match=r"record.stages.reco: expected a list"):
        parse_config("record:\n  stages:\n    reco: {a: 1}\n", path)
    cfg = parse_config(
        "experiments:\n  - name: nova\n    dq: {min_files: 2, min_bytes: 1000}\n"
        "record: {keep_days: 90, stages: {reconstruction: reco}}\n",
        path,
    )
    assert cfg.experiments[0].dq == DQConfig(min_files=2, min_bytes=1000)
    assert cfg.record.keep_days == 90 and cfg.record.stages == {"reconstruction": ["reco"]}


# ---------------------------------------------------------------------------- hostile patterns (issue 17)

HOSTILE = Path(__file__).parent / "data" / "hostile"


def _hostile_patterns() -> dict[str, str]:
    import yaml

    return yaml.safe_load((HOSTILE / "item06_dq_events_line_patterns.yaml").read_text())


def test_a_catastrophic_events_line_runs_in_linear_time(tmp_path: Path) -> None:
    """``(a+)+$`` on a 35-character line took Python re hours and froze the collector and the dashboard (both
    run this scan). Run in a child process so that a regression fails on its timeout instead of hanging."""
    import subprocess
    import sys

    script = (
        "import sys, time\n"
        "from opgtui.config import Config, DQConfig, ExperimentConfig, LogLocation\n"
        "from opgtui.core.model import Job\n"
        "from opgtui.ops.record import scan_finished\n"
        "from opgtui.store import open_store\n"
        "store = open_store(sys.argv[1])\n"
        "store.upsert_jobs([Job('s#1.0', 's', 1, 0, status=4, exit_code=0, experiment='nova',\n"
        "                       end_time=1_795_000_000.0, stdout=sys.argv[2])])\n"
        "cfg = Config(experiments=[ExperimentConfig('nova', dq=DQConfig(events_line=sys.argv[3]))],\n"
        "             logs=[LogLocation('hostile', stdout=sys.argv[4] + '/{Out}')])\n"
        "t = time.monotonic()\n"
        "r = scan_finished(cfg, store, now=1_795_000_100.0)\n"
        "print(r.scanned, r.flagged, round(time.monotonic() - t, 3))\n"
    )
    pattern = _hostile_patterns()["catastrophic"]
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(tmp_path / "s.db"),
            str(HOSTILE / "item06_dq_redos_line.log"),
            pattern,
            str(HOSTILE),
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    scanned, flagged, seconds = done.stdout.split()
    assert (scanned, flagged) == ("1", "1") and float(seconds) < 1.0, done.stderr
    assert dq_flags(open_store(tmp_path / "s.db")) == {"s#1.0": ["no event-count line in stdout (pattern '(a+)+$')"]}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "backreference",
            "pattern needs backtracking (backreference or lookaround?), which could stall on hostile "
            "input; rejected (b'invalid escape sequence: \\\\1')",
        ),
        (
            "lookahead",
            "pattern needs backtracking (backreference or lookaround?), which could stall on hostile "
            "input; rejected (b'invalid perl operator: (?=')",
        ),
        (
            "nested_counts",
            "pattern too big for RE2 (invalid repetition size: {100}): at most 1000 repetitions (nested "
            "counts multiply) and 8 MiB compiled; make it smaller",
        ),
        (
            "too_large",
            "pattern too big for RE2 (pattern too large - compile failed): at most 1000 repetitions (nested "
            "counts multiply) and 8 MiB compiled; make it smaller",
        ),
        ("invalid", "invalid pattern: missing ), unterminated subpattern at position 15"),
    ],
)
def test_config_check_refuses_what_re2_cannot_run_with_one_line(tmp_path: Path, name: str, message: str) -> None:
    from click.testing import CliRunner

    from opgtui.cli import main

    path = tmp_path / "c.yaml"
    pattern = _hostile_patterns()[name]
    path.write_text("experiments:\n  - name: nova\n    dq:\n      events_line: '" + pattern.replace("'", "''") + "'\n")
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert result.exit_code == 2
    assert result.stderr == f"opgtui: {path}:4: experiments[0].dq.events_line: {message}\n"
    # a config built in code (not checked) does not take the scan down: the check says why it did not run
    res = check(job(), DQConfig(events_line=pattern), log_lines=["Events total = 5"])
    assert res.ok is None and res.unchecked == [f"events: events_line {pattern!r}: {message}"]


def test_the_catastrophic_pattern_is_accepted_because_re2_runs_it() -> None:
    lines = ["12 aaaa", "a" * 34 + "!"]
    assert count_events(lines, r"(\d+) (a+)+$") == 12 and pattern_problem("(a+)+$") is None


def test_the_record_finds_each_finished_jobs_log_through_its_stored_ad(tmp_path: Path) -> None:
    """Which log is a job's may be known only from the ad the collector kept (here an attribute naming the log
    file): the record reads every candidate's ad (in one query) and checks each job against its own log."""
    store = open_store(tmp_path / "s.db")
    jobs = [job(id=f"s#{i}.0", cluster=i, stdout="moved.log") for i in (1, 2)]
    store.upsert_jobs(jobs, {"s#1.0": {"OpgLog": "success.log"}, "s#2.0": {"OpgLog": "no_events.log"}})
    cfg = Config(
        experiments=[ExperimentConfig("nova", dq=DQConfig(events_line=EVENTS))],
        logs=[LogLocation("from-ad", stdout=f"{DEMO_LOGS}/{{OpgLog}}")],
    )
    report = scan_finished(cfg, store, now=1_795_000_100.0)
    assert (report.scanned, report.flagged) == (2, 1)
    assert dq_flags(store) == {"s#2.0": ["0 events processed (expected at least 1)"]}
    store.close()
