"""The job table widget at 100,000 rows, in a real app under the Pilot."""

from __future__ import annotations

import time

from test_joblist import NOW, jobs
from textual.app import App, ComposeResult

from opgtui.joblist import build_rows, group_rows, quick_filter
from opgtui.widgets.job_table import JobTable


class TableApp(App[None]):
    def __init__(self, rows, indices) -> None:
        super().__init__()
        self.rows, self.indices = rows, indices
        self.selected: list[str] = []
        self.groups_opened: list[str] = []

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


def lines(app: TableApp, n: int) -> list[str]:
    table = app.query_one(JobTable)
    return [table.render_line(y).text for y in range(n)]


async def test_hundred_thousand_rows_first_screen_and_cursor() -> None:
    many = jobs(100_000, seed=3)
    rows = build_rows(many, now=NOW)
    app = TableApp(rows, list(range(len(rows))))
    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert time.perf_counter() - started < 10  # generous; bench/ measures the real number
        shown = lines(app, 3)
        assert shown[0].lstrip().startswith("St") and "Job" in shown[0]
        assert "1000.0@" in shown[1] or "#1000.0" in shown[1] or "1000.0" in shown[1]
        await pilot.press("pagedown", "down")
        table = app.query_one(JobTable)
        assert table.cursor == 38 + 1
        await pilot.press("end")
        assert table.cursor_row is not None and table.cursor_row.job_id == rows[-1].job_id
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [rows[-1].job_id]


async def test_marks_and_groups_at_80x24() -> None:
    rows = build_rows(jobs(500), now=NOW)
    app = TableApp(rows, list(range(len(rows))))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(JobTable)
        await pilot.press("space", "space")
        assert table.marked == {rows[0].job_id, rows[1].job_id}
        assert lines(app, 2)[1].startswith("* ")
        assert all(len(line) <= 80 for line in lines(app, 24))
        table.show_groups(group_rows(rows, quick_filter(rows, "held"), "hold reason"))
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert len(app.groups_opened) == 1 and app.groups_opened[0].startswith("[")


async def test_hostile_job_names_render_literally() -> None:
    from opgtui.model import Job

    hostile = [Job("s#1.0", "s", 1, 0, owner="[/foo]", hold_reason="[@click=app.bell]x[/] x [/", status=5),
               Job("s#2.0", "s", 2, 0, owner="\x1b[2J", hold_reason="\x1b]52;c;cHduZWQ=\x07", status=5)]
    rows = build_rows(hostile, now=NOW)
    app = TableApp(rows, [0, 1])
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.click("#t", offset=(60, 1))
        await pilot.pause()
        text = "\n".join(lines(app, 3))
        assert "[@click=app.bell]x[/] x [/" in text
        assert "\x1b" not in text and "\x07" not in text
        assert bells == []
