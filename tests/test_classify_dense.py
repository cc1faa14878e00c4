"""The scanner (prefilter, line cache, error-dense path) finds exactly what the full set finds asked about every
line: on the tune corpus's logs, on error-dense synthetic text, and with a cached line met again elsewhere."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from opgtui.core.model import Finding
from opgtui.diagnosis.signatures import (
    BLOCK_LINES,
    DENSE_SHARE,
    LINE_CACHE,
    LINE_CACHE_WIDTH,
    MAX_LINE,
    PackSet,
    load_packs,
)

TUNE = Path(__file__).parent / "data" / "corpus" / "tune"
_NOISE = (
    "Begin processing the {n}th record. run: {r} subRun: {s} event: {e}",
    "%MSG-w TrackFitter:  fitter:pandoraTrack@ 05-Jun-2024 23:{s:02d}:00 CDT  run: {r} event: {e}",
    "ifdh cp /pnfs/nova/scratch/users/novapro/tmp/f{e}.root /srv/in_{n}.root",
    "%MSG",
    "MemReport  VmPeak = {r}.{s} MB  VmHWM = {e}.{n} MB",
)


@pytest.fixture(scope="module")
def packs() -> PackSet:
    return load_packs(plugins=False)


def every_line(packs: PackSet, lines: Sequence[str]) -> list[Finding]:
    """The findings of the full set asked about every line on its own (no prefilter, no cache): the truth."""
    out: list[Finding] = []
    seen: set[str] = set()
    rank = packs._rank
    for index, text in enumerate(lines):
        line = text[:MAX_LINE].encode("utf-8", "replace")
        ids = []
        for i in sorted(packs._set.Match(line) or [], key=rank.__getitem__):
            sig, veto, req = packs._rows[i]
            if veto is not None and veto.search(line) is not None:
                continue
            ids.append(sig.id)
            if req and not seen.intersection(req):
                continue
            at = text[:MAX_LINE]
            out.append(Finding(sig.id, sig.category, sig.action, sig.title, index + 1, at, sig.service, sig.priority))
        seen.update(ids)
    out.sort(key=lambda f: (f.line or 0, -f.priority))
    return out


def dense_text(packs: PackSet, rng: random.Random, share: float, count: int, vary: bool) -> list[str]:
    """``count`` lines, ``share`` of them signature examples (with their digits changed when ``vary``)."""
    examples = [c.example for c in packs.compiled]
    lines = []
    for _ in range(count):
        if rng.random() < share:
            line = rng.choice(examples)
            if vary:
                line = "".join(str(rng.randrange(10)) if ch.isdigit() and rng.random() < 0.5 else ch for ch in line)
        else:
            line = rng.choice(_NOISE).format(
                n=rng.randrange(5000), r=rng.randrange(10**5), s=rng.randrange(60), e=rng.randrange(10**6)
            )
        lines.append(line)
    return lines


def _tune_logs() -> list[list[str]]:
    return [p.read_text(errors="replace").splitlines() for p in sorted(TUNE.rglob("*.log"))]


def test_tune_corpus_logs_scan_as_every_line_finds(packs: PackSet) -> None:
    logs = _tune_logs()
    assert len(logs) > 500
    for lines in logs:
        assert packs.scan(lines) == every_line(packs, lines)
    assert packs._lines  # the cache was used, and scanning again from it finds the same
    for lines in logs:
        assert packs.scan(lines) == every_line(packs, lines)


def test_dense_and_sparse_text_scan_as_every_line_finds(packs: PackSet) -> None:
    rng = random.Random(5)
    dense_seen = False
    for round_ in range(60):
        share = (0.0, 0.02, 0.34, 0.8)[round_ % 4]
        lines = dense_text(packs, rng, share, rng.randrange(1, 12 * BLOCK_LINES), vary=round_ % 3 == 0)
        assert packs.scan(lines) == every_line(packs, lines)
        dense_seen |= packs._dense
    assert dense_seen


def test_a_cached_line_is_found_at_its_new_place_and_after_the_cache_empties(packs: PackSet) -> None:
    rng = random.Random(9)
    lines = dense_text(packs, rng, 0.34, 8 * BLOCK_LINES, vary=False)
    first = packs.scan(lines)
    assert packs._dense and len(first) * DENSE_SHARE >= len(lines)
    wide = [f"{'x' * LINE_CACHE_WIDTH} {line}" for line in lines[:40]]  # never kept: asked again each time
    moved = [*dense_text(packs, rng, 0.0, 37, vary=False), *reversed(lines), *wide, *lines[:50], *wide]
    assert packs.scan(moved) == every_line(packs, moved)
    packs._lines.update({f"filler {i}".encode(): () for i in range(LINE_CACHE - len(packs._lines))})
    assert packs.scan(moved) == every_line(packs, moved)
    fresh = dense_text(packs, rng, 0.34, 4 * BLOCK_LINES, vary=True)  # new lines: the full cache empties
    assert packs.scan(fresh) == every_line(packs, fresh)
    assert len(packs._lines) < LINE_CACHE
    assert packs.scan(moved) == every_line(packs, moved)


def test_requires_sees_only_earlier_lines_when_lines_come_from_the_cache(packs: PackSet) -> None:
    needing = [c for c in packs.compiled if c.requires]
    if not needing:
        pytest.skip("no signature with requires")
    by_id = {c.signature.id: c for c in packs.compiled}
    rng = random.Random(3)
    for c in needing[:20]:
        before = by_id[c.requires[0]].example
        noise = dense_text(packs, rng, 0.34, 3 * BLOCK_LINES, vary=False)
        for lines in ([c.example, *noise, before, c.example], [before, *noise, c.example, c.example]):
            packs.scan(lines)
            assert packs.scan(lines) == every_line(packs, lines)
