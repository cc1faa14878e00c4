"""The prometheus feed against a real Prometheus on 127.0.0.1 (Debian's prometheus) scraping itself."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from feedserver import Daemon, free_port

from opgtui.config import FeedConfig
from opgtui.sources.feeds.poll import FeedResult, fetch_feed

BINARY = shutil.which("prometheus") or "/usr/bin/prometheus"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(BINARY).exists():
        pytest.skip(
            "prometheus is not installed: run `apt-get install prometheus prometheus-alertmanager` (CI installs them)"
        )
    tmp = tmp_path_factory.mktemp("prometheus")
    port = free_port()
    (tmp / "prom.yml").write_text(f"""\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:{port}']
        labels: {{service: prometheus}}
  - job_name: samweb_probe
    static_configs:
      - targets: ['127.0.0.1:1']   # nothing listens here: up == 0
        labels: {{service: samweb}}
""")
    base = f"http://127.0.0.1:{port}"
    daemon = Daemon(
        [
            BINARY,
            f"--config.file={tmp / 'prom.yml'}",
            f"--storage.tsdb.path={tmp / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        tmp / "prometheus.log",
        f"{base}/-/ready",
        timeout=20,
    )
    try:
        yield base
    finally:
        daemon.stop()


async def test_up_query(prometheus: str) -> None:
    feed = FeedConfig("prom-live", "prometheus", prometheus, timeout=5)
    result: FeedResult | None = None
    deadline = time.monotonic() + 25  # the first `up` series takes ~5.5 s
    async with httpx.AsyncClient(trust_env=False) as client:
        while time.monotonic() < deadline:
            result = await fetch_feed(client, feed)
            if result.ok and result.report and len(result.report.states) == 2:
                break
            await asyncio.sleep(0.5)
    assert result is not None and result.ok, result and result.error
    states = {s.service: s for s in result.report.states}  # type: ignore[union-attr]
    assert set(states) == {"prometheus", "samweb"}, states
    assert states["prometheus"].state == "up"
    assert states["samweb"].state == "down"
    assert "127.0.0.1:1" in states["samweb"].detail
