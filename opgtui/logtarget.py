"""From "this job's stdout" to lines on screen and a verdict: find the log, read its tail, diagnose, record.

Runs in a worker thread (blocking file and store I/O); no UI imports.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from opgtui.config import Config
from opgtui.model import Job, Verdict


@dataclass(slots=True)
class LogResult:
    lines: list[str] = field(default_factory=list)
    marks: dict[int, str] = field(default_factory=dict)  # 0-based line index -> category
    verdict: Verdict | None = None
    source: str = ""
    error: str | None = None
    offset: int = 0  # where a follow would read on from (local files)


@lru_cache(maxsize=4)
def packs_for(dirs: tuple[Path, ...]) -> Any:
    """The signature packs (bundled + configured + plugins), compiled once per process."""
    from opgtui.diagnosis.signatures import load_packs

    return load_packs(dirs)


def log_source(cfg: Config, job: Job, ad: dict[str, Any] | None, stream: str) -> str | None:
    """Where the job's ``stream`` (stdout/stderr) lives: the config's templates first, then the ad's paths."""
    return log_source_and_cap(cfg, job, ad, stream)[0]


def log_source_and_cap(cfg: Config, job: Job, ad: dict[str, Any] | None,
                       stream: str) -> tuple[str | None, int | None]:
    """The source (as ``log_source``) and how many bytes of its end diagnosis reads (the location's
    ``tail_bytes``; None for a path from the ad: the reader's own bound)."""
    from opgtui.sources.logs import job_attrs_from_job, log_locations

    attrs = {**(ad or {}), **job_attrs_from_job(job)}
    for name, source, loc in log_locations(attrs, cfg.logs, job.experiment):
        if name == stream:
            return source, loc.tail_bytes
    path = {"stdout": job.stdout, "stderr": job.stderr, "userlog": job.userlog}.get(stream)
    return (path if path and path != "/dev/null" else None), None


def read_tail(source: str, n: int, max_bytes: int | None = None) -> tuple[list[str], int]:
    """The last ``n`` lines (0 = all, bounded) of a path or URL, reading at most ``max_bytes`` of its end,
    and the size read up to; raises LogError."""
    from opgtui.sources.logs import tail, tail_file

    t = asyncio.run(tail(source, n, max_bytes=max_bytes)) if source.startswith(("http://", "https://")) \
        else tail_file(source, n, max_bytes=max_bytes)
    return t.lines, t.size or 0


def resolve_and_diagnose(cfg: Config, store_path: Path, target: dict[str, Any], stream: str, n: int) -> LogResult:
    """Everything the Log view needs for one job (or a bare ``source``); problems become ``error``."""
    from opgtui.diagnosis.engine import diagnose
    from opgtui.sources.logs import LogError
    from opgtui.store import open_store

    store = open_store(store_path)
    try:
        job = store.job(target["job_id"]) if "job_id" in target else None
        job = job or target.get("job")  # a dump's job not yet copied into the store
        source = target.get("source")
        if job is not None and not source:
            source = log_source(cfg, job, store.job_ad(job.id), stream)
        result = LogResult(source=source or "")
        if not source:
            result.error = f"no {stream} known for {target.get('job_id', 'this job')} (configure 'logs:' templates)"
        else:
            try:
                result.lines, result.offset = read_tail(source, n)
            except LogError as exc:
                result.error = str(exc)
        exp = cfg.experiment(job.experiment) if job is not None and job.experiment else None
        windows = store.windows(start=(job.submit_time or 0) - 86400) if job is not None else []
        verdict = diagnose(result.lines, packs_for(tuple(cfg.classifier_dirs)), job=job, windows=windows,
                           depends_on=exp.depends_on if exp else (), now=time.time())
        result.verdict = verdict
        result.marks = {f.line - 1: f.category for f in verdict.evidence if f.line}
        if job is not None and result.lines:
            store.save_verdicts({job.id: verdict})
        return result
    finally:
        store.close()


Progress = Callable[[int, int], None]


def diagnose_jobs(cfg: Config, store: Any, jobs: Sequence[Job], *, lines: int = 200,
                  progress: Progress | None = None, batch: int = 250, now: float | None = None) -> int:
    """Verdicts for many jobs from their log tails, saved in batches so views fill in as it goes.

    Tails shared by several jobs are read once; an unreadable log leaves the verdict to the hold and exit
    codes. Returns how many verdicts were saved.
    """
    from opgtui.diagnosis.engine import diagnose
    from opgtui.sources.logs import LogError

    packs = packs_for(tuple(cfg.classifier_dirs))
    windows = store.windows()
    now = now or time.time()
    tails: dict[str, list[str]] = {}
    pending: dict[str, Verdict] = {}
    for done, job in enumerate(jobs, 1):
        source, cap = log_source_and_cap(cfg, job, None, "stdout")
        text: list[str] = []
        if source:
            if source not in tails:
                try:
                    tails[source] = read_tail(source, lines, cap)[0]
                except LogError:
                    tails[source] = []
            text = tails[source]
        exp = cfg.experiment(job.experiment) if job.experiment else None
        pending[job.id] = diagnose(text, packs, job=job, windows=windows,
                                   depends_on=exp.depends_on if exp else (), now=now)
        if len(pending) >= batch or done == len(jobs):
            store.save_verdicts(pending, now)
            pending = {}
            if progress:
                progress(done, len(jobs))
    return len(jobs)
