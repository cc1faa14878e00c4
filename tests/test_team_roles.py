"""The team store's roles are enforced by PostgreSQL itself: each test connects AS a shifter, an approver or the
collector (plain SQL or the store, never only the CLI's checks) and shows what the database refuses."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg", reason="the team store's tests need psycopg: pip install '.[postgres]'")

from opgtui.core.model import ProductionRequest  # noqa: E402
from opgtui.store import open_store  # noqa: E402
from opgtui.team.roles import APPEND_ONLY, ROLES, Team, apply_roles, roles_sql  # noqa: E402

Refused = psycopg.errors.InsufficientPrivilege


@pytest.fixture(scope="module")
def team(pg_database: str) -> Iterator[dict[str, str]]:
    """A migrated team store with its roles applied and three people: alice (shifter), bob (approver), prod
    (collector); their connection strings by name, and 'admin' (the test superuser)."""
    prefix = f"t{uuid.uuid4().hex[:6]}_"
    open_store(pg_database).close()  # create the schema, as `opgtui store init` does
    people = {"alice": "shifter", "bob": "approver", "prod": "collector"}
    with psycopg.connect(pg_database, autocommit=True) as admin:
        apply_roles(admin, prefix)
        apply_roles(admin, prefix)  # a second run changes nothing and does not fail
        for name, role in people.items():
            admin.execute(f'CREATE ROLE "{prefix}{name}" LOGIN IN ROLE "{prefix}{role}"')
    dsns = {name: psycopg.conninfo.make_conninfo(pg_database, user=prefix + name) for name in people}
    dsns["admin"] = pg_database
    dsns["prefix"] = prefix
    yield dsns
    with psycopg.connect(pg_database, autocommit=True) as admin:
        for name in [*people, *reversed(ROLES)]:
            admin.execute(f'DROP OWNED BY "{prefix}{name}" CASCADE')
            admin.execute(f'DROP ROLE "{prefix}{name}"')


def _submitted_request(dsn: str) -> int:
    store = open_store(dsn)
    try:
        req = store.save_request(ProductionRequest("nova", "reco pass", "x", "submitted"), "x", "create")
        return int(req.id or 0)
    finally:
        store.close()


def test_a_shifter_approving_is_refused_by_the_database(team: dict[str, str]) -> None:
    req_id = _submitted_request(team["alice"])
    with psycopg.connect(team["alice"], autocommit=True) as alice:
        with pytest.raises(Refused, match=r"may not move to approved request"):
            alice.execute("UPDATE requests SET status = 'approved' WHERE id = %s", (req_id,))
        with pytest.raises(Refused, match=r"may not set the priority of request"):
            alice.execute("UPDATE requests SET priority = 1 WHERE id = %s", (req_id,))
        with pytest.raises(Refused, match=r"may not record approve of request"):
            alice.execute(
                "INSERT INTO request_audit(request_id, time, who, action) VALUES (%s, 0, 'bob', 'approve')", (req_id,)
            )
        assert alice.execute("SELECT status FROM requests WHERE id = %s", (req_id,)).fetchone() == ("submitted",)
    with psycopg.connect(team["bob"], autocommit=True) as bob:
        bob.execute("UPDATE requests SET status = 'approved', priority = 1 WHERE id = %s", (req_id,))
        assert bob.execute("SELECT status FROM requests WHERE id = %s", (req_id,)).fetchone() == ("approved",)


def test_the_store_cannot_approve_as_a_shifter_either(team: dict[str, str]) -> None:
    req_id = _submitted_request(team["alice"])
    store = open_store(team["alice"])
    try:
        req = store.request(req_id)
        assert req is not None
        req.status = "approved"
        with pytest.raises(Refused):
            store.save_request(req, "bob", "approve")  # claiming to be bob changes nothing
        assert store.request(req_id).status == "submitted"  # type: ignore[union-attr]
    finally:
        store.close()


@pytest.mark.parametrize("table", ["request_audit", "action_log"])
def test_a_shifter_cannot_edit_the_audit_trail_or_the_action_log_with_plain_sql(
    team: dict[str, str], table: str
) -> None:
    _submitted_request(team["alice"])
    store = open_store(team["alice"])
    store.log_action("release", ["s#1.0"], "ok")
    store.close()
    with psycopg.connect(team["alice"], autocommit=True) as alice:
        before = alice.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert before[0] > 0
        for statement in (f"UPDATE {table} SET who = 'nobody'", f"DELETE FROM {table}", f"TRUNCATE {table}"):
            with pytest.raises(Refused, match="permission denied"):
                alice.execute(statement)
        assert alice.execute(f"SELECT count(*) FROM {table}").fetchone() == before


def test_rows_carry_the_database_user_not_the_name_a_client_gives(team: dict[str, str]) -> None:
    store = open_store(team["alice"])
    try:
        store.log_action("hold", ["s#2.0"], "ok", who="bob")
        assert store.action_log()[0]["who"] == team["prefix"] + "alice"
    finally:
        store.close()
    with psycopg.connect(team["alice"], autocommit=True) as alice:
        alice.execute("INSERT INTO announcements(text, level, author, created) VALUES ('x', 'info', 'bob', 0)")
        assert alice.execute("SELECT author FROM announcements WHERE text = 'x'").fetchone() == (
            team["prefix"] + "alice",
        )


def test_each_role_writes_only_its_own_tables(team: dict[str, str]) -> None:
    with psycopg.connect(team["alice"], autocommit=True) as alice, pytest.raises(Refused):
        alice.execute("DELETE FROM jobs")
    with psycopg.connect(team["prod"], autocommit=True) as prod:
        prod.execute("INSERT INTO kv(key, value) VALUES ('last_collect', '1') ON CONFLICT (key) DO NOTHING")
        with pytest.raises(Refused):
            prod.execute("INSERT INTO announcements(text, level, author, created) VALUES ('y', 'info', 'p', 0)")


def test_the_sql_is_idempotent_and_names_the_config_approvers() -> None:
    sql = roles_sql(Team("nova_", "opg"), approvers=["alice"], operators=["novapro"])
    assert 'GRANT "nova_approver" TO "alice"' in sql and 'GRANT "nova_shifter" TO "novapro"' in sql
    assert 'CREATE ROLE "nova_shifter" NOLOGIN' in sql and "IF NOT EXISTS" in sql
    assert "SET search_path = pg_catalog" in sql and '"opg"."request_audit"' in sql
    for table in APPEND_ONLY:  # no role is ever granted a change of the audit trails or the action log
        assert not re.search(rf'GRANT [A-Z, ]*(UPDATE|DELETE)[A-Z, ]* ON "opg"."{table}"', sql)
    with pytest.raises(ValueError, match="role prefix"):
        Team("Nova-")


def test_store_init_roles_apply_from_the_cli(team: dict[str, str], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from opgtui.cli import main

    config = tmp_path / "config.yaml"
    config.write_text(f"store: '{team['admin']}'\nroles:\n  approvers: [{team['prefix']}alice]\n")
    result = CliRunner().invoke(
        main, ["--config", str(config), "store", "init", "--roles", "--apply", "--prefix", team["prefix"]]
    )
    assert result.exit_code == 0, result.output
    assert f"roles {team['prefix']}collector" in result.output
    with psycopg.connect(team["admin"], autocommit=True) as admin:  # roles.approvers became an approver
        row = admin.execute(
            "SELECT pg_has_role(%s, %s, 'MEMBER')", (f"{team['prefix']}alice", f"{team['prefix']}approver")
        ).fetchone()
        assert row == (True,)
        admin.execute(f'REVOKE "{team["prefix"]}approver" FROM "{team["prefix"]}alice"')
    printed = CliRunner().invoke(main, ["--config", str(config), "store", "init", "--roles"])
    assert printed.exit_code == 0 and 'CREATE ROLE "opgtui_shifter" NOLOGIN' in printed.output


def test_a_shifters_day_works_within_the_shifter_role(team: dict[str, str]) -> None:
    """What a shifter's dashboard and CLI write (announcements, actions, retries, verdicts, a request, the stats
    refresh after the collector's round) is all granted: the roles refuse only what they should."""
    from opgtui.core.model import Announcement, Job, Verdict
    from opgtui.ops.record import try_refresh_stats

    collector = open_store(team["prod"])
    finished = Job(
        id="s#7.0",
        cluster=7,
        proc=0,
        schedd="s",
        status=4,
        exit_code=1,
        end_time=1_765_000_000.0,
        experiment="nova",
        site="FNAL",
    )
    collector.upsert_jobs([finished])
    collector.close()
    store = open_store(team["alice"])
    try:
        ann = store.post_announcement(Announcement("pools restarting", "warning", ""))
        assert store.edit_announcement(ann, text="pools back", level="info", until=None, who=team["prefix"] + "alice")
        store.log_action("release", ["s#7.0"], "ok")
        claimed = store.claim_retries(["s#7.0"], lambda jid, rows: None, "retrying")
        store.finish_retries([(claimed["s#7.0"], "s#8.0", "resubmit", "", {}, True, "ok")])
        store.save_verdicts({"s#7.0": Verdict("service", "retry", "samweb_http_5xx")})
        req = store.save_request(ProductionRequest("nova", "keepup", "", "draft"), "", "create")
        req.status = "submitted"
        store.save_request(req, "", "submit")
        assert try_refresh_stats(store) is None  # the rollups of the collector's new day
        assert store.retries("s#7.0")[0]["who"] == team["prefix"] + "alice"
    finally:
        store.close()


def test_store_whoami_names_the_database_user_and_its_roles(team: dict[str, str], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from opgtui.cli import main

    config = tmp_path / "config.yaml"
    config.write_text(f"store: '{team['alice']}'\n")
    result = CliRunner().invoke(main, ["--config", str(config), "store", "whoami", "--prefix", team["prefix"]])
    assert result.exit_code == 0, result.output
    p = team["prefix"]
    assert result.output.startswith(f"{p}alice (database user on ")
    assert result.output.rstrip().endswith(f": {p}shifter")


def test_a_shifter_opening_a_store_that_needs_an_upgrade_is_told_who_upgrades_it(team: dict[str, str]) -> None:
    """A shifter's opgtui newer than the team's schema: the database refuses the DDL, and the shifter reads one
    line saying the admin upgrades it, not psycopg's InsufficientPrivilege."""
    from opgtui.store import SCHEMA_VERSION, StoreError

    with psycopg.connect(team["admin"], autocommit=True) as admin:
        admin.execute("UPDATE opgtui_schema SET version = %s", (SCHEMA_VERSION - 1,))
        try:
            with pytest.raises(StoreError) as err:
                open_store(team["alice"])
        finally:
            admin.execute("UPDATE opgtui_schema SET version = %s", (SCHEMA_VERSION,))
    message = str(err.value)
    assert "\n" not in message
    assert f"needs a schema upgrade ({SCHEMA_VERSION - 1} -> {SCHEMA_VERSION})" in message
    assert "opgtui store init" in message


def _cli(team: dict[str, str], tmp_path: Path, who: str, *args: str, approvers: str = "") -> Any:
    """`opgtui request ...` as ``who`` (the database user) with ``approvers`` as the config's roles.approvers."""
    from click.testing import CliRunner

    from opgtui.cli import main

    config = tmp_path / f"{who}.yaml"
    config.write_text(f"store: '{team[who]}'\nroles:\n  approvers: [{approvers}]\n")
    return CliRunner().invoke(main, ["--config", str(config), "request", *args])


def test_approval_follows_the_database_role_not_the_config(team: dict[str, str], tmp_path: Path) -> None:
    """On a team store the CLI asks the database who approves: bob (an approver there, absent from the config)
    approves; alice (a shifter there, listed in the config as an approver) is refused in one line."""
    req_id = _submitted_request(team["alice"])
    refused = _cli(team, tmp_path, "alice", "approve", str(req_id), approvers=f"{team['prefix']}alice")
    assert refused.exit_code == 1, refused.output
    line = refused.output.strip()
    assert "\n" not in line and "Traceback" not in line
    assert f"{team['prefix']}alice may not approve request {req_id}" in line
    assert f"members of the database role {team['prefix']}approver" in line
    approved = _cli(team, tmp_path, "bob", "approve", str(req_id))
    assert approved.exit_code == 0, approved.output
    store = open_store(team["admin"])
    try:
        assert store.request(req_id).status == "approved"  # type: ignore[union-attr]
        assert [(a["who"], a["action"]) for a in store.request_audit(req_id)][-2:] == [
            (f"{team['prefix']}alice", "refused approve"),
            (f"{team['prefix']}bob", "approve"),
        ]
    finally:
        store.close()


async def test_the_workflow_menu_offers_approval_to_the_database_approver(team: dict[str, str]) -> None:
    """The request's workflow menu on a team store: bob, whom the config does not name, may approve (and does);
    alice, whom the config names, sees Approve greyed with the database role that would allow it."""
    from textual.widgets import OptionList

    from opgtui.app import OpgApp
    from opgtui.config import Config, Roles
    from opgtui.screens.request_detail import RequestDetailScreen

    req_id = _submitted_request(team["alice"])
    for who, config_approvers in (("alice", [team["prefix"] + "alice"]), ("bob", [])):
        store = open_store(team[who])
        cfg = Config(store=team[who], timezone="UTC", refresh=3600, roles=Roles(approvers=config_approvers))
        app = OpgApp(cfg, store, refresh_loop=False)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                app.push_screen(RequestDetailScreen(req_id))
                await pilot.pause()
                await pilot.press("w")
                await pilot.pause()
                menu = app.screen.query_one(OptionList)
                first = str(menu.get_option_at_index(0).prompt)
                if who == "alice":
                    approve = next(str(o.prompt) for o in menu.options if o.id == "approve")
                    assert f"members of the database role {team['prefix']}approver" in approve
                    assert first.startswith("Cancel")  # the one step alice may take
                    continue
                assert first == "Approve"
                await pilot.press("enter")  # Approve: no priority was requested, so it asks for one
                await pilot.pause()
                await pilot.press("enter")  # 4 urgent
                await pilot.pause()
                await pilot.press("y")
                await pilot.pause()
                assert (store.request(req_id).status, store.request(req_id).priority) == ("approved", 4)  # type: ignore[union-attr]
        finally:
            store.close()


def test_the_collector_writes_jobs_where_the_site_revoked_temporary_tables(team: dict[str, str]) -> None:
    """Many rows go in by COPY into a temporary table; a database where roles may not create one (TEMPORARY
    revoked from PUBLIC) still takes the collector's jobs and ads, the other way."""
    from opgtui.core.model import Job

    with psycopg.connect(team["admin"], autocommit=True) as admin:
        db = admin.execute("SELECT current_database()").fetchone()[0]
        admin.execute(f'REVOKE TEMPORARY ON DATABASE "{db}" FROM PUBLIC')
        try:
            store = open_store(team["prod"])
            try:
                jobs = [
                    Job(f"t#{i}.0", "t", i, 0, status=4, exit_code=0, end_time=1_765_000_000.0 + i) for i in range(3)
                ]
                store.upsert_jobs(jobs, {j.id: {"CumulativeSlotTime": 60.0} for j in jobs})
                assert store.conn.may_stage is False
                assert [j.id for j in store.jobs_by_id([j.id for j in jobs])] == [j.id for j in jobs]
                assert (
                    store.conn.execute(
                        "SELECT count(*) FROM job_stats WHERE job_id LIKE 't#%' AND slot_time = 60"
                    ).fetchone()[0]
                    == 3
                )
            finally:
                store.close()
        finally:
            admin.execute(f'GRANT TEMPORARY ON DATABASE "{db}" TO PUBLIC')
