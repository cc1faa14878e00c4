"""One HTCondor call in its own process, answering JSON on stdout (the bindings hold the GIL, so the
dashboard never calls them in its own process).

    python -m opgtui.sources.condor_worker locate --collector HOST
    python -m opgtui.sources.condor_worker query --schedd NAME [--collector HOST] --constraint EXPR
        --projection A,B,... [--since CLUSTER]
    python -m opgtui.sources.condor_worker act --schedd NAME [--collector HOST] --action release
        --ids 1.0,2.0 --reason TEXT

Always prints one JSON object: ``{"ok": true, ...}`` or ``{"ok": false, "error": "one line"}``.
``OPGTUI_SCHEDD_FACTORY=module:function`` replaces the binding's Schedd (tests use a double).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any

import orjson


def _plain(ad: Any) -> dict[str, Any]:
    """A ClassAd as JSON-able Python values (expressions as their text)."""
    out = {}
    for key, value in ad.items():
        out[key] = value if isinstance(value, int | float | str | bool) or value is None else str(value)
    return out


def _schedd(name: str | None, collector: str | None) -> Any:
    factory = os.environ.get("OPGTUI_SCHEDD_FACTORY")
    if factory:
        module, _, func = factory.partition(":")
        return getattr(importlib.import_module(module), func)(name)
    import htcondor2

    if name is None and collector is None:
        return htcondor2.Schedd()
    coll = htcondor2.Collector(collector) if collector else htcondor2.Collector()
    return htcondor2.Schedd(coll.locate(htcondor2.DaemonType.Schedd, name))


def locate(collector: str) -> dict[str, Any]:
    factory = os.environ.get("OPGTUI_SCHEDD_FACTORY")
    if factory:
        module, _, _ = factory.partition(":")
        return {"ok": True, "schedds": importlib.import_module(module).schedd_names()}
    import htcondor2

    ads = htcondor2.Collector(collector).locateAll(htcondor2.DaemonType.Schedd)
    return {"ok": True, "schedds": sorted(str(ad["Name"]) for ad in ads)}


def query(name: str, collector: str | None, constraint: str, projection: list[str], since: int | None) -> dict:
    schedd = _schedd(name, collector)
    queue = [_plain(ad) for ad in schedd.query(constraint, projection)]
    history = [_plain(ad) for ad in schedd.history(constraint, projection, since=since)]  # an int: see DESIGN
    clusters = [ad["ClusterId"] for ad in history if isinstance(ad.get("ClusterId"), int)]
    return {"ok": True, "queue": queue, "history": history, "watermark": max(clusters, default=since)}


def act(name: str, collector: str | None, action: str, ids: list[str], reason: str) -> dict[str, Any]:
    import htcondor2

    schedd = _schedd(name, collector)
    job_action = {"release": htcondor2.JobAction.Release, "hold": htcondor2.JobAction.Hold,
                  "remove": htcondor2.JobAction.Remove}[action]
    result = schedd.act(job_action, ids, (reason, 0))  # a plain-string reason is dropped by the binding
    return {"ok": True, "result": _plain(result)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="opgtui.sources.condor_worker")
    ap.add_argument("verb", choices=["locate", "query", "act"])
    ap.add_argument("--schedd")
    ap.add_argument("--collector")
    ap.add_argument("--constraint", default="true")
    ap.add_argument("--projection", default="")
    ap.add_argument("--since", type=int)
    ap.add_argument("--action", choices=["release", "hold", "remove"])
    ap.add_argument("--ids", default="")
    ap.add_argument("--reason", default="")
    a = ap.parse_args(argv)
    try:
        if a.verb == "locate":
            out = locate(a.collector)
        elif a.verb == "query":
            out = query(a.schedd, a.collector, a.constraint, [p for p in a.projection.split(",") if p], a.since)
        else:
            out = act(a.schedd, a.collector, a.action, [i for i in a.ids.split(",") if i], a.reason)
    except Exception as exc:  # the binding raises HTCondorException and plain errors alike
        text = " ".join(str(exc).split()) or type(exc).__name__
        out = {"ok": False, "error": f"{type(exc).__name__}: {text}"}
    sys.stdout.buffer.write(orjson.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
