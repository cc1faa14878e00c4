"""Message classes an expert reads in any log, built from the primary source that prints them (ROOT's own checks
inside a framework's I/O wrapper, ...): each gets the verdict its meaning gives, and the lines that only share
words with them get none."""

from __future__ import annotations

import pytest
import re2
from pack_examples import assert_example_gets_its_verdict, examples_of

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs

PACKS = load_packs(plugins=False)

ADDED = {
    "root": (
        "root_streamer_broken",
        "root_ttreecache_inconsistency",
        "root_fatal_in_non_io_class",
    ),
    "grid": ("http_listing_method_not_allowed",),
    "cvmfs": ("cvmfs_client_backtrace",),
    "phrases": ("phrase_glibc_fortify_abort",),
    "nodes": ("ucx_transport_timeout",),
    "dcache": ("dcache_internal_bug",),
    "cmssw": ("cmssw_site_local_config", "cmssw_poisoned_plugin", "cmssw_eventsetup_data_missing"),
    "xrootd": ("xrootd_dirlist_not_supported", "xrootd_server_backtrace"),
    "batch": ("slurm_batch_script_missing_on_node",),
    "credentials": ("voms_user_not_member",),
    "dirac": ("dirac_pilot_command_failed",),
    "workload": ("panda_pilot_stagein_api_code_error",),
}


@pytest.mark.parametrize(("sid", "category", "pattern", "line"), examples_of(ADDED))
def test_a_message_class_gets_the_verdict_its_meaning_gives(sid, category, pattern, line):
    assert_example_gets_its_verdict(PACKS, sid, category, pattern, line)


# A framework's read-error wrapper (CMSSW FileReadError, exit 8021) around ROOT's own judgement that the class
# does not match the data, or ROOT's own bookkeeping check: the code, not the file (cms-sw/cmssw issues 41246, 33361).
WRAPPED = [
    [
        "----- Begin Fatal Exception 31-Mar-2023 19:57:43 CEST-----------------------",
        "An exception of category 'FileReadError' occurred while",
        "   [0] Processing  Event run: 1 lumi: 131 event: 13046 stream: 0",
        "   Additional Info:",
        "      [a] Fatal Root Error: @SUB=TBufferFile::CheckByteCount",
        "object of class vector<l1t::RegionalMuonShower> read too many bytes: 27 instead of 26",
        "----- End Fatal Exception -------------------------------------------------",
    ],
    [
        "An exception of category 'FileReadError' occurred while",
        "   Additional Info:",
        "      [a] Fatal Root Error: @SUB=TTreeCache::FillBuffer Inconsistency:",
        "fCurrentClusterStart=11348 fEntryCurrent=11392 fNextClusterStart=11394",
        "but fEntryCurrent should not be in between the two",
    ],
]


# A peer rank OOM-killed leaves the survivors with exhausted transport retries: the kill decides, not the fabric.
def test_an_oom_killed_peer_decides_over_the_interconnect_timeouts_it_caused():
    lines = [
        "slurmstepd: error: Detected 1 oom-kill event(s) in StepId=10238881.0. Some of your processes may have been"
        " killed by the cgroup out-of-memory handler.",
        "[cn0001:3639441:0:3639441] ib_mlx5_log.c:171  Transport retry count exceeded on mlx5_0:1/IB (synd 0x15 vend"
        " 0x81 hw_syn d 0/0)",
    ]
    assert diagnose(lines, PACKS).category == "resource"


# Rucio's download summary says nothing of why (reader ask 2): alone it is no verdict; the line before it decides.
def test_rucios_download_summary_leaves_the_cause_to_the_line_before_it():
    summary = "2022-10-25 09:31:38,624 ERROR None of the requested files have been downloaded."
    assert diagnose([summary], PACKS).category == "unknown"
    no_source = "2022-10-25 09:31:38,570 WARNING No available source found for file: valid2:valid2.900311.NA.simul"
    assert diagnose([no_source, summary], PACKS).category == "service"


# Frame signatures (role: frame) never decide by themselves: the reader reads them as a stack's innermost frame.
@pytest.mark.parametrize("sid", ["native_frame_xrootd", "native_frame_cvmfs", "java_frame_dcache"])
def test_a_frame_signature_alone_decides_nothing(sid):
    pack = {"native_frame_xrootd": "xrootd", "native_frame_cvmfs": "cvmfs", "java_frame_dcache": "dcache"}[sid]
    ((_, _, pattern, line),) = examples_of({pack: (sid,)})
    assert re2.search(pattern, line), line
    verdict = diagnose([line], PACKS)
    assert verdict.signature != sid or verdict.category == "unknown", (verdict.signature, verdict.category)


# A poisoned plugin path under /cvmfs is the release's consistency, not the node's CVMFS (cms-sw/cmssw issue 31869).
def test_a_poisoned_plugin_is_the_code_not_cvmfs():
    lines = [
        "An exception of category 'PluginLibraryLoadError' occurred while",
        "unable to load /cvmfs/cms-ib.cern.ch/nweek-02651/cc8_amd64_gcc8/cms/cmssw-patch/CMSSW_11_2_X_2020-10-19-2300"
        "/lib/cc8_amd64_gcc8/poisoned/plugin-poisoned-CondCoreGeometryPluginsPlugins.so because"
        " /cvmfs/cms-ib.cern.ch/x.so: cannot open shared object file: No such file or directory",
    ]
    assert diagnose(lines, PACKS).category == "code"


@pytest.mark.parametrize("lines", WRAPPED)
def test_roots_own_check_inside_a_read_error_wrapper_is_the_code(lines):
    verdict = diagnose(lines, PACKS)
    assert verdict.category == "code", (verdict.signature, verdict.reason)


# Lines that share words with the classes but state no such failure.
NOT_THESE = [
    # a corrupt buffer, not a class mismatch
    "Byte count probably corrupted around buffer position 1234:",
    # a Streamer reads data: left to the I/O signatures
    "      [a] Fatal Root Error: @SUB=TH1F::Streamer",
    # a 405 on a checksum request: the server's file system may have refused (xrootd/xrootd issue 2474)
    "gfal-sum error: 1 (Operation not permitted)- HTTP 405 : Method Not Allowed, Permission refused",
    # a job's own source file named cvmfs-something is not the CVMFS client
    "    at /home/user/analysis/src/cvmfs_reader.cc:42",
    # the job's own configuration error, not the site's (a CMSSW Configuration exception)
    "An exception of category 'Configuration' occurred while",
    # modules throw 'Incomplete configuration' for their own files too: the category alone is not the site's
    "An exception of category 'Incomplete configuration' occurred while",
    # dCache's debug texts about a bug elsewhere are no failure
    "Note that, due to a bug in Guava, we can't detect when the",
    # a directory the server's file system failed to open for another reason stays the server's
    "[ERROR] Server responded with an error: [3005] Unable to open directory /store/x; input/output error",
    # the XRootD client library runs inside the job: its frames are not the server's
    "#4  0x00007f1b2c3d4e5f in XrdCl::XRootDTransport::GetBody(XrdCl::Message&) () from /lib64/libXrdCl.so.3",
    # a program the job names itself is the job's path, not slurmd's spool
    "slurmstepd: error: execve(): ./run_analysis.sh: No such file or directory",
    # the VOMS server's own database failing is not the submitter's membership
    "cms: Unable to satisfy G/cms request due to database error.",
    # a pilot that falls back from CVMFS to its own installation has not failed
    "2022-02-18 13:37:43 UTC WARN [InstallDIRAC] Could not install DIRACOS from CVMFS [ERROR 1]",
    # the pilot's stage-in failing on what the catalogue answered is not a programming error in the middleware
    "error=stageIn with API faied:  Data identifier 'mc16:EVNT.123._000032.pool.root.1' not found",
]


@pytest.mark.parametrize("line", NOT_THESE)
def test_lines_that_only_share_words_are_not_these_classes(line):
    verdict = diagnose([line], PACKS)
    assert verdict.signature not in {
        "root_streamer_broken",
        "root_fatal_in_non_io_class",
        "http_listing_method_not_allowed",
        "cvmfs_client_backtrace",
        "cmssw_site_local_config",
        "dcache_internal_bug",
        "xrootd_dirlist_not_supported",
        "xrootd_server_backtrace",
        "slurm_batch_script_missing_on_node",
        "voms_user_not_member",
        "dirac_pilot_command_failed",
        "panda_pilot_stagein_api_code_error",
    }, line
