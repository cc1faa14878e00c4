"""The header line (what you are looking at, how fresh it is, what failed) and the announcements block. Their
styles are component classes (``header-bar--view``, ``announcement-bar--critical``, ...): a theme restyles them."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rich.style import Style
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from opgtui.core.model import Announcement
from opgtui.core.textsafe import one_line

HINTS = ("1-5 views · : command · ? keys · q quit", "1-5 views · ? keys · q quit", "? keys · q quit")
NO_STYLES: Mapping[str, Style] = MappingProxyType({})
HEADER_PARTS = ("where", "fresh", "stale", "problem")
LEVELS = ("info", "warning", "critical")


def component_styles(widget: Widget, prefix: str, names: tuple[str, ...]) -> dict[str, Style]:
    """The styles of ``widget``'s component classes ``<prefix>--<name>``, by name (only what their CSS sets)."""
    return {name: widget.get_component_rich_style(f"{prefix}--{name}", partial=True) for name in names}


def header_text(view: str, where: str, freshness: str, problems: list[str], width: int = 200,
                styles: Mapping[str, Style] = NO_STYLES) -> Text:
    """``opgtui │ Jobs │ fermigrid │ data 2m ago │ ! schedd x unreachable`` built without markup, each part in
    its colour from ``styles`` (names: :data:`HEADER_PARTS`; the emphasis is the header's own)."""
    plain, bold = Style(), Style(bold=True)
    style = styles.get
    fresh = "fresh" if "ago" in freshness or "now" in freshness else "stale"
    text = Text.assemble(
        ("opgtui", bold), " │ ", (view, Style(bold=True, reverse=True)), " │ ",
        (one_line(where, 60), style("where", plain)), " │ ", (freshness, style(fresh, plain)),
    )
    if problems:
        text.append(" │ ")
        text.append(f"! {len(problems)} problem{'s' if len(problems) > 1 else ''}: ", style("problem", plain) + bold)
        text.append(one_line(problems[0], 120), style("problem", plain))
    for hint in HINTS:  # the keys the footer leaves out, as many as there is room for
        if text.cell_len + len(hint) + 3 <= width:
            text.append(" " * (width - text.cell_len - len(hint) - 1) + hint, Style(dim=True))
            break
    text.truncate(width, overflow="ellipsis")
    return text


class HeaderBar(Static):
    """One line at the top of every screen."""

    COMPONENT_CLASSES = {f"header-bar--{part}" for part in HEADER_PARTS}
    DEFAULT_CSS = """
    HeaderBar { height: 1; background: $panel; }
    HeaderBar > .header-bar--where { color: $text-primary; }
    HeaderBar > .header-bar--fresh { color: $text-success; }
    HeaderBar > .header-bar--stale { color: $text-warning; }
    HeaderBar > .header-bar--problem { color: $text-error; }
    """

    def show(self, view: str, where: str, freshness: str, problems: list[str]) -> None:
        self._shown = (view, where, freshness, problems)
        self._draw()

    def _draw(self) -> None:
        if shown := getattr(self, "_shown", None):
            width = self.size.width or (self.app.size.width if self.is_attached else 80)
            self._drawn_with = component_styles(self, "header-bar", HEADER_PARTS)
            self.update(header_text(*shown, width, self._drawn_with))

    def on_resize(self) -> None:
        self._draw()

    def notify_style_update(self) -> None:
        """The theme changed: draw the line again in its styles (only when they did change: CSS is applied to
        the widget on every screen change)."""
        super().notify_style_update()
        if self.is_mounted and component_styles(self, "header-bar", HEADER_PARTS) != getattr(self, "_drawn_with", None):
            self._draw()


def announcements_text(items: list[Announcement], limit: int = 2, width: int = 0,
                       styles: Mapping[str, Style] = NO_STYLES) -> Text:
    """Current announcements, newest first, one line each (untrusted text stays literal). With ``limit`` 1
    and a ``width``, the one line ends with how many more there are and the key that shows them. ``styles``:
    each level's (:data:`LEVELS`); the author and the counts are dim."""
    plain, dim = Style(), Style(dim=True)
    text = Text(no_wrap=True, overflow="ellipsis")
    more = len(items) - limit
    for i, a in enumerate(items[:limit]):
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f" {a.level.upper()} ", styles.get(a.level, plain))
        line.append(" ")
        line.append(one_line(a.text, 300))
        if a.author:
            line.append(f"  — {one_line(a.author, 40)}", dim)
        if limit == 1 and width and more > 0:
            suffix = f"  (+{more} more: A)"
            line.truncate(max(width - len(suffix), 10), overflow="ellipsis")
            line.append(suffix, dim)
        if i:
            text.append("\n")
        text.append_text(line)
    if more > 0 and limit > 1:
        text.append(f"\n (+{more} more: :announce to list)", dim)
    elif limit > 1 and len(items) > 1:
        text.append("\n (A folds to one line)", dim)
    return text


class AnnouncementBar(Static):
    """Team messages shown on every screen while current; hidden when there are none. One line (the newest,
    and how many more) unless expanded with A."""

    COMPONENT_CLASSES = {f"announcement-bar--{level}" for level in LEVELS}
    DEFAULT_CSS = """
    AnnouncementBar { height: auto; max-height: 7; display: none; background: $boost; }
    AnnouncementBar > .announcement-bar--info { color: $text-primary; text-style: bold; }
    AnnouncementBar > .announcement-bar--warning { color: $text-warning; text-style: bold; }
    AnnouncementBar > .announcement-bar--critical { color: $text; background: $error; text-style: bold; }
    """
    EXPANDED = 5

    def show(self, items: list[Announcement], expanded: bool = False) -> None:
        self._shown = (items, expanded)
        self.display = bool(items)
        width = self.size.width or (self.app.size.width if self.is_attached else 80)
        self._drawn_with = component_styles(self, "announcement-bar", LEVELS)
        self.update(announcements_text(items, self.EXPANDED if expanded else 1, width, self._drawn_with))

    def notify_style_update(self) -> None:
        """The theme changed: draw the announcements again in its styles (only when they did change)."""
        super().notify_style_update()
        shown = getattr(self, "_shown", None)
        if self.is_mounted and shown and component_styles(self, "announcement-bar", LEVELS) != getattr(
                self, "_drawn_with", None):
            self.show(*shown)
