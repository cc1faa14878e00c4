"""Job detail: every field of the record, its verdict (with what the other stored jobs say of a failed or held
job: ``opgtui.ops.population``), its event history, and the raw ad behind a key."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from opgtui.core.model import Job, JobEvent, Verdict
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import clock, span
from opgtui.screens.reads import read_store
from opgtui.widgets.footer import SteadyFooter
from opgtui.widgets.vim import Scroll

if TYPE_CHECKING:
    from datetime import tzinfo

    from opgtui.app import OpgApp
    from opgtui.domain.phases import Phase
    from opgtui.domain.population import Reading
    from opgtui.store import RetryEntry, Store


class Weighed(NamedTuple):
    """What the other stored jobs say of a failed or held job (``opgtui.ops.population``), as a read found it."""

    scope: str  # "the store", "batch X"
    jobs: int
    failed: int  # of them failed or held
    reading: Reading | None  # None: they point nowhere
    error: str | None = None  # they could not be weighed (one line)


class _Detail(NamedTuple):
    """What the detail shows, as one read found it."""

    job: Job | None
    verdict: Verdict | None
    retries: list[RetryEntry]
    ad: dict[str, Any] | None
    events: list[JobEvent]
    phases: list[Phase]
    weighed: Weighed | None = None  # None: not failed nor held, or nothing to weigh it against


def weigh(store: Store, job: Job, verdict: Verdict | None, now: float) -> Weighed | None:
    """What the other stored jobs say of ``job`` beside its ``verdict``; a failure to weigh them is one line, never
    the detail's failure."""
    from opgtui.ops.population import read_population

    try:
        pool = read_population(store, job)
        if pool is None:
            return None
        return Weighed(pool.scope, len(pool.jobs), len(pool.failed), pool.reading(job, verdict, now))
    except Exception as exc:  # a bug in the evidence or a store that fails here must not hide the record
        return Weighed("", 0, 0, None, one_line(str(exc), 200) or type(exc).__name__)


def _when(ts: float | None, tz: tzinfo | None) -> str:
    """``MM-DD HH:MM``, '' when unknown, '?' for a time no calendar holds (:func:`clock`): the record and its
    stages come from ads and chirps the job itself may have written."""
    return clock(ts, tz, with_date=True)


def population_text(weighed: Weighed | None) -> Content:
    """The population's line under the verdict: ``population agrees: service · 28 of 183 failures of 4 batches on
    host h123`` and its numbers, a hint where the log had no verdict, a note where it disagrees, or no pattern."""
    if weighed is None:
        return Content()
    if weighed.error is not None:
        return Content.styled(f"population: could not weigh the other jobs: {one_line(weighed.error, 200)}\n", "dim")
    read = weighed.reading
    if read is None:
        scope = one_line(weighed.scope, 80)
        return Content.styled(
            f"population: no pattern ({scope}: {weighed.jobs:,} jobs, {weighed.failed:,} failed or held)\n", "dim"
        )
    ev = read.evidence
    if read.suggests is not None:
        head, look = f"population: {ev.hint}", "bold $text-accent"
    elif read.agrees:
        head, look = f"population agrees: {ev.category}", "bold $text-accent"
    else:
        head, look = f"population disagrees: {ev.category} ({ev.label}; the log's verdict stands)", "bold $text-warning"
    text = Content.styled(one_line(head, 200), look)
    text = text.append_text(" · " + one_line(ev.head(), 300) + "\n")
    return text.append_text(f"  {one_line(ev.numbers(), 400)}\n", "dim")


def _size(n: float | None, unit: str = "B") -> str:
    if n is None:
        return ""
    value = float(n)
    for prefix in ("", "k", "M", "G", "T"):
        if abs(value) < 1024 or prefix == "T":
            return f"{value:.0f} {prefix}{unit}" if prefix == "" else f"{value:.1f} {prefix}{unit}"
        value /= 1024
    return ""


def _pair(a: float | None, b: float | None, fmt: Callable[[float], str]) -> str | None:
    """``"a / b"`` with '?' for an unknown side; None when both are unknown."""
    if a is None and b is None:
        return None
    return f"{'?' if a is None else fmt(a)} / {'?' if b is None else fmt(b)}"


def job_fields(job: Job, tz: tzinfo | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs of everything known about a job; unknown fields are left out, never invented."""
    eff = job.efficiency
    pairs = [
        ("Job", job.id),
        ("JobsubJobId", job.jobsub_id),
        ("Owner", job.owner),
        ("Experiment", job.experiment),
        ("Batch", job.batch_name),
        (
            "Status",
            f"{job.status_label} since {_when(job.status_since, tz)}" if job.status_since else job.status_label,
        ),
        ("Hold reason", job.hold_reason),
        ("Hold code", None if job.hold_code is None else f"{job.hold_code}/{job.hold_subcode or 0}"),
        ("Exit code", None if job.exit_code is None else str(job.exit_code)),
        ("Exit signal", None if job.exit_signal is None else str(job.exit_signal)),
        ("Last host", job.last_host),
        ("Site", job.site),
        ("CPU model", job.cpu_model),
        ("Submitted", _when(job.submit_time, tz) or None),
        ("Started", _when(job.start_time, tz) or None),
        ("Ended", _when(job.end_time, tz) or None),
        ("CPU user+sys", span(job.cpu_total) or None),
        ("Wall", span(job.wall) or None),
        ("CPU efficiency", None if eff is None else f"{eff:.0%} ((user+sys) / (wall x {job.request_cpus or 1} cpus))"),
        ("Memory req/used", _pair(job.memory_request_mb, job.memory_used_mb, lambda v: _size(v * 2**20))),
        ("Disk req/used", _pair(job.disk_request_kb, job.disk_used_kb, lambda v: _size(v * 1024))),
        ("Starts", None if job.num_starts is None else str(job.num_starts)),
        ("Bytes in/out", _pair(job.bytes_in, job.bytes_out, _size)),
        ("Files in/out", _pair(job.files_in, job.files_out, str)),
        ("Iwd", job.iwd),
        ("Stdout", job.stdout),
        ("Stderr", job.stderr),
        ("User log", job.userlog),
        ("Command", job.cmd),
        ("Arguments", job.args),
        ("Source", job.source),
    ]
    return [(k, v) for k, v in pairs if v not in (None, "")]


def detail_text(
    job: Job,
    verdict: Verdict | None,
    events: list[JobEvent],
    tz: tzinfo | None = None,
    weighed: Weighed | None = None,
) -> Content:
    text = Content()
    if verdict is None and weighed is not None:  # undiagnosed: the population's word first all the same
        text = text.append(population_text(weighed)).append_text("\n")
    if verdict is not None:
        text = text.append_text("Verdict: ", "bold")
        text = text.append_text(f" {one_line(verdict.category, 12).upper()} ", "bold reverse")
        text = text.append_text(f"  {one_line(verdict.action, 60)}")
        if verdict.signature:
            text = text.append_text(f"  [{one_line(verdict.signature, 60)}]", "$text-primary")
        text = text.append_text("\n")
        if verdict.reason:
            text = text.append_text(one_line(verdict.reason, 300) + "\n", "italic")
        for f in verdict.evidence[:5]:
            text = text.append_text(f"  {f.line or 'rule':>6}: ", "dim")
            text = text.append_text(one_line(f.text, 200) + "\n")
        text = text.append(population_text(weighed)).append_text("\n")
    for label, value in job_fields(job, tz):
        text = text.append_text(f"{label:>16}  ", "bold $text-primary")
        text = text.append_text(one_line(value, 400) + "\n")
    if events:
        text = text.append_text("\nEvents\n", "bold")
        for e in events:
            text = text.append_text(f"  {_when(e.time, tz)}  ", "dim")
            text = text.append_text(f"{one_line(e.type, 16):<16}", "bold")
            text = text.append_text(one_line(e.detail, 160) + "\n")
    return text


def lineage_text(
    job_id: str, retries: list[RetryEntry], ad: dict[str, Any] | None, tz: tzinfo | None = None
) -> Content:
    """Where this job came from (a retry of which job, with which profile) and what became of its retries."""
    text = Content()
    origin = next((r for r in retries if r["new_job_id"] == job_id and r["job_id"] != job_id), None)
    if origin is not None:
        text = text.append_text("Retry of ", "bold")
        text = text.append_text(one_line(origin["job_id"], 80))
        text = text.append_text(
            f"  by {one_line(origin['who'], 20)} {_when(origin['time'], tz)}"
            + (f", debug profile {one_line(origin['profile'], 20)}" if origin["profile"] else "")
            + "\n"
        )
    elif ad and isinstance(ad.get("OpgRetryOf"), str):
        text = text.append_text("Retry of ", "bold")
        text = text.append_text(
            one_line(ad["OpgRetryOf"], 80)
            + (f", debug profile {one_line(str(ad['OpgDebugProfile']), 20)}" if ad.get("OpgDebugProfile") else "")
            + "\n"
        )
    for r in retries:
        if r["job_id"] != job_id:
            continue
        text = text.append_text(f"{_when(r['time'], tz)}  ", "dim")
        text = text.append_text(
            "retried " if r["ok"] else "retry failed ", "bold $text-success" if r["ok"] else "bold $text-error"
        )
        what = (
            ("released" if r["mode"] == "release" else f"resubmitted as {r['new_job_id']}") if r["ok"] else r["result"]
        )
        text = text.append_text(one_line(what, 160) + f"  by {one_line(r['who'], 20)}")
        if r["profile"]:
            changed = one_line(", ".join(map(str, r["changes"])), 120) or "no change"
            text = text.append_text(f"  debug {one_line(r['profile'], 20)}: {changed}", "$text-primary")
        text = text.append_text("\n")
    return text


def phases_text(phases: list[Phase], tz: tzinfo | None = None) -> Content:
    """The job's stages (opg-phase): start, wall, CPU, status, and where they were read from."""
    text = Content()
    if not phases:
        return text
    text = text.append_text("\nStages\n", "bold")
    for p in phases:
        text = text.append_text(f"  {one_line(p.name, 24):<24} ", "bold")
        text = text.append_text(f"{_when(p.start, tz):<12}", "dim")
        text = text.append_text(f" wall {span(p.wall) or '?':>6}  cpu {span(p.cpu) or '?':>6}")
        if p.status is not None:
            text = text.append_text(f"  status {p.status}", "$text-error" if p.status else "$text-success")
        text = text.append_text(f"  ({one_line(p.source, 12)})\n", "dim")
    return text


def ad_text(ad: dict[str, Any] | None) -> Content:
    if not ad:
        return Content.styled("No raw ad recorded for this job.", "dim")
    text = Content()
    for key in sorted(ad, key=str.lower):
        text = text.append_text(f"{one_line(str(key), 60)} = ", "bold $text-primary")
        text = text.append_text(
            one_line(repr(ad[key]) if not isinstance(ad[key], str) else f'"{ad[key]}"', 2000) + "\n"
        )
    return text


class JobDetailScreen(Screen[None]):
    """Enter on a job: all it is known for; `a` toggles the raw ClassAd, `l` opens its log."""

    BINDINGS = [
        Binding("escape", "back", "Back", show=False, id="job.back"),  # the footer keeps room for v and c
        Binding("a", "toggle_ad", "Raw ad", id="job.ad"),
        Binding("l", "log", "Log", id="job.log"),
        Binding("T", "retry(False)", "Retry", id="job.retry"),
        Binding("D", "retry(True)", "Retry+debug", id="job.retry_debug"),
        Binding("M", "retry(False, True)", "Retry+memory", show=False, id="job.retry_memory"),
        Binding("v", "label", "Label", id="job.label"),
        Binding("c", "copy", "Copy id", id="job.copy"),
    ]

    def __init__(self, job_id: str) -> None:
        super().__init__()
        self.job_id = job_id
        self.showing_ad = False
        self.detail: _Detail | None = None  # the last read (the raw ad toggles without reading again)
        self.weighing = False  # the other jobs are being weighed for the population's line

    @property
    def opg(self) -> OpgApp:
        return cast("OpgApp", self.app)

    def compose(self) -> ComposeResult:
        with Scroll():
            yield Static(id="detail")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.render_detail()

    def render_detail(self) -> None:
        """Read the job's record, verdict, retries, ad, events and phases, and for a failed or held job what the
        other stored jobs say of it, off the UI thread, then show them."""
        data, job_id = self.opg.data, self.job_id

        def read(store: Store) -> _Detail:
            from opgtui.domain.phases import stored_phases

            found = data.jobs_by_id(store, [job_id])  # the dump's record while it is still being copied in
            ad = data.job_ad(store, job_id)
            if not found:
                return _Detail(None, None, [], ad, [], [])
            verdict = store.verdicts_for([job_id]).get(job_id)
            return _Detail(
                found[0], verdict, store.retries(job_id), ad, store.events(job_id), stored_phases(store, job_id)
            )

        read_store(self, read, self._show_and_weigh, group="job-detail")

    def _show_and_weigh(self, detail: _Detail) -> None:
        """Show the record at once, then weigh the other jobs (reading up to a whole store of them) in a read of its
        own: the detail never waits for the population."""
        self._show(detail)
        job = detail.job
        if job is None:
            return
        self.weighing = True

        def read(store: Store) -> Weighed | None:
            return weigh(store, job, detail.verdict, time.time())

        def failed(line: str) -> None:
            self._weighed(detail, Weighed("", 0, 0, None, line))

        read_store(self, read, lambda w: self._weighed(detail, w), group="job-population", failed=failed)

    def _weighed(self, detail: _Detail, weighed: Weighed | None) -> None:
        self.weighing = False
        if self.detail is detail and weighed is not None:  # a newer read of the record drops this answer
            self._show(detail._replace(weighed=weighed))

    def _show(self, detail: _Detail) -> None:
        self.detail = detail
        body, job, tz = self.query_one("#detail", Static), detail.job, self.opg.tz
        if job is None:
            gone = f"Job {one_line(self.job_id, 200)} is no longer in the store."  # its schedd is an ad's text
            body.update(Content.styled(gone, "$text-warning"))
            return
        if self.showing_ad:
            body.update(ad_text(detail.ad))
            return
        lineage = lineage_text(self.job_id, detail.retries, detail.ad, tz)
        body.update(
            Content.assemble(
                lineage,
                "\n" if lineage else "",
                detail_text(job, detail.verdict, detail.events, tz, detail.weighed),
                phases_text(detail.phases, tz),
            )
        )
        self.sub_title = f"{job.display_id} · {time.strftime('%H:%M:%S')}"

    def action_back(self) -> None:
        """Esc from the raw ad returns to the detail; from the detail, to where it was opened."""
        if self.showing_ad:
            self.action_toggle_ad()
        else:
            self.app.pop_screen()

    def action_toggle_ad(self) -> None:
        self.showing_ad = not self.showing_ad
        if self.detail is not None:  # what was read already: the ad is part of it
            self._show(self.detail)

    def action_log(self) -> None:
        """l: the job's log in the Log view; this detail stays on the jobs view's stack, so Esc there returns
        here (the verdict and T/D/M beside what the log said), not to the list."""
        from opgtui.ops.logtarget import LogTarget

        self.opg.open_log(LogTarget(self.job_id))

    def action_retry(self, debug: bool, bigger: bool = False) -> None:
        from opgtui.screens.confirm import confirm_and_retry

        confirm_and_retry(self.opg, [self.job_id], debug=debug, bigger=bigger, scope=f"job {self.job_id}")

    def action_label(self) -> None:
        """v: label this job's failure (its decisive line's template) as a signature for the team."""
        from opgtui.screens.signatures import label_jobs

        label_jobs(self.opg, [self.job_id], f"job {self.job_id}", then=self.render_detail)

    def action_copy(self) -> None:
        """c: the job's id as the Jobs table shows it (the CLI takes it) to the terminal's clipboard (OSC 52)."""
        from opgtui.core.textsafe import clean

        job = self.detail.job if self.detail is not None else None  # as read for the detail: no store read here
        text = clean(job.display_id if job is not None else self.job_id)
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {text}", markup=False, timeout=2)
