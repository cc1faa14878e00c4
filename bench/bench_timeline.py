"""Outage timeline: 7 days of 50 services with 10,000 transitions, bucketed and drawn for a 200-column row."""

from __future__ import annotations

import random
import statistics
import time

from opgtui.core.model import ServiceState, Window
from opgtui.widgets.timeline import bucket_states, row_strip

WEEK = 7 * 86400


def make(n_services: int, n_transitions: int, now: float) -> tuple[dict[str, list[ServiceState]], list[Window]]:
    rng = random.Random(7)
    by: dict[str, list[ServiceState]] = {}
    times = sorted(rng.uniform(now - WEEK, now) for _ in range(n_transitions))
    for i, t in enumerate(times):
        svc = f"service-{i % n_services:02d}"
        state = rng.choice(["up", "up", "up", "degraded", "down", "maintenance"])
        by.setdefault(svc, []).append(ServiceState(svc, state, t, rng.choice(["am", "prom"])))  # type: ignore[arg-type]
    windows = [
        Window(f"service-{i:02d}", "maintenance", now + 3600 * i, now + 3600 * i + 7200, "osg")
        for i in range(n_services)
    ]
    return by, windows


def run(quick: bool = False) -> list[dict]:
    now = time.time()
    by, windows = make(50, 10_000, now)
    w_by: dict[str, list[Window]] = {}
    for w in windows:
        w_by.setdefault(w.service, []).append(w)
    samples = []
    for _ in range(3 if quick else 10):
        t0 = time.perf_counter()
        for svc, trans in by.items():
            row_strip(svc, bucket_states(trans, w_by.get(svc, []), now - WEEK, now + WEEK / 8, now, 200))
        samples.append(time.perf_counter() - t0)
    return [
        {
            "name": "timeline 7 d, 50 services, 10,000 transitions, 200 cols",
            "value": statistics.median(samples) * 1000,
            "unit": "ms",
            "target": "< 100 ms",
        }
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
