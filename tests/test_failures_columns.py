"""The failure summary sizes its columns from what they hold (review finding 2): Verdict and Jobs as wide as their
words and counts, the room left to the cause's title first, then the outage's place (a node's whole name), and
Sites only where it still has room (the detail pane lists them). The demo at a fixed "now", on UTC, NO_COLOR=1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_label_proposal import until

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.demo.build import build_demo
from opgtui.screens.failures import CAUSE_WANT, FailureSummaryScreen, column_widths

NOW = 1_796_000_000.0  # 2026-11-30 00:53:20 UTC: the demo's jobs and outages are replayed around it
NODE = "node brown-a217.rcac.purdue.edu"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    """The built-in demo as of NOW, on UTC."""
    cfg, store = build_demo(tmp_path_factory.mktemp("demo"), NOW)
    cfg.timezone = "UTC"
    return cfg, store


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The clock stopped a minute after NOW, the machine's zone UTC, NO_COLOR=1."""
    monkeypatch.setattr(time, "time", lambda: NOW + 60)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def summary(pilot: Any) -> None:
    """2, F, and wait until the causes are weighed (the population's places are in)."""
    app = pilot.app
    await pilot.press("2")
    await until(pilot, lambda: getattr(app.screen, "loaded_at", None) is not None, "the jobs")
    await pilot.press("F")
    await until(pilot, lambda: isinstance(app.screen, FailureSummaryScreen) and app.screen.weighed, "the causes")
    await pilot.pause()


async def rows(demo: tuple[Config, Any], size: tuple[int, int]) -> tuple[list[str], dict[str, str]]:
    """The screen's lines, and the table's row of each cause by its first word of title."""
    app = OpgApp(*demo, demo=True, refresh_loop=False)
    async with app.run_test(size=size) as pilot:
        await summary(pilot)
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
    start = next(i for i, line in enumerate(lines) if line.startswith(" Verdict")) + 1
    table = lines[start : next(i for i, line in enumerate(lines) if line.startswith("─"))]
    return lines, {line.split()[2]: line for line in table if line.strip()}


def test_widths_come_from_the_content() -> None:
    cells = [["SERVICE", "60", "t" * 30, "samweb 10:02-10:45", "FNAL_GPGrid 3"], ["CODE", "8", "u", "", "MIT 1"]]
    verdict, jobs, cause, outage, sites = column_widths(120, cells)
    assert (verdict, jobs, outage) == (7, 4, 18)  # 'Verdict' and 'Jobs' are the widest words
    assert cause + outage + sites + verdict + jobs + 2 * 5 == 120  # the cause takes what Sites leaves
    wide = [["RESOURCE", "12,345", "t" * 90, NODE, "s" * 60]]
    assert column_widths(120, wide)[:2] == (8, 6)
    assert column_widths(120, wide)[2:4] == (CAUSE_WANT, len(NODE))  # the cause first, then the whole node
    assert len(column_widths(80, wide)) == 4  # no room for Sites: the cause has it
    for width in (60, 80, 100, 120, 200):
        for reserve in (0, 2):
            widths = column_widths(width, wide, reserve)
            assert sum(widths) + 2 * len(widths) + reserve == width


@pytest.mark.usefixtures("frozen")
async def test_at_80_columns_the_cause_has_every_spare_column(demo: tuple[Config, Any]) -> None:
    lines, by = await rows(demo, (80, 24))
    assert all(len(line) <= 80 for line in lines)
    for title in ("Memory usage exceeded the request", "CVMFS could not load its root catalog"):
        assert title in by[title.split()[0]], by  # both were cut at 26 ('CVMFS could not load its …')
    assert by["FHiCL"].split("FHiCL")[1].startswith(" tried to overwrite a protected")
    assert by["SAMweb"].rstrip().endswith("samweb 19:43-20:27")  # the outage's span stays whole
    assert "FNAL_GPGrid" not in by["FHiCL"]  # Sites gave its room to the cause
    assert any(line.startswith("   sites: FNAL_GPGrid 29") for line in lines)  # the detail still lists them


@pytest.mark.usefixtures("frozen")
async def test_at_120_columns_the_node_is_named_whole_and_sites_stay(demo: tuple[Config, Any]) -> None:
    lines, by = await rows(demo, (120, 40))
    assert NODE in by["CVMFS"], by["CVMFS"]  # was 'node brown-a217.r…' with 23 empty columns at the right
    assert "FHiCL tried to overwrite a protected parameter" in by["FHiCL"]
    assert "FNAL_GPGrid 29" in by["FHiCL"] and by["FHiCL"].rstrip().endswith("…")
    assert all(len(line) <= 120 for line in lines)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_failure_summary_layout(snap_compare: Any, demo: tuple[Config, Any], frozen: None, size: Any) -> None:
    assert snap_compare(OpgApp(*demo, demo=True, refresh_loop=False), terminal_size=size, run_before=summary)
