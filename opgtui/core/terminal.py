"""Facts about the terminal the dashboard would run in."""

from __future__ import annotations

import os
import shutil

MIN_COLUMNS, MIN_LINES = 80, 24


def terminal_too_small() -> str | None:
    """A one-line complaint when the terminal is smaller than 80x24, else None."""
    size = shutil.get_terminal_size(fallback=(MIN_COLUMNS, MIN_LINES))
    if os.environ.get("OPGTUI_IGNORE_SIZE"):
        return None
    if size.columns < MIN_COLUMNS or size.lines < MIN_LINES:
        return (
            f"the terminal is {size.columns}x{size.lines}; opgtui needs at least {MIN_COLUMNS}x{MIN_LINES} "
            "(resize the window, or set OPGTUI_IGNORE_SIZE=1 to try anyway)"
        )
    return None
