"""The copy of a dump into the scratch store streams ``-json`` dumps a chunk at a time (issue 18: a 1M-job copy
held every job at once, 1.2 GB) and writes exactly the rows the whole load wrote, in its order."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from opgtui.ops import dumpview
from opgtui.ops.dumpview import copy_files, import_into
from opgtui.sources.dumps import Unstreamable, load_files, stream_jobs
from opgtui.store import open_store

DATA = Path(__file__).parent / "data" / "condor"
TABLES = {  # table -> its rows' order
    "jobs": "rowid",
    "job_events": "id",
    "job_stats": "job_id",
    "stats_rollup": "dim, day, experiment, key",
    "stats_dirty": "day",
}


def _templates() -> list[dict[str, Any]]:
    """The recorded job ads, in ``-json`` layout (the -json dump's, and the -long ads' as the loader reads them)."""
    ads: list[dict[str, Any]] = json.loads((DATA / "fifebatch_completed_2017.derived.json").read_text())
    for name in ("chtc_held_docker_memory.long.ad", "test.old.ad", "fifebatch_completed_2017.long"):
        ads += load_files([DATA / name]).ads.values()
    return [a for a in ads if "ClusterId" in a]


def _dump(path: Path, n: int, first: int = 0, one_line: bool = False) -> Path:
    """``n`` recorded ads with their ids varied, as ``condor_q -json`` prints them (or on one line)."""
    base = _templates()
    ads = []
    for i in range(first, first + n):
        ad = dict(base[i % len(base)])
        ad["ClusterId"], ad["ProcId"] = 5000 + i // 10, i % 10
        ad["GlobalJobId"] = f"schedd{i % 3}.example.org#{5000 + i // 10}.{i % 10}#1700000000"
        ad["EnteredCurrentStatus"] = 1_700_000_000 + 37 * i
        ads.append(ad)
    path.write_text(json.dumps(ads) if one_line else "[\n" + ",\n".join(map(json.dumps, ads)) + "\n]\n")
    return path


def _rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY {order}").fetchall() for t, order in TABLES.items()}


def _both(tmp_path: Path, paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """The stores written by the whole load (the copy before issue 18) and by copy_files, and their counts."""
    monkeypatch.setattr(time, "time", lambda: 1_765_000_000.0)
    monkeypatch.setattr(dumpview, "CHUNK", 700)  # several chunks from a few thousand jobs
    tmp_path.mkdir(exist_ok=True)
    out = []
    for name in ("whole", "streamed"):
        db = tmp_path / f"{name}.db"
        with open_store(db) as store:
            if name == "whole":
                result = load_files(paths, keep_ads=False)
                n = import_into(store, result.jobs, result.events)  # type: ignore[arg-type]
            else:
                n = copy_files(store, [str(p) for p in paths])
        out.append((n, _rows(db)))
    return out[0], out[1]


def test_a_streamed_json_dump_writes_the_whole_loads_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [_dump(tmp_path / "q.json", 3000), _dump(tmp_path / "h.json", 1234, first=3000, one_line=True)]
    assert len(list(stream_jobs(paths, 700))) == 7  # streamed, not loaded whole
    whole, streamed = _both(tmp_path, paths, monkeypatch)
    assert whole[0] == streamed[0] == 4234
    assert len(whole[1]["jobs"]) == 4234 and whole[1]["job_stats"]
    assert streamed[1] == whole[1]


def test_the_recorded_fixtures_copy_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for paths in (
        [DATA / "fifebatch_completed_2017.derived.json"],  # streamed
        [DATA / "fifebatch_completed_2017.long", DATA / "chtc_held_docker_memory.long.ad"],  # loaded whole
        [DATA / "fifebatch_completed_2017.derived.json", DATA / "htcondor_test_condor.eventlog"],
    ):
        whole, streamed = _both(tmp_path / paths[-1].name, paths, monkeypatch)
        assert whole[0] == streamed[0] > 0
        assert streamed[1] == whole[1]


def test_a_job_in_two_dumps_keeps_the_whole_loads_place_and_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History after queue: the later record wins, at the first one's place (as the whole load writes it)."""
    queue = _dump(tmp_path / "q.json", 2000)
    history = _dump(tmp_path / "h.json", 1500, first=1200)
    whole, streamed = _both(tmp_path, [queue, history], monkeypatch)
    assert whole[0] == streamed[0] == 2700
    assert streamed[1] == whole[1]


def test_a_malformed_dump_is_copied_and_named_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A JSON error mid-way (after chunks were written) and an ad that makes no job mid-way."""
    broken = _dump(tmp_path / "broken.json", 3000)
    text = broken.read_text().splitlines(keepends=True)
    text[2000] = text[2000].replace('"ClusterId": ', '"ClusterId" ', 1)  # not JSON
    broken.write_text("".join(text))
    bad_ad = _dump(tmp_path / "bad_ad.json", 3000)
    text = bad_ad.read_text().splitlines(keepends=True)
    ad = json.loads(text[1700].rstrip(",\n"))
    del ad["ClusterId"], ad["GlobalJobId"]
    text[1700] = json.dumps(ad) + ",\n"
    bad_ad.write_text("".join(text))
    for path in (broken, bad_ad):
        whole, streamed = _both(tmp_path / path.stem, [path], monkeypatch)
        assert streamed[1] == whole[1]
        assert whole[0] == streamed[0] > 0
    errors: list[str] = []
    assert sum(map(len, stream_jobs([bad_ad], 500, errors))) == 2999
    assert errors == load_files([bad_ad], keep_ads=False).errors
    assert errors == [f"{bad_ad}: ad 1700: ad has no ClusterId/ProcId (nor a GlobalJobId)"]
    with pytest.raises(Unstreamable):
        list(stream_jobs([broken], 500))
    assert any(str(broken) in e for e in load_files([broken], keep_ads=False).errors)


def test_a_killed_copy_leaves_whole_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each chunk is one transaction: a copy stopped after two leaves exactly their jobs."""
    path = _dump(tmp_path / "q.json", 2000)
    monkeypatch.setattr(dumpview, "CHUNK", 700)
    calls = []

    def stop_third(store: Any, jobs: Any, events: Any) -> int:
        calls.append(len(jobs))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(store, jobs, events)

    real = dumpview.import_into
    monkeypatch.setattr(dumpview, "import_into", stop_third)
    with open_store(tmp_path / "s.db") as store, pytest.raises(KeyboardInterrupt):
        copy_files(store, [str(path)])
    with sqlite3.connect(tmp_path / "s.db") as conn:
        assert conn.execute("SELECT count(*) FROM jobs").fetchone() == (1400,)


def test_the_copy_child_runs_this_opgtui_whatever_the_working_directory_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shifter starting opgtui from a directory that holds another ``opgtui`` (a checkout, a stale copy): the
    copy child, started with ``python -c`` (whose sys.path begins with the working directory), still imports the
    opgtui of the process that started it, and the scratch store gets the dump's jobs."""
    decoy = tmp_path / "cwd" / "opgtui"
    decoy.mkdir(parents=True)
    (decoy / "__init__.py").write_text("raise ImportError('the decoy opgtui of the working directory')\n")
    monkeypatch.chdir(decoy.parent)
    dump = _dump(tmp_path / "q.json", 40)
    db = tmp_path / "scratch.db"
    open_store(db).close()
    assert dumpview.copy_in_process(db, [str(dump)]) == 40
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == 40
