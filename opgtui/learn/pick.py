"""A template to label from jobs the shifter chose (``v`` on a job's detail, or on a cause in the failure
summary), whatever their verdict: each job's decisive line (its kept tail or its log, its verdict's evidence,
its hold reason) mined into templates; the template holding most of the jobs is the one to label."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from opgtui.core.model import Verdict
from opgtui.learn.patterns import propose
from opgtui.learn.suggest import Suggestion
from opgtui.learn.templates import decisive_line, mine
from opgtui.learn.unknown import UnknownJob, tails

if TYPE_CHECKING:
    from opgtui.config import Config
    from opgtui.store import Store

MAX_JOBS = 2000  # a cause of more jobs is labelled from its first 2,000 (the test then runs on every stored job)


def chosen_jobs(cfg: Config, store: Store, job_ids: Sequence[str], now: float | None = None) -> list[UnknownJob]:
    """The jobs with their tails (kept, else read now and kept) and decisive lines."""
    jobs = store.jobs_by_id(list(job_ids)[:MAX_JOBS])
    verdicts = store.verdicts_for([j.id for j in jobs])
    got = tails(cfg, store, jobs, now)
    out = []
    for job in jobs:
        verdict = verdicts.get(job.id) or Verdict("unknown", "look at the log", None)
        lines, error = got.get(job.id, ([], "tail not read"))
        evidence = [f.text for f in verdict.evidence if f.line is not None and f.text]
        out.append(UnknownJob(job, verdict, lines, decisive_line(lines, evidence, job.hold_reason), error))
    return out


def suggestion_for(cfg: Config, store: Store, job_ids: Sequence[str], now: float | None = None) -> Suggestion | str:
    """The template most of these jobs share, ready for the label form; or one line saying why there is none."""
    chosen = chosen_jobs(cfg, store, job_ids, now)
    by_id = {u.job.id: u for u in chosen}
    mined = mine((u.job.id, u.line) for u in chosen if u.line)
    if not mined.templates:
        if not chosen:
            return "no such job in the store"
        why = next((u.error for u in chosen if u.error), None) or next(iter(mined.failed.values()), None)
        return "no log line known to make a pattern from" + (f" ({why})" if why else "")
    best = max(mined.templates, key=lambda t: len(t.keys))
    return Suggestion(best, [by_id[k] for k in best.keys], propose(best.text))
