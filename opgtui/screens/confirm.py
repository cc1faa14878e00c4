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


def _profile_text(app: OpgApp, job_ids: list[str]) -> Text | None:
    """What the debug profiles will change, or None (after saying why) when a job has none."""
    from opgtui.actions import debug_profile_for

    stored = {j.id: j.experiment for j in app.store.jobs_by_id(job_ids)}
    try:
        profiles = dict(debug_profile_for(app.cfg, jid, stored.get(jid), stored=jid in stored) for jid in job_ids)
    except ValueError as exc:
        app.notify(str(exc), severity="error", markup=False, timeout=10)
        return None
    text = Text()
    for name, p in sorted(profiles.items()):
        parts = [" ".join(f"{k}={v}" for k, v in p.environment.items()), p.arguments,
                 f"request_memory >= {p.request_memory}" if p.request_memory else ""]
        text.append(f"\nDebug profile {name}: ", "bold")
        text.append(one_line("; ".join(x for x in parts if x), 200))
    return text


def confirm_and_retry(app: OpgApp, job_ids: list[str], *, debug: bool = False, bigger: bool = False) -> None:
    """Ask (count, how many released / resubmitted, the debug settings), then retry in the background.

    Running, idle and succeeded jobs are left out and counted (the schedd would refuse them anyway)."""
    from collections import Counter

    from opgtui.retry import why_not_retryable

    known = {j.id: j for j in app.jobs_by_id(job_ids)}
    skipped: Counter[str] = Counter()
    wanted = []
    for jid in job_ids:
        job = known.get(jid)
        why = why_not_retryable(job.status, job.exit_code, job.exit_signal) if job is not None else None
        if why:
            skipped[why] += 1
        else:
            wanted.append(jid)
    left_out = ", ".join(f"{n:,} {why}" for why, n in skipped.most_common())
    if not wanted:
        app.notify(f"nothing to retry: {left_out} (only held, failed or removed jobs are retried)",
                   severity="warning", markup=False)
        return
    job_ids = wanted
    held = sum(known[j].status == 5 for j in job_ids if j in known)
    n, stored = len(job_ids), sum(j in known for j in job_ids)
    message = Text.assemble(
        (f"Retry {n:,} job{'s' if n != 1 else ''}{' with debug settings' if debug else ''}"
         f"{' with more memory' if bigger else ''}?\n\n", "bold"),
        f"{held:,} held: released{' after editing' if debug else ''}; "
        f"{stored - held:,} failed or removed: resubmitted"
        + (f"; {n - stored:,} not in the store: as their schedd says" if n > stored else "")
        + (f"\nLeft out: {left_out}" if left_out else "")
        + ("\nMemory: 1.5x each job's request, or 1.25x its peak use if more (rounded up to 512 MB)"
           if bigger else ""))
    if debug:
        extra = _profile_text(app, job_ids)
        if extra is None:
            return
        message.append_text(extra)

    async def run(confirmed: bool | None) -> None:
        if not confirmed:
            return
        if app.demo:
            what = "retry" + (" with debug" if debug else "") + (" + memory" if bigger else "")
            app.store.log_action(what, job_ids,
                                 "demo data: nothing sent (the demo has no schedd)")
            app.notify(f"demo data: would retry {n:,} jobs ({held:,} released, {n - held:,} resubmitted); "
                       "nothing sent, recorded in :actions", severity="warning", markup=False, timeout=8)
            return
        from opgtui.actions import retry

        pools = app.cfg.pools
        try:
            results = await retry(job_ids, store=app.store, cfg=app.cfg, debug=debug, bigger=bigger,
                                  pool=pools[0] if len(pools) == 1 else None)
        except ValueError as exc:
            app.notify(str(exc), severity="error", markup=False)
            return
        failed = [r for r in results if not r.ok]
        text = f"retried {len(results) - len(failed):,} of {len(results):,}"
        if failed:
            text += f"; {len(failed):,} not: " + one_line(failed[0].message, 200)
        app.notify(text, severity="error" if failed else "information", markup=False, timeout=10)
        app.reload_views()

    app.push_screen(ConfirmScreen(message), run)
