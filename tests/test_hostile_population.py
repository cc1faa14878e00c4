"""Hostile values in real ads reach the population's evidence, the job detail, the failure summary and
`opgtui diagnose JOBID` without being read as markup, without reaching the terminal as escapes or bidi overrides,
and without taking the dashboard or the verb down: a host and a batch named in markup with escapes, a completion
date no calendar holds (1e13), CPU times of 1e400 (inf in a -json dump), a job's own chirped stages at such times.

The store is built from the recorded fifebatch ad (tests/data/condor), 60 jobs of one batch: 12 failed (exit 1) on
one hostile host, 48 succeeded on 25 others: a black-hole node the population finds."""

from __future__ import annotations

import copy
import dataclasses
import json
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_job_detail_population import detail_of

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.core.model import Verdict, Window
from opgtui.sources.dumps import load_files
from opgtui.store import open_store

AD = Path(__file__).parent / "data" / "condor" / "fifebatch_completed_2017.derived.json"
HOST = "[bold red]x[/]\x1b[2J\u202eevil[/foo].fnal.gov"  # no "@": the host is what follows the last one
BATCH = "[b]reco[/]\x1b]52;c;aGk=\x07\u202e"
CHIRP = "start,reco,10000000000000,0;end,reco,1e400,nan;start,stage\u202e,1486408200,0"
FAILED_ID = "fifebatch1.fnal.gov#14158503.{}"


def _unsafe(text: str) -> list[str]:
    """Characters that would drive the terminal or reorder what the reader sees (a newline is layout)."""
    return [f"U+{ord(c):04X}" for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]


def hostile_ads(batch: str = BATCH) -> list[dict[str, Any]]:
    base = json.loads(AD.read_text(encoding="utf-8"))[0]
    ads = []
    for i in range(60):
        ad = copy.deepcopy(base)
        failed = i < 12
        ad.update(
            ProcId=i,
            GlobalJobId=f"fifebatch1.fnal.gov#14158503.{i}#1486408089",
            JobBatchName=batch,
            ExitCode=1 if failed else 0,
            ExitStatus=1 if failed else 0,
            LastRemoteHost=f"slot1@glidein_1@{HOST if failed else f'fnpc{4000 + i % 25}.fnal.gov'}",
        )
        if i == 0:  # one failure with times no clock can show, and stages chirped at such times
            ad.update(CompletionDate=1e13, RemoteUserCpu=float("inf"), ChirpOpgPhases=CHIRP)
        ads.append(ad)
    return ads


def _build(root: Path, verdicts: dict[str, Verdict] | None = None, batch: str = BATCH) -> tuple[Config, Path]:
    """The config (and its file) of a store of the hostile jobs, read from a -json dump the way a dump is read."""
    dump = root / "dump.json"
    dump.write_text(json.dumps(hostile_ads(batch)), encoding="utf-8")  # 1e400 is written as Infinity
    loaded = load_files([dump])
    jobs = loaded.jobs
    assert len(jobs) == 60  # the fast decoder refuses Infinity; the salvage keeps every ad
    bad = next(j for j in jobs if j.id == FAILED_ID.format(0))
    assert bad.end_time is None and bad.cpu_user is None  # dropped where read (tests/test_hostile_bounds.py)...
    # ...but a store written before that bound, or copied from one, holds them: the views must show them
    jobs = [dataclasses.replace(j, end_time=1e13, cpu_user=float("inf")) if j is bad else j for j in jobs]
    store = open_store(root / "s.db")
    store.upsert_jobs(jobs, {j.id: loaded.ads[j.id] for j in jobs})  # type: ignore[arg-type]
    bad = store.job(FAILED_ID.format(0))
    assert bad is not None and bad.end_time == 1e13 and bad.cpu_user == float("inf") and HOST in (bad.last_host or "")
    if verdicts:
        store.save_verdicts(verdicts)
    store.close()
    cfg_path = root / "c.yaml"
    cfg_path.write_text(f"store: {root / 's.db'}\n", encoding="utf-8")
    return Config(store=root / "s.db"), cfg_path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    return _build(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("proc", [0, 3])
async def test_the_job_detail_shows_a_hostile_node_and_impossible_times_and_stays_up(
    hostile: tuple[Config, Path], proc: int
) -> None:
    """Job 0 has the impossible times and stages; job 3 only shares the node (whose failures' span includes 0's
    end): both details show the node's evidence, as text, with '?' where a time is no time."""
    cfg, _ = hostile
    store = open_store(cfg.store)
    try:
        text = await detail_of((cfg, store), FAILED_ID.format(proc))  # a crash is raised here
    finally:
        store.close()
    assert _unsafe(text) == []
    population = next(line for line in text.splitlines() if line.startswith("population"))
    assert "on host [bold red]x[/]\\u202eevil[/foo].fnal.gov" in population  # shown, never read as markup
    assert "12 of 12 failures of batch [b]reco[/]" in population and "service" in population
    assert "Batch  [b]reco[/]" in text
    if proc == 0:
        fields = {label: value for label, _, value in (line.strip().partition("  ") for line in text.splitlines())}
        assert fields["Ended"] == "?" and fields["CPU user+sys"] == "?"
        assert "Stages\n" not in text  # chirped by the job at no time at all: dropped where read


TITLE = "CVMFS catalog\x1b]52;c;aGk=\x07 [/foo] failure\u202e"
END_OF_9999 = 253402300799.0  # the latest end a feed may give (sources/feeds/base.LATEST): year 10000 east of UTC


@pytest.fixture
def tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The local zone east of UTC, where a feed's 9999-12-31T23:59:59Z is in the year 10000."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def test_the_failure_summary_shows_a_hostile_cause_node_and_window_and_stays_up(
    tmp_path: Path, tokyo: None
) -> None:
    """A service verdict whose title carries an OSC 52 and markup, an outage open to the end of 9999, the
    node's evidence with a failure at 1e13: the table, the detail and v's notification show them as clean text."""
    window = Window("cvmfs", "outage", 1486400000.0, END_OF_9999, "statuspage")
    verdict = Verdict("service", "retry", "cvmfs_catalog_x", TITLE, confidence="confident", windows=[window])
    cfg, _ = _build(tmp_path, {FAILED_ID.format(i): verdict for i in range(12)})
    from textual.widgets import DataTable

    from opgtui.screens.failures import FailureSummaryScreen

    store = open_store(cfg.store)
    app = OpgApp(cfg, store, refresh_loop=False)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            screen = FailureSummaryScreen()
            app.push_screen(screen)
            for _ in range(200):
                await pilot.pause(0.05)
                if screen.weighed:
                    break
            assert screen.weighed and app.screen is screen, "the summary never weighed the other jobs"
            row = [str(cell) for cell in screen.query_one("#failures", DataTable).get_row_at(0)]
            detail = str(screen.query_one("#failure-detail").render())
            await pilot.press("v")  # label this cause: its name in a notification
            await pilot.pause()
            told = [n.message for n in app._notifications]
    finally:
        store.close()
    # the outage's start shown, its end at no time a clock shows is '?' (core.timefmt: formatting never raises)
    assert row[0] == "SERVICE" and row[2].startswith("CVMFS catalog [/foo] failure") and row[3] == "cvmfs 01:53-?"
    assert "population agrees: service" in detail and "on host [bold red]x[/]\\u202eevil[/foo].fnal.gov" in detail
    assert "cvmfs DOWN 01:53-?" in detail and "04:12-?; p " in detail
    assert any("CVMFS catalog" in m for m in told)
    for text in (*row, detail, *told):
        assert _unsafe(text) == [], text


@pytest.mark.parametrize("proc", [0, 3])
def test_diagnose_jobid_prints_the_hostile_node_clean_and_its_json_faithful(
    hostile: tuple[Config, Path], proc: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`opgtui diagnose JOBID`: the text is clean (the host's escape dropped, its bidi override shown), --json is
    valid JSON with the host as the ad had it; neither ends in a traceback over the node's failure at 1e13."""
    from test_cli import run

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    _, cfg_path = hostile
    code, out, err = run("--config", str(cfg_path), "diagnose", FAILED_ID.format(proc))
    assert code == 0, err
    assert _unsafe(out) == []
    line = next(x for x in out.splitlines() if "population of the store" in x)
    assert "probably service (node [bold red]x[/]\\u202eevil[/foo].fnal.gov)" in line and "p " in line
    code, out, err = run("--config", str(cfg_path), "diagnose", FAILED_ID.format(proc), "--json")
    assert code == 0, err
    found = json.loads(out)["population"]["finding"]
    assert found["where"] == HOST and found["kind"] == "node" and found["suggests"] == "service"
    assert "12 of 12 failures" in found["line"] and _unsafe(found["line"]) == []


def test_diagnose_jobid_on_a_big_store_names_a_hostile_batch_without_hiding_the_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a store too big to weigh whole, the population is the job's batch, named in the text: a JobBatchName with
    an OSC opener and no terminator hid the rest of that line (the counts and the finding) from the shifter."""
    from test_cli import run

    import opgtui.ops.population

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setattr(opgtui.ops.population, "POOL_READ_LIMIT", 10)
    _, cfg_path = _build(tmp_path, batch="reco\x1b]0;")
    code, out, err = run("--config", str(cfg_path), "diagnose", FAILED_ID.format(3))
    assert code == 0, err
    line = next(x for x in out.splitlines() if "population of batch" in x)
    assert "(60 jobs, 12 failed or held): probably service (node " in line and "12 of 12 failures" in line
    assert _unsafe(out) == []


async def test_a_job_gone_from_the_store_is_named_clean(hostile: tuple[Config, Path]) -> None:
    """The id's schedd part is a GlobalJobId's text: a detail opened on a job no longer stored names it clean."""
    cfg, _ = hostile
    store = open_store(cfg.store)
    try:
        text = await detail_of((cfg, store), "s\x1b]52;c;aGk=\x07\u202e#1.0")
    finally:
        store.close()
    assert text.startswith("Job s\\u202e#1.0 is no longer in the store") and _unsafe(text) == []
