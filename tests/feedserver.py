"""A threaded HTTP server on 127.0.0.1 (random port) that serves recorded feed payloads per path.

Routes answer with a body, a status, a content type and an optional delay; helpers add the failure modes
the poll tests need (500, slow, HTML, 500-then-ok). Every request's path and headers are recorded.

    with FeedServer() as srv:
        srv.add("/api/v2/alerts", data)
        srv.slow("/slow", 5.0)
        url = srv.url("/api/v2/alerts")
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please log in</body></html>\n"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0
    fail_first: int = 0  # answer 500 to this many requests before answering normally
    trickle: float = 0.0  # send the body one byte at a time, this many seconds apart (headers at once)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


class FeedServer:
    """Serve routes on 127.0.0.1:<free port>; ``delay`` applies to every route that has none."""

    def __init__(self, delay: float = 0.0, tls: tuple[Path, Path] | None = None) -> None:
        self.delay = delay
        self.scheme = "https" if tls else "http"
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), self._handler())
        self.port = self._httpd.server_address[1]
        if tls:  # (certificate, key): serve HTTPS
            import ssl

            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # ------------------------------------------------------------ routes

    def add(
        self,
        path: str,
        body: bytes | str | Path,
        *,
        status: int = 200,
        content_type: str = "application/json",
        delay: float | None = None,
        fail_first: int = 0,
    ) -> str:
        """Serve ``body`` (bytes, text, or a file's content) at ``path``; returns the full URL."""
        if isinstance(body, Path):
            body = body.read_bytes()
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = Route(body, status, content_type, self.delay if delay is None else delay, fail_first)
        return self.url(path)

    def error(self, path: str, status: int = 500) -> str:
        return self.add(path, b'{"error": "boom"}', status=status)

    def slow(self, path: str, seconds: float, body: bytes = b"[]") -> str:
        return self.add(path, body, delay=seconds)

    def trickle(self, path: str, body: bytes, interval: float, content_type: str = "application/json") -> str:
        """Answer at once, then send ``body`` one byte every ``interval`` seconds (never a read timeout)."""
        url = self.add(path, body, content_type=content_type, delay=0.0)
        self.routes[path].trickle = interval
        return url

    def html(self, path: str) -> str:
        return self.add(path, HTML_PAGE, content_type="text/html; charset=utf-8")

    def url(self, path: str = "") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def headers_for(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [h for p, h in self.requests if p.split("?", 1)[0] == path.split("?", 1)[0]]

    # ------------------------------------------------------------ life cycle

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self._send(404, b"not found\n", "text/plain")
                    return
                if route.delay:
                    time.sleep(route.delay)
                with server._lock:
                    failing = route.fail_first > 0
                    if failing:
                        route.fail_first -= 1
                if failing:
                    self._send(500, b"temporary failure\n", "text/plain")
                else:
                    self._send(route.status, route.body, route.content_type, route.trickle)

            def _send(self, status: int, body: bytes, ctype: str, trickle: float = 0.0) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not trickle:
                        self.wfile.write(body)
                    for i in range(len(body) if trickle else 0):
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(trickle)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


# ---------------------------------------------------------------- real daemons for the live tests


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """A server binary run for one test: started, waited for (``ready_url`` answering 200), stopped."""

    def __init__(self, argv: list[str], log: Path, ready_url: str, timeout: float = 15.0) -> None:
        import subprocess
        import urllib.request

        self.log = log
        self._out = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(argv, stdout=self._out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"{argv[0]} exited with {self.proc.returncode}: {self.tail()}")
            try:
                with urllib.request.urlopen(ready_url, timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{argv[0]} not ready after {timeout:g}s: {self.tail()}")
            time.sleep(0.05)

    def tail(self, n: int = 2000) -> str:
        try:
            return self.log.read_bytes()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        import subprocess

        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._out.close()
