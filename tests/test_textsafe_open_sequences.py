"""An escape sequence left open in one untrusted value (an OSC, DCS, SOS, PM or APC opener with no BEL or ST)
loses its opener alone: it never hides the text after it, which in a composed line is someone else's (a CLI line
``f"population of batch {name} ({n} jobs ...): {finding}"`` is cleaned whole). Each scan of a payload ends at the
next opener, ESC or ST, so a line of openers is read in linear time."""

from __future__ import annotations

import time

import pytest

from opgtui.core.textsafe import clean, one_line, strip_escapes


@pytest.mark.parametrize("opener", ["\x1b]", "\x1bP", "\x1bX", "\x1b^", "\x1b_"])
def test_an_open_string_sequence_does_not_hide_the_rest_of_the_line(opener: str) -> None:
    line = f"population of batch reco{opener}0; (60 jobs, 12 failed or held): probably service (node h1)"
    out = clean(line)
    assert out == "population of batch reco0; (60 jobs, 12 failed or held): probably service (node h1)"
    assert one_line(line).endswith("(node h1)") and strip_escapes(line).endswith("(node h1)")


def test_an_open_8_bit_opener_is_shown_and_the_rest_kept() -> None:
    assert clean("a\x9dopen (12 jobs)") == "a\\x9dopen (12 jobs)"


def test_terminated_sequences_are_still_dropped_whole() -> None:
    for seq in (
        "\x1b]52;c;QUJD\x07",
        "\x1b]0;title\x1b\\",
        "\x9d0;t\x9c",
        "\x1bP+q544e\x1b\\",
        "\x1b]8;;http://x/\x07",
    ):
        assert clean(f"before {seq}after") == "before after"
    assert clean("x\x1b]0;t\x1b[2Jy") == "x0;ty"  # an OSC cut short by a CSI: its opener and the CSI go


def test_a_line_of_open_sequences_is_cleaned_in_linear_time() -> None:
    """Before, each opener's payload ran to the line's end; a payload that must end in BEL or ST, scanned past other
    openers, would make 100,000 openers quadratic."""
    lines = ["\x1b]" * 100_000, "\x9d" * 200_000, ("\x90" + "b" * 20 + "\x9d" + "c" * 20) * 5_000]
    started = time.process_time()
    for line in lines:
        out = clean(line)
        assert "\x1b" not in out and not any("\x80" <= c <= "\x9f" for c in out)
    took = time.process_time() - started
    assert took < 1.0, f"{took:.2f} s of CPU for {sum(map(len, lines)):,} characters of openers"
