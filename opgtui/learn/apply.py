"""Apply the learned signatures to the verdicts already in the store: when one is enabled, edited or disabled,
the jobs it matches or decided are diagnosed again (their log tail as the diagnosis reads it, else the kept
tail) with the bundled packs plus the enabled learned ones, and their verdicts saved. Blocking I/O."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from opgtui.diagnosis.signatures import PackSet
from opgtui.learn.pack import store_packs
from opgtui.learn.unknown import cached_tails

if TYPE_CHECKING:
    from opgtui.config import Config
    from opgtui.store import Store

DIAGNOSIS_LINES = 200
"""As many lines as the dashboard's diagnose reads (``logtarget.diagnose_jobs``)."""


def affected(store: Store, sid: str, matched: Sequence[str]) -> list[str]:
    """``matched`` plus the jobs whose stored verdict this signature decided."""
    return sorted({*matched, *store.verdict_job_ids(signature=sid)})


def _lines(cfg: Config, job: Any, kept: list[str] | None) -> list[str]:
    from opgtui.ops.logtarget import log_source_and_cap, read_tail
    from opgtui.sources.logs import LogError

    try:
        source, cap = log_source_and_cap(cfg, job, None, "stdout")
        if source:
            return read_tail(source, DIAGNOSIS_LINES, cap)[0]
    except (LogError, OSError, ValueError):
        pass
    return list(kept or [])


def rediagnose(
    cfg: Config, store: Store, base: PackSet, job_ids: Sequence[str], now: float | None = None
) -> Counter[tuple[str, str]]:
    """Diagnose ``job_ids`` again with the enabled learned signatures; (old category, new category) -> jobs whose
    verdict changed. Jobs with no log lines at all keep their verdict."""
    from opgtui.diagnosis.engine import diagnose
    from opgtui.ops.logtarget import depends_on

    now = time.time() if now is None else now
    packs = store_packs(base, store)
    jobs = store.jobs_by_id(list(job_ids))
    old = store.verdicts_for([j.id for j in jobs]) if jobs else {}
    kept = cached_tails(store, [j.id for j in jobs])
    windows = store.windows()
    new = {}
    changes: Counter[tuple[str, str]] = Counter()
    for job in jobs:
        lines = _lines(cfg, job, kept.get(job.id, ([], None))[0])
        if not lines:
            continue
        v = diagnose(lines, packs, job=job, windows=windows, depends_on=depends_on(cfg, job), now=now)
        before = old.get(job.id)
        if before is None or (before.category, before.signature, before.confidence) != (
            v.category,
            v.signature,
            v.confidence,
        ):
            new[job.id] = v
            changes[(before.category if before else "none", v.category)] += 1
    if new:
        store.save_verdicts(new, now)
    return changes
