"""Classify 20,000 synthetic job-log tails of 16 KiB with all packs; compare with ``grep -E -f`` on the same bytes.

Tails are realistic: art/messagefacility progress lines, ifdh and wrapper chatter, and in a third of them an
error block taken from the signature examples near the end. Run standalone: ``python bench/bench_classify.py``.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import re2

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import PackSet, load_packs

TAIL_BYTES = 16 * 1024
_NOISE = (
    "Begin processing the {n}th record. run: {run} subRun: {sub} event: {ev} at 05-Jun-2024 23:{mm:02d}:{ss:02d} CDT",
    "%MSG-i MF_INIT_OK:  Early 05-Jun-2024 23:{mm:02d}:{ss:02d} CDT JobSetup",
    "%MSG-w TrackFitter:  fitter:pandoraTrack@ 05-Jun-2024 23:{mm:02d}:{ss:02d} CDT  run: {run} event: {ev}",
    "Fit failed for track {n}: too few hits ({sub}) in view {mm}",
    "%MSG",
    "TimeTracker printout (sec)  Min  Avg  Max  Median  RMS  nEvts",
    "TrigReport Events total = {n} passed = {n} failed = 0",
    "ifdh cp /pnfs/nova/scratch/users/novapro/tmp/f{ev}.root /srv/in_{n}.root",
    "Wed Jun  5 23:{mm:02d}:{ss:02d} 2024",
    "+ echo 'stage {sub} done at 23:{mm:02d}:{ss:02d}'",
    "htgettoken: token found in /srv/condor/execute/dir_{run}/.condor_creds/novapro.use",
    'Opened input file "root://fndca1.fnal.gov:1094/pnfs/fnal.gov/usr/nova/data/f{ev}.root"',
    "MemReport  VmPeak = {run}.{sub} MB  VmHWM = {ev}.{mm} MB",
    "   [ {mm}  {ss} ] module {n} took {sub}.{ev} ms",
)


def make_tails(count: int, examples: list[str], seed: int = 7) -> list[list[str]]:
    """``count`` tails of ~16 KiB each; one in three ends with a few error lines."""
    rng = random.Random(seed)
    tails = []
    for _ in range(count):
        lines: list[str] = []
        size = 0
        while size < TAIL_BYTES:
            line = rng.choice(_NOISE).format(
                n=rng.randrange(1, 5000),
                run=rng.randrange(10000, 60000),
                sub=rng.randrange(1, 99),
                ev=rng.randrange(1, 10**6),
                mm=rng.randrange(60),
                ss=rng.randrange(60),
            )
            lines.append(line)
            size += len(line) + 1
        if rng.random() < 1 / 3:
            for i in range(rng.randrange(1, 4)):
                lines[-1 - i * 3] = rng.choice(examples)
        tails.append(lines)
    return tails


def make_dense(count: int, examples: list[str], share: float = 0.34, kinds: int = 0, seed: int = 11) -> list[list[str]]:
    """``count`` error-dense tails of ~16 KiB: ``share`` of the lines are signature examples (all of them, or
    ``kinds`` of them: one error repeated, as a real dense log is), the rest progress noise."""
    rng = random.Random(seed)
    pool = rng.sample(examples, kinds) if kinds else examples
    tails = []
    for _ in range(count):
        lines: list[str] = []
        size = 0
        while size < TAIL_BYTES:
            line = (
                rng.choice(pool)
                if rng.random() < share
                else rng.choice(_NOISE).format(
                    n=rng.randrange(1, 5000),
                    run=rng.randrange(10000, 60000),
                    sub=rng.randrange(1, 99),
                    ev=rng.randrange(1, 10**6),
                    mm=rng.randrange(60),
                    ss=rng.randrange(60),
                )
            )
            lines.append(line)
            size += len(line) + 1
        tails.append(lines)
    return tails


def _dense_rows(packs: PackSet, examples: list[str], count: int) -> list[dict]:
    """Scan throughput on error-dense text (34% of lines match) next to the old prefilter alone: one RE2 search
    for the combined pattern per matching line, which is what the scanner used to run first."""
    opts = re2.Options()
    opts.max_mem, opts.never_capture, opts.log_errors = 256 << 20, True, False
    combined = re2.compile("(?m)" + "|".join(f"(?:{s.pattern})" for s in packs.signatures), opts)
    rows = []
    for kinds, label in ((0, "any signature"), (4, "4 kinds of error")):
        tails = make_dense(count, examples, kinds=kinds)
        mb = sum(len(line) + 1 for t in tails for line in t) / 1e6
        for t in tails[: count // 4]:
            packs.scan(t)  # RE2 builds its DFA states lazily: time a warm process, as the dashboard is
        t0 = time.perf_counter()
        for t in tails:
            packs.scan(t)
        scan_s = time.perf_counter() - t0
        texts = ["\n".join(t).encode() for t in tails]
        t0 = time.perf_counter()
        for text in texts:
            pos = 0
            while (m := combined.search(text, pos)) is not None and (end := text.find(b"\n", m.start())) >= 0:
                pos = end + 1
        search_s = time.perf_counter() - t0
        rows.append(
            {
                "name": f"scan error-dense tails (34% of lines match, {label})",
                "value": round(mb / scan_s, 1),
                "unit": "MB/s",
                "target": ">= the combined search below",
            }
        )
        rows.append(
            {
                "name": f"  combined-pattern search alone, same text ({label})",
                "value": round(mb / search_s, 1),
                "unit": "MB/s",
                "target": "reference",
            }
        )
    return rows


def _ere(pattern: str) -> tuple[str, bool]:
    """A best-effort translation of an RE2 pattern to POSIX ERE (GNU extensions \\s \\w \\b allowed), and
    whether it was case-insensitive (``(?i)``: grep then runs it with ``-i``)."""
    nocase = pattern.startswith("(?i)") or "(?i:" in pattern
    p = pattern.replace("(?:", "(").replace("(?i)", "").replace("(?i:", "(").replace("\\d", "[0-9]")
    return re.sub(r"\(\?P<\w+>", "(", p), nocase


def _grep_accepts(pattern: str, nocase: bool) -> bool:
    args = ["grep", "-E", *(["-i"] if nocase else []), "-e", pattern, "/dev/null"]
    return subprocess.run(args, capture_output=True).returncode in (0, 1)


def _grep_row(tails: list[list[str]], patterns: list[str]) -> dict | None:
    """``grep -E -f`` with the same patterns on the same bytes: the case-sensitive ones in one run, the
    ``(?i)`` ones in a second run with ``-i`` (grep has no per-pattern flag); the throughput is over both."""
    if shutil.which("grep") is None:
        return None
    translated = [_ere(p) for p in patterns]
    exact = [p for p, nocase in translated if not nocase and _grep_accepts(p, False)]
    folded = [p for p, nocase in translated if nocase and _grep_accepts(p, True)]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "tails.log"
        data.write_text("\n".join("\n".join(t) for t in tails) + "\n")
        env = {**os.environ, "LC_ALL": "C"}
        took = 0.0
        for flags, pats in (([], exact), (["-i"], folded)):
            if not pats:
                continue
            pfile = work / f"patterns{len(flags)}.txt"
            pfile.write_text("\n".join(pats) + "\n")
            t0 = time.perf_counter()
            subprocess.run(["grep", "-E", *flags, "-c", "-f", str(pfile), str(data)], capture_output=True, env=env)
            took += time.perf_counter() - t0
        mb = data.stat().st_size / 1e6
    name = f"grep -E -f (+ -i for the (?i) ones), {len(exact) + len(folded)}/{len(patterns)} patterns, LC_ALL=C"
    return {"name": name, "value": round(mb / took, 1), "unit": "MB/s", "target": "reference"}


def run(quick: bool = False) -> list[dict]:
    """Rows ``{name, value, unit, target}``: scan and diagnose throughput, and grep for comparison."""
    t0 = time.perf_counter()
    packs = load_packs(plugins=False)
    load_s = time.perf_counter() - t0
    examples = [c.example for c in packs.compiled if c.signature.priority > 0]
    count = 2000 if quick else 20000
    tails = make_tails(count, examples)
    mb = sum(len(line) + 1 for t in tails for line in t) / 1e6

    c0, t0 = time.thread_time(), time.perf_counter()
    found = sum(len(packs.scan(t)) for t in tails)
    scan_s, scan_cpu = time.perf_counter() - t0, time.thread_time() - c0
    t0 = time.perf_counter()
    verdicts = [diagnose(t, packs) for t in tails]
    diag_s = time.perf_counter() - t0
    failing = sum(v.category != "unknown" for v in verdicts)

    rows = [
        {
            "name": f"load + compile {len(packs.signatures)} signatures",
            "value": round(load_s * 1000, 1),
            "unit": "ms",
            "target": "< 200 ms",
        },
        {
            "name": f"scan {count} tails x 16 KiB ({mb:.0f} MB, {found} findings)",
            "value": round(mb / scan_s, 1),
            "unit": "MB/s",
            # CPU time: what the load on the machine does not change
            "target": f">= 30 MB/s ({mb / scan_cpu:.1f} MB/s of CPU time, load {os.getloadavg()[0]:.1f})",
        },
        {
            "name": f"diagnose {count} tails ({failing} with a category)",
            "value": float(round(count / diag_s)),
            "unit": "tails/s",
            "target": ">= 2000 tails/s",
        },
        {
            "name": "diagnose (scan, read codes and blocks, decide) throughput",
            "value": round(mb / diag_s, 1),
            "unit": "MB/s",
            "target": ">= grep -E -f below",
        },
    ]
    slow = PackSet(packs.compiled)
    slow._prefilter = None  # what the prefilter saves: the set asked about every line
    sample = tails[: max(count // 10, 200)]
    t0 = time.perf_counter()
    for t in sample:
        slow.scan(t)
    slow_mb = sum(len(line) + 1 for t in sample for line in t) / 1e6
    rows.append(
        {
            "name": "scan without the combined prefilter (re2.Set on every line)",
            "value": round(slow_mb / (time.perf_counter() - t0), 1),
            "unit": "MB/s",
            "target": "reference",
        }
    )
    rows.extend(_dense_rows(packs, examples, max(count // 20, 100)))
    grep = _grep_row(tails, [s.pattern for s in packs.signatures])
    if grep:
        rows.append(grep)
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']:<70} {row['value']:>10} {row['unit']:<8} (target {row['target']})")
