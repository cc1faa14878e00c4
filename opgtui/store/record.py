"""The production record's queries (job_stats, the day rollups, phases, data quality, retention), on both engines.

:mod:`opgtui.domain.stats`, :mod:`opgtui.domain.phases` and :mod:`opgtui.ops.record` decide what to compute; the SQL
lives here. The sums are written once for both engines: ``sum(CASE ... END)`` rather than SQLite's ``total()``, ``CASE``
rather than its two-argument ``max``, and the whole-day and whole-hour number through :meth:`RecordQueries._floor`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from opgtui.store.base import StoreBase, where_of
from opgtui.store.columns import JOB_STATS_VALUES
from opgtui.store.dialect import floor_div as _floor_div
from opgtui.store.dialect import marks
from opgtui.store.protocols import Connection, Dialect, Json, Row, SqlValue

DAY = 86400
PhaseRow = tuple[int, str, float | None, float | None, float | None, int | None, str]
"""One phase as :meth:`RecordQueries.save_phases` writes it: (seq, name, start, end, cpu, status, source)."""
StoredPhase = tuple[str, float | None, float | None, float | None, int | None, str]
"""One phase as :meth:`RecordQueries.phase_rows` reads it: (name, start, end, cpu, status, source)."""
DqResult = tuple[str, int | None, str, float]
"""A data-quality result: (job id, ok (1, 0 or None: not checked), problems JSON, checked at)."""
SumsRow = tuple[SqlValue, ...]
"""(day or None, experiment or '', key, the 13 sums named by ``_SUM_FIELDS``)."""


def _total(cond_or_value: str, *, flag: bool = False) -> str:
    """SQLite's ``total()``: a sum that is 0, not NULL, over no rows (a flag counts the rows it holds for)."""
    inner = f"CASE WHEN {cond_or_value} THEN 1 ELSE 0 END" if flag else cond_or_value
    return f"coalesce(sum({inner}), 0)"


def _pos(expr: str) -> str:
    return f"CASE WHEN {expr} > 0 THEN {expr} ELSE 0 END"


# Per-row values: core-seconds of the slot (CumulativeSlotTime, else wall x cores) and badput core-seconds
# (the attempts that did not commit: CumulativeSlotTime - CommittedSlotTime, else (wall - CommittedTime) x cores).
_ROW = f"""SELECT *,
  CASE WHEN slot_time > 0 THEN slot_time ELSE coalesce(wall, 0) * cores END AS core,
  CASE WHEN slot_time > 0 AND committed_slot_time IS NOT NULL THEN {_pos("slot_time - committed_slot_time")}
       WHEN committed_time IS NOT NULL AND wall > 0 THEN {_pos("wall - committed_time")} * cores ELSE 0 END AS bad,
  (outcome IN (1, 2) OR (outcome = 0 AND dq_ok = 0)) AS wasted_row,
  (outcome = 0 AND coalesce(dq_ok, 1) = 1) AS good_row
  FROM job_stats"""
_JOB_SUMS = ", ".join(
    (
        "count(*)",
        _total("outcome = 0", flag=True),
        _total("outcome = 1", flag=True),
        _total("outcome = 2", flag=True),
        _total("outcome = 0 AND dq_ok = 0", flag=True),
        _total("num_starts > 1", flag=True),
        _total("core"),
        _total("CASE WHEN cpu IS NOT NULL AND wall > 0 THEN cpu END"),
        _total("CASE WHEN cpu IS NOT NULL AND wall > 0 THEN wall * cores END"),
        _total("CASE WHEN wasted_row THEN core END"),
        _total("bad"),
        _total("CASE WHEN wasted_row THEN core ELSE bad END"),
        _total("CASE WHEN good_row THEN core - bad END"),
    )
)
# Phases: one row per phase of a finished job; its core-seconds are its wall x the job's cores.
_PHASE_ROW = f"""SELECT p.name AS name, s.experiment AS experiment, s.end_time AS end_time, s.batch_name AS batch_name,
  p.status AS status, p.cpu AS cpu, p."end" IS NOT NULL AS ended,
  CASE WHEN p.start IS NOT NULL AND p."end" IS NOT NULL THEN {_pos('p."end" - p.start')} * s.cores END AS core
  FROM job_phases p JOIN job_stats s ON s.job_id = p.job_id"""
# PostgreSQL's planner (random_page_cost 4) hashes all of job_phases to join a few hours' jobs (0.19 s over 600k
# phases); looking each job's phases up by key is ~4x faster, so its phases are a lateral subquery it cannot flatten.
_PHASE_ROW_PG = _PHASE_ROW.replace(
    "FROM job_phases p JOIN job_stats s ON s.job_id = p.job_id",
    "FROM job_stats s CROSS JOIN LATERAL (SELECT * FROM job_phases q WHERE q.job_id = s.job_id OFFSET 0) p",
)
_PHASE_OK = "status = 0 OR (status IS NULL AND ended)"
_PHASE_SUMS = ", ".join(
    (
        "count(*)",
        _total(_PHASE_OK, flag=True),
        _total("status != 0", flag=True),
        "0",
        "0",
        "0",
        _total("core"),
        _total("CASE WHEN cpu IS NOT NULL AND core > 0 THEN cpu END"),
        _total("CASE WHEN cpu IS NOT NULL AND core > 0 THEN core END"),
        _total("CASE WHEN status != 0 THEN core END"),
        "0",
        _total("CASE WHEN status != 0 THEN core END"),
        _total(f"CASE WHEN {_PHASE_OK} THEN core END"),
    )
)
_SUM_FIELDS = (
    "jobs",
    "ok",
    "failed",
    "removed",
    "dq_bad",
    "restarted",
    "core_sec",
    "cpu",
    "eff_core_sec",
    "wasted",
    "badput",
    "lost",
    "goodput",
)
# PostgreSQL sums a bigint column as numeric, which psycopg reads through a Python loader (~4 µs a value: 0.45 s of
# the 0.62 s an hour-of-day year of 1M jobs took, 8,760 rows of 13 sums); cast back to bigint it reads in C.
_COUNT_FIELDS = frozenset(_SUM_FIELDS[:6])


# SQLite's bulk ingest (Store.upsert_jobs): the job_stats rows of the jobs just written, from the jobs table and a
# temporary table of the batch (its ids, and the slot times of those that came with an ad), in the per-row
# trigger's own expressions; an ad-less job keeps the slot times it has.
_STATS_COLS = ", ".join(c for c, _ in JOB_STATS_VALUES)
_STATS_VALS = ", ".join(e.replace("NEW.", "j.") for _, e in JOB_STATS_VALUES)
_STATS_SET = ", ".join(f"{c} = excluded.{c}" for c, _ in JOB_STATS_VALUES)
_AD_COLS = ("slot_time", "committed_slot_time", "committed_time", "phases_raw")
_FROM_BATCH = (
    "INSERT INTO job_stats(job_id, " + _STATS_COLS + "{cols}) SELECT j.id, " + _STATS_VALS + "{vals} "
    "FROM temp.ingest_batch b CROSS JOIN jobs j "  # CROSS: the batch outside (not every finished job by status)
    "WHERE j.id = b.id AND b.has_ad = {has_ad} "
    "AND (j.status IN (3, 4) OR (j.status IS NULL AND j.end_time IS NOT NULL)) "
    "ON CONFLICT(job_id) DO UPDATE SET " + _STATS_SET + "{sets}"
)
_STATS_WITH_AD = _FROM_BATCH.format(
    cols="".join(f", {c}" for c in _AD_COLS),
    has_ad=1,
    vals=", b.slot_time, b.committed_slot_time, b.committed_time, b.phases_raw",
    sets="".join(f", {c} = excluded.{c}" for c in _AD_COLS),
)
_STATS_WITHOUT_AD = _FROM_BATCH.format(cols="", vals="", has_ad=0, sets="")


def _keys(dialect: Dialect) -> dict[str, str]:
    """Dimension -> its key over job_stats rows, as text (hour: the absolute UTC hour the job's last run started)."""
    hour = _floor_div(dialect, "coalesce(start_time, end_time - coalesce(wall, 0))", 3600)
    return {
        "site": "site",
        "cpu": "cpu_model",
        "hour": f"CAST({hour} AS TEXT)",
        "verdict": "CASE WHEN good_row THEN 'ok' WHEN outcome = 0 THEN 'dq-failed' WHEN outcome = 3 "
        "THEN 'exit unknown' ELSE coalesce(verdict, 'undiagnosed') END",
        "batch": "batch_name",
        "all": "''",
    }


ROLLUP_DIMS = (*_keys("sqlite"), "stage")


# SQLite's recompute of the dirty days (RecordQueries._recompute_days_sqlite). SQLite groups by sorting, ~1.7 µs a row
# per GROUP BY: seven per-day, per-dimension statements over 6 days of 112k rows (an ingest of 100k history ads into
# a 1M store) took 1.9 s, each re-reading the day's rows through the end_time index and sorting them again. Instead:
# the days' rows are read once into temp.rollup_rows (their keys and the per-row values that _JOB_SUMS sums), sorted
# twice into two finer groupings, (site, CPU, verdict) and (hour, batch), and each dimension summed from the one that
# holds it (3k and 16k rows, not 112k). Counts are the same integers; a float sum is the same sum of the same values
# added in another grouping (within ~1e-14 of the per-dimension sum).
_ROW_VALUES = (
    "CASE WHEN outcome = 0 THEN 1 ELSE 0 END",
    "CASE WHEN outcome = 1 THEN 1 ELSE 0 END",
    "CASE WHEN outcome = 2 THEN 1 ELSE 0 END",
    "CASE WHEN outcome = 0 AND dq_ok = 0 THEN 1 ELSE 0 END",
    "CASE WHEN num_starts > 1 THEN 1 ELSE 0 END",
    "core",
    "CASE WHEN cpu IS NOT NULL AND wall > 0 THEN cpu END",
    "CASE WHEN cpu IS NOT NULL AND wall > 0 THEN wall * cores END",
    "CASE WHEN wasted_row THEN core END",
    "bad",
    "CASE WHEN wasted_row THEN core ELSE bad END",
    "CASE WHEN good_row THEN core - bad END",
)
"""Per row, what each of _JOB_SUMS after ``count(*)`` sums (the same expressions, in the same order)."""
_VALS = tuple(f"v{i}" for i in range(len(_ROW_VALUES)))
_V = ", ".join(_VALS)
_FINER = {"g1": ("site", "cpu", "verdict"), "g2": ("hour", "batch")}
"""The two finer groupings (temp tables) and the dimensions each is summed into."""
_ALL_KEYS = ("site", "cpu", "verdict", "hour", "batch")
_DAYS_PER_PASS = 31
"""Dirty days recomputed per pass: bounds the temporary rows when every day is dirty (a migration, a copy)."""


def _rollup_temp_tables() -> list[str]:
    """The temp tables of the SQLite recompute (columns without a type: values kept as computed)."""
    return [
        "CREATE TEMP TABLE IF NOT EXISTS rollup_days (day INTEGER PRIMARY KEY)",
        f"CREATE TEMP TABLE IF NOT EXISTS rollup_rows (d, e, {', '.join(_ALL_KEYS)}, {_V})",
        *(f"CREATE TEMP TABLE IF NOT EXISTS rollup_{g} (d, e, {', '.join(k)}, n, {_V})" for g, k in _FINER.items()),
    ]


def _recompute_sql() -> list[str]:
    """The statements of one SQLite pass over the days in temp.rollup_days (see _ROW_VALUES)."""
    keys = _keys("sqlite")
    hour = _floor_div("sqlite", "coalesce(start_time, end_time - coalesce(wall, 0))", 3600)  # the key, as an integer
    row_keys = [*(f"coalesce({keys[k]}, '')" for k in ("site", "cpu", "verdict")), hour, "coalesce(batch_name, '')"]
    vals = ", ".join(_ROW_VALUES)
    sums = ", ".join(f"sum({v})" for v in _VALS)
    resum = ", ".join(f"coalesce(sum({v}), 0)" for v in _VALS)
    out = [
        f"INSERT INTO temp.rollup_rows SELECT d.day, coalesce(experiment, ''), {', '.join(row_keys)}, {vals} "
        f"FROM temp.rollup_days d CROSS JOIN ({_ROW}) s WHERE s.end_time >= d.day * {DAY} "
        f"AND s.end_time < (d.day + 1) * {DAY}"
    ]
    for g, ks in _FINER.items():
        by = ", ".join(ks)
        out.append(
            f"INSERT INTO temp.rollup_{g} SELECT d, e, {by}, count(*), {sums} FROM temp.rollup_rows GROUP BY d, e, {by}"
        )
    for g, ks in _FINER.items():
        for k in ks:
            key = "coalesce(CAST(hour AS TEXT), '')" if k == "hour" else k
            out.append(
                f"INSERT INTO stats_rollup SELECT '{k}', d, e, {key}, sum(n), {resum} FROM temp.rollup_{g} "
                f"GROUP BY d, e, {k}"
            )
    out.append(f"INSERT INTO stats_rollup SELECT 'all', d, e, '', sum(n), {resum} FROM temp.rollup_g1 GROUP BY d, e")
    return out


_RECOMPUTE_SQL = _recompute_sql()
_STAGE_SQL = (
    f"SELECT 'stage', d.value, coalesce(experiment, ''), name, {_PHASE_SUMS} FROM json_each(?) d "
    f"CROSS JOIN ({_PHASE_ROW}) r WHERE r.end_time >= d.value * {DAY} AND r.end_time < (d.value + 1) * {DAY} "
    "GROUP BY 2, 3, 4"
)
"""SQLite: the stage rollups of the days in a JSON array, as stats_rollup rows (read on a connection of its own)."""


def _stage_rollups(path: Path, days: Sequence[int]) -> list[Row]:
    """SQLite: :data:`_STAGE_SQL` over ``days`` on a read-only connection of its own to the store at ``path``, in a
    thread while the store's connection, holding the write lock, recomputes the other dimensions (nobody commits in
    between, and that connection has changed only the rollups: this one reads what it reads)."""
    from opgtui.store.sqlite import connect

    reader = connect(path, readonly=True, timeout=30.0, group=None)
    try:
        return reader.execute(_STAGE_SQL, (json.dumps(list(days)),)).fetchall()
    finally:
        reader.close()


_AD_NUMBERS = ("CumulativeSlotTime", "CommittedSlotTime", "CommittedTime")
AdStats = tuple[float | None, float | None, float | None, str | None]
BULK_ROWS = 500
"""SQLite: from this many jobs in one upsert, the record's per-row trigger is dropped for the transaction (and
made again, from its own text, before it commits: other connections never see it missing) and the job_stats rows
are written by two set-based statements, ads' slot times included: ~half the trigger's cost per row plus the
UPDATE of every row with its ad (issue 18: ingest within 2x of a bare executemany)."""


def ad_stats(ad: dict[str, Json]) -> AdStats:
    """(CumulativeSlotTime, CommittedSlotTime, CommittedTime, ChirpOpgPhases) of an ad: numbers and text only."""
    nums = [
        float(v) if isinstance(v := ad.get(k), int | float) and not isinstance(v, bool) else None for k in _AD_NUMBERS
    ]
    phases = ad.get("ChirpOpgPhases")
    return nums[0], nums[1], nums[2], phases if isinstance(phases, str) else None


def stats_trigger(c: Connection) -> str | None:
    """SQLite: the CREATE statement of the record's per-row trigger on jobs, as the schema has it."""
    row = c.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'job_stats_from_jobs'").fetchone()
    return str(row[0]) if row else None


def stats_from_batch(c: Connection, job_ids: Sequence[str], ad_values: Sequence[tuple[str, *AdStats]]) -> None:
    """SQLite, in the caller's transaction ``c``: the job_stats rows of ``job_ids`` just written with the
    per-row trigger off (Store.upsert_jobs), and of the ``(job id, slot time, committed slot time, committed
    time, chirped phases)`` of those that came with an ad, in two set-based statements."""
    c.execute(
        "CREATE TEMP TABLE IF NOT EXISTS ingest_batch (id TEXT PRIMARY KEY, has_ad INTEGER NOT NULL, "
        "slot_time REAL, committed_slot_time REAL, committed_time REAL, phases_raw TEXT)"
    )
    c.execute("DELETE FROM temp.ingest_batch")
    batch: dict[str, Row] = {jid: (jid, 0, None, None, None, None) for jid in job_ids}
    batch.update((v[0], (v[0], 1, *v[1:])) for v in ad_values)
    c.executemany("INSERT INTO temp.ingest_batch VALUES (?, ?, ?, ?, ?, ?)", list(batch.values()))
    c.execute(_STATS_WITH_AD)
    c.execute(_STATS_WITHOUT_AD)
    c.execute("DELETE FROM temp.ingest_batch")


def write_ad_stats(c: Connection, ads: dict[str, dict[str, Json]]) -> None:
    """The record's values read from finished jobs' ads (slot times, chirped phases) into their job_stats rows,
    in the caller's transaction ``c`` (a job not finished has no row: nothing happens)."""
    rows = [(*ad_stats(ad), jid) for jid, ad in ads.items()]
    if c.dialect == "sqlite":
        c.executemany(
            "UPDATE job_stats SET slot_time = ?, committed_slot_time = ?, committed_time = ?, "
            "phases_raw = ? WHERE job_id = ?",
            rows,
        )
        return
    from opgtui.store.pg import bulk_update

    bulk_update(
        c,
        "job_stats",
        ("slot_time", "committed_slot_time", "committed_time", "phases_raw"),
        ("DOUBLE PRECISION", "DOUBLE PRECISION", "DOUBLE PRECISION", "TEXT"),
        "job_id",
        rows,
    )


class RecordQueries(StoreBase):
    """The production record's area, mixed into :class:`opgtui.store.Store`."""

    # ---------------------------------------------------------------- the record's rows

    stats_from_batch = staticmethod(stats_from_batch)

    @staticmethod
    def record_ad_stats(c: Connection, ads: dict[str, dict[str, Json]]) -> None:
        """:func:`write_ad_stats` in the caller's transaction ``c``."""
        write_ad_stats(c, ads)

    # ---------------------------------------------------------------- rollups

    def stats_dirty(self) -> bool:
        """Whether some day's rollups wait to be recomputed."""
        return self.conn.execute("SELECT 1 FROM stats_dirty LIMIT 1").fetchone() is not None

    def recompute_dirty_days(self) -> int:
        """Recompute the rollups of every day marked dirty, in one transaction; returns the days redone."""
        with self.transaction() as c:
            days = [int(d) for (d,) in c.execute("SELECT day FROM stats_dirty ORDER BY day").fetchall()]
            if self.dialect == "sqlite" and days:
                # the stage rollups (a lookup in job_phases per job: a fifth of the work) on the other core
                path = getattr(self.conn, "store_path", None)
                with ThreadPoolExecutor(1, thread_name_prefix="rollup-stage") as pool:
                    stage = pool.submit(_stage_rollups, path, days) if path and path.is_file() else None
                    for lo in range(0, len(days), _DAYS_PER_PASS):
                        self._recompute_days_sqlite(c, days[lo : lo + _DAYS_PER_PASS])
                    rows = stage.result() if stage else c.execute(_STAGE_SQL, (json.dumps(days),)).fetchall()
                if rows:
                    c.executemany(f"INSERT INTO stats_rollup VALUES ({marks(rows[0])})", rows)
            else:
                for day in days:
                    self._recompute_day(c, day)
            c.execute("DELETE FROM stats_dirty")
        return len(days)

    @staticmethod
    def _recompute_days_sqlite(c: Connection, days: Sequence[int]) -> None:
        """SQLite, in the caller's transaction: the rollups of ``days`` from one read of their rows (_ROW_VALUES
        says how); the temp tables are emptied again (they are the connection's own, never committed)."""
        for sql in _rollup_temp_tables():
            c.execute(sql)
        c.executemany("INSERT INTO temp.rollup_days(day) VALUES (?)", [(d,) for d in days])
        days_in = "day IN (SELECT day FROM temp.rollup_days)"
        c.execute(f"DELETE FROM stats_rollup WHERE dim IN ({marks(ROLLUP_DIMS)}) AND {days_in}", ROLLUP_DIMS)
        for sql in _RECOMPUTE_SQL:
            c.execute(sql)
        for table in ("rollup_days", "rollup_rows", *(f"rollup_{g}" for g in _FINER)):
            c.execute(f"DELETE FROM temp.{table}")

    def _recompute_day(self, c: Connection, day: int) -> None:
        lo, hi = day * DAY, (day + 1) * DAY
        c.execute(f"DELETE FROM stats_rollup WHERE day = ? AND dim IN ({marks(ROLLUP_DIMS)})", (day, *ROLLUP_DIMS))
        for dim, key in _keys(self.dialect).items():
            c.execute(
                f"INSERT INTO stats_rollup SELECT CAST(? AS TEXT), CAST(? AS INTEGER), coalesce(experiment, ''), "
                f"coalesce({key}, ''), {_JOB_SUMS} FROM ({_ROW} WHERE end_time >= ? AND end_time < ?) r "
                "GROUP BY 3, 4",
                (dim, day, lo, hi),
            )
        c.execute(
            f"INSERT INTO stats_rollup SELECT 'stage', CAST(? AS INTEGER), coalesce(experiment, ''), name, "
            f"{_PHASE_SUMS} FROM ({self._phase_row()} WHERE s.end_time >= ? AND s.end_time < ?) r GROUP BY 3, 4",
            (day, lo, hi),
        )

    def _phase_row(self) -> str:
        return _PHASE_ROW if self.dialect == "sqlite" else _PHASE_ROW_PG

    def stats_direct(
        self,
        dim: str,
        lo: float,
        hi: float,
        experiment: str | None,
        batch: str | None,
        per_day: bool,
        by_experiment: bool,
    ) -> list[SumsRow]:
        """Sums straight from job_stats (or job_phases) for [lo, hi): (day or None, experiment or '', key, sums...)."""
        stage = dim == "stage"
        where, params = where_of(
            ("end_time >= ?", lo), ("end_time < ?", hi), ("experiment = ?", experiment), ("batch_name = ?", batch)
        )
        day = _floor_div(self.dialect, "end_time", DAY) if per_day else "NULL"
        key = "name" if stage else _keys(self.dialect)[dim]
        group = "coalesce(experiment, '')" if by_experiment else "''"
        sql = (
            f"SELECT {day}, {group}, coalesce({key}, ''), {_PHASE_SUMS if stage else _JOB_SUMS} "
            f"FROM ({self._phase_row() if stage else _ROW}) r WHERE {where} GROUP BY 1, 2, 3"
        )
        return self.conn.execute(sql, params).fetchall()

    def stats_from_rollup(
        self, dim: str, d0: int, d1: int | None, experiment: str | None, per_day: bool, by_experiment: bool
    ) -> list[SumsRow]:
        """Sums of whole days [d0, d1) from the rollups, in the shape of :meth:`stats_direct`."""
        where, params = where_of(("dim = ?", dim), ("day >= ?", d0), ("day < ?", d1), ("experiment = ?", experiment))
        day = "day" if per_day else "NULL"
        group = "experiment" if by_experiment else "''"
        sums = ", ".join(
            f"sum({f})" if self.dialect == "sqlite" or f not in _COUNT_FIELDS else f"CAST(sum({f}) AS BIGINT)"
            for f in _SUM_FIELDS
        )
        sql = f"SELECT {day}, {group}, key, {sums} FROM stats_rollup WHERE {where} GROUP BY 1, 2, 3"
        return self.conn.execute(sql, params).fetchall()

    def recorded_experiments(self) -> set[str]:
        """The experiments the record has finished jobs of."""
        return {r[0] for r in self.conn.execute("SELECT DISTINCT experiment FROM job_stats") if r[0]}

    def count_finished_before(self, cut: float) -> int:
        return int(self.conn.execute("SELECT count(*) FROM job_stats WHERE end_time < ?", (cut,)).fetchone()[0])

    # ---------------------------------------------------------------- retention

    def prune_finished(self, cut: float, chunk: int) -> int:
        """Delete the finished jobs that ended before ``cut`` with everything kept about them, ``chunk`` jobs per
        transaction (a kill leaves a consistent store, other writers wait at most one chunk). Returns jobs."""
        done = 0
        while True:
            ids = [
                r[0]
                for r in self.conn.execute(
                    "SELECT job_id FROM job_stats WHERE end_time < ? ORDER BY end_time LIMIT ?", (cut, chunk)
                )
            ]
            if not ids:
                return done
            with self.transaction() as c:
                for table, col in (
                    ("job_ads", "job_id"),
                    ("job_events", "job_id"),
                    ("verdicts", "job_id"),
                    ("job_phases", "job_id"),
                    ("dq_results", "job_id"),
                    ("job_stats", "job_id"),
                    ("jobs", "id"),
                ):
                    c.execute(f"DELETE FROM {table} WHERE {col} IN ({marks(ids)})", ids)
            done += len(ids)

    def prune_ads(self, cut: float, chunk: int) -> int:
        """Delete the raw ads of finished jobs that ended before ``cut``, in chunks; returns ads deleted."""
        done = 0
        while True:
            ids = [
                r[0]
                for r in self.conn.execute(
                    "SELECT a.job_id FROM job_stats s JOIN job_ads a ON a.job_id = s.job_id "
                    "WHERE s.end_time < ? LIMIT ?",
                    (cut, chunk),
                )
            ]
            if not ids:
                return done
            with self.transaction() as c:
                c.execute(f"DELETE FROM job_ads WHERE job_id IN ({marks(ids)})", ids)
            done += len(ids)

    # ---------------------------------------------------------------- phases and data quality

    @staticmethod
    def save_phases(c: Connection, job_id: str, rows: Sequence[PhaseRow]) -> None:
        """Replace a job's phases (``seq, name, start, end, cpu, status, source`` rows) in the caller's transaction
        ``c`` (from :meth:`transaction`)."""
        c.execute("DELETE FROM job_phases WHERE job_id = ?", (job_id,))
        c.executemany(
            'INSERT INTO job_phases(job_id, seq, name, start, "end", cpu, status, source) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(job_id, *r) for r in rows],
        )

    def pending_chirped_phases(self) -> list[tuple[str, str]]:
        """(job id, ChirpOpgPhases value) of finished jobs whose chirped phases are not parsed yet."""
        return self.conn.execute("SELECT job_id, phases_raw FROM job_stats WHERE phases_raw IS NOT NULL").fetchall()

    def save_chirped_phases(self, parsed: Iterable[tuple[str, Sequence[PhaseRow]]]) -> None:
        """Store parsed chirped phases (job id, rows as for :meth:`save_phases`) unless the job's phases were read
        from its log (complete, where the ad may lag), and mark them parsed; one transaction."""
        with self.transaction() as c:
            for job_id, rows in parsed:
                from_log = c.execute(
                    "SELECT 1 FROM job_phases WHERE job_id = ? AND source = 'log' LIMIT 1", (job_id,)
                ).fetchone()
                if not from_log:
                    self.save_phases(c, job_id, rows)
                c.execute("UPDATE job_stats SET phases_raw = NULL WHERE job_id = ?", (job_id,))

    def phase_rows(self, job_id: str) -> list[StoredPhase]:
        """A job's stored phases: (name, start, end, cpu, status, source) in order."""
        return self.conn.execute(
            'SELECT name, start, "end", cpu, status, source FROM job_phases WHERE job_id = ? ORDER BY seq', (job_id,)
        ).fetchall()

    def unchecked_finished(self, since: float, experiments: Sequence[str] | None, limit: int) -> list[str]:
        """Finished jobs since ``since`` without a data-quality result (of these experiments, or all), newest
        first."""
        where = ["s.end_time >= ?", "NOT EXISTS (SELECT 1 FROM dq_results d WHERE d.job_id = s.job_id)"]
        params: list[SqlValue] = [since]
        if experiments is not None:
            where.append(f"s.experiment IN ({marks(experiments) or 'NULL'})")
            params += list(experiments)
        sql = f"SELECT s.job_id FROM job_stats s WHERE {' AND '.join(where)} ORDER BY s.end_time DESC LIMIT ?"
        return [r[0] for r in self.conn.execute(sql, (*params, limit))]

    def save_checks(self, phase_sets: Sequence[tuple[str, Sequence[PhaseRow]]], results: Sequence[DqResult]) -> None:
        """Phases read from logs and data-quality results (job id, ok, problems JSON, checked), one transaction."""
        with self.transaction() as c:
            for job_id, rows in phase_sets:
                self.save_phases(c, job_id, rows)
            c.executemany(self.upsert_sql("dq_results", ("job_id", "ok", "problems", "checked"), ("job_id",)), results)

    def dq_problems(self, job_ids: Sequence[str] | None = None) -> list[tuple[str, str]]:
        """(job id, problems JSON) of jobs that failed their data-quality checks (of these ids, or all)."""
        sql = "SELECT job_id, problems FROM dq_results WHERE ok = 0"
        params: tuple[str, ...] = ()
        if job_ids is not None:
            if not job_ids:
                return []
            sql += f" AND job_id IN ({marks(job_ids)})"
            params = tuple(job_ids)
        return self.conn.execute(sql, params).fetchall()
