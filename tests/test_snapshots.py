"""Layout at 80x24 as SVG snapshots (pytest-textual-snapshot): the status board with an outage and a banner.

Regenerate after an intended layout change with `pytest tests/test_snapshots.py --snapshot-update` and look
at the SVGs before committing them.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from opgtui.app import OpgApp
from opgtui.config import parse_config
from opgtui.core.model import Announcement, ServiceState, Window
from opgtui.store import open_store

NOW = 1_795_600_000.0  # 2026-11-25 09:46:40 UTC


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: NOW)


def status_app(tmp_path: Path) -> OpgApp:
    cfg = parse_config(
        "timezone: UTC\nservices:\n  - {name: samweb, critical: true}\n  - {name: dcache, critical: true}\n"
        "  - {name: cvmfs}\n  - {name: xrootd}\nexperiments:\n  - {name: nova, depends_on: [samweb, dcache]}\n"
        "feeds:\n  - {name: am, kind: alertmanager, url: 'http://127.0.0.1:9', interval: 60}\n",
        Path("c.yaml"),
    )
    cfg.store = tmp_path / "s.db"
    store = open_store(cfg.store)
    t = NOW - 20 * 3600
    states = [ServiceState(s, "up", t, "am") for s in ("samweb", "dcache", "cvmfs", "xrootd")]
    store.record_feed("am", "alertmanager", fetched=t, ok=True, states=states)
    store.record_feed(
        "am",
        "alertmanager",
        fetched=NOW - 5 * 3600,
        ok=True,
        states=[ServiceState("samweb", "down", NOW - 5 * 3600, "am", "HTTP 503")],
    )
    store.record_feed(
        "am",
        "alertmanager",
        fetched=NOW - 4 * 3600,
        ok=True,
        states=[ServiceState("samweb", "up", NOW - 4 * 3600, "am")],
    )
    store.record_feed(
        "am",
        "alertmanager",
        fetched=NOW - 60,
        ok=True,
        states=[ServiceState("dcache", "down", NOW - 43 * 60, "am", "no read pools online")],
        windows=[
            Window(
                "cvmfs",
                "maintenance",
                NOW + 2 * 3600,
                NOW + 3 * 3600,
                "am",
                description="stratum-1 reboot",
                ext_id="m1",
            )
        ],
    )
    store.post_announcement(
        Announcement("dCache pools offline: hold DUNE submissions", "warning", "shifter"), NOW - 600
    )
    return OpgApp(cfg, store, refresh_loop=False)


def test_status_board_80x24(snap_compare, tmp_path: Path, frozen: None) -> None:
    assert snap_compare(status_app(tmp_path), terminal_size=(80, 24))


def failures_app(tmp_path: Path) -> OpgApp:
    from opgtui.core.model import Finding, Job, JobStatus, Verdict

    cfg = parse_config("timezone: UTC\n", Path("c.yaml"))
    cfg.store = tmp_path / "s.db"
    store = open_store(cfg.store)
    sam = Window("samweb", "outage", NOW - 5 * 3600, NOW - 4 * 3600, "am", ext_id="a")
    sites = ("FNAL_GPGrid", "Purdue-Brown", "Wisconsin")
    jobs, verdicts = [], {}
    for i in range(30):
        kind = "service" if i < 14 else "code" if i < 24 else None
        held = kind is None
        j = Job(
            f"jobsub01#{500 + i}.0",
            "jobsub01",
            500 + i,
            0,
            owner="novapro",
            site=sites[i % 3],
            status=JobStatus.HELD if held else JobStatus.COMPLETED,
            exit_code=None if held else 1,
            hold_code=34 if held else None,
            start_time=NOW - 6 * 3600,
            end_time=None if held else NOW - 3 * 3600,
            status_since=NOW - 3 * 3600,
        )
        jobs.append(j)
        if kind == "service":
            verdicts[j.id] = Verdict(
                "service",
                "retry",
                "sam_fetch_error",
                "ifdh could not reach SAM",
                [Finding("sam_fetch_error", "service", 80, "FetchError", "samweb")],
                "confident",
                "samweb DOWN overlapped this job",
                [sam],
            )
        elif kind == "code":
            verdicts[j.id] = Verdict("code", "debug", "fhicl_parse", "FHiCL parse error", [], "confident", "")
    store.upsert_jobs(jobs)
    store.save_verdicts(verdicts, NOW)
    return OpgApp(cfg, store, refresh_loop=False)


def test_failure_summary_80x24(snap_compare, tmp_path: Path, frozen: None) -> None:
    async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("2")
        await pilot.pause(0.5)
        await pilot.press("F")
        await pilot.pause(0.5)

    assert snap_compare(failures_app(tmp_path), terminal_size=(80, 24), run_before=settle)
