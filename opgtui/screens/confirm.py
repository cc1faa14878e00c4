"""Confirmation for actions on jobs: says how many jobs it touches; Cancel has the focus."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from opgtui.textsafe import one_line

if TYPE_CHECKING:
    from opgtui.app import OpgApp


class ConfirmScreen(ModalScreen[bool]):
    """Yes/No dialog; Enter on the focused Cancel does nothing harmful."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm.cancel")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 64; height: auto; border: thick $error; background: $surface; padding: 1 2; }
    ConfirmScreen Horizontal { height: auto; align: center middle; margin-top: 1; }
    ConfirmScreen Button { margin: 0 2; }
    """

    def __init__(self, message: Text) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.message)
            with Horizontal():
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button("Yes, do it", id="ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "ok")

    def action_cancel(self) -> None:
        self.dismiss(False)


def confirm_and_act(app: OpgApp, action: str, job_ids: list[str]) -> None:
    """Ask, then run the action on the schedds in the background and report HTCondor's answer verbatim."""
    n = len(job_ids)
    sample = ", ".join(job_ids[:3]) + (f" and {n - 3} more" if n > 3 else "")
    message = Text.assemble((f"{action.capitalize()} {n:,} job{'s' if n != 1 else ''}?\n\n", "bold"),
                            one_line(sample, 200))

    async def run(confirmed: bool | None) -> None:
        if not confirmed:
            return
        if app.demo:
            app.notify("demo data: no schedd to act on", severity="warning", markup=False)
            return
        from opgtui.actions import act

        pools = app.cfg.pools
        pool = pools[0] if len(pools) == 1 else None  # where to locate the schedds
        try:
            results = await act(action, job_ids, reason=f"opgtui: {action} by shifter", pool=pool)  # type: ignore[arg-type]
        except ValueError as exc:
            app.notify(str(exc), severity="error", markup=False)
            return
        lines = []
        for r in results:
            lines.append(f"{r.schedd}: {'ok' if r.ok else 'refused'} {one_line(r.message, 200)}")
        app.store.log_action(action, job_ids, "\n".join(lines))
        failed = any(not r.ok for r in results)
        app.notify("\n".join(lines) or "nothing done", severity="error" if failed else "information",
                   markup=False, timeout=10)
        app.reload_views()

    app.push_screen(ConfirmScreen(message), run)
