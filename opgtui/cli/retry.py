"""``opgtui retry`` and ``opgtui actions``: retry jobs from the command line, list what was done to jobs."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from opgtui.config import Config
from opgtui.core.textsafe import clean, one_line
from opgtui.core.timefmt import clock

if TYPE_CHECKING:
    from opgtui.store import Store


def job_id_of(text: str) -> str:
    """``schedd#cluster.proc`` from that form or from ``cluster.proc@schedd`` (JobsubJobId); ValueError else."""
    text = text.strip()
    if "#" in text:
        return text
    local, at, schedd = text.partition("@")
    if at and schedd and local.count(".") == 1:
        return f"{schedd}#{local}"
    raise ValueError(f"not a job id: {text!r} (expected SCHEDD#CLUSTER.PROC or CLUSTER.PROC@SCHEDD)")


def plan_for(
    cfg: Config, store: Store, job_id: str, debug: bool, force: bool, bigger: bool = False, again: bool = False
) -> dict[str, Any]:
    """What a retry would do, from the recorded ad (the schedd's current ad decides for real)."""
    from opgtui.domain.retry import RetryRefused, earlier_retry, plan_retry
    from opgtui.ops.actions import debug_profile_for

    ad, job = store.job_ad(job_id), store.job(job_id)
    name, profile = (
        debug_profile_for(cfg, job_id, job and job.experiment, stored=job is not None) if debug else ("", None)
    )
    out: dict[str, Any] = {
        "job_id": job_id,
        "ok": False,
        "mode": None,
        "profile": name,
        "changes": {},
        "notes": [],
        "submit": {},
        "message": "",
    }
    if ad is None or job is None:
        out.update(ok=True, message="not in the store; the schedd's own ad will decide")
        return out
    try:
        plan = plan_retry(ad, job_id, profile=profile, profile_name=name, force=force, bigger=bigger)
    except RetryRefused as exc:
        out["message"] = str(exc)
        return out
    out.update(ok=True, mode=plan.mode, changes=plan.changes, notes=plan.notes, submit=plan.submit)
    earlier = (
        earlier_retry(
            job_id,
            [r for r in store.retries(job_id) if r["job_id"] == job_id],
            again=again,
            now=time.time(),
            host="",
            alive=lambda pid: True,
        )
        if plan.mode == "resubmit"
        else None
    )
    if earlier is not None:
        out.update(mode=None, message=earlier.message, already_retried_as=earlier.already)
    return out


def _plan_lines(plan: dict[str, Any]) -> list[str]:
    if not plan["mode"]:
        message = (
            plan["message"] if plan["message"].startswith(plan["job_id"]) else f"{plan['job_id']}: {plan['message']}"
        )
        return [clean(f"{'' if plan['ok'] else 'REFUSED '}{message}")]
    profile = f" with debug profile {plan['profile']}" if plan["profile"] else ""
    lines = [f"{plan['job_id']}: {plan['mode']}{profile}"]
    lines += [f"  {attr}: {before!r} -> {after!r}" for attr, (before, after) in plan["changes"].items()]
    lines += [f"  note: {n}" for n in plan["notes"]]
    lines += [f"  {k} = {v}" for k, v in plan["submit"].items()]
    return [clean(line) for line in lines]


def run_retry(
    cfg: Config,
    store: Store,
    args: Sequence[str],
    *,
    debug: bool,
    force: bool,
    dry_run: bool,
    yes: bool,
    as_json: bool,
    bigger: bool = False,
    again: bool = False,
) -> int:
    """Retry the jobs; 0 when every one was retried (now or before), 1 when any was not, 2 for bad input."""
    from opgtui.ops.actions import by_schedd, retry

    try:
        ids = list(dict.fromkeys(job_id_of(a) for a in args))
        by_schedd(ids)  # the dry run refuses what the real run refuses
        if dry_run:
            plans = [plan_for(cfg, store, jid, debug, force, bigger, again) for jid in ids]
            if as_json:
                click.echo(json.dumps(plans, indent=2, default=str))
            else:
                for plan in plans:
                    click.echo("\n".join(_plan_lines(plan)))
            return 0 if all(p["ok"] for p in plans) else 1
        if not yes:
            if not sys.stdin.isatty():
                raise ValueError("not a terminal: add --yes to retry without confirmation")
            what = (
                f"Retry {len(ids)} job{'s' if len(ids) != 1 else ''}"
                + (" with debug settings" if debug else "")
                + (" with more memory" if bigger else "")
            )
            if not click.confirm(what + "?", default=False):
                click.echo("nothing done")
                return 1
        pools = cfg.pools
        results = asyncio.run(
            retry(
                ids,
                store=store,
                cfg=cfg,
                debug=debug,
                force=force,
                bigger=bigger,
                again=again,
                pool=pools[0] if len(pools) == 1 else None,
            )
        )
    except ValueError as exc:
        click.echo(f"opgtui: {exc}", err=True)
        return 2
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "job_id": r.job_id,
                        "ok": r.ok,
                        "mode": r.mode,
                        "new_job_id": r.new_job_id,
                        "changes": r.changes,
                        "notes": r.notes,
                        "message": r.message,
                        "already_retried_as": r.already,
                    }
                    for r in results
                ],
                indent=2,
                default=str,
            )
        )
    else:
        for r in results:
            message = r.message if r.job_id in r.message else f"{r.job_id}: {r.message}"
            click.echo(f"{'ok    ' if r.ok else 'BEFORE' if r.already else 'FAILED'} {clean(message)}")
            for note in r.notes:
                click.echo(f"       note: {clean(note)}")
    return 0 if all(r.ok or r.already for r in results) else 1


def print_actions(store: Store, *, limit: int, as_json: bool) -> None:
    """The action log, newest first: when, who, what, how many jobs, the first line of the answer."""
    rows = list(reversed(store.action_log()))[:limit]
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        click.echo("no actions recorded")
        return
    for r in rows:
        first = (r["result"] or "").splitlines()[0] if r["result"] else ""
        n = len(r["job_ids"])
        click.echo(
            f"{clock(r['time'], with_date=True)}  {one_line(r['who'], 12):<12} {r['action']:<18} "
            f"{n:>6} job{'s' if n != 1 else ' '}  {one_line(first, 80)}"
        )
