"""Retry and retry-with-debug: the plan from a real recorded ad (pure), then the real worker process against the
Schedd double: edit + release of held jobs, resubmission of finished ones, lineage, refusals and roll-back."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import htcondor2
import pytest

from opgtui.config import Config, DebugProfile, ExperimentConfig
from opgtui.domain.retry import (
    RetryRefused,
    format_environment,
    parse_arguments,
    parse_environment,
    plan_retry,
    why_not_retryable,
)
from opgtui.ops.actions import retry
from opgtui.sources.dumps import load_files
from opgtui.sources.jobrecord import job_from_ad
from opgtui.store import open_store

DATA = Path(__file__).parent / "data" / "condor"
TESTS = Path(__file__).parent
PROFILE = DebugProfile(environment={"IFDH_DEBUG": "1", "ART_DEBUG": "1"}, arguments="--debug", request_memory=20000)


@pytest.fixture(scope="module")
def held_ad() -> dict[str, Any]:
    """The real CHTC held job (HoldReasonCode 34), as the worker sees it (-json layout)."""
    return load_files([DATA / "chtc_held_docker_memory.long.ad"]).ads.popitem()[1]


# ---------------------------------------------------------------- the plan (pure)


def test_held_job_is_released_and_debug_edits_merge_with_its_settings(held_ad: dict[str, Any]) -> None:
    ad = dict(held_ad, Environment="OMP_NUM_THREADS=4 LABEL='two words'")
    plain = plan_retry(ad, "s#1.0")
    assert plain.mode == "release" and plain.edits == {}
    plan = plan_retry(ad, "s#1.0", profile=PROFILE, profile_name="nova")
    assert plan.mode == "release"
    env = parse_environment({"Environment": plan.edits["Environment"]})
    assert env == {"OMP_NUM_THREADS": "4", "LABEL": "two words", "IFDH_DEBUG": "1", "ART_DEBUG": "1"}
    # V1 Args of the real ad become V2 Arguments with the debug flag at the end
    assert parse_arguments({"Arguments": plan.edits["Arguments"]}) == [
        "dbscan",
        "10",
        "10",
        "5",
        "5",
        "10000Mbp",
        "--debug",
    ]
    assert plan.edits["RequestMemory"] == 20000 and plan.changes["RequestMemory"] == [16384, 20000]
    # a job that already asks for more memory keeps it; arguments are not doubled on a second retry
    again = plan_retry(dict(ad, RequestMemory=32000, Arguments=plan.edits["Arguments"]), "s#1.0", profile=PROFILE)
    assert "RequestMemory" not in again.edits and "Arguments" not in again.edits


def test_environment_quoting_round_trips() -> None:
    env = {"A": "1", "B": "x y", "C": "it's", "D": ""}
    text = format_environment(env)
    assert parse_environment({"Environment": text}) == env
    assert parse_environment({"Env": "A=1;B=2"}) == {"A": "1", "B": "2"}
    with pytest.raises(ValueError, match="unterminated quote"):
        parse_environment({"Environment": "A='x"})


@pytest.mark.parametrize(("status", "word"), [(1, "idle"), (2, "running"), (6, "transferring output")])
def test_live_jobs_are_not_retried(held_ad: dict[str, Any], status: int, word: str) -> None:
    with pytest.raises(RetryRefused, match=f"s#1.0 is {word}; only held, failed or removed"):
        plan_retry(dict(held_ad, JobStatus=status), "s#1.0")


def test_success_needs_force_and_a_failure_is_resubmitted(held_ad: dict[str, Any]) -> None:
    done = dict(held_ad, JobStatus=4, ExitCode=0, ExitBySignal=False)
    with pytest.raises(RetryRefused, match="completed with exit code 0"):
        plan_retry(done, "s#1.0")
    assert plan_retry(done, "s#1.0", force=True).mode == "resubmit"
    assert plan_retry(dict(done, ExitCode=1), "s#1.0").mode == "resubmit"


def test_a_completed_job_with_no_exit_status_is_not_resubmitted_unasked(held_ad: dict[str, Any]) -> None:
    """The views call a completed job with no exit code and no signal succeeded; retry agrees and refuses it."""
    unknown = {k: v for k, v in held_ad.items() if k not in ("ExitCode", "ExitStatus", "ExitSignal")}
    unknown.update(JobStatus=4, ExitBySignal=False)
    assert why_not_retryable(4, None, None) == "succeeded"
    with pytest.raises(RetryRefused, match="no exit code or signal recorded"):
        plan_retry(unknown, "s#1.0")
    assert plan_retry(unknown, "s#1.0", force=True).mode == "resubmit"
    # the deprecated ExitStatus still says it failed; a signal always does
    assert plan_retry(dict(unknown, ExitStatus=2), "s#1.0").mode == "resubmit"
    assert plan_retry(dict(unknown, ExitBySignal=True, ExitSignal=9), "s#1.0").mode == "resubmit"


def test_resubmission_is_rebuilt_from_the_ad_without_what_htcondor_generated(held_ad: dict[str, Any]) -> None:
    ad = dict(held_ad, JobStatus=4, ExitCode=137, JobsubJobId="1.0@jobsub01", DAGManJobId=5)
    plan = plan_retry(ad, "s#1.0", profile=PROFILE, profile_name="nova")
    sub = plan.submit
    assert sub["executable"] == held_ad["Cmd"] and sub["initialdir"] == held_ad["Iwd"]
    assert sub["universe"] == "docker" and sub["docker_image"] == "jasonkwan/autometa:2.1.0"
    assert sub["request_memory"] == "20000" and "IFDH_DEBUG=1" in sub["environment"]
    assert sub["arguments"].endswith('--debug"')
    assert sub["requirements"].startswith("(Target.CanRunLongJobs is true)")  # classad2 writes =?= as is
    assert sub["MY.OpgRetryOf"] == '"s#1.0"' and sub["MY.OpgDebugProfile"] == '"nova"'
    assert sub["MY.IsCHTCSubmit"] == "true" and "MY.ProjectName" in sub  # the pool's own custom attributes
    for generated in (
        "ClusterId",
        "ProcId",
        "QDate",
        "RemoteWallClockTime",
        "NumJobStarts",
        "HoldReason",
        "MachineAttrCpus0",
        "MemoryProvisioned",
        "JobsubJobId",
        "LastRemoteHost",
        "TransferInputStats",
    ):
        assert f"MY.{generated}" not in sub, generated
    assert plan.notes == ["resubmitted outside its DAG (DAGMan will not know about the new job)"]
    text = str(htcondor2.Submit(sub))  # HTCondor's own submit language accepts it
    assert "executable = /home/erees/" in text


def test_an_ad_without_an_executable_cannot_be_resubmitted() -> None:
    fife = next(iter(load_files([DATA / "fifebatch_completed_2017.long"]).ads.values()))  # a real, partial ad
    with pytest.raises(RetryRefused, match="no executable"):
        plan_retry(dict(fife, JobStatus=4, ExitCode=1), "s#1.0")


# ---------------------------------------------------------------- against the Schedd double


@pytest.fixture
def pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held_ad: dict[str, Any]) -> Path:
    monkeypatch.setenv("OPGTUI_SCHEDD_FACTORY", "schedd_double:make")
    monkeypatch.setenv("OPGTUI_DOUBLE_DIR", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    monkeypatch.setenv("OPGTUI_DOUBLE_OWNER", "novapro")
    nova = dict(held_ad, Owner="novapro", AccountingGroup="group_nova.prod.novapro", JobBatchName="reco")
    held = [dict(nova, ClusterId=100, ProcId=p, GlobalJobId=f"jobsub01#100.{p}#1") for p in range(2)]
    foreign = dict(nova, ClusterId=200, ProcId=0, Owner="someone", GlobalJobId="jobsub01#200.0#1")
    running = dict(nova, ClusterId=101, ProcId=0, JobStatus=2, GlobalJobId="jobsub01#101.0#1")
    failed = dict(nova, ClusterId=90, ProcId=0, JobStatus=4, ExitCode=65, GlobalJobId="jobsub01#90.0#1")
    (tmp_path / "jobsub01.json").write_text(json.dumps([*held, foreign, running]))
    (tmp_path / "jobsub01.history.json").write_text(json.dumps([failed]))
    (tmp_path / "jobsub02.unreachable").write_text("Failed to connect to schedd jobsub02")
    return tmp_path


@pytest.fixture
def store(tmp_path: Path, pool: Path, held_ad: dict[str, Any]) -> Any:
    s = open_store(tmp_path / "store.db")
    ads = json.loads((pool / "jobsub01.json").read_text()) + json.loads((pool / "jobsub01.history.json").read_text())
    jobs = [job_from_ad(a, schedd="jobsub01") for a in ads]
    s.upsert_jobs(jobs, {j.id: a for j, a in zip(jobs, ads, strict=True)})
    return s


CFG = Config(experiments=[ExperimentConfig("nova", debug_profile=PROFILE)])


def queue(pool: Path) -> dict[str, dict[str, Any]]:
    return {f"{a['ClusterId']}.{a['ProcId']}": a for a in json.loads((pool / "jobsub01.json").read_text())}


def test_retry_with_debug_edits_then_releases_and_records_the_lineage(pool: Path, store: Any) -> None:
    (r,) = asyncio.run(retry(["jobsub01#100.0"], store=store, cfg=CFG, debug=True))
    assert r.ok and r.mode == "release" and r.new_job_id == "jobsub01#100.0", r.message
    job = queue(pool)["100.0"]
    assert job["JobStatus"] == 1 and job["RequestMemory"] == 20000
    assert parse_environment(job)["IFDH_DEBUG"] == "1" and parse_arguments(job)[-1] == "--debug"
    assert queue(pool)["100.1"]["JobStatus"] == 5  # only the job asked for
    (rec,) = store.retries("jobsub01#100.0")
    assert rec["profile"] == "nova" and rec["mode"] == "release" and rec["ok"]
    assert set(rec["changes"]) == {"Environment", "Arguments", "RequestMemory"}
    assert store.action_log()[-1]["action"] == "retry with debug"


def test_a_refused_release_puts_the_edits_back(pool: Path, store: Any) -> None:
    (pool / "jobsub01.refuse-release").write_text('SECMAN:2010:Received "DENIED" from server for user novapro')
    before = queue(pool)["100.0"]
    (r,) = asyncio.run(retry(["jobsub01#100.0"], store=store, cfg=CFG, debug=True))
    assert not r.ok and 'DENIED" from server for user novapro' in r.message and "nothing changed" in r.message
    assert queue(pool)["100.0"] == before  # not edited-but-held: exactly as it was
    assert store.retries("jobsub01#100.0")[0]["ok"] is False


def test_htcondor_refusing_the_edit_is_shown_verbatim_and_nothing_changes(pool: Path, store: Any) -> None:
    before = queue(pool)["200.0"]
    (r,) = asyncio.run(retry(["jobsub01#200.0"], store=store, cfg=CFG, debug=True))
    assert not r.ok and r.message == "HTCondorException: Unable to edit job"
    assert queue(pool)["200.0"] == before


def test_a_finished_job_is_resubmitted_with_its_lineage(pool: Path, store: Any) -> None:
    (r,) = asyncio.run(retry(["jobsub01#90.0"], store=store, cfg=CFG, debug=True))
    assert r.ok and r.mode == "resubmit", r.message
    new = queue(pool)[r.new_job_id.split("#")[1]]  # type: ignore[union-attr]
    assert new["OpgRetryOf"] == "jobsub01#90.0" and new["OpgDebugProfile"] == "nova"
    assert new["JobStatus"] == 1 and new["RequestMemory"] == 20000 and new["Cmd"].endswith("autometa_binning.sh")
    lineage = store.retries(r.new_job_id)
    assert [x["job_id"] for x in lineage] == ["jobsub01#90.0"]
    assert "from history" in r.message


def test_gone_running_and_unreachable_jobs_get_clear_answers(pool: Path, store: Any) -> None:
    results = {
        r.job_id: r
        for r in asyncio.run(retry(["jobsub01#555.0", "jobsub01#101.0", "jobsub02#7.0"], store=store, cfg=CFG))
    }
    assert results["jobsub01#555.0"].message == (
        "jobsub01#555.0 no longer exists (not in the queue or the history of its schedd)"
    )
    assert "is running" in results["jobsub01#101.0"].message
    assert results["jobsub02#7.0"].message.startswith("jobsub02#7.0: ")
    assert "Failed to connect to schedd jobsub02" in results["jobsub02#7.0"].message
    assert not any(r.ok for r in results.values())


def test_debug_without_a_profile_is_refused_before_anything_is_done(pool: Path, store: Any) -> None:
    before = (pool / "jobsub01.json").read_text()
    other = Config(experiments=[ExperimentConfig("dune", debug_profile=PROFILE)])
    with pytest.raises(ValueError, match=r"experiment 'nova' is not under experiments: .*known: dune"):
        asyncio.run(retry(["jobsub01#100.0", "jobsub01#100.1"], store=store, cfg=other, debug=True))
    empty = Config(experiments=[ExperimentConfig("nova")])
    with pytest.raises(ValueError, match=r"experiment 'nova' has no debug_profile"):
        asyncio.run(retry(["jobsub01#100.0"], store=store, cfg=empty, debug=True))
    with pytest.raises(ValueError, match=r"jobsub01#999\.0 is not in the store"):
        asyncio.run(retry(["jobsub01#999.0"], store=store, cfg=CFG, debug=True))
    store.upsert_jobs([dataclasses.replace(store.job("jobsub01#100.1"), experiment=None)])
    with pytest.raises(ValueError, match=r"its experiment is unknown \(no AccountingGroup"):
        asyncio.run(retry(["jobsub01#100.1"], store=store, cfg=CFG, debug=True))
    assert (pool / "jobsub01.json").read_text() == before and store.retries() == []


# ---------------------------------------------------------------- the command line


def cli(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from opgtui.cli import main

    cfg = tmp_path / "opgtui.yaml"
    cfg.write_text(
        f"store: {tmp_path / 'store.db'}\nexperiments:\n  - name: nova\n    debug_profile:\n"
        "      environment: {IFDH_DEBUG: '2'}\n      request_memory: 20000\n"
    )
    result = CliRunner().invoke(main, ["--config", str(cfg), *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_retry_dry_run_then_retry_then_the_action_list(tmp_path: Path, pool: Path, store: Any) -> None:
    code, out, _ = cli(tmp_path, "retry", "100.0@jobsub01", "--debug", "--dry-run")
    assert code == 0 and "jobsub01#100.0: release with debug profile nova" in out
    assert "RequestMemory: 16384 -> 20000" in out
    assert queue(pool)["100.0"]["JobStatus"] == 5  # a dry run does nothing
    code, out, _ = cli(tmp_path, "retry", "jobsub01#101.0", "jobsub01#90.0", "--dry-run", "--json")
    refused, resubmit = json.loads(out)
    assert code == 1 and not refused["ok"] and "is running" in refused["message"]
    assert resubmit["mode"] == "resubmit" and resubmit["submit"]["MY.OpgRetryOf"] == '"jobsub01#90.0"'
    code, _, err = cli(tmp_path, "retry", "jobsub01#100.0")
    assert code == 2 and "add --yes" in err
    code, _, err = cli(tmp_path, "retry", "jobsub01#100.0", "jobsub01#555.0", "--debug", "--yes")
    assert code == 2 and "jobsub01#555.0 is not in the store, so its experiment and debug profile" in err
    assert queue(pool)["100.0"]["JobStatus"] == 5  # refused as a whole: nothing half-done
    code, out, _ = cli(tmp_path, "retry", "jobsub01#100.0", "jobsub01#555.0", "--yes")
    assert code == 1
    assert "ok     released jobsub01#100.0\n" in out
    assert "FAILED jobsub01#555.0 no longer exists" in out
    code, out, _ = cli(tmp_path, "retry", "jobsub01#100.1", "--debug", "--yes")
    assert code == 0 and "ok     released jobsub01#100.1 after editing Environment, RequestMemory" in out
    code, out, _ = cli(tmp_path, "retry", "jobsub01#90.0", "--yes", "--json")
    (r,) = json.loads(out)
    assert code == 0 and r["mode"] == "resubmit" and r["new_job_id"].startswith("jobsub01#")
    code, out, _ = cli(tmp_path, "actions")
    assert code == 0 and out.splitlines()[0].split()[3:5] == ["retry", "1"]
    lines = out.splitlines()
    assert len(lines) == 3 and "retry with debug        1 job" in lines[1] and "1 of 2 retried" in lines[2]
    code, _, err = cli(tmp_path, "retry", "nonsense", "--yes")
    assert code == 2 and "not a job id: 'nonsense'" in err


def test_bigger_memory_follows_the_request_or_the_peak_use(held_ad: dict[str, Any]) -> None:
    from opgtui.domain.retry import bigger_memory

    assert bigger_memory({"RequestMemory": 2000}) == 3072  # 1.5x, rounded up to 512 MB
    assert bigger_memory({"RequestMemory": 2000, "ResidentSetSize": 4_000_000}) == 5120  # 1.25x of 3906 MB used
    assert bigger_memory({"RequestMemory": "/Expr(ifThenElse(MemoryUsage > 2000, 4000, 2000))/"}) is None
    plan = plan_retry(held_ad, "s#1.0", bigger=True)  # the real CHTC job held at its 16 GB docker limit
    assert plan.edits == {"RequestMemory": 24576} and plan.changes["RequestMemory"] == [16384, 24576]
    both = plan_retry(held_ad, "s#1.0", profile=PROFILE, bigger=True)  # the larger of profile and sizing wins
    assert both.edits["RequestMemory"] == 24576 and "Environment" in both.edits
    with pytest.raises(RetryRefused, match="cannot size it up"):
        plan_retry({"JobStatus": 5}, "s#1.0", bigger=True)


def test_retry_with_more_memory_through_the_worker_and_the_cli(tmp_path: Path, pool: Path, store: Any) -> None:
    code, out, _ = cli(tmp_path, "retry", "jobsub01#100.1", "--bigger", "--dry-run")
    assert code == 0 and "RequestMemory: 16384 -> 24576" in out
    code, out, _ = cli(tmp_path, "retry", "jobsub01#100.1", "--bigger", "--yes")
    assert code == 0, out
    job = queue(pool)["100.1"]
    assert job["JobStatus"] == 1 and job["RequestMemory"] == 24576
    assert store.action_log()[-1]["action"] == "retry + memory"


@pytest.mark.parametrize("bad", ["nonsense#x", "jobsub01#12", "jobsub01#1.x", "#1.0", "1.0@"])
def test_a_dry_run_refuses_the_ids_the_real_run_refuses(tmp_path: Path, pool: Path, store: Any, bad: str) -> None:
    code, out, err = cli(tmp_path, "retry", "jobsub01#100.0", bad, "--dry-run")
    assert code == 2 and err.startswith("opgtui: not a job id: ") and out == ""
    code, _, err2 = cli(tmp_path, "retry", "jobsub01#100.0", bad, "--yes")
    assert code == 2 and err2 == err
