"""Bench: mine templates from 20,000 unknown failures' tails (50 lines each), as `opgtui signatures suggest` does
after the tails are kept: decisive line of each tail, then templates. Tails are the tune corpus's real logs with
their numbers, hosts and paths varied per job. Run: .venv/bin/python bench/bench_learn.py [N]"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

from opgtui.diagnosis.evaluate import find_cases, read_lines
from opgtui.learn.templates import decisive_line, mine

CHATTER = (
    "Job running on fnpc4512.fnal.gov at Wed Nov 25 03:10:01 CST 2026",
    "Setting up jobsub wrapper, scratch dir is /srv/condor/execute/dir_28183",
    "setup: using /cvmfs/nova.opensciencegrid.org/externals/setup-nova",
    "ifdh version v2_6_20, OS el9, python 3.9",
    "%MSG-i MF_INIT_OK:  Early 25-Nov-2026 03:10:02 CST JobSetup",
    "Begin processing the 1234th record. run: 15 subRun: 2 event: 1234 at 25-Nov-2026 03:10:02 CST",
)
"""Lines before the failure in a real tail (no error in them)."""
TUNE = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus" / "tune"


def vary(line: str, rng: random.Random) -> str:
    return "".join(str(rng.randint(0, 9)) if c.isdigit() else c for c in line).replace(
        ".fnal.gov", f".site{rng.randint(1, 40)}.org"
    )


def main(n: int = 20_000) -> tuple[float, float]:
    """Mining ``n`` tails: (seconds, CPU seconds)."""
    rng = random.Random(7)
    cases, _ = find_cases(TUNE)
    logs = [read_lines(c.path)[-50:] for c in cases]  # real excerpts, padded to 50 lines below
    tails = []
    for i in range(n):
        log = logs[i % len(logs)]
        chatter = [vary(CHATTER[k % len(CHATTER)], rng) for k in range(50 - len(log))]
        tails.append(chatter + [vary(x, rng) for x in log])
    c0, t0 = time.thread_time(), time.perf_counter()
    lines = [(f"s#{i}.0", decisive_line(t) or "") for i, t in enumerate(tails)]
    t1 = time.perf_counter()
    mined = mine(lines)
    t2, cpu = time.perf_counter(), time.thread_time() - c0
    total = sum(len(t) for t in tails)
    print(
        f"{n} tails, {total} lines: decisive lines {t1 - t0:.2f} s, templates {t2 - t1:.2f} s "
        f"({len(mined.templates)} templates, {len(mined.failed)} not mined), total {t2 - t0:.2f} s (CPU {cpu:.2f} s)"
    )
    return t2 - t0, cpu


def bench_store(n: int = 20_000) -> tuple[float, float]:
    """`opgtui signatures suggest --no-read` on a store holding ``n`` unknown failures with kept tails: (seconds,
    CPU seconds of the process: suggest may use threads)."""
    import tempfile

    from opgtui.core.model import Job, JobStatus, Verdict
    from opgtui.learn.suggest import suggest
    from opgtui.learn.unknown import gather, save_tails
    from opgtui.store import open_store

    rng = random.Random(7)
    cases, _ = find_cases(TUNE)
    logs = [read_lines(c.path)[-50:] for c in cases]
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        jobs = [
            Job(f"s#{i}.0", "s", i, 0, status=int(JobStatus.HELD), status_since=1.7e9 + i, site=f"site{i % 30}")
            for i in range(n)
        ]
        store.upsert_jobs(jobs)
        store.save_verdicts({j.id: Verdict("unknown", "look at the log", None) for j in jobs}, 1.7e9)
        save_tails(
            store,
            {
                j.id: (
                    [vary(CHATTER[k % len(CHATTER)], rng) for k in range(50 - len(log))] + [vary(x, rng) for x in log],
                    "",
                    None,
                )
                for j, log in ((j, logs[i % len(logs)]) for i, j in enumerate(jobs))
            },
            1.7e9,
        )
        c0, t0 = time.process_time(), time.perf_counter()
        result = suggest(gather(None, store, None, 1.8e9, read_logs=False))
        t1, cpu = time.perf_counter(), time.process_time() - c0
        store.close()
    print(
        f"suggest on a store of {n} unknown failures (kept tails): {t1 - t0:.2f} s (CPU {cpu:.2f} s), "
        f"{len(result.items)} templates"
    )
    return t1 - t0, cpu


def bench_view(n: int = 20_000, distinct: bool = False, runs: int = 3) -> tuple[float, float, float]:
    """`:signatures` opening on a store of ``n`` unknown failures whose templates were mined before (the kept
    snapshot): seconds from the command to the table listing them, mining in the background left out (it runs
    after). ``distinct``: every failure a template of its own (n templates), the worst case for the view.
    ``runs`` apps one after another: (median seconds, min seconds, the process's CPU seconds in the median run,
    every thread of it: what the load on the machine does not change)."""
    import asyncio
    import tempfile

    from opgtui.app import OpgApp
    from opgtui.config import Config
    from opgtui.core.model import Job, Verdict
    from opgtui.learn.snapshot import save
    from opgtui.learn.suggest import Suggestion, Suggestions
    from opgtui.learn.templates import Template
    from opgtui.learn.unknown import UnknownJob
    from opgtui.screens.signatures import SignaturesScreen
    from opgtui.store import open_store
    from opgtui.widgets.line_table import LineTable

    rng = random.Random(7)
    unknown = Verdict("unknown", "look at the log", None)
    words = ["open", "failed", "for", "file", "server", "timeout", "replica", "token", "denied", "missing"]
    per = 1 if distinct else max(1, n // 300)
    items = []
    for t in range(0, n, per):
        tokens = [rng.choice(words) for _ in range(6)] + [f"E{t}", "<*>", "at", "<*>"]
        jobs = [
            UnknownJob(
                Job(f"s#{i}.0", "s", i, 0, site=f"site{i % 30}", end_time=1.7e9 + i),
                unknown,
                line=" ".join(tokens).replace("<*>", str(i)),
            )
            for i in range(t, min(n, t + per))
        ]
        items.append(Suggestion(Template(tokens, [j.job.id for j in jobs]), jobs, " ".join(tokens[:6])))
    mined = Suggestions(items)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "view.db"
        store = open_store(path)
        save(store, mined, 1.7e9)
        store.close()
        SignaturesScreen.mine = lambda self: None  # type: ignore[method-assign]  # only the kept templates

        async def run() -> tuple[float, float]:
            app = OpgApp(Config(store=path, timezone="UTC", refresh=3600), open_store(path), refresh_loop=False)
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                c0, t0 = time.process_time(), time.perf_counter()
                app.run_command_line("signatures")
                while not (
                    isinstance(app.screen, SignaturesScreen)
                    and any(t.row_count for t in app.screen.query("#sig-templates").results(LineTable))
                ):
                    await asyncio.sleep(0.002)
                await pilot.pause()  # and drawn
                took, cpu = time.perf_counter() - t0, time.process_time() - c0
                app.exit()
            return took, cpu

        timed = sorted(asyncio.run(run()) for _ in range(runs))
    took, cpu = timed[(len(timed) - 1) // 2]
    print(
        f":signatures opens on {n:,} unknown failures in {len(items):,} templates (kept): {took:.3f} s "
        f"(min {timed[0][0]:.3f} s, CPU {cpu:.3f} s; target < 0.3 s)"
    )
    return took, timed[0][0], cpu


def _seconds_row(name: str, timed: tuple[float, float]) -> dict[str, object]:
    took, cpu = timed
    return {
        "name": name,
        "value": took,
        "unit": "s",
        "target": f"< 10 s (CPU {cpu:.2f} s, load {os.getloadavg()[0]:.1f})",
    }


def _view_row(name: str, timed: tuple[float, float, float], target: str) -> dict[str, object]:
    took, least, cpu = timed
    note = f"min {least:.3f} s, CPU {cpu:.3f} s, load {os.getloadavg()[0]:.1f}"
    return {"name": f"{name}: median of 3", "value": took, "unit": "s", "target": f"{target} ({note})"}


def run(quick: bool = False) -> list[dict[str, object]]:
    """The rows for bench/run.py: mining, suggest on a store, and the view opening (empty, typical, worst)."""
    n = 2_000 if quick else 20_000
    return [
        _seconds_row(f"mine {n:,} unknown failures' 50-line tails", main(n)),
        _seconds_row(f"suggest on a store of {n:,} unknown failures", bench_store(n)),
        _view_row(":signatures on 1 kept failure (any view's own cost)", bench_view(1), "reference"),
        _view_row(f":signatures on {n:,} kept failures in ~300 templates", bench_view(n), "< 0.3 s"),
        _view_row(f":signatures on {n:,} kept templates", bench_view(n, distinct=True), "< 0.3 s"),
    ]


if __name__ == "__main__":
    if "--view" in sys.argv:
        bench_view()
        bench_view(distinct=True)
        sys.exit()
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
    bench_store(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
    bench_view()
    bench_view(distinct=True)
