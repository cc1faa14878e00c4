"""The outage timeline: each slice shows the worst state in force; planned maintenance shows ahead."""

from __future__ import annotations

import time

from opgtui.core.model import ServiceState, Window
from opgtui.widgets.timeline import bucket_states, row_strip

H = 3600.0


def st(state: str, since: float, source: str = "am") -> ServiceState:
    return ServiceState("samweb", state, since, source)  # type: ignore[arg-type]


def test_outage_inside_the_period() -> None:
    # 10 slices of one hour over [0, 10h]; down from 2h to 4h30.
    cells = bucket_states([st("up", -5 * H), st("down", 2 * H), st("up", 4.5 * H)], [], 0, 10 * H, 20 * H, 10)
    assert cells == ["up", "up", "down", "down", "down", "up", "up", "up", "up", "up"]


def test_no_data_before_the_first_transition_and_future_after_now() -> None:
    cells = bucket_states([st("up", 3 * H)], [], 0, 10 * H, 6.5 * H, 10)
    assert cells[:3] == ["none", "none", "none"]
    assert cells[3:7] == ["up"] * 4
    assert cells[7:] == ["future"] * 3


def test_worst_source_wins_and_maintenance_ahead_is_marked() -> None:
    trans = [st("up", 0, "prom"), st("degraded", 1 * H, "am"), st("up", 2 * H, "am")]
    windows = [Window("samweb", "maintenance", 8 * H, 9 * H, "am")]
    cells = bucket_states(trans, windows, 0, 10 * H, 5.5 * H, 10)
    assert cells[1] == "degraded" and cells[2] == "degraded" and cells[3] == "up"
    assert cells[6] == "future" and cells[8] == "ahead"


def test_open_outage_window_is_down_until_now() -> None:
    cells = bucket_states([st("up", 0)], [Window("samweb", "outage", 7 * H, None, "am")], 0, 10 * H, 8.5 * H, 10)
    assert cells[7] == "down" and cells[8] == "down" and cells[9] == "future"


def test_row_renders_runs_with_distinct_glyphs() -> None:
    strip = row_strip("samweb", ["up", "up", "down", "maintenance", "ahead"])
    assert strip.text.endswith("━━█▒░")
    assert strip.text.startswith("samweb ")


def test_fifty_services_ten_thousand_transitions_is_fast() -> None:
    trans = [ServiceState(f"s{i % 50}", "down" if i % 2 else "up", float(i * 60), "am") for i in range(10_000)]
    by: dict[str, list[ServiceState]] = {}
    for t in trans:
        by.setdefault(t.service, []).append(t)
    started = time.perf_counter()
    for svc in by.values():
        bucket_states(svc, [], 0, 7 * 86400, 7 * 86400, 200)
    assert time.perf_counter() - started < 0.5  # the bench target is 100 ms; this guards gross regressions
