"""Recorded dumps and event logs through the real parsers (classad2, orjson, JobEventLog): real ads give the
shifter's fields, every format gives the same records, bad input names the file and line and keeps the good
ads, nothing raises."""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from opgtui.core.model import Job, JobStatus
from opgtui.sources import dumps
from opgtui.sources.dumps import detect, iter_long_ads, literal, load_files

DATA = Path(__file__).parent / "data" / "condor"
FIFE_LONG = DATA / "fifebatch_completed_2017.long"
FIFE_JSON = DATA / "fifebatch_completed_2017.derived.json"


@pytest.fixture
def utc() -> Iterator[None]:
    """Event logs older than 8.8 carry no year and are read in local time: pin the zone."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def plain(job: Job) -> Job:
    return dataclasses.replace(job, source=None, updated=None)


def test_real_fifebatch_dune_jobs() -> None:
    result = load_files([FIFE_LONG])
    assert result.errors == []
    jobs = {j.id: j for j in result.jobs}
    j = jobs["fifebatch1.fnal.gov#14158503.10"]
    assert (j.owner, j.site, j.last_host, j.experiment) == ("jmalbos", "FNAL_GPGrid", "fnpc4108.fnal.gov", "dune")
    assert j.submit_time == 1486408089 and j.end_time == 1486408342 and j.cpu_sys == 6.0
    # the trimmed ad has no JobStatus, but a CompletionDate and an ExitCode: completed, as the table says
    assert j.status == JobStatus.COMPLETED and j.exit_code == 0
    assert j.source == str(FIFE_LONG) and j.updated is not None
    assert result.ads[j.id]["x509UserProxyVOName"] == "dune"
    assert jobs["fifebatch1.fnal.gov#14155293.202"].last_host == "fnpc9051.fnal.gov"


def test_long_and_json_of_the_same_ads_agree_field_for_field_and_in_the_raw_ad() -> None:
    long, js = load_files([FIFE_LONG]), load_files([FIFE_JSON])
    assert [plain(j) for j in long.jobs] == [plain(j) for j in js.jobs]
    assert long.ads == js.ads  # expressions too: "/Expr(...)/" as classad2 unparses them
    assert long.ads["fifebatch1.fnal.gov#14158503.10"]["Requirements"].startswith("/Expr(")


def test_real_held_job() -> None:
    result = load_files([DATA / "chtc_held_docker_memory.long.ad"])
    (j,) = result.jobs
    assert j.status == JobStatus.HELD and j.hold_code == 34 and j.hold_subcode == 0
    assert "Docker job has gone over memory limit of 16384 Mb" in (j.hold_reason or "")
    assert j.last_host == "e301.chtc.wisc.edu"
    assert result.ads[j.id]["TransferInputStats"] == {"CedarFilesCountLastRun": 6, "CedarFilesCountTotal": 6}
    assert result.ads[j.id]["NumHoldsByReason"] == {"JobOutOfResources": 1}


def test_expressions_stay_expressions() -> None:
    result = load_files([DATA / "test.old.ad"])
    (j,) = result.jobs
    assert j.memory_request_mb is None  # RequestMemory = ifthenelse(...): a blank field, not a guess
    raw = result.ads[j.id]
    assert raw["RequestMemory"] == (
        "/Expr(ifthenelse(MemoryUsage isnt undefined,MemoryUsage,(ImageSize + 1023) / 1024))/"
    )
    assert raw["HoldReason"] is None and raw["CurrentTime"] == "/Expr(time())/"


def test_truncated_dump_keeps_the_good_ads_and_names_the_line(tmp_path: Path) -> None:
    text = FIFE_LONG.read_text()
    cut = text[: text.rindex('Owner = "') + len('Owner = "lebr')]  # mid-string in the second ad
    bad = tmp_path / "cut.long"
    bad.write_text(cut)
    result = load_files([bad])
    assert [j.id for j in result.jobs] == ["fifebatch1.fnal.gov#14158503.10"]
    line = cut.count("\n") + 1
    assert result.errors == [f"{bad}:{line}: Owner: unterminated string (truncated dump?)"]


def test_truncated_inside_an_expression(tmp_path: Path) -> None:
    text = FIFE_LONG.read_text()
    second = text.index("\n\n") + 2
    bad = tmp_path / "cut.long"
    bad.write_text(text[: second + 40])  # inside the second ad's Requirements
    result = load_files([bad])
    assert len(result.jobs) == 1
    line = text[:second].count("\n") + 1
    assert result.errors == [
        f"{bad}:{line}: Requirements: not a ClassAd expression: "
        f"{text[second + len('Requirements = ') : second + 40].strip()!r}"
    ]


def test_a_damaged_ad_in_the_middle_is_skipped_and_named(tmp_path: Path) -> None:
    ads = FIFE_LONG.read_text().strip().split("\n\n")
    broken = "ClusterId = 1\nthis line is not an attribute\nProcId = 0\n"
    bad = tmp_path / "mixed.long"
    bad.write_text(ads[0] + "\n\n" + broken + "\n" + ads[1] + "\n")
    result = load_files([bad])
    assert len(result.jobs) == 2
    line = ads[0].count("\n") + 4
    assert result.errors == [f"{bad}:{line}: not a ClassAd attribute line (expected 'Name = value')"]


def test_not_classads_and_missing_files(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello shifter\nthis is not a dump\n")
    binary = tmp_path / "core"
    binary.write_bytes(bytes(range(256)) * 10)
    result = load_files([junk, tmp_path / "missing.long", binary, DATA / "test.old.ad"])
    assert len(result.jobs) == 1
    nothing = (
        "not a condor_q/condor_history -long or -json dump, nor a job event log "
        "(line 1: not a ClassAd attribute line (expected 'Name = value'))"
    )
    assert result.errors == [  # one line per file
        f"{junk}: {nothing}",
        f"{tmp_path / 'missing.long'}: cannot read: No such file or directory",
        f"{binary}: {nothing}",
    ]


def test_a_large_file_that_is_not_a_dump_stops_early(tmp_path: Path) -> None:
    log = tmp_path / "job.out"
    log.write_text("%MSG-w SAM: file not found\n\nretrying in 10 s\n\n" * 1000)
    result = load_files([log])
    assert result.jobs == [] and result.errors == [  # read no further than the second bad ad
        f"{log}: not a condor_q/condor_history -long or -json dump, nor a job event log "
        "(line 1: not a ClassAd attribute line (expected 'Name = value'))"
    ]


def test_truncated_json_keeps_complete_ads_and_names_the_line(tmp_path: Path) -> None:
    data = FIFE_JSON.read_text()
    bad = tmp_path / "cut.json"
    bad.write_text(data[: int(len(data) * 0.8)])
    result = load_files([bad])
    assert [j.id for j in result.jobs] == ["fifebatch1.fnal.gov#14158503.10"]
    (err,) = result.errors
    assert err.startswith(f"{bad}:") and "kept the 1 complete ads before it" in err
    line = int(err.split(":")[1])
    assert 50 < line <= data[: int(len(data) * 0.8)].count("\n") + 1


def test_json_that_is_not_ads(tmp_path: Path) -> None:
    f = tmp_path / "numbers.json"
    f.write_text('[1, {"Owner": "x"}]')
    result = load_files([f])
    assert result.jobs == []
    assert result.errors == [
        f"{f}: ad 1: not a ClassAd (a JSON int)",
        f"{f}: ad 2: ad has no ClusterId/ProcId (nor a GlobalJobId)",
    ]


def test_format_is_detected_from_content_not_name(tmp_path: Path) -> None:
    disguised = tmp_path / "queue.long"
    shutil.copy(FIFE_JSON, disguised)
    other = tmp_path / "ads.json"
    shutil.copy(FIFE_LONG, other)
    assert detect(disguised.read_bytes()[:4096]) == "json" and detect(other.read_bytes()[:4096]) == "long"
    assert len(load_files([disguised]).jobs) == 2 and len(load_files([other]).jobs) == 2
    assert detect(b'[\n  Type = "DagStatus";\n]') == "new"
    assert detect(b"000 (9229.000.000) 2025-02-13 11:59:47 Job submitted") == "eventlog"


def test_banners_comments_crlf_and_jsonl(tmp_path: Path) -> None:
    text = FIFE_LONG.read_text()
    f = tmp_path / "global.long"
    f.write_bytes(
        ("-- Schedd: fifebatch1.fnal.gov : <131.225.0.1:9615>\n# recorded for a test\n" + text)
        .replace("\n", "\r\n")
        .encode()
    )
    result = load_files([f])
    assert result.errors == [] and len(result.jobs) == 2
    assert result.ads == load_files([FIFE_LONG]).ads
    jl = tmp_path / "ads.jsonl"
    jl.write_bytes(b"\n".join(__import__("orjson").dumps(a) for a in load_files([FIFE_JSON]).ads.values()))
    assert [j.id for j in load_files([jl]).jobs] == [j.id for j in result.jobs]


def test_banner_names_the_schedd_of_ads_without_global_job_id(tmp_path: Path) -> None:
    f = tmp_path / "q.long"
    f.write_text(
        '-- Schedd: jobsub02.fnal.gov : <131.225.0.2:9615?sock=x>\nClusterId = 7\nProcId = 3\nOwner = "novapro"\n'
    )
    (j,) = load_files([f]).jobs
    assert j.id == "jobsub02.fnal.gov#7.3"


def test_streaming_across_block_boundaries_and_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    many = tmp_path / "many.long"
    many.write_text((FIFE_LONG.read_text().strip() + "\n\n") * 20)
    whole = list(iter_long_ads(many))
    monkeypatch.setattr(dumps, "_BLOCK", 97)  # blocks much smaller than an ad
    seen: list[tuple[int, int]] = []
    small = list(iter_long_ads(many, lambda done, total: seen.append((done, total))))
    assert small == whole and len(whole) == 40
    assert [line for line, _ in whole[:3]] == [1, 47, 93]
    assert seen[-1] == (many.stat().st_size, many.stat().st_size)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))


def test_keep_ads_false_reads_the_same_jobs_faster_path() -> None:
    full = load_files([FIFE_LONG, DATA / "chtc_held_docker_memory.long.ad", DATA / "test.old.ad"])
    lean = load_files([FIFE_LONG, DATA / "chtc_held_docker_memory.long.ad", DATA / "test.old.ad"], keep_ads=False)
    assert lean.ads == {} and lean.errors == []
    assert [plain(j) for j in lean.jobs] == [plain(j) for j in full.jobs]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"a \\"quoted\\" word"', 'a "quoted" word'),
        ("42", 42),
        ("-1.5", -1.5),
        ("true", True),
        ("FALSE", False),
        ("undefined", None),
        ("1e3", 1000.0),
        ('{1, "a"}', [1, "a"]),
        ("[ A = 1 ]", {"A": 1}),
        ("MemoryUsage * 2", "/Expr(MemoryUsage * 2)/"),
    ],
)
def test_literals(text: str, value: object) -> None:
    assert literal(text) == value


def test_event_log_dag_nodes(utc: None) -> None:
    result = load_files([DATA / "tiny_problems.dag.nodes.log"])
    assert result.errors == []
    jobs = {j.id: j for j in result.jobs}
    assert set(jobs) == {f"test02#{c}.0" for c in range(9229, 9235)}  # schedd from the submit host's alias
    failed = jobs["test02#9231.0"]
    assert failed.status == JobStatus.COMPLETED and failed.exit_code == 1 and failed.failed
    assert (failed.cpu_user, failed.bytes_out, failed.memory_request_mb, failed.disk_used_kb) == (4, 6249, 2048, 90)
    assert failed.last_host == "test02" and failed.num_starts == 1
    aborted = jobs["test02#9229.0"]
    assert aborted.status == JobStatus.REMOVED and aborted.wall == 43
    types = [e.type for e in result.events if e.job_id == "test02#9229.0"]
    assert types == ["SUBMIT", "EXECUTE", "JOB_EVICTED", "JOB_ABORTED"]
    details = {e.type: e.detail for e in result.events}
    assert details["JOB_ABORTED"] == "DAG Abort: DAG is exiting and writing rescue file. (by user testuser)"
    assert details["POST_SCRIPT_TERMINATED"] == "POST script exit code 2"
    assert result.events[0].attrs["StructuredNotes"] == {"DAGNodeName": "provisioningJob"}
    assert result.events[0].time == 1739447987  # 2025 logs carry an ISO date


def test_old_event_log_with_every_event_type(utc: None) -> None:
    result = load_files([DATA / "htcondor_test_condor.eventlog"])
    assert result.errors == [
        f"{DATA / 'htcondor_test_condor.eventlog'}: 845 events carry no job id (cluster -1) and were skipped"
    ]
    (a, b) = result.jobs
    assert a.id == "128.105.175.133#2758.0" and b.id == "128.105.175.133#2759.0"
    assert (a.status, a.exit_code, a.last_host) == (JobStatus.COMPLETED, 0, "128.105.144.30")
    assert (a.cpu_user, a.cpu_sys, a.wall, a.bytes_in, a.bytes_out) == (6, 0, 7, 3739141, 552)
    assert time.strftime("%m/%d %H:%M:%S", time.gmtime(a.submit_time or 0)) == "03/20 21:04:58"  # no year
    assert [e.detail for e in result.events[:3]] == [
        "from 128.105.175.133; DAG Node: A",
        "on 128.105.144.30",
        "exit code 0",
    ]


def test_job_ad_information_events(utc: None) -> None:
    result = load_files([DATA / "test_log.txt"])
    assert result.errors == []
    j = next(j for j in result.jobs if j.id == "169.228.38.38#236467.0")
    assert j.status == JobStatus.IDLE
    assert result.ads[j.id]["JOBGLIDEIN_CMSSite"].startswith("$$([ifThenElse(")
    assert [e.type for e in result.events][:2] == ["SUBMIT", "JOB_AD_INFORMATION"]


def test_a_dump_wins_over_events_and_later_dumps_win(tmp_path: Path, utc: None) -> None:
    log = tmp_path / "copy.log"
    shutil.copy(DATA / "tiny_problems.dag.nodes.log", log)
    q = tmp_path / "q.long"
    q.write_text(
        'GlobalJobId = "test02#9231.0#1"\nClusterId = 9231\nProcId = 0\nJobStatus = 5\n'
        'HoldReasonCode = 34\nOwner = "testuser"\n'
    )
    result = load_files([log, q, log])
    assert len({j.id for j in result.jobs}) == len(result.jobs) == 6
    assert next(j for j in result.jobs if j.id == "test02#9231.0").hold_code == 34
    assert len(result.events) == 40  # both copies of the log


# ------------------------------------------------------------------ the fast -json path and raw ads kept on disk


def test_json_with_a_wrong_typed_attribute_and_an_ad_without_id(tmp_path: Path) -> None:
    ads = orjson.loads(FIFE_JSON.read_bytes())
    ads[0]["RemoteSysCpu"] = "6"  # a string where a number belongs: that field blank, the job shown
    ads.insert(1, {"Owner": "nobody"})
    f = tmp_path / "odd.json"
    f.write_bytes(orjson.dumps(ads, option=orjson.OPT_INDENT_2))
    result = load_files([f])
    assert result.errors == [f"{f}: ad 2: ad has no ClusterId/ProcId (nor a GlobalJobId)"]
    first, second = result.jobs
    assert first.cpu_sys is None and first.owner == "jmalbos" and first.last_host == "fnpc4108.fnal.gov"
    assert second.id == "fifebatch1.fnal.gov#14155293.202"
    assert result.ads[first.id]["RemoteSysCpu"] == "6" and result.ads[second.id] == ads[2]  # the right ad each


def test_raw_ads_are_read_back_from_the_dump_and_a_changed_dump_says_so(tmp_path: Path) -> None:
    f = tmp_path / "q.json"
    shutil.copy(FIFE_JSON, f)
    result = load_files([f, f])  # the same jobs twice: the later wins, once each
    assert len(result.jobs) == len(result.ads) == 2
    assert dict(result.ads) == load_files([FIFE_LONG]).ads
    f.write_bytes(f.read_bytes().replace(b"jmalbos", b"someone"))
    with pytest.raises(dumps.DumpChanged, match="changed since it was loaded"):
        result.ads["fifebatch1.fnal.gov#14158503.10"]
    f.unlink()
    fresh = load_files([FIFE_JSON])
    assert fresh.ads["fifebatch1.fnal.gov#14158503.10"]["Owner"] == "jmalbos"


def test_a_json_dump_of_many_ads_reads_every_ad_to_the_right_job(tmp_path: Path) -> None:
    base = orjson.loads(FIFE_JSON.read_bytes())[0]
    ads = [
        dict(base, ClusterId=1, ProcId=p, Owner=f"user{p}", GlobalJobId=f"s#1.{p}#0", Args="{ [nested] }")
        for p in range(300)
    ]
    f = tmp_path / "many.json"
    f.write_bytes(b"[\n" + b",\n".join(orjson.dumps(a, option=orjson.OPT_INDENT_2) for a in ads) + b"\n]\n")
    result = load_files([f])
    assert [j.owner for j in result.jobs] == [f"user{p}" for p in range(300)]
    assert all(result.ads[f"s#1.{p}"]["Owner"] == f"user{p}" for p in (0, 7, 299))


def test_a_json_dump_written_on_one_line_is_read_a_segment_at_a_time(tmp_path: Path) -> None:
    """``json.dumps(ads)`` puts a whole array on one line: it is cut between ads all the same (a row filled in
    reads its own 16 KB, not the whole file); a string holding ``}, {`` is no place to cut, and such a file is
    still read right (by the general path)."""
    base = orjson.loads(FIFE_JSON.read_bytes())[0]
    f = tmp_path / "one_line.json"
    for reason in ("plain", "odd }, { text"):
        ads = [
            dict(base, ClusterId=1, ProcId=p, Owner=f"user{p}", GlobalJobId=f"s#1.{p}#0", HoldReason=f"{reason} {p}")
            for p in range(300)
        ]
        f.write_bytes(orjson.dumps(ads))
        assert b"\n" not in f.read_bytes()
        result = load_files([f], brief=True)
        assert [j.owner for j in result.jobs] == [f"user{p}" for p in range(300)]
        assert result.jobs[299].hold_reason == f"{reason} 299"
        assert result.ads["s#1.150"]["Owner"] == "user150"
        assert [j.owner for j in result.full_jobs(["s#1.3", "s#1.299"])] == ["user3", "user299"]
        if reason == "plain":
            assert len(result.files[0].firsts) > 10  # cut into segments, not one of the whole file


# ---------------------------------------------------------------- hostile dumps: one line each, never a traceback


def _one_ad_with(value: str) -> bytes:
    return (
        b'[{"ClusterId": 7, "ProcId": 0, "GlobalJobId": "s.example#7.0#1", "JobStatus": 5, "X": 1},\n'
        b' {"ClusterId": 8, "ProcId": 0, "GlobalJobId": "s.example#8.0#1", "JobStatus": 5, ' + value.encode() + b"}]\n"
    )


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (f'"ExitCode": {2**64 + 5}', "ad 2: ExitCode = 18446744073709551621: an integer beyond 64 bits"),
        (f'"ClusterId": {2**70}, "ProcId": 0', "ad 2: ClusterId = 11805916207174113034…: an integer beyond 64 bits"),
        ('"QDate": ' + "9" * 400, "ad 2: a number too large for any job attribute"),
        ('"ClusterId": ' + "9" * 5000, "an integer of thousands of digits"),
        ('"X": ' + "[" * 1000 + "]" * 1000, None),  # read: the projection skips X
        ('"X": ' + "[" * 100_000 + "]" * 100_000, "values nested too deeply for a job ad"),
    ],
)
def test_huge_numbers_and_deep_nesting_are_one_line_naming_file_and_ad(
    tmp_path: Path, value: str, says: str | None
) -> None:
    path = tmp_path / "hostile.json"
    path.write_bytes(_one_ad_with(value))
    result = load_files([path])
    assert "s.example#7.0" in {j.id for j in result.jobs}  # the good ad before it still loads
    if says is None:
        assert result.errors == [] and len(result.jobs) == 2
        return
    assert len(result.errors) == 1 and result.errors[0].startswith(str(path)) and says in result.errors[0]
    assert "\n" not in result.errors[0] and len(result.errors[0]) < 300


def test_a_job_with_a_64_bit_overflow_never_reaches_the_store(tmp_path: Path) -> None:
    from opgtui.store import open_store

    path = tmp_path / "big.json"
    path.write_bytes(_one_ad_with(f'"ExitCode": {2**63}'))
    result = load_files([path])
    store = open_store(tmp_path / "s.db")
    store.upsert_jobs(result.jobs)  # was OverflowError: Python int too large to convert to SQLite INTEGER
    assert [j.id for j in store.jobs()] == ["s.example#7.0"]
    store.close()


def test_event_logs_are_parsed_outside_this_process(tmp_path: Path) -> None:
    """htcondor2's reader is C++: a log that crashes it must not take the dashboard (and its terminal) along."""
    import subprocess
    import sys

    code = (
        "import sys; from opgtui.sources.dumps import load_files\n"
        f"r = load_files([{str(DATA / 'test_log.txt')!r}])\n"
        "print(len(r.jobs), len(r.events), 'htcondor2' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={**os.environ, "TZ": "UTC"}
    ).stdout.split()
    assert int(out[0]) > 0 and int(out[1]) > 0 and out[2] == "False"


def _worker_reading(fifo: Path, deadline: float = 20.0) -> int:
    """The pid of the event-log worker that has ``fifo`` on its command line."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    if str(fifo).encode() in (proc / "cmdline").read_bytes():
                        return int(proc.name)
                except OSError:
                    continue
        time.sleep(0.05)
    raise AssertionError("no worker")


@pytest.mark.parametrize("fate", ["crash", "hang"])
def test_a_log_that_crashes_or_hangs_the_reader_is_one_line_and_the_next_log_is_read(
    tmp_path: Path, fate: str, utc: None
) -> None:
    import signal
    import threading

    from opgtui.sources.eventlog_worker import read_logs

    fifo = tmp_path / "stuck.log"  # the reader blocks opening a named pipe: kill it there, or let it time out
    os.mkfifo(fifo)
    good = tmp_path / "good.log"
    shutil.copy(DATA / "test_log.txt", good)
    if fate == "crash":
        killer = threading.Thread(target=lambda: os.kill(_worker_reading(fifo), signal.SIGSEGV), daemon=True)
        killer.start()
    answers = list(read_logs([str(fifo), str(good)], timeout=60 if fate == "crash" else 2))
    assert [a["path"] for a in answers] == [str(fifo), str(good)]
    assert answers[0]["events"] == []
    said = answers[0]["error"]
    assert ("crashed (SIGSEGV)" in said) if fate == "crash" else ("did not finish within 2s" in said)
    assert answers[1]["error"] is None and len(answers[1]["events"]) > 0


# ---------------------------------------------------------------- pasted prompts and machine ads

MACHINE = DATA / "machine_small1slot.long"  # a real startd ad (`condor_status -long`), htcondor/htcondor tests


@pytest.mark.parametrize(
    "prompt", ["$ condor_q -l 15872426.5189", "[novapro@jobsub01 ~]$ condor_q -l -constraint 'JobStatus == 5'"]
)
def test_a_pasted_shell_prompt_before_the_first_ad_is_skipped_with_a_warning(tmp_path: Path, prompt: str) -> None:
    pasted = tmp_path / "held.txt"
    pasted.write_text(prompt + "\n" + (DATA / "chtc_held_docker_memory.long.ad").read_text())
    result = load_files([pasted])
    assert [j.id for j in result.jobs] == ["submit-1.chtc.wisc.edu#15872426.5189"]
    assert result.errors == [
        f"{pasted}:1: warning: skipped 1 line before the first ad (not ClassAd attributes: a pasted shell prompt?)"
    ]


def test_a_prompt_and_a_blank_line_before_the_output_are_skipped_too(tmp_path: Path) -> None:
    pasted = tmp_path / "held.txt"
    pasted.write_text("$ condor_q -l 15872426.5189\n\n" + (DATA / "chtc_held_docker_memory.long.ad").read_text())
    result = load_files([pasted])
    assert [j.id for j in result.jobs] == ["submit-1.chtc.wisc.edu#15872426.5189"]
    assert len(result.errors) == 1 and result.errors[0].startswith(f"{pasted}:1: warning: skipped")


def test_prose_is_still_not_a_dump(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("$ condor_q -l\nsome words\nmore words\n")  # no ad after them: nothing is skipped silently
    result = load_files([notes])
    assert result.jobs == [] and len(result.errors) == 1 and "not a condor_q/condor_history" in result.errors[0]


def test_machine_ads_are_said_to_be_no_job_ads(tmp_path: Path) -> None:
    import classad2

    said = "'Machine' ads (condor_status), not job ads: skipped; opgtui reads condor_q/condor_history"
    result = load_files([MACHINE])
    assert result.jobs == [] and len(result.errors) == 1 and result.errors[0].startswith(f"{MACHINE}: {said}")
    as_json = tmp_path / "machines.json"
    ad = classad2.parseOne(MACHINE.read_text())
    as_json.write_text("[" + ",".join([ad.printJson()] * 3) + "]")
    result = load_files([as_json])
    assert result.jobs == [] and result.errors == [
        f"{as_json}: 3 'Machine' ads (condor_status), not job ads: skipped; opgtui reads condor_q/condor_history "
        "-long or -json dumps and job event logs"
    ]
    mixed = tmp_path / "mixed.long"
    mixed.write_text((DATA / "chtc_held_docker_memory.long.ad").read_text() + "\n" + MACHINE.read_text())
    result = load_files([mixed])
    assert len(result.jobs) == 1 and len(result.errors) == 1 and "1 'Machine' ads" in result.errors[0]


def test_many_event_logs_are_read_by_several_workers_in_order(tmp_path: Path, utc: None) -> None:
    from opgtui.sources.eventlog_worker import WORKERS, read_logs

    paths = []
    for i in range(2 * WORKERS + 3):
        p = tmp_path / f"{i}.log"
        shutil.copy(DATA / "test_log.txt", p)
        paths.append(str(p))
    answers = list(read_logs(paths))
    assert [a["path"] for a in answers] == paths
    assert all(a["error"] is None and a["events"] == answers[0]["events"] != [] for a in answers)


def test_brief_records_read_their_raw_ads_from_their_dump_and_the_later_dump_wins(tmp_path: Path) -> None:
    """A job listed by its brief record keeps no raw ad of its own in memory: it is read from its dump when asked
    for; a job in a -long dump and then in a -json dump has the -json one's ad (the later wins, as for jobs)."""
    later = tmp_path / "later.json"
    ad = dict(orjson.loads(FIFE_JSON.read_bytes())[0], Owner="someone_later")
    later.write_bytes(orjson.dumps([ad]))
    result = load_files([FIFE_LONG, later], brief=True)
    job_id = load_files([later]).jobs[0].id
    assert job_id in {j.id for j in load_files([FIFE_LONG]).jobs}
    assert result.ads[job_id]["Owner"] == "someone_later" and job_id not in result.ads._ads
    assert len(result.ads) == len(result.jobs) == len(set(result.ads)) and job_id in result.ads
    assert "nobody#1.0" not in result.ads
