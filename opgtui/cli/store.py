"""``opgtui store``: create or upgrade the store, and the team store's PostgreSQL roles (``store init --roles``).

``copy`` joins this group from :mod:`opgtui.cli.store_copy`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from opgtui.cli.common import config_of as _config
from opgtui.cli.common import fail as _fail
from opgtui.cli.common import open_store as _open_store

if TYPE_CHECKING:
    from opgtui.store import Store


@click.group("store")
def store() -> None:
    """The store: create or upgrade it, set up a team's PostgreSQL roles, copy it between SQLite and PostgreSQL."""


@store.command("init")
@click.option("--roles", is_flag=True, help="Print the SQL that creates the team store's PostgreSQL roles.")
@click.option("--apply", "apply_", is_flag=True, help="With --roles: run that SQL on the store (as a superuser).")
@click.option(
    "--prefix",
    default="opgtui_",
    show_default=True,
    help="Role names' prefix (several teams on one server: nova_, dune_).",
)
@click.option("--schema", default="public", show_default=True, help="The store's schema, for the printed SQL.")
@click.pass_context
def init(ctx: click.Context, roles: bool, apply_: bool, prefix: str, schema: str) -> None:
    """Create the store named by the config's `store:` (or upgrade its schema). With --roles, print the SQL for
    the roles collector, shifter, approver and admin (the config's roles.approvers become approvers and
    roles.operators shifters); with --apply, create the store and run that SQL on it."""
    from opgtui.team.roles import Team, roles_sql

    cfg = _config(ctx)
    if apply_ and not roles:
        _fail("--apply goes with --roles (opgtui store init --roles --apply)")
    try:
        team = Team(prefix, schema)
    except ValueError as exc:
        _fail(str(exc))
    people = {"approvers": cfg.roles.approvers, "operators": cfg.roles.operators}
    if roles and not apply_:
        click.echo(roles_sql(team, **people), nl=False)
        return
    with _open_store(cfg) as st:
        if not roles:
            live = _live(st) if st.dialect == "postgresql" else ""
            click.echo(f"store {st.label}: schema {st.schema_version()}, {st.dialect}{live}")
            return
        if st.dialect != "postgresql":
            _fail(f"{st.label}: roles are for a PostgreSQL store (store: postgresql://... or service=...)")
        _apply(st, team.prefix, people)


def _apply(st: Store, prefix: str, people: dict[str, list[str]]) -> None:
    import psycopg

    from opgtui.team.roles import apply_roles

    try:
        apply_roles(st.server_connection(), prefix, **people)
    except psycopg.Error as exc:
        _fail(f"{st.label}: the roles were not applied: {' '.join(str(exc).split())}")
    click.echo(f"roles {prefix}collector, {prefix}shifter, {prefix}approver, {prefix}admin applied to {st.label}")


def _live(st: Store) -> str:
    """Install the live-refresh triggers on a PostgreSQL store; what to add to the report line."""
    import psycopg

    from opgtui.team.live import apply_live

    try:
        apply_live(st.server_connection())
    except psycopg.Error as exc:
        return f" (live refresh not set up: {' '.join(str(exc).split())}; run this as the tables' owner)"
    return ", live refresh on"


@store.command("whoami")
@click.option("--prefix", default="opgtui_", show_default=True, help="The team's role names' prefix.")
@click.pass_context
def whoami(ctx: click.Context, prefix: str) -> None:
    """Who the store takes you for: your database user and team roles on PostgreSQL, your login on SQLite."""

    with _open_store(_config(ctx), readonly=True) as st:
        if st.dialect != "postgresql":
            from opgtui.core.identity import whoami as login

            click.echo(f"{login()} (the login that runs opgtui; store {st.label})")
            return
        from opgtui.team.roles import held_roles

        user, held = held_roles(st.server_connection(), prefix)
        roles = ", ".join(prefix + r for r in held) or f"none of the {prefix}* roles (ask the team's admin)"
        click.echo(f"{user} (database user on {st.label}): {roles}")
