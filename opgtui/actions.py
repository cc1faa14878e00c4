"""Actions on jobs: release, hold, remove through ``Schedd.act``, one worker process per schedd.

HTCondor's answer is reported verbatim: what it did, and what it refused (not the owner, no permission).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from opgtui.config import PoolConfig
from opgtui.sources.condor import run_worker

Action = Literal["release", "hold", "remove"]
_COUNTS = ("TotalSuccess", "TotalNotFound", "TotalPermissionDenied", "TotalBadStatus", "TotalAlreadyDone",
           "TotalError")


@dataclass(slots=True)
class ActionResult:
    schedd: str
    ok: bool
    message: str
    done: int = 0


def by_schedd(job_ids: Sequence[str]) -> dict[str, list[str]]:
    """``schedd#cluster.proc`` ids grouped as ``{schedd: ["cluster.proc", ...]}``."""
    out: dict[str, list[str]] = {}
    for jid in job_ids:
        schedd, _, local = jid.partition("#")
        if not local:
            raise ValueError(f"not a job id: {jid!r} (expected schedd#cluster.proc)")
        out.setdefault(schedd, []).append(local)
    return out


def describe(result: dict[str, object]) -> tuple[int, str]:
    """HTCondor's result ad as (how many succeeded, its counts in words)."""
    counts = {k: int(v) for k in _COUNTS if isinstance(v := result.get(k), int | float) and v}
    text = ", ".join(f"{k.removeprefix('Total')}: {v}" for k, v in counts.items()) or "no jobs matched"
    return counts.get("TotalSuccess", 0), text


async def act(action: Action, job_ids: Sequence[str], *, reason: str, pool: PoolConfig | None = None,
              timeout: float = 60.0) -> list[ActionResult]:
    """Do ``action`` to the jobs, every schedd at once; one result per schedd."""
    groups = by_schedd(job_ids)

    async def one(schedd: str, ids: list[str]) -> ActionResult:
        args = ["act", "--schedd", schedd, "--action", action, "--ids", ",".join(ids), "--reason", reason]
        if pool is not None and pool.collector:
            args += ["--collector", pool.collector]
        answer = await run_worker(args, pool.timeout if pool else timeout)
        if not answer.get("ok"):
            return ActionResult(schedd, False, str(answer.get("error")))
        done, text = describe(answer.get("result") or {})  # type: ignore[arg-type]
        return ActionResult(schedd, done == len(ids), f"{action} {len(ids)}: {text}", done)

    return list(await asyncio.gather(*(one(s, ids) for s, ids in groups.items())))
