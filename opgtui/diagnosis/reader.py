"""The reader: turn the scan's raw matches into findings that point at the root cause.

- Numbers a line states (hold codes, exit codes, art statuses, XRootD codes...) become what the code tables say
  (``numbers:`` signatures and the tables' own mention patterns). Pack knowledge comes first: a table's mention
  on a line that a pack signature already explains adds nothing.
- Exception blocks: art's ``---- Category BEGIN`` ... ``---- Category END`` nest; the innermost block is the
  cause and the blocks around it are wrappers, whose findings drop to a low priority. CMSSW's ``An exception
  of category 'X' occurred`` names its category; wrapper categories (StdException, OtherCMS...) have low
  priority in the table, so the lines inside the block ("Exception Message", "Additional Info") and before it
  decide; a category quoted inside a report (before its ``----- End Fatal Exception``) is nested: the inner one
  decides and the report's own category is its wrapper.
- A pasted job ad (condor_q -l or -json) gives the job's memory use against its request from its literal
  ``MemoryUsage`` and ``RequestMemory`` lines, when no termination event table does, and its exit code or signal
  (``ExitCode``, ``ExitSignal``) like a wrapper's exit statement. LSF's resource usage summary (``Max Memory :``,
  ``Total Requested Memory :``), Slurm's seff (``Memory Efficiency: 99.69% of 117.79 GB``) and PBS's qstat -f
  (``resources_used.mem = 4194304kb``, ``Resource_List.mem = 4gb``) give the memory numbers too.
- Exit statements: a wrapper's "exited with code N" / "died with <Signals.SIGSEGV: 11>" is read as that exit code
  or signal (128+N a signal, above 255 a workload manager's code); HTCondor's termination event table
  (``Memory (MB) : usage request allocated``) gives the job's memory use against its request.
- Roles: each finding's role (wrapper, crash, consequence, benign, context) from its pack signature or table
  entry, for the verdict's first-error-wins rules. A line a ``benign`` signature matches is benign for every
  finding on it (a pack's benign line never decides); a ``context`` line (a removal by the owner, a DAG abort)
  makes its own pack's weaker service findings context too (the eviction HTCondor logs with a removal).
- Frames: a Python programming error (a ``crash`` of the python pack: KeyError, TypeError...) is the job's code
  only when the code that raised it is the job's: when its innermost frame (the last ``File "..."`` line above it)
  is a ``frame`` signature's package (WMCore, CRAB, DIRAC, the PanDA pilot, HTCondor's bindings...), it is that
  package's bug, and the frame signature's category says what that means for the job.
- Where the failure sits: an error stated at a line of a source file in a user's own area (a home directory, an
  AFS or EOS user or work area; not an installed package there) is the job's code; what a gdb backtrace or a Java
  stack trace says (the crashing frame a middleware's or the program's own) is ``stacks.py``'s.
- Details: a deciding line's named groups (``path``, ``host``...) for the reason ("path /store/x.root").

Pure: works on the scan's findings and the lines; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from opgtui.core.model import Finding
from opgtui.core.textsafe import one_line
from opgtui.diagnosis import rules, stacks
from opgtui.diagnosis.codes import CodeTables
from opgtui.diagnosis.signatures import DETAIL_GROUPS, STRUCTURE, PackSet

WRAPPED_PRIORITY = 3
"""What a finding on a wrapper block's BEGIN line is worth once an inner block is known."""
PYTHON_PACK = "python"
"""The pack whose findings are Python exceptions (their chained tracebacks are read as one story)."""
RETURN_VALUE = "structure.return_value"
EXIT_STATEMENTS = (
    "structure.exit_status",
    "structure.died_with_signal",
    "structure.ad_exit_code",
    "structure.ad_exit_signal",
)
"""A wrapper's statement of its payload's exit status or signal, or a pasted job ad's literal ExitCode/ExitSignal:
read as the exit code (or signal) it states."""
MEMORY_USAGE = "structure.memory_usage"
"""An HTCondor termination event's ``Memory (MB) : usage request allocated`` row: the job's own numbers."""
USER_SOURCE = "structure.user_source_error"
"""An error stated at a line of a source file in a user's own area (a home directory, an AFS or EOS user or work
area): "/afs/cern.ch/user/v/x/.../Algorithm.cxx:65:exception: ...", Snakemake's "MissingOutputException in rule one
in line 5 of /home/x/Snakefile:" (Snakemake 8: 'NameError in file "/home/x/Snakefile", line 57:'), a compiler's
"/home/x/a.cc:12:5: error: ...". Where the failure sits says whose it is: the job's own code raised it."""
USER_SOURCE_PRIORITY = 20
"""Below every specific signature: what the error says, when a pack knows it, comes first; a ``crash`` role, so an
earlier failed read (CVMFS, XRootD, a database) explains it."""
INSTALLED = re.compile(
    r"/(?:site-packages|dist-packages|lib/python[\d.]*|lib64|envs|\.local|\.cache|execute|cvmfs)/|conda"
)
"""A path in a user's area that is no code of theirs: an installed package (a virtualenv, conda, ``pip --user``),
a cache, a batch system's execute directory (HTCondor's /home/condor/execute/dir_N)."""
NOT_WHOSE = re.compile(
    r"\b(?:CalledProcessError|WorkflowError|\w*(?:IOError|OSError|ConnectionError|TimeoutError|HTTPError|URLError"
    r"|SSLError))\b"
)
"""Errors whose place in the user's file says nothing about whose they are: a command the line ran that failed
(Snakemake's "CalledProcessError in line 37 of /home/x/Snakefile:", its generic WorkflowError), an I/O, network
or time-out error raised where the user's code called out."""
SEFF_MEMORY = "structure.seff_memory"
"""Slurm's seff summary: ``Memory Efficiency: 99.69% of 117.79 GB`` (the share of the request the job used)."""
UNIT_MB = {"KB": 1 / 1024, "MB": 1.0, "GB": 1024.0, "TB": 1024.0**2, "PB": 1024.0**3, "EB": 1024.0**4, "B": 1 / 1024**2}
AD_MEMORY = {
    "structure.ad_memory_usage": "used",
    "structure.ad_request_memory": "request",
    "structure.lsf_max_memory": "used",
    "structure.lsf_requested_memory": "request",
    "structure.pbs_used_memory": "used",
    "structure.pbs_requested_memory": "request",
}
"""A pasted job ad's literal MemoryUsage and RequestMemory, or LSF's resource usage summary (Max Memory, Total
Requested Memory), in MB: read together when the log has no HTCondor event table."""
MIN_REQUEST_MB = 64
"""A memory request below this (1 MB in a test pool's event) is no limit the job could have run into."""
MAX_BLOCKS = 200
"""Exception blocks read per log (the first ones: the first error wins); bounds the nesting work."""
COMPLETIONS = {"art": "art", "athena": "Athena"}
"""Tables whose status 0 is the framework's own "completed" line ("Art has completed and will exit with status 0",
'Py:Athena INFO leaving with code 0: "successful run"'): the errors it logged before it did not stop it."""
CMSSW_TABLE = "cmssw"
FATAL_BEGIN, FATAL_END = "----- Begin Fatal Exception", "----- End Fatal Exception"
"""cms-sw/cmssw FWCore/Utilities/src/Exception.cc frames each fatal exception report with these lines."""
FATAL_REPORT_LINES = 1000
"""How far a CMSSW fatal exception report's end is looked for."""
TRACEBACK_LINES = 200
"""How far above a Python exception line its innermost frame is looked for."""
_FRAME_LINE = re.compile(r'^\s*File "')
_TRACEBACK_HEAD = "Traceback (most recent call last)"
_EXCEPTION_CLASS = re.compile(r"^\s*(?:builtins\.)?([A-Za-z_][\w.]*)")
_INT = re.compile(r"-?\d+")
_NAME_PREFIX = "codes."


@dataclass(slots=True)
class Reading:
    """The findings to judge, each one's role, and why a line was preferred (by line number)."""

    findings: list[Finding] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    line_roles: dict[int, str] = field(default_factory=dict)
    details: dict[int, str] = field(default_factory=dict)  # what a line's named groups captured ("path /x")
    exited_zero: bool = False  # the log's HTCondor termination events all say "return value 0", and no hold
    memory: tuple[float, float, int] | None = None  # (used MB, requested MB, line) of the log's last event table


def _numbers(text: str) -> list[int]:
    return [int(n) for n in _INT.findall(text[:200])[:4]]


def _groups(packs: PackSet, f: Finding) -> dict[str, str]:
    regex = packs.number_regex.get(f.signature)
    if regex is None:
        return {}
    m = regex.search(f.text.encode("utf-8", "replace"))
    if m is None:
        return {}
    return {k: v.decode("utf-8", "replace") for k, v in m.groupdict().items() if v is not None}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def read(raw: Sequence[Finding], packs: PackSet, lines: Sequence[str], *, have_hold: bool) -> Reading:
    """The findings of one log, numbers and names resolved, wrappers demoted, roles known."""
    out = Reading()
    tables = packs.tables
    # lines a pack signature already judges (not only "a traceback here"): a table's mention there adds nothing
    explained = {f.line for f in raw if f.signature not in packs.numbers and f.category != "unknown"}
    hold: dict[str, tuple[int, Finding]] = {}
    names: list[tuple[Finding, str, str]] = []
    chains: list[int] = []
    returned: list[tuple[int | None, Finding]] = []
    exits: list[tuple[dict[str, str], Finding]] = []
    stated: dict[int | None, list[tuple[str, int, Finding]]] = {}
    ad: dict[str, tuple[str | None, Finding]] = {}  # "used"/"request": (MB as text, finding)
    for f in raw:
        table = packs.numbers.get(f.signature)
        if table is None:
            out.findings.append(f)
            continue
        if table == STRUCTURE:
            if f.signature == RETURN_VALUE:
                returned.append((_int(_groups(packs, f).get("code")), f))
            elif f.signature in EXIT_STATEMENTS:
                exits.append((_groups(packs, f), f))
            elif f.signature == MEMORY_USAGE:
                _memory_row(out, _groups(packs, f), f)
            elif f.signature == SEFF_MEMORY:
                _seff_row(out, _groups(packs, f), f)
            elif f.signature == USER_SOURCE:
                _user_source(out, _groups(packs, f), f)
            elif f.signature in AD_MEMORY:
                key, groups = AD_MEMORY[f.signature], _groups(packs, f)
                ad.setdefault(key, (_in_mb(groups.get(key), groups.get("unit")), f))
            elif f.line is not None:
                chains.append(f.line)
            continue
        own_mention = f.signature.startswith(_NAME_PREFIX)
        groups = _groups(packs, f)
        if table == rules.HOLD:
            nums = _numbers(f.text)
            code = _int(groups.get("code")) if groups else (nums[0] if nums else None)
            sub = _int(groups.get("subcode")) if groups else (nums[1] if len(nums) > 1 else None)
            if code is not None:
                hold["code"] = (code, f)
            if sub is not None:
                hold["subcode"] = (sub, f)
            continue
        if "name" in groups:
            names.append((f, table, groups["name"]))  # the block structure, even where a pack explains the line
            continue
        if own_mention and f.line in explained:
            continue  # a pack signature already says what this line means
        number = _int(groups.get("code"))
        if number is None:
            nums = _numbers(f.text)
            number = nums[-1] if nums else None
        if number is not None:
            stated.setdefault(f.line, []).append((table, number, f))
    if out.memory is None and len(ad) == 2:  # no termination event table: the pasted ad's numbers
        _memory_row(out, {"used": ad["used"][0] or "", "request": ad["request"][0] or ""}, ad["used"][1])
    completed: list[tuple[int, str]] = []  # (line, framework): negative lines said a status other than 0
    for candidates in stated.values():  # one number per line: the first a table knows (else the first)
        table, number, f = next((c for c in candidates if tables.get(c[0], c[1]) is not None), candidates[0])
        if table in COMPLETIONS and f.line is not None:
            completed.append((f.line if number == 0 else -f.line, COMPLETIONS[table]))
        out.findings.extend(rules.code_findings(table, number, line=f.line, text=f.text, tables=tables))
    for value, f in returned:
        if value:
            out.findings.extend(
                replace(e, line=f.line, text=f.text) for e in rules.exit_code_findings(value, tables=tables)
            )
    recognized = {f.line for f in raw if f.signature not in packs.numbers}  # any pack signature, even "unknown"
    _exit_statements(out, exits, recognized | set(stated), tables)
    out.exited_zero = bool(returned) and not hold and all(value == 0 for value, _f in returned)
    if "code" in hold and not have_hold:
        code, where = hold["code"]
        sub = hold.get("subcode", (0, where))[0]
        out.findings.extend(rules.hold_findings(code, sub, line=where.line, text=where.text, tables=tables))
    _blocks(out, names, packs, lines, explained)
    _frames(out, packs, lines)
    _stacks(out, packs, lines)
    add_roles(out.roles, out.findings, packs)
    _line_roles(out, packs)
    _details(out, packs)
    if chains:
        _chained(out, min(chains), packs)
    if completed and min(completed)[0] > 0:  # the framework said 0 every time it said anything
        _survived(out, *max(completed))
    return out


def innermost_frame(lines: Sequence[str], line: int) -> int | None:
    """The 1-based line of the last ``File "..."`` frame above the exception at ``line`` (None when the traceback
    header, or ``TRACEBACK_LINES`` lines, come first)."""
    for i in range(line - 2, max(-1, line - 2 - TRACEBACK_LINES), -1):
        if i >= len(lines):
            continue
        text = lines[i]
        if _FRAME_LINE.match(text):
            return i + 1
        if _TRACEBACK_HEAD in text:
            return None
    return None


def _frames(out: Reading, packs: PackSet, lines: Sequence[str]) -> None:
    """A Python programming error raised in a package a ``frame`` signature names is that package's: it takes
    the frame signature's category, action and service (a middleware bug is not the payload's to debug)."""
    frames = {f.line: f for f in out.findings if f.line is not None and packs.roles.get(f.signature) == "frame"}
    if not frames:
        return
    for i, f in enumerate(out.findings):
        if (
            f.line is None
            or f.category != "code"
            or packs.roles.get(f.signature) != "crash"
            or packs.pack_of.get(f.signature) != PYTHON_PACK
        ):
            continue
        inner = innermost_frame(lines, f.line)
        frame = frames.get(inner) if inner is not None else None
        if frame is None:
            continue
        m = _EXCEPTION_CLASS.match(f.text)
        what = m.group(1) if m else "exception"
        out.findings[i] = replace(
            f,
            category=frame.category,
            action=frame.action,
            service=frame.service,
            title=f"A programming error ({what}) raised in {frame.title} (its innermost frame, line {inner})",
        )


def _user_source(out: Reading, groups: dict[str, str], f: Finding) -> None:
    """An error stated at a line of the user's own source file: the job's code (unless the path is an installed
    package's, the line is a warning's, or the error is one whose place says nothing about whose: ``NOT_WHOSE``)."""
    path = groups.get("source") or groups.get("rule_source") or groups.get("file_source") or ""
    if not path or INSTALLED.search(path) or f.line is None or "warning" in f.text.lower() or NOT_WHOSE.search(f.text):
        return
    out.findings.append(
        Finding(
            USER_SOURCE,
            "code",
            "debug",
            f"An error raised in the user's own source file ({one_line(path, 200)}): the job's code",
            f.line,
            f.text,
            None,
            USER_SOURCE_PRIORITY,
        )
    )
    out.roles[USER_SOURCE] = "crash"


def _stacks(out: Reading, packs: PackSet, lines: Sequence[str]) -> None:
    """What the log's stacks say (``stacks.py``): a middleware's frame innermost, or a crash in the program's own
    code (a ``crash`` role: an earlier failed read explains it)."""
    frames = {
        f.line: f
        for f in out.findings
        if f.line is not None
        and packs.roles.get(f.signature) == "frame"
        and packs.pack_of.get(f.signature) != PYTHON_PACK
    }
    for f in stacks.stack_findings(frames, lines):
        out.findings.append(f)
        if f.signature == stacks.CRASH:
            out.roles[f.signature] = "crash"


def _memory_row(out: Reading, groups: dict[str, str], f: Finding) -> None:
    """The log's last HTCondor resource table row for memory with a usage: the job's use against its request."""
    used, asked = _mb(groups.get("used")), _mb(groups.get("request"))
    if used is not None and asked is not None and asked >= MIN_REQUEST_MB and f.line is not None:
        out.memory = (used, asked, f.line)


def _seff_row(out: Reading, groups: dict[str, str], f: Finding) -> None:
    """seff's memory efficiency (a share of the request, in its unit) as the job's use against its request."""
    share, request, unit = _mb(groups.get("pct")), _mb(groups.get("request")), UNIT_MB.get(groups.get("unit", ""))
    if share is None or request is None or unit is None or f.line is None:
        return
    asked = request * unit
    if asked >= MIN_REQUEST_MB:
        out.memory = (share / 100 * asked, asked, f.line)


def _in_mb(value: str | None, unit: str | None) -> str | None:
    """A memory number with its unit (PBS's "4194304kb", "4gb"; none: MB) as MB, in text."""
    number = _mb(value)
    if number is None:
        return None
    scale = UNIT_MB.get((unit or "MB").upper())
    return None if scale is None else str(number * scale)


def _mb(value: str | None) -> float | None:
    """A number of MB as a table prints it ("2135", LSF's "10240.00")."""
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _exit_statements(
    out: Reading, exits: list[tuple[dict[str, str], Finding]], explained: set[int | None], tables: CodeTables
) -> None:
    """A wrapper's "exited with code N" / "died with <Signals.SIGSEGV: 11>" as the exit code or signal it states,
    on its line (128+N is signal N, a code above 255 a workload manager's); a line a pack signature (whatever
    it calls it) or a code table already reads adds nothing: the pack knows that wrapper's words better."""
    for groups, f in exits:
        if f.line in explained:
            continue
        signal, code = _int(groups.get("signal")), _int(groups.get("code"))
        found = (
            rules.signal_findings(signal, tables=tables) if signal else rules.exit_code_findings(code, tables=tables)
        )
        out.findings.extend(replace(e, line=f.line, text=f.text) for e in found)


def _line_roles(out: Reading, packs: PackSet) -> None:
    """Benign lines veto every finding on them; a context line makes its pack's weaker service findings context
    (they are what the removal did), while an error of the job's own still decides."""
    context: list[Finding] = []
    for f in out.findings:
        role = packs.roles.get(f.signature)
        if f.line is None or role not in ("benign", "context"):
            continue
        if role == "benign":
            out.line_roles[f.line] = "benign"
        else:
            context.append(f)
    for c in context:
        pack = packs.pack_of.get(c.signature)
        for f in out.findings:
            if (
                f.line is not None
                and f.priority <= c.priority
                and f.category == "service"
                and packs.pack_of.get(f.signature) == pack
                and out.line_roles.get(f.line) != "benign"
            ):
                out.line_roles[f.line] = "context"
                if f.line != c.line:
                    out.notes.setdefault(f.line, f"part of what line {c.line} says: {c.title}")


def _details(out: Reading, packs: PackSet) -> None:
    """What the named groups (path, host...) of a signature captured on its line, for the reason."""
    for f in out.findings:
        regex = packs.detail_regex.get(f.signature)
        if regex is None or f.line is None or f.line in out.details:
            continue
        m = regex.search(f.text.encode("utf-8", "replace"))
        if m is None:
            continue
        said = [
            f"{k} {one_line(v.decode('utf-8', 'replace'), 200)}"
            for k, v in m.groupdict().items()
            if k in DETAIL_GROUPS and v and v.strip()
        ]
        if said:
            out.details[f.line] = ", ".join(said)


def _survived(out: Reading, done: int, framework: str) -> None:
    """The framework said it completed with status 0 at line ``done``: what it logged before did not stop it."""
    for f in out.findings:
        if f.line is not None and f.line < done and f.category != "unknown":
            out.line_roles[f.line] = "benign"
            out.notes.setdefault(f.line, f"{framework} completed with status 0 at line {done}, after it")


def _chained(out: Reading, first: int, packs: PackSet) -> None:
    """Python's chained tracebacks: the exceptions after "During handling of the above exception" (or "was the
    direct cause of") follow from the one before it, so they are consequences: the first error wins."""
    before = [
        f
        for f in out.findings
        if f.line is not None and f.line < first and packs.pack_of.get(f.signature) == PYTHON_PACK
    ]
    if not before:
        return
    for f in out.findings:
        if f.line is not None and f.line > first and packs.pack_of.get(f.signature) == PYTHON_PACK:
            out.line_roles[f.line] = "consequence"


def add_roles(roles: dict[str, str], findings: Sequence[Finding], packs: PackSet) -> None:
    """Each finding's role from its pack signature or its code table entry, into ``roles``."""
    for f in findings:
        role = packs.roles.get(f.signature) or _table_role(f, packs)
        if role:
            roles[f.signature] = role


def _table_role(f: Finding, packs: PackSet) -> str | None:
    """The role a rule finding's table entry gives (``rule:cmssw_8002`` -> wrapper)."""
    if not f.signature.startswith(rules.PREFIX):
        return None
    sid = f.signature[len(rules.PREFIX) :]
    if sid.endswith("_category"):
        return "crash"  # a module's own exception: an earlier failed read explains it
    if sid.startswith("hold_"):
        nums = [_int(n) for n in sid.split("_")[1:]]
        if len(nums) == 2 and None not in nums:
            entry = packs.tables.subcode(rules.HOLD, nums[0] or 0, nums[1] or 0)
        else:
            entry = packs.tables.get(rules.HOLD, nums[0]) if nums and nums[0] is not None else None
        return entry.role if entry else None
    for table in packs.tables.tables.values():
        head = table.name + "_"
        if sid.startswith(head):
            rest = sid[len(head) :]
            entry = table.codes.get(int(rest)) if rest.lstrip("-").isdigit() else table.names.get(rest.lower())
            return entry.role if entry else None
    if sid.startswith(("signal_", "exit_", "art_status_")):
        number = _int(sid.rsplit("_", 1)[1])
        if number is not None:
            if sid.startswith(("exit_", "art_status_")):
                if number <= 128:
                    return None
                number -= 128
            return rules.role_of(packs.tables, "signal", number)
    return None


# ------------------------------------------------------------------------------------------- exception blocks


def _block_end(lines: Sequence[str], start: int, name: str) -> int:
    """The 1-based line of ``---- name END`` after ``start`` (the end of the log when it never closes)."""
    end_text = f"---- {name} END"
    for i in range(start, len(lines)):
        if lines[i].strip() == end_text:
            return i + 1
    return len(lines) + 1


def _fatal_end(lines: Sequence[str], start: int) -> int:
    """The 1-based line of CMSSW's ``----- End Fatal Exception`` that closes the report holding ``start``; an
    exception named inside that report (a nested one, "RuntimeError: An exception of category 'X' occurred")
    is inside the outer one. Without a closing line (a job report's quote) the span is the line itself."""
    for i in range(start, min(len(lines), start + FATAL_REPORT_LINES)):
        if FATAL_END in lines[i]:
            return i + 1
        if FATAL_BEGIN in lines[i]:
            break
    return start


def _span_end(lines: Sequence[str], start: int, table: str, name: str) -> int:
    if table == "art":
        return _block_end(lines, start, name)
    if table == CMSSW_TABLE:
        return _fatal_end(lines, start)
    return start


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    finding: Finding
    table: str
    name: str

    def inside(self, other: _Span) -> bool:
        return other.start < self.start and self.end <= other.end


def _blocks(
    out: Reading,
    names: list[tuple[Finding, str, str]],
    packs: PackSet,
    lines: Sequence[str],
    explained: set[int | None],
) -> None:
    """Resolve named exception categories. Per framework, the first top-level exception is the primary one
    (CMSSW says so: later ones come "while trying to clean up after the primary fatal exception"), and inside
    it the innermost art block is the cause: wrappers and later exceptions drop to a low priority."""
    spans = [
        _Span(f.line, _span_end(lines, f.line, table, name), f, table, name)
        for f, table, name in names[:MAX_BLOCKS]
        if f.line is not None
    ]
    dropped: dict[int, str] = {}
    for table in dict.fromkeys(sp.table for sp in spans):
        group = sorted((sp for sp in spans if sp.table == table), key=lambda sp: sp.start)
        primary = next(sp for sp in group if not any(sp.inside(o) for o in group))
        later = [sp.start for sp in group if sp.start > primary.end]
        wrappers = [sp.start for sp in group if any(o.inside(sp) for o in group) and sp.start not in later]
        dropped.update({w: "wrapper" for w in wrappers} | {n: "later" for n in later})
        for sp in group:
            if sp.start in dropped:
                continue
            why = []
            outer = [w for w in wrappers if w < sp.start]
            if outer:
                plural = "s" if len(outer) > 1 else ""
                why.append(
                    f"the innermost exception block (wrapped by the block{plural} at line{plural} "
                    f"{', '.join(map(str, outer))})"
                )
            if later:
                why.append(
                    f"the first fatal exception (the one{'s' if len(later) > 1 else ''} at line"
                    f"{'s' if len(later) > 1 else ''} {', '.join(map(str, later))} came after it)"
                )
            if why:
                out.notes[sp.start] = "; ".join(why)
    for sp in spans:
        if sp.start not in dropped and sp.start not in explained:
            out.findings.extend(
                rules.name_findings(sp.table, sp.name, line=sp.start, text=sp.finding.text, tables=packs.tables)
            )
    for f in out.findings:
        if f.line in dropped and f.priority > WRAPPED_PRIORITY:
            f.priority = WRAPPED_PRIORITY
