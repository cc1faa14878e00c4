"""The failure summary: failed and held jobs grouped by verdict and signature, with counts, the sites they ran
at, the outages that overlapped them and what the population of jobs says (a black-hole node, a bad site, a batch
failing everywhere: ``domain/population.py``). Pure: jobs and verdicts in, groups out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opgtui.core.model import Job, JobStatus, Verdict, Window

if TYPE_CHECKING:
    from opgtui.domain.population import Evidence, Population

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
    hint: str | None = None  # the population's word where the log had none: "probably service (node h123)"
    evidence: Counter[Evidence] = field(default_factory=Counter)  # the population's findings, jobs concerned

    @property
    def count(self) -> int:
        return len(self.job_ids)

    @property
    def name(self) -> str:
        """The cause's one name on every screen: ``CODE · FHiCL tried to ...`` (see :func:`cause_title`), and
        the population's hint when the log had no verdict of its own."""
        return cause_title(self.category, self.signature, self.title) + (f" · {self.hint}" if self.hint else "")

    @property
    def where(self) -> str:
        """Where the population points for most of this cause's jobs (``node h123``, ``batch-wide``), '' when
        it points nowhere for at least half of them."""
        if not self.evidence:
            return ""
        places: Counter[tuple[str, str]] = Counter()
        labels: dict[tuple[str, str], str] = {}
        for ev, n in self.evidence.items():
            places[place_of(ev)] += n
            labels[place_of(ev)] = ev.label
        place, n = places.most_common(1)[0]
        return labels[place] if n * 2 >= self.count else ""

    def readings(self) -> list[tuple[Evidence, int, str]]:
        """The population's findings for this cause's jobs, one per place (``node h123``: the strongest of its
        findings, in one batch or across batches), most jobs first: (finding, jobs, how it goes with the log:
        "hint", "agrees" or "disagrees")."""
        log = None if self.category in ("unknown", UNDIAGNOSED) else self.category
        places: dict[tuple[str, str], tuple[Evidence, int]] = {}
        for ev, n in self.evidence.items():
            place = place_of(ev)
            best, count = places.get(place, (ev, 0))
            places[place] = (ev if ev.p < best.p else best, count + n)
        return [
            (ev, n, "hint" if log is None else "agrees" if ev.category == log else "disagrees")
            for ev, n in sorted(places.values(), key=lambda en: (-en[1], en[0].p))
        ]

    @property
    def retryable(self) -> bool:
        """Service-caused: retrying is what the verdicts advise."""
        return self.category == "service"


def place_of(ev: Evidence) -> tuple[str, str]:
    """Where a finding points, whole: ``("node", host)``, ``("site", name)``, ``("batch", "")`` for batch-wide. Its
    label cuts the name at 60 characters, so two nodes named alike for 59 would be one place by their labels."""
    return (ev.kind, "" if ev.kind == "batch" else ev.where)


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


def cause_title(category: str, signature: str | None, title: str | None) -> str:
    """How every screen names a cause: its verdict category, then its title (the signature id when it has no
    title); ``CODE · FHiCL tried to modify a protected parameter``. The id itself is shown in the detail."""
    return f"{category.upper()} · {title or signature or '?'}"


def verdict_title(v: Verdict) -> str:
    """The title :func:`cause_title` names a verdict's cause by: its own (its signature's), else its reason (a
    verdict with no signature: ``Probably service: samweb outage during the job``), for every screen alike."""
    return v.title or v.reason


def undiagnosed_title(job: Job) -> str:
    """What HTCondor alone says of a failure not diagnosed yet: ``held, code 34``, ``killed by signal 9``,
    ``exit code 1``."""
    if job.status == JobStatus.HELD:
        return f"held, code {job.hold_code if job.hold_code is not None else '?'}"
    if job.exit_signal is not None:
        return f"killed by signal {job.exit_signal}"
    return f"exit code {job.exit_code}"


def _undiagnosed_key(job: Job) -> tuple[str, str]:
    return undiagnosed_title(job), "press d to diagnose"


GroupKey = tuple[str, str | None, str, str | None, tuple[str, str] | None]
"""(category, signature, title, the population's hint, the place it names): two places whose hints read alike
(their names cut at 60 characters) are two causes."""


def summarise(
    jobs: Sequence[Job], verdicts: Mapping[str, Verdict], population: Population | None = None
) -> list[FailureGroup]:
    """Failed and held jobs grouped by (category, signature), largest group first. With the ``population``'s
    findings (:func:`opgtui.domain.population.analyse` over the same jobs and more), the jobs of a cause the
    log could not name (unknown, undiagnosed) that a finding concerns form a group of their own with its hint
    ("probably service (node h123)"); every group counts the findings of its jobs. A verdict of the log's own
    is never changed."""
    groups: dict[GroupKey, FailureGroup] = {}
    seen_windows: dict[GroupKey, set[tuple[str, float]]] = {}
    by_job: Mapping[str, Evidence] = population.by_job if population is not None else {}
    evidence: dict[GroupKey, list[Evidence]] = {}  # counted once per group after (a finding hashes in Python)
    for job in jobs:
        if not is_failure(job):
            continue
        jid = job.id
        v = verdicts.get(jid)
        ev = by_job.get(jid) if by_job else None
        if ev is not None and (v is None or v.category == "unknown"):
            hint, place = ev.hint, place_of(ev)
        else:
            hint = place = None
        if v is None:
            title, action = _undiagnosed_key(job)
            key: GroupKey = (UNDIAGNOSED, None, title, hint, place)
            group = groups.get(key) or groups.setdefault(key, FailureGroup(UNDIAGNOSED, action, None, title, hint=hint))
        else:
            key = (v.category, v.signature, verdict_title(v) if v.signature is None else "", hint, place)
            group = groups.get(key) or groups.setdefault(
                key, FailureGroup(v.category, v.action, v.signature, verdict_title(v), hint=hint)
            )
            group.confident += v.confidence == "confident"
            seen = seen_windows.setdefault(key, set())
            for w in v.windows:
                if (w.service, w.start) not in seen:
                    seen.add((w.service, w.start))
                    group.windows.append(w)
        group.job_ids.append(jid)
        group.held += job.status == JobStatus.HELD
        group.sites[job.site or "?"] += 1
        if ev is not None:
            found = evidence.get(key)
            if found is None:
                evidence[key] = [ev]
            else:
                found.append(ev)
    for key, found in evidence.items():
        groups[key].evidence.update(found)
    out = list(groups.values())
    for g in out:
        g.windows.sort(key=lambda w: w.start)
    out.sort(key=lambda g: (-g.count, g.category, g.signature or g.title, g.hint or ""))
    return out


def sites_text(sites: Counter[str], limit: int = 3) -> str:
    """``FNAL 40, Purdue 12 +3 more``: the sites with most jobs first."""
    top = sites.most_common(limit)
    more = len(sites) - len(top)
    return ", ".join(f"{s} {n}" for s, n in top) + (f" +{more} more" if more > 0 else "")


# ---------------------------------------------------------------- what a bulk action does to each cause

# What each bulk action does to jobs of each verdict category: (what the shifter is told, whether it goes
# against the verdict's advice). "retry" also stands for release: a released job runs again as it was.
_OUTCOMES: dict[str, dict[str, tuple[str, bool]]] = {
    "retry": {
        "service": ("the verdict says retry", False),
        "code": ("retrying will fail again (D retries with debug settings)", True),
        "resource": ("retrying as is will fail again (M gives it more memory)", True),
        "unknown": ("cause unknown: retrying may fail again", True),
        UNDIAGNOSED: ("not diagnosed (d): retrying may fail again", True),
    },
    "debug": {
        "service": ("a service problem: a plain retry (T) is enough", False),
        "code": ("the verdict says debug", False),
        "resource": ("a resource problem: debug settings will not fix it (M)", True),
        "unknown": ("cause unknown: debugging may help", False),
        UNDIAGNOSED: ("not diagnosed (d)", False),
    },
    "bigger": {
        "service": ("a service problem: more memory will not help (T)", True),
        "code": ("more memory will not fix a code problem (D)", True),
        "resource": ("the verdict says more memory", False),
        "unknown": ("cause unknown: more memory may not help", True),
        UNDIAGNOSED: ("not diagnosed (d): more memory may not help", True),
    },
}
BULK_KINDS = {"retry": "retry", "release": "retry", "debug": "debug", "bigger": "bigger"}


@dataclass(frozen=True, slots=True)
class CauseCount:
    """How many of an action's jobs share one cause."""

    category: str
    signature: str | None
    advice: str  # the verdict's action ("retry", "debug", ...)
    count: int


def cause_counts(job_ids: Sequence[str], verdicts: Mapping[str, Verdict]) -> list[CauseCount]:
    """The causes of these jobs (verdict category and signature), largest first; jobs with no verdict count
    as undiagnosed."""
    counts: Counter[tuple[str, str | None, str]] = Counter()
    for jid in job_ids:
        v = verdicts.get(jid)
        counts[(UNDIAGNOSED, None, "diagnose (d)") if v is None else (v.category, v.signature, v.action)] += 1
    return [
        CauseCount(c, s, a, n)
        for (c, s, a), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1] or ""))
    ]


def cause_line(action: str, cause: CauseCount) -> tuple[str, bool]:
    """``60 jobs · CODE · fhicl_protection_violation: retrying will fail again`` for ``action`` (retry,
    release, debug, bigger, hold, remove), and whether the action goes against the verdict."""
    what = "not diagnosed" if cause.category == UNDIAGNOSED else cause.category.upper()
    head = f"{cause.count:,} job{'s' if cause.count != 1 else ''} · {what}"
    if cause.signature:
        head += f" · {cause.signature}"
    table = _OUTCOMES.get(BULK_KINDS.get(action, ""))
    if table is None:  # hold, remove: no outcome to foresee; say what the verdict advises
        return head + ("" if cause.category == UNDIAGNOSED else f": the verdict says {cause.advice}"), False
    told, against = table.get(cause.category, table["unknown"])
    return f"{head}: {told}", against
