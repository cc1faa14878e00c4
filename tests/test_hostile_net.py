"""Slow servers (issue 17 item 5): httpx's timeouts are per read, so a server trickling a byte at a time never
trips them. Every network read has a total deadline: log tails, the collector's log scan, and feed fetches."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from feedserver import FeedServer

from opgtui.config import Config, FeedConfig, LogLocation, RecordConfig
from opgtui.core.model import Job
from opgtui.ops import record
from opgtui.sources import logs
from opgtui.sources.feeds.poll import poll_all
from opgtui.sources.logs import LogError, tail
from opgtui.store import open_store

HOSTILE = Path(__file__).parent / "data" / "hostile"
BODY = b"".join(b"%06d Begin processing the record. run: 51234 event ok\n" % i for i in range(200))


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        yield srv


async def test_a_log_server_trickling_a_byte_at_a_time_ends_at_the_deadline(server: FeedServer) -> None:
    url = server.trickle("/job.out", BODY, 0.05, content_type="text/plain")  # 10,000 bytes: 500 s
    started = time.monotonic()
    with pytest.raises(LogError) as err:
        await tail(url, 5, timeout=2.0, deadline=1.0)  # no single read waits 2 s: only the deadline can stop it
    assert str(err.value) == f"{url}: not read within 1 s (the server sends too slowly)"
    assert time.monotonic() - started < 10.0  # the trickle alone takes 500 s; 10 s leaves room for a loaded CI


def test_opgtui_tail_of_a_trickling_server_gives_one_line(server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from opgtui.cli import main

    monkeypatch.setattr(logs, "DEADLINE", 1.0)
    url = server.trickle("/job.out", BODY, 0.05, content_type="text/plain")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["tail", url, "-n", "5"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"opgtui: {url}: not read within 1 s (the server sends too slowly)\n"
    assert time.monotonic() - started < 2.5


def test_the_collectors_log_scan_stops_at_its_round_budget(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Logs of finished jobs on a trickling server: the round reads for at most ROUND_SECONDS (plus one log's
    deadline), the rest wait for the next round, and each read log says why it was not checked."""
    monkeypatch.setattr(logs, "DEADLINE", 0.5)
    monkeypatch.setattr(record, "ROUND_SECONDS", 1.0)
    server.trickle("/logs/1.out", BODY, 0.05, content_type="text/plain")
    store: Any = open_store(tmp_path / "s.db")
    jobs = [
        Job(f"s#{i}.0", "s", i, 0, status=4, exit_code=0, experiment="nova", end_time=1_795_000_000.0 + i)
        for i in range(1, 11)
    ]
    store.upsert_jobs(jobs)
    cfg = Config(record=RecordConfig(scan_logs=True), logs=[LogLocation("web", stdout=server.url("/logs/1.out"))])
    started = time.monotonic()
    report = record.scan_finished(cfg, store, now=1_795_000_100.0)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5 and 1 <= report.scanned <= 3, (elapsed, report)
    problems = [r[0] for r in store.conn.execute("SELECT problems FROM dq_results")]
    assert len(problems) == report.scanned  # the other jobs are left for the next round
    store.close()


async def test_a_feed_trickling_a_byte_at_a_time_ends_at_its_timeout(server: FeedServer) -> None:
    url = server.trickle("/slow.json", b'{"services": []}' + b" " * 5000, 0.05)
    healthy = server.add("/ok.json", b'{"services": [{"name": "samweb", "state": "up"}]}')
    feeds = [FeedConfig("slow", "native", url, timeout=1.0), FeedConfig("ok", "native", healthy, timeout=1.0)]
    started = time.monotonic()
    slow, ok = await poll_all(feeds, now=1_795_000_000.0)
    assert time.monotonic() - started < 10.0  # the trickle alone takes 500 s; 10 s leaves room for a loaded CI
    assert not slow.ok and slow.error == f"feed slow ({url}): timed out after 1s"
    assert ok.ok  # the other feed is not held up


class _ReasonServer(ThreadingHTTPServer):
    daemon_threads = True


@pytest.fixture
def escaping_server() -> Iterator[str]:
    """A server whose HTTP reason phrase writes the clipboard (OSC 52) and the window title (issue 17 item 2)."""
    reason = (HOSTILE / "item02_http_reason_phrase.txt").read_text()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(502, reason)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    srv = _ReasonServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


async def test_a_reason_phrase_with_escape_sequences_reaches_no_message_raw(escaping_server: str) -> None:
    with pytest.raises(LogError) as err:
        await tail(escaping_server + "/job.out", 5)
    assert str(err.value) == f"{escaping_server}/job.out: HTTP 502 BadGateway"
    (result,) = await poll_all([FeedConfig("esc", "native", escaping_server + "/w.json", timeout=5.0)])
    assert result.error == f"feed esc ({escaping_server}/w.json): HTTP 502 BadGateway (after 3 attempts)"
