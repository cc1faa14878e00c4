"""`opgtui request ...`: the workflow from scripts, refusals recorded, YAML in and out, and two processes
racing on one request (the second is told, nothing is overwritten)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from opgtui.cli import main
from opgtui.domain import requests as rq
from opgtui.store import open_store

ME = rq.whoami()


@pytest.fixture
def cfg_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = tmp_path / "c.yaml"
    path.write_text(
        f"store: {tmp_path / 's.db'}\nservices:\n  - {{name: samweb}}\n  - {{name: dcache}}\n"
        "experiments:\n  - {name: nova, request_required: [input_dataset, fhicl, release, events]}\n"
        f"  - {{name: dune}}\nroles: {{operators: [ops, {ME}], approvers: [alice]}}\n"
    )
    return path


def run(
    cfg: Path, *args: str, who: str = "carol", monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[int, str, str]:
    mp = monkeypatch or pytest.MonkeyPatch()
    mp.setattr(rq, "whoami", lambda: who)
    try:
        result = CliRunner().invoke(main, ["--config", str(cfg), "request", *args])
    finally:
        if monkeypatch is None:
            mp.undo()
    return result.exit_code, result.stdout, result.stderr


def new_request(cfg: Path, *extra: str) -> None:
    code, _, err = run(
        cfg,
        "new",
        "-e",
        "nova",
        "-t",
        "NOvA FD GENIE MC",
        "--set",
        "events=100000",
        "--set",
        "fhicl=prodgenie_fd.fcl",
        *extra,
    )
    assert code == 0, err


def test_new_says_what_is_missing_then_submit_is_refused_and_recorded(cfg_path: Path) -> None:
    code, out, _ = run(cfg_path, "new", "-e", "nova", "-t", "FD MC", "--set", "events=10")
    assert code == 0 and out.strip() == (
        "request 1 created (draft, version 1); missing for submit: Input dataset, FHiCL files, Software release"
    )
    code, out, err = run(cfg_path, "submit", "1")
    assert code == 1 and out == ""
    assert (
        err == "opgtui: refused: request 1 cannot be submitted yet: it lacks Input dataset, FHiCL files, "
        "Software release\n"
    )
    store = open_store(cfg_path.parent / "s.db")
    assert [a["action"] for a in store.request_audit(1)] == ["create", "refused submit"]
    assert store.request(1).status == "draft"  # type: ignore[union-attr]


def test_whole_workflow_and_audit(cfg_path: Path) -> None:
    new_request(
        cfg_path, "--set", "input_dataset=prod_genie_fd", "--set", "release=v09_78", "--set", "requested_priority=3"
    )
    assert run(cfg_path, "submit", "1")[0] == 0
    out = run(cfg_path, "approve", "1", who="alice")[1]
    assert out.strip() == "request 1 approve -> approved (approved, version 3)"
    assert run(cfg_path, "link", "1", "nova_mc_genie_fd_v3", who="ops")[0] == 0
    for action in ("schedule", "start", "finish"):
        code, _, err = run(cfg_path, action, "1", who="ops")
        assert code == 0, err
    store = open_store(cfg_path.parent / "s.db")
    r = store.request(1)
    assert r is not None and (r.status, r.priority, r.fields["batches"]) == ("done", 3, ["nova_mc_genie_fd_v3"])
    audit = store.request_audit(1)
    assert [(a["who"], a["action"]) for a in audit] == [
        ("carol", "create"),
        ("carol", "submit"),
        ("alice", "approve"),
        ("ops", "link"),
        ("ops", "schedule"),
        ("ops", "start"),
        ("ops", "finish"),
    ]
    assert audit[2]["changes"] == {"status": ["submitted", "approved"], "priority": [None, 3]}
    assert audit[3]["changes"] == {"batches": [None, ["nova_mc_genie_fd_v3"]]}


def test_unauthorised_approval_refused_clearly_and_recorded(cfg_path: Path) -> None:
    new_request(cfg_path, "--set", "input_dataset=d", "--set", "release=r")
    run(cfg_path, "submit", "1")
    code, out, err = run(cfg_path, "approve", "1", who="carol")
    assert (code, out) == (1, "")
    assert err == "opgtui: refused: carol may not approve request 1: only approvers may\n"
    code, _, err = run(cfg_path, "priority", "1", "4", who="ops")
    assert code == 1 and "ops may not set the priority of request 1: only approvers may" in err
    code, _, err = run(cfg_path, "reject", "1", who="alice")
    assert code == 2 and "Missing option '--reason'" in err
    store = open_store(cfg_path.parent / "s.db")
    audit = store.request_audit(1)
    assert [(a["who"], a["action"]) for a in audit[-2:]] == [("carol", "refused approve"), ("ops", "refused priority")]
    assert "only approvers may" in audit[-2]["changes"]["reason"]
    assert store.request(1).status == "submitted"  # type: ignore[union-attr]
    code, _, _ = run(cfg_path, "reject", "1", "--reason", "use the v09_79 release", who="alice")
    assert code == 0
    code, out, _ = run(cfg_path, "show", "1")
    assert "reason: 'use the v09_79 release'" in out and "carol refused approve" in out


def test_edit_rules_through_the_cli(cfg_path: Path) -> None:
    new_request(cfg_path, "--set", "input_dataset=d", "--set", "release=r")
    code, _, err = run(cfg_path, "edit", "1", "--set", "events=5", who="mallory")
    assert code == 1 and "mallory may not edit request 1: only the requester (carol) or an operator may" in err
    code, _, err = run(cfg_path, "edit", "1", "--set", "evnts=5")
    assert code == 2 and err == "opgtui: --set evnts: unknown field (did you mean 'events'?)\n"
    code, _, err = run(cfg_path, "edit", "1", "--set", "services=samweb,sam")
    assert code == 2 and "unknown service 'sam'" in err
    assert run(cfg_path, "edit", "1", "--set", "release=", "--set", "events=7")[0] == 0
    r = open_store(cfg_path.parent / "s.db").request(1)
    assert r is not None and "release" not in r.fields and r.fields["events"] == 7


def test_export_import_round_trip_and_stale_update_refused(cfg_path: Path, tmp_path: Path) -> None:
    new_request(cfg_path, "--set", "notes=line one\nline two")
    code, text, _ = run(cfg_path, "export", "1")
    assert code == 0 and text.startswith("# opgtui production request 1, version 1, draft.")
    mine, theirs = tmp_path / "mine.yaml", tmp_path / "theirs.yaml"
    mine.write_text(text.replace("events: 100000", "events: 200000"))
    theirs.write_text(text.replace("NOvA FD GENIE MC", "NOvA FD GENIE MC (rush)"))
    code, out, err = run(cfg_path, "import", "--update", str(theirs), who="ops")
    assert code == 0, err
    code, out, err = run(cfg_path, "import", "--update", str(mine))
    assert code == 1 and "request 1 changed since you opened it (import by ops at" in err
    assert "now version 2 (you had 1): nothing was overwritten" in err
    r = open_store(cfg_path.parent / "s.db").request(1)
    assert r is not None and (r.title, r.fields["events"]) == ("NOvA FD GENIE MC (rush)", 100000)
    code, out, _ = run(cfg_path, "import", str(mine), who="dave")
    assert code == 0 and out.startswith("request 2 imported as a new draft")
    r2 = open_store(cfg_path.parent / "s.db").request(2)
    assert r2 is not None and (r2.requester, r2.status, r2.fields["events"]) == ("dave", "draft", 200000)
    assert r2.fields["notes"] == "line one\nline two"


def test_bad_import_names_the_line(cfg_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("experiment: nova\ntitle: x\nevents: 10\nmemory_mb: lots\n")
    code, out, err = run(cfg_path, "import", str(bad))
    assert (code, out) == (2, "")
    assert err == f"opgtui: {bad}:4: memory_mb: expected a whole number, got 'lots'\n"
    bad.write_text("experiment: nova\ntitle: 'x\n")
    code, _, err = run(cfg_path, "import", str(bad))
    assert code == 2 and err.startswith(f"opgtui: {bad}:3: not valid YAML")
    assert open_store(cfg_path.parent / "s.db").requests() == []


def test_list_filters_and_json(cfg_path: Path) -> None:
    new_request(cfg_path)
    run(cfg_path, "new", "-e", "dune", "-t", "PDSP reco2", who="erin")
    run(cfg_path, "submit", "2", who="erin")
    code, out, _ = run(cfg_path, "list", "--status", "submitted")
    assert code == 0 and len(out.splitlines()) == 1 and "PDSP reco2" in out
    code, out, _ = run(cfg_path, "list", "--mine", who="erin")
    assert "PDSP reco2" in out and "GENIE" not in out
    import json

    code, out, _ = run(cfg_path, "list", "--json")
    assert [r["id"] for r in json.loads(out)] == [1, 2]
    assert run(cfg_path, "show", "9")[2] == "opgtui: no request with id 9\n"


def test_hostile_text_reaches_the_terminal_harmless(cfg_path: Path) -> None:
    run(cfg_path, "new", "-e", "nova", "-t", "x \x1b]52;c;cHduZWQ=\x07 [bold]y[/]", "--set", "notes=a\x1b[2Jb")
    for verb in ("show", "list"):
        code, out, _ = run(cfg_path, verb, *(["1"] if verb == "show" else []))
        assert code == 0 and "\x1b" not in out and "\x07" not in out and "[bold]y[/]" in out


RACER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from opgtui.config import load_config
    from opgtui.ops.request_ops import edit
    from opgtui.domain.requests import whoami
    from opgtui.store import RequestConflict, open_store

    cfg = load_config(sys.argv[1])
    store = open_store(cfg.store)
    req = store.request(1)                      # both read version 1 ...
    Path(sys.argv[2] + ".ready").touch()
    while not Path(sys.argv[3]).exists():
        time.sleep(0.01)
    try:                                        # ... then both save
        saved = edit(store, cfg, req, whoami(), title=sys.argv[2])
        print("saved", saved.version)
    except RequestConflict as exc:
        print("conflict", exc)
""")


def test_two_processes_racing_on_an_edit(cfg_path: Path, tmp_path: Path) -> None:
    new_request(cfg_path)  # carol's; the OS user running the racers is an operator
    script, go = tmp_path / "racer.py", tmp_path / "go"
    script.write_text(RACER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(cfg_path), str(tmp_path / name), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("first", "second")
    ]
    deadline = time.monotonic() + 30
    while not all((tmp_path / f"{n}.ready").exists() for n in ("first", "second")):
        assert time.monotonic() < deadline, [p.stderr.read() for p in procs if p.poll() is not None]  # type: ignore[union-attr]
        time.sleep(0.02)
    go.touch()
    outs = [p.communicate(timeout=30)[0].strip() for p in procs]
    assert sorted(o.split()[0] for o in outs) == ["conflict", "saved"], outs
    loser = next(o for o in outs if o.startswith("conflict"))
    assert "changed since you opened it" in loser and "nothing was overwritten" in loser
    store = open_store(cfg_path.parent / "s.db")
    r = store.request(1)
    winner = str(tmp_path / ("first" if outs[0].startswith("saved") else "second"))
    assert r is not None and (r.title, r.version) == (winner, 2)
    assert [a["action"] for a in store.request_audit(1)] == ["create", "edit"]


def test_two_cli_processes_with_expected_version(cfg_path: Path) -> None:
    new_request(cfg_path)
    cmd = [
        sys.executable,
        "-m",
        "opgtui.cli",
        "--config",
        str(cfg_path),
        "request",
        "edit",
        "1",
        "--expect-version",
        "1",
        "--set",
    ]
    procs = [
        subprocess.Popen([*cmd, f"events={n}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in (111, 222)
    ]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    assert sorted(code for code, _, _ in results) == [0, 1], results
    err = next(e for code, _, e in results if code == 1)
    assert "request 1 changed since you opened it" in err and err.count("\n") == 1
    winner = next(n for (code, _, _), n in zip(results, (111, 222), strict=True) if code == 0)
    r = open_store(cfg_path.parent / "s.db").request(1)
    assert r is not None and (r.fields["events"], r.version) == (winner, 2)
