"""Prefixes a log line gets when it is quoted rather than read from the job: a mail or Markdown quote ("> "),
a CI runner's timestamp ("2025-10-23T22:41:44.7459686Z "), CRAB's "== CMSSW: " in front of cmsRun's output.

The packs anchor many patterns at the start of a line ("---- Configuration BEGIN", "Traceback", an exception
class): with such a prefix they would not match. The prefix says nothing about the failure, so it is removed
before the scan; everything else on the line is kept. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_PREFIX = re.compile(r"(?:[ \t]{0,3}>[ \t]?)+|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z[ \t]|== CMSSW: ?")
_STARTS = frozenset("0123456789=> \t")
_START = r"(?:[ \t]{0,3}>|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z[ \t]|== CMSSW:)"
_ANY = re.compile("\n" + _START)
_FIRST = re.compile(_START)
_ANY_BYTES = re.compile(("\n" + _START).encode())
_FIRST_BYTES = re.compile(_START.encode())
"""Whether any line starts with a prefix: one search over the joined tail (most tails have none); led by a
newline, not ``^`` in MULTILINE mode, so ``re`` jumps from newline to newline (about 5x faster), and the first
line matched on its own."""
MAX_PREFIXES = 3
"""Prefixes removed from one line at most (a quoted CRAB line: "> == CMSSW: ...")."""


def has_prefixes(text: bytes) -> bool:
    """Whether a line of ``text`` (lines joined by newlines, UTF-8) may start with a prefix."""
    return _FIRST_BYTES.match(text) is not None or _ANY_BYTES.search(text) is not None


def strip_prefixes(lines: Sequence[str]) -> Sequence[str]:
    """The lines without their quoting prefixes; the same sequence when no line has one."""
    try:
        joined = "\n".join(lines)
    except TypeError:  # a line that is no str: look line by line
        pass
    else:
        if _FIRST.match(joined) is None and _ANY.search(joined) is None:
            return lines
    out: list[str] | None = None
    for i, line in enumerate(lines):
        if not isinstance(line, str) or not line or line[0] not in _STARTS:
            continue
        text = line
        for _ in range(MAX_PREFIXES):
            m = _PREFIX.match(text)
            if m is None or not m.end():
                break
            text = text[m.end() :]
        if text is not line:
            if out is None:
                out = list(lines)
            out[i] = text
    return lines if out is None else out
