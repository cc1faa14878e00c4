"""The demo's Status board at a fixed "now" (its feeds replayed around NOW, on UTC), shared by the board's tests."""

from __future__ import annotations

import time
from datetime import UTC
from typing import Any

import pytest
from test_status_view import screen_lines

from opgtui.app import OpgApp
from opgtui.demo.build import ANCHOR, build_demo_board

NOW = 1_796_000_000.0  # 2026-11-30 00:53:20 UTC: the demo is replayed around it
SHIFT = NOW - ANCHOR
H = 3600.0


def build(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo's feeds and announcements as of NOW (the jobs are not needed here), on UTC."""
    cfg, store, _rest = build_demo_board(tmp_path_factory.mktemp("demo"), NOW)
    cfg.timezone = "UTC"
    return cfg, store


def freeze(monkeypatch: pytest.MonkeyPatch, no_color: bool = False) -> None:
    """The clock stops at NOW (the screens and their store reads ask time.time); NO_COLOR when asked."""
    monkeypatch.setattr(time, "time", lambda: NOW)
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")


async def board_lines(board: Any, size: tuple[int, int] = (80, 24), keys: tuple[str, ...] = ()) -> list[str]:
    """The screen, line by line, once the board is drawn and ``keys`` were pressed."""
    cfg, store = board
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        return screen_lines(app)


def cells(lines: list[str], service: str) -> dict[str, str]:
    """The board's row of ``service`` by column title (the titles' line gives where each column starts)."""
    titles = next(line for line in lines if " Since " in line)
    names = ["Service", "State", "Since", "For", "Last outage", "Source", "Age", "Next maint."]
    starts = [titles.index(f" {n}") for n in names] + [len(titles)]
    line = next(line for line in lines if line.startswith(f" {service} "))
    return {n: line[a:b].strip() for n, a, b in zip(names, starts, starts[1:], strict=False)}


def utc() -> Any:
    return UTC
