"""Keys pressed on the failure summary before its causes are read (review finding 4): `F` then `S` at once said
"no service-caused failures here" while there were 58. `S` now waits for the causes and asks then; a key that
acts on the cause under the cursor says in one line that the causes are still being read."""

from __future__ import annotations

from typing import Any

from test_label_proposal import until
from test_typeahead import burst, jobs_view

from opgtui.app import OpgApp
from opgtui.screens.confirm import ConfirmScreen
from opgtui.screens.failures import FailureSummaryScreen


def told(app: OpgApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_s_pressed_before_the_causes_are_read_asks_once_they_are(demo: Any) -> None:
    app = OpgApp(*demo, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await jobs_view(app, pilot)
        burst(app, "FS")  # F then S before the summary has read its causes
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the retry dialog")
        assert not any("no service-caused" in m for m in told(app)), told(app)
        assert any(m.startswith("still reading the causes") for m in told(app)), told(app)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, FailureSummaryScreen), "the summary")
        summary = app.screen
        assert isinstance(summary, FailureSummaryScreen)
        assert sum(g.count for g in summary.groups if g.retryable) > 0


async def test_a_cause_key_pressed_before_the_causes_are_read_says_so(demo: Any) -> None:
    app = OpgApp(*demo, demo=True, refresh_loop=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await jobs_view(app, pilot)
        burst(app, "FT")
        await until(pilot, lambda: any(m.startswith("still reading the causes") for m in told(app)), "the line")
        summary = app.screen
        assert isinstance(summary, FailureSummaryScreen)
        await until(pilot, lambda: summary.groups, "the causes")
        await pilot.pause()
        assert app.screen is summary  # T acted on no cause the shifter had not seen
