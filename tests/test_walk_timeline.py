"""The outage timeline says what the board says: a degraded outage is drawn degraded, not down, and a past
with no data is drawn with the legend's unknown glyph, not left blank."""

from __future__ import annotations

from typing import Any

from opgtui.core.model import ServiceState, Window
from opgtui.widgets.timeline import GLYPH, bucket_states, legend_text, row_strip

H = 3600.0


def test_a_degraded_outage_is_drawn_degraded_and_a_critical_one_down() -> None:
    up = [ServiceState("dcache", "up", 0, "am")]
    for severity, state in (("warning", "degraded"), ("minor", "degraded"), ("critical", "down"), ("", "down")):
        window = Window("dcache", "outage", 4 * H, 6 * H, "am", severity)
        cells = bucket_states(up, [window], 0, 10 * H, 10 * H, 10)
        assert cells[4:6] == [state, state] and cells[:4] == ["up"] * 4, severity
    line = row_strip(
        "dcache", bucket_states(up, [Window("dcache", "outage", 4 * H, 6 * H, "am", "warning")], 0, 10 * H, 10 * H, 10)
    ).text
    assert GLYPH["degraded"] * 2 in line and GLYPH["down"] not in line


def test_no_data_is_drawn_as_the_legends_unknown() -> None:
    cells = bucket_states([ServiceState("xrootd", "up", 8 * H, "probe")], [], 0, 10 * H, 10 * H, 10)
    assert cells[:8] == ["none"] * 8
    line = row_strip("xrootd", cells, 14).text
    assert line[14:22] == "·" * 8 and line[22:] == GLYPH["up"] * 2
    assert "· unknown" in legend_text().plain


async def test_at_80x24_every_timeline_row_and_the_submit_reason_show(tmp_path_factory: Any) -> None:
    from textual.widgets import Static

    from opgtui.app import OpgApp
    from opgtui.demo.build import build_demo
    from opgtui.widgets.timeline import OutageTimeline

    cfg, store = build_demo(tmp_path_factory.mktemp("demo"))
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        timeline = app.screen.query_one(OutageTimeline)
        assert len(timeline.services) == 8 and timeline.max_scroll_y == 0  # no row hidden below a scrollbar
        submit = app.screen.query_one("#submit", Static)
        first = submit.render().plain.splitlines()[0]  # type: ignore[attr-defined]
        assert first.startswith(" NO until ") and "dcache DEGRADED since " in first[:60]
