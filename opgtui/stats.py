"""The production record: success, failure, efficiency, wasted hours, badput and goodput by site, CPU, hour of
day, stage, verdict, batch, experiment or day, over any period.

The store keeps one narrow ``job_stats`` row per finished job (filled by triggers from every ingest path) and
``stats_rollup``: sums per UTC day, experiment and key for each dimension, recomputed for the days marked dirty.
A period reads whole days from the rollups and the partial days at its edges from ``job_stats`` (index on
``end_time``), so an answer over a million jobs reads a few thousand rows. Definitions: docs/definitions.md.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, tzinfo
from typing import Any

DAY = 86400
BY = ("site", "cpu", "hour", "stage", "verdict", "batch", "experiment", "day")

# Per-row values: core-seconds of the slot (CumulativeSlotTime, else wall x cores) and badput core-seconds
# (the attempts that did not commit: CumulativeSlotTime - CommittedSlotTime, else (wall - CommittedTime) x cores).
_ROW = """SELECT *,
  CASE WHEN slot_time > 0 THEN slot_time ELSE coalesce(wall, 0) * cores END AS core,
  CASE WHEN slot_time > 0 AND committed_slot_time IS NOT NULL THEN max(slot_time - committed_slot_time, 0)
       WHEN committed_time IS NOT NULL AND wall > 0 THEN max(wall - committed_time, 0) * cores ELSE 0 END AS bad,
  (outcome IN (1, 2) OR (outcome = 0 AND dq_ok = 0)) AS wasted_row,
  (outcome = 0 AND coalesce(dq_ok, 1) = 1) AS good_row
  FROM job_stats"""
_JOB_SUMS = """count(*), total(outcome = 0), total(outcome = 1), total(outcome = 2), total(outcome = 0 AND dq_ok = 0),
  total(num_starts > 1), total(core), total(CASE WHEN cpu IS NOT NULL AND wall > 0 THEN cpu END),
  total(CASE WHEN cpu IS NOT NULL AND wall > 0 THEN wall * cores END), total(CASE WHEN wasted_row THEN core END),
  total(bad), total(CASE WHEN wasted_row THEN core ELSE bad END), total(CASE WHEN good_row THEN core - bad END)"""
# Phases: one row per phase of a finished job; its core-seconds are its wall x the job's cores.
_PHASE_ROW = """SELECT p.name AS name, s.experiment AS experiment, s.end_time AS end_time, s.batch_name AS batch_name,
  p.status AS status, p.cpu AS cpu, p."end" IS NOT NULL AS ended,
  CASE WHEN p.start IS NOT NULL AND p."end" IS NOT NULL THEN max(p."end" - p.start, 0) * s.cores END AS core
  FROM job_phases p JOIN job_stats s ON s.job_id = p.job_id"""
_PHASE_SUMS = """count(*), total(status = 0 OR (status IS NULL AND ended)), total(status != 0), 0, 0, 0, total(core),
  total(CASE WHEN cpu IS NOT NULL AND core > 0 THEN cpu END),
  total(CASE WHEN cpu IS NOT NULL AND core > 0 THEN core END),
  total(CASE WHEN status != 0 THEN core END), 0, total(CASE WHEN status != 0 THEN core END),
  total(CASE WHEN status = 0 OR (status IS NULL AND ended) THEN core END)"""
# dimension -> the key expression over job_stats rows (hour: the absolute UTC hour the job's last run started)
_KEYS = {
    "site": "site",
    "cpu": "cpu_model",
    "hour": "CAST(coalesce(start_time, end_time - coalesce(wall, 0)) / 3600 AS INTEGER)",
    "verdict": "CASE WHEN good_row THEN 'ok' WHEN outcome = 0 THEN 'dq-failed' WHEN outcome = 3 THEN 'exit unknown' "
               "ELSE coalesce(verdict, 'undiagnosed') END",
    "batch": "batch_name",
    "all": "''",
}
ROLLUP_DIMS = (*_KEYS, "stage")


@dataclass(slots=True)
class Tally:
    """Sums over a set of finished jobs (or, by stage, of phases). Seconds are core-seconds."""

    jobs: int = 0
    ok: int = 0
    failed: int = 0
    removed: int = 0
    dq_bad: int = 0
    restarted: int = 0
    core_sec: float = 0.0
    cpu: float = 0.0
    eff_core_sec: float = 0.0
    wasted: float = 0.0
    badput: float = 0.0
    lost: float = 0.0
    goodput: float = 0.0

    @classmethod
    def of(cls, values: Sequence[float]) -> Tally:
        """From sums in field order (counts may come as floats from SQL ``total()``)."""
        return cls(*(int(v) for v in values[:6]), *(float(v) for v in values[6:]))  # type: ignore[arg-type]

    def values(self) -> list[float]:
        return [getattr(self, f) for f in _FIELDS]

    def add(self, values: Sequence[float]) -> None:
        for f, v in zip(_FIELDS, values, strict=True):
            setattr(self, f, getattr(self, f) + (int(v) if f in _COUNTS else float(v)))

    @property
    def succeeded(self) -> int:
        """Exit 0 and data quality not failed (``ok`` counts every exit 0, dq-failed ones too)."""
        return self.ok - self.dq_bad

    @property
    def success_rate(self) -> float | None:
        """Succeeded (exit 0 and data quality not failed) / (succeeded + failed + removed + dq-failed)."""
        done = self.ok + self.failed + self.removed
        return self.succeeded / done if done else None

    @property
    def efficiency(self) -> float | None:
        """CPU time / (wall x cores), over the jobs whose CPU time and wall time are known."""
        return self.cpu / self.eff_core_sec if self.eff_core_sec > 0 else None

    @property
    def core_hours(self) -> float:
        return self.core_sec / 3600

    def as_dict(self) -> dict[str, Any]:
        """For reports: ``ok`` is the succeeded jobs (a dq-failed job is not ok; it is in ``dq_bad``)."""
        return {**asdict(self), "ok": self.succeeded, "success_rate": self.success_rate, "efficiency": self.efficiency,
                "core_hours": self.core_hours, "wasted_hours": self.wasted / 3600, "badput_hours": self.badput / 3600,
                "lost_hours": self.lost / 3600, "goodput_hours": self.goodput / 3600}


_FIELDS = tuple(f.name for f in fields(Tally))
_COUNTS = frozenset(("jobs", "ok", "failed", "removed", "dq_bad", "restarted"))


@dataclass(slots=True)
class Row:
    """One line of a report: the group's key (site, CPU model, local hour, stage, ...) and its sums."""

    key: str
    tally: Tally


# ---------------------------------------------------------------------------- keeping the rollups current


def refresh(store: Any) -> int:
    """Bring the rollups up to date: parse chirped phases, recompute the days marked dirty. Returns days redone."""
    from opgtui.phases import sync_from_ads

    sync_from_ads(store)
    if store.conn.execute("SELECT 1 FROM stats_dirty LIMIT 1").fetchone() is None:
        return 0
    with store.transaction() as c:
        days = [d for (d,) in c.execute("SELECT day FROM stats_dirty ORDER BY day").fetchall()]
        for day in days:
            _recompute_day(c, day)
        c.execute("DELETE FROM stats_dirty")
    return len(days)


def try_refresh(store: Any) -> str | None:
    """:func:`refresh`, or one line saying why the rollups could not be brought up to date (e.g. another process
    holds the store): the answer is then that of the last refresh."""
    from opgtui.store import StoreCorrupt, StoreError

    try:
        refresh(store)
    except StoreCorrupt:  # a damaged store has no trustworthy last answer either
        raise
    except StoreError as exc:
        return f"stats not refreshed: {exc}"
    return None


def _recompute_day(c: Any, day: int) -> None:
    lo, hi = day * DAY, (day + 1) * DAY
    marks = ", ".join("?" * len(ROLLUP_DIMS))
    c.execute(f"DELETE FROM stats_rollup WHERE day = ? AND dim IN ({marks})",
              (day, *ROLLUP_DIMS))
    for dim, key in _KEYS.items():
        c.execute(f"INSERT INTO stats_rollup SELECT ?, ?, coalesce(experiment, ''), coalesce({key}, ''), {_JOB_SUMS} "
                  f"FROM ({_ROW} WHERE end_time >= ? AND end_time < ?) GROUP BY 3, 4", (dim, day, lo, hi))
    c.execute(f"INSERT INTO stats_rollup SELECT 'stage', ?, coalesce(experiment, ''), name, {_PHASE_SUMS} "
              f"FROM ({_PHASE_ROW} WHERE s.end_time >= ? AND s.end_time < ?) GROUP BY 3, 4", (day, lo, hi))


# ---------------------------------------------------------------------------- reading a period


def _where(*conds: tuple[str, Any]) -> tuple[str, list[Any]]:
    """``WHERE`` text and parameters from (clause, value) pairs; a None value leaves its clause out."""
    kept = [(c, v) for c, v in conds if v is not None]
    return " AND ".join(c for c, _ in kept), [v for _, v in kept]


def _direct(store: Any, dim: str, lo: float, hi: float, experiment: str | None, batch: str | None,
            per_day: bool, by_experiment: bool) -> list[tuple[Any, ...]]:
    """Sums straight from job_stats (or job_phases) for [lo, hi): the edges of a period, or any batch filter."""
    stage = dim == "stage"
    where, params = _where(("end_time >= ?", lo), ("end_time < ?", hi), ("experiment = ?", experiment),
                           ("batch_name = ?", batch))
    day = "CAST(end_time / 86400 AS INTEGER)" if per_day else "NULL"
    key = "name" if stage else _KEYS[dim]
    group = "coalesce(experiment, '')" if by_experiment else "''"
    sql = (f"SELECT {day}, {group}, coalesce({key}, ''), {_PHASE_SUMS if stage else _JOB_SUMS} "
           f"FROM ({_PHASE_ROW if stage else _ROW}) WHERE {where} GROUP BY 1, 2, 3")
    return store.conn.execute(sql, params).fetchall()


def _from_rollup(store: Any, dim: str, d0: int, d1: int | None, experiment: str | None, per_day: bool,
                 by_experiment: bool) -> list[tuple[Any, ...]]:
    where, params = _where(("dim = ?", dim), ("day >= ?", d0), ("day < ?", d1), ("experiment = ?", experiment))
    day = "day" if per_day else "NULL"
    group = "experiment" if by_experiment else "''"
    sums = ", ".join(f"sum({f})" for f in _FIELDS)
    sql = f"SELECT {day}, {group}, key, {sums} FROM stats_rollup WHERE {where} GROUP BY 1, 2, 3"
    return store.conn.execute(sql, params).fetchall()


def _collect(store: Any, dim: str, since: float, until: float | None, experiment: str | None, batch: str | None,
             per_day: bool, by_experiment: bool = False) -> dict[tuple[Any, str, str], list[float]]:
    """Sums per (day or None, experiment or '', key) over [since, until)."""
    rows: list[tuple[Any, ...]] = []
    if batch is not None:
        rows = _direct(store, dim, since, until if until is not None else math.inf, experiment, batch, per_day,
                       by_experiment)
    else:
        d0 = math.ceil(since / DAY)
        d1 = None if until is None else math.floor(until / DAY)
        if d1 is not None and d1 <= d0:
            rows = _direct(store, dim, since, until, experiment, None, per_day, by_experiment)  # type: ignore[arg-type]
        else:
            rows = _from_rollup(store, dim, d0, d1, experiment, per_day, by_experiment)
            if since < d0 * DAY:
                rows += _direct(store, dim, since, d0 * DAY, experiment, None, per_day, by_experiment)
            if d1 is not None and until is not None and until > d1 * DAY:
                rows += _direct(store, dim, d1 * DAY, until, experiment, None, per_day, by_experiment)
    out: dict[tuple[Any, str, str], list[float]] = {}
    for r in rows:
        k = (r[0], r[1], str(r[2]))
        acc = out.get(k)
        out[k] = list(r[3:]) if acc is None else [a + b for a, b in zip(acc, r[3:], strict=True)]
    return out


_CPU_NOISE = re.compile(r"\((?:R|TM|tm|r)\)|\bCPU\b|\bProcessor\b|@\s*[\d.]+\s*[GM]Hz|\s+\d+-Core\b")


def cpu_label(model: str) -> str:
    """A CPU model without the noise: ``Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz`` -> ``Intel Xeon E5-2650 v2``,
    ``AMD EPYC 7763 64-Core Processor`` -> ``AMD EPYC 7763``; an unknown model is '?'."""
    text = " ".join(_CPU_NOISE.sub(" ", model).split())
    if text.lower().startswith("genuineintel"):
        text = "Intel" + text[12:]
    return text or "?"


def _local_hour(abs_hour: str, tz: tzinfo | None) -> str:
    try:
        t = int(abs_hour) * 3600
    except ValueError:
        return "?"
    return f"{datetime.fromtimestamp(t, tz).hour:02d}"


def _utc_date(day: int) -> str:
    return datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d")


def _merge(pairs: Iterable[tuple[str, list[float]]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for key, vals in pairs:
        acc = out.get(key)
        out[key] = vals if acc is None else [a + b for a, b in zip(acc, vals, strict=True)]
    return out


def aggregate(store: Any, by: str, since: float, until: float | None = None, *, experiment: str | None = None,
              batch: str | None = None, tz: tzinfo | None = None,
              stages: Mapping[str, Sequence[str]] | None = None) -> list[Row]:
    """One row per site / CPU model / local hour of day / stage / verdict / batch / experiment / day over
    [since, until), most core-hours first (hours and days in order). Call :func:`refresh` first."""
    if by not in BY:
        raise ValueError(f"unknown grouping {by!r} (known: {', '.join(BY)})")
    dim = {"experiment": "all", "day": "all"}.get(by, by)
    sums = _collect(store, dim, since, until, experiment, batch, per_day=by == "day", by_experiment=by == "experiment")
    if by == "day":
        merged = _merge((_utc_date(d), t) for (d, _e, _k), t in sums.items())
    elif by == "experiment":
        merged = _merge((e or "?", t) for (_d, e, _k), t in sums.items())
    elif by == "hour":
        merged = _merge((_local_hour(k, tz), t) for (_d, _e, k), t in sums.items())
    elif by == "cpu":
        merged = _merge((cpu_label(k) if k else "?", t) for (_d, _e, k), t in sums.items())
    elif by == "stage" and stages:
        from opgtui.phases import stage_of

        merged = _merge((stage_of(k, stages), t) for (_d, _e, k), t in sums.items())
    else:
        merged = _merge((k, t) for (_d, _e, k), t in sums.items())
    rows = [Row(k or "?", Tally.of(v)) for k, v in merged.items()]
    if by in ("hour", "day"):
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.tally.core_sec, -r.tally.jobs, r.key))
    return rows


def series(store: Any, by: str, since: float, until: float | None = None, *, experiment: str | None = None,
           ) -> dict[str, dict[str, Tally]]:
    """Per UTC day and key: ``{key: {date: Tally}}`` — e.g. by ``verdict`` for failures
    over time, by ``all`` (key '') for wasted hours over time."""
    dim = "all" if by in ("all", "day", "experiment") else by
    sums = _collect(store, dim, since, until, experiment, None, per_day=True)
    merged: dict[str, dict[str, list[float]]] = {}
    for (d, _e, k), vals in sums.items():
        bucket = merged.setdefault(k, {})
        date = _utc_date(d)
        acc = bucket.get(date)
        bucket[date] = vals if acc is None else [a + b for a, b in zip(acc, vals, strict=True)]
    return {k: {d: Tally.of(v) for d, v in sorted(b.items())} for k, b in merged.items()}


def totals(store: Any, since: float, until: float | None = None, *, experiment: str | None = None,
           batch: str | None = None) -> Tally:
    """The sums over every finished job of the period."""
    total = Tally()
    for vals in _collect(store, "all", since, until, experiment, batch, per_day=False).values():
        total.add(vals)
    return total


# ---------------------------------------------------------------------------- retention


@dataclass(slots=True)
class PruneReport:
    jobs: int = 0
    ads: int = 0
    history: int = 0  # service states and windows
    seconds: float = 0.0


def prune(store: Any, keep_days: float, keep_ads_days: float, now: float | None = None,
          chunk: int = 5000) -> PruneReport:
    """Delete finished jobs that ended more than ``keep_days`` ago (record, ad, events, verdict, phases, data
    quality; their rollups follow) and the raw ads of those older than ``keep_ads_days``. Chunked transactions:
    a kill leaves a consistent store, other writers wait at most one chunk."""
    started = time.perf_counter()
    now = now or time.time()
    report = PruneReport()
    jobs_cut, ads_cut = now - keep_days * DAY, now - keep_ads_days * DAY
    conn = store.conn
    while True:
        ids = [r[0] for r in conn.execute("SELECT job_id FROM job_stats WHERE end_time < ? ORDER BY end_time LIMIT ?",
                                          (jobs_cut, chunk))]
        if not ids:
            break
        marks = ", ".join("?" * len(ids))
        with store.transaction() as c:
            for table, col in (("job_ads", "job_id"), ("job_events", "job_id"), ("verdicts", "job_id"),
                               ("job_phases", "job_id"), ("dq_results", "job_id"), ("job_stats", "job_id"),
                               ("jobs", "id")):
                c.execute(f"DELETE FROM {table} WHERE {col} IN ({marks})", ids)
        report.jobs += len(ids)
    if keep_ads_days < keep_days:
        while True:
            ids = [r[0] for r in conn.execute(
                "SELECT a.job_id FROM job_stats s JOIN job_ads a ON a.job_id = s.job_id WHERE s.end_time < ? LIMIT ?",
                (ads_cut, chunk))]
            if not ids:
                break
            with store.transaction() as c:
                c.execute(f"DELETE FROM job_ads WHERE job_id IN ({', '.join('?' * len(ids))})", ids)
            report.ads += len(ids)
    report.history = sum(store.prune_history(jobs_cut))  # the service history keeps the same retention
    store.set_kv("last_prune", str(now))
    report.seconds = time.perf_counter() - started
    return report


def prune_due(store: Any, now: float | None = None) -> bool:
    """True when the last prune is more than a day old (the collector prunes once a day)."""
    last = store.get_kv("last_prune")
    return last is None or (now or time.time()) - float(last) > DAY
