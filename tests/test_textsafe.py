"""Untrusted text never reaches the terminal as escape sequences or control characters."""

from __future__ import annotations

from opgtui.core.textsafe import clean, one_line

HOSTILE = [
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",  # OSC 52: write the clipboard
    "\x1b]0;new title\x1b\\",  # OSC 0: set the window title
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # hyperlink
    "\x9b31m",  # 8-bit CSI
    "\x1bP+q544e\x1b\\",  # DCS query
]


def test_escape_sequences_are_removed() -> None:
    for s in HOSTILE:
        out = clean("before " + s + " after")
        assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
        assert out.startswith("before ") and out.endswith(" after")
    assert clean("\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\") == "click"


def test_controls_are_made_visible() -> None:
    assert clean("a\x00b\x08c\x7f") == "a^@b^Hc^?"
    assert clean("a\rb") == "a^Mb"
    assert clean("col\tumn") == "col     umn"


def test_plain_and_markup_like_text_is_untouched() -> None:
    for s in ("[bold]red[/]", "[@click=app.bell]x[/]", "x [/", "Δ unicode ok", ""):
        assert clean(s) == s


def test_one_line_squeezes_and_bounds() -> None:
    assert one_line("a\n  b\tc") == "a b c"
    assert one_line("x" * 600, 10) == "x" * 9 + "…"
    assert one_line(None) == ""


def test_one_line_takes_any_object_as_its_text() -> None:
    """Feeds and workers hand it exceptions and numbers: their ``str()`` is cleaned like any text."""
    assert one_line(ValueError("bad\x1b[2J value\n here")) == "bad value here"
    assert one_line(0) == "0" and one_line(b"x"[0]) == "120"


def test_feed_text_is_cleaned_like_every_other_untrusted_text() -> None:
    """A status feed's detail with a colour escape and a bidi override reaches the board as plain, visible text
    (feeds once squeezed text their own way: control bytes became spaces, and the '[31m' and U+202E stayed)."""
    from opgtui.config import FeedConfig
    from opgtui.sources.feeds import native

    doc = 'services:\n  - {name: sam, state: down, detail: "\\e[31mDB\\u202e migration"}\n'
    report = native.parse(doc, FeedConfig("f", "native", "/x.yaml"), now=0, service_for=str)
    assert [s.detail for s in report.states] == ["DB\\u202e migration"]
