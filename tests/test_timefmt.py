"""One ISO 8601 parser for the whole program: a time typed at the CLI reads as the same time in a feed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opgtui.core.timefmt import parse_iso, parse_when, utc_minute
from opgtui.sources.feeds.base import parse_time, span_text

NOW = 1_800_000_000.0  # injected "now": nothing here reads the clock
NOON = datetime(2026, 11, 25, 12, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-25T12:00:00Z",
        "2026-11-25T12:00:00z",
        "2026-11-25T12:00",
        "2026-11-25 12:00:00+00:00",
        "2026-11-25T13:00:00+01:00",
        "2026-11-25T12:00:00.000000000Z",
    ],
)
def test_a_time_reads_the_same_on_the_command_line_and_in_a_feed(text: str) -> None:
    """`--until 2026-11-25T12:00:00z` once failed on the command line while a feed read it (lowercase z, Go's
    nine fraction digits): both now go through parse_iso."""
    assert parse_iso(text).timestamp() == NOON
    assert parse_when(text, NOW) == NOON
    assert parse_time(text) == NOON


def test_go_fractions_are_cut_to_microseconds_and_a_naive_time_is_utc() -> None:
    assert parse_iso("2026-11-25T03:14:18.236139141Z").microsecond == 236139
    assert parse_iso("2026-11-25T03:14").tzinfo == UTC


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01T00:00", "", "Z"])
def test_not_a_time_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso(text)
    with pytest.raises(ValueError, match="not a time"):
        parse_when(text or "x", NOW)
    assert parse_when("+4h", NOW) == NOW + 4 * 3600


def test_an_instant_in_a_message_is_written_one_way() -> None:
    """A lock's holder, an earlier retry and a feed's window say an instant as core.timefmt.utc_minute writes it
    (three copies of the format once; tests/test_contracts.py fails on a fourth)."""
    assert utc_minute(NOON) == "2026-11-25 12:00 UTC"
    assert utc_minute(NOON + 59, zone=False) == "2026-11-25 12:00"
    assert span_text(NOON, NOON + 7200) == "2026-11-25 12:00 – 2026-11-25 14:00 UTC"
    assert span_text(NOON, None) == "2026-11-25 12:00 – open end UTC"
