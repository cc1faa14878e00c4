"""Follow mode (`s` in the Log view): what a running job writes to its local log appears, read off the UI thread by
the ops.logfollow use-case (screens never import sources.logs); a log that cannot be read any more is one line."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from test_app import _store_with_failed_jobs
from test_jobs_background import _until as until

from opgtui.app import OpgApp
from opgtui.ops.logfollow import can_follow, follow
from opgtui.widgets.log_view import LogView


def test_follow_reads_whole_new_lines_and_says_why_not_in_one_line(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    log.write_text("a\nb\n")
    first = follow(str(log), 0)
    assert (first.lines, first.error) == (["a", "b"], None)
    with log.open("a") as fh:
        fh.write("c\npart")
    more = follow(str(log), first.offset)
    assert more.lines == ["c"] and follow(str(log), more.offset).lines == []  # a partial line waits for its end
    log.unlink()
    gone = follow(str(log), more.offset)
    assert gone.lines == [] and gone.offset == more.offset and gone.error and "\n" not in gone.error
    assert can_follow(str(log)) and not can_follow("https://logs.example/job.out") and not can_follow(None)


async def test_a_followed_log_grows_on_screen_read_off_the_ui_thread(tmp_path: Path, monkeypatch: Any) -> None:
    import opgtui.sources.logs as logs

    cfg, store = _store_with_failed_jobs(tmp_path)
    log = tmp_path / "job.out"
    app = OpgApp(cfg, store, refresh_loop=False)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: getattr(app.screen, "loaded_at", None) is not None)
        await pilot.press("l")
        await until(pilot, lambda: app.current_mode == "log" and bool(app.screen.query(LogView)))
        view = app.screen.query_one(LogView)
        await until(pilot, lambda: any("Retry count exceeded" in line for line in view.lines))
        ui, threads = threading.current_thread(), []
        read_new = logs.read_new

        def watched(*args: Any, **kwargs: Any) -> Any:
            threads.append(threading.current_thread() is ui)
            return read_new(*args, **kwargs)

        monkeypatch.setattr(logs, "read_new", watched)
        view.focus()
        await pilot.press("s")
        assert view.follow
        with log.open("a") as fh:
            fh.write("step 7: copying out\n")
        await until(pilot, lambda: view.lines[-1:] == ["step 7: copying out"])  # the view's 2 s poll
        assert threads and not any(threads)
        log.unlink()  # rotated away: said in one line, the lines shown stay
        await until(pilot, lambda: any(n.severity == "warning" for n in app._notifications))
        note = next(str(n.message) for n in app._notifications if n.severity == "warning")
        assert "job.out" in note and "\n" not in note and view.lines[-1] == "step 7: copying out"
