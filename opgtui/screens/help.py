"""`?`: the keys of the current view and the global ones, generated from the bindings."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.keys import format_key
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from opgtui.app import VIEWS
from opgtui.widgets.vim import Scroll

NAMES = {
    "escape": "Esc",
    "enter": "Enter",
    "space": "Space",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "tab": "Tab",
}
MOVING = ("up", "down", "pageup", "pagedown", "home", "end", "top", "bottom")  # binding id suffixes


def key_name(key: str) -> str:
    """How a shifter types ``key``: ``]`` not ``right_square_bracket``, ``Esc``, ``ctrl+r``."""
    if key in NAMES:
        return NAMES[key]
    if "+" in key:
        mod, _, rest = key.rpartition("+")
        return f"{mod}+{key_name(rest)}"
    return format_key(key)


def _collect(screen: Screen[Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """(keys, description) of this view, for moving, and everywhere; each action once with all its keys,
    Textual's generic keys (focus, copy, horizontal paging) left out."""
    groups: dict[tuple[int, str], tuple[list[str], Binding, bool]] = {}
    for key, active in screen.active_bindings.items():
        b = active.binding
        if not b.id or not b.description:
            continue
        slot = (id(active.node), b.action)
        keys, _, _ = groups.setdefault(slot, ([], b, active.node is screen.app))
        keys.append(key_name(key))
    view, moving, everywhere = [], [], []
    for keys, b, is_app in groups.values():
        entry = (" / ".join(keys), b.description)
        if is_app:
            everywhere.append(entry)
        elif (b.id or "").rpartition(".")[2] in MOVING:
            moving.append(entry)
        else:
            view.append(entry)
    return view, moving, everywhere


def help_text(screen: Screen[Any]) -> Content:
    """The view's own keys first, then moving, then the keys that work everywhere, from the bindings."""
    view, moving, everywhere = _collect(screen)
    name = getattr(screen, "VIEW_NAME", "") or type(screen).__name__.removesuffix("Screen")
    parts: list[str | tuple[str, str]] = []
    width = max((len(k) for k, _ in view + moving + everywhere), default=4) + 2
    for title, entries in (
        (f"{name} keys", view),
        ("Moving", moving),
        ("Everywhere", [e for e in everywhere if e[1] not in _VIEW_TITLES]),
    ):
        if not entries:
            continue
        parts.append((f"{title}\n", "bold"))
        for keys, description in entries:
            parts.append((f"  {keys:>{width}}  ", "bold $text-primary"))
            parts.append(f"{description}\n")
        parts.append("\n")
    views = " · ".join(f"{key} {title}" for key, title in VIEWS.values())
    parts.append((f"Views: {views}; :name jumps (Tab completes)\n", "dim"))
    parts.append(("ctrl+p command palette · Esc back one level · q quit", "dim"))
    return Content.assemble(*parts)


_VIEW_TITLES = {title for _, title in VIEWS.values()}


class HelpScreen(ModalScreen[None]):
    """Generated help for the view below."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Scroll { width: 72; height: auto; max-height: 90%; border: round $accent;
                          background: $surface; padding: 0 1; }
    """

    def __init__(self, below: Screen[Any]) -> None:
        super().__init__()
        self.below = below

    def compose(self) -> ComposeResult:
        with Scroll():
            yield Static(help_text(self.below), id="help-text")
