"""The confirm dialogs read the store through read_store: a store that cannot be read, or nothing to ask, is
one line and no dialog opens; otherwise the dialog shows what was read."""

from __future__ import annotations

from pathlib import Path

from test_screen_reads import probe_app
from textual.content import Content

from opgtui.screens.confirm import ConfirmScreen, NotAsked, ask
from opgtui.store import Store, StoreError


async def test_a_store_error_while_asking_is_one_line_and_no_dialog(tmp_path: Path) -> None:
    app = probe_app(tmp_path)
    async with app.run_test() as pilot:

        def broken(_store: Store) -> Content:
            raise StoreError("the store is locked by another process")

        ask(app, broken, lambda: None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("locked by another process" in m and "\n" not in m for m in said)
        assert not isinstance(app.screen, ConfirmScreen) and app.is_running


async def test_nothing_to_ask_is_one_line_and_a_question_opens_the_dialog(tmp_path: Path) -> None:
    app = probe_app(tmp_path)
    async with app.run_test() as pilot:

        def nothing(_store: Store) -> Content:
            raise NotAsked("nothing to retry")

        ask(app, nothing, lambda: None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "nothing to retry" in [n.message for n in app._notifications]
        assert not isinstance(app.screen, ConfirmScreen)

        ask(app, lambda store: Content("Retry: " + store.announcements(now=2.0)[0].text), lambda: None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and str(app.screen.message) == "Retry: pools down"
