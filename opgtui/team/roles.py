"""The team store's roles, enforced by PostgreSQL itself (grants and triggers), not only by Python checks.

Four group roles (NOLOGIN; people and the production account are granted membership):

- ``collector`` writes jobs, ads, events, feeds, service states, windows, verdicts and the production record;
- ``shifter`` reads everything; posts announcements; acts on jobs (the action log and retries: recorded, never
  edited); files and edits requests; records verdicts and labels;
- ``approver`` is a shifter who may also approve or reject a request and set its priority;
- ``admin`` owns the tables (migrations, ``store copy``) and holds the three others.

What the database refuses: UPDATE, DELETE or TRUNCATE of the audit trails and the action log by anyone but the
tables' owner (no grant, and the audit trails' own triggers refuse even the owner); a request moved to approved or
rejected, or given a priority, by a non-approver, and an audit row recording such a step (triggers check the
session user's membership); a row written under someone else's name (``who``, ``author``, ``requester``,
``created_by``/``updated_by`` are stamped with the session user, except for admins, who copy history).

Applying it twice changes nothing; apply it again after an upgrade added tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ROLES = ("collector", "shifter", "approver", "admin")
DEFAULT_PREFIX = "opgtui_"

# What each role writes (every role reads every table). Triggers run with the writer's rights, so a table a
# trigger writes (job_stats, stats_dirty after a verdict) is granted to whoever fires it.
COLLECTOR_WRITES = (
    "jobs",
    "job_ads",
    "job_events",
    "service_states",
    "feed_status",
    "windows",
    "verdicts",
    "kv",
    "job_stats",
    "stats_dirty",
    "stats_rollup",
    "job_phases",
    "dq_results",
    "learn_tails",
)
SHIFTER_INSERTS = (
    "announcements",
    "action_log",
    "retries",
    "requests",
    "request_audit",
    "learned_signatures",
    "learned_audit",
    "verdicts",
    "learn_tails",
    "stats_dirty",
    "kv",
)
SHIFTER_UPDATES = (
    "announcements",
    "retries",
    "requests",
    "learned_signatures",
    "verdicts",
    "learn_tails",
    "job_stats",
    "kv",
)
# The production record's derived tables: whoever reads `opgtui stats` first after a collection recomputes them.
SHIFTER_RECOMPUTES = ("stats_dirty", "stats_rollup", "job_phases")
# Never granted UPDATE or DELETE to anyone but the owner.
APPEND_ONLY = ("request_audit", "learned_audit", "action_log")
# Columns naming who wrote a row: stamped with the session user on INSERT (and, for *_by, on UPDATE).
STAMP_ON_INSERT: Mapping[str, tuple[str, ...]] = {
    "announcements": ("author",),
    "requests": ("requester",),
    "request_audit": ("who",),
    "action_log": ("who",),
    "retries": ("who",),
    "learned_signatures": ("created_by", "updated_by"),
    "learned_audit": ("who",),
}
STAMP_ON_UPDATE: Mapping[str, tuple[str, ...]] = {"learned_signatures": ("updated_by",)}
KEEP_ON_UPDATE: Mapping[str, tuple[str, ...]] = {
    "announcements": ("author",),
    "requests": ("requester",),
    "retries": ("who",),
    "learned_signatures": ("created_by",),
}
# Request steps only approvers take (requests.TRANSITIONS: approve, reject; and setting the priority).
APPROVER_ACTIONS = ("approve", "reject", "priority")

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")


def ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """``text`` as a SQL string literal (standard_conforming_strings, PostgreSQL's default)."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class Team:
    """Where the roles apply: the role names' prefix and the store's schema."""

    prefix: str = DEFAULT_PREFIX
    schema: str = "public"

    def __post_init__(self) -> None:
        if not _NAME.match(self.prefix):
            raise ValueError(f"role prefix {self.prefix!r}: use lower-case letters, digits and _ (e.g. nova_)")

    def role(self, name: str) -> str:
        return self.prefix + name

    def q(self, table: str) -> str:
        return f"{ident(self.schema)}.{ident(table)}"


def _only(tables: Iterable[str], existing: Sequence[str] | None) -> list[str]:
    return [t for t in tables if existing is None or t in existing]


def _create_roles(team: Team) -> list[str]:
    out = []
    for name in ROLES:
        role = team.role(name)
        out.append(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal(role)}) THEN "
            f"CREATE ROLE {ident(role)} NOLOGIN; END IF; END $$;"
        )
    r = {n: ident(team.role(n)) for n in ROLES}
    out.append(f"GRANT {r['shifter']} TO {r['approver']};")
    out.append(f"GRANT {r['approver']}, {r['collector']} TO {r['admin']};")
    return out


def _grants(team: Team, existing: Sequence[str] | None) -> list[str]:
    r = {n: ident(team.role(n)) for n in ROLES}
    s = ident(team.schema)
    everyone = f"{r['collector']}, {r['shifter']}"
    out = [
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC;",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM PUBLIC, {everyone};",
        f"GRANT USAGE ON SCHEMA {s} TO {everyone};",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {everyone};",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {everyone};",
    ]
    for table in existing or ():
        out.append(f"ALTER TABLE {team.q(table)} OWNER TO {r['admin']};")
    for table in _only(COLLECTOR_WRITES, existing):
        out.append(f"GRANT INSERT, UPDATE, DELETE ON {team.q(table)} TO {r['collector']};")
    for table in _only(SHIFTER_INSERTS, existing):
        out.append(f"GRANT INSERT ON {team.q(table)} TO {r['shifter']};")
    for table in _only(SHIFTER_UPDATES, existing):
        out.append(f"GRANT UPDATE ON {team.q(table)} TO {r['shifter']};")
    for table in _only(SHIFTER_RECOMPUTES, existing):
        out.append(f"GRANT INSERT, UPDATE, DELETE ON {team.q(table)} TO {r['shifter']};")
    return out


def _functions(team: Team) -> list[str]:
    s = ident(team.schema)
    admin, approver = literal(team.role("admin")), literal(team.role("approver"))
    steps = ", ".join(literal(a) for a in APPROVER_ACTIONS)

    def refuse(what: str, column: str) -> str:
        return (
            "RAISE EXCEPTION '% may not % request %: only members of % may', "
            f"session_user, {what}, NEW.{column}, {approver} USING ERRCODE = 'insufficient_privilege';"
        )

    return [
        # Who wrote a row is the database user; admins (store copy) keep the names they copy.
        f"""CREATE OR REPLACE FUNCTION {s}.opgtui_stamp_who() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog AS $$
DECLARE col text; stamp jsonb := '{{}}';
BEGIN
  IF pg_has_role(session_user, {admin}, 'MEMBER') THEN RETURN NEW; END IF;
  FOREACH col IN ARRAY TG_ARGV LOOP stamp := stamp || jsonb_build_object(col, session_user::text); END LOOP;
  RETURN jsonb_populate_record(NEW, stamp);
END $$;""",
        f"""CREATE OR REPLACE FUNCTION {s}.opgtui_keep_old() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog AS $$
DECLARE col text; kept jsonb := '{{}}';
BEGIN
  IF pg_has_role(session_user, {admin}, 'MEMBER') THEN RETURN NEW; END IF;
  FOREACH col IN ARRAY TG_ARGV LOOP kept := kept || jsonb_build_object(col, to_jsonb(OLD) -> col); END LOOP;
  RETURN jsonb_populate_record(NEW, kept);
END $$;""",
        # Approving, rejecting, prioritising (and skipping approval) need the approver role.
        f"""CREATE OR REPLACE FUNCTION {s}.opgtui_request_guard() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog AS $$
BEGIN
  IF pg_has_role(session_user, {approver}, 'MEMBER') THEN RETURN NEW; END IF;
  IF TG_OP = 'INSERT' AND (NEW.status NOT IN ('draft', 'submitted') OR NEW.priority IS NOT NULL) THEN
    {refuse("'file an approved or prioritised'", "id")}
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF NEW.status IS DISTINCT FROM OLD.status AND (NEW.status IN ('approved', 'rejected')
       OR (OLD.status IN ('draft', 'submitted') AND NEW.status IN ('scheduled', 'running', 'done'))) THEN
      {refuse("'move to ' || NEW.status", "id")}
    END IF;
    IF NEW.priority IS DISTINCT FROM OLD.priority THEN
      {refuse("'set the priority of'", "id")}
    END IF;
  END IF;
  RETURN NEW;
END $$;""",
        f"""CREATE OR REPLACE FUNCTION {s}.opgtui_audit_guard() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog AS $$
BEGIN
  IF NEW.action IN ({steps}) AND NOT pg_has_role(session_user, {approver}, 'MEMBER') THEN
    {refuse("'record ' || NEW.action || ' of'", "request_id")}
  END IF;
  RETURN NEW;
END $$;""",
        f"REVOKE ALL ON FUNCTION {s}.opgtui_stamp_who(), {s}.opgtui_keep_old(), {s}.opgtui_request_guard(), "
        f"{s}.opgtui_audit_guard() FROM PUBLIC;",
        # What the app asks before offering a step: the session user's team roles, named as the guards name them.
        f"""CREATE OR REPLACE FUNCTION {s}.opgtui_team_roles() RETURNS TABLE(role text, name text, held boolean)
  LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
  SELECT v.role, v.name, pg_has_role(session_user, v.name, 'MEMBER')
  FROM (VALUES {", ".join(f"({literal(r)}, {literal(team.role(r))})" for r in ROLES)}) AS v(role, name)
$$;""",
    ]


def _triggers(team: Team, existing: Sequence[str] | None) -> list[str]:
    s = ident(team.schema)
    out = []

    def trigger(name: str, table: str, when: str, function: str, args: Sequence[str] = ()) -> None:
        if existing is not None and table not in existing:
            return
        argv = ", ".join(literal(a) for a in args)
        out.append(
            f"CREATE OR REPLACE TRIGGER {ident(f'{table}_{name}')} BEFORE {when} ON {team.q(table)} "
            f"FOR EACH ROW EXECUTE FUNCTION {s}.{function}({argv});"
        )

    for table, cols in STAMP_ON_INSERT.items():
        trigger("stamp_ins", table, "INSERT", "opgtui_stamp_who", cols)
    for table, cols in STAMP_ON_UPDATE.items():
        trigger("stamp_upd", table, "UPDATE", "opgtui_stamp_who", cols)
    for table, cols in KEEP_ON_UPDATE.items():
        trigger("keep_who", table, "UPDATE", "opgtui_keep_old", cols)
    trigger("approver_guard", "requests", "INSERT OR UPDATE", "opgtui_request_guard")
    trigger("approver_guard", "request_audit", "INSERT", "opgtui_audit_guard")
    return out


def _members(team: Team, approvers: Iterable[str], operators: Iterable[str]) -> list[str]:
    """The config's request-workflow roles as memberships: approvers -> approver, operators -> shifter."""
    out = []
    for role, people in (("approver", approvers), ("shifter", operators)):
        for who in sorted(set(people)):
            out.append(
                f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = {literal(who)}) THEN "
                f"GRANT {ident(team.role(role))} TO {ident(who)}; ELSE RAISE NOTICE "
                f"'no database user %, not granted {team.role(role)}', {literal(who)}; END IF; END $$;"
            )
    return out


def roles_sql(
    team: Team = Team(),
    existing: Sequence[str] | None = None,
    *,
    approvers: Iterable[str] = (),
    operators: Iterable[str] = (),
) -> str:
    """The SQL that creates the roles, their grants and the triggers that enforce them, for ``existing`` tables
    (None: every table opgtui knows), with the live-refresh triggers (:mod:`opgtui.team.live`). Run it as a
    superuser (or the tables' owner, a member of the admin role)."""
    from opgtui.team.live import live_sql

    parts = [
        "-- opgtui team store roles (opgtui store init --roles). Run as a PostgreSQL superuser; safe to re-run.",
        *_create_roles(team),
        *_grants(team, existing),
        *_functions(team),
        *_triggers(team, existing),
        "-- Live refresh: writes notify the dashboards (LISTEN).",
        *live_sql(team, existing),
        *_members(team, approvers, operators),
        f"-- Give people their roles, e.g.: GRANT {ident(team.role('shifter'))} TO alice; "
        f"GRANT {ident(team.role('collector'))} TO novapro;",
    ]
    return "\n".join(parts) + "\n"


def tables_of(conn: Any, schema: str) -> list[str]:
    """The tables of ``schema`` (a psycopg connection)."""
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,))
    return [r[0] for r in rows]


def apply_roles(
    conn: Any, prefix: str = DEFAULT_PREFIX, *, approvers: Iterable[str] = (), operators: Iterable[str] = ()
) -> str:
    """Create or update the roles on the store's database (a psycopg connection in autocommit, as a superuser),
    in one transaction; the SQL that ran."""
    schema = conn.execute("SELECT current_schema()").fetchone()[0]
    sql = roles_sql(Team(prefix, schema), tables_of(conn, schema), approvers=approvers, operators=operators)
    with conn.transaction():
        conn.execute(sql)
    return sql


def held_roles(conn: Any, prefix: str = DEFAULT_PREFIX) -> tuple[str, list[str]]:
    """The session's database user and which of the team's roles it holds (directly or through another)."""
    user = conn.execute("SELECT session_user").fetchone()[0]
    held = [
        name
        for name in ROLES
        if conn.execute(
            "SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) AND pg_has_role(session_user, %s, 'MEMBER')",
            (prefix + name, prefix + name),
        ).fetchone()[0]
    ]
    return str(user), held
