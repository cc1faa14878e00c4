"""`:signatures` on the demo: the unknown failures as templates, Enter shows jobs and lines, `v` labels one,
the test numbers show, Enable changes the jobs' verdicts; a bad pattern is refused as it is typed."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from test_status_view import screen_lines
from textual.widgets import Select

from opgtui.app import OpgApp
from opgtui.demo.build import ANCHOR, build_demo, demo_config
from opgtui.screens.signatures import LabelForm, SignaturesScreen
from opgtui.store import open_store

NOW = float(ANCHOR)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("demo")
    _, store = build_demo(workdir, now=NOW)
    store.close()
    return workdir


def make_app(demo_dir: Path, tmp_path: Path) -> OpgApp:
    shutil.copy(demo_dir / "opgtui.db", tmp_path / "opgtui.db")
    cfg = demo_config(demo_dir)
    cfg.store = tmp_path / "opgtui.db"
    return OpgApp(cfg, open_store(cfg.store), refresh_loop=False)


async def settle(app: OpgApp, pilot: object) -> None:
    """Until no worker runs: a worker's answer may start another read (enable, then the learned list again)."""
    while any(not w.is_finished for w in app.workers):  # including ones started meanwhile
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def open_view(app: OpgApp, pilot: object) -> SignaturesScreen:
    await pilot.press("colon", *"signatures", "enter")  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, SignaturesScreen)
    return screen


async def open_label_form(app: OpgApp, pilot: object, screen: SignaturesScreen) -> LabelForm:
    """`v` on the TNetXNGFile template: the label form."""
    assert screen.result is not None
    row = next(i for i, s in enumerate(screen.result.items) if "TNetXNGFile" in s.template.text)
    for _ in range(row):
        await pilot.press("down")  # type: ignore[attr-defined]
    await pilot.press("v")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    form = app.screen
    assert isinstance(form, LabelForm)
    return form


async def test_the_view_lists_templates_and_enter_shows_jobs_and_lines(demo_dir: Path, tmp_path: Path) -> None:
    app = make_app(demo_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.perf_counter()
        screen = await open_view(app, pilot)
        took = time.perf_counter() - started
        assert screen.result is not None and took < 5
        text = "\n".join(screen_lines(app))
        assert "unknown failures in" in text and "Error in <TNetXNGFile::Open>" in text
        row = next(i for i, s in enumerate(screen.result.items) if "TNetXNGFile" in s.template.text)
        for _ in range(row):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "jobsub01.fnal.gov#" in text and "[3011] No such file" in text and "Wisconsin" in text


async def test_the_view_draws_its_templates_with_no_color_at_80x24(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR=1 at 80x24, as a shifter over SSH may run it: the templates are drawn and the cursor moves (every
    cell of the table carries a style the monochrome filter can read)."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(demo_dir, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_view(app, pilot)
        await pilot.press("j")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "16 unknown failures in 2 templates" in text and "Error in <TNetXNGFile::Op" in text
        assert "e.g. Error in <TNetXNGFile::Open>" in text  # the detail follows the cursor to the second one


async def test_label_test_and_enable_change_the_jobs_verdicts(demo_dir: Path, tmp_path: Path) -> None:
    app = make_app(demo_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(app, pilot)
        assert screen.result is not None
        row = next(i for i, s in enumerate(screen.result.items) if "TNetXNGFile" in s.template.text)
        job_ids = [u.job.id for u in screen.result.items[row].jobs]
        for _ in range(row):
            await pilot.press("down")
        await pilot.press("v")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LabelForm)
        assert "pattern ok: matches 6 of 6 lines" in str(form.query_one("#check").render())
        form.query_one("#verdict", Select).value = "service"  # an unknown template: no verdict is proposed
        await pilot.press(*"XRootD replica missing", "enter")  # Enter in a field runs the test
        await app.workers.wait_for_complete()
        await pilot.pause()
        numbers = str(form.query_one("#numbers").render())
        assert "matches 6 (6 unknown, would decide 6" in numbers and "passed" in numbers
        await pilot.press("ctrl+s")  # the keyboard, as over SSH
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
    store = open_store(tmp_path / "opgtui.db", readonly=True)
    try:
        assert {(v.category, v.signature) for v in store.verdicts_for(job_ids).values()} == {
            ("service", "learned.xrootd_replica_missing")
        }
        assert [e["action"] for e in store.action_log()][-1] == "signature label"
    finally:
        store.close()


async def test_a_bad_pattern_is_refused_as_it_is_typed(demo_dir: Path, tmp_path: Path) -> None:
    app = make_app(demo_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_view(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LabelForm)
        form.query_one("#pattern").focus()
        await pilot.press("ctrl+a", "ctrl+k", *"(a)\\1")
        await pilot.pause()
        assert "backtracking" in str(form.query_one("#check").render())
        await pilot.press("ctrl+a", "ctrl+k", *"(?i)error")
        await pilot.pause()
        assert "says nothing about a failure" in str(form.query_one("#check").render())
        assert form.query_one("#enable").disabled


HOSTILE = "FATAL [/bold] \x1b]52;c;aGk=\x07 [@click=app.bell]x[/] \u202eelif on host evil.example.org failed"


async def test_hostile_log_lines_show_as_text_in_the_view_and_the_form(tmp_path: Path) -> None:
    from opgtui.config import Config
    from opgtui.core.model import Job, JobStatus, Verdict
    from opgtui.learn.unknown import save_tails

    store = open_store(tmp_path / "s.db")
    jobs = [
        Job(f"s#{i}.0", "s", i, 0, status=int(JobStatus.HELD), status_since=NOW - 60, site="[red]Site")
        for i in range(3)
    ]
    store.upsert_jobs(jobs)
    store.save_verdicts({j.id: Verdict("unknown", "look at the log", None) for j in jobs}, NOW)
    save_tails(store, {j.id: (["starting", HOSTILE], "", None) for j in jobs}, NOW)
    app = OpgApp(Config(store=tmp_path / "s.db"), store, refresh_loop=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "[@click=app.bell]" in text and "[red]Site" in text and "\x1b" not in text and "\\u202e" in text
        assert "3 unknown failures in 1 template ·" in text
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, LabelForm)
        assert "\x1b" not in str(app.screen.query_one("#pattern").value)
        assert screen.result is not None and screen.result.items[0].jobs[0].job.id == "s#0.0"


async def test_the_templates_last_mined_are_listed_at_once(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from opgtui.cli import main
    from opgtui.demo.keep import write_config

    app = make_app(demo_dir, tmp_path)
    app.store.close()
    config = write_config(app.cfg, tmp_path / "config.yaml")
    result = CliRunner().invoke(main, ["--config", str(config), "signatures", "suggest", "--now", str(NOW)])
    assert result.exit_code == 0, result.output
    monkeypatch.setattr(SignaturesScreen, "mine", lambda self: None)  # no mining: only what was kept
    app = OpgApp(app.cfg, open_store(app.cfg.store), refresh_loop=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.run_command_line("signatures")
        for _ in range(200):  # the kept templates are read in a worker after the first paint (at most 10 s)
            await pilot.pause(0.05)
            if isinstance(app.screen, SignaturesScreen) and app.screen.result is not None:
                break
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SignaturesScreen) and screen.result is not None
        text = "\n".join(screen_lines(app))
        assert "reading again" in text and "Error in <TNetXNGFile::Open>" in text
        row = next(i for i, s in enumerate(screen.result.items) if "TNetXNGFile" in s.template.text)
        assert len(screen.result.items[row].jobs) == 6 and screen.result.items[row].pattern
        for _ in range(row):
            await pilot.press("down")
        await pilot.press("v")
        await pilot.pause()
        assert "pattern ok: matches 6 of 6 lines" in str(app.screen.query_one("#check").render())


async def test_the_view_says_it_is_reading_until_the_kept_templates_arrive(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The view is drawn before the kept templates are read: until they arrive it says so, and never that there
    are no unknown failures (an answer computed before the data)."""
    arrived: list[object] = []
    monkeypatch.setattr(SignaturesScreen, "mine", lambda self: None)
    monkeypatch.setattr(SignaturesScreen, "load_kept", lambda self: arrived.append(self))  # not arrived yet
    app = make_app(demo_dir, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_view(app, pilot)
        text = "\n".join(screen_lines(app))
        assert arrived and "reading the unknown failures" in text and "No unknown failures" not in text
        await pilot.press("v", "enter")
        await pilot.pause()
        assert app.screen is screen and screen.result is None


async def test_L_lists_the_learned_signatures_and_e_x_enable_and_disable_them(demo_dir: Path, tmp_path: Path) -> None:
    from opgtui.learn.library import Learned, save_label

    app = make_app(demo_dir, tmp_path)
    line = "Error in <TNetXNGFile::Open>: [ERROR] Server responded with an error: [3011] No such file"
    save_label(
        app.store,
        Learned(
            "learned.xrootd_missing",
            r"Server responded with an error: \[3011\] No such",
            "service",
            "retry",
            "XRootD replica missing",
            "xrootd",
            example=line,
            why="stale replicas",
        ),
        who="alice",
        now=NOW,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(app, pilot)
        await pilot.press("L")
        await settle(app, pilot)
        text = "\n".join(screen_lines(app))
        assert "1 learned signatures, 0 enabled" in text and "learned.xrootd_missing" in text and "alice" in text
        assert "stale replicas" in text and "label" in text  # the detail: why, and the audit trail
        await pilot.press("e")
        await settle(app, pilot)
        assert screen.counts == {"learned.xrootd_missing": 6}
        assert "1 learned signatures, 1 enabled" in "\n".join(screen_lines(app))
        await pilot.press("x")
        await settle(app, pilot)
        assert screen.counts == {}
        await pilot.press("L")
        await pilot.pause()
        assert "Error in <TNetXNGFile::Open>" in "\n".join(screen_lines(app))


async def test_a_store_that_cannot_be_mined_or_kept_is_one_line_and_the_view_stays(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store this shifter may only read still lists the templates (they are not kept); one that cannot be read
    says why where the count would be, and the dashboard stays up."""
    from opgtui.store import StoreError

    def refuse(*_args: object, **_kw: object) -> None:
        raise StoreError("s.db: the store is read-only (check the file's and its directory's permissions)")

    monkeypatch.setattr("opgtui.learn.snapshot.save", refuse)
    app = make_app(demo_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_view(app, pilot)
        assert "16 unknown failures in 2 templates" in "\n".join(screen_lines(app))
    monkeypatch.setattr("opgtui.learn.unknown.gather", refuse)
    app = make_app(demo_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_view(app, pilot)
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "s.db: the store is read-only" in text and app.is_running


async def test_the_learned_list_is_read_off_the_ui_thread_and_says_so_until_it_arrives(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """L draws at once: 'reading', never 'No learned signatures yet' before the read has answered; the read runs in
    a worker (not on the UI thread), and a store that cannot be read is one line where the count would be."""
    import threading

    from opgtui.screens import signatures
    from opgtui.store import StoreError

    gate, threads = threading.Event(), []
    real = signatures.read_learned

    def slow(store: object) -> signatures.LearnedRead:
        threads.append(threading.current_thread())
        gate.wait(10)
        return real(store)  # type: ignore[arg-type]

    monkeypatch.setattr(SignaturesScreen, "mine", lambda self: None)
    monkeypatch.setattr(signatures, "read_learned", slow)
    app = make_app(demo_dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(app, pilot)
        await pilot.press("L")
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "reading the learned signatures" in text and "No learned signatures yet" not in text
        gate.set()
        await settle(app, pilot)
        assert threads and threads[0] is not threading.main_thread()
        assert "0 learned signatures, 0 enabled" in "\n".join(screen_lines(app))
        assert "No learned signatures yet" in "\n".join(screen_lines(app))

        def refuse(store: object) -> signatures.LearnedRead:
            raise StoreError("s.db: database disk image is malformed")

        monkeypatch.setattr(signatures, "read_learned", refuse)
        await pilot.press("L", "L")  # back to the templates, and the learned list read again
        await settle(app, pilot)
        assert "database disk image is malformed" in "\n".join(screen_lines(app))
        assert app.screen is screen


async def test_a_store_error_in_the_label_test_enable_or_e_is_one_line_and_the_view_stays(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import opgtui.learn.library as library
    import opgtui.learn.workflow as workflow
    from opgtui.learn.library import Learned, save_label
    from opgtui.store import StoreError

    def locked(*_args: object, **_kwargs: object) -> None:
        raise StoreError("the store is locked by another process")

    app = make_app(demo_dir, tmp_path)
    save_label(app.store, Learned("learned.x", "No such file", "service", "retry", "X missing", "xrootd"), now=NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(app, pilot)
        form = await open_label_form(app, pilot, screen)
        form.query_one("#verdict", Select).value = "service"
        await pilot.press(*"XRootD replica missing", "enter")
        await settle(app, pilot)
        assert "passed" in str(form.query_one("#numbers").render())
        monkeypatch.setattr(library, "all_learned", locked)
        await pilot.press("enter")  # tested again: the last answer goes, the store's error is the one line
        assert form.query_one("#enable").disabled
        await settle(app, pilot)
        assert str(form.query_one("#numbers").render()) == "the store is locked by another process"
        monkeypatch.undo()
        await pilot.press("enter")
        await settle(app, pilot)
        monkeypatch.setattr(library, "save_label", locked)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is form and not form.query_one("#enable").disabled  # may be tried again
        assert str(form.query_one("#numbers").render()) == "the store is locked by another process"
        await pilot.press("escape")
        await pilot.press("L")
        await settle(app, pilot)
        monkeypatch.setattr(workflow, "enable", locked)
        await pilot.press("e")
        await settle(app, pilot)
        said = [n.message for n in app._notifications]
        assert "learned.x not enabled: the store is locked by another process" in said
        assert app.screen is screen and app.is_running
