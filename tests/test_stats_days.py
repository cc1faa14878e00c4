"""Stats view (5) on the demo at a fixed now, 80x24, with and without NO_COLOR: every daily strip over the same
days, one cell per day of the period ('·' for a day with none), in one column, the dates under the last row, so
the bad day can be read and the rows compared (review finding 15); the CPU-model table keeps goodput on screen."""

from __future__ import annotations

import time
from typing import Any

import pytest

from opgtui.app import OpgApp
from opgtui.demo.build import build_demo
from opgtui.screens.stats import StatsScreen, axis

NOW = 1_796_000_000.0 + 6 * 3600  # 2026-11-30 06:53:20 UTC: the demo is replayed around it
SPARKS = set("·▁▂▃▄▅▆▇█")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo, built around NOW (the shared fixture's is built around the wall clock)."""
    return build_demo(tmp_path_factory.mktemp("demo"), NOW)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: NOW)


async def stats_lines(demo: Any, keys: tuple[str, ...] = ()) -> tuple[StatsScreen, list[str], list[str], int]:
    """The Stats view after ``keys``: the screen's lines at the top, then scrolled to the end, and how far the
    view scrolls right."""
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("5", *keys):
            await pilot.press(key)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        top = [strip.text for strip in screen._compositor.render_strips()]
        body = screen.query_one("#stats-body")
        body.scroll_end(animate=False)
        await pilot.pause()
        return screen, top, [strip.text for strip in screen._compositor.render_strips()], body.max_scroll_x


def plot(lines: list[str], title: str) -> tuple[list[str], str]:
    """The rows of the daily plot under ``title`` and its axis line."""
    at = next(i for i, line in enumerate(lines) if line.startswith(f" {title}"))
    end = next(i for i in range(at + 1, len(lines)) if lines[i].startswith(" UTC day"))
    return lines[at + 1 : end], lines[end]


@pytest.mark.parametrize(("keys", "days"), [((), 8), (("p",), 31)])
@pytest.mark.parametrize("no_color", [False, True])
async def test_every_strip_is_drawn_over_the_same_days_with_dates_under_it(
    demo: Any, frozen: None, monkeypatch: pytest.MonkeyPatch, keys: tuple[str, ...], days: int, no_color: bool
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    screen, top, lines, _ = await stats_lines(demo, keys)
    data = screen.data
    assert data is not None and len(data.dates) == days
    rows, axis_line = plot(lines, "Failures by verdict")
    wasted, wasted_axis = plot(top + lines, "Wasted core-hours")
    assert [r.split()[0] for r in rows] == ["service", "code", "unknown", "dq-failed"]
    start = 14  # the padding, a 12-character label and a space
    strips = [r[start:].split("  ")[0] for r in rows + wasted]
    width = len(strips[0])
    assert width % days == 0 and {len(s) for s in strips} == {width}, strips  # one column, the same days
    cell = width // days
    assert all(set(s) <= SPARKS and all(len(set(s[i : i + cell])) == 1 for i in range(0, width, cell)) for s in strips)
    for line in (axis_line, wasted_axis):  # the first, the middle and the last day under their cells
        first, middle, last = (data.dates[i][5:] for i in (0, days // 2, -1))
        assert line[start : start + 5] == first and line.rstrip().endswith(last) and len(line.rstrip()) == start + width
        assert line[start + days // 2 * cell : start + days // 2 * cell + 5] == middle, line
    worst = max(data.dates, key=lambda d: data.wasted[""].get(d, 0.0))  # which day went bad: its cell is the peak
    assert wasted[0][start + data.dates.index(worst) * cell] == "█"
    empty = [d for d in data.dates if not data.failures["service"].get(d)]
    assert all(rows[0][start + data.dates.index(d) * cell] == "·" for d in empty)
    assert all(len(line.rstrip()) <= 80 for line in top + lines)


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_cpu_model_table_keeps_goodput_on_an_80_column_screen(
    demo: Any, frozen: None, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    screen, top, _, scroll_x = await stats_lines(demo, ("b",))
    assert screen.data is not None and screen.data.by == "cpu"
    header = next(line for line in top if line.startswith(" CPU model"))
    assert header.split()[-1] == "goodput-h"
    assert any(line.startswith(" Intel Xeon E5-2650 v2 ") for line in top)  # the model told apart from E5-2680
    total = next(line for line in top if line.startswith(" all "))
    assert total.split()[-1] == f"{screen.data.total.goodput / 3600:,.0f}"
    assert "CPU eff" in top[3] or "CPU eff" in top[4]  # the status lines, whole
    assert scroll_x == 0  # nothing to scroll to


def test_the_axis_names_the_first_middle_and_last_day_and_never_overlaps() -> None:
    labels = [f"12-{d:02d}" for d in range(1, 32)]
    line = axis(labels, 1)
    assert line.startswith("12-01") and line.endswith("12-31") and "12-16" in line and len(line) == 31
    assert axis(["11-29", "11-30"], 6) == "11-29  11-30"
    assert axis(["12-07"], 6) == "12-07"


def test_snapshot_stats_7d_80x24(snap_compare: Any, demo: Any, frozen: None) -> None:
    cfg, store = demo

    async def settle(pilot: Any) -> None:
        await pilot.press("5")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.screen.query_one("#stats-body").scroll_end(animate=False)
        await pilot.pause()

    assert snap_compare(OpgApp(cfg, store, demo=True, refresh_loop=False), terminal_size=(80, 24), run_before=settle)
