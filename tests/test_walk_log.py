"""The Log view: the verdict panel says the same for a job whichever stream `e` shows; a stream that cannot be
read says why from the start of the reason, in the panel and in a toast wide enough to read; an error that
carries a server's text (an HTTP reason phrase) reaches neither as terminal escapes."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.demo.build import build_demo
from opgtui.screens.log import verdict_text

HOSTILE = "HTTP 503 \x1b]52;c;cHduZWQ=\x07 \x1b[2J\x1b]0;owned\x07 Service Unavailable"


@pytest.fixture
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


def panel(app: OpgApp) -> list[str]:
    return app.screen.query_one("#verdict", Static).render().plain.splitlines()  # type: ignore[attr-defined]


async def open_first_failed_log(app: OpgApp, pilot: Any) -> None:
    await pilot.press("2")
    await pilot.pause(0.5)
    await pilot.press("f", "l")
    for _ in range(30):
        await pilot.pause(0.1)
        if app.current_mode == "log" and len(panel(app)) == 3:
            break


async def test_the_verdict_stays_when_e_switches_stream(demo: tuple[Config, Any]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first_failed_log(app, pilot)
        first = panel(app)
        assert first[2].startswith("stdout · ")
        job_id = app.log_target.job_id  # type: ignore[union-attr]
        stored = store.verdicts_for([job_id])[job_id]
        for stream in ("stderr", "userlog"):
            await pilot.press("e")
            await pilot.pause(0.5)
            now = panel(app)
            assert now[2].startswith(f"{stream} · ")
            assert now[:2] == first[:2], stream  # same verdict, same confidence, same reason
        assert store.verdicts_for([job_id])[job_id] == stored  # reading stderr did not replace the job's verdict


async def test_a_stream_that_cannot_be_read_says_why_readably_and_cleanly(
    demo: tuple[Config, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from opgtui.ops import logtarget

    def refused(*_args: Any, **_kw: Any) -> logtarget.LogResult:
        return logtarget.LogResult(source="https://logs.example/j.out", error=HOSTILE)

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        monkeypatch.setattr(logtarget, "resolve_and_diagnose", refused)
        await open_first_failed_log(app, pilot)
        await pilot.pause(0.3)
        line = panel(app)[-1]
        assert line.startswith("stdout · not read: HTTP 503")
        toast = next(n for n in app._notifications if "HTTP 503" in n.message)
        assert toast.title == "stdout not read"
        for text in (line, toast.message):
            assert "\x1b" not in text and "\x07" not in text
        for _ in range(20):
            await pilot.pause(0.1)
            if toasts := list(app.screen.query("Toast")):
                break
        assert toasts and toasts[0].size.width >= 70  # not a 40-column strip of wrapped path


def test_the_panel_names_the_error_from_its_start() -> None:
    text = verdict_text(None, "", 0, 50, "userlog", 80, error="no userlog known for s#1.0 (configure 'logs:')")
    assert text.plain == "userlog · not read: no userlog known for s#1.0 (configure 'logs:')"


async def test_slash_searches_n_moves_through_matches_a_number_jumps_and_c_copies(
    demo: tuple[Config, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Conventions shifters expect: `/` search with n/N, jump to a line, copy a line (only the one chosen, and
    cleaned) and a job id."""
    from opgtui.screens.job import JobDetailScreen
    from opgtui.widgets.log_view import LogView

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    copied: list[str] = []
    monkeypatch.setattr(OpgApp, "copy_to_clipboard", lambda self, text: copied.append(text))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first_failed_log(app, pilot)
        await pilot.press("right_square_bracket")  # 200 lines
        await pilot.pause(0.5)
        view = app.screen.query_one(LogView)
        wanted = [i for i, line in enumerate(view.lines) if "begin processing" in line.lower()]
        assert len(wanted) >= 3
        view.lines[wanted[1]] += " \x1b]52;c;cHduZWQ=\x07\u202e"  # a hostile line: copied cleaned
        view.scroll_home(animate=False)
        await pilot.press("slash", *"Begin processing", "enter")
        await pilot.pause(0.2)
        assert view.current == wanted[0] and view.has_focus
        await pilot.press("n")
        assert view.current == wanted[1]
        await pilot.press("c")
        assert copied and "Begin processing" in copied[-1] and "\x1b" not in copied[-1] and "\u202e" not in copied[-1]
        await pilot.press("N", "N")
        assert view.current == wanted[-1]  # wraps around
        await pilot.press("slash", *":7", "enter")
        await pilot.pause(0.2)
        assert view.current == 6 and not view.search_text
        await pilot.press("slash", "x", "escape")
        await pilot.pause(0.2)
        assert app.current_mode == "log" and view.has_focus  # Esc leaves the search line, not the view
        job_id = app.log_target.job_id  # type: ignore[union-attr]
        app.push_screen(JobDetailScreen(job_id))
        await pilot.pause()
        await pilot.press("c")
        assert copied[-1] == store.job(job_id).display_id
