"""Fetch and parse status feeds concurrently, through small httpx clients shared by a few feeds each.

Every feed has its own deadline (``feed.timeout``, covering retries, counted from its turn in the round),
retries connect errors and 5xx answers a bounded number of times with a short backoff, and sends a bearer
token from ``feed.token_env`` or ``feed.token_file`` (a file readable by group or others is refused). One
failing feed never affects the others and nothing raises out of :func:`poll_all`: failures are
:class:`FeedResult` with ``ok=False`` and a one-line ``error``. Tokens never appear in errors; URLs in errors
have their user:password removed.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import ssl
import stat
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.request import getproxies

import httpx

from opgtui.config import FeedConfig
from opgtui.core.textsafe import one_line as safe_line
from opgtui.core.textsafe import url_label
from opgtui.sources.feeds import get_kind
from opgtui.sources.feeds.base import FeedError, FeedKind, FeedReport, Payload, ServiceFor, is_url, one_line
from opgtui.sources.logs import default_tls

RETRIES = 2  # extra attempts after the first, for connect errors and 5xx
BACKOFF = 0.2  # seconds before the first retry; doubles each time
MAX_BYTES = 16 * 1024 * 1024
USER_AGENT = "opgtui (status feeds)"
FEEDS_PER_CLIENT = 8  # feeds sharing one client (one connection pool) in a round: small, so never quadratic
MAX_IN_FLIGHT = 256  # feeds fetched at once in a round; the rest wait for their turn
_ACCEPT = {
    "json": "application/json",
    "xml": "application/xml, text/xml;q=0.9",
    "yaml": "application/yaml, text/yaml;q=0.9, text/plain;q=0.8",
    "any": "*/*",
}
_TOKEN_OK = re.compile(r"[\x21-\x7e]+")


def _remember_no_sniffio() -> None:
    """httpcore tries ``import sniffio`` on every request and lock; without sniffio installed, each try
    searches sys.path again (a third of a request's CPU, 70 ms in a round of 200 feeds). A ``None`` entry in
    ``sys.modules`` makes that import fail at once, as it would anyway."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


_remember_no_sniffio()


@dataclass(slots=True)
class FeedResult:
    """One feed's poll: the report when ``ok``, else a one-line ``error``."""

    feed: str
    kind: str
    ok: bool
    report: FeedReport | None
    error: str | None
    fetched: float
    elapsed: float = 0.0
    url: str = ""  # with any user:password removed


class _Fail(Exception):
    """A fetch problem; the message is the part after 'feed X (URL): '."""


def tls_context(ca: str | None = None) -> ssl.SSLContext:
    """The TLS trust for feeds: httpx's default (certifi, or SSL_CERT_FILE/SSL_CERT_DIR), or ``ca``.

    ``ca`` is a CA bundle file or a hashed CA directory (``/etc/grid-security/certificates``) to trust
    instead. Loading a bundle takes 20-40 ms: make one per round and share it between clients; the default
    one is made once per process (its bundle comes with the installed packages).
    """
    if not ca:
        return default_tls()
    path = os.path.expanduser(ca)
    return ssl.create_default_context(capath=path) if os.path.isdir(path) else ssl.create_default_context(cafile=path)


def make_client(ca: str | None = None, *, tls: ssl.SSLContext | None = None, proxies: bool = True) -> httpx.AsyncClient:
    """A feed client: redirects followed (httpx drops Authorization across hosts), pooled connections.

    It trusts ``tls`` when given, else the CA ``ca`` (see :func:`tls_context`). With ``proxies`` it takes
    proxies from the environment (``https_proxy``, ``no_proxy``, ...): pass False when none is set, which
    spares reading the environment again for each of many clients, and lets the client use the light
    :class:`~opgtui.sources.feeds.transport.FeedTransport` (a third of the CPU per request) instead of httpx's pool.
    """
    verify = tls if tls is not None else tls_context(ca)
    transport = None
    if not proxies:
        from opgtui.sources.feeds.transport import FeedTransport

        transport = FeedTransport(verify)
    return httpx.AsyncClient(
        follow_redirects=True,
        trust_env=proxies,
        verify=verify,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        transport=transport,
    )


# ---------------------------------------------------------------- tokens


def bearer_token(feed: FeedConfig) -> str | None:
    """The feed's token from its environment variable or file; ``_Fail`` (never showing it) on a problem."""
    if feed.token_env:
        token = os.environ.get(feed.token_env, "").strip()
        if not token:
            raise _Fail(f"token_env {feed.token_env} is not set (or empty)")
        source = f"token_env {feed.token_env}"
    elif feed.token_file:
        path = os.path.expanduser(feed.token_file)
        try:
            st = os.stat(path)
            if st.st_mode & 0o077:
                raise _Fail(
                    f"token_file {path} is accessible by group/others (mode "
                    f"{stat.S_IMODE(st.st_mode):04o}): refused; run chmod 600 {path}"
                )
            with open(path, encoding="utf-8") as fh:
                token = fh.read(65536).strip()
        except OSError as exc:
            raise _Fail(f"token_file {path}: cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise _Fail(f"token_file {path}: not text") from None
        if not token:
            raise _Fail(f"token_file {path} is empty")
        source = f"token_file {path}"
    else:
        return None
    if not _TOKEN_OK.fullmatch(token):
        raise _Fail(f"{source}: the token has spaces or control characters")
    return token


# ---------------------------------------------------------------- fetching


async def _get(
    client: httpx.AsyncClient,
    feed: FeedConfig,
    kind: FeedKind,
    url: str,
    headers: dict[str, str],
    max_bytes: int,
    label: str = "",
) -> bytes:
    """The body of one successful GET, with retries; ``_Fail`` (prefixed with ``label``) otherwise."""
    try:
        return await _get_once_or_retry(client, feed, kind, url, headers, max_bytes)
    except _Fail as exc:
        raise _Fail(f"{label}{exc}") from None


async def _get_once_or_retry(
    client: httpx.AsyncClient, feed: FeedConfig, kind: FeedKind, url: str, headers: dict[str, str], max_bytes: int
) -> bytes:
    attempt = 0
    while True:
        retry_reason = ""
        try:
            async with client.stream("GET", url, headers=headers, timeout=feed.timeout) as resp:
                code = resp.status_code
                if 500 <= code < 600:
                    retry_reason = f"HTTP {code} {safe_line(resp.reason_phrase, 80)}".strip()
                elif not 200 <= code < 300:
                    hint = " (check token_env/token_file)" if code in (401, 403) else ""
                    raise _Fail(f"HTTP {code} {safe_line(resp.reason_phrase, 80)}".strip() + hint)
                else:
                    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
                    if "html" in ctype and kind.expects in ("json", "xml"):
                        raise _Fail(f"not {kind.expects.upper()}: got {ctype}")
                    return await _read(resp, max_bytes)
        except httpx.TimeoutException:
            raise TimeoutError from None
        except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
            if _tls_error(exc):  # retrying cannot help
                raise _Fail(
                    f"TLS: {exc} (for a grid CA set options.ca to a CA file or directory, "
                    "e.g. /etc/grid-security/certificates)"
                ) from None
            retry_reason = (
                f"cannot connect: {exc}" if isinstance(exc, httpx.ConnectError) else f"connection dropped: {exc}"
            )
        except httpx.InvalidURL as exc:
            raise _Fail(f"invalid URL: {exc}") from None
        except httpx.UnsupportedProtocol:
            raise _Fail("not an http(s) URL") from None
        except httpx.HTTPError as exc:
            raise _Fail(f"{type(exc).__name__}: {exc}") from None
        if attempt >= RETRIES:
            raise _Fail(f"{retry_reason} (after {attempt + 1} attempts)")
        await asyncio.sleep(BACKOFF * 2**attempt)
        attempt += 1


def _tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _read(resp: httpx.Response, max_bytes: int) -> bytes:
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Fail(f"response of {int(declared)} bytes is larger than the limit of {max_bytes}")
    chunks, total = [], 0
    async for chunk in resp.aiter_bytes():
        total += len(chunk)
        if total > max_bytes:
            raise _Fail(f"response larger than the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _read_local(path: str, max_bytes: int) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise _Fail(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise _Fail(f"file larger than the limit of {max_bytes} bytes")
    return data


async def _payloads(
    client: httpx.AsyncClient, feed: FeedConfig, kind: FeedKind, targets: Sequence[str]
) -> list[Payload]:
    max_bytes = int(feed.options.get("max_bytes") or MAX_BYTES)
    remote = [t for t in targets if is_url(t)]
    if len(remote) != len(targets) and not kind.local_ok:
        raise _Fail("not an http(s) URL")
    headers = {"Accept": _ACCEPT[kind.expects], "User-Agent": USER_AGENT}
    token = bearer_token(feed) if remote else None
    if token:
        headers["Authorization"] = f"Bearer {token}"

    def label(t: str) -> str:
        return f"GET {urlsplit(t).path}: " if len(targets) > 1 else ""

    jobs = [
        _get(client, feed, kind, t, headers, max_bytes, label(t))
        if is_url(t)
        else asyncio.to_thread(_read_local, t, max_bytes)
        for t in targets
    ]
    return list(await asyncio.gather(*jobs))


async def fetch_feed(
    client: httpx.AsyncClient, feed: FeedConfig, *, now: float | None = None, service_for: ServiceFor | None = None
) -> FeedResult:
    """Fetch and parse one feed within ``feed.timeout``; never raises (except cancellation)."""
    started = time.monotonic()
    now = time.time() if now is None else now
    service_for = service_for or (lambda name: name)
    url = url_label(feed.url.strip())
    report: FeedReport | None = None
    error: str | None = None
    try:
        try:
            kind = get_kind(feed.kind)
        except KeyError as exc:
            raise _Fail(str(exc.args[0]) if exc.args else "unknown feed kind") from None
        targets = kind.urls(feed)
        url = url_label(targets[0]) if len(targets) == 1 else url
        async with asyncio.timeout(feed.timeout):
            payloads = await _payloads(client, feed, kind, targets)
        report = kind.parse(payloads, feed, now, service_for)
    except FeedError as exc:
        error = f"feed {feed.name} ({url_label(exc.url)}): {exc.message}"
    except TimeoutError:
        error = f"feed {feed.name} ({url}): timed out after {feed.timeout:g}s"
    except _Fail as exc:
        error = f"feed {feed.name} ({url}): {one_line(exc)}"
    except Exception as exc:  # a parser bug must not take the other feeds down
        error = f"feed {feed.name} ({url}): internal error: {type(exc).__name__}: {one_line(exc, 200)}"
    return FeedResult(feed.name, feed.kind, error is None, report, error, time.time(), time.monotonic() - started, url)


def _failed(feed: FeedConfig, why: str) -> FeedResult:
    """A feed that could not be fetched at all: ``why`` after 'feed X (URL): '."""
    error = f"feed {feed.name} ({url_label(feed.url)}): {why}"
    return FeedResult(feed.name, feed.kind, False, None, error, time.time())


async def poll_all(
    feeds: Iterable[FeedConfig],
    *,
    client: httpx.AsyncClient | None = None,
    service_for: ServiceFor | None = None,
    now: float | None = None,
    in_flight: int = MAX_IN_FLIGHT,
) -> list[FeedResult]:
    """Poll every feed concurrently (one round trip for all); results in the order of ``feeds``.

    Feeds are fetched through clients made here, one per CA (its TLS context shared) on the light transport
    (:mod:`~opgtui.sources.feeds.transport`); with a proxy in the environment, through httpx's own transport,
    each client shared by at most FEEDS_PER_CLIENT feeds: httpx's pool assigns waiting requests to connections
    in O(N^2) (encode/httpx#3215), so 200 feeds through one pool took 10x one round trip. Feeds with ``options.ca``
    trust that CA; the rest use ``client`` when one is given. At most ``in_flight`` feeds are fetched at
    once (file descriptors, the servers); a feed's deadline starts when its turn comes.
    """
    feeds = list(feeds)
    now = time.time() if now is None else now
    contexts: dict[str, ssl.SSLContext] = {}
    current: dict[str, httpx.AsyncClient] = {}  # per CA: the client the next feed shares
    uses: dict[str, int] = {}
    owned: list[httpx.AsyncClient] = []
    gate = asyncio.Semaphore(max(1, in_flight))
    proxies = bool(getproxies())
    # httpx's pool (used with a proxy) is quadratic in the requests it holds: small clients; the light transport
    # has no pool, so one client (and one resolver cache) serves every feed of a CA
    per_client = FEEDS_PER_CLIENT if proxies else max(1, len(feeds))

    def client_for(feed: FeedConfig) -> httpx.AsyncClient:
        ca = str(feed.options.get("ca") or "")
        if client is not None and not ca:
            return client
        if ca not in contexts:
            contexts[ca] = tls_context(ca or None)
        if uses.get(ca, 0) % per_client == 0:
            current[ca] = make_client(tls=contexts[ca], proxies=proxies)
            owned.append(current[ca])
        uses[ca] = uses.get(ca, 0) + 1
        return current[ca]

    async def one(feed: FeedConfig) -> FeedResult:
        async with gate:
            try:
                c = client_for(feed)
            except (OSError, ssl.SSLError) as exc:
                return _failed(feed, f"options.ca {feed.options.get('ca')}: cannot load: {one_line(exc, 200)}")
            return await fetch_feed(c, feed, now=now, service_for=service_for)

    try:
        done = await asyncio.gather(*(one(f) for f in feeds), return_exceptions=True)
    finally:
        for c in owned:
            await c.aclose()
    results = []
    for feed, res in zip(feeds, done, strict=True):
        if isinstance(res, FeedResult):
            results.append(res)
        else:
            if isinstance(res, asyncio.CancelledError):
                raise res
            results.append(_failed(feed, f"internal error: {one_line(res, 200)}"))
    return results
