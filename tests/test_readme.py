"""README.md stays true: its set-up commands, its config reference, its CLI table."""

from __future__ import annotations

import re
from pathlib import Path

import click

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
    for verb in main.list_commands(click.Context(main)):  # the verbs imported when called too
        assert f"opgtui {verb}" in README, verb


def test_links_stay_inside_the_repository() -> None:
    """A reader of the repository alone can follow every link and path the README gives."""
    assert "../" not in README
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", README):
        assert (ROOT / target).exists(), target


def test_the_native_feed_example_is_what_the_parser_reads() -> None:
    from opgtui.config import FeedConfig
    from opgtui.sources.feeds import native

    section = README.split("### The native feed format", 1)[1]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]
    report = native.parse(
        example.encode(), FeedConfig("site", "native", "~/w.yaml"), now=1_764_064_800.0, service_for=lambda name: name
    )  # 2025-11-25 10:00 UTC: inside the window
    assert [(s.service, s.state) for s in report.states][:1] == [("samweb", "down")]
    (window,) = report.windows
    assert (window.service, window.kind, window.description) == ("dcache", "maintenance", "pool upgrade")
    assert report.notes == ["free text shown with the feed"]


def test_the_collector_unit_and_cron_line_run_the_real_verb() -> None:
    section = README.split("### Running the collector", 1)[1].split("###", 1)[0]
    unit = re.search(r"```ini\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]
    assert re.search(r"^ExecStart=\S+/opgtui collect$", unit, re.M) and "[Install]" in unit
    assert re.search(r"^\*/5 \* \* \* \* \S+/opgtui collect ", section, re.M)
