"""The header line (what you are looking at, how fresh it is, what failed) and the announcements block. Their
colours are theme variables in the content's styles (``$text-primary``, ``$text-error``, ...), resolved when it
is drawn: a theme restyles them, and these two bars, on every screen, carry no component classes for Textual to
style at each screen change."""

from __future__ import annotations

import re
from typing import Any

from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from opgtui.core.model import Announcement
from opgtui.core.textsafe import one_line

HINTS = ("1-5 views · : command · ? keys · q quit", "1-5 views · ? keys · q quit", "? keys · q quit")
LEVEL_STYLE = {"info": "bold $text-primary", "warning": "bold $text-warning", "critical": "bold $text on $error"}
"""How an announcement's level is shown."""


def header_text(view: str, where: str, freshness: str, problems: list[str], width: int = 200) -> Content:
    """``opgtui │ Jobs │ fermigrid │ data 2m ago │ ! schedd x unreachable``; the untrusted parts are text, never
    markup."""
    fresh = "$text-success" if "ago" in freshness or "now" in freshness else "$text-warning"
    parts: list[str | tuple[str, str]] = [
        ("opgtui", "bold"),
        " │ ",
        (view, "bold reverse"),
        " │ ",
        (one_line(where, 60), "$text-primary"),
        " │ ",
        (freshness, fresh),
    ]
    if problems:
        parts += [
            " │ ",
            (f"! {len(problems)} problem{'s' if len(problems) > 1 else ''}: ", "bold $text-error"),
            (one_line(problems[0], 120), "$text-error"),
        ]
    text = Content.assemble(*parts)
    for hint in HINTS:  # the keys the footer leaves out, as many as there is room for
        if text.cell_length + len(hint) + 3 <= width:
            text = Content.assemble(text, (" " * (width - text.cell_length - len(hint) - 1) + hint, "dim"))
            break
    return text.truncate(width, ellipsis=True)


class HeaderBar(Static):
    """One line at the top of every screen."""

    DEFAULT_CSS = "HeaderBar { height: 1; background: $panel; }"

    _drawn: tuple[Any, ...] | None = None  # what the line was last drawn from

    def show(self, view: str, where: str, freshness: str, problems: list[str]) -> None:
        self._shown = (view, where, freshness, list(problems))
        self._draw(self.size.width or (self.app.size.width if self.is_attached else 80))

    def on_resize(self) -> None:
        if getattr(self, "_shown", None):
            self._draw(self.size.width)

    def _draw(self, width: int) -> None:
        """The line, unless it is drawn from the same already (a view's header is drawn when it comes to the
        front and again when the store's read answers, often unchanged); one line high: no layout."""
        drawn = (*self._shown, width)
        if drawn != self._drawn:
            self._drawn = drawn
            self.update(header_text(*self._shown, width), layout=False)


def view_name(screen: Screen[Any]) -> str:
    """What the header calls a screen: its ``VIEW_NAME``, else its class's name in words (``Job Detail``)."""
    name = getattr(screen, "VIEW_NAME", "") or type(screen).__name__.removesuffix("Screen")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


def show_header(screen: Screen[Any]) -> None:
    """The app's header on a screen pushed over a view (history, job detail, request detail, ...): mounted at its
    top the first time, then drawn from what the app knows (the views draw their own: they compose one)."""
    if isinstance(screen, ModalScreen) or not screen.is_attached or not screen.is_mounted:
        return
    app: Any = screen.app
    bars = screen.query(HeaderBar)
    if bars:
        bar = bars.first()
    else:
        bar = HeaderBar(classes="pushed-header")
        if screen.children:
            screen.mount(bar, before=0)
        else:
            screen.mount(bar)
    data = app.data
    bar.show(view_name(screen), data.where(), data.freshness(loading=app.demo_loading), list(app.problems))


def announcements_text(items: list[Announcement], limit: int = 2, width: int = 0) -> Content:
    """Current announcements, newest first, one each (untrusted text stays literal). With ``limit`` 1 and a
    ``width``, the one line ends with how many more there are and the key that shows them; expanded, the first
    one ends with the key that folds them (the bar wraps them to as many lines as they need)."""
    lines = []
    more = len(items) - limit
    for i, a in enumerate(items[:limit]):
        parts: list[str | tuple[str, str]] = [
            (f" {one_line(a.level, 12).upper()} ", LEVEL_STYLE.get(a.level, "bold")),
            " ",
            one_line(a.text, 2000),
        ]
        if a.author:
            parts.append((f"  — {one_line(a.author, 40)}", "dim"))
        if i == 0 and limit > 1 and len(items) > 1:
            parts.append(("  (A folds)", "dim"))
        line = Content.assemble(*parts)
        if limit == 1 and width and more > 0:
            suffix = f"  (+{more} more: A)"
            line = Content.assemble(line.truncate(max(width - len(suffix), 10), ellipsis=True), (suffix, "dim"))
        lines.append(line)
    if more > 0 and limit > 1:
        lines.append(Content.styled(f" (+{more} more: :announce to list)", "dim"))
    return Content("\n").join(lines)


class AnnouncementBar(Static):
    """Team messages shown on every screen while current; hidden when there are none. One line (the newest,
    and how many more) unless expanded with A: then every one, each wrapped to as many lines as it needs (the
    view below gives up the rows: its table scrolls)."""

    DEFAULT_CSS = "AnnouncementBar { height: auto; max-height: 7; display: none; background: $boost; }"
    EXPANDED = 5

    def show(self, items: list[Announcement], expanded: bool = False) -> None:
        self.display = bool(items)
        # inline: app.tcss keeps every status line to one line (nowrap, ellipsis); expanded, this one wraps
        self.styles.text_wrap = "wrap" if expanded else "nowrap"
        self.styles.text_overflow = "fold" if expanded else "ellipsis"
        self.styles.max_height = "60%" if expanded else 7
        width = self.size.width or (self.app.size.width if self.is_attached else 80)
        drawn = (list(items), expanded, width)
        if drawn != getattr(self, "_drawn", None):  # drawn from the same already: no repaint, no layout
            self._drawn = drawn
            self.update(announcements_text(items, self.EXPANDED if expanded else 1, width))
