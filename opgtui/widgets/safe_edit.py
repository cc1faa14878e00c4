"""Editable widgets that never hold untrusted control text: ``Input`` and ``TextArea`` put their value's
escape sequences on the terminal as they are (an OSC 52 in a stored request title wrote the clipboard, a CSI 2J
blanked the form), so every value is cleaned (:mod:`opgtui.core.textsafe`) where it enters: set from stored data,
typed, or pasted.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, TextArea
from textual.widgets.text_area import Edit, EditResult

from opgtui.core.textsafe import clean, clean_block


class SafeInput(Input):
    """An ``Input`` whose value is always one clean line."""

    def validate_value(self, value: str) -> str:  # every assignment (stored data, the constructor's value)
        return clean(value)

    def replace(self, text: str, start: int, end: int) -> None:  # typing and pasting
        super().replace(clean(text), start, end)


class SafeTextArea(TextArea):
    """A ``TextArea`` whose text is always clean, line by line."""

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(clean_block(text), **kwargs)

    def load_text(self, text: str) -> None:  # .text = stored data
        super().load_text(clean_block(text))

    def edit(self, edit: Edit) -> EditResult:  # typing, pasting, insert/replace calls
        edit.text = clean_block(edit.text)
        return super().edit(edit)
