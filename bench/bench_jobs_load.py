"""Loading recorded job dumps at scale: SYNTHETIC full job ads (bench/synth_ads.py, ~4.9 KB each).

Rows: ``-json`` and ``-long`` load + normalise (raw ads kept, and not), against ``classad2.parseAds`` alone on
the same ``-long`` file; the line parser alone; normalisation alone; memory of the Job list.

    python bench/bench_jobs_load.py [--quick]
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import classad2
import orjson
from synth_ads import iter_synth_ads, write

from opgtui.sources import dumps
from opgtui.sources.dumps import load_files
from opgtui.sources.jobrecord import job_from_ad


def timed(fn: Callable[[], Any], *, no_gc: bool = False) -> tuple[Any, float]:
    gc.collect()
    if no_gc:
        gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        return out, time.perf_counter() - t0
    finally:
        gc.enable()


def line_parser_only(path: Path) -> int:
    """Every ad of a -long file through the line parser (the path for damaged ads), all attributes."""
    n = 0
    names: dict[str, str] = {}
    for lineno, chunk in dumps._chunks(path, None):
        for _ in dumps._parse_lines(path, chunk.split("\n"), lineno, None, names, None):
            n += 1
    return n


def parse_ads_alone(path: Path, limit: int) -> int:
    """classad2.parseAds over the first ``limit`` ads of the file (it slows down with the input's size)."""
    text = path.read_text()
    start = text.index("\n\n") + 2  # after the SYNTHETIC header comment
    end = start
    for _ in range(limit):
        end = text.find("\n\n", end) + 2
        if end == 1:
            end = len(text)
            break
    return sum(1 for _ in classad2.parseAds(text[start:end], classad2.ParserType.Old))


def orjson_alone(path: Path) -> float:
    data = path.read_bytes()
    return timed(lambda: orjson.loads(data), no_gc=True)[1]


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = 10_000 if quick else 100_000
    k = f"{n // 1000}k"
    rows: list[dict[str, Any]] = []

    def row(name: str, value: float, unit: str, target: str = "") -> None:
        rows.append({"name": f"{k} full ads: {name}", "value": value, "unit": unit, "target": target})

    with tempfile.TemporaryDirectory(prefix="opgtui-bench-") as tmp:
        long, js, compact = Path(tmp) / "q.long", Path(tmp) / "q.json", Path(tmp) / "compact.json"
        _, t_gen = timed(lambda: write(iter_synth_ads(n, 1, compact=False), long, js))
        write(iter_synth_ads(n, 1, compact=True), None, compact)
        row("generate -long and -json (synthetic)", t_gen, "s")
        row("-long file size", long.stat().st_size / 2**20, "MB")

        row("-json orjson.loads alone, file already read (reference)", orjson_alone(js), "s")
        res, t = timed(lambda: load_files([js]))
        assert len(res.jobs) == n and not res.errors
        row("-json load + normalise, raw ads kept", t, "s", "DESIGN: json.loads alone ~28k full ads/s")
        row("-json rate", n / t, "ads/s")
        del res
        _, t = timed(lambda: load_files([js], keep_ads=False))
        row("-json load + normalise, no raw ads", t, "s")
        res, t = timed(lambda: load_files([compact]))
        assert len(res.jobs) == n
        rows.append(
            {
                "name": f"{k} projected ads (~70 attrs): -json load + normalise",
                "value": t,
                "unit": "s",
                "target": "what a live query returns",
            }
        )
        del res

        res, t_long = timed(lambda: load_files([long]))
        assert len(res.jobs) == n and not res.errors
        row("-long load + normalise, raw ads kept (classad2.parseNext per ad)", t_long, "s", "one-time import")
        row("-long rate", n / t_long, "ads/s")
        del res
        _, t = timed(lambda: load_files([long], keep_ads=False))
        row("-long load + normalise, no raw ads (line parser, projected attributes)", t, "s")
        count, t = timed(lambda: line_parser_only(long))
        assert count == n
        row("-long line parser alone, all attributes", t, "s")
        sample = min(n, 10_000)  # parseAds slows down with the input's size: 10k ads already take ~10 s
        count, t_parse = timed(lambda: parse_ads_alone(long, sample))
        assert count == sample
        t_parse *= n / sample
        scaled = "" if sample == n else f", first {sample // 1000}k ads timed x{n // sample} (a lower bound)"
        row(f"-long classad2.parseAds alone (reference{scaled})", t_parse, "s", "DESIGN: ~3,000 full ads/s")
        row("-long load + normalise vs parseAds alone", t_long / t_parse, "x", "< 1 is faster")

        t, size = normalise_and_memory(list(load_files([js]).ads.values()), str(js))
        row("normalise alone (job_from_ad)", t / n * 1e6, "us/ad")
        row("memory of the Job list (tracemalloc)", size / 2**20, "MB", "< 100 MB per 100k")
        row("memory per Job", size / n, "bytes")
    return rows


def normalise_and_memory(ads: list[dict[str, Any]], source: str) -> tuple[float, int]:
    """Seconds to normalise the ads, and bytes the resulting Job list holds (tracemalloc)."""
    jobs, t = timed(lambda: [job_from_ad(ad) for ad in ads], no_gc=True)  # as inside load_files
    del jobs
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    jobs = [job_from_ad(ad, source=source) for ad in ads]
    size = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del jobs
    return t, size


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(f"{r['name']:78} {r['value']:12.3f} {r['unit']:6} {r['target']}")
