"""The Jobs view's listing of a dump (brief records) and the job's full record agree on a hostile ad: a time no
calendar holds (an EnteredCurrentStatus of 1e13, inf, 10**30) and a CPU time or wall of NaN or inf are no value in
both, as the full record drops them (tests/test_hostile_bounds.py); the rest of the row is the ad's. The listing said
1e13 where the detail said nothing."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from test_hostile_bounds import END_OF_9999, INF, NAN, _ad
from test_hostile_population import FAILED_ID, HOST, hostile_ads

from opgtui.core.model import JobBrief
from opgtui.sources import dumpheads
from opgtui.sources.dumps import load_files
from opgtui.sources.jobbrief import BRIEF_ATTRS, LazyBrief, brief_from_values
from opgtui.sources.jobrecord import job_from_ad

FIELDS = [f.name for f in dataclasses.fields(JobBrief)]


def _row(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in FIELDS}


def _both(ad: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The brief the listing makes of ``ad`` and the full record's fields of the same names."""
    return _row(brief_from_values([ad.get(a) for a in BRIEF_ATTRS])), _row(job_from_ad(ad))


@pytest.mark.parametrize(
    "bad", [1e13, INF, NAN, 10**30, END_OF_9999 + 1], ids=["1e13", "inf", "nan", "10**30", "10000"]
)
def test_a_time_no_calendar_holds_is_none_in_the_listing_as_in_the_record(bad: float) -> None:
    brief, job = _both(_ad(EnteredCurrentStatus=bad, CompletionDate=bad, JobStatus=None))
    assert brief == job
    assert brief["status_since"] is None and brief["owner"] == "jmalbos" and brief["cpu_sys"] == 6.0
    if bad > 0:  # 1e13 and inf still say the job finished, and how: completed with exit 0
        assert (brief["status"], brief["exit_code"]) == (4, 0)


def test_the_last_second_of_9999_is_listed() -> None:
    brief, job = _both(_ad(EnteredCurrentStatus=END_OF_9999))
    assert brief == job and brief["status_since"] == END_OF_9999


@pytest.mark.parametrize("bad", [INF, -INF, NAN], ids=["inf", "-inf", "nan"])
def test_a_cpu_time_or_wall_that_is_no_number_is_none_in_the_listing_as_in_the_record(bad: float) -> None:
    cpu = {"RemoteUserCpu": bad, "CumulativeRemoteUserCpu": bad, "RemoteSysCpu": bad, "CumulativeRemoteSysCpu": bad}
    brief, job = _both(_ad(RemoteWallClockTime=bad, **cpu))
    assert brief == job and (brief["cpu_user"], brief["cpu_sys"], brief["wall"]) == (None, None, None)
    # a cumulative time that is no number gives way to the last run's, in both
    brief, job = _both(_ad(CumulativeRemoteUserCpu=bad, RemoteUserCpu=12.5))
    assert brief == job and brief["cpu_user"] == 12.5


@pytest.fixture
def small_dumps_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dumpheads, "WORKER_MIN", 0)


@pytest.mark.usefixtures("small_dumps_too")
@pytest.mark.parametrize("workers", [None, 2], ids=["loader", "head workers"])
def test_a_dump_listed_by_briefs_shows_what_each_job_detail_shows(tmp_path: Path, workers: int | None) -> None:
    """The recorded hostile ads as a -json dump the Jobs view lists (no Infinity in it: JSON has 1e13 and 10**30),
    read by the loader alone and by the head workers that list a million ads: each listed row is its full record."""
    ads = hostile_ads()
    ads[0].update(RemoteUserCpu=1.0, EnteredCurrentStatus=1e13)  # CompletionDate 1e13 as recorded
    ads[1].update(EnteredCurrentStatus=10**30, JobCurrentStartDate=1e13)
    ads[2].update(EnteredCurrentStatus=END_OF_9999)
    dump = tmp_path / "dump.json"
    dump.write_text("[\n" + ",\n".join(json.dumps(ad) for ad in ads) + "\n]\n", encoding="utf-8")
    readers = dumpheads.HeadReaders([dump], workers=workers, fork=True) if workers else None
    assert readers is None or str(dump) in readers._files  # its heads are the workers' to read
    try:
        loaded = load_files([dump], brief=True, heads=readers)
    finally:
        if readers is not None:
            readers.stop()
    assert not loaded.errors and len(loaded.jobs) == 60
    assert all(type(j) is LazyBrief for j in loaded.jobs)
    listed = {j.id: _row(j) for j in loaded.jobs}
    full = {j.id: _row(j) for j in loaded.full_jobs(listed)}
    assert listed == full
    first, second, third = (listed[FAILED_ID.format(i)] for i in range(3))
    assert (first["status_since"], second["status_since"], third["status_since"]) == (None, None, END_OF_9999)
    assert (first["status"], first["exit_code"], first["cpu_user"]) == (4, 1, 1.0)


def test_a_number_beyond_any_float_in_a_listed_row_is_none_and_the_dump_not_called_changed(tmp_path: Path) -> None:
    """JSON has 1e400 (no Infinity needed): the listing reads only the head, so the row's rest, the full record and
    the raw ad meet it later. They read it as inf and drop it, as the full load does; the segment's rows showed
    '(changed)' as if the dump had changed on disk, and the detail and raw ad raised."""
    ads = hostile_ads()
    ads[0]["RemoteUserCpu"], ads[1]["RemoteWallClockTime"] = 1234.5678, 2345.6789
    text = "[\n" + ",\n".join(json.dumps(ad) for ad in ads) + "\n]\n"
    dump = tmp_path / "dump.json"
    dump.write_text(text.replace("1234.5678", "1e400").replace("2345.6789", "-1e400"), encoding="utf-8")
    loaded = load_files([dump], brief=True)
    told: list[str] = []
    loaded.on_changed(told.append)
    assert not loaded.errors and all(type(j) is LazyBrief for j in loaded.jobs)
    first, second = loaded.jobs[:2]
    assert (first.owner, first.cpu_user, first.cpu_sys, second.wall) == ("jmalbos", None, 6.0, None)
    assert second.last_host == HOST and told == []
    assert _row(first) == _row(loaded.job(first.id)) and _row(second) == _row(loaded.job(second.id))
    assert loaded.ads[first.id]["RemoteUserCpu"] == INF and loaded.ads[second.id]["RemoteWallClockTime"] == -INF
    whole = load_files([dump])
    assert [_row(j) for j in whole.jobs] == [_row(j) for j in loaded.full_jobs(j.id for j in loaded.jobs)]
