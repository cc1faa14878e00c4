"""The Jobs view's footer (widgets/footer.py SteadyFooter) shows what Textual's Footer shows, without composing
its keys again when the filter takes the focus and gives it back (issue 18: two recompositions per focus change
were in the first filter key's way)."""

from __future__ import annotations

from pathlib import Path

from test_app import _store_with_failed_jobs
from test_status_view import screen_lines
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from opgtui.app import OpgApp
from opgtui.widgets.footer import SteadyFooter, _positions


def drawn(app: OpgApp) -> list[tuple[str, str]]:
    """The footer's keys on the screen, left to right: (key, description)."""
    footer = app.screen.query_one(Footer)
    keys = sorted((k for k in footer.query(FooterKey) if k.region.width), key=lambda k: k.region.x)
    return [(k.key, k.description) for k in keys]


def expected(app: OpgApp) -> list[tuple[str, str]]:
    """What Textual's Footer composes from the screen's active bindings now (one key an action, shown ones, in
    order, the palette's last)."""
    seen: dict[str, tuple[str, str]] = {}
    for _node, binding, _enabled, _tooltip in app.screen.active_bindings.values():
        if binding.show and binding.action not in seen:
            seen[binding.action] = (binding.key, binding.description)
    keys = list(seen.values())
    palette = app.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
    if palette is not None:
        keys.append((palette.binding.key, palette.binding.description))
    return keys


async def test_the_footer_follows_the_focus_without_composing_again(tmp_path: Path) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        footer = app.screen.query_one(Footer)
        assert isinstance(footer, SteadyFooter)
        with_table = drawn(app)
        assert with_table == expected(app)
        assert ("enter", "Open") in with_table and ("space", "Mark") in with_table
        widgets = set(footer.query(FooterKey))

        await pilot.press("slash")  # the filter takes the focus: the table's keys leave the footer
        await pilot.pause()
        with_filter = drawn(app)
        assert with_filter == expected(app)
        assert ("enter", "Open") not in with_filter and ("slash", "Filter") in with_filter
        assert set(footer.query(FooterKey)) == widgets  # shown and hidden in place, not composed again

        await pilot.press("2", "enter")  # the table has the focus again: its keys are back
        await pilot.pause()
        assert drawn(app) == with_table == expected(app)
        assert set(footer.query(FooterKey)) == widgets
        assert "Open" in screen_lines(app)[-1]


async def test_the_footer_at_80_columns_is_the_same_as_textuals(tmp_path: Path) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        line = screen_lines(app)[-1]
        await pilot.press("slash", "escape")
        await pilot.pause(0.3)
        assert screen_lines(app)[-1] == line  # drawn again as it was


def test_positions_are_some_of_the_composed_keys_in_order() -> None:
    a, b, c = ("a",) * 6, ("b",) * 6, ("c",) * 6
    assert _positions((a, c), (a, b, c)) == {0, 2}
    assert _positions((c, a), (a, b, c)) is None  # another order: composed again
    assert _positions((a, ("d",) * 6), (a, b, c)) is None  # a key not composed
    assert _positions((), (a, b)) == set()
    assert _positions((a,), None) is None
