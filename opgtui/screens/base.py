"""What every view shares: the header, the announcements block and the footer with its keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Input, TextArea

from opgtui.core.textsafe import one_line
from opgtui.widgets.footer import SteadyFooter
from opgtui.widgets.header import AnnouncementBar, HeaderBar

if TYPE_CHECKING:
    from opgtui.app import OpgApp

TEXT_BOXES = frozenset({"filter", "search"})
"""A view's actions that put up a text box and focus it (`/` in Jobs, Requests, the Log)."""


def ellipsis_cell(text: str, style: str | Style = "") -> Text:
    """A table cell of untrusted text that ends with an ellipsis when its column is too narrow."""
    return Text(one_line(text, 200), style, no_wrap=True, overflow="ellipsis")


class BaseScreen(Screen[None]):
    """A top-level view. Subclasses compose their body in ``compose_body`` and read the store in ``reload``."""

    VIEW_NAME = "?"

    @property
    def opg(self) -> OpgApp:
        return cast("OpgApp", self.app)

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield AnnouncementBar(id="announcements")
        yield from self.compose_body()
        yield SteadyFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    _showing = False  # resumed and not suspended since: Textual resumes a view twice when its mode starts

    def on_screen_resume(self) -> None:
        """Each time the view comes to the front (the first time too): fresh header and data, read once."""
        if self._showing:
            return
        self._showing = True
        self.refresh_chrome()
        self.reload()

    def on_screen_suspend(self) -> None:
        self._showing = False

    def refresh_chrome(self) -> None:
        """Header and announcements as last read, then read again off the UI thread (drawn when it answers)."""
        self.draw_chrome()
        self.opg.read_chrome()

    def draw_chrome(self) -> None:
        """Header and announcements from the app's current knowledge."""
        app, data = self.opg, self.opg.data
        if not self.query(HeaderBar):  # the view is being taken down (the app is closing): nothing to refresh
            return
        fresh = data.freshness(loading=app.demo_loading)
        self.query_one(HeaderBar).show(self.VIEW_NAME, data.where(), fresh, app.problems)
        self.query_one(AnnouncementBar).show(data.announcements(), app.announcements_expanded)

    def reload(self) -> None:
        """Read this view's data from the store (called on mount and after every refresh)."""

    async def open_text_box(self, key: str) -> bool:
        """Called by the App as ``key`` arrives: if it is this view's key for a text box (`/`), run its action now
        and hold the keys typed after it until the box has the focus. Textual applies focus() after the keys
        already queued, which went to the view's own keys ('/site:purdue' in one burst showed idle jobs for its
        'i' and ':' opened the command line)."""
        if isinstance(self.focused, Input | TextArea):
            return False  # typed into the box that has the focus
        if not any(b.action in TEXT_BOXES for b in self._bindings.key_to_bindings.get(key, ())):
            return False  # most keys: not one of this view's (keymap applied), no need to weigh every binding
        active = self.active_bindings.get(key)
        if active is None or active.node is not self or not active.enabled or active.binding.action not in TEXT_BOXES:
            return False
        self.opg.typeahead = []
        await self.run_action(active.binding.action)
        self.app.call_later(self._typed_ahead)  # after the action's focus() has been applied
        return True

    async def _typed_ahead(self) -> None:
        """The keys held since the box was asked for, routed as they would have been had it had the focus."""
        for key in self.opg.take_typeahead():
            await self.app.on_event(key)
