"""The error-dense path for lines that never repeat (ids, times, sizes): a line's mask (digits made 0s) answers for
the digit-blind signatures, the digit-bound ones whose words its shape holds are asked of the line itself. Its
findings are the full set's on every line."""

from __future__ import annotations

import random

import pytest
from test_classify_dense import dense_text, every_line

from opgtui.diagnosis.needles import digit_blind, requirements
from opgtui.diagnosis.signatures import BLOCK_LINES, PackSet, _holds, load_packs

_DIGITS = bytes.maketrans(b"0123456789", b"0000000000")


@pytest.fixture(scope="module")
def packs() -> PackSet:
    return load_packs(plugins=False)


@pytest.mark.parametrize(
    ("pattern", "blind"),
    [
        (r"a\d+b", True),
        (r"\w+ [^,]* \bfoo\b", True),
        (r"[0-9a-f]{8}x{2,3}", True),
        (r"[^0-9]+", True),
        (r"[1-9]x", False),
        (r"(?i)code (?:137|139)", False),
        (r"[^5]", False),
        (r"\x31", False),
        (r"[[:digit:]]", False),
        (r"a{,3}", False),  # RE2 reads {,3} as literal text, digits included
        (r"(a)\1", False),
    ],
)
def test_digit_blind(pattern: str, blind: bool) -> None:
    assert digit_blind(pattern) is blind


def test_a_digit_bound_signature_is_asked_about_its_own_example_with_other_digits(packs: PackSet) -> None:
    """Its example, and the example with other digits when still a match, holds a word of each requirement of
    one of its ways: the mask says to ask it (or it has no needles and goes by blocks), and the line itself
    holds the words with digits."""
    masker = packs._masker
    assert masker is not None
    rng = random.Random(7)
    bound = 0
    for i, c in enumerate(packs.compiled):
        if masker.blind[i] or i in masker.always:
            continue
        varied = "".join(str(rng.randrange(10)) if ch.isdigit() else ch for ch in c.example)
        for line in (c.example.encode(), varied.encode()):
            if c.regex.search(line) is None:  # its digits mattered (`` (0x`` made `` (3x``): no match to ask about
                continue
            bound += 1
            said = packs._mask_says(masker, line.translate(_DIGITS))
            assert i in said[2], c.signature.id
            assert i not in masker.exact or _holds(line, masker.exact[i]), c.signature.id
    assert bound > 150


def test_digit_blind_signatures_match_a_line_as_its_mask(packs: PackSet) -> None:
    rng = random.Random(4)
    blind = 0
    for c in packs.compiled:
        if not digit_blind(c.signature.pattern):
            continue
        blind += 1
        for _ in range(5):
            line = "".join(str(rng.randrange(10)) if ch.isdigit() else ch for ch in c.example).encode()
            mask = line.translate(_DIGITS)
            assert (c.regex.search(line) is None) == (c.regex.search(mask) is None), c.signature.id
    assert blind > len(packs.compiled) // 2


def test_error_dense_text_with_no_line_repeated_scans_as_every_line_finds(packs: PackSet) -> None:
    fresh = PackSet(packs.compiled, tables=packs.tables)  # caches of its own
    rng = random.Random(18)
    seen: set[str] = set()
    for round_ in range(16):
        share = (0.34, 0.8, 0.02, 0.34)[round_ % 4]
        lines = [
            line
            for line in dense_text(packs, rng, share, rng.randrange(4, 10) * BLOCK_LINES, vary=True)
            if not (line in seen or seen.add(line))
        ]
        assert fresh.scan(lines) == every_line(packs, lines)
    assert fresh._masks and fresh._subsets  # the masks answered, and digit-bound signatures were asked


@pytest.mark.parametrize(
    ("pattern", "ways"),
    [
        # a capturing group that must match once is its items in sequence: a run of literals goes on through it
        (
            r"\[(?:ERROR|FATAL)\].{0,120}?\[(?P<code>30[0-3]\d)\]",
            [[[("ERROR]", False), ("FATAL]", False)], [("[30", False)]]],
        ),
        (r"abc(de)fgh", [[[("abcdefgh", False)]]]),
        (r"(abc|xyz)def", [[[("abcdef", False)]], [[("xyzdef", False)]]]),  # a choice of the whole: two ways
        # a group that may not match, or matches again, is no part of a run
        (r"abc(?P<x>de)?fgh", [[[("abc", False)], [("fgh", False)]]]),
        (r"abc(de)+fgh", [[[("abc", False)], [("fgh", False)]]]),
        # the literals after a choice are part of each of its alternatives: (a|b)cd is (acd|bcd)
        (r"(?:\[|errno=)30(?:03|05)\b", [[[("[300", False), ("errno=300", False)]]]),
        (r"x(?:ab|c\d)efg\d", [[[("abefg", False), ("efg", False)]]]),
        (r"(?:ab|cd)(?:x|yz)efg", [[[("xefg", False), ("yzefg", False)]]]),
        # a group that changes a flag keeps its own case
        (r"abc(?i:DEF)ghi", [[[("abc", False)], [("def", True)], [("ghi", False)]]]),
    ],
)
def test_requirements_read_through_capturing_groups(pattern: str, ways: list) -> None:
    assert requirements(pattern) == ways


def test_a_code_group_digit_word_rules_out_lines_with_other_codes(packs: PackSet) -> None:
    """``codes.xrootd.code1`` (``\\[(?P<code>30[0-3]\\d)\\]``) is asked of a line only when it holds ``[30``: a
    line with another code is not asked; scanned, both give the findings every line's own search gives."""
    masker = packs._masker
    assert masker is not None
    i = next(i for i, c in enumerate(packs.compiled) if c.signature.id == "codes.xrootd.code1")
    assert i in masker.exact
    hit = b"[ERROR] Server responded with an error: [3011] No such file or directory"
    miss = hit.replace(b"[3011]", b"[4011]")
    assert _holds(hit, masker.exact[i]) and not _holds(miss, masker.exact[i])
    fresh = PackSet(packs.compiled, tables=packs.tables)
    rng = random.Random(5)
    for _ in range(3):
        lines = dense_text(packs, rng, 0.34, 4 * BLOCK_LINES, vary=True)
        lines[::7] = [
            f"[ERROR] Server responded with an error: [{rng.choice(('30', '40', '31'))}{rng.randrange(100):02d}] x{n}"
            for n in range(len(lines[::7]))
        ]
        found = fresh.scan(lines)
        assert found == every_line(packs, lines)
        assert any(f.signature == "codes.xrootd.code1" for f in found)
