"""From findings (and outage windows) to one verdict. Pure: no I/O, no clock unless ``now`` is given.

Ranking: higher priority first; at equal priority a rule (numbers from HTCondor, no line) beats log text, and
a later line beats an earlier one (the innermost art block and the last Python exception come last).
The winner's category is the verdict, unless a finding of another category has the same priority and kind
(a conflict: the honest answer is "unknown"), or the winner itself says the case is ambiguous ("unknown").
Outage windows: a service finding whose service was down while the job ran becomes "confident"; a code finding
stays code; with no categorised finding, an overlapping outage of a service the job depends on makes it
"probably service".

A wrapper line (role ``wrapper``: "container creation failed:", a framework's generic exception) gives way to
the real finding that follows it within ``WRAPPED_LINES`` lines: the innermost cause, not the wrapper. An
interruption the job was re-run after (role ``interrupt``: an eviction, a preemption) gives way to a later real
error, or the job record's (its exit code is the last run's): line order, not priority, decides.
First error wins (the reader gives each finding a role): a crash (segfault, abort, stack trace) after a service
failure of I/O (CVMFS, XRootD, storage, a database) is that failure's consequence, so the service finding is
chosen; a consequence (a missing output, a job report that is not there) after any real error is that error's.
A log line that says a failure happened but not whose (category "unknown": a full disk, a kill) lets the job
record's resource evidence decide (memory or disk use at its request, a wrapper's limit exit code; disk use well
below the request for a ``record: disk`` line: the node's disk). A job that exited 0 gets no failure verdict,
whatever its log says. The reason names the chosen line and why,
and what the line's named groups captured (the path or host). Benign and context lines never decide: they are
the answer only when nothing else is, and then the verdict is "unknown".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from opgtui.core.model import Finding, Job, JobStatus, Verdict, Window
from opgtui.core.timefmt import clock
from opgtui.diagnosis import precision
from opgtui.diagnosis.rules import DISK_BELOW, MEMORY_AT_REQUEST

EVIDENCE_CAP = 10
EXPLAINS = 20
"""An earlier finding needs at least this priority to explain a later crash or consequence."""
IO_SERVICES = frozenset(
    (
        "cvmfs",
        "xrootd",
        "storage",
        "dcache",
        "eos",
        "frontier",
        "squid",
        "database",
        "db",
        "conditions",
        "samweb",
        "rucio",
        "osdf",
        "pelican",
        "stash",
        "gfal",
        "ifdh",
        "network",
        "dns",
        "nfs",
    )
)
"""Services whose failure makes a later crash a consequence (reads that returned garbage or nothing)."""
DEFINITIVE = 80
"""A winner at or above this priority, with no finding of another category, is "confident"."""
LOOK = "look at the log"
WRAPPED_LINES = 30
"""How far after a wrapper line its cause may be (a multi-line message, an exception block)."""
QUIET = ("benign", "context", "frame")
"""Roles whose findings never decide (they rank below every other finding)."""
RULE = "rule:"
"""Findings from the job's record (hold code, exit code, signal, memory and disk against the request)."""
_ENDED = (JobStatus.HELD, JobStatus.REMOVED, JobStatus.COMPLETED)


def rank_key(f: Finding) -> tuple[int, bool, int]:
    """Sort key, best last: priority, rule over text, later line."""
    return (f.priority, f.line is None, f.line or 0)


def job_span(job: Job | None) -> tuple[float, float | None] | None:
    """When the job ran: [start (or submit), end (or when it was held/removed/completed) or open]."""
    if job is None:
        return None
    start = job.start_time if job.start_time is not None else job.submit_time
    if start is None:
        return None
    end = job.end_time
    if end is None and job.status in _ENDED:
        end = job.status_since
    if end is not None and end < start:
        end = start
    return start, end


_DEGRADED_SEVERITIES = frozenset(("warning", "minor", "degraded", "info", "notice"))
"""Alert severities / Statuspage impacts that mean degraded rather than down."""


def describe_window(w: Window) -> str:
    """``samweb DOWN 10:02-10:45`` (local clock), ``... since 10:02 (still open)`` when not over."""
    if w.kind != "outage":
        state = "MAINTENANCE"
    else:
        state = "DEGRADED" if w.severity.lower() in _DEGRADED_SEVERITIES else "DOWN"
    if w.end is None:
        return f"{w.service} {state} since {clock(w.start)} (still open)"
    return f"{w.service} {state} {clock(w.start)}-{clock(w.end)}"


def overlapping(
    windows: Sequence[Window], services: Sequence[str | None], job: Job | None, now: float | None
) -> list[Window]:
    """The windows of ``services`` that overlap the job's run, earliest first."""
    span = job_span(job)
    wanted = {s.lower() for s in services if s}
    if span is None or not wanted:
        return []
    at = math.inf if now is None else now
    hits = [w for w in windows if w.service.lower() in wanted and w.overlaps(span[0], span[1], at)]
    return sorted(hits, key=lambda w: w.start)


def _where(f: Finding) -> str:
    if f.line is not None:
        return f"line {f.line}"
    return "job record" if f.signature.startswith("rule:") else "hold reason"


def _evidence(top: Finding | None, ranked: Sequence[Finding]) -> list[Finding]:
    out: list[Finding] = []
    seen: set[object] = set()
    for f in ([top] if top else []) + list(ranked):
        key = f.line if f.line is not None else (f.signature, f.text)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
        if len(out) >= EVIDENCE_CAP:
            break
    return out


def _conflict(top: Finding, ranked: Sequence[Finding], role_of: _Roles) -> list[Finding]:
    """Findings of another real category that tie with ``top`` (same priority, both rules or both text)."""
    return [
        f
        for f in ranked
        if f.category not in (top.category, "unknown")
        and f.priority == top.priority
        and (f.line is None) == (top.line is None)
        and role_of(f) not in QUIET
    ]


def _is_io(f: Finding) -> bool:
    if f.service and f.service.lower() in IO_SERVICES:
        return True
    words = set(f.signature.lower().replace(":", "_").replace(".", "_").split("_"))
    return not words.isdisjoint(IO_SERVICES)


class _Roles:
    """A finding's role: its line's (a Python exception after a chained-traceback marker) or its signature's."""

    def __init__(self, by_signature: Mapping[str, str] | None, by_line: Mapping[int, str] | None) -> None:
        self.by_signature = by_signature or {}
        self.by_line = by_line or {}

    def __call__(self, f: Finding) -> str | None:
        return (self.by_line.get(f.line) if f.line is not None else None) or self.by_signature.get(f.signature)


def _wrapped(top: Finding, ranked: Sequence[Finding], role_of: _Roles) -> Finding | None:
    """The cause a wrapper line (``container creation failed:``, a framework's generic exception) wraps: the
    best real finding in the ``WRAPPED_LINES`` lines after it that is no wrapper itself, or None."""
    if top.line is None:
        return None
    inner = [
        f
        for f in ranked
        if f.line is not None
        and top.line < f.line <= top.line + WRAPPED_LINES
        and f.priority > 0
        and f.category != "unknown"
        and role_of(f) not in ("wrapper", *QUIET)
    ]
    return inner[0] if inner else None


def _resolved_by_record(ranked: Sequence[Finding]) -> Finding | None:
    """The job record's resource finding (memory or disk at its request, a wrapper's limit exit code) that
    settles what an ambiguous log line (category unknown: "No space left on device", "Killed") leaves open.
    Other record codes are not: a pack that calls a line ambiguous knows more than a generic hold code."""
    return next(
        (
            f
            for f in ranked
            if (f.line is None or f.signature == MEMORY_AT_REQUEST)
            and f.signature.startswith(RULE)
            and f.priority > 0
            and (f.category == "resource" or f.signature == DISK_BELOW)
        ),
        None,
    )


def _after_interruption(top: Finding, ranked: Sequence[Finding], role_of: _Roles) -> Finding | None:
    """The real error after an interruption the job was re-run after (an eviction, a preemption): a later line,
    or the job record (its exit code and memory are the last run's), of a real category; None when there is none,
    and the interruption itself decides."""
    later = [
        f
        for f in ranked
        if f is not top
        and (f.line is None or (top.line is not None and f.line > top.line))
        and f.priority > 0
        and f.category != "unknown"
        and role_of(f) not in ("interrupt", *QUIET)
    ]
    return later[0] if later else None


def _explained_by(top: Finding, ranked: Sequence[Finding], role_of: _Roles) -> Finding | None:
    """The earlier real error that ``top`` (a crash or a consequence) follows from, or None."""
    role = role_of(top)
    if role == "wrapper":
        return _wrapped(top, ranked, role_of)
    if role == "interrupt":
        return _after_interruption(top, ranked, role_of)
    if role not in ("crash", "consequence"):
        return None
    before = [
        f
        for f in ranked
        if f is not top
        and f.line is not None
        and (top.line is None or f.line < top.line)
        and f.priority >= EXPLAINS
        and role_of(f) not in ("crash", "consequence", *QUIET)
        and f.category != "unknown"
        and (role == "consequence" or (f.category == "service" and _is_io(f)))
    ]
    return before[0] if before else None


def decide(
    findings: Sequence[Finding],
    *,
    job: Job | None = None,
    windows: Sequence[Window] = (),
    depends_on: Sequence[str] = (),
    now: float | None = None,
    roles: Mapping[str, str] | None = None,
    notes: Mapping[int, str] | None = None,
    succeeded: bool = False,
    line_roles: Mapping[int, str] | None = None,
    details: Mapping[int, str] | None = None,
) -> Verdict:
    """The verdict for one job from its findings; see the module docstring for the rules."""
    role_of = _Roles(roles, line_roles)
    ranked = sorted(findings, key=lambda f: (role_of(f) not in QUIET, *rank_key(f)), reverse=True)
    if succeeded:
        return _succeeded(ranked, role_of)
    top = ranked[0] if ranked else None
    role = role_of(top) if top is not None else None
    if top is not None and role in QUIET:  # only lines that say all went on fine, or context
        v = _unknown_verdict(top, ranked, windows, depends_on, job, now)
        if v.category == "unknown" and role == "context":
            v.reason = f"{top.title} ({_where(top)}) is context, not a cause; no failure before it says why"
        elif v.category == "unknown" and top.line is not None and notes and top.line in notes:
            v.reason = f"{top.title} ({_where(top)}) did not stop the job: {notes[top.line]}"
        return v
    why = ""
    if top is not None:
        cause = _explained_by(top, ranked, role_of)
        if cause is not None:
            if role == "wrapper":
                why = f"chose {_where(cause)} over {_where(top)} ({top.title}): that line wraps the cause after it"
            elif role == "interrupt":
                why = (
                    f"chose {_where(cause)} over {_where(top)} ({top.title}): the job ran again after that "
                    "interruption, and what ended it is the later error"
                )
            else:
                why = (
                    f"chose {_where(cause)} over {_where(top)} ({top.title}): the first real error wins, and "
                    f"{'a crash after a failed read' if role == 'crash' else 'what follows'} is its consequence"
                )
            top = cause
    if top is not None and top.line is not None and notes and top.line in notes:
        why = f"{_where(top)} is {notes[top.line]}" + (f"; {why}" if why else "")
    if top is not None and top.category == "unknown" and top.line is not None:
        record = _resolved_by_record(ranked)
        if record is not None:
            why = f"{top.title} ({_where(top)}) does not say which by itself; the job record does"
            top = record
    if top is not None and top.category != "unknown":
        rivals = [] if why else _conflict(top, ranked, role_of)
        if rivals:
            contenders = [top, *rivals]
            correlated = [
                f for f in contenders if f.category == "service" and overlapping(windows, [f.service], job, now)
            ]
            if not correlated:
                return _unknown_verdict(None, ranked, windows, depends_on, job, now, conflict=contenders)
            top = correlated[0]
        detail = details.get(top.line) if details and top.line is not None else None
        return precision.settle(_categorised(top, ranked, windows, job, now, why, detail, role_of), ranked, role_of)
    return _unknown_verdict(top, ranked, windows, depends_on, job, now)


def _succeeded(ranked: Sequence[Finding], role_of: _Roles) -> Verdict:
    """A job that exited 0: no failure verdict; the lines that looked bad are kept as evidence."""
    scary = [f for f in ranked if f.category != "unknown" and role_of(f) != "benign"]
    evidence = _evidence(None, scary)
    reason = "the job exited 0: no failure to judge"
    if scary:
        reason += f" ({len(scary)} error-looking line{'s' if len(scary) > 1 else ''} did not stop it)"
    return Verdict("unknown", "nothing to do", None, "", evidence, "none", reason)


def _categorised(
    top: Finding,
    ranked: Sequence[Finding],
    windows: Sequence[Window],
    job: Job | None,
    now: float | None,
    why: str = "",
    detail: str | None = None,
    role_of: _Roles | None = None,
) -> Verdict:
    evidence = _evidence(top, ranked)
    what = f"{top.title} ({_where(top)}{f': {detail}' if detail else ''})" + (f"; {why}" if why else "")
    rival = next(
        (
            f
            for f in ranked
            if f.category not in (top.category, "unknown") and (role_of is None or role_of(f) not in QUIET)
        ),
        None,
    )
    others = rival is not None
    if rival is not None and not why:
        what += f"; it outweighs {rival.title} ({_where(rival)}, {rival.category})"
    confidence = "confident" if top.priority >= DEFINITIVE and not others else "probable"
    hits: list[Window] = []
    reason = what
    if top.category == "service":
        hits = overlapping(windows, [top.service], job, now)
        if hits:
            confidence = "confident"
            reason = f"{describe_window(hits[0])} overlapped this job; {what}"
        elif top.service and job_span(job) is not None and windows:
            reason = f"{what}; no recorded {top.service} outage during this job"
    elif top.category == "code":
        down = overlapping(windows, sorted({w.service for w in windows}), job, now)
        if down:
            reason = f"{what}; {describe_window(down[0])} overlapped this job, but this failure looks like code"
    return Verdict(top.category, top.action, top.signature, top.title, evidence, confidence, reason, hits)


def not_failed(job: Job | None) -> str | None:
    """Why there is no failure to judge (the job runs, waits or succeeded), or None."""
    if job is None:
        return None
    if job.status in (JobStatus.IDLE, JobStatus.RUNNING, JobStatus.TRANSFERRING_OUTPUT, JobStatus.SUSPENDED):
        return f"the job is {job.status_label}"
    if job.status == JobStatus.COMPLETED and job.exit_code == 0 and job.exit_signal is None:
        return "the job succeeded (exit 0)"
    return None


def _unknown_verdict(
    top: Finding | None,
    ranked: Sequence[Finding],
    windows: Sequence[Window],
    depends_on: Sequence[str],
    job: Job | None,
    now: float | None,
    *,
    conflict: Sequence[Finding] = (),
) -> Verdict:
    services = [*depends_on, *([top.service] if top is not None and top.service else [])]
    alive = not_failed(job)
    hits = [] if alive else overlapping(windows, services, job, now)  # no failure: nothing to blame
    evidence = _evidence(top, [*conflict, *ranked])
    if alive and top is None and not conflict:
        return Verdict("unknown", "nothing to do", None, "", [], "none", f"{alive}: no failure to judge")
    if hits:
        down = "; ".join(list(dict.fromkeys(describe_window(w) for w in hits))[:3])
        return Verdict(
            "service",
            "retry",
            None,
            f"Probably service: {hits[0].service} outage during the job",
            evidence,
            "probable",
            f"probably service: {down} overlapped this job" + ("" if ranked else "; no signature matched"),
            hits,
        )
    if conflict:
        names = ", ".join(f"{f.signature} ({f.category})" for f in conflict)
        return Verdict(
            "unknown",
            LOOK,
            None,
            "Conflicting findings",
            evidence,
            "none",
            f"findings disagree with equal weight: {names}",
        )
    if top is None:
        return Verdict("unknown", LOOK, None, "", [], "none", "no known signature matched")
    return Verdict(
        "unknown",
        LOOK,
        top.signature,
        top.title,
        evidence,
        "none",
        f"{top.title} ({_where(top)}): not enough to say service, code or resource",
    )
