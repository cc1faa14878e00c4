"""An allocation failure (std::bad_alloc, art/CMSSW BadAlloc) with no memory numbers says resource only when the
event loop shows memory could have grown: one at the first event is the memory limit or one absurd allocation."""

from __future__ import annotations

from pathlib import Path

import pytest

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import PackSet, load_packs

EXPLODER = (
    Path(__file__).parent / "data" / "corpus" / "tune" / "frameworks" / "art_badalloc_exploder_absurd_allocation.log"
)
"""larexamples' DebuggingExamples/CatchException Exploder: a module that allocates max_size() x 1 MiB on purpose."""


@pytest.fixture(scope="module")
def packs() -> PackSet:
    return load_packs(plugins=False)


def test_a_bad_alloc_at_the_first_event_is_not_called_the_memory_limit(packs: PackSet) -> None:
    lines = EXPLODER.read_text(encoding="utf-8").splitlines()
    v = diagnose(lines, packs)
    assert v.category == "unknown", v.reason
    assert "the line alone does not say which" in v.title


def test_a_bad_alloc_later_in_the_event_loop_still_says_memory(packs: PackSet) -> None:
    lines = EXPLODER.read_text(encoding="utf-8").splitlines()
    later = [x.replace("event: 1", "event: 1052") for x in lines]
    assert diagnose(later, packs).category == "resource"
