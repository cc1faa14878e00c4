"""A dump listed by its brief records (issue 18: rows off screen are not normalised yet) shows the shifter the same
table as one normalised whole: the same rows, cells, filter matches, sort orders and groups, on the recorded ads
(ids, hosts, states and values varied, as a pool of them would), whatever the dump's layout; and each job's whole
record, read back when asked for, is the one a full load makes."""

from __future__ import annotations

import copy
import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import pytest

from opgtui.core.model import Job, JobBrief
from opgtui.domain.joblist import COLUMN_KEYS, GROUPINGS, build_rows, filter_rows, group_rows, sort_indices, warm
from opgtui.sources.dumps import load_files

DATA = Path(__file__).parent / "data" / "condor"
NOW = 1_795_600_000.0
RECORDED = ("fifebatch_completed_2017.long", "chtc_held_docker_memory.long.ad", "test.old.ad")


def recorded_ads() -> list[dict[str, Any]]:
    """The recorded job ads, in ``condor_q -json`` layout (as the loader hands them to the raw-ad view)."""
    loaded = load_files([DATA / name for name in RECORDED])
    assert not loaded.errors and len(loaded.ads) == 4
    return [loaded.ads[j.id] for j in loaded.jobs]


def varied(n: int, seed: int = 3) -> list[dict[str, Any]]:
    """``n`` copies of the recorded ads with ids, hosts, states and values varied as a pool's are, and the odd
    value of another type (an expression, a float code, a string exit code) that the normaliser must refuse."""
    rnd = random.Random(seed)
    base = recorded_ads()
    out = []
    for i in range(n):
        ad = copy.deepcopy(base[i % len(base)])
        schedd = f"jobsub0{i % 3 + 1}.fnal.gov"
        ad["ClusterId"], ad["ProcId"] = 500_000 + i // 50, i % 50
        ad["GlobalJobId"] = f"{schedd}#{ad['ClusterId']}.{ad['ProcId']}#{1_700_000_000 + i}"
        if "JobsubJobId" in ad:
            ad["JobsubJobId"] = f"{ad['ClusterId']}.{ad['ProcId']}@{schedd}"
        ad["EnteredCurrentStatus"] = int(NOW) - rnd.randrange(86400 * 3)
        host = f"e{rnd.randrange(40)}.chtc.wisc.edu"
        if isinstance(ad.get("HoldReason"), str):
            ad["HoldReason"] = ad["HoldReason"].replace("e327.chtc.wisc.edu", host)
        roll = rnd.randrange(12)
        if roll == 0:
            ad["JobStatus"], ad["HoldReasonCode"], ad["HoldReasonSubCode"] = 5, 34, rnd.choice((0, 102))
            ad["HoldReason"] = f"Error from slot1_{rnd.randrange(8)}@{host}: memory usage exceeded request_memory"
        elif roll == 1:
            ad["JobStatus"], ad["ExitBySignal"], ad["ExitSignal"] = 4, True, rnd.choice((9, 11))
        elif roll == 2:
            ad["JobStatus"], ad["ExitCode"] = 4, rnd.choice((0, 1, 65, 137))
        elif roll == 3:
            ad["JobStatus"] = rnd.choice((1, 2, 3, 6, 7, 2.0))
        elif roll == 4:
            ad["ExitCode"] = "/Expr(ExitStatus + 1)/"
        elif roll == 5:
            ad["RemoteHost"] = f"slot1@glidein_{i}@{host}"
            ad["MATCH_EXP_JOB_GLIDEIN_Site"] = rnd.choice(("Wisconsin", "Unknown", "$$(GLIDEIN_Site:Unknown)"))
        elif roll == 6:
            ad["Owner"] = rnd.choice(("novapro", "dunepro", "/Expr(User)/"))
            ad["AccountingGroup"] = rnd.choice(("group_nova.prod.novapro", None))
        elif roll == 7:
            ad["RemoteUserCpu"], ad["RemoteWallClockTime"], ad["RequestCpus"] = float(i), 3600, rnd.choice((1, 8))
        elif roll == 8:
            ad.pop("JobStatus", None)  # trimmed: status from its completion and exit
            ad["CompletionDate"], ad["ExitStatus"] = int(NOW) - 60, 2
        out.append(ad)
    return out


def write(ads: list[Any], path: Path, layout: str) -> Path:
    """``ads`` as condor_q -json prints them (``pretty``: an ad over many lines, ``\\n,\\n`` between ads), one ad
    per line, or the whole array on one line."""
    if layout == "pretty":
        text = "[\n" + "\n,\n".join(json.dumps(a, indent=2) for a in ads) + "\n]\n"
    elif layout == "lines":
        text = "[\n" + ",\n".join(json.dumps(a) for a in ads) + "\n]\n"
    else:
        text = json.dumps(ads)
    path.write_text(text)
    return path


BRIEF_FIELDS = [f.name for f in dataclasses.fields(JobBrief)]


@pytest.mark.parametrize("layout", ["pretty", "lines", "one line"])
def test_brief_records_list_the_same_table_as_whole_jobs(tmp_path: Path, layout: str) -> None:
    path = write(varied(1500), tmp_path / "q.json", layout)
    brief = load_files([path], brief=True)
    whole = load_files([path], keep_ads=False)
    assert not brief.errors and not whole.errors
    assert all(type(j) is Job for j in whole.jobs) and not any(type(j) is Job for j in brief.jobs)
    assert [j.id for j in brief.jobs] == [j.id for j in whole.jobs] and len(brief.jobs) == 1500
    for b, j in zip(brief.jobs, whole.jobs, strict=True):
        assert [getattr(b, f) for f in BRIEF_FIELDS] == [getattr(j, f) for f in BRIEF_FIELDS], j.id

    rows, full_rows = build_rows(brief.jobs, now=NOW), build_rows(whole.jobs, now=NOW)
    every = list(range(len(rows)))
    assert [r.cells for r in rows] == [r.cells for r in full_rows]
    warm(rows, None)
    warm(full_rows, None)
    assert rows._haystacks is not None and rows._haystacks == full_rows._haystacks
    for column in COLUMN_KEYS:
        assert sort_indices(rows, every, column) == sort_indices(full_rows, every, column), column
    for by in GROUPINGS:
        assert group_rows(rows, every, by) == group_rows(full_rows, every, by), by
    for query in ("memory", "held !fnal", "site:wisc code:34", "exit:137", "owner:nova", "signal:9", "e1"):
        assert filter_rows(rows, query) == filter_rows(full_rows, query), query


def test_a_listed_job_s_whole_record_is_the_one_a_full_load_makes(tmp_path: Path) -> None:
    path = write(varied(600), tmp_path / "q.json", "pretty")
    brief = load_files([path], brief=True)
    whole = {j.id: j for j in load_files([path], keep_ads=False).jobs}
    ids = [j.id for j in brief.jobs][::-1]  # asked for in another order than the file's
    got = brief.full_jobs(ids)
    assert [j.id for j in got] == ids
    for job in got:
        assert type(job) is Job and dataclasses.replace(job, updated=None) == dataclasses.replace(
            whole[job.id], updated=None
        )
    assert brief.job(ids[3]) == got[3] and brief.job("nope#1.0") is None


def test_ads_the_normaliser_refuses_are_refused_alike(tmp_path: Path) -> None:
    ads: list[Any] = varied(40)
    ads[5] = {k: v for k, v in ads[5].items() if k not in ("ClusterId", "ProcId", "GlobalJobId")}
    ads[9]["ClusterId"] = 1 << 70
    ads[13] = {"MyType": "Machine", "Name": "slot1@e1.chtc.wisc.edu"}
    path = write(ads, tmp_path / "q.json", "pretty")
    brief, whole = load_files([path], brief=True), load_files([path])
    assert brief.errors == whole.errors and len(brief.errors) == 3, brief.errors
    assert [j.id for j in brief.jobs] == [j.id for j in whole.jobs] and len(brief.jobs) == 37
    assert [j.owner for j in brief.jobs] == [j.owner for j in whole.jobs]  # the rest filled past the bad ads
