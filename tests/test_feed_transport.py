"""A round of feeds through the light transport: what servers really send (chunked, gzip, redirects, closes,
stalls) still parses or fails in one line, and a proxy from the environment is still used."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from opgtui.config import FeedConfig
from opgtui.sources.feeds.poll import poll_all

DATA = Path(__file__).parent / "data" / "feeds"
NOW = 1795576400.0
BODY = (DATA / "prom242_query_up.json").read_bytes()

Handler = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[tuple[int, list[bytes]]]:
    """A server on 127.0.0.1 that hands each request's head to ``handler``; yields (port, heads seen)."""
    heads: list[bytes] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            heads.append(head)
            await handler(head, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], heads
    finally:
        server.close()


def prom(port: int, path: str = "/p", host: str = "127.0.0.1", timeout: float = 10.0) -> FeedConfig:
    return FeedConfig("p", "prometheus", f"http://{host}:{port}{path}", timeout=timeout)


async def test_a_redirect_then_a_chunked_gzipped_answer_parses() -> None:
    async def handler(head: bytes, writer: asyncio.StreamWriter) -> None:
        if head.startswith(b"GET /old/"):
            writer.write(b"HTTP/1.1 302 Found\r\nLocation: /new/api/v1/query?query=up\r\nContent-Length: 0\r\n\r\n")
            return
        packed = gzip.compress(BODY)
        chunks = b"".join(
            b"%x\r\n%s\r\n" % (len(packed[i : i + 500]), packed[i : i + 500]) for i in range(0, len(packed), 500)
        )
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
        )
        await writer.drain()

    async with serve(handler) as (port, heads):
        [result] = await poll_all([prom(port, "/old")], now=NOW)
    assert result.ok, result.error
    assert result.report is not None and result.report.states
    assert len(heads) == 2 and b"gzip" in heads[0].lower()  # asked for compression, followed the redirect


async def test_a_server_that_never_answers_times_out_in_one_line() -> None:
    async def handler(head: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async with serve(handler) as (port, _):
        started = asyncio.get_running_loop().time()
        [result] = await poll_all([prom(port, timeout=0.5)], now=NOW)
        took = asyncio.get_running_loop().time() - started
    assert (
        not result.ok
        and result.error == f"feed p (http://127.0.0.1:{port}/p/api/v1/query?query=…): timed out after 0.5s"
    )
    assert took < 2.0


async def test_a_body_that_never_ends_times_out_in_one_line() -> None:
    async def handler(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
        await writer.drain()
        for _ in range(300):
            await asyncio.sleep(0.1)
            writer.write(b" ")
            await writer.drain()

    async with serve(handler) as (port, _):
        [result] = await poll_all([prom(port, timeout=0.5)], now=NOW)
    assert not result.ok and (result.error or "").endswith("timed out after 0.5s")
    assert "\n" not in (result.error or "")


async def test_a_connection_dropped_mid_answer_is_retried_then_named() -> None:
    async def handler(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + BODY[:100])
        await writer.drain()

    async with serve(handler) as (port, heads):
        [result] = await poll_all([prom(port)], now=NOW)
    assert not result.ok and "attempts" in (result.error or "") and "\n" not in (result.error or "")
    assert len(heads) == 3  # the first try and two retries


async def test_a_proxy_in_the_environment_is_still_used(monkeypatch: pytest.MonkeyPatch) -> None:
    async def proxy(head: bytes, writer: asyncio.StreamWriter) -> None:  # answers for the host it is asked about
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY
        )
        await writer.drain()

    async with serve(proxy) as (port, heads):
        for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{port}")
        [result] = await poll_all([prom(80, host="prometheus.example.org")], now=NOW)
    assert result.ok, result.error
    assert heads and heads[0].startswith(b"GET http://prometheus.example.org")


async def test_many_feeds_on_one_host_name_resolve_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A round of feeds named by host resolves each host once (asyncio has few resolver threads)."""
    asked: list[str] = []
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def counting(host: str, *args: object, **kwargs: object) -> object:
        asked.append(host)
        return await real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "getaddrinfo", counting)

    async def handler(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY
        )
        await writer.drain()

    async with serve(handler) as (port, heads):
        feeds = [FeedConfig(f"p{i}", "prometheus", f"http://localhost:{port}/p{i}") for i in range(20)]
        results = await poll_all(feeds, now=NOW)
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    assert len(heads) == 20 and asked.count("localhost") == 1
