"""The job parts a big dump's workers send with its heads (issue 18): each job's status-and-reason and
owner-site-host-batch-experiment texts as codes into each worker's distinct texts, and its ids' line. A free word
no CPU/wall or efficiency text may hold is answered from them as soon as the table is listed, without waiting
for the job lines: exactly the rows their filter texts keep (``w in row.haystack``), negated too, in order, on
hostile values written into the dump (final sigma, escapes, bidi, line breaks, numbers beyond 64 bits and beyond
any float, expressions, values of another type, missing attributes), on the recorded ads and on synthetic jobs;
a dump changed on disk drops them."""

from __future__ import annotations

import json
import random
import sys
from array import array
from pathlib import Path
from typing import Any

import pytest
from test_dumpheads_lines import hostile_ads
from test_filter_columns import hostile_jobs, recorded_jobs, words
from test_jobbrief import varied, write
from test_joblist import NOW, VERDICTS, jobs

import opgtui.domain.joblist as joblist
from opgtui.domain.joblist import JobLines, RowList, build_rows, filter_rows, parse_query
from opgtui.ops.dumpview import JOB_LINES
from opgtui.sources import dumpheads
from opgtui.sources.dumps import UNREAD, LoadResult, load_files

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_joblist import synthetic_jobs


@pytest.fixture(autouse=True)
def small_dumps_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dumpheads, "WORKER_MIN", 0)
    monkeypatch.setattr(dumpheads, "_FRAME", 3)  # many frames a part
    monkeypatch.setattr(dumpheads, "_LISTING_WAIT", 120.0)  # (forked) workers wait for start_lines: no lines


def check_parts(rows: RowList, rng: random.Random, n: int, future: Any = None) -> int:
    """Every word the parts answer (and its negation), over the whole list and two pools, keeps the rows whose
    filter texts hold it, answered from the parts (the job lines not in: ``future`` not done); how many words."""
    everything = list(range(len(rows)))
    pools: list[Any] = [None, rng.sample(everything, len(everything) // 3), range(5, len(rows))]
    answered = 0
    extra = ["σ", "ς", "\u202e", "\\x1b", "(changed)", "fail", "held", "error", "slot1@", "#", ".fnal", "σ.β"]
    for word in [*words(rows, rng, n), *extra]:
        (term,) = parse_query(word) or [None]
        if term is None or term.field is not None or not rows._parts_word(term.value):
            continue
        answered += 1
        for query in (word, "!" + word):
            negate = query.startswith("!")
            for pool in pools:
                seen = range(len(rows)) if pool is None else pool
                want = [i for i in seen if (term.value in rows[i].haystack) != negate]
                assert filter_rows(rows, query, pool) == want, (query, pool is None)
        assert term.value in rows._part_masks
    assert rows._blocks is None and (future is None or not future.done())  # no job lines were needed
    return answered


def listed(path: Path, fork: bool = True) -> tuple[LoadResult, RowList, Any, dumpheads.HeadReaders]:
    """The dump listed by two workers, its rows with their parts; the job lines not asked for yet."""
    readers = dumpheads.HeadReaders([path], workers=2, fork=fork, lines=JOB_LINES)
    assert str(path) in readers._files
    result = load_files([path], brief=True, heads=readers)
    future = result.job_lines()
    parts = result.job_parts()
    assert future is not None and parts is not None
    rows = build_rows(result.jobs, now=NOW)
    rows.expect_lines(future)
    assert rows.use_parts(*parts)
    return result, rows, future, readers


def more_hostile(n: int) -> list[dict[str, Any]]:
    """Hostile ads, and values the parts must read exactly as the rows do: integers beyond 64 bits and floats
    where integers belong (the rest is then none), strings that are expressions, values of another type,
    missing attributes, ids with line breaks."""
    ads = hostile_ads(n)
    for i, ad in enumerate(ads):
        k = i % 19
        if k == 0:
            ad["HoldReasonCode"] = 2**64 + 3
        elif k == 1:
            ad["NumJobStarts"] = 2.5
        elif k == 2:
            ad["Owner"] = '/Expr(strcat("a", "b"))/'
            ad["RemoteHost"] = "/Expr(x)/"
        elif k == 3:
            ad["Owner"] = 12345
            ad["AccountingGroup"] = ["group_a", "b"]
        elif k == 4:
            for attr in ("Owner", "JobBatchName", "RemoteHost", "LastRemoteHost", "HoldReason", "RequestCpus"):
                ad.pop(attr, None)
        elif k == 5:
            ad["RequestCpus"] = True
            ad["HoldReason"] = "Line one\nLINE TWO \u202eΣΑΣ\x1b]52;c;aGk=\x07"
            ad["JobStatus"] = 5
        elif k == 6:
            ad["RemoteUserCpu"] = -(2**63) - 1
        elif k == 7:
            ad["RemoteSysCpu"] = 1.7e308
            ad["x509UserProxyVOName"] = "ΣΑΣ\nvo"
        elif k == 8:
            ad["JobsubJobId"] = f"{ad['ClusterId']}.{ad['ProcId']}@line\nbreak.Host"
        elif k == 9:
            ad["HoldReasonSubCode"] = {"a": 1}
    return ads


def beyond_floats(ads: list[dict[str, Any]], path: Path) -> Path:
    """``ads`` written with numbers beyond any float (``1e400``) and integers beyond one in some rests."""
    text = "[\n" + ",\n".join(json.dumps(a) for a in ads) + "\n]\n"
    text = text.replace('"RemoteWallClockTime": ', '"RemoteWallClockTime": 1e400, "x": ', 9)
    text = text.replace('"RequestCpus": ', '"RequestCpus": 1' + "9" * 400 + ', "y": ', 5)
    path.write_text(text)
    return path


@pytest.mark.parametrize("fork", [True, False])
def test_the_parts_say_what_the_rows_hold(tmp_path: Path, fork: bool) -> None:
    path = write(more_hostile(760), tmp_path / "q.json", "lines")
    _result, rows, future, readers = listed(path, fork)
    assert not future.done()
    try:  # (a spawned worker's wait for start_lines is not this test's: it goes on after 10 s)
        assert check_parts(rows, random.Random(31), 300, future if fork else None) > 150
    finally:
        readers.stop()
    assert rows._haystacks is None  # answered without a row's filter text


def test_numbers_beyond_any_float_and_the_recorded_ads(tmp_path: Path) -> None:
    path = beyond_floats(varied(600, seed=12), tmp_path / "q.json")
    _result, rows, future, readers = listed(path)
    try:
        assert check_parts(rows, random.Random(32), 200, future) > 100
    finally:
        readers.stop()


def test_the_recorded_ads_on_one_line(tmp_path: Path) -> None:
    path = write(varied(500, seed=13), tmp_path / "q.json", "one line")
    _result, rows, future, readers = listed(path)
    try:
        check_parts(rows, random.Random(33), 150, future)
    finally:
        readers.stop()


def test_a_key_before_the_lines_on_many_rows_does_not_wait(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(joblist, "LINES_WAIT_ROWS", 10)  # (5,000 rows in the app: these 400 stand for them)
    path = write(varied(400, seed=4), tmp_path / "q.json", "lines")
    _result, rows, future, readers = listed(path)
    try:
        host = next(r.job.last_host for r in rows if r.job.last_host)
        for word in (host.split(".")[0][-5:] + ".", "held", rows[7].job.id.split("#")[1][:7], "!" + "fnal"):
            terms = parse_query(word)
            found = [i for part in joblist.filter_steps(rows, terms, list(range(400))) for i in part]
            assert found == [i for i in range(400) if (terms[0].value in rows[i].haystack) != terms[0].negate]
            assert not future.done() and rows._blocks is None  # answered without waiting for the job lines
        # a word that may be in a CPU/wall or efficiency text waits for the lines (here: told to go on)
        readers.listed(readers and next(iter(readers._taken)))
        terms = parse_query("1")
        found = [i for part in joblist.filter_steps(rows, terms, list(range(400))) for i in part]
        assert future.done() and rows._blocks is not None
        assert found == [i for i in range(400) if "1" in rows[i].haystack]
        check_parts_after_lines(rows)
    finally:
        readers.stop()


def check_parts_after_lines(rows: RowList) -> None:
    """Once the job lines are in, a word the parts answer is still answered from them, the same rows."""
    for word in ("fnal", "σ", "e1999.", "held"):
        assert filter_rows(rows, word) == [i for i in range(len(rows)) if word in rows[i].haystack]
        assert word in rows._part_masks


def test_a_dump_changed_on_disk_drops_the_parts(tmp_path: Path) -> None:
    path = write(varied(300), tmp_path / "q.json", "lines")
    result, rows, _future, readers = listed(path)
    try:
        owner = next(j.owner for j in result.jobs if j.owner).lower()
        assert filter_rows(rows, owner) and rows._parts is not None
        path.write_text(path.read_text() + " ")  # another size: the rest of each row can no longer be read
        found = filter_rows(rows, owner)
        assert rows._parts is None and result.files[0].changed
        assert found == [i for i in range(300) if owner in rows[i].haystack]
        assert filter_rows(rows, UNREAD) == [i for i in range(300) if UNREAD in rows[i].haystack]
    finally:
        readers.stop()


def test_no_parts_without_a_maker(tmp_path: Path) -> None:
    path = write(varied(300), tmp_path / "q.json", "lines")
    readers = dumpheads.HeadReaders([path], workers=2, fork=True)
    result = load_files([path], brief=True, heads=readers)
    readers.stop()
    assert result.job_parts() is None and len(result.jobs) == 300


# ------------------------------------------------------------ the main side alone, on jobs of every kind


def with_parts(rows: RowList, runs: int = 3, valid: Any = None) -> RowList:
    """The rows with job parts made here as a dump's workers make them (``runs`` workers, each its own tables)."""
    listed = [r.job for r in rows]
    parts = []
    size = -(-len(listed) // runs)
    for start in range(0, len(listed), size):
        maker, said, where = JobLines(), {}, {}
        run = listed[start : start + size]
        said_codes = array("I", [said.setdefault(maker.said(j), len(said)) for j in run])
        where_codes = array("I", [where.setdefault(maker.where(j), len(where)) for j in run])
        ids = [(0, "")] + [
            (len(run[k : k + 5]), maker.join(list(map(maker.ids, run[k : k + 5])))) for k in range(0, len(run), 5)
        ]
        parts.append((len(run), said_codes, list(said), where_codes, list(where), ids))
    assert rows.use_parts(listed, parts, valid)
    return rows


@pytest.mark.parametrize("runs", [1, 4])
def test_hostile_values(runs: int) -> None:
    rows = with_parts(build_rows(hostile_jobs(), VERDICTS, now=NOW, signatures={"x": "Σig"}), runs)
    assert check_parts(rows, random.Random(41), 300) > 100


def test_synthetic_jobs_many_texts() -> None:
    rows = with_parts(build_rows(synthetic_jobs(6000), now=NOW), 2)
    coded = rows._parts[0]  # type: ignore[index]
    assert max(len(entry[3]) for entry in coded) > 256  # codes beyond a byte: found, or tested one by one
    assert check_parts(rows, random.Random(42), 200) > 100


def test_the_tests_and_recorded_jobs(tmp_path: Path) -> None:
    check_parts(with_parts(build_rows(jobs(1500, seed=9), VERDICTS, now=NOW)), random.Random(43), 200)
    check_parts(with_parts(build_rows(recorded_jobs(tmp_path), now=NOW), 2), random.Random(44), 200)


def test_parts_of_other_rows_are_refused() -> None:
    rows = build_rows(jobs(50), now=NOW)
    other = build_rows(jobs(50), now=NOW)
    maker = JobLines()
    listed = [r.job for r in other]
    part = (50, array("I", [0] * 50), [maker.said(listed[0])], array("I", [0] * 50), [""], [(50, "x\n" * 49 + "x")])
    assert not rows.use_parts(listed, [part])
    assert not other.use_parts(listed, [(49, *part[1:])])
    assert rows._parts is None and other._parts is None


# ------------------------------------------------------------ a worker's parts against the whole rest, job by job

#: Strings where a narrow normalisation could differ from set_rest's: empty, expressions, sites that name none,
#: final sigma, bidi, line breaks, spaces, hosts of every form (sinful strings, IPs, bare names).
ODD_TEXTS = [
    None,
    "",
    " ",
    "/Expr(x)/",
    "/Expr(",
    "$$(GLIDEIN_Site)",
    "Unknown",
    "Local Job",
    "UNDEFINED",
    "ΑΣ",
    "ΑΣ.ΒΣ",
    "İSTANBUL",
    "two  spaces",
    " lead",
    "trail ",
    "line\nbreak",
    "\u202eevil",
    "x" * 130,
    "FNAL_GPGrid",
    "group_nova.prod.novapro",
    "fermilab",
    "/fermilab/dune/Role=Analysis",
    "dune",
    "slot1@glidein_1_2@fnpc4108.FNAL.gov",
    "slot1_3@e301.chtc.wisc.edu",
    "<131.225.1.2:9618?addrs=x&alias=Host.Σ.org&noUDP>",
    "<1.2.3.4:9618>",
    "slot1@1.2.3.4",
    "slot1@bare",
    "slot1@ΣΑΣ.Example.ORG ",
    "Error from slot1@h.ΣΑΣ.org: OVER  memory\nand more",
]
WHERE_ATTRS = (
    "Owner",
    "JobBatchName",
    "HoldReason",
    "RemoteHost",
    "LastRemoteHost",
    "MATCH_EXP_JOB_GLIDEIN_Site",
    "MachineAttrGLIDEIN_Site0",
    "MATCH_GLIDEIN_Site",
    "JOB_Site",
    "MATCH_EXP_JOBGLIDEIN_ResourceName",
    "AccountingGroup",
    "AcctGroup",
    "Jobsub_Group",
    "x509UserProxyVOName",
    "x509UserProxyFirstFQAN",
)
ODD_NUMBERS: list[Any] = [None, 0, 1, -1, 2**63 - 1, -(2**63), 2.5, 1e300, -0.0, 34]


def odd_ads(n: int, seed: int) -> list[dict[str, Any]]:
    """Plain ads (the plain decoder accepts them) of odd texts and numbers, repeated and mixed so that texts are
    made from values met before and new (the same raw values, the same host from other slots)."""
    rng = random.Random(seed)
    ads = []
    for i in range(n):
        ad: dict[str, Any] = {
            "ClusterId": rng.choice([1, 77, 2**40, 2**63 - 1]),
            "ProcId": i,
            "GlobalJobId": rng.choice(["s1.fnal.gov#1.0#1", "ΣΑΣ.org#1.0#1", "bare#1.0#1"]),
            "JobStatus": rng.choice([1, 2, 3, 4, 5, 7, None]),
            "ExitCode": rng.choice([None, 0, 1, 2**63 - 1]),
            "ExitBySignal": rng.choice([None, True, False]),
            "ExitSignal": rng.choice([None, 9]),
            "CompletionDate": rng.choice([None, 0, 1700000000]),
            "ExitStatus": rng.choice([None, 3]),
        }
        for attr in WHERE_ATTRS:
            if rng.random() < 0.6:
                ad[attr] = rng.choice(ODD_TEXTS)
        for attr in dumpheads._INT_ATTRS:
            ad[attr] = rng.choice([v for v in ODD_NUMBERS if type(v) is not float])
        for attr in dumpheads._NUMBER_ATTRS:
            ad[attr] = rng.choice(ODD_NUMBERS)
        ads.append(ad)
    return ads


def worker_parts(ads: list[dict[str, Any]], path: Path) -> tuple[list[str], list[str], list[str]]:
    """Each ad's said, where and ids texts as a worker's parts make them (:func:`dumpheads.read_part` of the
    whole dump, its frames read back)."""
    import io
    import os

    import msgspec

    from opgtui.sources.dumps import array_bounds

    path.write_text("[\n" + ",\n".join(json.dumps(a) for a in ads) + "\n]\n")
    fd = os.open(path, os.O_RDONLY)
    begin, last, _split = array_bounds(fd, path.stat().st_size)  # type: ignore[misc]
    os.close(fd)
    out = io.BytesIO()
    assert dumpheads.read_part(str(path), begin, last, "line", out, JOB_LINES) == 0
    said_texts: list[str] = []
    where_texts: list[str] = []
    said, where, ids = [], [], []
    data, at = out.getvalue(), 0
    while True:
        (size,) = dumpheads._LENGTH.unpack_from(data, at)
        frame = msgspec.msgpack.decode(data[at + 8 : at + 8 + size])
        at += 8 + size
        if not frame:
            break
        parts = frame[4]
        assert parts is not None and len(frame[3]) == sum(frame[1])
        said_texts += parts[2]
        where_texts += parts[3]
        said += [said_texts[c] for c in array("I", parts[0])]
        where += [where_texts[c] for c in array("I", parts[1])]
        ids += parts[4].split("\n")
    return said, where, ids


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_workers_parts_are_the_whole_rests_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Plain ads, and now and then one the plain decoder refuses (its segment read the exact way, between
    plain ones): each job's texts are those of its whole brief (set_rest; none when it raises, as the fill)."""
    from opgtui.core.model import JobBrief
    from opgtui.sources.jobbrief import BRIEF_ATTRS, HEAD_ATTRS, brief_from_values, set_head, set_rest

    monkeypatch.setattr(dumpheads, "_wait_for_the_listing", lambda: 1 / 0)  # (the heads pass alone)
    ads = odd_ads(1500, seed)
    for k in range(40, len(ads), 97):
        ads[k]["HoldReasonCode" if k % 2 else "RemoteWallClockTime"] = 2**64 + k  # refused: the exact way
        ads[k + 1]["Owner"] = ["a", k]
    said, where, ids = worker_parts(ads, tmp_path / "q.json")
    assert len(said) == len(where) == len(ids) == len(ads)
    maker = JobLines()
    for k, ad in enumerate(ads):  # each job's whole brief (set_rest), made by a maker of its own
        values = tuple(map(ad.get, BRIEF_ATTRS))
        try:
            brief = brief_from_values(values)
        except ValueError:  # its rest is none
            brief = JobBrief.__new__(JobBrief)
            set_head(brief, values[: len(HEAD_ATTRS)])
            set_rest(brief, (None,) * (len(BRIEF_ATTRS) - len(HEAD_ATTRS)))
        assert (said[k], where[k]) == (maker.said(brief), maker.where(brief)), ad
        assert ids[k] == maker.ids(brief).replace("\n", " ")
    assert len(set(where)) > 50 and len(set(said)) > 20


@pytest.mark.parametrize("attr", [*dumpheads._INT_ATTRS, *dumpheads._NUMBER_ATTRS])
def test_the_plain_decoder_refuses_what_makes_set_rest_raise(attr: str) -> None:
    """The parts set only the fields their texts read: a value that makes set_rest raise (then the row's rest is
    none) must send its segment the exact way."""
    import msgspec

    from opgtui.sources.jobbrief import REST_ATTRS, set_rest

    for value in [2**63, -(2**63) - 1, 2**64 + 3, 10**400, 1e20, -1e19, 9.3e18, True, "1", 1e308 * 10]:
        rest = dict.fromkeys(REST_ATTRS)
        rest[attr] = value
        try:
            set_rest(type("B", (), {})(), tuple(rest.values()))
            raises = False
        except ValueError:
            raises = True
        text = json.dumps([{"ClusterId": 1, "ProcId": 0, attr: value}]).encode()
        try:
            dumpheads._plain_decoder().decode(text)
            accepted = True
        except msgspec.DecodeError:
            accepted = False
        assert not (accepted and raises), (attr, value)


def test_ids_of_odd_schedds_as_their_whole_path_makes_them() -> None:
    """A job without a jobsub id: its ids made once per schedd (JobLines._at_short) as the whole path makes them
    from the same text as its jobsub id."""
    from opgtui.core.model import JobBrief

    schedds = [t for t in ODD_TEXTS if type(t) is str] + ["s@t.org", "a.b", "1.2.3.4", "ΑΣ.x", "x" * 60, "Σ"]
    schedds += ["x" * 77, "x" * 78, "x" * 79, "İ.Fnal", "Σ.σ", "aΣ", "a.ΑΣ", "\x1b.org", "a\u0301Σ.b"]
    maker = JobLines()
    for schedd in schedds:
        for cluster, proc in [(1, 0), (123456789, 12), (-5, 3), (2**63 - 1, 2**63 - 1), (0, -1)]:
            brief, same = JobBrief.__new__(JobBrief), JobBrief.__new__(JobBrief)
            for b, jobsub in ((brief, None), (same, f"{cluster}.{proc}@{schedd}")):
                b.cluster, b.proc, b.schedd, b.jobsub_id = cluster, proc, schedd, jobsub
                b.id = f"{schedd}#{cluster}.{proc}"
            assert maker.ids(brief) == JobLines().ids(same), (schedd, cluster, proc)
