"""`opgtui diagnose --eval DIR`: a labelled corpus scored right / unknown / wrong, and `diagnose JOBID`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from opgtui.cli import main
from opgtui.core.model import Job, JobStatus
from opgtui.diagnosis.evaluate import find_cases, parse_job, score
from opgtui.store import open_store

HEADER = "file\tverdict\tcause\tsource\tjob\n"
DATA = Path(__file__).parent / "data"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write_corpus(root: Path) -> None:
    """Two themes, one with the older header; right, unknown, wrong and a negative control."""
    a = root / "tune" / "a"
    a.mkdir(parents=True)
    (a / "oom.log").write_text(
        "Job has gone over cgroup memory limit of 2048 megabytes. Last measured usage: "
        "2100 megabytes.  Consider resubmitting with a higher request_memory.\n"
    )
    (a / "quiet.log").write_text("nothing to see\n")
    (a / "held.log").write_text("")
    (a / "ok.log").write_text("%MSG-w XrdAdaptor: file open retried\n")
    (a / "LABELS.tsv").write_text(
        HEADER
        + "oom.log\tcode\tmislabelled_on_purpose\thttps://example.org/1\t\n"
        + "quiet.log\tservice\tsomething\thttps://example.org/2\t\n"
        + "held.log\tresource\tcgroup_memory\thttps://example.org/3\thold_code=34;hold_subcode=102\n"
        + "ok.log\tnone\tbenign_retry\thttps://example.org/4\texit_code=0\n"
    )
    b = root / "tune" / "b"
    b.mkdir(parents=True)
    (b / "seg.log").write_text(" *** Break *** segmentation violation\n")
    (b / "LABELS.tsv").write_text("file\tcategory\tsignature\tsource\nseg.log\tcode\troot_segv\tdocs\n")


def test_eval_counts_confusion_precision_and_misses(env: Path) -> None:
    write_corpus(env / "corpus")
    code, out, err = run("diagnose", "--eval", str(env / "corpus"), "--json")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["cases"] == 5
    assert rep["counts"] == {"right": 3, "unknown": 1, "wrong": 1}
    assert rep["percent"] == {"right": 60.0, "unknown": 20.0, "wrong": 20.0}
    assert rep["confusion"]["code"] == {"service": 0, "code": 1, "resource": 1, "unknown": 0}
    assert rep["confusion"]["resource"]["resource"] == 1  # from the job column alone: 34/102
    assert rep["confusion"]["none"]["unknown"] == 1
    assert rep["themes"] == [
        {"theme": "tune/a", "cases": 4, "right": 2, "unknown": 1, "wrong": 1},
        {"theme": "tune/b", "cases": 1, "right": 1, "unknown": 0, "wrong": 0},
    ]
    misses = {m["file"]: m for m in rep["misses"]}
    assert set(misses) == {"tune/a/oom.log", "tune/a/quiet.log"}
    assert (misses["tune/a/oom.log"]["predicted"], misses["tune/a/oom.log"]["score"]) == ("resource", "wrong")
    assert misses["tune/a/oom.log"]["signature"] == "htcondor_cgroup_memory_limit_exceeded"
    sigs = {r["signature"]: r for r in rep["signatures"]}
    assert sigs["htcondor_cgroup_memory_limit_exceeded"]["precision"] == 0.0
    assert sigs["rule:hold_34_102"] | {} == {
        "signature": "rule:hold_34_102",
        "decided": 1,
        "right": 1,
        "unknown": 0,
        "wrong": 0,
        "precision": 1.0,
    }


def test_eval_text_report(env: Path) -> None:
    write_corpus(env / "corpus")
    code, out, _ = run("diagnose", "--eval", str(env / "corpus" / "tune"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith("5 logs  right 3 (60.0%)  unknown 1 (20.0%)  wrong 1 (20.0%)")
    assert any(line.split() == ["code", "0", "1", "1", "0", "2"] for line in lines)
    miss = next(line for line in lines if "a/oom.log" in line)
    assert miss.split() == ["a/oom.log", "code", "resource", "htcondor_cgroup_memory_limit_exceeded", "wrong"]


def test_eval_reports_bad_rows_and_missing_directories(env: Path) -> None:
    root = env / "c"
    root.mkdir()
    (root / "x.log").write_text("x\n")
    (root / "LABELS.tsv").write_text(
        HEADER + "x.log\tmaybe\tc\ts\t\ngone.log\tcode\tc\ts\t\n" + "x.log\tcode\tc\ts\tmemory=lots\n"
    )
    cases, errors = find_cases(root)
    assert len(cases) == 1
    assert any("verdict 'maybe' is not one of" in e for e in errors)
    assert any("gone.log: no such file" in e for e in errors)
    assert any("unknown field 'memory=lots'" in e for e in errors)
    code, _, err = run("diagnose", "--eval", str(env / "nowhere"))
    assert code == 2 and "no such directory" in err


def test_job_column_and_scoring_rules() -> None:
    assert parse_job("hold_code=34; hold_subcode=102;request_memory_mb=2000") == (
        {"hold_code": 34, "hold_subcode": 102, "request_memory_mb": 2000.0},
        [],
    )
    assert parse_job("exit_code=x")[1] == ["job: exit_code is not a number: 'x'"]
    assert [score("service", p) for p in ("service", "unknown", "code")] == ["right", "unknown", "wrong"]
    assert [score("none", p) for p in ("unknown", "code")] == ["right", "wrong"]
    assert [score("unknown", p) for p in ("unknown", "resource")] == ["right", "wrong"]


def test_a_spreadsheet_saved_labels_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("x\n")
    (tmp_path / "LABELS.tsv").write_bytes(
        ("\ufeff" + HEADER + "a.log\tcode\tc\ts\texit_code=2\n").replace("\n", "\r\n").encode()
    )
    cases, errors = find_cases(tmp_path)
    assert errors == [] and [(c.name, c.label, c.job) for c in cases] == [("a.log", "code", {"exit_code": 2})]


def test_seed_logs_are_read_with_their_older_header() -> None:
    cases, errors = find_cases(DATA / "logs")
    assert errors == [] and len(cases) == 29
    assert {c.label for c in cases} == {"service", "code", "resource", "unknown"}


# ------------------------------------------------------------------------------------------- diagnose JOBID


def test_diagnose_a_stored_job_reads_its_record_and_logs(env: Path) -> None:
    logs = env / "logs"
    logs.mkdir()
    (env / "cfg" / "opgtui").mkdir(parents=True)
    (env / "cfg" / "opgtui" / "config.yaml").write_text(
        f'logs:\n  - name: here\n    stdout: "{logs}/{{ClusterId}}.out"\n    stderr: "{logs}/{{ClusterId}}.err"\n'
    )
    out_log = logs / "12.out"
    out_log.write_text("starting\nJob has gone over cgroup memory limit of 2048 megabytes.\n")
    err_log = logs / "12.err"
    err_log.write_text("warning: nothing\n")
    store = open_store(env / "data" / "opgtui" / "opgtui.db")
    store.upsert_jobs(
        [
            Job(
                "sched1#12.3",
                "sched1",
                12,
                3,
                status=JobStatus.HELD,
                hold_code=34,
                hold_subcode=102,
                hold_reason="memory",
                stdout=str(out_log),
                stderr=str(err_log),
            )
        ]
    )
    store.close()
    code, out, err = run("diagnose", "12.3@sched1", "--json")
    assert code == 0, err
    v = json.loads(out)
    assert (v["job"], v["category"], v["action"]) == ("sched1#12.3", "resource", "resubmit with more memory")
    assert [(s["stream"], s["first_line"], s["lines"]) for s in v["logs"]] == [("stdout", 1, 2), ("stderr", 3, 1)]
    assert any(e["text"].startswith("Job has gone over cgroup") and e["line"] == 2 for e in v["evidence"])
    code, out, _ = run("diagnose", "sched1#12.3")
    assert code == 0 and out.startswith("resource: resubmit with more memory")
    code, _, err = run("diagnose", "sched1#99.0")
    assert code == 2 and "no job sched1#99.0 in the store" in err


def test_diagnose_needs_something_to_read(env: Path) -> None:
    code, _, err = run("diagnose")
    assert code == 2 and "give a JOBID" in err


def test_diagnose_a_stored_job_says_which_outage_overlapped_it(env: Path) -> None:
    from opgtui.core.model import Window

    store = open_store(env / "data" / "opgtui" / "opgtui.db")
    start = 1_700_000_000.0
    store.upsert_jobs(
        [
            Job(
                "sched1#13.0",
                "sched1",
                13,
                0,
                status=JobStatus.HELD,
                hold_code=13,
                hold_subcode=0,
                hold_reason="Transfer input files failure: SAMweb returned HTTP error 503",
                submit_time=start - 60,
                start_time=start,
                end_time=start + 600,
            )
        ]
    )
    store.add_window(Window("htcondor", "outage", start + 100, start + 300, "test-feed"))
    store.close()
    code, out, err = run("diagnose", "sched1#13.0", "--json")
    assert code == 0, err
    v = json.loads(out)
    assert (v["category"], v["confidence"]) == ("service", "confident")
    assert [w["service"] for w in v["windows"]] == ["htcondor"]
    assert v["logs"][0]["error"].startswith("no stdout known")


def test_eval_against_a_baseline_lists_what_got_better_or_worse(env: Path) -> None:
    write_corpus(env / "corpus")
    code, out, _ = run("diagnose", "--eval", str(env / "corpus"), "--json")
    before = json.loads(out)
    a = env / "corpus" / "tune" / "a"
    (a / "quiet.log").write_text("CVMFS: failed to load the root catalog\n")  # now some signature may decide
    labels = (a / "LABELS.tsv").read_text().replace("oom.log\tcode\t", "oom.log\tresource\t")  # relabelled: right
    (a / "LABELS.tsv").write_text(labels + "new.log\tcode\tc\ts\t\n")
    (a / "new.log").write_text("nothing\n")  # added since the baseline: not compared
    baseline = env / "before.json"
    baseline.write_text(json.dumps(before))
    code, out, err = run("diagnose", "--eval", str(env / "corpus"), "--baseline", str(baseline), "--json")
    assert code == 0, err
    changed = {c["file"]: c for c in json.loads(out)["changes"]}
    assert "tune/a/new.log" not in changed
    assert changed["tune/a/oom.log"] | {} == {
        "file": "tune/a/oom.log",
        "label": "resource",
        "before": "resource",
        "after": "resource",
        "was": "wrong",
        "now": "right",
        "change": "better",
    }
    code, out, _ = run("diagnose", "--eval", str(env / "corpus"), "--baseline", str(baseline))
    assert f"against {baseline}: 1 better, 0 worse" in out and "  better tune/a/oom.log  resource: resource" in out
    code, _, err = run("diagnose", "--eval", str(env / "corpus"), "--baseline", str(env / "nope.json"))
    assert code == 2 and "not an --eval --json report" in err


def test_diagnose_the_numbers_alone_says_what_they_mean(env: Path) -> None:
    code, out, _ = run("diagnose", "--exit-code", "8021")
    # a step's exit code alone says where, not whose: the precision rule says "probably service" (unknown)
    assert code == 0 and out.startswith("unknown: look at the log  [rule:exit_8021]")
    assert "probably service (retry): CMSSW exit code 8021 (FileReadError)" in out
    code, out, _ = run("diagnose", "--hold-code", "34", "--hold-subcode", "104", "--json")
    assert json.loads(out)["action"] == "resubmit with more disk"
