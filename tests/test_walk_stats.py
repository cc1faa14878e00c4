"""Stats view: badput and goodput per row (the key column as wide as its keys), the totals not cut at 80
columns, Right scrolls a table wider than the screen, and a 365 d period is drawn whole."""

from __future__ import annotations

import re
from typing import Any

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.demo.build import build_demo
from opgtui.domain.stats import DAY, Row, Tally
from opgtui.screens.stats import buckets, daily_text, days_of, group_text


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


def screen_text(app: OpgApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def test_rows_carry_badput_and_goodput_and_the_key_column_fits_its_keys() -> None:
    t = Tally(jobs=10, ok=9, failed=1, core_sec=36000.0, wasted=3600.0, badput=7200.0, goodput=28800.0)
    lines = group_text("site", [Row("Purdue-Brown", t), Row("MIT", t)], t, 116).plain.splitlines()
    assert lines[0].split()[-2:] == ["badput-h", "goodput-h"]
    assert lines[1].startswith("Purdue-Brown ") and lines[1].split()[-2:] == ["2.0", "8.0"]
    assert max(len(line) for line in lines) <= 116


def test_a_year_is_drawn_whole_in_runs_of_days() -> None:
    now = 1_800_000_000.0
    dates = days_of(now - 365 * DAY, now)
    runs = buckets(dates, 80 - 34)
    assert [d for run in runs for d in run] == dates and len(runs) <= 46
    assert len({len(r) for r in runs[1:]}) == 1  # equal runs, the last ending today
    oldest = {"all": {dates[0]: 5.0, dates[-1]: 1.0}}
    text = daily_text("Wasted core-hours", oldest, dates, "h", width=80).plain.splitlines()
    assert dates[0] in text[0] and dates[-1] in text[0] and f"per {len(runs[-1])} UTC days" in text[0]
    assert text[1][len("all") + 10] == "█"  # the oldest day's value is drawn, at the left


async def test_totals_fit_at_80_and_right_scrolls_a_wide_table(demo: tuple[Config, Any]) -> None:
    cfg, store = demo
    for size in ((80, 24), (60, 24)):
        app = OpgApp(cfg, store, demo=True, refresh_loop=False)
        async with app.run_test(size=size) as pilot:
            await pilot.press("5")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            if size[0] == 80:
                text = screen_text(app)
                assert re.search(r"badput [\d.,]+ h \(evicted\) · goodput [\d.,]+ h", text)  # the second line
                assert "badput-h" in text and "goodput-h" in text
                continue
            await pilot.press("b")  # CPU models: long names, a table wider than 60 columns
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            body = app.screen.query_one("#stats-body")
            assert body.max_scroll_x > 0
            await pilot.press("right", "right")
            await pilot.pause()
            assert body.scroll_offset.x > 0
