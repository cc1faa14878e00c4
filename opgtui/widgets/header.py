"""The header line (what you are looking at, how fresh it is, what failed) and the announcements block."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from opgtui.core.model import Announcement
from opgtui.core.textsafe import one_line

HINTS = ("1-5 views · : command · ? keys · q quit", "1-5 views · ? keys · q quit", "? keys · q quit")
_LEVEL_STYLE = {"info": "bold cyan", "warning": "bold yellow", "critical": "bold white on red"}


def header_text(view: str, where: str, freshness: str, problems: list[str], width: int = 200) -> Text:
    """``opgtui │ Jobs │ fermigrid │ data 2m ago │ ! schedd x unreachable`` built without markup."""
    text = Text.assemble(
        ("opgtui", "bold"), " │ ", (view, "bold reverse"), " │ ", (one_line(where, 60), "cyan"),
        " │ ", (freshness, "green" if "ago" in freshness or "now" in freshness else "yellow"),
    )
    if problems:
        text.append(" │ ")
        text.append(f"! {len(problems)} problem{'s' if len(problems) > 1 else ''}: ", "bold red")
        text.append(one_line(problems[0], 120), "red")
    for hint in HINTS:  # the keys the footer leaves out, as many as there is room for
        if text.cell_len + len(hint) + 3 <= width:
            text.append(" " * (width - text.cell_len - len(hint) - 1) + hint, "dim")
            break
    text.truncate(width, overflow="ellipsis")
    return text


class HeaderBar(Static):
    """One line at the top of every screen."""

    DEFAULT_CSS = "HeaderBar { height: 1; background: $panel; }"

    def show(self, view: str, where: str, freshness: str, problems: list[str]) -> None:
        self._shown = (view, where, freshness, problems)
        width = self.size.width or (self.app.size.width if self.is_attached else 80)
        self.update(header_text(view, where, freshness, problems, width))

    def on_resize(self) -> None:
        if shown := getattr(self, "_shown", None):
            self.update(header_text(*shown, self.size.width))


def announcements_text(items: list[Announcement], limit: int = 2, width: int = 0) -> Text:
    """Current announcements, newest first, one line each (untrusted text stays literal). With ``limit`` 1
    and a ``width``, the one line ends with how many more there are and the key that shows them."""
    text = Text(no_wrap=True, overflow="ellipsis")
    more = len(items) - limit
    for i, a in enumerate(items[:limit]):
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f" {a.level.upper()} ", _LEVEL_STYLE.get(a.level, "bold"))
        line.append(" ")
        line.append(one_line(a.text, 300))
        if a.author:
            line.append(f"  — {one_line(a.author, 40)}", "dim")
        if limit == 1 and width and more > 0:
            suffix = f"  (+{more} more: A)"
            line.truncate(max(width - len(suffix), 10), overflow="ellipsis")
            line.append(suffix, "dim")
        if i:
            text.append("\n")
        text.append_text(line)
    if more > 0 and limit > 1:
        text.append(f"\n (+{more} more: :announce to list)", "dim")
    elif limit > 1 and len(items) > 1:
        text.append("\n (A folds to one line)", "dim")
    return text


class AnnouncementBar(Static):
    """Team messages shown on every screen while current; hidden when there are none. One line (the newest,
    and how many more) unless expanded with A."""

    DEFAULT_CSS = "AnnouncementBar { height: auto; max-height: 7; display: none; background: $boost; }"
    EXPANDED = 5

    def show(self, items: list[Announcement], expanded: bool = False) -> None:
        self.display = bool(items)
        width = self.size.width or (self.app.size.width if self.is_attached else 80)
        self.update(announcements_text(items, self.EXPANDED if expanded else 1, width))
