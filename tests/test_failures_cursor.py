"""Review finding (failures.py, proposed): the failure summary's cursor after the population re-weighs the causes."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_population import NOW, failures, ok_jobs, unknown

from opgtui.core.model import Verdict
from opgtui.domain.failures import summarise
from opgtui.domain.population import analyse


def _store(tmp_path: Path, others: int = 0):  # type: ignore[no-untyped-def]
    """12 unknown failures on a black-hole node (a hint once weighed), ``others`` unknown failures of the same
    cause elsewhere (no hint), 20 code failures (the first row)."""
    from opgtui.config import Config
    from opgtui.store import open_store

    bad = failures("dune_reco_x", 12, "h123.fnal.gov", "FNAL_GPGrid", end=NOW - 600)
    elsewhere = failures("dune_reco_x", others, None, "UCSD", end=NOW - 600)
    code = failures("dune_reco_y", 20, None, "UCSD", end=NOW - 600)  # a bigger cause: the table's first row
    jobs = ok_jobs("dune_reco_x", 300) + ok_jobs("dune_reco_y", 300) + bad + elsewhere + code
    verdicts = unknown([j.id for j in bad + elsewhere]) | {
        j.id: Verdict("code", "debug", "fhicl_parse", "FHiCL could not be parsed") for j in code
    }
    cfg = Config(store=tmp_path / "s.db")
    store = open_store(cfg.store)
    store.upsert_jobs(jobs)
    store.save_verdicts(verdicts)
    failed = [j for j in jobs if j.failed]
    plain = summarise(failed, verdicts)
    weighed = summarise(failed, verdicts, analyse(jobs, verdicts, now=NOW))
    return cfg, store, bad, plain, weighed, len(failed)


async def _summary(app, pilot):  # type: ignore[no-untyped-def]
    from opgtui.screens.failures import FailureSummaryScreen

    app.push_screen(FailureSummaryScreen())
    for _ in range(200):
        await pilot.pause(0.05)
        if isinstance(app.screen, FailureSummaryScreen) and app.screen.weighed:
            return app.screen
    raise AssertionError("never weighed")


async def test_the_cursor_stays_on_its_jobs_when_the_population_gives_its_cause_a_hint(tmp_path: Path) -> None:
    from textual.widgets import DataTable

    from opgtui.app import OpgApp

    cfg, store, bad, plain, weighed, n = _store(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _summary(app, pilot)
        screen.show(plain, n)  # the causes as first shown, before the other jobs are weighed
        row = next(i for i, g in enumerate(plain) if g.category == "unknown")
        assert row != 0
        screen.query_one("#failures", DataTable).move_cursor(row=row)
        await pilot.pause()
        screen.show(weighed, n)  # the weighing's answer redraws the table
        await pilot.pause()
        assert screen.current is not None
        assert set(screen.current.job_ids) == {j.id for j in bad}  # T/D/H/X here act on the same jobs
    store.close()


async def test_coming_back_to_a_hinted_cause_puts_the_cursor_on_it_once_weighed(tmp_path: Path) -> None:
    """Enter on a hinted cause, then Esc from its jobs: the summary opens again on that cause (action_open's
    back), though its first answer (not weighed yet) has no hinted causes."""
    from opgtui.app import OpgApp
    from opgtui.screens.failures import FailureSummaryScreen, _key

    cfg, store, _bad, _plain, weighed, _n = _store(tmp_path)
    hinted = next(g for g in weighed if g.hint)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(FailureSummaryScreen(None, "all jobs", _key(hinted)))
        for _ in range(200):
            await pilot.pause(0.05)
            screen = app.screen
            if isinstance(screen, FailureSummaryScreen) and screen.weighed:
                break
        assert isinstance(screen, FailureSummaryScreen) and screen.weighed
        await pilot.pause()
        assert screen.current is not None and _key(screen.current) == _key(hinted)
    store.close()


@pytest.mark.parametrize("others", [0, 3])
async def test_a_refresh_keeps_the_cursor_on_a_hinted_cause(tmp_path: Path, others: int) -> None:
    """The refresh loop reloads the summary: its first answer has no hints (the weighing follows), so the hinted
    cause the cursor is on is gone for a moment; once weighed, the cursor is on it again."""
    from textual.widgets import DataTable

    from opgtui.app import OpgApp
    from opgtui.screens.failures import _key

    cfg, store, bad, _plain, _weighed, _n = _store(tmp_path, others)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _summary(app, pilot)
        assert [g.count for g in screen.groups if g.category == "unknown"] == [12, others][: 1 + bool(others)]
        row = next(i for i, g in enumerate(screen.groups) if g.hint)
        hinted = _key(screen.groups[row])
        screen.query_one("#failures", DataTable).move_cursor(row=row)
        await pilot.pause()
        screen.reload()  # what the refresh loop does (reload_views)
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.weighed:
                break
        await pilot.pause()
        assert screen.current is not None and _key(screen.current) == hinted
        assert set(screen.current.job_ids) == {j.id for j in bad}
    store.close()
