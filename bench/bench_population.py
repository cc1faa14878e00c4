"""The population's evidence (opgtui/domain/population.py) at 100,000 SYNTHETIC jobs with 20,000 failures: what
it adds to the failure summary (``summarise`` with and without the population, the failures handed over as the
summary has them), the analysis alone, on a calm pool where there is nothing to find, and on the jobs shuffled
(the analysis counts a batch's jobs run by run where they come together, as a listing by id gives them). Wall and
CPU time of this process: on a shared machine the wall time grows with the load, the CPU time less.

    python bench/bench_population.py [--quick]

The jobs are synthetic (not recorded from any pool), shaped like the demo's: 40 batches of 2,500 jobs over 12
sites and ~4,000 hosts, 20% failed or held (exit 1/65/137, signal 9/11, hold 34/13), 60% done, the rest running
or idle; one black-hole node failing every job it gets, and one batch failing everywhere with exit code 8.
"""

from __future__ import annotations

import gc
import os
import random
import sys
import time
from collections.abc import Callable
from operator import attrgetter
from pathlib import Path
from typing import Any

from run import machine_speed  # bench/run.py's anchor (this directory is on sys.path: run directly or by run.py)

import opgtui
from opgtui.core.model import Finding, Job, JobStatus, Verdict
from opgtui.domain.failures import is_failure, summarise
from opgtui.domain.population import analyse

NOW = 1_795_600_000.0
SITES = [f"SITE_{i:02d}" for i in range(12)]
BLACK_HOLE = "wn0666.site_03.example.org"
BROKEN = "batch_07"


def synthetic(n: int, seed: int = 11) -> tuple[list[Job], dict[str, Verdict]]:
    """``n`` jobs (20% failures) and verdicts for half the failures (the rest undiagnosed)."""
    rng = random.Random(seed)
    jobs: list[Job] = []
    verdicts: dict[str, Verdict] = {}
    kinds = [
        Verdict("service", "retry", "sam_fetch", "SAM fetch failed", [Finding("sam_fetch", "service", "retry", "x")]),
        Verdict("code", "debug", "fhicl_parse", "FHiCL parse error", [Finding("fhicl_parse", "code", "debug", "x")]),
        Verdict("unknown", "look", None, "no known signature"),
        Verdict("resource", "bigger", "rule:hold_34_102", "over memory"),
    ]
    for i in range(n):
        batch = f"batch_{i * 40 // n:02d}"
        site = rng.choice(SITES)
        host = f"wn{rng.randrange(330):04d}.{site.lower()}.example.org"
        cluster = 50_000_000 + i // 500
        end = NOW - rng.uniform(0, 86_400)
        j = Job(
            f"jobsub01.fnal.gov#{cluster}.{i % 500}",
            "jobsub01.fnal.gov",
            cluster,
            i % 500,
            batch_name=batch,
            site=site,
            last_host=host,
            start_time=end - rng.uniform(600, 20_000),
            end_time=end,
        )
        roll = rng.random()
        if batch == BROKEN:
            j.status, j.exit_code = JobStatus.COMPLETED, 8
        elif i % 97 == 0:
            j.last_host, j.site = BLACK_HOLE, "SITE_03"
            j.status, j.exit_code = JobStatus.COMPLETED, 1
        elif roll < 0.08:
            j.status, j.hold_code, j.end_time, j.status_since = JobStatus.HELD, rng.choice([34, 13]), None, end
        elif roll < 0.13:
            j.status, j.exit_signal = JobStatus.COMPLETED, rng.choice([9, 11])
        elif roll < 0.185:
            j.status, j.exit_code = JobStatus.COMPLETED, rng.choice([1, 65, 137])
        elif roll < 0.8:
            j.status, j.exit_code = JobStatus.COMPLETED, 0
        else:
            j.status, j.end_time = rng.choice([JobStatus.RUNNING, JobStatus.IDLE]), None
        j.status = int(j.status)  # as the store and the dump loader give it (a plain int, not the enum)
        if (j.status == JobStatus.HELD or j.failed) and batch != BROKEN and rng.random() < 0.5:
            verdicts[j.id] = rng.choice(kinds)
        jobs.append(j)
    return jobs, verdicts


def best(fn: Callable[[], Any], runs: int = 9) -> tuple[Any, float, float]:
    """The result and the fastest of ``runs`` timings: wall seconds and CPU seconds of this process."""
    walls, cpus = [], []
    out = None
    for _ in range(runs):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return out, min(walls), min(cpus)


def run(quick: bool = False) -> list[dict]:
    n = 10_000 if quick else 100_000
    k = f"{n // 1000}k"
    jobs, verdicts = synthetic(n)
    failures = [j for j in jobs if is_failure(j)]  # what the failure summary has already (in_range)

    def plain() -> Any:
        return summarise(failures, verdicts)

    def with_population() -> Any:
        return summarise(failures, verdicts, analyse(jobs, verdicts, now=NOW, failures=failures))

    pop, t_analyse, c_analyse = best(lambda: analyse(jobs, verdicts, now=NOW, failures=failures))
    _, t_plain, c_plain = best(plain)
    groups, t_with, c_with = best(with_population)
    nodes = [e for e in pop.findings if e.kind == "node"]
    wide = [e for e in pop.findings if e.kind == "batch"]
    assert any(e.where == BLACK_HOLE for e in nodes), [e.text() for e in pop.findings]
    assert [e.where for e in wide] == [BROKEN], [e.text() for e in wide]
    # the same pool with neither the black hole nor the broken batch: nothing to find (most days)
    calm = [j for j in jobs if j.last_host != BLACK_HOLE and j.batch_name != BROKEN]
    calm_failures = [j for j in calm if is_failure(j)]
    found, t_calm, c_calm = best(lambda: analyse(calm, verdicts, now=NOW, failures=calm_failures).findings)
    assert found == [], [e.text() for e in found]
    # the same jobs listed in no order (a batch's jobs not together, as a listing sorted by another column gives
    # them): the analysis counts by (batch, host) pairs instead of run by run, and reads the jobs out of order
    shuffled = jobs[:]
    random.Random(5).shuffle(shuffled)
    shuffled_failures = [j for j in shuffled if is_failure(j)]
    mixed, t_mixed, c_mixed = best(lambda: analyse(shuffled, verdicts, now=NOW, failures=shuffled_failures), runs=5)
    same = attrgetter("kind", "batch", "where", "failed", "ok", "p")  # ``expected`` sums in the batches' order
    assert sorted(map(same, mixed.findings), key=repr) == sorted(map(same, pop.findings), key=repr)
    name = f"{k} jobs, {len(failures) // 1000}k failures: failure summary's added time (with - without)"
    load = f"load {os.getloadavg()[0]:.1f}"
    # the machine's speed measured in this process (bench/run.py's anchor: boots of these machines differ ~2x),
    # and the row over it: a number to compare across boots
    anchor = machine_speed()
    added = (c_with - c_plain) * 1000
    return [
        {"name": f"{name}, wall", "value": (t_with - t_plain) * 1000, "unit": "ms", "target": f"< 50 ms ({load})"},
        {"name": f"{name}, CPU", "value": added, "unit": "ms", "target": f"< 50 ms ({load})"},
        {
            "name": "machine speed in this process: 2M pure-Python additions, best of 3 (anchor)",
            "value": anchor * 1000,
            "unit": "ms",
            "target": f"reference; opgtui from {Path(opgtui.__file__).parent.parent}",
        },
        {
            "name": f"{k}: the added CPU time over the anchor (issue 18's fast boot: 58.9 / 51 = 1.15)",
            "value": round(added / (anchor * 1000), 2),
            "unit": "x",
            "target": "reference",
        },
        {
            "name": f"{k}: the analysis alone (wall; CPU in the target column)",
            "value": t_analyse * 1000,
            "unit": "ms",
            "target": f"reference; CPU {c_analyse * 1000:.0f} ms",
        },
        {
            "name": f"{k}: the analysis of a calm pool (no black hole, no broken batch: nothing found)",
            "value": t_calm * 1000,
            "unit": "ms",
            "target": f"reference; CPU {c_calm * 1000:.0f} ms",
        },
        {
            "name": f"{k}: the analysis of the same jobs shuffled (no batch's jobs together)",
            "value": t_mixed * 1000,
            "unit": "ms",
            "target": f"reference; CPU {c_mixed * 1000:.0f} ms",
        },
        {
            "name": f"{k}: summarise without the population (the summary's own cost)",
            "value": t_plain * 1000,
            "unit": "ms",
            "target": f"reference; CPU {c_plain * 1000:.0f} ms",
        },
        {
            "name": f"{k}: findings (nodes, sites, batch-wide)",
            "value": len(pop.findings),
            "unit": "",
            "target": f"{len(nodes)} nodes, {len(wide)} batch-wide, {len(groups)} groups",
        },
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']:90} {row['value']!s:>12} {row['unit']:3} {row['target']}")
