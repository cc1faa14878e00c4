"""`:` command line (k9s): type a view name and Enter; Esc cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input


class CommandLine(ModalScreen[str | None]):
    """A one-line prompt at the bottom of the screen."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="command.cancel")]
    DEFAULT_CSS = """
    CommandLine { align: left bottom; background: transparent; }
    CommandLine > Input { dock: bottom; width: 100%; border: none; height: 1; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Input(placeholder=":status :jobs :log :requests :stats :failures :actions :help :quit",
                    id="command-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.lstrip(":"))

    def action_cancel(self) -> None:
        self.dismiss(None)
