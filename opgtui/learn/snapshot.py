"""The last mined templates, kept in the store (``kv``) so the Signatures view lists them at once and mines
again in the background. Each template keeps its jobs (id, site, when) and the lines of its first jobs."""

from __future__ import annotations

from typing import Any

import orjson

from opgtui.learn.suggest import Suggestion, Suggestions
from opgtui.learn.templates import Template
from opgtui.learn.unknown import UnknownJob
from opgtui.model import Job, Verdict

KEY = "learn.templates"
LINES_KEPT = 20
"""Jobs of each template whose decisive line is kept (the view shows 8, the label form checks them all)."""


def save(store: Any, result: Suggestions, now: float) -> None:
    """Keep ``result`` as the last mined templates."""
    items = []
    for s in result.items:
        jobs = [[u.job.id, u.job.site, u.when, u.line if n < LINES_KEPT else None] for n, u in enumerate(s.jobs)]
        items.append({"tokens": s.template.tokens, "pattern": s.pattern, "jobs": jobs})
    body = {"at": now, "items": items, "no_line": len(result.no_line), "failed": result.failed}
    store.set_kv(KEY, orjson.dumps(body).decode())


def load(store: Any) -> tuple[Suggestions, float] | None:
    """The last mined templates and when they were mined, or None."""
    raw = store.get_kv(KEY)
    if not raw:
        return None
    try:
        body = orjson.loads(raw)
        unknown = Verdict("unknown", "look at the log", None)  # one for all: nothing reads it here
        items = []
        for item in body["items"]:
            template = Template(list(item["tokens"]))
            jobs = []
            for jid, site, when, line in item["jobs"]:
                job = Job(jid, "", 0, 0, site=site, end_time=when)
                jobs.append(UnknownJob(job, unknown, line=line))
                template.keys.append(jid)
                if line is not None:
                    template.examples[jid] = line
            items.append(Suggestion(template, jobs, item["pattern"]))
        none = [UnknownJob(Job("", "", 0, 0), Verdict("unknown", "", None))] * int(body.get("no_line", 0))
        return Suggestions(items, none, dict(body.get("failed") or {})), float(body["at"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None  # an older or damaged snapshot: mine again
