"""The last mined templates, kept in the store (``kv``) so the Signatures view lists them at once and mines
again in the background. The kept text is one line per template under a header line, each line the JSON of what
its row shows (jobs, template, sites, last failure, pattern, example line) and its jobs (id, site, when, and the
lines of the first ones): reading it back is one split, and a line is parsed only when its row is drawn or its
template opened, so 20,000 templates open as fast as 20."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, cast, overload

import orjson

from opgtui.core.model import Job, Verdict
from opgtui.learn.suggest import Suggestion, Suggestions
from opgtui.learn.templates import Template
from opgtui.learn.unknown import UnknownJob

if TYPE_CHECKING:
    from opgtui.store import Store

KEY = "learn.templates"
VERSION = 2
UNKNOWN = Verdict("unknown", "look at the log", None)  # one for all kept jobs: nothing reads it here
LINES_KEPT = 20
"""Jobs of each template whose decisive line is kept (the view shows 8, the label form checks them all)."""


class Row(NamedTuple):
    """What a template's row and its unopened detail show."""

    jobs: int
    id: str
    text: str
    sites: list[tuple[str, int]]
    last: float
    pattern: str | None
    example: str


DAMAGED = Row(0, "?", "(a damaged kept template: mining again replaces it)", [], 0.0, None, "")


def save(store: Store, result: Suggestions, now: float) -> None:
    """Keep ``result`` as the last mined templates."""
    lines = [
        orjson.dumps(
            {
                "v": VERSION,
                "at": now,
                "count": len(result.items),
                "total": result.jobs,
                "no_line": len(result.no_line),
                "failed": result.failed,
            }
        )
    ]
    for s in result.items:
        jobs = [[u.job.id, u.job.site, u.when, u.line if n < LINES_KEPT else None] for n, u in enumerate(s.jobs)]
        lines.append(orjson.dumps([len(jobs), s.template.tokens, s.pattern, s.sites[:3], s.last, jobs]))
    store.set_kv(KEY, b"\n".join(lines).decode())  # JSON text holds no raw newline: one line per template


def row_of(items: Sequence[Suggestion], index: int) -> Row:
    """The row of template ``index``: from its kept line (not made into a Suggestion) or from the Suggestion."""
    if isinstance(items, KeptItems):
        return items.row(index)
    s = items[index]
    return Row(len(s.jobs), s.id, s.template.text, s.sites, s.last, s.pattern, s.template.example)


class KeptItems(Sequence[Suggestion]):
    """The kept templates, one JSON line each, parsed when a row is drawn (:meth:`row`) and made into a
    :class:`Suggestion` (its jobs and lines) only when the template is opened."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._made: dict[int, Suggestion] = {}

    def __len__(self) -> int:
        return len(self.lines)

    @overload
    def __getitem__(self, index: int) -> Suggestion: ...

    @overload
    def __getitem__(self, index: slice) -> list[Suggestion]: ...

    def __getitem__(self, index: int | slice) -> Suggestion | list[Suggestion]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self.lines)
        made = self._made.get(index)
        if made is None:
            made = self._made[index] = _suggestion(self._parsed(index))
        return made

    def _parsed(self, index: int) -> tuple[int, list[str], str | None, list[Any], float, list[list[Any]]] | None:
        try:
            n, tokens, pattern, sites, last, jobs = orjson.loads(self.lines[index])
            if not isinstance(tokens, list) or not isinstance(jobs, list) or not isinstance(pattern, (str, type(None))):
                return None
            return int(n), [str(t) for t in tokens], pattern, sites, float(last), jobs
        except (orjson.JSONDecodeError, TypeError, ValueError):
            return None  # a damaged line: listed as damaged, mining again replaces it

    def row(self, index: int) -> Row:
        """One template's row, read from its line."""
        parsed = self._parsed(index)
        if parsed is None:
            return DAMAGED
        n, tokens, pattern, sites, last, jobs = parsed
        template = Template(tokens)
        try:
            shown = [(str(name), int(k)) for name, k in sites]
            example = next((str(j[3]) for j in jobs[:1] if j[3] is not None), "")
        except (TypeError, ValueError, IndexError):
            return DAMAGED
        return Row(n, template.id, template.text, shown, last, pattern, example)


@dataclass(slots=True)
class KeptSuggestions(Suggestions):
    """Suggestions read back from the store: their items are :class:`KeptItems`."""

    total: int = 0

    @property
    def jobs(self) -> int:
        return self.total


def _suggestion(parsed: tuple[int, list[str], str | None, list[Any], float, list[list[Any]]] | None) -> Suggestion:
    if parsed is None:
        return Suggestion(Template([]), [], None)
    _n, tokens, pattern, _sites, _last, kept = parsed
    template = Template(tokens)
    jobs = []
    try:
        for jid, site, when, line in kept:
            if not all(isinstance(v, (t, type(None))) for v, t in ((site, str), (when, (int, float)), (line, str))):
                raise TypeError("a kept job of the wrong shape")  # the view would draw it: never a crash there
            job = Job(str(jid), "", 0, 0, site=site, end_time=when)
            jobs.append(UnknownJob(job, UNKNOWN, line=line))
            template.keys.append(job.id)
            if line is not None:
                template.examples[job.id] = line
    except (TypeError, ValueError):
        return Suggestion(Template(tokens), [], pattern)  # a damaged template: listed, with no jobs to show
    return Suggestion(template, jobs, pattern)


def load(store: Store) -> tuple[Suggestions, float] | None:
    """The last mined templates and when they were mined, or None (none kept, or kept by an earlier opgtui).
    Cheap: one split; rows are parsed as they are drawn."""
    raw = store.get_kv(KEY)
    if not raw:
        return None
    lines = raw.split("\n")
    try:
        head = orjson.loads(lines[0])
        if head.get("v") != VERSION or int(head["count"]) != len(lines) - 1:
            return None  # an older or damaged snapshot: mine again
        none = [UnknownJob(Job("", "", 0, 0), UNKNOWN)] * int(head.get("no_line", 0))
        items = cast(list[Suggestion], KeptItems(lines[1:]))
        kept = KeptSuggestions(items, none, dict(head.get("failed") or {}), int(head["total"]))
        return kept, float(head["at"])
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
        return None
