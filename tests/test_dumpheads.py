"""A big ``-json`` dump's heads read by worker processes (issue 18): the jobs listed are exactly the ones the loader
lists alone, in the same order, each filled in from its own ad; a part the workers cannot read (another kind of
ad, a value no job has) or a file changed since they started is read by the loader itself, and says the same."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from test_jobbrief import varied, write

from opgtui.core.model import JobBrief
from opgtui.sources import dumpheads
from opgtui.sources.dumps import load_files

FIELDS = [f.name for f in dataclasses.fields(JobBrief)]


@pytest.fixture(autouse=True)
def small_dumps_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dumpheads, "WORKER_MIN", 0)


def listed(path: Path, workers: int | None, fork: bool = False) -> tuple[list[list[object]], list[str], bool]:
    """Every field of every listed job, the errors, and whether workers read the file."""
    readers = dumpheads.HeadReaders([path], workers=workers, fork=fork) if workers else None
    used = readers is not None and str(path) in readers._files
    result = load_files([path], brief=True, heads=readers)
    if readers is not None:
        readers.stop()
    return [[getattr(j, f) for f in FIELDS] for j in result.jobs], result.errors, used


@pytest.mark.parametrize("fork", [False, True])
@pytest.mark.parametrize("layout", ["pretty", "lines", "one line"])
def test_workers_list_what_the_loader_lists_alone(tmp_path: Path, layout: str, fork: bool) -> None:
    path = write(varied(1200), tmp_path / "q.json", layout)
    alone, errors, _ = listed(path, None)
    by_workers, errors_w, used = listed(path, 3, fork)
    assert used and len(by_workers) == 1200
    assert by_workers == alone and errors_w == errors


def test_a_part_the_workers_cannot_read_is_read_by_the_loader_and_named(tmp_path: Path) -> None:
    ads = varied(900)
    ads[700] = {"MyType": "Machine", "Name": "slot1@e1.chtc.wisc.edu"}
    ads[800]["ExitCode"] = 2**70
    path = write(ads, tmp_path / "q.json", "lines")
    alone, errors, _ = listed(path, None)
    by_workers, errors_w, used = listed(path, 2, fork=True)
    assert used and by_workers == alone and len(alone) == 898
    assert errors_w == errors and any("ExitCode" in e for e in errors) and any("'Machine'" in e for e in errors)


def test_a_later_part_read_first_still_lists_its_jobs_after_the_parts_before(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The loader makes briefs of each part's frames as they come, whichever part sends them: the last part's
    frames all come first here, and every job is still listed in the file's order, filled in from its own ad,
    with its own raw ad and whole record."""
    monkeypatch.setattr(dumpheads, "_FRAME", 2)  # a few segments a frame: each part sends many frames
    path = write(varied(1500), tmp_path / "q.json", "lines")
    alone = load_files([path], brief=True)
    readers = dumpheads.HeadReaders([path], workers=3, fork=True)
    take = readers.take

    def last_part_first(p: str | Path) -> object:
        stamp, n, frames = take(p)  # type: ignore[misc]
        got = list(frames)
        assert n == 3 and len({i for i, _frame in got}) == 3 and len(got) > 6
        return stamp, n, iter(sorted(got, key=lambda f: -f[0]))  # a stable sort: each part's frames in order

    monkeypatch.setattr(readers, "take", last_part_first)
    result = load_files([path], brief=True, heads=readers)
    readers.stop()
    assert not result.errors
    assert [[getattr(j, f) for f in FIELDS] for j in result.jobs] == [
        [getattr(j, f) for f in FIELDS] for j in alone.jobs
    ]
    ids = [j.id for j in alone.jobs]
    assert [result.ads[i] for i in ids] == [alone.ads[i] for i in ids]
    same_time = [dataclasses.replace(job, updated=0.0) for job in alone.full_jobs(ids)]  # loaded at another moment
    assert [dataclasses.replace(job, updated=0.0) for job in result.full_jobs(ids)] == same_time


def _same_id(ads: list[dict[str, object]], k: int, like: int) -> None:
    """Ad ``k`` becomes a later ad of the job of ad ``like`` (a dump that repeats a job)."""
    for key in ("ClusterId", "ProcId", "GlobalJobId", "JobsubJobId"):
        if key in ads[like]:
            ads[k][key] = ads[like][key]


@pytest.mark.parametrize(
    "repeats",
    [[], [(10, 3)], [(399, 0)], [(1100, 5)], [(900, 600)], [(10, 3), (1100, 5), (1199, 1198)], [(5, 500)]],
)
def test_a_dump_repeating_a_job_is_indexed_as_the_loader_alone_indexes_it(
    tmp_path: Path, repeats: list[tuple[int, int]]
) -> None:
    """The first part's ids go into the index as its frames come: a job repeated in that part, in a later one,
    or across parts still leaves the jobs and the index (its order too) as the loader alone makes them."""
    ads = varied(1200)
    for k, like in repeats:
        _same_id(ads, k, like)
    path = write(ads, tmp_path / "q.json", "lines")
    alone = load_files([path], brief=True)
    readers = dumpheads.HeadReaders([path], workers=3, fork=True)
    assert str(path) in readers._files
    result = load_files([path], brief=True, heads=readers)
    readers.stop()
    assert len(alone.jobs) == 1200 - len(repeats) and not result.errors
    assert [[getattr(j, f) for f in FIELDS] for j in result.jobs] == [
        [getattr(j, f) for f in FIELDS] for j in alone.jobs
    ]
    assert list(result.index.items()) == list(alone.index.items())
    assert [result.jobs[i].id for i in result.index.values()] == list(result.index)


def test_a_part_that_fails_after_the_first_parts_ids_came_leaves_no_stale_index(tmp_path: Path) -> None:
    ads = varied(900)
    ads[850] = {"MyType": "Machine", "Name": "slot1@e1.chtc.wisc.edu"}  # the last part fails: the loader reads
    _same_id(ads, 860, 2)
    path = write(ads, tmp_path / "q.json", "lines")
    alone = load_files([path], brief=True)
    readers = dumpheads.HeadReaders([path], workers=3, fork=True)
    result = load_files([path], brief=True, heads=readers)
    readers.stop()
    assert [[getattr(j, f) for f in FIELDS] for j in result.jobs] == [
        [getattr(j, f) for f in FIELDS] for j in alone.jobs
    ]
    assert list(result.index.items()) == list(alone.index.items()) and len(result.index) == 898


def test_a_dump_changed_after_the_workers_started_is_read_as_it_is_now(tmp_path: Path) -> None:
    path = write(varied(600), tmp_path / "q.json", "lines")
    readers = dumpheads.HeadReaders([path], workers=2)
    ads = varied(600, seed=9)
    for ad in ads:
        ad["Owner"] = "someone_else"
    path.write_text(json.dumps(ads) + " " * 50)  # another size: the workers' reading is not the file's
    result = load_files([path], brief=True, heads=readers)
    readers.stop()
    assert len(result.jobs) == 600 and {j.owner for j in result.jobs} == {"someone_else"}


@pytest.mark.parametrize(
    ("load", "fork", "workers"),
    [(0.3, False, 2), (1.2, False, 2), (1.6, False, 0), (3.5, True, 2), (4.0, True, 2), (12.0, True, 2)],
)
def test_workers_start_only_on_cores_with_room(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, load: float, fork: bool, workers: int
) -> None:
    """On a machine busy with other work, spawned workers would take turns with it and cost their start on top:
    the loader reads the dump itself then. Forked workers cost little to start and make the job parts and lines
    the filter keys read: they start however busy the machine is."""
    monkeypatch.setattr(dumpheads, "cores", lambda: 2)
    monkeypatch.setattr(dumpheads.os, "getloadavg", lambda: (load, load, load))
    assert dumpheads.spare_cores(fork) == workers
    path = write(varied(300), tmp_path / "q.json", "lines")
    readers = dumpheads.HeadReaders([path], fork=fork)
    assert (str(path) in readers._files) == bool(workers)
    readers.stop()
