"""Job log tails: the last N lines of a local file (read backwards from the end) or of an http(s) URL
(HTTP Range requests for the last bytes only). A 5 GB log costs kilobytes.

Bad UTF-8 is replaced, very long lines are cut, and every problem is a :class:`LogError` whose text is one
line naming the path or URL and why.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opgtui.config import LogLocation
from opgtui.model import Job

BLOCK = 64 * 1024
MAX_LINE = 64 * 1024  # characters kept of one line; the rest is cut and marked
ALL_CAP = 64 * 1024 * 1024  # "all lines" still stops after this many bytes from the end
_TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")


class LogError(Exception):
    """A log that cannot be read; ``str()`` is one line: the path or URL, and why."""


@dataclass(slots=True)
class Tail:
    lines: list[str]
    source: str
    size: int | None  # the whole log's size in bytes, when known
    bytes_read: int
    truncated: bool  # there is more before the first line
    fetched: float


def _split(data: bytes, n: int, at_start: bool) -> tuple[list[str], bool]:
    """The last ``n`` (0 = all) lines of ``data``; the first partial line is dropped unless at the start."""
    if data.endswith(b"\n"):
        data = data[:-1]
    if not data:
        return [], not at_start
    parts = data.split(b"\n")
    if not at_start:
        parts = parts[1:]  # begins mid-line
    more = not at_start
    if n and len(parts) > n:
        parts, more = parts[-n:], True
    lines = []
    for p in parts:
        text = p.decode("utf-8", errors="replace").rstrip("\r")
        if len(text) > MAX_LINE:
            text = text[:MAX_LINE] + f" … [line cut: {len(text):,} characters]"
        lines.append(text)
    return lines, more


def tail_file(path: str | Path, n: int = 50, *, max_bytes: int | None = None) -> Tail:
    """The last ``n`` lines (0 = all, up to ``max_bytes`` or 64 MiB from the end) of a local file."""
    p = str(path)
    cap = max_bytes or (ALL_CAP if not n else max(ALL_CAP, n * 1024))
    try:
        fd = os.open(p, os.O_RDONLY)
    except OSError as exc:
        raise LogError(f"{p}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise LogError(f"{p}: not a regular file")
        size = st.st_size
        end, chunks, newlines, read = size, [], 0, 0
        while end > 0 and read < cap and (not n or newlines <= n):
            start = max(0, end - BLOCK)
            chunk = os.pread(fd, end - start, start)
            if len(chunk) < end - start:  # the file shrank while we read it
                raise LogError(f"{p}: the file changed size while being read (truncated or rotated)")
            chunks.append(chunk)
            newlines += chunk.count(b"\n")
            read += len(chunk)
            end = start
        data = b"".join(reversed(chunks))
        lines, more = _split(data, n, at_start=end == 0)
        return Tail(lines, p, size, read, more, time.time())
    except OSError as exc:
        raise LogError(f"{p}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_new(path: str | Path, offset: int) -> tuple[list[str], int]:
    """Whole lines appended since ``offset`` (follow mode), and the new offset; a shrunk file restarts at 0."""
    p = str(path)
    try:
        with open(p, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size < offset:
                offset = 0
            fh.seek(offset)
            data = fh.read(min(size - offset, ALL_CAP))
    except OSError as exc:
        raise LogError(f"{p}: {exc.strerror or exc}") from None
    cut = data.rfind(b"\n")
    if cut < 0:
        return [], offset
    lines, _ = _split(data[: cut + 1], 0, at_start=True)
    return lines, offset + cut + 1


async def tail_url(client: Any, url: str, n: int = 50, *, timeout: float = 10.0) -> Tail:
    """The last ``n`` lines of a URL, asking for growing suffixes (16 KiB, 64 KiB, ...) with Range requests."""
    import httpx

    want = 16 * 1024
    read = 0
    while True:
        try:
            resp = await client.get(url, headers={"Range": f"bytes=-{want}"}, timeout=timeout)
        except httpx.TimeoutException:
            raise LogError(f"{url}: timed out after {timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise LogError(f"{url}: {type(exc).__name__}: {exc}") from None
        if resp.status_code == 416:
            return Tail([], url, 0, read, False, time.time())
        if resp.status_code == 206:
            data = resp.content
            read += len(data)
            total = _total_size(resp.headers.get("content-range", ""))
            at_start = total is not None and len(data) >= total
            lines, more = _split(data, n, at_start)
            if at_start or (n and len(lines) >= n) or want >= ALL_CAP:
                return Tail(lines, url, total, read, more, time.time())
            want *= 4
            continue
        if resp.status_code == 200:  # the server ignored Range: keep only the end, never more than the cap
            data = resp.content[-ALL_CAP:]
            read += len(resp.content)
            lines, more = _split(data, n, at_start=len(resp.content) <= ALL_CAP)
            return Tail(lines, url, len(resp.content), read, more, time.time())
        raise LogError(f"{url}: HTTP {resp.status_code} {resp.reason_phrase}")


def _total_size(content_range: str) -> int | None:
    m = re.search(r"/(\d+)\s*$", content_range)
    return int(m[1]) if m else None


async def tail(source: str, n: int = 50, *, client: Any = None) -> Tail:
    """``tail_url`` for http(s) sources, ``tail_file`` (in a thread) otherwise."""
    import asyncio

    if source.startswith(("http://", "https://")):
        import httpx

        if client is not None:
            return await tail_url(client, source, n)
        async with httpx.AsyncClient(follow_redirects=True) as own:
            return await tail_url(own, source, n)
    return await asyncio.to_thread(tail_file, os.path.expanduser(source), n)


def job_attrs_from_job(job: Job) -> dict[str, object]:
    """The usual ClassAd attribute names for a Job record's fields (for log templates)."""
    attrs: dict[str, object] = {"ClusterId": job.cluster, "ProcId": job.proc, "Owner": job.owner,
                                "JobsubJobId": job.jobsub_id, "JobBatchName": job.batch_name, "Iwd": job.iwd,
                                "Out": job.stdout, "Err": job.stderr, "UserLog": job.userlog,
                                "experiment": job.experiment, "schedd": job.schedd}
    return {k: v for k, v in attrs.items() if v is not None}


def log_sources(job_attrs: Mapping[str, object], locations: Sequence[LogLocation],
                experiment: str | None = None) -> list[tuple[str, str]]:
    """``[("stdout", source), ("stderr", source)]`` from the first location whose templates all fill.

    A template naming an attribute the job lacks is skipped; relative Out/Err join Iwd; /dev/null is skipped.
    """
    values = {**{k: str(v) for k, v in job_attrs.items()}, **({"experiment": experiment} if experiment else {})}
    iwd = values.get("Iwd", "")
    for key in ("Out", "Err"):
        if key in values and iwd and not values[key].startswith(("/", "http://", "https://")):
            values[key] = f"{iwd.rstrip('/')}/{values[key]}"
    out: list[tuple[str, str]] = []
    for loc in locations:
        for stream, template in (("stdout", loc.stdout), ("stderr", loc.stderr)):
            if not template or any(name for name, _ in out if name == stream):
                continue
            fields = _TEMPLATE_FIELD.findall(template)
            if any(f not in values for f in fields):
                continue
            source = _TEMPLATE_FIELD.sub(lambda m: values[m[1]], template)
            if source.endswith("/dev/null") or source == "/dev/null":
                continue
            out.append((stream, source))
    return out
