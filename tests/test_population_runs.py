"""The population's counts run by run (opgtui/domain/population.py counts a batch's jobs together where they come
together, as a listing by id gives them, and by (batch, host) pairs where they do not): the random pools of
test_population_reference listed with each batch's jobs together in blocks (a batch in several runs, as clusters
of one batch submitted apart), against the straightforward reading of the rules on the same list."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from test_population_reference import NOW, population, reference, same

from opgtui.core.model import Job
from opgtui.domain.failures import is_failure
from opgtui.domain.population import analyse


def in_runs(jobs: list[Job], block: int) -> list[Job]:
    """``jobs`` in blocks of ``block``, each block's jobs sorted by batch (stable): runs of a batch, a batch in
    several runs."""
    out: list[Job] = []
    for start in range(0, len(jobs), block):
        out += sorted(jobs[start : start + block], key=lambda j: (j.batch_name is None, j.batch_name or ""))
    return out


def runs(jobs: list[Job]) -> int:
    return 1 + sum(a.batch_name != b.batch_name for a, b in pairwise(jobs))


@pytest.mark.parametrize("seeds", [range(0, 40), range(40, 80)])
def test_the_analysis_of_jobs_listed_in_runs_finds_what_the_straightforward_reading_finds(seeds: range) -> None:
    found = counted_by_runs = 0
    for seed in seeds:
        jobs, verdicts, outages = population(seed)
        jobs = in_runs(jobs, random.Random(seed).choice([30, 200, 1000]))
        want = reference(jobs, verdicts, outages, NOW)
        assert same(analyse(jobs, verdicts, outages, now=NOW)) == same(want), f"seed {seed}"
        given = analyse(jobs, verdicts, outages, now=NOW, failures=[j for j in jobs if is_failure(j)])
        assert same(given) == same(want), f"seed {seed}, the failures handed over"
        found += bool(want.findings)
        counted_by_runs += runs(jobs) * 4 <= len(jobs)
    assert found >= len(seeds) // 5
    assert counted_by_runs >= len(seeds) // 2  # most of these lists are counted run by run
