"""`opgtui demo`: the bundled data goes through the real loaders, parsers and diagnosis into a store
that tells the demo's story, and the dashboard opens on it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from opgtui.config import load_config
from opgtui.demo.workdir import scratch_dir
from opgtui.domain.services import board
from opgtui.ops.actions import debug_profile_for
from opgtui.store import open_store


def test_jobs_from_every_bundled_dump(demo) -> None:
    _cfg, store = demo
    jobs = store.jobs()
    sources = Counter(Path(j.source or "").name for j in jobs)
    assert len(jobs) >= 600
    assert {"queue.json", "history.long"} <= set(sources)
    assert any(j.site == "FNAL_GPGrid" and j.last_host == "fnpc4108.fnal.gov" for j in jobs)  # real 2017 DUNE ad
    assert any(
        j.hold_code == 34 and "Docker job has gone over memory limit" in (j.hold_reason or "") for j in jobs
    )  # real CHTC held ad
    assert store.conn.execute("SELECT count(*) FROM job_events").fetchone()[0] > 50


def test_times_are_replayed_around_now(demo) -> None:
    _cfg, store = demo
    now = time.time()
    ends = [j.end_time for j in store.jobs() if j.end_time]
    assert max(ends) <= now + 60 and min(ends) > now - 3 * 86400


def test_board_tells_the_story(demo) -> None:
    cfg, store = demo
    rows = {r.service: r for r in board(cfg, store)}
    assert rows["samweb"].state == "up"
    assert rows["dcache"].state == "degraded"
    assert rows["dcache"].next_maintenance is not None
    (sam,) = store.windows("samweb", kind="outage")
    assert sam.end is not None and round((sam.end - sam.start) / 60) in (43, 44, 45)


def test_verdicts_read_as_a_handful_of_causes(demo) -> None:
    _cfg, store = demo
    verdicts = store.verdicts()
    by_category = Counter(v.category for v in verdicts.values())
    assert by_category["service"] >= 20  # SAM fetch failures during the outage, the broken-CVMFS node
    assert by_category["code"] >= 40  # the FHiCL typo batch, segfaults
    assert by_category["resource"] >= 20  # memory holds, SIGKILL
    signatures = Counter(v.signature for v in verdicts.values() if v.signature)
    assert len(signatures) <= 15  # ~150 failures, a handful of causes
    sam = [v for v in verdicts.values() if v.category == "service" and v.windows]
    assert sam and any("samweb" in w.service for v in sam for w in v.windows)


# ---------------------------------------------------------------- opgtui demo: its directory, --keep, D


def opgtui_demo(*args: str, tmpdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opgtui.cli", "demo", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(tmpdir), "NO_COLOR": "1"},
    )


@pytest.mark.parametrize("where", ["/proc", "a-file"])
def test_keep_where_the_demo_cannot_be_built_is_one_line_exit_2(tmp_path: Path, where: str) -> None:
    if where == "a-file":
        (tmp_path / "a-file").write_text("mine\n")
        where = str(tmp_path / "a-file")
    proc = opgtui_demo("--keep", where, "--build-only", tmpdir=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"opgtui: --keep {where}:") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_demo_leaves_no_temporary_directory(tmp_path: Path) -> None:
    proc = opgtui_demo("--build-only", tmpdir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "729 jobs" in proc.stdout and "--keep DIR" in proc.stdout
    assert list(tmp_path.iterdir()) == []


# SIGHUP as a terminal session gives it (a run under nohup inherits it ignored, and then the demo rightly goes on)
SCRATCH_HOLDER = """
import signal, sys, time
from pathlib import Path
from opgtui.demo.workdir import scratch_dir
signal.signal(signal.SIGHUP, signal.SIG_DFL)
with scratch_dir("opgtui-demo-", Path(sys.argv[1])) as d:
    (d / "opgtui.db").write_bytes(b"x" * 1000)
    print(d, flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminated_demo_removes_its_directory(tmp_path: Path, sig: signal.Signals) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SCRATCH_HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    made = Path(proc.stdout.readline().strip())
    assert made.is_dir() and made.parent == tmp_path
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == -sig  # it still dies of the signal
    proc.stdout.close()
    assert list(tmp_path.iterdir()) == []


def test_a_killed_demos_directory_goes_with_the_next_demo(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SCRATCH_HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    made = Path(proc.stdout.readline().strip())
    proc.kill()
    proc.wait(timeout=30)
    proc.stdout.close()
    assert made.is_dir()  # SIGKILL cannot be caught
    someone_elses = tmp_path / "opgtui-demo-alive"
    someone_elses.mkdir()
    (someone_elses / ".owner").write_text(f"{os.getpid()}\n")  # a running demo's: kept
    unrelated = tmp_path / "opgtui-demo-notes"
    unrelated.mkdir()  # no owner file: not ours to judge
    with scratch_dir("opgtui-demo-", tmp_path) as d:
        assert not made.exists() and someone_elses.is_dir() and unrelated.is_dir()
    assert not d.exists()


def test_keep_writes_a_config_the_cli_verbs_use(tmp_path: Path) -> None:
    keep = tmp_path / "demo"
    proc = opgtui_demo("--keep", str(keep), "--build-only", tmpdir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(keep / "opgtui.db")
    cfg_path = keep / "config.yaml"
    assert f"opgtui --config {cfg_path} status" in proc.stderr
    cfg = load_config(cfg_path)
    assert cfg.store == keep / "opgtui.db" and {e.name for e in cfg.experiments} == {"nova", "dune"}
    assert cfg.experiment("nova").debug_profile.environment == {"IFDH_DEBUG": "1"}  # type: ignore[union-attr]
    status = subprocess.run(
        [sys.executable, "-m", "opgtui.cli", "--config", str(cfg_path), "status", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows = {r["service"]: r for r in json.loads(status.stdout)}
    assert rows["samweb"]["state"] == "up" and rows["dcache"]["state"] == "degraded"
    # An hour later (the dashboard left open, a cron job), the demo's feeds are still fresh: not "unknown".
    store = open_store(cfg.store, readonly=True)
    later = {r.service: r for r in board(cfg, store, now=time.time() + 3600)}
    store.close()
    assert later["samweb"].state == "up" and not later["samweb"].stale and not later["dcache"].stale
    again = opgtui_demo("--keep", str(keep), "--build-only", tmpdir=tmp_path)  # a demo's directory: rebuilt
    assert again.returncode == 0, again.stderr


def test_keep_never_replaces_a_real_store_or_config(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    open_store(real / "opgtui.db").close()
    before = (real / "opgtui.db").read_bytes()
    proc = opgtui_demo("--keep", str(real), "--build-only", tmpdir=tmp_path)
    assert proc.returncode == 2 and "is not a demo's store" in proc.stderr
    assert (real / "opgtui.db").read_bytes() == before and sorted(p.name for p in real.iterdir()) == ["opgtui.db"]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "config.yaml").write_text("store: /somewhere/else.db\n")
    proc = opgtui_demo("--keep", str(mine), "--build-only", tmpdir=tmp_path)
    assert proc.returncode == 2 and "was not written by the demo" in proc.stderr
    assert (mine / "config.yaml").read_text() == "store: /somewhere/else.db\n"
    home = tmp_path / "home"
    home.mkdir()
    (home / "queue.json").write_text("[]")  # someone's files: the demo would write over queue.json, logs/ ...
    proc = opgtui_demo("--keep", str(home), "--build-only", tmpdir=tmp_path)
    assert proc.returncode == 2 and "not empty, and not an earlier demo's" in proc.stderr
    assert sorted(p.name for p in home.iterdir()) == ["queue.json"]


def test_every_failed_demo_job_of_an_experiment_has_a_debug_profile(demo) -> None:
    cfg, store = demo
    failed = [j for j in store.jobs() if j.status == 5 or (j.status == 4 and j.exit_code)]
    with_exp = [j for j in failed if j.experiment]
    assert len(with_exp) >= 100
    for j in with_exp:
        name, profile = debug_profile_for(cfg, j.id, j.experiment)
        assert name == j.experiment and profile.environment["IFDH_DEBUG"] == "1"


async def test_retry_with_debug_in_the_demo_shows_the_profile(demo) -> None:
    from opgtui.app import OpgApp
    from opgtui.screens.confirm import ConfirmScreen

    cfg, store = demo
    held = [j.id for j in store.jobs() if j.status == 5 and j.experiment == "dune"]
    app = OpgApp(cfg, store, demo=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.3)
        await pilot.press("h", "slash", *"owner:dunepro", "enter")
        await pilot.pause(0.3)
        await pilot.press("D")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConfirmScreen), [n.message for n in app._notifications]
        text = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "Debug profile dune" in text and "XRD_LOGLEVEL=Debug" in text
        await pilot.press("escape")
    assert held


TERMINAL_HOLDER = """
import sys, time, tty
from pathlib import Path
from opgtui.demo.workdir import scratch_dir
with scratch_dir("opgtui-dump-", Path(sys.argv[1])) as d:
    tty.setraw(sys.stdout.fileno())                      # as the dashboard does
    sys.stdout.write("\\x1b[?1049h\\x1b[?1003hREADY\\n")  # alternate screen, mouse reports
    sys.stdout.flush()
    time.sleep(60)
"""


def test_a_terminated_dashboard_gives_the_terminal_back(tmp_path: Path) -> None:
    import pty
    import termios

    pid, master = pty.fork()
    if pid == 0:  # the child: a dashboard on a scratch store, in the pty
        os.execv(sys.executable, [sys.executable, "-c", TERMINAL_HOLDER, str(tmp_path)])
    cooked = None
    out = b""
    try:
        while b"READY" not in out:
            out += os.read(master, 1024)
        assert not termios.tcgetattr(master)[3] & termios.ECHO  # raw now
        os.kill(pid, signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
        try:
            while chunk := os.read(master, 1024):
                out += chunk
        except OSError:  # EIO: the child's side is closed
            pass
        cooked = termios.tcgetattr(master)
    finally:
        os.close(master)
    after = out.split(b"READY", 1)[1]
    assert b"\x1b[?1049l" in after and b"\x1b[?1003l" in after and b"\x1b[?25h" in after
    assert cooked is not None and cooked[3] & termios.ECHO and cooked[3] & termios.ICANON
    assert os.WTERMSIG(status) == signal.SIGTERM and list(tmp_path.iterdir()) == []


def test_every_demo_jobs_event_log_is_under_the_demos_log_directory(demo) -> None:
    """`e` on a demo job shows its event log: the log-root check refused the bundled /jobsub/... paths."""
    from opgtui.ops.logtarget import find_log

    cfg, store = demo
    refused: Counter[str] = Counter()
    read: Counter[str] = Counter()
    own = ("queue.json", "history.long", "history_record.long")  # the real fixtures' ads keep their own paths
    for job in (j for j in store.jobs() if Path(j.source or "").name in own):
        for stream in ("stdout", "userlog"):
            source, _cap, why = find_log(cfg, job, store.job_ad(job.id), stream)
            if why and (stream == "userlog" or job.failed):
                refused[stream] += 1
            elif source and not why and Path(source).is_file():
                read[stream] += 1
    assert not refused, refused
    assert read["userlog"] >= 300 and read["stdout"] >= 100, read
