"""Textual's table and scroll container with the keys every view shares: j/k move down/up like the arrows
(k9s, less, vim), as the job table and the log view already do."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable


class Table(DataTable[Any]):
    """A DataTable where j/k move the cursor as Down/Up do."""

    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
    ]


class Scroll(VerticalScroll):
    """A vertical scroll container where j/k scroll as Down/Up do."""

    BINDINGS = [
        Binding("down,j", "scroll_down", "Down", show=False, id="scroll.down"),
        Binding("up,k", "scroll_up", "Up", show=False, id="scroll.up"),
    ]
