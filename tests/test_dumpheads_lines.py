"""The job lines a big dump's workers make after its heads (issue 18): a free word searched in them keeps exactly
the rows their filter texts keep, in order, negated too, on the recorded ads varied as a pool's are and on hostile
values written into the dump (uppercase, final sigma, JSON escapes, bidi and control characters, line breaks,
numbers beyond what a job holds or beyond any float); none are used when a worker made none, and a dump changed
on disk since it was listed is searched as its rows read it."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from test_filter_columns import check
from test_jobbrief import varied, write
from test_joblist import NOW

from opgtui.domain.joblist import RowList, build_rows, filter_rows
from opgtui.ops.dumpview import JOB_LINES
from opgtui.sources import dumpheads
from opgtui.sources.dumps import UNREAD, LoadResult, load_files


@pytest.fixture(autouse=True)
def small_dumps_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dumpheads, "WORKER_MIN", 0)
    monkeypatch.setattr(dumpheads, "_FRAME", 3)  # many frames a part


ODD = ["ΑΣ.ΒΣ", "İSTANBUL", "a\x1b[31mb", "tab\there", "two  spaces", " lead", "x" * 130, "line\nbreak", "\u202eevil"]
ODD += ["K-Kelvin", "ǅz", "", "a\x9bb", "ÄÖÜ-ß", 'quo"te\\', "\u2028sep", "e\u0301"]


def hostile_ads(n: int) -> list[dict[str, Any]]:
    ads = varied(n, seed=5)
    for i, ad in enumerate(ads):
        odd = ODD[i % len(ODD)]
        if i % 3 == 0:
            ad["Owner"] = odd or None
        if i % 4 == 1:
            ad["HoldReason"] = f"Error from slot1@{odd}: {odd.upper()} over  memory"
            ad["JobStatus"] = 5
        if i % 5 == 2:
            ad["JobBatchName"] = odd
            ad["MATCH_EXP_JOB_GLIDEIN_Site"] = odd.upper()
        if i % 7 == 3:
            ad["LastRemoteHost"] = f"slot1@{odd}.Example.ORG"
            ad.pop("RemoteHost", None)
        if i % 11 == 4:
            ad["JobsubJobId"] = f"{ad['ClusterId']}.{ad['ProcId']}@{odd}"
        if i % 13 == 5:
            ad["RemoteWallClockTime"] = 1e300
            ad["RequestCpus"] = 2**70  # beyond 64 bits: the rest is none (as the fill reads it)
        if i % 17 == 6:
            ad["GlobalJobId"] = f"Sched.{odd}#{ad['ClusterId']}.{ad['ProcId']}#1"
    return ads


def listed(path: Path, fork: bool = True) -> tuple[LoadResult, RowList]:
    readers = dumpheads.HeadReaders([path], workers=2, fork=fork, lines=JOB_LINES)
    assert str(path) in readers._files
    result = load_files([path], brief=True, heads=readers)
    result.start_lines()
    future = result.job_lines()
    assert future is not None
    rows = build_rows(result.jobs, now=NOW)
    rows.expect_lines(future)
    future.result(timeout=60)
    readers.stop()
    return result, rows


@pytest.mark.parametrize("fork", [True, False])
def test_the_lines_say_what_the_rows_hold(tmp_path: Path, fork: bool) -> None:
    path = write(hostile_ads(700), tmp_path / "q.json", "lines")
    _result, rows = listed(path, fork)
    rows._take_lines()
    assert rows._blocks is not None and sum(n for _first, n, _text in rows._blocks) == 700
    check(rows, random.Random(21), 300)
    assert rows._blocks is not None  # searched in the lines to the end


def test_the_recorded_ads_on_one_line(tmp_path: Path) -> None:
    path = write(varied(900, seed=8), tmp_path / "q.json", "one line")
    _result, rows = listed(path)
    rows._take_lines()
    assert rows._blocks is not None
    check(rows, random.Random(22), 200)


def test_a_number_beyond_any_float_in_the_rest(tmp_path: Path) -> None:
    ads = varied(300, seed=2)
    text = "[\n" + ",\n".join(json.dumps(a) for a in ads) + "\n]\n"
    text = text.replace('"RemoteWallClockTime": ', '"RemoteWallClockTime": 1e400, "x": ', 7)
    path = tmp_path / "q.json"
    path.write_text(text)
    _result, rows = listed(path)
    rows._take_lines()
    check(rows, random.Random(23), 100)


def test_a_search_of_many_rows_waits_for_the_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import opgtui.domain.joblist as joblist

    monkeypatch.setattr(joblist, "LINES_WAIT_ROWS", 10)
    path = write(varied(400, seed=4), tmp_path / "q.json", "lines")
    readers = dumpheads.HeadReaders([path], workers=2, fork=True, lines=JOB_LINES)
    result = load_files([path], brief=True, heads=readers)
    rows = build_rows(result.jobs, now=NOW)
    rows.expect_lines(result.job_lines())
    result.start_lines()
    word = rows[0].job.id.split("#")[1][:6]
    found = [i for part in joblist.filter_steps(rows, joblist.parse_query(word), list(range(400))) for i in part]
    readers.stop()
    assert rows._blocks is not None and found == [i for i in range(400) if word in rows[i].haystack]


def test_no_lines_when_none_are_asked_for(tmp_path: Path) -> None:
    path = write(varied(300), tmp_path / "q.json", "lines")
    readers = dumpheads.HeadReaders([path], workers=2, fork=True)
    result = load_files([path], brief=True, heads=readers)
    future = result.job_lines()
    assert future is not None and future.result(timeout=60) is None and len(result.jobs) == 300
    readers.stop()


def test_no_lines_when_a_worker_makes_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(*_args: Any) -> None:
        raise RuntimeError("no lines")

    monkeypatch.setattr(dumpheads, "_send_lines", fails)
    path = write(varied(300), tmp_path / "q.json", "lines")
    readers = dumpheads.HeadReaders([path], workers=2, fork=True, lines=JOB_LINES)
    result = load_files([path], brief=True, heads=readers)
    result.start_lines()
    future = result.job_lines()
    assert future is not None and future.result(timeout=60) is None and len(result.jobs) == 300
    readers.stop()
    rows = build_rows(result.jobs, now=NOW)
    rows.expect_lines(future)
    assert filter_rows(rows, "fnal") == [i for i in range(300) if "fnal" in rows[i].haystack]
    assert rows._blocks is None


def test_a_dump_changed_after_the_listing_is_searched_as_its_rows_read(tmp_path: Path) -> None:
    path = write(varied(300), tmp_path / "q.json", "lines")
    result, rows = listed(path)
    rows._take_lines()
    owner = next(j.owner for j in result.jobs if j.owner)
    assert filter_rows(rows, owner.lower())
    path.write_text(path.read_text() + " ")  # another size: the rest of each row can no longer be read
    found = filter_rows(rows, owner.lower())
    assert rows._blocks is None and result.files[0].changed
    assert found == [i for i in range(300) if owner.lower() in rows[i].haystack]
    assert filter_rows(rows, UNREAD) == [i for i in range(300) if UNREAD in rows[i].haystack]
