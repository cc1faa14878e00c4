"""A log reads the same however it was quoted: pasted into a ticket with a quote or an indentation, shipped as
JSON lines, prefixed with a batch system's or a logger's timestamp, squashed onto one line, coloured. The verdict
is the one the bare log gets, and the evidence is the line as it was quoted.

The excerpts are real logs of the tune corpus (their provenance is in its LABELS.tsv); the wrappers are the
documented formats of the tools that add them (Docker's json-file log driver, the CRI log format of Kubernetes,
Python's logging, logfmt (Go's logrus and slog), HTCondor's daemon logs, rsyslog's escapes of control characters,
Nextflow, Snakemake, Markdown).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.prefixes import needs_normalising, normalise
from opgtui.diagnosis.signatures import PackSet, load_packs

TUNE = Path(__file__).parent / "data" / "corpus" / "tune"
EXCERPTS = {  # file: the verdict its bare text gets
    "frameworks_h1/g4_geomregnav1004_event_aborted.log": "code",  # Geant4 GeomRegNav1004, event aborted
    "infra3_h1/nextflow_981_sbatch_transport_endpoint_not_connected.log": "service",
    "mixed/crabserver_8252_gfal_davs_eos_etimedout.log": "service",
    "frameworks_t5/crabserver_6954_taskworker_attributeerror_code_mixture.log": "service",  # a TaskWorker frame
}
Wrap = Callable[[list[str]], list[str]]
WRAPPERS: dict[str, Wrap] = {
    "mail quote": lambda ls: ["> " + x for x in ls],
    "tab indented": lambda ls: ["\t\t" + x for x in ls],
    "markdown code block": lambda ls: ["    " + x for x in ls],
    "CI runner's ISO time": lambda ls: [f"2024-01-02T03:04:{i % 60:02d}.7459686Z {x}" for i, x in enumerate(ls)],
    "python logging": lambda ls: ["2019-09-27 14:12:07,314 - root - ERROR - " + x for x in ls],
    "bracketed time": lambda ls: ["[2024-01-02 03:04:05,678] " + x for x in ls],
    "htcondor daemon log": lambda ls: ["06/05/24 21:44:49 (pid:2212871) " + x for x in ls],
    "syslog": lambda ls: ["Dec 14 12:21:11 login1 job[154299]: " + x for x in ls],
    "nextflow": lambda ls: [
        "Jan-13 20:22:07.572 [Task submitter] ERROR nextflow.processor.TaskProcessor - " + x for x in ls
    ],
    "snakemake": lambda ls: ["[Mon Jan  2 03:04:05 2024] " + x for x in ls],
    "time of day": lambda ls: [f"[{i % 24:02d}:04:05] {x}" for i, x in enumerate(ls)],
    "epoch seconds": lambda ls: ["1704164645.123 " + x for x in ls],
    "kubernetes CRI": lambda ls: ["2016-10-06T00:17:09.669794202Z stderr F " + x for x in ls],
    "INFO:root:": lambda ls: ["INFO:root:" + x for x in ls],
    "[stderr]": lambda ls: ["[stderr] " + x for x in ls],
    "srun --label": lambda ls: [f"{i % 64:4d}: {x}" for i, x in enumerate(ls)],
    "line numbers": lambda ls: [f"{i + 1:4d} | {x}" for i, x in enumerate(ls)],
    "docker json-file": lambda ls: [
        json.dumps({"log": x + "\n", "stream": "stderr", "time": "2024-01-02T03:04:05.1Z"}) for x in ls
    ],
    "squashed with \\n": lambda ls: ["\\n".join(ls)],
    "rsyslog #012": lambda ls: ["Dec 14 12:21:11 login1 job[1]: " + "#012".join(ls)],
    "markdown inline code": lambda ls: ["`" + x + "`" if x.strip() and "`" not in x else x for x in ls],
    "a JSON list of lines": lambda ls: ["  " + json.dumps(x) + "," for x in ls],
    "logfmt": lambda ls: [f'time="2024-10-17T14:18:57+0000" level=error msg={json.dumps(x)}' for x in ls],
    "HTML escapes": lambda ls: [html.escape(x) for x in ls],
    "CRLF": lambda ls: [x + "\r" for x in ls],
    "ANSI colours": lambda ls: ["\x1b[0;31m" + x + "\x1b[0m" for x in ls],
}


@pytest.fixture(scope="module")
def packs() -> PackSet:
    return load_packs(plugins=False)


def _lines(name: str) -> list[str]:
    return (TUNE / name).read_bytes().decode("utf-8", "replace").splitlines()


@pytest.mark.parametrize("name", sorted(EXCERPTS))
@pytest.mark.parametrize("wrapper", sorted(WRAPPERS))
def test_a_quoted_log_gets_the_verdict_of_the_bare_log(packs: PackSet, name: str, wrapper: str) -> None:
    bare = diagnose(_lines(name), packs)
    assert bare.category == EXCERPTS[name]
    quoted = WRAPPERS[wrapper](_lines(name))
    v = diagnose(quoted, packs)
    assert (v.category, v.signature) == (bare.category, bare.signature)
    for f in v.evidence:  # shown as quoted: the original line, numbered as quoted
        if f.line is not None:
            assert f.text == quoted[f.line - 1].rstrip("\r")


def test_a_tab_indented_traceback_is_read_as_a_traceback(packs: PackSet) -> None:
    """CRABServer#6954 as quoted in the thread: every line indented with four tabs (it was unknown)."""
    v = diagnose(_lines("frameworks_t5/crabserver_6954_taskworker_attributeerror_code_mixture.log"), packs)
    assert v.category == "service"
    assert v.evidence[0].text.startswith("\t\t\t\tAttributeError: module 'TaskWorker.WorkerExceptions'")


def test_squashed_lines_are_numbered_as_the_quoted_line(packs: PackSet) -> None:
    g4 = _lines("frameworks_h1/g4_geomregnav1004_event_aborted.log")
    quoted = ["Begin processing the 1st record. run: 1 subRun: 0 event: 1", "\\n".join(g4), "%MSG"]
    v = diagnose(quoted, packs)
    assert v.category == "code"
    assert {f.line for f in v.evidence if f.line is not None} == {2}
    assert "line 2" in v.reason or "line" not in v.reason


def test_rsyslog_escapes_are_read_as_lines(packs: PackSet) -> None:
    """Real rsyslog lines from the tune corpus: '#012' is a line break, '#033' an ESC."""
    lines, origin = normalise(
        [
            "Apr 17 15:57:31 runner01 gitlab-runner[1701482]: #033[0;33mWARNING: Job failed: exit code 137",
            "Dec 14 12:21:11 login1 setroubleshoot[154299]: SELinux is preventing /cvmfs/x/python3.9 from relabelto "
            "access on the file md.log.#012#012*****  Plugin restorecon_source (99.5 confidence) suggests",
        ]
    )
    assert lines[0] == "WARNING: Job failed: exit code 137"
    assert lines[1].startswith("SELinux is preventing /cvmfs/x/python3.9")
    assert origin == [0, 1, 1, 1]


def test_a_coloured_line_loses_every_escape_textsafe_knows() -> None:
    """The reader strips escapes with core.textsafe's regex (it had one of its own, which left ``tput sgr0``'s
    ESC ( B, a DCS's payload and ESC 7 in the line; tests/test_contracts.py fails on a second regex)."""
    lines, _ = normalise(["\x1b[1m\x1b[31mWARNING: Job failed\x1b(B\x1b[m", "\x1bPq#0;x\x1b\\\x1b7exit code 137\x1b8"])
    assert list(lines) == ["WARNING: Job failed", "exit code 137"]


@pytest.mark.parametrize(
    ("quoted", "bare"),
    [
        (
            "Jan-13 20:22:07.572 [Task submitter] DEBUG nextflow.executor.GridTaskHandler - Failed to submit process",
            "Failed to submit process",
        ),
        (
            "2019-09-27 14:12:07,314 - root - CRITICAL - Error in /data/pypeflow/do_task.py",
            "Error in /data/pypeflow/do_task.py",
        ),
        ("ERROR:root:Exception During Stage Out:", "Exception During Stage Out:"),
        (
            "2018-04-05 11:10:44,399:140498145695488:ERROR:JobUpdaterPoller:Caught unexpected exception in JobUpdater",
            "Caught unexpected exception in JobUpdater",
        ),
        (
            "10/30/24 10:32:00 (pid:3700140) **** condor_startd (condor_STARTD) pid 3700140 EXITING WITH STATUS 4",
            "**** condor_startd (condor_STARTD) pid 3700140 EXITING WITH STATUS 4",
        ),
        (
            "2021-03-04 10:12:45 UTC WorkloadManagement/JobWrapper ERROR: Input data resolution failed",
            "WorkloadManagement/JobWrapper ERROR: Input data resolution failed",
        ),
        (
            "[  207.955868] nfs: server 10.100.0.60 not responding, still trying",
            "nfs: server 10.100.0.60 not responding, still trying",
        ),
        ("E       AssertionError: assert 1 == 0", "AssertionError: assert 1 == 0"),
        ("51:   what():  ---- Parse error BEGIN", "what():  ---- Parse error BEGIN"),  # ctest's output
        (
            "2304: slurmstepd: error: _is_a_lwp: open() /proc/83665/status failed: No such file or directory",
            "slurmstepd: error: _is_a_lwp: open() /proc/83665/status failed: No such file or directory",
        ),
        ("##[error]Process completed with exit code 137.", "Process completed with exit code 137."),
        ("> > == CMSSW: ---- FileOpenError BEGIN", "---- FileOpenError BEGIN"),
        ("Looking for type: std::vector&lt;reco::Track&gt;", "Looking for type: std::vector<reco::Track>"),
        (  # dbinfrago/capella-collab-manager#1913
            'time="2024-10-17T14:18:57+0000" level=ERROR name=capellacollab.projects.toolmodels.backups.runs.interface '
            'function=_refresh_and_trigger_pipeline_jobs message="Failed fetching logs of jobs"',
            "Failed fetching logs of jobs",
        ),
        (
            "An exception of category &#x27;FileReadError&#x27; occurred while",
            "An exception of category 'FileReadError' occurred while",
        ),
        (
            "`slurmstepd: error: *** JOB 4191701 ON c5-1 CANCELLED AT 2021-08-17T15:09:00 DUE TO TIME LIMIT ***`",
            "slurmstepd: error: *** JOB 4191701 ON c5-1 CANCELLED AT 2021-08-17T15:09:00 DUE TO TIME LIMIT ***",
        ),
        (
            '"Warning in <TClass::TClass>: no dictionary for class SvtxTrack::State is available"',
            "Warning in <TClass::TClass>: no dictionary for class SvtxTrack::State is available",
        ),
    ],
)
def test_the_wrapping_goes_and_the_message_stays(quoted: str, bare: str) -> None:
    assert list(normalise([quoted])[0]) == [bare]


@pytest.mark.parametrize(
    "line",
    [
        "Wed Jun  5 23:12:13 2024",  # a date alone is a line of its own
        "[2018-10-07 10:17:56.649327 -0400][Debug  ][File              ] [0x36b146e0@root://cms-xrd-global.cern.ch]",
        "[FATAL] Redirect limit has been reached",  # XRootD's own level
        "FATAL:   container creation failed: mount /etc/localtime->/etc/localtime error",  # Apptainer's
        "WARNING Traceback (most recent call last):",  # a warning's level is kept: a handled traceback
        "sbatch: error: Batch script contains DOS line breaks",
        '"a" and "b"',  # quotes that do not wrap the line
        "```",
        "%MSG-w TrackFitter:  fitter:pandoraTrack@ 05-Jun-2024 23:01:02 CDT  run: 1 event: 2",
    ],
)
def test_lines_that_only_look_quoted_are_kept(line: str) -> None:
    assert list(normalise([line])[0]) == [line]


def test_a_log_with_nothing_to_take_off_costs_no_copy() -> None:
    lines = [
        "Begin processing the 1st record. run: 1 subRun: 0 event: 1",
        "%MSG-w TrackFitter:  fitter:pandoraTrack@ 05-Jun-2024 23:01:02 CDT  run: 1 event: 2",
        "Fit failed for track 12: too few hits (3) in view 1",
        "%MSG",
        "   [ 12  13 ] module 3 took 1.2 ms",
    ]
    assert not needs_normalising("\n".join(lines).encode())
    assert normalise(lines) == (lines, None)


def test_every_signature_example_still_matches_once_normalised(packs: PackSet) -> None:
    """Normalising takes off nothing a pack's pattern needs (its real example line still matches)."""
    broken = []
    for c in packs.compiled:
        if not c.example:
            continue
        lines = c.example.split("\n")
        normal, _origin = normalise(lines)
        if normal is not lines and not any(c.regex.search(x.encode()) for x in normal):
            broken.append(c.signature.id)
    assert broken == []


def test_a_paste_whose_line_breaks_became_spaces_is_split_at_the_frameworks_line_starts(packs: PackSet) -> None:
    """cms-sw/cmssw#40126 as quoted in the thread: messagefacility and Geant4 lines run together on one line; the
    warning's 'This is just a warning message' no longer vetoes the EEEE exception after it, shown once."""
    lines = _lines("frameworks_h2/cmssw_40126_g4_nan_sensitive_detector.log")
    v = diagnose(lines, packs)
    assert (v.category, v.signature) == ("code", "geant4_G4Exception_error")
    assert [f.line for f in v.evidence] == [1]
    assert v.evidence[0].text == lines[0]


def test_a_long_line_with_one_framework_word_is_kept() -> None:
    line = "Begin processing the 52nd record. " + "x" * 400 + " %MSG-w SimG4CoreApplication: pre-events"
    assert list(normalise([line])[0]) == [line]


@pytest.mark.parametrize("wrapper", sorted(set(WRAPPERS) - {"CRLF"}))  # the scan takes CRs off before
def test_reading_only_the_lines_the_search_finds_reads_them_all(wrapper: str) -> None:
    """The scan hands ``normalise`` its joined text so that only the lines one search finds are read one by one:
    that reads the same lines as reading every one."""
    quoted = ["Begin processing the 1st record. run: 1 subRun: 0 event: 1"]
    for name in sorted(EXCERPTS):
        quoted += WRAPPERS[wrapper](_lines(name))
    assert normalise(quoted, "\n".join(quoted).encode()) == normalise(quoted)


def test_a_learned_pattern_is_proposed_from_the_line_the_scan_reads() -> None:
    """The shift's unknown failures are grouped by their decisive line as the scan reads it: a timestamp the
    evidence keeps for the shifter does not make every job its own group, nor enter the proposed pattern."""
    from opgtui.learn.templates import decisive_line

    quoted = "2024-01-02T03:04:05.7459686Z gfal-copy error: 110 (Connection timed out) - TRANSFER ERROR"
    assert decisive_line([quoted], [quoted]) == "gfal-copy error: 110 (Connection timed out) - TRANSFER ERROR"
