"""Structure an expert reads in any log, whatever its words: where the failure sits (the user's own source file, a
middleware's stack). Lines are real, quoted from the public threads named beside them."""

from __future__ import annotations

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.prefixes import normalise
from opgtui.diagnosis.reader import USER_SOURCE, read
from opgtui.diagnosis.signatures import PackSet, compile_signature, load_packs
from opgtui.diagnosis.stacks import CRASH, STACK, innermost_java_frame, innermost_native_frame

PACKS = load_packs(plugins=False)

# UCATLAS/xAODAnaHelpers pull 1236 (the fix: BasicEventSelection read EventInfo in histInitialize).
XAOD_USER_SOURCE = [
    "BasicEventSelect         INFO    Calling histInitialize",
    "BasicEventSelection.Ba...ERROR   in retrieve<xAOD::EventInfo_v1>(EventInfo): Both TEvent and TStore objects are "
    "null. Cannot retrieve anything.",
    "/afs/cern.ch/user/v/vpascuzz/work/private/analysis/lxqq/code/DijetFramework_r21/source/DijetFramework/"
    "xAODAnaHelpers/Root/Algorithm.cxx:65:exception: Could not retrieve eventInfo container (EventInfo) for isMC() "
    "check.",
]
# snakemake/snakemake issue 1982 (touch() inside a rule's run block creates no output).
SNAKEMAKE_USER_RULE = [
    "Waiting at most 5 seconds for missing files.",
    "MissingOutputException in rule one  in line 5 of /home/dario/Downloads/Snakefile:",
]


def _user_source_findings(lines: list[str]) -> list[int | None]:
    found, normal, _origin = PACKS.scan_normalised(lines)
    return [f.line for f in read(found, PACKS, normal, have_hold=False).findings if f.signature == USER_SOURCE]


def test_an_error_raised_in_the_users_own_source_file_is_code():
    for lines in (XAOD_USER_SOURCE, SNAKEMAKE_USER_RULE):
        v = diagnose(lines, PACKS)
        assert v.category == "code", v.reason
        assert _user_source_findings(lines) == [len(lines)]


def test_the_same_place_in_an_installed_package_or_a_warning_is_no_such_error():
    """A path in the user's area that is an installed package (pip --user, conda, a virtualenv) or a batch system's
    execute directory is no code of theirs; a warning at a line of the user's file stops nothing."""
    installed = [
        "/home/dc/.local/lib/python3.6/site-packages/uproot/reading.py:145: error: could not open",
        "MissingOutputException in line 583 of /home/x/miniconda3/envs/p/lib/python3.8/site-packages/snakemake/a.py:",
        "/home/condor/execute/dir_57112/job/run.cc:12: error: lost",
    ]
    # nils-braun/b2luigi issue 112: a warning, from an installed package in the user's area
    warning = [
        "/afs/desy.de/user/m/meliache/.local/lib/python3.6/site-packages/b2luigi/batch/processes/gbasf2.py:325: "
        "RuntimeWarning: RuntimeError('No output data for gbasf2 project 2021-06-106ac9f82805 found.',)",
        "/afs/desy.de/user/m/meliache/gbasf2.py:325: RuntimeWarning: RuntimeError('No output data')",
    ]
    for line in [*installed, *warning]:
        assert _user_source_findings([line]) == [], line


def test_an_earlier_failed_read_explains_the_users_error():
    """The user's code raised because a read failed first: the first real error wins (a ``crash`` role)."""
    lines = ["Error in <TNetXNGFile::Open>: [ERROR] Operation expired", *XAOD_USER_SOURCE[2:]]  # xrootd issue 343
    v = diagnose(lines, PACKS)
    assert v.category == "service", v.reason


# Frame signatures as a pack would declare them (the bundled packs' own are tested with the packs): the reader
# only says which frame is innermost.
FRAMES = [
    {
        "id": "test_frame_xrootd",
        "title": "XRootD's own code",
        "pattern": r"^\s*#\d+\s.*(?:\bXrd[A-Z]\w*::|/libXrd\w*[.-])",
        "category": "service",
        "action": "retry",
        "service": "xrootd",
        "priority": 0,
        "role": "frame",
        "example": "#2  0x00007f83fee1697d in XrdSysCondVar::Wait() () from /lib64/libXrdUtils.so.3",
    },
    {
        "id": "test_frame_dcache",
        "title": "dCache's own code",
        "pattern": r"^\s*at (?:org\.dcache|dmg|diskCacheV111)\.[\w$.<>]+\(",
        "category": "service",
        "action": "retry",
        "service": "dcache",
        "priority": 0,
        "role": "frame",
        "example": "at dmg.cells.nucleus.CellAdapter.executeCommand(CellAdapter.java:238)",
    },
]
WITH_FRAMES = PackSet(
    [*PACKS.compiled, *(compile_signature(raw, pack="middleware_frames")[0] for raw in FRAMES)],  # type: ignore[misc]
    tables=PACKS.tables,
)
# xrootd/xrootd issue 2505 (a deadlock of the caching proxy, XrdPfc, opening files at start-up): a hung thread.
XCACHE_HUNG = [
    'Thread 66 (Thread 0x7f83789c9640 (LWP 114) "xrootd"):',
    "#0  0x00007f83fe92088a in __futex_abstimed_wait_common () from /lib64/libc.so.6",
    "#1  0x00007f83fe922de2 in pthread_cond_wait@@GLIBC_2.3.2 () from /lib64/libc.so.6",
    "#2  0x00007f83fee1697d in XrdSysCondVar::Wait() () from /lib64/libXrdUtils.so.3",
    "#3  0x00007f83f850316d in XrdPfc::File::Open() () from /lib64/libXrdPfc-5.so",
]
# cms-sw/cmssw issue 24968 (GenHFHadronMatcher crashed: the module's bug), its frame wrapped over three lines as
# quoted; under it, composed for the test, xrootd issue 2505's XRootD frame: the caller's, not the crash's.
MODULE_CRASH = [
    "#4  <signal handler called>",
    "#5  0x00002ac58ee79b8f in GenHFHadronMatcher::isHadron(int,",
    "reco::Candidate const*) () from",
    "/cvmfs/cms.cern.ch/slc6_amd64_gcc700/cms/cmssw/CMSSW_10_3_0_pre5/lib/slc6_amd64_gcc700/"
    "pluginPhysicsToolsJetMCAlgosPlugins.so",
    XCACHE_HUNG[3].replace("#2", "#6"),
]
# dCache/dcache issue 6253 (pools threw NullPointerException in RemoteTransferManager), as the pool's syslog has it.
DCACHE_NPE = [
    "Nov 15 13:19:27 ccdcalitest11 dcache@ccdcalitest11-pool-escape-litest11a-Domain[104744]: dmg.util."
    "CommandPanicException: (1) Command failed: java.lang.NullPointerException",
    "Nov 15 13:19:27 ccdcalitest11 dcache@ccdcalitest11-pool-escape-litest11a-Domain[104744]: at org.dcache.util.cli."
    "AnnotatedCommandExecutor.execute(AnnotatedCommandExecutor.java:156)",
    "Nov 15 13:19:27 ccdcalitest11 dcache@ccdcalitest11-pool-escape-litest11a-Domain[104744]: at dmg.cells.nucleus."
    "CellAdapter.executeCommand(CellAdapter.java:238)",
]


def _stack_findings(lines: list[str], packs: PackSet) -> list[tuple[str, str | None, int | None]]:
    """The reader's stack findings (category, service, line): read directly, so a pack signature that knows the
    same lines (and so decides the verdict) changes nothing here."""
    found, normal, _origin = packs.scan_normalised(lines)
    reading = read(found, packs, normal, have_hold=False)
    return [(f.category, f.service, f.line) for f in reading.findings if f.signature == STACK]


def test_a_stack_whose_innermost_frame_is_a_middlewares_says_that_component_failed():
    one_thread = XCACHE_HUNG[1:]  # the hung thread's backtrace alone (gdb's "bt", a core's)
    assert _stack_findings(one_thread, WITH_FRAMES) == [("service", "xrootd", 3)]
    assert _stack_findings(DCACHE_NPE, WITH_FRAMES) == [("service", "dcache", 2)]
    no_frames = PackSet([c for c in PACKS.compiled if c.role != "frame"], tables=PACKS.tables)
    assert _stack_findings(one_thread, no_frames) == []  # no frame signature, no rule


# cms-sw/cmssw issue 19775 (a segfault in SimG4Core's RunManagerMT::terminateRun, fixed in CMSSW): the crashing
# thread is not in the excerpt; the one shown from its frame #0 is XRootD's client thread, idle as in any cmsRun.
CMSSW_XROOTD_IDLE = [
    "#6  0x00000030264e8bcd in clone () from /lib64/libc.so.6",
    "Thread 5 (Thread 0x7f52596cc700 (LWP 8420)):",
    "#0  0x000000302680f00d in nanosleep () from /lib64/libpthread.so.0",
    "#1  0x00007f525a30f5ed in XrdSysTimer::Wait (mills=<optimized out>) at /build/cmsbld/auto-builds/"
    "CMSSW_9_3_0_pre2-slc6_amd64_gcc700/build/CMSSW_9_3_0_pre2-build/BUILD/slc6_amd64_gcc700/external/xrootd/"
    "4.6.1-ghjeda/xrootd-4.6.1/src/XrdSys/XrdSysTimer.cc:239",
    "#2  0x00007f525a424928 in XrdCl::TaskManager::RunTasks (this=0x7f5283024300) at /build/cmsbld/auto-builds/"
    "CMSSW_9_3_0_pre2-slc6_amd64_gcc700/build/CMSSW_9_3_0_pre2-build/BUILD/slc6_amd64_gcc700/external/xrootd/"
    "4.6.1-ghjeda/xrootd-4.6.1/src/XrdCl/XrdClTaskManager.cc:244",
    "#4  0x0000003026807aa1 in start_thread () from /lib64/libpthread.so.0",
    "Current Modules:",
    "",
    "Module: non-CMSSW (crashed)",
    "",
    "A fatal system signal has occurred: segmentation violation",
]


def test_a_thread_of_a_dump_that_did_not_crash_names_no_culprit():
    """In a dump of several threads only the one with the signal handler's frame crashed: another thread's
    innermost frame is where it waits (XRootD's client threads wait in every job that reads with it)."""
    assert _stack_findings(CMSSW_XROOTD_IDLE, PACKS) == []
    assert innermost_native_frame(CMSSW_XROOTD_IDLE, 4) is None
    assert _stack_findings(XCACHE_HUNG, WITH_FRAMES) == []  # a thread of a dump, no crash: the same
    assert diagnose(CMSSW_XROOTD_IDLE, PACKS).category == "code"  # the module line decides


def test_the_crashing_frame_decides_not_a_middleware_frame_below_it():
    """After "<signal handler called>" the first frame outside the C runtime crashed; the caller below is not."""
    assert innermost_native_frame(MODULE_CRASH, 5) == (2, 4)  # the frame and its wrapped lines
    assert _stack_findings(MODULE_CRASH, WITH_FRAMES) == []


def test_a_systemd_units_instance_name_is_a_syslog_program():
    """``dcache@<domain>[pid]:`` (a systemd template unit's instance) is taken off like any syslog program."""
    lines, _origin = normalise(DCACHE_NPE)
    assert lines[1] == "at org.dcache.util.cli.AnnotatedCommandExecutor.execute(AnnotatedCommandExecutor.java:156)"


# jglobus/JGlobus issue 112 (MyProxy's CRL for a CA had expired), as logback prints a chain of causes.
JGLOBUS_CHAIN = [
    "Caused by: org.globus.common.ChainedIOException: Authentication failed [Caused by: Path validation failed. CRL "
    "issued by C=FR,O=CNRS,CN=GRID2-FR has expired]",
    "    at org.globus.gsi.gssapi.net.GssSocket.startHandshake(GssSocket.java:149) ~[gss.jar:na]",
    "    at org.globus.myproxy.MyProxy.get(MyProxy.java:959) ~[myproxy.jar:na]",
    "    ... 29 common frames omitted",
    "Caused by: org.globus.gsi.gssapi.GlobusGSSException: Path validation failed. CRL issued by C=FR,O=CNRS,"
    "CN=GRID2-FR has expired",
    "    at org.globus.gsi.gssapi.GlobusGSSContextImpl.initSecContext(GlobusGSSContextImpl.java:1096) ~[gss.jar:na]",
    "    at org.globus.gsi.gssapi.net.GssSocket.authenticateClient(GssSocket.java:106) ~[gss.jar:na]",
    "    ... 31 common frames omitted",
]


def test_a_java_stacks_innermost_frame_is_the_first_of_its_last_cause():
    for line in (2, 3, 7):
        assert innermost_java_frame(JGLOBUS_CHAIN, line) == (6, 6)
    assert innermost_java_frame(JGLOBUS_CHAIN, 1) is None  # an exception line is no frame


def test_a_hung_thread_is_whose_innermost_frame_is_outside_the_c_runtime():
    """A thread waiting in libc under the payload's own frame is the payload's wait, whatever it called through."""
    payload_waits = [*XCACHE_HUNG[1:3], "#2  0x00002ac58ee79b8f in GenHFHadronMatcher::isHadron(int) () from x.so"]
    payload_waits.append(XCACHE_HUNG[4])  # composed for the test: the payload frame above XRootD's
    assert innermost_native_frame(payload_waits, 4) == (3, 3)
    assert _stack_findings(payload_waits, WITH_FRAMES) == []
    assert innermost_native_frame(XCACHE_HUNG[1:], 4) == (3, 3)


def test_snakemake_8s_form_and_a_command_that_failed_at_the_users_line():
    """Snakemake 8 names the file and line in another order (opencompl/lean-mlir pull 1549: a NameError in the
    user's Snakefile); a command that a rule's line ran and that failed (carissalow/rapids docs/usage/faq.rst: an
    R script that could not reach its MySQL server) says nothing about whose the failure is."""
    assert _user_source_findings(
        ['NameError in file "/home/alex/Workspace/PhD/lean-mlir/bv-evaluation/Snakefile", line 57:']
    ) == [1]
    failed_command = "CalledProcessError in line 20 of /home/ubuntu/rapids/rules/preprocessing.snakefile:"
    assert _user_source_findings([failed_command]) == []


def test_a_mangled_cxx_name_is_no_runtime_frame():
    """A C++ symbol gdb did not demangle starts with "_Z": the code's own frame, not the C library's "__" ones."""
    hung = [*XCACHE_HUNG[1:3], "#2  0x00007f83fee1697d in _ZN13XrdSysCondVar4WaitEv () from /lib64/libXrdUtils.so.3"]
    assert innermost_native_frame(hung, 3) == (3, 3)


# cms-sw/cmssw issue 32154 (an IB crash inside L1Comparator's DEcompare: the release's code), as the thread quotes it.
L1_COMPARATOR_CRASH = [
    "Thread 1 (Thread 0x2b143834cb80 (LWP 27278)):",
    "#3  0x00002b14419e0a59 in sig_dostack_then_abort () from /cvmfs/cms-ib.cern.ch/week1/slc7_amd64_gcc820/cms/"
    "cmssw/CMSSW_11_2_X_2020-11-15-0000/lib/slc7_amd64_gcc820/pluginFWCoreServicesPlugins.so",
    "#4  <signal handler called>",
    "#5  0x00002b14361167f8 in vtable for __cxxabiv1::__class_type_info () from /cvmfs/cms-ib.cern.ch/nweek-02655/"
    "slc7_amd64_gcc820/external/gcc/8.2.0-bcolbf/lib64/libstdc++.so.6",
    "#6  0x00002b14ac4d9c59 in DEcompare<std::vector<L1GctEmCand, std::allocator<L1GctEmCand> > >::DEcompare("
    "std::vector<L1GctEmCand, std::allocator<L1GctEmCand> > const*, std::vector<L1GctEmCand, std::allocator<"
    "L1GctEmCand> > const*) () from /cvmfs/cms-ib.cern.ch/week1/slc7_amd64_gcc820/cms/cmssw/CMSSW_11_2_X_2020-11-15-"
    "0000/lib/slc7_amd64_gcc820/libL1TriggerHardwareValidation.so",
]
# UCATLAS/xAODAnaHelpers issue 81 (a segfault in a user's own RootCore build), ROOT's signal handler above it.
XAOD_USER_CRASH = [
    "#2  0x00007f3543499ecf in TUnixSystem::StackTrace() () from /cvmfs/atlas.cern.ch/repo/ATLASLocalRootBase/x86_64/"
    "root/6.02.05-x86_64-slc6-gcc48-opt/lib/libCore.so",
    "#3  0x00007f354349ba3c in TUnixSystem::DispatchSignals(ESignals) () from /cvmfs/atlas.cern.ch/repo/"
    "ATLASLocalRootBase/x86_64/root/6.02.05-x86_64-slc6-gcc48-opt/lib/libCore.so",
    "#4  <signal handler called>",
    "#5  0x00007f3549f90f71 in xAOD::CutBookkeeper_v1::nAcceptedEvents() const () from /afs/cern.ch/work/j/jbossios/"
    "public/SM/new_xAODJetAnalysis/xAODUnfoldingAnalysis/41_version/RootCoreBin/lib/x86_64-slc6-gcc48-opt/"
    "libxAODCutFlow.so",
]


def _crash_findings(lines: list[str], packs: PackSet = PACKS) -> list[tuple[str, int | None]]:
    found, normal, _origin = packs.scan_normalised(lines)
    return [(f.category, f.line) for f in read(found, packs, normal, have_hold=False).findings if f.signature == CRASH]


def test_a_crash_whose_crashing_frame_is_the_programs_own_code_is_code():
    """The first frame after the signal handler outside the C runtime (libstdc++'s vtable frame is the runtime's)
    is where the program crashed: its own code, a release's or a user's build."""
    assert _crash_findings(L1_COMPARATOR_CRASH) == [("code", 5)]
    assert _crash_findings(XAOD_USER_CRASH) == [("code", 4)]
    v = diagnose(L1_COMPARATOR_CRASH, PACKS)
    assert (v.category, v.evidence[0].line) == ("code", 5), v.reason
    assert "DEcompare<std::vector<L1GctEmCand" in v.reason


def test_a_crash_in_a_middlewares_or_the_systems_library_is_not_the_programs():
    """The crashing frame a middleware's (a frame signature's: that component's) or the operating system's library
    (a driver, libz: whose call it was the frame does not say) is no crash of the program's own code."""
    assert _crash_findings([*MODULE_CRASH[:1], XCACHE_HUNG[3].replace("#2", "#5")], WITH_FRAMES) == []
    in_system = [*XAOD_USER_CRASH[:3], "#5  0x00007f35 in inflate_fast () from /lib64/libz.so.1"]
    assert _crash_findings(in_system) == []
    no_handler = [XAOD_USER_CRASH[0], XAOD_USER_CRASH[3].replace("#5", "#1")]  # no thread known to have crashed
    assert _crash_findings(no_handler) == []


def test_an_earlier_failed_read_explains_a_crash_in_the_programs_code():
    """A crash after a failed read is its consequence (the ``crash`` role): the read decides."""
    lines = ["Error in <TNetXNGFile::Open>: [ERROR] Operation expired", *XAOD_USER_CRASH]  # xrootd issue 343
    assert diagnose(lines, PACKS).category == "service"
