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
from typing import Any, Protocol

from opgtui.domain.phases import PhaseStore

SumsRow = tuple[Any, ...]
"""Sums of one group as the store gives them: (day or None, experiment or '', key, sums...)."""


class StatsStore(PhaseStore, Protocol):
    """What the production record's statistics need of a store (``opgtui.store.Store`` is one; ``domain/`` may
    not import the store): rollups, sums over a period, retention."""

    def stats_dirty(self) -> bool: ...

    def recompute_dirty_days(self) -> int: ...

    def stats_direct(
        self,
        dim: str,
        lo: float,
        hi: float,
        experiment: str | None,
        batch: str | None,
        per_day: bool,
        by_experiment: bool,
    ) -> list[SumsRow]: ...

    def stats_from_rollup(
        self, dim: str, d0: int, d1: int | None, experiment: str | None, per_day: bool, by_experiment: bool
    ) -> list[SumsRow]: ...

    def prune_finished(self, cut: float, chunk: int) -> int: ...

    def prune_ads(self, cut: float, chunk: int) -> int: ...

    def prune_history(self, before: float) -> tuple[int, int]: ...

    def get_kv(self, key: str, default: str | None = None) -> str | None: ...

    def set_kv(self, key: str, value: str) -> None: ...


DAY = 86400
BY = ("site", "cpu", "hour", "stage", "verdict", "batch", "experiment", "day")

ROLLUP_DIMS = ("site", "cpu", "hour", "verdict", "batch", "all", "stage")


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
        return {
            **asdict(self),
            "ok": self.succeeded,
            "success_rate": self.success_rate,
            "efficiency": self.efficiency,
            "core_hours": self.core_hours,
            "wasted_hours": self.wasted / 3600,
            "badput_hours": self.badput / 3600,
            "lost_hours": self.lost / 3600,
            "goodput_hours": self.goodput / 3600,
        }


_FIELDS = tuple(f.name for f in fields(Tally))
_COUNTS = frozenset(("jobs", "ok", "failed", "removed", "dq_bad", "restarted"))


@dataclass(slots=True)
class Row:
    """One line of a report: the group's key (site, CPU model, local hour, stage, ...) and its sums."""

    key: str
    tally: Tally


# ---------------------------------------------------------------------------- keeping the rollups current


def refresh(store: StatsStore) -> int:
    """Bring the rollups up to date: parse chirped phases, recompute the days marked dirty. Returns days redone."""
    from opgtui.domain.phases import sync_from_ads

    sync_from_ads(store)
    if not store.stats_dirty():
        return 0
    return int(store.recompute_dirty_days())


# ---------------------------------------------------------------------------- reading a period


def _collect(
    store: StatsStore,
    dim: str,
    since: float,
    until: float | None,
    experiment: str | None,
    batch: str | None,
    per_day: bool,
    by_experiment: bool = False,
) -> dict[tuple[Any, str, str], list[float]]:
    """Sums per (day or None, experiment or '', key) over [since, until)."""
    rows: list[SumsRow] = []
    if batch is not None:
        rows = store.stats_direct(
            dim, since, until if until is not None else math.inf, experiment, batch, per_day, by_experiment
        )
    else:
        d0 = math.ceil(since / DAY)
        d1 = None if until is None else math.floor(until / DAY)
        if d1 is not None and d1 <= d0:
            rows = store.stats_direct(dim, since, until, experiment, None, per_day, by_experiment)
        else:
            rows = store.stats_from_rollup(dim, d0, d1, experiment, per_day, by_experiment)
            if since < d0 * DAY:
                rows += store.stats_direct(dim, since, d0 * DAY, experiment, None, per_day, by_experiment)
            if d1 is not None and until is not None and until > d1 * DAY:
                rows += store.stats_direct(dim, d1 * DAY, until, experiment, None, per_day, by_experiment)
    out: dict[tuple[Any, str, str], list[float]] = {}
    for r in rows:
        _add_into(out, (r[0], r[1], str(r[2])), list(r[3:]))
    return out


def _add_into(out: dict[Any, list[float]], key: Any, vals: list[float]) -> None:
    """``vals`` added to ``out[key]`` field by field (``vals`` itself when the key is new)."""
    acc = out.get(key)
    out[key] = vals if acc is None else [a + b for a, b in zip(acc, vals, strict=True)]


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
    try:
        return f"{datetime.fromtimestamp(t, tz).hour:02d}"
    except (OverflowError, ValueError, OSError):  # an hour no calendar holds (a CompletionDate of 1e13)
        return "?"


def _utc_date(day: int) -> str:
    """``2026-12-07``; '?' for a day no calendar holds (a stored CompletionDate of 1e13)."""
    try:
        return datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d")
    except (OverflowError, ValueError, OSError):
        return "?"


def _merge(pairs: Iterable[tuple[str, list[float]]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for key, vals in pairs:
        _add_into(out, key, vals)
    return out


def aggregate(
    store: StatsStore,
    by: str,
    since: float,
    until: float | None = None,
    *,
    experiment: str | None = None,
    batch: str | None = None,
    tz: tzinfo | None = None,
    stages: Mapping[str, Sequence[str]] | None = None,
) -> list[Row]:
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
        from opgtui.domain.phases import stage_of

        merged = _merge((stage_of(k, stages), t) for (_d, _e, k), t in sums.items())
    else:
        merged = _merge((k, t) for (_d, _e, k), t in sums.items())
    rows = [Row(k or "?", Tally.of(v)) for k, v in merged.items()]
    if by in ("hour", "day"):
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.tally.core_sec, -r.tally.jobs, r.key))
    return rows


def series(
    store: StatsStore,
    by: str,
    since: float,
    until: float | None = None,
    *,
    experiment: str | None = None,
) -> dict[str, dict[str, Tally]]:
    """Per UTC day and key: ``{key: {date: Tally}}`` — e.g. by ``verdict`` for failures
    over time, by ``all`` (key '') for wasted hours over time."""
    dim = "all" if by in ("all", "day", "experiment") else by
    sums = _collect(store, dim, since, until, experiment, None, per_day=True)
    merged: dict[str, dict[str, list[float]]] = {}
    for (d, _e, k), vals in sums.items():
        _add_into(merged.setdefault(k, {}), _utc_date(d), vals)
    return {k: {d: Tally.of(v) for d, v in sorted(b.items())} for k, b in merged.items()}


def totals(
    store: StatsStore,
    since: float,
    until: float | None = None,
    *,
    experiment: str | None = None,
    batch: str | None = None,
) -> Tally:
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


def prune(
    store: StatsStore, keep_days: float, keep_ads_days: float, now: float | None = None, chunk: int = 5000
) -> PruneReport:
    """Delete finished jobs that ended more than ``keep_days`` ago (record, ad, events, verdict, phases, data
    quality; their rollups follow) and the raw ads of those older than ``keep_ads_days``. Chunked transactions:
    a kill leaves a consistent store, other writers wait at most one chunk."""
    started = time.perf_counter()
    now = now or time.time()
    report = PruneReport()
    jobs_cut, ads_cut = now - keep_days * DAY, now - keep_ads_days * DAY
    report.jobs = store.prune_finished(jobs_cut, chunk)
    if keep_ads_days < keep_days:
        report.ads = store.prune_ads(ads_cut, chunk)
    report.history = sum(store.prune_history(jobs_cut))  # the service history keeps the same retention
    store.set_kv("last_prune", str(now))
    report.seconds = time.perf_counter() - started
    return report


def prune_due(store: StatsStore, now: float | None = None) -> bool:
    """True when the last prune is more than a day old (the collector prunes once a day)."""
    last = store.get_kv("last_prune")
    return last is None or (now or time.time()) - float(last) > DAY
