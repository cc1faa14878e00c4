"""Pack load: every bundled signature pack and code table, cold (empty pack cache) and warm, in a new process.

Each run is a fresh interpreter that imports the loader and times ``load_packs()`` alone (plugins scanned too),
with its own ``XDG_CACHE_HOME``: cold runs start from an empty cache dir (the YAML is composed and validated,
then cached), warm runs reuse the cache a cold run wrote. A warm load leaves each pattern and the combined
RE2 sets to compile on first use, so the same process then diagnoses a 2,000-line log (the first scan pays
for them): that row says what a view's first diagnosis costs. Also ``opgtui diagnose --log`` on a small log as
a whole process, warm. Medians of several runs.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_TIMED = (
    "import time; from opgtui.diagnosis.signatures import load_packs; from opgtui.diagnosis.engine import diagnose; "
    "t = time.perf_counter(); p = load_packs(); t1 = time.perf_counter(); "
    "lines = [f'2026-12-06 12:00:00 INFO event {i} processed' for i in range(1999)] + ['std::bad_alloc']; "
    "v = diagnose(lines, p); print(t1 - t, len(p.compiled), time.perf_counter() - t1)"
)
_LOG = "ERROR: [3011] No such file or directory\n"


def _load_once(cache: Path) -> tuple[float, int, float]:
    """(seconds to load, signatures, seconds of the first diagnosis of a 2,000-line log after it)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cache), "XDG_CACHE_HOME": str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", _TIMED], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), int(out[1]), float(out[2])


def _diagnose_once(cache: Path, log: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``opgtui diagnose --log`` as a process: the CPU time says what the load on
    the machine does not change."""
    exe = Path(sys.executable).with_name("opgtui")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cache), "XDG_CACHE_HOME": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(exe), "diagnose", "--log", str(log)], env=env, cwd=ROOT, check=False, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def run(quick: bool = False) -> list[dict]:
    runs = 3 if quick else 7
    work = Path(tempfile.mkdtemp(prefix="bench_pack_load."))
    try:
        cold, count = [], 0
        for i in range(runs):
            seconds, count, _ = _load_once(work / f"cold{i}")
            cold.append(seconds)
        warm_dir = work / "cold0"
        warm_runs = [_load_once(warm_dir) for _ in range(runs)]
        warm = [w[0] for w in warm_runs]
        first = [w[0] + w[2] for w in warm_runs]
        log = work / "job.log"
        log.write_text(_LOG)
        _diagnose_once(warm_dir, log)  # the first run writes the pack snapshot a later start reads
        timed = [_diagnose_once(warm_dir, log) for _ in range(runs)]
        diagnose = [t[0] for t in timed]
        diagnose_cpu = statistics.median(t[1] for t in timed)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ms = 1000.0
    return [
        {
            "name": f"pack load cold ({count} signatures, empty cache): median",
            "value": round(statistics.median(cold) * ms, 1),
            "unit": "ms",
            "target": "~ (composes and validates the YAML)",
        },
        {
            "name": "pack load warm (pack cache hit): median",
            "value": round(statistics.median(warm) * ms, 1),
            "unit": "ms",
            "target": "< 200 ms",
        },
        {
            "name": "pack load warm, then the first diagnosis of a 2,000-line log: median",
            "value": round(statistics.median(first) * ms, 1),
            "unit": "ms",
            "target": "~ (the patterns and RE2 sets compile on this first use)",
        },
        {
            "name": "opgtui diagnose --log, whole process, warm cache: median",
            "value": round(statistics.median(diagnose) * ms, 1),
            "unit": "ms",
            "target": f"< 150 ms (min {min(diagnose) * ms:.0f} ms, CPU {diagnose_cpu * ms:.0f} ms, "
            f"load {os.getloadavg()[0]:.1f})",
        },
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']:<62} {row['value']:>8} {row['unit']}  (target {row['target']})")
