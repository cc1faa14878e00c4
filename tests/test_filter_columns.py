"""A free word searched column by column, before the rows' filter texts are built, keeps exactly the rows that the
filter texts keep (``w in row.haystack``), in the same order: on the recorded ads varied as a pool's are, the
synthetic jobs of the tests and of the bench, and hostile values (control characters, long and spaced texts,
non-ASCII letters whose lowercase depends on their neighbours)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from test_jobbrief import varied, write
from test_joblist import NOW, VERDICTS, jobs

from opgtui.core.model import Job, JobBrief, JobStatus
from opgtui.domain import joblist
from opgtui.domain.joblist import RowList, build_rows, filter_rows, parse_query
from opgtui.sources.dumps import load_files

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_joblist import synthetic_jobs


def hostile_jobs() -> list[Job]:
    """Jobs whose texts are cleaned, cut or lowercased in context: every shape ``safe``, ``one_line`` and
    ``short_id`` treat differently."""
    odd = [
        "ΑΣ.ΒΣ",
        "İSTANBUL",
        "a\x1b[31mb",
        "tab\there",
        "two  spaces",
        " lead",
        "trail ",
        "x" * 130,
        "line\nbreak",
        "\u202eevil",
        "K-Kelvin",
        "ǅz",
        "",
        "a\x9bb",
        "ÄÖÜ-ß",
        "w" * 30 + "  " + "q" * 30,
        "del\x7fete",
    ]
    out = []
    for i, text in enumerate(odd * 3):
        k = i % len(odd)
        schedd = ("sched.ΣΑ.org", "Jobsub01.FNAL.gov", "10.0.0.1", text or "s")[i % 4]
        j = Job(
            f"{schedd}#{700 + k}.{i}" if i % 5 else f"{text}#{i}",
            schedd,
            700 + k,
            i,
            jobsub_id=(None, "", f"{i}.0@{text}.x.org", f"{text}@{schedd}")[i % 4],
            owner=text or None,
            site=odd[(k + 1) % len(odd)],
            last_host=odd[(k + 2) % len(odd)] + ".chtc.wisc.edu",
            batch_name=odd[(k + 3) % len(odd)],
            experiment=odd[(k + 4) % len(odd)] or None,
            status=(None, 1, 2, 3, 4, 5, 6, 7, 9)[i % 9],
            status_since=(None, NOW - 5, NOW - 4000, NOW + 50, NOW - 9e6, float("nan"))[i % 6],
            hold_reason=(None, "", f"Error from slot1@{text}: {text} over  memory", text * 40, text)[i % 5],
            hold_code=34 if i % 5 else None,
            exit_code=(None, 0, 1, 137)[i % 4],
            exit_signal=(None, None, 9, 11, 4)[i % 5],
            cpu_user=(None, 10.0, 4e5, float("inf"))[i % 4],
            cpu_sys=(None, 1.0)[i % 2],
            wall=(None, 0.0, 3600.0, 1e-9, -5.0)[i % 5],
            request_cpus=(None, 0, 8, -1)[i % 4],
        )
        out.append(j)
    return out


def recorded_jobs(tmp_path: Path) -> list[JobBrief]:
    """The recorded ads varied as a pool's are, read as a dump is listed (brief records)."""
    loaded = load_files([write(varied(1200), tmp_path / "q.json", "lines")], brief=True)
    assert not loaded.errors
    return loaded.jobs  # type: ignore[return-value]


def words(rows: RowList, rng: random.Random, n: int) -> list[str]:
    """``n`` words drawn from the rows' own filter texts (pieces of one or several characters, across '.', '#',
    '@', digits), and words that match no row."""
    out = ["e1999.", "qz()[]=", "q", "(", ")", "[", "=", "zzz", "?", "%", "/", "…", "ς", "σ", "i̇", "^[", "\\x9b"]
    out += ["x…", "xxxx…", "ab", "^?e", "l^?", "é", "ας", "ασ", "wq"]  # made by cleaning or cutting; not ASCII
    texts = [r.haystack for r in rng.sample(list(rows), min(len(rows), 300))]
    while len(out) < n:
        pieces = rng.choice(texts).split()
        piece = rng.choice(pieces) if pieces else "x"
        start = rng.randrange(len(piece))
        word = piece[start : start + rng.choice((1, 2, 3, 4, 6, 9, 15, 40))]
        out.append(word + rng.choice(("", "", "", "", "q", "0", "!")))
    return out


def check(rows: RowList, rng: random.Random, n: int, built: bool = False) -> None:
    """Every word's rows (and its negation's), over the whole list and two pools, are the filter texts' rows;
    ``built``: the rows' filter texts are built (else they must never be)."""
    everything = list(range(len(rows)))
    pools: list[list[int] | range | None] = [None, rng.sample(everything, len(everything) // 3), range(5, len(rows))]
    for word in words(rows, rng, n):
        for query in (word, "!" + word):
            (term,) = parse_query(query) or [None]
            if term is None or term.field is not None:
                continue
            for pool in pools:
                seen = range(len(rows)) if pool is None else pool
                want = [i for i in seen if (term.value in rows[i].haystack) != term.negate]
                assert filter_rows(rows, query, pool) == want, (query, pool is None)
    assert (rows._haystacks is not None) == built  # without them: the texts were never needed


def test_free_words_on_hostile_values() -> None:
    check(build_rows(hostile_jobs(), now=NOW), random.Random(1), 400)


def test_free_words_on_the_tests_jobs() -> None:
    check(
        build_rows(jobs(1500, seed=9), VERDICTS, now=NOW, signatures={"jobsub01.fnal.gov#1000.0": "Mem-Σ"}),
        random.Random(2),
        300,
    )


def test_free_words_on_the_recorded_ads(tmp_path: Path) -> None:
    check(build_rows(recorded_jobs(tmp_path), now=NOW), random.Random(3), 300)


def test_free_words_on_the_bench_jobs() -> None:
    check(build_rows(synthetic_jobs(3000, seed=4), now=NOW), random.Random(4), 200)


@pytest.mark.parametrize("query", ["e1999. !wisc", "held fnpc", "!run 34", "purd exit:1"])
def test_several_words_and_fields_before_and_after_the_texts(query: str) -> None:
    rows = build_rows(synthetic_jobs(2000, seed=5), now=NOW)
    cold = filter_rows(rows, query)
    assert rows._haystacks is None
    rows.warm_haystacks(None)
    assert rows._haystacks is not None and cold == filter_rows(rows, query) == filter_rows(list(rows), query)


def test_a_status_code_outside_the_known_ones() -> None:
    rows = build_rows([hostile_jobs()[8]], now=NOW)
    assert rows[0].status == 9 and JobStatus.COMPLETED == 4
    assert filter_rows(rows, "?") == [0] == [i for i in range(1) if "?" in rows[i].haystack]


def hostile_verdicts(hostile: list[Job]) -> tuple[dict[str, str], dict[str, str]]:
    """Verdicts and signatures of the hostile jobs: cut, cleaned and lowercased in context too."""
    verdicts = {j.id: ("Mem-Σ", "ΑΣ", "İx", "a\nb", "", "v" * 60, "a\x1b[1mb")[k % 7] for k, j in enumerate(hostile)}
    signatures = {j.id: ("SIG-Σ", "", "x\x1by", "s" * 70)[k % 4] for k, j in enumerate(hostile)}
    return verdicts, signatures


@pytest.mark.parametrize("chunk", [1, 5, 16])
def test_free_words_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """The rows are read a chunk at a time: a value tested in one chunk is found again in later ones (kept or
    not), a chunk of clean ASCII values beside one that is not; with and without verdicts and signatures."""
    monkeypatch.setattr(joblist, "_CHUNK", chunk)
    hostile = hostile_jobs()
    check(build_rows(hostile, now=NOW), random.Random(6 + chunk), 150)
    check(
        build_rows(hostile, *hostile_verdicts(hostile)[:1], now=NOW, signatures=hostile_verdicts(hostile)[1]),
        random.Random(7 + chunk),
        150,
    )
    check(build_rows(synthetic_jobs(300, seed=chunk), now=NOW), random.Random(8 + chunk), 60)


def test_free_words_on_hostile_verdicts_and_signatures() -> None:
    hostile = hostile_jobs()
    verdicts, signatures = hostile_verdicts(hostile)
    check(build_rows(hostile, verdicts, now=NOW, signatures=signatures), random.Random(9), 300)


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("", True),
        ("jobsub01.fnal.gov#1.0 ~!()[]", True),
        ("a\tb", False),
        ("a\nb", False),
        ("a\x00b", False),
        ("a\x1b[1mb", False),
        ("del\x7fete", False),
        ("a\x9bb", False),
        ("é", False),
        ("x…", False),
    ],
)
def test_clean_ascii(text: str, clean: bool) -> None:
    """A value searched as it is must be ASCII and printable: its filter text holds only its own characters."""
    assert joblist._clean_ascii(text) is clean
    assert joblist._clean_ascii(f"ab {text} cd") is clean


def test_job_values_in_the_parts_order() -> None:
    """Each distinct-value set that _word_hits reads with comprehensions is the one of its part's attribute."""
    jobs_ = [*hostile_jobs(), *synthetic_jobs(50, seed=2)]
    assert list(joblist._job_values(jobs_)) == [set(map(get, jobs_)) for get, _text in joblist._TEXT_PARTS]


def test_a_word_only_in_the_short_id() -> None:
    """The short id is made of the jobsub id (its capitals lowercased) or, without one, of the schedd (cleaned):
    a word found there and in no other part."""
    listed = [
        Job("s#1.0", "s", 1, 0, jobsub_id="1.0@BigHost.Example.ORG"),
        Job("s#2.0", "s", 2, 0, jobsub_id="2.0@other.org"),
        Job("odd#3.0", "a\x1b[1mb.x.org", 3, 0),
        Job("odd#4.0", "ab.x.org", 4, 0, jobsub_id=""),
    ]
    rows = build_rows(listed, now=NOW)
    for word, kept in (("bighost", [0]), ("0@big", [0]), ("1.0@bighost", [0]), ("ab", [2, 3]), ("0@ab", [2, 3])):
        assert filter_rows(rows, word) == [i for i in range(len(rows)) if word in rows[i].haystack] == kept, word
