"""What arrives in the background after the table appears and how the rows take it (issue 18): a dump's job
lines checked against the rows a slice at a time (``_lists_jobs``), and the filter texts and group keys another
process made put into slots made once (``RowList.put_made``): the same answers as the simple paths."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from typing import Any

import pytest
from test_joblist import NOW, jobs

from opgtui.core.model import Job
from opgtui.domain.joblist import (
    GROUP_KEYS,
    LINES_WAIT,
    WARM_GROUPINGS,
    JobLines,
    _lists_jobs,
    build_rows,
    filter_rows,
    filter_texts,
    warm,
)


def _rows(n: int) -> list:
    """Varied rows (holds, exits, signals, idle, running), some with a verdict, a signature and its title."""
    listed = jobs(n, seed=n)
    verdicts = {j.id: "service" for j in listed[::7]}
    signatures = {j.id: f"sig-{k % 3}" for k, j in enumerate(listed[::5])}
    return build_rows(listed, verdicts, now=NOW, signatures=signatures, titles={"sig-1": "Proxy expired"})


@pytest.mark.parametrize("step", [1, 3, 7, 64, 16384])
def test_the_rows_jobs_checked_a_slice_at_a_time_answer_as_one_comparison(step: int) -> None:
    """Every row listing the very object at its place in ``jobs``: True exactly when the whole comparison is, with
    the odd one at any place (the first, the last, either side of a slice's end), or a list one short or long."""
    rows = _rows(50)
    jobs = [r.job for r in rows]
    assert _lists_jobs(rows, jobs, step)
    for at in sorted({0, 1, step - 1, step, step + 1, 49} & set(range(50))):
        other = list(jobs)
        other[at] = Job(
            jobs[at].id, jobs[at].schedd, jobs[at].cluster, jobs[at].proc
        )  # an equal-looking job, not the row's own object
        assert not _lists_jobs(rows, other, step)
        assert all(r.job is j for r, j in zip(rows, other, strict=True)) is False
    assert not _lists_jobs(rows, jobs[:-1], step)
    assert not _lists_jobs(rows, [*jobs, jobs[0]], step)
    assert not _lists_jobs(rows, jobs[::-1], step)
    assert _lists_jobs([], [], step)


def _copy(text: str) -> str:
    """An equal string, another object (as a decoded frame holds)."""
    return (text + "\0")[:-1]


def _frames(rows: list, size: int) -> list[tuple[int, list[str], list[str], list[list[str]]]]:
    """What the texts' process sends for these rows, ``size`` rows a frame (its own copies of every string)."""
    out = []
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        keys = [[_copy(GROUP_KEYS[by](r)) for r in part] for by in WARM_GROUPINGS]
        out.append((start, [r.job_id for r in part], [_copy(t) for t in filter_texts(part)], keys))
    return out


@pytest.mark.parametrize("size", [1, 7, 50, 2000])
def test_texts_and_keys_put_in_their_slots_are_those_warm_makes(size: int) -> None:
    """Frames in order fill every row's filter text and group keys: the very ones warm() makes of the rows, one
    object per distinct key; nothing is taken before every row's keys are in."""
    rows, simple = _rows(211), _rows(211)
    warm(simple, None)
    frames = _frames(rows, size)
    for k, (start, ids, texts, keys) in enumerate(frames):
        assert rows.put_made(start, ids, texts, keys)
        if k < len(frames) - 1:
            assert not rows._keys
    assert rows._haystacks == simple._haystacks
    for by in WARM_GROUPINGS:
        assert rows._keys[by] == simple._keys[by]
        assert len({id(k) for k in rows._keys[by]}) == len(set(rows._keys[by]))  # one object per key
    warm(rows)  # nothing left to make, and nothing changes
    assert rows._haystacks == simple._haystacks and all(rows._keys[by] == simple._keys[by] for by in WARM_GROUPINGS)


def test_frames_out_of_order_or_not_these_rows_never_put_keys_in_the_wrong_rows() -> None:
    """A frame put out of order keeps its texts (checked by ids) but gives no keys: warm() makes those (and the
    texts after a gap); a frame of other rows takes nothing; a grouping's keys one short are not taken."""
    rows, simple = _rows(120), _rows(120)
    warm(simple, None)
    frames = _frames(rows, 25)
    start, ids, texts, keys = frames[0]
    assert not rows.put_made(0, ids[::-1], texts[::-1], [k[::-1] for k in keys])  # not these rows
    assert not rows.put_made(100, ids, texts, keys)  # rows 0.. put at 100
    assert rows._hay is None or all(t is None for t in rows._hay)
    for start, ids, texts, keys in [frames[1], frames[0], *frames[2:]]:
        assert rows.put_made(start, ids, texts, keys)
    assert rows._hay == simple._haystacks  # every text in its row's slot
    assert not rows._keys  # the keys of the frames after the one out of order were not taken
    bad = _rows(30)
    start, ids, texts, keys = _frames(bad, 30)[0]
    assert bad.put_made(start, ids, texts, [keys[0][:-1], keys[1]])  # one grouping's keys one short
    assert WARM_GROUPINGS[0] not in bad._keys and bad._keys[WARM_GROUPINGS[1]] == [
        GROUP_KEYS[WARM_GROUPINGS[1]](r) for r in bad
    ]
    warm(rows)
    warm(bad)
    assert rows._haystacks == simple._haystacks
    for by in WARM_GROUPINGS:
        assert rows._keys[by] == simple._keys[by]
        assert bad._keys[by] == [GROUP_KEYS[by](r) for r in bad]


def test_a_search_while_another_thread_takes_the_job_lines_waits_for_them() -> None:
    """The job lines arrive while one thread takes them (their rows checked a slice at a time, so others run
    meanwhile): a search that wants them then waits and has them, never finds a list with neither the lines nor
    their promise (which it would search row by row); each is taken once."""
    rows = _rows(300)
    maker = JobLines()
    listed = [r.job for r in rows]
    future: Future = Future()
    rows.expect_lines(future)
    taking, taken = threading.Event(), []
    real = rows.use_lines

    def slow(*args: Any) -> bool:
        taking.set()
        time.sleep(0.2)
        taken.append(1)
        return real(*args)

    rows.use_lines = slow  # type: ignore[method-assign]
    future.set_result((listed, [(len(listed), maker.block(listed))], None))
    first = threading.Thread(target=rows.await_lines)
    first.start()
    assert taking.wait(5)
    want = [i for i, r in enumerate(rows) if "held" in r.haystack]
    assert filter_rows(rows, "held", list(range(len(rows)))) == want  # (the rows' filter texts: not the lines)
    rows._take_lines()  # as the UI thread's part of a search does: it does not wait (nor take them twice)
    assert rows._blocks is None and rows._lines_future is future and not first.join(0) and first.is_alive()
    rows._take_lines(LINES_WAIT)  # as a search of many rows does: it waits, then has them
    assert rows._blocks is not None and rows._lines_future is None
    first.join()
    assert taken == [1] and rows._lines_future is None
    assert filter_rows(rows, "held", list(range(len(rows)))) == want


def test_a_big_lists_job_lines_are_taken_only_by_a_thread_that_waits_for_them(monkeypatch: Any) -> None:
    """Over TAKEN_WAITING rows, a caller that does not wait (the UI thread's part of a search) leaves the lines to
    a thread that waits (their check costs ~40 ms at 1M) and answers the same without them."""
    import opgtui.domain.joblist as joblist

    monkeypatch.setattr(joblist, "TAKEN_WAITING", 100)
    rows = _rows(300)
    listed = [r.job for r in rows]
    future: Future = Future()
    future.set_result((listed, [(len(listed), JobLines().block(listed))], None))
    rows.expect_lines(future)
    want = [i for i, r in enumerate(rows) if "held" in r.haystack]
    rows._take_lines()
    assert rows._blocks is None and rows._lines_future is future
    assert filter_rows(rows, "held", list(range(150))) == [i for i in want if i < 150]  # (does not wait)
    assert rows._blocks is None
    rows._take_lines(1.0)
    assert rows._blocks is not None and rows._lines_future is None
    assert filter_rows(rows, "held", list(range(len(rows)))) == want
    small = _rows(50)
    small.expect_lines(future)
    small._take_lines()  # a small list's are taken by whoever asks (its check costs microseconds)
    assert small._lines_future is None
