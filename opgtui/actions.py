"""Actions on jobs: release, hold and remove through ``Schedd.act``, in one worker process per schedd (the
bindings hold the GIL, so the UI never calls them itself).

HTCondor's answer is reported as it gives it: the per-job counts of its result ad (Success, NotFound,
PermissionDenied, BadStatus, AlreadyDone, Error) or, when the schedd refuses outright, its message verbatim.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from opgtui.config import PoolConfig
from opgtui.sources.condor import run_worker

Action = Literal["release", "hold", "remove"]
ACTIONS: tuple[Action, ...] = ("release", "hold", "remove")
_COUNTS = ("TotalSuccess", "TotalNotFound", "TotalPermissionDenied", "TotalBadStatus", "TotalAlreadyDone",
           "TotalError")


@dataclass(slots=True)
class ActionResult:
    """One schedd's answer: ``ok`` when every job asked for was done."""

    schedd: str
    ok: bool
    message: str
    done: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def by_schedd(job_ids: Sequence[str]) -> dict[str, list[str]]:
    """``schedd#cluster.proc`` ids grouped as ``{schedd: ["cluster.proc", ...]}``; ValueError for a bad id."""
    out: dict[str, list[str]] = {}
    for jid in job_ids:
        schedd, _, local = jid.rpartition("#")
        cluster, dot, proc = local.partition(".")
        if not schedd or not dot or not cluster.isdigit() or not proc.isdigit():
            raise ValueError(f"not a job id: {jid!r} (expected schedd#cluster.proc)")
        out.setdefault(schedd, []).append(local)
    return out


def describe(result: Mapping[str, object]) -> tuple[int, str, dict[str, int]]:
    """HTCondor's result ad as (jobs done, its non-zero counts in its own words, the counts)."""
    counts = {k: int(v) for k in _COUNTS if isinstance(v := result.get(k), int | float) and v}
    text = ", ".join(f"{k.removeprefix('Total')}: {v}" for k, v in counts.items()) or "no jobs matched"
    return counts.get("TotalSuccess", 0), text, counts


def _where(schedd: str, schedd_addresses: Mapping[str, str] | None, pool: PoolConfig | None) -> list[str]:
    address = (schedd_addresses or {}).get(schedd)
    if address:
        return [f"--address={address}"]
    if pool is not None and pool.collector:
        return [f"--collector={pool.collector}"]
    return []


async def _one(action: Action, schedd: str, spec: list[str], reason: str, where: list[str],
               timeout: float, expected: int | None) -> ActionResult:
    args = ["act", f"--schedd={schedd}", f"--action={action}", f"--reason={reason}", *where, *spec]
    answer = await run_worker(args, timeout)
    if not answer.get("ok"):
        return ActionResult(schedd, False, str(answer.get("error")))
    done, text, counts = describe(answer.get("result") or {})
    asked = expected if expected is not None else done + sum(v for k, v in counts.items() if k != "TotalSuccess")
    label = f"{action} {expected} job{'s' if expected != 1 else ''}" if expected is not None else action
    return ActionResult(schedd, done == asked and done > 0, f"{label}: {text}", done, counts)


async def act(action: Action, job_ids: Sequence[str], *, reason: str,
              schedd_addresses: Mapping[str, str] | None = None, pool: PoolConfig | None = None,
              timeout: float = 60.0) -> list[ActionResult]:
    """Do ``action`` to the jobs (``schedd#cluster.proc``), every schedd at once; one result per schedd.

    A schedd is reached at ``schedd_addresses[name]`` when given, else located through ``pool.collector``
    (or the local HTCondor config). Raises ValueError for a malformed id or action, before anything is done.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
    groups = by_schedd(job_ids)
    limit = pool.timeout if pool is not None else timeout
    return list(await asyncio.gather(*(
        _one(action, s, [f"--ids={','.join(ids)}"], reason, _where(s, schedd_addresses, pool), limit, len(ids))
        for s, ids in groups.items())))


async def act_constraint(action: Action, constraint: str, schedds: Sequence[str], *, reason: str,
                         schedd_addresses: Mapping[str, str] | None = None, pool: PoolConfig | None = None,
                         timeout: float = 60.0) -> list[ActionResult]:
    """Do ``action`` to every job matching a ClassAd ``constraint`` on each of ``schedds``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
    if not constraint.strip():
        raise ValueError("an empty constraint would select every job")
    limit = pool.timeout if pool is not None else timeout
    return list(await asyncio.gather(*(
        _one(action, s, [f"--constraint={constraint}"], reason, _where(s, schedd_addresses, pool), limit, None)
        for s in schedds)))
