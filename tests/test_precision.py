"""The precision rule (opgtui/diagnosis/precision.py): a step exit code, an errno text, or a service line that
states no availability fact does not decide alone; it says "probably ..." and counts as unknown, its evidence kept.
A second finding of the same side, an availability fact on the line, or an outage overlapping the job decides.

The lines are quoted from the logs of the tuning corpus (tests/data/corpus/tune), each with its public thread."""

from __future__ import annotations

import pytest
from test_verdict import finding, job, outage

from opgtui.core import safeyaml
from opgtui.core.model import JobStatus
from opgtui.diagnosis import precision
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs
from opgtui.diagnosis.verdict import decide
from opgtui.domain.failures import summarise

PACKS = load_packs(plugins=False)

# cvmfs/cvmfs issue 4044 (tune/grid_h5/cvmfs_4044_mistyped_repository_name.log): the repository name was mistyped;
# the client's words name no cause, and the label is code.
CVMFS_4044 = [
    "~# mount -t cvmfs lhcb-conddb.cern.ch /cvmfs/lhcb-conddb.cern.ch",
    "CernVM-FS: running with credentials 133:147",
    "CernVM-FS: loading Fuse module... Failed to initialize root file catalog (16 - file catalog failure)",
]
# LSSTDESC/Twinkles issue 163 (tune/storage_h4/twinkles_163_nfs_stale_file_handle_shared_registry.log): concurrent
# jobs updating one sqlite file over NFS 3; labelled code.
TWINKLES_163 = ["IOError: [Errno 116] Stale file handle"]
# dmwm/CRABServer pull 5027 (tune/infra/crabserver_5027_gridftp_connection_refused.log): the site's GridFTP server
# was not listening; labelled service.
CRAB_5027 = [
    "TRANSFER globus_xio: Unable to connect to cms-0.mps.ohio-state.edu:2811 globus_xio: System error in connect: "
    "Connection refused globus_xio: A system call failed: Connection refused"
]
# xrootd/xrootd issue 2305 (tune/infra_h1/xrootd_2305_3010_server_keytab_permission.log): the site's xrootd could not
# read its own sss keytab; labelled service.
XROOTD_2305 = [
    "[gusbroo@xenia2]~% xrdcp test1.txt root://xenia2.nevis.columbia.edu:1094//atlas/dq2/.",
    "Secsss (getKeyTab): Unable to open /etc/xrootd/sss.keytab; permission denied",
]
# dmwm/WMCore issue 8554 (tune/grid_h4/wmcore_8554_logcollect_castor_stageout_exit151.log): the job record's exit
# code and the log's report of it; labelled unknown.
WMCORE_8554 = [
    "Exit code: 60408",
    "Retry count: 0",
    "Errors:",
    "    logCollect1",
    "        WMAgentStepExecutionError (Exit Code: 60408)",
]


def test_every_entry_names_its_source():
    raw = safeyaml.load_file(precision.DATA)
    for key in ("availability", "step_codes", "errno_texts"):
        assert raw[key] and all(entry.get("source") for entry in raw[key]), key
    k = precision.knowledge()
    assert {8020, 8021, 8028, 60311, 60408} <= set(k.step_codes)
    with pytest.raises(ValueError, match="names no source"):
        precision.parse({"availability": [{"fact": "timed out", "pattern": "timed out"}]})


def test_a_service_line_with_no_availability_fact_says_probably():
    v = diagnose(CVMFS_4044, PACKS)
    assert (v.category, v.signature, v.confidence) == ("unknown", "cvmfs_catalog_failure", "none")
    assert v.reason.startswith("probably service (retry): CVMFS could not load its root catalog (line 3)")
    assert "nothing says the service was unavailable or at fault" in v.reason
    assert [f.line for f in v.evidence] == [3]


@pytest.mark.parametrize("lines", [CRAB_5027, XROOTD_2305], ids=["refused", "own configuration"])
def test_a_service_line_that_says_unavailable_or_its_own_decides(lines):
    v = diagnose(lines, PACKS)
    assert v.category == "service" and "probably" not in v.reason


# A title's parenthetical aside lists what the line may mean; only its main clause and the line state facts.
# cernopendata/opendata.cern.ch issue 3322 (tune/storage_h6/cernopendata_3322_eospublic_3005_then_file_opened.log):
# EOS declared kXR_FSError (3005) and the file then opened; labelled none. dCache/dcache issue 7724
# (tune/storage_h6/dcache_7724_webdav_upload_no_client_connection_zero_length.log): no cause found; labelled unknown.
ASIDE_ONLY = {
    "xrootd 3005": "221203 20:41:20 6323 Xrd: CheckErrorStatus: Server [eospublic.cern.ch] declared: "
    "(error code: 3005)",
    "dcache size mismatch": "07 Jan 2025 10:27:07 (pool-lhcb-dst-li416a) "
    "[door:webdav-ccdcatli346@webdav-ccdcatli346Domain:AAYrGkdndvg webdav-ccdcatli346 PoolAcceptFile "
    "00000BF71BB4C16F42BD92F5F53828EF5D7A] Transfer failed in "
    "post-processing: File size mismatch (expected=37095206, actual=0)",
}
# Facts the line or the title's main clause states: dmwm/CRABServer 8252 (tune/mixed/crabserver_8252_gfal_davs_eos_
# etimedout.log, gfal-copy's exit status is the errno, 110 ETIMEDOUT), xrootd/xrootd 132 (tune/mixed/xrootd_132_
# redirector_kxr_wait_loop.log, kXR_wait), the Frontier client's 'config error' (tune/frameworks/cmssw_frontier_bad_
# proxy_url_site.log: the site's own configuration).
STATED = {
    "errno 110": "ERROR: gfal-copy exited with 110",
    "kXR_wait": "140730 11:01:10 1899 Xrd: CheckErrorStatus: Server [cmsxrootd1.fnal.gov:1094] requested 1 seconds "
    "of wait",
    "site's configuration": "error [fn-urlparse.c:59]: config error: bad url 10.3.0.123:3128",
    # XProtocol.hh mapError(): a code mapped from one errno names the server's condition (kXR_FSError 3005, its
    # default, does not: ASIDE_ONLY). xrootd/xrootd issue 1507 (tune/storage_h4/xrootd_1507_xcache_memcache_proxy_
    # out_of_domain.log, EDOM -> kXR_ChkSumErr) and issue 2168 (tune/storage_h4/xrootd_2168_xcache_large_readv_too_
    # large_enomem.log, ENOMEM -> kXR_NoMemory); both labelled service.
    "kXR_ChkSumErr": "[2021-09-06 14:47:37.062940 +0000][Dump   ][XRootD            ] "
    "[ceph-dev-gw1.gridpp.rl.ac.uk:1094] Got a kXR_error response to request kXR_read (handle: 0x00000000, "
    "offset: 67108864, size: 33554432) [3019] Unable to read "
    "/root:/ceph-dev-gw1.gridpp.rl.ac.uk:1096/xrootd-test/test/jwalder/test_64MiBp1; numerical argument out of domain",
    "kXR_NoMemory": "Run: [ERROR] Server responded with an error: [3008] Single readv transfer is too large",
    # Two checksums of the same file, neither supplied by the caller, that disagree: rucio/rucio issue 4127 (tune/mixed/
    # rucio_4127_storm_adler32_leading_zero.log, StoRM's adler32 without its leading zero) and issue 7738 (tune/
    # storage_h4/rucio_7738_stuck_rule_checksum_mismatch_lost_file.log, a damaged source replica); both service.
    "rucio upload checksum": "Details: Checksum mismatch. Source: 09600001 Destination: 9600001",
    "dCache FILE_CORRUPTED": "Error:                      RequestErrMsg.TRANSFER_FAILED:TRANSFER ERROR: Copy failed "
    "(3rd pull). Last attempt: Transfer failure: Post-processing failed: Checksum mismatch (expected=[1:42499458], "
    "actual=[1:2d64c7f8])",
    # OGF GFD.129: SRM_INTERNAL_ERROR is the endpoint's own transient error (the gfal2/srm-ifce form).
    "SRM_INTERNAL_ERROR": "[SE][srmPrepareToGet][SRM_INTERNAL_ERROR] Internal error",
    "gfal2 source and destination": "TRANSFER ERROR: Copy failed (3rd push). Last attempt: CHECKSUM MISMATCH Source "
    "and destination ADLER32 do not match (1a2b3c4d != 5e6f7a8b)",
}


def test_a_title_aside_is_no_fact():
    assert precision.main_clause("xrootd server-side failure (I/O, overloaded, no space, timed out on the server)") == (
        "xrootd server-side failure "
    )
    assert precision.main_clause("a (b (c) d) e (f)") == "a  e "


@pytest.mark.parametrize("line", ASIDE_ONLY.values(), ids=ASIDE_ONLY.keys())
def test_a_service_line_whose_fact_is_only_in_its_titles_aside_says_probably(line):
    v = diagnose([line], PACKS)
    assert (v.category, precision.side(v)) == ("unknown", "service")
    assert "nothing says the service was unavailable or at fault" in v.reason


@pytest.mark.parametrize("line", STATED.values(), ids=STATED.keys())
def test_a_fact_the_line_or_the_titles_main_clause_states_decides(line):
    v = diagnose([line], PACKS)
    assert v.category == "service" and "probably" not in v.reason


def test_an_outage_overlapping_the_job_confirms_the_service():
    ran = job(1000.0, 2000.0)
    v = diagnose(CVMFS_4044, PACKS, job=ran, windows=[outage("cvmfs", 1500.0, 1800.0)])
    assert (v.category, v.confidence) == ("service", "confident")


def test_an_errno_text_alone_says_probably():
    v = diagnose(TWINKLES_163, PACKS)
    assert (v.category, v.signature) == ("unknown", "stale_file_handle")
    assert '"Stale file handle" (ESTALE)' in v.reason and v.reason.startswith("probably service")


@pytest.mark.parametrize(
    ("lines", "exit_code"),
    [
        (["cmsRun exited with code 8021"], None),  # classifiers/codes/cmssw.yaml's own example line
        ([], 8021),
        (["cmsRun exited with code 8021"], 8021),  # the same code twice is one piece of evidence
        (WMCORE_8554, 60408),
    ],
)
def test_a_step_exit_code_alone_says_probably(lines, exit_code):
    v = diagnose(lines, PACKS, exit_code=exit_code)
    assert v.category == "unknown" and v.signature is not None and v.signature.endswith(("_8021", "_60408"))
    assert "says which step failed, not whose fault it was" in v.reason
    assert v.evidence


def test_a_second_finding_of_the_same_side_decides():
    step = finding("rule:exit_8021", "service", 70, None, "xrootd")
    read = finding("cmssw_file_read_error", "service", 60, 4, "xrootd")
    assert decide([step]).category == "unknown"
    assert decide([step, read]).category == "service"
    assert decide([step, finding("rule:cmssw_8021", "service", 70, 3, "xrootd")]).category == "unknown"


def test_what_does_not_back_it():
    top = finding("cvmfs_catalog_failure", "service", 60, 5, "cvmfs")
    same_line = finding("other_reading_of_line_5", "service", 40, 5)
    other_side = finding("segv", "code", 30, 9)
    framing = finding("xrootd_frame", "service", 40, 7)
    assert decide([top, same_line, other_side]).category == "unknown"
    assert decide([top, framing], roles={"xrootd_frame": "frame"}).category == "unknown"
    assert decide([top, finding("xrootd_frame", "service", 40, 7)]).category == "service"


def test_other_verdicts_are_left_alone():
    assert decide([finding("python_traceback_user_code", "code", 60, 4)]).category == "code"
    assert decide([finding("xrootd_operation_timed_out", "service", 60, 4)]).category == "service"


def test_the_failure_summary_groups_it_as_unknown():
    failed = job(1000.0, 2000.0, status=JobStatus.HELD)
    v = diagnose(CVMFS_4044, PACKS)
    (group,) = summarise([failed], {failed.id: v})
    assert (group.category, group.signature) == ("unknown", "cvmfs_catalog_failure")


def test_side_reads_what_it_probably_is():
    held = diagnose(TWINKLES_163, PACKS)
    assert (held.category, precision.side(held)) == ("unknown", "service")
    decided = diagnose(CRAB_5027, PACKS)
    assert precision.side(decided) == "service"
    assert precision.side(decide([finding("no_idea", "unknown", 10, 1)])) == "unknown"


def test_a_signature_the_sites_shifters_taught_is_left_alone():
    assert decide([finding("learned.xrootd_replica_missing", "service", 60, 3)]).category == "service"


def test_cmssws_exception_category_names_the_same_step_as_its_exit_code():
    k = precision.knowledge()
    assert precision.step_code("rule:cmssw_FileReadError", k) == precision.step_code("rule:exit_8021", k)
    assert precision.step_code("rule:cmssw_BadAlloc", k) is None
    assert precision.step_code("rule:exit_50660", k) is None  # a cause (the wrapper's memory kill), not a step


def test_the_shipped_json_is_the_yaml_compiled() -> None:
    """precision.yaml is the source (with its sources and comments); precision.json, which a verdict reads without
    PyYAML, must say the same: regenerate it with ``python -m opgtui.diagnosis.precision`` after an edit."""
    from opgtui.diagnosis import precision

    assert precision.parse(precision.read_yaml()) == precision.KNOWLEDGE, (
        "precision.json is stale: run python -m opgtui.diagnosis.precision"
    )
