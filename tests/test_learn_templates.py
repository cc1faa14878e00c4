"""Templates of unknown failures and the patterns proposed from them (pure: opgtui.learn.templates, .patterns)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opgtui.diagnosis.evaluate import read_lines
from opgtui.learn.patterns import check, matches, propose
from opgtui.learn.templates import decisive_line, mask, mine

LOGS = Path(__file__).parent / "data" / "logs"


def test_mask_hides_what_varies_between_jobs() -> None:
    line = (
        "Job 12345.0@jobsub01.fnal.gov on fnpc4512.fnal.gov (10.0.0.7:9618) at 03:10:01 wrote "
        "/pnfs/nova/scratch/out_28183.root from root://cmsxrootd.fnal.gov//store/a.root, id 0x7f3a2b1c, "
        "uuid 123e4567-e89b-12d3-a456-426614174000, schedd#88412003.66, 2026-11-25"
    )
    assert mask(line) == (
        "Job <JOB> on <HOST> (<IP>) at <TIME> wrote <PATH> from <URL> id <HEX>, uuid <HEX>, <JOB>, <DATE>"
    )


def test_lines_differing_in_files_hosts_and_words_share_one_template() -> None:
    lines = [
        ("a#1.0", "Error opening file /pnfs/nova/a_1.root on host fnpc1.fnal.gov: Permission denied"),
        ("a#2.0", "Error opening file /pnfs/dune/b_22.root on host cmswn7.cern.ch: Permission denied"),
        ("a#3.0", "Error opening file /eos/x/c.root on host node3.example.org: Connection refused"),
        ("a#4.0", "Segmentation violation in module RecoTrack"),
    ]
    mined = mine(lines)
    first = mined.templates[0]
    assert first.text == "Error opening file <PATH> on host <HOST>: <*> <*>"
    assert first.keys == ["a#1.0", "a#2.0", "a#3.0"] and first.example == lines[0][1]
    assert [t.keys for t in mined.templates[1:]] == [["a#4.0"]]
    assert first.id == mine(lines[:3]).templates[0].id  # the same template, the same name


def test_a_pathological_line_leaves_its_job_out_and_says_why() -> None:
    class Hostile(str):
        def __getitem__(self, key: object) -> str:
            raise MemoryError("no")

    mined = mine([("ok#1.0", "Error: disk quota exceeded"), ("bad#1.0", Hostile("x"))])
    assert [t.keys for t in mined.templates] == [["ok#1.0"]]
    assert "MemoryError" in mined.failed["bad#1.0"]


def test_decisive_line_prefers_the_verdict_evidence_then_the_hold_reason_then_the_first_error() -> None:
    lines = [*read_lines(LOGS / "xrootd_3011_no_such_file.log"), "job failed with status 1"]
    first_error = decisive_line(lines)
    assert first_error is not None and "[3011]" in first_error
    assert decisive_line(lines, ["exit code 1", "xrootd read failed"]) == "xrootd read failed"
    assert decisive_line(lines, (), "Transfer input files failure") == "Transfer input files failure"
    assert decisive_line(["starting", "job failed with status 1", ""]) == "job failed with status 1"
    assert decisive_line(["", "  "]) is None


def test_proposed_pattern_matches_every_line_of_its_template_and_runs_on_re2() -> None:
    examples = [
        "Error in <TNetXNGFile::Open>: [ERROR] Server responded with an error: [3011] No such file",
        "Error in <TNetXNGFile::Open>: [ERROR] Server responded with an error: [3011] No such file ",
    ]
    template = mine(("j", e) for e in examples).templates[0]
    pattern = propose(template.text)
    assert pattern is not None and check(pattern) == ""
    assert matches(pattern, examples) == examples
    assert (
        matches(
            pattern, ["Error in <TNetXNGFile::Open>: [ERROR] Server responded with an error: [3010] Permission denied"]
        )
        == []
    )


@pytest.mark.parametrize("template", ["<PATH> <NUM> <*>", "error <NUM>", "<HOST>: ok"])
def test_no_pattern_is_proposed_from_a_template_of_variables(template: str) -> None:
    assert propose(template) is None


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("(unclosed", "invalid pattern"),
        ("(a)\\1", "backtracking"),
        ("(?=lookahead)x", "backtracking"),
        ("x*", "empty line"),
        ("(?i)error", "says nothing about a failure: 'error'"),
        ("Killed", "says nothing"),
        ("Messagelogger", "says nothing"),
    ],
)
def test_a_bad_pattern_is_refused_in_one_line(pattern: str, why: str) -> None:
    problem = check(pattern)
    assert why in problem and "\n" not in problem


def test_a_pattern_matching_a_packs_benign_example_is_refused() -> None:
    assert "request_memory = 4000" in check(r"request_memory\s*=\s*\d+", ["request_memory = 4000"])


def test_a_pattern_from_a_line_with_escapes_is_printable_and_still_matches_it() -> None:
    line = "FATAL \x1b]52;c;aGk=\x07 open failed \u202eelif on storage door"
    pattern = propose(mask(line))
    assert pattern is not None and pattern.isprintable() and "\\x{1b}" in pattern and "\\x{202e}" in pattern
    assert check(pattern) == "" and matches(pattern, [line]) == [line]
