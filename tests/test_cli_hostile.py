"""Untrusted text on the CLI's stderr: an HTTP server's reason phrase, a dump's file name, never reach the
terminal as escape sequences."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from test_cli import run

HOSTILE_REASON = "Gone\x1b]52;c;cHduZWQ=\x07\x1b]0;TITLE\x07\x1b[2J away"


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404, HOSTILE_REASON)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def hostile_server() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/job.out"
    srv.shutdown()
    srv.server_close()


def test_tail_never_prints_a_servers_reason_phrase_raw(hostile_server: str) -> None:
    code, out, err = run("tail", hostile_server, "-n", "5")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "404" in err and "Gone" in err and "away" in err
    assert "\x1b" not in err and "\x07" not in err


def test_dump_errors_name_a_hostile_file_name_harmlessly(tmp_path: Path) -> None:
    bad = tmp_path / "x\x1b]0;TITLE\x07.txt"
    bad.write_text("not a dump\n")
    code, _, err = run("jobs", "--from", str(bad))
    assert code == 2 and "\x1b" not in err and "\x07" not in err and "not a condor_q" in err
