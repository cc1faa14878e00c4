"""Confirmation for actions on jobs: says what it touches (how many, which group or marks, their causes with
what the action will do to each, a few ids) and whether the status board says not to submit now. Cancel has
the focus; ``y`` answers yes, ``n`` and Esc no."""

from __future__ import annotations

import contextlib
import time
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from opgtui.core.model import JobStatus
from opgtui.core.textsafe import one_line
from opgtui.screens.reads import read_store

if TYPE_CHECKING:
    from opgtui.app import OpgApp
    from opgtui.core.model import Verdict
    from opgtui.store import Store

WARN = "bold $text-warning"  # a cause the action goes against (Content styles: the theme's colours)
VERDICT_CHUNK = 900  # ids per verdicts query (SQLite's variable limit)
RERUNS = ("retry", "debug", "bigger", "release")  # actions that put jobs back on the pool


class ConfirmScreen(ModalScreen[bool]):
    """Yes/No dialog; Enter on the focused Cancel does nothing harmful; y / n / Esc answer."""

    BINDINGS = [Binding("escape,n", "cancel", "No", id="confirm.cancel"), Binding("y", "ok", "Yes", id="confirm.ok")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%;
                               border: thick $error; background: $surface; padding: 0 1; }
    ConfirmScreen #confirm-message { height: auto; max-height: 16; }
    ConfirmScreen Horizontal { height: auto; align: center middle; margin-top: 1; }
    ConfirmScreen Button { margin: 0 2; }
    ConfirmScreen .keys { color: $text-muted; text-align: center; }
    """

    def __init__(self, message: Text | Content) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll(id="confirm-message"):  # a long message scrolls; the buttons always show
                yield Static(self.message)
            with Horizontal():
                yield Button(" No ", id="cancel", variant="primary", compact=True)
                yield Button(" Yes, do it ", id="ok", variant="error", compact=True)
            yield Static(Text("y: yes · n or Esc: no"), classes="keys")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "ok")

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_ok(self) -> None:
        self.dismiss(True)


def _verdicts(store: Any, job_ids: Sequence[str]) -> dict[str, Verdict]:
    out: dict[str, Verdict] = {}
    for i in range(0, len(job_ids), VERDICT_CHUNK):
        out.update(store.verdicts_for(list(job_ids[i : i + VERDICT_CHUNK])))
    return out


def submit_warning(app: OpgApp, now: float | None = None, *, store: Store) -> str | None:
    """What the status board's pre-submit check says when it says no (or does not know), else None (read from
    ``store``: a worker's own)."""
    from opgtui.domain.services import SUBMIT_HORIZON, board, decide_submit

    now = time.time() if now is None else now
    rows = board(app.cfg, store, now)
    required = app.data.required_services() or [r.service for r in rows if r.critical]
    if not required:
        return None
    result = decide_submit(rows, required, SUBMIT_HORIZON, now)
    if result.exit_code == 0:
        return None
    blocking = next((line for line in result.lines[:-1] if ": UP" not in line), "").split(" [", 1)[0]
    return f"Status board: {result.lines[-1]}" + (f" ({blocking})" if blocking else "")


def describe(
    app: OpgApp, action: str, job_ids: Sequence[str], scope: str | None, now: float | None = None, *, store: Store
) -> Content:
    """The body of a bulk dialog: the scope, one line per cause (what ``action`` will do to it), the
    status board's warning for actions that run jobs again, and the first ids (read from ``store``: a
    worker's own)."""
    from opgtui.domain.failures import cause_counts, cause_line

    text = Content()
    if scope:
        text = text.append_text(one_line(scope, 300) + "\n", "bold")
    causes = cause_counts(job_ids, _verdicts(store, job_ids))
    for cause in causes[:3]:
        line, against = cause_line(action, cause)
        text = text.append_text(one_line(line, 200) + "\n", WARN if against else "")
    if len(causes) > 3:
        text = text.append_text(f"+{len(causes) - 3} more causes ({sum(c.count for c in causes[3:]):,} jobs)\n", "dim")
    if action in RERUNS and (warning := submit_warning(app, now, store=store)):
        text = text.append_text("! " + one_line(warning, 200) + "\n", "bold $text-error")
    n = len(job_ids)
    text = text.append_text(
        "jobs: "
        + one_line(", ".join(shown_ids(app, job_ids[:3], store)), 200)
        + (f" and {n - 3:,} more" if n > 3 else ""),
        "dim",
    )
    return text


def shown_ids(app: OpgApp, job_ids: Sequence[str], store: Store) -> list[str]:
    """The ids as the jobs table shows them (88412042.61@jobsub01), the store's id for a job not known."""
    from opgtui.domain.joblist import short_id

    known = {j.id: j for j in app.data.jobs_by_id(store, list(job_ids))}
    return [short_id(known[jid]) if jid in known else jid for jid in job_ids]


def confirm_and_act(app: OpgApp, action: str, job_ids: list[str], scope: str | None = None) -> None:
    """Ask, then run the action on the schedds in the background and report HTCondor's answer verbatim. Hold
    leaves out the jobs held already (all of them: one line, no dialog)."""
    wanted = list(job_ids)

    def question(store: Any) -> Content:
        held = (
            {j.id for j in app.data.jobs_by_id(store, job_ids) if j.status == JobStatus.HELD}
            if action == "hold"
            else set()
        )
        if held:
            wanted[:] = [jid for jid in job_ids if jid not in held]
            if not wanted:
                raise NotAsked(f"{len(held):,} already held: nothing to do", "information")
        n = len(wanted)
        return Content.assemble(
            (f"{action.capitalize()} {n:,} job{'s' if n != 1 else ''}?\n", "bold"),
            describe(app, action, wanted, scope, store=store),
            f"\nLeft out: {len(held):,} already held" if held else "",
        )

    def answered() -> None:
        if app.demo:
            app.notify("demo data: no schedd to act on", severity="warning", markup=False)
            return

        def work(store: Any) -> tuple[str, str]:
            import asyncio

            from opgtui.ops.actions import act_and_log, answer_lines, default_pool

            results = asyncio.run(
                act_and_log(
                    store,
                    action,
                    wanted,
                    reason=f"opgtui: {action} by shifter",  # type: ignore[arg-type]
                    pool=default_pool(app.cfg),
                )
            )
            failed = any(not r.ok for r in results)
            return "\n".join(answer_lines(results)) or "nothing done", "error" if failed else "information"

        run_action(app, action, wanted, work)

    ask(app, question, answered)


class NotAsked(Exception):
    """Why no dialog opens (nothing to retry, no debug profile): one line; ``severity`` for its notice."""

    def __init__(self, message: str, severity: str = "warning") -> None:
        super().__init__(message)
        self.severity = severity


def ask(app: OpgApp, question: Callable[[Any], Text | Content], answered: Callable[[], None]) -> None:
    """Gather the dialog's text through :func:`read_store` (a group of 20,000 jobs is read off the UI thread, on a
    store connection of its own), then show it; ``answered`` runs on yes. ``question`` raises NotAsked to say why
    there is nothing to ask; a store that cannot be read is one line and no dialog opens."""

    def read(store: Any) -> Text | Content | NotAsked:
        from opgtui.store import StoreError

        try:
            return question(store)
        except NotAsked as exc:
            return exc
        except StoreError:
            raise  # read_store says it in one line
        except Exception as exc:  # an exception would end the app: say it in one line
            return NotAsked(one_line(f"{type(exc).__name__}: {exc}", 300), "error")

    def show(message: Text | Content | NotAsked) -> None:
        if isinstance(message, NotAsked):
            _notice(app, str(message), message.severity)
        else:
            app.push_screen(ConfirmScreen(message), lambda yes: answered() if yes else None)

    read_store(app.screen, read, show, group="confirm", failed=lambda line: _notice(app, line, "error"))


def _notice(app: OpgApp, text: str, severity: str) -> None:
    app.notify(text, severity=severity, markup=False, timeout=10)  # type: ignore[arg-type]


def _profile_text(app: OpgApp, job_ids: list[str], store: Any) -> Content:
    """What the debug profiles will change; NotAsked saying why when a job has none."""
    from opgtui.ops.actions import debug_profile_for

    stored = {j.id: j.experiment for j in store.jobs_by_id(job_ids)}
    try:
        profiles = dict(debug_profile_for(app.cfg, jid, stored.get(jid), stored=jid in stored) for jid in job_ids)
    except ValueError as exc:
        raise NotAsked(str(exc), "error") from None
    text = Content()
    for name, p in sorted(profiles.items()):
        parts = [
            " ".join(f"{k}={v}" for k, v in p.environment.items()),
            p.arguments,
            f"request_memory >= {p.request_memory}" if p.request_memory else "",
        ]
        text = text.append_text(f"\nDebug profile {name}: ", "bold")
        text = text.append_text(one_line("; ".join(x for x in parts if x), 200))
    return text


MEMORY_SAMPLE = 200  # ads read to say what memory M gives


def memory_text(app: OpgApp, job_ids: Sequence[str], store: Store) -> str:
    """What ``M`` sets: ``Memory: 2,000 -> 3,072 MB`` (ranges when jobs differ), from the jobs' ads."""
    from opgtui.domain.retry import bigger_memory

    before, after, unknown = [], [], 0
    for jid in job_ids[:MEMORY_SAMPLE]:
        ad = app.data.job_ad(store, jid)
        new = bigger_memory(ad) if ad is not None else None
        if new is None:
            unknown += 1
            continue
        after.append(new)
        old = ad.get("RequestMemory")  # type: ignore[union-attr]
        if isinstance(old, int | float) and not isinstance(old, bool):
            before.append(int(old))

    def spread(values: list[int]) -> str:
        lo, hi = min(values), max(values)
        return f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"

    line = "Memory: 1.5x the request, or 1.25x the peak use if more (rounded up to 512 MB)"
    if after:
        line += f"\nMemory: {spread(before) + ' -> ' if before else ''}{spread(after)} MB"
        if len(job_ids) > MEMORY_SAMPLE:
            line += f" (first {MEMORY_SAMPLE} jobs)"
    if unknown:
        line += f"\n{unknown:,} with no memory request or use in their ad: left as they are"
    return line


def confirm_and_retry(
    app: OpgApp,
    job_ids: list[str],
    *,
    debug: bool = False,
    bigger: bool = False,
    scope: str | None = None,
    findings: Sequence[str] = (),
) -> None:
    """Ask (count, what was pointed at, the causes and what a retry does to each, ``findings``: what the other
    jobs say of them, the node or site, how many released / resubmitted, the debug settings or the new memory),
    then retry in the background.

    Running, idle and succeeded jobs are left out and counted (the schedd would refuse them anyway)."""
    from collections import Counter

    from opgtui.domain.retry import why_not_retryable

    wanted: list[str] = []
    counts: dict[str, int] = {}

    def question(store: Any) -> Content:
        known = {j.id: j for j in app.data.jobs_by_id(store, job_ids)}
        skipped: Counter[str] = Counter()
        for jid in job_ids:
            job = known.get(jid)
            why = why_not_retryable(job.status, job.exit_code, job.exit_signal) if job is not None else None
            if why:
                skipped[why] += 1
            else:
                wanted.append(jid)
        left_out = ", ".join(f"{n:,} {why}" for why, n in skipped.most_common())
        if not wanted:
            raise NotAsked(f"nothing to retry: {left_out} (only held, failed or removed jobs are retried)")
        held = counts["held"] = sum(known[j].status == 5 for j in wanted if j in known)
        n, stored = len(wanted), sum(j in known for j in wanted)
        message = Content.styled(
            f"Retry {n:,} job{'s' if n != 1 else ''}{' with debug settings' if debug else ''}"
            f"{' with more memory' if bigger else ''}?\n",
            "bold",
        )
        message += describe(app, "debug" if debug else "bigger" if bigger else "retry", wanted, scope, store=store)
        for line in findings:
            message += Content.styled("\n" + one_line(line, 200), WARN)
        if findings:
            message += Content.styled("\nretried as they are, they may run there again", WARN)
        message += (
            f"\n{held:,} held: released{' after editing' if debug or bigger else ''}; "
            f"{stored - held:,} failed or removed: resubmitted"
            + (f"; {n - stored:,} not in the store: as their schedd says" if n > stored else "")
            + (f"\nLeft out: {left_out}" if left_out else "")
        )
        if bigger:
            message += "\n" + memory_text(app, wanted, store)
        if debug:
            message += _profile_text(app, wanted, store)
        return message

    what = "retry" + (" with debug" if debug else "") + (" + memory" if bigger else "")

    def work(store: Any) -> tuple[str, str]:
        n, held = len(wanted), counts["held"]
        if app.demo:
            store.log_action(what, wanted, "demo data: nothing sent (the demo has no schedd)")
            return (
                f"demo data: would retry {n:,} jobs ({held:,} released, {n - held:,} resubmitted); nothing "
                "sent, recorded in :actions"
            ), "warning"
        import asyncio

        from opgtui.ops.actions import default_pool, retry

        results = asyncio.run(
            retry(wanted, store=store, cfg=app.cfg, debug=debug, bigger=bigger, pool=default_pool(app.cfg))
        )
        failed = [r for r in results if not r.ok]
        text = f"retried {len(results) - len(failed):,} of {len(results):,}"
        if failed:
            text += f"; {len(failed):,} not: " + one_line(failed[0].message, 200)
        return text, "error" if failed else "information"

    ask(app, question, lambda: run_action(app, what, wanted, work))


Work = Callable[[Any], tuple[str, str]]
"""An action: given a store of its own thread, HTCondor's answer as one text and its notification's severity."""
_RUNNING: weakref.WeakKeyDictionary[Any, set[tuple[str, tuple[str, ...]]]] = weakref.WeakKeyDictionary()


def run_action(app: OpgApp, what: str, job_ids: Sequence[str], work: Work) -> None:
    """Run a confirmed action off the UI thread, in an exclusive worker with its own store connection; its
    answer is notified and the views reload. The same action on the same jobs while it runs is refused, so a
    second confirmation acts once."""
    key = (what, tuple(sorted(job_ids)))
    running = _RUNNING.setdefault(app, set())
    if key in running:
        n = len(job_ids)
        app.notify(
            f"{what} of {n:,} job{'s' if n != 1 else ''} is still running: not sent again; its answer "
            "comes when HTCondor gives it",
            severity="warning",
            markup=False,
        )
        return
    running.add(key)

    def background() -> None:
        from opgtui.store import open_store

        try:
            store = open_store(app.store.path)
            try:
                text, severity = work(store)
            finally:
                store.close()
        except Exception as exc:  # an exception would end the app: say it in one line
            why = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
            text, severity = one_line(f"{what}: {why}", 300), "error"
        finally:
            running.discard(key)
        with contextlib.suppress(RuntimeError):  # the app has ended meanwhile: the action log holds the answer
            app.call_from_thread(_answer, app, text, severity)

    app.run_worker(background, name=what, group=f"action {hash(key)}", thread=True, exclusive=True)


def _answer(app: OpgApp, text: str, severity: str) -> None:
    app.notify(text, severity=severity, markup=False, timeout=10)  # type: ignore[arg-type]
    app.reload_views()
