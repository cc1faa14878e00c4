"""A test double for ``htcondor2.Schedd`` that serves recorded ads and evaluates constraints, projections and
history ``since`` with classad2 itself, with the binding's signatures and return types.

The worker process uses it through ``OPGTUI_SCHEDD_FACTORY=schedd_double:make`` (``PYTHONPATH`` must hold
tests/). State lives in ``$OPGTUI_DOUBLE_DIR``:

- ``<schedd>.json``: the queue (a ``-json`` array); ``<schedd>.history.json``: the history, oldest record
  first (the order the schedd appends them); the schedd reads it newest first, as the real one does.
- ``<schedd>.unreachable``: connecting fails with the file's text (an ``HTCondorException``).
- ``<schedd>.hang``: every call sleeps (for timeouts).
- ``<schedd>.refuse``: ``act``/``edit``/``submit`` raise ``HTCondorException`` with the file's text;
  ``<schedd>.refuse-<verb>`` (``edit``, ``submit``, ``release``, ``hold``, ``remove``) refuses that one only.
- ``<schedd>.submitted.json``: every submit description received, in order.
- ``<schedd>.slow-submit``: ``submit`` waits the file's seconds before queueing (two callers overlap);
  ``<schedd>.slow-act`` does the same for ``act``;
  ``<schedd>.hang-after-submit`` / ``<schedd>.die-after-submit``: the job is queued, then the process sleeps
  for an hour / is killed (the caller gets no answer although the schedd accepted the job).
- ``$OPGTUI_DOUBLE_OWNER``: who is acting; jobs of other owners count as TotalPermissionDenied.

Actions change the files, so a later query sees them: hold and release change JobStatus, remove moves the
job to the history.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import classad2
import htcondor2

_ID = re.compile(r"\d+\.\d+")
_CLUSTER = re.compile(r"\d+")


def _dir() -> Path:
    return Path(os.environ["OPGTUI_DOUBLE_DIR"])


def locate_all(collector: str | None = None) -> list[dict[str, str]]:
    """What ``Collector.locateAll(DaemonType.Schedd)`` would say: every schedd with a queue file."""
    names = sorted(p.name.removesuffix(".json") for p in _dir().glob("*.json") if not p.name.endswith(".history.json"))
    return [{"Name": n, "MyAddress": f"<127.0.0.1:9618?alias={n}>"} for n in names]


def make(name: str | None, address: str | None = None) -> ScheddDouble:
    return ScheddDouble(name or "local")


def to_classad(ad: dict[str, Any]) -> classad2.ClassAd:
    """A ``-json`` layout dict as a real ClassAd (``"/Expr(...)/"`` strings become expressions)."""
    out = classad2.ClassAd()
    for k, v in ad.items():
        if isinstance(v, str) and v.startswith("/Expr(") and v.endswith(")/"):
            out[k] = classad2.ExprTree(v[6:-2])
        elif isinstance(v, dict):
            out[k] = to_classad(v)
        elif v is not None:
            out[k] = v
        else:
            out[k] = classad2.ExprTree("undefined")
    return out


def _is_true(expr: classad2.ExprTree, ad: classad2.ClassAd) -> bool:
    """What the schedd treats as true: True, or a non-zero number. Undefined (truthy in Python) is not."""
    v = expr.eval(ad)
    if v is True:
        return True
    return type(v) in (int, float) and v != 0


def _project(ad: dict[str, Any], projection: list[str]) -> classad2.ClassAd:
    if not projection:
        return to_classad(ad)
    wanted = {p.lower() for p in projection}
    return to_classad({k: v for k, v in ad.items() if k.lower() in wanted})


def _expr(constraint: Any, default: str = "true") -> classad2.ExprTree:
    if isinstance(constraint, classad2.ExprTree):
        return constraint
    return classad2.ExprTree(str(constraint) if constraint not in (None, "") else default)


def _job_spec(job_spec: Any) -> classad2.ExprTree:
    """The binding's reading of a job spec (job_spec_hack): ids, a cluster, or a constraint."""
    if isinstance(job_spec, list):
        if not all(isinstance(i, str) for i in job_spec):
            raise TypeError("All elements of the job_spec list must be strings.")
        terms = []
        for i in job_spec:
            if _ID.fullmatch(i):
                c, p = i.split(".")
                terms.append(f"(ClusterId == {c} && ProcId == {p})")
            elif _CLUSTER.fullmatch(i):
                terms.append(f"(ClusterId == {i})")
            else:
                raise ValueError("All elements of the job_spec list must be strings of the form clusterID[.procID]")
        return classad2.ExprTree(" || ".join(terms) or "false")
    if isinstance(job_spec, int):
        return classad2.ExprTree(f"ClusterId == {job_spec}")
    if isinstance(job_spec, str):
        if _ID.fullmatch(job_spec):
            c, p = job_spec.split(".")
            return classad2.ExprTree(f"ClusterId == {c} && ProcId == {p}")
        if _CLUSTER.fullmatch(job_spec):
            return classad2.ExprTree(f"ClusterId == {job_spec}")
    return _expr(job_spec)


def _since(since: Any) -> classad2.ExprTree | None:
    """The binding's reading of ``since``, bug included: a string of digits is an expression, always true."""
    if since is None:
        return None
    if isinstance(since, int):
        return classad2.ExprTree(f"ClusterId == {since}")
    if isinstance(since, str) and _ID.fullmatch(since):
        c, p = since.split(".")
        return classad2.ExprTree(f"ClusterId == {c} && ProcId == {p}")
    if isinstance(since, str | classad2.ExprTree):
        return classad2.ExprTree(str(since))
    raise TypeError("since must be an int, string, or ExprTree")


class ScheddDouble:
    """``query``, ``history``, ``act`` and ``edit`` with ``htcondor2.Schedd``'s signatures, over JSON files."""

    def __init__(self, name: str) -> None:
        self.name = name
        d = _dir()
        self.queue_path = d / f"{name}.json"
        self.history_path = d / f"{name}.history.json"
        unreachable = d / f"{name}.unreachable"
        if unreachable.exists() or not self.queue_path.exists():
            text = unreachable.read_text().strip() if unreachable.exists() else ""
            raise htcondor2.HTCondorException(
                text or f"Unable to find address for schedd {name} (failed to connect: Connection refused)"
            )

    # -- state
    def _hang(self) -> None:
        if (_dir() / f"{self.name}.hang").exists():
            time.sleep(3600)

    def _load(self, path: Path) -> list[dict[str, Any]]:
        return json.loads(path.read_text()) if path.exists() else []

    def _save(self, path: Path, ads: list[dict[str, Any]]) -> None:
        path.write_text(json.dumps(ads))

    def _refuse(self, verb: str) -> None:
        for refuse in (_dir() / f"{self.name}.refuse", _dir() / f"{self.name}.refuse-{verb}"):
            if refuse.exists():
                raise htcondor2.HTCondorException(refuse.read_text().strip())

    # -- the binding's methods
    def query(
        self,
        constraint: str | classad2.ExprTree = "True",
        projection: list[str] = [],  # noqa: B006
        callback: Any = None,
        limit: int = -1,
        opts: Any = None,
    ) -> list[classad2.ClassAd]:
        self._hang()
        expr = _expr(constraint)
        out = []
        for ad in self._load(self.queue_path):
            if _is_true(expr, to_classad(ad)):
                found = _project(ad, projection)
                if callback is not None:
                    found = callback(found)
                    if found is None:
                        continue
                out.append(found)
                if 0 <= limit <= len(out):
                    break
        return out

    def history(
        self,
        constraint: str | classad2.ExprTree | None = None,
        projection: list[str] = [],  # noqa: B006
        match: int = -1,
        since: int | str | classad2.ExprTree | None = None,
    ) -> list[classad2.ClassAd]:
        self._hang()
        expr = _expr(constraint)
        stop = _since(since)
        out = []
        for ad in reversed(self._load(self.history_path)):  # newest record first
            full = to_classad(ad)
            if stop is not None and _is_true(stop, full):
                break
            if _is_true(expr, full):
                out.append(_project(ad, projection))
                if 0 <= match <= len(out):
                    break
        return out

    def act(
        self,
        action: htcondor2.JobAction,
        job_spec: list[str] | str | classad2.ExprTree | int,
        reason: str | tuple[str, Any] | None = None,
    ) -> classad2.ClassAd:
        if not isinstance(action, htcondor2.JobAction):
            raise TypeError("action must be a JobAction")
        self._hang()
        self._refuse(action.name.lower())
        if (slow := _dir() / f"{self.name}.slow-act").exists():
            time.sleep(float(slow.read_text() or 1))
        if reason is None:
            text: str | None = "Python-initiated action"
        elif isinstance(reason, tuple):
            text = str(reason[0])
        else:
            text = None  # the binding drops a plain-string reason
        select = _job_spec(job_spec)
        actor = os.environ.get("OPGTUI_DOUBLE_OWNER")
        now = int(time.time())
        queue, history = self._load(self.queue_path), self._load(self.history_path)
        counts = dict.fromkeys(
            (
                "TotalError",
                "TotalSuccess",
                "TotalNotFound",
                "TotalBadStatus",
                "TotalAlreadyDone",
                "TotalPermissionDenied",
            ),
            0,
        )
        matched = 0
        keep = []
        for ad in queue:
            if not _is_true(select, to_classad(ad)):
                keep.append(ad)
                continue
            matched += 1
            status = ad.get("JobStatus")
            if actor and ad.get("Owner") != actor:
                counts["TotalPermissionDenied"] += 1
            elif action == htcondor2.JobAction.Release:
                if status != 5:
                    counts["TotalBadStatus"] += 1
                else:
                    for k in ("HoldReason", "HoldReasonCode", "HoldReasonSubCode"):
                        if k in ad:
                            ad["Last" + k] = ad.pop(k)
                    ad.update(JobStatus=1, EnteredCurrentStatus=now, ReleaseReason=text)
                    counts["TotalSuccess"] += 1
            elif action == htcondor2.JobAction.Hold:
                if status == 5:
                    counts["TotalAlreadyDone"] += 1
                elif status in (3, 4):
                    counts["TotalBadStatus"] += 1
                else:
                    ad.update(
                        JobStatus=5, EnteredCurrentStatus=now, HoldReason=text, HoldReasonCode=1, HoldReasonSubCode=0
                    )
                    counts["TotalSuccess"] += 1
            elif action == htcondor2.JobAction.Remove:
                ad.update(JobStatus=3, EnteredCurrentStatus=now, RemoveReason=text)
                history.append(ad)
                counts["TotalSuccess"] += 1
                continue
            else:
                counts["TotalError"] += 1
            keep.append(ad)
        if isinstance(job_spec, list):
            counts["TotalNotFound"] = max(0, len(job_spec) - matched)
        self._save(self.queue_path, keep)
        self._save(self.history_path, history)
        result = classad2.ClassAd(counts)
        result["TotalJobAds"] = matched
        result["TotalChangedAds"] = counts["TotalSuccess"]
        return result

    def edit(
        self,
        job_spec: list[str] | str | classad2.ExprTree | int,
        attr: str,
        value: str | classad2.ExprTree,
        flags: Any = None,
    ) -> int:
        self._hang()
        self._refuse("edit")
        select = _job_spec(job_spec)
        expr = value if isinstance(value, classad2.ExprTree) else classad2.ExprTree(str(value))
        literal = expr.eval()
        stored: Any = literal if type(literal) in (int, float, str, bool) else f"/Expr({expr})/"
        actor = os.environ.get("OPGTUI_DOUBLE_OWNER")
        queue = self._load(self.queue_path)
        n = 0
        for ad in queue:
            if _is_true(select, to_classad(ad)):
                if actor and ad.get("Owner") != actor:  # the schedd refuses the whole transaction
                    raise htcondor2.HTCondorException("Unable to edit job")
                if str(expr).strip() == "undefined":  # how a caller takes an attribute back out
                    ad.pop(attr, None)
                else:
                    ad[attr] = stored
                n += 1
        self._save(self.queue_path, queue)
        return n

    def submit(
        self,
        description: htcondor2.Submit,
        count: int = 0,
        spool: bool = False,
        itemdata: Any = None,
        queue: str | None = None,
    ) -> _SubmitResult:
        """Queue one job from the description: submit commands become the attributes condor_submit writes."""
        if not isinstance(description, htcondor2.Submit):
            raise TypeError("description must be a Submit")
        self._hang()
        self._refuse("submit")
        slow = _dir() / f"{self.name}.slow-submit"
        if slow.exists():
            time.sleep(float(slow.read_text() or 1))
        commands = dict(description)
        if "executable" not in commands:
            raise htcondor2.HTCondorException("No 'executable' parameter was provided")
        with (_dir() / f"{self.name}.lock").open("w") as lock:  # one submission at a time, as the schedd does
            fcntl.flock(lock, fcntl.LOCK_EX)
            cluster = self._queue_one(commands)
        if (_dir() / f"{self.name}.hang-after-submit").exists():
            time.sleep(3600)
        if (_dir() / f"{self.name}.die-after-submit").exists():
            os.kill(os.getpid(), signal.SIGKILL)
        return _SubmitResult(cluster)

    def _queue_one(self, commands: dict[str, str]) -> int:
        ads, history = self._load(self.queue_path), self._load(self.history_path)
        cluster = max((a.get("ClusterId", 0) for a in ads + history), default=0) + 1
        now = int(time.time())
        ad: dict[str, Any] = {
            "ClusterId": cluster,
            "ProcId": 0,
            "JobStatus": 1,
            "QDate": now,
            "EnteredCurrentStatus": now,
            "Owner": os.environ.get("OPGTUI_DOUBLE_OWNER", "shifter"),
        }
        for key, value in commands.items():
            if key.startswith(("MY.", "+")):
                ad[key.removeprefix("MY.").removeprefix("+")] = _literal(value)
            elif key in _SUBMIT_ATTRS:
                attr = _SUBMIT_ATTRS[key]
                ad[attr] = (
                    value[1:-1].replace('""', '"')
                    if attr in ("Arguments", "Environment") and value.startswith('"')
                    else _literal(value)
                    if attr.startswith("Request")
                    else value
                )
        ads.append(ad)
        self._save(self.queue_path, ads)
        log = _dir() / f"{self.name}.submitted.json"
        self._save(log, [*self._load(log), commands])
        return cluster


_SUBMIT_ATTRS = {
    "executable": "Cmd",
    "arguments": "Arguments",
    "environment": "Environment",
    "request_memory": "RequestMemory",
    "request_cpus": "RequestCpus",
    "initialdir": "Iwd",
    "output": "Out",
    "error": "Err",
    "log": "UserLog",
    "batch_name": "JobBatchName",
}


def _literal(text: str) -> Any:
    value = classad2.ExprTree(text).eval()
    return value if type(value) in (int, float, str, bool) else f"/Expr({text})/"


class _SubmitResult:
    """What ``Schedd.submit`` returns, as far as callers use it."""

    def __init__(self, cluster: int) -> None:
        self._cluster = cluster

    def cluster(self) -> int:
        return self._cluster

    def first_proc(self) -> int:
        return 0

    def num_procs(self) -> int:
        return 1
