"""The CLI is an API: verbs exist, print --help, say clearly what is wrong, and keep their exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from opgtui.cli import main
from opgtui.config import EXAMPLE
from opgtui.core.model import ServiceState, Window
from opgtui.store import open_store

VERBS = [
    "demo",
    "config",
    "tail",
    "diagnose",
    "jobs",
    "status",
    "check",
    "collect",
    "announce",
    "retry",
    "request",
    "stats",
    "prune",
]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb: str) -> None:
    code, out, _ = run(verb, "--help")
    assert code == 0 and "Usage:" in out


def test_unknown_verb_is_one_line_exit_2(env: Path) -> None:
    code, _, err = run("frobnicate")
    assert code == 2
    assert err.strip().startswith("opgtui: unknown command 'frobnicate'") and err.count("\n") == 1


def test_stats_on_an_empty_store_says_what_to_do(env: Path) -> None:
    code, out, err = run("stats")
    assert code == 2 and "no store at" in err and "opgtui collect" in err  # and it creates none
    open_store(env / "data" / "opgtui" / "opgtui.db").close()
    code, out, err = run("stats")
    assert code == 0 and "no finished jobs" in out and "opgtui collect" in out
    code, _, err = run("stats", "--since", "last tuesday")
    assert code == 2 and err.startswith("opgtui: --since:") and err.count("\n") == 1


def test_config_example_then_check(env: Path) -> None:
    code, out, _ = run("config", "example")
    assert code == 0 and out == EXAMPLE
    cfg = env / "c.yaml"
    cfg.write_text(out)
    code, out, _ = run("--config", str(cfg), "config", "check")
    assert code == 0 and "ok (1 pools, 3 feeds, 5 services, 1 experiments)" in out


def test_config_check_catches_typo_with_line(env: Path) -> None:
    cfg = env / "c.yaml"
    cfg.write_text("services:\n  - name: samweb\n    alias: [sam]\n")
    code, _, err = run("--config", str(cfg), "config", "check")
    assert code == 2
    assert err.strip() == f"opgtui: {cfg}:3: services[0].alias: unknown key (did you mean 'aliases'?)"


def test_config_check_without_a_file(env: Path) -> None:
    code, _, err = run("config", "check")
    assert code == 2 and "no config file found" in err


def test_unwritable_store_is_one_line_and_writes_nothing(env: Path) -> None:
    blocker = env / "blocker"
    blocker.write_text("")
    cfg = env / "c.yaml"
    cfg.write_text(f"store: {blocker}/sub/opgtui.db\n")
    code, out, err = run("--config", str(cfg), "status")
    assert code == 2 and out == "" and str(blocker) in err and err.count("\n") == 1
    assert blocker.read_text() == ""


def _store_with(env: Path) -> Path:
    cfg = env / "c.yaml"
    cfg.write_text(
        f"store: {env}/s.db\nservices:\n  - {{name: samweb, aliases: [sam]}}\n  - {{name: dcache}}\n"
        "feeds:\n  - {name: am, kind: alertmanager, url: 'http://127.0.0.1:9', interval: 60}\n"
    )
    store = open_store(env / "s.db")
    now = time.time()
    store.record_feed(
        "am",
        "alertmanager",
        fetched=now,
        ok=True,
        states=[
            ServiceState("samweb", "down", now - 2580, "am", "HTTP 503"),
            ServiceState("dcache", "up", now - 86400, "am"),
        ],
        windows=[
            Window(
                "dcache", "maintenance", now + 3 * 3600, now + 5 * 3600, "am", description="pool upgrade", ext_id="s1"
            )
        ],
    )
    return cfg


def test_check_exit_codes(env: Path) -> None:
    cfg = str(_store_with(env))
    code, out, _ = run("--config", cfg, "check", "--require", "sam")
    assert code == 1 and out.startswith("samweb: DOWN since") and "(43m)" in out
    code, out, _ = run("--config", cfg, "check", "--require", "dcache")  # maintenance within 6 h, as on screen
    assert code == 1 and "MAINTENANCE in" in out
    assert run("--config", cfg, "check", "--require", "dcache", "--within", "0")[0] == 0
    assert run("--config", cfg, "check", "--require", "dcache", "--within", "1h")[0] == 0
    assert run("--config", cfg, "check", "--require", "cvmfs")[0] == 2
    code, _, err = run("--config", cfg, "check", "--require", "dcache", "--within", "soon")
    assert code == 2 and "--within: not a duration" in err


def test_status_json(env: Path) -> None:
    code, out, _ = run("--config", str(_store_with(env)), "status", "--json")
    assert code == 0
    board = {r["service"]: r for r in json.loads(out)}
    assert board["samweb"]["state"] == "down" and round(board["samweb"]["duration"] / 60) == 43
    assert board["dcache"]["next_maintenance"]["description"] == "pool upgrade"


def test_announce_post_list_expire(env: Path) -> None:
    cfg = env / "c.yaml"
    cfg.write_text(f"store: {env}/s.db\n")
    code, out, _ = run("--config", str(cfg), "announce", "dCache down at 18:00", "--level", "warning", "--until", "4h")
    assert code == 0 and out.startswith("announcement 1 posted")
    code, out, _ = run("--config", str(cfg), "announce", "--list")
    assert "[warning]" in out and "dCache down at 18:00" in out
    assert run("--config", str(cfg), "announce", "--expire", "1")[0] == 0
    assert run("--config", str(cfg), "announce", "--list")[1] == ""
    code, _, err = run("--config", str(cfg), "announce", "x", "--until", "2001-01-01T00:00")
    assert code == 2 and "would end before it starts" in err


def test_dashboard_refuses_a_tiny_terminal(env: Path) -> None:
    cfg = env / "c.yaml"
    cfg.write_text(f"store: {env}/s.db\n")
    proc = subprocess.run(
        [sys.executable, "-m", "opgtui.cli", "--config", str(cfg)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "60", "LINES": "20"},
        timeout=30,
    )
    assert proc.returncode == 2
    assert "the terminal is 60x20; opgtui needs at least 80x24" in proc.stderr


DATA = Path(__file__).parent / "data"


def test_diagnose_json_contract(env: Path) -> None:
    code, out, _ = run(
        "diagnose", "--log", str(DATA / "logs" / "ifdh_sam_webapi_retry_exceeded.log"), "--exit-code", "1", "--json"
    )
    assert code == 0
    v = json.loads(out)
    assert {"category", "action", "signature", "evidence"} <= set(v)
    assert v["category"] == "service" and v["action"] == "retry" and v["signature"]
    assert all({"line", "text", "signature"} <= set(e) for e in v["evidence"])
    assert any("FetchError" in e["text"] for e in v["evidence"])


def test_diagnose_hold_code_without_text(env: Path) -> None:
    empty = env / "empty.log"
    empty.write_text("")
    code, out, _ = run("diagnose", "--log", str(empty), "--hold-code", "34", "--hold-subcode", "102", "--json")
    v = json.loads(out)
    assert code == 0 and v["category"] == "resource" and "memory" in v["action"]


def test_diagnose_missing_log_names_it(env: Path) -> None:
    code, out, err = run("diagnose", "--log", str(env / "nope.log"), "--json")
    assert code == 2 and out == "" and f"{env / 'nope.log'}: No such file or directory" in err


def test_tail_plain_text_when_not_a_tty(env: Path) -> None:
    log = env / "job.out"
    log.write_bytes(b"".join(b"line %d\n" % i for i in range(1, 301)) + b"esc \x1b[31mred\x1b[0m\n")
    code, out, _ = run("tail", str(log), "-n", "3")
    assert code == 0 and out.splitlines() == ["line 299", "line 300", "esc \x1b[31mred\x1b[0m"]


def test_jobs_from_dumps_json(env: Path) -> None:
    code, out, err = run(
        "jobs",
        "--from",
        str(DATA / "condor" / "fifebatch_completed_2017.long"),
        "--from",
        str(DATA / "condor" / "chtc_held_docker_memory.long.ad"),
        "--json",
    )
    assert code == 0 and err == ""
    jobs = {j["id"]: j for j in json.loads(out)}
    assert jobs["fifebatch1.fnal.gov#14158503.10"]["site"] == "FNAL_GPGrid"
    assert jobs["submit-1.chtc.wisc.edu#15872426.5189"]["status_label"] == "held"


def test_jobs_from_a_broken_file_only(env: Path) -> None:
    junk = env / "junk.txt"
    junk.write_text("not a dump\n")
    code, _, err = run("jobs", "--from", str(junk))
    assert code == 2 and err.count("\n") == 1
    assert f"{junk}: not a condor_q/condor_history -long or -json dump" in err and "(line 1: not a ClassAd" in err


HOSTILE_TEXT = "ESC:\x1b[31mred\x1b[0m\x1b]0;TITLE\x07 cr\rOVER"


def test_cli_output_never_carries_escape_sequences(env: Path, tmp_path: Path) -> None:
    code, out, _ = run("announce", HOSTILE_TEXT)
    assert code == 0
    code, out, _ = run("announce", "--list")
    assert "ESC:red" in out and "TITLE" not in out and "\x1b" not in out and "\r" not in out
    ad = {
        "ClusterId": 1,
        "ProcId": 0,
        "GlobalJobId": "s#1.0#1",
        "JobStatus": 5,
        "Owner": "own\x1b[31mer",
        "HoldReason": "bad\x1b]52;c;cHduZWQ=\x07 thing",
    }
    dump = tmp_path / "hostile.json"
    dump.write_text(json.dumps([ad]))
    code, out, _ = run("jobs", "--from", str(dump))
    assert code == 0 and "owner" in out and "\x1b" not in out and "\x07" not in out
    store = open_store(env / "data" / "opgtui" / "opgtui.db")
    store.record_feed(
        "f", "native", fetched=1e9, ok=True, states=[ServiceState("samweb\x1b]0;SVC\x07", "down", 1e9, "f")]
    )
    code, out, _ = run("status")
    assert "samweb" in out and "\x1b" not in out and "\x07" not in out


def test_config_check_without_a_file_names_the_real_default_path(env: Path) -> None:
    code, _, err = run("config", "check")
    assert code == 2 and f"opgtui config example > {env / 'cfg' / 'opgtui' / 'config.yaml'}" in err


def test_reading_commands_do_not_create_a_store_at_a_mistyped_path(env: Path) -> None:
    cfg = env / "c.yaml"
    missing = env / "nonexistent" / "dir" / "x.db"
    cfg.write_text(f"store: {missing}\n")
    for args in (["status"], ["check", "--require", "samweb"], ["actions"]):
        code, _, err = run("--config", str(cfg), *args)
        assert code == 2 and f"no store at {missing}: run `opgtui collect` first, or check `store:` in {cfg}" in err
    assert not (env / "nonexistent").exists()
