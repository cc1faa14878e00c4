"""The request form's save when the store fails part-way (code review of write_store, 2026-12-07): a submit whose
draft was stored before the store refused the submit step keeps that draft, so the next submit submits it
instead of storing a second request."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from test_jobs_background import _until as until
from test_requests_screens import demo, new_form  # noqa: F401  (the fixture)
from textual.widgets import Button, Input, Static

from opgtui.app import OpgApp
from opgtui.ops import request_ops
from opgtui.store import StoreError


async def test_a_submit_the_store_refuses_after_the_draft_was_stored_never_stores_a_second_request(
    demo: tuple[Any, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg, store = demo
    before = len(store.requests())
    real = request_ops.transition
    refused: list[str] = []

    def locked_once(*args: Any, **kwargs: Any) -> Any:
        if not refused:  # the draft is stored; then the store is locked for the submit step
            refused.append("submit")
            raise StoreError(f"{store.path}: the store is locked by another process")
        return real(*args, **kwargs)

    monkeypatch.setattr(request_ops, "transition", locked_once)
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(app, pilot)
        status = form.query_one("#form-status", Static)
        form.query_one("#f-title", Input).value = "FD MC, submitted while the store is busy"
        form.query_one("#f-experiment").value = "nova"  # type: ignore[attr-defined]
        await pilot.pause()
        form.query_one("#submit", Button).press()
        await until(pilot, lambda: "locked" in str(status.render()))
        assert len(store.requests()) == before + 1  # the draft is stored ...
        assert "Not submitted: " in str(status.render()) and "saved as a draft" in str(status.render())
        form.query_one("#submit", Button).press()  # the shifter tries again
        await until(pilot, lambda: "Saving" not in str(status.render()) and app.screen is form)
        await until(pilot, lambda: not any(not w.is_finished for w in app.workers if w.node is form))
        assert len(store.requests()) == before + 1  # still one request: the draft, not a copy of it


async def test_a_second_workflow_step_while_one_is_saved_is_said_not_dropped_silently(
    demo: tuple[Any, Any],  # noqa: F811
) -> None:
    """Approve, then p at once while the approval is still being written (a slow team store): the second step is
    not started (write_store), and the shifter is told so instead of seeing nothing happen."""
    from opgtui.screens.request_detail import RequestDetailScreen

    cfg, store = demo
    submitted = next(r for r in store.requests() if r.status == "submitted")
    gate = threading.Event()

    def slow(_store: Any, req: Any) -> Any:
        gate.wait(10)
        return req

    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RequestDetailScreen(submitted.id))
        await until(pilot, lambda: getattr(app.screen, "req", None) is not None)
        screen = app.screen
        assert isinstance(screen, RequestDetailScreen)
        try:
            screen._run(slow)  # the first step, still being written
            screen._run(lambda _store, req: req)  # the second, at once
            await pilot.pause()
            assert any("being saved" in str(n.message) for n in app._notifications)
        finally:
            gate.set()
        await until(pilot, lambda: not any(not w.is_finished for w in app.workers if w.node is screen))
