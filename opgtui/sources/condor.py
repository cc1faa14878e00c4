"""Live HTCondor: find a pool's schedds, query each in its own process in parallel (queue and history since
a watermark), each with its own timeout. An unreachable schedd is reported; the others still answer."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from opgtui.config import PoolConfig
from opgtui.model import Job
from opgtui.sources.jobrecord import ATTRS, job_from_ad

NO_POOL_HINT = "no HTCondor pool found: set 'collector' or 'schedds' for this pool in the config"


@dataclass(slots=True)
class ScheddResult:
    schedd: str
    ok: bool
    jobs: list[Job] = field(default_factory=list)
    ads: dict[str, dict[str, Any]] = field(default_factory=dict)
    error: str | None = None
    elapsed: float = 0.0
    watermark: int | None = None


def quote(value: str) -> str:
    """A ClassAd string literal for a config value (never spliced in unquoted)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pool_constraint(pool: PoolConfig) -> str:
    """owners, acct_groups, batch_names and the free constraint, AND-ed (each list OR-ed inside)."""
    parts = []
    for attr, values in (("Owner", pool.owners), ("JobBatchName", pool.batch_names)):
        if values:
            parts.append("(" + " || ".join(f"{attr} == {quote(v)}" for v in values) + ")")
    if pool.acct_groups:  # the group itself or any subgroup: group_nova matches group_nova.prod.novapro
        parts.append("(" + " || ".join(f"regexp({quote('^' + g.replace('.', '[.]') + '([.]|$)')}, AccountingGroup)"
                                       for g in pool.acct_groups) + ")")
    if pool.constraint:
        parts.append(f"({pool.constraint})")
    return " && ".join(parts) or "true"


async def run_worker(args: Sequence[str], timeout: float) -> dict[str, Any]:
    """Run the worker; its JSON answer, or ``{"ok": False, "error": ...}`` on timeout or a crash."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "opgtui.sources.condor_worker", *args,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return {"ok": False, "error": f"no answer within {timeout:g}s"}
    try:
        answer = orjson.loads(out)
    except orjson.JSONDecodeError:
        last = (err.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        return {"ok": False, "error": f"worker failed (exit {proc.returncode}): {last}"}
    return answer if isinstance(answer, dict) else {"ok": False, "error": "worker answered nonsense"}


async def schedd_names(pool: PoolConfig) -> tuple[list[str], str | None]:
    if pool.schedds:
        return list(pool.schedds), None
    if not pool.collector:
        return [], NO_POOL_HINT
    answer = await run_worker(["locate", "--collector", pool.collector], pool.timeout)
    if not answer.get("ok"):
        return [], f"collector {pool.collector}: {answer.get('error')}"
    return list(answer.get("schedds", [])), None


async def query_schedd(pool: PoolConfig, name: str, since: int | None) -> ScheddResult:
    started = time.monotonic()
    args = ["query", "--schedd", name, "--constraint", pool_constraint(pool), "--projection", ",".join(ATTRS)]
    if pool.collector:
        args += ["--collector", pool.collector]
    if since is not None:
        args += ["--since", str(int(since))]
    answer = await run_worker(args, pool.timeout)
    result = ScheddResult(name, bool(answer.get("ok")), elapsed=time.monotonic() - started)
    if not result.ok:
        error = str(answer.get("error", "failed"))
        result.error = NO_POOL_HINT if "Unable to locate local daemon" in error else error
        return result
    now = time.time()
    for ad in [*answer.get("history", []), *answer.get("queue", [])]:  # the queue's view wins
        try:
            job = job_from_ad(ad, schedd=name, source=f"schedd {name}", updated=now)
        except ValueError:
            continue
        result.ads[job.id] = ad
        result.jobs.append(job)
    result.watermark = answer.get("watermark")
    return result


async def query_pool(pool: PoolConfig, *, since: dict[str, int] | None = None) -> list[ScheddResult]:
    """Every schedd of the pool at once; one result per schedd (or one error result for the pool)."""
    names, problem = await schedd_names(pool)
    if problem:
        return [ScheddResult(pool.collector or pool.name, False, error=problem)]
    return list(await asyncio.gather(*(query_schedd(pool, n, (since or {}).get(n)) for n in names)))
