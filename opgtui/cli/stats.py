"""``opgtui stats`` (reports from the production record) and ``opgtui prune`` (retention)."""

from __future__ import annotations

import csv
import json
import sys
import time
from typing import TYPE_CHECKING, Any

import click

from opgtui.config import Config
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import parse_duration, parse_when, zone
from opgtui.domain.stats import Row, Tally

if TYPE_CHECKING:
    from opgtui.store import Store

_HEAD = {
    "site": "site",
    "cpu": "CPU",
    "hour": "hour",
    "stage": "stage",
    "verdict": "verdict",
    "batch": "batch",
    "experiment": "experiment",
    "day": "day (UTC)",
}
CSV_FIELDS = (
    "key",
    "jobs",
    "ok",
    "failed",
    "removed",
    "dq_bad",
    "restarted",
    "success_rate",
    "efficiency",
    "core_hours",
    "wasted_hours",
    "badput_hours",
    "lost_hours",
    "goodput_hours",
    "cpu_hours",
)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _hours(sec: float) -> str:
    h = sec / 3600
    return f"{h:.0f}" if h >= 100 else f"{h:.1f}"


def flat(key: str, t: Tally) -> dict[str, Any]:
    """One report row as plain numbers (hours, ratios 0..1; None when unknown)."""
    d = t.as_dict()
    return {"key": key, **{f: d[f] for f in CSV_FIELDS[1:] if f in d}, "cpu_hours": t.cpu / 3600}


def table_lines(by: str, rows: list[Row], total: Tally) -> list[str]:
    """The report as aligned text (keys cleaned: site and batch names come from job ads)."""
    jobs_word = "phases" if by == "stage" else "jobs"
    width = max([len(_HEAD[by]), 5, *(min(len(one_line(r.key, 40)), 40) for r in rows)])
    head = (
        f"{_HEAD[by]:<{width}} {jobs_word:>7} {'ok':>6} {'failed':>6} {'removed':>7} {'dq':>4} {'success':>7} "
        f"{'eff':>5} {'core-h':>8} {'wasted-h':>8} {'badput-h':>8} {'goodput-h':>9}"
    )
    out = [head]
    for key, t in [*((r.key, r.tally) for r in rows), ("total", total)]:
        if key == "total":
            out.append("-" * len(head))
        out.append(
            f"{one_line(key, 40):<{width}} {t.jobs:>7} {t.succeeded:>6} {t.failed:>6} {t.removed:>7} "
            f"{t.dq_bad:>4} {_pct(t.success_rate):>7} {_pct(t.efficiency):>5} {_hours(t.core_sec):>8} "
            f"{_hours(t.wasted):>8} {_hours(t.badput):>8} {_hours(t.goodput):>9}"
        )
    return out


def _sum(rows: list[Row]) -> Tally:
    total = Tally()
    for r in rows:
        total.add(r.tally.values())
    return total


def _instant(text: str, now: float, option: str) -> float:
    """A duration back from now (``7d``) or an ISO time; ValueError naming the option."""
    try:
        return now - parse_duration(text)
    except ValueError:
        try:
            return parse_when(text, now)
        except ValueError as exc:
            raise ValueError(f"{option}: {exc}") from None


def _check_experiment(cfg: Config, store: Store, name: str) -> None:
    """ValueError unless ``name`` is a configured experiment or one the record has jobs of."""
    import difflib

    recorded = store.recorded_experiments()
    known = sorted(recorded | {e.name for e in cfg.experiments})
    if name in known:
        return
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(f"--experiment: unknown experiment {name!r} ({hint}known: {', '.join(known) or 'none yet'})")


def run_stats(
    cfg: Config,
    store: Store,
    *,
    by: str,
    since: str,
    until: str | None,
    experiment: str | None,
    batch: str | None,
    fmt: str,
) -> int:
    """Print the report; returns the exit code (2 for bad input)."""
    from opgtui.domain import stats
    from opgtui.ops.record import try_refresh_stats

    now = time.time()
    try:
        start = _instant(since, now, "--since")
        end = _instant(until, now, "--until") if until else None
        if end is not None and end <= start:
            raise ValueError(f"--until {until} is not after --since {since}: the period is empty")
        if experiment is not None:
            _check_experiment(cfg, store, experiment)
    except ValueError as exc:
        click.echo(f"opgtui: {one_line(str(exc), 300)}", err=True)
        return 2
    problem = try_refresh_stats(store)
    if problem:
        click.echo(f"opgtui: warning: {problem}", err=True)
    rows = stats.aggregate(
        store, by, start, end, experiment=experiment, batch=batch, tz=zone(cfg.timezone), stages=cfg.record.stages
    )
    total = _sum(rows) if by == "stage" else stats.totals(store, start, end, experiment=experiment, batch=batch)
    if fmt == "json":
        doc = {
            "by": by,
            "since": start,
            "until": end,
            "experiment": experiment,
            "batch": batch,
            "units": "hours are core-hours; rates and efficiency are fractions (0..1)",
            "rows": [flat(r.key, r.tally) for r in rows],
            "total": flat("total", total),
        }
        click.echo(json.dumps(doc, indent=2))
    elif fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(flat(r.key, r.tally))
    else:
        if not rows:
            click.echo("no finished jobs in this period (run `opgtui collect` to record them)")
            return 0
        for line in table_lines(by, rows, total):
            click.echo(line)
    return 0


def run_prune(cfg: Config, store: Store, *, keep_days: float | None, dry_run: bool) -> int:
    from opgtui.domain import stats
    from opgtui.ops.record import try_refresh_stats

    keep = keep_days if keep_days is not None else cfg.record.keep_days
    ads_keep = min(cfg.record.keep_ads_days, keep)
    cut = time.time() - keep * stats.DAY
    if dry_run:
        n = store.count_finished_before(cut)
        click.echo(f"would prune {n} finished jobs older than {keep:g} days (and raw ads older than {ads_keep:g} days)")
        return 0
    rep = stats.prune(store, keep, ads_keep)
    try_refresh_stats(store)
    click.echo(
        f"pruned {rep.jobs} finished jobs older than {keep:g} days and {rep.ads} raw ads older than "
        f"{ads_keep:g} days in {rep.seconds:.1f}s"
    )
    return 0
