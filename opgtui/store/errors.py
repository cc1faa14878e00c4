"""The store's exceptions: what a caller catches, whichever engine is behind the store."""

from __future__ import annotations


class StoreError(Exception):
    """A store that cannot be used; ``str()`` is one line naming the file and the reason, cleaned: a server's
    message can quote the stored text (a key's value, a title), which must not reach a terminal as it is."""

    def __init__(self, message: object = "") -> None:
        from opgtui.core.textsafe import one_line

        super().__init__(one_line(message, 2000))


class RequestConflict(StoreError):
    """A request changed since the caller read it: the save was refused, nothing was overwritten."""


class StoreCorrupt(StoreError):
    """The store's file is damaged (or not an opgtui store): an answer read from it cannot be trusted."""


class NotAllowed(Exception):
    """This user may not do this (e.g. expire someone else's announcement); ``str()`` says who may, in one line."""
