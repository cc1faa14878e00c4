"""Evidence from the population of jobs (opgtui/domain/population.py), on populations made from real recorded
records, varied in host, site, batch and id:

- ``data/condor/fifebatch_completed_2017.long``: two real completed DUNE jobs (fifebatch1.fnal.gov, jobsub), the
  successes;
- ``data/condor/deepdive_dag_node_return8.process.log``: a real CHTC DAG node's event log, 11 runs on 9
  hosts, each ``Normal termination (return value 8)`` (iross/deepdive ``tests/job_failure_example/`` at 403be86,
  Apache-2.0; /work/shared/fixtures/condor/real-2026-12/process.log), the failures;
- ``data/condor/chtc_held_docker_memory.long.ad``: a real held CHTC job (HoldReasonCode 34).

And the failure summary showing a node's evidence, on the demo and on a store of such jobs.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from opgtui.core.model import Finding, Job, JobStatus, Verdict, Window
from opgtui.domain.failures import UNDIAGNOSED, summarise
from opgtui.domain.population import ALPHA, Population, analyse, binomial_greater, fisher_greater, reading
from opgtui.sources.dumps import load_files

DATA = Path(__file__).parent / "data" / "condor"
NOW = 1_800_000_000.0
SITES = ("FNAL_GPGrid", "Wisconsin", "Purdue-Brown", "UCSD")


def _real() -> tuple[Job, list[Job], Job]:
    ok = load_files([DATA / "fifebatch_completed_2017.long"]).jobs
    failed = load_files([DATA / "deepdive_dag_node_return8.process.log"]).jobs
    held = load_files([DATA / "chtc_held_docker_memory.long.ad"]).jobs[0]
    assert len(ok) == 2 and {j.exit_code for j in ok} == {0} and {j.status for j in ok} == {JobStatus.COMPLETED}
    assert len(failed) == 11 and {j.exit_code for j in failed} == {8} and len({j.last_host for j in failed}) == 9
    assert held.status == JobStatus.HELD and held.hold_code == 34
    return ok[0], failed, held


SUCCESS, FAILURES, HELD = _real()
_ids = itertools.count(1)


def vary(real: Job, batch: str, host: str | None, site: str | None, end: float = NOW - 3600, **kw: Any) -> Job:
    """A real record as another job: its own id, batch, host, site and times (everything else as recorded)."""
    n = next(_ids)
    times = {"end_time": end, "start_time": end - 1800}
    if real.status == JobStatus.HELD:
        times = {"end_time": None, "start_time": end - 1800, "status_since": end}
    return replace(
        real, id=f"{real.schedd}#{n}.0", cluster=n, batch_name=batch, last_host=host, site=site, **times, **kw
    )


def ok_jobs(batch: str, n: int, *, hosts: int = 40, sites: tuple[str, ...] = SITES) -> list[Job]:
    """``n`` successes of ``batch`` over ``hosts`` hosts at ``sites`` (round robin)."""
    return [
        vary(SUCCESS, batch, f"wn{i % hosts:03d}.{sites[i % len(sites)]}.example", sites[i % len(sites)])
        for i in range(n)
    ]


def failures(batch: str, n: int, host: str | None, site: str | None, **kw: Any) -> list[Job]:
    """``n`` failures of ``batch`` on ``host`` (None: on each real run's own host), from the real DAG runs."""
    return [
        vary(FAILURES[i % len(FAILURES)], batch, host or FAILURES[i % len(FAILURES)].last_host, site, **kw)
        for i in range(n)
    ]


def unknown(job_ids: list[str]) -> dict[str, Verdict]:
    return {jid: Verdict("unknown", "look at the log", None, "no known signature") for jid in job_ids}


# ------------------------------------------------------------------------------------------- the test


def test_fisher_and_binomial_tails_match_the_sums_in_fractions() -> None:
    def exact(a: int, b: int, c: int, d: int) -> Fraction:
        n, k, total = a + b, a + c, a + b + c + d
        return sum(
            (Fraction(math.comb(k, x) * math.comb(total - k, n - x)) for x in range(a, min(n, k) + 1)), Fraction(0)
        ) / math.comb(total, n)

    assert fisher_greater(3, 1, 1, 3) == pytest.approx(17 / 70)  # the lady tasting tea
    for a, b, c, d in [(17, 0, 1, 400), (5, 0, 20, 80), (8, 3, 30, 300), (0, 5, 5, 5), (2, 2, 2, 2), (1, 0, 0, 0)]:
        assert fisher_greater(a, b, c, d) == pytest.approx(float(exact(a, b, c, d)), rel=1e-9, abs=1e-300)
    assert fisher_greater(1000, 0, 1000, 100_000) < 1e-300  # underflows to 0, never raises
    with pytest.raises(ValueError):
        fisher_greater(-1, 0, 0, 0)
    for k, n, p in [
        (14, 25, Fraction(121, 250)),
        (5, 5, Fraction(1, 10)),
        (1, 40, Fraction(1, 3)),
        (30, 200, Fraction(1, 20)),
    ]:
        tail = sum((math.comb(n, x) * p**x * (1 - p) ** (n - x) for x in range(k, n + 1)), Fraction(0))
        assert binomial_greater(k, n, float(p)) == pytest.approx(float(tail), rel=1e-9)
    assert (binomial_greater(0, 5, 0.5), binomial_greater(6, 5, 0.5), binomial_greater(3, 5, 0.0)) == (1.0, 0.0, 0.0)


# ------------------------------------------------------------------------------------------- a black-hole node


def test_a_black_hole_node_is_said_with_its_numbers_and_turns_unknown_into_probably_service() -> None:
    bad = failures("dune_reco_x", 17, "h123.fnal.gov", "FNAL_GPGrid")
    stray = failures("dune_reco_x", 1, "wn007.UCSD.example", "UCSD")
    jobs = ok_jobs("dune_reco_x", 400) + bad + stray
    pop = analyse(jobs, now=NOW)
    ev = pop.for_job(bad[0])
    assert ev is not None and ev.kind == "node" and ev.category == "service" and ev.where == "h123.fnal.gov"
    assert (ev.failed, ev.batch_failed, ev.ok, ev.batch_ok, ev.failed_elsewhere, ev.ran_elsewhere) == (
        17,
        18,
        0,
        400,
        1,
        401,
    )
    assert ev.text().startswith(
        "17 of 18 failures of batch dune_reco_x on host h123.fnal.gov (0 of 400 successes there; "
        "elsewhere 1 failure in 401 jobs;"
    )
    assert ev.p < ALPHA and ev.first == ev.last == NOW - 3600
    assert pop.for_job(stray[0]) is None  # the one failure elsewhere is not the node's
    # the log said unknown: the population's hint; the log was confident: a note, the verdict stands
    hint = reading(Verdict("unknown", "look", None), ev)
    assert hint is not None and hint.suggests == "service" and hint.line.startswith("probably service (node h123")
    code = Verdict("code", "debug", "fhicl_parse", confidence="confident")
    note = reading(code, ev)
    assert note is not None and note.suggests is None and note.agrees is False
    assert note.line.startswith("note: the population points to service (node h123.fnal.gov), the log's verdict stands")
    assert code.category == "code" and reading(code, None) is None


def test_a_node_failing_the_jobs_of_several_batches_is_found_across_them() -> None:
    jobs: list[Job] = []
    for b in ("nova_a", "nova_b", "dune_c", "dune_d"):
        jobs += ok_jobs(b, 100) + failures(b, 3, "fnpc4108.fnal.gov", "FNAL_GPGrid") + failures(b, 2, None, "UCSD")
    pop = analyse(jobs, now=NOW)
    assert [(e.kind, e.batch, e.where, e.failed, e.batches) for e in pop.findings] == [
        ("node", None, "fnpc4108.fnal.gov", 12, 4)
    ]  # 3 per batch is too few for any one batch; 12 of 4 batches, none succeeding there, is a node
    assert pop.findings[0].text().startswith("12 of 20 failures of 4 batches on host fnpc4108.fnal.gov (0 of 400")


def test_a_bad_site_for_one_batch_when_its_failures_are_spread_over_the_sites_hosts() -> None:
    jobs = ok_jobs("uboone_reco", 300, sites=("FNAL_GPGrid", "Wisconsin", "UCSD"))
    bad = [vary(FAILURES[i % 11], "uboone_reco", f"brown-a{i:03d}.purdue.edu", "Purdue-Brown") for i in range(30)]
    jobs += bad + ok_jobs("uboone_reco", 2, sites=("Purdue-Brown",))
    pop = analyse(jobs, now=NOW)
    assert [(e.kind, e.batch, e.where) for e in pop.findings] == [("site", "uboone_reco", "Purdue-Brown")]
    assert pop.findings[0].head() == "30 of 30 failures of batch uboone_reco on site Purdue-Brown"
    assert pop.for_job(bad[0]) is pop.findings[0]


# ------------------------------------------------------------------------------------------- the batch itself


def test_the_same_failure_at_every_host_with_no_success_anywhere_is_the_batch_code() -> None:
    """The real DAG node's 11 runs (return value 8 on 9 hosts) as one batch, beside batches that succeed."""
    node = [replace(j, batch_name="job000009", site=s) for j, s in zip(FAILURES, itertools.cycle(SITES), strict=False)]
    jobs = node + ok_jobs("other_a", 200) + ok_jobs("other_b", 200) + failures("other_b", 2, None, "UCSD")
    pop = analyse(jobs, now=NOW)
    assert [(e.kind, e.where) for e in pop.findings] == [("batch", "job000009")]
    ev = pop.findings[0]
    assert ev.category == "code" and ev.hint == "probably code (batch-wide)"
    assert ev.head() == "batch job000009: 11 failures at 4 sites on 9 hosts, 0 successes anywhere"
    assert ev.numbers().startswith("11 of them exit code 8; the other batches: 2 failures in 402 jobs; p ")
    assert all(pop.for_job(j) is ev for j in node)
    # a node a batch-wide failure ran on three times is not a black hole: the batch fails everywhere
    assert not [e for e in pop.findings if e.kind == "node"]


def test_the_same_failure_is_the_verdicts_signature_and_different_failures_are_no_batch_finding() -> None:
    node = [replace(j, batch_name="job000009") for j in FAILURES]
    jobs = node + ok_jobs("other", 300)
    mixed = {j.id: Verdict("code", "debug", f"sig{i % 3}") for i, j in enumerate(node)}
    assert analyse(jobs, mixed, now=NOW).findings == []  # three different failures, a third each
    same = {j.id: Verdict("unknown", "look", "xrootd_3011_no_such_file") for j in node}
    ev = analyse(jobs, same, now=NOW).findings[0]
    assert ev.common == "xrootd_3011_no_such_file" and ev.common_count == 11


# ------------------------------------------------------------------------------------------- negatives


def test_a_site_that_just_runs_most_of_the_jobs_is_no_finding() -> None:
    rng = random.Random(5)
    jobs: list[Job] = []
    for i in range(2000):  # 80% at FNAL, 5% failures everywhere, four batches
        site = rng.choices(SITES, weights=(80, 7, 7, 6))[0]
        real = FAILURES[i % 11] if rng.random() < 0.05 else SUCCESS
        jobs.append(vary(real, f"batch_{i % 4}", f"wn{rng.randrange(150):03d}.{site}", site))
    assert 0.75 < sum(j.site == "FNAL_GPGrid" for j in jobs if j.failed) / sum(j.failed for j in jobs) < 0.85
    pop = analyse(jobs, now=NOW)
    assert pop.findings == [] and pop.by_job == {}


def test_three_failures_of_three_jobs_are_too_few_to_say_anything() -> None:
    jobs = failures("tiny", 3, None, "Wisconsin") + ok_jobs("big", 500)
    assert analyse(jobs, now=NOW).findings == []
    # nor 4 failures on one host with no success there: below the minimum
    jobs = ok_jobs("big", 500) + failures("big", 4, "h1.example", "UCSD")
    assert analyse(jobs, now=NOW).findings == []


def test_a_failure_wave_at_every_site_during_an_outage_is_the_outages_not_the_batchs() -> None:
    """Batch nova_keepup ran during a SAM outage and failed everywhere; the outage timeline explains it."""
    start, end = NOW - 5 * 3600, NOW - 4 * 3600
    wave = [
        vary(FAILURES[i % 11], "nova_keepup", f"wn{i:03d}.{SITES[i % 4]}", SITES[i % 4], end=start + 60 * i)
        for i in range(40)
    ]
    jobs = wave + ok_jobs("dune_mc", 300) + ok_jobs("nova_mc", 300)
    sam = Window("samweb", "outage", start - 600, end, "alertmanager")
    assert analyse(jobs, outages=[sam], now=NOW).findings == []
    # the verdicts naming the outage say the same without the window
    named = {j.id: Verdict("service", "retry", "sam_fetch", windows=[sam]) for j in wave}
    assert analyse(jobs, named, now=NOW).findings == []
    # without the outage, a batch failing the same way everywhere with no success would be its code
    assert [e.kind for e in analyse(jobs, now=NOW).findings] == ["batch"]
    # a maintenance window is no outage
    assert [e.kind for e in analyse(jobs, outages=[replace(sam, kind="maintenance")], now=NOW).findings] == ["batch"]


def test_since_counts_only_the_jobs_that_ended_in_the_range() -> None:
    old = failures("dune_reco_x", 10, "h123.fnal.gov", "FNAL_GPGrid", end=NOW - 3 * 86400)
    held = [vary(HELD, "dune_reco_x", "h123.fnal.gov", "FNAL_GPGrid", end=NOW - 600) for _ in range(6)]
    jobs = ok_jobs("dune_reco_x", 200) + old + held
    assert {e.failed for e in analyse(jobs, now=NOW).findings} == {16}
    recent = analyse(jobs, now=NOW, since=NOW - 86400)
    assert [(e.where, e.failed) for e in recent.findings] == [("h123.fnal.gov", 6)]
    assert recent.for_job(old[0]) is None and recent.for_job(held[0]) is not None


def test_jobs_with_no_batch_name_are_batched_by_their_submission() -> None:
    ok = [replace(j, batch_name=None, schedd="s", cluster=77, id=f"s#77.{i}") for i, j in enumerate(ok_jobs("x", 100))]
    bad = [
        replace(j, batch_name=None, schedd="s", cluster=77, id=f"s#77.{100 + i}")
        for i, j in enumerate(failures("x", 9, "h9.example", "UCSD"))
    ]
    pop = analyse([*ok, *bad], now=NOW)
    assert [(e.kind, e.batch, e.where) for e in pop.findings] == [("node", "s#77", "h9.example")]


# ------------------------------------------------------------------------------------------- the failure summary


def test_the_summary_gives_unknown_jobs_of_a_black_hole_their_own_group_and_notes_beside_confident_ones() -> None:
    bad = failures("dune_reco_x", 12, "h123.fnal.gov", "FNAL_GPGrid")
    elsewhere = failures("dune_reco_x", 6, None, "UCSD")
    jobs = ok_jobs("dune_reco_x", 300) + bad + elsewhere
    verdicts = unknown([j.id for j in bad[:8] + elsewhere])
    fhicl = Verdict(
        "code", "debug", "fhicl_parse", "FHiCL parse error", [Finding("fhicl_parse", "code", "debug", "x")], "confident"
    )
    verdicts |= {j.id: fhicl for j in bad[8:10]}  # two are the log's own (code): a note, not a change
    pop = analyse(jobs, verdicts, now=NOW)
    groups = summarise([j for j in jobs if j.failed], verdicts, pop)
    shape = {(g.category, g.signature, g.hint, g.count) for g in groups}
    assert shape == {
        ("unknown", None, "probably service (node h123.fnal.gov)", 8),
        ("unknown", None, None, 6),
        ("code", "fhicl_parse", None, 2),
        (UNDIAGNOSED, None, "probably service (node h123.fnal.gov)", 2),
    }
    hinted = next(g for g in groups if g.hint and g.category == "unknown")
    assert hinted.where == "node h123.fnal.gov" and hinted.name.endswith("· probably service (node h123.fnal.gov)")
    assert [(n, how) for _ev, n, how in hinted.readings()] == [(8, "hint")]
    code = next(g for g in groups if g.category == "code")
    assert [(ev.label, n, how) for ev, n, how in code.readings()] == [("node h123.fnal.gov", 2, "disagrees")]
    assert code.category == "code" and code.action == "debug" and not code.hint
    assert next(g for g in groups if g.category == "unknown" and not g.hint).readings() == []
    # without the population, the summary is as it was
    plain = summarise([j for j in jobs if j.failed], verdicts, None)
    assert {(g.category, g.count) for g in plain} == {("unknown", 14), ("code", 2), (UNDIAGNOSED, 2)}
    assert summarise([j for j in jobs if j.failed], verdicts, Population()) == plain


async def weighed(app: Any, pilot: Any) -> Any:
    """The failure summary once the other jobs' evidence has arrived (it follows the causes), polled."""
    from opgtui.screens.failures import FailureSummaryScreen

    for _ in range(100):
        await pilot.pause(0.05)
        if isinstance(app.screen, FailureSummaryScreen) and app.screen.weighed:
            return app.screen
    raise AssertionError(f"no weighed failure summary: {type(app.screen).__name__}")


async def test_failure_summary_shows_the_node_and_its_numbers_on_a_store(tmp_path: Path) -> None:
    from textual.widgets import DataTable

    from opgtui.app import OpgApp
    from opgtui.config import Config
    from opgtui.screens.failures import FailureSummaryScreen
    from opgtui.store import open_store

    now = NOW  # the records' times; the summary's range is "any time"
    bad = failures("dune_reco_x", 12, "h123.fnal.gov", "FNAL_GPGrid", end=now - 600)
    jobs = ok_jobs("dune_reco_x", 300) + bad + failures("dune_reco_x", 3, None, "UCSD")
    cfg = Config(store=tmp_path / "s.db")
    store = open_store(cfg.store)
    store.upsert_jobs(jobs)
    store.save_verdicts(unknown([j.id for j in bad]))
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(FailureSummaryScreen())
        screen = await weighed(app, pilot)
        table = screen.query_one("#failures", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        hinted = next(i for i, g in enumerate(screen.groups) if g.hint)
        assert rows[hinted][:2] == ["SERVICE?", "12"] and rows[hinted][3] == "node h123.fnal.gov"
        table.move_cursor(row=hinted)
        await pilot.pause(0.1)
        detail = str(screen.query_one("#failure-detail").render())
        assert "(log: unknown)" in detail
        assert "population: probably service (node h123.fnal.gov) · all 12 jobs" in detail
        assert "  12 of 15 failures of batch dune_reco_x on host h123.fnal.gov\n" in detail
        assert "  0 of 300 successes there; elsewhere 3 failures in 303 jobs; " in detail
    store.close()


async def test_demo_failure_summary_names_the_black_hole_node(demo: tuple[Any, Any]) -> None:
    """The demo's Purdue node with a broken CVMFS: its failures of four batches, none succeeding there."""
    from textual.widgets import DataTable

    from opgtui.app import OpgApp

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        await pilot.press("F")
        screen = await weighed(app, pilot)
        node = next(i for i, g in enumerate(screen.groups) if g.where.startswith("node brown-a217"))
        group = screen.groups[node]
        assert group.category == "service" and group.signature == "cvmfs_catalog_failure"
        row = [str(c) for c in screen.query_one("#failures", DataTable).get_row_at(node)]
        assert row[0] == "SERVICE" and row[3].startswith("node brown-a217")
        screen.query_one("#failures", DataTable).move_cursor(row=node)
        await pilot.pause(0.1)
        detail = str(screen.query_one("#failure-detail").render())
        assert f"population agrees: service · all {group.count} jobs" in detail
        assert f"  {group.count} of " in detail and "4 batches on host brown-a217.rcac.purdue.edu\n" in detail
        assert " successes there; elsewhere " in detail


def test_diagnose_a_stored_job_says_what_the_population_says_beside_the_verdict(
    demo: tuple[Any, Any], tmp_path: Path
) -> None:
    """`opgtui diagnose JOBID` on the demo: a failure on the Purdue node gets the node's numbers beside its (service)
    verdict; a job that did not fail gets none."""
    import json

    from test_cli import run

    from opgtui.demo.keep import write_config

    cfg, store = demo
    on_node = next(j for j in store.failed_jobs() if j.last_host == "brown-a217.rcac.purdue.edu")
    done = next(j for j in store.jobs() if j.status == JobStatus.COMPLETED and not j.failed)
    config = str(write_config(cfg, tmp_path / "config.yaml"))
    code, out, err = run("--config", config, "diagnose", on_node.id, "--json")
    assert code == 0, err
    v = json.loads(out)
    pop = v["population"]
    assert v["category"] == "service" and pop["scope"] == "the store" and pop["jobs"] == store.count_jobs()
    found = pop["finding"]
    assert (found["kind"], found["where"], found["agrees"], found["suggests"]) == (
        "node",
        "brown-a217.rcac.purdue.edu",
        True,
        None,
    )
    assert found["line"].startswith("the population agrees (node brown-a217.rcac.purdue.edu): ")
    code, out, _ = run("--config", config, "diagnose", on_node.id)
    assert code == 0 and "  population of the store (" in out and "on host brown-a217.rcac.purdue.edu (0 of " in out
    code, out, _ = run("--config", config, "diagnose", done.id, "--json")
    assert code == 0 and "population" not in json.loads(out)


def test_a_view_of_failures_only_is_weighed_against_every_stored_job_of_their_batches() -> None:
    """F on a view filtered to failures: the batches' successes come from the store, so a filter never makes a
    batch look as if it never succeeded."""
    from opgtui.screens.failures import population_of

    node = [replace(j, batch_name="job000009") for j in FAILURES]
    stored = node + ok_jobs("job000009", 50)

    class Stored:
        def request_jobs(self, batches: list[str]) -> list[Job]:
            return [j for j in stored if j.batch_name in batches]

    everyone = population_of(Stored(), node, node, everyone=True)  # type: ignore[arg-type]
    assert everyone == node
    weighed = population_of(Stored(), node, node, everyone=False)  # type: ignore[arg-type]
    assert sorted(j.id for j in weighed) == sorted(j.id for j in stored)
    assert [e.kind for e in analyse(weighed, now=NOW).findings] == []  # 50 successes: not batch-wide


def test_tarone_counts_only_the_places_that_could_be_significant() -> None:
    """1,000 places with one failure each cannot reach 1e-3 even with no success there: they are neither tested nor
    counted, so the two places that can are corrected for two tests, not 1,002. The best p of a place depends on
    its count of failures (and, within a batch, the batch) alone."""
    from opgtui.domain.population import _testable

    def places(b: float) -> tuple[list[tuple[str, int]], Any]:
        best = {10: 1e-6, 7: b, 1: 0.2}
        return [("a", 10), ("b", 7)] + [(f"h{i}", 1) for i in range(1000)], lambda _w, f: best[f]

    kept, m = _testable(*places(4e-4))  # K(1) = 2 > 1; K(2) = 2 <= 2
    assert (sorted(w for w, _f in kept), m) == (["a", "b"], 2)
    kept, m = _testable(*places(6e-4))  # K(2) = 1 (6e-4 is not below 1e-3 / 2)
    assert (sorted(w for w, _f in kept), m) == (["a"], 2)
    assert _testable([], lambda *_: 0.0) == ([], 0)


def test_held_jobs_that_never_ran_have_no_node_to_blame() -> None:
    never_ran = [vary(HELD, "dune_reco_x", None, None) for _ in range(8)]
    pop = analyse(ok_jobs("dune_reco_x", 200) + ok_jobs("other", 200) + never_ran, now=NOW)
    assert [e for e in pop.findings if e.kind != "batch"] == []


def test_a_node_that_merely_ran_a_bad_batch_is_no_black_hole() -> None:
    """Host h1 ran mostly the jobs of a batch failing 60% everywhere: its 14 failures of 25 are what its mix of
    batches predicts (12.1), though far above the pool's 12% elsewhere. Only the test against each batch's own
    rate elsewhere keeps it from being called a node."""
    jobs: list[Job] = []

    def some(batch: str, n: int, failing: int, host: str, site: str = "Wisconsin") -> list[Job]:
        return [vary(FAILURES[i % 11] if i < failing else SUCCESS, batch, host, site) for i in range(n)]

    jobs += some("bad", 20, 12, "h1.example") + some("good", 5, 2, "h1.example")
    for i in range(10):
        jobs += some("bad", 10, 6, f"w{i}.example", SITES[i % 4]) + some("good", 50, 1, f"w{i}.example", SITES[i % 4])
    pop = analyse(jobs, now=NOW)
    assert [e for e in pop.findings if e.where == "h1.example"] == []
    # the same node failing the good batch's jobs too is one
    jobs += some("good", 10, 10, "h1.example")
    found = [e for e in analyse(jobs, now=NOW).findings if e.where == "h1.example"]
    assert [(e.kind, e.batch) for e in found] in ([("node", None)], [("node", "good"), ("node", None)])
    pool = next(e for e in found if e.batch is None)
    assert pool.expected is not None and "expected from its batches' rates" in pool.numbers()
