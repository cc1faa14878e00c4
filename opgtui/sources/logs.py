"""Job log tails: the last N lines of a local file (read backwards from its end) or of an http(s) URL (HTTP
Range requests for the bytes before the end only). A 5 GB log costs kilobytes.

Bad UTF-8 is replaced, over-long lines keep their start and end around a marker, every read is bounded, and
every problem is a :class:`LogError` whose text is one line naming the path or URL and why.
No UI imports here; httpx and classad2 are imported only when a URL or a constraint needs them.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from opgtui.core.textsafe import clean, one_line, url_label

if TYPE_CHECKING:  # `opgtui tail` of a file starts without yaml, the model or an event loop
    import ssl

    import httpx

    from opgtui.config import LogLocation
    from opgtui.core.model import Job

BLOCK = 64 * 1024  # first read from the end of a file; later reads double up to BLOCK_MAX
BLOCK_MAX = 4 * 1024 * 1024
MAX_LINE = 64 * 1024  # bytes kept of one line: its first and last halves around a "cut" marker
ALL_CAP = 64 * 1024 * 1024  # one tail never reads more than this (also bounds "all lines")
FIRST_RANGE = 16 * 1024  # the first HTTP Range request asks for this many bytes from the end
RANGE_MAX = 8 * 1024 * 1024  # and no single later request for more than this
NO_RANGE_CAP = 32 * 1024 * 1024  # a server ignoring Range: read at most this much of the body
FOLLOW_CAP = 4 * 1024 * 1024  # follow mode: at most this much new text per read
#: One HTTP tail, all its requests together, ends within this many seconds (httpx's timeouts are per read: a
#: server trickling a byte a second would never trip them).
DEADLINE = 30.0
_HALF = MAX_LINE // 2
_FIELD = re.compile(r"\{(\w+)(?::([^{}]*))?\}")


class LogError(Exception):
    """A log that cannot be read; ``str()`` is one line: the path or URL, and why."""


@dataclass(slots=True)
class Tail:
    """The end of one log."""

    lines: list[str]
    source: str  # the path, or the URL without credentials or query
    size: int | None  # the whole log's size in bytes when reading began, when known
    bytes_read: int  # bytes read from disk or received over HTTP
    truncated: bool  # there is more before the first line
    fetched: float  # epoch seconds


# ---------------------------------------------------------------------------- lines from bytes


def _finish_line(text: str) -> str:
    return text[:-1] if text.endswith("\r") else text


def _cut(head: bytes, hidden: int, end: bytes) -> str:
    """An over-long line: its first and last bytes around a marker saying how much is not shown."""
    return _finish_line(
        head.decode("utf-8", "replace")
        + f" … [line cut: {hidden:,} bytes not shown] … "
        + end.decode("utf-8", "replace")
    )


def _decode_line(raw: bytes) -> str:
    if len(raw) > MAX_LINE:
        return _cut(raw[:_HALF], len(raw) - 2 * _HALF, raw[-_HALF:])
    return _finish_line(raw.decode("utf-8", "replace"))


def _decode_lines(data: bytes) -> list[str]:
    """Complete lines (``data`` holds no final newline) decoded, CR dropped, over-long lines cut."""
    if len(data) <= MAX_LINE or max(map(len, parts := data.split(b"\n"))) <= MAX_LINE:
        out = data.decode("utf-8", "replace").split("\n")  # one decode: the fast path
        for i, line in enumerate(out):
            if line.endswith("\r"):
                out[i] = line[:-1]
        return out
    return [_decode_line(raw) for raw in parts]


class _Backward:
    """Lines assembled from blocks fed from the end of a log towards its start.

    Keeps at most ``n`` lines (0 = all) and, for the line still being assembled, at most ~``MAX_LINE`` bytes
    (its end, and its start so far), so memory stays bounded whatever the log holds.
    """

    def __init__(self, n: int | None) -> None:
        if n is not None and n < 0:
            raise ValueError(f"line count must be 0 (all) or more, not {n}")
        self.n = n or 0
        self.rev: list[str] = []  # finished lines, last line first
        self._parts: list[bytes] = []  # the current line's pieces, rightmost first
        self._kept = 0
        self._len = 0  # the current line's true length so far
        self._end: bytes | None = None  # the current line's last bytes once it is cut
        self.fed = 0  # bytes fed

    @property
    def done(self) -> bool:
        return bool(self.n) and len(self.rev) >= self.n

    def feed(self, block: bytes) -> None:
        """``block`` is the part of the log just before everything fed so far."""
        first_block = not self.fed
        self.fed += len(block)
        if first_block and block.endswith(b"\n"):
            block = block[:-1]  # the log's final newline ends its last line; it does not start a new one
        if self.done or not block:
            return
        last = block.rfind(b"\n")
        if last < 0:
            self._prepend(block)
            return
        self._prepend(block[last + 1 :])
        self._emit()
        first = block.find(b"\n", 0, last)
        if self.done:
            return
        if first < 0:
            self._prepend(block[:last])
            return
        middle = _decode_lines(block[first + 1 : last])
        if self.n and self.n - len(self.rev) < len(middle):
            self.rev.extend(reversed(middle[len(middle) - (self.n - len(self.rev)) :]))
            return
        self.rev.extend(reversed(middle))
        self._prepend(block[:first])

    def finish(self, at_start: bool) -> tuple[list[str], bool]:
        """The lines in order, and whether more of the log lies before the first one."""
        if self.done:
            return self.rev[::-1], True
        if at_start and self.fed:
            self._emit()  # the log's first line (empty if the log starts with a newline)
        elif not at_start and self._len >= MAX_LINE:  # a giant line whose start lies beyond the read limit
            end = self._joined()[-_HALF:].decode("utf-8", "replace")
            self.rev.append(" … [line start not read] … " + _finish_line(end))
        return self.rev[::-1], not at_start

    def _joined(self) -> bytes:
        return b"".join(reversed(self._parts)) + (self._end or b"")

    def _prepend(self, piece: bytes) -> None:
        if not piece:
            return
        self._parts.append(piece)
        self._kept += len(piece)
        self._len += len(piece)
        if self._kept > MAX_LINE + BLOCK:  # keep the end once, and the start as it grows leftwards
            buf = b"".join(reversed(self._parts))
            if self._end is None:
                self._end = buf[-_HALF:]
            self._parts, self._kept = [buf[:_HALF]], _HALF

    def _emit(self) -> None:
        buf = b"".join(reversed(self._parts))
        if self._end is None:
            self.rev.append(_decode_line(buf))
        else:
            head = buf[:_HALF]
            self.rev.append(_cut(head, self._len - len(head) - len(self._end), self._end))
        self._parts, self._kept, self._len, self._end = [], 0, 0, None


# ---------------------------------------------------------------------------- local files


def _oserror(label: str, exc: OSError) -> LogError:
    return LogError(f"{label}: {exc.strerror or exc}")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode):
        return "is a named pipe, not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "is a device, not a file"


def _open_regular(path: str, label: str) -> tuple[int, os.stat_result]:
    """An fd on a regular file (never blocks on a FIFO), and its stat; LogError otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _oserror(label, exc) from None
    try:
        st = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise _oserror(label, exc) from None
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise LogError(f"{label}: {_kind(st.st_mode)}")
    return fd, st


def _shrank(label: str) -> LogError:
    return LogError(f"{label}: the file shrank while being read (truncated or rotated); try again")


def tail_file(path: str | Path, n: int | None = 50, *, max_bytes: int | None = None) -> Tail:
    """The last ``n`` lines of a local file (``n`` 0 or None = all), reading at most ``max_bytes``
    (default 64 MiB) backwards from its end."""
    p = str(path)
    label = clean(p)
    cap = ALL_CAP if max_bytes is None else max(max_bytes, 0)
    fd, st = _open_regular(p, label)
    try:
        size = pos = st.st_size
        back, read, block = _Backward(n), 0, BLOCK
        while pos > 0 and read < cap and not back.done:
            start = max(0, pos - min(block, cap - read))
            chunk = os.pread(fd, pos - start, start)
            if len(chunk) != pos - start:
                raise _shrank(label)
            back.feed(chunk)
            read += len(chunk)
            pos, block = start, min(block * 2, BLOCK_MAX)
        if os.fstat(fd).st_size < size:
            raise _shrank(label)
    except OSError as exc:
        raise _oserror(label, exc) from None
    finally:
        os.close(fd)
    lines, truncated = back.finish(at_start=pos == 0)
    return Tail(lines, p, size, read, truncated, time.time())


def read_new(path: str | Path, offset: int, *, max_bytes: int = FOLLOW_CAP) -> tuple[list[str], int]:
    """Whole lines written after ``offset`` (follow mode) and the offset to read on from.

    A file now shorter than ``offset`` was truncated or rotated: reading restarts at 0. More than
    ``max_bytes`` of new text: the older part is skipped and a marker line says how much.
    """
    p = str(path)
    label = clean(p)
    fd, st = _open_regular(p, label)
    try:
        size = st.st_size
        if size < offset:
            offset = 0
        start = max(offset, size - max_bytes)
        data = os.pread(fd, size - start, start) if size > start else b""
    except OSError as exc:
        raise _oserror(label, exc) from None
    finally:
        os.close(fd)
    lines: list[str] = []
    if start > offset:  # skipped ahead: drop the rest of the line we landed in, and say so
        first = data.find(b"\n")
        dropped = first + 1 if first >= 0 else len(data)
        lines.append(f" … [{start - offset + dropped:,} bytes skipped while following] …")
        data, start = data[dropped:], start + dropped
    end = data.rfind(b"\n")
    if end >= 0:
        return [*lines, *_decode_lines(data[:end])], start + end + 1
    if len(data) >= max_bytes:  # one giant line with no end in sight: show it (cut) and move on
        return [*lines, *_decode_lines(data)], start + len(data)
    return lines, start


async def follow(path: str | Path, offset: int, *, interval: float = 2.0) -> AsyncIterator[list[str]]:
    """Yield batches of new whole lines of a growing local file, polling every ``interval`` seconds."""
    import asyncio

    while True:
        lines, offset = await asyncio.to_thread(read_new, path, offset)
        if lines:
            yield lines
        await asyncio.sleep(interval)


# ---------------------------------------------------------------------------- http(s)


_CONTENT_RANGE = re.compile(r"bytes\s+(?:(\d+)-(\d+)|\*)\s*/\s*(\d+|\*)", re.IGNORECASE)


def _content_range(value: str) -> tuple[int | None, int | None]:
    """(first byte, total size) from a Content-Range header; None where not given."""
    m = _CONTENT_RANGE.search(value or "")
    if not m:
        return None, None
    first = int(m[1]) if m[1] is not None else None
    total = int(m[3]) if m[3] != "*" else None
    return first, total


def _size_text(size: int) -> str:
    return f"{size / 2**30:.1f} GiB" if size >= 2**30 else f"{size / 2**20:.1f} MiB"


async def _body(resp: httpx.Response, limit: int, label: str, what: str) -> bytes:
    """The response body, refusing to read past ``limit`` bytes."""
    chunks: list[bytes] = []
    got = 0
    async for chunk in resp.aiter_bytes():
        got += len(chunk)
        if got > limit:
            raise LogError(f"{label}: {what} (more than {_size_text(limit)}); not downloading it all")
        chunks.append(chunk)
    return b"".join(chunks)


class _Fetcher:
    """Range requests for one URL, counting the bytes received and turning failures into LogError."""

    def __init__(self, client: httpx.AsyncClient, url: str, timeout: float) -> None:
        self.client, self.url, self.timeout = client, url, timeout
        self.label = url_label(url)
        self.received = 0

    async def get(self, byte_range: str, limit: int) -> tuple[int, int | None, int | None, bytes]:
        """(status, first byte, total size, body) for ``Range: bytes=<byte_range>``."""
        import httpx

        headers = {"Range": f"bytes={byte_range}", "Accept-Encoding": "identity"}
        try:
            async with self.client.stream("GET", self.url, headers=headers, timeout=self.timeout) as resp:
                status = resp.status_code
                if status == 206:
                    first, total = _content_range(resp.headers.get("content-range", ""))
                    body = await _body(resp, limit, self.label, "the server sent more than was asked for")
                elif status == 200:
                    length = resp.headers.get("content-length", "")
                    total = int(length) if length.isdigit() else None
                    what = "the server ignores Range requests and the log is too big"
                    if total is not None and total > NO_RANGE_CAP:
                        raise LogError(
                            f"{self.label}: the server ignores Range requests and the log is "
                            f"{_size_text(total)}; not downloading it all"
                        )
                    first, body = 0, await _body(resp, NO_RANGE_CAP, self.label, what)
                    total = len(body)
                elif status == 416:
                    first, total = _content_range(resp.headers.get("content-range", ""))
                    body = b""
                else:
                    raise LogError(f"{self.label}: HTTP {status} {one_line(resp.reason_phrase, 80)}".rstrip())
        except httpx.TimeoutException:
            raise LogError(f"{self.label}: no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise LogError(f"{self.label}: {type(exc).__name__}: {clean(str(exc)) or 'request failed'}") from None
        self.received += len(body)
        return status, first, total, body


async def tail_url(
    client: httpx.AsyncClient,
    url: str,
    n: int | None = 50,
    *,
    timeout: float = 10.0,
    max_bytes: int | None = None,
    deadline: float | None = None,
) -> Tail:
    """The last ``n`` lines (0 or None = all) of an http(s) log, within ``deadline`` seconds in all (DEADLINE).

    Asks for the last 16 KiB (``Range: bytes=-16384``), then for the bytes just before what it has, sized from
    the lines seen so far, until it has ``n`` lines, reaches the start, or has read ``max_bytes`` (64 MiB).
    ``timeout`` bounds each connect and read.
    """
    import asyncio

    deadline = DEADLINE if deadline is None else deadline
    try:
        async with asyncio.timeout(deadline):
            return await _tail_url(client, url, n, timeout, max_bytes)
    except TimeoutError:
        raise LogError(f"{url_label(url)}: not read within {deadline:g} s (the server sends too slowly)") from None


async def _tail_url(client: httpx.AsyncClient, url: str, n: int | None, timeout: float, max_bytes: int | None) -> Tail:
    cap = ALL_CAP if max_bytes is None else max(max_bytes, 1)
    fetch = _Fetcher(client, url, timeout)
    status, first, total, body = await fetch.get(f"-{min(FIRST_RANGE, cap)}", min(FIRST_RANGE, cap))
    if status == 416:  # nothing to give from the end: an empty log
        return Tail([], fetch.label, total or 0, 0, False, time.time())
    back = _Backward(n)
    back.feed(body[-cap:])
    if status == 200 or first is None:  # the whole body, or a 206 that does not say where it starts
        lines, truncated = back.finish(at_start=status == 200 or len(body) < FIRST_RANGE)
        return Tail(lines, fetch.label, total, fetch.received, truncated, time.time())
    pos, last = first, len(body)
    while pos > 0 and fetch.received < cap and not back.done:
        have = len(back.rev)
        # Enough for the lines still missing, judged by the lines seen so far; else twice the last request.
        size = int(fetch.received / have * (back.n - have + 1) * 1.25) if back.n and have else last * 2
        size = max(min(max(size, 4096), RANGE_MAX, pos, cap - fetch.received), 1)
        status, got_first, got_total, body = await fetch.get(f"{pos - size}-{pos - 1}", size)
        if status != 206 or got_first != pos - size or len(body) != size:
            raise LogError(f"{fetch.label}: the log changed while being read (HTTP {status}); try again")
        if got_total is not None and got_total < pos:
            raise LogError(f"{fetch.label}: the log shrank while being read (truncated or rotated); try again")
        back.feed(body)
        pos, last = pos - size, size
    lines, truncated = back.finish(at_start=pos == 0)
    return Tail(lines, fetch.label, total, fetch.received, truncated, time.time())


async def tail(
    source: str,
    n: int | None = 50,
    *,
    client: httpx.AsyncClient | None = None,
    timeout: float = 10.0,
    max_bytes: int | None = None,
    deadline: float | None = None,
) -> Tail:
    """The tail of a path, a ``file://`` URL or an http(s) URL (local files are read in a thread; a URL within
    ``deadline`` seconds in all)."""
    if source.startswith(("http://", "https://")):
        if client is not None:
            return await tail_url(client, source, n, timeout=timeout, max_bytes=max_bytes, deadline=deadline)
        import httpx

        async with httpx.AsyncClient(follow_redirects=True, timeout=timeout, verify=default_tls()) as own:
            return await tail_url(own, source, n, timeout=timeout, max_bytes=max_bytes, deadline=deadline)
    import asyncio

    return await asyncio.to_thread(tail_file, local_path(source), n, max_bytes=max_bytes)


def tail_now(source: str, n: int | None = 50, *, max_bytes: int | None = None) -> Tail:
    """:func:`tail` for a caller with no event loop (a verb, a worker thread): a path or ``file://`` URL (``~``
    expanded) is read at once, with no loop to start; an http(s) URL runs :func:`tail` on a loop of its own."""
    if source.startswith(("http://", "https://")):
        import asyncio

        return asyncio.run(tail(source, n, max_bytes=max_bytes))
    return tail_file(local_path(source), n, max_bytes=max_bytes)


# ---------------------------------------------------------------------------- many tails at once


CONCURRENCY = 16
"""Tails read at once by :func:`read_tails` unless told otherwise."""


@dataclass(frozen=True, slots=True)
class TailRequest:
    """One log to read: a path, a ``file://`` URL or an http(s) URL; its last ``lines`` (0: all), at most
    ``max_bytes`` of its end (None: the reader's own bound)."""

    source: str
    lines: int = 200
    max_bytes: int | None = None


@dataclass(slots=True)
class TailRead:
    """What one read gave: the lines, or ``error`` (one line naming the path or URL and why)."""

    source: str
    lines: list[str] = field(default_factory=list)
    error: str | None = None


async def read_tails(
    requests: Iterable[TailRequest],
    *,
    concurrency: int = CONCURRENCY,
    deadline: float = DEADLINE,
    timeout: float = 10.0,
    client: httpx.AsyncClient | None = None,
) -> AsyncIterator[TailRead]:
    """Read every request, ``concurrency`` at a time, yielding each answer as it arrives.

    Each of the ``concurrency`` readers keeps one client with one kept-alive connection for all its logs (the
    TLS trust loaded once): httpx's pool costs about twice the CPU per request with 16 connections in one
    client. ``client``, when given, is shared by every reader instead. Each read, all its requests together,
    ends within ``deadline`` seconds. A read never raises: its problem is the ``error`` of its answer. At most
    ``concurrency`` answers wait for the caller.
    """
    import asyncio

    if concurrency < 1:
        raise ValueError(f"concurrency must be 1 or more, not {concurrency}")
    todo = list(requests)
    answers: asyncio.Queue[TailRead] = asyncio.Queue(maxsize=concurrency)
    clients: list[httpx.AsyncClient] = []  # made here: closed at the end
    next_up = iter(todo)

    async def reader() -> None:
        own: httpx.AsyncClient | None = None

        def http() -> httpx.AsyncClient:
            nonlocal own
            if client is not None:
                return client
            if own is None:  # the first URL of this reader
                import httpx

                own = httpx.AsyncClient(
                    follow_redirects=True,
                    timeout=timeout,
                    verify=default_tls(),
                    limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                )
                clients.append(own)
            return own

        for request in next_up:  # one shared iterator: each request is taken by one reader
            await answers.put(await _read(request, http, deadline, timeout))

    readers = [asyncio.create_task(reader()) for _ in range(min(concurrency, len(todo)))]
    try:
        for _ in todo:  # every request gives exactly one answer (a read never raises)
            yield await answers.get()
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)


async def _read(
    request: TailRequest, http: Callable[[], httpx.AsyncClient], deadline: float, timeout: float
) -> TailRead:
    """One tail; any failure becomes the answer's one-line ``error``."""
    import asyncio

    source = request.source
    is_url = source.startswith(("http://", "https://"))
    try:
        if is_url:
            t = await tail_url(
                http(), source, request.lines, timeout=timeout, max_bytes=request.max_bytes, deadline=deadline
            )
        else:
            try:
                async with asyncio.timeout(deadline):  # a hung file system: the thread is left to finish
                    t = await asyncio.to_thread(
                        tail_file, local_path(source), request.lines, max_bytes=request.max_bytes
                    )
            except TimeoutError:
                raise LogError(
                    f"{clean(source)}: not read within {deadline:g} s (the file system does not answer)"
                ) from None
        return TailRead(source, t.lines)
    except LogError as exc:
        error = one_line(str(exc), 400)
    except Exception as exc:  # one bad log of thousands is reported, never fatal
        label = url_label(source) if is_url else clean(source)
        error = one_line(f"{label}: {type(exc).__name__}: {exc}", 400)
    return TailRead(source, [], error)


@functools.cache
def default_tls() -> ssl.SSLContext:
    """httpx's default trust (certifi, or SSL_CERT_FILE / SSL_CERT_DIR), loaded once per process: loading the
    bundle costs 30-250 ms, which a new client per log paid each time. Feeds trust it too (feeds.poll.tls_context)."""
    import httpx

    return httpx.create_ssl_context()


def local_path(source: str) -> str:
    """The file a path or ``file://`` URL names, ``~`` expanded."""
    return os.path.expanduser(unquote(urlsplit(source).path) if source.startswith("file://") else source)


# ---------------------------------------------------------------------------- where a job's logs are


def job_attrs_from_job(job: Job) -> dict[str, object]:
    """The usual ClassAd attribute names for a Job record's fields (for log templates); unknowns left out."""
    attrs: dict[str, object | None] = {
        "ClusterId": job.cluster,
        "ProcId": job.proc,
        "Owner": job.owner,
        "JobsubJobId": job.jobsub_id,
        "JobBatchName": job.batch_name,
        "Iwd": job.iwd,
        "Out": job.stdout,
        "Err": job.stderr,
        "UserLog": job.userlog,
        "Cmd": job.cmd,
        "JobStatus": job.status,
        "LastRemoteHost": job.last_host,
        "experiment": job.experiment,
        "schedd": job.schedd,
    }
    return {k: v for k, v in attrs.items() if v is not None}


def _applies(constraint: str | None, values: Mapping[str, object]) -> bool:
    """True when a location has no constraint or its ClassAd constraint is True for the job."""
    if not constraint:
        return True
    import classad2

    scalars = {k: v for k, v in values.items() if isinstance(v, (str, int, float, bool))}
    try:
        return classad2.ExprTree(constraint).eval(classad2.ClassAd(scalars)) is True
    except Exception:  # an unparsable constraint selects nothing (config check reports it)
        return False


def _fill(template: str, values: Mapping[str, object], is_url: bool) -> str | None:
    """The template with ``{Attr}`` / ``{Attr:spec}`` filled (names case-insensitive); None if one is missing.

    In a path, an absolute value starting a component restarts the path (``{Iwd}/{Out}`` with an absolute
    Out is Out), as ``os.path.join`` does.
    """
    out: list[str] = []
    done = 0
    for m in _FIELD.finditer(template):
        out.append(template[done : m.start()])
        done = m.end()
        value = values.get(m[1].lower())
        if value is None or value == "":
            return None
        try:
            text = format(value, m[2]) if m[2] else str(value)
        except (ValueError, TypeError):
            text = str(value)
        if is_url:
            text = quote(text, safe="/@:+,=~!$*")
        elif text.startswith("/") and (m.start() == 0 or template[m.start() - 1] == "/"):
            out = []
        out.append(text)
    out.append(template[done:])
    return "".join(out)


def log_sources(
    job_attrs: Mapping[str, object], locations: Sequence[LogLocation], experiment: str | None = None
) -> list[tuple[str, str]]:
    """``[("stdout", source), ("stderr", source)]``: see ``log_locations``."""
    return [(stream, source) for stream, source, _ in log_locations(job_attrs, locations, experiment)]


def log_locations(
    job_attrs: Mapping[str, object], locations: Sequence[LogLocation], experiment: str | None = None
) -> list[tuple[str, str, LogLocation]]:
    """``[("stdout", source, location), ...]``: for each stream, the first location that applies to the
    job (its constraint) and whose template fills from the job's attributes.

    A template naming an attribute the job lacks is skipped; a relative path is joined to Iwd; a stream going
    to /dev/null is skipped.
    """
    values: dict[str, object] = {str(k).lower(): v for k, v in job_attrs.items() if v is not None}
    if experiment:
        values["experiment"] = experiment
    iwd = str(values.get("iwd") or "")
    found: dict[str, tuple[str, LogLocation]] = {}
    for loc in locations:
        streams = [(s, t) for s, t in (("stdout", loc.stdout), ("stderr", loc.stderr)) if t and s not in found]
        if not streams or not _applies(loc.constraint, job_attrs):
            continue
        for stream, template in streams:
            is_url = template.startswith(("http://", "https://"))
            source = _fill(template, values, is_url)
            if source is None:
                continue
            if not is_url and iwd and not source.startswith(("/", "~")):
                source = f"{iwd.rstrip('/')}/{source}"
            if source == "/dev/null" or source.endswith("//dev/null"):
                continue
            found[stream] = (source, loc)
    return [(s, *found[s]) for s in ("stdout", "stderr") if s in found]
