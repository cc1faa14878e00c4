"""Live HTCondor through the real worker processes and real classad2 evaluation; a Schedd double serving
recorded ads stands in for the daemons: constraints, projections, history watermarks, unreachable and
hanging schedds, and the real binding's own answer when no pool is configured."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import classad2
import pytest

from opgtui.config import PoolConfig
from opgtui.sources.condor import (
    NO_POOL_HINT,
    decode_watermark,
    encode_watermark,
    pool_constraint,
    query_pool,
)
from opgtui.sources.dumps import load_files
from opgtui.sources.jobrecord import ATTRS

DATA = Path(__file__).parent / "data" / "condor"
TESTS = Path(__file__).parent
NOW = int(time.time())


def held_ad() -> dict[str, Any]:
    """The real CHTC held job (code 34), in -json layout."""
    return load_files([DATA / "chtc_held_docker_memory.long.ad"]).ads.popitem()[1]


def done(cluster: int, proc: int, ago_h: float, owner: str = "novapro") -> dict[str, Any]:
    return dict(
        held_ad(),
        ClusterId=cluster,
        ProcId=proc,
        JobStatus=4,
        ExitCode=0,
        Owner=owner,
        AccountingGroup=f"group_nova.prod.{owner}",
        EnteredCurrentStatus=int(NOW - ago_h * 3600),
        GlobalJobId=f"jobsub01#{cluster}.{proc}#1",
    )


@pytest.fixture
def pool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPGTUI_SCHEDD_FACTORY", "schedd_double:make")
    monkeypatch.setenv("OPGTUI_DOUBLE_DIR", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    held = held_ad()
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
    other = [dict(held, ClusterId=200, ProcId=0, Owner="someone", AccountingGroup="group_novax.ana.someone")]
    (tmp_path / "jobsub01.json").write_text(json.dumps([*nova, *other]))
    # the history file, oldest record first: one from before the 24 h window, then three inside it
    hist = [done(40, 0, 48), done(50, 0, 3), done(60, 0, 2), done(70, 0, 1)]
    (tmp_path / "jobsub01.history.json").write_text(json.dumps(hist))
    (tmp_path / "jobsub02.json").write_text(
        json.dumps([dict(held, ClusterId=300, ProcId=0, Owner="novapro", AccountingGroup="group_nova.prod.novapro")])
    )
    return tmp_path


def evaluate(constraint: str, ad: dict[str, Any]) -> bool:
    return classad2.ExprTree(constraint).eval(classad2.ClassAd(ad)) is True


def test_constraint_quotes_config_values_so_they_cannot_change_it() -> None:
    hostile = 'x" || true || "'
    c = pool_constraint(PoolConfig("p", schedds=["s"], owners=[hostile, "novapro"]))
    assert evaluate(c, {"Owner": hostile}) and evaluate(c, {"Owner": "novapro"})
    assert not evaluate(c, {"Owner": "dunepro"}) and not evaluate(c, {})
    backslash = pool_constraint(PoolConfig("p", schedds=["s"], batch_names=["a\\"]))
    assert evaluate(backslash, {"JobBatchName": "a\\"})
    assert pool_constraint(PoolConfig("p", schedds=["s"])) == "true"


def test_constraint_lists_or_inside_and_between() -> None:
    pool = PoolConfig(
        "p",
        schedds=["s"],
        owners=["novapro"],
        acct_groups=["group_nova"],
        batch_names=["reco_keepup"],
        constraint="NumJobStarts > 1",
    )
    c = pool_constraint(pool)
    job = {
        "Owner": "novapro",
        "AccountingGroup": "group_nova.prod.novapro",
        "JobBatchName": "reco_keepup",
        "NumJobStarts": 2,
    }
    assert evaluate(c, job)
    assert evaluate(c, dict(job, AccountingGroup="group_nova"))
    for change in (
        {"AccountingGroup": "group_novax.prod"},
        {"Owner": "dunepro"},
        {"NumJobStarts": 1},
        {"JobBatchName": "calib"},
    ):
        assert not evaluate(c, {**job, **change}), change
    assert not evaluate(c, {k: v for k, v in job.items() if k != "AccountingGroup"})


def test_watermark_round_trip() -> None:
    assert decode_watermark(encode_watermark(71000123, 499) or 0) == "71000123.499"
    assert encode_watermark(5, 10**8) is None


def test_query_selects_projects_and_reads_history_since_a_watermark(pool_dir: Path) -> None:
    pool = PoolConfig("fermigrid", schedds=["jobsub01", "jobsub02"], owners=["novapro"], acct_groups=["group_nova"])
    r1, r2 = asyncio.run(query_pool(pool))
    assert r1.ok and r1.error is None and r2.ok
    # queue: the three novapro jobs (not someone's group_novax job); history: the 24 h window only
    assert sorted(j.id for j in r1.jobs) == [
        "jobsub01#100.0",
        "jobsub01#100.1",
        "jobsub01#100.2",
        "jobsub01#50.0",
        "jobsub01#60.0",
        "jobsub01#70.0",
    ]
    assert r1.watermark == encode_watermark(70, 0)  # the newest history record
    held = next(j for j in r1.jobs if j.id == "jobsub01#100.0")
    assert held.hold_code == 34 and held.site == "chtc.wisc.edu" and held.batch_name == "reco_keepup"
    assert held.source == "schedd jobsub01" and held.updated is not None
    attrs = {a.lower() for a in ATTRS}
    assert all({k.lower() for k in ad} <= attrs for ad in r1.ads.values())  # the projection was applied
    assert [j.id for j in r2.jobs] == ["jobsub02#300.0"]

    # more procs of the same cluster and a new cluster finish: all of them, and only them, come next time
    path = pool_dir / "jobsub01.history.json"
    path.write_text(json.dumps([*json.loads(path.read_text()), done(70, 1, 0.5), done(70, 2, 0.4), done(71, 0, 0.1)]))
    (again, _) = asyncio.run(query_pool(pool, since={"jobsub01": r1.watermark or 0}))
    history = sorted(j.id for j in again.jobs if j.status == 4)
    assert history == ["jobsub01#70.1", "jobsub01#70.2", "jobsub01#71.0"]
    assert again.watermark == encode_watermark(71, 0)
    (quiet, _) = asyncio.run(query_pool(pool, since={"jobsub01": again.watermark or 0}))
    assert [j for j in quiet.jobs if j.status == 4] == [] and quiet.watermark == again.watermark


def test_the_double_has_the_bindings_since_quirk(pool_dir: Path) -> None:
    from schedd_double import ScheddDouble

    schedd = ScheddDouble("jobsub01")
    assert [ad["ClusterId"] for ad in schedd.history(since=60)] == [70]
    assert schedd.history(since="60") == []  # DESIGN: a string of digits is an always-true expression
    assert [ad["ClusterId"] for ad in schedd.history(since="60.0")] == [70]
    assert [ad["ClusterId"] for ad in schedd.history("ClusterId > 45", ["ClusterId"])] == [70, 60, 50]
    assert dict(schedd.history(projection=["ClusterId"], match=1)[0]) == {"ClusterId": 70}
    assert len(schedd.query('JobBatchName == "reco_keepup" && ProcId >= 1')) == 2
    assert len(schedd.query("NoSuchAttribute == 1")) == 0  # Undefined does not select


def test_unreachable_schedd_leaves_the_others_working(pool_dir: Path) -> None:
    (pool_dir / "jobsub02.unreachable").write_text(
        "Failed to fetch ads from schedd, errmsg=CEDAR:6001:Failed to connect to <131.225.0.9:9615>\n"
    )
    pool = PoolConfig("fermigrid", schedds=["jobsub01", "jobsub02", "jobsub99"], timeout=20)
    results = {r.schedd: r for r in asyncio.run(query_pool(pool))}
    assert results["jobsub01"].ok and len(results["jobsub01"].jobs) == 7
    assert results["jobsub02"].error == (
        "HTCondorException: Failed to fetch ads from schedd, errmsg=CEDAR:6001:Failed to connect to <131.225.0.9:9615>"
    )
    bad = results["jobsub99"]
    assert not bad.ok and "jobsub99" in (bad.error or "") and "\n" not in (bad.error or "")
    assert bad.jobs == [] and bad.watermark is None


def test_a_hanging_schedd_times_out_and_the_others_answer(pool_dir: Path) -> None:
    (pool_dir / "jobsub02.hang").touch()
    started = time.monotonic()
    results = {
        r.schedd: r for r in asyncio.run(query_pool(PoolConfig("p", schedds=["jobsub01", "jobsub02"], timeout=2.0)))
    }
    assert time.monotonic() - started < 6
    assert results["jobsub02"].error == "no answer within 2s" and not results["jobsub02"].ok
    assert results["jobsub01"].ok and len(results["jobsub01"].jobs) == 7


def test_the_collector_finds_the_schedds(pool_dir: Path) -> None:
    results = asyncio.run(query_pool(PoolConfig("p", collector="cm.example.org")))
    assert sorted(r.schedd for r in results) == ["jobsub01", "jobsub02"]
    assert all(r.ok for r in results)


def test_no_pool_configured_says_what_to_configure(pool_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (r,) = asyncio.run(query_pool(PoolConfig("p")))
    assert not r.ok and r.error == NO_POOL_HINT
    # the real binding, no HTCondor config at all: its own message, then what to do
    monkeypatch.delenv("OPGTUI_SCHEDD_FACTORY")
    monkeypatch.setenv("CONDOR_CONFIG", "ONLY_ENV")
    (r,) = asyncio.run(query_pool(PoolConfig("p", schedds=["jobsub01.fnal.gov"], timeout=20)))
    assert not r.ok and (r.error or "").startswith("HTCondorException: ")
    assert (r.error or "").endswith(f"({NO_POOL_HINT})")


def test_the_real_binding_reports_an_unreachable_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPGTUI_SCHEDD_FACTORY", raising=False)
    monkeypatch.setenv("CONDOR_CONFIG", "ONLY_ENV")
    (r,) = asyncio.run(query_pool(PoolConfig("p", collector="127.0.0.1:1", timeout=20)))
    assert not r.ok and r.schedd == "127.0.0.1:1"
    assert (r.error or "").startswith("collector 127.0.0.1:1: HTCondorException: ")
