"""The failed and held jobs of the store whose verdict is unknown, with the log tail and the decisive line of each.

Tails are read once (as the diagnosis finds logs: the config's ``logs:`` templates, under their directories)
and kept in the store's ``learn_tails``, so mining again, testing a pattern and the Signatures view need no log
I/O. Blocking I/O: call from a worker thread or the CLI.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import orjson

from opgtui.core.model import Job, Verdict
from opgtui.learn.templates import decisive_line

if TYPE_CHECKING:
    from opgtui.config import Config
    from opgtui.store import Store

TAIL_LINES = 50
"""Lines of each unknown failure's log kept for mining and testing patterns."""
MAX_READS = 2000
"""Logs read by one mining round (a few ms each on local disk, more over HTTP); the others wait for the next."""
NOT_YET = "log not read yet (the next mining round reads it)"


@dataclass(slots=True)
class UnknownJob:
    """One unknown failure: its record, verdict, tail (possibly empty) and the line it is grouped by."""

    job: Job
    verdict: Verdict
    lines: list[str] = field(default_factory=list)
    line: str | None = None
    error: str | None = None  # why no tail could be read

    @property
    def when(self) -> float:
        return job_time(self.job)


def job_time(job: Job) -> float:
    """When the job failed or was held (best known), epoch seconds; 0 when nothing is known."""
    for t in (job.end_time, job.status_since, job.updated, job.start_time, job.submit_time):
        if t is not None:
            return float(t)
    return 0.0


def failed_jobs(store: Store, since: float | None = None) -> list[Job]:
    """Every failed or held job of the store (failed or held at or after ``since``)."""
    jobs = store.failed_jobs()
    if since is not None:
        jobs = [j for j in jobs if job_time(j) >= since]
    return jobs


def unknown_failures(store: Store, since: float | None = None) -> list[tuple[Job, Verdict]]:
    """The failed or held jobs whose stored verdict is unknown, by job id."""
    ids = set(store.verdict_job_ids(category="unknown"))
    jobs = [j for j in failed_jobs(store, since) if j.id in ids]
    verdicts = store.verdicts_for([j.id for j in jobs]) if jobs else {}
    return sorted(((j, verdicts[j.id]) for j in jobs if j.id in verdicts), key=lambda p: p[0].id)


def cached_tails(store: Store, job_ids: Sequence[str]) -> dict[str, tuple[list[str], str | None]]:
    """job id -> (lines, error) for the tails already read."""
    return {jid: (orjson.loads(lines), error) for jid, lines, error in store.learn_tails(job_ids)}


def save_tails(store: Store, rows: dict[str, tuple[list[str], str, str | None]], now: float) -> None:
    """Keep tails: job id -> (lines, source, error)."""
    if not rows:
        return
    store.save_learn_tails(
        [(jid, orjson.dumps(lines).decode(), source, error, now) for jid, (lines, source, error) in rows.items()]
    )


def read_tail_of(cfg: Config, job: Job, n: int = TAIL_LINES) -> tuple[list[str], str, str | None]:
    """(last ``n`` lines of the job's stdout, where from, why not) as the diagnosis finds the log."""
    from opgtui.ops.logtarget import log_source_and_cap, read_tail
    from opgtui.sources.logs import LogError

    try:
        source, cap = log_source_and_cap(cfg, job, None, "stdout")
    except Exception as exc:  # a config or job the log finder cannot use: no tail, say why
        return [], "", f"no log: {type(exc).__name__}: {exc}"
    if not source:
        return [], "", "no stdout known for this job"
    try:
        return read_tail(source, n, cap)[0], source, None
    except LogError as exc:
        return [], source, str(exc)


def tails(
    cfg: Config,
    store: Store,
    jobs: Sequence[Job],
    now: float | None = None,
    read_logs: bool = True,
    max_reads: int = MAX_READS,
) -> dict[str, tuple[list[str], str | None]]:
    """The tails of ``jobs``: kept ones from the store, the others read now (at most ``max_reads`` logs a call;
    the rest next time) and kept, unless ``read_logs`` is off."""
    have = cached_tails(store, [j.id for j in jobs])
    if read_logs:
        fresh: dict[str, tuple[list[str], str, str | None]] = {}
        by_source: dict[str, tuple[list[str], str, str | None]] = {}
        for job in jobs:
            if job.id in have:
                continue
            key = f"{job.iwd}|{job.stdout}|{job.experiment}"
            if key not in by_source:
                if len(by_source) >= max_reads:
                    have[job.id] = ([], NOT_YET)
                    continue
                by_source[key] = read_tail_of(cfg, job)
            got = by_source[key]
            fresh[job.id] = got
            have[job.id] = (got[0], got[2])
        save_tails(store, fresh, now or time.time())
    return have


def gather(
    cfg: Config,
    store: Store,
    since: float | None = None,
    now: float | None = None,
    read_logs: bool = True,
    max_reads: int = MAX_READS,
) -> list[UnknownJob]:
    """The unknown failures (failed or held since ``since``) with their tails and decisive lines."""
    pairs = unknown_failures(store, since)
    got = tails(cfg, store, [j for j, _ in pairs], now, read_logs, max_reads)
    out = []
    for job, verdict in pairs:
        lines, error = got.get(job.id, ([], "tail not read"))
        evidence = [f.text for f in verdict.evidence if f.line is not None and f.text]
        out.append(UnknownJob(job, verdict, lines, decisive_line(lines, evidence, job.hold_reason), error))
    return out
