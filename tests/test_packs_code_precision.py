"""Precision of the code and resource side: a code table's mention can be vetoed on a line that is no such failure
(``exclude:``), and generic text (a traceback's last line, a crash, a kill, an exit status) seen in another
experiment's log, a successful job or a job that failed for another reason does not get a confident verdict. Every
near-miss line is quoted from a real log or a project's documentation or test data."""

from __future__ import annotations

from pathlib import Path

import pytest

from opgtui.core.model import Job
from opgtui.diagnosis import precision
from opgtui.diagnosis.codes import CodeTables, bundled_tables, load_table
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import PackSet, load_packs, mention_signatures

PACKS = load_packs(plugins=False)

XRDCP_LOCAL_DISK = "Run: [ERROR] Server responded with an error: [3005] no error (destination)"


def test_a_tables_mention_is_vetoed_by_its_exclude():
    """xrootd/xrootd issue 1776: xrdcp's full local /tmp said '[3005] ... (destination)'; no server's disk failed,
    so the XRootD table's kXR_FSError (service) must not be read from that line, even with no pack to explain it."""
    tables = bundled_tables()
    only_tables = PackSet(mention_signatures(tables), tables=tables)
    v = diagnose([XRDCP_LOCAL_DISK], only_tables)
    assert v.category != "service", (v.signature, v.reason)
    v = diagnose(
        ["Error in <TNetXNGFile::ReadBuffer>: [ERROR] Server responded with an error: [3005] Unable to read"],
        only_tables,
    )
    assert (precision.side(v), v.signature) == ("service", "rule:xrootd_3005")  # the server's own [3005] still counts


def test_an_exclude_that_vetoes_its_own_example_or_does_not_compile_is_reported(tmp_path: Path):
    path = tmp_path / "w.yaml"
    path.write_text(
        "table: w\nsource: our wrapper's README\ncodes:\n  - {code: 17, category: service}\nmentions:\n"
        "  - {pattern: 'status (?P<code>\\d+)', example: 'status 17 (dry run)', exclude: 'dry run'}\n"
        "  - {pattern: 'state (?P<code>\\d+)', example: 'state 17', exclude: '(unclosed'}\n"
        "  - {pattern: 'rc (?P<code>\\d+)', example: 'rc 17', exclude: 'dry run'}\n"
    )
    found: list[str] = []
    tables = CodeTables([load_table(path, found)], found)
    errors = "\n".join(tables.errors)
    assert f"{path}:6: mentions[0].exclude: its exclude pattern vetoes its own example" in errors
    assert f"{path}:7: mentions[1].exclude: " in errors
    [kept] = tables.tables["w"].mentions
    assert kept.exclude == "dry run"
    packs = PackSet(mention_signatures(tables), tables=tables)
    assert precision.side(diagnose(["rc 17"], packs)) == "service"
    assert diagnose(["rc 17 (dry run)"], packs).category == "unknown"


# (the verdict these lines must NOT get, the lines, where they are quoted from and why they are no such failure)
NEAR_MISSES = {
    "enfile_is_the_nodes_file_table": (
        "code",
        ["OSError: [Errno 23] Too many open files in system"],
        "a public incident note ('An unrelated Python process died at ... ENFILE, the system-wide file table, not the "
        "per-process EMFILE'): another process filled the node's table, not this job's leak",
    ),
    "python_subprocess_reports_a_child_segfault": (
        "code",
        [
            "subprocess.CalledProcessError: Command './libs/ecalc-master/src/ecalc -p "
            "./flapped_full_test/flapped_structure_-8.pdh' died with <Signals.SIGSEGV: 11>.",
        ],
        "a public user script's log (CPython's CalledProcessError: the wrapper's word on its child, no stack: a bug, "
        "a library or the node, like the shell's 'Segmentation fault (core dumped)')",
    ),
    "nix_build_segfault_on_an_undervolted_cpu": (
        "code",
        [
            "Command 'nix-build '<nixpkgs/nixos>' --attr config.system.build.toplevel --no-out-link' died with "
            "<Signals.SIGSEGV: 11>."
        ],
        "a public troubleshooting note: the segfault went away when the CPU's undervolt was disabled (the machine)",
    ),
}

DISK_QUOTA = {
    "eos_user_quota": (
        "resource",
        [
            "250903 03:05:27 3163098 TPC_PullRequest: event=OPEN_FAIL, local=/eos/cms/store/group/cmst3/group/l1tr/x/"
            "inputs140X_3-164.root, user=elfontan, status=400; Unable to get quota space - quota not defined or "
            "exhausted /eos/cms/store/cmst3/group/l1tr/x/inputs140X_3-164.root; Disk quota exceeded",
        ],
        "xrootd/xrootd issue 2591: the user's EOS quota, which no disk request raises",
    ),
    "tar_into_a_quota_area": (
        "resource",
        ["tar: out.tar: Cannot write: Disk quota exceeded"],
        "GNU tar's report of EDQUOT: a file system's quota of a user or group, not the job's disk request",
    ),
}


@pytest.mark.parametrize("case", sorted(NEAR_MISSES | DISK_QUOTA))
def test_generic_text_does_not_get_a_confident_verdict(case):
    not_this, lines, _why = (NEAR_MISSES | DISK_QUOTA)[case]
    v = diagnose(lines, PACKS)
    assert v.category != not_this, (case, v.signature, v.reason)


def test_the_processs_own_descriptor_limit_and_a_debugger_segfault_still_say_code():
    for line in (
        "OSError: [Errno 24] Too many open files",
        "Program received signal SIGSEGV: Segmentation fault - invalid memory reference.",
    ):
        assert diagnose([line], PACKS).category == "code", line


def test_crabs_catch_all_10040_is_no_verdict_by_itself():
    """dmwm/CRABServer issue 6728: the wrapper said 10040 'Error executing scriptExe' (no scriptExe was used); the
    real failure, a remote file open, was elsewhere. CRAB's CMSRunAnalysis.py exits 10040 (EC_CMSRunWrapper) for
    any exception while it runs the payload, so the number alone says no cause."""
    line = "ERROR: Exceptional exit at Mon Aug 23 20:42:33 2021 (10040): Error executing scriptExe."
    v = diagnose([line], PACKS, exit_code=10040)
    assert (v.category, v.signature) == ("unknown", "rule:exit_10040"), v.reason


def test_a_segfault_reported_without_a_stack_is_unknown_in_every_table():
    """The signal table, the shell's 'Segmentation fault' and PanDA's pilot code 1203 (SIGSEGV) all carry no stack
    trace: a bug, a library the job loaded or the node. None of them alone says code."""
    tables = bundled_tables()
    assert tables.get("signal", 11).category == "unknown"
    assert tables.get("panda_pilot", 1203).category == "unknown"
    only_tables = PackSet(mention_signatures(tables), tables=tables)
    assert diagnose(["pilotErrorCode: 1203"], only_tables).category == "unknown"


def test_a_bad_alloc_after_a_failed_read_is_its_consequence():
    """A corrupt basket or a failed remote read hands the reader garbage sizes, and the allocation that follows fails:
    the read is the cause (retry elsewhere), not the memory request. Assembled from real lines: cms-sw/cmssw issue
    41686 ('R__unzipLZMA: error 9 in lzma_code' right before the exceptions: corrupt data) and the bad_alloc of
    jts/nanopolish issue 575; alone, that bad_alloc is the memory limit only when the job's numbers say so."""
    bad_alloc = ["terminate called after throwing an instance of 'std::bad_alloc'", "  what():  std::bad_alloc"]
    v = diagnose(["R__unzipLZMA: error 9 in lzma_code", *bad_alloc], PACKS)
    assert (precision.side(v), v.evidence[0].line) == ("service", 1), (v.signature, v.reason)
    assert diagnose(bad_alloc, PACKS).category == "unknown"
    at_limit = Job(id="1.0", schedd="s", cluster=1, proc=0, memory_request_mb=2000, memory_used_mb=1990)
    assert diagnose(bad_alloc, PACKS, job=at_limit).category == "resource"


def test_a_python_edquot_is_no_disk_request():
    """LUMI's course Q&A: 'OSError: [Errno 122] Disk quota exceeded' after pointing HF_HOME at a project scratch
    ('check your disk quota with lumi-workspaces': the project's or home quota). No disk request raises it."""
    v = diagnose(["OSError: [Errno 122] Disk quota exceeded"], PACKS)
    assert v.category != "resource", (v.signature, v.reason)


@pytest.mark.parametrize(("used_mb", "want"), [(None, "unknown"), (1990.0, "resource"), (200.0, "service")])
def test_a_root_short_write_is_settled_by_the_jobs_disk_use(used_mb, want):
    """ROOT's TFile::WriteBuffer says 'error writing all requested bytes to file %s, wrote %d of %d' (TFile.cxx) when
    the disk it writes to fills up: the job's own use (resource) or the node's disk filled by others (service)."""
    line = "Error in <TFile::WriteBuffer>: error writing all requested bytes to file out.root, wrote 1024 of 32000"
    job = None
    if used_mb is not None:
        job = Job(id="1.0", schedd="s", cluster=1, proc=0, disk_request_kb=2000 * 1024, disk_used_kb=used_mb * 1024)
    v = diagnose([line], PACKS, job=job)
    assert v.category == want, (v.signature, v.reason)


def test_crabs_postjob_exit_code_is_read_without_the_job_record():
    """dmwm/CRABServer issue 9345 (a PostJob log; the thread raises the walltime on resubmission): CRAB's job report
    states 50664 as JSON. Read from the log alone it says what WMExceptions.py says: the wall-clock limit."""
    line = (
        "Wed, 01 Jul 2026 14:55:04 CEST(+0200):INFO:RetryJob New job_fjr.2180.2.json file content: "
        '{"exitMsg": "Not retrying job due to wall clock limit (job automatically killed on the worker node)", '
        '"jobExitCode": 50664, "exitCode": 50664}'
    )
    v = diagnose([line], PACKS)
    assert (v.category, v.action, v.signature) == ("resource", "resubmit with more time", "rule:wmagent_50664")
