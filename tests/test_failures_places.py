"""The failure summary keeps two places apart whose names look alike on screen: two black-hole nodes whose names
share 59 characters are shown alike (a label is cut at 60) but are two places, each with its own 8 of 8 failures,
never one place of 16 jobs. Jobs from the real recorded records, varied (tests/test_population.py)."""

from __future__ import annotations

from test_population import failures, ok_jobs, unknown

from opgtui.core.model import Verdict
from opgtui.domain.failures import UNDIAGNOSED, summarise
from opgtui.domain.population import analyse

NOW = 1_800_000_000.0
TWINS = ("n" * 59 + "A.example.org", "n" * 59 + "B.example.org")


def _twin_nodes() -> tuple[list, list]:  # type: ignore[type-arg]
    ok = ok_jobs("reco", 60)
    bad = [*failures("reco", 8, TWINS[0], "FNAL_GPGrid"), *failures("reco", 8, TWINS[1], "FNAL_GPGrid")]
    return [*ok, *bad], bad


def test_two_nodes_whose_names_share_59_characters_are_two_places() -> None:
    jobs, bad = _twin_nodes()
    population = analyse(jobs, now=NOW)
    assert sorted(e.where for e in population.findings if e.kind == "node") == sorted(TWINS)
    said = Verdict("service", "retry", "xrootd_server_error", "XRootD server error")
    (cause,) = summarise(jobs, dict.fromkeys((j.id for j in bad), said), population)
    readings = cause.readings()
    assert cause.count == 16 and sorted((ev.where, n, how) for ev, n, how in readings) == [
        (TWINS[0], 8, "agrees"),
        (TWINS[1], 8, "agrees"),
    ]
    assert [ev.failed for ev, _, _ in readings] == [8, 8]  # it said "all 16 jobs" beside one node's 8 failures
    assert cause.where == "node " + TWINS[0][:59] + "…"  # each holds half of the cause's jobs: one is named


def test_unknown_failures_on_two_such_nodes_are_two_causes() -> None:
    """A log with no known signature: the population's hint names the cause, one per node, 8 jobs each."""
    jobs, bad = _twin_nodes()
    groups = [g for g in summarise(jobs, unknown([j.id for j in bad]), analyse(jobs, now=NOW)) if g.evidence]
    assert sorted(g.count for g in groups) == [8, 8]
    assert {ev.where for g in groups for ev in g.evidence} == set(TWINS)


def test_undiagnosed_failures_on_two_such_nodes_are_two_groups() -> None:
    """Without a verdict, the population's hint names the cause: one group per node, 8 jobs each."""
    jobs, _ = _twin_nodes()
    groups = [g for g in summarise(jobs, {}, analyse(jobs, now=NOW)) if g.category == UNDIAGNOSED]
    assert sorted(g.count for g in groups) == [8, 8]
    assert {next(iter(g.evidence)).where for g in groups} == set(TWINS)
    assert all(g.where for g in groups)  # each group's jobs all on its node
