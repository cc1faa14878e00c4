"""README.md stays true: its set-up commands, its config reference, its CLI table."""

from __future__ import annotations

import re
from pathlib import Path

from opgtui.cli import main
from opgtui.config import EXAMPLE

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_two_setup_commands_and_ci_runs_the_test_one() -> None:
    blocks = re.findall(r"```\n(python3 -m venv .*?)\n```", README)
    assert len(blocks) == 2
    assert blocks[0].endswith("opgtui demo")
    assert blocks[1].endswith("pytest")
    assert "grep -m1 -E '^python3 -m venv .*pytest' README.md" in (ROOT / ".ci" / "run").read_text()


def test_config_reference_is_the_example() -> None:
    assert EXAMPLE in README


def test_every_cli_verb_is_documented() -> None:
    for verb in main.commands:  # type: ignore[attr-defined]
        assert f"opgtui {verb}" in README, verb
