"""The production record at scale: SYNTHETIC finished jobs (not from any pool).

A store with 1,000,000 finished jobs over a year (sites, CPU models, experiments and batches from the real shapes
in bench/synth_ads.py; outcomes with ~13% failures and 2% removals; lognormal wall times; efficiency per site
and CPU; 5% restarted with evicted time; 20% with three opg-phases) is built once through the store's own
triggers and cached in bench/out. Rows: building the day rollups, every aggregation over the whole year and over
7 days (target < 200 ms each), a batch filter (no rollup), the over-time series, and ingesting 100,000 synthetic
history ads (job_from_ad + upsert_jobs with triggers, then the rollup refresh) into that store.

    python bench/bench_stats.py [--quick]      # --quick: 100,000 stored jobs, 20,000 ingested
"""

from __future__ import annotations

import math
import random
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synth_ads import ANCHOR, CPU_MODELS, EXP_WEIGHTS, EXPERIMENTS, SITES, iter_synth_ads  # noqa: E402

from opgtui.domain import stats  # noqa: E402
from opgtui.store import JOB_COLUMNS, open_store  # noqa: E402

TARGET_MS = 200.0
VERSION = 2  # bump when the synthetic store's shape changes
DAY = 86400


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Callable[[], Any]:
    values, weights = zip(*pairs, strict=True)
    cum = list(__import__("itertools").accumulate(weights))
    total = cum[-1]
    import bisect

    return lambda: values[bisect.bisect_right(cum, rng.random() * total)]


def synth_rows(n: int, seed: int = 7) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]], list[tuple[Any, ...]]]:
    """Job rows (JOB_COLUMNS order), small ads (slot times) and phase rows for ``n`` finished jobs."""
    import orjson

    rng = random.Random(seed)
    site_of = _weighted(rng, [(s, w) for s, (w, _h) in SITES.items()])
    cpu_of = _weighted(rng, CPU_MODELS)
    exp_of = _weighted(rng, list(EXP_WEIGHTS.items()))
    site_eff = {s: rng.uniform(0.55, 0.92) for s in SITES}
    site_eff["Purdue-Brown"] = 0.42  # one site clearly worse
    cpu_speed = {m: rng.uniform(0.85, 1.15) for m, _w in CPU_MODELS}
    batches = {
        e: [f"{stem.format(run=rng.randint(40000, 52000), v=f'v{k}')}" for stem in EXPERIMENTS[e][3] for k in range(12)]
        for e in EXPERIMENTS
    }
    idx = {c: i for i, c in enumerate(JOB_COLUMNS)}
    jobs, ads, phases = [], [], []
    for i in range(n):
        exp, site, cpu = exp_of(), site_of(), cpu_of()
        end = ANCHOR - rng.random() * 365 * DAY
        wall = min(rng.lognormvariate(8.3, 0.9) * cpu_speed[cpu], 48 * 3600)
        cores = 1 if rng.random() < 0.85 else rng.choice((2, 4, 8))
        eff = min(max(rng.gauss(site_eff[site], 0.08), 0.01), 1.0)
        r = rng.random()
        status, exit_code, signal = (
            (3, None, None)
            if r < 0.02
            else (4, None, 9)
            if r < 0.04
            else (4, rng.choice((1, 65, 137, 139, 255, 90)), None)
            if r < 0.15
            else (4, 0, None)
        )
        starts = 1 if rng.random() < 0.95 else rng.randint(2, 4)
        evicted = 0.0 if starts == 1 else wall * rng.uniform(0.1, 0.8)
        row: list[Any] = [None] * len(JOB_COLUMNS)
        cluster, proc = 60_000_000 + i // 100, i % 100
        schedd = f"jobsub0{i % 4 + 1}.fnal.gov"
        for k, v in (
            ("id", f"{schedd}#{cluster}.{proc}"),
            ("schedd", schedd),
            ("cluster", cluster),
            ("proc", proc),
            ("owner", EXPERIMENTS[exp][0]),
            ("experiment", exp),
            ("batch_name", rng.choice(batches[exp])),
            ("status", status),
            ("status_since", end),
            ("exit_code", exit_code),
            ("exit_signal", signal),
            ("site", site),
            ("cpu_model", cpu),
            ("submit_time", end - wall - evicted - 600),
            ("start_time", end - wall),
            ("end_time", end if status == 4 else None),
            ("cpu_user", wall * cores * eff * 0.97),
            ("cpu_sys", wall * cores * eff * 0.03),
            ("wall", wall + evicted),
            ("request_cpus", cores),
            ("num_starts", starts),
        ):
            row[idx[k]] = v
        jobs.append(tuple(row))
        slot = (wall + evicted) * cores
        ads.append(
            (
                row[0],
                orjson.dumps(
                    {
                        "CumulativeSlotTime": slot,
                        "CommittedSlotTime": wall * cores,
                        "CommittedTime": wall,
                        "OpgtuiSynthetic": True,
                    }
                ).decode(),
            )
        )
        if rng.random() < 0.2:
            t, c = end - wall, 0.0
            for seq, (name, share) in enumerate((("gen", 0.1), ("g4", 0.6), ("reco", 0.3))):
                dt = wall * share
                phases.append(
                    (
                        row[0],
                        seq,
                        name,
                        t,
                        t + dt,
                        dt * cores * eff,
                        0 if exit_code == 0 or seq < 2 else exit_code,
                        "log",
                    )
                )
                t, c = t + dt, c + dt * cores * eff
    return jobs, ads, phases


def build(path: Path, n: int) -> float:
    """The synthetic store at ``path`` (through the real triggers); returns seconds taken."""
    import orjson

    t0 = time.perf_counter()
    store = open_store(path)
    jobs, ads, phases = synth_rows(n)
    for lo in range(0, n, 100_000):
        with store.transaction() as c:
            store.insert_rows(c, "jobs", jobs[lo : lo + 100_000])
            store.insert_rows(c, "job_ads", ads[lo : lo + 100_000])
            store.record_ad_stats(c, {jid: orjson.loads(ad) for jid, ad in ads[lo : lo + 100_000]})
    with store.transaction() as c:
        store.insert_rows(c, "job_phases", phases)
    store.close()
    return time.perf_counter() - t0


def _ms(fn: Callable[[], Any], repeat: int = 3) -> tuple[Any, float]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best * 1000


def ingest(store: Any, jobs: list[Any], ads: list[dict[str, Any]], batch: int = 10_000) -> tuple[float, float, int]:
    """Jobs and their ads into the store as the collector writes them (a batch per transaction), then the rollup
    refresh: (perf_counter after the upserts, after the refresh, days refreshed)."""
    for lo in range(0, len(jobs), batch):
        part = jobs[lo : lo + batch]
        store.upsert_jobs(part, {j.id: ad for j, ad in zip(part, ads[lo : lo + batch], strict=True)})
    t_upsert = time.perf_counter()
    days = stats.refresh(store)
    return t_upsert, time.perf_counter(), days


def _history_ads(n: int) -> list[dict[str, Any]]:
    ads = []
    for ad in iter_synth_ads(n, seed=11, compact=True):
        if ad.get("JobStatus") not in (3, 4):
            ad["JobStatus"] = 4
            ad["CompletionDate"] = ad.get("EnteredCurrentStatus") or ANCHOR
            ad.setdefault("ExitCode", 0)
        ads.append(ad)
    return ads


def run(quick: bool = False) -> list[dict[str, Any]]:
    from opgtui.sources.jobrecord import job_from_ad

    n = 100_000 if quick else 1_000_000
    n_ingest = 20_000 if quick else 100_000
    cached = HERE / "out" / f"stats_{n}_v{VERSION}.db"
    cached.parent.mkdir(exist_ok=True)
    rows: list[dict[str, Any]] = []
    if not cached.exists():
        tmp = cached.with_suffix(".tmp")
        for p in tmp.parent.glob(tmp.name + "*"):
            p.unlink()
        secs = build(tmp, n)
        rows.append({"name": f"build {n:,} jobs (insert + triggers)", "value": secs, "unit": "s", "target": ""})
        store = open_store(tmp)
        t0 = time.perf_counter()
        days = stats.refresh(store)
        rows.append(
            {
                "name": f"rollups of {days} days from scratch",
                "value": time.perf_counter() - t0,
                "unit": "s",
                "target": "one time (migration)",
            }
        )
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        shutil.move(tmp, cached)
    work = cached.with_name("stats_work.db")
    for p in work.parent.glob(work.name + "*"):
        p.unlink()
    shutil.copy(cached, work)
    store = open_store(work)
    now = ANCHOR
    year, week = now - 365 * DAY, now - 7 * DAY + 3 * 3600  # a week whose start is mid-day: edges read directly
    total = store.conn.execute("SELECT count(*) FROM job_stats").fetchone()[0]
    target = f"< {TARGET_MS:.0f} ms"
    for by in stats.BY:
        for label, since in (("365 d", year), ("7 d", week)):
            out, ms = _ms(lambda b=by, s=since: stats.aggregate(store, b, s, now + 1))
            rows.append(
                {
                    "name": f"{by} over {label} of {total:,} jobs ({len(out)} rows)",
                    "value": ms,
                    "unit": "ms",
                    "target": target,
                }
            )
    _, ms = _ms(lambda: stats.aggregate(store, "site", year, experiment="nova"))
    rows.append({"name": "site over 365 d, experiment=nova", "value": ms, "unit": "ms", "target": target})
    batch = store.conn.execute("SELECT batch_name FROM job_stats LIMIT 1").fetchone()[0]
    out, ms = _ms(lambda: stats.aggregate(store, "site", year, batch=batch))
    rows.append(
        {
            "name": f"site over 365 d, one batch ({sum(r.tally.jobs for r in out)} jobs, no rollup)",
            "value": ms,
            "unit": "ms",
            "target": target,
        }
    )
    _, ms = _ms(lambda: stats.series(store, "verdict", year))
    rows.append({"name": "failures by verdict per day over 365 d", "value": ms, "unit": "ms", "target": target})
    _, ms = _ms(lambda: stats.totals(store, year))
    rows.append({"name": "totals over 365 d", "value": ms, "unit": "ms", "target": target})

    ads = _history_ads(n_ingest)
    t0 = time.perf_counter()
    jobs = [job_from_ad(ad, source="history") for ad in ads]
    t1 = time.perf_counter()
    t2, t3, days = ingest(store, jobs, ads)
    rows += [
        {"name": f"ingest {n_ingest:,} history ads: normalise", "value": t1 - t0, "unit": "s", "target": ""},
        {
            "name": f"ingest {n_ingest:,} history ads: upsert with ads + triggers",
            "value": t2 - t1,
            "unit": "s",
            "target": "",
        },
        {
            "name": f"ingest {n_ingest:,} history ads: rollup refresh ({days} days)",
            "value": t3 - t2,
            "unit": "s",
            "target": "",
        },
        {"name": f"ingest {n_ingest:,} history ads: total", "value": t3 - t0, "unit": "s", "target": "seconds"},
    ]
    _, ms = _ms(lambda: (stats.refresh(store), stats.aggregate(store, "site", year)))
    rows.append({"name": "refresh (nothing dirty) + site over 365 d", "value": ms, "unit": "ms", "target": target})
    store.close()
    for p in work.parent.glob(work.name + "*"):
        p.unlink()
    rows += _trigger_cost(jobs, ads, work.with_name("stats_fresh"))
    return rows


def _trigger_cost(jobs: list[Any], ads: list[dict[str, Any]], base: Path) -> list[dict[str, Any]]:
    """The same history into an empty store with and without the production record's triggers."""
    out = []
    for label, drop in (("with", False), ("without", True)):
        path = base.with_name(f"{base.name}_{label}.db")
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
        store = open_store(path)
        if drop:
            for trigger in ("job_stats_from_jobs", "job_stats_from_ads"):
                store.conn.execute(f"DROP TRIGGER {trigger}")
        t0 = time.perf_counter()
        for lo in range(0, len(jobs), 10_000):
            part = jobs[lo : lo + 10_000]
            store.upsert_jobs(part, {j.id: ad for j, ad in zip(part, ads[lo : lo + 10_000], strict=True)})
        out.append(
            {
                "name": f"upsert {len(jobs):,} history ads into an empty store, {label} the record's triggers",
                "value": time.perf_counter() - t0,
                "unit": "s",
                "target": "",
            }
        )
        store.close()
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
    return out


if __name__ == "__main__":
    for r in run(quick="--quick" in sys.argv):
        print(f"{r['name']:70} {r['value']:10.3f} {r['unit']:3} {r['target']}")
