"""A test double for ``htcondor2.Schedd``: serves recorded ads and evaluates constraints and projections
with classad2 itself. Used in the worker process through ``OPGTUI_SCHEDD_FACTORY=schedd_double:make``.

State lives in ``$OPGTUI_DOUBLE_DIR/<schedd>.json`` (queue) and ``<schedd>.history.json``; actions write the
queue back, so a later query sees them. A schedd with no file is unreachable. ``$OPGTUI_DOUBLE_OWNER``
makes it refuse to act on jobs of other owners (HTCondor's TotalPermissionDenied).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import classad2
import htcondor2


def _dir() -> Path:
    return Path(os.environ["OPGTUI_DOUBLE_DIR"])


def schedd_names() -> list[str]:
    return sorted(p.stem for p in _dir().glob("*.json") if not p.stem.endswith(".history"))


def make(name: str | None) -> ScheddDouble:
    return ScheddDouble(name or "local")


def hang(name: str | None) -> ScheddDouble:
    """A schedd that never answers (for timeouts)."""
    import time

    time.sleep(3600)
    raise AssertionError("unreachable")


def _matches(constraint: Any, ad: dict[str, Any]) -> bool:
    expr = constraint if isinstance(constraint, classad2.ExprTree) else classad2.ExprTree(str(constraint or "true"))
    return expr.eval(classad2.ClassAd(ad)) is True  # Undefined is truthy: only True selects


def _project(ad: dict[str, Any], projection: list[str]) -> classad2.ClassAd:
    keep = {k: v for k, v in ad.items() if not projection or k in projection}
    return classad2.ClassAd(keep)


class ScheddDouble:
    """query / history / act / edit with the binding's signatures, over JSON files."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.queue_path = _dir() / f"{name}.json"
        if not self.queue_path.exists():
            raise htcondor2.HTCondorException(f"Unable to locate schedd {name}: connection refused")

    def _queue(self) -> list[dict[str, Any]]:
        return json.loads(self.queue_path.read_text())

    def query(self, constraint: Any = "true", projection: list[str] | None = None, callback: Any = None,
              limit: int = -1, opts: Any = None) -> list[classad2.ClassAd]:
        found = [_project(ad, projection or []) for ad in self._queue() if _matches(constraint, ad)]
        return found if limit < 0 else found[:limit]

    def history(self, constraint: Any = None, projection: list[str] | None = None, match: int = -1,
                since: Any = None) -> list[classad2.ClassAd]:
        if isinstance(since, str):
            raise htcondor2.HTCondorException("since as a string is broken in the binding: pass an int")
        path = _dir() / f"{self.name}.history.json"
        ads = json.loads(path.read_text()) if path.exists() else []
        ads.sort(key=lambda a: a.get("ClusterId", 0), reverse=True)  # newest first, as the schedd reads
        out = []
        for ad in ads:
            if since is not None and ad.get("ClusterId", 0) <= since:
                break
            if _matches(constraint or "true", ad):
                out.append(_project(ad, projection or []))
        return out if match < 0 else out[:match]

    def act(self, action: htcondor2.JobAction, job_spec: Any, reason: Any = None) -> classad2.ClassAd:
        ids = set(job_spec if isinstance(job_spec, list) else str(job_spec).split(","))
        owner = os.environ.get("OPGTUI_DOUBLE_OWNER")
        queue = self._queue()
        counts = {"TotalSuccess": 0, "TotalNotFound": 0, "TotalPermissionDenied": 0, "TotalBadStatus": 0}
        found = set()
        for ad in queue:
            jid = f"{ad['ClusterId']}.{ad['ProcId']}"
            if jid not in ids:
                continue
            found.add(jid)
            if owner and ad.get("Owner") != owner:
                counts["TotalPermissionDenied"] += 1
                continue
            if action == htcondor2.JobAction.Release:
                if ad.get("JobStatus") != 5:
                    counts["TotalBadStatus"] += 1
                    continue
                ad["JobStatus"] = 1
                ad.pop("HoldReason", None)
            elif action == htcondor2.JobAction.Hold:
                ad["JobStatus"], ad["HoldReason"] = 5, str(reason[0] if isinstance(reason, tuple) else reason)
            elif action == htcondor2.JobAction.Remove:
                ad["JobStatus"] = 3
            counts["TotalSuccess"] += 1
        counts["TotalNotFound"] = len(ids - found)
        self.queue_path.write_text(json.dumps(queue))
        return classad2.ClassAd(counts)

    def edit(self, job_spec: Any, attr: str, value: Any, flags: Any = None) -> int:
        ids = set(job_spec if isinstance(job_spec, list) else str(job_spec).split(","))
        queue = self._queue()
        n = 0
        for ad in queue:
            if f"{ad['ClusterId']}.{ad['ProcId']}" in ids:
                ad[attr] = classad2.ExprTree(str(value)).eval() if not isinstance(value, int | float) else value
                n += 1
        self.queue_path.write_text(json.dumps(queue))
        return n
