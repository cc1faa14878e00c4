"""The small verbs start in a blink: each imports only what it uses, and never the dashboard (Textual).

Each verb runs in a fresh interpreter (`python -c`), whose ``sys.modules`` is then inspected.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from opgtui.store import open_store

RUN = """
import sys
from opgtui.cli import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
model = sys.modules.get("opgtui.core.model")
made = ["opgtui.core.model.JobBrief"] if model is not None and "JobBrief" in vars(model) else []
with open(sys.argv[1], "w") as fh:
    fh.write("\\n".join(sorted([*sys.modules, *made])))
"""
"""The verb in a fresh interpreter, then the names of the modules it loaded, one a line (no json: a verb's own), and
``opgtui.core.model.JobBrief`` when that class was made (it is made when first imported)."""

NEVER = ("textual", "rich", "httpx", "htcondor2", "classad2", "opgtui.app", "opgtui.screens", "opgtui.widgets")
"""Packages no small verb on local input needs: the dashboard and the network and HTCondor clients."""


def modules_after(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.txt"
    proc = subprocess.run(
        [sys.executable, "-c", RUN, str(out), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert out.exists(), proc.stderr
    return set(out.read_text().splitlines())


def loaded(mods: set[str], package: str) -> bool:
    return package in mods or any(m.startswith(package + ".") for m in mods)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    open_store(tmp_path / "opgtui.db").close()
    (tmp_path / "config.yaml").write_text(f"store: {tmp_path}/opgtui.db\nservices:\n  - {{name: samweb}}\n")
    (tmp_path / "job.log").write_text(
        "".join(f"event {i} processed\n" for i in range(200)) + "std::bad_alloc\nKilled\n"
    )
    return tmp_path


@pytest.mark.parametrize("verb", ["tail", "status", "check", "diagnose"])
def test_a_small_verb_never_imports_the_dashboard(workdir: Path, verb: str) -> None:
    cfg = ["--config", str(workdir / "config.yaml")]
    args = {
        "tail": ["tail", str(workdir / "job.log"), "-n", "5"],
        "status": [*cfg, "status"],
        "check": [*cfg, "check", "--require", "samweb"],
        "diagnose": [*cfg, "diagnose", "--log", str(workdir / "job.log")],
    }[verb]
    mods = modules_after(workdir, *args)
    assert "opgtui.cli" in mods  # the verb ran
    assert [p for p in NEVER if loaded(mods, p)] == []
    lazy_verbs = ("opgtui.cli.requests", "opgtui.cli.signatures", "opgtui.cli.store", "opgtui.cli.store_copy")
    assert [m for m in lazy_verbs if loaded(mods, m)] == []
    assert "opgtui.core.model.JobBrief" not in mods  # the job list's record: made for the job list only
    assert not loaded(mods, "asyncio")  # local files and the store need no event loop
    assert not loaded(mods, "multiprocessing")  # plugins' worker processes start only when a plugin runs
    assert not loaded(mods, "importlib.metadata")  # entry points are read from entry_points.txt (~25 ms less)


@pytest.mark.parametrize("verb", [["status"], ["check", "--require", "samweb"]])
def test_the_board_verbs_never_load_re2_for_a_config_read_before(workdir: Path, verb: list[str]) -> None:
    """The config's data-quality pattern was checked on RE2 when the config was first read (and kept): the board's
    verbs start without loading the C++ library again."""
    config = workdir / "config.yaml"
    config.write_text(config.read_text() + "experiments:\n  - name: nova\n    dq: {events_line: 'total = (\\d+)'}\n")
    args = ["--config", str(config), *verb]
    assert loaded(modules_after(workdir, *args), "re2")  # read for the first time: checked
    assert not loaded(modules_after(workdir, *args), "re2")


def test_tail_of_a_file_needs_no_config_store_or_event_loop(workdir: Path) -> None:
    mods = modules_after(workdir, "tail", str(workdir / "job.log"), "-n", "5")
    unused = ("yaml", "asyncio", "sqlite3", "opgtui.config", "opgtui.store", "json")
    assert [p for p in unused if loaded(mods, p)] == []


def test_lazy_verbs_still_run_and_are_listed(workdir: Path) -> None:
    def opgtui(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "opgtui.cli", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "NO_COLOR": "1"},
        )

    listed = opgtui("--help").stdout
    assert all(verb in listed for verb in ("diagnose", "request", "signatures", "tail", "status"))
    assert "request [OPTIONS] COMMAND" in opgtui("request", "--help").stdout
    unknown = opgtui("nosuchverb")
    assert unknown.returncode == 2 and "known:" in unknown.stderr and "signatures" in unknown.stderr
    tail = opgtui("tail", str(workdir / "job.log"), "-n", "2")
    assert tail.returncode == 0 and tail.stdout == "std::bad_alloc\nKilled\n"


def test_help_lists_the_lazy_verbs_without_importing_them(workdir: Path) -> None:
    mods = modules_after(workdir, "--help")
    assert not [
        m for m in ("opgtui.cli.requests", "opgtui.cli.signatures", "opgtui.cli.diagnose", "yaml") if loaded(mods, m)
    ]


def test_the_listed_help_of_a_lazy_verb_is_its_own() -> None:
    import importlib

    import click

    from opgtui.cli import LAZY_COMMANDS, LAZY_HELP

    assert set(LAZY_HELP) == set(LAZY_COMMANDS)
    for name, (module, attr) in LAZY_COMMANDS.items():
        real = getattr(importlib.import_module(module), attr)
        stub = click.Command(name, help=LAZY_HELP[name])
        for limit in (45, 80, 200):
            assert stub.get_short_help_str(limit) == real.get_short_help_str(limit), name


def test_the_time_and_spec_modules_compile_no_pattern_at_import() -> None:
    """`status` imports core.timefmt for its clock and core.yamlspec for a config it reads without a problem: their
    patterns (~1 M instructions each to compile) are compiled when first used, not at every start-up."""
    script = (
        "import re, click, msgspec, datetime\nbefore = set(re._cache)\n"
        "import opgtui.core.timefmt, opgtui.core.yamlspec\nprint(sorted(k[1] for k in set(re._cache) - before))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
