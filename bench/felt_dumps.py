"""Big ``condor_q -json`` dumps for the felt benchmarks, made from the REAL recorded ads in /work/shared/fixtures
(CHTC held job, fifebatch completed jobs, the 2013 OSG ad, the 2022 CHTC held job): each output ad is a copy of
one of them with its ids varied (ClusterId, ProcId, GlobalJobId, JobsubJobId), the slot/host and memory numbers
of its hold reason varied, and its times spread over a day. Nothing else is invented.

    python bench/felt_dumps.py N [--projected] OUT.json
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import classad2

FIXTURES = Path("/work/shared/fixtures/condor")
NOW = 1_765_000_000


def templates() -> list[dict[str, Any]]:
    """The recorded job ads, in ``-json`` layout."""
    ads: list[dict[str, Any]] = []
    for name in ("chtc_held_code34_2022.derived.json", "fifebatch_completed_2017.derived.json"):
        ads += json.loads((FIXTURES / name).read_text())
    for name in ("test.old.ad", "real-2026-12/condor_q_long_held_job_15872426.5189.ad"):
        text = (FIXTURES / name).read_text()
        lines = [ln for ln in text.splitlines() if " = " in ln and not ln.startswith(("--", "#"))]
        ads.append(json.loads(classad2.parseOne("\n".join(lines), classad2.ParserType.Old).printJson()))
    return [a for a in ads if "ClusterId" in a]


def vary(ad: dict[str, Any], n: int, rnd: random.Random, keep: frozenset[str] | None) -> dict[str, Any]:
    out = {k: v for k, v in ad.items() if keep is None or k in keep}
    cluster, proc = 1_000_000 + n // 100, n % 100
    schedd = f"jobsub0{n % 3 + 1}.fnal.gov"
    out["ClusterId"], out["ProcId"] = cluster, proc
    out["GlobalJobId"] = f"{schedd}#{cluster}.{proc}#{NOW - n}"
    if "JobsubJobId" in ad:
        out["JobsubJobId"] = f"{cluster}.{proc}@{schedd}"
    out["EnteredCurrentStatus"] = NOW - rnd.randrange(86400)
    out["QDate"] = out["EnteredCurrentStatus"] - rnd.randrange(3600)
    host = f"e{rnd.randrange(2000)}.chtc.wisc.edu"
    if isinstance(ad.get("HoldReason"), str):
        out["HoldReason"] = (
            ad["HoldReason"].replace("e327.chtc.wisc.edu", host).replace("16384", str(rnd.choice((8192, 16384, 32768))))
        )
    if "LastRemoteHost" in ad:
        out["LastRemoteHost"] = f"slot1_{rnd.randrange(8)}@{host}"
    if "RemoteWallClockTime" in ad:
        out["RemoteWallClockTime"] = float(rnd.randrange(60, 86400))
    return out


def write(n: int, path: Path, *, projected: bool = False, seed: int = 7) -> Path:
    """``n`` ads as one ``-json`` array (one ad per element, as condor_q prints); all attributes, or only the
    ones a Job needs (``projected``: what ``condor_q -af``/a projection asks the schedd for)."""
    from opgtui.sources.jobrecord import ATTRS

    keep = frozenset(ATTRS) if projected else None
    rnd = random.Random(seed)
    base = templates()
    with path.open("w") as fh:
        fh.write("[\n")
        for i in range(n):
            fh.write(json.dumps(vary(base[i % len(base)], i, rnd, keep)))
            fh.write(",\n" if i < n - 1 else "\n")
        fh.write("]\n")
    return path


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    write(int(args[0]), Path(args[1]), projected="--projected" in sys.argv)
