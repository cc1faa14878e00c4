"""Status feeds: 20 feeds polled concurrently against a local server that answers after 200 ms, and the
parse time of each recorded feed payload (tests/data/feeds, copies of the real fixtures).

    python bench/bench_feeds.py [--quick]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "feeds"
DELAY = 0.2


def _identity(name: str) -> str:
    return name


def bench_poll(rounds: int) -> list[dict]:
    sys.path.insert(0, str(ROOT / "tests"))
    import httpx
    from feedserver import FeedServer

    from opgtui.config import FeedConfig
    from opgtui.sources.feeds.poll import poll_all

    kinds = [
        ("prometheus", "prom242_query_up.json", "/api/v1/query"),
        ("statuspage", "statuspage_htx_summary.json", "/api/v2/summary.json"),
        ("gocdb", "gocdb_get_downtime_example.xml", ""),
    ]
    with FeedServer(delay=DELAY) as srv:
        feeds = []
        for i in range(20):
            if i % 5 == 4:  # alertmanager: two requests per feed, in parallel too
                srv.add(f"/f{i}/api/v2/alerts", DATA / "am025_alerts.json")
                srv.add(f"/f{i}/api/v2/silences", DATA / "am025_silences.json")
                feeds.append(FeedConfig(f"f{i}", "alertmanager", srv.url(f"/f{i}")))
                continue
            kind, name, path = kinds[i % 3]
            srv.add(f"/f{i}{path}", DATA / name)
            feeds.append(FeedConfig(f"f{i}", kind, srv.url(f"/f{i}")))

        async def once(client: httpx.AsyncClient | None) -> float:
            t0 = time.perf_counter()
            results = await poll_all(feeds, client=client, service_for=_identity, now=time.time())
            wall = time.perf_counter() - t0
            bad = [r.error for r in results if not r.ok]
            if bad:
                raise RuntimeError(f"{len(bad)} feeds failed: {bad[0]}")
            return wall

        async def main() -> tuple[float, float]:
            cold = await once(None)  # a new client: connections opened for this poll
            async with httpx.AsyncClient(trust_env=False, follow_redirects=True) as client:
                await once(client)
                warm = [await once(client) for _ in range(rounds)]
            return cold, statistics.median(warm)

        cold, warm = asyncio.run(main())
    target = f"< {2 * DELAY:g} s (≈ {DELAY:g} s: one round trip)"
    return [
        {"name": "poll 20 feeds, new client (200 ms server)", "value": round(cold, 3), "unit": "s", "target": target},
        {
            "name": "poll 20 feeds, shared client (200 ms server)",
            "value": round(warm, 3),
            "unit": "s",
            "target": target,
        },
    ]


def bench_parse(repeat: int) -> list[dict]:
    from opgtui.config import FeedConfig
    from opgtui.sources.feeds import get_kind

    cases = [
        ("statuspage", ["statuspage_htx_summary.json"]),
        ("alertmanager", ["am025_alerts.json", "am025_silences.json"]),
        ("prometheus", ["prom242_query_up.json"]),
        ("osg_downtime", ["osg_GPGRID_downtime.yaml"]),
        ("osg_downtime", ["osg_USCMS-FNAL-WC1_downtime.yaml"]),
        ("osg_downtime", ["osg_rgdowntime_DERIVED.xml"]),
        ("gocdb", ["gocdb_get_downtime_example.xml"]),
    ]
    rows = []
    for kind_name, files in cases:
        kind = get_kind(kind_name)
        feed = FeedConfig("bench", kind_name, "http://bench")
        payloads = [(DATA / f).read_bytes() for f in files]
        size = sum(len(p) for p in payloads)
        now = time.time()
        kind.parse(payloads, feed, now, _identity)  # once: the imports it makes on first use
        times, cpu = [], []
        for _ in range(repeat):
            c0, t0 = time.thread_time(), time.perf_counter()
            kind.parse(payloads, feed, now, _identity)
            times.append(time.perf_counter() - t0)
            cpu.append(time.thread_time() - c0)
        note = f"min {min(times) * 1000:.3f}, CPU {statistics.median(cpu) * 1000:.3f} ms, load {os.getloadavg()[0]:.1f}"
        rows.append(
            {
                "name": f"parse {files[0]} ({size / 1024:.1f} KB): median of {repeat}",
                "value": round(statistics.median(times) * 1000, 3),
                "unit": "ms",
                "target": f"< 20 ms ({note})",
            }
        )
    return rows


def run(quick: bool = False) -> list[dict]:
    return bench_poll(rounds=2 if quick else 5) + bench_parse(repeat=20 if quick else 200)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']:55} {row['value']:10.3f} {row['unit']:3} {row['target']}")
