"""Bench: mine templates from 20,000 unknown failures' tails (50 lines each), as `opgtui signatures suggest` does
after the tails are kept: decisive line of each tail, then templates. Tails are the tune corpus's real logs with
their numbers, hosts and paths varied per job. Run: .venv/bin/python bench/bench_learn.py [N]"""

from __future__ import annotations

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
        ".fnal.gov", f".site{rng.randint(1, 40)}.org")


def main(n: int = 20_000) -> None:
    rng = random.Random(7)
    cases, _ = find_cases(TUNE)
    logs = [read_lines(c.path)[-50:] for c in cases]  # real excerpts, padded to 50 lines below
    tails = []
    for i in range(n):
        log = logs[i % len(logs)]
        chatter = [vary(CHATTER[k % len(CHATTER)], rng) for k in range(50 - len(log))]
        tails.append(chatter + [vary(x, rng) for x in log])
    t0 = time.perf_counter()
    lines = [(f"s#{i}.0", decisive_line(t) or "") for i, t in enumerate(tails)]
    t1 = time.perf_counter()
    mined = mine(lines)
    t2 = time.perf_counter()
    total = sum(len(t) for t in tails)
    print(f"{n} tails, {total} lines: decisive lines {t1 - t0:.2f} s, templates {t2 - t1:.2f} s "
          f"({len(mined.templates)} templates, {len(mined.failed)} not mined), total {t2 - t0:.2f} s")



def bench_store(n: int = 20_000) -> None:
    """`opgtui signatures suggest --no-read` on a store holding ``n`` unknown failures with kept tails."""
    import tempfile

    from opgtui.learn.suggest import suggest
    from opgtui.learn.unknown import gather, save_tails
    from opgtui.model import Job, JobStatus, Verdict
    from opgtui.store import open_store

    rng = random.Random(7)
    cases, _ = find_cases(TUNE)
    logs = [read_lines(c.path)[-50:] for c in cases]
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        jobs = [Job(f"s#{i}.0", "s", i, 0, status=int(JobStatus.HELD), status_since=1.7e9 + i,
                    site=f"site{i % 30}") for i in range(n)]
        store.upsert_jobs(jobs)
        store.save_verdicts({j.id: Verdict("unknown", "look at the log", None) for j in jobs}, 1.7e9)
        save_tails(store, {j.id: ([vary(CHATTER[k % len(CHATTER)], rng) for k in range(50 - len(log))]
                                  + [vary(x, rng) for x in log], "", None)
                           for j, log in ((j, logs[i % len(logs)]) for i, j in enumerate(jobs))}, 1.7e9)
        t0 = time.perf_counter()
        result = suggest(gather(None, store, None, 1.8e9, read_logs=False))
        t1 = time.perf_counter()
        store.close()
    print(f"suggest on a store of {n} unknown failures (kept tails): {t1 - t0:.2f} s, {len(result.items)} templates")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
    bench_store(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
