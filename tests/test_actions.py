"""release / hold / remove through the real worker processes against the Schedd double (and once against the
real binding): grouping per schedd, HTCondor's counts and refusals verbatim, the reason reaching the job."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import htcondor2
import pytest

from opgtui.config import PoolConfig
from opgtui.ops.actions import act, by_schedd, describe
from opgtui.sources.condor import query_pool
from opgtui.sources.dumps import load_files

DATA = Path(__file__).parent / "data" / "condor"
TESTS = Path(__file__).parent


@pytest.fixture
def pool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPGTUI_SCHEDD_FACTORY", "schedd_double:make")
    monkeypatch.setenv("OPGTUI_DOUBLE_DIR", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    held = load_files([DATA / "chtc_held_docker_memory.long.ad"]).ads.popitem()[1]
    nova = [
        dict(
            held,
            ClusterId=100,
            ProcId=p,
            Owner="novapro",
            AccountingGroup="group_nova.prod.novapro",
            JobBatchName="reco_keepup",
        )
        for p in range(3)
    ]
    running = dict(held, ClusterId=101, ProcId=0, Owner="novapro", JobStatus=2, JobBatchName="calib")
    other = dict(held, ClusterId=200, ProcId=0, Owner="someone")
    (tmp_path / "jobsub01.json").write_text(json.dumps([*nova, running, other]))
    (tmp_path / "jobsub02.json").write_text(json.dumps([dict(held, ClusterId=300, ProcId=0, Owner="novapro")]))
    return tmp_path


def queue(pool_dir: Path, schedd: str = "jobsub01") -> dict[tuple[int, int], dict[str, Any]]:
    return {(a["ClusterId"], a["ProcId"]): a for a in json.loads((pool_dir / f"{schedd}.json").read_text())}


def test_ids_are_grouped_per_schedd_and_checked() -> None:
    ids = ["jobsub01#100.0", "jobsub01#200.0", "jobsub02#300.0", "jobsub01#999.0"]
    assert by_schedd(ids) == {"jobsub01": ["100.0", "200.0", "999.0"], "jobsub02": ["300.0"]}
    for bad in ("100.0", "jobsub01#100", "jobsub01#x.0", "jobsub01#1.0 || true"):
        with pytest.raises(ValueError, match="not a job id"):
            by_schedd([bad])
    with pytest.raises(ValueError, match="unknown action"):
        asyncio.run(act("vacate", ids, reason="x"))  # type: ignore[arg-type]
    assert describe({"TotalSuccess": 2, "TotalNotFound": 0, "TotalPermissionDenied": 1}) == (
        2,
        "Success: 2, PermissionDenied: 1",
        {"TotalSuccess": 2, "TotalPermissionDenied": 1},
    )


def test_release_reports_htcondors_counts_per_schedd(pool_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPGTUI_DOUBLE_OWNER", "novapro")
    ids = ["jobsub01#100.0", "jobsub01#200.0", "jobsub02#300.0", "jobsub01#999.0", "jobsub01#101.0"]
    results = {r.schedd: r for r in asyncio.run(act("release", ids, reason="SAM is back"))}
    assert results["jobsub02"].ok and results["jobsub02"].done == 1
    assert results["jobsub02"].message == "release 1 job: Success: 1"
    r1 = results["jobsub01"]
    assert not r1.ok and r1.done == 1
    assert r1.message == "release 4 jobs: Success: 1, NotFound: 1, PermissionDenied: 1, BadStatus: 1"
    q = queue(pool_dir)
    assert q[100, 0]["JobStatus"] == 1 and q[100, 0]["LastHoldReasonCode"] == 34
    assert q[100, 1]["JobStatus"] == 5 and q[200, 0]["JobStatus"] == 5 and q[101, 0]["JobStatus"] == 2


def test_the_reason_reaches_the_job(pool_dir: Path) -> None:
    (r,) = asyncio.run(act("hold", ["jobsub01#101.0"], reason="opgtui: hold by shifter (SAM outage)"))
    assert r.ok and r.done == 1
    assert queue(pool_dir)[101, 0]["HoldReason"] == "opgtui: hold by shifter (SAM outage)"


def test_the_double_drops_a_plain_string_reason_like_the_binding(pool_dir: Path) -> None:
    from schedd_double import ScheddDouble

    ScheddDouble("jobsub01").act(htcondor2.JobAction.Hold, ["101.0"], "lost")
    assert queue(pool_dir)[101, 0]["HoldReason"] is None


def test_remove_moves_the_job_to_the_history(pool_dir: Path) -> None:
    (r,) = asyncio.run(act("remove", ["jobsub01#100.2"], reason="bad input file"))
    assert r.ok
    assert (100, 2) not in queue(pool_dir)
    (res, _) = asyncio.run(query_pool(PoolConfig("p", schedds=["jobsub01", "jobsub02"])))
    removed = next(j for j in res.jobs if j.id == "jobsub01#100.2")
    assert removed.status == 3 and res.ads[removed.id]["EnteredCurrentStatus"] > 0


def test_a_refusal_is_reported_verbatim(pool_dir: Path) -> None:
    text = 'SECMAN:2010:Received "DENIED" from server for user dunepro using method FS.'
    (pool_dir / "jobsub02.refuse").write_text(text)
    results = {r.schedd: r for r in asyncio.run(act("remove", ["jobsub01#100.0", "jobsub02#300.0"], reason="x"))}
    assert results["jobsub01"].ok
    assert not results["jobsub02"].ok and results["jobsub02"].message == f"HTCondorException: {text}"
    assert (300, 0) in queue(pool_dir, "jobsub02")


def test_the_real_binding_answer_when_the_schedd_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPGTUI_SCHEDD_FACTORY", raising=False)
    monkeypatch.setenv("CONDOR_CONFIG", "ONLY_ENV")
    (r,) = asyncio.run(
        act(
            "release",
            ["jobsub01.fnal.gov#1.0"],
            reason="x",
            timeout=20,
            schedd_addresses={"jobsub01.fnal.gov": "<127.0.0.1:1>"},
        )
    )
    assert not r.ok and r.schedd == "jobsub01.fnal.gov"
    assert r.message.startswith("HTCondorException: ")


async def held_jobs_marked(pool_dir: Path, pilot: Any, app: Any) -> None:
    """`2 h`, two held jobs marked, R: the release dialog for them."""
    from opgtui.widgets.job_table import JobTable

    await pilot.press("2")
    await pilot.pause(0.5)
    await pilot.press("h")  # held only
    await pilot.pause()
    app.screen.query_one(JobTable).focus()
    await pilot.press("space", "space", "R")
    await dialog_open(pilot, app)
    assert "Release 2 jobs?" in str(app.screen.message)


async def dialog_open(pilot: Any, app: Any) -> None:
    """Wait for the dialog: its text is gathered in a worker (off the UI thread), then it shows."""
    from opgtui.screens.confirm import ConfirmScreen

    for _ in range(50):
        await pilot.pause(0.05)
        if isinstance(app.screen, ConfirmScreen):
            return
    raise AssertionError(f"no dialog: {type(app.screen).__name__}")


async def dashboard(pool_dir: Path) -> tuple[Any, Any]:
    """The App on a store filled from the double's jobsub01, and the store."""
    from opgtui.app import OpgApp
    from opgtui.config import Config
    from opgtui.store import open_store

    cfg = Config(store=pool_dir / "s.db", pools=[PoolConfig("fermigrid", schedds=["jobsub01"])])
    store = open_store(cfg.store)
    (r,) = await query_pool(cfg.pools[0])
    store.upsert_jobs(r.jobs, r.ads)
    return OpgApp(cfg, store, refresh_loop=False), store


async def answered(pilot: Any, store: Any) -> list[dict[str, Any]]:
    for _ in range(100):
        await pilot.pause(0.1)
        if store.action_log():
            break
    return store.action_log()


async def test_release_from_the_jobs_view_asks_then_reports_htcondor(
    pool_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPGTUI_DOUBLE_OWNER", "novapro")
    app, store = await dashboard(pool_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await held_jobs_marked(pool_dir, pilot, app)
        assert app.focused is not None and app.focused.id == "cancel"  # a stray Enter does nothing harmful
        await pilot.press("tab", "enter")
        (logged,) = await answered(pilot, store)
        assert logged["action"] == "release" and len(logged["job_ids"]) == 2
        assert "jobsub01: " in logged["result"]


async def test_a_second_confirmation_while_the_release_runs_acts_once(
    pool_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R y R y in quick succession: HTCondor is asked once, the action log has one entry, the UI stays live."""
    from opgtui.screens.confirm import ConfirmScreen

    monkeypatch.setenv("OPGTUI_DOUBLE_OWNER", "novapro")
    (pool_dir / "jobsub01.slow-act").write_text("2")  # the schedd takes 2 s to answer
    app, store = await dashboard(pool_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await held_jobs_marked(pool_dir, pilot, app)
        await pilot.press("y")  # the release starts in a worker: the dialog is gone at once
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("R")
        await dialog_open(pilot, app)
        await pilot.press("y")
        await pilot.pause()
        assert any(
            "release of 2 jobs is still running: not sent again" in str(n.message) for n in app._notifications
        ), ([str(n.message) for n in app._notifications], store.action_log())
        await answered(pilot, store)
        await pilot.pause(0.5)
        (logged,) = store.action_log()
        assert logged["action"] == "release" and "jobsub01: ok release 2 jobs: Success: 2" in logged["result"]
