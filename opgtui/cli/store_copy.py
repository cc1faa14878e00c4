"""``opgtui store copy SRC DST``: a store into another (SQLite <-> PostgreSQL), verified by row counts."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("copy")
@click.argument("source")
@click.argument("destination")
@click.option(
    "--append",
    is_flag=True,
    help="Copy into a store that has data: rows it already has (same key) are kept as they are.",
)
def copy(source: str, destination: str, append: bool) -> None:
    """Copy the store SOURCE into DESTINATION (a SQLite file or a PostgreSQL connection string, e.g.
    'service=opgtui'), table by table, and check every table's row count. DESTINATION must be empty unless
    --append."""
    from opgtui.store import StoreError, open_store
    from opgtui.store.copy import copy_store
    from opgtui.store.pg import is_postgres

    if not is_postgres(source) and not Path(source).expanduser().is_file():
        click.echo(f"opgtui: {source}: no such store", err=True)
        sys.exit(1)
    try:
        with open_store(source) as src, open_store(destination) as dst:
            report = copy_store(src, dst, append=append)
    except StoreError as exc:
        click.echo(f"opgtui: {exc}", err=True)
        sys.exit(1)
    bad = [r for r in report if not r.ok]
    for r in report:
        note = "" if r.ok else "  <- MISSING ROWS"
        click.echo(f"{r.table:<20} {r.source:>10,} rows in the source, {r.after:>10,} in the destination{note}")
    if bad:
        click.echo(f"opgtui: copy incomplete: {', '.join(r.table for r in bad)} lack rows", err=True)
        sys.exit(1)
    click.echo(f"copied {src.label} -> {dst.label}: every table verified by its row count")


def store_group() -> click.Group:
    """The ``store`` command group with ``copy`` in it (the group of opgtui.cli.store when it exists)."""
    try:
        from opgtui.cli.store import store as group  # type: ignore[import-not-found, unused-ignore]
    except ImportError:

        @click.group("store")
        def group() -> None:
            """The store: copy it between SQLite and PostgreSQL."""

    if "copy" not in group.commands:
        group.add_command(copy)
    return group


store = store_group()
"""The ``store`` group as `opgtui store` runs it: imported only then (LAZY_COMMANDS), not by every verb."""
