"""`opgtui demo`: the bundled data goes through the real loaders, parsers and diagnosis into a store
that tells the demo's story, and the dashboard opens on it."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from opgtui.demo.build import build_demo
from opgtui.services import board


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    return build_demo(tmp_path_factory.mktemp("demo"))


def test_jobs_from_every_bundled_dump(demo) -> None:
    _cfg, store = demo
    jobs = store.jobs()
    sources = Counter(Path(j.source or "").name for j in jobs)
    assert len(jobs) >= 600
    assert {"queue.json", "history.long"} <= set(sources)
    assert any(j.site == "FNAL_GPGrid" and j.last_host == "fnpc4108.fnal.gov" for j in jobs)  # real 2017 DUNE ad
    assert any(j.hold_code == 34 and "Docker job has gone over memory limit" in (j.hold_reason or "")
               for j in jobs)  # real CHTC held ad
    assert store.conn.execute("SELECT count(*) FROM job_events").fetchone()[0] > 50


def test_times_are_replayed_around_now(demo) -> None:
    _cfg, store = demo
    now = time.time()
    ends = [j.end_time for j in store.jobs() if j.end_time]
    assert max(ends) <= now + 60 and min(ends) > now - 3 * 86400


def test_board_tells_the_story(demo) -> None:
    cfg, store = demo
    rows = {r.service: r for r in board(cfg, store)}
    assert rows["samweb"].state == "up"
    assert rows["dcache"].state == "degraded"
    assert rows["dcache"].next_maintenance is not None
    (sam,) = store.windows("samweb", kind="outage")
    assert sam.end is not None and round((sam.end - sam.start) / 60) in (43, 44, 45)


def test_verdicts_read_as_a_handful_of_causes(demo) -> None:
    _cfg, store = demo
    verdicts = store.verdicts()
    by_category = Counter(v.category for v in verdicts.values())
    assert by_category["service"] >= 20  # SAM fetch failures during the outage, the broken-CVMFS node
    assert by_category["code"] >= 40  # the FHiCL typo batch, segfaults
    assert by_category["resource"] >= 20  # memory holds, SIGKILL
    signatures = Counter(v.signature for v in verdicts.values() if v.signature)
    assert len(signatures) <= 15  # ~150 failures, a handful of causes
    sam = [v for v in verdicts.values() if v.category == "service" and v.windows]
    assert sam and any("samweb" in w.service for v in sam for w in v.windows)
