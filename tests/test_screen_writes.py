"""Screens write the store one way (opgtui/screens/reads.write_store): off the UI thread on a connection of their
own, a store that cannot be written or a refusal is one line, and a second write of the same group while the first
is under way starts nothing (a double Enter saves once)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from test_jobs_background import _until as until
from test_screen_reads import Probe, probe_app

from opgtui.core.model import Announcement
from opgtui.screens.reads import write_store
from opgtui.store import NotAllowed, Store


def readonly_connections(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every store connection opened from now on refuses writes as a read-only file does (the one line SQLite's
    'attempt to write a readonly database' becomes), while ``[0]`` of the returned list is True."""
    import opgtui.store

    opened = opgtui.store.open_store
    on = [True]

    def readonly(*args: Any, **kwargs: Any) -> Store:
        store = opened(*args, **kwargs)
        if on[0]:
            store.conn.execute("PRAGMA query_only = 1")
        return store

    monkeypatch.setattr(opgtui.store, "open_store", readonly)
    return on


async def test_a_write_runs_off_the_ui_thread_and_its_answer_comes_back(tmp_path: Path) -> None:
    app = probe_app(tmp_path)
    async with app.run_test() as pilot:
        probe = Probe()
        await app.push_screen(probe)
        ui = threading.current_thread()
        where: list[bool] = []

        def post(store: Store) -> int:
            where.append(threading.current_thread() is ui)
            return store.post_announcement(Announcement("drain tonight", "info", author="bob"), now=2.0)

        write_store(probe, post, lambda aid: probe.put(f"posted {aid}"), group="probe-write")
        await until(pilot, lambda: probe.shown().startswith("posted"))
        assert where == [False]
        assert [a.text for a in app.store.announcements(now=3.0)] == ["drain tonight", "pools down"]


async def test_a_refusal_or_a_read_only_store_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = probe_app(tmp_path)
    async with app.run_test() as pilot:
        probe = Probe()
        await app.push_screen(probe)

        def refused(_store: Store) -> None:
            raise NotAllowed("announcement 1 is alice's:\nonly she or an operator may edit it")

        write_store(
            probe, refused, probe.put, group="w", failed=lambda line: probe.put("no: " + line), refusals=(NotAllowed,)
        )
        await until(pilot, lambda: probe.shown().startswith("no: "))
        assert "alice's" in probe.shown() and "\n" not in probe.shown()
        readonly_connections(monkeypatch)
        write_store(
            probe,
            lambda store: store.expire_announcement(1, now=5.0, operators=["root"], who="root"),
            lambda _: probe.put("expired"),
            group="w",
            failed=lambda line: probe.put("no: " + line),
        )
        await until(pilot, lambda: "read-only" in probe.shown())
        assert app.is_running and [a.text for a in app.store.announcements(now=6.0)] == ["pools down"]


async def test_a_second_write_of_a_group_while_the_first_runs_starts_nothing(tmp_path: Path) -> None:
    app = probe_app(tmp_path)
    async with app.run_test() as pilot:
        probe = Probe()
        await app.push_screen(probe)
        release = threading.Event()

        def post(store: Store) -> int:
            release.wait(5)
            return store.post_announcement(Announcement("once", "info", author="bob"), now=2.0)

        assert write_store(probe, post, lambda _: probe.put("saved"), group="save") is not None
        assert write_store(probe, post, lambda _: probe.put("saved"), group="save") is None  # the double Enter
        release.set()
        await until(pilot, lambda: probe.shown() == "saved")
        assert [a.text for a in app.store.announcements(now=3.0)].count("once") == 1
        assert write_store(probe, post, lambda _: probe.put("again"), group="save") is not None  # done: a new one
        await until(pilot, lambda: probe.shown() == "again")
