"""The job list's pure logic: columns, immutable display rows, filter, sort and group. No Textual import.

Rows are small immutable tuples built once per refresh (~0.05 s per 100,000 jobs); a row's display cells are
computed when it is drawn (the table draws only what is visible). The filter text of every row is built once,
off the UI thread (:func:`warm`, ~0.4 s per 100,000), and kept beside the rows (:class:`RowList`); filter,
sort and group then work on lists of row indices, so a keystroke on 100,000 jobs costs milliseconds.
"""

from __future__ import annotations

import gc
import re
import sys
import threading
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress, filterfalse, islice, repeat
from operator import and_, attrgetter, contains, is_, is_not, lt, not_, or_
from typing import Any, NamedTuple, Protocol

from opgtui.core.foreground import yield_to_foreground
from opgtui.core.model import Job, JobStatus
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import span
from opgtui.domain.failures import UNDIAGNOSED, cause_title, undiagnosed_title

# ---------------------------------------------------------------------------------------------- cells


class Context(Protocol):
    """What a column needs besides the job: its verdict category, signature id and the time 'now' (the
    :class:`Row` being drawn)."""

    @property
    def verdict(self) -> str: ...
    @property
    def signature(self) -> str: ...
    @property
    def now(self) -> float: ...


_ERROR_FROM = re.compile(r"^Error from \S+: ")
_SIGNALS = {6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"}
_STATUS_SHORT = {1: "idle", 2: "run", 3: "rm", 4: "done", 5: "held", 6: "xfer", 7: "susp"}
_COMPLETED = int(JobStatus.COMPLETED)
_HELD = int(JobStatus.HELD)
_STATUS_RANK = {"fail": 0, "held": 1, "run": 2, "xfer": 3, "susp": 4, "idle": 5, "done": 6, "rm": 7, "?": 8}


def safe(text: str | None, limit: int = 120) -> str:
    """Untrusted text as one clean line (``textsafe.one_line``), with a fast path for text already clean."""
    if not text:
        return ""
    if len(text) <= limit and text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text
    return one_line(text, limit)


@lru_cache(maxsize=1 << 17)  # hold reasons repeat per host and slot: 100k jobs can hold ~20k distinct texts
def _reason_cell(hold_reason: str) -> str:
    # the slot and host have their own column: lead with what happened
    return safe(_ERROR_FROM.sub("", hold_reason, count=1), 300)


def exit_text(job: Job) -> str:
    """'signal 9 (SIGKILL)' or 'exit 65' for a finished job, else ''."""
    return _exit_words(job.exit_signal, job.exit_code, job.status)


def _exit_words(signal: int | None, code: int | None, status: int | None) -> str:
    if signal is not None:
        name = _SIGNALS.get(signal)
        return f"signal {signal}" + (f" ({name})" if name else "")
    if code is not None and status == JobStatus.COMPLETED:
        return f"exit {code}"
    return ""


def reason_text(job: Job) -> str:
    """Hold reason (without its 'Error from slot@host:' prefix), else the exit code or signal, else ''."""
    if job.hold_reason:
        return _reason_cell(job.hold_reason)
    return exit_text(job)


def status_text(job: Job) -> str:
    """Short status: held, fail (completed with a non-zero exit or a signal), run, idle, done, rm, xfer, susp."""
    return _status_word(job.status, job.exit_code, job.exit_signal)


def _status_word(status: int | None, code: int | None, signal: int | None) -> str:
    if status == _COMPLETED and (bool(code) or signal is not None):
        return "fail"
    return _STATUS_SHORT.get(status or 0, "?")


def age_text(seconds: float | None) -> str:
    """Compact age: ``40s``, ``12m``, ``3h``, ``2d``; '' when unknown."""
    return span(seconds, coarse=True)


def _cpu_wall(job: Job, _x: Context) -> str:
    cpu = job.cpu_total
    if cpu is None and job.wall is None:
        return ""
    return f"{span(cpu) or '?'}/{span(job.wall) or '?'}"


def _efficiency(job: Job, _x: Context) -> str:
    eff = job.efficiency
    return "" if eff is None else f"{eff:.0%}"


def _age(job: Job, x: Context) -> str:
    return "" if job.status_since is None else age_text(x.now - job.status_since)


def _lower_or_none(text: str | None) -> str | None:
    return text.lower() if text else None


def _status_key(job: Job, _x: Context) -> int:
    return _STATUS_RANK[status_text(job)]  # failed and held first


def _reason_key(job: Job, _x: Context) -> str | None:
    return reason_text(job).lower() or None


def _age_key(job: Job, _x: Context) -> float | None:
    return None if job.status_since is None else -job.status_since  # youngest first


def short_id(job: Job) -> str:
    """``88412042.17@jobsub01`` for ``88412042.17@jobsub01.fnal.gov``: the schedd's host name without its
    domain, so the schedd stays visible in a narrow column (the detail has the whole id)."""
    text = safe(job.display_id, 80)
    local, at, host = text.partition("@")
    if at and "." in host and not host.replace(".", "").isdigit():
        return f"{local}@{host.split('.', 1)[0]}"
    return text


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the jobs table: how to show a job in it and how to sort by it (None sorts last)."""

    key: str
    title: str
    width: int  # the least it is drawn with
    text: Callable[[Job, Context], str]  # already clean
    sort: Callable[[Job, Context], Any]
    priority: int = 0  # when the terminal is narrow the highest number is dropped first; 0 never
    align_right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("status", "St", 4, lambda j, x: status_text(j), _status_key),
    Column("id", "Job", 20, lambda j, x: short_id(j), lambda j, x: j.cluster * 1_000_000 + j.proc),
    Column("owner", "Owner", 7, lambda j, x: safe(j.owner, 40), lambda j, x: _lower_or_none(j.owner), 4),
    Column("site", "Site", 11, lambda j, x: safe(j.site, 40), lambda j, x: _lower_or_none(j.site), 1),
    Column("host", "Host", 10, lambda j, x: safe(j.last_host, 80), lambda j, x: _lower_or_none(j.last_host), 5),
    Column("reason", "Hold / exit reason", 22, lambda j, x: reason_text(j), _reason_key),
    Column("verdict", "Verdict", 8, lambda j, x: safe(x.verdict, 40), lambda j, x: x.verdict or None, 2),
    Column("cpu/wall", "CPU/Wall", 11, _cpu_wall, lambda j, x: j.cpu_total, 6, align_right=True),
    Column("efficiency", "Eff", 4, _efficiency, lambda j, x: j.efficiency, 3, align_right=True),
    Column("age", "Age", 4, _age, _age_key, 1, align_right=True),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
COLUMN_INDEX: dict[str, int] = {k: i for i, k in enumerate(COLUMN_KEYS)}
REASON = COLUMN_INDEX["reason"]

# ---------------------------------------------------------------------------------------------- rows


class Row(NamedTuple):
    """One job as the table lists it: immutable; its display cells and filter text are computed when asked."""

    job: Job
    job_id: str
    status: int | None
    failed: bool
    verdict: str
    signature: str
    now: float
    title: str = ""  # the verdict's title (its signature's), the cause's one name on every screen

    @property
    def cells(self) -> tuple[str, ...]:
        """Every column's text, COLUMNS order, safe to draw."""
        job = self.job
        return tuple([f(job, self) for f in _TEXTS])

    def cell(self, column: str) -> str:
        """One column's text, safe to draw."""
        return COLUMNS[COLUMN_INDEX[column]].text(self.job, self)

    @property
    def haystack(self) -> str:
        """Lowercase text the as-you-type filter searches: every cell, the id, batch, experiment, signature."""
        job = self.job
        return " ".join(
            (*[f(job, self) for f in _TEXTS], job.id, job.batch_name or "", job.experiment or "", self.signature)
        ).lower()

    @property
    def hold_code(self) -> int | None:
        return self.job.hold_code

    @property
    def exit_code(self) -> int | None:
        return self.job.exit_code

    def key(self, column: str) -> Any:
        """Sort key of one column (None when unknown); computed when asked, sorting needs one column."""
        return COLUMNS[COLUMN_INDEX[column]].sort(self.job, self)

    @property
    def keys(self) -> tuple[Any, ...]:
        """Sort keys in COLUMNS order."""
        return tuple(c.sort(self.job, self) for c in COLUMNS)

    @property
    def fields(self) -> Mapping[str, str]:
        """The ``field:value`` filter targets of this row, lowercase."""
        return {name: get(self) for name, (get, _exact) in FIELDS.items()}


_TEXTS = tuple(c.text for c in COLUMNS)
_new_row = tuple.__new__
_JOB_ID = attrgetter("job_id")
WARM_GROUPINGS = ("hold reason", "cause")  # the groupings whose keys warm() builds


class RowList(list[Row]):
    """The rows of one refresh, with their filter texts and group keys built once, in the background
    (:func:`warm`, in small steps that give way to a keystroke) or when first needed. Treat it as immutable:
    the filter texts are not rebuilt when it changes."""

    def __init__(self, rows: Iterable[Row] = ()) -> None:
        super().__init__(rows)
        self._hay: list[str | None] | None = None  # filter texts; None where not built yet
        self._built = 0  # how many of them, in order, warm() has built (all: a filter needs no check)
        self._keys: dict[str, list[str]] = {}  # grouping -> every row's key
        self._sorts: dict[str, SortIndex] = {}  # column -> its order, built the first time it is sorted by
        self._descending: dict[str, list[int]] = {}  # column -> its order, largest first
        self._made: dict[str, tuple[list[str], int]] = {}  # group keys made elsewhere, and how many rows' are in
        self._one_key: dict[str, str] = {}
        self._cells: dict[int, tuple[str, ...]] = {}  # the first screenful's cells, made before it is drawn
        self._blocks: list[tuple[int, int, str]] | None = None  # (first row, rows, their job lines): use_lines()
        self._lines_valid: Callable[[], bool] | None = None  # False once the lines no longer say what rows hold
        self._lines_checked = False  # every block found to hold one line a row
        self._masks: dict[str, bytearray] = {}  # word -> each row's filter text holds it (1) or not (0)
        self._store_parts = True  # a row may hold a verdict or signature (build_rows knows when none does)
        self._age_len: int | None = None  # the longest age text a row may show
        self._row_values: list[tuple[list[Any], set[Any]]] | None = None  # verdicts, signatures (_word_mask)
        self._lines_future: Any = None  # the job lines on their way (expect_lines)
        self._lines_taking = threading.Lock()  # held by the thread taking them (_take_lines)
        self._hay_blocks: list[tuple[int, int, str | None]] | None = None  # the filter texts joined (join_haystacks)
        self._hay_masks: dict[str, bytearray] = {}  # word -> each row's filter text holds it
        self._parts: tuple[list[list[Any]], list[tuple[int, int, str]]] | None = None  # coded texts, ids: use_parts()
        self._parts_valid: Callable[[], bool] | None = None
        self._parts_checked = False
        self._part_masks: dict[str, bytearray] = {}  # word -> each row's parts hold it (but the age)
        self._ids_chars: dict[str, list[bool]] = {}  # character -> the ids' blocks holding it (_with_chars)
        self._lines_chars: dict[str, list[bool]] = {}  # character -> the job lines' blocks holding it

    def use_lines(
        self, jobs: Sequence[Any], blocks: Iterable[tuple[int, str]], valid: Callable[[], bool] | None = None
    ) -> bool:
        """Take the job lines (:class:`JobLines`) of every row, made elsewhere from ``jobs`` (the very objects the
        rows list, in their order), as blocks of ``(rows, text)``: a free word is then searched in them, every row at
        once, with no filter text built and no row filled in. ``valid``: False once they may no longer say what
        the rows hold (their dump changed on disk). False, and nothing taken, when they are not these rows'."""
        kept: list[tuple[int, int, str]] = []
        first = 0
        for n, text in blocks:
            if n:
                kept.append((first, n, text))
                first += n
        if first != len(self) or not _lists_jobs(self, jobs):
            return False
        self._blocks, self._lines_valid, self._masks, self._lines_checked = kept, valid, {}, False
        self._lines_chars = {}
        return True

    def use_parts(
        self, jobs: Sequence[Any], parts: Iterable[Sequence[Any]], valid: Callable[[], bool] | None = None
    ) -> bool:
        """Take the job parts of every row, made elsewhere with their heads from ``jobs`` (the very objects the rows
        list, in their order; ``sources.dumpheads``), one ``(rows, said codes, said texts, where codes, where
        texts, ids)`` per run of rows: each row's code (an ``array``) in that run's distinct status-and-reason
        (:meth:`JobLines.said`) and owner-site-host-batch-experiment texts (:meth:`JobLines.where`), and its
        ``sid id`` line (:meth:`JobLines.ids`) in blocks of ``(rows, text)``. A free word no CPU/wall or efficiency
        text may hold is then answered from them (:meth:`_parts_mask`), without waiting for the job lines.
        ``valid`` as for :meth:`use_lines`; False, and nothing taken, when they are not these rows'."""
        coded: list[list[Any]] = []
        ids: list[tuple[int, int, str]] = []
        first = 0
        for n, said, said_texts, where, where_texts, id_blocks in parts:
            if len(said) != n or len(where) != n:
                return False
            coded += [[first, n, said, said_texts, None, None, None], [first, n, where, where_texts, None, None, None]]
            at = first
            for k, text in id_blocks:
                if k:
                    ids.append((at, k, text))
                    at += k
            if at != first + n:
                return False
            first += n
        if first != len(self) or len(jobs) != len(self) or not all(map(is_, map(_JOB, self), jobs)):
            return False
        self._parts, self._parts_valid, self._part_masks, self._parts_checked = (coded, ids), valid, {}, False
        self._ids_chars = {}
        return True

    def _parts_word(self, word: str) -> bool:
        """The job parts (:meth:`use_parts`) answer ``word``: it holds a character no CPU/wall or efficiency
        text holds (those are only in the job lines)."""
        return self._parts is not None and not any(chars.issuperset(word) for chars in _LINES_ONLY)

    def _parts_mask(self, word: str, most: int | None = None) -> bytearray | None:
        """Each row's filter text holds ``word`` (1) or not (0), but for the age column, from the job parts (the
        distinct texts each tested once, then each row by its code; the ids searched as the job lines are) and the
        verdicts and signatures; None when the parts do not answer it or may no longer be right. ``most``: None
        too once more rows than that are found to hold it (a search for a word few rows hold: no dense work, and
        not before the parts are checked)."""
        parts, valid = self._parts, self._parts_valid  # (another thread may drop them meanwhile)
        if parts is None or any(chars.issuperset(word) for chars in _LINES_ONLY):
            return None
        if valid is not None and not valid():  # their dump changed on disk
            self._parts, self._parts_valid, self._part_masks = None, None, {}
            return None
        mask = self._part_masks.get(word)
        if mask is not None:
            return mask if most is None or mask.count(1) <= most else None
        if not (self._parts_checked if most is not None else self.check_parts()):
            return None
        coded, ids = parts
        if most is None:
            mask = _lines_mask(ids, word, len(self), self._ids_chars)
            for entry in coded:
                hits = _texts_holding(entry, word)
                if hits:
                    _or_into(mask, entry[0], _codes_mask(entry, hits))
        else:  # each row found set, no per-row work
            found = _lines_hits(ids, word, most, self._ids_chars)
            if found is None:
                return None
            found_rows = set(found)
            for entry in coded:
                hits = _texts_holding(entry, word)
                if hits:
                    if len(entry[3]) > 256 and len(hits) * 16 > len(entry[3]):
                        return None  # many texts hold it: most likely many rows too
                    bits = _codes_mask(entry, hits)
                    if bits.count(1) > most:
                        return None
                    first, find = entry[0], bits.find
                    at = find(1)
                    while at >= 0:
                        found_rows.add(first + at)
                        at = find(1, at + 1)
                    if len(found_rows) > most:
                        return None
            mask = bytearray(len(self))
            for i in found_rows:
                mask[i] = 1
            if not self._store_parts:
                _remember_hits(mask, found_rows)
        self._row_values_into(word, mask)
        if most is not None and self._store_parts and mask.count(1) > most:
            return None
        if len(self._part_masks) >= 8:  # the last words typed (replaced whole: another thread may read it)
            self._part_masks = {}
        self._part_masks[word] = mask
        return mask

    def check_parts(self) -> bool:
        """The job parts (:meth:`use_parts`) are sound: one line a row in every ids block, every code in its table
        (checked once, ~85 ms at 1,000,000 rows: ahead of the first key, off the UI thread); dropped when not."""
        parts = self._parts
        if parts is None:
            return False
        if not self._parts_checked:
            coded, ids = parts
            if not _one_line_a_row(ids) or not all(
                _codes_below(codes, len(texts)) for _f, _n, codes, texts, *_ in coded
            ):
                self._parts = None
                return False
            for entry in coded:  # and each run's codes as a search of them reads them (_codes_mask)
                _codes_mask(entry, [])
            self._parts_checked = True
        return True

    def expect_lines(self, future: Any) -> None:
        """Job lines on their way (a ``concurrent.futures.Future`` of :meth:`use_lines`' arguments, or of None when
        none will come): taken once they are in; a search of many rows waits for them (:func:`filter_steps`)."""
        self._lines_future = future

    def await_lines(self, wait: float | None = None) -> None:
        """Wait (at most ``wait`` seconds, default :data:`LINES_WAIT`) for the job lines on their way, and take them."""
        self._take_lines(LINES_WAIT if wait is None else wait)

    def _take_lines(self, wait: float = 0.0) -> None:
        """Take the job lines expected, when they are in (``wait``: waiting that long for them)."""
        future = self._lines_future
        if future is None or (not wait and len(self) > TAKEN_WAITING):
            return  # (a big list's are taken by a thread that waits for them: never the UI thread)
        if not future.done():
            if not wait:
                return
            try:
                future.result(timeout=wait)
            except TimeoutError:
                return
        # one thread takes them; another that waits for them waits here, then has them; one that does not wait
        # (the UI thread's first part of a search) goes on without them, as before they came
        taking = self._lines_taking
        if not (taking.acquire(timeout=wait) if wait else taking.acquire(blocking=False)):
            return
        try:
            if self._lines_future is not future:
                return  # taken meanwhile
            value = future.result()
            if value is not None and self._blocks is None:
                self.use_lines(*value)
            # only now: a search that looked meanwhile saw them on their way (and waits for them), never a list
            # with neither them nor their promise (its words searched row by row: seconds at 1M)
            if self._lines_future is future:
                self._lines_future = None
        finally:
            taking.release()

    def _word_mask(self, word: str) -> bytearray | None:
        """Each row's filter text holds ``word`` (1) or not (0), but for the age column (:meth:`_age_maybe`); found
        in the job lines (:meth:`use_lines`) and the verdicts' and signatures' distinct values, once per word and
        kept; None without job lines, or once they may no longer be right (their dump changed). From the job parts
        when they answer the word (:meth:`_parts_mask`: a smaller search)."""
        if self._parts is not None:
            mask = self._parts_mask(word)
            if mask is not None:
                return mask
        blocks, valid = self._blocks, self._lines_valid  # (another thread may drop them meanwhile)
        if blocks is None:
            return None
        if valid is not None and not valid():
            self._blocks = self._lines_valid = None
            self._masks = {}
            return None
        mask = self._masks.get(word)
        if mask is None:
            if not self._lines_checked:  # once: one line a row in every block
                if not _one_line_a_row(blocks):
                    self._blocks = None
                    return None
                self._lines_checked = True
            mask = _lines_mask(blocks, word, len(self), self._lines_chars)
            self._row_values_into(word, mask)
            if len(self._masks) >= 8:  # the last words typed (replaced whole: another thread may read it)
                self._masks = {}
            self._masks[word] = mask
        return mask

    def _row_values_into(self, word: str, mask: bytearray) -> None:
        """Set ``mask`` for the rows whose verdict or signature text holds ``word`` (each distinct one tested once)."""
        if self._store_parts:
            if self._row_values is None:  # every row's verdict and signature, and their distinct values
                self._row_values = [(v := list(map(get, self)), set(v)) for get, _text in _ROW_PARTS]
            for (_get, text), (values, distinct) in zip(_ROW_PARTS, self._row_values, strict=True):
                kept = {x for x in distinct if word in text(x).lower()}
                if kept:
                    for i in compress(range(len(values)), map(kept.__contains__, values)):
                        mask[i] = 1

    def _age_maybe(self, word: str) -> bool:
        """The word may be in some row's age text (the only part of a filter text neither in the job lines nor
        the verdicts: it is made with the list's time)."""
        return _AGE_CHARS.issuperset(word) and len(word) <= self.age_bound()

    def age_bound(self) -> int:
        """The longest age text a row may show ('Ns', 'Nm', 'Nh' up to a day, then 'Nd'): made once, from every
        row (~16 ms at 100,000 rows: ahead of the first key, off the UI thread, as the parts' check)."""
        if self._age_len is None:
            oldest = min((x for x in map(_SINCE, self) if x is not None and x - x == 0), default=None)
            latest = max(map(_NOW, self), default=0.0)
            seconds = 0.0 if oldest is None else latest - oldest  # at least any row's age
            if seconds - seconds != 0:  # no bound
                self._age_len = 1 << 30
            else:
                self._age_len = max(3, len(str(int(max(seconds, 0)) // 86400)) + 1)
        return self._age_len

    def make_cells(self, indices: Iterable[int]) -> None:
        """Make and keep these rows' cells (the first screenful, in the read's thread: the table's first paint,
        which a key pressed at once waits for, then does not make them)."""
        for i in indices:
            self._cells[i] = self[i].cells

    def cells_of(self, i: int) -> tuple[str, ...]:
        """Row ``i``'s cells: kept ones (:meth:`make_cells`), else made now (and not kept)."""
        cells = self._cells.get(i)
        return self[i].cells if cells is None else cells

    @property
    def _haystacks(self) -> list[str] | None:
        """The filter texts when every one is built, else None."""
        return self._hay if self._hay is not None and self._built == len(self) else None  # type: ignore[return-value]

    def _slots(self) -> list[str | None]:
        hay = self._hay
        if hay is None:
            hay = self._hay = [None] * len(self)
        return hay

    def warm_haystacks(self, step: int | None = 2000) -> None:
        """Build the filter texts not built yet, ``step`` rows at a time, giving way to foreground work
        between steps (``step`` None: all at once). Those a search built meanwhile (:meth:`haystack_of`) are
        kept, not built again."""
        hay = self._slots()
        n = len(self)
        while self._built < n:
            start = self._built
            end = n if step is None else min(n, start + step)
            missing = list(compress(range(start, end), map(is_, islice(hay, start, end), repeat(None))))
            if len(missing) == end - start:
                hay[start:end] = _build_haystacks(self[start:end])
            elif missing:
                for i, text in zip(missing, _build_haystacks(list(map(self.__getitem__, missing))), strict=True):
                    hay[i] = text
            self._built = end
            if step is not None:
                yield_to_foreground()

    def join_haystacks(self, size: int = 4096) -> None:
        """Join the filter texts, once every one is built, in blocks of ``size`` rows (a block whose texts hold a
        line break of their own is kept unjoined): a free word is then one search of each block."""
        hay = self._haystacks
        if hay is None or self._hay_blocks is not None or self._blocks is not None:
            return  # (rows with job lines search those: their texts are not joined too, 250 MB at 1M)
        blocks: list[tuple[int, int, str | None]] = []
        for first in range(0, len(hay), size):
            part = hay[first : first + size]
            text: str | None = "\n".join(part)
            if text.count("\n") != len(part) - 1:  # type: ignore[union-attr]
                text = None
            blocks.append((first, len(part), text))
            yield_to_foreground()
        self._hay_blocks = blocks

    def _hay_mask(self, word: str) -> bytearray | None:
        """Each row's filter text holds ``word`` (1) or not, from the joined texts (None until they are joined)."""
        blocks, hay = self._hay_blocks, self._hay
        if blocks is None or hay is None:
            return None
        mask = self._hay_masks.get(word)
        if mask is None:
            joined = [b for b in blocks if b[2] is not None]
            mask = _lines_mask(joined, word, len(self))  # type: ignore[arg-type]
            for first, n, text in blocks:
                if text is None:
                    mask[first : first + n] = bytes(map(contains, hay[first : first + n], repeat(word)))  # type: ignore[arg-type]
            if len(self._hay_masks) >= 8:
                self._hay_masks = {}
            self._hay_masks[word] = mask
        return mask

    def haystack_of(self, i: int) -> str:
        """Row ``i``'s filter text, built now if it is not yet (and kept)."""
        hay = self._slots()
        text = hay[i]
        if text is None:
            text = hay[i] = self[i].haystack
        return text

    def sort_index(self, column: str) -> SortIndex:
        """The rows' order under a column, computed the first time it is asked for and kept."""
        index = self._sorts.get(column)
        if index is None or len(index.keys) != len(self):  # (a list changed after it was sorted: made again)
            index = self._sorts[column] = build_sort_index(self, column)
            self._descending.pop(column, None)
        return index

    def descending(self, column: str) -> list[int]:
        """The rows with a key under a column, largest key first (ties by row number), kept."""
        keys = self.sort_index(column).keys
        order = self._descending.get(column)
        if order is None:
            order = self._descending[column] = _known(keys)
            order.sort(key=keys.__getitem__, reverse=True)
        return order

    def put_made(self, start: int, ids: list[str], texts: list[str], keys: Sequence[list[str]]) -> bool:
        """Take the filter texts and the :data:`WARM_GROUPINGS` keys of rows ``start``.. made elsewhere (by
        another process, from the same jobs), checked against the rows' job ids in ``ids``: False, and nothing
        taken, when they are not these rows'. A grouping's keys are kept once every row's are in."""
        end = start + len(ids)
        if len(texts) != len(ids) or end > len(self) or list(map(_JOB_ID, self[start:end])) != ids:
            return False
        hay = self._slots()
        hay[start:end] = texts
        if self._built == start:
            self._built = end
        one = self._one_key  # one object per distinct key, as the groupings' own memo keeps them
        n = len(self)
        for by, part in zip(WARM_GROUPINGS, keys, strict=True):
            made, filled = self._made.get(by) or ([""] * n, 0)  # every row's slot at once, never grown (at 1M
            if filled != start or len(part) != len(ids):  # calls at the lists' growth took 2-4 ms of CPU, not 0.4)
                continue  # not the next rows' keys: this grouping's are made here (group_keys_of)
            made[start:end] = [one.setdefault(k, k) for k in part]
            self._made[by] = (made, end)
            if end == n:
                self._keys.setdefault(by, made)
        return True

    def group_keys_of(self, by: str, step: int | None = None) -> list[str]:
        """Every row's key under a grouping, built once (``step``: in steps that give way to a keystroke)."""
        keys = self._keys.get(by)
        if keys is None:
            key_of = GROUP_KEYS[by]
            if step is None:
                keys = [key_of(r) for r in self]
            else:
                keys = []
                for start in range(0, len(self), step):
                    keys += [key_of(r) for r in self[start : start + step]]
                    yield_to_foreground()
            self._keys[by] = keys
        return keys


TAKEN_WAITING = 20_000
"""Rows over which job lines are taken only by a thread that waits for them (the jobs-warm thread, a search of
many rows): checking they are the rows' takes ~40 ms at 1M, which a keystroke on the UI thread must not pay."""

SAME_STEP = 16384
"""Rows whose jobs :func:`_lists_jobs` compares in one C loop (~0.6 ms): between two, the GIL may change hands."""


def _lists_jobs(rows: Sequence[Row], jobs: Sequence[Any], step: int = SAME_STEP) -> bool:
    """Each row lists the very object at its place in ``jobs``, and there are as many: compared ``step`` rows at a
    time, so a thread taking 1M rows' job lines never holds the GIL for one long loop (36 ms at 1M) that a frame
    or a keystroke's search would wait for."""
    if len(rows) != len(jobs):
        return False
    listed, given = map(_JOB, rows), iter(jobs)  # read on slice by slice (no copies)
    return all(all(map(is_, islice(listed, step), islice(given, step))) for _ in range(0, len(rows), step))


def filter_texts(rows: Sequence[Row]) -> list[str]:
    """The filter text of each row (:attr:`Row.haystack`), built in one pass."""
    return _build_haystacks(rows)


def _build_haystacks(rows: Sequence[Row]) -> list[str]:
    out: list[str] = []
    append = out.append
    texts = _TEXTS
    collecting = gc.isenabled()
    gc.disable()  # 100,000 strings, no cycles: collection would cost a third
    try:
        for r in rows:
            job = r.job
            append(
                " ".join(
                    (*[f(job, r) for f in texts], job.id, job.batch_name or "", job.experiment or "", r.signature)
                ).lower()
            )
    finally:
        if collecting:
            gc.enable()
    return out


def _failed(job: Job) -> bool:
    # Job.failed with plain ints: the enum lookup costs more than the test on 100,000 jobs
    return job.status == _COMPLETED and (bool(job.exit_code) or job.exit_signal is not None)


def build_rows(
    jobs: Iterable[Job],
    verdicts: Mapping[str, str] | None = None,
    *,
    now: float,
    signatures: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
    unsigned: Mapping[str, str] | None = None,
) -> RowList:
    """Rows for every job, with its verdict category and signature id when known (keyed by job id), the title of
    each signature (keyed by signature id: the cause's name), and the title of each verdict with no signature
    (``unsigned``, keyed by job id: its reason, as the failure summary names it)."""
    v = verdicts or {}
    s = signatures or {}
    t = titles or {}
    u = unsigned or {}
    new, cls, completed = _new_row, Row, _COMPLETED
    collecting = gc.isenabled()
    gc.disable()  # 100,000 plain tuples: no cycles to find
    try:
        if v or s:
            rows = RowList(
                new(
                    cls,
                    (
                        j,
                        j.id,
                        j.status,
                        j.status == completed and (bool(j.exit_code) or j.exit_signal is not None),
                        v.get(j.id, ""),
                        sig := s.get(j.id, ""),
                        now,
                        t.get(sig, "") if sig else u.get(j.id, ""),
                    ),
                )
                for j in jobs
            )
        else:
            rows = RowList(
                new(
                    cls,
                    (
                        j,
                        j.id,
                        j.status,
                        j.status == completed and (bool(j.exit_code) or j.exit_signal is not None),
                        "",
                        "",
                        now,
                        "",
                    ),
                )
                for j in jobs
            )
    finally:
        if collecting:
            gc.enable()
    rows._store_parts = bool(v or s)
    return rows


# rows per step of the background work (a dump's rows are filled in too: ~5 ms of CPU at load 8 on 2 slow cores),
# then a keystroke's work goes first: it waits at most one step for the background work to stop
WARM_STEP = 50


def warm(rows: Sequence[Row], step: int | None = WARM_STEP) -> None:
    """Build the filter texts of a :class:`RowList` and its keys under the hold-reason and cause groupings
    (call it off the UI thread, after the first paint), so later keystrokes and groupings cost milliseconds.
    It works in steps and waits between them while a keystroke's filter runs (:mod:`opgtui.core.foreground`)."""
    if not isinstance(rows, RowList):
        return
    rows.warm_haystacks(step)
    rows.join_haystacks()
    for by in WARM_GROUPINGS:
        rows.group_keys_of(by, step)


# ---------------------------------------------------------------------------------------------- filter

QUICK_FILTERS: dict[str, Callable[[Row], bool]] = {
    "all": lambda r: True,
    "held": lambda r: r.status == JobStatus.HELD,
    "failed": lambda r: r.failed or r.status == JobStatus.HELD,
    "running": lambda r: r.status == JobStatus.RUNNING,
    "idle": lambda r: r.status == JobStatus.IDLE,
}


def quick_filter(rows: Sequence[Row], name: str) -> list[int]:
    """Indices of rows in a quick filter: all, held, failed (failed or held), running, idle."""
    if name == "all":
        return list(range(len(rows)))
    if name == "held":
        return [i for i, r in enumerate(rows) if r.status == JobStatus.HELD]
    test = QUICK_FILTERS[name]
    return [i for i, r in enumerate(rows) if test(r)]


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


# name -> (lowercase value of a row, exact match?); exact fields compare whole numbers ("code:34")
FIELDS: dict[str, tuple[Callable[[Row], str], bool]] = {
    "owner": (lambda r: (r.job.owner or "").lower(), False),
    "site": (lambda r: (r.job.site or "").lower(), False),
    "host": (lambda r: (r.job.last_host or "").lower(), False),
    "batch": (lambda r: (r.job.batch_name or "").lower(), False),
    "exp": (lambda r: (r.job.experiment or "").lower(), False),
    "id": (lambda r: safe(r.job.display_id, 80).lower(), False),
    "status": (lambda r: status_text(r.job), False),
    "reason": (lambda r: reason_text(r.job).lower(), False),
    "verdict": (lambda r: r.verdict.lower(), False),
    "sig": (lambda r: r.signature.lower(), False),
    "code": (lambda r: _num(r.job.hold_code), True),
    "subcode": (lambda r: _num(r.job.hold_subcode), True),
    "exit": (lambda r: _num(r.job.exit_code), True),
    "signal": (lambda r: _num(r.job.exit_signal), True),
}


# name -> (the one attribute of a row its value is made from, how): a term on one of these fields is tested once per
# distinct attribute value (a pool of 100,000 rows holds a few thousand sites, hosts or codes), then each row by a
# set lookup on that attribute, read in C (operator.attrgetter): the same answer as FIELDS' function on every row
FIELD_SOURCES: dict[str, tuple[Callable[[Row], Any], Callable[[Any], str]]] = {
    "owner": (attrgetter("job.owner"), lambda x: (x or "").lower()),
    "site": (attrgetter("job.site"), lambda x: (x or "").lower()),
    "host": (attrgetter("job.last_host"), lambda x: (x or "").lower()),
    "batch": (attrgetter("job.batch_name"), lambda x: (x or "").lower()),
    "exp": (attrgetter("job.experiment"), lambda x: (x or "").lower()),
    "verdict": (attrgetter("verdict"), lambda x: x.lower()),
    "sig": (attrgetter("signature"), lambda x: x.lower()),
    "code": (attrgetter("job.hold_code"), _num),
    "subcode": (attrgetter("job.hold_subcode"), _num),
    "exit": (attrgetter("job.exit_code"), _num),
    "signal": (attrgetter("job.exit_signal"), _num),
}


# ------------------------------------------------------------ a free word without the filter texts
# A word holds no white space (parse_query splits on it), so it is in a row's filter text (its parts joined by
# spaces, lowercased) when it is in one part's lowercase text: each part is searched on its own, most of them once
# per distinct value of the attribute the text is made from, and a row is kept when any part holds the word.

_JOB = attrgetter("job")
_ROW_PARTS: tuple[tuple[Callable[[Any], Any], Callable[[Any], str]], ...] = (  # (value read in C, its text)
    (attrgetter("verdict"), lambda x: safe(x, 40)),
    (attrgetter("signature"), lambda x: x),
)
_JOB_PARTS: tuple[tuple[Callable[[Any], Any], Callable[[Any], str]], ...] = (
    (attrgetter("owner"), lambda x: safe(x, 40)),
    (attrgetter("site"), lambda x: safe(x, 40)),
    (attrgetter("last_host"), lambda x: safe(x, 80)),
    (attrgetter("batch_name"), lambda x: x or ""),
    (attrgetter("experiment"), lambda x: x or ""),
)
# every part made of one attribute of the job: the hold reason's text when there is one (its exit text otherwise)
_TEXT_PARTS = (*_JOB_PARTS, (attrgetter("hold_reason"), lambda x: _reason_cell(x) if x else ""))
_CHUNK = 1024  # rows read at a time (_word_hits): a chunk's jobs and values stay in the CPU's cache meanwhile
_ELLIPSIS = "…"  # what one_line ends a cut text with
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_STATUS_WORDS = (*_STATUS_SHORT.values(), "fail", "?")
_EXIT_CHARS = frozenset("0123456789-() exitsignal" + "".join(_SIGNALS.values()).lower())
# the characters the texts made from numbers can hold (span: digits, s m h d, '?'; a percentage: digits, '-', '%',
# inf, nan): a word with any other character is in none of them
_NUMBER_PARTS: tuple[tuple[frozenset[str], Callable[[Job, Context], str]], ...] = (
    (frozenset("0123456789smhd?/"), _cpu_wall),
    (frozenset("0123456789-%infa"), _efficiency),
    (frozenset("0123456789smhd?"), _age),
)
_LINES_ONLY = (_NUMBER_PARTS[0][0], _NUMBER_PARTS[1][0])  # the texts only the job lines hold: CPU/wall, efficiency
_SCHEDD = attrgetter("schedd")
_NUMBER_CHARS = frozenset("0123456789.-")
_SINCE = attrgetter("job.status_since")
_NOW = attrgetter("now")
_AGE_CHARS = frozenset("0123456789smhd?")  # what an age text is made of (span, coarse)


# ------------------------------------------------------------ a free word in the job lines
# A dump's rows come with their job lines (RowList.use_lines): per row one lowercase line holding every part of its
# filter text that only the job makes (all but the verdict, the signature and the age), made by the processes that
# read the dump (sources.dumpheads), joined in blocks. A word is found in a block by a search of the whole block.


class JobLines:
    """Makes the job lines of jobs (:meth:`block`): each job's filter-text parts that only the job makes (its
    status, short and whole id, owner, site, host, reason, CPU/wall, efficiency, batch, experiment), lowercase,
    joined by spaces, a line break of their own made a space (a filter word holds no white space, so which words a
    line holds is what the filter text's parts hold); the texts of values that repeat (owners, sites, reasons)
    are made once."""

    def __init__(self) -> None:
        self._said: dict[tuple[Any, ...], str] = {}  # status, exit and hold reason -> status and reason texts
        self._where: dict[tuple[Any, ...], str] = {}  # owner, site, host, batch, experiment -> their texts
        self._hosts: dict[str, str] = {}  # the host of an id -> its first label (short_id)
        self._schedds: dict[str, tuple[str, int]] = {}  # schedd -> "@" and its short id's host, longest cluster.proc

    def said(self, job: Job) -> str:
        """The status and reason texts of ``job`` (made once per status, exit and hold reason)."""
        said_key = (job.status, job.exit_code, job.exit_signal, job.hold_reason)
        said = self._said.get(said_key)
        if said is None:
            if len(self._said) > 1 << 16:
                self._said.clear()
            said = self._said[said_key] = _one_line_lower(f"{status_text(job)} {reason_text(job)}")
        return said

    def where(self, job: Job) -> str:
        """The owner, site, host, batch and experiment texts of ``job`` (made once per their values)."""
        where_key = (job.owner, job.site, job.last_host, job.batch_name, job.experiment)
        where = self._where.get(where_key)
        if where is None:
            if len(self._where) > 1 << 16:
                self._where.clear()
            where = self._where[where_key] = _one_line_lower(
                " ".join(
                    (
                        safe(job.owner, 40),
                        safe(job.site, 40),
                        safe(job.last_host, 80),
                        job.batch_name or "",
                        job.experiment or "",
                    )
                )
            )
        return where

    def ids(self, job: Job) -> str:
        """The short and whole id texts of ``job``: ``sid id``, lowercase (the head's part of its line)."""
        cluster, proc, schedd = job.cluster, job.proc, job.schedd
        if not job.jobsub_id and type(cluster) is int and type(proc) is int and type(schedd) is str:
            # cluster.proc@schedd: what follows its digits made once per schedd (_at_short)
            at_short = self._schedds.get(schedd)
            if at_short is None:
                if len(self._schedds) > 1 << 12:
                    self._schedds.clear()
                at_short = self._schedds[schedd] = self._at_short(schedd)
            local = f"{cluster}.{proc}"
            if len(local) <= at_short[1]:
                return f"{local}{at_short[0]} {job.id.lower()}"
        # the short id (short_id) of a clean id: its host's first label made once per host
        text = job.jobsub_id or f"{cluster}.{proc}@{schedd}"
        local, at, host = text.partition("@")
        if at and len(text) <= 80 and text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
            short = self._hosts.get(host)
            if short is None:
                bare = "." in host and not host.replace(".", "").isdigit()
                short = self._hosts[host] = host.split(".", 1)[0] if bare else host
            sid = f"{local}@{short}".lower()
        else:
            sid = short_id(job).lower()
        return f"{sid} {job.id.lower()}"

    def _at_short(self, schedd: str) -> tuple[str, int]:
        """What follows ``cluster.proc`` in the short id text of a job of ``schedd`` without a jobsub id (``@`` and
        the host's first label, lowercase: the host is the whole schedd, an ``@`` of its own too), and the longest
        ``cluster.proc`` that leaves the id clean as :meth:`ids` tests it (-1: none; such ids take its whole path).
        The digits hold no letter: lowercasing the rest alone changes nothing (no final sigma reads them)."""
        if not schedd.isprintable() or "  " in schedd or schedd[-1:] == " ":
            return "", -1
        bare = "." in schedd and not schedd.replace(".", "").isdigit()
        return f"@{schedd.split('.', 1)[0] if bare else schedd}".lower(), 79 - len(schedd)

    def line(self, job: Job) -> str:
        # the CPU/wall and efficiency cells (_cpu_wall, _efficiency), made here without their calls
        cpu_user, cpu_sys, wall = job.cpu_user, job.cpu_sys, job.wall
        cpu = None if cpu_user is None and cpu_sys is None else (cpu_user or 0.0) + (cpu_sys or 0.0)
        times = "" if cpu is None and wall is None else f"{span(cpu) or '?'}/{span(wall) or '?'}"
        eff = "" if cpu is None or not wall else f"{cpu / (wall * (job.request_cpus or 1)):.0%}"
        return f"{self.ids(job)} {self.said(job)} {self.where(job)} {times} {eff}"

    def block(self, jobs: Iterable[Job]) -> str:
        """The job lines of ``jobs``, one a job, joined by line breaks."""
        return self.join(list(map(self.line, jobs)))

    @staticmethod
    def join(lines: list[str]) -> str:
        """``lines`` joined by line breaks, one a line (a line break of a line's own made a space)."""
        text = "\n".join(lines)
        if text.count("\n") != len(lines) - 1:  # an id with a line break of its own
            text = "\n".join([line.replace("\n", " ") for line in lines])
        return text


def _one_line_lower(text: str) -> str:
    return text.lower().replace("\n", " ")


def _with_chars(
    blocks: Sequence[tuple[int, int, str]], word: str, known: dict[str, list[bool]] | None = None
) -> list[tuple[int, int, str]]:
    """The blocks that hold every character of ``word`` (no other may hold it): each character looked for with
    ``memchr``, faster than the search of the word; ``known``: each character's answer per block, kept."""
    keep = [True] * len(blocks)
    for char in set(word):
        has = None if known is None else known.get(char)
        if has is None:
            has = [char in text for _first, _rows, text in blocks]
            if known is not None:
                known[char] = has
        keep = list(map(and_, keep, has))
    return list(compress(blocks, keep))


def _lines_mask(
    blocks: Sequence[tuple[int, int, str]], word: str, n: int, known: dict[str, list[bool]] | None = None
) -> bytearray:
    """Each of ``n`` rows' job line holds ``word`` (1) or not (every block holds one line a row; ``known`` as for
    :func:`_with_chars`)."""
    mask = bytearray(n)
    find, count = str.find, str.count
    for first, rows, text in _with_chars(blocks, word, known):
        at = find(text, word)
        if at < 0:
            continue
        line, last, hits, enough = first, 0, 0, rows // 8 + 8
        while at >= 0 and hits < enough:
            line += count(text, "\n", last, at)
            mask[line] = 1
            hits += 1
            last = find(text, "\n", at)
            if last < 0:
                break
            at = find(text, word, last)
        if hits >= enough:  # a word in many lines: every line tested at once
            mask[first : first + rows] = bytes(map(contains, text.split("\n"), repeat(word)))
    return mask


def _lines_hits(
    blocks: Sequence[tuple[int, int, str]], word: str, most: int, known: dict[str, list[bool]] | None = None
) -> list[int] | None:
    """The rows (ascending) whose job line holds ``word`` when they are at most ``most``, else None (every block
    holds one line a row; ``known`` as for :func:`_with_chars`): found by searching the blocks, no per-row work."""
    found: list[int] = []
    find, count = str.find, str.count
    for first, _rows, text in _with_chars(blocks, word, known):
        at, line, last = find(text, word), first, 0
        while at >= 0:
            line += count(text, "\n", last, at)
            found.append(line)
            if len(found) > most:
                return None
            last = find(text, "\n", at)
            if last < 0:
                break
            at = find(text, word, last)
    return found


def _codes_below(codes: array[int], size: int, step: int = 1 << 16) -> bool:
    """Every code is below ``size`` (0 too when there are no texts): read ``step`` codes a call (one call of
    ``max`` over a million codes held the GIL ~60 ms, against the UI thread)."""
    limit = max(size, 1)
    return all(max(codes[at : at + step]) < limit for at in range(0, len(codes), step))


def _one_line_a_row(blocks: Sequence[tuple[int, int, str]]) -> bool:
    """Every ``(first row, rows, text)`` block holds one line a row (the job lines' and the ids' blocks)."""
    return all(text.count("\n") == n - 1 for _first, n, text in blocks)


def _texts_holding(entry: list[Any], word: str) -> list[int]:
    """The codes (ascending) of a run's distinct texts (``entry[3]``) that hold ``word``: a search of them joined
    (made once, with where each starts, into ``entry[6]``) while it finds few, else each text tested."""
    texts = entry[3]
    joined = entry[6]
    if joined is None:
        text = "\n".join(texts)
        starts = list(accumulate((len(t) + 1 for t in texts), initial=0))
        joined = entry[6] = (text, starts) if text.count("\n") == max(len(texts) - 1, 0) else ("", [])
    text, starts = joined
    if not starts:  # a text with a line break of its own
        return [code for code, t in enumerate(texts) if word in t]
    hits: list[int] = []
    at = text.find(word)
    while at >= 0:
        code = bisect_right(starts, at) - 1
        hits.append(code)
        if len(hits) > 64:  # many: each text tested (in C), not each found
            return [code for code, t in enumerate(texts) if word in t]
        at = text.find(word, starts[code + 1])
    return hits


def _codes_mask(entry: list[Any], hits: list[int]) -> bytes:
    """Each row of a run of coded rows (``[first, rows, codes, texts, codes as bytes, codes' byte planes]``, the
    last two made when first needed) coded one of ``hits`` (1) or not (0)."""
    _first, n, codes, texts = entry[:4]
    if len(texts) <= 256:  # every code a byte: one translation of them all
        small = entry[4]
        if small is None:
            small = entry[4] = _byte_planes(codes, 8)[0][1]
        table = bytearray(256)
        for code in hits:
            table[code] = 1
        return small.translate(table)
    if not hits:
        if entry[5] is None:
            entry[5] = _byte_planes(codes, (len(texts) - 1).bit_length())
        return bytes(n)
    if len(hits) * 16 >= len(texts) * 15:  # most codes: the rows of the others, the other way round
        others = sorted(set(range(len(texts))).difference(hits))
        return _codes_mask(entry, others).translate(_NEGATE) if others else b"\x01" * n
    if len(hits) * 16 <= len(texts):  # a few codes: the rows whose code's every byte is one of theirs, then each
        planes = entry[5]
        if planes is None:
            planes = entry[5] = _byte_planes(codes, (len(texts) - 1).bit_length())
        maybe = -1
        for shift, plane in planes:
            table = bytearray(256)
            for code in hits:
                table[(code >> shift) & 255] = 1
            maybe &= int.from_bytes(plane.translate(table), "little")
        out = maybe.to_bytes(n, "little")
        if out.count(1) * 16 <= n:  # few such rows: those whose code is not one of them (a byte from another) unset
            out, kept, find = bytearray(out), set(hits), out.find
            at = find(1)
            while at >= 0:
                if codes[at] not in kept:
                    out[at] = 0
                at = find(1, at + 1)
            return out
    return bytes(map(set(hits).__contains__, codes))


_NEGATE = bytes([1, 0]) + bytes(254)  # a translation of 0 and 1 bytes: each the other


def _byte_planes(codes: array[int], bits: int) -> list[tuple[int, bytes]]:
    """``(shift, plane)`` for each byte of the codes that may be set (codes of at most ``bits`` bits): the plane holds
    that byte of every code, in order (``plane[i] == (codes[i] >> shift) & 255``)."""
    raw, width = codes.tobytes(), codes.itemsize
    little = sys.byteorder == "little"
    return [(8 * k, raw[(k if little else width - 1 - k) :: width]) for k in range(min(width, max(1, (bits + 7) // 8)))]


def _or_into(mask: bytearray, first: int, bits: bytes) -> None:
    """Set ``mask[first + i]`` where ``bits[i]`` is 1 (both of 0 and 1 bytes)."""
    n = len(bits)
    have = int.from_bytes(mask[first : first + n], "little")
    mask[first : first + n] = (have | int.from_bytes(bits, "little")).to_bytes(n, "little")


def _masked(rows: RowList, word: str, pool: Sequence[int], mask: bytearray, negate: bool) -> list[int]:
    """The rows of ``pool`` whose filter text holds ``word`` (``negate``: does not), from its mask over the job
    lines and, when the word may be in an age text, those texts."""
    if rows._age_maybe(word):
        hay = rows._haystacks  # the whole texts once built: a test of one is cheaper than making the age
        if hay is not None:
            keep: Iterable[Any] = [mask[i] or word in hay[i] for i in pool]
        else:
            keep = [mask[i] or word in _age(rows[i].job, rows[i]) for i in pool]
        return list(compress(pool, map(not_, keep) if negate else keep))
    return _picked(pool, mask, negate)


_HITS: dict[int, tuple[bytearray, set[int] | None]] = {}  # id of a mask -> (it, the rows it sets when few)


def _mask_hits(mask: bytearray) -> set[int] | None:
    """The rows a mask of 0 and 1 bytes sets, when they are few (at most a 16th of its rows; found with
    ``bytearray.find``, no per-row work), else None; kept per mask (a mask is not changed once made and kept)."""
    kept = _HITS.get(id(mask))
    if kept is not None and kept[0] is mask:
        return kept[1]
    hits: set[int] | None = None
    ones = mask.count(1)
    if ones * 16 <= len(mask) and ones + mask.count(0) == len(mask):
        hits, find = set(), mask.find
        at = find(1)
        while at >= 0:
            hits.add(at)
            at = find(1, at + 1)
    _remember_hits(mask, hits)
    return hits


def _remember_hits(mask: bytearray, hits: set[int] | None) -> None:
    """Keep the rows ``mask`` sets (None: many), for :func:`_mask_hits`; the mask is not changed once made."""
    if len(_HITS) >= 8:  # the last masks used (another thread may read it: only an entry's identity is trusted)
        _HITS.clear()
    _HITS[id(mask)] = (mask, hits)


def _picked(pool: Sequence[int], mask: bytearray, negate: bool) -> list[int]:
    """The rows of ``pool`` (in its order) ``mask`` sets (``negate``: does not set). A mask setting no row answers
    without a look at the pool, one setting few rows by their set (a sorted 1M pool read once: ~20 ms, half the
    mask's per-row test), a pool in row order by those rows alone."""
    hits = _mask_hits(mask)
    if hits is None:
        keep = map(mask.__getitem__, pool)
        return list(compress(pool, map(not_, keep) if negate else keep))
    if not hits:
        return list(pool) if negate else []
    if negate:
        return list(filterfalse(hits.__contains__, pool))
    if isinstance(pool, range) and pool.step > 0:
        return sorted(filter(pool.__contains__, hits))
    return list(filter(hits.__contains__, pool))


def _holding(texts: Sequence[str], word: str) -> list[int]:
    """Positions of the texts whose lowercase holds ``word`` (no white space): one search of them joined."""
    joined = "\n".join(texts).lower()
    if joined.count("\n") != len(texts) - 1:  # a text with a line break of its own
        return [p for p, text in enumerate(texts) if word in text.lower()]
    return list(compress(range(len(texts)), _lines_mask([(0, len(texts), joined)], word, len(texts))))


def _clean_ascii(text: str) -> bool:
    """``text`` is ASCII and printable (no line break either): its lowercase is made letter by letter, and every
    part of a filter text made of such a value (cleaned, cut, a prefix dropped, a short id) holds only its own
    characters in their order, but for the "…" of a cut."""
    return text.isascii() and not text.encode().translate(None, _PRINTABLE_ASCII)


def _holders(values: Iterable[Any], word: str, text: Callable[[Any], str], plain: bool) -> set[Any]:
    """The values whose text's lowercase holds ``word``; when they are all clean ASCII (and ``plain``: the word has
    no "…") only those whose own lowercase holds it are made into their texts, found by one search of them joined."""
    texts = list(filter(None, values))  # None and '' make an empty text
    if plain:
        joined = " ".join(texts)  # the word holds no space: it is in the joined text when it is in one of them
        if _clean_ascii(joined):
            if word not in joined.lower():
                return set()
            texts = [x for x in texts if word in x.lower()]
    return {x for x in texts if word in text(x).lower()}


def _job_values(jobs: list[Any]) -> tuple[set[Any], ...]:
    """The distinct values of each attribute of ``_TEXT_PARTS``, in its order (a comprehension reads a slot about
    twice as fast as ``attrgetter``: the interpreter specialises it)."""
    return (
        {j.owner for j in jobs},
        {j.site for j in jobs},
        {j.last_host for j in jobs},
        {j.batch_name for j in jobs},
        {j.experiment for j in jobs},
        {j.hold_reason for j in jobs},
    )


def _part_hits(
    distinct: set[Any],
    items: list[Any],
    start: int,
    part: tuple[Callable[[Any], Any], Callable[[Any], str], set[Any], set[Any]],
    word: str,
    plain: bool,
    hits: set[int],
) -> None:
    """Add to ``hits`` the positions (from ``start``) of ``items`` whose part's text holds ``word``, given the
    distinct values of the part in ``items``: each value tested once over all the chunks (``seen``, and ``kept``:
    those that hold it), the items read again only where a kept value is among them."""
    get, text, seen, kept = part
    new = distinct - seen if seen else distinct
    if new:
        seen |= new
        kept |= _holders(new, word, text, plain)
    if kept and not kept.isdisjoint(distinct):
        hits.update(compress(range(start, start + len(items)), map(kept.__contains__, map(get, items))))


def _id_hits(jobs: list[Any], start: int, word: str, plain: bool, ascii_word: bool, hits: set[int]) -> None:
    """Add to ``hits`` the positions (from ``start``) of ``jobs`` whose whole or short id holds ``word``."""
    ids = [j.id for j in jobs]
    if word in " ".join(ids).lower():  # the whole id as it is: one search of the chunk's ids joined
        hits.update(start + p for p in _holding(ids, word))
    # the short id is a prefix of the displayed one (jobsub id, else "cluster.proc@schedd") made of its own
    # characters when that is clean ASCII: only the jobs whose displayed id holds the word are tested; a word
    # with another character than those of numbers, and no '@', is in "cluster.proc@schedd" only in its schedd
    subs = [j.jobsub_id for j in jobs]
    every = range(len(jobs))
    bare = [] if all(subs) else list(compress(every, map(not_, subs)))
    texts = [x or "" for x in subs] if bare else subs
    maybe: Iterable[int] = every
    if plain:
        joined = " ".join(texts)
        if _clean_ascii(joined):
            maybe = _holding(texts, word) if word in joined.lower() else []
            if bare:
                if ascii_word and "@" not in word and not _NUMBER_CHARS.issuperset(word):
                    shown = {
                        x
                        for x in set(map(_SCHEDD, map(jobs.__getitem__, bare)))
                        if not x.isprintable() or word in x.lower()
                    }
                    if shown:
                        maybe = [*maybe, *(p for p in bare if jobs[p].schedd in shown)]
                else:
                    maybe = [*maybe, *bare]
    hits.update(start + p for p in maybe if start + p not in hits and word in short_id(jobs[p]).lower())


def _word_hits(picked: Sequence[Row], word: str, parts: bool = True) -> set[int]:
    """Positions of ``picked`` whose filter text (:attr:`Row.haystack`) holds ``word``, lowercase, no white space;
    the same answer, without making the texts. ``parts``: a row may hold a verdict or a signature. The rows are
    read a chunk at a time, every part of a chunk while its jobs and their values are in the CPU's cache."""
    hits: set[int] = set()
    plain = _ELLIPSIS not in word  # in a clean ASCII value's text only where the value holds it
    ascii_word = word.isascii()
    row_parts = [(get, text, set(), set()) for get, text in _ROW_PARTS] if parts else []
    job_parts = [(get, text, set(), set()) for get, text in _TEXT_PARTS]
    n = len(picked)
    for start in range(0, n, _CHUNK):
        rows = picked[start : start + _CHUNK]
        jobs = [r.job for r in rows]
        if row_parts:
            values = ({r.verdict for r in rows}, {r.signature for r in rows})
            for distinct, part in zip(values, row_parts, strict=True):
                _part_hits(distinct, rows, start, part, word, plain, hits)
        for distinct, part in zip(_job_values(jobs), job_parts, strict=True):
            _part_hits(distinct, jobs, start, part, word, plain, hits)
        _id_hits(jobs, start, word, plain, ascii_word, hits)
    statused = any(word in s for s in _STATUS_WORDS)
    exited = _EXIT_CHARS.issuperset(word)
    numbers = [text for chars, text in _NUMBER_PARTS if chars.issuperset(word)]
    if not (statused or exited or numbers):
        return hits
    every = range(n)
    jobs = [r.job for r in picked]
    if statused:  # tested on the rows of a status whose words may hold it
        statuses = [j.status for j in jobs]
        shown = {s for s in set(statuses) if s == _COMPLETED or word in _STATUS_SHORT.get(s or 0, "?")}
        maybe = compress(every, map(shown.__contains__, statuses))
        hits.update(p for p in maybe if word in status_text(jobs[p]))
    if exited:  # a job without a hold reason: its exit code or signal (exit_text)
        signals, codes = [j.exit_signal for j in jobs], [j.exit_code for j in jobs]
        said = {s for s in set(signals) if s is not None and word in _exit_words(s, None, None).lower()}
        said_code = {c for c in set(codes) if c is not None and word in _exit_words(None, c, _COMPLETED)}
        maybe = compress(every, map(or_, map(said.__contains__, signals), map(said_code.__contains__, codes)))
        hits.update(p for p in maybe if not jobs[p].hold_reason and word in exit_text(jobs[p]).lower())
    for text in numbers:
        hits.update(p for p in every if p not in hits and word in text(jobs[p], picked[p]))
    return hits


def _free_word(rows: Sequence[Row], word: str, pool: Iterable[int], negate: bool) -> list[int]:
    """The rows of ``pool`` whose filter text holds ``word`` (``negate``: does not), in its order, without
    making the filter texts (:func:`_word_hits`)."""
    pool = pool if isinstance(pool, list | range) else list(pool)
    whole = isinstance(pool, range) and pool == range(len(rows))
    parts = not isinstance(rows, RowList) or rows._store_parts
    hits = _word_hits(rows if whole else list(map(rows.__getitem__, pool)), word, parts)
    if negate:
        return list(compress(pool, map(not_, map(hits.__contains__, range(len(pool))))))
    return [pool[p] for p in sorted(hits)]


@dataclass(frozen=True, slots=True)
class Term:
    """One word of a filter query: ``text``, ``!text``, ``field:value`` or ``!field:value``."""

    value: str
    field: str | None = None  # None: anywhere in the row
    negate: bool = False

    @property
    def exact(self) -> bool:
        return self.field is not None and FIELDS[self.field][1]

    def implies(self, other: Term) -> bool:
        """True when every row this term keeps is also kept by ``other`` (so ``other``'s result may be narrowed)."""
        if self.field != other.field or self.negate != other.negate:
            return False
        if self.exact:
            return self.value == other.value
        return (self.value in other.value) if self.negate else (other.value in self.value)


def parse_query(query: str) -> list[Term]:
    """Words of a query, lowercased; empty words (``!``, ``site:``) are left out."""
    terms = []
    for word in query.lower().split():
        negate = word.startswith("!")
        word = word.lstrip("!")
        name, colon, value = word.partition(":")
        if colon and name in FIELDS:
            if value:
                terms.append(Term(value, name, negate))
        elif word:
            terms.append(Term(word, None, negate))
    return terms


def narrows(new: Sequence[Term], old: Sequence[Term]) -> bool:
    """True when ``new`` keeps a subset of what ``old`` keeps (each old term implied by a new one)."""
    return all(any(n.implies(o) for n in new) for o in old)


def _apply(rows: Sequence[Row], term: Term, pool: Iterable[int]) -> list[int]:
    v = term.value
    if term.field is None:
        if isinstance(rows, RowList):
            if rows._lines_future is not None:
                rows._take_lines()
            if rows._blocks is not None or rows._parts_word(v):
                pool = pool if isinstance(pool, list | range) else list(pool)
                masked = v in rows._masks or v in rows._part_masks
                if masked or len(pool) * 16 > len(rows) or not _all_built(rows, pool):
                    mask = rows._word_mask(v)
                    if mask is not None:
                        return _masked(rows, v, pool, mask, term.negate)
                else:  # a few rows whose filter texts are built (a fresh list's first ones)
                    hay = rows._hay
                    if term.negate:
                        return [i for i in pool if v not in hay[i]]  # type: ignore[operator, index]
                    return [i for i in pool if v in hay[i]]  # type: ignore[operator, index]
            hay = rows._haystacks
            if hay is None:  # not all built yet (warm() is at work): searched part by part, never waited for
                return _free_word(rows, v, pool, term.negate)
            if rows._hay_blocks is not None:
                pool = pool if isinstance(pool, list | range) else list(pool)
                if v in rows._hay_masks or len(pool) * 16 > len(rows):
                    mask = rows._hay_mask(v)
                    if mask is not None:
                        return _picked(pool, mask, term.negate)
            if term.negate:
                return [i for i in pool if v not in hay[i]]
            return [i for i in pool if v in hay[i]]
        if term.negate:
            return [i for i in pool if v not in rows[i].haystack]
        return [i for i in pool if v in rows[i].haystack]
    source = FIELD_SOURCES.get(term.field)
    if source is not None:
        raw_of, text_of = source
        pool = pool if isinstance(pool, list | range) else list(pool)
        raws = list(map(raw_of, map(rows.__getitem__, pool)))
        exact = FIELDS[term.field][1]
        kept = {x for x in set(raws) if (text_of(x) == v if exact else v in text_of(x))}
        if term.negate:
            return [i for i, x in zip(pool, raws, strict=True) if x not in kept]
        return [i for i, x in zip(pool, raws, strict=True) if x in kept]
    get, exact = FIELDS[term.field]
    if exact:
        if term.negate:
            return [i for i in pool if get(rows[i]) != v]
        return [i for i in pool if get(rows[i]) == v]
    if term.negate:
        return [i for i in pool if v not in get(rows[i])]
    return [i for i in pool if v in get(rows[i])]


def _all_built(rows: RowList, pool: Sequence[int]) -> bool:
    """Every row of ``pool`` has its filter text built."""
    hay = rows._hay
    return hay is not None and (rows._built == len(rows) or None not in map(hay.__getitem__, pool))


def apply_terms(rows: Sequence[Row], terms: Sequence[Term], indices: Sequence[int] | None = None) -> list[int]:
    """Rows (of ``indices``, default all) that every term keeps, in the given order."""
    pool: Iterable[int] = range(len(rows)) if indices is None else indices
    if not terms:
        return list(pool)
    # whole-value fields first (code:34 keeps few rows), then words, longest first, then the other fields; the
    # negated terms last (they keep most rows): every test costs about the same, the first ones see every row
    for term in sorted(terms, key=lambda t: (t.negate, not t.exact, t.field is not None, -len(t.value))):
        pool = _apply(rows, term, pool)
    return pool  # type: ignore[return-value]


FEW_SHARE = 64  # a word's rows are few (few_rows) when at most 1 in this many rows holds it


def few_rows(rows: Sequence[Row], terms: Sequence[Term], lines: bool = True) -> list[int] | None:
    """The rows (ascending) that may hold every term, when one free word's mask (the job parts', the job lines' or
    the joined filter texts') sets few of them (at most one in :data:`FEW_SHARE`): a superset of what the terms
    keep, from which :func:`apply_terms` gives them without a look at the other rows; None when no word is so (or
    its data has not arrived). ``lines``: the job lines may be searched (a long search: not on the UI thread)."""
    if not isinstance(rows, RowList) or not rows:
        return None
    if rows._lines_future is not None:
        rows._take_lines()
    most = len(rows) // FEW_SHARE
    if lines:
        rows.check_parts()
    best: set[int] | None = None
    for term in terms:
        v = term.value
        if term.field is not None or term.negate:
            continue
        if rows._parts_word(v) or rows._blocks is not None:
            if rows._age_maybe(v):  # the masks lack the age texts: those rows too may hold it
                continue
            if rows._parts_word(v):  # (no dense work: None once more rows hold it)
                mask = rows._parts_mask(v, most)
            elif lines or v in rows._masks:  # (searched whole: a search of many rows needs it next)
                mask = rows._word_mask(v)
            else:
                continue
        elif rows._hay_blocks is not None and (lines or v in rows._hay_masks):
            mask = rows._hay_mask(v)
        else:
            continue
        hits = None if mask is None else _mask_hits(mask)
        if hits is not None and len(hits) <= most and (best is None or len(hits) < len(best)):
            best = hits
            if not best:
                break
    return None if best is None else sorted(best)


def filter_rows(rows: Sequence[Row], query: str, indices: Sequence[int] | None = None) -> list[int]:
    """Rows (of ``indices``, default all) matching every word of ``query``: text, ``!text``, ``field:value``."""
    return apply_terms(rows, parse_query(query), indices)


class QueryFilter:
    """As-you-type filter: when the new query narrows the previous one over the same rows and pool, only the
    previous result is searched (typing "purd" one key at a time searches fewer rows at every key)."""

    def __init__(self) -> None:
        self._rows: Sequence[Row] | None = None
        self._pool: Sequence[int] | None = None
        self._terms: list[Term] = []
        self._result: list[int] | None = None

    def start(
        self, rows: Sequence[Row], query: str, indices: Sequence[int] | None = None
    ) -> tuple[list[Term], Sequence[int] | None]:
        """The terms of ``query`` and the rows to search: the previous result when the query narrows it."""
        terms = parse_query(query)
        same_pool = self._pool is indices or (
            indices is not None and self._pool is not None and len(indices) == len(self._pool) and indices == self._pool
        )
        if self._result is not None and rows is self._rows and same_pool and narrows(terms, self._terms):
            return terms, self._result
        return terms, indices

    def finish(self, rows: Sequence[Row], indices: Sequence[int] | None, terms: list[Term], result: list[int]) -> None:
        """Remember a complete result, for the next keystroke to narrow."""
        self._rows, self._pool, self._terms, self._result = rows, indices, terms, result

    def __call__(self, rows: Sequence[Row], query: str, indices: Sequence[int] | None = None) -> list[int]:
        terms, base = self.start(rows, query, indices)
        result = apply_terms(rows, terms, base)
        self.finish(rows, indices, terms, result)
        return result


# a search over more rows than this waits (at most LINES_WAIT seconds) for their job lines on their way (a big dump's
# rows, just listed: the lines come ~1 s later at 100,000 jobs), rather than fill every row in from the dump
LINES_WAIT_ROWS = 5000
LINES_WAIT = 30.0
LINES_STEP = 50_000  # rows a step of a search in the job lines (every term a free word) tests


def filter_steps(
    rows: Sequence[Row], terms: Sequence[Term], pool: Sequence[int], step: int = 2000
) -> Iterator[list[int]]:
    """The rows of ``pool`` (in its order) that every term keeps, ``step`` rows at a time (the first steps
    smaller): the first screenful can be shown before the last row is searched, and a superseded search stops
    between steps. (While the filter texts are still being built a free word is searched column by column,
    without them: a step costs about what it costs with them.)"""
    if (
        isinstance(rows, RowList)
        and rows._lines_future is not None
        and len(pool) > LINES_WAIT_ROWS
        and any(t.field is None and not rows._parts_word(t.value) for t in terms)
    ):
        rows._take_lines(LINES_WAIT)  # a free word over many rows: the job lines answer it sooner than the rows
        # (unless the job parts, which came with the rows, answer it)
    if (
        isinstance(rows, RowList)
        and (rows._blocks is not None or rows._hay_blocks is not None or all(rows._parts_word(t.value) for t in terms))
        and all(t.field is None for t in terms)
    ):
        step = max(step, LINES_STEP)  # each row a byte's test (once the word's mask is made: the first step)
        if len(pool) * 16 > len(rows):  # a step is too small to ask for a word's mask (_apply, which searches
            for t in terms:  # a few rows with their texts built one by one): made here, once, for every step to read
                if rows._blocks is not None or rows._parts_word(t.value):
                    rows._word_mask(t.value)
                elif rows._hay_blocks is not None:
                    rows._hay_mask(t.value)
    start, size = 0, min(step, 250)
    while start < len(pool):
        yield apply_terms(rows, terms, pool[start : start + size])
        start, size = start + size, min(step, size * 2)


# ---------------------------------------------------------------------------------------------- sort


class SortIndex(NamedTuple):
    """Every row of a :class:`RowList` under one column, computed the first time it is sorted by: ``keys`` each
    row's sort key (``Column.sort``), ``order`` the rows with a key by key (ties by row number), ``unknown``
    the rows without one, by row number."""

    keys: list[Any]
    order: list[int]  # a list, not an array: an array of a sorted list reads each int where it lies (~90 ms at 1M)
    unknown: list[int]


# column -> (the one attribute of a row its sort key is made from, read in C; how, None: the attribute is the key)
_SORT_SOURCES: dict[str, tuple[Callable[[Row], Any], Callable[[Any], Any] | None]] = {
    "owner": (attrgetter("job.owner"), _lower_or_none),
    "site": (attrgetter("job.site"), _lower_or_none),
    "host": (attrgetter("job.last_host"), _lower_or_none),
    "verdict": (attrgetter("verdict"), lambda v: v or None),
    "cpu/wall": (attrgetter("job.cpu_total"), None),
    "efficiency": (attrgetter("job.efficiency"), None),
}


def _sort_keys(rows: Sequence[Row], column: str) -> list[Any]:
    """Every row's sort key in a column (``Column.sort``): made once per distinct value where a key is made from
    one attribute (a hold reason's, exit code's or signal's too)."""
    source = _SORT_SOURCES.get(column)
    if source is not None:
        get, make = source
        values = list(map(get, rows))
        if make is None:
            return values
        made = {v: make(v) for v in set(values)}
        return list(map(made.__getitem__, values))
    if column == "age":  # _age_key without a call per row (the listing's default column)
        return [None if since is None else -since for since in map(_SINCE, rows)]
    if column != "reason":
        sort = COLUMNS[COLUMN_INDEX[column]].sort
        return [sort(r.job, r) for r in rows]
    held: dict[str, str | None] = {}
    ended: dict[tuple[int | None, int | None], str | None] = {}
    out: list[Any] = []
    append = out.append
    for r in rows:
        job = r.job
        reason = job.hold_reason
        if reason:
            key = held.get(reason, held)
            if key is held:
                key = held[reason] = _reason_key(job, r)
        else:
            signal = job.exit_signal
            if signal is None and job.status != _COMPLETED:
                key = None  # exit_text: nothing to say of a job neither finished nor killed by a signal
            else:
                memo = (signal, job.exit_code)
                key = ended.get(memo, ended)
                if key is ended:
                    key = ended[memo] = _reason_key(job, r)
        append(key)
    return out


def _ascending(indices: Sequence[int]) -> bool:
    if isinstance(indices, range):
        return indices.step > 0
    return all(map(lt, indices, islice(indices, 1, None)))


def build_sort_index(rows: Sequence[Row], column: str) -> SortIndex:
    """The :class:`SortIndex` of ``rows`` under a column."""
    keys = _sort_keys(rows, column)
    known = _known(keys)
    unknown = list(compress(range(len(keys)), map(is_, keys, repeat(None)))) if len(known) < len(keys) else []
    known.sort(key=keys.__getitem__)
    return SortIndex(keys, known, unknown)


def _known(keys: list[Any]) -> list[int]:
    """The numbers of the keys that are not None, in order."""
    return list(compress(range(len(keys)), map(is_not, keys, repeat(None))))


def sort_indices(rows: Sequence[Row], indices: Sequence[int], column: str, reverse: bool = False) -> list[int]:
    """Indices sorted by a column (stable); unknown values last in either direction. A :class:`RowList` keeps
    every row's key and their order under a column once sorted by it (:meth:`RowList.sort_index`): listing every
    row by that column again costs a copy, a part of them or the other direction a sort of their keys."""
    if isinstance(rows, RowList) and rows:
        index = rows.sort_index(column)
        keys = index.keys
        if len(indices) == len(rows) and _ascending(indices):  # ascending, no repeats: every row
            if reverse:
                return [*rows.descending(column), *index.unknown]
            return [*index.order, *index.unknown]
        known = [i for i in indices if keys[i] is not None]
        unknown = [i for i in indices if keys[i] is None] if len(known) < len(indices) else []
        known.sort(key=keys.__getitem__, reverse=reverse)
        return known + unknown
    sort = COLUMNS[COLUMN_INDEX[column]].sort
    values = [sort(r.job, r) for r in map(rows.__getitem__, indices)]
    known = [p for p, value in enumerate(values) if value is not None]
    unknown = [indices[p] for p, value in enumerate(values) if value is None] if len(known) < len(values) else []
    known.sort(key=values.__getitem__, reverse=reverse)
    return [indices[p] for p in known] + unknown


# ---------------------------------------------------------------------------------------------- group

_PLACEHOLDERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), r)
    for p, r in (
        (r"\b[a-z][a-z0-9+.-]*://\S+", "<url>"),  # https://, root://, gsiftp:// with host, port and path
        (r"\bslot\d+(?:_\d+)?@\S+?(?=[:;,'\"\s]|$)", "<slot>"),  # slot1_3@glidein_77@e301.chtc.wisc.edu
        (r"(?<![\w/])(?:/[\w.+~=-]+){2,}/?", "<path>"),
        (r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b", "<ip>"),
        (r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)+\.[a-z]{2,}(?::\d+)?\b", "<host>"),  # at least two dots
        (r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<uuid>"),
        (r"\b\d+(?:\.\d+)?\s*(?:[kmgtp]i?b|bytes?|megabytes|gigabytes|kilobytes|mb|kb|gb)\b", "<size>"),
        (r"\b0x[0-9a-f]+\b", "<hex>"),
        (r"\d+(?:\.\d+)?", "N"),
    )
)


@lru_cache(maxsize=1 << 17)  # hold reasons repeat per host and slot: 100k jobs can hold ~20k distinct texts
def normalise_reason(text: str) -> str:
    """A hold reason with hosts, slots, paths, URLs, sizes and numbers replaced by placeholders, so one cause
    seen on many hosts, slots and memory limits reads the same."""
    for pattern, placeholder in _PLACEHOLDERS:
        text = pattern.sub(placeholder, text)
    return " ".join(text.split())


_HOLD_KEYS: dict[tuple[int | None, int | None, str | None], str] = {}


def _hold_group(r: Row) -> str:
    job = r.job
    reason = job.hold_reason
    if not reason and job.hold_code is None:
        return "(not held)"
    memo = (job.hold_code, job.hold_subcode, reason)
    key = _HOLD_KEYS.get(memo)
    if key is None:
        if len(_HOLD_KEYS) > 1 << 18:
            _HOLD_KEYS.clear()
        key = _HOLD_KEYS[memo] = f"[{_num(job.hold_code) or '?'}/{job.hold_subcode or 0}] " + normalise_reason(
            reason_text(job)
        )
    return key


def _cause(r: Row) -> str:
    """The cause's one name, as the failure summary and the job detail say it (``CODE · title``); jobs not
    diagnosed yet by what HTCondor says (``not diagnosed · held, code 34``)."""
    job = r.job
    if r.verdict:
        if r.signature or r.title:
            return safe(cause_title(r.verdict, r.signature, r.title), 200)
        detail = _hold_group(r) if job.hold_reason else exit_text(job)
        return safe(cause_title(r.verdict, None, detail), 200)
    if r.failed or r.status == _HELD:
        return cause_title(UNDIAGNOSED, None, undiagnosed_title(job))
    return "(not failed)"


GROUP_KEYS: dict[str, Callable[[Row], str]] = {
    "cause": _cause,
    "hold reason": _hold_group,
    "exit code": lambda r: exit_text(r.job) or "(no exit)",
    "site": lambda r: safe(r.job.site, 40) or "(no site)",
    "host": lambda r: safe(r.job.last_host, 80) or "(no host)",
    "owner": lambda r: safe(r.job.owner, 40) or "(no owner)",
    "batch": lambda r: safe(r.job.batch_name) or "(no batch)",
    "verdict": lambda r: safe(r.verdict) or "(no verdict)",
    "signature": lambda r: safe(r.signature) or "(no signature)",
}
GROUPINGS: tuple[str, ...] = tuple(GROUP_KEYS)


@dataclass(frozen=True, slots=True)
class Group:
    """Jobs sharing a key: the key, how many, which rows, and one real example (its reason, else its id)."""

    key: str
    count: int
    indices: list[int]
    sample: str


def group_rows(rows: Sequence[Row], indices: Sequence[int], by: str) -> list[Group]:
    """Groups of ``indices`` under a grouping (one of GROUPINGS), largest first."""
    buckets: dict[str, list[int]] = {}
    get = buckets.get
    if isinstance(rows, RowList) and (by in rows._keys or len(indices) * 4 > len(rows)):
        keys = rows.group_keys_of(by)  # every row's key, built once: a regrouping is one pass over ints
        for i in indices:
            key = keys[i]
            members = get(key)
            if members is None:
                buckets[key] = [i]
            else:
                members.append(i)
    else:
        key_of = GROUP_KEYS[by]
        for i in indices:
            key = key_of(rows[i])
            members = get(key)
            if members is None:
                buckets[key] = [i]
            else:
                members.append(i)
    groups = []
    for key, members in buckets.items():
        first = rows[members[0]]
        groups.append(Group(key, len(members), members, reason_text(first.job) or safe(first.job.display_id, 80)))
    groups.sort(key=lambda g: (-g.count, g.key))
    return groups
