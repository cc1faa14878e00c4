"""Failure summary: the failed and held jobs in view, grouped by verdict and signature, with the sites they ran
at, the outages that overlapped them and what the other jobs say (a black-hole node, a bad site, a batch failing
everywhere: domain/population.py); one key acts on a whole group."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from opgtui.core.model import Window
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import clock
from opgtui.diagnosis.verdict import describe_window
from opgtui.domain.failures import RANGES, UNDIAGNOSED, FailureGroup, in_range, sites_text, summarise
from opgtui.domain.population import analyse
from opgtui.screens.base import BaseScreen, ellipsis_cell
from opgtui.screens.reads import read_store
from opgtui.widgets.vim import Table

if TYPE_CHECKING:
    from opgtui.core.model import Job
    from opgtui.store import Store

LOOKS = ("service", "code", "resource", "unknown", "undiagnosed", "outage", "signature", "population")
"""The view's component classes (failures--service, ...): a cause's category, an outage, a signature, what the
population of jobs says."""

CauseKey = tuple[str, str | None, str, str | None]


def _key(g: FailureGroup) -> CauseKey:
    """What summarise groups a cause by: a signature's title is its first job's (a pack's new title beside stored
    verdicts with the old one would make the same cause look new on the next load)."""
    return g.category, g.signature, g.title if g.signature is None else "", g.hint


def _same_cause(groups: list[FailureGroup], was: CauseKey, job_ids: set[str]) -> int | None:
    """The row of the cause the cursor was on: the same key, else (the population gave its jobs a hint, or took
    it away) the group of the same cause holding most of its jobs, else None."""
    same = next((i for i, g in enumerate(groups) if _key(g) == was), None)
    if same is not None:
        return same
    kin = [(i, g) for i, g in enumerate(groups) if _key(g)[:3] == was[:3]]
    if not kin:
        return None
    return max(kin, key=lambda ig: (len(job_ids.intersection(ig[1].job_ids)), ig[1].count))[0]


def population_of(store: Store, jobs: list[Job], failures: list[Job], everyone: bool) -> list[Job]:
    """The jobs the population's tests count: those in view when they are every job, else those in view and
    every stored job of the failures' batches (a filter that shows only failures must not make a batch look
    as if it never succeeded)."""
    if everyone:
        return jobs
    batches = sorted({j.batch_name for j in failures if j.batch_name})
    found = {j.id: j for j in store.request_jobs(batches)} if batches else {}
    found.update((j.id, j) for j in jobs)
    return list(found.values())


def evidence_lines(g: FailureGroup, limit: int = 1) -> list[tuple[str, str]]:
    """What the population says of a cause, as (line, look) pairs: how it goes with the log (a hint where the
    log had no verdict; a note, never a change, beside a verdict of its own), what was found, and against what
    (the numbers on a line of their own, so that 80 columns show them)."""
    out: list[tuple[str, str]] = []
    for ev, n, how in g.readings()[:limit]:
        jobs = f"{n:,} of these {g.count:,} jobs" if n != g.count else f"all {n:,} jobs"
        if how == "hint":
            head = f"population: {ev.hint} · {jobs}"
        elif how == "agrees":
            head = f"population agrees: {ev.category} · {jobs}"
        else:
            head = f"note: population points to {ev.category} · {jobs}; the log's verdict stands"
        out.append((head, "population" if how != "disagrees" else "outage"))
        out.append((f"  {ev.head()}", "dim"))
        out.append((f"  {ev.numbers()}", "dim"))
    return out


LABELS = ("Verdict", "Jobs", "Cause", "Outage", "Sites")
CAUSE_WANT = 48
"""The room a cause's title is given before the outage's place grows past its span (most titles are whole)."""
OUTAGE_SPAN, OUTAGE_MAX = 18, 40
"""The Outage column's least width (``samweb 10:02-10:45``) and its most (a node's whole name)."""
SITES_LEAST = 15
"""Sites is shown when this much is left (``Purdue-Brown 28``); else the detail pane alone lists them."""


def column_widths(width: int, cells: Sequence[Sequence[str]], reserve: int = 0) -> tuple[int, ...]:
    """Verdict, Jobs, Cause, Outage and, with room, Sites for a screen ``width`` wide, from the rows' ``cells``
    (their texts, in that order): Verdict and Jobs as wide as their widest text, Outage its span's width, then
    Cause up to :data:`CAUSE_WANT`, Outage up to its longest place, Sites with what is left when that is at least
    :data:`SITES_LEAST`, and the rest to Cause. Each column has a cell of padding either side; ``reserve``: the
    columns a vertical scrollbar takes."""

    def natural(i: int) -> int:
        return max([cell_len(LABELS[i]), *(cell_len(row[i]) for row in cells)])

    verdict, jobs, cause_all, outage_all, sites_all = (natural(i) for i in range(5))
    room = width - reserve - 2 * 4 - verdict - jobs
    outage = min(outage_all, OUTAGE_SPAN)
    room -= outage
    cause = max(min(room, cause_all, CAUSE_WANT), 4)
    room -= cause
    grow = max(min(room, min(outage_all, OUTAGE_MAX) - outage), 0)
    outage, room = outage + grow, room - grow
    if room - 2 >= min(sites_all, SITES_LEAST):
        sites = min(room - 2, sites_all)
        return verdict, jobs, cause + room - 2 - sites, outage, sites
    return verdict, jobs, cause + max(room, 0), outage


def cause_name(g: FailureGroup) -> str:
    """``cause CODE · fhicl_protection_violation (FHiCL tried to ...)``: how a dialog names a cause, one clean
    line (a verdict's title is a pack's or a shared store's text; dialogs and notifications show it as it is)."""
    name = f"cause {g.category.upper()} · {g.signature or g.title}"
    return one_line(name + (f" ({g.title})" if g.signature and g.title else ""), 300)


def short_span(w: Window) -> str:
    """``10:02-10:45``, ``since 10:02`` while open; ``?`` for a time the clock cannot show (:func:`clock`)."""
    return f"since {clock(w.start)}" if w.end is None else f"{clock(w.start)}-{clock(w.end)}"


class FailureSummaryScreen(BaseScreen):
    """``F`` on the jobs view: from N failures to a handful of causes, and the outages behind them."""

    # colours from the theme (a theme or app.tcss restyles them), read when the table and the detail are drawn
    COMPONENT_CLASSES = {f"failures--{look}" for look in LOOKS}
    DEFAULT_CSS = """
    FailureSummaryScreen > .failures--service { color: $text-warning; text-style: bold; }
    FailureSummaryScreen > .failures--code { color: $text-error; text-style: bold; }
    FailureSummaryScreen > .failures--resource { color: $text-accent; text-style: bold; }
    FailureSummaryScreen > .failures--unknown { text-style: bold; }
    FailureSummaryScreen > .failures--undiagnosed { text-style: dim; }
    FailureSummaryScreen > .failures--outage { color: $text-warning; }
    FailureSummaryScreen > .failures--signature { color: $text-primary; }
    FailureSummaryScreen > .failures--population { color: $text-accent; }
    """

    VIEW_NAME = "Failures"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", show=False, id="failures.back"),
        Binding("t", "range", "Range", id="failures.range"),
        Binding("T", "retry(False)", "Retry", id="failures.retry"),
        Binding("D", "retry(True)", "Retry+debug", id="failures.retry_debug"),
        Binding("M", "retry(False, True)", "Retry+memory", show=False, id="failures.retry_memory"),
        Binding("S", "retry_service", "Retry svc", id="failures.retry_service"),
        Binding("H", "act('hold')", "Hold group", show=False, id="failures.hold"),
        Binding("X", "act('remove')", "Remove group", show=False, id="failures.remove"),
        Binding("v", "label", "Label", id="failures.label"),
    ]

    def __init__(
        self,
        job_ids: list[str] | None = None,
        scope: str = "all jobs",
        select: CauseKey | None = None,
        range_index: int = 0,
    ) -> None:
        super().__init__()
        self.job_ids = job_ids  # the jobs in view on the jobs screen; None: every job in the store
        self.scope = scope
        self.range_index = range_index
        self.select = select  # the cause to put the cursor on first (coming back from its jobs)
        self.groups: list[FailureGroup] = []
        self._waiting: Screen[Any] | None = None  # the jobs view whose rows this summary waits for
        self._failures: int | None = None  # the failures of the causes shown; None until an answer is shown
        self._queued: Callable[[], None] | None = None  # S pressed before the causes were in: asked then
        self.weighed = False  # the other jobs' evidence has arrived for the causes shown

    def compose_body(self) -> ComposeResult:
        yield Static(id="failures-status")
        yield Table(id="failures", cursor_type="row", zebra_stripes=True)
        yield Static(id="failure-detail")

    def on_mount(self) -> None:
        self._width = self.app.size.width
        self._columns(column_widths(self._width, []))

    def _rows_pending(self) -> Screen[Any] | None:
        """The jobs view this summary was opened from when it handed over no ids: they may have been taken
        before its rows arrived (an empty list does not mean no failures)."""
        below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
        if self.job_ids is None or self.job_ids or below is None or not hasattr(below, "visible_indices"):
            return None
        return below

    @staticmethod
    def _ids_in_view(below: Screen[Any]) -> list[str]:
        """The jobs in view on the jobs screen (its filters and group), as F takes them."""
        rows = below.rows  # type: ignore[attr-defined]
        return [rows[i].job_id for i in below.visible_indices()]  # type: ignore[attr-defined]

    def _rows_arrived(self) -> None:
        """Poll: once the jobs view has its rows, take the ids in view there and summarise them."""
        below = self._waiting
        if below is None:
            return
        if getattr(below, "loaded_at", None) is None:
            if any(w.node is below and not w.is_finished for w in self.app.workers):
                self._started = True
                return  # still loading
            if not getattr(self, "_started", False):  # F came before the view began to load (keys typed at once)
                self._started = True
                below.reload()  # type: ignore[attr-defined]
                return
            below = None  # its load ended without rows (a damaged store): read the store here, say why
        self._poll.stop()
        self._waiting = None
        if below is not None and self.job_ids is not None:  # the jobs in view there, as F would have taken
            self.job_ids = self._ids_in_view(below)
        self.load()

    def _look(self, name: str) -> Style:
        """The theme's style of a category (``undiagnosed`` for none), an outage or a signature."""
        look = "undiagnosed" if name == UNDIAGNOSED else name
        return self.get_component_rich_style(f"failures--{look}", partial=True) if look in LOOKS else Style()

    def show_pending(self, why: str) -> None:
        """Say the summary is not computed yet (loading, or the store cannot be read) instead of '0 causes'."""
        self.groups, self._failures = [], None
        self.query_one("#failures", DataTable).clear()
        self.query_one("#failures-status", Static).update(Text(" " + one_line(why, 300), "bold"))
        self.query_one("#failure-detail", Static).update("")

    def _columns(self, widths: tuple[int, ...]) -> None:
        """The table's columns, as wide as ``widths`` (:func:`column_widths`): rebuilt when they change."""
        if getattr(self, "_widths", None) == widths:
            return
        table = self.query_one("#failures", DataTable)
        table.clear(columns=True)
        for label, w in zip(LABELS, widths, strict=False):
            table.add_column(label, width=w)
        self._widths = widths

    def on_resize(self) -> None:
        if getattr(self, "_width", None) != self.size.width and self.groups and self._failures is not None:
            self.show(self.groups, self._failures)

    def reload(self) -> None:
        if getattr(self, "_waiting", None) is not None:
            return  # the jobs view's rows are still coming: they start the load
        below = self._rows_pending()
        if below is not None and getattr(below, "loaded_at", None) is None:
            # F typed while the jobs were loading: wait for them, do not say "0"
            self._waiting = below
            self.show_pending("loading the jobs; the causes fill in when they arrive")
            self._poll = self.set_interval(0.1, self._rows_arrived)
            return
        if below is not None:  # they arrived after F handed over its (empty) list: take the jobs in view now
            self.job_ids = self._ids_in_view(below)
        self.load()

    def load(self) -> None:
        """Summarise the failures off the UI thread (read_store); the table fills when they arrive."""
        app, dump = self.opg, self.opg.dump
        if dump is not None and dump.result is None:  # :failures on a dump still being parsed
            self.show_pending("loading the dump; the causes fill in when it is listed")
            return
        job_ids = self.job_ids
        if job_ids is None and dump is not None and not dump.imported:  # every job: the dump's, not yet copied
            job_ids = list(dump.jobs)
        span = RANGES[self.range_index][1]
        everyone = job_ids is None or self.scope == "all jobs"

        self._generation = generation = getattr(self, "_generation", 0) + 1
        self.weighed = False

        def read(store: Store) -> tuple[list[FailureGroup], int, Callable[[], list[FailureGroup] | None]]:
            jobs = app.data.jobs_by_id(store, job_ids) if job_ids is not None else store.jobs()
            now = time.time()
            failures = in_range(jobs, span, now)
            verdicts = store.verdicts_for([j.id for j in failures])
            since = None if span is None else now - span
            population = population_of(store, jobs, failures, everyone)
            outages = store.windows(start=since, kind="outage")

            def weigh() -> list[FailureGroup] | None:
                """What the other jobs say (black-hole nodes, bad sites, batches failing everywhere): after the
                table is shown, so that the summary never waits for it; None when they point nowhere."""
                found = analyse(
                    population, verdicts, outages, now=now, since=since, failures=failures if everyone else None
                )
                return summarise(failures, verdicts, found) if found.by_job else None

            return summarise(failures, verdicts), len(failures), weigh

        # a damaged or unreadable store: one line in place of the table, the dashboard stays up
        read_store(
            self,
            read,
            lambda found: self._summarised(generation, *found),
            group="failures-load",
            failed=self.show_pending,
        )

    def _summarised(
        self,
        generation: int,
        groups: list[FailureGroup],
        failures: int,
        weigh: Callable[[], list[FailureGroup] | None],
    ) -> None:
        """Show the causes, then weigh the other jobs in a thread worker and show the causes again with their
        evidence (unless a newer load has begun). A refresh of a table that shows the population's hints keeps it
        until the weighing answers: the causes without their hints for a moment would move the cursor off a
        hinted cause and make the table flicker."""
        refresh = getattr(self, "_hinted", False) and getattr(self, "_shown_range", None) == self.range_index
        if not refresh:
            self.show(groups, failures)

        def work() -> None:
            try:
                weighed = weigh()
            except Exception as exc:  # a bug in the evidence must not take the summary down: one line
                line = f"could not weigh the other jobs: {one_line(str(exc), 200)}"
                if not get_current_worker().is_cancelled:
                    self.app.call_from_thread(self.notify, line, severity="warning", markup=False)
                return
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._weighed, generation, weighed, failures, None if not refresh else groups)

        # not exclusive: cancelling a thread worker only marks it (it runs on, and whoever waits for the workers
        # sees WorkerCancelled); an answer for an older load is dropped by its generation instead
        self.run_worker(work, thread=True, group="failures-population")

    def _weighed(
        self, generation: int, groups: list[FailureGroup] | None, failures: int, plain: list[FailureGroup] | None
    ) -> None:
        """The causes with the other jobs' evidence (None: they point nowhere, the table stays as it is, or shows
        ``plain``, the causes not shown yet)."""
        if generation == self._generation and self.is_attached:
            if groups is not None or plain is not None:
                self.show(groups if groups is not None else plain, failures)  # type: ignore[arg-type]
            self.select, self.weighed = None, True

    def show(self, groups: list[FailureGroup], failures: int) -> None:
        """Fill the table; the cursor stays on the cause it was on (a refresh does not move it)."""
        current = self.current
        # the cause to come back to (Esc from its jobs) until a show finds it, else the one the cursor is on
        was = self.select if self.select is not None else _key(current) if current is not None else None
        was_ids = set(current.job_ids) if current is not None and self.select is None else set()
        self.groups, self._failures = groups, failures
        self._hinted, self._shown_range = any(g.hint for g in groups), self.range_index
        table = self.query_one("#failures", DataTable)
        table.clear()
        rows = [self._cells(g) for g in groups]
        self._width = width = self.size.width or self.app.size.width
        height = table.size.height
        reserve = 2 if height and len(rows) + 1 > height else 0  # the rows overflow: a vertical scrollbar
        widths = column_widths(width, [[cell.plain for cell in row] for row in rows], reserve)
        self._columns(widths)
        for row in rows:
            table.add_row(*row[: len(widths)])
        service = sum(g.count for g in groups if g.retryable)
        label = RANGES[self.range_index][0]
        self.query_one("#failures-status", Static).update(
            Text.assemble(
                (f" {failures:,} failed/held", "bold"),
                f" in {self.scope} · {len(groups)} causes",
                f" · last {label}" if label != "all" else " · any time",
                (f" · {service:,} service-caused: S retries", self._look("outage")) if service else "",
            )
        )
        if was is not None:
            same = _same_cause(groups, was, was_ids)
            if same is not None:
                table.move_cursor(row=same, animate=False)
            if same is not None and _key(groups[same]) == was:
                self.select = None  # found: a later answer keeps the cursor where it is now
        self._placed = table.cursor_row
        self.show_detail()
        if self._queued is not None:
            queued, self._queued = self._queued, None
            self.call_after_refresh(queued)

    def _cells(self, g: FailureGroup) -> list[Text]:
        """A cause's row: its verdict word (the population's, with ``?``, where the log has none), how many jobs,
        its title, its first outage or else the place the population names, and its sites."""
        first = g.windows[0] if g.windows else None
        outage = (
            ""
            if first is None
            else f"{first.service} {short_span(first)}" + (f" +{len(g.windows) - 1}" if len(g.windows) > 1 else "")
        )
        hinted = g.readings()[0][0].category if g.hint and g.evidence else None
        verdict = (
            Text(f"{hinted.upper()}?"[:8], self._look(hinted))
            if hinted is not None
            else Text(g.category.upper()[:8], self._look(g.category))
        )
        return [
            verdict,
            Text(f"{g.count:,}"),
            ellipsis_cell(g.title or g.signature or ""),
            ellipsis_cell(outage, self._look("outage"))
            if outage or not g.where
            else ellipsis_cell(g.where, self._look("population")),
            ellipsis_cell(sites_text(g.sites)),
        ]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row != getattr(self, "_placed", None):
            self.select = None  # the shifter moved the cursor: that is the cause to keep
        self.show_detail()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    @property
    def current(self) -> FailureGroup | None:
        table = self.query_one("#failures", DataTable)
        if not self.groups or table.cursor_row is None or table.cursor_row >= len(self.groups):
            return None
        return self.groups[table.cursor_row]

    def show_detail(self) -> None:
        g = self.current
        detail = self.query_one("#failure-detail", Static)
        if g is None:
            detail.update(Text("No failed or held jobs here." if not self.groups else ""))
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append_text(
            Text.assemble(
                (f"{g.category.upper()} · {g.action}", self._look(g.category)),
                f" · {g.count:,} jobs ({g.held:,} held)",
                f" · {g.confident:,} confident" if g.confident else "",
            )
        )
        if g.signature:
            text.append(f"  [{one_line(g.signature, 60)}]", self._look("signature"))
        text.append("\n  " + one_line(g.title or g.signature or "", 200))
        if g.hint:
            text.append(f"  (log: {'not diagnosed' if g.category == UNDIAGNOSED else g.category})", "dim")
        for line, look in evidence_lines(g):
            text.append("\n  " + one_line(line, 300), self._look(look) if look != "dim" else "dim")
        for w in g.windows[:4]:
            text.append("\n  " + one_line(describe_window(w), 120), self._look("outage"))
        text.append("\n  sites: " + one_line(sites_text(g.sites, 6), 200), "dim")
        detail.update(text)

    def action_range(self) -> None:
        self.range_index = (self.range_index + 1) % len(RANGES)
        self.load()

    def action_open(self) -> None:
        """Back to the jobs view, showing this group's jobs."""
        g = self.current
        if g is None:
            return
        from opgtui.screens.jobs import JobsScreen

        job_ids, scope, key, range_index = self.job_ids, self.scope, _key(g), self.range_index
        self.app.pop_screen()
        screen = self.app.screen
        if isinstance(screen, JobsScreen):  # Esc there comes back here, on this cause
            screen.show_only(g.job_ids, g.name, back=lambda: FailureSummaryScreen(job_ids, scope, key, range_index))

    def _read(self, key: str, then: Callable[[], None] | None = None) -> bool:
        """The causes are shown; else one line says they are still being read, and ``then`` (S, which acts on
        every service-caused one, not on a cursor the shifter has not seen) runs once they are."""
        if self._failures is not None:
            return True
        self._queued = then
        later = f"{key} asks once they are in" if then is not None else f"press {key} again once they are shown"
        self.notify(f"still reading the causes …: {later}", markup=False, timeout=3)
        return False

    def action_retry(self, debug: bool, bigger: bool = False) -> None:
        from opgtui.screens.confirm import confirm_and_retry

        if not self._read("M" if bigger else "D" if debug else "T"):
            return
        g = self.current
        if g is not None:
            findings = [line.strip() for line, _ in evidence_lines(g)]  # the node or site, as the detail says
            confirm_and_retry(self.opg, g.job_ids, debug=debug, bigger=bigger, scope=cause_name(g), findings=findings)

    def action_retry_service(self) -> None:
        from opgtui.screens.confirm import confirm_and_retry

        if not self._read("S", self.action_retry_service):
            return
        causes = [g for g in self.groups if g.retryable]
        ids = [jid for g in causes for jid in g.job_ids]
        if not ids:
            self.notify("no service-caused failures here", markup=False)
            return
        findings = [line.strip() for g in causes for line, _ in evidence_lines(g)]
        confirm_and_retry(
            self.opg, ids, scope=f"every service-caused failure ({len(causes)} causes)", findings=findings
        )

    def action_act(self, action: str) -> None:
        from opgtui.screens.confirm import confirm_and_act

        if not self._read({"hold": "H", "remove": "X"}.get(action, action)):
            return
        g = self.current
        if g is not None:
            confirm_and_act(self.opg, action, g.job_ids, cause_name(g))

    def action_label(self) -> None:
        """v: label this cause (the template most of its jobs' lines share) as a signature for the team."""
        from opgtui.screens.signatures import label_jobs

        if not self._read("v"):
            return
        g = self.current
        if g is not None:
            label_jobs(self.opg, g.job_ids, cause_name(g))
