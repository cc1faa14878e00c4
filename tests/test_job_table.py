"""The job table widget at 100,000 rows and at 80x24, in a real app under the Pilot."""

from __future__ import annotations

import time
from typing import Any

from rich.style import Style
from test_joblist import NOW, jobs
from textual.app import App, ComposeResult
from textual.geometry import Region

from opgtui.core.model import Job, JobStatus
from opgtui.domain.joblist import Row, build_rows, group_rows, quick_filter, sort_indices
from opgtui.widgets.job_table import JobTable, layout


class TableApp(App[None]):
    def __init__(self, rows: list[Row], indices: list[int]) -> None:
        super().__init__()
        self.rows, self.indices = rows, indices
        self.selected: list[str] = []
        self.groups_opened: list[str] = []
        self.sort_requests: list[str] = []
        self.moves = 0

    def compose(self) -> ComposeResult:
        yield JobTable(id="t")

    def on_mount(self) -> None:
        table = self.query_one(JobTable)
        table.set_rows(self.rows, self.indices)
        table.focus()

    def on_job_table_selected(self, event: JobTable.Selected) -> None:
        self.selected.append(event.row.job_id)

    def on_job_table_group_selected(self, event: JobTable.GroupSelected) -> None:
        self.groups_opened.append(event.group.key)

    def on_job_table_sort_requested(self, event: JobTable.SortRequested) -> None:
        self.sort_requests.append(event.column)

    def on_job_table_cursor_moved(self, _event: JobTable.CursorMoved) -> None:
        self.moves += 1


def lines(app: TableApp, n: int) -> list[str]:
    table = app.query_one(JobTable)
    return [table.render_line(y).text for y in range(n)]


def hostile_jobs() -> list[Job]:
    return [
        Job(
            "s#1.0",
            "s",
            1,
            0,
            jobsub_id="[/foo]",
            owner="[/foo]",
            hold_reason="[@click=app.bell]x[/] x [/",
            status=JobStatus.HELD,
            site="[b]Site",
            last_host="[link=file:///etc/passwd]h[/link]",
        ),
        Job(
            "s#2.0",
            "s",
            2,
            0,
            jobsub_id="[@click=app.bell]x[/]",
            owner="\x1b[2J",
            status=JobStatus.HELD,
            hold_reason="\x1b]52;c;cHduZWQ=\x07copied \x1b]0;title\x07 \x9b31m",
        ),
        Job(
            "s#3.0",
            "s",
            3,
            0,
            owner="nova\tpro\r",
            status=JobStatus.COMPLETED,
            exit_code=1,
            batch_name="[red]batch[/red]",
        ),
    ]


async def test_hundred_thousand_rows_first_screen_and_cursor() -> None:
    rows = build_rows(jobs(100_000, seed=3), now=NOW)
    app = TableApp(rows, list(range(len(rows))))
    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert time.perf_counter() - started < 10  # generous; bench/bench_joblist.py measures the real number
        table = app.query_one(JobTable)
        shown = lines(app, 4)
        assert shown[0].lstrip().startswith("St") and "Job" in shown[0] and "Hold / exit reason" in shown[0]
        assert "1000.0@jobsub01" in shown[1] and "1000.1@jobsub01" in shown[2] and "1000.2@jobsub01" in shown[3]
        assert table.cursor == 0 and table.cursor_row is rows[0]
        assert table.virtual_size.height == 100_001  # one line per job under the header
        await pilot.press("down", "down")
        assert table.cursor == 2
        await pilot.press("pagedown")
        assert table.cursor == 2 + table.page_size == 2 + 39  # 40 lines less the header
        assert table.scroll_offset.y > 0
        await pilot.press("up")
        assert table.cursor == 40
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row is rows[-1]
        assert f"{rows[-1].job.cluster}.{rows[-1].job.proc}@" in lines(app, 40)[-1]
        await pilot.press("pageup", "enter")
        await pilot.pause()
        assert app.selected == [rows[-1 - table.page_size].job_id]
        await pilot.press("home")
        assert table.cursor == 0 and table.scroll_offset.y == 0
        assert app.moves >= 5


async def test_only_the_two_changed_lines_are_redrawn_on_a_cursor_move() -> None:
    rows = build_rows(jobs(500), now=NOW)
    app = TableApp(rows, list(range(len(rows))))
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(JobTable)
        await pilot.pause()
        regions: list[Any] = []
        original = table.refresh
        table.refresh = lambda *r, **kw: (regions.extend(r or ["all"]), original(*r, **kw))[1]  # type: ignore
        await pilot.press("down")
        assert regions == [Region(0, 1, 100, 1), Region(0, 2, 100, 1)]
        before = len(table._cache)
        await pilot.pause()
        assert len(table._cache) <= before + 2  # the other lines come from the cache


async def test_marks_at_80x24() -> None:
    rows = build_rows(jobs(500), now=NOW)
    app = TableApp(rows, list(range(len(rows))))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(JobTable)
        await pilot.press("space", "space")
        assert table.marked == {rows[0].job_id, rows[1].job_id} and table.cursor == 2
        shown = lines(app, 4)
        assert shown[1].startswith("* ") and shown[2].startswith("* ") and shown[3].startswith("  ")
        await pilot.press("up", "space")
        assert table.marked == {rows[0].job_id}
        assert all(len(line) == 78 for line in lines(app, 24))  # 80 less the scrollbar
        # a narrower list keeps the marks it still shows and the cursor on the same job
        await pilot.press("down", "down", "down")
        cursor_job = table.cursor_row
        table.set_rows(rows, [0, 2, 3, 4, 5])
        assert table.marked == {rows[0].job_id} and table.cursor_row is cursor_job
        table.set_rows(rows, [2, 3, 4, 5])
        assert table.marked == set()


async def test_columns_fit_80_and_status_is_coloured() -> None:
    rows = build_rows(jobs(50), {"jobsub01.fnal.gov#1000.1": "service"}, now=NOW)
    app = TableApp(rows, list(range(len(rows))))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        header = lines(app, 1)[0]
        for title in ("St", "Job", "Site", "Hold / exit reason", "Verdict", "Age"):
            assert title in header
        assert "Host" not in header and "CPU/Wall" not in header  # dropped first when narrow
        table = app.query_one(JobTable)

        def colours() -> dict[str, Style]:
            out = {}
            for y, status in ((1, "held"), (3, "fail"), (6, "done"), (8, "idle"), (9, "run")):
                (seg,) = [s for s in table.render_line(y) if s.text.strip() == status]
                out[status] = seg.style
            return out

        def theme(name: str) -> str:
            return str(app.theme_variables[name]).lower()

        shown = colours()
        assert shown["held"].color.triplet.hex == theme("text-warning") and shown["held"].bold
        assert shown["fail"].color.triplet.hex == theme("text-error") and shown["fail"].bold
        assert shown["run"].color.triplet.hex == theme("text-success") and shown["idle"].dim
        assert "service" in lines(app, 3)[2]
        before = theme("text-error")
        app.theme = "gruvbox"  # a theme restyles the table: its colours are the theme's, not the table's own
        await pilot.pause()
        assert theme("text-error") != before and colours()["fail"].color.triplet.hex == theme("text-error")
    assert [c.key for c, _ in layout(200)] == [
        c for c in ("status", "id", "owner", "site", "host", "reason", "verdict", "cpu/wall", "efficiency", "age")
    ]
    for width in (40, 60, 80, 100, 120, 200):
        assert sum(w + 1 for _, w in layout(width)) + 2 <= max(width, 51)  # status, id and reason at their least


async def test_sort_indicator_and_header_click() -> None:
    rows = build_rows(jobs(50), now=NOW)
    app = TableApp(rows, sort_indices(rows, list(range(len(rows))), "age", reverse=True))
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(JobTable)
        table.set_sort("age", reverse=True)
        await pilot.pause()
        assert "Age▼" in lines(app, 1)[0]
        x = lines(app, 1)[0].index("Site")
        await pilot.click("#t", offset=(x + 1, 0))
        await pilot.pause()
        assert app.sort_requests == ["site"]
        await pilot.click("#t", offset=(10, 3))
        assert table.cursor == 2
        await pilot.double_click("#t", offset=(10, 4))
        await pilot.pause()
        assert app.selected == [table.cursor_row.job_id] and table.cursor == 3  # type: ignore[union-attr]


async def test_group_mode_enter_drills_in() -> None:
    rows = build_rows(jobs(500), now=NOW)
    app = TableApp(rows, list(range(len(rows))))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(JobTable)
        groups = group_rows(rows, quick_filter(rows, "held"), "hold reason")
        table.show_groups(groups)
        await pilot.pause()
        assert table.cursor_row is None and table.length == 3
        shown = lines(app, 4)
        assert "Jobs" in shown[0] and "Group" in shown[0]
        assert shown[1].split()[:2] == [str(groups[0].count), f"{groups[0].count * 100 // 100}%"]
        assert "Transfer input files failure" in shown[1]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.groups_opened == [groups[1].key]
        await pilot.press("space")  # no marks in group mode
        assert table.marked == set()
        table.set_rows(rows, groups[1].indices)
        await pilot.pause()
        assert table.groups is None and table.length == groups[1].count
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [rows[groups[1].indices[0]].job_id]


async def test_empty_table() -> None:
    app = TableApp([], [])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "end", "space", "enter", "pagedown")
        await pilot.pause()
        table = app.query_one(JobTable)
        assert table.cursor_row is None and app.selected == [] and "Job" in lines(app, 1)[0]
        table.show_groups([])
        await pilot.press("enter")
        assert app.groups_opened == []


async def test_hostile_job_names_render_literally() -> None:
    rows = build_rows(hostile_jobs(), {"s#1.0": "[b]code"}, now=NOW)
    app = TableApp(rows, [0, 1, 2])
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(200, 10)) as pilot:
        await pilot.click("#t", offset=(60, 1))
        await pilot.click("#t", offset=(30, 2))
        await pilot.pause()
        text = "\n".join(lines(app, 4))
        assert "[@click=app.bell]x[/] x [/" in text and "[/foo]" in text and "[b]Site" in text
        assert "[link=file:///etc/pass" in text and "[b]code" in text
        assert all(ch.isprintable() for ch in text.replace("\n", ""))
        for y in range(4):  # no segment carries a link or a click action
            for seg in app.query_one(JobTable).render_line(y):
                assert seg.style is None or (seg.style.link is None and not seg.style.meta)
        assert bells == []
        table = app.query_one(JobTable)
        table.show_groups(group_rows(rows, [0, 1, 2], "owner"))
        await pilot.pause()
        text = "\n".join(lines(app, 4))
        assert "[/foo]" in text and "\x1b" not in text
        await pilot.press("enter")
        await pilot.pause()
        assert bells == []


def test_snapshot_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    rows = build_rows(
        hostile_jobs() + jobs(40),
        {"jobsub01.fnal.gov#1000.0": "resource", "jobsub01.fnal.gov#1000.1": "service"},
        now=NOW,
    )
    indices = sort_indices(rows, list(range(len(rows))), "status")

    async def setup(pilot: Any) -> None:
        table = pilot.app.query_one(JobTable)
        table.set_sort("status")
        await pilot.press("down", "space", "space", "down")

    assert snap_compare(TableApp(rows, indices), terminal_size=(80, 24), run_before=setup)
