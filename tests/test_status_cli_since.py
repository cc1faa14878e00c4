"""`opgtui status` and `opgtui check` say since when a service has held its state as the Status board does: from
the stored history of every feed (the demo at a fixed now, on UTC), not from the poll that reported it last."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from demo_board import NOW, board_lines, build, cells, freeze

from opgtui.cli import main
from opgtui.demo.keep import write_config

SINCE = ("samweb", "dcache", "cvmfs", "xrootd", "fts")
"""Services whose board row has a Since: held since a stored start, since a feed's first poll (≤), or degraded."""


@pytest.fixture(scope="module")
def board_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build(tmp_path_factory)


def opgtui(board: Any, *args: str) -> tuple[int, str]:
    """A verb on the demo's store through its written config, in this process (the clock frozen at NOW)."""
    cfg, _store = board
    config = write_config(cfg, Path(cfg.store).with_name("config.yaml"))
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    return result.exit_code, result.output


async def test_status_and_check_say_the_boards_since_and_for(board_demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    freeze(monkeypatch, no_color=True)
    screen = await board_lines(board_demo, (120, 40))
    board = {s: cells(screen, s) for s in SINCE}
    assert board["cvmfs"]["For"] == "9d00h" and board["xrootd"]["Since"].startswith("≤")  # what it is about
    code, out = opgtui(board_demo, "status")
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert code == 0
    for service in SINCE:
        assert f" since {board[service]['Since']} ({board[service]['For']})" in lines[service], (board[service], out)
    code, out = opgtui(board_demo, "check", "--require", "cvmfs,xrootd", "--within", "0")
    assert code == 0, out
    assert out.splitlines()[:2] == [
        f"{s}: UP since {board[s]['Since']} ({board[s]['For']})" for s in ("cvmfs", "xrootd")
    ], out


def test_status_json_gives_the_stored_since(board_demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    freeze(monkeypatch)
    code, out = opgtui(board_demo, "status", "--json")
    rows = {r["service"]: r for r in json.loads(out)}
    assert code == 0 and rows["cvmfs"]["since"] == NOW - 9 * 86400 and rows["cvmfs"]["duration"] == 9 * 86400
    assert rows["cvmfs"]["since_at_or_before"] is False and rows["xrootd"]["since_at_or_before"] is True
