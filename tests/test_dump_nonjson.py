"""A -json dump that is not quite JSON says where and why: condor_q -json writes a RemoteUserCpu of 1e400 as
``Infinity``, which orjson refuses and Python's json reads; the dump's ads are all kept, and the one line names the
line and the value (it said ``dump.json:0: not valid JSON: ;``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_hostile_population import hostile_ads

from opgtui.sources.dumps import load_files


@pytest.mark.parametrize("brief", [False, True])
def test_infinity_in_a_dump_is_named_at_its_line_and_every_ad_kept(tmp_path: Path, brief: bool) -> None:
    dump = tmp_path / "dump.json"
    text = json.dumps(hostile_ads(), indent=1)  # the recorded ad, job 0's RemoteUserCpu 1e400: Infinity
    dump.write_text(text, encoding="utf-8")
    line = next(n for n, x in enumerate(text.splitlines(), 1) if "Infinity" in x)
    loaded = load_files([dump], brief=brief)
    assert len(loaded.jobs) == 60
    assert loaded.errors == [
        f"{dump}:{line}: not valid JSON: Infinity is no JSON number (read as no value); all 60 ads kept"
    ]


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("-Infinity", "Infinity is no JSON number"),
        ("NaN", "NaN is no JSON number"),
        ('"\\ud800"', "no low surrogate in string"),  # orjson's own reason where Python's json reads it
    ],
)
def test_other_values_json_has_not_are_named_at_their_line(tmp_path: Path, value: str, said: str) -> None:
    ads = [json.dumps(ad) for ad in hostile_ads()[5:7]]
    dump = tmp_path / "q.json"
    dump.write_text(f'[\n{ads[0]},\n{ads[1][:-1]}, "Odd": {value}}}\n]\n', encoding="utf-8")
    loaded = load_files([dump])
    assert len(loaded.jobs) == 2 and len(loaded.errors) == 1
    assert loaded.errors[0].startswith(f"{dump}:3: not valid JSON: {said}") and loaded.errors[0].endswith(
        "all 2 ads kept"
    )


def test_a_truncated_dump_still_says_where_it_stopped(tmp_path: Path) -> None:
    ad = json.dumps(hostile_ads()[5])
    dump = tmp_path / "q.json"
    dump.write_text(f"[\n{ad},\n{ad[:40]}", encoding="utf-8")
    (err,) = load_files([dump]).errors
    assert err == f"{dump}:3: not valid JSON: end of file (truncated dump?); kept the 1 complete ads before it"
