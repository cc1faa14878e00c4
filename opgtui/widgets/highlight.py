"""Highlighting for job logs: a pygments lexer (timestamps, levels, art's ``%MSG-`` headers and ``---- X BEGIN``
blocks, URLs, paths, numbers) turned into ``rich.text.Text`` spans over the cleaned line, never markup.

The lexer says what each piece is (a :data:`KINDS` name: ``date``, ``error``, ``url``, ...); the caller says how each
kind looks (the log view: from its component classes ``log-view--hl-<kind>``, so a theme restyles the log).
Lexing costs ~0.1-0.2 ms a line: highlight only the lines on screen (the log view caches by line).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from pygments.lexer import RegexLexer
from pygments.token import Comment, Generic, Keyword, Literal, Name, Number, String, Whitespace, _TokenType
from pygments.token import Text as PText
from rich.style import Style
from rich.text import Span, Text

from opgtui.core.textsafe import clean

HIGHLIGHT_MAX = 2000  # longer lines are shown plain: lexing them would cost milliseconds each
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"


class JobLogLexer(RegexLexer):
    """Grid job stdout/stderr: wrapper chatter, art/ROOT/Geant4 messages, Python tracebacks, transfer tools."""

    name = "Job log"
    aliases = ["joblog"]
    filenames: list[str] = []
    tokens = {
        "root": [
            # Timestamps: ISO 8601, art's 25-Nov-2026 03:22:41 CST, date(1)'s Wed Nov 25 03:22:41 CST 2026.
            (r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d([.,]\d+)?)?(Z|[+-]\d\d:?\d\d)?", Literal.Date),
            (r"\d\d-" + _MONTH + r"-\d{4}[ :]\d\d:\d\d:\d\d(\.\d+)?( [A-Z]{3,4})?", Literal.Date),
            (_DAY + " " + _MONTH + r" [ \d]\d \d\d:\d\d:\d\d( [A-Z]{3,4})?( \d{4})?", Literal.Date),
            (r"\b\d\d:\d\d:\d\d(\.\d+)?\b", Literal.Date),
            # art's MessageFacility headers by severity, and its exception blocks.
            (r"%MSG-[es]\b( [\w:.-]+)?", Generic.Error),
            (r"%MSG-w\b( [\w:.-]+)?", Generic.Strong),
            (r"%MSG-[id]\b( [\w:.-]+)?", Keyword),
            (r"%MSG\b", Keyword),
            (r"-{4} [\w:.-]+ (BEGIN|END)\b", Generic.Heading),
            (r"\*\*\* Break \*\*\*[^\n]*", Generic.Emph),
            # Levels and words that mean trouble.
            (r"\b(FATAL|Fatal|CRITICAL|Critical|PANIC|EMERG)\b", Generic.Emph),
            (
                r"(?i)\b(errors?|exception|traceback|failed|failure|fails?|abort(ed)?|killed|segmentation (violation|"
                r"fault)|core dumped|denied|refused|timed out|cannot|unable)\b",
                Generic.Error,
            ),
            (r"(?i)\b(warn(ing)?s?|retry(ing)?|deprecated)\b", Generic.Strong),
            (r"\b(INFO|Info|NOTICE|SUCCESS|OK)\b", Generic.Subheading),
            (r"\b(DEBUG|Debug|TRACE)\b", Comment),
            # Where things are: URLs of any scheme (root://, davs://, https://), then paths.
            (r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>()\[\]{}]+", String),
            (r"~?(/[\w.+@%=,-]+)+/?", Name.Variable),
            (r"\b0x[0-9a-fA-F]+\b", Number.Hex),
            (r"(?<![\w.])[-+]?\d+(\.\d+)?([eE][-+]?\d+)?\b", Number),
            (r"\w+", PText),
            (r"\s+", Whitespace),
            (r".", PText),
        ],
    }


KIND: dict[_TokenType, str] = {
    Literal.Date: "date",
    Generic.Emph: "alarm",  # FATAL, *** Break ***
    Generic.Error: "error",
    Generic.Strong: "warning",
    Generic.Subheading: "info",
    Generic.Heading: "block",  # ---- X BEGIN
    Keyword: "message",  # %MSG-i
    Comment: "debug",
    String: "url",
    Name.Variable: "path",
    Number: "number",
}
KINDS: tuple[str, ...] = tuple(KIND.values())
_LEXER = JobLogLexer()


@lru_cache(maxsize=256)
def _kind_of(token: _TokenType) -> str | None:
    while token is not None:
        if token in KIND:
            return KIND[token]
        token = token.parent  # type: ignore[assignment]
    return None


@lru_cache(maxsize=4096)
def _lex(line: str) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """The cleaned line and its (start, end, kind) pieces."""
    safe = clean(line)
    if len(safe) > HIGHLIGHT_MAX:
        return safe, ()
    pieces = []
    for index, token, value in _LEXER.get_tokens_unprocessed(safe):
        kind = _kind_of(token)
        if kind is not None:
            pieces.append((index, index + len(value), kind))
    return safe, tuple(pieces)


def kinds(line: str) -> dict[str, str]:
    """What the highlighter takes each piece of ``line`` for: {piece: kind} (for tests and for reading)."""
    safe, pieces = _lex(line)
    return {safe[start:end]: kind for start, end, kind in pieces}


NO_STYLES: Mapping[str, Style] = MappingProxyType({})


def highlight_line(line: str, styles: Mapping[str, Style] = NO_STYLES) -> Text:
    """One untrusted log line as styled ``Text``: escape sequences dropped, control characters shown as ``^X``,
    tabs expanded, markup never parsed; each kind of piece in its style from ``styles`` (unstyled when absent).
    Returns a new ``Text`` the caller may change."""
    safe, pieces = _lex(line)
    text = Text(safe, no_wrap=True, end="")
    text.spans[:] = [Span(start, end, styles[kind]) for start, end, kind in pieces if kind in styles]
    return text
