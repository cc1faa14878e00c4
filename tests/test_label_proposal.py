"""`v` on a cause proposes the cause's own verdict, never "service" by default: the label form on a CODE cause
says the cause is classified already, proposes code/debug and has Cancel focused; on an UNKNOWN cause it
proposes no verdict and refuses Test and Enable, in one line, until one is chosen."""

from __future__ import annotations

from typing import Any

import pytest
from test_status_view import screen_lines
from textual.widgets import Button, Input, Select

from opgtui.app import OpgApp
from opgtui.screens.failures import FailureSummaryScreen
from opgtui.screens.signatures import LabelForm

CHOOSE = "choose the verdict first"


async def until(pilot: Any, test: Any, what: str, tries: int = 300) -> None:
    """Poll (a busy machine takes a while) until ``test()`` holds."""
    for _ in range(tries):
        if test():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def summary_on(app: OpgApp, pilot: Any, pick: Any) -> FailureSummaryScreen:
    """The failure summary with the cursor on the first cause ``pick`` accepts."""
    await pilot.press("colon", *"failures", "enter")
    await until(pilot, lambda: isinstance(app.screen, FailureSummaryScreen) and app.screen.groups, "the causes")
    summary = app.screen
    assert isinstance(summary, FailureSummaryScreen)
    row = next(i for i, g in enumerate(summary.groups) if pick(g))
    for _ in range(row):
        await pilot.press("down")
    await until(pilot, lambda: summary.current is summary.groups[row], "the cursor on the cause")
    return summary


async def label_form_on(app: OpgApp, pilot: Any, pick: Any) -> LabelForm:
    """The failure summary, the cursor on the first cause ``pick`` accepts, then `v`."""
    await summary_on(app, pilot, pick)
    await pilot.press("v")
    await until(pilot, lambda: isinstance(app.screen, LabelForm) and screen_lines(app), "the label form")
    assert isinstance(app.screen, LabelForm)
    return app.screen


@pytest.mark.parametrize(
    ("signature", "says"),
    [
        ("root_segmentation_violation", "already classified as root_segmentation_violation (code, debug), confident"),
        ("fhicl_protection_violation", "diagnosed as fhicl_protection_violation (code, debug), probable"),
    ],
)
async def test_v_on_a_code_cause_proposes_code_and_says_how_it_is_classified(
    demo: Any, signature: str, says: str
) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await label_form_on(app, pilot, lambda g: g.signature == signature)
        await until(pilot, lambda: isinstance(app.focused, Button), "the focus on a button")
        assert form.query_one("#verdict", Select).value == "code"
        assert form.query_one("#action", Input).value == "debug"
        assert app.focused is form.query_one("#cancel", Button)
        assert says in "\n".join(screen_lines(app))
        await pilot.press("enter")  # Enter on the focused Cancel: nothing stored
        await until(pilot, lambda: isinstance(app.screen, FailureSummaryScreen), "the summary again")


async def test_v_on_an_unknown_cause_proposes_no_verdict_and_refuses_until_one_is_chosen(demo: Any) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await label_form_on(app, pilot, lambda g: g.category == "unknown")
        verdict = form.query_one("#verdict", Select)
        assert verdict.value is Select.NULL
        assert "unknown: choose the verdict" in "\n".join(screen_lines(app))
        form.query_one("#title", Input).focus()
        await pilot.press(*"Some failure", "enter")  # Enter in a field runs the test: refused, one line
        numbers = form.query_one("#numbers")
        await until(pilot, lambda: CHOOSE in str(numbers.render()), "the refusal")
        assert form.query_one("#enable", Button).disabled
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, LabelForm) and CHOOSE in str(numbers.render())
        verdict.value = "code"
        await pilot.press("enter")
        await until(pilot, lambda: CHOOSE not in str(numbers.render()), "the test to run once chosen")
