"""Real labelled job logs get the labelled category; the engine and its JSON keep the CLI contract."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from opgtui.core.model import Job, JobStatus, Window
from opgtui.diagnosis import precision
from opgtui.diagnosis.engine import diagnose, verdict_json
from opgtui.diagnosis.signatures import load_packs

LOGS = Path(__file__).parent / "data" / "logs"
LABELS = list(csv.DictReader((LOGS / "LABELS.tsv").open(encoding="utf-8"), delimiter="\t"))
NEGATIVE_CONTROLS = {"geant4_warning_benign.log", "xrootd_3011_no_such_file.log"}

# The signature that should decide each log (ours; LABELS.tsv names signatures its own way).
EXPECTED_SIGNATURE = {
    "art_configuration_unsupported_parameter.log": "art_configuration",
    "art_product_registration_failure.log": "art_product_registration_failure",
    "bash_killed_oom.log": "process_killed_sigkill",
    "cvmfs_root_catalog_failure.log": "cvmfs_catalog_failure",
    "dcache_no_read_pools_online.log": "dcache_no_read_pools_online",
    "htcondor_hold_cgroup_memory_limit.log": "rule:hold_34_102",
    "htcondor_hold_curl_plugin_dns.log": "dns_resolution_failed",
    "htcondor_worker_node_out_of_memory.log": "worker_node_oom_eviction",
    "ifdh_cp_dest_403_persistent_token.log": "storage_write_refused_destination",
    "ifdh_sam_webapi_retry_exceeded.log": "ifdh_sam_webapi_fetcherror",
    "python_traceback_user_keyerror.log": "python_traceback_user_code",
    "root_segfault_gdb_frames.log": "root_segmentation_violation",
    "samweb_http_503_retrying.log": "samweb_http_5xx",
    "xrootd_3011_no_such_file.log": "xrootd_3011_no_such_file",
    "geant4_warning_benign.log": "geant4_G4Exception_warning",
}


@pytest.fixture(scope="module")
def packs():
    return load_packs(plugins=False)


def lines_of(name: str) -> list[str]:
    return (LOGS / name).read_text(encoding="utf-8").splitlines()


def test_labels_cover_the_logs():
    assert {r["file"] for r in LABELS} == {p.name for p in LOGS.glob("*.log")}
    assert {r["file"] for r in LABELS if r["category"] == "unknown"} >= NEGATIVE_CONTROLS


@pytest.mark.parametrize("row", LABELS, ids=[r["file"] for r in LABELS])
def test_labelled_log_gets_its_category(packs, row):
    lines = lines_of(row["file"])
    v = diagnose(lines, packs)
    assert precision.side(v) == row["category"], (v.signature, v.reason)
    if row["file"] in EXPECTED_SIGNATURE:
        assert v.signature == EXPECTED_SIGNATURE[row["file"]]
    if v.category != "unknown":
        assert v.action != "look at the log"
        top = v.evidence[0]
        assert top.signature == v.signature
        assert top.line is not None and lines[top.line - 1] == top.text


@pytest.mark.parametrize("name", sorted(NEGATIVE_CONTROLS))
def test_negative_controls_are_not_failures(packs, name):
    v = diagnose(lines_of(name), packs)
    assert (v.category, v.action, v.confidence) == ("unknown", "look at the log", "none")


def test_resource_verdicts_say_which_resource(packs):
    assert diagnose(lines_of("htcondor_hold_disk_exceeded_starter.log"), packs).action == "resubmit with more disk"
    assert diagnose(lines_of("docker_memory_limit_hold.log"), packs).action == "resubmit with more memory"


# ------------------------------------------------------------------------------------------- engine inputs


def test_hold_reason_alone_is_scanned(packs):
    v = diagnose([], packs, hold_reason="Error from slot1@node: Docker job has gone over memory limit of 16384 Mb")
    assert (v.category, v.signature) == ("resource", "htcondor_docker_memory_limit")
    assert v.evidence[0].line is None


def test_explicit_numbers_win_over_the_job_and_the_log(packs):
    lines = lines_of("htcondor_hold_disk_exceeded_starter.log")  # the log's event says 34/104 (disk)
    j = Job("s#1.0", "s", 1, 0, status=JobStatus.HELD, hold_code=34, hold_subcode=104)
    assert diagnose([], packs, job=j).action == "resubmit with more disk"
    assert diagnose([], packs, job=j, hold_subcode=102).action == "resubmit with more memory"
    v = diagnose(lines, packs, hold_code=46, hold_subcode=0)
    assert (v.signature, v.action) == ("rule:hold_46", "resubmit with more time")
    assert not [f for f in v.evidence if f.signature.startswith("rule:hold_34")]


def test_job_exit_signal_and_code(packs):
    assert diagnose([], packs, exit_signal=8).category == "code"  # SIGFPE
    assert diagnose([], packs, exit_signal=11).category == "unknown"  # SIGSEGV alone: whose, the log says
    bare = diagnose([], packs, job=Job("s#1.0", "s", 1, 0, exit_code=137))
    assert (bare.category, bare.signature) == ("unknown", "rule:exit_137")  # SIGKILL alone: no memory evidence
    at_limit = Job("s#1.0", "s", 1, 0, exit_code=137, memory_request_mb=2000, memory_used_mb=1990)
    v = diagnose([], packs, job=at_limit)
    assert (v.category, v.action, v.confidence) == ("resource", "resubmit with more memory", "confident")
    assert v.title.startswith("Killed (SIGKILL) at the memory limit")
    far = Job("s#1.0", "s", 1, 0, exit_code=137, memory_request_mb=8000, memory_used_mb=900)
    assert diagnose([], packs, job=far).category == "unknown"
    v = diagnose(["all good"], packs, exit_code=1)
    assert v.category == "unknown" and v.evidence[0].text == "exit code 1"


def test_art_exit_status_line_is_read_by_the_rules(packs):
    v = diagnose(["Art has completed and will exit with status 9."], packs)
    assert (v.category, v.signature) == ("code", "rule:art_status_9")
    assert diagnose(["Art has completed and will exit with status 0."], packs).evidence == []


def test_outage_during_the_job_makes_the_log_verdict_confident(packs):
    start = 1_700_000_000.0
    j = Job("s#1.0", "s", 1, 0, status=JobStatus.COMPLETED, start_time=start, end_time=start + 3600, exit_code=1)
    w = Window("samweb", "outage", start + 600, start + 3000, "statuspage")
    v = diagnose(lines_of("samweb_http_503_retrying.log"), packs, job=j, windows=[w], now=start + 7200)
    assert (v.category, v.confidence, v.windows) == ("service", "confident", [w])
    v = diagnose(lines_of("python_traceback_user_keyerror.log"), packs, job=j, windows=[w], depends_on=["samweb"])
    assert v.category == "code"


# ------------------------------------------------------------------------------------------- JSON contract


def test_verdict_json_is_the_cli_contract(packs):
    out = verdict_json(diagnose(lines_of("dcache_no_read_pools_online.log"), packs))
    assert {"category", "action", "signature", "evidence"} <= set(out)
    assert (out["category"], out["action"], out["signature"]) == ("service", "retry", "dcache_no_read_pools_online")
    assert out["evidence"][0] == {
        "line": 2,
        "text": lines_of("dcache_no_read_pools_online.log")[1],
        "signature": "dcache_no_read_pools_online",
    }
    assert all(set(e) == {"line", "text", "signature"} for e in out["evidence"])
    assert json.loads(json.dumps(out)) == out


def test_verdict_json_when_nothing_is_known(packs):
    out = verdict_json(diagnose([], packs))
    assert (out["category"], out["action"], out["signature"], out["evidence"]) == (
        "unknown",
        "look at the log",
        None,
        [],
    )
