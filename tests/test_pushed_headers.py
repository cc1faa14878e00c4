"""Screens pushed over a view keep the app's header (what you look at, how fresh): the service history, the job
detail and its raw ad, the request detail, the announcements list; the history says "1 window" and gives a
window ahead its length."""

from __future__ import annotations

from typing import Any

import pytest
from demo_board import NOW, freeze
from test_status_view import screen_lines

from opgtui.app import OpgApp
from opgtui.core.model import Window
from opgtui.demo.build import build_demo


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The whole demo (jobs and requests too) as of NOW, on UTC."""
    cfg, store = build_demo(tmp_path_factory.mktemp("demo"), NOW)
    cfg.timezone = "UTC"
    return cfg, store


async def settle(app: OpgApp, pilot: Any) -> list[str]:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
    return screen_lines(app)


@pytest.mark.parametrize(("size", "no_color"), [((80, 24), False), ((80, 24), True), ((120, 40), False)])
async def test_every_pushed_screen_keeps_the_header(
    full_demo: Any, size: tuple[int, int], no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opgtui.screens.job import JobDetailScreen
    from opgtui.screens.request_detail import RequestDetailScreen

    freeze(monkeypatch, no_color)
    cfg, store = full_demo
    job = store.jobs()[0].id
    request = store.requests()[0].id
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")  # the board's first service
        assert (await settle(app, pilot))[0].startswith("opgtui │ Service history │ demo data │")
        await pilot.press("escape")
        for screen, name in ((JobDetailScreen(job), "Job Detail"), (RequestDetailScreen(request), "Request Detail")):
            await app.push_screen(screen)
            assert (await settle(app, pilot))[0].startswith(f"opgtui │ {name} │ demo data │"), name
            if name == "Job Detail":
                await pilot.press("a")  # the raw ad: the same screen, the header stays
                assert (await settle(app, pilot))[0].startswith("opgtui │ Job Detail │")
            app.pop_screen()
            await settle(app, pilot)
        await pilot.press("colon", *"announce", "enter")
        lines = await settle(app, pilot)
        assert lines[0].startswith("opgtui │ Announcements │ demo data │"), lines[0]


async def test_the_history_says_one_window_and_a_window_ahead_its_length(
    full_demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch)
    cfg, store = full_demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("down", "down", "enter")  # cvmfs: its kernel upgrade tomorrow, 2 h
        lines = await settle(app, pilot)
        shown = "\n".join(lines)
        assert "(1 window)" in shown and "(1 windows)" not in shown
        assert " 2h00 (ahead) " in shown and "CVMFS stratum-1 kernel upgrade" in shown


def test_a_window_ahead_without_an_end_says_so() -> None:
    from opgtui.screens.service import duration_cell

    assert duration_cell(Window("x", "maintenance", NOW + 60, None, "f"), NOW) == "(ahead)"
    assert duration_cell(Window("x", "outage", NOW - 600, None, "f"), NOW) == "10m"
