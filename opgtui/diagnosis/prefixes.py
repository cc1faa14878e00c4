"""A log as it was quoted, read as the job wrote it: the wrapping that a ticket, a thread, a log shipper or a
batch system adds to each line is taken off once, before the scan.

Real logs reach a shifter pasted into tickets and threads and through wrappers: a mail or Markdown quote ("> "),
timestamps (ISO "2025-10-23T22:41:44.7459686Z", "[2024-01-02 03:04:05,678]", HTCondor's "12/07/25 10:11:12
(pid:123)", syslog's "Jan  2 03:04:05 host prog[1]:" (or a systemd unit's "dcache@domain[1]:"),
Nextflow's "Dec-07 10:11:12.345 [main] ERROR x.Y - ",
Snakemake's "[Mon Jan  2 03:04:05 2024]", epoch seconds, the kernel's "[ 123.456]"), an error's level after them (a
warning's is kept), Python's "INFO:root:" (WMCore's "...,399:1404981:ERROR:Module:"), a container runtime's "stdout
F", "[stderr]", pytest's "E" and spaces, a line number, CRAB's "== CMSSW: ", GitHub's "##[error]"; a line quoted
whole (Markdown's `...`, a JSON list's "..."); HTML's escapes ("&lt;", "&#39;"); logfmt's msg="..."; a log shipper's
JSON line ({"log": "...", "stream": "stderr"}); several lines squashed onto one with a literal "\\n" (or rsyslog's
"#012"), or with spaces where a paste outside a Markdown code block lost its line breaks (split again where a
framework starts a line: "%MSG", a G4Exception banner); ANSI colours; CRLF; and a whole paste indented (a Markdown
code block, a traceback pasted with tabs). The packs anchor many patterns at the start of a line ("----
Configuration BEGIN", "Traceback", an exception class): with the wrapping they would not match. The wrapping says
nothing about the failure, so it goes; everything else on the line is kept.

``normalise`` says which original line each normalised one came from, so the evidence shown is the line as it
was quoted. Cheap: one search over the joined tail says whether any line needs it (most tails need nothing).
Pure: no I/O.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Sequence
from typing import Any

import re2

from opgtui.core.patterns import re2_options
from opgtui.core.textsafe import strip_escapes

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_LEVEL = r"(?:TRACE|DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|CRITICAL|FATAL|SEVERE)"
_STAMP = (
    r"(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z| ?[+-]\d\d:?\d\d| ?UTC)?"  # ISO 8601, Python logging
    r"|\d\d/\d\d/\d\d(?:\d\d)? \d\d:\d\d:\d\d(?:\.\d+)?"  # HTCondor daemon logs
    rf"|{_MONTH}-\d\d \d\d:\d\d:\d\d\.\d+"  # Nextflow
    rf"|{_DAY} {_MONTH} [ \d]\d \d\d:\d\d:\d\d(?: [A-Z]{{3,4}})? \d{{4}}"  # ctime (Snakemake, date)
    r"|1\d{9}(?:\.\d+)?"  # epoch seconds
    r"|\d\d:\d\d:\d\d(?:[.,]\d+)?)"  # a time of day (Jenkins' timestamper, many wrappers)
)
_AFTER_STAMP = (
    r"(?:\(pid:\d+\) ?(?:\(D_\w+(?:\|D_\w+)*\) ?)?"  # HTCondor daemon log: "(pid:1234) (D_ALWAYS)"
    r"|(?:stdout|stderr) [FP] "  # a container runtime's log (CRI): stream and full/partial
    r"|\[[^\]\n]{1,40}\] " + _LEVEL + r" [\w.$]+ - "  # Nextflow: "[main] ERROR nextflow.cli.Launcher - "
    r"|(?:[\w.]+ - )?" + _LEVEL + r" - "  # Python logging: "name - ERROR - "
    r"|(?:ERROR|CRITICAL|FATAL|SEVERE) (?=\S)"  # an error level (kept: a warning's, "[FATAL]", a padded one)
    r")?"
)
_PREFIX = re.compile(
    r"(?:[ \t]{0,3}>[ \t]?)+"  # a mail or Markdown quote
    r"|(?:\["  # a time stamp, bracketed or not
    + _STAMP
    + r"\]|"
    + _STAMP
    + r")(?:(?:[ \t]*[|:-])?[ \t]"
    + _AFTER_STAMP
    + r"|:(?:\d+:)?"  # WMCore's components: "%(asctime)s:%(thread)d:%(levelname)s:%(module)s:"
    + _LEVEL
    + r":[\w.]*:)"
    + r"|\[ *\d+\.\d+\] "  # the kernel's seconds since boot (dmesg)
    r"|" + _MONTH + r" [ \d]\d \d\d:\d\d:\d\d [\w.-]+ (?:(?!kernel:)[\w./@-]+(?:\[\d+\])?: )?"  # syslog, host, program
    r"|== CMSSW: ?"  # CRAB's copy of cmsRun's output
    r"|" + _LEVEL + r":[\w.]*:"  # Python logging's default: "INFO:root:"
    r"|\[(?:stderr|stdout|STDERR|STDOUT)\] ?"
    r"|E {3,}(?=\S)"  # pytest's failure lines
    r"|##\[\w+\]"  # GitHub Actions' annotations
    r"|[ \t]*\d{1,6}(?:\t| \| ?|\||: )"  # a line number; srun --label's and ctest's "13: " task number
)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|apos|#\d{2,3}|#x[0-9a-fA-F]{2});")
"""HTML's escapes of the characters logs are full of ("std::vector&lt;reco::Track&gt;", "&#39;FileReadError&#39;")."""
_BANNER = re.compile(
    r"(?<=\s)(?=%MSG|-{8} (?:WWWW|EEEE) -|\*\*\* G4Exception :|\*\*\* (?:This is just a warning message|Event Must Be "
    r"Aborted|Run Must Be Aborted|Fatal Exception)|-{5} (?:Begin|End) Fatal Exception|-{4} \w+ (?:BEGIN|END)\b|"
    r"Traceback \(most recent call last\))"
)
"""Where a framework starts a line (messagefacility's "%MSG", Geant4's G4Exception banners and severity lines,
CMSSW's fatal exception frame, art's "---- X BEGIN", a Python traceback): inside a long line, a paste whose line
breaks became spaces (Markdown renders a paste outside a code block so)."""
LONG_LINE = 300
"""A line longer than this with two framework line starts in it is read as lines joined by spaces."""
_NEEDS = (
    r"(?m)^(?:"
    + _PREFIX.pattern.replace("(?=\\S)", "\\S").replace("(?!kernel:)", "")
    + r'|\{"|[ \t]*["`]|(?:time|ts|level|lvl|t)=)|\x1b|\\n|#012|#033|'
    + _ENTITY.pattern
    + r"|\S[ \t]+(?:"
    + _BANNER.pattern.removeprefix("(?<=\\s)(?=")
)
"""Whether any line may need normalising, as one RE2 search over the joined tail (RE2 has no lookaround: the
search may say yes where ``_PREFIX`` then finds nothing, never the reverse): a prefix at a line's start, a JSON
wrapper, an ANSI escape (or rsyslog's "#033"), a squashed line break. One DFA pass: about as fast as two
``bytes.find`` calls, where Python's ``re`` tries each alternative at each line."""
_LOGFMT_START = ("time=", "ts=", "level=", "lvl=", "t=")
_LOGFMT_MSG = re.compile(r'\b(?:msg|message)=("(?:[^"\\]|\\.)*")')
"""logfmt (Go's logrus and slog, Python's structlog): 'time="..." level=error msg="..."'; the message is the line."""
_SQUASHED = re.compile(r"\\r\\n|\\n|#012")
"""A squashed line break: JSON's or a C string's "\\n", rsyslog's octal escape "#012"."""
_UNINDENTED = re.compile(rb"\n[^ \t\n]")
_INDENT = re.compile(r"[ \t]*")
_QUOTES = ('"', "`")
_JSON_KEYS = ("log", "message", "msg", "MESSAGE", "line", "text")
"""The keys a log shipper keeps a line under (Docker and Fluent Bit "log", journald "MESSAGE", Loki, ...)."""
NEEDS_MEM = 8 << 20
"""RE2's memory budget for ``_NEEDS`` (its DFA)."""
MAX_PREFIXES = 4
"""Prefixes removed from one line at most (a quoted CRAB line: "> == CMSSW: ...")."""
MAX_SPLIT = 200
"""Lines one squashed line is split into at most."""


def needs_normalising(text: bytes) -> bool:
    """Whether ``text`` (lines joined by newlines, UTF-8) may hold a quoted line: a prefix at a line's start, a
    JSON wrapper, an ANSI escape, a literal "\\n" or an indented first line."""
    return _needs().search(text) is not None or (text[:1] in (b" ", b"\t") and _UNINDENTED.search(text) is None)


@functools.cache
def _needs() -> Any:
    """``_NEEDS`` compiled (on first use: a verb that never diagnoses does not pay for it)."""
    return re2.compile(_NEEDS.encode(), re2_options(NEEDS_MEM))


def normalise(lines: Sequence[str], text: bytes | None = None) -> tuple[Sequence[str], list[int] | None]:
    """The lines as the job wrote them, and for each the index of the line of ``lines`` it came from (None when
    they are one for one). ``lines`` itself comes back when nothing needed changing. With ``text`` (the lines
    joined by newlines, UTF-8), only the lines ``_NEEDS`` finds in it are read one by one."""
    out: list[str] = []
    origin: list[int] = []
    changed = False
    flagged = _flagged(text) if text is not None else None
    for i, line in enumerate(lines):
        if not isinstance(line, str) or (flagged is not None and i not in flagged):
            out.append(line)
            origin.append(i)
            continue
        parts = _unwrap(line)
        if len(parts) != 1 or parts[0] is not line:
            changed = True
        out.extend(parts)
        origin.extend([i] * len(parts))
    dedented = _dedent(out)
    if dedented is not out:
        out, changed = dedented, True
    if not changed:
        return lines, None
    return out, (origin if len(origin) != len(lines) else None)


def _flagged(text: bytes) -> set[int]:
    """The 0-based numbers of the lines of ``text`` where ``_NEEDS`` matches (no match spans a line break)."""
    flagged: set[int] = set()
    line = at = 0
    for m in _needs().finditer(text):
        line += text.count(b"\n", at, m.start())
        at = m.start()
        flagged.add(line)
    return flagged


def _unwrap(line: str) -> list[str]:
    """One line without its wrapping: ANSI escapes, a quote around it, a JSON wrapper, prefixes; split where it
    squashed lines."""
    text = line.rstrip("\r")
    if "#033" in text:  # rsyslog's escape of ESC
        text = text.replace("#033", "\x1b")
    if "\x1b" in text:  # what _NEEDS flags
        text = strip_escapes(text)
    if "&" in text and _ENTITY.search(text):  # copied from a web page or a ticket's HTML
        text = html.unescape(text)
    text = _strip(text)
    body = text.lstrip(" \t")
    parts: list[str] | None = None
    if body[:1] in _QUOTES:
        text = _strip(text[: len(text) - len(body)] + _unquote(body))  # "`51: terminate called...`"
        if "\n" in text:
            parts = text.split("\n", MAX_SPLIT - 1)
    elif text.startswith(_LOGFMT_START) and (m := _LOGFMT_MSG.search(text)) is not None:
        inner = _json_string(m.group(1))
        if inner is not None:
            parts = inner.split("\n", MAX_SPLIT - 1)
    elif text.startswith('{"') and text.endswith("}"):
        inner = _json_line(text)
        if inner is not None:
            parts = inner.split("\n", MAX_SPLIT - 1)
    if parts is None and ("\\n" in text or "#012" in text):
        parts = [p.replace("\\t", "\t") for p in _SQUASHED.split(text, MAX_SPLIT - 1)]
    unwrapped = parts is not None  # the parts are lines of their own: each may carry its prefixes
    if parts is None:
        if len(text) <= LONG_LINE:
            return [line if text == line else text]
        parts = [text]
    out = []
    for part in parts:
        part = _strip(part.rstrip("\r")) if unwrapped else part
        split = _BANNER.split(part, MAX_SPLIT - 1) if len(part) > LONG_LINE else []
        out.extend([p.rstrip() for p in split] if len(split) > 2 else [part])
    while len(out) > 1 and not out[-1].strip():
        out.pop()
    return out


def _strip(text: str) -> str:
    """``text`` without up to ``MAX_PREFIXES`` prefixes at its start."""
    for _ in range(MAX_PREFIXES):
        m = _PREFIX.match(text)
        if m is None or not m.end():
            break
        text = text[m.end() :]
    return text


def _unquote(text: str) -> str:
    """A line quoted whole: Markdown's inline code (`...`), or a JSON string ("...", an element of a list of
    lines); ``text`` itself otherwise."""
    if text[0] == "`":
        end = text.rstrip()
        return end[1:-1] if len(end) > 2 and end[-1] == "`" and end.count("`") == 2 else text
    end = text.rstrip().removesuffix(",")
    if len(end) < 3 or end[-1] != '"':
        return text
    try:
        inner = json.loads(end)
    except ValueError:
        return text
    return inner if isinstance(inner, str) else text


def _json_string(quoted: str) -> str | None:
    """A double-quoted string with JSON's (and Go's %q's common) escapes, unquoted; None when it is none."""
    try:
        value = json.loads(quoted)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _json_line(text: str) -> str | None:
    """The log line a log shipper's JSON object carries, or None when it is no such object."""
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    for key in _JSON_KEYS:
        value = obj.get(key)
        if isinstance(value, str):
            return value
    return None


def _dedent(lines: list[str]) -> list[str]:
    """The lines without the indentation they all share (a paste indented as a whole: a Markdown code block, a
    traceback pasted with tabs); ``lines`` itself when some non-blank line starts at the margin."""
    first = next((x for x in lines if isinstance(x, str) and x.strip()), None)
    if first is None or first[:1] not in (" ", "\t"):
        return lines
    try:
        if _UNINDENTED.search("\n".join(lines).encode("utf-8", "replace")):
            return lines
    except TypeError:
        return lines
    common: str | None = None
    for x in lines:
        if not isinstance(x, str) or not x.strip():
            continue
        indent = _INDENT.match(x).group()  # type: ignore[union-attr]
        if common is None or not indent.startswith(common):
            common = _shared(common, indent)
        if not common:
            return lines
    n = len(common or "")
    return [x[n:] if isinstance(x, str) and x.strip() else x for x in lines]


def _shared(a: str | None, b: str) -> str:
    """The longest common start of two indentations (``b`` when there is no ``a`` yet)."""
    if a is None:
        return b
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]
