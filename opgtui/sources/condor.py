"""Live HTCondor: find a pool's schedds, query each in its own worker process in parallel (queue, and history
since a watermark), each with the pool's timeout. An unreachable schedd is reported; the others still answer.

Config values and job attributes only ever reach HTCondor as quoted ClassAd literals inside a constraint, and
the worker is started with an argument vector (no shell).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from opgtui.config import PoolConfig
from opgtui.core.model import Job
from opgtui.sources.jobrecord import ATTRS, job_from_ad

NO_POOL_HINT = (
    "no HTCondor pool configured: give this pool a 'collector' (e.g. collector: gpcollector03.fnal.gov) and "
    "optionally a list of 'schedds' in the config, or point CONDOR_CONFIG at a config with COLLECTOR_HOST"
)
_NO_POOL_ERRORS = ("Unable to locate local daemon", "Unable to determine collector host")
#: A history watermark is one int: the newest history record's job id, ``cluster * JOB_ID_SCALE + proc``.
JOB_ID_SCALE = 10_000_000
#: At most this many history records per read (bounds a scan whose watermark record was rotated away).
HISTORY_LIMIT = 200_000
_WORKER = "opgtui.sources.condor_worker"


@dataclass(slots=True)
class ScheddResult:
    """One schedd's answer. ``watermark`` goes back in as ``since[schedd]`` next time (see JOB_ID_SCALE)."""

    schedd: str
    ok: bool
    jobs: list[Job] = field(default_factory=list)
    ads: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str | None = None
    elapsed: float = 0.0
    watermark: int | None = None


# ---------------------------------------------------------------- constraints


def quote(value: str) -> str:
    """A ClassAd string literal (backslashes and quotes escaped): config values are never spliced in bare."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pool_constraint(pool: PoolConfig) -> str:
    """owners, acct_groups, batch_names and the free constraint, AND-ed (each list OR-ed inside).

    ``acct_groups`` match the group and its subgroups: ``group_nova`` selects ``group_nova.prod.novapro``.
    """
    parts = []
    for attr, values in (("Owner", pool.owners), ("JobBatchName", pool.batch_names)):
        if values:
            parts.append("(" + " || ".join(f"{attr} == {quote(v)}" for v in values) + ")")
    if pool.acct_groups:
        parts.append(
            "("
            + " || ".join(
                f"(AccountingGroup == {quote(g)} || substr(AccountingGroup, 0, {len(g) + 1}) == {quote(g + '.')})"
                for g in pool.acct_groups
            )
            + ")"
        )
    if pool.constraint:
        parts.append(f"({pool.constraint})")
    return " && ".join(parts) or "true"


def encode_watermark(cluster: int, proc: int) -> int | None:
    return cluster * JOB_ID_SCALE + proc if cluster >= 0 and 0 <= proc < JOB_ID_SCALE else None


def decode_watermark(mark: int) -> str:
    """``cluster.proc`` of a watermark."""
    cluster, proc = divmod(int(mark), JOB_ID_SCALE)
    return f"{cluster}.{proc}"


# ---------------------------------------------------------------- the worker process


async def run_worker(args: Sequence[str], timeout: float, *, module: str = _WORKER) -> dict[str, Any]:
    """Run the worker (``module``: this source's, or :mod:`opgtui.ops.actions_worker` for actions); its JSON
    answer, or ``{"ok": False, "error": ..., "unanswered": True}`` on timeout or a crash (then what the worker did
    is unknown: it may have acted before it died).

    The worker is killed on timeout and when the caller is cancelled.
    """
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        return {"ok": False, "error": f"no answer within {timeout:g}s", "unanswered": True}
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(Exception):
                await asyncio.shield(proc.wait())
    try:  # a big answer is parsed off the event loop (the UI keeps its ticks between bytecodes)
        answer = orjson.loads(out) if len(out) < 1 << 20 else await asyncio.to_thread(orjson.loads, out)
    except orjson.JSONDecodeError:
        lines = err.decode(errors="replace").strip().splitlines() or ["no output"]
        return {"ok": False, "error": f"worker failed (exit {proc.returncode}): {lines[-1]}", "unanswered": True}
    return answer if isinstance(answer, dict) else {"ok": False, "error": "worker answered nonsense"}


def explain(error: str) -> str:
    """HTCondor's one-line message, with what to configure when it means that no pool is configured."""
    return f"{error} ({NO_POOL_HINT})" if any(e in error for e in _NO_POOL_ERRORS) else error


# ---------------------------------------------------------------- the pool


async def locate_schedds(pool: PoolConfig) -> tuple[dict[str, str | None], str | None]:
    """{schedd name: address or None}: the config's list, or every schedd of the pool's collector."""
    if pool.schedds:
        return dict.fromkeys(pool.schedds), None
    if not pool.collector:
        return {}, NO_POOL_HINT
    answer = await run_worker(["locate", f"--collector={pool.collector}"], pool.timeout)
    if not answer.get("ok"):
        return {}, f"collector {pool.collector}: {explain(str(answer.get('error')))}"
    return {s["name"]: s.get("address") or None for s in answer.get("schedds", [])}, None


async def query_schedd(
    pool: PoolConfig, name: str, address: str | None = None, since: int | None = None, *, now: float | None = None
) -> ScheddResult:
    """The queue and the new history of one schedd, through one worker process."""
    started = time.monotonic()
    now = time.time() if now is None else now
    # every value as --name=value: a value starting with '-' can never be read as an option
    args = [
        "query",
        f"--schedd={name}",
        f"--constraint={pool_constraint(pool)}",
        f"--projection={','.join(ATTRS)}",
        f"--history-limit={HISTORY_LIMIT}",
    ]
    if address:
        args.append(f"--address={address}")
    elif pool.collector:
        args.append(f"--collector={pool.collector}")
    if since is not None:
        args.append(f"--since-job={decode_watermark(since)}")
    else:  # the first read: back to history_hours (records are newest first; stop at the first older one)
        args.append(f"--since-time={int(now - pool.history_hours * 3600)}")
    answer = await run_worker(args, pool.timeout)
    result = ScheddResult(name, bool(answer.get("ok")), watermark=since)
    if not result.ok:
        result.error = explain(str(answer.get("error", "failed")))
    else:
        ads = [*answer.get("history", []), *answer.get("queue", [])]  # the queue's view wins
        if len(ads) < 2000:
            _normalise(result, ads, now)
        else:
            await asyncio.to_thread(_normalise, result, ads, now)
        newest = answer.get("newest")
        if isinstance(newest, list) and len(newest) >= 2 and all(type(v) is int for v in newest[:2]):
            result.watermark = encode_watermark(newest[0], newest[1])
    result.elapsed = time.monotonic() - started
    return result


def _normalise(result: ScheddResult, ads: list[Any], now: float) -> None:
    """Jobs and raw ads of one schedd's answer, one record per job id (the later ad wins)."""
    name = result.schedd
    source = f"schedd {name}"
    seen: dict[str, int] = {}
    for ad in ads:
        try:
            job = job_from_ad(ad, schedd=name, source=source, updated=now)
        except (ValueError, AttributeError):
            continue
        i = seen.get(job.id)
        if i is None:
            seen[job.id] = len(result.jobs)
            result.jobs.append(job)
        else:
            result.jobs[i] = job
        result.ads[job.id] = ad


async def query_pool(pool: PoolConfig, *, since: dict[str, int] | None = None) -> list[ScheddResult]:
    """Every schedd of the pool at once, one worker process each; one result per schedd (or one error
    result naming the collector when the schedds cannot be found). Never raises for HTCondor problems."""
    started = time.monotonic()
    schedds, problem = await locate_schedds(pool)
    if problem:
        return [ScheddResult(pool.collector or pool.name, False, error=problem, elapsed=time.monotonic() - started)]
    now = time.time()
    since = since or {}
    return list(
        await asyncio.gather(*(query_schedd(pool, n, addr, since.get(n), now=now) for n, addr in schedds.items()))
    )
