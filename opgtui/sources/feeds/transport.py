"""A light httpx transport for the feeds' GETs: one asyncio connection per request, HTTP/1.1 through h11.

httpx's default transport (httpcore's pool on anyio) spends ~1 ms of CPU per request in the pool, locks and
checkpoints; a round of 200 feeds is bound by it. This transport opens a plain asyncio connection (TLS with
the client's SSL context: the same verification), sends the request with ``Connection: close`` and reads the
answer with h11 (content-length, chunked, read-to-close). Everything else stays httpx's: redirects (and the
dropping of Authorization across hosts), decoding gzip, the Response API; a proxy from the environment still
goes through httpx's own proxy transport (the client's mounts take precedence over this one). Timeouts
(``connect`` and ``read`` of the request's timeout) raise httpx's timeout errors; the caller's total deadline
(``asyncio.timeout``) cancels a request cleanly at any point.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator
from typing import Any

import h11
import httpx

READ_SIZE = 65536


class _Body(httpx.AsyncByteStream):
    """The response body, read from the connection as the caller iterates; closing closes the connection."""

    def __init__(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        read_timeout: float | None,
    ) -> None:
        self._conn, self._reader, self._writer, self._timeout = conn, reader, writer, read_timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            event = await _next_event(self._conn, self._reader, self._timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return

    async def aclose(self) -> None:
        self._writer.close()


async def _next_event(
    conn: h11.Connection, reader: asyncio.StreamReader, timeout: float | None
) -> h11.Event | type[h11.PAUSED]:
    """The next h11 event, reading from the connection as needed; httpx's errors for a broken answer."""
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as exc:
            raise httpx.RemoteProtocolError(str(exc)) from exc
        if event is not h11.NEED_DATA:
            return event
        try:
            async with asyncio.timeout(timeout):
                data = await reader.read(READ_SIZE)
        except TimeoutError:
            raise httpx.ReadTimeout("timed out reading the answer") from None
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc
        conn.receive_data(data)  # b"": the server closed the connection


class FeedTransport(httpx.AsyncBaseTransport):
    """Plain GETs (and bodies, should one be sent) over a fresh connection each, verified with ``tls``. A host
    is resolved once per transport (a round's feeds on one host share the answer, and a round of many hosts is
    not queued behind asyncio's few resolver threads one request at a time)."""

    def __init__(self, tls: ssl.SSLContext) -> None:
        self._tls = tls
        self._resolved: dict[tuple[str, int], asyncio.Future[list[Any]]] = {}

    async def _addresses(self, host: str, port: int) -> list[tuple[int, str, int]]:
        """(family, address, port) to try in order; an IP literal is its own answer."""
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return [(socket.AF_INET6 if ip.version == 6 else socket.AF_INET, host, port)]
        key = (host, port)
        pending = self._resolved.get(key)
        if pending is None:
            loop = asyncio.get_running_loop()
            pending = self._resolved[key] = asyncio.ensure_future(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        try:
            infos = await asyncio.shield(pending)
        except OSError:
            if self._resolved.get(key) is pending:
                del self._resolved[key]  # a retry asks again
            raise
        return [(family, addr[0], addr[1]) for family, _type, _proto, _name, addr in infos]

    async def _connect(
        self, host: str, port: int, tls: ssl.SSLContext | None
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """(reader, writer) of the first address of ``host`` that answers; the last address's error if none."""
        error: BaseException | None = None
        for family, address, at in await self._addresses(host, port):
            try:
                return await asyncio.open_connection(
                    address, at, family=family, ssl=tls, server_hostname=host if tls else None, limit=READ_SIZE
                )
            except ssl.SSLError:
                raise  # the server answered: its certificate is the problem, not this address
            except OSError as exc:
                error = exc
        raise error or OSError(f"no address for {host}")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme}://'.")
        timeouts = request.extensions.get("timeout", {})
        host = url.host
        port = url.port or (443 if scheme == "https" else 80)
        try:
            async with asyncio.timeout(timeouts.get("connect")):
                reader, writer = await self._connect(host, port, self._tls if scheme == "https" else None)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        try:
            return await self._exchange(request, reader, writer, timeouts.get("read"))
        except BaseException:
            writer.close()
            raise

    async def _exchange(
        self,
        request: httpx.Request,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        read_timeout: float | None,
    ) -> httpx.Response:
        conn = h11.Connection(h11.CLIENT)
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"connection"]
        body = await request.aread()
        if body and not any(k.lower() in (b"content-length", b"transfer-encoding") for k, _ in headers):
            headers.append((b"Content-Length", str(len(body)).encode()))
        try:
            out = conn.send(
                h11.Request(
                    method=request.method, target=request.url.raw_path, headers=[*headers, (b"Connection", b"close")]
                )
            )
            if body:
                out += conn.send(h11.Data(data=body))
            out += conn.send(h11.EndOfMessage())
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc)) from exc
        try:
            writer.write(out)
            await writer.drain()
        except OSError as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__) from exc
        while True:
            event = await _next_event(conn, reader, read_timeout)
            if isinstance(event, h11.Response):
                break
            if isinstance(event, h11.ConnectionClosed):
                raise httpx.RemoteProtocolError("the server closed the connection without an answer")
        return httpx.Response(
            event.status_code,
            headers=event.headers.raw_items(),
            stream=_Body(conn, reader, writer, read_timeout),
            extensions={"http_version": b"HTTP/" + event.http_version, "reason_phrase": event.reason},
        )
