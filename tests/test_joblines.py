"""A free word searched in the job lines of a dump's rows (``RowList.use_lines``: made by the processes that read
the dump, :class:`~opgtui.domain.joblist.JobLines`) keeps exactly the rows their filter texts keep
(``w in row.haystack``), in the same order, negated too: on hostile values, the recorded ads read as a dump is
listed, the tests' and the bench's synthetic jobs, with and without verdicts; and a list whose lines are not its
rows', or whose dump changed, is searched as before."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest
from test_filter_columns import check, hostile_jobs, recorded_jobs
from test_joblist import NOW, VERDICTS, jobs

from opgtui.domain.joblist import JobLines, RowList, build_rows, filter_rows, warm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_joblist import synthetic_jobs


def with_lines(rows: RowList, size: int = 7, valid: Any = None) -> RowList:
    """The rows with their job lines, in blocks of ``size`` jobs (a block of none among them), as a dump's come."""
    maker = JobLines()
    listed = [r.job for r in rows]
    blocks = [(0, "")]
    for start in range(0, len(listed), size):
        part = listed[start : start + size]
        blocks.append((len(part), maker.block(part)))
    assert rows.use_lines(listed, blocks, valid)
    return rows


def test_hostile_values() -> None:
    check(with_lines(build_rows(hostile_jobs(), now=NOW)), random.Random(11), 400)


def test_hostile_values_with_verdicts() -> None:
    hostile = hostile_jobs()
    verdicts = {j.id: ("Mem-Σ", "ΑΣ", "İx", "a\nb", "")[k % 5] for k, j in enumerate(hostile)}
    signatures = {j.id: ("SIG-Σ", "", "x\x1by")[k % 3] for k, j in enumerate(hostile)}
    rows = build_rows(hostile, verdicts, now=NOW, signatures=signatures)
    check(with_lines(rows, 5), random.Random(12), 300)


def test_the_tests_jobs() -> None:
    rows = build_rows(jobs(1500, seed=9), VERDICTS, now=NOW, signatures={"jobsub01.fnal.gov#1000.0": "Mem-Σ"})
    check(with_lines(rows, 64), random.Random(13), 300)


def test_the_recorded_ads(tmp_path: Path) -> None:
    check(with_lines(build_rows(recorded_jobs(tmp_path), now=NOW), 100), random.Random(14), 300)


def test_the_bench_jobs() -> None:
    check(with_lines(build_rows(synthetic_jobs(3000, seed=4), now=NOW), 500), random.Random(15), 200)


def test_ages_and_numbers() -> None:
    """Words made of the characters of ages, CPU/wall times and efficiencies: the age is the row's (its list's
    time), the others the job's."""
    rows = with_lines(build_rows(synthetic_jobs(2000, seed=6), now=NOW), 300)
    for query in ("1d", "d", "2h", "5m", "9s", "?", "%", "0%", "1", "17", "100", "h0", "/", "nan", "inf", "-"):
        for q in (query, "!" + query):
            want = [i for i in range(len(rows)) if (query in rows[i].haystack) != q.startswith("!")]
            assert filter_rows(rows, q) == want, q


def test_lines_of_other_rows_are_refused() -> None:
    rows = build_rows(synthetic_jobs(50, seed=7), now=NOW)
    listed = [r.job for r in rows]
    maker = JobLines()
    assert not rows.use_lines(listed[::-1], [(50, maker.block(listed[::-1]))])  # another order
    assert not rows.use_lines(listed, [(49, maker.block(listed[:49]))])  # one short
    assert rows._blocks is None
    broken = maker.block(listed).replace(" ", "\n", 1)  # a line too many: the lines are not trusted
    assert rows.use_lines(listed, [(50, broken)])
    want = [i for i in range(50) if "a" in rows[i].haystack]
    assert filter_rows(rows, "a") == want and rows._blocks is None


def test_a_changed_dump_makes_the_lines_unused() -> None:
    rows = build_rows(synthetic_jobs(400, seed=8), now=NOW)
    state = {"valid": True}
    with_lines(rows, 50, lambda: state["valid"])
    word = rows[123].haystack.split()[1][:9]
    assert filter_rows(rows, word) == [i for i in range(400) if word in rows[i].haystack]
    assert word in rows._masks
    state["valid"] = False
    filter_rows(rows, word)
    assert rows._blocks is None and not rows._masks


def test_ages_once_the_texts_are_built() -> None:
    rows = with_lines(build_rows(synthetic_jobs(2000, seed=6), now=NOW), 300)
    warm(rows, None)
    assert rows._haystacks is not None and rows._hay_blocks is None  # the lines answer: the texts not joined
    for query in ("1d", "d", "2h", "5m", "9s", "?", "17", "!3d", "!s"):
        want = [i for i in range(len(rows)) if (query.lstrip("!") in rows[i].haystack) != query.startswith("!")]
        assert filter_rows(rows, query) == want, query


@pytest.mark.parametrize("query", ["e1999. !wisc", "held fnpc", "!run 34", "purd exit:1", "d !1d"])
def test_several_words_before_and_after_the_texts(query: str) -> None:
    rows = with_lines(build_rows(synthetic_jobs(2000, seed=5), now=NOW), 256)
    cold = filter_rows(rows, query)
    rows.warm_haystacks(None)
    assert cold == filter_rows(rows, query) == filter_rows(list(rows), query)


def check_joined(rows: RowList, rng: random.Random, n: int) -> None:
    """As ``check``, over rows whose filter texts are built and joined (``warm``): searched in the joined texts."""
    warm(rows, None)
    assert rows._hay_blocks is not None
    check(rows, rng, n, built=True)
    assert rows._hay_masks


def test_joined_texts_of_hostile_values() -> None:
    hostile = hostile_jobs()
    verdicts = {j.id: ("Mem-Σ", "ΑΣ", "İx", "a\nb", "")[k % 5] for k, j in enumerate(hostile)}
    signatures = {j.id: ("SIG-Σ", "", "x\nby")[k % 3] for k, j in enumerate(hostile)}  # a line break: not joined
    rows = build_rows(hostile, verdicts, now=NOW, signatures=signatures)
    check_joined(rows, random.Random(31), 300)
    assert any(text is None for _first, _n, text in rows._hay_blocks or [])


def test_joined_texts_of_the_bench_jobs() -> None:
    rows = build_rows(synthetic_jobs(9000, seed=3), VERDICTS, now=NOW)
    check_joined(rows, random.Random(32), 150)
    assert all(text is not None for _first, _n, text in rows._hay_blocks or [])


@pytest.mark.parametrize("ones", [0, 1, 7, 60, 400, 3000])
def test_a_masks_rows_picked_by_their_set(ones: int) -> None:
    """A mask's rows in a pool's order (``_picked``): none, a few (their set, no per-row test of the mask), many
    (the per-row test), in list, shuffled, range and reversed-range pools, negated too: the per-row answer."""
    from opgtui.domain.joblist import _mask_hits, _picked

    rng = random.Random(ones)
    n = 5000
    mask = bytearray(n)
    for i in rng.sample(range(n), ones):
        mask[i] = 1
    assert (_mask_hits(mask) is None) == (ones * 16 > n)
    shuffled = list(range(n))
    rng.shuffle(shuffled)
    for pool in (list(range(n)), shuffled, shuffled[:700], range(n), range(40, 3000), range(n - 1, -1, -3), []):
        for negate in (False, True):
            want = [i for i in pool if bool(mask[i]) != negate]
            assert _picked(pool, mask, negate) == want, (ones, negate, type(pool))
    odd = bytearray(mask)
    odd[3] = 2  # not a mask of 0 and 1 bytes: tested row by row
    assert _mask_hits(odd) is None
    assert _picked(range(n), odd, False) == [i for i in range(n) if odd[i]]


@pytest.mark.parametrize("joined", [False, True])
def test_a_big_searchs_steps_read_one_mask(monkeypatch: pytest.MonkeyPatch, joined: bool) -> None:
    """A search of most of many rows in steps too small to ask for a word's mask each (``filter_steps``) makes
    it once, first: over the job lines with every filter text built (a dump's rows once the texts are in), and
    over the joined texts; the same rows as ``w in row.haystack``, in the pool's order, negated too."""
    import opgtui.domain.joblist as joblist

    monkeypatch.setattr(joblist, "LINES_STEP", 60)
    rows = build_rows(synthetic_jobs(3000, seed=8), VERDICTS, now=NOW)
    if not joined:
        with_lines(rows, 400)
    warm(rows, None)
    assert (rows._hay_blocks is not None) == joined and rows._haystacks is not None
    pool = list(range(len(rows)))
    random.Random(8).shuffle(pool)
    for query in ("e399.", "wisc", "qz", "!e398.", "1d", "!held"):
        terms = joblist.parse_query(query)
        found = [i for part in joblist.filter_steps(rows, terms, pool, 60) for i in part]
        word, negate = terms[0].value, terms[0].negate
        assert found == [i for i in pool if (word in rows[i].haystack) != negate], query
        masks = rows._hay_masks if joined else {**rows._masks, **rows._part_masks}
        assert word in masks, query  # made once, not each step's rows searched one by one
