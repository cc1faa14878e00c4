"""Times and numbers are bounded where they come in, as the feeds' parse_time bounds theirs (1970 to 9999): an ad's
CompletionDate of 1e13, a RemoteUserCpu of 1e400 (``Infinity`` in a -json dump) and the stages a job chirps at such
times are dropped (None), never stored; the ad and its other values are kept."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from test_hostile_population import AD, FAILED_ID, HOST, hostile_ads

from opgtui.domain.phases import parse_chirp, parse_log, parse_marker, phases_from_ad, sync_from_ads
from opgtui.sources.dumps import load_files
from opgtui.sources.jobrecord import job_from_ad
from opgtui.store import open_store

END_OF_9999 = 253402300799.0
INF, NAN = float("inf"), float("nan")


def _ad(**values: Any) -> dict[str, Any]:
    ad = copy.deepcopy(json.loads(AD.read_text(encoding="utf-8"))[0])
    ad.update(values)
    return ad


@pytest.mark.parametrize(
    "bad", [1e13, INF, NAN, 10**30, END_OF_9999 + 1], ids=["1e13", "inf", "nan", "10**30", "10000"]
)
def test_a_time_no_calendar_holds_is_dropped_and_the_rest_of_the_ad_kept(bad: float) -> None:
    job = job_from_ad(
        _ad(CompletionDate=bad, JobCurrentStartDate=bad, EnteredCurrentStatus=bad, QDate=bad, JobStatus=None)
    )
    assert (job.end_time, job.start_time, job.status_since, job.submit_time) == (None, None, None, None)
    assert job.id == "fifebatch1.fnal.gov#14158503.10" and job.owner == "jmalbos" and job.cpu_sys == 6.0
    if bad > 0:  # NaN is no completion at all; 1e13 and inf still say the job finished, and how
        assert job.status == 4 and job.exit_code == 0


def test_the_last_second_of_9999_is_a_time_and_a_later_start_date_none() -> None:
    job = job_from_ad(_ad(CompletionDate=END_OF_9999, QDate=1486408089, JobStartDate=1486408100))
    assert job.end_time == END_OF_9999 and job.submit_time == 1486408089.0
    assert job.start_time == 1486408188.0  # JobCurrentStartDate as recorded
    assert job_from_ad(_ad(JobCurrentStartDate=0, JobStartDate=1e13)).start_time is None


@pytest.mark.parametrize("bad", [INF, -INF, NAN])
def test_a_number_that_is_no_number_is_dropped(bad: float) -> None:
    job = job_from_ad(
        _ad(
            RemoteUserCpu=bad,
            RemoteSysCpu=bad,
            CumulativeRemoteUserCpu=bad,
            RemoteWallClockTime=bad,
            MemoryUsage=bad,
            ResidentSetSize=bad,
            BytesRecvd=bad,
            BytesSent=bad,
            RequestMemory=bad,
            DiskUsage=bad,
        )
    )
    values = (job.cpu_user, job.cpu_sys, job.wall, job.memory_used_mb, job.bytes_in, job.bytes_out)
    assert values == (None,) * 6 and (job.memory_request_mb, job.disk_used_kb) == (None, None)
    assert job_from_ad(_ad(RemoteUserCpu=12.5, CumulativeRemoteUserCpu=INF)).cpu_user == 12.5


def test_a_dump_with_infinity_and_1e13_stores_no_such_value(tmp_path: Path) -> None:
    """The recorded hostile ads as a -json dump: job 0's CompletionDate 1e13 and RemoteUserCpu 1e400 (Infinity in
    the dump) are not kept; its failure, host and batch are, and its stages chirped at no time are no stages."""
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps(hostile_ads()), encoding="utf-8")
    loaded = load_files([dump])
    job = next(j for j in loaded.jobs if j.id == FAILED_ID.format(0))
    assert (job.end_time, job.cpu_user) == (None, None) and job.cpu_sys == 6.0
    assert job.exit_code == 1 and job.status == 4 and job.last_host == HOST
    with open_store(tmp_path / "s.db") as store:
        store.upsert_jobs(loaded.jobs, dict(loaded.ads))  # type: ignore[arg-type]
        sync_from_ads(store)
        stored = store.job(job.id)
        assert stored is not None and (stored.end_time, stored.cpu_user) == (None, None)
        assert store.phase_rows(job.id) == []


def test_stages_chirped_at_no_time_are_dropped_and_the_others_kept() -> None:
    """1e13, 1e400 and nan are no time; a CPU time of nan or inf and a status of 40 digits are no value."""
    raw = (
        "start,reco,10000000000000,0;end,reco,1e400,nan;start,x,nan,1;end,x,-inf,1;"
        "start,fetch,1486408200,inf;end,fetch,1486408260,12.5," + "9" * 40 + ";start,late,253402300800,0"
    )
    events = parse_chirp(raw)
    assert [(e.verb, e.name, e.t, e.cpu, e.status) for e in events] == [
        ("start", "fetch", 1486408200.0, None, None),
        ("end", "fetch", 1486408260.0, 12.5, None),
    ]
    (phase,) = phases_from_ad({"ChirpOpgPhases": raw})
    assert (phase.name, phase.wall, phase.cpu) == ("fetch", 60.0, None)


def test_log_markers_at_no_time_are_dropped() -> None:
    lines = [
        "opg-phase: start name=reco t=10000000000000 cpu=0",
        "opg-phase: end name=reco t=" + "9" * 400 + " cpu=1",  # inf once read
        "opg-phase: end name=fetch t=1486408260 cpu=" + "9" * 400 + " status=" + "9" * 5000,
        "opg-phase: start name=fetch t=1486408200 cpu=1 status=" + "9" * 40,
    ]
    assert parse_marker(lines[2]) is None  # a status longer than int() reads
    assert [(e.name, e.t, e.cpu, e.status) for e in parse_log(lines)] == [("fetch", 1486408200.0, 1.0, None)]
