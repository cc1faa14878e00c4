"""Stats view (5, :stats): how production went — success rate and CPU efficiency by site, CPU, hour of day,
stage, verdict, batch or experiment; wasted core-hours and failures by verdict per day.

Text rendering is pure (``group_text``, ``spark``, ``daily_text``) and drawn as Textual ``Content`` in the theme's
colours ($text-error, $text-success, ...): site, batch and stage names come from job ads and logs and are never
parsed as markup. The numbers are read off the UI thread, each time on a connection of its own.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from opgtui.core.textsafe import one_line
from opgtui.domain.stats import DAY, Row, Tally
from opgtui.screens.base import BaseScreen
from opgtui.screens.reads import read_store
from opgtui.widgets.vim import Scroll

if TYPE_CHECKING:
    from opgtui.store import Store

GROUPINGS = ("site", "cpu", "hour", "stage", "verdict", "batch", "experiment")
TITLES = {
    "site": "site",
    "cpu": "CPU model",
    "hour": "hour (local, job start)",
    "stage": "stage",
    "verdict": "verdict",
    "batch": "batch",
    "experiment": "experiment",
}
PERIODS = (("24 h", 1), ("7 d", 7), ("30 d", 30), ("90 d", 90), ("365 d", 365))
VERDICT_ORDER = ("service", "code", "resource", "unknown", "undiagnosed", "exit unknown", "dq-failed")
_EIGHTHS = " ▏▎▍▌▋▊▉█"
_SPARKS = "▁▂▃▄▅▆▇█"


def bar(frac: float | None, width: int) -> str:
    """A horizontal bar of ``width`` cells filled to ``frac`` (0..1) in eighths; blank when unknown."""
    if frac is None:
        return " " * width
    cells = max(0.0, min(frac, 1.0)) * width
    full = int(cells)
    part = _EIGHTHS[int((cells - full) * 8)] if full < width else ""
    return ("█" * full + part).ljust(width)


def spark(values: Sequence[float]) -> str:
    """One character per value, ▁ (least) to █ (most); '·' for a value of zero (no data that day)."""
    top = max(values, default=0.0)
    return "".join("·" if v <= 0 else _SPARKS[min(int(v / top * 7.999), 7)] for v in values)


def axis(labels: Sequence[str], cell: int) -> str:
    """A line of date labels under a strip of ``len(labels)`` cells ``cell`` characters wide: the first, the
    last (ending at the strip's end) and the middle one always when they fit, then the quarters, eighths...,
    each starting under its cell, never two touching."""
    n, end = len(labels), len(labels) * cell
    if not n:
        return ""
    order = [0, n - 1, n // 2]
    step = n // 4
    while step >= 1:
        order += list(range(step, n, step))
        step //= 2
    line = [" "] * end
    taken: list[tuple[int, int]] = []
    for i in dict.fromkeys(order):
        text = labels[i]
        start = end - len(text) if 0 < i == n - 1 else i * cell
        if start < 0 or start + len(text) > end or any(start <= b and a <= start + len(text) for a, b in taken):
            continue
        taken.append((start, start + len(text)))
        line[start : start + len(text)] = text
    return "".join(line).rstrip()


def _hours(sec: float) -> str:
    h = sec / 3600
    return f"{h:,.0f}" if h >= 100 else f"{h:.1f}"


def _pct(x: float | None) -> str:
    return "  - " if x is None else f"{100 * x:3.0f}%"


def group_text(by: str, rows: Sequence[Row], total: Tally, width: int = 80) -> Content:
    """The table: key, jobs, success rate and CPU efficiency with bars, core-hours, then wasted (non-zero
    exit), badput (evicted attempts) and goodput core-hours. The key column is as wide as the longest key
    (at most 40); the bars take what the width leaves (3 to 16), and go when less is left (the percentages
    stay); a key is then cut (to no less than 16) before the hour columns leave the screen. A line still
    wider than ``width`` is drawn whole (the view scrolls right)."""
    keyw = max(8, len(TITLES[by]), *(len(one_line(r.key, 40)) for r in rows), 3)
    fixed = 52  # a line is keyw + 52, and 1 + barw more per bar
    barw = min(16, (width - keyw - fixed) // 2 - 1)
    if barw < 3:
        barw = 0
        keyw = max(16, min(keyw, width - fixed))
    gap = " " * bool(barw)
    jobs_word = "phases" if by == "stage" else "jobs"
    out = Content()
    out = out.append_text(
        f"{TITLES[by][:keyw]:<{keyw}} {jobs_word:>6} {'success' if barw else 'succ':<{barw + 4}}{gap} "
        f"{'CPU eff' if barw else ' eff':<{barw + 4}}{gap} "
        f"{'core-h':>7} {'wasted-h':>8} {'badput-h':>8} {'goodput-h':>9}\n",
        "bold",
    )
    worst_eff = min(
        (r.tally.efficiency for r in rows if r.tally.efficiency is not None and r.tally.jobs >= 10), default=None
    )
    for r in rows:
        t = r.tally
        out = out.append_text(f"{one_line(r.key, keyw):<{keyw}} {t.jobs:>6} ")
        rate_style = "$text-error" if t.success_rate is not None and t.success_rate < 0.7 else "$text-success"
        out = out.append_text(_pct(t.success_rate) + gap)
        out = out.append_text(bar(t.success_rate, barw), rate_style)
        out = out.append_text(" " + _pct(t.efficiency) + gap)
        eff_style = (
            "$text-warning"
            if t.efficiency is not None and t.efficiency == worst_eff and len(rows) > 1
            else "$text-primary"
        )
        out = out.append_text(bar(t.efficiency, barw), eff_style)
        out = out.append_text(
            f" {_hours(t.core_sec):>7} {_hours(t.wasted):>8} {_hours(t.badput):>8} {_hours(t.goodput):>9}\n"
        )
    blank = " " * barw + gap
    out = out.append_text(
        f"{'all':<{keyw}} {total.jobs:>6} {_pct(total.success_rate)}{blank} {_pct(total.efficiency)}{blank} "
        f"{_hours(total.core_sec):>7} {_hours(total.wasted):>8} {_hours(total.badput):>8} "
        f"{_hours(total.goodput):>9}",
        "bold",
    )
    return out


def days_of(since: float, now: float) -> list[str]:
    """The UTC dates from ``since`` to ``now``, oldest first."""
    first, last = int(since // DAY), int(now // DAY)
    return [datetime.fromtimestamp(d * DAY, UTC).strftime("%Y-%m-%d") for d in range(first, last + 1)]


def buckets(dates: Sequence[str], cells: int) -> list[list[str]]:
    """The dates in at most ``cells`` runs of equal length, the last ending with the last date (so a long
    period is drawn whole, a week or more per character, instead of only its last ``cells`` days)."""
    per = max(1, -(-len(dates) // max(cells, 1)))
    first = len(dates) % per
    head = [list(dates[:first])] if first else []
    return head + [list(dates[i : i + per]) for i in range(first, len(dates), per)]


def daily_text(
    title: str,
    series: Mapping[str, Mapping[str, float]],
    dates: Sequence[str],
    unit: str,
    order: Sequence[str] = (),
    width: int = 80,
) -> Content:
    """A strip per key over the same days, one cell per day of the whole period (runs of days when the period
    is longer than ``width - 34`` cells; a short period's cells are up to 6 characters wide), '·' for a day
    without any, all in one column, with the total and the peak after it and the dates under the last."""
    runs = buckets(dates, width - 34)
    per = max((len(r) for r in runs), default=1)
    cell = max(1, min(6, (width - 34) // max(len(runs), 1))) if per == 1 else 1
    out = Content()
    step = "per UTC day" if per == 1 else f"per {per} UTC days"
    year = len(dates) > 300
    first, last = (dates[0], dates[-1]) if dates else ("", "")
    out = out.append_text(
        f"{title}  ({first if year else first[5:]} → {last if year else last[5:]}, {step})\n"
        if dates
        else f"{title}\n",
        "bold",
    )
    keys = [k for k in order if k in series] + sorted(k for k in series if k not in order)
    if not keys:
        out = out.append_text("  nothing in this period", "dim")
        return out
    num = (lambda v: _hours(v * 3600)) if unit == "h" else (lambda v: f"{v:,.0f}")
    for key in keys:
        values = [sum(series[key].get(d, 0.0) for d in run) for run in runs]
        label = one_line(key, 12) if key else "all"
        out = out.append_text(f"{label:<12} ")
        out = out.append_text(
            "".join(c * cell for c in spark(values)),
            "$text-error" if key in ("service", "code", "resource", "dq-failed") else "$text-accent",
        )
        out = out.append_text(f"  {num(sum(values))} {unit}, peak {num(max(values))}\n")
    labels = [run[0][5:] for run in runs]
    if runs:
        labels[-1] = runs[-1][-1][5:]  # the strip ends with the period's last day
    out = out.append_text(f"{'UTC day':<12} " + axis(labels, cell), "dim")
    return out


@dataclass(slots=True)
class StatsData:
    """What one load read from the store."""

    by: str
    rows: list[Row]
    total: Tally
    wasted: dict[str, dict[str, float]]
    failures: dict[str, dict[str, float]]
    dates: list[str]
    experiments: list[str] = field(default_factory=list)
    seconds: float = 0.0


class StatsScreen(BaseScreen):
    """The production record."""

    VIEW_NAME = "Stats"
    DEFAULT_CSS = """
    #stats-status { height: 2; background: $panel; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    #stats-body { height: 1fr; overflow-x: auto; }
    #stats-groups, #stats-wasted, #stats-failures { height: auto; padding: 0 1; text-wrap: nowrap;
      width: auto; min-width: 100%; }
    #stats-wasted, #stats-failures { border-top: solid $primary-darken-2; }
    """
    BINDINGS = [
        Binding("b", "grouping(1)", "By", id="stats.by"),
        Binding("B", "grouping(-1)", "By (back)", show=False, id="stats.by_back"),
        Binding("p", "period", "Period", id="stats.period"),
        Binding("e", "experiment", "Experiment", id="stats.experiment"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.by_index = 0
        self.period_index = 1
        self.experiment: str | None = None
        self.data: StatsData | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="stats-status")
        with Scroll(id="stats-body"):
            yield Static(id="stats-groups")
            yield Static(id="stats-wasted")
            yield Static(id="stats-failures")
            yield Static(id="hint", classes="hint")

    @property
    def by(self) -> str:
        return GROUPINGS[self.by_index]

    def reload(self) -> None:
        self.load()

    def load(self) -> None:
        """Bring the rollups up to date and read this view's numbers off the UI thread (read_store)."""
        app = self.opg
        by, days, exp = self.by, PERIODS[self.period_index][1], self.experiment
        tz, stages = app.tz, app.cfg.record.stages

        def read(store: Store) -> tuple[str | None, StatsData]:
            from opgtui.domain import stats
            from opgtui.ops.record import try_refresh_stats

            started = time.perf_counter()
            now = time.time()
            since = now - days * DAY
            problem = try_refresh_stats(store)
            rows = stats.aggregate(store, by, since, experiment=exp, tz=tz, stages=stages)
            total = stats.totals(store, since, experiment=exp)
            wasted = {
                k: {d: t.wasted / 3600 for d, t in v.items()}
                for k, v in stats.series(store, "all", since, experiment=exp).items()
            }
            failures = {
                k: {d: float(t.jobs) for d, t in v.items()}
                for k, v in stats.series(store, "verdict", since, experiment=exp).items()
                if k != "ok"
            }
            experiments = [r.key for r in stats.aggregate(store, "experiment", now - 365 * DAY)]
            return problem, StatsData(
                by, rows, total, wasted, failures, days_of(since, now), experiments, time.perf_counter() - started
            )

        read_store(self, read, self._loaded, group="stats-load")  # a damaged store: one line, the dashboard stays up

    def _loaded(self, answer: tuple[str | None, StatsData]) -> None:
        problem, data = answer
        if problem:  # the rollups could not be brought up to date: these are the last refresh's numbers
            self.notify(problem, severity="warning", markup=False)
        self.show(data)

    def show(self, data: StatsData) -> None:
        self.data = data
        width = max(40, self.size.width - 6)  # padding, the scrollbar and a margin
        t = data.total
        period = PERIODS[self.period_index][0]
        scope = self.experiment or "all experiments"
        status = Content.assemble(  # two lines, so the totals are not cut at 80 columns
            (f" last {period} · {one_line(scope, 20)} · by {TITLES[data.by]} ", "bold"),
            f"· {t.jobs:,} finished · success {_pct(t.success_rate).strip()}",
            f"\n CPU eff {_pct(t.efficiency).strip()} · wasted {_hours(t.wasted)} h · badput {_hours(t.badput)} h "
            f"(evicted) · goodput {_hours(t.goodput)} h",
        )
        self.query_one("#stats-status", Static).update(status)
        hint = self.query_one("#hint", Static)
        empty = not data.rows
        hint.display = empty
        for wid in ("#stats-groups", "#stats-wasted", "#stats-failures"):
            self.query_one(wid, Static).display = not empty
        if empty:
            what = (
                "no phases recorded: jobs report them with opg-phase (docs/instrumenting.md)"
                if data.by == "stage" and t.jobs
                else "no finished jobs in this period"
            )
            hint.update(
                Text(
                    f"{what}. Keys: b grouping, p period, e experiment. The collector records finished "
                    "jobs from the schedds' history (opgtui collect)."
                )
            )
            return
        shown = t
        if data.by == "stage":  # phases, not jobs: the total of the rows
            shown = Tally()
            for r in data.rows:
                shown.add(r.tally.values())
        self.query_one("#stats-groups", Static).update(group_text(data.by, data.rows, shown, width))
        self.query_one("#stats-wasted", Static).update(
            daily_text("Wasted core-hours", data.wasted, data.dates, "h", width=width)
        )
        self.query_one("#stats-failures", Static).update(
            daily_text("Failures by verdict", data.failures, data.dates, "jobs", VERDICT_ORDER, width)
        )

    # ------------------------------------------------------------------ keys

    def action_grouping(self, step: int) -> None:
        self.by_index = (self.by_index + step) % len(GROUPINGS)
        self.load()

    def action_period(self) -> None:
        self.period_index = (self.period_index + 1) % len(PERIODS)
        self.load()

    def action_experiment(self) -> None:
        choices: list[str | None] = [None, *(self.data.experiments if self.data else [])]
        at = choices.index(self.experiment) if self.experiment in choices else 0
        self.experiment = choices[(at + 1) % len(choices)]
        self.load()
