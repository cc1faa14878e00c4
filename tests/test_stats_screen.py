"""The Stats view on the demo store and on hostile data, at 80x24: keys, groupings, plots, nothing parsed as markup."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.core.model import Job
from opgtui.demo.build import build_demo
from opgtui.screens.stats import StatsScreen, bar, spark
from opgtui.store import open_store

HOSTILE = "[@click=app.bell]x[/] x [/ \x1b]52;c;cHduZWQ=\x07"


def screen_text(app: OpgApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(app: OpgApp, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


async def test_key_5_shows_sites_with_the_slow_one_and_the_daily_plots(demo: tuple[Config, Any]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(app, pilot)
        assert isinstance(app.screen, StatsScreen)
        text = screen_text(app)
        assert "by site" in text and "Purdue-Brown" in text and "FNAL_GPGrid" in text
        data = app.screen.data
        assert data is not None
        eff = {r.key: r.tally.efficiency for r in data.rows if r.tally.efficiency is not None}
        assert min(eff, key=eff.__getitem__) == "Purdue-Brown"  # the demo's slow site is visibly the worst
        assert data.total.dq_bad == 6 and data.total.badput > 0
        assert all(len(line) <= 80 for line in text.splitlines())


async def test_b_cycles_groupings_e_scopes_an_experiment_p_the_period(demo: tuple[Config, Any]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"stats", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        seen = {}
        for _ in range(6):
            await pilot.press("b")
            await settle(app, pilot)
            assert screen.data is not None
            seen[screen.data.by] = [r.key for r in screen.data.rows]
        assert "AMD EPYC 7763" in seen["cpu"]
        assert set(seen["stage"]) == {"simulation", "reconstruction", "transfer"}  # the demo's stage names
        assert "dq-failed" in seen["verdict"] and "service" in seen["verdict"]
        assert len(seen["hour"]) >= 10 and seen["hour"] == sorted(seen["hour"])
        assert "Failures by verdict" in screen_text(app)
        await pilot.press("e")
        await settle(app, pilot)
        assert screen.experiment is not None and f"· {screen.experiment} ·" in screen_text(app)
        everything = screen.data.total.jobs  # type: ignore[union-attr]
        await pilot.press("p", "p", "p")  # 7 d -> 30 d -> 90 d -> 365 d
        await settle(app, pilot)
        assert "last 365 d" in screen_text(app) and screen.data.total.jobs == everything  # type: ignore[union-attr]


async def test_hostile_names_are_shown_as_text_and_empty_store_says_what_to_do(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    app = OpgApp(Config(store=tmp_path / "s.db"), store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(app, pilot)
        assert "no finished jobs in this period" in screen_text(app)
        now = time.time()
        store.upsert_jobs(
            [
                Job(
                    f"s#{i}.0",
                    "s",
                    i,
                    0,
                    status=4,
                    exit_code=i % 2,
                    site=HOSTILE,
                    batch_name=HOSTILE,
                    end_time=now - 600,
                    wall=100.0,
                    cpu_user=50.0,
                )
                for i in range(4)
            ]
        )
        app.action_refresh()
        await settle(app, pilot)
        text = screen_text(app)
        assert "[@click=app.bell" in text and "\x1b" not in text and "0.1 h, peak 0.1" in text
        await pilot.press("b", "b", "b", "b", "b")  # to batch
        await settle(app, pilot)
        assert "by batch" in screen_text(app) and "[@click=app.bell" in screen_text(app)


def test_bars_and_sparks() -> None:
    assert bar(0.5, 10) == "█████     " and bar(1.5, 4) == "████" and bar(None, 3) == "   "
    assert bar(0.0625, 2) == "▏ "
    assert spark([0, 1, 2, 4]) == "·▂▄█" and spark([0, 0]) == "··"
