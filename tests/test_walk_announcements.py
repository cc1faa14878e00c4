"""At 80x24 the announcements take one line (the newest, and how many more); A shows them all, wrapped, and
folds them again, on every view."""

from __future__ import annotations

from typing import Any

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.demo.build import build_demo
from opgtui.widgets.header import AnnouncementBar


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


def bar_lines(app: OpgApp) -> list[str]:
    bar = app.screen.query_one(AnnouncementBar)
    return ["".join(s.text for s in line).rstrip() for line in app.screen._compositor.render_full_update().strips][
        bar.region.y : bar.region.bottom
    ]


async def test_one_line_until_A(demo: tuple[Config, Any]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        n = len(app.data.announcements())
        assert n >= 3  # the demo's team messages and maintenance
        (line,) = bar_lines(app)
        assert line.endswith(f"(+{n - 1} more: A)") and len(line) <= 80
        await pilot.press("A")
        await pilot.pause(0.2)
        lines = bar_lines(app)
        assert len(lines) >= min(n, AnnouncementBar.EXPANDED)  # each as many lines as it needs
        assert "(A folds)" in lines[0] + lines[1]  # on the first announcement, not a line of its own
        if n > AnnouncementBar.EXPANDED:
            assert lines[-1].strip() == f"(+{n - AnnouncementBar.EXPANDED} more: :announce to list)"
        await pilot.press("2")  # the choice holds on every view
        await pilot.pause(0.3)
        assert len(bar_lines(app)) > 1
        await pilot.press("A")
        await pilot.pause(0.2)
        assert len(bar_lines(app)) == 1
