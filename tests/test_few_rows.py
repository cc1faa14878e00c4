"""A free word few rows hold, answered whole from its mask's rows (issue 18, a host pasted at 1M jobs):
``few_rows`` gives a superset of the rows every term keeps, the Jobs view puts it in the base's order by sorting
those rows alone (``jobs._in_order``), and the answer is exactly what a search of the whole sorted base gives
(``w in row.haystack`` per row), in its order, for every sort, direction, quick filter, several terms and negated
ones, on hostile dumps; and the searches it rests on (``_codes_mask`` through byte planes, ``_lines_hits``, the
ids skipped where a character of the word is not) agree with the plain ones on hostile and random data."""

from __future__ import annotations

import random
from array import array
from pathlib import Path

import pytest
from test_dumpheads_parts import listed, more_hostile
from test_filter_columns import words
from test_jobbrief import varied, write

import opgtui.domain.joblist as joblist
from opgtui.domain.joblist import RowList, apply_terms, few_rows, parse_query, quick_filter, sort_indices
from opgtui.screens.jobs import _in_order
from opgtui.sources import dumpheads


@pytest.fixture(autouse=True)
def small_dumps_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dumpheads, "WORKER_MIN", 0)
    monkeypatch.setattr(dumpheads, "_FRAME", 3)  # many frames a part
    monkeypatch.setattr(dumpheads, "_LISTING_WAIT", 120.0)  # (forked) workers wait for start_lines: no lines
    monkeypatch.setattr(joblist, "FEW_SHARE", 3)  # (a few hundred rows: "few" is a third of them here)


def _want(rows: RowList, query: str, base: list[int]) -> list[int]:
    terms = parse_query(query)
    return [i for i in base if all((t.value in rows[i].haystack) != t.negate for t in terms if t.field is None)]


def check_few(rows: RowList, rng: random.Random, n: int) -> int:
    """Every query whose word few rows hold is answered as the whole sorted base's search is; how many were."""
    assert rows.check_parts()
    answered = 0
    queries = [w for w in words(rows, rng, n) if w.strip()]
    queries += [f"{a} {b}" for a, b in zip(queries[::7], queries[3::7], strict=False)]
    queries += [f"{a} !{b}" for a, b in zip(queries[1::9], queries[5::9], strict=False)]
    orders = [(q, c) for q in ("all", "held", "failed") for c in ("age", "owner", "reason", "status", "id")]
    for query in queries:
        terms = parse_query(query)
        if not terms or any(t.field is not None for t in terms):
            continue
        few = few_rows(rows, terms, lines=False)
        if few is None:
            continue
        answered += 1
        assert few == sorted(set(few))
        for quick, column in rng.sample(orders, 4):
            reverse = rng.random() < 0.5
            base = sort_indices(rows, quick_filter(rows, quick), column, reverse)
            want = _want(rows, query, base)
            assert set(want) <= set(few), query
            assert apply_terms(rows, terms, _in_order(rows, few, quick, column, reverse)) == want, (query, column)
    return answered


def test_few_rows_on_hostile_dumps(tmp_path: Path) -> None:
    path = write(more_hostile(500), tmp_path / "q.json", "lines")
    _result, rows, _future, readers = listed(path)
    try:
        assert check_few(rows, random.Random(41), 160) > 60
        assert rows._blocks is None  # answered from the parts alone
    finally:
        readers.stop()


def test_few_rows_on_the_recorded_ads(tmp_path: Path) -> None:
    path = write(varied(400, seed=17), tmp_path / "q.json", "lines")
    _result, rows, _future, readers = listed(path)
    try:
        assert check_few(rows, random.Random(42), 160) > 60
    finally:
        readers.stop()


def test_no_few_rows_before_the_parts_are_checked_on_the_ui_thread(tmp_path: Path) -> None:
    path = write(varied(200, seed=18), tmp_path / "q.json", "lines")
    _result, rows, _future, readers = listed(path)
    try:
        hosts = [r.job.last_host.lower() for r in rows if r.job.last_host]
        host = min(hosts, key=lambda h: sum(h in r.haystack for r in rows))
        terms = parse_query(host)
        assert few_rows(rows, terms, lines=False) is None  # (the check is a thread's, after the table appears)
        assert few_rows(rows, terms) is not None
        assert few_rows(rows, terms, lines=False) == [i for i in range(200) if host in rows[i].haystack]
    finally:
        readers.stop()


def test_few_rows_from_the_job_lines_and_not_where_an_age_may_hold_the_word(tmp_path: Path) -> None:
    path = write(varied(300, seed=19), tmp_path / "q.json", "lines")
    _result, rows, future, readers = listed(path)
    try:
        readers.listed(next(iter(readers._taken)))  # the job lines: asked for, and waited for
        rows.await_lines(60)
        assert future.done() and rows._blocks is not None
        ages = sorted({joblist._age(r.job, r) for r in rows} - {""})
        queries = [*ages, *(a[:1] for a in ages), *(a[-2:] for a in ages), "1", "0s", "7", "9h", "1d"]
        rng = random.Random(43)
        queries += [w for w in words(rows, rng, 80) if w.strip()]
        base = sort_indices(rows, quick_filter(rows, "all"), "age", True)
        answered = 0
        for query in queries:
            terms = parse_query(query)
            few = few_rows(rows, terms) if terms else None
            if few is None:
                continue
            answered += 1
            want = _want(rows, query, base)
            assert set(want) <= set(few), query
            assert apply_terms(rows, terms, _in_order(rows, few, "all", "age", True)) == want, query
        assert answered > 20
        assert few_rows(RowList(), parse_query("3d")) is None
    finally:
        readers.stop()


def _codes_entry(rng: random.Random, texts: int, n: int, typecode: str) -> list[object]:
    skew = rng.random() < 0.5
    codes = array(
        typecode, (min(texts - 1, int(rng.paretovariate(1.2))) if skew else rng.randrange(texts) for _ in range(n))
    )
    return [0, n, codes, [""] * texts, None, None, None]


@pytest.mark.parametrize("seed", range(6))
def test_codes_mask_through_byte_planes_is_the_plain_test(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        texts = rng.choice((1, 2, 200, 256, 257, 300, 4000, 65536, 65537, 70000))
        entry = _codes_entry(
            rng, texts, rng.choice((0, 1, 7, 500, 3000)), rng.choice("HIL" if texts <= 65536 else "IL")
        )
        codes = entry[2]
        assert isinstance(codes, array)
        for _ in range(12):
            k = rng.choice((0, 1, 2, 3, 8, texts // 20, texts // 2, texts - 1, texts))
            hits = sorted(rng.sample(range(texts), max(0, min(k, texts))))
            want = bytes(map(set(hits).__contains__, codes))
            assert bytes(joblist._codes_mask(entry, hits)) == want, (texts, len(hits))


def _blocks(rng: random.Random) -> list[tuple[int, int, str]]:
    alphabet = "ab.1@#é σς\t"
    blocks, first = [], 0
    for _ in range(rng.randrange(1, 6)):
        rows = rng.randrange(1, 40)
        lines = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))) for _ in range(rows)]
        blocks.append((first, rows, "\n".join(lines)))
        first += rows
    return blocks


@pytest.mark.parametrize("seed", range(4))
def test_lines_hits_and_the_character_check_agree_with_each_line(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        blocks = _blocks(rng)
        n = sum(rows for _f, rows, _t in blocks)
        lines = [line for _f, _r, text in blocks for line in text.split("\n")]
        for word in ("a", "b.", "ab", "1@", "é", "σς", "zz", "#a.b", "q", ".", "ba1"):
            want = [i for i, line in enumerate(lines) if word in line]
            assert list(joblist._lines_mask(blocks, word, n)) == [int(i in want) for i in range(n)]
            most = rng.randrange(0, n + 2)
            assert joblist._lines_hits(blocks, word, most) == (want if len(want) <= most else None)
