"""`:` then a unique start of a command, then Enter, runs the command the prompt shows (review finding 14:
`:sig` showed `:signatures` and Enter said "unknown command: sig"); a start that several commands share, or an
alias, stays what was typed."""

from __future__ import annotations

from pathlib import Path

from test_label_proposal import until
from test_typeahead import burst

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.screens.command import resolve
from opgtui.screens.signatures import SignaturesScreen
from opgtui.store import open_store


def test_enter_takes_the_one_command_a_start_names() -> None:
    assert resolve(":sig") == "signatures" and resolve("fa") == "failures" and resolve("ann") == "announce"
    assert resolve("st") == "st" and resolve("a") == "a" and resolve("s") == "s"  # shared starts, aliases
    assert resolve("zz") == "zz" and resolve("sigs") == "sigs" and resolve("jobs") == "jobs"


async def test_sig_enter_opens_the_signatures_view(tmp_path: Path) -> None:
    app = OpgApp(Config(store=tmp_path / "s.db"), open_store(tmp_path / "s.db"), refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"sig", "enter")
        await until(pilot, lambda: isinstance(app.screen, SignaturesScreen), "the Signatures view")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, SignaturesScreen), "the view closed")
        burst(app, ":reque\r")  # typed in one go: the same
        await until(pilot, lambda: app.current_mode == "requests", "the Requests view")
        assert not any("unknown command" in str(n.message) for n in app._notifications)
