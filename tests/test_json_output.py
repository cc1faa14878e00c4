"""A verb's --json is JSON (RFC 8259), which has no NaN or Infinity: a number that is none is null. Python's json
reads ``Infinity``; jq, Go, JavaScript and a submission wrapper's parser do not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_hostile_population import FAILED_ID, _build

from opgtui.cli.common import print_json

INF, NAN = float("inf"), float("nan")


def strict(text: str) -> Any:
    """``text`` read as JSON is: NaN, Infinity and -Infinity refused."""

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_print_json_writes_a_number_that_is_none_as_null(capsys: pytest.CaptureFixture[str]) -> None:
    print_json({"cpu": INF, "runs": [1.5, NAN, (2, -INF)], "job": {"wall": NAN, "id": "a#1.0"}, "at": Path("/x")})
    out = capsys.readouterr().out
    assert strict(out) == {
        "cpu": None,
        "runs": [1.5, None, [2, None]],
        "job": {"wall": None, "id": "a#1.0"},
        "at": "/x",
    }
    print_json([1.0, "inf"])
    assert strict(capsys.readouterr().out) == [1.0, "inf"]  # finite values and text as they were


def test_jobs_store_json_is_json_over_a_stored_infinite_cpu_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`opgtui jobs --store --json` printed ``"cpu_user": Infinity`` for a store holding RemoteUserCpu 1e400."""
    from test_cli import run

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    _, cfg_path = _build(tmp_path)
    code, out, err = run("--config", str(cfg_path), "jobs", "--store", "--json")
    assert code == 0, err
    jobs = {j["id"]: j for j in strict(out)}
    bad = jobs[FAILED_ID.format(0)]
    assert len(jobs) == 60 and bad["cpu_user"] is None and bad["end_time"] == 1e13 and bad["exit_code"] == 1
    assert jobs[FAILED_ID.format(1)]["cpu_sys"] == 6.0
