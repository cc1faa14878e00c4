"""Templates of the unknown failures, as a shifter reads them: jobs affected, an example line, the sites, the time
range and a proposed pattern. Pure (the jobs come from ``unknown.gather``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from opgtui.learn.patterns import propose
from opgtui.learn.templates import Template, mine
from opgtui.learn.unknown import UnknownJob


@dataclass(slots=True)
class Suggestion:
    """One template of unknown failures."""

    template: Template
    jobs: list[UnknownJob]
    pattern: str | None

    @property
    def id(self) -> str:
        return self.template.id

    @property
    def sites(self) -> list[tuple[str, int]]:
        return Counter(j.job.site or "?" for j in self.jobs).most_common()

    @property
    def first(self) -> float:
        return min(j.when for j in self.jobs)

    @property
    def last(self) -> float:
        return max(j.when for j in self.jobs)


@dataclass(slots=True)
class Suggestions:
    """The templates (most jobs first), the jobs with no line to group, the jobs the miner could not take."""

    items: list[Suggestion]
    no_line: list[UnknownJob] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def jobs(self) -> int:
        return sum(len(s.jobs) for s in self.items)

    def find(self, key: str) -> Suggestion | None:
        """The template with this id, or the one holding this job id."""
        for s in self.items:
            if s.id == key or any(j.job.id == key for j in s.jobs):
                return s
        return None


def suggest(unknown: Sequence[UnknownJob]) -> Suggestions:
    """Group the unknown failures by the template of their decisive line."""
    by_id = {u.job.id: u for u in unknown}
    with_line = [u for u in unknown if u.line]
    mined = mine((u.job.id, u.line or "") for u in with_line)
    items = [Suggestion(t, [by_id[k] for k in t.keys], propose(t.text)) for t in mined.templates]
    return Suggestions(items, [u for u in unknown if not u.line], mined.failed)


def suggestion_json(s: Suggestion, max_jobs: int = 50) -> dict[str, Any]:
    """One template as the ``--json`` output shows it."""
    return {
        "id": s.id,
        "template": s.template.text,
        "jobs": len(s.jobs),
        "job_ids": [j.job.id for j in s.jobs[:max_jobs]],
        "example": s.template.example,
        "example_job": s.template.keys[0] if s.template.keys else None,
        "sites": dict(s.sites),
        "first": s.first,
        "last": s.last,
        "pattern": s.pattern,
    }


def suggestions_json(result: Suggestions, since: float | None) -> dict[str, Any]:
    """The ``opgtui signatures suggest --json`` object."""
    return {
        "since": since,
        "unknown_jobs": result.jobs + len(result.no_line) + len(result.failed),
        "templates": [suggestion_json(s) for s in result.items],
        "no_line": [u.job.id for u in result.no_line],
        "not_mined": result.failed,
    }
