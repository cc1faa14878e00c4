"""One HTCondor call in its own process, answering one JSON object on stdout.

The bindings hold the GIL for the whole of a schedd call (DESIGN: a UI ticker got zero ticks), so the
dashboard never calls them in its own process; a process can also be killed on our own timeout.

    python -m opgtui.sources.condor_worker locate --collector HOST
    python -m opgtui.sources.condor_worker query --schedd NAME [--address SINFUL] [--collector HOST]
        --constraint EXPR --projection A,B,... [--since-job CLUSTER.PROC] [--since-time EPOCH]
        [--history-limit N] [--no-history]

The answer is ``{"ok": true, ...}`` or ``{"ok": false, "error": "one line"}``; ads are in ``condor_q -json``
layout (the binding's own ``printJson``). ``OPGTUI_SCHEDD_FACTORY=module:function`` replaces the binding's
Schedd (tests use a double: ``function(name, address)`` returns the Schedd, the module's
``locate_all(collector)`` replaces the collector). Actions on jobs run the same way in
:mod:`opgtui.ops.actions_worker`, which uses :func:`parser`, :func:`schedd_for`, :func:`answer` and
:func:`error_text` from here.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import orjson


def _factory() -> tuple[ModuleType, Callable[[str | None, str | None], Any]] | None:
    spec = os.environ.get("OPGTUI_SCHEDD_FACTORY")
    if not spec:
        return None
    module_name, _, func = spec.partition(":")
    module = importlib.import_module(module_name)
    return module, getattr(module, func)


def schedd_for(name: str | None, address: str | None, collector: str | None) -> Any:
    """The Schedd named ``name``: at ``address`` when given, else located through the collector."""
    factory = _factory()
    if factory is not None:
        return factory[1](name, address)
    import classad2
    import htcondor2

    if address:
        return htcondor2.Schedd(classad2.ClassAd({"MyAddress": address, "Name": name or "", "CondorVersion": ""}))
    if name is None and collector is None:
        return htcondor2.Schedd()
    coll = htcondor2.Collector(collector) if collector else htcondor2.Collector()
    return htcondor2.Schedd(coll.locate(htcondor2.DaemonType.Schedd, name))


def locate(collector: str) -> dict[str, Any]:
    """Every schedd the collector knows: ``{"schedds": [{"name", "address"}, ...]}``."""
    factory = _factory()
    if factory is not None:
        ads = factory[0].locate_all(collector)
    else:
        import htcondor2

        ads = htcondor2.Collector(collector).locateAll(htcondor2.DaemonType.Schedd)
    schedds = sorted(
        ({"name": str(ad["Name"]), "address": str(ad.get("MyAddress") or "")} for ad in ads), key=lambda s: s["name"]
    )
    return {"ok": True, "schedds": schedds}


def _json_ads(ads: list[Any]) -> bytes:
    """A JSON array of ads, serialised by classad2 itself (no per-value Python conversion)."""
    return b"[" + b",".join(ad.printJson().encode() for ad in ads) + b"]"


def query(
    schedd: Any,
    constraint: str,
    projection: list[str],
    *,
    since: Any = None,
    history: bool = True,
    history_limit: int = -1,
) -> bytes:
    """The queue and the history (newest first, stopping at ``since``) as one JSON answer."""
    queue = schedd.query(constraint, projection)
    parts = [b'{"ok":true,"queue":', _json_ads(queue)]
    if history:
        done = schedd.history(constraint, projection, match=history_limit, since=since)
        newest = None
        if done:
            first = done[0]  # the last record the schedd wrote: the next read stops there
            newest = [
                v if type(v) is int else None
                for v in (first.get("ClusterId"), first.get("ProcId"), first.get("EnteredCurrentStatus"))
            ]
        parts += [b',"history":', _json_ads(done), b',"newest":', orjson.dumps(newest)]
    return b"".join([*parts, b"}"])


def _since(job: str | None, since_time: int | None) -> Any:
    """The history stop condition: the record of job ``C.P``, or else the first record older than a time."""
    import classad2

    terms = []
    if job:
        cluster, _, proc = job.partition(".")
        terms.append(f"(ClusterId == {int(cluster)} && ProcId == {int(proc)})")
    if since_time is not None:
        terms.append(f"(EnteredCurrentStatus < {int(since_time)})")
    return classad2.ExprTree(" || ".join(terms)) if terms else None


def error_text(exc: BaseException) -> str:
    """An exception as ``Type: message`` on one line, for the JSON this worker prints (the parent cleans it)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def parser(module: str, verbs: list[str]) -> argparse.ArgumentParser:
    """A worker's command line: its verb and where the schedd is (with :mod:`opgtui.ops.actions_worker`)."""
    ap = argparse.ArgumentParser(prog=f"python -m {module}")
    ap.add_argument("verb", choices=verbs)
    ap.add_argument("--schedd")
    ap.add_argument("--address")
    ap.add_argument("--collector")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = parser("opgtui.sources.condor_worker", ["locate", "query"])
    ap.add_argument("--constraint")
    ap.add_argument("--projection", default="")
    ap.add_argument("--since-job")
    ap.add_argument("--since-time", type=int)
    ap.add_argument("--history-limit", type=int, default=-1)
    ap.add_argument("--no-history", action="store_true")
    a = ap.parse_args(argv)

    def work() -> bytes:
        if a.verb == "locate":
            return orjson.dumps(locate(a.collector))
        schedd = schedd_for(a.schedd, a.address, a.collector)
        return query(
            schedd,
            a.constraint or "true",
            [p for p in a.projection.split(",") if p],
            since=_since(a.since_job, a.since_time),
            history=not a.no_history,
            history_limit=a.history_limit,
        )

    return answer(work)


def answer(work: Callable[[], bytes]) -> int:
    """Write ``work``'s JSON answer on stdout, or ``{"ok": false, "error": one line}`` when it raises; exit 0."""
    try:
        out = work()
    except Exception as exc:  # the binding raises HTCondorException and plain errors alike
        out = orjson.dumps({"ok": False, "error": error_text(exc)})
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
