"""One name per cause (review finding 10): the jobs of a cause on the failure summary are grouped under that same
name by the Jobs view's cause grouping (``g``). A "probably" verdict (no signature; its reason is its title) read
'SERVICE · Probably service: samweb …' on the summary and 'SERVICE · exit 137' in the grouping."""

from __future__ import annotations

from typing import Any

import pytest
from test_label_proposal import until

from opgtui.app import OpgApp
from opgtui.domain.failures import cause_title
from opgtui.domain.joblist import group_rows
from opgtui.screens.failures import FailureSummaryScreen
from opgtui.screens.jobs import JobsScreen


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_a_cause_has_one_name_on_the_summary_and_in_the_jobs_grouping(demo: Any, size: Any) -> None:
    app = OpgApp(*demo, demo=True, refresh_loop=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen.loaded_at is not None, "jobs")
        jobs = app.screen
        assert isinstance(jobs, JobsScreen)
        grouped = {
            jobs.rows[i].job_id: g.key
            for g in group_rows(jobs.rows, jobs.visible_indices(), "cause")
            for i in g.indices
        }
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, FailureSummaryScreen) and app.screen.groups, "the causes")
        assert isinstance(app.screen, FailureSummaryScreen)
        named = {jid: cause_title(g.category, g.signature, g.title) for g in app.screen.groups for jid in g.job_ids}
    differ = sorted({(named[jid], grouped.get(jid)) for jid in named if grouped.get(jid) != named[jid]})
    assert not differ, differ
