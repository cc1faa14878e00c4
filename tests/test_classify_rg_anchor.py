"""bench_classify's ripgrep anchor: RE2 patterns translated to Rust syntax match the lines RE2 matches."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest
import re2

from opgtui.diagnosis.signatures import load_packs

_spec = importlib.util.spec_from_file_location(
    "bench_classify", Path(__file__).resolve().parent.parent / "bench" / "bench_classify.py"
)
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)
rust_pattern, Untranslatable = bench.rust_pattern, bench.Untranslatable


@pytest.mark.parametrize(
    ("re2_pattern", "rust"),
    [
        (r"a\sb\S", r"(?:a[\t\n\f\r ]b[^\t\n\f\r ])"),  # RE2's \s has no \v
        (r"(?P<code>\d+) \"x\"", r'(?:(?:\d+) "x")'),  # no duplicate names; Rust 1.x refuses \"
        (r"[^\s:&~[]", r"(?:[^[\t\n\f\r ]:\&\~\[])"),  # Rust nests classes and has && ~~ --
        ("caf\u00e9 [`\u2018]", r"(?:caf(?:\xC3\xA9) (?:[`]|(?:\xE2\x80\x98)))"),
        ("(?i)abc", "(?:(?i)abc)"),  # grouped: rg 13 joins patterns with |, a flag would reach the next
    ],
)
def test_translation(re2_pattern: str, rust: str) -> None:
    assert rust_pattern(re2_pattern) == rust


@pytest.mark.parametrize("pattern", [r"\pL", "[^\u00e9]", "(?i)\u00e9", r"\C"])
def test_untranslatable(pattern: str) -> None:
    with pytest.raises(Untranslatable):
        rust_pattern(pattern)


@pytest.mark.skipif(shutil.which("rg") is None, reason="rg not installed (bench/setup.sh)")
def test_rg_matches_every_example_as_re2(tmp_path: Path) -> None:
    """The translated patterns, run by rg on every signature's example and benign example (near misses) and the
    bench's progress noise, match the very lines RE2 matches."""
    packs = load_packs(plugins=False)
    lines = {line for c in packs.compiled for line in (c.example, *c.benign)}
    lines.update(bench.make_tails(3, ["no error here"])[0])
    examples = sorted(line for line in lines if "\n" not in line and "\r" not in line)
    text = tmp_path / "examples.log"
    text.write_text("\n".join(examples) + "\n", encoding="utf-8")
    data = [e.encode() for e in examples]
    patterns = tmp_path / "patterns.txt"
    rust = [rust_pattern(c.signature.pattern) for c in packs.compiled]
    patterns.write_text("\n".join(rust) + "\n", encoding="utf-8")
    out = subprocess.run(
        ["rg", "--no-config", "--no-unicode", "-n", "-f", str(patterns), str(text)], capture_output=True, check=True
    ).stdout
    got = {int(line.split(b":", 1)[0]) for line in out.splitlines()}
    combined = re2.compile("|".join(f"(?:{c.signature.pattern})" for c in packs.compiled))
    want = {n for n, line in enumerate(data, 1) if combined.search(line) is not None}
    assert got == want
    assert 0 < len(want) < len(examples)
