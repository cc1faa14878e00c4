"""A big dump's copy into the scratch store waits for the dump's job lines (issue 18): until they are in, a filter
word typed in the Jobs view waits for them, and the copy would take the cores from the workers making them."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest
from test_walk_loading import until

import opgtui.ops.dumpview as dumpview
from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.sources.dumps import LoadResult
from opgtui.store import open_store

DUMP = Path(__file__).parent / "data" / "condor" / "fifebatch_completed_2017.long"


async def test_the_copy_starts_once_the_job_lines_are_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines: Future[object] = Future()
    copies: list[bool] = []  # whether the lines were in when the copy started
    real_copy = dumpview.copy_in_process

    def copy(*a: object, **k: object) -> int:
        copies.append(lines.done())
        return real_copy(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(LoadResult, "job_lines", lambda self: lines)
    monkeypatch.setattr(dumpview, "copy_in_process", copy)
    cfg = Config(store=tmp_path / "scratch.db")
    store = open_store(cfg.store)
    app = OpgApp(cfg, store, refresh_loop=False, dump=[str(DUMP)])
    async with app.run_test(size=(80, 24)) as pilot:
        assert await until(pilot, lambda: getattr(app.screen, "loaded_at", None) is not None)
        await pilot.pause(0.3)
        assert copies == [] and not app.dump.imported  # listed; the lines not in: no copy yet
        lines.set_result(None)  # (None: the workers made none; the copy goes on all the same)
        assert await until(pilot, lambda: app.dump.imported)
        assert copies == [True]
        assert app.dump.imported and store.count_jobs() == len(app.screen.rows)
    store.close()
