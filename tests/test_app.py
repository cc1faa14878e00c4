"""The dashboard shell: views by key and by `:` command, help, back, quit, hostile text, 80x24."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config, parse_config
from opgtui.core.model import Announcement, ServiceState, Window
from opgtui.ops.logtarget import LogTarget
from opgtui.store import open_store

HOSTILE = "[@click=app.bell]x[/] x [/ \x1b]52;c;cHduZWQ=\x07 [bold]not bold[/bold]"


def screen_text(app: OpgApp) -> str:
    """Everything the screen shows, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_update(full=True).strips)  # type: ignore[union-attr]


def visible_text(app: OpgApp) -> str:
    from textual.widgets import Static

    parts = []
    for w in app.screen.query(Static):
        if w.display:
            parts.append(str(w.render()))
    return "\n".join(parts)


@pytest.fixture
def empty_app(tmp_path: Path) -> OpgApp:
    return OpgApp(Config(store=tmp_path / "s.db"), open_store(tmp_path / "s.db"), refresh_loop=False)


async def test_views_by_number_keys_and_back(empty_app: OpgApp) -> None:
    async with empty_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert empty_app.current_mode == "status"
        for key, mode in (("2", "jobs"), ("3", "log"), ("4", "requests"), ("1", "status")):
            await pilot.press(key)
            await pilot.pause()
            assert empty_app.current_mode == mode
        await pilot.press("escape")
        await pilot.pause()
        assert empty_app.current_mode == "requests"  # Esc goes back to the previous view


async def test_command_mode_switches_views(empty_app: OpgApp) -> None:
    async with empty_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"jobs", "enter")
        await pilot.pause()
        assert empty_app.current_mode == "jobs"
        await pilot.press("colon", *"req", "enter")
        await pilot.pause()
        assert empty_app.current_mode == "requests"
        await pilot.press("colon", *"nonsense", "enter")
        await pilot.pause()
        assert empty_app.current_mode == "requests"


async def test_help_lists_keys_and_closes(empty_app: OpgApp) -> None:
    async with empty_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        from opgtui.screens.help import HelpScreen

        assert isinstance(empty_app.screen, HelpScreen)
        text = visible_text(empty_app)
        assert "Quit" in text and "Jobs" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(empty_app.screen, HelpScreen)


async def test_q_quits(empty_app: OpgApp) -> None:
    async with empty_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert empty_app.return_code == 0


async def test_no_config_says_what_to_configure(empty_app: OpgApp) -> None:
    async with empty_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = visible_text(empty_app)
        assert "No service data yet" in text
        assert "pools:" in text and "feeds:" in text
        assert "no config" in text  # the header says so too


async def test_board_banner_and_hostile_text_stay_literal(tmp_path: Path) -> None:
    cfg = parse_config("services:\n  - {name: samweb, critical: true}\n  - {name: dcache}\n", Path("c.yaml"))
    cfg.store = tmp_path / "s.db"
    store = open_store(cfg.store)
    now = time.time()
    store.record_feed(
        "am",
        "alertmanager",
        fetched=now,
        ok=True,
        states=[
            ServiceState("samweb", "down", now - 2580, "am", HOSTILE),
            ServiceState("[/foo]", "degraded", now - 60, "am"),
        ],
        windows=[Window("dcache", "maintenance", now + 3600, now + 7200, "am", description=HOSTILE)],
    )
    store.post_announcement(Announcement(HOSTILE, "critical", "[red]mallory"))
    app = OpgApp(cfg, store, refresh_loop=False)
    bells = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = visible_text(app)
        assert "CRITICAL DOWN" in text and "samweb since" in text
        assert "[@click=app.bell]x[/]" in text  # shown literally, not run
        assert "\x1b" not in text
        await pilot.click("#announcements")
        await pilot.pause()
        assert bells == []
        assert "NO: do not submit now" in text or "UNKNOWN" in text or "samweb" in text


async def test_post_edit_expire_announcement_from_the_dashboard(empty_app: OpgApp) -> None:
    async with empty_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"announce", "enter")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"SAM retries OK after 10:00")
        await pilot.press("tab", "tab")
        await pilot.press(*"4h", "enter")
        await pilot.pause()
        (a,) = empty_app.store.announcements()
        assert a.text == "SAM retries OK after 10:00" and a.until is not None
        await pilot.press("escape")
        await pilot.pause()
        assert "SAM retries OK" in visible_text(empty_app)  # on the view right away
        await pilot.press("colon", *"announce", "enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *"SAM retries OK now", "enter")
        await pilot.pause()
        assert empty_app.store.announcements()[0].text == "SAM retries OK now"
        await pilot.press("x")
        await pilot.pause()
        assert empty_app.store.announcements() == []


async def test_announcement_form_rejects_an_end_in_the_past(empty_app: OpgApp) -> None:
    async with empty_app.run_test(size=(80, 24)) as pilot:
        empty_app.action_announce()
        await pilot.pause()
        await pilot.press(*"x", "tab", "tab", *"2001-01-01T00:00", "enter")
        await pilot.pause()
        assert "end before it starts" in visible_text(empty_app)
        assert empty_app.store.announcements(include_expired=True) == []


def _store_with_failed_jobs(tmp_path: Path) -> tuple[Config, object]:
    from opgtui.core.model import Job, JobStatus

    log = tmp_path / "job.out"
    log.write_text(
        "setup ok\nifdh establishProcess https://samweb.fnal.gov:8483/sam/nova/api/projects/p/1\n"
        " Exception: https://samweb.fnal.gov:8483/sam/nova/api/projects/p/1/establishProcess"
        "FetchError: Retry count exceeded\n"
    )
    from opgtui.config import LogLocation

    cfg = Config(store=tmp_path / "s.db", logs=[LogLocation("here", stdout=f"{tmp_path}/{{Out}}")])  # read only here
    store = open_store(cfg.store)
    now = time.time()
    jobs = [
        Job(
            f"jobsub01#{100 + i}.0",
            "jobsub01",
            100 + i,
            0,
            owner="novapro",
            status=JobStatus.COMPLETED,
            exit_code=1,
            stdout=str(log),
            status_since=now - 60,
            end_time=now - 60,
        )
        for i in range(30)
    ]
    jobs.append(Job("jobsub01#200.0", "jobsub01", 200, 0, status=JobStatus.RUNNING, stdout=str(log)))
    store.upsert_jobs(jobs)
    return cfg, store


async def test_diagnose_key_fills_verdicts_in_the_background(tmp_path: Path) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        await pilot.press("f", "d")
        for _ in range(50):
            await pilot.pause(0.1)
            if len(store.verdicts()) == 30:
                break
        verdicts = store.verdicts()
        assert len(verdicts) == 30 and {v.category for v in verdicts.values()} == {"service"}
        await pilot.pause(0.5)
        from opgtui.widgets.job_table import JobTable

        table = app.screen.query_one(JobTable)
        assert "service" in table.render_line(1).text


async def test_log_view_follows_a_growing_log(tmp_path: Path) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.open_log(LogTarget("jobsub01#200.0"))
        await pilot.pause(0.5)
        from opgtui.widgets.log_view import LogView

        view = app.screen.query_one(LogView)
        assert any("FetchError" in line for line in view.lines)
        view.focus()
        await pilot.press("s")
        with (tmp_path / "job.out").open("a") as fh:
            fh.write("Begin processing the 501st record\n")
        for _ in range(40):
            await pilot.pause(0.1)
            if view.lines[-1].startswith("Begin processing"):
                break
        assert view.lines[-1] == "Begin processing the 501st record"


async def test_log_view_cycles_stdout_stderr_and_event_log(tmp_path: Path) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    (tmp_path / "job.err").write_text("stderr: warning only\n")
    (tmp_path / "job.log").write_text("000 (200.000.000) 2026-11-25 08:00:00 Job submitted from host: <1.2.3.4:9618>\n")
    job = store.job("jobsub01#200.0")
    job.stderr, job.userlog = str(tmp_path / "job.err"), str(tmp_path / "job.log")
    store.upsert_jobs([job])
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.open_log(LogTarget("jobsub01#200.0"))
        await pilot.pause(0.5)
        from opgtui.widgets.log_view import LogView

        seen = []
        for _ in range(3):
            view = app.screen.query_one(LogView)
            seen.append(view.lines[0] if view.lines else "")
            await pilot.press("e")
            await pilot.pause(0.5)
        assert seen[0] == "setup ok" and seen[1] == "stderr: warning only" and seen[2].startswith("000 (200.000.000)")
