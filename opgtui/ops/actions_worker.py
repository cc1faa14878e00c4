"""Actions on jobs in their own process, answering one JSON object on stdout, as the source worker does
(:mod:`opgtui.sources.condor_worker`: the bindings hold the GIL, and a process can be killed on our timeout).

    python -m opgtui.ops.actions_worker act --schedd NAME [--address SINFUL] [--collector HOST]
        --action release|hold|remove --ids 1.0,2.0 --reason TEXT
    python -m opgtui.ops.actions_worker retry --schedd NAME [--address SINFUL] [--collector HOST]
        --request '{"jobs": [{"local": "1.0", "job_id": "S#1.0", "profile": {...}|null, ...}], "reason": TEXT}'
    python -m opgtui.ops.actions_worker find-retries --schedd NAME ... --request '{"ids": ["S#1.0"]}'

A retry is planned here, from the job's ad as the schedd has it now (:func:`opgtui.domain.retry.plan_retry`), and
carried out in the same process. The answer is ``{"ok": true, ...}`` or ``{"ok": false, "error": "one line"}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

import orjson

from opgtui.sources.condor_worker import answer, error_text, parser, schedd_for

if TYPE_CHECKING:
    from opgtui.domain.retry import RetryPlan

Action = Literal["release", "hold", "remove"]
ACTIONS: tuple[Action, ...] = get_args(Action)
"""What a shifter can do to a job through ``Schedd.act``: the one list (``ops.actions`` takes it from here)."""


def act(schedd: Any, action: str, job_ids: list[str], reason: str) -> dict[str, Any]:
    """``Schedd.act`` and its result ad. The reason goes as a (text, code) tuple: a plain string is dropped."""
    import htcondor2

    job_action = {
        "release": htcondor2.JobAction.Release,
        "hold": htcondor2.JobAction.Hold,
        "remove": htcondor2.JobAction.Remove,
    }[action]
    result = schedd.act(job_action, job_ids, (reason, 0))
    return {"ok": True, "result": orjson.loads(result.printJson()) if result is not None else {}}


def _ad_dict(ad: Any) -> dict[str, Any]:
    return orjson.loads(ad.printJson())


def _find(schedd: Any, local: str) -> tuple[dict[str, Any] | None, str]:
    """The job's full ad from the queue, else from the history; (None, "") when neither has it."""
    cluster, _, proc = local.partition(".")
    constraint = f"ClusterId == {int(cluster)} && ProcId == {int(proc)}"
    found = schedd.query(constraint)
    if found:
        return _ad_dict(found[0]), "queue"
    done = schedd.history(constraint, [], match=1)
    if done:
        return _ad_dict(done[0]), "history"
    return None, ""


def _expr(value: str | int) -> str:
    import classad2

    return classad2.quote(value) if isinstance(value, str) else str(value)


def _release(schedd: Any, local: str, ad: dict[str, Any], edits: dict[str, str | int], reason: str) -> str | None:
    """Edit the attributes, then release; on any refusal put the edited attributes back. None when done."""
    import htcondor2

    from opgtui.domain.retry import classad_literal

    edited: list[str] = []
    try:
        for attr, value in edits.items():
            schedd.edit([local], attr, _expr(value))
            edited.append(attr)
        result = _ad_dict(schedd.act(htcondor2.JobAction.Release, [local], (reason, 0)))
        if result.get("TotalSuccess") != 1:
            counts = {
                k.removeprefix("Total"): v
                for k, v in result.items()
                if k.startswith("Total") and k not in ("TotalJobAds", "TotalChangedAds") and v
            }
            raise RuntimeError(
                "release refused: " + (", ".join(f"{k}: {v}" for k, v in counts.items()) or "no jobs matched")
            )
    except Exception as exc:
        undo_errors = []
        for attr in reversed(edited):
            try:
                schedd.edit([local], attr, classad_literal(ad.get(attr)))
            except Exception as undo:  # report both: this is the one case that leaves the job changed
                undo_errors.append(f"{attr}: {error_text(undo)}")
        if undo_errors:
            return f"{error_text(exc)}; AND putting back the edits failed ({'; '.join(undo_errors)})"
        return f"{error_text(exc)}; nothing changed" if edited else error_text(exc)
    return None


#: A retry's history record is written after the original's: the history scan for retries stops this long
#: before the original left the queue (records are written roughly in EnteredCurrentStatus order).
_HISTORY_MARGIN = 3600


def find_retries(schedd: Any, job_ids: list[str], since: float | None = None) -> dict[str, list[str]]:
    """The jobs this schedd has (queue, then history back to ``since``) whose ``OpgRetryOf`` is one of
    ``job_ids``: original id -> the retries' ids, oldest first."""
    import classad2

    if not job_ids:
        return {}
    constraint = " || ".join(f"OpgRetryOf =?= {classad2.quote(j)}" for j in job_ids)
    projection = ["ClusterId", "ProcId", "OpgRetryOf"]
    stop = classad2.ExprTree(f"EnteredCurrentStatus < {int(since) - _HISTORY_MARGIN}") if since else None
    found: dict[str, set[tuple[int, int]]] = {}
    for ad in [*schedd.query(constraint, projection), *schedd.history(constraint, projection, since=stop)]:
        cluster, proc, of = ad.get("ClusterId"), ad.get("ProcId"), ad.get("OpgRetryOf")
        if type(cluster) is int and type(proc) is int and isinstance(of, str):
            found.setdefault(of, set()).add((cluster, proc))
    return {of: [f"{of.rpartition('#')[0]}#{c}.{p}" for c, p in sorted(ids)] for of, ids in found.items()}


def _left_queue(ad: dict[str, Any]) -> float | None:
    for attr in ("CompletionDate", "EnteredCurrentStatus"):
        value = ad.get(attr)
        if type(value) in (int, float) and value > 0:
            return float(value)
    return None


def retry(schedd: Any, request: dict[str, Any]) -> dict[str, Any]:
    """Retry each job of ``request["jobs"]`` on this schedd: edit + release when held, else resubmit.

    A job to resubmit is first looked for among the retries the schedd has (``OpgRetryOf``, queue and history):
    found, it is not submitted again (``already`` names the retry) unless the job says ``again``."""
    import htcondor2

    from opgtui.config import DebugProfile
    from opgtui.domain.retry import RetryRefused, plan_retry

    results = []
    todo: list[tuple[dict[str, Any], dict[str, Any], str, tuple[dict[str, Any], RetryPlan]]] = []
    for job in request.get("jobs", []):
        local, job_id = job["local"], job["job_id"]
        out: dict[str, Any] = {
            "job_id": job_id,
            "ok": False,
            "mode": None,
            "new_job_id": None,
            "changes": {},
            "notes": [],
            "message": "",
            "already": None,
        }
        results.append(out)
        try:
            ad, where = _find(schedd, local)
            if ad is None and job.get("recorded_ad"):
                ad, where = job["recorded_ad"], "the ad recorded by opgtui"
            if ad is None:
                out["message"] = f"{job_id} no longer exists (not in the queue or the history of its schedd)"
                continue
            profile = DebugProfile(**job["profile"]) if job.get("profile") else None
            plan = plan_retry(
                ad,
                job_id,
                profile=profile,
                profile_name=job.get("profile_name", ""),
                force=bool(job.get("force")),
                bigger=bool(job.get("bigger")),
            )
            out.update(mode=plan.mode, changes=plan.changes, notes=plan.notes)
            todo.append((job, out, where, (ad, plan)))
        except RetryRefused as exc:
            out["message"] = str(exc)
        except Exception as exc:  # HTCondor's own refusal, verbatim
            out["message"] = error_text(exc)
    looked_up = [(job, out) for job, out, _, (ad, plan) in todo if plan.mode == "resubmit" and not job.get("again")]
    earlier: dict[str, list[str]] = {}
    if looked_up:
        left = [_left_queue(ad) for _, out, _, (ad, plan) in todo if plan.mode == "resubmit"]
        try:
            earlier = find_retries(
                schedd,
                [out["job_id"] for _, out in looked_up],
                None if None in left else min(x for x in left if x is not None),
            )
        except Exception as exc:  # not knowing whether it was retried, nothing is submitted
            for _, out in looked_up:
                out["message"] = f"could not look for earlier retries ({error_text(exc)}); nothing submitted"
            unknown = {id(out) for _, out in looked_up}
            todo = [t for t in todo if id(t[1]) not in unknown]
    for job, out, where, (ad, plan) in todo:
        local, job_id = job["local"], job["job_id"]
        try:
            if plan.mode == "resubmit" and earlier.get(job_id) and not job.get("again"):
                new_id = earlier[job_id][-1]
                out.update(
                    already=new_id,
                    new_job_id=new_id,
                    message=f"{job_id} already retried as {new_id} (its schedd has it); "
                    "nothing submitted (--again to submit it once more)",
                )
            elif plan.mode == "release":
                error = _release(schedd, local, ad, plan.edits, request.get("reason", "opgtui retry"))
                out.update(
                    ok=error is None,
                    new_job_id=job_id if error is None else None,
                    message=error
                    or f"released {job_id}" + (" after editing " + ", ".join(plan.edits) if plan.edits else ""),
                )
            else:
                result = schedd.submit(htcondor2.Submit(plan.submit))
                new_local = f"{result.cluster()}.0"
                new_id = f"{job_id.rpartition('#')[0]}#{new_local}"
                out.update(ok=True, new_job_id=new_id, message=f"resubmitted {job_id} from {where} as {new_id}")
        except RetryRefused as exc:
            out["message"] = str(exc)
        except Exception as exc:  # HTCondor's own refusal, verbatim
            out["message"] = error_text(exc)
    return {"ok": True, "results": results}


def main(argv: list[str] | None = None) -> int:
    ap = parser("opgtui.ops.actions_worker", ["act", "retry", "find-retries"])
    ap.add_argument("--action", choices=ACTIONS)
    ap.add_argument("--ids", default="")
    ap.add_argument("--reason", default="")
    ap.add_argument("--request", default="{}", help="retry: JSON {jobs: [...], reason}")
    a = ap.parse_args(argv)

    def work() -> bytes:
        schedd = schedd_for(a.schedd, a.address, a.collector)
        if a.verb == "retry":
            return orjson.dumps(retry(schedd, orjson.loads(a.request)))
        if a.verb == "find-retries":
            request = orjson.loads(a.request)
            return orjson.dumps({"ok": True, "found": find_retries(schedd, request["ids"], request.get("since"))})
        ids = [i for i in a.ids.split(",") if i]
        if not ids:
            raise ValueError("act needs --ids")
        return orjson.dumps(act(schedd, a.action, ids, a.reason))

    return answer(work)


if __name__ == "__main__":
    raise SystemExit(main())
