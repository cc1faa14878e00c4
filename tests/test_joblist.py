"""The job list's logic: columns, as-you-type filter, quick filters, sort, and grouping 20,000 failures into causes."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from opgtui.core.model import Job, JobStatus
from opgtui.domain.joblist import (
    COLUMN_INDEX,
    COLUMNS,
    GROUPINGS,
    QueryFilter,
    Row,
    Term,
    age_text,
    build_rows,
    filter_rows,
    group_rows,
    narrows,
    normalise_reason,
    parse_query,
    quick_filter,
    sort_indices,
    warm,
)

NOW = 1_795_600_000.0
SCHEDD = "jobsub01.fnal.gov"
# Real shapes: CHTC's Docker memory hold, the newer cgroup hold (code 34), a transfer failure (code 13)
DOCKER = "Error from slot1_{s}@{host}: Docker job has gone over memory limit of {m} Mb"
CGROUP = (
    "Error from slot1_{s}@glidein_{g}@{host}: Job has gone over cgroup memory limit of {m} megabytes. "
    "Last measured usage: {u} megabytes.  Consider resubmitting with a higher request_memory."
)
XFER = (
    "Error from slot1_1@{host}: Transfer input files failure at execution point slot1_1@{host} using "
    "protocol https. Details: curl_easy_perform() failed (6): 'Couldn't resolve host name'"
)
HOSTS = {"FNAL_GPGrid": "fnpc4108.fnal.gov", "Wisconsin": "e301.chtc.wisc.edu", "Purdue": "brown-a217.rcac.purdue.edu"}


def jobs(n: int = 2000, seed: int = 1) -> list[Job]:
    """``n`` synthetic jobs, 10% each: Docker/cgroup memory holds, transfer holds, exit 1/65/137, SIGSEGV;
    20% exit 0, 10% idle (no status time), 20% running. Job ``i`` has status time ``NOW - 60 i``."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        site = rng.choice(list(HOSTS))
        host = HOSTS[site]
        cluster, proc = 1000 + i // 100, i % 100
        j = Job(
            f"{SCHEDD}#{cluster}.{proc}",
            SCHEDD,
            cluster,
            proc,
            jobsub_id=f"{cluster}.{proc}@{SCHEDD}",
            owner=rng.choice(["novapro", "dunepro", "uboonepro"]),
            site=site,
            last_host=host,
            status_since=NOW - i * 60,
            batch_name=rng.choice(["reco_keepup", "mc_genie"]),
            cpu_user=3000.0 + i,
            cpu_sys=60.0,
            wall=4000.0,
            request_cpus=1,
        )
        roll = i % 10
        if roll == 0:
            m = rng.choice([2000, 2500, 4000, 16384])
            j.status, j.hold_code, j.hold_subcode = JobStatus.HELD, 34, 102
            template = DOCKER if i % 20 == 0 else CGROUP
            j.hold_reason = template.format(
                s=rng.randint(1, 8), g=rng.randint(1, 10**6), host=host, m=m, u=m + rng.randint(1, 300)
            )
        elif roll == 1:
            j.status, j.hold_code, j.hold_subcode = JobStatus.HELD, 13, 0
            j.hold_reason = XFER.format(host=host)
        elif roll in (2, 3):
            j.status, j.exit_code = JobStatus.COMPLETED, (1, 65, 137)[i % 3]
        elif roll == 4:
            j.status, j.exit_signal = JobStatus.COMPLETED, 11
        elif roll in (5, 6):
            j.status, j.exit_code = JobStatus.COMPLETED, 0
        elif roll == 7:
            j.status, j.status_since, j.cpu_user, j.cpu_sys, j.wall = JobStatus.IDLE, None, None, None, None
        else:
            j.status = JobStatus.RUNNING
        out.append(j)
    return out


VERDICTS = {f"{SCHEDD}#1000.0": "resource", f"{SCHEDD}#1000.1": "service"}
ROWS = build_rows(jobs(), VERDICTS, now=NOW)
ALL = list(range(len(ROWS)))


def cell(i: int, column: str) -> str:
    return ROWS[i].cells[COLUMN_INDEX[column]]


# ------------------------------------------------------------------ columns and rows


def test_columns_show_a_job() -> None:
    assert [c.key for c in COLUMNS] == [
        "status",
        "id",
        "owner",
        "site",
        "host",
        "reason",
        "verdict",
        "cpu/wall",
        "efficiency",
        "age",
    ]
    assert cell(0, "status") == "held" and cell(2, "status") == "fail" and cell(8, "status") == "run"
    assert cell(5, "status") == "done" and cell(7, "status") == "idle"
    assert cell(0, "id") == f"1000.0@{SCHEDD.split('.')[0]}"  # JobsubJobId, the schedd without its domain
    assert cell(0, "reason").startswith("Docker job has gone over memory limit")  # "Error from slot@host:" cut
    assert cell(2, "reason") == "exit 137" and cell(3, "reason") == "exit 1"
    assert cell(4, "reason") == "signal 11 (SIGSEGV)"
    assert cell(8, "reason") == ""  # running
    assert cell(0, "verdict") == "resource" and cell(2, "verdict") == ""
    assert cell(0, "cpu/wall") == "51m/1h06"  # 3060 s of CPU in 4000 s
    assert cell(0, "efficiency") == "76%" and cell(7, "efficiency") == "" and cell(7, "cpu/wall") == ""
    assert cell(3, "age") == "3m" and cell(7, "age") == ""


def test_the_first_screenfuls_cells_are_made_before_they_are_drawn() -> None:
    """RowList.make_cells: what the read's thread makes for the first paint is what the row shows."""
    rows = build_rows(jobs(50), VERDICTS, now=NOW)
    rows.make_cells([3, 7])
    assert rows._cells.keys() == {3, 7}
    assert [rows.cells_of(i) for i in range(50)] == [r.cells for r in rows]


def test_display_id_without_jobsub_id() -> None:
    (row,) = build_rows([Job("s#7.3", "schedd02", 7, 3)], now=NOW)
    assert row.cells[COLUMN_INDEX["id"]] == "7.3@schedd02"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (0, "0s"), (59, "59s"), (60, "1m"), (3 * 3600 + 5, "3h"), (2 * 86400 + 7, "2d"), (-5, "0s")],
)
def test_age_is_compact(seconds: float | None, text: str) -> None:
    assert age_text(seconds) == text


def test_rows_are_immutable() -> None:
    with pytest.raises(AttributeError):
        ROWS[0].verdict = "code"  # type: ignore[misc]


def test_hostile_text_is_cleaned_in_rows() -> None:
    j = Job(
        "s#1.0",
        "s",
        1,
        0,
        jobsub_id="[/foo]",
        owner="[@click=app.bell]x[/]",
        hold_reason="bad\x1b]52;c;eA==\x07 reason\x1b[2J\nnext line\ttab",
        site="\x9bsite",
        status=JobStatus.HELD,
    )
    (row,) = build_rows([j], {"s#1.0": "ser\x1bvice"}, now=NOW)
    assert row.cells[COLUMN_INDEX["id"]] == "[/foo]"
    assert row.cells[COLUMN_INDEX["owner"]] == "[@click=app.bell]x[/]"
    for text in row.cells:
        assert text.isprintable(), repr(text)
    for by in GROUPINGS:
        for g in group_rows([row], [0], by):
            assert g.key.isprintable() and g.sample.isprintable()


def test_modules_without_textual() -> None:
    code = "import sys, opgtui.domain.joblist; assert 'textual' not in sys.modules, 'joblist imports textual'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ quick filters and filter


def test_quick_filters() -> None:
    held = quick_filter(ROWS, "held")
    assert len(held) == 400 and all(ROWS[i].status == JobStatus.HELD for i in held)
    failed = quick_filter(ROWS, "failed")
    assert len(failed) == 1000  # held + non-zero exit + signalled
    assert not set(failed) & {i for i in ALL if cell(i, "reason") == "exit 0"}
    assert len(quick_filter(ROWS, "running")) == 400 and len(quick_filter(ROWS, "idle")) == 200
    assert quick_filter(ROWS, "all") == ALL


def test_filter_is_case_insensitive_substring() -> None:
    purdue = filter_rows(ROWS, "PURD")
    assert purdue and all(ROWS[i].job.site == "Purdue" for i in purdue)  # site and host both say purdue
    assert filter_rows(ROWS, "purdue") == purdue
    assert filter_rows(ROWS, "no-such-thing") == []
    assert filter_rows(ROWS, "   ") == ALL and filter_rows(ROWS, "!") == ALL and filter_rows(ROWS, "site:") == ALL


def test_filter_inverse_words_are_anded() -> None:
    purdue = filter_rows(ROWS, "purdue")
    not_purdue = filter_rows(ROWS, "!purdue")
    assert sorted(purdue + not_purdue) == ALL
    both = filter_rows(ROWS, "purdue novapro")
    assert both and all(ROWS[i].job.owner == "novapro" and ROWS[i].job.site == "Purdue" for i in both)
    assert filter_rows(ROWS, "novapro purdue") == both
    rest = filter_rows(ROWS, "purdue !novapro")
    assert sorted(both + rest) == purdue


def test_filter_fields() -> None:
    assert len(filter_rows(ROWS, "code:34")) == 200
    assert len(filter_rows(ROWS, "code:3")) == 0  # numbers match whole
    wisc = filter_rows(ROWS, "code:34 site:wisc")
    assert wisc and all(ROWS[i].job.site == "Wisconsin" and ROWS[i].hold_code == 34 for i in wisc)
    exit137 = filter_rows(ROWS, "exit:137")
    assert exit137 and all(ROWS[i].exit_code == 137 for i in exit137)
    assert len(filter_rows(ROWS, "signal:11")) == 200
    assert all(ROWS[i].job.owner == "novapro" for i in filter_rows(ROWS, "owner:novapro"))
    assert len(filter_rows(ROWS, "owner:pro")) == len(ROWS)
    assert filter_rows(ROWS, "verdict:resource") == [0]
    assert len(filter_rows(ROWS, "status:held")) == 400
    assert len(filter_rows(ROWS, "!code:34 status:held")) == 200
    assert len(filter_rows(ROWS, "batch:keepup")) + len(filter_rows(ROWS, "batch:genie")) == len(ROWS)
    assert filter_rows(ROWS, "host:fnpc4108") == filter_rows(ROWS, "site:fnal_gpgrid")
    assert filter_rows(ROWS, "nosuchfield:x") == []  # not a field: a word to find


def test_filter_within_given_indices() -> None:
    held = quick_filter(ROWS, "held")
    assert set(filter_rows(ROWS, "purdue", held)) == set(held) & set(filter_rows(ROWS, "purdue"))


def test_parse_query_and_narrowing_rules() -> None:
    assert parse_query("Purd !Nova site:WISC !code:34 x:y") == [
        Term("purd"),
        Term("nova", None, True),
        Term("wisc", "site"),
        Term("34", "code", True),
        Term("x:y"),
    ]
    assert narrows(parse_query("purd"), parse_query("pur"))
    assert narrows(parse_query("pur x"), parse_query("pur"))
    assert not narrows(parse_query("pur"), parse_query("purd"))
    assert not narrows(parse_query("!pur"), parse_query("!pu"))  # fewer rows excluded: wider
    assert narrows(parse_query("!p"), parse_query("!pu"))
    assert not narrows(parse_query("code:34"), parse_query("code:3"))
    assert not narrows(parse_query("site:wisc"), parse_query("site"))


def test_query_filter_narrows_the_previous_result_only_when_safe() -> None:
    qf = QueryFilter()
    for query in [
        "p",
        "pu",
        "pur",
        "purd",
        "purd ",
        "purd n",
        "purd no",
        "purd !no",
        "purd !n",
        "purd",
        "",
        "site:",
        "site:w",
        "site:wi",
        "code:3",
        "code:34",
        "!x",
        "!xy",
        "!x",
    ]:
        assert qf(ROWS, query) == filter_rows(ROWS, query), query
    held = quick_filter(ROWS, "held")
    assert qf(ROWS, "fnal", held) == filter_rows(ROWS, "fnal", held)
    assert qf(ROWS, "fnal", quick_filter(ROWS, "running")) == filter_rows(ROWS, "fnal", quick_filter(ROWS, "running"))


def test_query_filter_searches_only_the_previous_result() -> None:
    seen: list[int] = []

    class Spy(list):
        def __getitem__(self, i):  # type: ignore[no-untyped-def]
            seen.append(i)
            return super().__getitem__(i)

    rows = Spy(ROWS)
    qf = QueryFilter()
    first = qf(rows, "purd")
    seen.clear()
    qf(rows, "purdu")
    assert len(seen) == len(first) < len(ROWS)


# ------------------------------------------------------------------ sort


def test_sort_puts_unknown_last_both_ways() -> None:
    by_age = sort_indices(ROWS, ALL, "age")
    assert cell(by_age[0], "age") == "0s"  # the freshest first
    assert all(cell(i, "age") == "" for i in by_age[-200:])  # idle jobs without a status time
    rev = sort_indices(ROWS, ALL, "age", reverse=True)
    assert cell(rev[0], "age") == age_text(1999 * 60) and all(cell(i, "age") == "" for i in rev[-200:])
    assert ROWS[by_age[-1]].key("age") is None


def test_sort_numbers_numerically() -> None:
    rows = build_rows(
        [Job(f"s#{c}.{p}", "s", c, p) for c, p in [(10, 0), (9, 0), (100, 0), (10, 10), (10, 2)]], now=NOW
    )
    order = sort_indices(rows, [0, 1, 2, 3, 4], "id")
    assert [rows[i].job_id for i in order] == ["s#9.0", "s#10.0", "s#10.2", "s#10.10", "s#100.0"]
    eff = sort_indices(ROWS, ALL, "efficiency", reverse=True)
    values = [ROWS[i].job.efficiency for i in eff]
    known = [v for v in values if v is not None]
    assert known == sorted(known, reverse=True) and values[len(known) :] == [None] * (len(values) - len(known))


def test_sort_status_puts_trouble_first_and_is_stable() -> None:
    order = sort_indices(ROWS, ALL, "status")
    assert {cell(i, "status") for i in order[:600]} == {"fail"}
    assert {cell(i, "status") for i in order[600:1000]} == {"held"}
    held = order[600:1000]
    assert held == sorted(held)  # equal keys keep their order


@pytest.mark.parametrize("column", [c.key for c in COLUMNS])
def test_every_column_sorts(column: str) -> None:
    order = sort_indices(ROWS, ALL, column)
    assert sorted(order) == ALL
    assert sorted(sort_indices(ROWS, ALL[::3], column, reverse=True)) == ALL[::3]


def _stable_sort(rows: list[Row], indices: list[int], column: str, reverse: bool) -> list[int]:
    """The sort's meaning, spelled plainly: stable by the column's key, the rows without one last."""
    known = [i for i in indices if rows[i].key(column) is not None]
    known.sort(key=lambda i: rows[i].key(column), reverse=reverse)
    return known + [i for i in indices if rows[i].key(column) is None]


@pytest.mark.parametrize("column", [c.key for c in COLUMNS])
def test_kept_column_order_sorts_as_a_stable_sort(column: str) -> None:
    rows = build_rows(jobs(600, seed=5), VERDICTS, now=NOW)  # a RowList: its order per column is kept
    plain = list(rows)  # a plain list: sorted by the keys each time
    everything = list(range(len(rows)))
    shuffled = everything[:]
    random.Random(3).shuffle(shuffled)
    for indices in (everything, everything[::2], everything[::37], shuffled, shuffled[:100], [], [5]):
        for reverse in (False, True):
            want = _stable_sort(plain, indices, column, reverse)
            assert sort_indices(rows, indices, column, reverse) == want
            assert sort_indices(plain, indices, column, reverse) == want
    assert column in rows._sorts  # computed once, kept
    rows.extend(build_rows(jobs(50, seed=6), now=NOW))  # a list changed after it was sorted: sorted anew
    everything = list(range(len(rows)))
    for reverse in (False, True):
        assert sort_indices(rows, everything, column, reverse) == _stable_sort(list(rows), everything, column, reverse)


def _hostile_since(n: int, seed: int) -> list[float | int | None]:
    """Status times a sort by age must order as ``-status_since`` does: ties, None, negative, zero and -0.0,
    ints beside equal floats, big ints, infinities."""
    rng = random.Random(seed)
    pool: list[float | int | None] = [None, 0, 0.0, -0.0, -5, -5.0, 7, 7.0, 2**60, float(2**60), 2**60 + 1]
    pool += [float("inf"), float("-inf"), 1.5, -1.5, NOW, int(NOW), NOW + 0.25, True, False]
    return [rng.choice(pool) if rng.random() < 0.6 else rng.randrange(-3, 4) * rng.choice((1, 0.5)) for _ in range(n)]


@pytest.mark.parametrize("seed", range(6))
def test_age_order_is_the_plain_sort_by_age_key(seed: int) -> None:
    since = _hostile_since(700, seed)
    if seed == 0:
        since = [s if s is not None else 1 for s in since]  # no row without one
    elif seed == 1:
        since = [None] * 50  # no row with one
    made = jobs(len(since), seed=seed)
    for job, s in zip(made, since, strict=True):
        job.status_since = s
    rows = build_rows(made, now=NOW)
    plain = list(rows)
    everything = list(range(len(rows)))
    shuffled = everything[:]
    random.Random(seed).shuffle(shuffled)
    for indices in (everything, range(len(rows)), everything[1:], shuffled, shuffled[:90]):
        for reverse in (False, True, False):  # each order twice: the kept one answers as the first did
            want = _stable_sort(plain, list(indices), "age", reverse)
            assert sort_indices(rows, indices, "age", reverse) == want
            assert sort_indices(plain, indices, "age", reverse) == want
    assert rows._sorts["age"].keys == [r.key("age") for r in plain]


def test_field_terms_answer_as_each_rows_value_does() -> None:
    queries = [
        "site:purdue !novapro code:34",
        "code:34 subcode:102",
        "!code:13",
        "code:034",
        "exit:137 owner:dune",
        "!signal:11 status:fail",
        "host:purdue batch:reco !exp:nova",
        "verdict:serv !sig:x",
        "reason:memory id:1000",
    ]
    for query in queries:
        terms = parse_query(query)
        want = [i for i in ALL if all(_term_keeps(ROWS[i], t) for t in terms)]
        assert filter_rows(ROWS, query) == want, query


def _term_keeps(row: Row, term: Term) -> bool:
    value = row.fields[term.field] if term.field else row.haystack
    hit = value == term.value if term.exact else term.value in value
    return hit != term.negate


# ------------------------------------------------------------------ group


def test_normalise_reason_hides_hosts_slots_sizes_paths() -> None:
    a = normalise_reason("Error from slot1_3@e301.chtc.wisc.edu: Docker job has gone over memory limit of 16384 Mb")
    b = normalise_reason("Error from slot1_12@e4027.chtc.wisc.edu: Docker job has gone over memory limit of 2048 Mb")
    assert a == b == "Error from <slot>: Docker job has gone over memory limit of <size>"
    c = normalise_reason("Failed to open '/storage/local/data1/condor/execute/dir_1234/file.root' on 10.1.2.3:1094")
    assert c == "Failed to open '<path>' on <ip>"
    d = normalise_reason("xrdcp root://fndca1.fnal.gov:1094//pnfs/fnal.gov/x.root to worker fnpc4108.fnal.gov")
    assert d == "xrdcp <url> to worker <host>"


def test_hold_reasons_from_many_hosts_and_sizes_are_one_group() -> None:
    groups = group_rows(ROWS, quick_filter(ROWS, "held"), "hold reason")
    assert [g.count for g in groups] == [200, 100, 100]
    keys = [g.key for g in groups]
    assert keys[0].startswith("[13/0] Transfer input files failure at execution point <slot>")
    assert "[34/102] Docker job has gone over memory limit of <size>" in keys
    assert any(k.startswith("[34/102] Job has gone over cgroup memory limit of <size>.") for k in keys)
    for g in groups:  # the sample is one real reason of the group
        assert "<" not in g.sample and all(cell(i, "reason") for i in g.indices)
        assert g.sample == cell(g.indices[0], "reason") and g.count == len(g.indices)


def test_group_by_exit_code_site_owner() -> None:
    failed = quick_filter(ROWS, "failed")
    exits = {g.key: g.count for g in group_rows(ROWS, failed, "exit code")}
    assert exits == {"(no exit)": 400, "signal 11 (SIGSEGV)": 200, "exit 1": 134, "exit 65": 133, "exit 137": 133}
    sites = group_rows(ROWS, failed, "site")
    assert sum(g.count for g in sites) == len(failed) and {g.key for g in sites} == set(HOSTS)
    assert [g.count for g in sites] == sorted((g.count for g in sites), reverse=True)
    owners = group_rows(ROWS, ALL, "owner")
    assert {g.key for g in owners} == {"novapro", "dunepro", "uboonepro"}


@pytest.mark.parametrize("by", GROUPINGS)
def test_every_grouping_partitions_the_rows(by: str) -> None:
    groups = group_rows(ROWS, ALL, by)
    assert sorted(i for g in groups for i in g.indices) == ALL
    assert all(g.key for g in groups)


def test_twenty_thousand_failures_read_as_a_handful() -> None:
    rows = build_rows(jobs(40_000, seed=5), now=NOW)
    failed = quick_filter(rows, "failed")
    assert len(failed) == 20_000
    groups = group_rows(rows, [i for i in failed if rows[i].status == JobStatus.HELD], "hold reason")
    assert len(groups) == 3
    assert len(group_rows(rows, failed, "cause")) <= 8


def test_filter_texts_are_built_once_after_the_rows_and_agree_with_each_row() -> None:
    rows = build_rows(jobs(300, seed=3), VERDICTS, now=NOW)
    assert rows._haystacks is None  # nothing but the tuples before the first paint
    warm(rows)
    built = rows._haystacks  # what a filter reads
    assert built is rows._haystacks and built == [r.haystack for r in rows]
    assert filter_rows(rows, "wisc !novapro") == filter_rows(list(rows), "wisc !novapro")


def test_background_filter_texts_are_not_built_again_where_a_search_built_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from opgtui.domain import joblist

    rows = build_rows(jobs(500, seed=4), VERDICTS, now=NOW)
    searched = [3, 250, 251, 499, 120]
    assert filter_rows(rows, "wisc", searched) == filter_rows(list(rows), "wisc", searched)  # builds none
    assert rows._hay is None
    for i in searched:  # the first rows a shifter sees, built before the list is shown
        rows.haystack_of(i)
    built: list[int] = []
    real = joblist._build_haystacks
    monkeypatch.setattr(joblist, "_build_haystacks", lambda part: built.append(len(part)) or real(part))
    warm(rows)
    assert sum(built) == len(rows) - len(searched)  # each filter text built once
    assert rows._haystacks == [r.haystack for r in rows]
