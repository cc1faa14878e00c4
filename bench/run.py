"""Run the benchmarks in bench/ and print the results as a table and as JSON.

    python bench/run.py [--quick] [--only NAME ...] [--json FILE]

Each ``bench/bench_*.py`` module exposes ``run(quick: bool = False) -> list[dict]`` with rows
``{"name", "value", "unit", "target"}`` (and optionally ``"limit"``: the number the value must stay under, in
its unit). Every row is printed with its target, the measured value (a median where the row repeats its runs,
the fastest beside it as ``min``) and MISSED when it misses: the limit, or a target that reads ``< N unit`` /
``<= N`` / ``>= N`` in the row's unit. The exit status is 1 when a module FAILED or a row MISSED, else 0.
Numbers come from this machine (its load average is printed: other work on it slows every row); compare like with
like.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
_TARGET = re.compile(r"^\s*(<=|>=|<|>|~)?\s*([0-9][0-9.,]*)\s*([A-Za-z/%]+)?")
_SCALE = {("ms", "s"): 1000.0, ("s", "ms"): 0.001, ("MB", "GB"): 1024.0}


def verdict(row: dict) -> str:
    """MISSED when the row misses its limit or its numeric target, ok when it meets it, '' when it has none."""
    value = row.get("value")
    target = str(row.get("target", ""))
    if "MISSED" in target:
        return "MISSED"
    if not isinstance(value, (int, float)) or value != value:
        return ""
    if row.get("limit") is not None:
        return "MISSED" if value > row["limit"] else "ok"
    m = _TARGET.match(target)
    if not m or m.group(1) in (None, "~"):
        return ""
    limit = float(m.group(2).replace(",", ""))
    unit = m.group(3) or row.get("unit", "")
    if unit != row.get("unit"):
        scale = _SCALE.get((row.get("unit", ""), unit))
        if scale is None:
            return ""
        limit *= scale
    op = m.group(1)
    ok = {"<": value < limit, "<=": value <= limit, ">": value > limit, ">=": value >= limit}[op]
    return "ok" if ok else "MISSED"


def load(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def machine_speed() -> float:
    """Seconds for a fixed pure-Python workload (2M additions; best of 3): the machine's speed beside its load.

    These machines are not alike from one boot to the next (the same checkout measured twice as slow on another
    day), so a row compares across days only after it is scaled by this anchor."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, time.perf_counter() - t0)
    return best


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller inputs, for a quick look")
    ap.add_argument("--only", nargs="*", default=None, help="bench module names (e.g. startup joblist)")
    ap.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    rows: list[dict] = []
    failed = 0
    speed_before = machine_speed()
    for path in sorted(HERE.glob("bench_*.py")):
        short = path.stem.removeprefix("bench_")
        if args.only and short not in args.only:
            continue
        started = time.perf_counter()
        try:
            for row in load(path).run(quick=args.quick):
                rows.append({"bench": short, **row})
        except Exception:
            failed += 1
            rows.append(
                {
                    "bench": short,
                    "name": "FAILED",
                    "value": float("nan"),
                    "unit": "",
                    "target": traceback.format_exc(limit=2).strip().splitlines()[-1],
                }
            )
        print(f"[{short}: {time.perf_counter() - started:.1f}s]", file=sys.stderr)
    speed = (speed_before, machine_speed())
    width = max((len(r["name"]) for r in rows), default=10)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores ({cpu_model()})")
    print(f"machine speed: 2M pure-Python additions in {speed[0] * 1000:.0f} ms before, {speed[1] * 1000:.0f} ms after")
    print(f"{'bench':10} {'measure':{width}} {'value':>12} {'min':>10} {'unit':8} {'':6} target")
    headline = [r for r in rows if r.get("headline")]  # an issue's own end-to-end target, repeated first
    for r in [*headline, *({"bench": "", "name": "-" * width, "value": "", "unit": ""},)[: len(headline)], *rows]:
        value = r["value"]
        shown = f"{value:12.3f}" if isinstance(value, float) else f"{value!s:>12}"
        least = r.get("min")  # the fastest of a row's repeated runs, where it has them (value: their median)
        low = f"{least:10.3f}" if isinstance(least, (int, float)) else f"{'':10}"
        r["status"] = verdict(r) if r["unit"] else ""
        print(f"{r['bench']:10} {r['name']:{width}} {shown} {low} {r['unit']:8} {r['status']:6} {r.get('target', '')}")
    doc = {
        "machine": platform.platform(),
        "cpu": cpu_model(),
        "machine_speed_s": [round(v, 4) for v in speed],
        "python": platform.python_version(),
        "quick": args.quick,
        "rows": rows,
    }
    print(json.dumps(doc, default=str))
    if args.json:
        args.json.write_text(json.dumps(doc, indent=2, default=str))
    missed = [r for r in rows if r.get("status") == "MISSED"]
    if missed:
        print(f"{len(missed)} rows MISSED their target:", file=sys.stderr)
        for r in missed:
            print(
                f"  MISSED  {r['bench']}: {r['name']} = {r['value']} {r['unit']} (target {r.get('target', '')})",
                file=sys.stderr,
            )
    return 1 if failed or missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
