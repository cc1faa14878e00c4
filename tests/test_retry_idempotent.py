"""Retrying twice (issue 17 item 11): the real worker process with the real htcondor2/classad2 bindings against
the Schedd double. Two concurrent ``opgtui retry --yes`` submit once; a later one says "already retried as X";
a worker that dies or times out after the schedd accepted the job does not report "0 of 1 retried"."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from opgtui.config import Config, PoolConfig
from opgtui.domain.retry import earlier_retry, pending_note
from opgtui.ops.actions import retry
from opgtui.sources.dumps import load_files
from opgtui.sources.jobrecord import job_from_ad
from opgtui.store import open_store

DATA = Path(__file__).parent / "data" / "condor"
TESTS = Path(__file__).parent
FAILED = "jobsub01#90.0"


@pytest.fixture
def pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A schedd whose history holds one failed job (the real CHTC ad, exit code 65)."""
    monkeypatch.setenv("OPGTUI_SCHEDD_FACTORY", "schedd_double:make")
    monkeypatch.setenv("OPGTUI_DOUBLE_DIR", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    monkeypatch.setenv("OPGTUI_DOUBLE_OWNER", "novapro")
    ad = load_files([DATA / "chtc_held_docker_memory.long.ad"]).ads.popitem()[1]
    failed = dict(
        ad,
        Owner="novapro",
        ClusterId=90,
        ProcId=0,
        JobStatus=4,
        ExitCode=65,
        GlobalJobId="jobsub01#90.0#1",
        EnteredCurrentStatus=1_760_000_000,
        CompletionDate=1_760_000_000,
    )
    (tmp_path / "jobsub01.json").write_text("[]")
    (tmp_path / "jobsub01.history.json").write_text(json.dumps([failed]))
    store = open_store(tmp_path / "store.db")
    store.upsert_jobs([job_from_ad(failed, schedd="jobsub01")], {FAILED: failed})
    store.close()
    return tmp_path


def submitted(pool: Path) -> list[dict[str, str]]:
    path = pool / "jobsub01.submitted.json"
    return json.loads(path.read_text()) if path.exists() else []


def write_config(pool: Path, timeout: float = 60) -> Path:
    cfg = pool / "opgtui.yaml"
    cfg.write_text(
        f"store: {pool / 'store.db'}\npools:\n  - name: test\n    schedds: [jobsub01]\n    timeout: {timeout}\n"
    )
    return cfg


def run_cli(cfg: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "opgtui.cli", "--config", str(cfg), "retry", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def test_two_concurrent_retries_and_a_third_later_submit_once(pool: Path) -> None:
    (pool / "jobsub01.slow-submit").write_text("3")  # the first is still submitting when the second asks
    cfg = write_config(pool)
    first, second = run_cli(cfg, FAILED, "--yes"), run_cli(cfg, FAILED, "--yes")
    outs = [(*p.communicate(timeout=60), p.returncode) for p in (first, second)]
    assert len(submitted(pool)) == 1, outs
    texts = "".join(out for out, _, _ in outs)
    assert f"ok     resubmitted {FAILED} from history as jobsub01#91.0" in texts
    # the second is refused while the first submits (or, on a machine so loaded that it started after the first
    # had finished, finds the retry): never a second submission
    second = next(o for o in outs if "resubmitted" not in o[0])
    busy = second[2] == 1 and second[0].startswith(f"FAILED {FAILED} is being retried right now by ")
    later = second[2] == 0 and second[0].startswith(f"BEFORE {FAILED} already retried as jobsub01#91.0")
    assert busy or later, outs
    (pool / "jobsub01.slow-submit").unlink()
    third = run_cli(cfg, FAILED, "--yes", "--json")
    out, err = third.communicate(timeout=60)
    code = third.returncode
    (r,) = json.loads(out)
    assert code == 0 and not r["ok"] and r["already_retried_as"] == "jobsub01#91.0", (out, err)
    assert r["message"].startswith(f"{FAILED} already retried as jobsub01#91.0 (by ")
    assert len(submitted(pool)) == 1
    again = run_cli(cfg, FAILED, "--yes", "--again")
    out, _ = again.communicate(timeout=60)
    code = again.returncode
    assert code == 0 and "as jobsub01#92.0" in out and len(submitted(pool)) == 2
    store = open_store(pool / "store.db")
    lineage = [(r["new_job_id"], r["mode"], r["ok"]) for r in store.retries(FAILED)]
    assert lineage == [("jobsub01#91.0", "resubmit", True), ("jobsub01#92.0", "resubmit", True)]
    store.close()


def test_a_retry_the_store_does_not_know_is_found_on_the_schedd(pool: Path) -> None:
    """Another shifter's opgtui (another store) resubmitted it: its OpgRetryOf in the queue says so."""
    store = open_store(pool / "store.db")
    first = asyncio.run(retry([FAILED], store=store, cfg=Config()))
    assert first[0].ok and first[0].new_job_id == "jobsub01#91.0"
    other = open_store(pool / "other.db")
    (r,) = asyncio.run(retry([FAILED], store=other, cfg=Config()))
    assert not r.ok and r.already == "jobsub01#91.0", r.message
    assert r.message.startswith(f"{FAILED} already retried as jobsub01#91.0 (its schedd has it)")
    assert len(submitted(pool)) == 1
    assert [x["new_job_id"] for x in other.retries(FAILED)] == ["jobsub01#91.0"]  # it knows now
    assert other.action_log()[-1]["result"].startswith("0 of 1 retried, 1 retried before")
    # the retry finished and went to the history: still found there
    queue = json.loads((pool / "jobsub01.json").read_text())
    history = json.loads((pool / "jobsub01.history.json").read_text())
    done = dict(queue.pop(), JobStatus=4, ExitCode=1, EnteredCurrentStatus=1_760_100_000)
    (pool / "jobsub01.json").write_text(json.dumps(queue))
    (pool / "jobsub01.history.json").write_text(json.dumps([*history, done]))
    third = open_store(pool / "third.db")
    (r,) = asyncio.run(retry([FAILED], store=third, cfg=Config()))
    assert r.already == "jobsub01#91.0" and len(submitted(pool)) == 1, r.message
    for s in (store, other, third):
        s.close()


@pytest.mark.parametrize("trouble", ["hang-after-submit", "die-after-submit"])
def test_a_worker_lost_after_submit_reports_the_job_the_schedd_accepted(pool: Path, trouble: str) -> None:
    (pool / f"jobsub01.{trouble}").touch()
    store = open_store(pool / "store.db")
    (r,) = asyncio.run(retry([FAILED], store=store, cfg=Config(), pool=PoolConfig("test", timeout=3)))
    assert r.ok and r.new_job_id == "jobsub01#91.0", r.message
    assert r.message.startswith(f"resubmitted {FAILED} as jobsub01#91.0 (the worker gave no answer: ")
    assert store.action_log()[-1]["result"] == "1 of 1 retried"
    (pool / f"jobsub01.{trouble}").unlink()
    (again,) = asyncio.run(retry([FAILED], store=store, cfg=Config()))
    assert again.already == "jobsub01#91.0" and len(submitted(pool)) == 1
    store.close()


def test_a_retry_abandoned_by_a_dead_process_does_not_block_the_next(pool: Path) -> None:
    store = open_store(pool / "store.db")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = os.uname().nodename
    store.claim_retries([FAILED], lambda jid, rows: None, pending_note(int(dead.stdout), host))
    (r,) = asyncio.run(retry([FAILED], store=store, cfg=Config()))
    assert r.ok and r.new_job_id == "jobsub01#91.0", r.message
    store.close()


def rows(*rs: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"id": 1, "time": 1000.0, "who": "alice", "new_job_id": None, "mode": "", "ok": False, "result": ""}
    return [dict(base, **r) for r in rs]


def test_which_earlier_retries_forbid_another() -> None:
    live = rows({"mode": "pending", "result": pending_note(4242, "here")})

    def decide(rs: list[dict[str, Any]], again: bool = False, now: float = 1010.0, alive: bool = True) -> str | None:
        e = earlier_retry("s#1.0", rs, again=again, now=now, host="here", alive=lambda pid: alive)
        return e and e.message

    assert (
        decide(live) == "s#1.0 is being retried right now by alice (pid 4242 on here, since 00:16:40 UTC); nothing done"
    )
    assert decide(live, again=True) is not None  # --again never runs two at once
    assert decide(live, alive=False) is None  # its process is gone
    assert decide(live, now=1000.0 + 3601) is None  # too old to be alive
    elsewhere = rows({"mode": "pending", "result": pending_note(1, "otherhost")})
    assert decide(elsewhere, alive=False) is not None  # cannot tell on another host: wait for the age limit
    done = rows({"mode": "resubmit", "ok": True, "new_job_id": "s#2.0"})
    assert (
        decide(done) == "s#1.0 already retried as s#2.0 (by alice, 1970-01-01 00:16 UTC); nothing submitted "
        "(--again to submit it once more)"
    )
    assert decide(done, again=True) is None
    assert decide(rows({"mode": "release", "ok": True, "new_job_id": "s#1.0"})) is None  # held again: release
    assert decide(rows({"mode": "resubmit", "ok": False})) is None  # failed before: try again


def test_a_dry_run_says_the_job_was_retried_before(pool: Path) -> None:
    from click.testing import CliRunner

    from opgtui.cli import main

    cfg = write_config(pool)
    store = open_store(pool / "store.db")
    asyncio.run(retry([FAILED], store=store, cfg=Config()))
    store.close()
    result = CliRunner().invoke(main, ["--config", str(cfg), "retry", FAILED, "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{FAILED} already retried as jobsub01#91.0 (by ")
    result = CliRunner().invoke(main, ["--config", str(cfg), "retry", FAILED, "--dry-run", "--again"])
    assert result.exit_code == 0 and result.stdout.startswith(f"{FAILED}: resubmit\n")
