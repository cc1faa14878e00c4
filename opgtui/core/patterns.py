"""User patterns on RE2, checked and compiled in one place: linear time, so a hostile log line can never stall a
match. Signature packs, code tables, learned signatures and the config's data-quality ``events_line`` all use it."""

from __future__ import annotations

import re
from typing import Any

import re2

MAX_PATTERN = 4000
RE2_MEM = 8 << 20
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
"""A backslash and the character it escapes; scanning left to right pairs an escaped backslash with its own."""


def re2_options(max_mem: int) -> re2.Options:
    """RE2 options with a memory budget and RE2's own error logging off (a refusal is said in one line)."""
    opts = re2.Options()
    opts.max_mem = max_mem
    opts.log_errors = False
    return opts


def compile_pattern(pattern: Any) -> tuple[Any, str]:
    """An RE2 pattern for one line: (regex, "") or (None, why it was rejected)."""
    if not isinstance(pattern, str):
        return None, "pattern must be a string"
    if len(pattern) > MAX_PATTERN:
        return None, f"pattern longer than {MAX_PATTERN} characters"
    bad = _escapes(pattern) & {"A", "z", "Q", "E"}
    if bad:
        return None, "pattern uses \\A, \\z or \\Q...\\E; patterns match one line: use ^ and $, escape literals"
    try:
        regex = re2.compile(pattern, re2_options(RE2_MEM))
    except re2.error as exc:
        why = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        if why.startswith(("pattern too large", "invalid repetition size")):  # RE2's limits, not a syntax
            return None, (
                f"pattern too big for RE2 ({why}): at most 1000 repetitions (nested counts multiply) "
                f"and {RE2_MEM >> 20} MiB compiled; make it smaller"
            )
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError, ValueError) as pyexc:
            return None, f"invalid pattern: {pyexc}"
        return None, (
            f"pattern needs backtracking (backreference or lookaround?), which could stall on "
            f"hostile input; rejected ({exc})"
        )
    if regex.search(b"") is not None:
        return None, "pattern matches an empty line, so it would match every line"
    return regex, ""


def pattern_problem(text: str) -> str | None:
    """Why RE2 refuses ``text`` as a pattern for one line; None if it runs."""
    regex, problem = compile_pattern(text)
    return None if regex is not None else problem


def _escapes(pattern: str) -> set[str]:
    """The characters that follow a backslash in ``pattern`` (escaped backslashes skipped)."""
    return set(_ESCAPE.findall(pattern))
