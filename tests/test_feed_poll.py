"""poll_all / fetch_feed against a local HTTP server: concurrency, failures, retries, tokens."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from feedserver import FeedServer, free_port

from opgtui.config import FeedConfig
from opgtui.core.textsafe import url_label
from opgtui.sources.feeds import poll
from opgtui.sources.feeds.poll import FeedResult, fetch_feed, poll_all

DATA = Path(__file__).parent / "data" / "feeds"
NOW = 1795576400.0  # 2026-11-25 03:13 UTC, while the recorded alerts fire


def payload(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        yield srv


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False, follow_redirects=True) as c:
        yield c


def serve_all_kinds(srv: FeedServer, prefix: str, delay: float | None = None) -> list[FeedConfig]:
    """One feed of every kind served under ``prefix``, named ``<prefix>-<kind>``."""
    name = prefix.strip("/")
    srv.add(f"{prefix}/am/api/v2/alerts", payload("am025_alerts.json"), delay=delay)
    srv.add(f"{prefix}/am/api/v2/silences", payload("am025_silences.json"), delay=delay)
    srv.add(f"{prefix}/prom/api/v1/query", payload("prom242_query_up.json"), delay=delay)
    srv.add(f"{prefix}/sp/api/v2/summary.json", payload("statuspage_htx_summary.json"), delay=delay)
    srv.add(f"{prefix}/osg.yaml", payload("osg_GPGRID_downtime.yaml"), content_type="text/plain", delay=delay)
    srv.add(f"{prefix}/gocdb", payload("gocdb_get_downtime_example.xml"), content_type="text/xml", delay=delay)
    srv.add(f"{prefix}/native.json", b'{"services": [{"name": "x", "state": "up"}]}', delay=delay)
    return [
        FeedConfig(f"{name}-am", "alertmanager", srv.url(f"{prefix}/am")),
        FeedConfig(f"{name}-prom", "prometheus", srv.url(f"{prefix}/prom")),
        FeedConfig(f"{name}-sp", "statuspage", srv.url(f"{prefix}/sp")),
        FeedConfig(f"{name}-osg", "osg_downtime", srv.url(f"{prefix}/osg.yaml")),
        FeedConfig(f"{name}-gocdb", "gocdb", srv.url(f"{prefix}/gocdb")),
        FeedConfig(f"{name}-native", "native", srv.url(f"{prefix}/native.json")),
    ]


def by_name(results: list[FeedResult]) -> dict[str, FeedResult]:
    return {r.feed: r for r in results}


# ---------------------------------------------------------------- concurrency


async def test_twenty_feeds_cost_one_round_trip() -> None:
    with FeedServer(delay=0.3) as srv:
        feeds = []
        for i in range(4):
            feeds += serve_all_kinds(srv, f"/s{i}")
        feeds = feeds[:20]
        t0 = time.monotonic()
        results = await poll_all(feeds, now=NOW)  # its own client
        wall = time.monotonic() - t0
    assert [r.feed for r in results] == [f.name for f in feeds]
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    assert 0.3 <= wall < 1.0, wall
    am = by_name(results)["s0-am"].report
    assert am is not None and {s.service: s.state for s in am.states}["samweb"] == "down"


async def test_every_kind_through_http(server: FeedServer, client: httpx.AsyncClient) -> None:
    feeds = serve_all_kinds(server, "/k")
    results = by_name(await poll_all(feeds, client=client, now=NOW, service_for=lambda n: {"sam": "samweb"}.get(n, n)))
    assert all(r.ok for r in results.values()), [r.error for r in results.values()]
    assert results["k-prom"].report.states[1].state == "down"  # type: ignore[union-attr]
    assert len(results["k-osg"].report.windows) == 11  # type: ignore[union-attr]
    assert results["k-gocdb"].report.windows[0].ext_id == "113653G0"  # type: ignore[union-attr]
    assert results["k-sp"].url == server.url("/k/sp/api/v2/summary.json")
    assert results["k-am"].fetched >= NOW
    accept = server.headers_for("/k/prom/api/v1/query")[0]["accept"]
    assert accept == "application/json"
    assert server.headers_for("/k/prom/api/v1/query")[0]["user-agent"].startswith("opgtui")


# ---------------------------------------------------------------- failures


async def test_one_bad_feed_never_affects_the_others(server: FeedServer, client: httpx.AsyncClient) -> None:
    good = serve_all_kinds(server, "/g")
    server.slow("/slow/api/v1/query", 3.0)
    server.error("/err/api/v1/query", 500)
    server.html("/html/api/v1/query")
    server.error("/missing/api/v1/query", 404)
    server.error("/auth/api/v1/query", 401)
    server.add("/junk/api/v1/query", b'{"status": "success", "data": {"resultType": "vector", "result": [1]}}')
    bad = [
        FeedConfig("slow", "prometheus", server.url("/slow"), timeout=0.5),
        FeedConfig("err", "prometheus", server.url("/err")),
        FeedConfig("html", "prometheus", server.url("/html")),
        FeedConfig("missing", "prometheus", server.url("/missing")),
        FeedConfig("auth", "prometheus", server.url("/auth")),
        FeedConfig("junk", "prometheus", server.url("/junk")),
        FeedConfig("refused", "prometheus", f"http://127.0.0.1:{free_port()}"),
        FeedConfig("kind", "nagios", server.url("/x")),
        FeedConfig("nofile", "native", "/nonexistent/opgtui/windows.yaml"),
        FeedConfig("ftp", "prometheus", "ftp://127.0.0.1/x"),
    ]
    t0 = time.monotonic()
    results = by_name(await poll_all([*bad, *good], client=client, now=NOW))
    wall = time.monotonic() - t0
    assert all(results[f.name].ok for f in good)
    errors = {f.name: results[f.name].error or "" for f in bad}
    assert not any(results[f.name].ok for f in bad)
    assert errors["slow"] == f"feed slow ({server.url('/slow/api/v1/query?query=…')}): timed out after 0.5s"
    assert "HTTP 500 Internal Server Error (after 3 attempts)" in errors["err"]
    assert errors["html"].endswith("not JSON: got text/html")
    assert errors["missing"].endswith("HTTP 404 Not Found")
    assert errors["auth"].endswith("HTTP 401 Unauthorized (check token_env/token_file)")
    assert "result[0]: expected an object" in errors["junk"]
    assert "cannot connect" in errors["refused"] and "(after 3 attempts)" in errors["refused"]
    assert "unknown feed kind 'nagios'" in errors["kind"]
    assert "cannot read: No such file or directory" in errors["nofile"]
    assert errors["ftp"].endswith("not an http(s) URL")
    assert all("\n" not in e and e.startswith(f"feed {n} (") for n, e in errors.items())
    assert wall < 2.5, wall  # the slow feed's deadline, not the sum of everything


async def test_retry_then_success(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.add("/flaky/api/v1/query", payload("prom242_query_up.json"), fail_first=2)
    r = await fetch_feed(client, FeedConfig("flaky", "prometheus", server.url("/flaky")), now=NOW)
    assert r.ok, r.error
    assert len(server.headers_for("/flaky/api/v1/query")) == 3


async def test_second_request_failing_is_named(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.add("/am/api/v2/alerts", payload("am025_alerts.json"))
    server.error("/am/api/v2/silences", 503)
    r = await fetch_feed(client, FeedConfig("am", "alertmanager", server.url("/am")), now=NOW)
    assert not r.ok
    assert r.error == (
        f"feed am ({server.url('/am')}): GET /am/api/v2/silences: HTTP 503 Service Unavailable (after 3 attempts)"
    )


async def test_size_limit_and_parser_bug(
    server: FeedServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add("/big/api/v1/query", payload("prom242_query_up.json"))
    r = await fetch_feed(client, FeedConfig("big", "prometheus", server.url("/big"), options={"max_bytes": 100}))
    assert not r.ok and "larger than the limit of 100" in (r.error or "")

    from opgtui.sources.feeds import get_kind

    kind = get_kind("prometheus")
    broken = type(kind)(kind.name, kind.urls, lambda *a: 1 / 0, kind.expects, kind.local_ok)  # type: ignore[arg-type,return-value]
    monkeypatch.setattr(poll, "get_kind", lambda name: broken)
    results = await poll_all([FeedConfig("p", "prometheus", server.url("/big"))], client=client)
    assert results[0].error and "internal error: ZeroDivisionError" in results[0].error


# ---------------------------------------------------------------- tokens and secrets


async def test_bearer_token_from_env(
    server: FeedServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add("/t/api/v1/query", payload("prom242_query_up.json"))
    monkeypatch.setenv("OPGTUI_TEST_TOKEN", "s3cret-token")
    r = await fetch_feed(client, FeedConfig("t", "prometheus", server.url("/t"), token_env="OPGTUI_TEST_TOKEN"))
    assert r.ok
    assert server.headers_for("/t/api/v1/query")[-1]["authorization"] == "Bearer s3cret-token"
    monkeypatch.delenv("OPGTUI_TEST_TOKEN")
    r = await fetch_feed(client, FeedConfig("t", "prometheus", server.url("/t"), token_env="OPGTUI_TEST_TOKEN"))
    assert not r.ok and "token_env OPGTUI_TEST_TOKEN is not set" in (r.error or "")


async def test_token_file_permissions(server: FeedServer, client: httpx.AsyncClient, tmp_path: Path) -> None:
    server.add("/tf/api/v1/query", payload("prom242_query_up.json"))
    token = tmp_path / "am.token"
    token.write_text("file-token-123\n")
    os.chmod(token, 0o644)
    f = FeedConfig("tf", "prometheus", server.url("/tf"), token_file=str(token))
    r = await fetch_feed(client, f)
    assert not r.ok
    assert f"token_file {token} is accessible by group/others (mode 0644): refused; run chmod 600" in (r.error or "")
    assert "file-token-123" not in (r.error or "")
    assert server.headers_for("/tf/api/v1/query") == []  # nothing was sent
    os.chmod(token, 0o600)
    r = await fetch_feed(client, f)
    assert r.ok, r.error
    assert server.headers_for("/tf/api/v1/query")[-1]["authorization"] == "Bearer file-token-123"
    token.write_text("two words\n")
    r = await fetch_feed(client, f)
    assert not r.ok and "spaces or control characters" in (r.error or "") and "two" not in (r.error or "")
    r = await fetch_feed(client, FeedConfig("tf", "prometheus", server.url("/tf"), token_file=str(tmp_path / "none")))
    assert not r.ok and "cannot read" in (r.error or "")


async def test_credentials_in_urls_are_not_shown(client: httpx.AsyncClient) -> None:
    port = free_port()
    r = await fetch_feed(client, FeedConfig("c", "prometheus", f"http://user:hunter2@127.0.0.1:{port}", timeout=2))
    assert not r.ok and "hunter2" not in (r.error or "") and "hunter2" not in r.url
    assert url_label("https://u:p@h.org:8443/x?token=s3cret&s3cret2") == "https://h.org:8443/x?token=…&…"


async def test_native_local_file(tmp_path: Path, client: httpx.AsyncClient) -> None:
    path = tmp_path / "windows.yaml"
    path.write_text("windows: [{service: dcache, start: 2026-11-25T00:00:00Z, end: 2026-11-26T00:00:00Z}]\n")
    r = await fetch_feed(client, FeedConfig("manual", "native", f"file://{path}"), now=NOW)
    assert r.ok, r.error
    assert [(s.service, s.state) for s in r.report.states] == [("dcache", "maintenance")]  # type: ignore[union-attr]


def self_signed(tmp: Path) -> tuple[Path, Path]:
    import shutil
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_tls_untrusted_fails_at_once_and_options_ca_trusts(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    with FeedServer(tls=(cert, key)) as srv:
        srv.add("/p/api/v1/query", payload("prom242_query_up.json"))
        plain = FeedConfig("plain", "prometheus", srv.url("/p"))
        trusted = FeedConfig("trusted", "prometheus", srv.url("/p"), options={"ca": str(cert)})
        missing = FeedConfig("missing", "prometheus", srv.url("/p"), options={"ca": str(tmp_path / "none.pem")})
        t0 = time.monotonic()
        results = by_name(await poll_all([plain, trusted, missing], now=NOW))
        assert time.monotonic() - t0 < 0.5  # no retries for a certificate problem
    assert not results["plain"].ok
    assert "TLS:" in (results["plain"].error or "") and "CERTIFICATE_VERIFY_FAILED" in (results["plain"].error or "")
    assert "attempts" not in (results["plain"].error or "")
    assert results["trusted"].ok, results["trusted"].error
    assert not results["missing"].ok and "options.ca" in (results["missing"].error or "")


# ---------------------------------------------------------------- a bounded round


def prometheus_feeds(srv: FeedServer, n: int) -> list[FeedConfig]:
    """``n`` Prometheus feeds p0..p<n-1>, each its own path on ``srv``."""
    for i in range(n):
        srv.add(f"/p{i}/api/v1/query", payload("prom242_query_up.json"))
    return [FeedConfig(f"p{i}", "prometheus", srv.url(f"/p{i}")) for i in range(n)]


async def test_bounded_round_still_fetches_every_feed() -> None:
    with FeedServer(delay=0.2) as srv:
        feeds = prometheus_feeds(srv, 6)
        t0 = time.monotonic()
        results = await poll_all(feeds, now=NOW, in_flight=2)
        wall = time.monotonic() - t0
    assert [r.feed for r in results] == [f.name for f in feeds]
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    assert wall >= 3 * 0.2  # two at a time: three turns


async def test_a_slow_feed_delays_the_others_no_longer_than_its_deadline() -> None:
    with FeedServer(delay=0.1) as srv:
        slow = FeedConfig("slow", "prometheus", srv.url("/slow"), timeout=0.5)
        srv.slow("/slow/api/v1/query", 10.0)
        fast = prometheus_feeds(srv, 4)
        t0 = time.monotonic()
        results = by_name(await poll_all([slow, *fast], now=NOW, in_flight=2))
        wall = time.monotonic() - t0
    assert not results["slow"].ok and "timed out after 0.5s" in (results["slow"].error or "")
    assert all(results[f.name].ok for f in fast), [results[f.name].error for f in fast]
    assert all(results[f.name].elapsed < 0.5 for f in fast)  # none waited for the slow one
    assert wall < 2.0  # the round ends at the slow feed's deadline, not at its server's 10 s
