"""From "this job's stdout" to lines on screen and a verdict: find the log, read its tail, diagnose, record.

Runs in a worker thread (blocking file and store I/O); no UI imports.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from opgtui.config import Config
from opgtui.core.model import Job, Verdict
from opgtui.core.textsafe import one_line

if TYPE_CHECKING:
    from opgtui.diagnosis.signatures import PackSet
    from opgtui.sources.logs import Tail
    from opgtui.store import Store


@dataclass(frozen=True, slots=True)
class LogTarget:
    """What the Log view shows: a job (by id; ``job``, its record from a dump not yet copied into the store), or a
    bare ``source`` (a path or URL)."""

    job_id: str | None = None
    job: Job | None = None
    source: str | None = None


@dataclass(slots=True)
class LogResult:
    lines: list[str] = field(default_factory=list)
    marks: dict[int, str] = field(default_factory=dict)  # 0-based line index -> category
    verdict: Verdict | None = None
    source: str = ""
    error: str | None = None
    offset: int = 0  # where a follow would read on from (local files)
    capped: int = 0  # bytes read when the reader's cap stopped it short of the lines asked for (0: not capped)


@lru_cache(maxsize=4)
def packs_for(dirs: tuple[Path, ...]) -> PackSet:
    """The signature packs (bundled + configured + plugins), compiled once per process."""
    from opgtui.diagnosis.signatures import load_packs

    return load_packs(dirs)


def log_source_and_cap(cfg: Config, job: Job, ad: dict[str, Any] | None, stream: str) -> tuple[str | None, int | None]:
    """Where the job's ``stream`` (stdout/stderr) lives, the config's templates first, then the ad's paths (None
    when unknown or refused: see ``find_log``), and how many bytes of its end diagnosis reads (the location's
    ``tail_bytes``; None for a path from the ad: the reader's own bound)."""
    source, cap, _ = find_log(cfg, job, ad, stream)
    return source, cap


def find_log(
    cfg: Config, job: Job, ad: dict[str, Any] | None, stream: str
) -> tuple[str | None, int | None, str | None]:
    """(source, tail_bytes, None), or (None, None, why not) for a log outside the directories the config's
    ``logs:`` templates name: paths come from job ads (``Out = "/etc/shadow"``), so they are read only there."""
    from opgtui.sources.logs import job_attrs_from_job, log_locations

    attrs = {**(ad or {}), **job_attrs_from_job(job)}
    source: str | None = None
    cap: int | None = None
    for name, found, loc in log_locations(attrs, cfg.logs, job.experiment):
        if name == stream:
            source, cap = found, loc.tail_bytes
            break
    if source is None:
        path = {"stdout": job.stdout, "stderr": job.stderr, "userlog": job.userlog}.get(stream)
        if not path or path == "/dev/null":
            return None, None, None
        if path.startswith(("http://", "https://")):
            return (
                None,
                None,
                f"{one_line(path, 200)} (from the job's ad): a URL comes only from the config's logs: "
                "templates; not read",
            )
        source = path if path.startswith(("/", "~")) or not job.iwd else f"{job.iwd.rstrip('/')}/{path}"
    elif source.startswith(("http://", "https://")):  # filled from a template: its host and start are the config's
        path = urlsplit(source).path
        if any(part in (".", "..") for part in path.split("/")) or "%2e" in path.lower():
            return None, None, f"{one_line(source, 200)}: a job attribute put . or .. in the URL's path; not read"
        return source, cap, None
    why = refusal(source, log_roots(cfg, job))
    return (None, None, why) if why else (source, cap, None)


def log_roots(cfg: Config, job: Job) -> list[str]:
    """The directories logs are read under: each local template's fixed start (``/pnfs/nova/logs`` of
    ``/pnfs/nova/logs/{ClusterId}.out``), and the job's Iwd when a location says ``trust_iwd``."""
    roots: list[str] = []
    for loc in cfg.logs:
        for template in (loc.stdout, loc.stderr):
            root = template_root(template) if template else None
            if root and root not in roots:
                roots.append(root)
        iwd = os.path.normpath(job.iwd) if loc.trust_iwd and job.iwd and job.iwd.startswith("/") else ""
        if iwd and iwd != "/" and iwd not in roots:
            roots.append(iwd)
    return roots


def template_root(template: str) -> str | None:
    """The directory a local template's text before its first ``{field}`` names; None for a URL, a template
    that starts with a field (its directory is the job's to choose), or one naming only ``/``."""
    if template.startswith(("http://", "https://", "file://")):
        return None
    head = os.path.expanduser(template.split("{", 1)[0])
    directory = os.path.normpath(head if head.endswith("/") else os.path.dirname(head)) if head else ""
    return directory if directory.startswith("/") and directory != "/" else None


def refusal(path: str, roots: Sequence[str]) -> str | None:
    """None when ``path`` (symbolic links resolved) lies under one of ``roots``, else one line saying why not."""
    real = os.path.realpath(os.path.expanduser(path))
    for root in roots:
        top = os.path.realpath(root)
        if real == top or real.startswith(top.rstrip("/") + "/"):
            return None
    named = ", ".join(one_line(r, 80) for r in roots[:3]) + (f" and {len(roots) - 3} more" if len(roots) > 3 else "")
    return (
        f"{one_line(path, 200)}: not under a log directory of the config ("
        + (f"logs: templates name {named}" if roots else "no logs: templates")
        + "); not read"
    )


def read_tail(source: str, n: int, max_bytes: int | None = None) -> tuple[list[str], int]:
    """The last ``n`` lines (0 = all, bounded) of a path or URL, reading at most ``max_bytes`` of its end,
    and the size read up to; raises LogError."""
    t = _tail(source, n, max_bytes)
    return t.lines, t.size or 0


def _tail(source: str, n: int, max_bytes: int | None = None) -> Tail:
    """A path, a ``file://`` URL or an http(s) URL, read as every reader of one log reads it (``~`` expanded)."""
    from opgtui.sources.logs import tail_now

    return tail_now(source, n, max_bytes=max_bytes)


def depends_on(cfg: Config, job: Job | None) -> Sequence[str]:
    """The services the job's experiment depends on (their outages count in its verdict); none without one."""
    exp = cfg.experiment(job.experiment) if job is not None and job.experiment else None
    return exp.depends_on if exp else ()


def capped_at(t: Tail, n: int) -> int:
    """The bytes read when a tail stopped at the reader's cap with lines of the asked ``n`` (0: all) unread;
    0 when it has what was asked for."""
    return t.bytes_read if t.truncated and (not n or len(t.lines) < n) else 0


def resolve_and_diagnose(cfg: Config, store_path: Path, target: LogTarget, stream: str, n: int) -> LogResult:
    """Everything the Log view needs for one job (or a bare ``source``); problems become ``error``."""
    from opgtui.diagnosis.engine import diagnose
    from opgtui.learn.pack import for_store
    from opgtui.sources.logs import LogError
    from opgtui.store import open_store

    store = open_store(store_path)
    try:
        job = store.job(target.job_id) if target.job_id is not None else None
        job = job or target.job  # a dump's job not yet copied into the store
        source, refused = target.source, None
        if job is not None and not source:
            source, _, refused = find_log(cfg, job, store.job_ad(job.id), stream)
        result = LogResult(source=source or "")
        if refused:
            result.error = refused
        elif not source:
            result.error = f"no {stream} known for {target.job_id or 'this job'} (configure 'logs:' templates)"
        else:
            try:
                t = _tail(source, n)
                result.lines, result.offset, result.capped = t.lines, t.size or 0, capped_at(t, n)
            except LogError as exc:
                result.error = str(exc)
        windows = store.windows(start=(job.submit_time or 0) - 86400) if job is not None else []
        packs = for_store(packs_for(tuple(cfg.classifier_dirs)), store)  # plus the team's learned signatures
        verdict = diagnose(
            result.lines, packs, job=job, windows=windows, depends_on=depends_on(cfg, job), now=time.time()
        )
        result.verdict = verdict
        result.marks = {f.line - 1: f.category for f in verdict.evidence if f.line}
        if job is not None and result.lines and stream == "stdout":  # the job's verdict is its stdout's
            store.save_verdicts({job.id: verdict})
        return result
    finally:
        store.close()


Progress = Callable[[int, int], None]


def diagnose_jobs(
    cfg: Config,
    store: Store,
    jobs: Sequence[Job],
    *,
    lines: int = 200,
    progress: Progress | None = None,
    batch: int = 250,
    now: float | None = None,
    on_error: Callable[[str], None] | None = None,
) -> int:
    """Verdicts for many jobs from their stdout tails, saved in batches as the tails arrive (views fill in as
    it goes). Returns how many verdicts were saved.

    A tail shared by several jobs is read once; an unreadable log leaves the verdict to the hold and exit
    codes (and its one-line reason goes to ``on_error``). The tails are read by ``sources.logs.read_tails``:
    http(s) ones over one client, ``cfg.log_concurrency`` at a time, each within its deadline. Blocking: it
    runs its own event loop (in a thread of its own when the caller's thread already runs one).
    """
    from opgtui.diagnosis.engine import diagnose
    from opgtui.learn.pack import for_store
    from opgtui.sources.logs import TailRequest, read_tails

    packs = for_store(packs_for(tuple(cfg.classifier_dirs)), store)  # plus the team's learned signatures
    windows = store.windows()
    now = now or time.time()
    total, done = len(jobs), 0
    pending: dict[str, Verdict] = {}

    def decide(job: Job, text: list[str]) -> None:
        nonlocal done, pending
        pending[job.id] = diagnose(text, packs, job=job, windows=windows, depends_on=depends_on(cfg, job), now=now)
        done += 1
        if len(pending) >= batch or done == total:
            store.save_verdicts(pending, now)
            pending = {}
            if progress:
                progress(done, total)

    waiting: dict[str, list[Job]] = {}
    requests: list[TailRequest] = []
    for job in jobs:
        source, cap = log_source_and_cap(cfg, job, None, "stdout")
        if not source:
            decide(job, [])
        elif source in waiting:
            waiting[source].append(job)
        else:
            waiting[source] = [job]
            requests.append(TailRequest(source, lines, cap))

    async def read_all() -> None:
        async for read in read_tails(requests, concurrency=cfg.log_concurrency):
            if read.error and on_error:
                on_error(read.error)
            for job in waiting.pop(read.source):
                decide(job, read.lines)

    if requests:
        run_blocking(read_all())
    return total


def run_blocking(coro: Coroutine[Any, Any, None]) -> None:
    """Run ``coro`` to its end: ``asyncio.run`` here, or in a thread of its own when this thread runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()
