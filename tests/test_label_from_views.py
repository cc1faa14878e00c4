"""Issue 13: `v` labels from the job detail and from a cause in the failure summary, with the Signatures view's
label form (the pattern proposed from the jobs' shared line, tested, then enabled for the team)."""

from __future__ import annotations

from pathlib import Path

from test_learn_screen import demo_dir, make_app  # noqa: F401  (demo_dir is the module's demo fixture)
from test_status_view import screen_lines
from textual.widgets import Select

from opgtui.learn.pick import suggestion_for
from opgtui.screens.failures import FailureSummaryScreen
from opgtui.screens.signatures import LabelForm
from opgtui.store import open_store


async def wait_for_form(app: object, pilot: object) -> LabelForm:
    for _ in range(50):
        await pilot.pause(0.1)  # type: ignore[attr-defined]
        if isinstance(app.screen, LabelForm) and screen_lines(app):  # type: ignore[attr-defined]
            return app.screen  # type: ignore[attr-defined]  (pushed and drawn: a busy machine takes a while)
    raise AssertionError(f"no label form: {type(app.screen).__name__}")  # type: ignore[attr-defined]


async def test_v_on_a_cause_labels_its_jobs_and_the_summary_shows_the_new_verdict(
    demo_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    app = make_app(demo_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("colon", *"failures", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = app.screen
        assert isinstance(summary, FailureSummaryScreen)
        row = next(i for i, g in enumerate(summary.groups) if g.signature == "xrootd_3011_no_such_file")
        job_ids = summary.groups[row].job_ids
        for _ in range(row):
            await pilot.press("down")
        await pilot.press("v")
        form = await wait_for_form(app, pilot)
        assert "(6 jobs)" in "\n".join(screen_lines(app)) and "TNetXNGFile" in "\n".join(screen_lines(app))
        assert "pattern ok: matches 6 of 6 lines" in str(form.query_one("#check").render())
        assert form.query_one("#verdict", Select).value is Select.NULL  # an unknown cause: none proposed
        form.query_one("#verdict", Select).value = "service"
        form.query_one("#title").focus()  # Cancel has the focus on a cause
        await pilot.press(*"XRootD replica gone", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "passed" in str(form.query_one("#numbers").render())
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is summary
        assert any(g.category == "service" and g.title == "XRootD replica gone" for g in summary.groups)
    store = open_store(tmp_path / "opgtui.db", readonly=True)
    try:
        assert {v.signature for v in store.verdicts_for(job_ids).values()} == {"learned.xrootd_replica_gone"}
    finally:
        store.close()


async def test_v_on_a_jobs_detail_opens_the_label_form_on_its_line(demo_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    from opgtui.screens.job import JobDetailScreen

    app = make_app(demo_dir, tmp_path)
    verdicts = app.store.verdicts_for([j.id for j in app.store.jobs()])
    job_id = next(jid for jid, v in verdicts.items() if v.signature == "samweb_http_5xx")
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(JobDetailScreen(job_id))
        await pilot.pause()
        await pilot.press("v")
        form = await wait_for_form(app, pilot)
        assert "(1 jobs)" in "\n".join(screen_lines(app)) or "(1 job" in "\n".join(screen_lines(app))
        assert "Service Unavailable" in form.suggestion.template.text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, JobDetailScreen)


def test_a_job_with_no_line_to_label_is_one_line(demo_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    app = make_app(demo_dir, tmp_path)
    assert suggestion_for(app.cfg, app.store, ["nosuch#1.0"]) == "no such job in the store"
