"""Hostile text (issue 17): bidi overrides and invisible format characters never reach the screen as they are,
and stored text put into editable widgets is cleaned too."""

from __future__ import annotations

import sys
import time
import unicodedata
from pathlib import Path

import pytest
from test_status_view import screen_lines

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.core.model import Announcement, ServiceState
from opgtui.core.textsafe import clean, one_line
from opgtui.store import open_store

HOSTILE = Path(__file__).parent / "data" / "hostile"
BIDI_LINES = (HOSTILE / "bidi_format_chars.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")


def _invisible(text: str) -> list[str]:
    """The characters of ``text`` that would reorder or hide what the reader sees."""
    return [ch for ch in text if unicodedata.category(ch) in ("Cf", "Zl", "Zp", "Cs", "Cc")]


def test_every_format_character_is_made_visible() -> None:
    missed = [
        f"U+{c:04X}"
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) == "Cf" and _invisible(clean("a" + chr(c) + "b"))
    ]
    assert missed == []
    assert clean("novapro\u202egnp.exe\u202c") == "novapro\\u202egnp.exe\\u202c"
    assert clean("a\u200bb\ufeffc\U000e0041") == "a\\u200bb\\ufeffc\\U000e0041"
    assert clean("x\u2028y\u2029z") == "x\\u2028y\\u2029z"
    assert clean("lone \udcff surrogate") == "lone \\udcff surrogate"


def test_hostile_file_lines_come_out_visible_and_printable() -> None:
    assert len(BIDI_LINES) >= 6
    for line in BIDI_LINES:
        assert _invisible(line), line  # the file really is hostile
        for out in (clean(line), clean("\t" + line), clean("\x1b[2J" + line)):
            assert out.isprintable() and not _invisible(out)
            assert "\\u" in out or "\\U" in out  # shown, not silently dropped
        squeezed = one_line(line)  # one_line turns the separators into spaces; the rest is shown
        assert squeezed.isprintable() and not _invisible(squeezed)


def test_legitimate_unicode_is_untouched() -> None:
    for s in ("Δt = 12 s ✓", "naïve café — ok", "日本語のジョブ", "emoji 🙂", "a\u00a0b"):
        assert clean(s) == s


async def test_dashboard_shows_bidi_override_visibly(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    now = time.time()
    rlo = BIDI_LINES[0]
    store.record_feed(
        "am",
        "alertmanager",
        fetched=now,
        ok=True,
        states=[ServiceState("samweb", "down", now - 60, "am", rlo)],
        windows=[],
    )
    store.post_announcement(Announcement("read " + rlo + " carefully", "warning", "mallory\u200b"), now - 10)
    app = OpgApp(Config(store=tmp_path / "s.db"), store, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the board is read off the UI thread
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "novapro\\u202egnp" in text
        assert _invisible(text.replace("\n", "")) == []


# ------------------------------------------------------------------ item 1: editable widgets


def _hostile(name: str) -> str:
    return (HOSTILE / name).read_text(encoding="utf-8").rstrip("\n")


def _escapes(text: str) -> bool:
    return any(ch in text for ch in "\x1b\x07\x9b\x9d") or bool(_invisible(text.replace("\n", "")))


async def test_request_form_cleans_stored_typed_and_pasted_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual import events
    from textual.widgets import Input, Static, TextArea

    from opgtui.domain import requests as rq
    from opgtui.ops.request_ops import create
    from opgtui.screens.request_form import RequestForm

    title = _hostile("osc52_request_title.txt")
    monkeypatch.setattr(rq, "whoami", lambda: "carol")
    cfg = Config(store=tmp_path / "s.db")
    store = open_store(cfg.store)
    req = create(store, cfg, "carol", "nova", title, {"notes": title + "\nline two", "release": title})
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(100, 40)) as pilot:
        app.push_screen(RequestForm(store.request(req.id)))
        await pilot.pause()
        form = app.screen
        shown_title = form.query_one("#f-title", Input).value
        assert "NOvA FD reco" in shown_title and "keep-up" in shown_title and not _escapes(shown_title)
        assert not _escapes(form.query_one("#f-release", Input).value)
        notes = form.query_one("#f-notes", TextArea)
        assert notes.text.endswith("\nline two") and not _escapes(notes.text)
        assert not _escapes("\n".join(screen_lines(app)))
        # pasted into the title and the notes
        form.query_one("#f-title", Input).focus()
        await pilot.press("end")
        form.query_one("#f-title", Input).post_message(events.Paste(_hostile("paste_request_notes.txt")))
        notes.focus()
        notes.load_text("")
        notes.post_message(events.Paste(_hostile("paste_request_notes.txt")))
        await pilot.pause()
        assert "first line ok" in form.query_one("#f-title", Input).value
        assert not _escapes(form.query_one("#f-title", Input).value)
        assert "second  line \\u202ebackwards" in notes.text and "third^G line" in notes.text
        assert not _escapes(notes.text) and "\r" not in notes.text
        assert not _escapes("\n".join(screen_lines(app)))
        await pilot.press("ctrl+s")
        await pilot.pause()
        status = str(form.query_one("#form-status", Static).render()) if app.screen is form else ""
        assert app.screen is not form, status
    saved = store.request(req.id)
    assert not _escapes(saved.title) and not _escapes(saved.fields["notes"])


async def test_unchanged_hostile_title_is_not_an_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Editing only the notes of a request whose stored title is hostile saves (the cleaned title shown in the
    form is not taken for a change of the title)."""
    from textual.widgets import TextArea

    from opgtui.domain import requests as rq
    from opgtui.ops.request_ops import create
    from opgtui.screens.request_form import RequestForm

    title = _hostile("osc52_request_title.txt")
    monkeypatch.setattr(rq, "whoami", lambda: "carol")
    cfg = Config(store=tmp_path / "s.db")
    store = open_store(cfg.store)
    req = create(store, cfg, "carol", "nova", title, {"release": "v1"})
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(100, 40)) as pilot:
        app.push_screen(RequestForm(store.request(req.id)))
        await pilot.pause()
        form = app.screen
        form.query_one("#f-notes", TextArea).load_text("please run soon")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not form
    saved = store.request(req.id)
    assert saved.fields["notes"] == "please run soon" and saved.version == 2
    assert saved.title == " ".join(title.split())  # as stored, not rewritten by the form


async def test_announcement_edit_dialog_cleans_stored_text(tmp_path: Path) -> None:
    from textual.widgets import Input

    from opgtui.screens.announce import AnnouncementForm, AnnouncementsScreen

    text = _hostile("csi2j_announcement.txt")
    store = open_store(tmp_path / "s.db")
    store.post_announcement(Announcement(text, "warning", "shifter"), time.time() - 60)
    app = OpgApp(Config(store=tmp_path / "s.db"), store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"announce", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()  # the list is read off the UI thread
        await pilot.pause()
        assert isinstance(app.screen, AnnouncementsScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AnnouncementForm)
        value = app.screen.query_one("#text", Input).value
        assert value.startswith("SAM back at 10:00") and "retry then" in value and not _escapes(value)
        assert not _escapes("\n".join(screen_lines(app)))
        await pilot.press("end", *" ok", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AnnouncementsScreen)
    (saved,) = store.announcements()
    assert saved.text.endswith("retry then ok") and not _escapes(saved.text)


async def test_a_level_or_status_written_straight_into_a_shared_store_is_shown_clean(tmp_path: Path) -> None:
    """A team store holds whatever its writers put there: an announcement's level and a request's status are text
    too (no markup, no escape sequence reaches the terminal) in the header, :announce, the Requests view and a
    request's page."""
    from opgtui.core.model import ProductionRequest

    osc = "\x1b]52;c;aGk=\x07[/x]\u202e"
    store = open_store(tmp_path / "s.db")
    store.post_announcement(Announcement("pool drained", osc, "mallory"), time.time() - 10)
    store.save_request(ProductionRequest("nova", "MC 2026", "mallory", status=osc), "mallory", "create")
    app = OpgApp(Config(store=tmp_path / "s.db"), store, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        seen = []
        for command in ("", "announce", "requests"):
            if command:
                await pilot.press("colon", *command, "enter")
            if command == "requests":
                await pilot.press(*"s" * 6)  # the status filter "all": no other lists an unknown status
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            text = "\n".join(screen_lines(app))
            assert not _escapes(text), (command, text)
            seen.append(text)
        await pilot.press("enter")  # the request's own page
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        detail = "\n".join(screen_lines(app))
        assert "MC 2026" in detail and "[/x]" in detail and not _escapes(detail), detail
    assert "pool drained" in seen[0] and "pool drained" in seen[1] and "MC 2026" in seen[2]
    assert "[/X]" in seen[0] and "[/x" in seen[1] and "[/x]" in seen[2]  # the text shown as it is, never markup
