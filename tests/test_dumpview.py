"""`opgtui jobs --from FILE --open`: a dump someone sent, listed in the dashboard, then usable for detail,
raw ad and diagnosis once copied into the scratch store."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from opgtui.app import OpgApp
from opgtui.cli import main
from opgtui.config import Config
from opgtui.sources.dumps import load_files
from opgtui.store import open_store

DATA = Path(__file__).parent / "data" / "condor"


async def test_a_dump_opens_on_the_jobs_view_and_reaches_the_store(tmp_path: Path) -> None:
    from opgtui.screens.job import JobDetailScreen
    from opgtui.widgets.header import HeaderBar

    files = [DATA / "fifebatch_completed_2017.long", DATA / "chtc_held_docker_memory.long.ad"]
    broken = tmp_path / "cut.long"
    broken.write_text((DATA / "chtc_held_docker_memory.long.ad").read_text()[:1500])  # truncated mid-ad
    paths = [*map(str, files), str(broken)]
    expected = load_files(paths)
    cfg = Config(store=tmp_path / "scratch.db")
    store = open_store(cfg.store)
    app = OpgApp(cfg, store, refresh_loop=False, dump=paths)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(50):
            await pilot.pause(0.1)
            if app.dump is not None and app.dump.imported:
                break
        screen = app.screen
        assert screen.__class__.__name__ == "JobsScreen"
        assert sorted(r.job_id for r in screen.rows) == sorted(j.id for j in expected.jobs)
        header = str(screen.query_one(HeaderBar).render())
        assert f"dump fifebatch_completed_2017.long +2 │ {len(expected.jobs)} jobs" in header
        assert "1 problem" in header  # the truncated file is named with its line, the rest loads
        assert app.problems[0] == f"{broken}:47: Iwd: unterminated string (truncated dump?)"
        assert store.count_jobs() == len(expected.jobs)
        held = next(j for j in expected.jobs if j.hold_code == 34)
        app.push_screen(JobDetailScreen(held.id))
        await pilot.pause(0.1)
        await pilot.press("a")
        await pilot.pause(0.1)
        assert "DockerImage = " in str(app.screen.query_one("#detail").render())  # read back from the dump


def test_open_says_which_file_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["jobs", "--from", str(tmp_path / "nope.json"), "--open"])
    assert result.exit_code == 2 and "nope.json: no such file" in result.stderr


def test_the_raw_ad_of_a_dump_that_changed_is_simply_absent(tmp_path: Path) -> None:
    from opgtui.dumpview import DumpSession

    src = tmp_path / "a.long"
    shutil.copy(DATA / "chtc_held_docker_memory.long.ad", src)
    session = DumpSession([str(src)])
    (job,) = session.load().jobs
    assert session.ad(job.id) is not None
    assert DumpSession([str(src)]).ad(job.id) is None  # not loaded yet
