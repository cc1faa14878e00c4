"""Jobs view: every job of the pools in one fast table; filter as you type, quick filters, sort, group."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, ProgressBar, Static

from opgtui.core.foreground import foreground, yield_to_foreground
from opgtui.core.model import JobStatus
from opgtui.core.textsafe import one_line
from opgtui.domain.joblist import (
    GROUP_KEYS,
    GROUPINGS,
    Group,
    QueryFilter,
    Row,
    RowList,
    Term,
    apply_terms,
    build_rows,
    few_rows,
    filter_rows,
    filter_steps,
    group_rows,
    quick_filter,
    sort_indices,
    warm,
)
from opgtui.ops.dumpview import TextsAsked, dump_stamps, texts_in_process
from opgtui.screens.base import BaseScreen
from opgtui.screens.reads import read_store, write_store
from opgtui.widgets.job_table import JobTable
from opgtui.widgets.safe_edit import SafeInput

if TYPE_CHECKING:
    from opgtui.store import Store

SORTABLE = ("age", "status", "id", "owner", "site", "host", "reason", "verdict", "cpu/wall", "efficiency")
QUICK = ("all", "held", "failed", "running", "idle")
AT_ONCE = 20_000  # a filter over fewer rows takes milliseconds: searched on the UI thread, no worker
FIRST_SCREEN = 200  # matches enough to fill the table: shown at once, the rest as the search goes on
FIRST_PART = 250  # rows of a big list a keystroke searches on the UI thread (~1 ms) for its first screenful
STEP_SHOWN = 0.25  # seconds between updates of a long search's partial result
FIRST_ROWS = 300  # rows whose filter texts are built before a fresh list is shown (a dump's rows filled in)


class JobsScreen(BaseScreen):
    """Failed and held jobs, grouped so thousands read as a handful of causes."""

    VIEW_NAME = "Jobs"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="jobs.filter"),
        Binding("a", "quick('all')", "All", show=False, id="jobs.all"),
        Binding("h", "quick('held')", "Held", show=False, id="jobs.held"),
        Binding("f", "quick('failed')", "Failed", show=False, id="jobs.failed"),
        Binding("r", "quick('running')", "Running", show=False, id="jobs.running"),
        Binding("i", "quick('idle')", "Idle", show=False, id="jobs.idle"),
        Binding("g", "group", "Group", id="jobs.group"),
        Binding("o", "sort", "Sort", show=False, id="jobs.sort"),
        Binding("O", "reverse", "Reverse", show=False, id="jobs.reverse"),
        Binding("l", "log", "Log", id="jobs.log"),
        Binding("d", "diagnose", "Diagnose", id="jobs.diagnose"),
        Binding("R", "act('release')", "Release", show=False, id="jobs.release"),
        Binding("H", "act('hold')", "Hold", show=False, id="jobs.hold"),
        Binding("X", "act('remove')", "Remove", show=False, id="jobs.remove"),
        Binding("T", "retry(False)", "Retry", show=False, id="jobs.retry"),
        Binding("D", "retry(True)", "Retry+debug", show=False, id="jobs.retry_debug"),
        Binding("M", "retry(False, True)", "Retry+memory", show=False, id="jobs.retry_memory"),
        Binding("F", "failures", "Causes", id="jobs.failures"),
        Binding("escape", "clear", "Back", show=False, id="jobs.clear"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self.quick = "all"
        self.query_text = ""
        self.grouping: str | None = None
        self.group: Group | None = None  # the group drilled into
        self.sort_key = "age"
        self.sort_reverse = False
        self.loaded_at: float | None = None
        self.back: tuple[Callable[[], Screen[Any]], str, str | None] | None = None  # set by show_only
        self.shown, self.took = 0, 0.0  # rows in view and how long computing them took
        self._base: tuple[Any, Any, tuple[Any, ...], list[int]] | None = None  # (rows, group, quick+sort, sorted)
        self._query = QueryFilter()  # a keystroke that narrows the last complete result searches only it
        self.filtering = False  # a filter's search is still going on (its partial result is shown)
        self._generation = 0  # of the searches: a search that is not the newest stops
        self.preparing = ""  # what a thread is computing for the list (sorting by X, grouping by Y), shown meanwhile
        self._preparing: tuple[Any, ...] | None = None  # what it is computing for
        self.load_failed: str | None = None  # why the last read of the store failed (one line), until one answers
        self._dump_lock = threading.Lock()  # one parse of the dump, whichever read asks first
        self._dump_told = False  # the app was told the dump is listed (its errors, the copy into the store)
        self._reading = False  # a read of the list is under way (one at a time)
        self._reload_wanted = False  # a reload was asked for meanwhile: read again once it answers

    def compose_body(self) -> ComposeResult:
        yield Static(id="jobs-status")
        yield ProgressBar(id="diagnose-progress", show_eta=True)
        yield JobTable(id="jobs-table")
        yield FilterInput(
            placeholder="filter: words, !word, site:x owner:x code:34 exit:137 — Enter keeps, Esc clears", id="filter"
        )
        yield Static(id="hint", classes="hint")

    # ------------------------------------------------------------------ data

    def reload(self) -> None:
        self.load_rows()

    def load_rows(self) -> None:
        """Read jobs and verdicts off the UI thread (read_store: a connection of its own; a newer read drops this
        one's answer), build and sort the rows there too, then show them; a store that cannot be read is one line
        in the status. Opened on a dump: it is listed as soon as it is parsed."""
        if self._reading:
            # one read of the list at a time: a superseded read's thread would run on beside the new one (a
            # diagnosis reloads per batch); the newest state is read once this read has answered
            self._reload_wanted = True
            return
        self._reading, self._reload_wanted = True, False
        dump, lock = self.opg.dump, self._dump_lock
        quick, sort_key, reverse = self.quick, self.sort_key, self.sort_reverse

        def read(store: Store) -> Listed:
            if dump is not None and dump.result is None:
                with lock:  # a second read while the first parses waits for that parse (never two)
                    if dump.result is None:
                        dump.load()
            from_dump = dump is not None and not dump.imported
            jobs = dump.listed if from_dump else store.job_briefs()
            summaries = store.verdict_summaries()
            asked = TextsAsked(
                time.time(),
                {k: v[0] for k, v in summaries.items()},
                {k: v[1] for k, v in summaries.items()},
                _titles(store, summaries),
                store.unsigned_titles(),
            )
            collecting = gc.isenabled()
            gc.disable()  # until the rows are frozen: the first collection after them walked them all (0.3 s at 1M)
            try:
                rows = build_rows(
                    jobs,
                    asked.verdicts,
                    now=asked.now,
                    signatures=asked.signatures,
                    titles=asked.titles,
                    unsigned=asked.unsigned,
                )
                if from_dump and dump is not None and dump.result is not None and isinstance(rows, RowList):
                    lines = dump.result.job_lines()  # a big dump's job lines, which its workers make after the heads
                    if lines is not None:
                        rows.expect_lines(lines)
                    parts = dump.result.job_parts()  # and its job parts, which came with the heads (most words)
                    if parts is not None:
                        rows.use_parts(*parts)
                gc.freeze()  # the jobs and rows live as long as the list: full collections need not walk them
            finally:
                if collecting:
                    gc.enable()
            if isinstance(rows, RowList):  # what a word of age characters asks of every row, before the table
                rows.age_bound()  # appears (made in a thread after it, it took the GIL from the first second's keys)
            pool = range(len(rows)) if quick == "all" else quick_filter(rows, quick)  # every row: no list, no check
            base = sort_indices(rows, pool, sort_key, reverse)
            for i in base[:FIRST_ROWS]:  # the first rows a shifter sees or searches, filled in before they are shown
                rows.haystack_of(i)
            if isinstance(rows, RowList):  # and the first screenful's cells: the first paint draws, not makes them
                rows.make_cells(base[:FIRST_SCREEN])
            # a big dump's filter texts are made by another process (a small one's take milliseconds here)
            stamps = dump_stamps(dump.result, dump.paths) if from_dump and dump and dump.result else None
            made = (stamps, asked) if stamps and len(rows) > AT_ONCE else None
            return rows, ((quick, sort_key, reverse), base), made

        read_store(self, read, self._loaded, group="jobs-load", failed=self._load_failed)

    def _loaded(self, answer: Listed) -> None:
        rows, base, made = answer
        self._reading = False
        self.load_failed = None
        self._show_rows(rows, base)
        self._read_again()
        self._dump_listed()
        dump = self.opg.dump
        if dump is not None and dump.result is not None:  # its workers go on to the job lines once the table is
            self.call_after_refresh(dump.result.start_lines)  # on the screen (until then the listing has the cores)
        self.call_after_refresh(threading.Thread(target=_warm, args=(rows, made), name="jobs-warm", daemon=True).start)
        if isinstance(rows, RowList):  # its job parts checked once, before a key needs them (~85 ms at 1M rows)
            self.call_after_refresh(threading.Thread(target=rows.check_parts, name="jobs-parts", daemon=True).start)
        # and what the view made to show them (the first paint's lines, the widgets' state) joins the frozen
        # objects: the collection of the young ones right after the first paint took 5-8 ms of CPU (holding the
        # GIL) as the first filter key came, the next full one 13-19 ms, 1.6 and 3-4 ms with them frozen (issue
        # 18); cyclic garbage among them is never freed (the read's own freeze above has the same trade)
        self.call_after_refresh(gc.freeze)

    def _load_failed(self, line: str) -> None:
        """The store could not be read: one line in the status (the rows already shown stay)."""
        self._reading = False
        self.load_failed = one_line(line, 300)
        self._dump_listed()
        self._status(self.shown, self.took)
        self._read_again()

    def _read_again(self) -> None:
        """A reload asked for while the last read ran: read the store once more, now."""
        if self._reload_wanted:
            self.load_rows()

    def _dump_listed(self) -> None:
        """Once the dump is parsed, after the first paint: what could not be read, and the copy into the store."""
        dump = self.opg.dump
        if dump is not None and dump.result is not None and not self._dump_told:
            self._dump_told = True
            self.call_after_refresh(self.opg.dump_loaded, dump.result)

    def _show_rows(self, rows: list[Row], base: tuple[tuple[Any, ...], list[int]] | None = None) -> None:
        """Show fresh rows; ``base``: the order they were sorted in off the UI thread, with what it depends on."""
        if self.group is not None:  # the group drilled into, in the new rows (its indices are the old rows')
            self.group = self._regroup(self.group, rows)
        elif base is not None and base[0] == (self.quick, self.sort_key, self.sort_reverse):
            self._base = (rows, None, base[0], base[1])
        self.rows = rows
        self.loaded_at = time.time()
        hint = self.query_one("#hint", Static)
        hint.display = not rows
        if not rows:
            hints = [] if self.opg.demo else self.opg.cfg.what_to_configure()
            hint.update(
                Text("\n".join(["No jobs in the store yet.", *hints, "Or open a dump: opgtui jobs --from FILE --open"]))
            )
        self.apply()

    def _regroup(self, group: Group, rows: list[Row]) -> Group:
        """``group`` recomputed over fresh ``rows``: the jobs it was opened on (:class:`Chosen`), else the same key
        under the grouping, else the same jobs."""
        if isinstance(group, Chosen):  # by id: rows read after it was opened (it may have had none) have them
            indices = [i for i, r in enumerate(rows) if r.job_id in group.job_ids]
            return Chosen(group.key, len(indices), indices, group.sample, group.job_ids)
        if self.grouping:
            key_of = GROUP_KEYS[self.grouping]
            indices = [i for i in quick_filter(rows, self.quick) if key_of(rows[i]) == group.key]
        else:
            ids = {self.rows[i].job_id for i in group.indices if i < len(self.rows)}
            indices = [i for i, r in enumerate(rows) if r.job_id in ids]
        return Group(group.key, len(indices), indices, group.sample)

    def _cached_base(self) -> list[int] | None:
        """The sorted rows of the quick filter and the group, when computed for the current ones."""
        base = self._base
        if (
            base is not None
            and base[0] is self.rows
            and base[1] is self.group
            and base[2] == (self.quick, self.sort_key, self.sort_reverse)
        ):
            return base[3]
        return None

    def base_indices(self) -> list[int]:
        """The rows that pass the quick filter and the drilled-into group, sorted: kept until one of those,
        the sort or the rows change (a filter keystroke searches it, so its result is sorted already)."""
        indices = self._cached_base()
        if indices is None:
            indices = _sorted_base(self.rows, self.quick, self.group, self.sort_key, self.sort_reverse)
            self._base = (self.rows, self.group, (self.quick, self.sort_key, self.sort_reverse), indices)
        return indices

    def _needs_thread(self) -> str:
        """What the list needs computed over more rows than a keystroke may wait for (a sort, a grouping's keys:
        on a dump, every row filled in), said as the status says it; '' when it is at hand."""
        if len(self.rows) <= AT_ONCE:
            return ""
        if self._cached_base() is None:
            return f"sorting by {self.sort_key}" if self.group is None else "listing the group"
        grouping = self.grouping if self.group is None else None
        if grouping and isinstance(self.rows, RowList) and grouping not in self.rows._keys:
            return f"grouping by {grouping}"
        return ""

    def _prepare(self, what: str, select: str | None) -> None:
        """Compute the sort and the grouping's keys in a thread (the table and the keys answer meanwhile, the
        status says what is being computed), then show the list."""
        self.preparing = what
        self._status(self.shown, self.took)
        state = (self.rows, self.group, self.quick, self.sort_key, self.sort_reverse, self.grouping)
        if _same(state, self._preparing):
            return
        self._preparing = state
        threading.Thread(target=self._prepare_in_thread, args=(state, select), name="jobs-prepare", daemon=True).start()

    def _prepare_in_thread(self, state: tuple[Any, ...], select: str | None) -> None:
        rows, group, quick, sort_key, reverse, grouping = state
        with foreground():  # the background filling-in waits meanwhile
            base = _sorted_base(rows, quick, group, sort_key, reverse)
            if grouping and group is None and isinstance(rows, RowList):
                rows.group_keys_of(grouping)
        with suppress(RuntimeError):  # the app closed meanwhile
            self.app.call_from_thread(self._prepared, state, base, select)

    def _prepared(self, state: tuple[Any, ...], base: list[int], select: str | None) -> None:
        if not _same(state, self._preparing):
            return  # the list changed meanwhile: a newer preparation is on its way
        self._preparing, self.preparing = None, ""
        rows, group, quick, sort_key, reverse, _grouping = state
        self._base = (rows, group, (quick, sort_key, reverse), base)
        self.apply(select)

    def visible_indices(self) -> list[int]:
        """The rows that pass the quick filter, the typed filter and the drilled-into group, sorted; while a thread
        sorts a big list, in the list's own order (which jobs are in view: the sort is not waited for here)."""
        if self._cached_base() is None and len(self.rows) > AT_ONCE:
            base = _in_base(self.rows, self.quick, self.group)
            return filter_rows(self.rows, self.query_text, base) if self.query_text else base
        base = self.base_indices()
        return self._query(self.rows, self.query_text, base) if self.query_text else base

    def apply(self, select: str | None = None) -> None:
        """Show the rows in view (or their groups; ``select`` puts the cursor on the group with that key).
        A typed filter is searched by a worker: the first screenful shows at once, the rest as it comes."""
        started = time.perf_counter()
        self._generation += 1  # a search under way is for another list or filter: it stops at its next step
        table = self.query_one(JobTable)
        table.set_sort(self.sort_key, self.sort_reverse)
        what = self._needs_thread()
        if what:
            self._prepare(what, select)
            return
        if self.preparing:  # back to a list at hand while a thread computed another: that one is not wanted
            self._preparing, self.preparing = None, ""
        base = self.base_indices()
        if self.query_text and len(base) > AT_ONCE:
            self.filtering = True
            self.search(self.rows, self.query_text, base, select, started)
            return
        self.filtering = False
        self._show(self._query(self.rows, self.query_text, base) if self.query_text else base, select, started)

    def _show(self, indices: list[int], select: str | None, started: float, *, partial: bool = False) -> None:
        """Show ``indices`` (the groups of them when grouped); ``partial``: what a search found so far, which keeps
        every mark (the table unmarks the jobs it does not list: a marked job not found yet is not filtered out)."""
        table = self.query_one(JobTable)
        if self.grouping and self.group is None:
            table.show_groups(group_rows(self.rows, indices, self.grouping), self.rows, select)
        else:
            marked = set(table.marked) if partial else None
            table.set_rows(self.rows, indices)
            if marked:
                table.marked = marked
        self._status(len(indices), time.perf_counter() - started)

    def search(self, rows: list[Row], query: str, base: list[int], select: str | None, started: float) -> None:
        """Search the typed filter over the rows in view: the first :data:`FIRST_PART` rows here, shown at once
        when they hold a screenful (no thread and no frame between the key and its answer), the rest in a thread
        of its own (not the worker pool, where it would queue behind the background work); the next
        :meth:`apply` (a keystroke, even one that clears the filter) supersedes it."""
        terms, pool = self._query.start(rows, query, base)
        pool = base if pool is None else pool
        grouped = bool(self.grouping and self.group is None)  # groups are shown once every row is searched
        state = self._base
        order = state[2] if state is not None and state[0] is rows and state[1] is None and state[3] is base else None
        search = _Search(self._generation, rows, query, base, terms, pool, select, started, grouped, order)
        hold = foreground()  # (the background work waits meanwhile, and until the answer is on the screen)
        hold.__enter__()
        try:
            found = _few_found(search, lines=False)  # a word few rows hold: the whole answer, here, from those rows
        except BaseException:
            hold.__exit__(None, None, None)
            raise
        if found is None:
            hold.__exit__(None, None, None)
        else:
            self._query.finish(rows, base, terms, found)
            self.filtering = False
            self._show(found, select, started)
            self.call_after_refresh(hold.__exit__, None, None, None)
            return
        if not grouped:
            search.found = apply_terms(rows, terms, pool[:FIRST_PART])
            search.searched = min(len(pool), FIRST_PART)
            if len(search.found) >= FIRST_SCREEN:
                self._show(list(search.found), select, started, partial=True)
                search.shown_at = time.perf_counter()
                # the rest once that answer is on the screen: until then neither the search nor the background
                # work takes the interpreter from the paint
                hold = foreground()
                hold.__enter__()
                self.call_after_refresh(self._search_rest, search, hold)
                return
        self._search_rest(search)

    def _search_rest(self, search: _Search, hold: AbstractContextManager[None] | None = None) -> None:
        """Start the thread that searches the rest (unless a newer keystroke superseded the search meanwhile)."""
        try:
            if search.generation == self._generation:
                threading.Thread(target=self._search, args=(search,), name="jobs-filter", daemon=True).start()
        finally:
            if hold is not None:
                hold.__exit__(None, None, None)

    def _search(self, search: _Search) -> None:
        """The rest of a search: background work waits meanwhile (:mod:`opgtui.core.foreground`); the first
        screenful is shown as soon as it is found, then the rest as it comes."""
        rows, query, found, shown_at = search.rows, search.query, search.found, search.shown_at
        answer = partial(self._answer, rows, query, select=search.select, started=search.started)
        with foreground():
            grouped = search.grouped
            few = _few_found(search)
            if few is not None:
                self._query.finish(rows, search.base, search.terms, few)
                if search.generation == self._generation:
                    answer(few, done=True)
                return
            for part in filter_steps(rows, search.terms, search.pool[search.searched :]):
                if search.generation != self._generation:
                    return
                found += part
                now = time.perf_counter()
                if not grouped and (
                    (not shown_at and len(found) >= FIRST_SCREEN) or (shown_at and now - shown_at > STEP_SHOWN)
                ):
                    shown_at = now
                    answer(list(found), done=False)
            self._query.finish(rows, search.base, search.terms, found)
        if search.generation == self._generation:
            answer(found, done=True)

    def _answer(
        self, rows: list[Row], query: str, found: list[int], *, select: str | None, started: float, done: bool
    ) -> None:
        with suppress(RuntimeError):  # the app closed meanwhile: nobody to answer
            self.app.call_from_thread(self._searched, rows, query, found, select, started, done)

    def _searched(
        self, rows: list[Row], query: str, found: list[int], select: str | None, started: float, done: bool
    ) -> None:
        if rows is not self.rows or query != self.query_text:
            return  # the rows or the filter changed meanwhile: a newer search is on its way
        self.filtering = not done
        self._show(found, select, started, partial=not done)

    def _status(self, shown: int, took: float) -> None:
        self.shown, self.took = shown, took
        status = self.query_one("#jobs-status", Static)
        if self.loaded_at is None:  # no count before the store has answered: 0 jobs would be a claim
            failed = self.load_failed
            line = (
                Content.assemble((" store not read: " + failed, "$text-error"))
                if failed
                else Content.assemble((" reading the store …", "$text-warning"))
            )
            if self.group is not None:  # opened from the failure summary: its jobs are listed once they are read
                line = Content.assemble(line, (f" · group: {one_line(self.group.key, 50)}", "$text-accent"))
            status.update(line, layout=False)  # one line high (app.tcss): a new text needs no layout of the screen
            return
        more = "+" if self.filtering else ""
        parts: list[str | tuple[str, str]] = [
            (f" {len(self.rows):,} jobs", "bold"),
            f" · showing {f'{shown:,}{more}' if not self.preparing else '…'}",  # a thread computes what to show
            (f" · {self.quick}", "$text-primary"),
        ]
        if self.group is not None:
            parts.append((f" · group: {one_line(self.group.key, 50)}", "$text-accent"))
        elif self.grouping:
            parts.append((f" · grouped by {self.grouping}", "$text-accent"))
        if self.query_text:
            parts.append((f" · filter: {one_line(self.query_text, 40)}", "$text-warning"))
            if self.filtering:
                parts.append((" · searching…", "bold $text-warning"))
        if self.preparing:
            parts.append((f" · {self.preparing}…", "bold $text-warning"))
        parts.append((f" · sort {self.sort_key}{' ↓' if self.sort_reverse else ''}", "dim"))
        marked = len(self.query_one(JobTable).marked)
        if marked:
            parts.append((f" · {marked} marked", "bold $text-warning"))
        parts.append((f" · {took * 1000:.0f} ms", "dim"))
        if self.load_failed:  # the rows shown are the last read's: say why they were not read again
            parts.append((f" · not read again: {self.load_failed}", "$text-error"))
        # the theme's colours; the group key and the filter are plain text; one line high: no layout
        status.update(Content.assemble(*parts), layout=False)

    # ------------------------------------------------------------------ keys

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("visible")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.filter_to(event.value)

    def filter_to(self, text: str) -> None:
        """Filter by ``text`` (the box's value), unless it is the filter already (:class:`FilterInput` applies it
        as the value changes, its Changed message comes after)."""
        if text != self.query_text:
            self.query_text = text
            self.apply()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.query_one(JobTable).focus()
            if not event.value:
                event.input.remove_class("visible")

    def action_clear(self) -> None:
        """Esc: close the filter, leave a group, or go back to the previous view."""
        box = self.query_one("#filter", Input)
        if box.has_class("visible"):
            box.value = ""
            box.remove_class("visible")
            self.query_one(JobTable).focus()
        elif self.group is not None and self.back is not None:  # one level up: the failure summary
            (back, self.quick, self.grouping), self.back, self.group = self.back, None, None
            self.apply()
            self.app.push_screen(back())
        elif self.group is not None:  # back to the groups, the cursor on the one left
            key, self.group = self.group.key, None
            self.apply(select=key)
        elif self.grouping:
            self.grouping = None
            self.apply()
        else:
            self.opg.action_back()

    def action_quick(self, name: str) -> None:
        self.quick = name
        self.group, self.back = None, None
        self.apply()

    def action_group(self) -> None:
        """Cycle: no grouping -> hold reason -> exit code -> site -> ... -> no grouping."""
        order = (None, *GROUPINGS)
        self.grouping = order[(order.index(self.grouping) + 1) % len(order)]
        self.group, self.back = None, None
        self._drop_marks("the grouping changed")
        self.apply()

    def _drop_marks(self, why: str) -> None:
        """Unmark every job and say so (marks must not outlive the list they were made in)."""
        if n := self.query_one(JobTable).clear_marks():
            self.notify(f"{n:,} mark{'s' if n != 1 else ''} cleared: {why}", markup=False)

    def action_sort(self) -> None:
        self.sort_key = SORTABLE[(SORTABLE.index(self.sort_key) + 1) % len(SORTABLE)]
        self.apply()

    def action_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.apply()

    def on_job_table_sort_requested(self, event: JobTable.SortRequested) -> None:
        """A click on a column title sorts by it; a second click reverses. The cursor stays on its job."""
        if event.column == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key, self.sort_reverse = event.column, False
        self.apply()

    def on_job_table_group_selected(self, event: JobTable.GroupSelected) -> None:
        self.group, self.back = event.group, None
        self.apply()

    def on_job_table_selected(self, event: JobTable.Selected) -> None:
        from opgtui.screens.job import JobDetailScreen

        self.app.push_screen(JobDetailScreen(event.row.job_id))

    def on_job_table_cursor_moved(self, _event: Any) -> None:
        self._status(self.shown, self.took)  # the marks count may have changed; the list has not

    def action_log(self) -> None:
        row = self.query_one(JobTable).cursor_row
        if row is not None:
            from opgtui.ops.logtarget import LogTarget

            # a dump's job not yet copied into the store: its record from the dump (no store read here)
            self.opg.open_log(LogTarget(row.job_id, self.opg.data.dump_job(row.job_id)))

    def action_diagnose(self) -> None:
        """Diagnose the failed and held jobs in view (marked ones, else the group or filter) from their logs."""
        if self.loaded_at is None:  # no rows read yet: "no failures" would be a claim
            why = f"store not read: {self.load_failed}" if self.load_failed else "the jobs are still being read"
            self.notify(f"{why}; d once they are listed", markup=False)
            return
        table = self.query_one(JobTable)
        ids = sorted(table.marked) or [
            self.rows[i].job_id for i in self.visible_indices() if self.rows[i].failed or self.rows[i].status == 5
        ]
        if not ids:
            self.notify("no failed or held jobs in view to diagnose", markup=False)
            return
        self.diagnose(ids)

    def diagnose(self, job_ids: list[str]) -> None:
        """Read each job's log and decide its verdict in the background (write_store: a connection of its own; a
        store that cannot be opened or written is one line); the table fills in as batches land. A second d while
        one runs starts nothing: its progress is the bar above the table."""
        bar = self.query_one("#diagnose-progress", ProgressBar)
        app, cfg, data = self.app, self.opg.cfg, self.opg.data

        def write(store: Store) -> int:
            from opgtui.ops.logtarget import diagnose_jobs

            jobs = data.jobs_by_id(store, job_ids)

            def progress(done: int, _total: int) -> None:
                with suppress(RuntimeError):  # the dashboard closed meanwhile
                    app.call_from_thread(bar.update, progress=done)
                    app.call_from_thread(self.load_rows)

            diagnose_jobs(cfg, store, jobs, progress=progress)
            return len(job_ids)

        def done(n: int) -> None:
            bar.display = False
            self.notify(f"diagnosed {n:,} jobs", markup=False)

        def failed(line: str) -> None:
            bar.display = False
            self.notify(f"not diagnosed: {line}", severity="error", markup=False)

        if write_store(self, write, done, group="jobs-diagnose", failed=failed) is None:
            self.notify("a diagnosis is under way: its progress is the bar above the table", markup=False)
            return
        bar.display = True
        bar.update(total=len(job_ids), progress=0)

    def target(self) -> tuple[list[str], str]:
        """The jobs an action applies to and what the dialog calls them: the marked jobs (and the groups they
        are in), else the group under the cursor, else the job there."""
        table = self.query_one(JobTable)
        inside = f" in group {self.group.key}" if self.group is not None else ""
        if table.marked:
            ids = sorted(table.marked)
            label = f"{len(ids):,} marked job{'s' if len(ids) != 1 else ''}"
            if self.grouping and self.group is None and table.groups:
                holding = [(g.key, n) for g in table.groups if (n := table.marked_in(g))]
                label += " in " + "; ".join(f"{key} ({n:,})" for key, n in holding[:3])
                label += f" +{len(holding) - 3} groups" if len(holding) > 3 else ""
                cursor = table.cursor_group
                if cursor is not None and table.marked_in(cursor) < len(ids):
                    label += f", NOT the group under the cursor ({cursor.key})"
            return ids, label + inside
        if self.grouping and self.group is None:
            group = table.cursor_group
            if group is None:
                return [], ""
            return [self.rows[i].job_id for i in group.indices], f"group ({self.grouping}) {group.key}"
        row = table.cursor_row
        return ([row.job_id], f"the job under the cursor{inside}") if row else ([], "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """H is not offered (key, palette, help) on the held job under the cursor: it is held already."""
        if action == "act" and parameters == ("hold",) and self.is_mounted:
            table = self.query_one(JobTable)
            row = None if table.marked or (self.grouping and self.group is None) else table.cursor_row
            return not (row is not None and row.status == JobStatus.HELD)
        return True

    def _listed(self, key: str) -> bool:
        """The list asked for is shown; else (a thread still sorts or groups it) one line says so and False: the
        table still shows the list it replaces, whose group an action would take under the new grouping's name."""
        if not self.preparing:
            return True
        self.notify(f"{self.preparing}…: press {key} again once the list is shown", markup=False, timeout=3)
        return False

    def action_act(self, action: str) -> None:
        from opgtui.screens.confirm import confirm_and_act

        if not self._listed({"release": "R", "hold": "H", "remove": "X"}.get(action, action)):
            return
        ids, scope = self.target()
        if ids:
            confirm_and_act(self.opg, action, ids, scope)

    def action_retry(self, debug: bool, bigger: bool = False) -> None:
        from opgtui.screens.confirm import confirm_and_retry

        if not self._listed("M" if bigger else "D" if debug else "T"):
            return
        ids, scope = self.target()
        if ids:
            confirm_and_retry(self.opg, ids, debug=debug, bigger=bigger, scope=scope)

    def action_failures(self) -> None:
        """The failure summary of the jobs in view (the quick filter, the typed filter and the group)."""
        from opgtui.screens.failures import FailureSummaryScreen

        ids = [self.rows[i].job_id for i in self.visible_indices()]
        scope = "view" if (self.query_text or self.group or self.quick != "all") else "all jobs"
        self.app.push_screen(FailureSummaryScreen(ids, scope))

    def show_only(self, job_ids: list[str], label: str, back: Callable[[], Screen[Any]] | None = None) -> None:
        """Drill into these jobs (from the failure summary), as if their group had been opened; Esc then
        restores the list as it was and opens ``back()`` (the summary, on this cause). Opened before the rows
        were read (``:failures`` reads the store itself), the group lists its jobs once they are."""
        wanted = frozenset(job_ids)
        indices = [i for i, r in enumerate(self.rows) if r.job_id in wanted]
        self.back = (back, self.quick, self.grouping) if back is not None else None
        self.quick, self.grouping = "all", None
        self.group = Chosen(label, len(indices), indices, label, wanted)
        self.apply()


@dataclass(frozen=True, slots=True)
class Chosen(Group):
    """A group named by its jobs' ids (a cause opened from the failure summary): each fresh list finds them again,
    so a group opened before the rows were read lists its jobs once they are (its indices were of no rows)."""

    job_ids: frozenset[str] = frozenset()


class FilterInput(SafeInput):
    """The Jobs view's filter box: the view filters as its value changes, in the key's own step (its Changed
    message reached the view in a step of the view's, and a frame due meanwhile, on a big list 10-30 ms of the
    UI thread, was drawn between the key and its answer: issue 18). It has no validators, so it does not
    validate (Textual's Input does on every change, blur and submit, and the first change set its '-valid'
    class: the box's styles were applied again, in the first key's step)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate_on=(), **kwargs)

    def watch_value(self, value: str) -> None:
        screen = self.screen if self.is_attached else None
        if isinstance(screen, JobsScreen):
            screen.filter_to(value)


@dataclass(slots=True)
class _Search:
    """One keystroke's search: what it searches and what its first part (on the UI thread) found."""

    generation: int  # the screen's when it started: a newer one stops it
    rows: list[Row]
    query: str
    base: list[int]  # the rows in view (what a later keystroke may narrow)
    terms: list[Term]
    pool: list[int]  # the rows it searches: the base, or the previous result it narrows
    select: str | None
    started: float
    grouped: bool  # groups are shown: no partial result
    order: tuple[str, str, bool] | None  # the base's quick filter, sort and direction (None: not known to be those)
    found: list[int] = field(default_factory=list)
    searched: int = 0  # rows of the pool the UI thread searched (0: the thread searches them all)
    shown_at: float = 0.0  # when a partial result was last shown (0: not yet)


# a read's answer: the rows, their order with what it was sorted by, and for a dump's rows what another process
# needs to make their filter texts (the dump's paths, the verdicts listed)
Listed = tuple[list[Row], tuple[tuple[Any, ...], list[int]], tuple[list[tuple[str, int, int]], TextsAsked] | None]


def _warm(rows: list[Row], made: tuple[list[tuple[str, int, int]], TextsAsked] | None) -> None:
    """Build the rows' filter texts and warmed group keys: a dump's are made by another process
    (:func:`~opgtui.ops.dumpview.texts_in_process`: this process's GIL stays with the table and the keystrokes),
    and whatever it did not make (a store's rows, a process that failed or read other jobs) here, in steps that
    give way to a keystroke (:func:`~opgtui.domain.joblist.warm`). What they made lives as long as the rows: it
    joins the objects no collection walks (:func:`gc.freeze`: at 1M a full collection on the UI thread took 15 ms,
    with the texts' and keys' lists, 3M references, among what it walked)."""
    if made is not None and isinstance(rows, RowList):
        rows.await_lines()  # a big dump's job lines first (they answer free words), then its texts' process
        start = 0
        with suppress(OSError):
            for ids, texts, *keys in texts_in_process(*made):
                yield_to_foreground()  # a keystroke's search first
                if not rows.put_made(start, ids, texts, keys):
                    break
                if not start:  # every row's slot for the texts and keys is made: frozen now, filled later
                    gc.freeze()
                start += len(ids)
    warm(rows)
    if made is not None:
        gc.freeze()


def _few_found(search: _Search, lines: bool = True) -> list[int] | None:
    """The whole answer of a search, when a word of it is held by few rows (:func:`few_rows`) and its base's order is
    known: those rows of the base, in its order, that every term keeps; None otherwise. (A query that narrows the
    last one searches that one's result, which holds every row of the base the new one keeps.)"""
    if search.order is None:
        return None
    hits = few_rows(search.rows, search.terms, lines)
    if hits is None:
        return None
    return apply_terms(search.rows, search.terms, _in_order(search.rows, hits, *search.order))


def _in_order(rows: list[Row], indices: list[int], quick: str, sort_key: str, reverse: bool) -> list[int]:
    """The rows of ``indices`` (ascending) in a quick filter's rows sorted (those of the base of :func:`_sorted_base`
    without a group): the sort is stable (ties by row number), so a part of the rows sorts as they do among all."""
    if quick != "all":
        indices = [indices[p] for p in quick_filter([rows[i] for i in indices], quick)]
    return sort_indices(rows, indices, sort_key, reverse)


def _same(a: tuple[Any, ...], b: tuple[Any, ...] | None) -> bool:
    """The same list state: the same rows and group (the objects: rows are never compared one by one)."""
    return b is not None and a[0] is b[0] and a[1] is b[1] and a[2:] == b[2:]


def _in_base(rows: list[Row], quick: str, group: Group | None) -> list[int]:
    """The rows of a quick filter (and of a group), in the list's order."""
    indices = quick_filter(rows, quick)
    if group is not None:
        allowed = set(group.indices)
        indices = [i for i in indices if i in allowed]
    return indices


def _sorted_base(rows: list[Row], quick: str, group: Group | None, sort_key: str, reverse: bool) -> list[int]:
    """The rows of a quick filter (and of a group), sorted."""
    return sort_indices(rows, _in_base(rows, quick, group), sort_key, reverse)


def _titles(store: Any, summaries: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Signature id -> its title (the cause's name on every screen), read from one verdict per signature."""
    sample: dict[str, str] = {}
    for job_id, (_category, signature) in summaries.items():
        if signature and signature not in sample:
            sample[signature] = job_id
    if not sample:
        return {}
    verdicts = store.verdicts_for(list(sample.values()))
    return {sig: v.title for sig, jid in sample.items() if (v := verdicts.get(jid)) is not None and v.title}
