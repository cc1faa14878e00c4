"""General failure phrases wherever they sit in a line (a network failure inside an FTS reason, glibc's heap
corruption abort, a limit stated in plain words, a framework's own fatal error, the node's CVMFS client): each gets
the verdict its meaning gives, and an earlier, more specific cause still decides."""

from __future__ import annotations

import pytest
from pack_examples import assert_example_gets_its_verdict, examples_of

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

ADDED = {
    "phrases": (
        "phrase_cannot_open_connection_to_host",
        "phrase_socket_timed_out_send_recv",
        "phrase_http_status_line_timeout",
        "phrase_gss_init_sec_context_failed",
        "phrase_glibc_heap_corruption",
        "phrase_nextflow_time_limit",
        "phrase_sge_execd_enforced_limit",
        "beaker_job_preempted",
        "phrase_batch_daemon_cgroup_create_failed",
        "phrase_nuisance_err_fatal",
        "phrase_geant4_g4cache_internal_fatal",
        "phrase_cvmfs_switching_host_on_error",
        "phrase_cvmfs_localized_access_failed",
    ),
    "credentials": ("xrdsecgsi_crl_cache_stale",),
    "root": ("root_buffer_bytecount_too_large",),
}


@pytest.mark.parametrize(("sid", "category", "pattern", "line"), examples_of(ADDED))
def test_a_general_failure_phrase_gets_the_verdict_its_meaning_gives(sid, category, pattern, line):
    assert_example_gets_its_verdict(PACKS, sid, category, pattern, line)


# Lines that share words with the phrases but state no failure: they must not get a verdict from them.
NOT_FAILURES = [
    # a healthy failover to the next proxy is no failure (only a host that failed is)
    "(download) switching proxy from http://ca-proxy.cern.ch:3128 to http://ca-proxy-atlas.cern.ch:3128 (failed proxy)",
    # a job's own setting of a time limit is not the limit being hit
    "process.time = '4h'",
    # glibc's tunable name, not an abort
    "export MALLOC_CHECK_=3  # detect double free",
    # Beaker's CanceledCode 3 is a job canceled for being idle, not preempted
    "│   'canceledCode': 3",
    # a Grid Engine run-time limit is no longer a phrase here (one public log only); its mail line gets no verdict
    "failed execd enforced h_rt limit because:",
]


@pytest.mark.parametrize("line", NOT_FAILURES)
def test_lines_that_only_share_words_get_no_verdict(line):
    assert diagnose([line], PACKS).category == "unknown", line


def test_a_read_failure_before_a_heap_corruption_abort_still_decides():
    lines = [
        "ls: cannot access '/cvmfs/cms.cern.ch': No such file or directory",
        "double free or corruption (out)",
    ]
    verdict = diagnose(lines, PACKS)
    assert verdict.category == "service", (verdict.signature, verdict.reason)
