"""Esc while a save is being written (code review of write_store, 2026-12-07): the write cannot be called back once
it is under way, so the form stays up and says so, then closes on the answer; it used to close at once, saying
nothing, and the announcement was posted (for the whole team) or the request stored anyway."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from test_announce_screen import announce_app
from test_jobs_background import _until as until
from textual.widgets import Static

from opgtui.screens.announce import AnnouncementForm, AnnouncementsScreen
from opgtui.store.announcements import AnnouncementQueries


async def test_esc_while_an_announcement_is_posted_keeps_the_form_until_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = announce_app(tmp_path)
    gate, writing = threading.Event(), threading.Event()
    post = AnnouncementQueries.post_announcement

    def slow_post(self: Any, *args: Any, **kwargs: Any) -> Any:
        writing.set()
        gate.wait(10)  # a team store far away
        return post(self, *args, **kwargs)

    monkeypatch.setattr(AnnouncementQueries, "post_announcement", slow_post)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"announce", "enter")
        await until(pilot, lambda: isinstance(app.screen, AnnouncementsScreen) and bool(app.screen.items))
        listing = app.screen
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, AnnouncementForm))
        form = app.screen
        try:
            await pilot.press(*"CVMFS stratum-1 at FNAL down until 14:00", "enter")
            await until(pilot, writing.is_set)
            await pilot.press("escape")  # changed my mind: too late, it is being posted
            await pilot.pause(0.1)
            assert app.screen is form  # not closed as if nothing were saved
            assert "being saved" in str(form.query_one("#error", Static).render())
        finally:
            gate.set()
        await until(pilot, lambda: app.screen is listing)  # then closes on the answer, the list read again
        await until(pilot, lambda: any(a.text.startswith("CVMFS stratum-1") for a in listing.items))


async def test_esc_while_a_request_is_saved_keeps_the_form_until_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_requests_screens import new_form

    from opgtui.app import OpgApp
    from opgtui.demo.build import build_demo
    from opgtui.domain import requests as rq
    from opgtui.screens.confirm import ConfirmScreen
    from opgtui.screens.request_form import RequestForm
    from opgtui.store.requests import RequestQueries

    monkeypatch.setattr(rq, "whoami", lambda: "shifter")
    cfg, store = build_demo(tmp_path, now=1_795_600_000.0)
    before = len(store.requests())
    gate, writing = threading.Event(), threading.Event()
    save = RequestQueries.save_request

    def slow_save(self: Any, *args: Any, **kwargs: Any) -> Any:
        writing.set()
        gate.wait(10)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(RequestQueries, "save_request", slow_save)
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(app, pilot)
        form.query_one("#f-title").value = "ND reco pass 3, cancelled while saving"  # type: ignore[attr-defined]
        form.query_one("#f-experiment").value = "nova"  # type: ignore[attr-defined]
        await pilot.pause()
        try:
            await pilot.press("ctrl+s")
            await until(pilot, writing.is_set)
            await pilot.press("escape")  # too late: it is being stored
            await pilot.pause(0.1)
            if isinstance(app.screen, ConfirmScreen):  # "Discard your changes?": yes
                await pilot.press("y")
                await pilot.pause(0.1)
            assert app.screen is form  # not closed as if discarded
            assert "Being saved" in str(form.query_one("#form-status", Static).render())
        finally:
            gate.set()
        await until(pilot, lambda: not isinstance(app.screen, RequestForm))  # closes on the answer: saved
        assert len(store.requests()) == before + 1
        assert any(f"Request {store.requests()[-1].id} saved" in str(n.message) for n in app._notifications)
