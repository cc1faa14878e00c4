"""The dashboard on the terminals shifters have: NO_COLOR=1 (Textual's monochrome filter) and TERM=xterm, in
App.run_test for every view and in a real tmux terminal; a crash of the dashboard exits non-zero."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.demo.build import build_demo

ROOT = Path(__file__).parent.parent
TMUX = shutil.which("tmux")
# every view, and the screens pushed on them: each must draw (the keys are the shifter's)
WALK = [
    ("1",),
    ("z", "z"),
    ("2",),
    ("f", "g"),
    ("enter",),
    ("escape", "F"),
    ("escape", "3"),
    ("4",),
    ("5",),
    ("question_mark",),
    ("escape", "colon"),
    ("escape",),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


def drawn(app: OpgApp) -> str:
    """Draw the whole screen through the compositor (and so through the app's filters)."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(strip.text for strip in line) for line in update.strips)


@pytest.mark.parametrize(
    "env", [{"NO_COLOR": "1"}, {"TERM": "xterm"}, {"NO_COLOR": "1", "TERM": "xterm"}], ids=["NO_COLOR", "xterm", "both"]
)
async def test_every_view_draws_without_colour_and_on_plain_xterm(
    demo: tuple[Config, Any], env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    seen = []
    async with app.run_test(size=(80, 24)) as pilot:
        for keys in WALK:
            await pilot.press(*keys)
            await pilot.pause(0.3)
            seen.append(drawn(app))
    assert app.return_code in (None, 0)
    status = seen[0]
    assert "━ up" in status and "samweb" in status  # the outage timeline is there, with its legend
    assert any("fhicl_protection_violation" in s for s in seen)


def _tmux(*args: str) -> str:
    assert TMUX is not None
    return subprocess.run([TMUX, *args], check=True, capture_output=True, text=True).stdout


def _in_tmux(command: str, keys: list[str], tmp: Path, wait: float = 4.0) -> tuple[str, int | None]:
    """Run ``command`` in a detached 80x24 tmux session, press ``keys``, and return the screen and the exit
    status (None if it did not exit)."""
    name = f"opgtui-test-{uuid.uuid4().hex[:8]}"
    rc_file = tmp / "rc"
    _tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", f"{command}; echo $? > {rc_file}; sleep 30")
    try:
        time.sleep(wait)
        screen = _tmux("capture-pane", "-p", "-t", name)
        for key in keys:
            _tmux("send-keys", "-t", name, key)
            time.sleep(0.3)
        for _ in range(50):
            if rc_file.exists() and rc_file.read_text().strip():
                break
            time.sleep(0.2)
        rc = int(rc_file.read_text()) if rc_file.exists() else None
        return screen, rc
    finally:
        subprocess.run([TMUX, "kill-session", "-t", name], capture_output=True)


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")
def test_opgtui_demo_in_a_real_terminal_with_NO_COLOR_and_xterm(tmp_path: Path) -> None:
    opgtui = Path(sys.executable).parent / "opgtui"
    keep = tmp_path / "demo"
    screen, rc = _in_tmux(
        f"cd {tmp_path} && NO_COLOR=1 TERM=xterm {opgtui} demo --keep {keep}", ["2", "1", "q"], tmp_path, wait=6.0
    )
    assert "Status" in screen and "samweb" in screen and "━ up" in screen, screen
    assert "Traceback" not in screen and rc == 0, screen


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")
def test_a_crash_of_the_dashboard_exits_non_zero(tmp_path: Path) -> None:
    script = tmp_path / "crash.py"
    script.write_text(
        "from opgtui import cli\n"
        "from opgtui.app import OpgApp\n"
        "from opgtui.config import Config\n"
        "from opgtui.store import open_store\n"
        "def boom(self):\n"
        "    raise RuntimeError('drawn to crash')\n"
        "OpgApp.on_mount = boom\n"
        f"cli._run_dashboard(Config(store={str(tmp_path / 's.db')!r}), open_store({str(tmp_path / 's.db')!r}))\n"
    )
    env = f"PYTHONPATH={ROOT} OPGTUI_IGNORE_SIZE=1"
    _screen, rc = _in_tmux(f"{env} {sys.executable} {script} 2> {tmp_path / 'err'}", [], tmp_path, wait=3.0)
    assert rc == 1
    assert "drawn to crash" in (tmp_path / "err").read_text() + (os.linesep.join([_screen]))
