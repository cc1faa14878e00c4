"""From a template to a signature pattern, and the checks every proposed pattern passes. Pure.

A pattern is proposed from the template's fixed words (what varies becomes ``\\S+`` or ``\\d+``; leading and
trailing variables are dropped, the pattern matches anywhere in the line); the shifter may edit it. Every
pattern is compiled by the pack loader's own RE2 compiler (valid, linear time, not matching an empty line) and
must not match a blank line or any common line that says nothing about a failure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from opgtui.core.patterns import compile_pattern
from opgtui.learn.templates import MASK_NAMES, WILDCARD

_MASK_RE = {"<NUM>": r"[-+]?[\d.]+", "<IP>": r"[0-9.:]+", "<TIME>": r"[0-9:.,]+", "<DATE>": r"[0-9A-Za-z/-]+"}
_ANY_TOKEN = r"\S+"
_ANY_PART = r"\S*"
_META = frozenset("\\.^$|?*+()[]{}")
_SPLIT = re.compile("(" + "|".join(re.escape(m) for m in sorted(MASK_NAMES | {WILDCARD}, key=len, reverse=True)) + ")")
MIN_LITERAL = 6
"""A proposed pattern keeps at least this many fixed characters, or none is proposed."""

COMMON_LINES: tuple[str, ...] = (
    "",
    " ",
    "\t",
    "-" * 40,
    "=" * 40,
    "*" * 40,
    "%MSG",
    "done",
    "OK",
    "ok",
    "true",
    "0",
    "1",
    "error",
    "Error",
    "ERROR",
    "ERROR:",
    "failed",
    "Failed",
    "FAILED",
    "failure",
    "exception",
    "Exception",
    "warning",
    "Warning",
    "WARNING",
    "fatal",
    "Fatal",
    "FATAL",
    "killed",
    "Killed",
    "abort",
    "Aborted",
    "Traceback (most recent call last):",
    "job failed with status 1",
    "exit code 1",
    "exit status 1",
    "Job terminated normally",
    "Job executing on host: <127.0.0.1:9618>",
    "Normal termination (return value 0)",
    "Begin processing the 1st record. run: 1 subRun: 1 event: 1 at 25-Nov-2026 03:10:02 CST",
    "Messagelogger initialization complete.",
    "Setting up jobsub wrapper, scratch dir is /srv/condor/execute/dir_1",
    "ifdh version v2_6_20, OS el9, python 3.9",
    "Job running on node01.example.org at Wed Nov 25 03:10:01 CST 2026",
    "INFO: starting",
    "Starting job",
    "Finished job",
    "real 0m1.000s",
    "user 0m0.500s",
    "sys 0m0.100s",
)
"""Lines that say nothing about a failure: blank, separators, lone words, wrapper chatter. A pattern matching
one of them would match nearly every job."""


def _escape(text: str) -> str:
    """``text`` as RE2 literals; controls and invisible format characters as ``\\x{..}`` (printable, editable)."""
    return "".join("\\" + c if c in _META else f"\\x{{{ord(c):x}}}" if _hidden(c) else c for c in text)


def _hidden(c: str) -> bool:
    return not c.isprintable() or unicodedata.category(c) in ("Cf", "Co", "Cs")


def _token_regex(token: str) -> tuple[str, int]:
    """The regex of one template token and how many fixed characters it keeps."""
    if token == WILDCARD or (token in MASK_NAMES and token not in _MASK_RE):
        return _ANY_TOKEN, 0
    out, literal = [], 0
    for part in _SPLIT.split(token):
        if not part:
            continue
        if part in _MASK_RE:
            out.append(_MASK_RE[part])
        elif part == WILDCARD or part in MASK_NAMES:
            out.append(_ANY_PART if part != token else _ANY_TOKEN)
        else:
            out.append(_escape(part))
            literal += len(part)
    return "".join(out), literal


def propose(template: str) -> str | None:
    """A pattern for ``template`` (a line of fixed words and ``<NUM>``, ``<PATH>``, ``<*>`` ...), or None when
    it has too few fixed characters to make one."""
    tokens = template.split()
    parts = [_token_regex(t) for t in tokens]
    while parts and parts[0][1] == 0:
        parts.pop(0)
    while parts and parts[-1][1] == 0:
        parts.pop()
    if sum(n for _, n in parts) < MIN_LITERAL:
        return None
    return r"\s+".join(p for p, _ in parts)


def check(pattern: str, benign: Iterable[str] = ()) -> str:
    """ "" when ``pattern`` may be a signature, else one line saying why not: invalid, not linear-time (RE2
    refuses it), empty, or matching a blank line, a common line or one of ``benign``."""
    if not isinstance(pattern, str) or not pattern.strip():
        return "the pattern is empty"
    regex, problem = compile_pattern(pattern)
    if regex is None:
        return problem
    for line in (*COMMON_LINES, *benign):
        if regex.search(line.encode("utf-8", "replace")) is not None:
            shown = line if len(line) <= 80 else line[:77] + "..."
            return f"the pattern matches a line that says nothing about a failure: {shown!r}"
    return ""


def matches(pattern: str, lines: Iterable[str]) -> list[str]:
    """The lines ``pattern`` (already checked) matches."""
    regex, problem = compile_pattern(pattern)
    if regex is None:
        raise ValueError(problem)
    return [line for line in lines if regex.search(line.encode("utf-8", "replace")) is not None]
