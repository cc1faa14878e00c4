"""A -jsonl dump (one ad per line) with Infinity or NaN keeps every ad, as a -json dump does
(tests/test_dump_nonjson.py): the value JSON has not is dropped by the normaliser, the line is named with why, and
each job is the one the -json dump of the same ads gives. It dropped the whole ad ('q.jsonl:1: not valid JSON
(unexpected character, expected a JSON value)')."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from test_hostile_population import FAILED_ID, HOST, hostile_ads

from opgtui.core.model import Job
from opgtui.sources.dumps import load_files

COMPARED = [f.name for f in dataclasses.fields(Job) if f.name not in ("source", "updated")]


def _fields(jobs: list[Any]) -> list[dict[str, Any]]:
    return [{name: getattr(j, name) for name in COMPARED} for j in jobs]


@pytest.mark.parametrize("brief", [False, True])
def test_infinity_in_a_jsonl_dump_keeps_the_ad_as_a_json_dump_does(tmp_path: Path, brief: bool) -> None:
    ads = hostile_ads()  # job 0: RemoteUserCpu 1e400 (Infinity) and CompletionDate 1e13
    ads[3]["RemoteWallClockTime"] = float("nan")
    ads[7]["RemoteSysCpu"] = float("-inf")
    ads[9]["MemoryUsage"] = float("inf")
    lines = tmp_path / "q.jsonl"
    lines.write_text("".join(json.dumps(ad) + "\n" for ad in ads), encoding="utf-8")
    array = tmp_path / "q.json"
    array.write_text(json.dumps(ads, indent=1), encoding="utf-8")

    loaded = load_files([lines], brief=brief)
    assert loaded.errors == [
        f"{lines}:1: not valid JSON: Infinity is no JSON number (read as no value); its ad kept,"
        " as are those of 2 more lines like it",
        f"{lines}:4: not valid JSON: NaN is no JSON number (read as no value); its ad kept",
    ]
    assert len(loaded.jobs) == 60 and len(loaded.ads) == 60
    assert _fields(loaded.jobs) == _fields(load_files([array]).jobs)
    job = loaded.jobs[0]
    assert job.id == FAILED_ID.format(0) and (job.cpu_user, job.end_time) == (None, None)
    assert (job.exit_code, job.status, job.last_host, job.cpu_sys) == (1, 4, HOST, 6.0)
    assert (loaded.jobs[3].wall, loaded.jobs[7].cpu_sys, loaded.jobs[9].memory_used_mb) == (None, None, None)


def test_a_line_no_json_reads_is_still_named_and_left_out(tmp_path: Path) -> None:
    ads = [json.dumps(ad) for ad in hostile_ads()[:3]]
    dump = tmp_path / "q.jsonl"
    dump.write_text(f"{ads[0]}\n{ads[1][:50]}\n\n{ads[2]}\n", encoding="utf-8")
    loaded = load_files([dump])
    assert [j.id for j in loaded.jobs] == [FAILED_ID.format(0), FAILED_ID.format(2)]
    assert loaded.errors == [
        f"{dump}:1: not valid JSON: Infinity is no JSON number (read as no value); its ad kept",
        f"{dump}:2: not valid JSON (unexpected end of data)",
    ]


@pytest.mark.parametrize("suffix", ["json", "jsonl"])
def test_infinity_after_a_name_in_another_script_is_still_named(tmp_path: Path, suffix: str) -> None:
    """orjson says where it stopped in characters, not bytes: an owner named in UTF-8 before the value hid it."""
    ad = hostile_ads()[0]
    ad = {"Owner": "jmalbós"} | {k: v for k, v in ad.items() if k != "Owner"}  # the name first
    text = json.dumps(ad, ensure_ascii=False)
    dump = tmp_path / f"q.{suffix}"
    dump.write_text(f"[\n{text}\n]\n" if suffix == "json" else text + "\n", encoding="utf-8")
    loaded = load_files([dump])
    assert len(loaded.jobs) == 1 and loaded.jobs[0].owner == "jmalbós"
    (error,) = loaded.errors
    assert error.startswith(f"{dump}:{2 if suffix == 'json' else 1}: not valid JSON: Infinity is no JSON number")
