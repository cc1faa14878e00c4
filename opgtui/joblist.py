"""The job list's pure logic: columns, immutable display rows, filter, sort and group. No Textual import.

Rows are built once per refresh (display strings precomputed and cleaned); filter, sort and group then
work on lists of row indices, so a keystroke on 100,000 jobs costs milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opgtui.model import Job, JobStatus
from opgtui.textsafe import one_line
from opgtui.timefmt import span

_ERROR_FROM = re.compile(r"^Error from \S+: ")
_SIGNALS = {6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM", 7: "SIGBUS", 8: "SIGFPE"}


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    width: int
    priority: int  # lower is kept first when the terminal is narrow
    align_right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("status", "St", 5, 0),
    Column("id", "Job", 22, 0),
    Column("owner", "Owner", 9, 3),
    Column("site", "Site", 12, 1),
    Column("host", "Host", 18, 4),
    Column("reason", "Hold / exit reason", 30, 0),
    Column("verdict", "Verdict", 8, 1),
    Column("cpu/wall", "CPU/Wall", 11, 2, True),
    Column("efficiency", "Eff", 4, 2, True),
    Column("age", "Age", 5, 1, True),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
_STATUS_SHORT = {1: "idle", 2: "run", 3: "rm", 4: "done", 5: "held", 6: "xfer", 7: "susp"}


def reason_text(job: Job) -> str:
    """Hold reason, else 'exit N' / 'signal N (SIGKILL)', else ''."""
    if job.hold_reason:  # the slot and host have their own column: lead with what happened
        return one_line(_ERROR_FROM.sub("", job.hold_reason, count=1), 300)
    if job.exit_signal is not None:
        name = _SIGNALS.get(job.exit_signal)
        return f"signal {job.exit_signal}" + (f" ({name})" if name else "")
    if job.exit_code is not None and job.status == JobStatus.COMPLETED:
        return f"exit {job.exit_code}"
    return ""


class Row:
    """One job as the table shows it. Built in microseconds; the display cells, sort keys, filter text and
    group keys are computed together on first use (the table needs them only for visible rows, the filter
    for all: the Jobs view computes them in the background after the first paint)."""

    __slots__ = ("_cells", "_fields", "_groups", "_hay", "_keys", "failed", "job", "job_id", "now", "signature",
                 "status", "verdict")

    def __init__(self, job: Job, verdict: str = "", signature: str = "", now: float = 0.0) -> None:
        self.job, self.verdict, self.signature, self.now = job, verdict, signature, now
        self.job_id, self.status, self.failed = job.id, job.status, job.failed
        self._cells: tuple[str, ...] | None = None

    @property
    def hold_code(self) -> int | None:
        return self.job.hold_code

    @property
    def exit_code(self) -> int | None:
        return self.job.exit_code

    @property
    def cells(self) -> tuple[str, ...]:
        """Display strings in COLUMNS order, already clean."""
        if self._cells is None:
            _fill(self)
        return self._cells  # type: ignore[return-value]

    @property
    def keys(self) -> tuple[Any, ...]:
        """Sort keys in COLUMNS order; None sorts last."""
        if self._cells is None:
            _fill(self)
        return self._keys

    @property
    def haystack(self) -> str:
        """Lowercase text the as-you-type filter searches."""
        if self._cells is None:
            _fill(self)
        return self._hay

    @property
    def fields(self) -> Mapping[str, str]:
        """``field:value`` filter targets, lowercase."""
        if self._cells is None:
            _fill(self)
        return self._fields

    @property
    def group_keys(self) -> Mapping[str, str]:
        if self._cells is None:
            _fill(self)
        return self._groups


def _status_cell(job: Job) -> str:
    if job.failed:
        return "fail"
    return _STATUS_SHORT.get(job.status or 0, "?")


def _normalise_reason(text: str) -> str:
    """Hold reasons of one cause from different hosts, slots, sizes and paths read the same."""
    t = re.sub(r"\bslot\d+(_\d+)?@[\w.@-]+", "<slot>", text)
    t = re.sub(r"\b[\w-]+(\.[\w-]+)+\.(edu|gov|org|com|net|ch|uk|de|it|fr)\b", "<host>", t)
    t = re.sub(r"(/[\w.+-]+){2,}/?", "<path>", t)
    t = re.sub(r"\d+(\.\d+)?", "N", t)
    return t.strip()


def _fill(row: Row) -> None:
    """Compute a row's display cells, sort keys, filter text and group keys."""
    job, verdict, signature, now = row.job, row.verdict, row.signature, row.now
    eff = job.efficiency
    cpu = job.cpu_total
    age = now - job.status_since if job.status_since else None
    cells = (
        _status_cell(job),
        one_line(job.display_id, 60),
        one_line(job.owner, 30),
        one_line(job.site, 40),
        one_line(job.last_host, 60),
        reason_text(job),
        verdict,
        f"{span(cpu)}/{span(job.wall)}" if cpu is not None or job.wall is not None else "",
        f"{eff:.0%}" if eff is not None else "",
        span(age) if age is not None else "",
    )
    keys = (cells[0], job.display_id, job.owner, job.site, job.last_host, cells[5], verdict or None, cpu, eff,
            -(job.status_since or 0) if job.status_since else None)
    exit_text = ("signal " + str(job.exit_signal)) if job.exit_signal is not None else (
        f"exit {job.exit_code}" if job.exit_code is not None and job.status == JobStatus.COMPLETED else "")
    fields = {
        "owner": (job.owner or "").lower(), "site": (job.site or "").lower(), "host": (job.last_host or "").lower(),
        "batch": (job.batch_name or "").lower(), "status": cells[0], "code": str(job.hold_code or ""),
        "exit": str(job.exit_code if job.exit_code is not None else job.exit_signal or ""),
        "verdict": verdict.lower(), "exp": (job.experiment or "").lower(), "sig": signature.lower(),
    }
    hold_group = ""
    if job.hold_reason:
        hold_group = f"[{job.hold_code}/{job.hold_subcode or 0}] " + _normalise_reason(cells[5])
    cause = hold_group or exit_text or ""
    groups = {
        "cause": f"{verdict or 'no verdict'} · {signature or cause or '(no signature)'}",
        "hold reason": hold_group or "(not held)", "exit code": exit_text or "(no exit)",
        "site": job.site or "(no site)", "host": job.last_host or "(no host)", "owner": job.owner or "(no owner)",
        "batch": job.batch_name or "(no batch)", "verdict": verdict or "(no verdict)",
        "signature": signature or "(no signature)",
    }
    hay = " ".join((*cells, job.id, job.batch_name or "", job.experiment or "", job.cpu_model or "", signature))
    row._cells, row._keys, row._hay, row._fields, row._groups = cells, keys, hay.lower(), fields, groups


def build_rows(jobs: Sequence[Job], verdicts: Mapping[str, str] | None = None, *, now: float,
               signatures: Mapping[str, str] | None = None) -> list[Row]:
    """Rows for every job, with its verdict category and signature when known."""
    v = verdicts or {}
    s = signatures or {}
    return [Row(j, v.get(j.id, ""), s.get(j.id, ""), now) for j in jobs]


def warm(rows: Sequence[Row]) -> None:
    """Compute every row's derived values now (in a worker), so the first filter keystroke is fast."""
    for r in rows:
        if r._cells is None:
            _fill(r)


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
    test = QUICK_FILTERS[name]
    return [i for i, r in enumerate(rows) if test(r)]


def _term_test(term: str) -> Callable[[Row], bool]:
    negate = term.startswith("!")
    term = term.lstrip("!")
    if ":" in term:
        name, _, value = term.partition(":")
        if name in ("owner", "site", "host", "batch", "status", "code", "exit", "verdict", "exp", "sig"):
            exact = name in ("code", "exit")
            if exact:
                return (lambda r: r.fields[name] != value) if negate else (lambda r: r.fields[name] == value)
            return (lambda r: value not in r.fields[name]) if negate else (lambda r: value in r.fields[name])
    return (lambda r: term not in r.haystack) if negate else (lambda r: term in r.haystack)


def filter_rows(rows: Sequence[Row], query: str, indices: Sequence[int] | None = None) -> list[int]:
    """Rows (of ``indices``, default all) matching every word of ``query``: text, ``!text``, ``field:value``."""
    terms = [t for t in query.lower().split() if t not in ("!", "")]
    pool = range(len(rows)) if indices is None else indices
    if not terms:
        return list(pool)
    tests = [_term_test(t) for t in terms]
    if len(tests) == 1 and ":" not in terms[0] and not terms[0].startswith("!"):
        term = terms[0]  # the common case, kept tight
        return [i for i in pool if term in rows[i].haystack]
    return [i for i in pool if all(t(rows[i]) for t in tests)]


def sort_indices(rows: Sequence[Row], indices: Sequence[int], column: str, reverse: bool = False) -> list[int]:
    """Indices sorted by a column; unknown values last in either direction."""
    k = COLUMN_KEYS.index(column)
    known = [i for i in indices if rows[i].keys[k] is not None]
    unknown = [i for i in indices if rows[i].keys[k] is None]
    known.sort(key=lambda i: rows[i].keys[k], reverse=reverse)
    return known + unknown


@dataclass(frozen=True, slots=True)
class Group:
    """Jobs sharing a cause: the key, how many, which rows, and one real example."""

    key: str
    count: int
    indices: list[int]
    sample: str


GROUPINGS = ("cause", "hold reason", "exit code", "site", "host", "owner", "batch", "verdict", "signature")


def group_rows(rows: Sequence[Row], indices: Sequence[int], by: str) -> list[Group]:
    """Groups of ``indices`` by a grouping, largest first."""
    buckets: dict[str, list[int]] = {}
    for i in indices:
        buckets.setdefault(rows[i].group_keys[by], []).append(i)
    groups = [Group(key, len(members), members, rows[members[0]].cells[5]) for key, members in buckets.items()]
    groups.sort(key=lambda g: (-g.count, g.key))
    return groups
