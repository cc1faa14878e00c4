"""The failure summary: failed and held jobs grouped by verdict and signature, with counts, the sites they ran
at and the outages that overlapped them. Pure: jobs and verdicts in, groups out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from opgtui.model import Job, JobStatus, Verdict, Window

UNDIAGNOSED = "undiagnosed"
RANGES: tuple[tuple[str, float | None], ...] = (("all", None), ("24h", 86400.0), ("6h", 21600.0), ("7d", 604800.0))


@dataclass(slots=True)
class FailureGroup:
    """Jobs that failed for the same reason, as the verdicts say (or, undiagnosed, the same hold code/exit)."""

    category: str
    action: str
    signature: str | None
    title: str
    job_ids: list[str] = field(default_factory=list)
    sites: Counter[str] = field(default_factory=Counter)
    windows: list[Window] = field(default_factory=list)
    held: int = 0
    confident: int = 0

    @property
    def count(self) -> int:
        return len(self.job_ids)

    @property
    def retryable(self) -> bool:
        """Service-caused: retrying is what the verdicts advise."""
        return self.category == "service"


def is_failure(job: Job) -> bool:
    return job.status == JobStatus.HELD or job.failed


def ended_at(job: Job) -> float | None:
    """When the job failed or was held: its end, else when it entered its current status."""
    return job.end_time if job.end_time is not None else job.status_since


def in_range(jobs: Sequence[Job], seconds: float | None, now: float) -> list[Job]:
    """The failures that ended within the last ``seconds`` (all of them when None)."""
    if seconds is None:
        return [j for j in jobs if is_failure(j)]
    cutoff = now - seconds
    return [j for j in jobs if is_failure(j) and (t := ended_at(j)) is not None and t >= cutoff]


def _undiagnosed_key(job: Job) -> tuple[str, str]:
    if job.status == JobStatus.HELD:
        return f"held, code {job.hold_code if job.hold_code is not None else '?'}", "press d to diagnose"
    if job.exit_signal is not None:
        return f"killed by signal {job.exit_signal}", "press d to diagnose"
    return f"exit code {job.exit_code}", "press d to diagnose"


def summarise(jobs: Sequence[Job], verdicts: Mapping[str, Verdict]) -> list[FailureGroup]:
    """Failed and held jobs grouped by (category, signature), largest group first."""
    groups: dict[tuple[str, str | None, str], FailureGroup] = {}
    seen_windows: dict[tuple[str, str | None, str], set[tuple[str, float]]] = {}
    for job in jobs:
        if not is_failure(job):
            continue
        v = verdicts.get(job.id)
        if v is None:
            title, action = _undiagnosed_key(job)
            key: tuple[str, str | None, str] = (UNDIAGNOSED, None, title)
            group = groups.get(key) or groups.setdefault(key, FailureGroup(UNDIAGNOSED, action, None, title))
        else:
            key = (v.category, v.signature, v.title if v.signature is None else "")
            group = groups.get(key) or groups.setdefault(
                key, FailureGroup(v.category, v.action, v.signature, v.title or v.reason))
            group.confident += v.confidence == "confident"
            seen = seen_windows.setdefault(key, set())
            for w in v.windows:
                if (w.service, w.start) not in seen:
                    seen.add((w.service, w.start))
                    group.windows.append(w)
        group.job_ids.append(job.id)
        group.held += job.status == JobStatus.HELD
        group.sites[job.site or "?"] += 1
    out = list(groups.values())
    for g in out:
        g.windows.sort(key=lambda w: w.start)
    out.sort(key=lambda g: (-g.count, g.category, g.signature or g.title))
    return out


def sites_text(sites: Counter[str], limit: int = 3) -> str:
    """``FNAL 40, Purdue 12 +3 more``: the sites with most jobs first."""
    top = sites.most_common(limit)
    more = len(sites) - len(top)
    return ", ".join(f"{s} {n}" for s, n in top) + (f" +{more} more" if more > 0 else "")
