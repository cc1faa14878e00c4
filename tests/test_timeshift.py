"""Recordings replayed "now": every time moves by the same offset and keeps its format."""

from __future__ import annotations

from opgtui.demo.timeshift import shift_ads, shift_eventlog, shift_feed, shift_long

DAY = 86400


def test_long_dump_moves_known_time_attributes_only() -> None:
    text = "QDate = 1486408089\nClusterId = 14158503\nCompletionDate = 0\nJobStartDate = 1486408188\n"
    out = shift_long(text, DAY)
    assert "QDate = 1486494489" in out and "JobStartDate = 1486494588" in out
    assert "ClusterId = 14158503" in out  # not a time
    assert "CompletionDate = 0" in out  # zero means never


def test_json_ads() -> None:
    (ad,) = shift_ads([{"QDate": 100, "EnteredCurrentStatus": 200.5, "ExitCode": 1, "CompletionDate": 0}], 10)
    assert ad == {"QDate": 110, "EnteredCurrentStatus": 210.5, "ExitCode": 1, "CompletionDate": 0}


def test_event_log_headers() -> None:
    text = "005 (9230.000.000) 2025-02-13 23:00:07 Job terminated.\n\tat 2025-02-13T18:00:07Z with exit-code 0.\n"
    out = shift_eventlog(text, 3600 + 60)
    assert "2025-02-14 00:01:07 Job terminated." in out
    assert "2025-02-13T19:01:07Z" in out


def test_feed_payload_formats() -> None:
    text = (
        '{"startsAt":"2026-11-25T02:55:54.000Z","endsAt":"2026-11-25T03:17:54.624Z",'
        '"value": [1795576458.213,"1"]}\n  StartTime: Jul 20, 2018 16:00 -0500\n'
    )
    out = shift_feed(text, DAY)
    assert '"startsAt":"2026-11-26T02:55:54.000Z"' in out
    assert '"endsAt":"2026-11-26T03:17:54.624Z"' in out
    assert '"value": [1795662858.213' in out
    assert "StartTime: Jul 21, 2018 16:00 -0500" in out
