"""A configured service name is untrusted text too: the critical banner and the pre-submit line show it
cleaned (no terminal escapes, bidi overrides made visible), like the board does."""

from __future__ import annotations

from opgtui.domain.services import BoardRow
from opgtui.screens.status import banner_text, submit_text

NOW = 1_800_000_000.0
NAME = "sam\x1b]52;c;cHduZWQ=\x07web\u202eevil\x1b[2J"


def test_the_banner_and_the_pre_submit_line_clean_the_service_name() -> None:
    row = BoardRow(NAME, "down", NOW - 600, "am", "no answer", NOW, critical=True, now=NOW)
    banner = banner_text([row])
    assert banner is not None
    submit = submit_text([row], [NAME], NOW)
    for text in (banner.plain, submit.plain):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\u202e" in banner.plain and "\\u202e" in submit.plain
