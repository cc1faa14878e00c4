"""Job ids are shown whole when the terminal has the room (120 columns), so jobs of two schedds or with
long proc numbers are told apart; at 80 the spare room goes to them first."""

from __future__ import annotations

from typing import Any

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.demo.build import build_demo
from opgtui.domain.joblist import short_id
from opgtui.widgets.job_table import JobTable, layout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


def test_spare_room_goes_to_the_ids_first() -> None:
    assert dict((c.key, w) for c, w in layout(118, 22))["id"] == 22
    assert dict((c.key, w) for c, w in layout(118))["id"] == 20  # nothing measured: as before


async def test_every_id_whole_at_120_columns(demo: tuple[Config, Any]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        table = app.screen.query_one(JobTable)
        longest = max(len(short_id(r.job)) for r in table.rows)
        assert longest > 20  # 88412073.127@jobsub01: the demo has ids longer than the old column
        for y in range(1, table.page_size + 1):
            row = table.rows[table.indices[table.scroll_offset.y + y - 1]]
            line = table.render_line(y).text
            assert f" {short_id(row.job)} " in line, line
