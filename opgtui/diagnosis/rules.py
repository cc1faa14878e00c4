"""Findings keyed on numbers: HTCondor hold codes/subcodes, exit codes, signals and art exit statuses.

Sources: HTCondor's ``condor_holdcodes.h`` and the "Hold Reason Codes" table of its manual (34 = JobOutOfResources
with subcode 102 memory / 104 disk; 21 = StartdHeldJob, whose subcode comes from the machine's
``WANT_HOLD_SUBCODE``: the policy metaknobs use 101 CPUs, 102 memory, 104 disk; for 12/13 the subcode is an errno,
62 = ETIME for a plugin timeout, or the plugin's exit code shifted left by 8). art: ``canvas/Utilities/Exception.h``
(``errors::ErrorCodes``, returned as the exit status) and ``run_art.cc`` / ``BasicOptionsHandler.cc``
(65 cet::exception, 66 std::exception, 67 unknown exception, 68 std::bad_alloc, 69-71 message facility,
88 command line, 90 FHiCL parse, 91 parameter set). Anything not in these tables is "unknown", never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from opgtui.model import Category, Finding

RETRY, DEBUG, LOOK = "retry", "debug", "look at the log"
MEMORY, DISK, TIME = "resubmit with more memory", "resubmit with more disk", "resubmit with more time"
PREFIX = "rule:"
"""Rule findings' signature ids start with this, so they never collide with pack ids."""


@dataclass(frozen=True, slots=True)
class Rule:
    """What a number means."""

    category: Category
    action: str
    title: str
    service: str | None = None
    priority: int = 0


def _unknown(title: str, priority: int = 5) -> Rule:
    return Rule("unknown", LOOK, title, None, priority)


HOLD_LABELS: dict[int, str] = {
    1: "UserRequest", 3: "JobPolicy", 4: "CorruptedCredential", 5: "JobPolicyUndefined", 6: "FailedToCreateProcess",
    7: "UnableToOpenOutput", 8: "UnableToOpenInput", 9: "UnableToOpenOutputStream", 10: "UnableToOpenInputStream",
    11: "InvalidTransferAck", 12: "TransferOutputError", 13: "TransferInputError", 14: "IwdError",
    15: "SubmittedOnHold", 16: "SpoolingInput", 17: "JobShadowMismatch", 18: "InvalidTransferGoAhead",
    19: "HookPrepareJobFailure", 20: "MissedDeferredExecutionTime", 21: "StartdHeldJob", 22: "UnableToInitUserLog",
    23: "FailedToAccessUserAccount", 24: "NoCompatibleShadow", 25: "InvalidCronSettings", 26: "SystemPolicy",
    27: "SystemPolicyUndefined", 32: "MaxTransferInputSizeExceeded", 33: "MaxTransferOutputSizeExceeded",
    34: "JobOutOfResources", 35: "InvalidDockerImage", 36: "FailedToCheckpoint", 43: "PreScriptFailed",
    44: "PostScriptFailed", 45: "SingularityTestFailed", 46: "JobDurationExceeded", 47: "JobExecuteExceeded",
    48: "HookShadowPrepareJobFailure", 1000: "JobPolicyVacate", 1001: "SystemPolicyVacate", 1002: "ShadowException",
    1003: "JobNotStarted", 1004: "UserVacateJob", 1005: "JobShouldRequeue", 1006: "FailedToActivateClaim",
    1007: "StarterError", 1008: "ReconnectFailed", 1009: "ClaimDeactivated", 1010: "StartdVacateCommand",
    1011: "StartdPreemptExpression", 1012: "StartdException", 1013: "StartdShutdown", 1014: "StartdDraining",
    1015: "StartdCoalesce", 1016: "StartdHibernate", 1017: "StartdReleaseCommand", 1018: "StartdPreemptingClaimRank",
    1019: "StartdPreemptingClaimUserPrio",
}

_TRANSFER = Rule("service", RETRY, "HTCondor file transfer failed", "htcondor", 30)
_OPEN_STD = Rule("code", DEBUG, "Could not open the job's stdin/stdout file (check the paths)", None, 30)
_PREEMPTED = Rule("service", RETRY, "Evicted by the worker (preempted, draining or shut down)", "htcondor", 25)

HOLD_CODES: dict[int, Rule] = {
    1: _unknown("Held by a person (condor_hold): read the hold reason"),
    3: _unknown("Held by the job's own periodic_hold / on_exit_hold policy: read the hold reason"),
    4: Rule("service", RETRY, "The job's credentials (proxy or token) are invalid", "tokens", 60),
    5: Rule("code", DEBUG, "A job policy expression evaluated to Undefined", None, 40),
    6: _unknown("The starter could not start the executable", 20),
    7: _OPEN_STD, 8: _OPEN_STD, 9: _OPEN_STD, 10: _OPEN_STD,
    11: Rule("service", RETRY, "HTCondor file-transfer protocol error", "htcondor", 40),
    12: _TRANSFER, 13: _TRANSFER,
    14: Rule("service", RETRY, "Initial working directory not accessible (access point filesystem)", "htcondor", 50),
    15: _unknown("Submitted on hold"),
    16: _unknown("Input files are still being spooled"),
    17: Rule("service", RETRY, "No compatible shadow on the access point", "htcondor", 40),
    18: Rule("service", RETRY, "HTCondor file-transfer protocol error", "htcondor", 40),
    19: Rule("service", RETRY, "A site job hook failed on the worker", None, 40),
    20: Rule("code", DEBUG, "The job missed its deferred execution time", None, 30),
    21: _unknown("Held by the worker's machine policy (WANT_HOLD): read the hold reason"),
    22: Rule("code", DEBUG, "Could not write the job event log (check the log path)", None, 40),
    23: Rule("service", RETRY, "Failed to access the user account on the worker", "htcondor", 40),
    24: Rule("service", RETRY, "No compatible shadow on the access point", "htcondor", 40),
    25: Rule("code", DEBUG, "Invalid cron settings in the submit file", None, 40),
    26: _unknown("Held by SYSTEM_PERIODIC_HOLD (site policy): read the hold reason"),
    27: Rule("service", RETRY, "The site's periodic hold policy evaluated to Undefined", "htcondor", 30),
    32: Rule("code", DEBUG, "Too much input to transfer (over the pool's MAX_TRANSFER_INPUT_MB)", None, 60),
    33: Rule("code", DEBUG, "Too much output to transfer (over the pool's MAX_TRANSFER_OUTPUT_MB)", None, 60),
    34: Rule("resource", MEMORY, "Job went over a resource limit (memory unless the subcode says otherwise)", None, 60),
    35: Rule("code", DEBUG, "Invalid container image in the submit file", None, 70),
    36: Rule("code", DEBUG, "The job failed when sent its checkpoint signal", None, 50),
    43: Rule("code", DEBUG, "DAG PRE script failed", None, 30),
    44: Rule("code", DEBUG, "DAG POST script failed", None, 30),
    45: Rule("service", RETRY, "Container runtime test failed on the worker", None, 60),
    46: Rule("resource", TIME, "Job exceeded its allowed duration", None, 95),
    47: Rule("resource", TIME, "Job exceeded its allowed execution time", None, 95),
    48: Rule("service", RETRY, "The access point's prepare-job hook failed", "htcondor", 40),
    1000: _unknown("Evicted by the job's own policy"),
    1001: _unknown("Evicted by the site's policy"),
    1002: Rule("service", RETRY, "Shadow exception on the access point", "htcondor", 35),
    1003: Rule("service", RETRY, "The job was not started on the claimed worker", "htcondor", 30),
    1004: _unknown("Vacated by the user"),
    1005: _unknown("The job asked to be requeued"),
    1006: Rule("service", RETRY, "Failed to activate the claim on the worker", "htcondor", 35),
    1007: Rule("service", RETRY, "Starter error on the worker", "htcondor", 35),
    1008: Rule("service", RETRY, "Reconnect to the running job failed", "htcondor", 35),
    1009: _PREEMPTED, 1010: _PREEMPTED, 1011: _PREEMPTED,
    1012: Rule("service", RETRY, "Exception in the worker's startd", "htcondor", 35),
    1013: _PREEMPTED, 1014: _PREEMPTED, 1015: _PREEMPTED, 1016: _PREEMPTED, 1017: _PREEMPTED,
    1018: _PREEMPTED, 1019: _PREEMPTED,
}

_MEMORY_HOLD = Rule("resource", MEMORY, "Memory usage exceeded the request", None, 95)
_DISK_HOLD = Rule("resource", DISK, "Disk usage exceeded the request", None, 95)
_IWD_MISSING = Rule("code", DEBUG, "Initial working directory does not exist", None, 55)
_EXE_PROBLEM = "The job's executable could not be run: "

HOLD_SUBCODES: dict[tuple[int, int], Rule] = {
    (34, 102): _MEMORY_HOLD, (21, 102): _MEMORY_HOLD,
    (34, 104): _DISK_HOLD, (21, 104): _DISK_HOLD,
    (21, 101): Rule("code", DEBUG, "Used more CPU cores than requested (limit threads or raise request_cpus)",
                    None, 90),
    (12, 2): _unknown("A file to transfer does not exist (missing output, or a wrong path)", 35),
    (13, 2): _unknown("A file to transfer does not exist (missing input, or a wrong path)", 35),
    (12, 13): Rule("code", DEBUG, "File transfer: permission denied", None, 35),
    (13, 13): Rule("code", DEBUG, "File transfer: permission denied", None, 35),
    (12, 28): Rule("service", RETRY, "File transfer: no space left on the receiving side", "htcondor", 35),
    (13, 28): Rule("service", RETRY, "File transfer: no space left on the receiving side", "htcondor", 35),
    (12, 122): _unknown("File transfer: disk quota exceeded on the receiving side", 35),
    (13, 122): _unknown("File transfer: disk quota exceeded on the receiving side", 35),
    (12, 62): Rule("service", RETRY, "File transfer plugin timed out", None, 35),
    (13, 62): Rule("service", RETRY, "File transfer plugin timed out", None, 35),
    (14, 2): _IWD_MISSING, (14, 20): _IWD_MISSING,
    (14, 13): Rule("code", DEBUG, "Initial working directory not readable (permission denied)", None, 55),
    (6, 2): Rule("code", DEBUG, _EXE_PROBLEM + "not found", None, 40),
    (6, 8): Rule("code", DEBUG, _EXE_PROBLEM + "exec format error (bad #! line or wrong platform)", None, 40),
    (6, 13): Rule("code", DEBUG, _EXE_PROBLEM + "permission denied (not executable?)", None, 40),
}

SIGNALS: dict[int, tuple[str, Rule]] = {
    1: ("SIGHUP", _unknown("Hung up (SIGHUP)", 10)),
    2: ("SIGINT", _unknown("Interrupted (SIGINT)", 10)),
    4: ("SIGILL", _unknown("Illegal instruction (binary built for a newer CPU than this worker?)", 30)),
    6: ("SIGABRT", Rule("code", DEBUG, "Aborted (assert or uncaught C++ exception)", None, 30)),
    7: ("SIGBUS", _unknown("Bus error (truncated mapped file, bad node, or code)", 30)),
    8: ("SIGFPE", Rule("code", DEBUG, "Floating point exception", None, 50)),
    9: ("SIGKILL", Rule("resource", MEMORY, "Killed by SIGKILL (usually the memory limit)", None, 40)),
    11: ("SIGSEGV", Rule("code", DEBUG, "Segmentation fault", None, 50)),
    13: ("SIGPIPE", _unknown("Broken pipe (SIGPIPE)", 10)),
    15: ("SIGTERM", _unknown("Terminated (SIGTERM: removed, preempted or over a time limit)", 15)),
    24: ("SIGXCPU", Rule("resource", TIME, "CPU time limit exceeded (SIGXCPU)", None, 60)),
    25: ("SIGXFSZ", Rule("resource", DISK, "File size limit exceeded (SIGXFSZ)", None, 50)),
}

_ART_CODE = Rule("code", DEBUG, "", None, 25)
_ART_UNKNOWN = Rule("unknown", LOOK, "", None, 10)
ART_STATUS: dict[int, tuple[str, Rule]] = {
    1: ("OtherArt", _ART_UNKNOWN), 2: ("StdException", _ART_UNKNOWN), 3: ("Unknown", _ART_UNKNOWN),
    4: ("BadAlloc", Rule("resource", MEMORY, "", None, 25)), 5: ("BadExceptionType", _ART_CODE),
    6: ("ProductNotFound", _ART_CODE), 7: ("DictionaryNotFound", _ART_CODE), 8: ("ProductPutFailure", _ART_CODE),
    9: ("Configuration", _ART_CODE), 10: ("LogicError", _ART_CODE), 11: ("UnimplementedFeature", _ART_CODE),
    12: ("InvalidReference", _ART_CODE), 13: ("TypeConversion", _ART_CODE), 14: ("NullPointerError", _ART_CODE),
    15: ("EventTimeout", _ART_UNKNOWN), 16: ("DataCorruption", _ART_UNKNOWN),
    17: ("ScheduleExecutionFailure", _ART_UNKNOWN), 18: ("EventProcessorFailure", _ART_UNKNOWN),
    19: ("EndJobFailure", _ART_UNKNOWN), 20: ("FileOpenError", Rule("service", RETRY, "", "xrootd", 20)),
    21: ("FileReadError", Rule("service", RETRY, "", "xrootd", 20)), 22: ("FatalRootError", _ART_UNKNOWN),
    23: ("MismatchedInputFiles", _ART_CODE), 24: ("CatalogServiceError", Rule("service", RETRY, "", "samweb", 20)),
    25: ("ProductDoesNotSupportViews", _ART_CODE), 26: ("ProductDoesNotSupportPtr", _ART_CODE),
    27: ("SQLExecutionError", _ART_UNKNOWN), 28: ("InvalidNumber", _ART_CODE), 29: ("NotFound", _ART_CODE),
    30: ("ServiceNotFound", _ART_CODE), 31: ("ProductCannotBeAggregated", _ART_CODE),
    32: ("ProductRegistrationFailure", _ART_CODE), 33: ("EventRangeOverlap", _ART_CODE),
    65: ("cet::exception thrown (not an art::Exception)", _ART_UNKNOWN),
    66: ("std::exception thrown", _ART_UNKNOWN),
    67: ("unknown exception thrown", _ART_UNKNOWN),
    68: ("std::bad_alloc (out of memory)", Rule("resource", MEMORY, "", None, 25)),
    69: ("message facility failed to start", _ART_CODE),
    70: ("message facility failed to start", _ART_CODE),
    71: ("message facility failed to start", _ART_CODE),
    88: ("bad command line options", _ART_CODE),
    90: ("FHiCL configuration did not parse", _ART_CODE),
    91: ("could not make the parameter set from the configuration", _ART_CODE),
}
"""art's exit status: ``errors::ErrorCodes`` (1-33) and the statuses of run_art (65-91)."""

_ART_AS_JOB_EXIT = (65, 66, 67, 68, 88, 90, 91)
"""art statuses distinctive enough to read from a bare job exit code (with low priority)."""


def _finding(sid: str, rule: Rule, text: str, *, line: int | None = None, title: str = "",
             priority: int | None = None) -> Finding:
    return Finding(PREFIX + sid, rule.category, rule.action, title or rule.title, line, text, rule.service,
                   rule.priority if priority is None else priority)


def hold_findings(code: int | None, subcode: int | None = None, reason: str | None = None, *,
                  line: int | None = None, text: str = "") -> list[Finding]:
    """What a HoldReasonCode (and subcode) says; unknown codes give an informational finding."""
    if code is None or code == 0:
        return []
    sub = subcode or 0
    label = HOLD_LABELS.get(code, "not in HTCondor's table")
    rule = HOLD_SUBCODES.get((code, sub)) or HOLD_CODES.get(code)
    title = ""
    if rule is None:
        rule = _unknown(f"HoldReasonCode {code}: not a code this table knows", 0)
    elif code in (12, 13) and sub >= 256:
        title = f"File transfer plugin exited with status {sub >> 8}"
    shown = text or f"HoldReasonCode {code} ({label}) subcode {sub}" + (f": {reason[:300]}" if reason else "")
    return [_finding(f"hold_{code}_{sub}" if (code, sub) in HOLD_SUBCODES else f"hold_{code}", rule, shown,
                     line=line, title=title)]


def signal_findings(signal: int | None, *, via_exit_code: int | None = None) -> list[Finding]:
    """What the signal that ended the job says (``via_exit_code``: read from a shell's 128+N exit code)."""
    if signal is None or signal <= 0:
        return []
    name, rule = SIGNALS.get(signal, (f"signal {signal}", _unknown(f"Killed by signal {signal}", 10)))
    if via_exit_code is None:
        return [_finding(f"signal_{signal}", rule, f"exit signal {signal} ({name})")]
    return [_finding(f"exit_{via_exit_code}", rule, f"exit code {via_exit_code} = 128 + {signal} ({name})",
                     title=f"Exit code {via_exit_code}: {rule.title}", priority=rule.priority - 5)]


def exit_code_findings(code: int | None) -> list[Finding]:
    """What a non-zero exit code says: 128+N signals, 126/127 from the shell, distinctive art statuses."""
    if code is None or code == 0:
        return []
    if 129 <= code <= 128 + 64 and code - 128 in SIGNALS:
        return signal_findings(code - 128, via_exit_code=code)
    if code == 126:
        return [_finding("exit_126", Rule("code", DEBUG, "Command found but not executable", None, 30),
                         "exit code 126")]
    if code == 127:
        return [_finding("exit_127", _unknown("Command not found (setup failed?)", 25), "exit code 127")]
    if code in _ART_AS_JOB_EXIT:
        name, rule = ART_STATUS[code]
        return [_finding(f"exit_{code}", rule, f"exit code {code}", title=f"art exit status {code}: {name}",
                         priority=15)]
    return [_finding(f"exit_{code}", _unknown(f"Non-zero exit code {code}", -10), f"exit code {code}")]


def art_status_findings(status: int | None, *, line: int | None = None, text: str = "") -> list[Finding]:
    """What "Art has completed and will exit with status N" says (0 = success: nothing)."""
    if status is None or status == 0:
        return []
    if status > 128 and status - 128 in SIGNALS:
        name, rule = SIGNALS[status - 128]
        return [_finding(f"art_status_{status}", rule, text or f"art exit status {status}", line=line,
                         title=f"art stopped by {name}", priority=rule.priority - 5)]
    name, rule = ART_STATUS.get(status, (f"status {status}", _ART_UNKNOWN))
    return [_finding(f"art_status_{status}", rule, text or f"art exit status {status}", line=line,
                     title=f"art exit status {status}: {name}")]


def rule_findings(*, hold_code: int | None = None, hold_subcode: int | None = None, hold_reason: str | None = None,
                  exit_code: int | None = None, exit_signal: int | None = None) -> list[Finding]:
    """Findings from the job's numbers; the engine scans ``hold_reason``'s text with the packs separately."""
    return [*hold_findings(hold_code, hold_subcode, hold_reason), *signal_findings(exit_signal),
            *exit_code_findings(exit_code)]
