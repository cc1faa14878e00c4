"""The example lines of named signatures, for tests that check each pack's examples get the signature's verdict."""

from __future__ import annotations

import re2
import yaml

from classifiers import PACK_DIR
from opgtui.diagnosis import precision
from opgtui.diagnosis.engine import diagnose


def examples_of(added: dict[str, tuple[str, ...]]) -> list[tuple[str, str, str, str]]:
    """(signature id, its category, its pattern, one example line) for every example of the named signatures."""
    cases = []
    for pack, ids in added.items():
        raw = yaml.safe_load((PACK_DIR / f"{pack}.yaml").read_text(encoding="utf-8"))
        by_id = {s["id"]: s for s in raw["signatures"]}
        for sid in ids:
            sig = by_id[sid]
            cases += [
                (sid, sig["category"], sig["pattern"], line) for line in (sig["example"], *sig.get("examples", []))
            ]
    return cases


def assert_example_gets_its_verdict(packs, sid: str, category: str, pattern: str, line: str) -> None:
    """The example line matches its signature's pattern and, alone, gets the signature's category (or, where the
    precision rule holds a lone line of its kind back, "unknown" saying it is probably that category)."""
    verdict = diagnose([line], packs)
    assert re2.search(pattern, line), (sid, line)
    assert precision.side(verdict) == category, (sid, verdict.signature, verdict.reason)
