"""Views take their colours from the theme: no style string in a screen or widget names an ANSI colour
("bold red", "white on blue"); text in a Static uses theme variables ($text-error), table cells component classes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "opgtui"
VIEWS = sorted([*(ROOT / "screens").glob("*.py"), *(ROOT / "widgets").glob("*.py")])
COLOUR = r"(?:red|green|yellow|blue|magenta|cyan|white|black|grey\d*|gray\d*|bright_\w+|#[0-9a-fA-F]{6})"
STYLE_WORD = rf"(?:not\s+)?(?:bold|dim|italic|underline|reverse|strike|on|{COLOUR})"
ANSI_STYLE = re.compile(rf"\s*(?:{STYLE_WORD}\s+)*{COLOUR}(?:\s+{STYLE_WORD})*\s*")


def ansi_styles(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module that are a Rich style naming an ANSI colour."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and ANSI_STYLE.fullmatch(node.value)
    ]


def test_the_pattern_knows_an_ansi_style_from_a_theme_style_and_from_text() -> None:
    assert all(ANSI_STYLE.fullmatch(s) for s in ("red", "bold red", "bold white on blue", "dim green", "grey35"))
    assert not any(ANSI_STYLE.fullmatch(s) for s in ("bold $text-error", "dim", "bold", "$text on $error", "done"))


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: p.name)
def test_no_view_names_an_ansi_colour(path: Path) -> None:
    assert ansi_styles(path) == []
