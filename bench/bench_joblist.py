"""The jobs list at 100,000 SYNTHETIC jobs: rows built, filter keystrokes, sort, group, the table's first paint
and a cursor move inside ``App.run_test(size=(120, 40))``, and the rows' memory.

    python bench/bench_joblist.py [--quick]
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from opgtui.core.model import Job, JobStatus
from opgtui.domain.joblist import (
    COLUMN_KEYS,
    JobLines,
    QueryFilter,
    Row,
    RowList,
    build_rows,
    filter_rows,
    group_rows,
    normalise_reason,
    quick_filter,
    sort_indices,
    warm,
)

NOW = 1_795_600_000.0
SITES = {
    "FNAL_GPGrid": ("fnpc{n}.fnal.gov", 800),
    "Wisconsin": ("e{n}.chtc.wisc.edu", 400),
    "Purdue-Brown": ("brown-a{n}.rcac.purdue.edu", 300),
    "MWT2": ("uct2-c{n}.mwt2.org", 300),
    "BNL": ("spar{n}.usatlas.bnl.gov", 200),
    "UCSD": ("cabinet-{n}.t2.ucsd.edu", 200),
}
HOLDS = (
    (34, 102, "Error from slot1_{s}@{host}: Docker job has gone over memory limit of {m} Mb"),
    (
        34,
        102,
        "Error from slot1_{s}@glidein_{g}@{host}: Job has gone over cgroup memory limit of {m} megabytes. "
        "Last measured usage: {u} megabytes.  Consider resubmitting with a higher request_memory.",
    ),
    (
        13,
        0,
        "Error from slot1_{s}@{host}: Transfer input files failure at execution point slot1_{s}@{host} using "
        "protocol https. Details: curl_easy_perform() failed (6): 'Couldn't resolve host name'",
    ),
    (
        12,
        2,
        "Error from slot1_{s}@{host}: Failed to open '/storage/local/data1/condor/execute/dir_{g}/"
        "_condor_stdout' as standard output: No such file or directory (errno 2)",
    ),
    (
        26,
        0,
        "The job attribute PeriodicHold expression '(JobStatus == 2 && time() - EnteredCurrentStatus > {u})' "
        "evaluated to TRUE",
    ),
)


def synthetic_jobs(n: int, seed: int = 7) -> list[Job]:
    """``n`` jobs: 20% held (five real hold shapes on many hosts and sizes), 20% failed (exit 1/65/137,
    signal 9/11), 40% running, 10% idle, 10% done."""
    rng = random.Random(seed)
    sites = list(SITES)
    out = []
    for i in range(n):
        site = rng.choice(sites)
        pattern, hosts = SITES[site]
        host = pattern.format(n=rng.randrange(hosts))
        cluster, proc = 40_000_000 + i // 500, i % 500
        wall = rng.uniform(600, 40_000)
        j = Job(
            f"jobsub0{i % 3 + 1}.fnal.gov#{cluster}.{proc}",
            f"jobsub0{i % 3 + 1}.fnal.gov",
            cluster,
            proc,
            jobsub_id=f"{cluster}.{proc}@jobsub0{i % 3 + 1}.fnal.gov",
            owner=rng.choice(["novapro", "dunepro", "uboonepro"]),
            site=site,
            last_host=host,
            batch_name=f"{rng.choice(['reco', 'mcgen', 'keepup'])}_{i // 5000}",
            status_since=NOW - rng.uniform(0, 4e5),
            cpu_user=wall * rng.uniform(0.2, 0.95),
            cpu_sys=wall * 0.02,
            wall=wall,
            request_cpus=1,
        )
        roll = rng.random()
        if roll < 0.2:
            code, sub, text = rng.choice(HOLDS)
            m = rng.choice([2000, 2500, 4000, 16384])
            j.status, j.hold_code, j.hold_subcode = JobStatus.HELD, code, sub
            j.hold_reason = text.format(
                s=rng.randint(1, 32), g=rng.randrange(10**6), host=host, m=m, u=m + rng.randrange(300)
            )
        elif roll < 0.4:
            j.status = JobStatus.COMPLETED
            if rng.random() < 0.3:
                j.exit_signal = rng.choice([9, 11])
            else:
                j.exit_code = rng.choice([1, 65, 137])
        elif roll < 0.8:
            j.status = JobStatus.RUNNING
        elif roll < 0.9:
            j.status, j.cpu_user, j.cpu_sys, j.wall = JobStatus.IDLE, None, None, None
        else:
            j.status, j.exit_code = JobStatus.COMPLETED, 0
        out.append(j)
    return out


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def clocked(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """``fn()``, its wall time and its CPU time (this thread's: other work on the machine shows in the wall
    time only, so the two together tell load from code)."""
    gc.collect()
    c0, t0 = time.thread_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, time.thread_time() - c0


class Runs:
    """Repeated timings of one measure: the median and the min of the wall times, the CPU time of the median."""

    def __init__(self, runs: list[tuple[float, float]]) -> None:
        ordered = sorted(runs)
        self.wall, self.cpu = ordered[(len(ordered) - 1) // 2]
        self.min = ordered[0][0]

    def note(self, scale: float = 1000.0) -> str:
        return f"min {self.min * scale:.1f}, CPU {self.cpu * scale:.1f} ms, load {os.getloadavg()[0]:.1f}"


def repeated(fn: Callable[[], Any], times: int = 5) -> Runs:
    return Runs([clocked(fn)[1:] for _ in range(times)])


def keystrokes(rows: list[Row], text: str, incremental: bool) -> list[tuple[float, float]]:
    """(wall, CPU) seconds per keystroke typing ``text`` one character at a time."""
    qf = QueryFilter()
    out = []
    for i in range(1, len(text) + 1):
        c0, t0 = time.thread_time(), time.perf_counter()
        qf(rows, text[:i]) if incremental else filter_rows(rows, text[:i])
        out.append((time.perf_counter() - t0, time.thread_time() - c0))
    return out


def worst_key(rows: list[Row], text: str, incremental: bool, times: int = 3) -> Runs:
    """The slowest keystroke typing ``text``, over ``times`` rounds."""
    return Runs([max(keystrokes(rows, text, incremental)) for _ in range(times)])


def table_app(frames: list[float]) -> Any:
    """An app of one JobTable that appends the time of every composed frame to ``frames``."""
    from textual.app import App, ComposeResult

    from opgtui.widgets.job_table import JobTable

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield JobTable()

        def _display(self, screen: Any, renderable: Any) -> None:
            if renderable is not None:
                frames.append(time.perf_counter())
            super()._display(screen, renderable)

    return Bench()


async def paint(rows: list[Row]) -> tuple[float, float, int]:
    """Seconds from ``set_rows`` to the first composed frame; seconds and lines rendered for one cursor move."""
    from opgtui.widgets.job_table import JobTable

    frames: list[float] = []
    rendered = [0]

    class Counting(JobTable):
        def render_line(self, y: int) -> Any:
            rendered[0] += 1
            return super().render_line(y)

    app = table_app(frames)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.query_one(JobTable).remove()
        table = Counting()
        await app.mount(table)
        table.focus()
        await pilot.pause()
        frames.clear()
        t0 = time.perf_counter()
        table.set_rows(rows, list(range(len(rows))))
        while not frames:
            await asyncio.sleep(0)
        first = frames[0] - t0
        assert rendered[0] > 0 and table.render_line(1).text.strip()
        await pilot.pause()
        frames.clear()
        rendered[0] = 0
        t0 = time.perf_counter()
        await pilot.press("down")
        while not frames:
            await asyncio.sleep(0)
        move = frames[0] - t0
        return first, move, rendered[0]


def rows_memory(jobs: list[Job]) -> int:
    """Bytes the rows of ``jobs`` hold with their filter texts built (tracemalloc; the jobs excluded)."""
    gc.collect()
    tracemalloc.start()
    kept = build_rows(jobs, now=NOW)
    warm(kept)
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return size if kept else 0


def cold_word(jobs: list[Job], words: tuple[str, ...] = ("e1999.", "qz()[]=")) -> Runs:
    """The slowest of ``words`` (a selective host, a word no row holds) typed over rows whose filter texts are not
    built yet (fresh rows each run: what a key right after a dump is listed costs)."""
    runs = []
    for _ in range(3):
        fresh = build_rows(jobs, now=NOW)
        runs.append(max(clocked(lambda w=w, fresh=fresh: filter_rows(fresh, w))[1:] for w in words))
        assert fresh._haystacks is None
    return Runs(runs)


def cold_lines(jobs: list[Job], words: tuple[str, ...] = ("e1999.", "qz()[]=")) -> Runs:
    """As :func:`cold_word`, over rows that came with their job lines, as a big dump's rows do once its workers
    sent them (``RowList.use_lines``: the lines made here beforehand, a block per 4,000 jobs as the workers'
    frames hold; not timed)."""
    maker = JobLines()
    blocks = [(len(jobs[a : a + 4000]), maker.block(jobs[a : a + 4000])) for a in range(0, len(jobs), 4000)]
    runs = []
    for _ in range(3):
        fresh = build_rows(jobs, now=NOW)
        assert fresh.use_lines(jobs, blocks)
        runs.append(max(clocked(lambda w=w, fresh=fresh: filter_rows(fresh, w))[1:] for w in words))
        assert fresh._haystacks is None
    return Runs(runs)


def measure(rows: RowList, n: int) -> dict[str, Any]:
    """Filter, sort, group and paint timings over built rows."""
    out: dict[str, Any] = {}
    all_rows = list(range(n))
    out["cold"] = cold_word([r.job for r in rows])
    out["cold_lines"] = cold_lines([r.job for r in rows])
    _, out["warm"] = timed(lambda: warm(rows))
    out["incremental"] = worst_key(rows, "purd", True)
    out["scans"] = worst_key(rows, "purd", False)
    out["field"] = repeated(lambda: filter_rows(rows, "site:purdue !novapro code:34"))
    # the first sort by a column computes its order (fresh rows each time: nothing kept from a run before)
    out["sorts"] = {
        c: Runs([clocked(lambda c=c: sort_indices(RowList(rows), all_rows, c))[1:] for _ in range(3)])
        for c in COLUMN_KEYS
    }
    sorted_rows = RowList(rows)
    for c in COLUMN_KEYS:
        sort_indices(sorted_rows, all_rows, c)
    out["resorts"] = {
        c: repeated(lambda c=c: sort_indices(sorted_rows, all_rows, c, reverse=True)) for c in COLUMN_KEYS
    }
    failed = quick_filter(rows, "failed")
    out["part_sorts"] = {c: repeated(lambda c=c: sort_indices(sorted_rows, failed, c)) for c in COLUMN_KEYS}
    out["n_failed"] = len(failed)
    normalise_reason.cache_clear()
    held = quick_filter(rows, "held")
    out["groups"], out["group"] = timed(lambda: group_rows(rows, all_rows, "hold reason"))
    _, out["group_warm"] = timed(lambda: group_rows(rows, held, "hold reason"))
    _, out["group_all_warm"] = timed(lambda: group_rows(rows, all_rows, "hold reason"))
    _, out["cause"] = timed(lambda: group_rows(rows, all_rows, "cause"))
    out["first"], out["move"], out["lines"] = asyncio.run(paint(rows))
    return out


def run(quick: bool = False) -> list[dict]:
    n = 10_000 if quick else 100_000
    k = f"{n // 1000}k"
    jobs = synthetic_jobs(n)
    rows, t_rows = timed(lambda: build_rows(jobs, now=NOW))
    m = measure(rows, n)
    rows = RowList()
    mem = rows_memory(jobs)
    incremental, scans, sorts, resorts, parts = m["incremental"], m["scans"], m["sorts"], m["resorts"], m["part_sorts"]
    worst_sort = max(sorts, key=lambda c: sorts[c].wall)
    worst_resort = max(resorts, key=lambda c: resorts[c].wall)
    worst_part = max(parts, key=lambda c: parts[c].wall)
    t_field, groups, t_group, t_group_warm, t_cause = m["field"], m["groups"], m["group"], m["group_warm"], m["cause"]
    first, move, lines = m["first"], m["move"], m["lines"]
    return [
        {"name": f"{k}: build_rows", "value": t_rows, "unit": "s", "target": "<= 0.5 s"},
        {
            "name": f"{k}: filter texts built (warm, a worker after the first paint)",
            "value": m["warm"],
            "unit": "s",
            "target": "off the UI thread",
        },
        {
            "name": f"{k}: selective word before the filter texts are built (worst of e1999., no-match), CPU",
            "value": m["cold"].cpu * 1000,
            "unit": "ms",
            "target": f"< 50 ms ({m['cold'].note()})",
        },
        {
            "name": f"{k}: the same word in the rows' job lines (a big dump's rows once its workers sent them), CPU",
            "value": m["cold_lines"].cpu * 1000,
            "unit": "ms",
            "target": f"< 50 ms ({m['cold_lines'].note()})",
        },
        {
            "name": f"{k}: filter keystroke, worst typing 'purd' (narrowing): median of 3",
            "value": incremental.wall * 1000,
            "unit": "ms",
            "target": f"<= 50 ms ({incremental.note()})",
        },
        {
            "name": f"{k}: filter keystroke, worst typing 'purd' (full scan): median of 3",
            "value": scans.wall * 1000,
            "unit": "ms",
            "target": f"<= 50 ms ({scans.note()})",
        },
        {
            "name": f"{k}: filter 'site:purdue !novapro code:34': median of 5",
            "value": t_field.wall * 1000,
            "unit": "ms",
            "target": f"<= 50 ms ({t_field.note()})",
        },
        {
            "name": f"{k}: sort by age, first time (the column's order computed): median of 3",
            "value": sorts["age"].wall * 1000,
            "unit": "ms",
            "target": f"< 100 ms ({sorts['age'].note()})",
        },
        {
            "name": f"{k}: sort, slowest column first time ({worst_sort}): median of 3",
            "value": sorts[worst_sort].wall * 1000,
            "unit": "ms",
            "target": f"< 100 ms ({sorts[worst_sort].note()})",
        },
        {
            "name": f"{k}: sort again by a sorted column, reversed, slowest ({worst_resort}): median of 5",
            "value": resorts[worst_resort].wall * 1000,
            "unit": "ms",
            "target": f"< 100 ms ({resorts[worst_resort].note()})",
        },
        {
            "name": f"{k}: sort {m['n_failed']:,} failed/held by a sorted column, slowest ({worst_part}): median of 5",
            "value": parts[worst_part].wall * 1000,
            "unit": "ms",
            "target": f"< 100 ms ({parts[worst_part].note()})",
        },
        {
            "name": f"{k}: group all by hold reason (cold cache, {len(groups)} groups)",
            "value": t_group * 1000,
            "unit": "ms",
            "target": "worst case: warm() primes it",
        },
        {
            "name": f"{k}: group all by hold reason after warm() (what `g` costs)",
            "value": m["group_all_warm"] * 1000,
            "unit": "ms",
            "target": "< 100 ms",
        },
        {
            "name": f"{k}: group held by hold reason (warm)",
            "value": t_group_warm * 1000,
            "unit": "ms",
            "target": "< 100 ms",
        },
        {"name": f"{k}: group all by cause", "value": t_cause * 1000, "unit": "ms", "target": "< 100 ms"},
        {
            "name": f"{k}: table first paint, set_rows to frame (120x40)",
            "value": first * 1000,
            "unit": "ms",
            "target": "~40 ms (DESIGN)",
        },
        {"name": f"{k}: table cursor move, key to frame", "value": move * 1000, "unit": "ms", "target": ""},
        {"name": f"{k}: table cursor move, lines rendered", "value": lines, "unit": "lines", "target": "2"},
        {
            "name": f"{k}: memory of the rows and filter texts (tracemalloc, jobs excluded)",
            "value": mem / 2**20,
            "unit": "MB",
            "target": "",
        },
        {"name": f"{k}: memory per row", "value": mem / n, "unit": "B", "target": ""},
    ]


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        value = row["value"]
        shown = f"{value:10.2f}" if isinstance(value, float) else f"{value:>10}"
        print(f"{row['name']:64} {shown} {row['unit']:5} {row['target']}")
