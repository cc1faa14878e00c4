"""The scanner's prefilter (a yes/no RE2 set over the text and its blocks of lines) finds exactly what asking
every line finds: anchored patterns on any line of a block, matches at block edges, and error-dense text."""

from __future__ import annotations

import random

from opgtui.diagnosis.signatures import BLOCK_LINES, PackSet, compile_signature

RAWS = [
    {
        "id": "keyerror",
        "pattern": r"^KeyError: ",
        "category": "code",
        "action": "debug",
        "title": "KeyError",
        "priority": 50,
        "example": "KeyError: 'run'",
    },
    {
        "id": "enospc",
        "pattern": r"No space left on device$",
        "category": "resource",
        "action": "resubmit with more disk",
        "title": "disk full",
        "priority": 60,
        "example": "cp: error writing 'out.root': No space left on device",
    },
    {
        "id": "expired",
        "pattern": r"(?i)operation expired",
        "category": "service",
        "action": "retry",
        "title": "XRootD timed out",
        "priority": 55,
        "example": "[ERROR] Operation expired",
    },
]
LINES = [
    "KeyError: 'run'",
    "  raise KeyError: 'run'",
    "cp: error writing 'out.root': No space left on device",
    "No space left on device (in a longer message)",
    "[ERROR] Operation Expired",
    "Begin processing the 2nd record",
    "%MSG-i MF_INIT_OK:  Early 05-Jun-2024 23:01:02 CDT JobSetup",
]


def _packs() -> tuple[PackSet, PackSet]:
    compiled = [compile_signature(raw, pack="test")[0] for raw in RAWS]
    every_line = PackSet(compiled)
    every_line._set = every_line._prefilter = None  # each line against each single pattern: the reference
    return PackSet(compiled), every_line


def _found(packs: PackSet, lines: list[str]) -> list[tuple[int | None, str]]:
    return [(f.line, f.signature) for f in packs.scan(lines)]


def test_an_anchored_pattern_matches_on_any_line_of_a_block():
    packs, _ = _packs()
    lines = ["noise"] * (3 * BLOCK_LINES)
    for at in (0, 5, BLOCK_LINES - 1, BLOCK_LINES, 2 * BLOCK_LINES + 7, 3 * BLOCK_LINES - 1):
        lines[at] = "KeyError: 'run'"
    assert _found(packs, lines) == [
        (at + 1, "keyerror") for at in (0, 5, BLOCK_LINES - 1, BLOCK_LINES, 2 * BLOCK_LINES + 7, 3 * BLOCK_LINES - 1)
    ]


def test_sparse_and_error_dense_text_find_what_every_line_finds():
    packs, every_line = _packs()
    rng = random.Random(12)
    for density in (0.0, 0.01, 0.34, 0.9):
        for _ in range(40):
            lines = [
                rng.choice(LINES) if rng.random() < density else f"event {rng.randrange(10**6)} done"
                for _ in range(rng.randrange(1, 6 * BLOCK_LINES))
            ]
            assert _found(packs, lines) == _found(every_line, lines)
