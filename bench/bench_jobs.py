"""100,000 SYNTHETIC jobs from a recorded ``-json`` dump to a listed table, filter keystrokes, grouping, memory.

The headline runs in a fresh process (cold caches, as when a shifter opens a dump) and loads the dump as the app
does (``ops.dumpview.DumpSession``: head workers started when it is opened, brief records): the clock starts before the
file is read and stops when the table's first frame is composed with every job listed, sorted by age (what the
Jobs view shows first). The filter texts are built after that frame (in the view: a worker) and timed apart.
Compared with ``classad2.parseAds`` alone on the same ads as a ``-long`` file (it cannot read ``-json``).

    python bench/bench_jobs.py [--quick]
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import classad2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth_ads import synth_ads

OUT = Path(__file__).resolve().parent / "out"


def files(n: int) -> tuple[Path, Path]:
    """The ``-json`` and ``-long`` dumps of ``n`` projected synthetic ads (made once, kept in bench/out)."""
    OUT.mkdir(exist_ok=True)
    js, long = OUT / f"synth_{n}.json", OUT / f"synth_{n}.long"
    if not js.exists() or not long.exists():
        ads = synth_ads(n)
        js.write_text(json.dumps(ads))
        with long.open("w") as fh:
            for ad in ads:
                fh.write(classad2.ClassAd(ad).printOld() + "\n")
    return js, long


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def rss_mb() -> float:
    """Resident memory of this process now."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


async def listed(path: Path) -> dict[str, Any]:
    """In a running app: dump -> load -> rows -> sort by age -> table set -> first frame; then the rest."""
    from bench_joblist import table_app

    from opgtui.domain.joblist import QueryFilter, build_rows, group_rows, quick_filter, sort_indices, warm
    from opgtui.ops.dumpview import DumpSession
    from opgtui.widgets.job_table import JobTable

    frames: list[float] = []
    out: dict[str, Any] = {}
    app = table_app(frames)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        out["rss_before"] = rss_mb()
        table = app.query_one(JobTable)
        frames.clear()
        t0 = time.perf_counter()
        session = DumpSession([str(path)]).start()  # as the app opens a dump: its head workers start here
        listed = session.load().jobs
        t1 = time.perf_counter()
        rows = build_rows(listed, now=time.time())
        t2 = time.perf_counter()
        order = sort_indices(rows, quick_filter(rows, "all"), "age")
        t3 = time.perf_counter()
        table.set_rows(rows, order)
        while not frames:
            await asyncio.sleep(0)
        t4 = frames[0]
        assert table.length == len(listed) and table.render_line(1).text.strip()
        out.update(load=t1 - t0, rows=t2 - t1, sort=t3 - t2, paint=t4 - t3, total=t4 - t0, n=len(rows))
        _, out["warm"] = timed(lambda: warm(rows))
        qf = QueryFilter()
        keys = []
        for i in range(1, len("purdue held") + 1):
            keys.append(timed(lambda i=i: qf(rows, "purdue held"[:i]))[1])
        out["keys"] = keys
        out["scan"] = timed(lambda: QueryFilter()(rows, "brown-a"))[1]
        _, out["group_all"] = timed(lambda: group_rows(rows, list(range(len(rows))), "hold reason"))
        held = quick_filter(rows, "held")
        _, out["group_held"] = timed(lambda: group_rows(rows, held, "hold reason"))
        _, out["raw_ad"] = timed(lambda: session.ad(rows[order[0]].job_id))
        gc.collect()
        out["rss_after"] = rss_mb()
    return out


def child(path: str) -> None:
    """Runs in the fresh process: prints the measures as JSON."""
    print(json.dumps(asyncio.run(listed(Path(path)))))


def fresh(path: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def decoders_alone(js: Path) -> dict[str, float]:
    """The JSON decoders alone on the file's bytes (best of two, no GC): what any -json reader must pay."""
    import msgspec
    import orjson

    from opgtui.sources.dumps import _decoders

    data = js.read_bytes()
    projected = msgspec.json.Decoder(list[_decoders()[1].type])
    gc.disable()
    try:
        return {
            "orjson": min(timed(lambda: orjson.loads(data))[1] for _ in range(2)),
            "msgspec_projected": min(timed(lambda: projected.decode(data))[1] for _ in range(2)),
        }
    finally:
        gc.enable()


def references(js: Path, long: Path, n: int) -> dict[str, float]:
    from opgtui.sources.dumps import load_files

    out = decoders_alone(js)
    _, out["long"] = timed(lambda: load_files([long], keep_ads=False))
    # parseAds runs a few thousand ads/s here: time it on the first 5,000 ads and scale (said in the row's name)
    text = long.read_text()
    cut = 0
    for _ in range(min(n, 5_000)):
        cut = text.index("\n\n", cut) + 2
    _, t_part = timed(lambda: sum(1 for _ in classad2.parseAds(text[:cut])))
    out["parse_ads"] = t_part * n / min(n, 5_000)
    return out


def run(quick: bool = False) -> list[dict]:
    n = 10_000 if quick else 100_000
    js, long = files(n)
    k = f"{n // 1000}k"
    m = fresh(js)
    ref = references(js, long, n)
    size = js.stat().st_size / 2**20

    def row(name: str, value: float, unit: str, target: str = "") -> dict[str, Any]:
        return {"name": f"{k}: {name}", "value": value, "unit": unit, "target": target}

    return [
        row(
            f"dump to listed table, fresh process ({size:.0f} MB -json; load+rows+sort+first frame)",
            m["total"],
            "s",
            "< 1 s (the parts in a harness; `felt` times the real app and process)",
        ),
        row("  load: the app's DumpSession (head workers, brief records, ads read back when asked)", m["load"], "s"),
        row("  rows built", m["rows"], "s"),
        row("  sorted by age", m["sort"], "s"),
        row("  set_rows to first frame (120x40)", m["paint"], "s"),
        row("filter texts built after the first frame (worker)", m["warm"], "s", "off the UI thread"),
        row("-json msgspec decode of the projected attributes alone (reference)", ref["msgspec_projected"], "s"),
        row("-json orjson.loads alone (reference)", ref["orjson"], "s"),
        row("load vs orjson.loads alone", m["load"] / ref["orjson"], "x", "what normalising adds to decoding"),
        row("load (-json) vs classad2.parseAds alone (-long)", m["load"] / ref["parse_ads"], "x", "< 1 is faster"),
        row("-long load + normalise (no raw ads)", ref["long"], "s"),
        row("-long classad2.parseAds alone (5k timed, scaled)", ref["parse_ads"], "s", "reference"),
        row("filter keystroke, worst of typing 'purdue held'", max(m["keys"]) * 1000, "ms", "< 50 ms"),
        row("filter keystroke, median", statistics.median(m["keys"]) * 1000, "ms", "< 50 ms"),
        row("filter 'brown-a' from scratch (full scan)", m["scan"] * 1000, "ms", "< 50 ms"),
        row("group all by hold reason (cold cache)", m["group_all"] * 1000, "ms", "< 100 ms"),
        row("group held by hold reason", m["group_held"] * 1000, "ms", "< 100 ms"),
        row("raw ad of a listed job, read back from the dump", m["raw_ad"] * 1000, "ms"),
        row("process memory after listing (RSS: app, jobs, rows, filter texts)", m["rss_after"], "MB", "< 300 MB"),
        row("  of which the app before loading", m["rss_before"], "MB"),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        for r in run("--quick" in sys.argv):
            print(f"{r['name']:100} {r['value']:10.3f} {r['unit']:3} {r['target']}")
