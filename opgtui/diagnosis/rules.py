"""Findings keyed on numbers: hold codes/subcodes, exit codes, signals, framework and workload-manager codes.

The knowledge is data: the code tables under ``classifiers/codes`` (``opgtui.diagnosis.codes``), each naming
its primary source (HTCondor's ``condor_holdcodes.h``, CMSSW's ``EDMException.h``, WMCore's ``WMExceptions.py``,
PanDA pilot's ``errorcodes.py``, art's ``Exception.h``/``run_art.cc``, XRootD's ``XProtocol.hh``, errno, signal(7)).
This module only says where a number is read from and how the table's entry becomes a finding. Anything not in a
table is "unknown", never a guess. Pure: no I/O beyond the tables loaded once.
"""

from __future__ import annotations

from dataclasses import replace

from opgtui.core.model import Finding, Job
from opgtui.diagnosis.codes import Code, CodeTables, bundled_tables

LOOK = "look at the log"
MEMORY, DISK = "resubmit with more memory", "resubmit with more disk"
PREFIX = "rule:"
"""Rule findings' signature ids start with this, so they never collide with pack ids."""
HOLD = "htcondor_hold"
SIGKILL = 9
NEAR_LIMIT = 0.95
"""Memory (or disk) use at or above this share of the request counts as having hit the limit."""
WELL_BELOW = 0.5
"""Disk use below this share of the request: a full disk was not the job's own request running out."""
DISK_BELOW = PREFIX + "disk_below_request"
MEMORY_AT_REQUEST = PREFIX + "memory_at_request"
"""Memory use at the request: from the job's record, or on the line of the log's termination event that says so."""
CUSTOM_CATEGORY = 15
"""Priority of an exception category a module made up: code, unless anything more specific (or an earlier I/O
failure, which its ``crash`` role lets explain it) says otherwise."""
ART_ERROR_CODES = 33
"""art::errors::ErrorCodes end here; higher statuses are run_art's own (no category name)."""
_ART_AS_JOB_EXIT = (65, 66, 67, 68, 88, 90, 91)
"""art statuses distinctive enough to read from a bare job exit code (with low priority)."""
_WRAPPER_TABLES = ("wmagent", "panda_pilot")
"""Where a job exit code above 255 (a wrapper's report, not a Unix status) is looked up, in order."""


def _tables(tables: CodeTables | None) -> CodeTables:
    return tables if tables is not None else bundled_tables()


def _finding(
    sid: str,
    code: Code | None,
    text: str,
    *,
    line: int | None = None,
    title: str = "",
    priority: int | None = None,
    category: str | None = None,
    action: str | None = None,
) -> Finding:
    cat = category or (code.category if code else "unknown")
    return Finding(
        PREFIX + sid,
        cat,  # type: ignore[arg-type]
        action or (code.action if code else LOOK),
        title or (code.meaning if code else ""),
        line,
        text,
        code.service if code else None,
        (code.priority if code else 0) if priority is None else priority,
    )


def role_of(tables: CodeTables | None, table: str, number: int) -> str | None:
    entry = _tables(tables).get(table, number)
    return entry.role if entry else None


# ------------------------------------------------------------------------------------------- HTCondor holds


def hold_label(code: int, tables: CodeTables | None = None) -> str:
    entry = _tables(tables).get(HOLD, code)
    return entry.name if entry and entry.name else "not in HTCondor's table"


def hold_findings(
    code: int | None,
    subcode: int | None = None,
    reason: str | None = None,
    *,
    line: int | None = None,
    text: str = "",
    tables: CodeTables | None = None,
) -> list[Finding]:
    """What a HoldReasonCode (and subcode) says; unknown codes give an informational finding."""
    if code is None or code == 0:
        return []
    t = _tables(tables)
    sub = subcode or 0
    label = hold_label(code, t)
    pair = t.subcode(HOLD, code, sub)
    entry = pair or t.get(HOLD, code)
    title = ""
    table = t.tables.get(HOLD)
    if entry is None:
        title = f"HoldReasonCode {code}: not a code this table knows"
    elif code in (12, 13) and sub >= 256 and pair is None:
        title = f"File transfer plugin exited with status {sub >> 8}: its own message says why"
        entry = replace(entry, category="unknown", action=LOOK, service=None)
    elif pair is None and sub and table is not None and code in table.errno_subcodes:
        errno = t.get("errno", sub)
        if errno is not None:
            title = f"{entry.meaning} (errno {sub} {errno.name}: {errno.meaning})"
    shown = text or f"HoldReasonCode {code} ({label}) subcode {sub}" + (f": {reason[:300]}" if reason else "")
    sid = f"hold_{code}_{sub}" if pair is not None else f"hold_{code}"
    return [_finding(sid, entry, shown, line=line, title=title)]


# ------------------------------------------------------------------------------------------- signals, exit codes


def signal_findings(
    signal: int | None, *, via_exit_code: int | None = None, tables: CodeTables | None = None
) -> list[Finding]:
    """What the signal that ended the job says (``via_exit_code``: read from a shell's 128+N exit code)."""
    if signal is None or signal <= 0:
        return []
    entry = _tables(tables).get("signal", signal)
    name = entry.name if entry else f"signal {signal}"
    title = entry.meaning if entry else f"Killed by signal {signal}"
    if via_exit_code is None:
        return [
            _finding(
                f"signal_{signal}", entry, f"exit signal {signal} ({name})", title=title, priority=None if entry else 10
            )
        ]
    prio = (entry.priority if entry else 10) - 5
    return [
        _finding(
            f"exit_{via_exit_code}",
            entry,
            f"exit code {via_exit_code} = 128 + {signal} ({name})",
            title=f"Exit code {via_exit_code}: {title}",
            priority=prio,
        )
    ]


def exit_code_findings(code: int | None, *, tables: CodeTables | None = None) -> list[Finding]:
    """What a non-zero job exit code says: 128+N signals, 126/127 from the shell, distinctive art statuses, and
    codes above 255 (a wrapper's report: WMAgent/CRAB, CMSSW, PanDA pilot)."""
    if code is None or code == 0:
        return []
    t = _tables(tables)
    if 129 <= code <= 128 + 64 and t.get("signal", code - 128):
        return signal_findings(code - 128, via_exit_code=code, tables=t)
    if code == 126:
        return [
            _finding(
                "exit_126",
                None,
                "exit code 126",
                title="Command found but not executable",
                category="code",
                action="debug",
                priority=30,
            )
        ]
    if code == 127:
        return [_finding("exit_127", None, "exit code 127", title="Command not found (setup failed?)", priority=25)]
    if code in _ART_AS_JOB_EXIT and (art := t.get("art", code)) is not None:
        return [
            _finding(
                f"exit_{code}", art, f"exit code {code}", title=f"art exit status {code}: {art.meaning}", priority=15
            )
        ]
    if code > 255:
        for table in _WRAPPER_TABLES:
            entry = t.get(table, code)
            if entry is not None:
                return [_finding(f"exit_{code}", entry, f"exit code {code}", title=_code_title(t, table, code, entry))]
        if code % 256 == 0 and code >> 8 <= 255:  # a raw wait status (system()'s): the exit status is code >> 8
            return [
                replace(
                    f,
                    signature=f"{PREFIX}exit_{code}",
                    text=f"exit code {code} = wait status of exit {code >> 8}",
                    title=f"Exit code {code} (exit {code >> 8}): {f.title}",
                )
                for f in exit_code_findings(code >> 8, tables=t)
            ]
    return [_finding(f"exit_{code}", None, f"exit code {code}", title=f"Non-zero exit code {code}", priority=-10)]


def art_status_findings(
    status: int | None, *, line: int | None = None, text: str = "", tables: CodeTables | None = None
) -> list[Finding]:
    """What "Art has completed and will exit with status N" says (0 = success: nothing)."""
    if status is None or status == 0:
        return []
    t = _tables(tables)
    if status > 128 and (sig := t.get("signal", status - 128)) is not None:
        return [
            _finding(
                f"art_status_{status}",
                sig,
                text or f"art exit status {status}",
                line=line,
                title=f"art stopped by {sig.name}",
                priority=sig.priority - 5,
            )
        ]
    entry = t.get("art", status)
    name = (
        (f"{entry.name}: {entry.meaning}" if status <= ART_ERROR_CODES else entry.meaning)
        if entry
        else f"status {status}"
    )
    return [
        _finding(
            f"art_status_{status}",
            entry,
            text or f"art exit status {status}",
            line=line,
            title=f"art exit status {status}: {name}",
            priority=None if entry else 10,
        )
    ]


def code_findings(
    table: str, number: int, *, line: int | None = None, text: str = "", tables: CodeTables | None = None
) -> list[Finding]:
    """What a number a log line states means in ``table`` (unknown numbers: an informational finding)."""
    if table == "art":
        return art_status_findings(number, line=line, text=text, tables=tables)
    t = _tables(tables)
    if number == 0 and table != HOLD:
        return []
    entry = t.get(table, number)
    title = _code_title(t, table, number, entry)
    return [
        _finding(
            f"{entry.table if entry else table}_{number}",
            entry,
            text or title,
            line=line,
            title=title,
            priority=None if entry else 0,
        )
    ]


def _code_title(t: CodeTables, table: str, number: int, entry: Code | None) -> str:
    """``CMSSW exit code 8021 (FileReadError): Input file could not be read ...``."""
    if entry is None:
        return f"{t.title(table)} {number}: not a code this table knows"
    named = f" ({entry.name})" if entry.name and not entry.name.isupper() else ""
    return f"{t.title(entry.table)} {number}{named}: {entry.meaning}"


def name_findings(
    table: str, name: str, *, line: int | None = None, text: str = "", tables: CodeTables | None = None
) -> list[Finding]:
    """What an exception category named in a log line means in ``table``."""
    t = _tables(tables)
    entry = t.named(table, name)
    if entry is None:  # a module's own category (cet::exception("TPCGeo"), cms::Exception("MyProducer"))
        return [
            _finding(
                f"{table}_category",
                None,
                text or name,
                line=line,
                category="code",
                action="debug",
                title=f"A module threw its own exception category '{name}'",
                priority=CUSTOM_CATEGORY,
            )
        ]
    title = f"{entry.name}: {entry.meaning}"
    return [_finding(f"{entry.table}_{entry.name}", entry, text or name, line=line, title=title)]


# ------------------------------------------------------------------------------------------- the job record


def memory_findings(job: Job | None) -> list[Finding]:
    """Memory or disk use at the request's limit, from the job's record (when both numbers are known)."""
    if job is None:
        return []
    out = []
    used, asked = job.memory_used_mb, job.memory_request_mb
    if used is not None and asked and used >= NEAR_LIMIT * asked:
        out.append(
            Finding(
                MEMORY_AT_REQUEST,
                "resource",
                MEMORY,
                f"Memory use {used:.0f} MB reached the request ({asked:.0f} MB)",
                None,
                f"memory used {used:.0f} MB of {asked:.0f} MB requested",
                None,
                45,
            )
        )
    used, asked = job.disk_used_kb, job.disk_request_kb
    if used is not None and asked and used >= NEAR_LIMIT * asked:
        out.append(
            Finding(
                PREFIX + "disk_at_request",
                "resource",
                DISK,
                f"Disk use {used / 1024:.0f} MB reached the request ({asked / 1024:.0f} MB)",
                None,
                f"disk used {used / 1024:.0f} MB of {asked / 1024:.0f} MB requested",
                None,
                45,
            )
        )
    return out


def disk_below_findings(job: Job | None) -> list[Finding]:
    """Disk use well below the request, from the job's record: a disk-full line is then the node's disk (filled
    by others, or a partition outside the job's sandbox), not the job's request. Only asked about such a line."""
    used, asked = (job.disk_used_kb, job.disk_request_kb) if job is not None else (None, None)
    if used is None or not asked or used >= WELL_BELOW * asked:
        return []
    return [
        Finding(
            DISK_BELOW,
            "service",
            "retry",
            f"The disk filled up while the job used {used / 1024:.0f} MB of "
            f"the {asked / 1024:.0f} MB it requested: the node's disk, not the job's request",
            None,
            f"disk used {used / 1024:.0f} MB of {asked / 1024:.0f} MB requested",
            None,
            45,
        )
    ]


def rule_findings(
    *,
    hold_code: int | None = None,
    hold_subcode: int | None = None,
    hold_reason: str | None = None,
    exit_code: int | None = None,
    exit_signal: int | None = None,
    tables: CodeTables | None = None,
) -> list[Finding]:
    """Findings from the job's numbers; the engine scans ``hold_reason``'s text with the packs separately."""
    return [
        *hold_findings(hold_code, hold_subcode, hold_reason, tables=tables),
        *signal_findings(exit_signal, tables=tables),
        *exit_code_findings(exit_code, tables=tables),
    ]
