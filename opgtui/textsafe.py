"""Make untrusted text (log lines, hold reasons, job names, feed messages) safe for the terminal.

Escape sequences and control characters are made visible instead of reaching the terminal; the result is
meant to be wrapped in ``rich.text.Text`` (never parsed as markup).
"""

from __future__ import annotations

import re

# ESC-introduced sequences (CSI, OSC, DCS, SOS/PM/APC, two-char escapes) and their 8-bit C1 forms.
_ESCAPE_SEQ = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]                          # CSI ... final
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)  # OSC/DCS/SOS/PM/APC ... ST or BEL
  | \x1b[ -/]*[0-~]                                            # other escapes
    """,
    re.VERBOSE | re.DOTALL,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return f"\\x{code:02x}"


def clean(text: str, *, tabsize: int = 8) -> str:
    """Drop escape sequences, show other control characters as ``^X`` and expand tabs.

    Newlines are kept only if the caller splits lines first; inside a single line ``\\n`` becomes ``^J``.
    """
    if not text:
        return text
    if text.isprintable():
        return text
    text = _ESCAPE_SEQ.sub("", text)
    if "\t" in text:
        text = text.expandtabs(tabsize)
    return _CONTROL.sub(_visible, text.replace("\n", "^J").replace("\r", "^M"))


def one_line(text: str | None, limit: int = 500) -> str:
    """Untrusted text squeezed to one clean line of at most ``limit`` characters."""
    if not text:
        return ""
    line = clean(" ".join(text.split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"
