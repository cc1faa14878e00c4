"""README's screen captures stay true: the demo at 80x24 shows the same header hint, announcement line, column
titles and footer as the captures do, and the same service rows on the board (times aside: the captures were
taken at another hour). The verdicts' rows are left out: the packs change them; re-take the captures with
tmux at 80x24 when they do."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_status_view import screen_lines

from opgtui.app import OpgApp
from opgtui.config import Config

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
TIMES = re.compile(r"\d\d-\d\d \d\d:\d\d|\d\d-\d\d\b|\d\d:\d\d|\d+d\d\dh|\d+h\d\d|\d+m\b|\d+s\b|\d+ ms\b|\d+s ago")


def capture(view: str) -> list[str]:
    """The README's capture of ``view`` (its first line starts ``opgtui │ View │``), line by line."""
    found = re.search(rf"```\n(opgtui │ {view} │.*?)```\n", README, re.S)
    assert found, f"no {view} capture in README"
    return found[1].rstrip("\n").split("\n")


def same(line: str) -> str:
    """A line with its times masked and its spacing ignored (column widths belong to the table's owner)."""
    return " ".join(TIMES.sub("T", line).split())


@pytest.mark.parametrize(
    ("view", "keys", "rows"),
    [
        ("Status", (), (1, *range(2, 11))),
        ("Jobs", ("2", "f", "g"), (1, 2, 3)),
        ("Failures", ("2", "F", "down", "down", "down", "down"), (1, 3)),
    ],
)
async def test_the_captures_are_what_the_demo_shows(
    demo: tuple[Config, Any], view: str, keys: tuple[str, ...], rows: tuple[int, ...]
) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in keys:
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        for _ in range(50):  # on a busy machine the footer's keys, and the header's read, land a frame after the view
            ready = app.data.chrome is not None  # the announcements were read (and drawn by the next frame)
            await pilot.pause(0.1)
            shown = screen_lines(app)
            if ready and shown[-1].strip():
                break
    want = capture(view)
    assert len(want) == 24
    assert [same(shown[i]) for i in rows] == [same(want[i]) for i in rows]
    assert same(shown[0]).endswith(same(want[0]).split("│")[-1].split("T")[-1])  # the header's key hint
    assert shown[-1].split("▏")[0].rstrip() == want[-1].split("▏")[0].rstrip()  # the footer's keys
