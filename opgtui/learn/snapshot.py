"""The last mined templates, kept in the store (``kv``) so the Signatures view lists them at once and mines
again in the background. Each template keeps what its row shows (jobs, sites, last failure) and its jobs (id,
site, when, and the lines of the first ones) as JSON text of their own, parsed only when the template is opened."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast, overload

import orjson

from opgtui.core.model import Job, Verdict
from opgtui.learn.suggest import Suggestion, Suggestions
from opgtui.learn.templates import Template
from opgtui.learn.unknown import UnknownJob

KEY = "learn.templates"
UNKNOWN = Verdict("unknown", "look at the log", None)  # one for all kept jobs: nothing reads it here
LINES_KEPT = 20
"""Jobs of each template whose decisive line is kept (the view shows 8, the label form checks them all)."""


def save(store: Any, result: Suggestions, now: float) -> None:
    """Keep ``result`` as the last mined templates."""
    items = []
    for s in result.items:
        jobs = [[u.job.id, u.job.site, u.when, u.line if n < LINES_KEPT else None] for n, u in enumerate(s.jobs)]
        items.append({"tokens": s.template.tokens, "pattern": s.pattern, "n": len(jobs), "sites": s.sites[:3],
                      "last": s.last, "jobs": orjson.dumps(jobs).decode()})
    body = {"at": now, "items": items, "no_line": len(result.no_line), "failed": result.failed}
    store.set_kv(KEY, orjson.dumps(body).decode())


class KeptItems(Sequence[Suggestion]):
    """The kept templates, each made into a :class:`Suggestion` (its jobs and lines) only when first asked for:
    a view shows a screenful of 20,000 from :meth:`summary`, read straight from the kept JSON."""

    def __init__(self, raw: list[dict[str, Any]]) -> None:
        self.raw = raw
        self._made: dict[int, Suggestion] = {}

    def __len__(self) -> int:
        return len(self.raw)

    @overload
    def __getitem__(self, index: int) -> Suggestion: ...

    @overload
    def __getitem__(self, index: slice) -> list[Suggestion]: ...

    def __getitem__(self, index: int | slice) -> Suggestion | list[Suggestion]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self.raw)
        made = self._made.get(index)
        if made is None:
            made = self._made[index] = _suggestion(self.raw[index])
        return made

    def summary(self, index: int) -> tuple[int, str, str, list[tuple[str, int]], float]:
        """(jobs, template id, template text, sites with most jobs first, last failure) of one template."""
        item = self.raw[index]
        template = Template(list(item["tokens"]))
        try:
            if "n" in item:
                sites = [(str(name), int(n)) for name, n in item["sites"]]
                return int(item["n"]), template.id, template.text, sites, float(item["last"])
            jobs = _jobs(item)
            counted = Counter(str(j[1] or "?") for j in jobs).most_common()
            return len(jobs), template.id, template.text, counted, max((float(j[2]) for j in jobs), default=0.0)
        except (orjson.JSONDecodeError, TypeError, ValueError, IndexError):
            return 0, template.id, template.text, [], 0.0  # a damaged row: listed, mining again replaces it


@dataclass(slots=True)
class KeptSuggestions(Suggestions):
    """Suggestions read back from the store: their items are :class:`KeptItems`."""

    total: int = 0

    @property
    def jobs(self) -> int:
        return self.total


def _jobs(item: dict[str, Any]) -> list[list[Any]]:
    """A kept template's jobs (their own JSON text, or a list in a snapshot of an earlier opgtui)."""
    jobs = item["jobs"]
    return orjson.loads(jobs) if isinstance(jobs, str) else jobs


def _suggestion(item: dict[str, Any]) -> Suggestion:
    template = Template(list(item["tokens"]))
    jobs = []
    try:
        kept = [(str(jid), site, when, line) for jid, site, when, line in _jobs(item)]
    except (orjson.JSONDecodeError, TypeError, ValueError):
        kept = []  # a damaged template: listed, with no jobs to show (mining again replaces it)
    for jid, site, when, line in kept:
        jobs.append(UnknownJob(Job(jid, "", 0, 0, site=site, end_time=when), UNKNOWN, line=line))
        template.keys.append(jid)
        if line is not None:
            template.examples[jid] = line
    return Suggestion(template, jobs, item["pattern"])


def load(store: Any) -> tuple[Suggestions, float] | None:
    """The last mined templates and when they were mined, or None. Cheap: templates are made on demand."""
    raw = store.get_kv(KEY)
    if not raw:
        return None
    try:
        body = orjson.loads(raw)
        items = body["items"]
        for item in items:  # the shape, checked once here so a damaged snapshot is mined again, not shown half
            if not isinstance(item["tokens"], list) or not isinstance(item["jobs"], str | list):
                raise ValueError("not a kept template")
        none = [UnknownJob(Job("", "", 0, 0), UNKNOWN)] * int(body.get("no_line", 0))
        total = sum(int(item["n"]) if "n" in item else len(item["jobs"]) for item in items)
        kept = KeptSuggestions(cast(list[Suggestion], KeptItems(items)), none, dict(body.get("failed") or {}), total)
        return kept, float(body["at"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None  # an older or damaged snapshot: mine again
