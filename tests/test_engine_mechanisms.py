"""Pack mechanisms the engine offers knowledge writers: a per-signature ``exclude:`` veto, benign lines that veto
every match on them, context (a removal) that is no cause, and named groups the reason quotes.

The pack is ``tests/data/packs/mechanisms.yaml`` (real example lines); the bundled packs are not involved.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opgtui.core.model import Job, JobStatus
from opgtui.diagnosis import precision
from opgtui.diagnosis.codes import bundled_tables
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import PackSet, compile_signature, load_pack_file

PACK = Path(__file__).parent / "data" / "packs" / "mechanisms.yaml"


@pytest.fixture(scope="module")
def packs() -> PackSet:
    errors: list[str] = []
    compiled = load_pack_file(PACK, errors)
    assert errors == []
    return PackSet(compiled, tables=bundled_tables())


def test_an_excluded_line_is_no_match(packs):
    inspect = ['    "State": {', '        "OOMKilled": false,', '        "ExitCode": 137,']
    v = diagnose(inspect, packs)
    assert v.category == "unknown" and not v.evidence
    assert diagnose(['        "OOMKilled": true,'], packs).category == "resource"


def test_an_exclude_that_vetoes_its_own_example_is_refused():
    raw = {
        "id": "x",
        "pattern": "OOMKilled",
        "exclude": "OOMKilled",
        "category": "resource",
        "action": "resubmit with more memory",
        "title": "t",
        "example": '"OOMKilled": true',
    }
    sig, problem = compile_signature(raw)
    assert sig is None and "exclude pattern vetoes its own example" in problem
    sig, problem = compile_signature({**raw, "exclude": "(a"})
    assert sig is None and problem.startswith("exclude: ")


def test_a_benign_line_vetoes_every_match_on_it(packs):
    line = "%MSG-w XrdAdaptor:  file open failed: error 3005, retrying on another source"
    v = diagnose([line, "Begin processing the 2nd record."], packs)
    assert v.category == "unknown"
    v = diagnose([line, "%MSG-w XrdAdaptorInternal:  file open failed: error 3005"], packs)
    assert (precision.side(v), v.evidence[0].line) == ("service", 2)


def test_a_removal_is_context_and_the_eviction_logged_with_it_too(packs):
    log = [
        "004 (456.000.000) 2026-05-28 09:33:40 Job was evicted.",
        "009 (456.000.000) 2026-05-28 09:33:44 Job was aborted.",
    ]
    v = diagnose(log, packs)
    assert v.category == "unknown" and "context, not a cause" in v.reason
    v = diagnose(["KeyError: 'run'", *log], packs)
    assert (v.category, v.signature) == ("code", "keyerror")


def test_the_reason_quotes_the_path_the_line_named(packs):
    v = diagnose(
        ["[ERROR] Server responded with an error: [3010] Unable to locate /atlas/dq2/x.root; permission denied"], packs
    )
    assert v.category == "code" and "(line 1: path /atlas/dq2/x.root)" in v.reason
    v = diagnose(["[ERROR] Server responded with an error: [3010] Permission denied"], packs)
    assert v.reason == "xrootd [3010] not authorized for this path (line 1)"


def test_a_wrapper_line_gives_way_to_the_cause_it_wraps(packs):
    fatal = "FATAL:   container creation failed: "
    log = [
        fatal,
        "mount /usr/lib/openmpi/libompi_dbg_msgq.so->/usr/lib/openmpi/libompi_dbg_msgq.so error: ",
        "while mounting /usr/lib/openmpi/libompi_dbg_msgq.so: ",
        "destination /usr/lib/openmpi/libompi_dbg_msgq.so doesn't exist in container",
    ]
    v = diagnose(log, packs)
    assert (v.category, v.signature) == ("code", "container_bind_destination_missing")
    assert "chose line 4 over line 1" in v.reason and "wraps the cause after it" in v.reason
    assert precision.side(diagnose([fatal, "mount hook function failure"], packs)) == "service"


def test_a_quoted_path_is_one_clean_line(packs):
    v = diagnose(
        ["[ERROR] Server responded with an error: [3010] Unable to locate /store/\x1b[2Jx.root; denied"], packs
    )
    assert "\x1b" not in v.reason and "path /store/" in v.reason


def test_the_job_records_resource_numbers_settle_an_ambiguous_line(packs):
    log = ["cp: error writing '/srv/out.root': No space left on device"]
    assert diagnose(log, packs).category == "unknown"
    full = Job("1.0", "u", 0, 0, status=JobStatus.HELD, disk_request_kb=2048.0 * 1024, disk_used_kb=2040.0 * 1024)
    v = diagnose(log, packs, job=full)
    assert (v.category, v.signature) == ("resource", "rule:disk_at_request")
    assert "does not say which by itself; the job record does" in v.reason
    roomy = Job("1.0", "u", 0, 0, status=JobStatus.HELD, disk_request_kb=2048.0 * 1024, disk_used_kb=300.0 * 1024)
    v = diagnose(log, packs, job=roomy)  # record: disk: far below its request, the full disk was the node's
    assert (v.category, v.signature) == ("service", "rule:disk_below_request") and "300 MB of the 2048 MB" in v.title
    half = Job("1.0", "u", 0, 0, status=JobStatus.HELD, disk_request_kb=2048.0 * 1024, disk_used_kb=1500.0 * 1024)
    assert diagnose(log, packs, job=half).category == "unknown"
    assert diagnose(["KeyError: 'run'"], packs, job=roomy).signature == "keyerror"  # only a disk line asks
    assert diagnose(log, packs, hold_code=6, hold_subcode=2).category == "unknown"  # a generic code is no answer
