"""The day rollups after an ingest that touches several days equal the same rollups computed from scratch, and
the sums straight from the jobs (what the Stats view shows), on both engines; a recompute that fails midway
leaves the previous rollups and the dirty days, and the next one is right."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest
import store_engines

from opgtui.core.model import Finding, Job, Verdict
from opgtui.domain import stats
from opgtui.store import open_store, record

store_target = store_engines.store_target  # both engines
DAY = 86400
START = 1_790_000_000.0


def _jobs(n: int, seed: int, first: int, days: float, start: float = START) -> tuple[list[Job], dict[str, Any]]:
    """``n`` finished (or removed) jobs numbered from ``first`` ending over ``days`` days, unknowns included."""
    rng = random.Random(seed)
    jobs, ads = [], {}
    for i in range(first, first + n):
        end = start + rng.random() * days * DAY
        wall = rng.choice((rng.uniform(60, 30000), None))
        status = rng.choice((4, 4, 4, 3, None))
        cores = rng.choice((1, 1, 4, None))
        jobs.append(
            Job(
                id=f"s#{i}.0",
                schedd="s",
                cluster=i,
                proc=0,
                status=status,
                exit_code=rng.choice((0, 0, 1, 137, None)) if status != 3 else None,
                exit_signal=rng.choice((None, None, 9)) if status == 4 else None,
                end_time=end,
                start_time=rng.choice((end - (wall or 100), None)),
                wall=wall,
                request_cpus=cores,
                cpu_user=(wall or 0) * (cores or 1) * rng.random() if rng.random() < 0.8 else None,
                cpu_sys=rng.choice((None, 3.5)),
                site=rng.choice(("A", "B", "C", None)),
                experiment=rng.choice(("nova", "dune", None)),
                cpu_model=rng.choice(("Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz", "AMD EPYC 7763", None)),
                num_starts=rng.choice((1, 1, 2, None)),
                batch_name=rng.choice(("b1", "b2", "b3", None)),
            )
        )
        if rng.random() < 0.7:
            slot = (wall or 0) * (cores or 1) * rng.uniform(1, 1.5)
            ads[jobs[-1].id] = {"CumulativeSlotTime": slot, "CommittedSlotTime": slot * rng.random(), "X": 1}
    return jobs, ads


def _checks(store: Any, jobs: list[Job], seed: int) -> None:
    """Verdicts, phases and data-quality results for some of ``jobs``."""
    rng = random.Random(seed)
    picked = [j for j in jobs if rng.random() < 0.4]
    store.save_verdicts(
        {
            j.id: Verdict(c, "retry", "x", evidence=[Finding("x", c, "retry", "t")])  # type: ignore[arg-type]
            for j in picked
            if (c := rng.choice(("service", "code", "site")))
        }
    )
    phases = [
        (j.id, [(s, n, 100.0 * s, 100.0 * s + 50, rng.choice((20.0, None)), rng.choice((0, 1, None)), "log")])
        for j in picked[::2]
        for s, n in enumerate(("gen", "reco")[: rng.randint(1, 2)])
    ]
    store.save_checks(phases, [(j.id, rng.choice((1, 0, None)), "[]", START) for j in picked[1::2]])


def _rollups(store: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.conn.execute("SELECT * FROM stats_rollup ORDER BY dim, day, experiment, key")]


def _same(got: list[tuple[Any, ...]], want: list[tuple[Any, ...]], keys: int) -> None:
    """Row for row: keys and counts equal, float sums equal but for the order they were added in."""
    assert [r[: keys + 6] for r in got] == [r[: keys + 6] for r in want]
    for g, w in zip(got, want, strict=True):
        assert g[keys + 6 :] == pytest.approx(w[keys + 6 :], rel=1e-12, abs=1e-9), g[:keys]


def _from_scratch(store: Any) -> list[tuple[Any, ...]]:
    """Every day's rollups recomputed anew (the rollups are put back as they were)."""
    before = _rollups(store)
    with store.transaction() as c:
        c.execute("DELETE FROM stats_rollup")
        days = {int(end // DAY) for (end,) in c.execute("SELECT end_time FROM job_stats").fetchall()}
        c.executemany("INSERT INTO stats_dirty(day) VALUES (?)", [(d,) for d in days])
    stats.refresh(store)
    scratch = _rollups(store)
    with store.transaction() as c:
        c.execute("DELETE FROM stats_rollup")
        c.executemany(f"INSERT INTO stats_rollup VALUES ({', '.join('?' * len(before[0]))})", before)
    return scratch


def _moved(jobs: list[Job], rng: random.Random) -> list[Job]:
    """``jobs`` read again: failed now, some ending a day earlier or two days later."""
    return [
        dataclasses.replace(j, end_time=j.end_time + rng.choice((-DAY, 0, 2 * DAY)), status=4, exit_code=1)
        for j in jobs
    ]


def test_refresh_after_an_ingest_equals_the_rollups_from_scratch_and_the_jobs_sums(store_target: str) -> None:
    store = open_store(store_target)
    try:
        old, old_ads = _jobs(700, 1, 0, 12)
        store.upsert_jobs(old, old_ads)
        _checks(store, old, 2)
        stats.refresh(store)
        new, new_ads = _jobs(600, 3, 10_000, 5, START + 3 * DAY)
        mid = [j for j in old if START + 4 * DAY <= j.end_time < START + 7 * DAY]  # type: ignore[operator]
        store.upsert_jobs(new + _moved(mid[:150], random.Random(4)), new_ads)  # over BULK_ROWS: set-based
        store.upsert_jobs(mid[150:200], {j.id: {"CumulativeSlotTime": 1.0} for j in mid[150:200]})  # row by row
        _checks(store, new, 5)
        assert 5 <= stats.refresh(store) < 14  # several days, not all
        phases = store.conn.execute("SELECT count(*) FROM job_phases").fetchone()[0]
        got = _rollups(store)
        assert {r[0] for r in got} == set(record.ROLLUP_DIMS)
        _same(got, _from_scratch(store), 4)
        d0, d1 = int(START // DAY) - 2, int(START // DAY) + 16
        for dim in record.ROLLUP_DIMS:  # the rollups against the sums straight from job_stats and job_phases
            rolled = sorted(store.stats_from_rollup(dim, d0, d1, None, True, True))
            direct = sorted(store.stats_direct(dim, d0 * DAY, d1 * DAY, None, None, True, True))
            _same([tuple(r) for r in rolled], [tuple(r) for r in direct], 3)
        whole = {by: stats.aggregate(store, by, d0 * DAY, d1 * DAY) for by in stats.BY}  # what the Stats view shows
        for by, rows in whole.items():
            assert sum(r.tally.jobs for r in rows) == (len(old) + len(new) if by != "stage" else phases), by
    finally:
        store.close()


def test_a_recompute_that_fails_midway_leaves_the_last_rollups_and_the_next_is_right(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path / "s.db")
    old, old_ads = _jobs(700, 1, 0, 12)
    store.upsert_jobs(old, old_ads)
    _checks(store, old, 2)
    stats.refresh(store)
    before = _rollups(store)
    store.upsert_jobs(_moved(old[:600], random.Random(4)), {})
    dirty = store.conn.execute("SELECT day FROM stats_dirty ORDER BY day").fetchall()
    sql = list(record._RECOMPUTE_SQL)
    monkeypatch.setattr(record, "_RECOMPUTE_SQL", [*sql[:4], "SELECT no_such_column FROM stats_rollup", *sql[4:]])
    with pytest.raises(Exception, match="no_such_column"):
        stats.refresh(store)
    assert _rollups(store) == before  # rolled back, as a kill at that moment leaves it
    assert store.conn.execute("SELECT day FROM stats_dirty ORDER BY day").fetchall() == dirty
    monkeypatch.setattr(record, "_RECOMPUTE_SQL", sql)
    assert stats.refresh(store) == len(dirty)
    _same(_rollups(store), _from_scratch(store), 4)
    store.close()


def test_a_store_whose_file_cannot_be_opened_again_reads_its_stages_in_line(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    old, old_ads = _jobs(700, 1, 0, 12)
    store.upsert_jobs(old, old_ads)
    _checks(store, old, 2)
    store.conn.store_path = tmp_path / "not-there.db"  # no second connection: the stage rollups on the store's own
    assert stats.refresh(store) >= 12
    assert {r[0] for r in _rollups(store)} == set(record.ROLLUP_DIMS)
    _same(_rollups(store), _from_scratch(store), 4)
    store.close()
