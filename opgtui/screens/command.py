"""`:` command line (k9s): type a view or command and Enter; Tab completes; Esc cancels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from opgtui.widgets.safe_edit import SafeInput

if TYPE_CHECKING:
    from opgtui.app import OpgApp

COMMANDS = (
    "status",
    "jobs",
    "log",
    "requests",
    "stats",
    "failures",
    "actions",
    "signatures",
    "announce",
    "help",
    "quit",
)


def complete(typed: str, words: Sequence[str] = COMMANDS) -> tuple[str, list[str]]:
    """What Tab makes of ``typed``: the one word it starts, else the longest common start of the words it
    starts (and those words, to show), else ``typed`` unchanged with no candidates."""
    stem = typed.strip().lstrip(":").lower()
    matches = [w for w in words if w.startswith(stem)]
    if len(matches) == 1:
        return matches[0], matches
    if not matches:
        return typed, []
    stem = min(matches)
    while not all(w.startswith(stem) for w in matches):
        stem = stem[:-1]
    return stem, matches


def resolve(typed: str) -> str:
    """What Enter runs: the command a start names when it names one only (``sig``: the prompt shows
    ``signatures``), else what was typed (an alias such as ``st``, a start that several commands share)."""
    word, matches = complete(typed)
    return word if len(matches) == 1 else typed.strip().lstrip(":")


class CommandLine(ModalScreen[str | None]):
    """A one-line prompt at the bottom of the screen, drawn over the footer: `:` then what you type."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="command.cancel"),
        Binding("tab", "complete", "Complete", priority=True, id="command.complete"),
    ]
    DEFAULT_CSS = """
    CommandLine { align: left bottom; background: transparent; }
    CommandLine > Vertical { dock: bottom; height: auto; width: 100%; }
    CommandLine #command-choices { height: 1; width: 100%; background: $panel; color: $text-muted;
                                   padding: 0 1; display: none; }
    CommandLine #command-choices.visible { display: block; }
    CommandLine Horizontal { height: 1; width: 100%; background: $boost; }
    CommandLine #command-prompt { width: 2; height: 1; padding: 0 0 0 1; text-style: bold; }
    CommandLine Input, CommandLine Input:focus { border: none; height: 1; padding: 0; width: 1fr;
                                                 background: $boost; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="command-choices")
            with Horizontal():
                yield Static(Text(":"), id="command-prompt")
                yield SafeInput(
                    placeholder=" ".join(COMMANDS) + " (Tab)",
                    suggester=SuggestFromList(COMMANDS, case_sensitive=False),
                    id="command-input",
                )

    def on_mount(self) -> None:
        """Focus the prompt, then take what was typed after ':' meanwhile (held by the App until now)."""
        self.query_one("#command-input", Input).focus()
        self.app.call_later(self.take_typeahead)  # after the focus: every key queued before it is held by then

    def take_typeahead(self) -> None:
        """Type the held keys into the prompt here, in order (a priority key such as Tab, routed as usual,
        would overtake the letters queued before it: ':fa' Tab Enter ran 'fa')."""
        box = self.query_one("#command-input", Input)
        for key in cast("OpgApp", self.app).take_typeahead():
            if key.key == "enter":
                self.dismiss(resolve(box.value))
                return
            if key.key == "escape":
                self.dismiss(None)
                return
            if key.key == "backspace":
                box.value = box.value[:-1]
            elif key.key == "tab":
                self.action_complete()
            elif key.is_printable and key.character:
                box.insert_text_at_cursor(key.character)

    def on_key(self, event: events.Key) -> None:
        """Keys typed before the prompt had the focus (``:jobs`` typed in one go over SSH) go into it."""
        box = self.query_one("#command-input", Input)
        if not box.has_focus and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            box.insert_text_at_cursor(event.character)
            box.focus()
        elif not box.has_focus and event.key == "enter":
            event.stop()
            self.dismiss(resolve(box.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(resolve(event.value))

    def action_complete(self) -> None:
        """Tab: finish the word, or show the words it could be."""
        box = self.query_one("#command-input", Input)
        word, matches = complete(box.value)
        box.value = word
        box.cursor_position = len(word)
        choices = self.query_one("#command-choices", Static)
        choices.update(Text("  ".join(matches) if len(matches) > 1 else ""))
        choices.set_class(len(matches) > 1, "visible")

    def action_cancel(self) -> None:
        self.dismiss(None)
