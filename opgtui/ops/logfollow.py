"""Follow a running job's log (the Log view's follow mode): what it wrote since the last read.

A use-case the Log view calls from a worker thread (blocking file I/O; no UI imports): the reading itself is
``sources.logs.read_new``, which the views never import."""

from __future__ import annotations

from dataclasses import dataclass, field

from opgtui.core.textsafe import one_line


@dataclass(frozen=True, slots=True)
class Followed:
    """What a follow read found: whole new lines, where the next read goes on from, and why the log could not be
    read (one line; the offset then stays where it was)."""

    offset: int
    lines: list[str] = field(default_factory=list)
    error: str | None = None


def can_follow(source: str | None) -> bool:
    """Only a local file is followed: a log server's URL is read whole, with no offset to go on from."""
    return bool(source) and not str(source).startswith(("http://", "https://"))


def follow(source: str, offset: int) -> Followed:
    """The whole lines written to ``source`` after ``offset`` (a truncated or rotated file starts again at 0; a
    flood is skipped with a marker line, see ``read_new``)."""
    from opgtui.sources.logs import LogError, read_new

    try:
        lines, offset = read_new(source, offset)
    except LogError as exc:
        return Followed(offset, error=one_line(str(exc), 400))
    return Followed(offset, lines)
