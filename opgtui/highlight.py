"""Highlighting for job logs: a pygments lexer for timestamps, levels, paths, URLs, numbers and art's
message headers, turned into ``rich.text.Text`` (never markup). Highlight only the lines on screen."""

from __future__ import annotations

from functools import lru_cache

from pygments.lexer import RegexLexer
from pygments.token import Comment, Generic, Keyword, Name, Number, String, _TokenType
from pygments.token import Text as PText
from rich.text import Text

from opgtui.textsafe import clean


class JobLogLexer(RegexLexer):
    """Grid job stdout/stderr: wrapper chatter, art/ROOT/Geant4 messages, tracebacks."""

    name = "JobLog"
    aliases = ["joblog"]
    tokens = {
        "root": [
            (r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?", Comment.Special),
            (r"\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d( [A-Z]{3})?", Comment.Special),
            (r"\b\d\d:\d\d:\d\d\b", Comment.Special),
            (r"(?i)\b(fatal|error|exception|failed|failure|abort(ed)?|killed|segmentation violation)\b",
             Generic.Error),
            (r"(?i)\b(warning|warn|retrying)\b", Generic.Strong),
            (r"%MSG-[a-z]\s+\S+", Keyword),
            (r"---- \S+ (BEGIN|END)", Keyword),
            (r"\*\*\* Break \*\*\*", Generic.Error),
            (r"https?://[^\s'\"]+", String),
            (r"(root|xroots?|davs?|gsiftp)://[^\s'\"]+", String),
            (r"(/[\w.+@-]+)+/?", Name.Variable),
            (r"\b\d+(\.\d+)?\b", Number),
            (r"[^\s/\d]+|\s+|.", PText),
        ],
    }


_STYLES: dict[_TokenType, str] = {
    Comment.Special: "dim cyan", Generic.Error: "bold red", Generic.Strong: "yellow", Keyword: "magenta",
    String: "underline blue", Name.Variable: "green", Number: "cyan",
}
_LEXER = JobLogLexer()


def _style_of(token: _TokenType) -> str:
    while token is not None:
        if token in _STYLES:
            return _STYLES[token]
        token = token.parent  # type: ignore[assignment]
    return ""


@lru_cache(maxsize=4096)
def highlight_line(line: str) -> Text:
    """One log line, cleaned of control characters and escapes, styled by the lexer."""
    safe = clean(line)
    text = Text(no_wrap=True)
    if len(safe) > 2000:  # a pathological line: show it plain rather than lex megabytes
        text.append(safe)
        return text
    for token, value in _LEXER.get_tokens(safe):
        text.append(value.rstrip("\n") if value.endswith("\n") else value, _style_of(token))
    return text
