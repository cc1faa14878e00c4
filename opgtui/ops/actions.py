"""Actions on jobs: release, hold and remove through ``Schedd.act``, and retry (edit + release a held job,
resubmit a finished one, optionally with the experiment's debug profile), in one worker process per schedd
(the bindings hold the GIL, so the UI never calls them itself).

HTCondor's answer is reported as it gives it: the per-job counts of its result ad (Success, NotFound,
PermissionDenied, BadStatus, AlreadyDone, Error) or, when the schedd refuses outright, its message verbatim.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
import orjson

from opgtui.config import Config, DebugProfile, PoolConfig
from opgtui.core.textsafe import one_line
from opgtui.domain.retry import Earlier, earlier_retry, pending_note
from opgtui.ops.actions_worker import ACTIONS, Action
from opgtui.sources.condor import explain, run_worker

if TYPE_CHECKING:
    from opgtui.store import Store

WORKER = "opgtui.ops.actions_worker"  # the process that acts on a schedd (planning a retry from the live ad)
_COUNTS = ("TotalSuccess", "TotalNotFound", "TotalPermissionDenied", "TotalBadStatus", "TotalAlreadyDone", "TotalError")


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


async def _one(
    action: Action, schedd: str, spec: list[str], reason: str, where: list[str], timeout: float, expected: int
) -> ActionResult:
    args = ["act", f"--schedd={schedd}", f"--action={action}", f"--reason={reason}", *where, *spec]
    answer = await run_worker(args, timeout, module=WORKER)
    if not answer.get("ok"):
        return ActionResult(schedd, False, str(answer.get("error")))
    done, text, counts = describe(answer.get("result") or {})
    label = f"{action} {expected} job{'s' if expected != 1 else ''}"
    return ActionResult(schedd, done == expected and done > 0, f"{label}: {text}", done, counts)


async def act(
    action: Action,
    job_ids: Sequence[str],
    *,
    reason: str,
    schedd_addresses: Mapping[str, str] | None = None,
    pool: PoolConfig | None = None,
    timeout: float = 60.0,
) -> list[ActionResult]:
    """Do ``action`` to the jobs (``schedd#cluster.proc``), every schedd at once; one result per schedd.

    A schedd is reached at ``schedd_addresses[name]`` when given, else located through ``pool.collector``
    (or the local HTCondor config). Raises ValueError for a malformed id or action, before anything is done.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
    groups = by_schedd(job_ids)
    limit = pool.timeout if pool is not None else timeout
    return list(
        await asyncio.gather(
            *(
                _one(action, s, [f"--ids={','.join(ids)}"], reason, _where(s, schedd_addresses, pool), limit, len(ids))
                for s, ids in groups.items()
            )
        )
    )


def default_pool(cfg: Config) -> PoolConfig | None:
    """The pool whose collector locates the schedds: the config's one pool; None (the local HTCondor config)
    when it names none or several."""
    return cfg.pools[0] if len(cfg.pools) == 1 else None


def answer_lines(results: Sequence[ActionResult]) -> list[str]:
    """One line per schedd: ``schedd: ok|refused <HTCondor's answer>``."""
    return [f"{r.schedd}: {'ok' if r.ok else 'refused'} {one_line(r.message, 200)}" for r in results]


async def act_and_log(
    store: Store,
    action: Action,
    job_ids: Sequence[str],
    *,
    reason: str,
    pool: PoolConfig | None = None,
    schedd_addresses: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> list[ActionResult]:
    """``act``, then the answer recorded in the store's action log (``:actions``, ``opgtui actions``)."""
    results = await act(action, job_ids, reason=reason, schedd_addresses=schedd_addresses, pool=pool, timeout=timeout)
    store.log_action(action, list(job_ids), "\n".join(answer_lines(results)))
    return results


# ---------------------------------------------------------------- retry


@dataclass(slots=True)
class RetryResult:
    """One job's retry: how (release or resubmit), the new job, what changed, HTCondor's answer. ``already``
    names the earlier retry when nothing was done because the job had been retried before."""

    job_id: str
    ok: bool
    message: str
    mode: str | None = None
    new_job_id: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    already: str | None = None


def debug_profile_for(
    cfg: Config, job_id: str, experiment: str | None, *, stored: bool = True
) -> tuple[str, DebugProfile]:
    """The debug profile of the job's experiment, or ValueError saying what to configure."""
    where = f" in {cfg.path}" if cfg.path else ""
    if not stored:
        raise ValueError(
            f"{job_id} is not in the store, so its experiment and debug profile are unknown "
            "(collect first, or retry without debug)"
        )
    if not experiment:
        raise ValueError(
            f"{job_id}: its experiment is unknown (no AccountingGroup, Jobsub_Group or VO in its ad), "
            "so no debug profile applies"
        )
    exp = cfg.experiment(experiment)
    if exp is None:
        known = ", ".join(e.name for e in cfg.experiments) or "none"
        raise ValueError(
            f"{job_id}: experiment {experiment!r} is not under experiments:{where} (known: {known}); "
            "add it with a debug_profile"
        )
    p = exp.debug_profile
    if not (p.environment or p.arguments or p.request_memory):
        raise ValueError(f"{job_id}: experiment {experiment!r} has no debug_profile{where}")
    return exp.name, p


async def retry(
    job_ids: Sequence[str],
    *,
    store: Store,
    cfg: Config,
    debug: bool = False,
    force: bool = False,
    bigger: bool = False,
    again: bool = False,
    reason: str = "opgtui: retry by shifter",
    schedd_addresses: Mapping[str, str] | None = None,
    pool: PoolConfig | None = None,
    timeout: float = 120.0,
    chunk: int = 500,
    now: float | None = None,
) -> list[RetryResult]:
    """Retry the jobs, every schedd at once; each retry is recorded in the store with its lineage.

    Bad ids and missing debug profiles raise ValueError before anything is done. The intent is recorded in the
    store before anything is sent, so two retries of one job never run at once; a job retried before (in the
    store, or by ``OpgRetryOf`` on its schedd) is not resubmitted again unless ``again``. The schedd's own ad
    (queue, else history) decides how; the ad opgtui recorded is the fallback for a job the schedd no longer has.
    """
    groups = by_schedd(job_ids)
    experiments = {j.id: j.experiment for j in store.jobs_by_id(list(job_ids))} if debug else {}
    profiles = (
        {jid: debug_profile_for(cfg, jid, experiments.get(jid), stored=jid in experiments) for jid in job_ids}
        if debug
        else {}
    )
    limit = pool.timeout if pool is not None else timeout
    now = time.time() if now is None else now
    host = socket.gethostname()
    claims = store.claim_retries(
        list(job_ids),
        lambda jid, rows: earlier_retry(jid, rows, again=again, now=now, host=host, alive=_alive),
        pending_note(os.getpid(), host),
        now=now,
    )
    refused = {jid: c for jid, c in claims.items() if isinstance(c, Earlier)}

    async def one_schedd(schedd: str, locals_: list[str]) -> list[RetryResult]:
        out: list[RetryResult] = []
        claimed = [loc for loc in locals_ if f"{schedd}#{loc}" not in refused]
        for start in range(0, len(claimed), chunk):
            jobs = []
            for local in claimed[start : start + chunk]:
                jid = f"{schedd}#{local}"
                name, profile = profiles.get(jid, ("", None))
                shown = msgspec.structs.asdict(profile) if profile else None
                jobs.append(
                    {
                        "local": local,
                        "job_id": jid,
                        "profile": shown,
                        "profile_name": name,
                        "force": force,
                        "bigger": bigger,
                        "again": again,
                        "recorded_ad": store.job_ad(jid),
                    }
                )
            request = orjson.dumps({"jobs": jobs, "reason": reason}).decode()
            where = _where(schedd, schedd_addresses, pool)
            answer = await run_worker(
                ["retry", f"--schedd={schedd}", *where, f"--request={request}"], limit, module=WORKER
            )
            if answer.get("unanswered"):  # it may have acted before it died: ask the schedd what it has
                out += await _unanswered(schedd, where, [j["job_id"] for j in jobs], str(answer["error"]), limit)
            elif not answer.get("ok"):  # the schedd could not be reached: every job of it, with what to do
                error = explain(str(answer.get("error")))
                out += [RetryResult(j["job_id"], False, f"{j['job_id']}: {error}") for j in jobs]
            else:
                out += [
                    RetryResult(
                        r["job_id"],
                        bool(r["ok"]),
                        str(r.get("message", "")),
                        r.get("mode"),
                        r.get("new_job_id"),
                        r.get("changes") or {},
                        r.get("notes") or [],
                        r.get("already"),
                    )
                    for r in answer.get("results", [])
                ]
        return out

    results = [r for part in await asyncio.gather(*(one_schedd(s, ids) for s, ids in groups.items())) for r in part]
    results += [RetryResult(jid, False, e.message, already=e.already) for jid, e in refused.items()]
    order = {jid: i for i, jid in enumerate(job_ids)}
    results.sort(key=lambda r: order.get(r.job_id, len(order)))
    store.finish_retries(
        [
            (
                claims[r.job_id],
                r.new_job_id,
                "resubmit" if r.already else r.mode or "",
                profiles.get(r.job_id, ("", None))[0],
                r.changes,
                r.ok or r.already is not None,
                r.message,
            )
            for r in results
            if isinstance(claims.get(r.job_id), int)
        ]
    )
    done, already = sum(r.ok for r in results), sum(r.already is not None for r in results)
    what = "retry" + (" with debug" if debug else "") + (" + memory" if bigger else "")
    store.log_action(
        what,
        list(job_ids),
        f"{done} of {len(results)} retried"
        + (f", {already} retried before" if already else "")
        + "".join(f"\n{r.job_id}: {r.message}" for r in results if not r.ok),
    )
    return results


def _alive(pid: int) -> bool:
    """Whether a process of this host is running (a pending retry of a dead one was abandoned)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


async def _unanswered(schedd: str, where: list[str], job_ids: list[str], error: str, limit: float) -> list[RetryResult]:
    """The jobs of a retry worker that died or timed out: those the schedd has a resubmission of
    (``OpgRetryOf``) were retried; of the others it is not known."""
    answer = await run_worker(
        ["find-retries", f"--schedd={schedd}", *where, "--request=" + orjson.dumps({"ids": job_ids}).decode()],
        limit,
        module=WORKER,
    )
    found = answer.get("found") or {} if answer.get("ok") else {}
    out = []
    for jid in job_ids:
        if found.get(jid):
            new = found[jid][-1]
            out.append(
                RetryResult(
                    jid,
                    True,
                    f"resubmitted {jid} as {new} (the worker gave no answer: {error}; its schedd has the new job)",
                    "resubmit",
                    new,
                )
            )
        elif answer.get("ok"):
            out.append(
                RetryResult(
                    jid,
                    False,
                    f"{jid}: {error}; its schedd has no resubmission of it "
                    "(a release may still have happened: check its status)",
                )
            )
        else:
            out.append(
                RetryResult(
                    jid,
                    False,
                    f"{jid}: {error}; not known whether it was retried (the next "
                    "retry looks for it on the schedd before submitting)",
                )
            )
    return out
