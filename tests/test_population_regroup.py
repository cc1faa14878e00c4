"""The population's counts of jobs listed in no order by batch (opgtui/domain/population.py: ``_grouped`` regroups
the rows by batch with one stable sort and ``_nest`` counts them run by run, where it counted (batch, value) pairs):
the counts, and their order, are those of the plain nested count, and the analysis finds what the pairs' count
finds, on seeded random columns and pools (arbitrary orders, missing hosts, sites and batches, hostile strings)."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from test_population_reference import NOW, population

from opgtui.core.model import Job
from opgtui.domain import population as pop
from opgtui.domain.failures import is_failure
from opgtui.domain.population import REGROUP_ROWS, Population, _grouped, _nest, _runs, analyse

HOSTILE = ["", " ", "\x1b[31mred\x1b[0m", "wn\n01", "ünï", "a" * 300, "None", "\x00", "batch_1 "]
ODD: list[object] = [*HOSTILE, 7, 3.5, None]  # what a damaged record may hold: not even text


def plain_nest(rows: list[object], columns: tuple[list[object], ...]) -> tuple[dict[object, Counter[object]], ...]:
    """Per column, {batch: {value: count}}, the batches and each batch's values in the order they first come."""
    outs: tuple[dict[object, Counter[object]], ...] = tuple({} for _ in columns)
    for i, b in enumerate(rows):
        for column, out in zip(columns, outs, strict=True):
            out.setdefault(b, Counter())[column[i]] += 1
    return outs


def ordered(nested: tuple[dict[object, Counter[object]], ...]) -> list[list[tuple[object, list[tuple[object, int]]]]]:
    """The nested counts with their order at both levels (dict equality ignores it)."""
    return [[(b, list(at.items())) for b, at in out.items()] for out in nested]


def random_columns(rng: random.Random) -> tuple[list[object], tuple[list[object], ...]]:
    n = rng.choice([1, 5, 40, 300, 2000])
    batches: list[object] = [f"batch_{k}" for k in range(rng.choice([1, 2, 7, 40, 400]))]
    batches += [*rng.sample(ODD, 3), None]
    values: list[object] = [*(f"wn{k}" for k in range(rng.choice([1, 3, 60]))), *rng.sample(ODD, 4), None]
    rows = [rng.choice(batches) for _ in range(n)]
    if rng.random() < 0.3:  # blocks: some batches in runs, a batch in several runs
        block = rng.choice([10, 100])
        rows = [b for s in range(0, n, block) for b in sorted(rows[s : s + block], key=repr)]
    return rows, tuple([rng.choice(values) for _ in range(n)] for _ in range(rng.choice([1, 2])))


def test_the_regrouped_count_is_the_plain_nested_count_with_its_order() -> None:
    regrouped = paired = by_runs = 0
    for seed in range(400):
        rng = random.Random(seed)
        rows, columns = random_columns(rng)
        labels, starts = _runs(rows)
        want = ordered(plain_nest(rows, columns))
        assert ordered(_nest(*_grouped(labels, starts, columns))) == want, f"seed {seed}"
        assert ordered(_nest(labels, starts, columns)) == want, f"seed {seed}, as listed"  # by runs or pairs
        short = (len(starts) - 1) * 4 > len(rows)
        regrouped += short and len(set(rows)) * REGROUP_ROWS <= len(rows)
        paired += short and len(set(rows)) * REGROUP_ROWS > len(rows)
        by_runs += not short
    assert min(regrouped, paired, by_runs) >= 40, (regrouped, paired, by_runs)  # every way is checked


def everything(p: Population) -> tuple[list[str], ...]:
    """The findings in their order, and every map with its order, as text (p-values and expected counts exact)."""
    return (
        list(map(repr, p.findings)),
        [f"{k!r} {v!r}" for k, v in p.by_job.items()],
        [f"{k!r} {v!r}" for k, v in p.node.items()],
        [f"{k!r} {v!r}" for k, v in p.site.items()],
        [f"{k!r} {v!r}" for k, v in p.batch.items()],
    )


def orders(jobs: list[Job], rng: random.Random) -> list[list[Job]]:
    shuffled = jobs[:]
    rng.shuffle(shuffled)
    by_host = sorted(jobs, key=lambda j: (j.last_host is None, str(j.last_host)))
    return [jobs, shuffled, by_host, jobs[::-1]]


@pytest.mark.parametrize("seeds", [range(0, 30), range(30, 60)])
def test_the_analysis_of_jobs_in_any_order_is_the_same_regrouped_or_counted_by_pairs(
    seeds: range, monkeypatch: pytest.MonkeyPatch
) -> None:
    regrouped = [0]
    regroup = pop._grouped

    def counted(labels: list[object], starts: list[int], columns: tuple[list[object], ...]) -> object:
        out = regroup(labels, starts, columns)
        regrouped[0] += out[1] is not starts
        return out

    found = 0
    for seed in seeds:
        jobs, verdicts, outages = population(seed)
        rng = random.Random(seed)
        if seed % 3 == 0:  # damaged records: odd batch names, hosts and sites
            for j in rng.sample(jobs, len(jobs) // 10):
                setattr(j, rng.choice(["batch_name", "last_host", "site"]), rng.choice(ODD))
        for listed in orders(jobs, rng):
            failures = [j for j in listed if is_failure(j)]
            monkeypatch.setattr(pop, "_grouped", counted)
            fast = analyse(listed, verdicts, outages, now=NOW, failures=failures)
            monkeypatch.setattr(pop, "_grouped", lambda *args: args)  # the plain way: (batch, value) pairs
            plain = analyse(listed, verdicts, outages, now=NOW, failures=failures)
            assert everything(fast) == everything(plain), f"seed {seed}"
            found += bool(plain.findings)
    assert found >= len(seeds)
    assert regrouped[0] >= len(seeds)  # the regrouping was taken, not only the pairs


def test_batches_failing_everywhere_named_by_odd_values_are_found_in_a_shuffled_listing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two batches failing everywhere, one named by a number (a damaged record), their failures interleaved with
    the others' jobs: both are found, as the plain way finds them (their names are never compared with each
    other)."""
    rng = random.Random(3)
    jobs: list[Job] = []
    for k in range(3000):
        batch: object = rng.choice(["good_a", "good_b", 7, "broken"])
        site = f"SITE_{k % 4}"
        j = Job(f"s#{k}.0", "s", k, 0, batch_name=batch, site=site, last_host=f"wn{k % 40:02d}.{site}")  # type: ignore[arg-type]
        j.status, j.exit_code, j.end_time = 4, 0 if isinstance(batch, str) and batch.startswith("good") else 8, NOW
        jobs.append(j)
    rng.shuffle(jobs)
    failures = [j for j in jobs if is_failure(j)]
    fast = analyse(jobs, {}, now=NOW, failures=failures)
    assert set(fast.batch) == {7, "broken"}
    monkeypatch.setattr(pop, "_grouped", lambda *args: args)
    assert everything(fast) == everything(analyse(jobs, {}, now=NOW, failures=failures))
