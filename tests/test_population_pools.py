"""The population's evidence on pools of 12,000 jobs made from the real recorded records (tests/test_population.py's
``vary``): a black-hole node, a batch failing everywhere (some of its failures in an outage), a site bad for one
batch, held and running jobs, jobs listed by id (a batch's jobs together) and shuffled. The findings (kinds, places,
counts, p-values, when they failed) and the failure summary's evidence lines are those the analysis gave before it
was made faster (d0e50d7: the numbers below are what it printed), and the site step's shortcut to Tarone's count
(``_testable_in_batches``) keeps and counts the places ``_testable`` does, in its order."""

from __future__ import annotations

import math
import random
import re
from dataclasses import replace
from typing import Any

import pytest
from test_population import FAILURES, HELD, SUCCESS, vary
from test_population_reference import OUTAGE, VERDICTS

from opgtui.core.model import Job, JobStatus, Verdict
from opgtui.domain.failures import is_failure, summarise
from opgtui.domain.population import _best, _testable, _testable_in_batches, analyse
from opgtui.screens.failures import evidence_lines

NOW = 1_800_000_000.0
SITES = [f"SITE_{i}" for i in range(6)]
BLACK_HOLE = "wn666.site_2.example"
BROKEN, BAD_AT_SITE_4 = "reco_6", "reco_3"


def pool(seed: int, shuffled: bool = False) -> tuple[list[Job], dict[str, Verdict]]:
    """12,000 jobs of 8 batches at 6 sites on 360 hosts, 20% failed or held, and the verdicts of half of them."""
    rng = random.Random(seed)
    jobs: list[Job] = []
    verdicts: dict[str, Verdict] = {}
    for k in range(12_000):
        batch = f"reco_{k * 8 // 12_000}"
        site = rng.choice(SITES)
        host = f"wn{rng.randrange(60):03d}.{site.lower()}.example"
        end = NOW - rng.uniform(0, 86_400)
        roll = rng.random()
        if batch == BROKEN:  # exit 8 on every host
            job = vary(FAILURES[k % len(FAILURES)], batch, host, site, end)
        elif k % 53 == 0:  # the black hole fails every job of every batch it gets
            job = vary(FAILURES[k % len(FAILURES)], batch, BLACK_HOLE, "SITE_2", end)
        elif roll < 0.06 or (batch == BAD_AT_SITE_4 and site == "SITE_4" and roll < 0.7):
            job = vary(HELD if roll < 0.03 else FAILURES[k % len(FAILURES)], batch, host, site, end)
            if job.status != JobStatus.HELD and roll < 0.045:
                job = replace(job, exit_code=None, exit_signal=9)
        elif roll < 0.85:
            job = vary(SUCCESS, batch, host, site, end)
        else:
            job = replace(vary(SUCCESS, batch, host, site, end), status=int(JobStatus.RUNNING), end_time=None)
        if is_failure(job) and rng.random() < (0.2 if batch == BROKEN else 0.5):
            verdicts[job.id] = rng.choice(VERDICTS)
        jobs.append(job)
    if shuffled:
        rng.shuffle(jobs)
    return jobs, verdicts


_COUNTS = ("kind", "batch", "where", "failed", "ok", "batch_failed", "batch_ok", "failed_elsewhere", "ran_elsewhere")
_PARTS = ("batches", "hosts", "sites", "common", "common_count", "explained")


def numbers(found: Any) -> list[tuple[Any, ...]]:
    """A finding's counts and places, exactly."""
    return sorted((e.kind, e.batch or "", *(getattr(e, a) for a in _COUNTS[2:] + _PARTS)) for e in found.findings)


def measures(found: Any) -> list[tuple[Any, ...]]:
    """A finding's p-value, the span of its failures and the failures its batches' rates expect there."""
    return sorted((e.kind, e.batch or "", e.where, e.p, e.first, e.last, e.expected) for e in found.findings)


def _clockless(line: str) -> str:
    """An evidence line without its clock times (local time: the zone where the test runs)."""
    return re.sub(r"(\d\d-\d\d )?\d\d:\d\d", "hh:mm", line)


EXPECTED: dict[int, dict[str, Any]] = {1: {'concerned': 1573,
     'lines': ['  0 of 1,026 successes there; elsewhere 264 failures in 1,290 jobs; hh:mm-hh:mm; p 5e-05',
               '  0 of 1,026 successes there; elsewhere 265 failures in 1,291 jobs; hh:mm-hh:mm; p 2e-04',
               '  0 of 1,163 successes there; elsewhere 78 failures in 1,241 jobs; hh:mm-hh:mm; p 5e-31',
               '  1,080 of them exit code 8; 305 more left out (an outage explains them); the other batches: 963 '
               'failures in 8,956 jobs; p < 1e-99',
               '  10 of 274 failures of batch reco_3 on host wn041.site_4.example',
               '  180 of 274 failures of batch reco_3 on site SITE_4',
               '  25 of 1,026 successes there; elsewhere 94 failures in 1,095 jobs; hh:mm-hh:mm; p < 1e-99',
               '  29 of 107 failures of batch reco_0 on host wn666.site_2.example',
               '  9 of 274 failures of batch reco_3 on host wn032.site_4.example',
               '  batch reco_6: 1,195 failures at 6 sites on 338 hosts, 0 successes anywhere',
               "note: population points to code · 61 of these 198 jobs; the log's verdict stands",
               "note: population points to service · 24 of these 191 jobs; the log's verdict stands",
               "note: population points to service · 26 of these 191 jobs; the log's verdict stands",
               'population agrees: code · 54 of these 191 jobs',
               'population agrees: service · 2 of these 232 jobs',
               'population agrees: service · 21 of these 232 jobs',
               'population agrees: service · 22 of these 198 jobs',
               'population agrees: service · 28 of these 198 jobs',
               'population agrees: service · 32 of these 232 jobs',
               'population: probably code (batch-wide) · all 1,024 jobs',
               'population: probably code (batch-wide) · all 56 jobs',
               'population: probably service (node wn032.site_4.example) · all 2 jobs',
               'population: probably service (node wn032.site_4.example) · all 5 jobs',
               'population: probably service (node wn041.site_4.example) · all 5 jobs',
               'population: probably service (node wn666.site_2.example) · all 29 jobs',
               'population: probably service (node wn666.site_2.example) · all 85 jobs',
               'population: probably service (site SITE_4) · all 1 jobs',
               'population: probably service (site SITE_4) · all 20 jobs',
               'population: probably service (site SITE_4) · all 70 jobs'],
     'measures': [('batch', 'reco_6', 'reco_6', 0.0, 1799913676.4372346, 1799999995.5405948, None),
                  ('node',
                   '',
                   'wn666.site_2.example',
                   1.9163270032592002e-198,
                   1799913603.9958613,
                   1799999570.693645,
                   17.325369052691553),
                  ('node',
                   'reco_0',
                   'wn666.site_2.example',
                   4.554057956930321e-31,
                   1799914153.2793384,
                   1799999020.3697586,
                   None),
                  ('node',
                   'reco_1',
                   'wn666.site_2.example',
                   2.185940825566001e-30,
                   1799919419.1882572,
                   1799999348.4430842,
                   None),
                  ('node',
                   'reco_2',
                   'wn666.site_2.example',
                   4.233862845853187e-30,
                   1799913603.9958613,
                   1799998396.835775,
                   None),
                  ('node',
                   'reco_3',
                   'wn032.site_4.example',
                   0.0002305751385227386,
                   1799917027.7676492,
                   1799981634.310022,
                   None),
                  ('node',
                   'reco_3',
                   'wn041.site_4.example',
                   4.732952107560671e-05,
                   1799942328.2584043,
                   1799996954.5663052,
                   None),
                  ('node',
                   'reco_3',
                   'wn666.site_2.example',
                   2.260129020804065e-18,
                   1799918194.7225275,
                   1799999570.693645,
                   None),
                  ('node',
                   'reco_4',
                   'wn666.site_2.example',
                   2.7391529424503083e-28,
                   1799914304.2715988,
                   1799996604.9892113,
                   None),
                  ('node',
                   'reco_5',
                   'wn666.site_2.example',
                   4.404397738477727e-28,
                   1799923276.375773,
                   1799994834.6751657,
                   None),
                  ('node',
                   'reco_7',
                   'wn666.site_2.example',
                   2.953037049045275e-27,
                   1799915467.6315107,
                   1799998399.127011,
                   None),
                  ('site', 'reco_3', 'SITE_4', 1.8801050538020908e-118, 1799913989.3897634, 1799999864.8777273, None)],
     'numbers': [('batch', 'reco_6', 'reco_6', 1195, 0, 1500, 0, 963, 8956, 1, 338, 6, 'exit code 8', 1080, 305),
                 ('node', '', 'wn666.site_2.example', 198, 0, 963, 7993, 765, 8758, 7, 0, 0, '', 0, 0),
                 ('node', 'reco_0', 'wn666.site_2.example', 29, 0, 107, 1163, 78, 1241, 1, 0, 0, '', 0, 0),
                 ('node', 'reco_1', 'wn666.site_2.example', 28, 0, 104, 1178, 76, 1254, 1, 0, 0, '', 0, 0),
                 ('node', 'reco_2', 'wn666.site_2.example', 28, 0, 106, 1174, 78, 1252, 1, 0, 0, '', 0, 0),
                 ('node', 'reco_3', 'wn032.site_4.example', 9, 0, 274, 1026, 265, 1291, 1, 0, 0, '', 0, 0),
                 ('node', 'reco_3', 'wn041.site_4.example', 10, 0, 274, 1026, 264, 1290, 1, 0, 0, '', 0, 0),
                 ('node', 'reco_3', 'wn666.site_2.example', 29, 0, 274, 1026, 245, 1271, 1, 0, 0, '', 0, 0),
                 ('node', 'reco_4', 'wn666.site_2.example', 28, 0, 121, 1162, 93, 1255, 1, 0, 0, '', 0, 0),
                 ('node', 'reco_5', 'wn666.site_2.example', 28, 0, 123, 1162, 95, 1257, 1, 0, 0, '', 0, 0),
                 ('node', 'reco_7', 'wn666.site_2.example', 28, 0, 128, 1128, 100, 1228, 1, 0, 0, '', 0, 0),
                 ('site', 'reco_3', 'SITE_4', 180, 25, 274, 1026, 94, 1095, 1, 0, 0, '', 0, 0)]}}  # fmt: skip


@pytest.mark.parametrize("seed", sorted(EXPECTED))
@pytest.mark.parametrize("shuffled", [False, True])
def test_the_findings_and_the_summarys_evidence_lines_are_those_before(seed: int, shuffled: bool) -> None:
    jobs, verdicts = pool(seed, shuffled)
    failures = [j for j in jobs if is_failure(j)]
    found = analyse(jobs, verdicts, [OUTAGE], now=NOW, failures=failures)
    want = EXPECTED[seed]
    assert numbers(found) == want["numbers"]
    for got, then in zip(measures(found), want["measures"], strict=True):
        assert got[:3] == then[:3]
        for g, t in zip(got[3:], then[3:], strict=True):  # p, first, last, expected: as printed then
            assert g is None if t is None else math.isclose(g, t, rel_tol=1e-9), (got, then)
    assert sorted(found.by_job.items(), key=lambda kv: kv[0]) == sorted(
        analyse(jobs, verdicts, [OUTAGE], now=NOW).by_job.items(), key=lambda kv: kv[0]
    )
    assert len(found.by_job) == want["concerned"]
    lines = {
        _clockless(line) for g in summarise(failures, verdicts, found) for line, _look in evidence_lines(g, limit=3)
    }
    assert sorted(lines) == want["lines"]


@pytest.mark.parametrize("seed", range(30))
def test_the_site_steps_tarone_count_keeps_the_places_testable_keeps_in_its_order(seed: int) -> None:
    """Random places of random batches (some with no failure, some places with more jobs than the batch failed,
    some far below ALPHA, some near it): the same places tested, the same number of tests, the same order."""
    rng = random.Random(seed)
    margins = {f"b{i}": (rng.choice([0, 3, 40, 400, 4000]), rng.choice([0, 5, 60, 600, 6000])) for i in range(8)}
    places = []
    for b, (fails, oks) in margins.items():
        for s in range(rng.choice([1, 3, 12])):
            if fails + oks >= 5:
                places.append((b, f"S{s}", rng.randint(5, max(5, min(fails + oks, rng.choice([8, 30, 300]))))))
    rng.shuffle(places)

    def best(b: str, _s: str, n: int) -> float:
        return _best(n, *margins[b])

    kept, m = _testable(places, best)
    tested, m_too, best_of = _testable_in_batches(places, margins.__getitem__)
    assert m_too == m
    assert [places[i] for i in sorted(tested, key=lambda i: (best_of(places[i]), i))] == kept
