"""Copy a store into another (SQLite <-> PostgreSQL), table by table, verified by row counts.

Rows are read in primary-key order a chunk at a time (keyset pages: a million jobs never sit in memory) and
written one chunk per transaction. The tables the triggers derive (the record's ``job_stats``, its rollups and
dirty days) are copied last and overwrite what the triggers made on the way, so the copy is the source's exact
state. Into an empty destination only, unless ``append``: then a row whose key the destination already has is
kept as it is (copying the same store twice changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from opgtui.store import Store, StoreError

# Table -> its primary key, in copy order (the derived tables last).
KEYS: dict[str, tuple[str, ...]] = {
    "kv": ("key",),
    "jobs": ("id",),
    "job_ads": ("job_id",),
    "job_events": ("id",),
    "verdicts": ("job_id",),
    "dq_results": ("job_id",),
    "job_phases": ("job_id", "seq"),
    "feed_status": ("feed",),
    "service_states": ("id",),
    "windows": ("id",),
    "announcements": ("id",),
    "requests": ("id",),
    "request_audit": ("id",),
    "action_log": ("id",),
    "retries": ("id",),
    "learned_signatures": ("id",),
    "learned_audit": ("id",),
    "learn_tails": ("job_id",),
    "job_stats": ("job_id",),
    "stats_rollup": ("dim", "day", "experiment", "key"),
    "stats_dirty": ("day",),
}
DERIVED = frozenset({"job_stats", "stats_rollup", "stats_dirty"})
CHUNK = 5000


@dataclass(slots=True)
class TableCopy:
    table: str
    source: int  # rows in the source
    before: int  # rows the destination had
    after: int  # rows the destination has now

    @property
    def ok(self) -> bool:
        """Every source row is in the destination (an empty one ends with exactly the source's rows)."""
        if self.before or self.table == "stats_dirty":  # a copied record may mark more days for recomputing
            return self.after >= self.source
        return self.after == self.source


def count(store: Store, table: str) -> int:
    return store.count_rows(table)


def columns(store: Store, table: str) -> list[str]:
    """The table's column names, in their order."""
    return [n for n, _ in store.columns(table)]


def _quoted(name: str) -> str:
    return f'"{name}"'


def copy_store(
    src: Store,
    dst: Store,
    *,
    append: bool = False,
    chunk: int = CHUNK,
    progress: Callable[[str, int], None] | None = None,
) -> list[TableCopy]:
    """Copy every table of ``src`` into ``dst``; StoreError (one line) if ``dst`` is not empty and not
    ``append``, or the two stores' schemas differ. Returns per-table counts (check :attr:`TableCopy.ok`)."""
    if src.schema_version() != dst.schema_version():
        raise StoreError(
            f"{dst.label}: schema {dst.schema_version()}, the source's is {src.schema_version()}: "
            "open both with this opgtui first"
        )
    missing = sorted(set(src.table_names()) - set(KEYS))
    if missing:
        raise StoreError(f"{src.label}: tables this opgtui cannot copy: {', '.join(missing)}")
    before = {t: count(dst, t) for t in KEYS}
    if not append and (full := [f"{t} ({n})" for t, n in before.items() if n and t not in DERIVED]):
        raise StoreError(
            f"{dst.label}: not empty ({', '.join(full[:4])}{', ...' if len(full) > 4 else ''}): "
            "copy into a new store, or add --append to merge (rows it has are kept)"
        )
    report = []
    for table, key in KEYS.items():
        # the triggers made some derived rows already: the source's replace them; append keeps the destination's
        conflict = "ignore" if append else "update" if table in DERIVED else "error"
        done = _copy_table(src, dst, table, key, conflict, chunk, progress)
        report.append(TableCopy(table, done, before[table], count(dst, table)))
    if dst.dialect != "sqlite":
        _restart_identities(dst)
    return report


def _copy_table(
    src: Store,
    dst: Store,
    table: str,
    key: tuple[str, ...],
    conflict: str,
    chunk: int,
    progress: Callable[[str, int], None] | None,
) -> int:
    cols = [n for n, _ in dst.columns(table)]
    select = f"SELECT {', '.join(map(_quoted, cols))} FROM {table}"
    order = f" ORDER BY {', '.join(map(_quoted, key))} LIMIT {int(chunk)}"
    after = f" WHERE ({', '.join(map(_quoted, key))}) > ({', '.join('?' * len(key))})"
    at = [cols.index(k) for k in key]
    last: tuple[object, ...] | None = None
    done = 0
    while True:
        rows = src.conn.execute(select + (after if last else "") + order, last or ()).fetchall()
        if not rows:
            return done
        with dst.transaction() as c:
            dst.insert_rows(c, table, [tuple(r) for r in rows], key=key, conflict=conflict)
        done += len(rows)
        last = tuple(rows[-1][i] for i in at)
        if progress:
            progress(table, done)


def _restart_identities(dst: Store) -> None:
    """PostgreSQL identities continue after the copied ids (SQLite's rowids do by themselves)."""
    with dst.transaction() as c:
        for table, key in KEYS.items():
            if key == ("id",) and table not in ("jobs", "learned_signatures"):
                c.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
