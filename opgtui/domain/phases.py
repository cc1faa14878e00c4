"""Job phases from ``opg-phase`` markers: the lines in a job's log and the ``ChirpOpgPhases`` attribute in its ad.

Parsing and pairing are pure functions; :func:`sync_from_ads` and :func:`record_from_log` write the store's
``job_phases`` table (one row per phase: name, start, end, CPU seconds used in it, status, where it came from).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from opgtui.domain.opg_phase import NAME_RE, PREFIX

_MARKER = re.compile(
    re.escape(PREFIX) + r" (start|end) name=(" + NAME_RE.pattern + r") t=(\d+(?:\.\d*)?)"
    r"(?: cpu=(\d+(?:\.\d*)?))?(?: status=(-?\d+))?(?:\s|$)"
)
_MAX_EVENTS = 1000  # per job: a log that prints more markers than this is not using them as meant
_LATEST = 253402300799.0  # 9999-12-31T23:59:59Z, the bound of every time read (sources/feeds/base.LATEST)
_STATUS = 1 << 31  # an exit status is a small int; a longer one would not fit the store


@dataclass(frozen=True, slots=True)
class PhaseEvent:
    """One boundary: ``start`` or ``end`` of a named phase at time ``t``, with the job's CPU seconds so far."""

    verb: str
    name: str
    t: float
    cpu: float | None = None
    status: int | None = None


@dataclass(frozen=True, slots=True)
class Phase:
    """A phase of a job: wall and CPU seconds when both of its ends are known."""

    name: str
    start: float | None
    end: float | None
    cpu: float | None
    status: int | None
    source: str

    @property
    def wall(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return max(self.end - self.start, 0.0)


def _event(verb: str, name: str, t: float, cpu: float | None, status: int | None) -> PhaseEvent | None:
    """The event, if the job said it at a time the calendar holds (1970 to 9999); a CPU time that is no number of
    seconds (NaN, inf, negative) or a status beyond 32 bits is dropped. The markers and ChirpOpgPhases are the
    job's own text: a value out of range is never stored."""
    if not 0.0 <= t <= _LATEST:  # NaN fails too
        return None
    if cpu is not None and not 0.0 <= cpu < float("inf"):
        cpu = None
    if status is not None and not -_STATUS <= status < _STATUS:
        status = None
    return PhaseEvent(verb, name, t, cpu, status)


def parse_marker(line: str) -> PhaseEvent | None:
    """The event of one ``opg-phase:`` marker line (anywhere in the line), or None."""
    if PREFIX not in line:
        return None
    m = _MARKER.search(line)
    if m is None:
        return None
    try:
        status = int(m[5]) if m[5] else None
    except ValueError:  # more digits than int() reads
        return None
    return _event(m[1], m[2], float(m[3]), float(m[4]) if m[4] else None, status)


def parse_log(lines: Iterable[str]) -> list[PhaseEvent]:
    """Every marker in a log, in order (at most 1000)."""
    out: list[PhaseEvent] = []
    for line in lines:
        ev = parse_marker(line)
        if ev is not None:
            out.append(ev)
            if len(out) >= _MAX_EVENTS:
                break
    return out


def parse_chirp(value: Any) -> list[PhaseEvent]:
    """The events of a ``ChirpOpgPhases`` value (``verb,name,t,cpu[,status];...``); bad pieces are skipped, and
    so are times out of range (1e13, 1e400, nan)."""
    if not isinstance(value, str):
        return []
    out: list[PhaseEvent] = []
    for piece in value.split(";")[:_MAX_EVENTS]:
        f = piece.strip().split(",")
        if len(f) < 3 or f[0] not in ("start", "end") or not NAME_RE.fullmatch(f[1]):
            continue
        try:
            t = float(f[2])
            cpu = float(f[3]) if len(f) > 3 and f[3] else None
            status = int(f[4]) if len(f) > 4 and f[4] else None
        except ValueError:
            continue
        ev = _event(f[0], f[1], t, cpu, status)
        if ev is not None:
            out.append(ev)
    return out


def pair(events: Sequence[PhaseEvent], source: str) -> list[Phase]:
    """Phases from boundaries: an ``end`` closes the latest open phase of its name (phases may nest);
    an ``end`` with no ``start`` keeps an unknown start; a phase still open has no end."""
    phases: list[list[Any]] = []  # [name, start, end, cpu_start, cpu_end, status]
    open_at: dict[str, list[int]] = {}
    for ev in sorted(events, key=lambda e: e.t):
        if ev.verb == "start":
            open_at.setdefault(ev.name, []).append(len(phases))
            phases.append([ev.name, ev.t, None, ev.cpu, None, None])
        else:
            stack = open_at.get(ev.name)
            if stack:
                p = phases[stack.pop()]
                p[2], p[4], p[5] = ev.t, ev.cpu, ev.status
            else:
                phases.append([ev.name, None, ev.t, None, ev.cpu, ev.status])
    out = []
    for name, start, end, c0, c1, status in phases:
        cpu = max(c1 - c0, 0.0) if c0 is not None and c1 is not None else None
        out.append(Phase(name, start, end, cpu, status, source))
    return out


def phases_from_ad(ad: Mapping[str, Any] | None) -> list[Phase]:
    """The phases a (running or finished) job chirped into its ad."""
    return pair(parse_chirp((ad or {}).get("ChirpOpgPhases")), "ad")


def stage_of(name: str, stages: Mapping[str, Sequence[str]]) -> str:
    """The configured stage a phase name belongs to (fnmatch patterns, first match), else the name itself."""
    for stage, patterns in stages.items():
        if any(fnmatch.fnmatchcase(name, p) for p in patterns):
            return stage
    return name


# ---------------------------------------------------------------------------- store

PhaseRow = tuple[int, str, float | None, float | None, float | None, int | None, str]
"""A phase as the store keeps it: (seq, name, start, end, cpu, status, source)."""
StoredPhase = tuple[str, float | None, float | None, float | None, int | None, str]
"""A phase as the store gives it back: (name, start, end, cpu, status, source)."""


class PhaseStore(Protocol):
    """What phases need of a store (``opgtui.store.Store`` is one; ``domain/`` may not import the store)."""

    def pending_chirped_phases(self) -> list[tuple[str, str]]: ...

    def save_chirped_phases(self, parsed: Iterable[tuple[str, Sequence[PhaseRow]]]) -> None: ...

    def phase_rows(self, job_id: str) -> list[StoredPhase]: ...

    def job_ad(self, job_id: str) -> Mapping[str, Any] | None: ...


def as_rows(phases: Sequence[Phase]) -> list[PhaseRow]:
    """Phases as the store keeps them: (seq, name, start, end, cpu, status, source)."""
    return [(i, p.name, p.start, p.end, p.cpu, p.status, p.source) for i, p in enumerate(phases)]


def sync_from_ads(store: PhaseStore) -> int:
    """Parse the ``ChirpOpgPhases`` values the store's triggers copied from finished jobs' ads into
    ``job_phases`` (phases already read from the job's log are kept: the log is complete, the ad may lag)."""
    pending = store.pending_chirped_phases()
    if pending:
        store.save_chirped_phases((job_id, as_rows(phases_from_ad({"ChirpOpgPhases": raw}))) for job_id, raw in pending)
    return len(pending)


def stored_phases(store: PhaseStore, job_id: str) -> list[Phase]:
    """A job's phases: from the store, else (a running job) from its ad."""
    rows = store.phase_rows(job_id)
    if rows:
        return [Phase(*r) for r in rows]
    return phases_from_ad(store.job_ad(job_id))
