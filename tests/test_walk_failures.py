"""The failure summary uses the room it has: at 120 columns a cause's title is whole, at 80 it fits."""

from __future__ import annotations

from typing import Any

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.demo.build import build_demo
from opgtui.screens.failures import column_widths


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


def test_widths_fit_and_grow_with_the_screen() -> None:
    cells = [["SERVICE", "60", "t" * 60, "samweb 10:02-10:45", "FNAL_GPGrid 29, Wisconsin 10 +3 more"]]
    assert column_widths(80, cells) == (7, 4, 43, 18)  # Sites left to the detail pane: the cause has the room
    for width in (80, 100, 120, 200):
        widths = column_widths(width, cells)
        assert sum(widths) + 2 * len(widths) <= width  # each column has a cell of padding either side
    assert column_widths(120, cells)[2] >= 48


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_cause_titles_whole_when_there_is_room(demo: tuple[Config, Any], size: tuple[int, int]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        await pilot.press("F")
        await pilot.pause(0.5)
        text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        title = "FHiCL tried to overwrite a protected parameter"
        row = next(line for line in text.splitlines() if line.startswith(" CODE      60"))
        assert (title in row) == (size[0] == 120)  # cut with … at 80, whole at 120
        assert all(len(line) <= size[0] for line in text.splitlines())


async def test_the_cause_detail_is_cut_with_an_ellipsis_not_wrapped(demo: tuple[Config, Any]) -> None:
    """The sites line of a cause with many sites ran onto a second line ('MIT' then ' 2') at 80 columns."""
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"failures", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        lines = "\n".join(strip.text for strip in app.screen._compositor.render_strips()).splitlines()
        sites = next(i for i, line in enumerate(lines) if line.startswith("   sites: FNAL_GPGrid"))
        after = lines[sites + 1]
        assert lines[sites].rstrip().endswith("…") and (after.startswith(" t Range") or not after.strip()), after


async def test_a_cause_opened_from_the_summary_has_the_same_name_in_the_jobs_view(demo: tuple[Config, Any]) -> None:
    """One name per cause: Enter on a cause shows its jobs under the name the summary and the grouping use."""
    from opgtui.screens.jobs import JobsScreen

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await pilot.press("F")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        name = app.screen.current.name
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, JobsScreen)
        assert app.screen.group is not None and app.screen.group.key == name
        assert name.startswith(("SERVICE · ", "CODE · ", "RESOURCE · ", "UNKNOWN · ", "UNDIAGNOSED · "))
