"""Live HTCondor through the real worker processes and the real classad2 evaluation (a Schedd double
stands in for the daemons): constraints, projections, history watermarks, unreachable schedds, actions."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from opgtui.actions import act, by_schedd
from opgtui.config import PoolConfig
from opgtui.sources.condor import pool_constraint, query_pool
from opgtui.sources.dumps import load_files

DATA = Path(__file__).parent / "data" / "condor"
TESTS = Path(__file__).parent


@pytest.fixture
def pool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPGTUI_SCHEDD_FACTORY", "schedd_double:make")
    monkeypatch.setenv("OPGTUI_DOUBLE_DIR", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    held = load_files([DATA / "chtc_held_docker_memory.long.ad"]).ads.popitem()[1]
    nova = [dict(held, ClusterId=100, ProcId=p, Owner="novapro", AccountingGroup="group_nova.prod.novapro",
                 JobBatchName="reco_keepup") for p in range(3)]
    other = [dict(held, ClusterId=200, ProcId=0, Owner="someone", AccountingGroup="group_dune.ana.someone")]
    (tmp_path / "jobsub01.json").write_text(json.dumps([*nova, *other]))
    hist = [dict(held, ClusterId=c, ProcId=0, JobStatus=4, ExitCode=0, Owner="novapro",
                 AccountingGroup="group_nova.prod.novapro") for c in (50, 60, 70)]
    (tmp_path / "jobsub01.history.json").write_text(json.dumps(hist))
    (tmp_path / "jobsub02.json").write_text(json.dumps([dict(held, ClusterId=300, ProcId=0, Owner="novapro")]))
    return tmp_path


def test_constraint_quotes_config_values() -> None:
    pool = PoolConfig("p", schedds=["s"], owners=['nova"pro'], acct_groups=["group_nova"],
                      constraint="NumJobStarts > 1")
    c = pool_constraint(pool)
    assert 'Owner == "nova\\"pro"' in c and 'regexp("^group_nova([.]|$)", AccountingGroup)' in c
    assert c.endswith("(NumJobStarts > 1)")
    assert pool_constraint(PoolConfig("p", schedds=["s"])) == "true"


def test_query_selects_with_classad2_and_keeps_a_watermark(pool_dir: Path) -> None:
    pool = PoolConfig("fermigrid", schedds=["jobsub01", "jobsub02"], owners=["novapro"], acct_groups=["group_nova"])
    (r1, r2) = asyncio.run(query_pool(pool))
    assert r1.ok and r1.error is None
    assert sorted(j.id for j in r1.jobs) == ["jobsub01#100.0", "jobsub01#100.1", "jobsub01#100.2",
                                             "jobsub01#50.0", "jobsub01#60.0", "jobsub01#70.0"]
    assert r1.watermark == 70
    held = next(j for j in r1.jobs if j.id == "jobsub01#100.0")
    assert held.hold_code == 34 and held.site == "chtc.wisc.edu" and held.batch_name == "reco_keepup"
    assert set(r1.ads["jobsub01#100.0"]) <= set(__import__("opgtui.sources.jobrecord").sources.jobrecord.ATTRS)
    assert not r2.ok or r2.jobs == []  # jobsub02's only job has no AccountingGroup: not selected
    (again, _) = asyncio.run(query_pool(pool, since={"jobsub01": 70}))
    assert {j.id for j in again.jobs} == {"jobsub01#100.0", "jobsub01#100.1", "jobsub01#100.2"}


def test_unreachable_schedd_leaves_the_others_working(pool_dir: Path) -> None:
    pool = PoolConfig("fermigrid", schedds=["jobsub01", "jobsub99"], timeout=20)
    started = time.monotonic()
    results = {r.schedd: r for r in asyncio.run(query_pool(pool))}
    assert results["jobsub01"].ok and len(results["jobsub01"].jobs) == 7
    bad = results["jobsub99"]
    assert not bad.ok and "jobsub99" in (bad.error or "") and "\n" not in (bad.error or "")
    assert time.monotonic() - started < 15


def test_a_hanging_schedd_times_out(pool_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPGTUI_SCHEDD_FACTORY", "schedd_double:hang")  # the worker "connects" forever
    (r,) = asyncio.run(query_pool(PoolConfig("p", schedds=["slow"], timeout=1.0)))
    assert not r.ok and r.error == "no answer within 1s"


def test_collector_finds_the_schedds(pool_dir: Path) -> None:
    results = asyncio.run(query_pool(PoolConfig("p", collector="cm.example.org")))
    assert sorted(r.schedd for r in results) == ["jobsub01", "jobsub02"]


def test_actions_and_htcondor_refusals_verbatim(pool_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = ["jobsub01#100.0", "jobsub01#200.0", "jobsub02#300.0", "jobsub01#999.0"]
    assert by_schedd(ids) == {"jobsub01": ["100.0", "200.0", "999.0"], "jobsub02": ["300.0"]}
    monkeypatch.setenv("OPGTUI_DOUBLE_OWNER", "novapro")
    results = {r.schedd: r for r in asyncio.run(act("release", ids, reason="SAM is back"))}
    assert results["jobsub02"].ok and results["jobsub02"].done == 1
    r1 = results["jobsub01"]
    assert not r1.ok and r1.done == 1
    assert "PermissionDenied: 1" in r1.message and "NotFound: 1" in r1.message
    queue = {(a["ClusterId"], a["ProcId"]): a for a in json.loads((pool_dir / "jobsub01.json").read_text())}
    assert queue[100, 0]["JobStatus"] == 1 and queue[100, 1]["JobStatus"] == 5 and queue[200, 0]["JobStatus"] == 5
    with pytest.raises(ValueError, match="not a job id"):
        by_schedd(["100.0"])


async def test_release_from_the_jobs_view_asks_then_reports_htcondor(pool_dir: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from opgtui.app import OpgApp
    from opgtui.config import Config
    from opgtui.screens.confirm import ConfirmScreen
    from opgtui.store import open_store

    monkeypatch.setenv("OPGTUI_DOUBLE_OWNER", "novapro")
    cfg = Config(store=pool_dir / "s.db", pools=[PoolConfig("fermigrid", schedds=["jobsub01"])])
    store = open_store(cfg.store)
    (r,) = await query_pool(cfg.pools[0])
    store.upsert_jobs(r.jobs, r.ads)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        await pilot.press("h")  # held only
        await pilot.pause()
        from opgtui.widgets.job_table import JobTable

        table = app.screen.query_one(JobTable)
        table.focus()
        await pilot.press("space", "space")
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Release 2 jobs?" in str(app.screen.message)
        assert app.focused is not None and app.focused.id == "cancel"  # a stray Enter does nothing harmful
        await pilot.press("tab", "enter")
        for _ in range(100):
            await pilot.pause(0.1)
            if store.action_log():
                break
        (logged,) = store.action_log()
        assert logged["action"] == "release" and len(logged["job_ids"]) == 2
        assert "jobsub01: " in logged["result"]
