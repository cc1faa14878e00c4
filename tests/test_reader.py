"""The reader finds the root cause: innermost exception blocks, first error wins, exit 0 is not a failure.

The packs here are built in the test (plus the bundled code tables), so the reader's rules are tested whatever
the bundled text packs say.
"""

from __future__ import annotations

import pytest

from opgtui.core.model import Job, JobStatus
from opgtui.diagnosis import precision
from opgtui.diagnosis.codes import bundled_tables
from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import PackSet, compile_signature, mention_signatures, structure_signatures

SIGS = [
    {
        "id": "cvmfs_io",
        "pattern": r"CernVM-FS: .*Input/output error",
        "category": "service",
        "action": "retry",
        "service": "cvmfs",
        "priority": 60,
        "title": "CVMFS I/O error",
        "example": "CernVM-FS: failed to open /cvmfs/x.org/lib/libA.so: Input/output error",
    },
    {
        "id": "segfault",
        "pattern": r"segmentation violation",
        "category": "code",
        "action": "debug",
        "priority": 70,
        "title": "Segmentation fault",
        "role": "crash",
        "example": " *** Break *** segmentation violation",
    },
    {
        "id": "keyerror",
        "pattern": r"^KeyError: ",
        "category": "code",
        "action": "debug",
        "priority": 50,
        "title": "Python KeyError",
        "example": "KeyError: 'run'",
    },
    {
        "id": "output_missing",
        "pattern": r"failed to send file\(s\)",
        "category": "code",
        "action": "debug",
        "priority": 65,
        "title": "An output file was never written",
        "role": "consequence",
        "example": "STARTER at 10.0.0.1 failed to send file(s) to <1.2.3.4:9618>: error reading from out.root",
    },
    {
        "id": "xrootd_retry_recovered",
        "pattern": r"XrdAdaptor.*retrying",
        "category": "service",
        "action": "retry",
        "service": "xrootd",
        "priority": 40,
        "title": "XRootD read retried",
        "role": "benign",
        "example": "%MSG-w XrdAdaptor: file open failed, retrying",
    },
    {
        "id": "import_error",
        "pattern": r"^ModuleNotFoundError: ",
        "category": "code",
        "action": "debug",
        "priority": 25,
        "title": "A Python module is missing",
        "example": "ModuleNotFoundError: No module named 'x'",
    },
    {
        "id": "all_good",
        "pattern": r"transfer retried and succeeded",
        "category": "service",
        "action": "retry",
        "priority": 90,
        "title": "a retry that worked",
        "role": "benign",
        "example": "transfer retried and succeeded",
    },
    {
        "id": "pilot_exception",
        "pattern": r"PilotException",
        "category": "unknown",
        "action": "look at the log",
        "priority": 5,
        "title": "A PanDA pilot exception",
        "example": "PilotException: 1099: stage-in failed",
    },
    {
        "id": "art_read",
        "pattern": r"^\s*---- FileReadError BEGIN",
        "category": "service",
        "action": "retry",
        "service": "xrootd",
        "priority": 60,
        "title": "art could not read its input",
        "example": "    ---- FileReadError BEGIN",
    },
]


@pytest.fixture(scope="module")
def packs() -> PackSet:
    tables = bundled_tables()
    compiled = []
    for raw in SIGS:
        c, problem = compile_signature(raw, pack="test")
        assert c is not None, problem
        compiled.append(c)
    return PackSet(compiled + mention_signatures(tables), tables=tables)


NESTED = """%MSG-s ArtException:  PostEndJob 15-Jul-2026 15:10:41 CDT ModuleEndJob
---- EventProcessorFailure BEGIN
  EventProcessor: an exception occurred during current event processing
  ---- ScheduleExecutionFailure BEGIN
    Path: ProcessingStopped.
    ---- {inner} BEGIN
      An exception was thrown while processing module Reco/reco run: 1 subRun: 0 event: 2
    ---- {inner} END
    Exception going through path reco
  ---- ScheduleExecutionFailure END
---- EventProcessorFailure END
Art has completed and will exit with status 18."""


@pytest.mark.parametrize(
    ("inner", "category", "signature"),
    [
        ("ProductNotFound", "code", "rule:art_ProductNotFound"),
        ("Configuration", "code", "rule:art_Configuration"),
        ("FileReadError", "service", "art_read"),  # a pack's signature on the innermost line wins over the table
        ("BadAlloc", "resource", "rule:art_BadAlloc"),
    ],
)
def test_the_innermost_art_block_decides_not_its_wrappers(packs, inner, category, signature):
    lines = NESTED.format(inner=inner).splitlines()
    v = diagnose(lines, packs)
    assert (precision.side(v), v.signature) == (category, signature), v.reason
    assert v.evidence[0].line == 6
    assert "line 6 is the innermost exception block (wrapped by the blocks at lines 2, 4)" in v.reason


def test_a_modules_own_exception_category_is_code_unless_a_read_failed_first(packs):
    lines = NESTED.format(inner="TPCGeo").splitlines()
    v = diagnose(lines, packs)
    assert (v.category, v.signature, v.evidence[0].line) == ("code", "rule:art_category", 6)
    io = "CernVM-FS: failed to open /cvmfs/x.org/lib/libA.so: Input/output error"
    v = diagnose([io, *lines], packs)
    assert (v.category, v.signature) == ("service", "cvmfs_io")


def test_cmssw_category_maps_through_the_table(packs):
    lines = [
        "----- Begin Fatal Exception 08-Mar-2021 17:09:11 CET-----------------------",
        "An exception of category 'FileOpenError' occurred while",
        "   [0] Calling InputSource::readFile_",
        "----- End Fatal Exception -------------------------------------------------",
    ]
    v = diagnose(lines, packs)
    assert (precision.side(v), v.signature, v.evidence[0].line) == ("service", "rule:cmssw_FileOpenError", 2)
    lines[1] = "An exception of category 'StdException' occurred while"  # a wrapper: weak, but code
    v = diagnose(lines, packs)
    assert v.category == "code" and v.signature == "rule:cmssw_StdException"


def test_a_segfault_after_a_cvmfs_read_error_is_service(packs):
    lines = [
        "setting up",
        "CernVM-FS: failed to open /cvmfs/x.org/lib/libA.so: Input/output error",
        "loading geometry",
        " *** Break *** segmentation violation",
    ]
    v = diagnose(lines, packs)
    assert (v.category, v.signature) == ("service", "cvmfs_io")
    assert "chose line 2 over line 4" in v.reason and "first real error" in v.reason


def test_a_segfault_alone_or_after_a_recovered_retry_is_code(packs):
    assert diagnose([" *** Break *** segmentation violation"], packs).category == "code"
    lines = ["%MSG-w XrdAdaptor: file open failed, retrying", " *** Break *** segmentation violation"]
    assert diagnose(lines, packs).signature == "segfault"  # a retry that recovered explains nothing


def test_a_missing_output_after_a_real_error_is_its_consequence(packs):
    lines = [
        "Traceback (most recent call last):",
        "KeyError: 'run'",
        "STARTER at 10.0.0.1 failed to send file(s) to <1.2.3.4:9618>: error reading from out.root",
    ]
    v = diagnose(lines, packs)
    assert (v.category, v.signature) == ("code", "keyerror") and "consequence" in v.reason
    lines[1] = "CernVM-FS: failed to open /cvmfs/x.org/lib/libA.so: Input/output error"
    assert diagnose(lines, packs).signature == "cvmfs_io"


def test_a_job_that_exited_zero_gets_no_failure_verdict(packs):
    lines = ["%MSG-w XrdAdaptor: file open failed, retrying", "KeyError: 'run' (printed, then handled)"]
    job = Job("s#1.0", "s", 1, 0, status=JobStatus.COMPLETED, exit_code=0)
    v = diagnose(lines, packs, job=job)
    assert (v.category, v.action, v.signature) == ("unknown", "nothing to do", None)
    assert v.reason.startswith("the job exited 0") and [e.line for e in v.evidence] == [2]
    assert diagnose(lines, packs, exit_code=0).action == "nothing to do"
    assert diagnose(lines, packs, exit_code=1).category == "code"


def test_hold_code_comes_before_text(packs):
    v = diagnose(["KeyError: 'run'"], packs, hold_code=34, hold_subcode=102)
    assert (v.category, v.signature) == ("resource", "rule:hold_34_102")


def test_a_specific_hold_code_decides_before_a_louder_log_line(packs):
    v = diagnose([" *** Break *** segmentation violation"], packs, hold_code=34, hold_subcode=0)
    assert (v.category, v.signature) == ("resource", "rule:hold_34")
    assert v.reason.endswith("(job record); it outweighs Segmentation fault (line 1, code)")
    v = diagnose([" *** Break *** segmentation violation"], packs, hold_code=1002)  # generic: the log refines
    assert v.signature == "segfault"


def test_an_output_the_payload_never_wrote_follows_its_error(packs):
    v = diagnose(["ModuleNotFoundError: No module named 'x'"], packs, hold_code=12, hold_subcode=2)
    assert (v.category, v.signature) == ("code", "import_error") and "consequence" in v.reason


def test_a_benign_line_never_decides(packs):
    v = diagnose(["transfer retried and succeeded", "KeyError: 'run'"], packs)
    assert v.signature == "keyerror"
    assert diagnose(["transfer retried and succeeded"], packs).category == "unknown"


def test_the_primary_cmssw_exception_wins_over_what_came_after(packs):
    lines = [
        "----- Begin Fatal Exception 08-Mar-2021 17:09:11 CET-----------------------",
        "An exception of category 'FileReadError' occurred while",
        "----- End Fatal Exception -------------------------------------------------",
        "Another exception was caught while trying to clean up lumis, runs, and files after the primary "
        "fatal exception was thrown.",
        "----- Begin Fatal Exception 08-Mar-2021 17:09:12 CET-----------------------",
        "An exception of category 'ProductNotFound' occurred while",
        "----- End Fatal Exception -------------------------------------------------",
    ]
    v = diagnose(lines, packs)
    assert (precision.side(v), v.signature, v.evidence[0].line) == ("service", "rule:cmssw_FileReadError", 2)
    assert "the first fatal exception (the one at line 6 came after it)" in v.reason


def test_a_later_art_exception_does_not_outvote_the_first(packs):
    first = NESTED.format(inner="Configuration").splitlines()[:-1]
    then = [
        "---- EndJobFailure BEGIN",
        "  ---- FileOpenError BEGIN",
        "  ---- FileOpenError END",
        "---- EndJobFailure END",
    ]
    v = diagnose(first + then, packs)
    assert (v.category, v.signature, v.evidence[0].line) == ("code", "rule:art_Configuration", 6)


def test_in_a_chained_python_traceback_the_first_exception_is_the_cause():
    tables = bundled_tables()
    raws = [
        {
            "id": "py_conn",
            "pattern": r"^ConnectionError: ",
            "category": "service",
            "action": "retry",
            "priority": 60,
            "title": "connection failed",
            "example": "ConnectionError: refused",
        },
        {
            "id": "py_runtime",
            "pattern": r"^RuntimeError: ",
            "category": "code",
            "action": "debug",
            "priority": 60,
            "title": "runtime error",
            "example": "RuntimeError: could not fetch",
        },
    ]
    compiled = [compile_signature(raw, pack="python")[0] for raw in raws]
    packs = PackSet([*compiled, *mention_signatures(tables), *structure_signatures()], tables=tables)
    first = ["Traceback (most recent call last):", '  File "get.py", line 3, in fetch', "ConnectionError: refused"]
    then = ["Traceback (most recent call last):", '  File "run.py", line 9, in main', "RuntimeError: could not fetch"]
    chained = [*first, "", "During handling of the above exception, another exception occurred:", "", *then]
    v = diagnose(chained, packs)
    assert (v.category, v.signature, v.evidence[0].line) == ("service", "py_conn", 3)
    assert "chose line 3 over line 9" in v.reason
    v = diagnose([*first, "", *then], packs)  # two separate failures of equal weight: no story to read
    assert v.category == "unknown" and v.title == "Conflicting findings"


def test_only_an_io_service_failure_explains_a_crash(packs):
    tables = bundled_tables()
    raws = [
        {
            "id": "dbus_daemon_down",
            "pattern": "dbus daemon down",
            "category": "service",
            "action": "retry",
            "priority": 60,
            "title": "not an I/O path",
            "example": "dbus daemon down",
        },
        {
            "id": "gdb_segv",
            "pattern": "segmentation violation",
            "category": "code",
            "action": "debug",
            "priority": 70,
            "title": "Segmentation fault",
            "role": "crash",
            "example": "segmentation violation",
        },
    ]
    own = PackSet([compile_signature(raw, pack="test")[0] for raw in raws], tables=tables)
    assert diagnose(["dbus daemon down", "segmentation violation"], own).signature == "gdb_segv"


def test_htcondor_termination_events_in_the_log_stand_for_the_exit_code(packs):
    own = PackSet([*packs.compiled, *structure_signatures()], tables=packs.tables)
    ok = [
        "%MSG-w XrdAdaptor: file open failed, retrying",
        "005 (123.000.000) 2024-01-02 10:00:00 Job terminated.",
        "	(1) Normal termination (return value 0)",
    ]
    v = diagnose(ok, own)
    assert (v.category, v.action) == ("unknown", "nothing to do")
    v = diagnose([*ok[:2], "	(1) Normal termination (return value 134)"], own)
    assert (v.category, v.signature, v.evidence[0].line) == ("code", "rule:exit_134", 3)
    v = diagnose([*ok[:2], "	(0) Abnormal termination (signal 9)"], own)
    assert (v.category, v.signature) == ("unknown", "rule:signal_9")  # SIGKILL alone: no memory evidence
    assert diagnose(ok, own, exit_code=1).action != "nothing to do"  # the job's record wins over the log


def test_what_art_survived_before_completing_with_status_0_is_not_the_failure(packs):
    lines = [
        "CernVM-FS: failed to open /cvmfs/x.org/lib/libA.so: Input/output error",
        "Art has completed and will exit with status 0.",
    ]
    v = diagnose(lines, packs)
    assert (v.category, v.signature) == ("unknown", "cvmfs_io")
    assert v.reason.endswith("did not stop the job: art completed with status 0 at line 2, after it")
    after = [*lines, "KeyError: 'run'"]  # a later step failed: that is the failure
    assert diagnose(after, packs).signature == "keyerror"
    failed_once = [*lines[:1], "Art has completed and will exit with status 9.", *lines[1:]]
    assert diagnose(failed_once, packs).category != "unknown"  # one art run failed: nothing was survived


def test_a_generic_pack_match_does_not_hide_a_code_the_table_knows(packs):
    v = diagnose(["PilotException: 1212: Payload ran out of memory"], packs)
    assert (v.category, v.signature) == ("resource", "rule:panda_pilot_1212")


def test_a_hold_code_lets_the_log_say_which_resource(packs):
    tables = bundled_tables()
    raw = {
        "id": "disk_over",
        "pattern": "exceeded allocated disk",
        "category": "resource",
        "action": "resubmit with more disk",
        "priority": 90,
        "title": "Disk over its request",
        "example": "Job has exceeded allocated disk (12 GB).",
    }
    own = PackSet([compile_signature(raw, pack="test")[0]], tables=tables)
    v = diagnose(["Job has exceeded allocated disk (12 GB)."], own, hold_code=34, hold_subcode=0)
    assert (v.signature, v.action) == ("disk_over", "resubmit with more disk")


TERMINATED_KILLED = [
    "005 (4216.000.000) 2024-03-02 11:41:07 Job terminated.",
    "	(0) Abnormal termination (signal 9)",
    "	(0) No core file",
    "	Partitionable Resources :    Usage  Request Allocated ",
    "	   Cpus                 :        0        1         1 ",
    "	   Disk (KB)            :       87        1      2048 ",
    "	   Memory (MB)          :     {used}     2000      2048 ",
]


def test_the_logs_termination_event_puts_a_sigkill_against_the_memory_request(packs):
    """HTCondor's termination event states the job's memory use and request: a SIGKILL at the request is the
    memory limit even when the job's record is not at hand; well below it, SIGKILL stays unknown."""
    own = PackSet([*packs.compiled, *structure_signatures()], tables=packs.tables)
    at_limit = [line.format(used=2135) for line in TERMINATED_KILLED]
    v = diagnose(at_limit, own)
    assert (v.category, v.action) == ("resource", "resubmit with more memory"), v.reason
    assert v.reason.endswith("memory use 2135 MB reached the request (2000 MB) (line 7)"), v.reason
    below = [line.format(used=322) for line in TERMINATED_KILLED]
    assert diagnose(below, own).category == "unknown"
    record = Job(id="s#1.0", schedd="s", cluster=1, proc=0, memory_used_mb=300, memory_request_mb=2000)
    assert diagnose(at_limit, own, job=record).category == "unknown"  # the record's own numbers win


# A real art BadAlloc report (larexamples DebuggingExamples/CatchException: a module that asks for an absurd size).
ART_BAD_ALLOC = [
    "---- BadAlloc BEGIN",
    "  A std::bad_alloc exception occurred during a call to the module larexamples/DebuggingExamples/CatchException/"
    "Exploder/exploder run: 1 subRun: 0 event: 1",
    "  The job has probably exhausted the virtual memory available to the process.",
    "---- BadAlloc END",
    "Art has completed and will exit with status 1.",
]


def test_an_allocation_failure_well_below_the_memory_request_is_no_memory_limit(packs):
    """record: memory: a bad_alloc while the job's record shows use well below its request is an absurd size or an
    address-space limit (unknown, numbers quoted), not 'resubmit with more memory'; near the request, or without
    the numbers, it stays resource when the event loop had got past its first event."""
    later = [x.replace("event: 1", "event: 4") for x in ART_BAD_ALLOC]
    assert diagnose(later, packs).category == "resource"
    roomy = Job(id="s#1.0", schedd="s", cluster=1, proc=0, memory_used_mb=310, memory_request_mb=2000)
    v = diagnose(ART_BAD_ALLOC, packs, job=roomy)
    assert v.category == "unknown", v.reason
    assert "used only 310 MB of the 2000 MB it requested: not its memory limit" in v.title, v.title
    full = Job(id="s#1.0", schedd="s", cluster=1, proc=0, memory_used_mb=1990, memory_request_mb=2000)
    assert diagnose(ART_BAD_ALLOC, packs, job=full).category == "resource"
    terminate = ["terminate called after throwing an instance of 'std::bad_alloc'", "  what():  std::bad_alloc"]
    assert diagnose(terminate, packs, job=roomy).category == "unknown"


@pytest.mark.parametrize(
    ("line", "category", "signature"),
    [
        ("Command exited with non-zero status 134", "code", "rule:exit_134"),  # GNU time: SIGABRT
        (
            "subprocess.CalledProcessError: Command '['lar', '-c', 'reco.fcl']' died with <Signals.SIGFPE: 8>.",
            "code",
            "rule:signal_8",
        ),
        ("Exited with exit code 152.", "resource", "rule:exit_152"),  # LSF's job report: SIGXCPU
        ("Job finished with exit code 1", "unknown", "rule:exit_1"),
    ],
)
def test_a_wrappers_stated_exit_status_is_read_as_the_exit_code(packs, line, category, signature):
    own = PackSet([*packs.compiled, *structure_signatures()], tables=packs.tables)
    v = diagnose(["Running payload", line], own)
    assert (v.category, v.signature) == (category, signature), v.reason
    assert v.evidence[0].line == 2


def test_a_stated_sigkill_with_the_memory_row_is_the_memory_limit(packs):
    own = PackSet([*packs.compiled, *structure_signatures()], tables=packs.tables)
    lines = [
        "subprocess.CalledProcessError: Command '['cmsRun', 'PSet.py']' died with <Signals.SIGKILL: 9>.",
        *[line.format(used=2135) for line in TERMINATED_KILLED[3:]],
    ]
    assert diagnose(lines, own).category == "resource"


def test_an_exception_named_inside_a_cmssw_report_is_the_inner_cause(packs):
    """A CMSSW fatal exception report that quotes another exception in its message (a python configuration that
    rethrew a C++ exception) wraps it: the inner category is the cause; a second report after the first one's
    end is still a later exception."""
    lines = [
        "----- Begin Fatal Exception 01-Jul-2020 18:59:07 CEST-----------------------",
        "An exception of category 'StdException' occurred while",
        "   [0] Processing the python configuration file named step2_DIGI_L1TrackTrigger_L1_DIGI2RAW_HLT_PU.py",
        "Exception Message:",
        " unknown python problem occurred.",
        "RuntimeError: An exception of category 'FileReadError' occurred.",
        "Exception Message:",
        "----- End Fatal Exception -------------------------------------------------",
    ]
    v = diagnose(lines, packs)
    assert (precision.side(v), v.signature, v.evidence[0].line) == ("service", "rule:cmssw_FileReadError", 6), v.reason
    assert "innermost exception block" in v.reason
    then = [*lines[:2], lines[-1], lines[0], lines[5], lines[-1]]  # two reports: the first one wins
    assert diagnose(then, packs).signature == "rule:cmssw_StdException"


def test_what_athena_logged_before_leaving_with_code_0_is_not_the_failure(packs):
    lines = [
        "KeyError: 'run'",
        "ApplicationMgr       INFO Application Manager Terminated successfully",
        'Py:Athena            INFO leaving with code 0: "successful run"',
    ]
    v = diagnose(lines, packs)
    assert (v.category, v.signature) == ("unknown", "keyerror")
    assert v.reason.endswith("did not stop the job: Athena completed with status 0 at line 3, after it")
    failed = [*lines[:2], 'Py:Athena            INFO leaving with code 65: "failure in an algorithm execute"']
    assert diagnose(failed, packs).category == "code"  # it left with 65: the KeyError before it is the cause


def test_the_scan_reads_a_quoted_log_without_its_prefixes_and_hands_back_the_same_lines_otherwise(packs):
    """scan_unquoted: a mail quote, a CI runner's timestamp or CRAB's '== CMSSW: ' is taken off before the scan
    (line-anchored signatures match, line numbers unchanged); a log without any returns the very same lines."""
    plain = ["Begin processing the 1st record.", "---- ProductNotFound BEGIN", "---- ProductNotFound END"]
    found, lines = packs.scan_unquoted(plain)
    assert lines is plain and found
    quoted = ["> " + line for line in plain]
    found_quoted, unquoted = packs.scan_unquoted(quoted)
    assert list(unquoted) == plain
    assert [(f.signature, f.line) for f in found_quoted] == [(f.signature, f.line) for f in found]
    ci = ["2025-10-23T22:41:44.7459686Z " + line for line in plain]
    assert list(packs.scan_unquoted(ci)[1]) == plain
    crab = ["== CMSSW: " + line for line in plain]
    assert list(packs.scan_unquoted(crab)[1]) == plain
