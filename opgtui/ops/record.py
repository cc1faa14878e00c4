"""Keeping the production record: after a collection, read each newly finished job's stdout once (opg-phase
markers, data-quality checks), bring the stats rollups up to date, and prune once a day per retention.

Blocking file and store I/O: the collector runs :func:`upkeep` in a thread. No UI imports.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from opgtui.config import Config
from opgtui.core.model import Job

if TYPE_CHECKING:
    from opgtui.domain.phases import Phase
    from opgtui.store import Store

SCAN_WINDOW = 3 * 86400  # only jobs that finished this recently are looked at (older ones: their logs are gone)
SCAN_LIMIT = 500  # logs read per round at most; the rest wait for the next round
_LOG_BYTES = 16 * 1024 * 1024  # of one stdout at most
ROUND_BYTES = 256 * 1024 * 1024  # of all logs in one round: the rest wait for the next round
ROUND_SECONDS = 60.0  # of log reading in one round (a slow log server must not hold up feed polling)


@dataclass(slots=True)
class UpkeepReport:
    scanned: int = 0
    flagged: int = 0
    phases: int = 0
    pruned: int = 0
    history: int = 0  # service states and windows past the retention
    days: int = 0
    problems: list[str] = field(default_factory=list)


def _candidates(cfg: Config, store: Store, since: float, limit: int) -> list[str]:
    with_dq = [e.name for e in cfg.experiments if e.dq is not None]
    if not cfg.record.scan_logs and not with_dq:
        return []
    return list(store.unchecked_finished(since, None if cfg.record.scan_logs else with_dq, limit))


def _read_stdout(cfg: Config, job: Job, ad: dict[str, Any] | None) -> tuple[list[str] | None, str | None]:
    from opgtui.ops.logtarget import find_log
    from opgtui.sources.logs import LogError, tail_file

    source, _, refused = find_log(cfg, job, ad, "stdout")
    if not source:
        return None, refused or "no stdout known (configure 'logs:' templates)"
    try:
        if source.startswith(("http://", "https://")):
            from opgtui.ops.logtarget import read_tail

            return read_tail(source, 5000)[0], None
        return tail_file(source, 0, max_bytes=_LOG_BYTES).lines, None
    except LogError as exc:
        return None, str(exc)


def find_outputs(template: str, attrs: Mapping[str, Any], experiment: str | None) -> list[tuple[str, int]]:
    """The files matching an ``outputs`` template (``{Iwd}/out/{ClusterId}.{ProcId}/*.root``) and their sizes.
    Raises ValueError when the template names an attribute the job lacks."""
    from opgtui.config import LogLocation
    from opgtui.sources.logs import log_sources

    found = log_sources(attrs, [LogLocation("dq", stdout=template)], experiment)
    if not found:
        raise ValueError(f"the outputs template {template!r} names an attribute this job does not have")
    pattern = os.path.expanduser(found[0][1])
    if pattern.startswith(("http://", "https://")):
        raise ValueError("the outputs template must be a local path (a glob), not a URL")
    out = []
    for path in sorted(glob.glob(pattern))[:10_000]:
        try:
            st = os.stat(path)
        except OSError:
            continue
        out.append((path, st.st_size))
    return out


def scan_finished(cfg: Config, store: Store, *, now: float | None = None, limit: int = SCAN_LIMIT) -> UpkeepReport:
    """Read the stdout of finished jobs not yet scanned: phase markers into ``job_phases`` (they replace what
    the ad said: the log is complete), data-quality checks into ``dq_results`` (one row per scanned job)."""
    from opgtui.domain.dq import check
    from opgtui.domain.phases import as_rows, pair, parse_log

    now = now or time.time()
    report = UpkeepReport()
    ids = _candidates(cfg, store, now - SCAN_WINDOW, limit)
    rows: list[tuple[str, int | None, str]] = []
    phase_sets: list[tuple[str, list[Phase]]] = []
    budget, stop_at = ROUND_BYTES, time.monotonic() + ROUND_SECONDS
    ads = store.job_ads(ids)  # one query for every candidate's ad, not one per job
    for job in store.jobs_by_id(ids):
        if budget <= 0 or time.monotonic() > stop_at:
            break
        ad = ads.get(job.id)
        lines, error = _read_stdout(cfg, job, ad)
        budget -= sum(len(line) + 1 for line in lines or ())
        report.scanned += 1
        phases = pair(parse_log(lines), "log") if lines else []
        if phases:
            phase_sets.append((job.id, phases))
        exp = cfg.experiment(job.experiment) if job.experiment else None
        ok: int | None = None
        problems: list[str] = []
        if exp is not None and exp.dq is not None and job.exit_code == 0 and job.exit_signal is None:
            outputs, out_err = None, None
            if exp.dq.outputs:
                from opgtui.sources.logs import job_attrs_from_job

                try:
                    outputs = find_outputs(exp.dq.outputs, {**(ad or {}), **job_attrs_from_job(job)}, job.experiment)
                except ValueError as exc:
                    out_err = str(exc)
            res = check(job, exp.dq, log_lines=lines, log_error=error, outputs=outputs, outputs_error=out_err)
            ok = None if res.ok is None else int(res.ok)
            problems = res.problems + [f"not checked: {u}" for u in res.unchecked]
            report.flagged += res.ok is False
        rows.append((job.id, ok, orjson.dumps(problems).decode()))
    if rows:
        store.save_checks([(job_id, as_rows(phases)) for job_id, phases in phase_sets], [(*r, now) for r in rows])
    report.phases = sum(len(p) for _, p in phase_sets)
    return report


def try_refresh_stats(store: Store) -> str | None:
    """:func:`opgtui.domain.stats.refresh`, or one line saying why the rollups could not be brought up to date
    (e.g. another process holds the store): the answer is then that of the last refresh."""
    from opgtui.domain.stats import refresh
    from opgtui.store import StoreCorrupt, StoreError

    try:
        refresh(store)
    except StoreCorrupt:  # a damaged store has no trustworthy last answer either
        raise
    except StoreError as exc:
        return f"stats not refreshed: {exc}"
    return None


def dq_flags(store: Store, job_ids: list[str] | None = None) -> dict[str, list[str]]:
    """Jobs that exited 0 but failed their data-quality checks: job id -> the problems."""
    return {job_id: orjson.loads(problems) for job_id, problems in store.dq_problems(job_ids)}


def upkeep(
    cfg: Config, store: Store, *, now: float | None = None, echo: Callable[[str], None] | None = None
) -> UpkeepReport:
    """Everything the record needs after a collection round; problems are reported, never raised."""
    from opgtui.domain import stats
    from opgtui.store import StoreError

    now = now or time.time()
    report = UpkeepReport()
    try:
        report = scan_finished(cfg, store, now=now)
        if stats.prune_due(store, now):
            pruned = stats.prune(store, cfg.record.keep_days, cfg.record.keep_ads_days, now)
            report.pruned, report.history = pruned.jobs, pruned.history
        report.days = stats.refresh(store)
    except StoreError as exc:
        report.problems.append(f"record: {exc}")
    if echo and (report.scanned or report.pruned or report.history):
        echo(
            f"record: {report.scanned} logs read, {report.flagged} flagged by data-quality checks, "
            f"{report.phases} phases, {report.pruned} old jobs and {report.history} old service states and "
            "windows pruned"
        )
    return report
