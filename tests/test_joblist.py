"""The job list's logic: as-you-type filter, quick filters, sort, and grouping 20,000 failures into causes."""

from __future__ import annotations

import random

from opgtui.joblist import build_rows, filter_rows, group_rows, quick_filter, sort_indices
from opgtui.model import Job, JobStatus

NOW = 1_795_600_000.0
MEM = ("Error from slot1_{s}@glidein_{g}@{host}: Job has gone over cgroup memory limit of {m} megabytes. "
       "Last measured usage: {u} megabytes.  Consider resubmitting with a higher request_memory.")
XFER = ("Error from slot1_1@{host}: Transfer input files failure at execution point slot1_1@{host} using "
        "protocol https. Details: curl_easy_perform() failed (6): 'Couldn't resolve host name'")


def jobs(n: int = 2000, seed: int = 1) -> list[Job]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        host = rng.choice(["fnpc4108.fnal.gov", "e301.chtc.wisc.edu", "brown-a217.rcac.purdue.edu"])
        site = {"f": "FNAL_GPGrid", "e": "Wisconsin", "b": "Purdue-Brown"}[host[0]]
        j = Job(f"jobsub01.fnal.gov#{1000 + i // 100}.{i % 100}", "jobsub01.fnal.gov", 1000 + i // 100, i % 100,
                owner=rng.choice(["novapro", "dunepro"]), site=site, last_host=host, status_since=NOW - i * 60,
                batch_name=rng.choice(["reco_keepup", "mc_genie"]), cpu_user=3000.0, wall=4000.0, request_cpus=1)
        roll = i % 10
        if roll == 0:
            m = rng.choice([2000, 2500, 4000])
            j.status, j.hold_code, j.hold_subcode = JobStatus.HELD, 34, 102
            j.hold_reason = MEM.format(s=rng.randint(1, 8), g=rng.randint(1, 10**6), host=host, m=m,
                                       u=m + rng.randint(1, 300))
        elif roll == 1:
            j.status, j.hold_code, j.hold_reason = JobStatus.HELD, 13, XFER.format(host=host)
        elif roll in (2, 3):
            j.status, j.exit_code = JobStatus.COMPLETED, rng.choice([1, 65, 137])
        elif roll == 4:
            j.status, j.exit_signal = JobStatus.COMPLETED, 11
        elif roll in (5, 6):
            j.status, j.exit_code = JobStatus.COMPLETED, 0
        elif roll == 7:
            j.status, j.status_since = JobStatus.IDLE, None
        else:
            j.status = JobStatus.RUNNING
        out.append(j)
    return out


ROWS = build_rows(jobs(), {"jobsub01.fnal.gov#1000.0": "resource"}, now=NOW)


def test_quick_filters() -> None:
    held = quick_filter(ROWS, "held")
    assert len(held) == 400 and all(ROWS[i].status == JobStatus.HELD for i in held)
    failed = quick_filter(ROWS, "failed")
    assert len(failed) == 1000  # held + non-zero exit + signalled
    assert len(quick_filter(ROWS, "running")) == 400 and len(quick_filter(ROWS, "idle")) == 200
    assert len(quick_filter(ROWS, "all")) == 2000


def test_filter_words_negation_and_fields() -> None:
    purdue = filter_rows(ROWS, "purdue")
    assert purdue and all("purdue" in ROWS[i].haystack for i in purdue)
    not_purdue = filter_rows(ROWS, "!purdue")
    assert len(purdue) + len(not_purdue) == len(ROWS)
    held_34 = filter_rows(ROWS, "code:34")
    assert len(held_34) == 200
    assert set(filter_rows(ROWS, "code:34 site:wisc")) <= set(held_34)
    assert all(ROWS[i].exit_code == 137 for i in filter_rows(ROWS, "exit:137"))
    assert filter_rows(ROWS, "verdict:resource") == [0]
    assert filter_rows(ROWS, "no-such-thing") == []
    assert len(filter_rows(ROWS, "   ")) == len(ROWS)


def test_filter_narrows_a_previous_result() -> None:
    first = filter_rows(ROWS, "novapro")
    assert filter_rows(ROWS, "novapro fnpc", first) == filter_rows(ROWS, "novapro fnpc")


def test_sort_puts_unknown_last_both_ways() -> None:
    idx = list(range(len(ROWS)))
    by_age = sort_indices(ROWS, idx, "age")
    assert ROWS[by_age[-1]].keys[-1] is None  # idle jobs without a status time
    rev = sort_indices(ROWS, idx, "age", reverse=True)
    assert ROWS[rev[-1]].keys[-1] is None
    assert ROWS[by_age[0]].cells[-1] == "0s"  # the freshest first


def test_hold_reasons_from_many_hosts_and_sizes_are_one_group() -> None:
    groups = group_rows(ROWS, quick_filter(ROWS, "held"), "hold reason")
    assert [g.count for g in groups] == [200, 200]
    assert groups[0].key.startswith("[13/0]") or groups[0].key.startswith("[34/102]")
    assert "memory limit" in " ".join(g.sample for g in groups)


def test_group_by_exit_code_and_site() -> None:
    failed = quick_filter(ROWS, "failed")
    exits = {g.key: g.count for g in group_rows(ROWS, failed, "exit code")}
    assert exits["signal 11"] == 200
    sites = group_rows(ROWS, failed, "site")
    assert sum(g.count for g in sites) == len(failed) and len(sites) == 3


def test_hostile_names_are_cleaned_in_rows() -> None:
    j = Job("s#1.0", "s", 1, 0, owner="[@click=app.bell]x[/]", hold_reason="bad\x1b]52;c;eA==\x07 reason",
            status=JobStatus.HELD)
    (row,) = build_rows([j], now=NOW)
    assert row.cells[2] == "[@click=app.bell]x[/]"
    assert "\x1b" not in row.cells[5] and "\x07" not in row.cells[5]
