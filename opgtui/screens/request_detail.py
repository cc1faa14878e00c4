"""One production request: its fields, what it lacks, its linked jobs and progress, its audit trail,
and the workflow actions (w menu; a approve, r reject, p priority, s submit, e edit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import ContentSwitcher, DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from opgtui.config import Roles
from opgtui.core.model import Job, ProductionRequest
from opgtui.core.textsafe import clean, one_line
from opgtui.core.timefmt import clock, span
from opgtui.domain import requests as rq
from opgtui.ops.request_ops import actor
from opgtui.screens.reads import read_store, write_store
from opgtui.widgets.footer import SteadyFooter
from opgtui.widgets.safe_edit import SafeInput
from opgtui.widgets.vim import Scroll, Table

if TYPE_CHECKING:
    from datetime import tzinfo

    from opgtui.app import OpgApp
    from opgtui.config import Config
    from opgtui.store import AuditEntry, Store


class _Read(NamedTuple):
    """What one read of the request found: it (None: gone), its jobs and their summary, its audit trail, the
    jobs' causes (category, signature) and who is acting with their roles."""

    req: ProductionRequest | None
    jobs: list[Job]
    progress: rq.Progress | None
    audit: list[AuditEntry]
    causes: dict[str, tuple[str, str]]
    acting: tuple[str, Roles]


LABEL_WIDTH = 22


def _shown(spec: rq.FieldSpec, value: Any) -> str:
    if spec.choices:
        return dict(spec.choices).get(str(value), str(value))
    return f"{value:,}" if isinstance(value, int) else rq.format_value(spec, value)


def progress_bar(fraction: float, width: int = 24) -> str:
    full = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * full + "░" * (width - full)


def overview_text(
    req: ProductionRequest, cfg: Config, audit: list[AuditEntry], progress: rq.Progress, tz: tzinfo | None = None
) -> Content:
    """The detail page as one Content (the theme's colours): every value is untrusted and drawn as plain text."""
    t = Content()
    t = t.append_text(f"#{req.id} ", "bold")
    t = t.append_text(one_line(req.title, 200) + "\n", "bold")
    t = t.append_text(one_line(req.status, 20), "bold $text-primary")
    t = t.append_text(
        f" · priority {rq.priority_label(req.priority) or 'not set'} · by "
        f"{one_line(req.requester, 30)} · version {req.version} · "
        f"updated {clock(req.updated, tz, with_date=True)}\n"
    )
    gap = rq.missing(req, cfg)
    if gap and req.status == "draft":
        t = t.append_text(rq.missing_sentence(gap) + "\n", "$text-warning")
    decision = next(
        (a for a in reversed(audit) if a["action"] in ("reject", "cancel") and a["changes"].get("reason")), None
    )
    if decision and req.status in ("rejected", "cancelled"):
        t = t.append_text(f"{req.status.capitalize()} by {one_line(decision['who'], 30)}: ", "bold $text-error")
        t = t.append_text(one_line(decision["changes"]["reason"], 300) + "\n")
    t = t.append_text("\nRequest\n", "bold underline")
    t = t.append_text(f"  {'Experiment':<{LABEL_WIDTH}}{one_line(req.experiment, 40)}\n")
    for spec in rq.FIELDS:
        if spec.name not in req.fields:
            continue
        value = req.fields[spec.name]
        label = spec.label + (f" ({spec.unit})" if spec.unit else "")
        t = t.append_text(f"  {label:<{LABEL_WIDTH}}", "dim")
        if spec.kind == "longtext":
            lines = [clean(line) for line in str(value).splitlines()] or [""]
            t = t.append_text(("\n" + " " * (LABEL_WIDTH + 2)).join(lines) + "\n")
        else:
            t = t.append_text(one_line(_shown(spec, value), 400) + "\n")
    t = t.append_text("\nJobs\n", "bold underline")
    batches = req.fields.get("batches") or []
    if not batches:
        t = t.append_text(
            "  No batches linked yet: e (edit) and fill Linked batches, or `opgtui request link`.\n", "dim"
        )
    elif not progress.total:
        t = t.append_text(f"  No jobs of {', '.join(one_line(b, 60) for b in batches)} in the store yet.\n", "dim")
    else:
        frac = progress.fraction or 0.0
        t = t.append_text(f"  {progress_bar(frac)} {frac:.0%} ", "$text-success")
        t = t.append_text(f"{progress.succeeded:,} of {progress.total:,} jobs succeeded\n")
        t = t.append_text("  " + " · ".join(f"{n:,} {s}" for s, n in (progress.by_status or {}).items()) + "\n")
        if progress.failed or progress.held:
            t = t.append_text(
                f"  {progress.failed:,} failed, {progress.held:,} held. Commonest causes:\n", "bold $text-error"
            )
            for cause, n in progress.causes or ():
                t = t.append_text(f"  {n:>6}  {one_line(cause, 60)}\n")
        t = t.append_text("  J: the jobs (Enter: a job's detail)\n", "dim")
    t = t.append_text("\nAudit trail\n", "bold underline")
    for entry in audit:
        refused = entry["action"].startswith("refused")
        t = t.append_text(f"  {clock(entry['time'], tz, with_date=True)} ", "dim")
        t = t.append_text(one_line(entry["who"], 20) + " ", "bold")
        t = t.append_text(entry["action"] + "\n", "bold $text-error" if refused else "$text-primary")
        for line in rq.describe_change(entry["changes"]):
            t = t.append_text(f"      {one_line(line, 300)}\n")
    return t


class RequestDetailScreen(Screen[None]):
    """Detail of one request (re-read from the store each time it is shown)."""

    BINDINGS = [
        Binding("escape", "back", "Back", show=False, id="request_detail.back"),
        Binding("e", "edit", "Edit", id="request_detail.edit"),
        Binding("w", "workflow", "Workflow (s a r)", id="request_detail.workflow"),
        Binding("s", "act('submit')", "Submit", show=False, id="request_detail.submit"),
        Binding("a", "act('approve')", "Approve", show=False, id="request_detail.approve"),
        Binding("r", "act('reject')", "Reject", show=False, id="request_detail.reject"),
        Binding("p", "priority", "Priority", id="request_detail.priority"),
        Binding("J", "toggle_jobs", "Jobs", id="request_detail.jobs"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="request_detail.reload"),
    ]
    DEFAULT_CSS = """
    RequestDetailScreen ContentSwitcher { height: 1fr; }
    RequestDetailScreen #overview { padding: 0 1; }
    RequestDetailScreen #req-jobs { height: 1fr; }
    RequestDetailScreen #jobs-title { height: 1; background: $panel; padding: 0 1; text-wrap: nowrap; }
    """

    def __init__(self, req_id: int) -> None:
        super().__init__()
        self.req_id = req_id
        self.req: ProductionRequest | None = None
        self.jobs: list[Job] = []
        self.acting: tuple[str, Roles] | None = None  # who acts and their roles, as the last read found them

    @property
    def opg(self) -> OpgApp:
        return cast("OpgApp", self.app)

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="overview"):
            with Scroll(id="overview"):
                yield Static(id="overview-text")
            with Vertical(id="jobs-pane"):
                yield Static(id="jobs-title")
                yield Table(id="req-jobs", cursor_type="row", zebra_stripes=True)
        yield SteadyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#req-jobs", DataTable)
        for label in ("Job", "Status", "Exit", "Cause", "Site", "Batch"):
            table.add_column(label)

    def on_screen_resume(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the request, its jobs, their causes, its audit and who is acting off the UI thread
        (:func:`opgtui.screens.reads.read_store`), then show them."""
        from opgtui.ops.request_ops import linked_jobs

        cfg, req_id = self.opg.cfg, self.req_id

        def read(store: Store) -> _Read:
            req = store.request(req_id)
            if req is None:
                return _Read(None, [], None, [], {}, actor(store, cfg))
            jobs, progress = linked_jobs(store, cfg, req)
            verdicts = store.verdicts_for([j.id for j in jobs])
            causes = {jid: (v.category, v.signature or "") for jid, v in verdicts.items()}
            return _Read(req, jobs, progress, store.request_audit(req_id), causes, actor(store, cfg))

        read_store(self, read, self._show, group="request-detail")

    def _show(self, found: _Read) -> None:
        self.req, self.jobs, self.acting = found.req, found.jobs, found.acting
        if found.req is None:
            self.query_one("#overview-text", Static).update(Text(f"Request {self.req_id} no longer exists."))
            return
        text = overview_text(found.req, self.opg.cfg, found.audit, found.progress, self.opg.tz)
        self.query_one("#overview-text", Static).update(text)
        self._fill_jobs(found.causes)

    def _fill_jobs(self, verdicts: dict[str, tuple[str, str]]) -> None:
        from opgtui.core.model import JobStatus

        table = self.query_one("#req-jobs", DataTable)
        table.clear()
        # failures first: held, then failed, then the rest
        order = sorted(self.jobs, key=lambda j: (j.status != JobStatus.HELD, not j.failed, j.id))
        for job in order:
            v = verdicts.get(job.id)
            cause = " · ".join(x for x in v if x) if v else (job.hold_reason or "")
            exit_text = "" if job.exit_code is None else str(job.exit_code)
            table.add_row(
                Text(one_line(job.display_id, 30)),
                Text(job.status_label),
                Text(exit_text),
                Text(one_line(cause, 40)),
                Text(one_line(job.site, 16)),
                Text(one_line(job.batch_name, 24)),
                key=job.id,
            )
        held = sum(j.status == JobStatus.HELD for j in self.jobs)
        failed = sum(j.failed for j in self.jobs)
        wall = sum(j.wall or 0.0 for j in self.jobs)
        self.query_one("#jobs-title", Static).update(
            Text(
                f"Request {self.req_id}: {len(self.jobs):,} jobs, {held} held, {failed} failed, "
                f"{span(wall)} wall · Enter: job detail · J or Esc: back to the request"
            )
        )

    def action_back(self) -> None:
        """Esc: from the job list back to the request, else back to where the request was opened."""
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "jobs-pane":
            self.action_toggle_jobs()
        else:
            self.app.pop_screen()

    def action_toggle_jobs(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "jobs-pane" if switcher.current == "overview" else "overview"
        if switcher.current == "jobs-pane":
            self.query_one("#req-jobs", DataTable).focus()
        else:
            self.query_one("#overview", Scroll).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from opgtui.screens.job import JobDetailScreen

        if event.row_key.value:
            self.app.push_screen(JobDetailScreen(str(event.row_key.value)))

    # ------------------------------------------------------------------ actions

    def action_edit(self) -> None:
        from opgtui.screens.request_form import RequestForm

        if self.req is None or self.acting is None:
            return
        who, roles = self.acting
        allowed = rq.editable_fields(self.req, who, roles)
        if not allowed:
            try:
                rq.check_edit(self.req, who, roles, ["title"])
            except rq.Refused as exc:
                req_id, reason = self.req_id, str(exc)
                self.opg.notify(f"Refused: {reason}", severity="error", markup=False, timeout=10)
                # The refusal goes into the audit trail off the UI thread (write_store); a store that cannot be
                # written is one more line (the refusal still showed), and the trail is read again once it is in.
                write_store(
                    self,
                    lambda store: store.audit_request(req_id, who, "refused edit", {"reason": reason}),
                    lambda _: self.reload(),
                    group="request-refused-edit",
                    failed=lambda line: self.opg.notify(
                        f"not recorded in the audit trail: {line}", severity="error", markup=False
                    ),
                )
            return
        self.app.push_screen(RequestForm(self.req), lambda _saved: self.reload())

    def action_workflow(self) -> None:
        if self.req is not None and self.acting is not None:
            self.app.push_screen(WorkflowMenu(self.req, self.opg.cfg, self.acting), self._chosen)

    def _chosen(self, action: str | None) -> None:
        if action == "priority":
            self.action_priority()
        elif action:
            self.action_act(action)

    def action_act(self, action: str) -> None:
        """Take a workflow step: asks for a reason where one is wanted, else for a yes; approving asks for
        the priority when neither the request nor its requester set one."""
        if self.req is None:
            return
        t = rq.TRANSITIONS[action]
        if t.reason != "none":
            title = f"{t.label}: request {self.req_id}" + (" (a reason is required)" if t.reason == "required" else "")
            self.app.push_screen(
                ReasonDialog(title, required=t.reason == "required"),
                lambda reason: None if reason is None else self._transition(action, reason),
            )
            return
        wanted = self.req.fields.get("requested_priority")
        priority = self.req.priority or (int(wanted) if wanted else None)
        if action == "approve" and priority is None:
            self.app.push_screen(
                PriorityDialog(None, f"Approve request {self.req_id} at priority"),
                lambda level: None if level is None else self._confirm(action, level),
            )
            return
        self._confirm(action, priority if action == "approve" else None)

    def _confirm(self, action: str, priority: int | None) -> None:
        """Ask before a step that takes no reason (submit, approve, ...): y / n / Esc."""
        from opgtui.screens.confirm import ConfirmScreen

        if self.req is None:
            return
        t = rq.TRANSITIONS[action]
        question = Content.assemble(
            f"{t.label}: request {self.req_id}?\n",
            one_line(self.req.title, 200) + "\n",
            (f"{one_line(self.req.status, 20)} -> {t.target}", "$text-primary"),
            (f" at priority {rq.priority_label(priority)}", "$text-primary") if priority is not None else "",
        ).stylize_before("bold")  # the whole question bold
        self.app.push_screen(
            ConfirmScreen(question), lambda yes: self._transition(action, "", priority) if yes else None
        )

    def _transition(self, action: str, reason: str, priority: int | None = None) -> None:
        from opgtui.ops.request_ops import transition

        cfg, who = self.opg.cfg, rq.whoami()
        self._run(lambda store, req: transition(store, cfg, req, action, who, reason, priority=priority))

    def action_priority(self) -> None:
        from opgtui.ops.request_ops import set_priority

        if self.req is None:
            return
        cfg = self.opg.cfg

        def chosen(level: int | None) -> None:
            if level is not None:
                who = rq.whoami()
                self._run(lambda store, req: set_priority(store, cfg, req, who, level))

        self.app.push_screen(PriorityDialog(self.req.priority), chosen)

    def _run(self, step: Callable[[Store, ProductionRequest], ProductionRequest]) -> None:
        """Take a workflow step off the UI thread (write_store): refused (recorded in the audit trail), changed
        meanwhile, or a store that cannot be written is one line; then the request is read again."""
        from opgtui.store import RequestConflict

        req = self.req
        if req is None:
            return

        def write(store: Store) -> ProductionRequest | Exception:
            try:
                return step(store, req)
            except (rq.Refused, RequestConflict, ValueError) as exc:
                return exc

        def failed(line: str) -> None:
            self.opg.notify(line, severity="error", markup=False)
            self.reload()

        if write_store(self, write, self._stepped, group="request-step", failed=failed) is None:
            # a step of this request is still being written: this one is not taken; say so, never drop it unsaid
            self.opg.notify(
                "another step of this request is being saved: nothing done, try again once it is", markup=False
            )

    def _stepped(self, answer: ProductionRequest | Exception) -> None:
        from opgtui.store import RequestConflict

        if isinstance(answer, rq.Refused):
            self.opg.notify(
                f"Refused: {answer} (recorded in the audit trail)", severity="error", markup=False, timeout=10
            )
        elif isinstance(answer, RequestConflict):
            self.opg.notify(f"{answer}", severity="warning", markup=False, timeout=10)
        elif isinstance(answer, Exception):
            self.opg.notify(str(answer), severity="error", markup=False)
        else:
            self.opg.notify(
                f"Request {answer.id}: {answer.status}, priority {rq.priority_label(answer.priority) or '-'}",
                markup=False,
            )
        self.reload()


class _Dialog(ModalScreen[Any]):
    """A small modal: Esc closes it with no answer."""

    BINDINGS = [Binding("escape", "dismiss_none", "Close", id="request_dialog.close")]

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class WorkflowMenu(_Dialog):
    """The workflow steps of this request: those you may take first, the others dimmed with why not."""

    DEFAULT_CSS = """
    WorkflowMenu { align: center middle; }
    WorkflowMenu > Vertical { width: 74; height: auto; max-height: 90%; border: round $accent; background: $surface; }
    WorkflowMenu OptionList { height: auto; max-height: 16; }
    """

    def __init__(self, req: ProductionRequest, cfg: Any, acting: tuple[str, Roles]) -> None:
        super().__init__()
        self.req, self.cfg = req, cfg
        self.who, self.roles = acting

    def options(self) -> list[Option]:
        who = self.who
        allowed, denied = [], []
        steps = [(a, t.label) for a, t in rq.TRANSITIONS.items() if self.req.status in t.sources]
        if self.req.status in rq.OPEN_STATES:
            steps.append(("priority", "Set priority"))
        for action, label in steps:
            try:
                if action == "priority":
                    rq.check_priority(self.req, who, self.roles, self.req.priority or 2)
                else:
                    rq.check_transition(
                        self.req,
                        action,
                        who,
                        self.roles,
                        "reason",
                        rq.missing(self.req, self.cfg) if action == "submit" else (),
                    )
                allowed.append(Option(Text(label), id=action))
            except rq.Refused as exc:
                denied.append(
                    Option(Text.assemble((label, "dim"), ("  " + one_line(str(exc), 120), "dim italic")), id=action)
                )
        return allowed + denied

    def compose(self) -> ComposeResult:
        with Vertical():
            you = one_line(self.who, 30)
            yield Static(Text(f" Request {self.req.id} is {one_line(self.req.status, 20)}. You are {you}.", "bold"))
            opts = self.options()
            yield OptionList(*opts) if opts else Static(Text(" No workflow steps from here.", "dim"))
            yield Static(Text(" Enter: take the step (it asks before it acts) · Esc: cancel", "dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ReasonDialog(_Dialog):
    """One line of reason; Enter confirms, Esc cancels."""

    DEFAULT_CSS = """
    ReasonDialog { align: center middle; }
    ReasonDialog > Vertical { width: 70; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    ReasonDialog #reason-error { color: $error; height: auto; }
    """

    def __init__(self, title: str, *, required: bool) -> None:
        super().__init__()
        self.title_text, self.required = title, required

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text, "bold"))
            yield SafeInput(placeholder="why (recorded in the audit trail)", id="reason")
            yield Static(id="reason-error")
            yield Static(Text("Enter: confirm · Esc: cancel", "dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.required and not event.value.strip():
            self.query_one("#reason-error", Static).update(Text("A reason is required."))
            return
        self.dismiss(event.value.strip())


class PriorityDialog(_Dialog):
    """Pick a priority level."""

    DEFAULT_CSS = """
    PriorityDialog { align: center middle; }
    PriorityDialog > Vertical { width: 44; height: auto; border: round $accent; background: $surface; }
    PriorityDialog OptionList { height: auto; }
    """

    def __init__(self, current: int | None, title: str = "Priority") -> None:
        super().__init__()
        self.current, self.title_text = current, title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f" {self.title_text}", "bold"))
            yield OptionList(
                *(
                    Option(Text(f"{k} {v}" + ("  (now)" if k == self.current else "")), id=str(k))
                    for k, v in sorted(rq.PRIORITIES.items(), reverse=True)
                )
            )
            yield Static(Text(" Enter: choose · Esc: cancel", "dim"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0) or None)
