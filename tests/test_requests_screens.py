"""The Requests screens with the Pilot at 80x24: list and filters, the form checked as you type, approvals
refused and recorded, a stale save refused then rebased, linked jobs on the detail page, hostile text."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from test_jobs_background import _until as until
from test_screen_writes import readonly_connections
from textual.widgets import DataTable, Input, Static

from opgtui.app import OpgApp
from opgtui.demo.build import build_demo
from opgtui.domain import requests as rq
from opgtui.ops.request_ops import create, edit, transition
from opgtui.screens.request_detail import RequestDetailScreen
from opgtui.screens.request_form import RequestForm
from opgtui.store import open_store

NOW = 1_795_600_000.0
HOSTILE = "[@click=app.bell]x[/] x [/ \x1b]52;c;cHduZWQ=\x07 [bold]not bold[/bold]"


def screen_text(app: OpgApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notes(app: OpgApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    monkeypatch.setattr(rq, "whoami", lambda: "shifter")
    cfg, store = build_demo(tmp_path, now=NOW)
    cfg.roles.approvers = ["alice"]
    cfg.roles.operators = ["novapro"]
    return cfg, store


def as_user(monkeypatch: pytest.MonkeyPatch, who: str) -> None:
    monkeypatch.setattr(rq, "whoami", lambda: who)


async def open_requests(app: OpgApp, pilot: Any) -> None:
    await pilot.press("4")
    await pilot.pause()
    assert app.current_mode == "requests"


async def new_form(app: OpgApp, pilot: Any) -> RequestForm:
    """The Requests view, then n: a new request's form."""
    await open_requests(app, pilot)
    await pilot.press("n")
    await pilot.pause()
    form = app.screen
    assert isinstance(form, RequestForm)
    return form


async def test_list_orders_filters_and_cycles_status(demo: tuple[Any, Any]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_requests(app, pilot)
        screen = app.screen
        assert [r.status for r in screen.shown] == ["running", "running", "scheduled", "submitted", "draft"]
        assert [r.priority for r in screen.shown][:3] == [4, 3, 2]  # urgent first
        assert "5 of 6 · open · 1 awaiting approval · you: shifter (requester)" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert [r.status for r in screen.shown] == ["submitted"]
        await pilot.press("s", "s", "s", "s")  # ... closed
        await pilot.pause()
        assert [r.status for r in screen.shown] == ["rejected"]
        await pilot.press("s", "slash", *"dune")
        await pilot.pause()
        assert {r.experiment for r in screen.shown} == {"dune"} and len(screen.shown) == 2
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.shown) == 6 and app.current_mode == "requests"


async def test_form_checks_as_you_type_and_says_what_is_missing(demo: tuple[Any, Any]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(app, pilot)
        await pilot.press(*"FD MC")
        form.query_one("#f-experiment").value = "nova"  # type: ignore[attr-defined]
        await pilot.pause()
        status = form.query_one("#form-status", Static)
        assert str(status.render()) == (
            "Missing for submit: Workflow type, Input dataset, FHiCL files, "
            "Software release, Events (a draft can be saved without them)"
        )
        form.query_one("#f-events", Input).focus()
        await pilot.press(*"12k")
        await pilot.pause()
        assert str(form.query_one("#e-events", Static).render()) == "expected a whole number, got '12k'"
        assert str(status.render()) == "Fix 1 field: Events"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Not saved: Events: expected a whole number" in str(status.render())
        assert store.requests()[-1].title != "FD MC"  # nothing saved
        await pilot.press("backspace")
        for name, text in (("input_dataset", "nova_raw"), ("fhicl", "a.fcl, b.fcl"), ("release", "S26")):
            form.query_one(f"#f-{name}", Input).value = text
        form.query_one("#f-workflow").value = "mc"  # type: ignore[attr-defined]
        await pilot.pause()
        assert str(status.render()) == "Complete: ready to submit."
        label = form.query_one("#l-events").render()
        assert "*" in str(label)  # required for nova
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, RequestDetailScreen))  # saved off the UI thread
        saved = store.requests()[-1]
        assert (saved.title, saved.requester, saved.fields["events"], saved.fields["fhicl"]) == (
            "FD MC",
            "shifter",
            12,
            ["a.fcl", "b.fcl"],
        )
        assert store.request_audit(saved.id)[0]["action"] == "create"


async def test_unauthorised_approval_is_refused_and_recorded(
    demo: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, store = demo
    submitted = next(r for r in store.requests() if r.status == "submitted")
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RequestDetailScreen(submitted.id))
        await pilot.pause()
        await app.workers.wait_for_complete()  # the detail is read off the UI thread
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert store.request(submitted.id).status == "submitted"  # asked first: y / n / Esc
        assert "Approve: request 4?" in screen_text(app)
        await pilot.press("y")
        await until(
            pilot, lambda: any("Refused: shifter may not approve request 4: only approvers" in n for n in notes(app))
        )
        assert store.request(submitted.id).status == "submitted"
        last = store.request_audit(submitted.id)[-1]
        assert (last["who"], last["action"]) == ("shifter", "refused approve")
        overview = app.screen.query_one("#overview-text", Static)
        await until(pilot, lambda: "shifter refused approve" in str(overview.render()))  # read again
        trail = str(overview.render()).split("Audit trail")[1]
        assert "shifter refused approve" in trail and "only approvers may" in trail
        as_user(monkeypatch, "alice")
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "A reason is required." in screen_text(app)
        await pilot.press(*"needs the v11 calibration", "enter")
        await until(pilot, lambda: "Rejected by alice" in screen_text(app))
        r = store.request(submitted.id)
        assert r.status == "rejected"
        assert store.request_audit(submitted.id)[-1]["changes"]["reason"] == "needs the v11 calibration"
        assert "Rejected by alice: needs the v11 calibration" in screen_text(app)


async def test_approval_through_the_workflow_menu(demo: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    cfg, store = demo
    as_user(monkeypatch, "alice")
    submitted = next(r for r in store.requests() if r.status == "submitted")
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RequestDetailScreen(submitted.id))
        await pilot.pause()
        await app.workers.wait_for_complete()  # the detail is read off the UI thread
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        text = screen_text(app)
        assert "Approve" in text and "Reject (with a reason)" in text
        await pilot.press("enter")  # the first allowed step: Approve
        await pilot.pause()
        assert "at priority 2 normal" in screen_text(app)  # the requested priority, asked before approving
        await pilot.press("y")
        await until(pilot, lambda: any(n.startswith(f"Request {submitted.id}: approved") for n in notes(app)))
        r = store.request(submitted.id)
        assert (r.status, r.priority) == ("approved", 2)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("enter")  # 4 urgent is listed first
        await until(pilot, lambda: store.request(submitted.id).priority == 4)


async def test_second_save_is_told_the_request_changed_then_rebases(
    tmp_path: Path, demo: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, store = demo
    draft = next(r for r in store.requests() if r.status == "draft")
    as_user(monkeypatch, "carol")
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RequestForm(draft))
        await pilot.pause()
        form = app.screen
        form.query_one("#f-events", Input).value = "5000"
        # meanwhile an operator edits the same request from another process (its own store connection)
        other = open_store(store.path)
        edit(other, cfg, other.request(draft.id), "novapro", fields={"release": "S26-11-20", "events": 4000})
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "changed since" in str(form.query_one("#form-status", Static).render()))
        status = str(form.query_one("#form-status", Static).render())
        assert f"request {draft.id} changed since you opened it (edit by novapro at" in status
        assert "nothing was overwritten" in status and "ctrl+r" in status
        assert store.request(draft.id).fields["events"] == 4000  # theirs, untouched
        assert form.query_one("#f-events", Input).value == "5000"  # mine, still in the form
        await pilot.press("ctrl+r")  # the latest version is read off the UI thread
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(form.query_one("#form-status", Static).render())
        assert "now on version 2" in status and "You both changed Events: yours are kept" in status
        assert form.query_one("#f-release", Input).value == "S26-11-20"  # their change came in
        await pilot.press("ctrl+s")
        await until(pilot, lambda: store.request(draft.id).version == 3)
        r = store.request(draft.id)
        assert (r.fields["events"], r.fields["release"], r.version) == (5000, "S26-11-20", 3)
        assert [a["who"] for a in store.request_audit(draft.id)][-2:] == ["novapro", "carol"]


async def test_rebase_reads_the_latest_version_off_the_ui_thread_and_says_so_until_it_arrives(
    demo: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+r: the form says it is reading and keeps my values until the stored version arrives (never a merge
    computed before it); the read is not on the UI thread."""
    import threading

    from opgtui.store.requests import RequestQueries

    cfg, store = demo
    draft = next(r for r in store.requests() if r.status == "draft")
    as_user(monkeypatch, "carol")
    gate, real = threading.Event(), RequestQueries.request

    def gated(self: Any, req_id: int) -> Any:
        if threading.current_thread() is not threading.main_thread():
            gate.wait(10)
        return real(self, req_id)

    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RequestForm(draft))
        await pilot.pause()
        form = app.screen
        other = open_store(store.path)
        edit(other, cfg, other.request(draft.id), "novapro", fields={"release": "S26-11-20"})
        monkeypatch.setattr(RequestQueries, "request", gated)
        await pilot.press("ctrl+r")
        await pilot.pause()
        status = str(form.query_one("#form-status", Static).render())
        assert f"Reading the latest version of request {draft.id}" in status and "now on version" not in status
        assert form.query_one("#f-release", Input).value != "S26-11-20"
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "now on version 2" in str(form.query_one("#form-status", Static).render())
        assert form.query_one("#f-release", Input).value == "S26-11-20"


async def test_detail_shows_linked_jobs_progress_and_opens_a_job(demo: tuple[Any, Any]) -> None:
    cfg, store = demo
    running = next(r for r in store.requests() if r.fields.get("batches") == ["nova_mc_genie_fd_v3"])
    jobs = store.request_jobs(["nova_mc_genie_fd_v3"])
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RequestDetailScreen(running.id))
        await pilot.pause()
        await app.workers.wait_for_complete()  # the detail is read off the UI thread
        await pilot.pause()
        detail = app.screen
        full = str(detail.query_one("#overview-text", Static).render())
        ok = sum(j.status == 4 and not j.failed for j in jobs)
        assert f"{ok:,} of {len(jobs):,} jobs succeeded" in full
        assert "Commonest causes" in full and "refused approve" in full and "Audit trail" in full
        await pilot.press("J")
        await pilot.pause()
        table = detail.query_one("#req-jobs", DataTable)
        assert table.row_count == len(jobs)
        assert f"{len(jobs):,} jobs" in screen_text(app)
        await pilot.press("j", "j", "k")  # j is down here too, as everywhere
        assert table.cursor_row == 1 and isinstance(app.screen, RequestDetailScreen)
        await pilot.press("escape")  # one level back: the request
        await pilot.pause()
        assert app.screen is detail and "by carol" in screen_text(app) and "Enter: job detail" not in screen_text(app)
        await pilot.press("J", "enter")
        await pilot.pause()
        from opgtui.screens.job import JobDetailScreen

        assert isinstance(app.screen, JobDetailScreen)


async def test_hostile_request_text_is_drawn_literally(tmp_path: Path, demo: tuple[Any, Any]) -> None:
    cfg, store = demo
    req = create(
        store,
        cfg,
        "shifter",
        "nova",
        HOSTILE,
        {"notes": HOSTILE + "\nsecond [red]line", "release": HOSTILE, "batches": [HOSTILE]},
    )
    transition(store, cfg, req, "cancel", "shifter", HOSTILE)
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_requests(app, pilot)
        await pilot.press("s", "s", "s", "s", "s")
        await pilot.pause()
        assert "[@click=app.bell]" in screen_text(app)
        app.push_screen(RequestDetailScreen(req.id))
        await pilot.pause()
        await app.workers.wait_for_complete()  # the detail is read off the UI thread
        await pilot.pause()
        text = str(app.screen.query_one("#overview-text", Static).render())
        assert "[bold]not bold[/bold]" in text and "second [red]line" in text and "\x1b" not in text
        app.push_screen(RequestForm(store.request(req.id)))
        await pilot.pause()
        assert "[@click=app.bell]" in screen_text(app) and app.screen.query_one("#f-title", Input).disabled


def test_detail_80x24(snap_compare: Any, demo: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    cfg, store = demo
    monkeypatch.setattr(time, "time", lambda: NOW)
    cfg.timezone = "UTC"

    async def run_before(pilot: Any) -> None:
        pilot.app.push_screen(RequestDetailScreen(1))
        await pilot.pause()

    assert snap_compare(
        OpgApp(cfg, store, demo=True, refresh_loop=False), terminal_size=(80, 24), run_before=run_before
    )


async def test_the_filter_line_shows_above_the_footer(demo: tuple[Any, Any]) -> None:
    from test_status_view import screen_lines

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause(0.3)
        await pilot.press("slash", *"nova")
        await pilot.pause(0.2)
        lines = screen_lines(app)
        assert lines[-2].strip() == "nova" and "Filter" in lines[-1]


async def test_submit_asks_first_and_approving_without_a_priority_asks_for_one(
    demo: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, store = demo
    draft = create(
        store,
        cfg,
        "carol",
        "nova",
        "ND reco pass 2",
        {"workflow": "reco", "input_dataset": "nd_raw", "fhicl": ["r.fcl"], "release": "S26", "events": 100},
    )
    assert "requested_priority" not in draft.fields and draft.priority is None
    as_user(monkeypatch, "carol")
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RequestDetailScreen(draft.id))
        await pilot.pause()
        await app.workers.wait_for_complete()  # the detail is read off the UI thread
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert "Submit" in screen_text(app) and "y: yes · n or Esc: no" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert store.request(draft.id).status == "draft"
        await pilot.press("s", "y")
        await until(pilot, lambda: any(n.startswith(f"Request {draft.id}: submitted") for n in notes(app)))
        await until(pilot, lambda: "submitted" in str(app.screen.query_one("#overview-text", Static).render()))
        assert store.request(draft.id).status == "submitted"
        as_user(monkeypatch, "alice")
        await pilot.press("a")
        await pilot.pause()
        assert f"Approve request {draft.id} at priority" in screen_text(app)
        await pilot.press("down", "enter")  # 3 high (4 urgent is listed first)
        await pilot.pause()
        assert "at priority 3 high" in screen_text(app)
        await pilot.press("y")
        await until(pilot, lambda: any(n.startswith(f"Request {draft.id}: approved") for n in notes(app)))
        r = store.request(draft.id)
        assert (r.status, r.priority) == ("approved", 3)
        assert "priority not set" not in str(app.screen.query_one("#overview-text", Static).render())


async def test_request_dialogs_say_which_keys_answer(demo: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    cfg, store = demo
    as_user(monkeypatch, "alice")
    submitted = next(r for r in store.requests() if r.status == "submitted")
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RequestDetailScreen(submitted.id))
        await pilot.pause()
        await app.workers.wait_for_complete()  # the detail is read off the UI thread
        await pilot.pause()
        for key, says in (
            ("w", "Esc: cancel"),
            ("p", "Enter: choose · Esc: cancel"),
            ("r", "Enter: confirm · Esc: cancel"),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert says in screen_text(app), key
            await pilot.press("escape")
            await pilot.pause()


async def test_a_refused_edit_on_a_store_that_refuses_writes_still_says_why(
    demo: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refusal is audited (off the UI thread); when the store cannot take the audit (read-only, team store
    gone), both are said in one line each and the page stays open."""
    cfg, store = demo
    running = next(r for r in store.requests() if r.status == "running" and r.requester != "shifter")
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RequestDetailScreen(running.id))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        before = len(store.request_audit(running.id))
        readonly = readonly_connections(monkeypatch)
        await pilot.press("e")
        await until(pilot, lambda: any("the store is read-only" in n for n in notes(app)))
        readonly[0] = False
        assert any("not recorded in the audit trail: " in n for n in notes(app)), notes(app)
        assert any(n.startswith("Refused: shifter may not edit") for n in notes(app)), notes(app)
        assert app.is_running and isinstance(app.screen, RequestDetailScreen)
        assert len(store.request_audit(running.id)) == before


async def test_form_opens_fields_only_once_it_knows_who_you_are(
    demo: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import opgtui.screens.request_form as form_module
    from opgtui.store import StoreError

    cfg, store = demo
    draft = next(r for r in store.requests() if r.status == "draft")
    as_user(monkeypatch, draft.requester)
    release = threading.Event()
    real_actor = form_module.actor

    def slow_actor(s: Any, c: Any) -> Any:
        release.wait(5)
        return real_actor(s, c)

    monkeypatch.setattr(form_module, "actor", slow_actor)
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RequestForm())
        await pilot.pause()
        assert "requester: reading who you are" in str(app.screen.query_one("#form-title", Static).render())
        app.pop_screen()
        app.push_screen(RequestForm(draft))
        await pilot.pause()
        assert app.screen.query_one("#f-title", Input).disabled  # not yet known to be yours
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.screen.query_one("#f-title", Input).disabled

        def broken(_s: Any, _c: Any) -> Any:
            raise StoreError("the store is locked by another process")

        monkeypatch.setattr(form_module, "actor", broken)
        app.pop_screen()
        app.push_screen(RequestForm(draft))
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(app.screen.query_one("#form-status", Static).render())
        assert "Cannot read who you are: the store is locked" in status and app.is_running
        assert app.screen.query_one("#f-title", Input).disabled


async def test_a_store_that_cannot_be_written_keeps_the_form_and_what_was_typed(
    demo: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+s on a read-only (locked, unreachable) store: one line above the form, every field as typed, nothing
    saved; once the store can be written, ctrl+s saves it, once."""
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_form(app, pilot)
        await until(pilot, lambda: form.who is not None)
        await pilot.press(*"FD MC keep-up")
        form.query_one("#f-experiment").value = "nova"  # type: ignore[attr-defined]
        form.query_one("#f-events", Input).value = "1200"
        await pilot.pause()
        count = len(store.requests())
        readonly = readonly_connections(monkeypatch)
        await pilot.press("ctrl+s")
        status = form.query_one("#form-status", Static)
        await until(pilot, lambda: "read-only" in str(status.render()))
        said = str(status.render()).splitlines()[0]
        assert said.startswith("Not saved: ") and "the store is read-only" in said
        assert app.screen is form and app.is_running
        assert form.query_one("#f-title", Input).value == "FD MC keep-up"
        assert form.query_one("#f-events", Input).value == "1200"
        assert len(store.requests()) == count  # nothing saved
        readonly[0] = False
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, RequestDetailScreen))
        assert [r.title for r in store.requests()].count("FD MC keep-up") == 1
