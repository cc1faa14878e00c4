"""The job detail: the record, the verdict, the stages a job reported with opg-phase, and its retry lineage."""

from __future__ import annotations

from opgtui.app import OpgApp


async def test_detail_shows_the_jobs_stages_with_wall_and_cpu(demo) -> None:  # type: ignore[no-untyped-def]
    from opgtui.screens.job import JobDetailScreen

    cfg, store = demo
    job_id, n = store.conn.execute(
        "SELECT job_id, count(*) FROM job_phases GROUP BY job_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    names = [r[0] for r in store.conn.execute("SELECT name FROM job_phases WHERE job_id = ? ORDER BY seq", (job_id,))]
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(JobDetailScreen(job_id))
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()  # the detail is read off the UI thread
        await pilot.pause()
        text = str(app.screen.query_one("#detail").render())
        stages = text.split("Stages\n", 1)[1].splitlines()[:n]
        assert [line.split()[0] for line in stages] == names
        assert all(" wall " in line and " cpu " in line for line in stages)


async def test_escape_from_the_raw_ad_returns_to_the_detail(demo) -> None:  # type: ignore[no-untyped-def]
    from opgtui.screens.job import JobDetailScreen

    cfg, store = demo
    job_id = next(j.id for j in store.jobs() if j.hold_code == 34)
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(JobDetailScreen(job_id))
        await pilot.pause(0.1)
        await app.workers.wait_for_complete()  # the detail is read off the UI thread
        await pilot.press("a")
        await pilot.pause(0.1)
        assert "HoldReasonCode = 34" in str(app.screen.query_one("#detail").render())
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert isinstance(app.screen, JobDetailScreen) and "Hold code" in str(app.screen.query_one("#detail").render())
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, JobDetailScreen)


def test_a_stored_verdict_event_or_retry_of_any_text_is_drawn_clean() -> None:
    """A team store's rows are text their writers chose: the detail shows every part of them, never an escape
    sequence or a bidi override."""
    from opgtui.core.model import Job, JobEvent, Verdict
    from opgtui.screens.job import detail_text, lineage_text

    osc = "\x1b]52;c;aGk=\x07\u202e"
    job = Job("s#1.0", "s", 1, 0)
    verdict = Verdict("code" + osc, "retry" + osc, None)
    text = detail_text(job, verdict, [JobEvent("s#1.0", 0.0, "held" + osc, "x")]).plain
    retry = {
        "time": 0.0,
        "who": "a",
        "job_id": "s#1.0",
        "new_job_id": "s#2.0",
        "mode": "resubmit",
        "profile": "p",
        "changes": {"Env" + osc: 1},
        "ok": True,
        "result": "",
    }
    text += lineage_text("s#1.0", [retry], None).plain  # type: ignore[list-item]
    assert "CODE" in text and "held" in text and "Env" in text
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
