"""Hostile stores (issue 17 item 9): a partly corrupted store and a read-only one give one line naming the store,
from any statement (not only BEGIN/COMMIT), in the CLI and in the dashboard."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_joblist import NOW, jobs

from opgtui.app import OpgApp
from opgtui.cli import main
from opgtui.config import Config
from opgtui.core.model import Announcement
from opgtui.store import StoreCorrupt, StoreError, open_store

CORRUPT = "the store is corrupt or not an opgtui store"


def damaged_store(path: Path, tables: tuple[str, ...] = ("jobs", "job_stats")) -> Path:
    """A store of 3,000 finished jobs whose schema is intact but two leaf pages of each of ``tables`` are
    overwritten with garbage (as a disk or a careless copy does): it opens, then reading those tables fails."""
    store = open_store(path)
    rows = jobs(3000)
    for j in rows:
        j.end_time = NOW - 3600
    store.upsert_jobs(rows)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    conn = sqlite3.connect(path)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        leaves: dict[str, list[int]] = {}
        for name, page in conn.execute("SELECT name, pageno FROM dbstat WHERE pagetype = 'leaf' ORDER BY pageno"):
            leaves.setdefault(name, []).append(page)
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find the pages to damage")
    finally:
        conn.close()
    data = bytearray(path.read_bytes())
    for table in tables:
        middle = len(leaves[table]) // 2
        for page in leaves[table][middle : middle + 2]:
            data[(page - 1) * page_size : page * page_size] = b"\xde\xad\xbe\xef" * (page_size // 4)
    path.write_bytes(bytes(data))
    return path


def test_statements_on_a_damaged_store_raise_one_line_naming_it(tmp_path: Path) -> None:
    db = damaged_store(tmp_path / "s.db")
    store = open_store(db)  # the schema is fine: it opens
    try:
        with pytest.raises(StoreCorrupt) as err:
            store.jobs()
        assert str(err.value) == f"{db}: {CORRUPT} (move it aside and opgtui starts a new one)"
        with pytest.raises(StoreCorrupt):
            store.conn.execute("SELECT count(*), sum(wall) FROM job_stats").fetchone()
    finally:
        store.close()


def test_stats_on_a_damaged_store_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    db = damaged_store(tmp_path / "s.db")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store: {db}\n")
    result = CliRunner().invoke(main, ["--config", str(cfg), "stats", "--since", "30d"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"opgtui: {db}: {CORRUPT}") and result.stderr.count("\n") == 1


async def test_jobs_view_on_a_damaged_store_says_so_and_stays_up(tmp_path: Path) -> None:
    db = damaged_store(tmp_path / "s.db")
    app = OpgApp(Config(store=db), open_store(db), refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app.current_mode == "jobs"
        status = str(app.screen.query_one("#jobs-status").render())  # one line where the count would be
        assert status.strip().startswith(f"store not read: {db}: {CORRUPT}") and "\n" not in status.strip(), status
        await pilot.press("5")  # the Stats view reads the same damaged record
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running


def test_a_write_refused_by_sqlite_is_one_line_naming_the_store(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    store.conn.execute("PRAGMA query_only = 1")  # every write now fails as on a read-only file
    with pytest.raises(StoreError) as err:
        store.post_announcement(Announcement("hello", "info", "me"), time.time())
    assert str(err.value) == (
        f"{tmp_path / 's.db'}: the store is read-only (check the file's and its directory's permissions)"
    )
    store.conn.execute("PRAGMA query_only = 0")
    assert store.announcements() == []  # nothing half-written, and the connection is usable again
    store.post_announcement(Announcement("hello", "info", "me"), time.time())
    assert [a.text for a in store.announcements()] == ["hello"]


def test_another_users_read_only_store_is_one_line(tmp_path: Path) -> None:
    """The real thing: a store file the user cannot write (as root: run the command as nobody)."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        os.chmod(base, 0o755)
        (base / "data").mkdir(mode=0o777)
        os.chmod(base / "data", 0o777)  # the directory is shared; the file is not theirs to write
        db = base / "data" / "s.db"
        open_store(db).close()
        os.chmod(db, 0o444)
        cfg = base / "c.yaml"
        cfg.write_text(f"store: {db}\n")
        os.chmod(cfg, 0o644)
        as_other = []
        if os.geteuid() == 0:  # root writes anything: run the command as nobody
            if shutil.which("setpriv") is None:
                pytest.skip("running as root without setpriv to run as another user")
            as_other = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        env = {**os.environ, "HOME": tmp, "XDG_CONFIG_HOME": tmp, "XDG_DATA_HOME": tmp}
        code = "import sys; from opgtui.cli import main; sys.exit(main())"
        result = subprocess.run(
            [*as_other, sys.executable, "-c", code, "--config", str(cfg), "announce", "hello"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            cwd=tmp,
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"opgtui: {db}: the store is read-only") and result.stderr.count("\n") == 1


# ------------------------------------------------------------------ item 13: who did it


def _me() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def test_identity_is_the_effective_uid_not_logname(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "someone")
    monkeypatch.setenv("USER", "someone")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store: {tmp_path / 's.db'}\n")
    result = CliRunner().invoke(main, ["--config", str(cfg), "announce", "posted by whom?"])
    assert result.exit_code == 0, result.stderr
    store = open_store(tmp_path / "s.db")
    assert [a.author for a in store.announcements()] == [_me()]
    store.log_action("release", ["s#1.0"], "ok")
    store.claim_retries(["s#1.0"], lambda _jid, _rows: None, "retrying")
    assert store.action_log()[0]["who"] == _me() and store.retries()[0]["who"] == _me()


def test_only_the_author_or_an_operator_expires_an_announcement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opgtui.store import NotAllowed, Store

    store = open_store(tmp_path / "s.db")
    ann = store.post_announcement(Announcement("alice's message", "info", "alice"), time.time())
    monkeypatch.setattr(Store, "owner", lambda self: "storeowner")
    with pytest.raises(NotAllowed, match="only its author or an operator"):
        store.expire_announcement(ann, who="mallory")
    with pytest.raises(NotAllowed):
        store.edit_announcement(ann, text="defaced", level="critical", until=None, who="mallory")
    assert [a.text for a in store.announcements()] == ["alice's message"]
    assert store.expire_announcement(ann, who="carol", operators=["carol"])  # a configured operator
    ann2 = store.post_announcement(Announcement("mine", "info", "alice"), time.time())
    assert store.expire_announcement(ann2, who="alice")  # its author
    ann3 = store.post_announcement(Announcement("theirs", "info", "bob"), time.time())
    assert store.expire_announcement(ann3, who="storeowner")  # the store's owner
    # from the command line, as this user: refused (exit 1) unless the config makes them an operator
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    ann4 = store.post_announcement(Announcement("bob's", "warning", "bob"), time.time())
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store: {tmp_path / 's.db'}\n")
    result = CliRunner().invoke(main, ["--config", str(cfg), "announce", "--expire", str(ann4)])
    assert result.exit_code == 1 and result.stderr.startswith(f"opgtui: refused: announcement {ann4} is bob's")
    assert [a.text for a in store.announcements()] == ["bob's"]
    cfg.write_text(f"store: {tmp_path / 's.db'}\nroles: {{operators: [{_me()}]}}\n")
    result = CliRunner().invoke(main, ["--config", str(cfg), "announce", "--expire", str(ann4)])
    assert result.exit_code == 0 and store.announcements() == []


async def test_announcements_screen_refuses_to_expire_someone_elses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opgtui.store import Store

    monkeypatch.setattr(Store, "owner", lambda self: "storeowner")
    store = open_store(tmp_path / "s.db")
    store.post_announcement(Announcement("bob's warning", "warning", "bob"), time.time() - 60)
    app = OpgApp(Config(store=tmp_path / "s.db"), store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"announce", "enter")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        notes = [str(n.message) for n in app._notifications]
        assert any("is bob's: only its author or an operator" in n for n in notes), notes
    assert [a.text for a in store.announcements()] == ["bob's warning"]


# ------------------------------------------------------------------ item 14: who may read it


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


def test_new_store_directory_wal_and_lock_are_private(tmp_path: Path) -> None:
    from opgtui.ops.collector import collector_lock, lock_path

    old = os.umask(0o022)
    try:
        db = tmp_path / "data" / "opgtui.db"
        store = open_store(db)
        store.post_announcement(Announcement("x", "info", "me"), time.time())
        with collector_lock(db):
            assert _mode(lock_path(db)) == 0o600
        assert _mode(db.parent) == 0o700 and _mode(db) == 0o600
        for extra in ("-wal", "-shm"):
            assert _mode(db.with_name(db.name + extra)) == 0o600
        store.close()
    finally:
        os.umask(old)


def test_store_shared_with_the_configured_group(tmp_path: Path) -> None:
    import grp

    from opgtui.ops.collector import collector_lock, lock_path

    group = grp.getgrgid(os.getegid())
    old = os.umask(0o022)
    try:
        db = tmp_path / "shared" / "opgtui.db"
        store = open_store(db, group=group.gr_name)
        store.post_announcement(Announcement("x", "info", "me"), time.time())
        assert _mode(db.parent) == 0o2770 and _mode(db) == 0o660 and db.stat().st_gid == group.gr_gid
        with collector_lock(db):
            assert _mode(lock_path(db)) == 0o660
        store.close()
    finally:
        os.umask(old)
    with pytest.raises(StoreError, match="store_group 'no-such-group-h1' is not a group"):
        open_store(tmp_path / "other" / "s.db", group="no-such-group-h1")


def test_config_names_the_group_to_share_with(tmp_path: Path) -> None:
    import grp

    from opgtui.config import ConfigError, parse_config

    mine = grp.getgrgid(os.getegid()).gr_name
    assert parse_config(f"store_group: {mine}\n", tmp_path / "c.yaml").store_group == mine
    with pytest.raises(ConfigError, match=r"c.yaml:2: store_group: no group 'no-such-group-h1'"):
        parse_config("refresh: 60\nstore_group: no-such-group-h1\n", tmp_path / "c.yaml")


# ------------------------------------------------------------------ item 15: one collector per store


def test_collector_lock_follows_a_symlinked_store(tmp_path: Path) -> None:
    from opgtui.ops.collector import collector_lock, collector_running

    db = tmp_path / "real" / "opgtui.db"
    open_store(db).close()
    link = tmp_path / "link.db"
    link.symlink_to(db)
    with collector_lock(db):
        assert collector_running(link)  # the second collector, given the symlink, sees the first
    with collector_lock(link):
        assert collector_running(db)


# ------------------------------------------------------------------ item 17: bounded history


def _replay_flapping(store: object) -> tuple[float, float]:
    import json

    from opgtui.core.model import ServiceState, Window

    data = json.loads((Path(__file__).parent / "data" / "hostile" / "flapping_feed_5min.json").read_text())
    for poll in data["polls"]:
        store.record_feed(  # type: ignore[attr-defined]
            "am",
            "alertmanager",
            fetched=poll["fetched"],
            ok=True,
            absent_state="up",
            states=[ServiceState(s["service"], s["state"], None, "am") for s in poll["states"]],
            windows=[
                Window(
                    w["service"], w["kind"], w["start"], None, "am", description=w["description"], ext_id=w["ext_id"]
                )
                for w in poll["windows"]
            ],
        )
    return data["polls"][0]["fetched"], data["polls"][-1]["fetched"]


def test_a_flapping_feed_is_one_outage_not_a_row_per_poll(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    first, last = _replay_flapping(store)
    rows = store.conn.execute("SELECT service, state, since FROM service_states ORDER BY service, since").fetchall()
    dcache = [(state, since) for svc, state, since in rows if svc == "dcache"]
    assert dcache == [("down", first), ("up", last)]  # down from the first flip until it held up
    assert [r[1] for r in rows if r[0] == "samweb"] == ["degraded", "up"]
    windows = store.windows("dcache")
    assert len(windows) == 1 and windows[0].start == first and windows[0].end == last
    assert {s.service: s.state for s in store.current_states()} == {"dcache": "up", "samweb": "up"}


def test_a_short_outage_is_still_recorded(tmp_path: Path) -> None:
    from opgtui.core.model import ServiceState

    store = open_store(tmp_path / "s.db")
    for t, state in ((0, "up"), (1000, "down"), (1010, "up"), (5000, "down")):
        store.record_feed(
            "f", "native", fetched=1_795_600_000 + t, ok=True, states=[ServiceState("cvmfs", state, None, "f")]
        )
    assert [s.state for s in store.transitions("cvmfs")] == ["up", "down", "up", "down"]


def test_history_is_pruned_with_the_records_retention(tmp_path: Path) -> None:
    from opgtui.core.model import ServiceState, Window
    from opgtui.domain import stats

    store = open_store(tmp_path / "s.db")
    day, now = 86400.0, 1_795_600_000.0
    for t, state in ((now - 30 * day, "down"), (now - 20 * day, "up"), (now - 2 * day, "degraded")):
        store.record_feed("f", "native", fetched=t, ok=True, states=[ServiceState("cvmfs", state, None, "f")])
    store.record_feed("f", "native", fetched=now - 40 * day, ok=True, states=[ServiceState("fts", "up", None, "f")])
    store.add_window(Window("cvmfs", "outage", now - 30 * day, now - 20 * day, "f", ext_id="old"))
    store.add_window(Window("cvmfs", "outage", now - 2 * day, None, "f", ext_id="open"))
    store.add_window(Window("cvmfs", "maintenance", now + day, now + 2 * day, "f", ext_id="ahead"))
    report = stats.prune(store, keep_days=10, keep_ads_days=10, now=now)
    assert report.history == 2  # cvmfs down 30 days ago (its up 20 days ago is the state in force) and the window
    assert [(s.state, s.since) for s in store.transitions("cvmfs")] == [
        ("up", now - 20 * day),
        ("degraded", now - 2 * day),
    ]
    assert {s.service: s.state for s in store.current_states()} == {"cvmfs": "degraded", "fts": "up"}
    assert sorted(w.ext_id for w in store.windows()) == ["ahead", "open"]


def test_a_store_path_with_uri_characters_is_that_path(tmp_path: Path) -> None:
    """A '#' or '?' in the store's path was read as a URI fragment or query: the store went to another file."""
    db = tmp_path / "we#ird?dir %20x" / "s.db"
    store = open_store(db)
    store.post_announcement(Announcement("x", "info", "me"), time.time())
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["we#ird?dir %20x"]
    assert [a.text for a in open_store(db, readonly=True).announcements()] == ["x"]


def test_lock_of_an_older_world_readable_store_is_private(tmp_path: Path) -> None:
    from opgtui.ops.collector import collector_lock, lock_path

    db = tmp_path / "s.db"
    open_store(db).close()
    os.chmod(db, 0o644)  # as stores were created before
    with collector_lock(db):
        assert _mode(lock_path(db)) == 0o600


def test_a_store_error_quoting_stored_text_is_one_clean_line() -> None:
    """A server's message can quote a row's value (``Key (title)=(...)``): whatever raises it, a StoreError reaches
    the notification or the CLI's one line without line breaks, escape sequences or bidi overrides."""
    from opgtui.store import RequestConflict

    quoted = "db: duplicate key: Key (title)=(x\x1b]52;c;aGk=\x07\nnext\u202e)"
    for exc in (StoreError(quoted), RequestConflict("a\r\nb")):
        text = str(exc)
        assert text.isprintable() and "\x1b" not in text and "\u202e" not in text, text
    assert str(StoreError("db: locked\n  (try again)")) == "db: locked (try again)"
