"""Log tails: from the end of the file, bounded, honest errors; over HTTP with Range requests."""

from __future__ import annotations

import asyncio
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from opgtui.config import LogLocation
from opgtui.model import Job
from opgtui.sources.logs import LogError, job_attrs_from_job, log_sources, read_new, tail, tail_file


def write(tmp_path: Path, data: bytes, name: str = "job.out") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_last_lines_and_short_files(tmp_path: Path) -> None:
    p = write(tmp_path, b"".join(b"line %d\n" % i for i in range(1, 100_001)))
    t = tail_file(p, 50)
    assert t.lines[0] == "line 99951" and t.lines[-1] == "line 100000" and len(t.lines) == 50
    assert t.truncated and t.size == p.stat().st_size and t.bytes_read < t.size
    short = tail_file(write(tmp_path, b"a\nb\nc", "short.out"), 50)
    assert short.lines == ["a", "b", "c"] and not short.truncated  # no trailing newline
    assert tail_file(write(tmp_path, b"", "empty.out"), 50).lines == []
    assert tail_file(write(tmp_path, b"x\r\ny\r\n", "crlf.out"), 50).lines == ["x", "y"]


def test_bad_utf8_binary_and_huge_lines(tmp_path: Path) -> None:
    t = tail_file(write(tmp_path, b"ok\n\xff\xfe bad \xc3\x28\n"), 5)
    assert t.lines[0] == "ok" and "\ufffd" in t.lines[1]
    huge = tail_file(write(tmp_path, b"start\n" + b"x" * 10_000_000 + b"\nend\n", "huge.out"), 3)
    assert huge.lines[-1] == "end" and "line cut" in huge.lines[-2] and len(huge.lines[-2]) < 70_000
    binary = tail_file(write(tmp_path, os.urandom(200_000), "core"), 20)
    assert len(binary.lines) <= 20


def test_only_the_end_is_read(tmp_path: Path) -> None:
    p = tmp_path / "big.out"
    with p.open("wb") as fh:
        fh.truncate(1 << 30)  # a 1 GiB sparse file
        fh.seek(0, 2)
        fh.write(b"".join(b"event %d done\n" % i for i in range(100)))
    t = tail_file(p, 50)
    assert t.lines[-1] == "event 99 done" and t.bytes_read <= 128 * 1024


def test_missing_and_unreadable_say_which_and_why(tmp_path: Path) -> None:
    with pytest.raises(LogError, match=re.escape(f"{tmp_path}/nope.out: No such file or directory")):
        tail_file(tmp_path / "nope.out")
    with pytest.raises(LogError, match="not a regular file"):
        tail_file(tmp_path)


def test_follow_reads_only_new_whole_lines(tmp_path: Path) -> None:
    p = write(tmp_path, b"a\nb\n")
    lines, off = read_new(p, 0)
    assert lines == ["a", "b"]
    with p.open("ab") as fh:
        fh.write(b"c\nd-partial")
    lines, off = read_new(p, off)
    assert lines == ["c"]
    p.write_bytes(b"new\n")  # truncated and rewritten, shorter than where we were
    assert read_new(p, off)[0] == ["new"]


def test_templates_from_job_attributes() -> None:
    job = Job("s#5.1", "s", 5, 1, owner="novapro", jobsub_id="5.1@s", iwd="/scratch/5",
              stdout="/scratch/5/job.out", stderr="/dev/null", experiment="nova")
    attrs = job_attrs_from_job(job)
    locs = [LogLocation("missing", stdout="/x/{NoSuchAttr}.out"),
            LogLocation("pnfs", stdout="https://fndca.example.org:2880/pnfs/{experiment}/logs/{JobsubJobId}.out",
                        stderr="{Err}")]
    assert log_sources(attrs, locs, "nova") == [
        ("stdout", "https://fndca.example.org:2880/pnfs/nova/logs/5.1@s.out")]  # /dev/null skipped
    assert log_sources({"Iwd": "/w", "Out": "o.txt"}, [LogLocation("iwd", stdout="{Out}")]) == [("stdout", "/w/o.txt")]


class _RangeHandler(BaseHTTPRequestHandler):
    body = b""
    honour_range = True
    sent: list[int] = []

    def do_GET(self) -> None:
        if self.path == "/missing":
            self.send_error(404)
            return
        data, status = self.body, 200
        rng = self.headers.get("Range")
        if rng and self.honour_range:
            n = int(rng.split("=-")[1])
            data, status = self.body[-n:], 206
        self.send_response(status)
        if status == 206:
            first, size = len(self.body) - len(data), len(self.body)
            self.send_header("Content-Range", f"bytes {first}-{size - 1}/{size}")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.sent.append(len(data))

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RangeHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()


def test_http_tail_costs_a_small_multiple_of_what_it_shows(server) -> None:
    _RangeHandler.body = b"".join(b"%08d reconstruction event processed ok\n" % i for i in range(200_000))
    _RangeHandler.honour_range, _RangeHandler.sent = True, []
    url = f"http://127.0.0.1:{server.server_address[1]}/job.out"
    t = asyncio.run(tail(url, 50))
    assert t.lines[-1].startswith("00199999") and len(t.lines) == 50 and t.size == len(_RangeHandler.body)
    shown = sum(len(x) + 1 for x in t.lines)
    assert sum(_RangeHandler.sent) <= 16 * 1024 < len(_RangeHandler.body) // 400
    assert t.bytes_read <= 10 * shown


def test_http_server_ignoring_range_and_errors(server) -> None:
    _RangeHandler.body = b"a\nb\nc\n"
    _RangeHandler.honour_range = False
    base = f"http://127.0.0.1:{server.server_address[1]}"
    assert asyncio.run(tail(base + "/small.out", 2)).lines == ["b", "c"]
    with pytest.raises(LogError, match=re.escape("/missing: HTTP 404")):
        asyncio.run(tail(base + "/missing", 5))
    with pytest.raises(LogError, match=re.escape("127.0.0.1:1/x")):
        asyncio.run(tail("http://127.0.0.1:1/x", 5))
    assert isinstance(httpx.__version__, str)
