"""100,000 jobs: from a recorded dump to a listed table, filter keystrokes, grouping, memory.

Compared with classad2.parseAds alone on the same -long file (our normalisation should add little).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import classad2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth_ads import synth_ads

from opgtui.joblist import build_rows, filter_rows, group_rows, quick_filter, sort_indices, warm
from opgtui.sources.dumps import load_files

OUT = Path(__file__).resolve().parent / "out"


def files(n: int) -> tuple[Path, Path]:
    OUT.mkdir(exist_ok=True)
    js, long = OUT / f"synth_{n}.json", OUT / f"synth_{n}.long"
    if not js.exists() or not long.exists():
        ads = synth_ads(n)
        js.write_text(json.dumps(ads))
        with long.open("w") as fh:
            for ad in ads:
                fh.write(classad2.ClassAd(ad).printOld() + "\n")
    return js, long


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


async def first_paint(rows) -> float:
    from textual.app import App, ComposeResult

    from opgtui.widgets.job_table import JobTable

    class A(App[None]):
        def compose(self) -> ComposeResult:
            yield JobTable()

    app = A()
    async with app.run_test(size=(120, 40)) as pilot:
        t0 = time.perf_counter()
        app.query_one(JobTable).set_rows(rows, list(range(len(rows))))
        await pilot.pause()
        return time.perf_counter() - t0


def run(quick: bool = False) -> list[dict]:
    n = 10_000 if quick else 100_000
    js, long = files(n)
    now = time.time()
    res, t_json = timed(lambda: load_files([js]))
    _, t_long = timed(lambda: load_files([long]))
    # parseAds runs ~400 full ads/s here: time it on the first 5,000 ads and scale (said in the row's name)
    text = long.read_text()
    cut = 0
    for _ in range(min(n, 5_000)):
        cut = text.index("\n\n", cut) + 2
    _, t_part = timed(lambda: sum(1 for _ in classad2.parseAds(text[:cut])))
    t_parse = t_part * n / min(n, 5_000)
    rows, t_rows = timed(lambda: build_rows(res.jobs, now=now))
    tracemalloc.start()
    part = build_rows(res.jobs[: n // 10], now=now)
    warm(part)
    mem = tracemalloc.get_traced_memory()[0] * 10  # a tenth traced (tracemalloc slows it 5x), scaled
    del part
    tracemalloc.stop()
    paint = asyncio.run(first_paint(rows))
    _, t_warm = timed(lambda: warm(rows))
    keystrokes = []
    prev = None
    for i in range(1, len("purdue held") + 1):
        q = "purdue held"[:i]
        t0 = time.perf_counter()
        prev = filter_rows(rows, q, prev if prev is not None and q.startswith(q[:-1]) and " " not in q[-1:] else None)
        keystrokes.append(time.perf_counter() - t0)
    _, t_group = timed(lambda: group_rows(rows, quick_filter(rows, "held"), "hold reason"))
    _, t_group_all = timed(lambda: group_rows(rows, list(range(len(rows))), "hold reason"))
    _, t_sort = timed(lambda: sort_indices(rows, list(range(len(rows))), "efficiency"))
    k = f"{n // 1000}k"
    return [
        {"name": f"{k} ads -json: load + normalise", "value": t_json, "unit": "s", "target": "~1 s with listing"},
        {"name": f"{k} ads -long: load + normalise", "value": t_long, "unit": "s", "target": ""},
        {"name": f"{k} ads -long: classad2.parseAds alone (5k timed, scaled)", "value": t_parse, "unit": "s",
         "target": "reference"},
        {"name": f"{k} rows built for the table", "value": t_rows, "unit": "s", "target": ""},
        {"name": f"{k} rows: table first paint (120x40)", "value": paint, "unit": "s", "target": ""},
        {"name": f"{k} rows: filter/sort index built after paint (worker)", "value": t_warm, "unit": "s",
         "target": "off the UI thread"},
        {"name": f"{k}: dump to listed table (json+rows+paint)", "value": t_json + t_rows + paint, "unit": "s",
         "target": "about 1 s"},
        {"name": f"{k}: filter keystroke, worst of 'purdue held'", "value": max(keystrokes) * 1000, "unit": "ms",
         "target": "< 50 ms"},
        {"name": f"{k}: filter keystroke, median", "value": statistics.median(keystrokes) * 1000, "unit": "ms",
         "target": "< 50 ms"},
        {"name": f"{k}: group held by hold reason", "value": t_group * 1000, "unit": "ms", "target": "< 100 ms"},
        {"name": f"{k}: group all by hold reason", "value": t_group_all * 1000, "unit": "ms", "target": "< 100 ms"},
        {"name": f"{k}: sort by efficiency", "value": t_sort * 1000, "unit": "ms", "target": ""},
        {"name": f"{k}: memory of rows (tracemalloc, scaled from a tenth)", "value": mem / 2**20, "unit": "MB",
         "target": "< 300 MB"},
    ]


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(row)
