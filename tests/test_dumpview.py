"""`opgtui jobs --from FILE --open`: a dump someone sent, listed in the dashboard, then usable for detail,
raw ad and diagnosis once copied into the scratch store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
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
    from opgtui.ops.dumpview import DumpSession

    src = tmp_path / "a.long"
    shutil.copy(DATA / "chtc_held_docker_memory.long.ad", src)
    session = DumpSession([str(src)])
    (job,) = session.load().jobs
    assert session.ad(job.id) is not None
    assert DumpSession([str(src)]).ad(job.id) is None  # not loaded yet


async def test_a_json_dump_lists_what_whole_jobs_would_and_opens_each_job_whole(tmp_path: Path) -> None:
    """Rows are listed from each job's head and filled in as they are drawn (issue 18); the shifter sees the same
    rows as whole jobs give, the detail shows the whole record (its command, from the ad), and the failure summary
    opened at once counts every failed and held job of the dump."""
    from test_jobbrief import varied, write

    from opgtui.domain.joblist import build_rows
    from opgtui.screens.job import JobDetailScreen
    from opgtui.widgets.job_table import JobTable

    path = write(varied(3000), tmp_path / "q.json", "pretty")
    whole = {j.id: j for j in load_files([path]).jobs}
    failing = sum(1 for j in whole.values() if j.failed or j.status == 5)
    cfg = Config(store=tmp_path / "scratch.db")
    store = open_store(cfg.store)
    app = OpgApp(cfg, store, refresh_loop=False, dump=[str(path)])
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if getattr(app.screen, "loaded_at", None) is not None:
                break
        screen = app.screen
        table = screen.query_one(JobTable)
        assert len(screen.rows) == 3000 and table.indices
        shown = table.indices[:35]
        rebuilt = build_rows([whole[screen.rows[i].job_id] for i in shown], now=screen.rows[0].now)
        assert [screen.rows[i].cells for i in shown] == [r.cells for r in rebuilt]
        await pilot.press("F")
        for _ in range(100):
            await pilot.pause(0.05)
            if type(app.screen).__name__ == "FailureSummaryScreen" and "failed/held" in str(
                app.screen.query_one("#failures-status").render()
            ):
                break
        assert f"{failing:,} failed/held" in str(app.screen.query_one("#failures-status").render())
        await pilot.press("escape")
        job = next(j for i in shown if (j := whole[screen.rows[i].job_id]).cmd)  # the command is in no row
        app.push_screen(JobDetailScreen(job.id))
        await pilot.pause(0.2)
        assert job.cmd in str(app.screen.query_one("#detail").render())
    store.close()


def test_a_dumps_filter_texts_and_group_keys_made_by_another_process_are_the_listings_own(tmp_path: Path) -> None:
    """The texts' process reads the dump again and makes what warm() would of the rows listed: the same texts and
    keys, row by row; rows it was not made for (another dump) take nothing."""
    from test_jobbrief import varied, write

    from opgtui.domain.joblist import WARM_GROUPINGS, build_rows, warm
    from opgtui.ops.dumpview import DumpSession, TextsAsked, dump_stamps, texts_in_process

    path = write(varied(2500), tmp_path / "q.json", "pretty")
    session = DumpSession([str(path)])
    session.load()
    first = session.listed[0].id
    asked = TextsAsked(1_795_600_000.0, {first: "service"}, {first: "sig-1"}, {"sig-1": "Proxy expired"})
    rows = build_rows(session.listed, asked.verdicts, now=asked.now, signatures=asked.signatures, titles=asked.titles)
    start = 0
    assert session.result is not None
    stamps = dump_stamps(session.result, session.paths)
    assert stamps is not None
    for ids, texts, *keys in texts_in_process(stamps, asked):
        assert rows.put_made(start, ids, texts, keys)
        start += len(ids)
    assert start == len(rows) == 2500 and rows._haystacks is not None
    made = (list(rows._haystacks), {by: rows._keys[by] for by in WARM_GROUPINGS})
    again = build_rows(session.listed, asked.verdicts, now=asked.now, signatures=asked.signatures, titles=asked.titles)
    warm(again)
    assert made == (again._haystacks, {by: again._keys[by] for by in WARM_GROUPINGS})
    assert "service" in made[0][0] and "sig-1" in made[0][0] and "Proxy expired" in made[1]["cause"][0]
    other = write(varied(31)[1:], tmp_path / "other.json", "pretty")  # the same jobs but the first
    ids, texts, *keys = next(texts_in_process([(str(other), *os_stamp(other))], asked))
    assert not again.put_made(0, ids, texts, keys)
    path.write_text(path.read_text().replace("500000", "500001"))  # changed since it was listed: nothing made
    with pytest.raises(OSError, match="changed on disk"):
        next(texts_in_process(stamps, asked))


def os_stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns
