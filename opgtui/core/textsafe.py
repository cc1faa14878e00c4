"""Make untrusted text (log lines, hold reasons, job names, feed messages) safe for the terminal.

Escape sequences are dropped; control characters, format characters (Unicode category Cf: bidi overrides and
isolates, zero-width spaces and joiners, the BOM, ...), line/paragraph separators and lone surrogates are made
visible instead of reaching the terminal, so a job owner cannot make a line read backwards or hide text. The
result is meant to be wrapped in ``rich.text.Text`` (never parsed as markup).
"""

from __future__ import annotations

import functools
import re

# ESC-introduced sequences (CSI, OSC, DCS, SOS/PM/APC, two-char escapes) and their 8-bit C1 forms. A string
# sequence (OSC, DCS, ...) is dropped with its payload only up to its terminator (BEL or ST): one left open loses its
# opener alone, so an opener in one untrusted value cannot hide the text after it (``say(f"{batch} ({n} jobs)")``),
# and its payload never runs past another opener, ESC or ST (each scan ends there: linear in the line).
_ESCAPE_SEQ = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]                          # CSI ... final
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])                   # OSC/DCS/SOS/PM/APC
    [^\x07\x1b\x9c\x90\x98\x9d\x9e\x9f]*(?:\x07|\x1b\\|\x9c)     # its payload, then BEL or ST
  | \x1b[ -/]*[0-~]                                            # other escapes (an open OSC's opener too)
    """,
    re.VERBOSE,
)
_ESCAPE_START = re.compile(r"[\x1b\x90\x98\x9b\x9d\x9e\x9f]")

# Unicode category Cf (format characters) as of Unicode 15.1; tests/test_textsafe.py checks that every Cf code
# point of the running Python's unicodedata is covered, so a newer Unicode cannot slip one past.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# C0/C1 controls (TAB is expanded first; LF shows as ^J), format characters, line/paragraph separators, lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f" + _FORMAT + "\u2028\u2029\ud800-\udfff]")


@functools.lru_cache(maxsize=512)
def _show(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _visible(match: re.Match[str]) -> str:
    return _show(match.group())


def clean(text: str, *, tabsize: int = 8) -> str:
    """Drop escape sequences, show other control and format characters (``^X``, ``\\x9b``, ``\\u202e``) and
    expand tabs.

    Newlines are kept only if the caller splits lines first; inside a single line ``\\n`` becomes ``^J``.
    """
    if not text or text.isprintable():
        return text
    if "\t" in text:
        text = text.expandtabs(tabsize)
        if text.isprintable():
            return text
    if _ESCAPE_START.search(text):
        text = _ESCAPE_SEQ.sub("", text)
        if text.isprintable():
            return text
    return _UNSAFE.sub(_visible, text)


def strip_escapes(text: str) -> str:
    """``text`` without its terminal escape sequences (``_ESCAPE_SEQ``), everything else as it was: the one
    regex of opgtui for them (diagnosis.prefixes reads a coloured log line through it)."""
    return _ESCAPE_SEQ.sub("", text) if _ESCAPE_START.search(text) else text


READ_PER_CHAR, READ_AT_LEAST = 64, 16_384
""":func:`one_line` reads at most this many characters of its text per character of its limit (and at least the
second number): a host name of a megabyte, squeezed for a 60-column label once per failed job, is read 16 KB at a
time instead of whole (1 MB x 3,000 failures on one node took the failure summary 12 s of CPU)."""


def one_line(text: object, limit: int = 500) -> str:
    """Untrusted text (or any object's ``str()``, an exception's message) squeezed to one clean line of at most
    ``limit`` characters; None is ''. The one home of this idea: feeds, the store and the screens all use it.
    Only the text's first ``max(READ_PER_CHAR * limit, READ_AT_LEAST)`` characters are read; beyond, it ends in
    "…" (a text whose spaces or escapes there squeeze to less than ``limit`` characters too)."""
    if text is None:
        return ""
    text = text if isinstance(text, str) else str(text)
    if not text:
        return ""
    cap = max(READ_PER_CHAR * limit, READ_AT_LEAST)
    cut = len(text) > cap
    line = clean(" ".join((text[:cap] if cut else text).split()))
    if len(line) <= limit and not cut:
        return line
    return line[: limit - 1] + "…" if len(line) >= limit else line + "…"


def clean_block(text: str, *, tabsize: int = 8) -> str:
    """Untrusted multi-line text cleaned line by line (line breaks kept as ``\\n``, ``\\r\\n`` and ``\\r`` too)."""
    if not text or text.isprintable():
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(clean(line, tabsize=tabsize) for line in text.split("\n"))


def url_label(url: str) -> str:
    """A URL as messages show it, one clean line: no user:password, and of its query only the names, each value
    "…" (a value may be a token: ``?authz=…``, ``?query=…``; a piece with no name is "…" itself). The one way a
    log's or a feed's URL is shown."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return one_line(url.split("?", 1)[0])
    netloc = parts.netloc.rsplit("@", 1)[-1]
    names = [piece.split("=", 1)[0][:40] + "=…" if "=" in piece else "…" for piece in parts.query.split("&")]
    return one_line(urlunsplit((parts.scheme, netloc, parts.path, "&".join(names) if parts.query else "", "")))
