"""Recorded job data a shifter can open: ``condor_q``/``condor_history`` ``-long`` and ``-json`` dumps, and
job event logs. The format is detected from the content, not the file name.

``-long`` text is read with a line parser for literal values (the common case, ~10x faster than classad2);
an ad with an expression among the attributes we use is handed whole to ``classad2`` to evaluate them.
Nothing raises: problems become one-line errors naming the file (and line); good ads before a bad one load.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from opgtui.model import Job, JobEvent, JobStatus
from opgtui.sources.jobrecord import ATTRS, host_of, job_from_ad

_ATTR_LINE = re.compile(r"^([A-Za-z_][\w.]*)\s*=\s*(.*)$")
_EVENT_HEAD = re.compile(r"^\d{3} \(\d+\.\d+\.\d+\) ")
_NUMBER = re.compile(r"^-?\d+(\.\d*)?([eE][-+]?\d+)?$")
_ALIAS = re.compile(r"alias=([^&>]+)")
_USED = frozenset(ATTRS)
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class LoadResult:
    """Jobs (one per id; a dump's record wins over one built from events), events, raw ads, errors."""

    jobs: list[Job] = field(default_factory=list)
    events: list[JobEvent] = field(default_factory=list)
    ads: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class _Unparsed(str):
    """An attribute value that is not a plain literal (an expression): kept as its text."""

    __slots__ = ()


def literal(text: str) -> Any:
    """The Python value of a ClassAd literal (number, string, boolean, undefined), else ``_Unparsed``."""
    t = text.strip()
    if not t:
        raise ValueError("empty value")
    if t[0] == '"':
        if len(t) < 2 or t[-1] != '"' or (t.endswith('\\"') and not t.endswith('\\\\"')):
            if t.count('"') < 2:
                raise ValueError("unterminated string")
            return _Unparsed(t)
        body = t[1:-1]
        if '"' in body.replace('\\"', ""):
            return _Unparsed(t)  # e.g. "a" + "b"
        return body.replace('\\"', '"').replace("\\\\", "\\") if "\\" in body else body
    if _NUMBER.match(t):
        return float(t) if ("." in t or "e" in t or "E" in t) else int(t)
    low = t.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    if low == "undefined":
        return None
    return _Unparsed(t)


def _evaluate(chunk: str, ad: dict[str, Any], path: Path, line: int) -> str | None:
    """Evaluate the expressions among the attributes we use with classad2; None when fine, else the error."""
    import classad2

    try:
        parsed = classad2.parseNext(chunk)
    except Exception as exc:
        return f"{path}:{line}: not a ClassAd ({exc})"
    for key in [k for k, v in ad.items() if isinstance(v, _Unparsed)]:
        if key in _USED:
            try:
                value = parsed.eval(key)
            except Exception:
                value = None
            ad[key] = value if isinstance(value, int | float | str | bool) else None
        else:
            ad[key] = str(ad[key])
    return None


def iter_long_ads(path: Path, progress: Progress | None = None) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(first line, ad) per ad of a ``-long`` dump, or (line, error text) for an ad that cannot be read."""
    total = path.stat().st_size
    done = 0
    with path.open(encoding="utf-8", errors="replace") as fh:
        ad: dict[str, Any] = {}
        lines: list[str] = []
        start = 1
        for lineno, raw in enumerate(fh, 1):
            done += len(raw)
            line = raw.rstrip("\n")
            if not line.strip():
                if ad:
                    yield _finish(path, start, ad, lines)
                    if progress and len(lines) and lineno % 2000 < len(lines):
                        progress(done, total)
                ad, lines, start = {}, [], lineno + 1
                continue
            if line.startswith(("--", "#")) and not ad:  # condor_q banners and comments
                start = lineno + 1
                continue
            m = _ATTR_LINE.match(line)
            if not m:
                yield lineno, f"{path}:{lineno}: not a ClassAd attribute line (expected 'Name = value')"
                ad, lines, start = {}, [], lineno + 1
                # skip to the next blank line: the rest of this ad cannot be trusted
                for lineno2, raw2 in enumerate(fh, lineno + 1):
                    done += len(raw2)
                    if not raw2.strip():
                        start = lineno2 + 1
                        break
                continue
            try:
                ad[m[1]] = literal(m[2])
            except ValueError as exc:
                yield lineno, f"{path}:{lineno}: {m[1]}: {exc} (truncated dump?)"
                ad, lines, start = {}, [], lineno + 1
                continue
            lines.append(line)
        if ad:
            yield _finish(path, start, ad, lines)
    if progress:
        progress(total, total)


def _finish(path: Path, start: int, ad: dict[str, Any], lines: list[str]) -> tuple[int, dict[str, Any] | str]:
    if any(isinstance(v, _Unparsed) for v in ad.values()):
        error = _evaluate("\n".join(lines), ad, path, start)
        if error:
            return start, error
    return start, ad


def _detect(head: str) -> str:
    stripped = head.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "jsonl"
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    if _EVENT_HEAD.match(first):
        return "eventlog"
    return "long"


def _add(result: LoadResult, seen: dict[str, int], ad: dict[str, Any], source: str, now: float,
         where: str, literal_only: bool = False) -> None:
    try:
        job = job_from_ad(ad, source=source, updated=now)
    except ValueError as exc:
        result.errors.append(f"{where}: {exc}")
        return
    if job.id in seen:
        result.jobs[seen[job.id]] = job
    else:
        seen[job.id] = len(result.jobs)
        result.jobs.append(job)
    result.ads[job.id] = ad if literal_only else {k: v for k, v in ad.items() if not isinstance(v, _Unparsed)}


def _load_json(path: Path, kind: str, result: LoadResult, seen: dict[str, int], now: float) -> None:
    data = path.read_bytes()
    try:
        ads = orjson.loads(data) if kind == "json" else [orjson.loads(ln) for ln in data.splitlines() if ln.strip()]
    except orjson.JSONDecodeError as exc:
        # Salvage the ads before the damage: a truncated array still has whole ads up to the last '},'.
        result.errors.append(f"{path}: not valid JSON ({exc}); loading the complete ads before it")
        ads = _salvage(data, exc.pos or len(data)) if kind == "json" else []
    if not isinstance(ads, list):
        ads = [ads]
    for i, ad in enumerate(ads):
        if isinstance(ad, dict):
            _add(result, seen, ad, str(path), now, f"{path}: ad {i + 1}", literal_only=True)
        else:
            result.errors.append(f"{path}: ad {i + 1}: not an object")


def _salvage(data: bytes, pos: int) -> list[Any]:
    """The complete ads of a JSON array cut at ``pos``: close the array after the last whole object."""
    end = pos
    for _ in range(64):
        end = data.rfind(b"}", 0, end)
        if end <= 0:
            return []
        try:
            found = orjson.loads(data[: end + 1] + b"]")
            return found if isinstance(found, list) else []
        except orjson.JSONDecodeError:
            continue
    return []


def _job_from_events(key: tuple[int, int], evs: list[Any], schedd: str, source: str, now: float) -> Job:
    cluster, proc = key
    job = Job(id=f"{schedd}#{cluster}.{proc}", schedd=schedd, cluster=cluster, proc=proc, source=source, updated=now)
    for e in evs:
        n, t = int(e.type), float(e.timestamp)
        job.status_since = t
        if n == 0:
            job.status, job.submit_time = JobStatus.IDLE, t
        elif n == 1:
            job.status, job.start_time, job.num_starts = JobStatus.RUNNING, t, (job.num_starts or 0) + 1
            m = _ALIAS.search(str(e.get("ExecuteHost", "")))
            job.last_host = m[1] if m else host_of(str(e.get("SlotName", ""))) or job.last_host
        elif n == 12:
            job.status = JobStatus.HELD
            job.hold_reason = e.get("HoldReason")
            job.hold_code, job.hold_subcode = e.get("HoldReasonCode"), e.get("HoldReasonSubCode")
        elif n == 13:
            job.status, job.hold_reason, job.hold_code, job.hold_subcode = JobStatus.IDLE, None, None, None
        elif n == 4:
            job.status = JobStatus.IDLE
        elif n == 9:
            job.status = JobStatus.REMOVED
        elif n == 5:
            job.status, job.end_time = JobStatus.COMPLETED, t
            if e.get("TerminatedNormally") is True:
                job.exit_code = e.get("ReturnValue")
            else:
                job.exit_signal = e.get("TerminatedBySignal")
            job.bytes_out, job.bytes_in = e.get("TotalSentBytes"), e.get("TotalReceivedBytes")
            if job.start_time is not None:
                job.wall = t - job.start_time
    return job


def _event_detail(e: Any) -> str:
    n = int(e.type)
    if n == 12:
        return f"{e.get('HoldReason', '')} (code {e.get('HoldReasonCode')}/{e.get('HoldReasonSubCode')})"
    if n == 5:
        if e.get("TerminatedNormally") is True:
            return f"exit {e.get('ReturnValue')}"
        return f"signal {e.get('TerminatedBySignal')}"
    if n == 1:
        m = _ALIAS.search(str(e.get("ExecuteHost", "")))
        return f"on {m[1] if m else e.get('SlotName', '')}"
    return str(e.get("Reason", "") or e.get("ReleaseReason", "") or "")


def _load_eventlog(path: Path, result: LoadResult, seen: dict[str, int], now: float) -> None:
    import htcondor2

    by_job: dict[tuple[int, int], list[Any]] = {}
    schedd = path.stem
    try:
        for e in htcondor2.JobEventLog(str(path)).events(stop_after=0):
            by_job.setdefault((e.cluster, e.proc), []).append(e)
            if int(e.type) == 0:
                m = _ALIAS.search(str(e.get("SubmitHost", "")))
                schedd = m[1] if m else schedd
    except Exception as exc:  # the binding raises plain exceptions on malformed logs
        result.errors.append(f"{path}: event log read stopped: {exc}")
    for key, evs in by_job.items():
        job = _job_from_events(key, evs, schedd, str(path), now)
        for e in evs:
            result.events.append(JobEvent(job.id, float(e.timestamp), e.type.name, _event_detail(e)))
        if job.id not in seen:
            seen[job.id] = len(result.jobs)
            result.jobs.append(job)


def load_files(paths: Iterable[str | Path], progress: Progress | None = None) -> LoadResult:
    """Every job in the given dumps and event logs."""
    result = LoadResult()
    seen: dict[str, int] = {}
    now = time.time()
    eventlogs = []
    for p in map(Path, paths):
        try:
            with p.open("rb") as fh:
                head = fh.read(4096).decode("utf-8", errors="replace")
        except OSError as exc:
            result.errors.append(f"{p}: cannot read: {exc.strerror or exc}")
            continue
        kind = _detect(head)
        if kind == "eventlog":
            eventlogs.append(p)  # after the dumps: a dump's record is richer than one rebuilt from events
        elif kind in ("json", "jsonl"):
            _load_json(p, kind, result, seen, now)
        else:
            for line, item in iter_long_ads(p, progress):
                if isinstance(item, str):
                    result.errors.append(item)
                else:
                    _add(result, seen, item, str(p), now, f"{p}:{line}")
    for p in eventlogs:
        _load_eventlog(p, result, seen, now)
    return result
