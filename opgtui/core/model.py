"""Domain records shared by sources, store, diagnosis and views.

Plain dataclasses with slots and no I/O. Times are UTC epoch seconds (float or int); ``None`` means
"not known" and is never replaced by an invented value.
"""

from __future__ import annotations

from _thread import allocate_lock
from dataclasses import dataclass, field, fields, make_dataclass
from enum import IntEnum
from typing import Any, Literal

Category = Literal["service", "code", "resource", "unknown"]
CATEGORIES: tuple[Category, ...] = ("service", "code", "resource", "unknown")

ServiceStateName = Literal["up", "degraded", "down", "maintenance", "unknown"]
SERVICE_STATES: tuple[ServiceStateName, ...] = ("up", "degraded", "down", "maintenance", "unknown")

WindowKind = Literal["outage", "maintenance"]


class JobStatus(IntEnum):
    """HTCondor's JobStatus codes."""

    IDLE = 1
    RUNNING = 2
    REMOVED = 3
    COMPLETED = 4
    HELD = 5
    TRANSFERRING_OUTPUT = 6
    SUSPENDED = 7

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


def is_failed(status: int | None, exit_code: int | None, exit_signal: int | None) -> bool:
    """The one definition of a failed job: it completed with a non-zero exit code or was killed by a signal. A held
    or removed job is not failed (the failure views show failed or held jobs)."""
    return status == JobStatus.COMPLETED and (bool(exit_code) or exit_signal is not None)


_STATUS_LABELS = {
    JobStatus.IDLE: "idle",
    JobStatus.RUNNING: "running",
    JobStatus.REMOVED: "removed",
    JobStatus.COMPLETED: "completed",
    JobStatus.HELD: "held",
    JobStatus.TRANSFERRING_OUTPUT: "transferring",
    JobStatus.SUSPENDED: "suspended",
}


def status_label(code: int | None) -> str:
    """Human label of a JobStatus code ('?' when unknown)."""
    try:
        return JobStatus(code).label  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return "?"


class JobFacts:
    """What a job's fields tell (status label, CPU, efficiency, failed, the id shown), for :class:`Job` and
    :class:`JobBrief` alike."""

    __slots__ = ()
    status: int | None
    exit_code: int | None
    exit_signal: int | None
    cpu_user: float | None
    cpu_sys: float | None
    wall: float | None
    request_cpus: int | None
    jobsub_id: str | None
    cluster: int
    proc: int
    schedd: str

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def cpu_total(self) -> float | None:
        if self.cpu_user is None and self.cpu_sys is None:
            return None
        return (self.cpu_user or 0.0) + (self.cpu_sys or 0.0)

    @property
    def efficiency(self) -> float | None:
        """CPU efficiency = (user+sys CPU) / (wall x RequestCpus); None when any part is unknown."""
        cpu = self.cpu_total
        if cpu is None or not self.wall:
            return None
        return cpu / (self.wall * (self.request_cpus or 1))

    @property
    def failed(self) -> bool:
        """Finished with a non-zero exit code or by a signal (:func:`is_failed`)."""
        return is_failed(self.status, self.exit_code, self.exit_signal)

    @property
    def display_id(self) -> str:
        """JobsubJobId when the ad has one, else ``cluster.proc@schedd`` (the part that differs first)."""
        return self.jobsub_id or f"{self.cluster}.{self.proc}@{self.schedd}"


@dataclass(slots=True)
class Job(JobFacts):
    """One HTCondor job, normalised from a ClassAd or an event log.

    ``id`` is ``schedd#cluster.proc``. Every other field is optional: absent in the ad means ``None``.
    """

    id: str
    schedd: str
    cluster: int
    proc: int
    jobsub_id: str | None = None
    owner: str | None = None
    experiment: str | None = None
    batch_name: str | None = None
    status: int | None = None
    status_since: float | None = None
    hold_reason: str | None = None
    hold_code: int | None = None
    hold_subcode: int | None = None
    exit_code: int | None = None
    exit_signal: int | None = None
    last_host: str | None = None
    site: str | None = None
    cpu_model: str | None = None
    submit_time: float | None = None
    start_time: float | None = None
    end_time: float | None = None
    cpu_user: float | None = None
    cpu_sys: float | None = None
    wall: float | None = None
    request_cpus: int | None = None
    memory_request_mb: float | None = None
    memory_used_mb: float | None = None
    disk_request_kb: float | None = None
    disk_used_kb: float | None = None
    num_starts: int | None = None
    bytes_in: float | None = None
    bytes_out: float | None = None
    files_in: int | None = None
    files_out: int | None = None
    iwd: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    userlog: str | None = None
    cmd: str | None = None
    args: str | None = None
    source: str | None = None  # where the record came from: schedd name, dump path, event log path
    updated: float | None = None  # when the source last told us about this job


_BRIEF_FIELDS = (
    "id",
    "schedd",
    "cluster",
    "proc",
    "jobsub_id",
    "owner",
    "experiment",
    "batch_name",
    "status",
    "status_since",
    "hold_reason",
    "hold_code",
    "hold_subcode",
    "exit_code",
    "exit_signal",
    "last_host",
    "site",
    "cpu_user",
    "cpu_sys",
    "wall",
    "request_cpus",
)
_BRIEF_DOC = """The part of a :class:`Job` the job list shows, filters, sorts and groups by (Job's fields of those
names): read from a dump for every job at once, while the whole record is normalised only when one is needed (the
detail, diagnosis, the store). Each field holds what the Job's field holds for the same ad."""
_brief_lock = allocate_lock()


def __getattr__(name: str) -> Any:
    """``JobBrief`` is made when first imported: only the job list and the dump readers use it, and making it costs
    every small verb's start-up a few milliseconds (PEP 562)."""
    if name != "JobBrief":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _brief_lock:  # one class, whichever thread asks first
        brief = globals().get("JobBrief")
        if brief is None:
            fields_ = [(f.name, f.type, f) for f in fields(Job) if f.name in _BRIEF_FIELDS]
            brief = make_dataclass(
                "JobBrief", fields_, bases=(JobFacts,), slots=True, namespace={"__doc__": _BRIEF_DOC}
            )
            brief.__module__ = __name__
            globals()["JobBrief"] = brief
    return brief


@dataclass(slots=True)
class JobEvent:
    """One event from a job event log (submit, execute, held, terminated, ...)."""

    job_id: str
    time: float
    type: str
    detail: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ServiceState:
    """The current state of one canonical service as one feed reports it."""

    service: str
    state: ServiceStateName
    since: float | None
    source: str
    detail: str = ""
    fetched: float | None = None


@dataclass(slots=True)
class Window:
    """An outage or maintenance window of a service; ``end`` None means still open / open-ended."""

    service: str
    kind: WindowKind
    start: float
    end: float | None
    source: str
    severity: str = ""
    description: str = ""
    ext_id: str = ""  # the feed's own id (alert fingerprint, downtime id) for de-duplication

    def overlaps(self, start: float, end: float | None, now: float) -> bool:
        """True when this window intersects [start, end] (an open end means ``now``)."""
        w_end = self.end if self.end is not None else now
        j_end = end if end is not None else now
        return self.start <= j_end and start <= w_end


@dataclass(slots=True)
class Announcement:
    """A message for the team shown on every screen while current."""

    text: str
    level: Literal["info", "warning", "critical"] = "info"
    author: str = ""
    start: float | None = None
    until: float | None = None
    id: int | None = None
    created: float | None = None


@dataclass(slots=True)
class Signature:
    """One known error signature from a classifier pack."""

    id: str
    pattern: str
    category: Category
    action: str
    title: str
    service: str | None = None
    priority: int = 0
    pack: str = ""


@dataclass(slots=True)
class Finding:
    """A signature (or rule) that matched, with the line that shows it."""

    signature: str
    category: Category
    action: str
    title: str
    line: int | None = None  # 1-based line number in the tail; None for rule findings (hold code, exit code)
    text: str = ""
    service: str | None = None
    priority: int = 0


@dataclass(slots=True)
class Verdict:
    """What went wrong with a job and what to do about it."""

    category: Category
    action: str
    signature: str | None
    title: str = ""
    evidence: list[Finding] = field(default_factory=list)
    confidence: Literal["confident", "probable", "none"] = "none"
    reason: str = ""
    windows: list[Window] = field(default_factory=list)


@dataclass(slots=True)
class ProductionRequest:
    """A production request; ``fields`` holds the form's values by name."""

    experiment: str
    title: str
    requester: str
    status: str = "draft"
    priority: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    version: int = 1
    created: float | None = None
    updated: float | None = None
