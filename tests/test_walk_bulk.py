"""The shifter's walk, bulk actions: Esc out of a group comes back to it, every bulk dialog names what it acts
on (the group or the marks, each cause with its verdict and what the action does to it, the ids) and warns
when the status board says not to submit; marks never act unseen; a refresh does not move the cursor."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.core.model import Verdict
from opgtui.demo.build import build_demo
from opgtui.domain.failures import UNDIAGNOSED, CauseCount, cause_counts, cause_line


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


def dialog(app: OpgApp) -> str:
    from opgtui.screens.confirm import ConfirmScreen

    assert isinstance(app.screen, ConfirmScreen), type(app.screen).__name__
    return app.screen.message.plain


async def grouped_failures(app: OpgApp, pilot: Any) -> Any:
    """`2 f g`: the failed jobs grouped by cause; returns the jobs screen."""
    await pilot.press("2")
    await pilot.pause(0.5)
    await pilot.press("f", "g")
    await pilot.pause(0.2)
    return app.screen


def test_each_cause_line_says_what_the_action_does_to_it() -> None:
    fhicl = CauseCount("code", "fhicl_protection_violation", "debug", 60)
    assert cause_line("retry", fhicl) == (
        "60 jobs · CODE · fhicl_protection_violation: retrying will fail again (D retries with debug settings)",
        True,
    )
    assert cause_line("release", fhicl)[1] is True  # a released job runs again as it was
    assert cause_line("debug", fhicl) == ("60 jobs · CODE · fhicl_protection_violation: the verdict says debug", False)
    sam = CauseCount("service", "samweb_http_5xx", "retry", 1)
    assert cause_line("retry", sam) == ("1 job · SERVICE · samweb_http_5xx: the verdict says retry", False)
    assert cause_line("bigger", sam)[1] is True
    assert cause_line("remove", fhicl) == ("60 jobs · CODE · fhicl_protection_violation: the verdict says debug", False)
    verdicts = {
        "a": Verdict("code", "debug", "x"),
        "b": Verdict("code", "debug", "x"),
        "c": Verdict("service", "retry", "y"),
    }
    assert cause_counts(["a", "b", "c", "d"], verdicts) == [
        CauseCount("code", "x", "debug", 2),
        CauseCount("service", "y", "retry", 1),
        CauseCount(UNDIAGNOSED, None, "diagnose (d)", 1),
    ]


def cause(store: Any, signature: str) -> str:
    """The one name of a signature's cause, as the failure summary and the job detail say it."""
    from opgtui.domain.failures import FailureGroup

    v = next(v for v in store.verdicts().values() if v.signature == signature)
    return FailureGroup(v.category, v.action, v.signature, v.title).name


async def test_esc_out_of_a_cause_group_comes_back_to_it_and_T_names_that_cause(demo: tuple[Config, Any]) -> None:
    from opgtui.widgets.job_table import JobTable

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    samweb = cause(store, "samweb_http_5xx")
    assert samweb.startswith("SERVICE · ") and "samweb_http_5xx" not in samweb  # its title, not its id
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await grouped_failures(app, pilot)
        table = screen.query_one(JobTable)
        keys = [g.key for g in table.groups]
        sam = keys.index(samweb)
        assert sam > 0
        await pilot.press(*["down"] * sam, "enter")
        await pilot.pause(0.2)
        assert table.groups is None and table.length == 10
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert table.cursor_group is not None and table.cursor_group.key == samweb
        await pilot.press("T")
        await pilot.pause(0.2)
        text = dialog(app)
        assert text.startswith("Retry 10 jobs?")
        assert f"group (cause) {samweb}" in text
        assert "10 jobs · SERVICE · samweb_http_5xx: the verdict says retry" in text
        assert "Status board: NO: do not submit now" in text  # the demo's dcache maintenance is within 6 h
        assert re.search(r"jobs: \d+\.\d+@jobsub01, ", text) and "and 7 more" in text  # as the table shows ids
        await pilot.press("n")
        await pilot.pause(0.1)
        # the code group: a retry will fail again, and the dialog says so
        table.move_cursor(keys.index(cause(store, "fhicl_protection_violation")))
        await pilot.press("T")
        await pilot.pause(0.2)
        assert "60 jobs · CODE · fhicl_protection_violation: retrying will fail again" in dialog(app)
        await pilot.press("escape")
        await pilot.pause(0.1)
        await pilot.press("X")  # remove does not run jobs again: no submit warning, the verdict's advice
        await pilot.pause(0.2)
        text = dialog(app)
        assert "Remove 60 jobs?" in text and "the verdict says debug" in text and "do not submit" not in text


async def test_y_answers_yes_and_n_no(demo: tuple[Config, Any]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await grouped_failures(app, pilot)
        logged = len(store.action_log())
        await pilot.press("T")
        await pilot.pause(0.2)
        assert "y: yes · n or Esc: no" in "\n".join(str(w.render()) for w in app.screen.query("Static"))
        await pilot.press("n")
        await pilot.pause(0.2)
        assert len(store.action_log()) == logged
        await pilot.press("T")
        await pilot.pause(0.2)
        await pilot.press("y")
        await pilot.pause(0.3)
        assert len(store.action_log()) == logged + 1


async def test_M_shows_the_new_memory(demo: tuple[Config, Any]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await grouped_failures(app, pilot)
        from opgtui.widgets.job_table import JobTable

        table = screen.query_one(JobTable)
        group = next(g for g in table.groups if g.key == cause(store, "rule:hold_34_102"))
        table.move_cursor(table.groups.index(group))
        await pilot.press("M")
        await pilot.pause(0.2)
        text = dialog(app)
        from opgtui.domain.retry import bigger_memory

        ads = [store.job_ad(screen.rows[i].job_id) for i in group.indices]
        new = sorted({bigger_memory(ad) for ad in ads})
        shown = f"{new[0]:,}" if len(new) == 1 else f"{new[0]:,}-{new[-1]:,}"
        assert f" -> {shown} MB" in text, text
        assert "the verdict says more memory" in text


async def test_marks_are_cleared_when_the_grouping_changes(demo: tuple[Config, Any]) -> None:
    from opgtui.widgets.job_table import JobTable

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        await pilot.press("f")
        table = app.screen.query_one(JobTable)
        table.focus()
        await pilot.press("space", "space")
        await pilot.pause(0.1)
        assert len(table.marked) == 2
        assert "2 marked" in str(app.screen.query_one("#jobs-status").render())
        await pilot.press("g")
        await pilot.pause(0.2)
        assert table.marked == set()
        assert any("2 marks cleared: the grouping changed" in n.message for n in app._notifications)
        await pilot.press("X")  # the group under the cursor, not two invisible jobs
        await pilot.pause(0.2)
        assert dialog(app).startswith(f"Remove {table.groups[0].count} jobs?")


async def test_marks_left_in_a_group_show_and_the_dialog_says_they_are_not_the_cursors_group(
    demo: tuple[Config, Any],
) -> None:
    from opgtui.widgets.job_table import JobTable

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await grouped_failures(app, pilot)
        table = screen.query_one(JobTable)
        first = table.groups[0]
        await pilot.press("enter")  # into the first group: mark two jobs
        await pilot.pause(0.2)
        await pilot.press("space", "space")
        marked = sorted(table.marked)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert table.cursor_group is not None and table.cursor_group.key == first.key
        line = app.screen.query_one(JobTable).render_line(1).text
        assert line.startswith("*") and "2 marked" in line  # the group holding the marks says so
        await pilot.press("down")
        await pilot.press("X")
        await pilot.pause(0.2)
        text = dialog(app)
        assert text.startswith("Remove 2 jobs?")
        assert f"2 marked jobs in {first.key} (2), NOT the group under the cursor ({table.groups[1].key})" in text
        from opgtui.domain.joblist import short_id

        assert all(short_id(store.job(jid)) in text for jid in marked)


async def test_a_refresh_leaves_the_cursor_on_its_group_and_its_job(demo: tuple[Config, Any]) -> None:
    from opgtui.widgets.job_table import JobTable

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await grouped_failures(app, pilot)
        table = screen.query_one(JobTable)
        await pilot.press("down", "down", "down", "down")
        key = table.cursor_group.key
        app.reload_views()
        await pilot.pause(0.5)
        assert table.cursor_group.key == key
        await pilot.press("enter", "down", "down")
        await pilot.pause(0.2)
        job = table.cursor_row.job_id
        members = sorted(screen.rows[i].job_id for i in screen.visible_indices())
        app.reload_views()
        await pilot.pause(0.5)
        assert table.cursor_row.job_id == job
        assert sorted(screen.rows[i].job_id for i in screen.visible_indices()) == members


async def test_the_failure_summary_keeps_its_cursor_across_a_refresh_and_names_the_cause(
    demo: tuple[Config, Any],
) -> None:
    from textual.widgets import DataTable

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        await pilot.press("F")
        await pilot.pause(0.5)
        screen = app.screen
        await pilot.press("down", "down", "down")
        await pilot.pause(0.1)
        was = screen.current
        app.reload_views()
        await pilot.pause(0.5)
        assert screen.query_one("#failures", DataTable).cursor_row == 3 and screen.current.signature == was.signature
        await pilot.press("T")
        await pilot.pause(0.2)
        text = dialog(app)
        assert f"cause {was.category.upper()} · {was.signature}" in text
        await pilot.press("escape")
        await pilot.pause(0.1)
        await pilot.press("S")
        await pilot.pause(0.2)
        text = dialog(app)
        assert "every service-caused failure" in text and "Status board: NO: do not submit now" in text


def test_no_warning_when_the_board_says_go(tmp_path: Path) -> None:
    from opgtui.screens.confirm import submit_warning
    from opgtui.store import open_store

    app = OpgApp(Config(store=tmp_path / "s.db"), open_store(tmp_path / "s.db"), refresh_loop=False)
    assert submit_warning(app, now=1_800_000_000.0, store=app.store) is None  # nothing required: nothing to warn about


async def test_esc_from_a_causes_jobs_returns_to_the_summary_on_that_cause(demo: tuple[Config, Any]) -> None:
    from textual.widgets import DataTable

    from opgtui.screens.failures import FailureSummaryScreen
    from opgtui.widgets.job_table import JobTable

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await grouped_failures(app, pilot)
        await pilot.press("F")
        await pilot.pause(0.5)
        await pilot.press("j", "j", "j")
        summary = app.screen
        assert isinstance(summary, FailureSummaryScreen)
        cause = summary.current
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.screen is screen and sorted(screen.rows[i].job_id for i in screen.visible_indices()) == sorted(
            cause.job_ids
        )
        await pilot.press("escape")  # one level up: the summary, on the same cause
        await pilot.pause(0.5)
        assert isinstance(app.screen, FailureSummaryScreen)
        assert app.screen.query_one("#failures", DataTable).cursor_row == 3
        assert app.screen.current.signature == cause.signature
        await pilot.press("escape")  # and the jobs view as it was before F: failed, grouped by cause
        await pilot.pause(0.3)
        assert app.screen is screen and screen.quick == "failed" and screen.grouping == "cause"
        assert screen.query_one(JobTable).groups is not None


async def test_a_groups_dialog_is_read_off_the_ui_thread(
    demo: tuple[Config, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """T on a cause of thousands of jobs does not freeze the keys while its verdicts and records are read."""
    import threading

    from opgtui.screens import confirm

    readers: list[str] = []
    real = confirm._verdicts

    def recorded(store: Any, job_ids: Any) -> Any:
        readers.append(threading.current_thread().name)
        return real(store, job_ids)

    monkeypatch.setattr(confirm, "_verdicts", recorded)
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await grouped_failures(app, pilot)
        await pilot.press("T")
        await pilot.pause(0.3)
        assert "Retry" in dialog(app)
        assert readers and threading.main_thread().name not in readers
