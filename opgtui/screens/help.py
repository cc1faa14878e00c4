"""`?`: the keys of the current view and the global ones, generated from the bindings."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from opgtui.app import VIEWS
from opgtui.widgets.vim import Scroll


def _key_name(key: str) -> str:
    return {"question_mark": "?", "colon": ":", "slash": "/", "escape": "Esc", "enter": "Enter",
            "space": "Space", "exclamation_mark": "!", "less_than_sign": "<", "greater_than_sign": ">",
            "full_stop": ".", "comma": ","}.get(key, key)


def help_text(screen: Screen[Any]) -> Text:
    """One line per active binding of ``screen`` (its own, its widgets', and the app's)."""
    text = Text("Keys\n", "bold")
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        b = active.binding
        if not b.description or b.description in seen:
            continue
        seen.add(b.description)
        text.append(f"  {_key_name(key):>10}  ", "bold cyan")
        text.append(f"{b.description}\n")
    views = " · ".join(f"{key} {title}" for key, title in VIEWS.values())
    text.append(f"\n  Views: {views} · :name to jump (k9s style)\n", "dim")
    text.append("  ctrl+p command palette · Esc back · q quit\n", "dim")
    return text


class HelpScreen(ModalScreen[None]):
    """Generated help for the view below."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; height: auto; max-height: 90%; border: round $accent;
                                  background: $surface; padding: 0 1; }
    """

    def __init__(self, below: Screen[Any]) -> None:
        super().__init__()
        self.below = below

    def compose(self) -> ComposeResult:
        with Scroll():
            yield Static(help_text(self.below), id="help-text")
