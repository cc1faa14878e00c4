"""Hostile text (issue 17): bidi overrides and invisible format characters never reach the screen as they are,
and stored text put into editable widgets is cleaned too."""

from __future__ import annotations

import sys
import time
import unicodedata
from pathlib import Path

from test_status_view import screen_lines

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.model import Announcement, ServiceState
from opgtui.store import open_store
from opgtui.textsafe import clean, one_line

HOSTILE = Path(__file__).parent / "data" / "hostile"
BIDI_LINES = (HOSTILE / "bidi_format_chars.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")


def _invisible(text: str) -> list[str]:
    """The characters of ``text`` that would reorder or hide what the reader sees."""
    return [ch for ch in text if unicodedata.category(ch) in ("Cf", "Zl", "Zp", "Cs", "Cc")]


def test_every_format_character_is_made_visible() -> None:
    missed = [f"U+{c:04X}" for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) == "Cf" and _invisible(clean("a" + chr(c) + "b"))]
    assert missed == []
    assert clean("novapro\u202egnp.exe\u202c") == "novapro\\u202egnp.exe\\u202c"
    assert clean("a\u200bb\ufeffc\U000e0041") == "a\\u200bb\\ufeffc\\U000e0041"
    assert clean("x\u2028y\u2029z") == "x\\u2028y\\u2029z"
    assert clean("lone \udcff surrogate") == "lone \\udcff surrogate"


def test_hostile_file_lines_come_out_visible_and_printable() -> None:
    assert len(BIDI_LINES) >= 6
    for line in BIDI_LINES:
        assert _invisible(line), line  # the file really is hostile
        for out in (clean(line), clean("\t" + line), clean("\x1b[2J" + line)):
            assert out.isprintable() and not _invisible(out)
            assert "\\u" in out or "\\U" in out  # shown, not silently dropped
        squeezed = one_line(line)  # one_line turns the separators into spaces; the rest is shown
        assert squeezed.isprintable() and not _invisible(squeezed)


def test_legitimate_unicode_is_untouched() -> None:
    for s in ("Δt = 12 s ✓", "naïve café — ok", "日本語のジョブ", "emoji 🙂", "a\u00a0b"):
        assert clean(s) == s


async def test_dashboard_shows_bidi_override_visibly(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    now = time.time()
    rlo = BIDI_LINES[0]
    store.record_feed("am", "alertmanager", fetched=now, ok=True,
                      states=[ServiceState("samweb", "down", now - 60, "am", rlo)], windows=[])
    store.post_announcement(Announcement("read " + rlo + " carefully", "warning", "mallory\u200b"), now - 10)
    app = OpgApp(Config(store=tmp_path / "s.db"), store, refresh_loop=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "novapro\\u202egnp" in text
        assert _invisible(text.replace("\n", "")) == []
