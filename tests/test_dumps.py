"""Recorded dumps and event logs through the real parsers: real ads give the shifter's fields; bad input
names the file and line and keeps the good ads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from opgtui.model import JobStatus
from opgtui.sources.dumps import literal, load_files
from opgtui.sources.jobrecord import job_from_ad

DATA = Path(__file__).parent / "data" / "condor"


def test_real_fifebatch_dune_jobs() -> None:
    result = load_files([DATA / "fifebatch_completed_2017.long"])
    assert result.errors == []
    jobs = {j.id: j for j in result.jobs}
    j = jobs["fifebatch1.fnal.gov#14158503.10"]
    assert (j.owner, j.site, j.last_host, j.experiment) == ("jmalbos", "FNAL_GPGrid", "fnpc4108.fnal.gov", "dune")
    assert j.submit_time == 1486408089 and j.end_time == 1486408342
    assert j.cpu_sys == 6.0
    assert j.status is None  # the trimmed ad has no JobStatus: absent, not invented
    assert result.ads[j.id]["x509UserProxyVOName"] == "dune"


def test_long_and_json_of_the_same_ads_agree() -> None:
    long = {j.id: j for j in load_files([DATA / "fifebatch_completed_2017.long"]).jobs}
    js = {j.id: j for j in load_files([DATA / "fifebatch_completed_2017.derived.json"]).jobs}
    assert long.keys() == js.keys()
    for key in long:
        a, b = long[key], js[key]
        a.source = b.source = a.updated = b.updated = None
        assert a == b


def test_real_held_job_with_expressions() -> None:
    (j,) = load_files([DATA / "chtc_held_docker_memory.long.ad"]).jobs
    assert j.status == JobStatus.HELD and j.hold_code == 34 and j.hold_subcode == 0
    assert "Docker job has gone over memory limit of 16384 Mb" in (j.hold_reason or "")
    assert j.last_host == "e301.chtc.wisc.edu"
    assert j.stdout and j.stdout.startswith("/home/erees/autometa_runs/") and j.stdout.endswith(".out")
    assert j.efficiency is not None and 0 < j.efficiency < 1


def test_event_log_jobs_and_events() -> None:
    result = load_files([DATA / "tiny_problems.dag.nodes.log"])
    assert result.errors == []
    by_id = {j.id: j for j in result.jobs}
    assert all(i.startswith("test02#") for i in by_id)  # schedd from the submit host's alias
    failed = [j for j in result.jobs if j.status == JobStatus.COMPLETED and j.exit_code == 1]
    assert failed, "the DAG log has nodes that returned 1"
    assert {e.type for e in result.events} >= {"SUBMIT", "EXECUTE", "JOB_TERMINATED"}


def test_truncated_dump_keeps_the_good_ads_and_names_the_line(tmp_path: Path) -> None:
    text = (DATA / "fifebatch_completed_2017.long").read_text()
    cut = text[: text.rindex('Owner = "') + len('Owner = "lebr')]  # mid-string in the second ad
    bad = tmp_path / "cut.long"
    bad.write_text(cut)
    result = load_files([bad])
    assert [j.id for j in result.jobs] == ["fifebatch1.fnal.gov#14158503.10"]
    line = cut.count("\n") + 1
    assert result.errors == [f"{bad}:{line}: Owner: unterminated string (truncated dump?)"]


def test_not_classads_and_missing_files(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello shifter\nthis is not a dump\n")
    result = load_files([junk, tmp_path / "missing.long", DATA / "test.old.ad"])
    assert len(result.jobs) == 1
    assert result.errors[0].startswith(f"{junk}:1: not a ClassAd attribute line")
    assert result.errors[1].startswith(f"{tmp_path / 'missing.long'}: cannot read")


def test_truncated_json_keeps_complete_ads(tmp_path: Path) -> None:
    data = (DATA / "fifebatch_completed_2017.derived.json").read_text()
    bad = tmp_path / "cut.json"
    bad.write_text(data[: int(len(data) * 0.8)])
    result = load_files([bad])
    assert len(result.jobs) == 1 and "not valid JSON" in result.errors[0]


def test_wrong_types_leave_the_field_blank() -> None:
    j = job_from_ad({"ClusterId": 5, "ProcId": 0, "GlobalJobId": "s#5.0#1", "ExitCode": "137", "JobStatus": 4,
                     "RemoteWallClockTime": "long", "Owner": 17, "HoldReasonCode": 3.5})
    assert (j.exit_code, j.wall, j.owner, j.hold_code, j.status) == (None, None, None, None, 4)


@pytest.mark.parametrize(("text", "value"), [
    ('"a \\"quoted\\" word"', 'a "quoted" word'), ("42", 42), ("-1.5", -1.5), ("true", True), ("FALSE", False),
    ("undefined", None), ("1e3", 1000.0),
])
def test_literals(text: str, value: object) -> None:
    assert literal(text) == value


def test_expression_attributes_are_evaluated_with_classad2(tmp_path: Path) -> None:
    ad = tmp_path / "expr.long"
    ad.write_text('ClusterId = 7\nProcId = 1\nGlobalJobId = "s#7.1#1"\nMemoryUsage = 900\n'
                  "RequestMemory = ifThenElse(MemoryUsage =!= undefined, MemoryUsage * 2, 512)\n"
                  'Requirements = (TARGET.Arch == "X86_64")\n')
    (j,) = load_files([ad]).jobs
    assert j.memory_request_mb == 1800


def test_dump_and_event_log_of_one_job_merge(tmp_path: Path) -> None:
    log = tmp_path / "copy.log"
    shutil.copy(DATA / "tiny_problems.dag.nodes.log", log)
    result = load_files([log, log])
    assert len({j.id for j in result.jobs}) == len(result.jobs)
