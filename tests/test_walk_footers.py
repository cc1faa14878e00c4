"""At 80x24 every footer shows whole keys: none is cut by the palette hint at the right edge."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.demo.build import build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


def cut_keys(app: OpgApp) -> list[str]:
    """The footer keys drawn under (or past) the palette hint."""
    footer = app.screen.query_one(Footer)
    keys = [k for k in footer.query(FooterKey) if k.region.width]
    palette = next(k for k in keys if k.action == "app.command_palette" or k.action.endswith("command_palette"))
    return [f"{k.key} {k.description}" for k in keys if k is not palette and k.region.right > palette.region.x]


async def test_every_footer_fits_80_columns(demo: tuple[Config, Any]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    walk = [
        ("1",),
        ("2",),
        ("f", "g"),
        ("F",),
        ("escape", "3"),
        ("4",),
        ("enter",),
        ("J",),
        ("escape", "escape", "5"),
        ("2", "f", "enter"),
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        for keys in walk:
            await pilot.press(*keys)
            await pilot.pause(0.4)
            assert cut_keys(app) == [], (keys, type(app.screen).__name__)


async def test_the_job_details_own_keys_all_show_at_80_columns(demo: tuple[Config, Any]) -> None:
    """Keys past the right edge are not 'cut', they are gone: v Label and c Copy id were not drawn at all."""
    from opgtui.screens.job import JobDetailScreen

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.4)
        await pilot.press("f", "enter")
        await pilot.pause(0.4)
        assert isinstance(app.screen, JobDetailScreen)
        footer = app.screen.query_one(Footer)
        drawn = {k.description for k in footer.query(FooterKey) if k.region.width and k.region.right <= 80}
        shown = {b.description for b in JobDetailScreen.BINDINGS if b.show}  # type: ignore[union-attr]
        assert shown <= drawn and {"Label", "Copy id", "Retry"} <= shown
        assert cut_keys(app) == []


def test_the_header_names_the_keys_the_footer_leaves_out() -> None:
    from opgtui.widgets.header import header_text

    assert header_text("Jobs", "demo data", "demo built 2s ago", [], 80).plain.endswith("1-5 views · ? keys · q quit")
    assert header_text("Jobs", "demo data", "2s ago", [], 120).plain.endswith("1-5 views · : command · ? keys · q quit")
    wide = header_text("Jobs", "x" * 60, "data 2m ago", ["schedd jobsub01 unreachable: timeout"], 80).plain
    assert "keys" not in wide and len(wide) <= 80  # problems first: the hint only where there is room
