"""Regression guard: the verdicts' accuracy on the project's labelled corpus of real logs must not fall.

Floors were set from what was measured when they were written (issue 12), a little below it: a change that costs
more than a few logs fails here, with the misses listed. The held-out part is scored only: nobody building
classifier knowledge reads it, so its number stays honest. Raise a floor when the measured number rises.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.evaluate import evaluate
from opgtui.diagnosis.signatures import load_packs

DATA = Path(__file__).parent / "data"
# part: (directory, at least this % right, at most this % wrong)
FLOORS = {
    # 2026-12-07 03:40: 96.6% (28 of 29): the precision rule (opgtui/diagnosis/precision.py) leaves CVMFS's bare
    # 'Failed to initialize root file catalog' probable: the same line came from a mistyped repository name (code) in
    # cvmfs/cvmfs issue 4044, and nothing in it says the service was unavailable.
    "seed": (DATA / "logs", 96.0, 0.0),
    # measured 2026-12-06: 389 logs, 77.9% right, 6.2% wrong. The first held-out set (129 logs, scored 61.2% right,
    # 11.6% wrong while unseen) joined the tuning corpus as the *_h1 themes; a new held-out set replaces it.
    # measured again after the knowledge families of issue 12's second pass (primary-source tables for curl, dCache,
    # Rucio, HTTP, ATLAS transforms; 3010/403/ENOSPC context-dependent): 85.9% right, 2.3% wrong.
    # 2026-12-06 evening: the second held-out set (110 logs; 54.5% right / 8.2% wrong blind, 59.1% / 4.5% at the end
    # of the session that never read it) joined the tuning corpus as the *_h2 themes: 525 logs, 80.6% right, 2.5% wrong.
    # End of that session: 566 logs (71 new real ones), 84.8% right, 1.1% wrong, after a precision audit.
    # 2026-12-06 night: the third held-out set (105 logs; 46.7% right / 12.4% wrong blind, 47.6% / 10.5% at the end
    # of the session that never read it) joined the tuning corpus as the *_h3 themes: 671 logs, 79.0% right, 2.5% wrong.
    # 2026-12-07 00:30 (the root cause by its shape, batch/node/middleware tables from their primary sources, new
    # themes batch_t5, frameworks_t5, storage_t5): 679 logs, 83.9% right, 0.6% wrong.
    # 2026-12-07 01:15 (a log read however it was quoted, a bad_alloc at event 1 no longer resource): 84.7% right,
    # 0.3% wrong.
    # 2026-12-07 01:50: the fourth held-out set (97 logs; 42.3% right / 12.4% wrong blind, 41.2% / 12.4% at the end of
    # the tuning that never read it) joined the tuning corpus as the *_h4 themes.
    # 2026-12-07 02:00 (general failure phrases wherever they sit in a line, the phrases pack): 776 logs, 81.2% right,
    # 1.8% wrong (*_h4 alone 56.7% / 12.4%).
    # 2026-12-07 03:40 (the precision rule, opgtui/diagnosis/precision.py: a step exit code, an errno text, or a service
    # line with no availability or ownership fact no longer decides alone): 837 logs, 78.9% right, 1.0% wrong (was
    # 80.9% / 1.4%). The floor went down on purpose: the rights it costs were line knowledge fitted to tune (those kinds
    # were 93-100% right on tune but 50-69% on logs never seen), and on held-out sets 3-5 at first sight it takes the
    # wrong verdicts from 29 (11.0%) to 16 (6.1%) for 3 rights (118 -> 115) (docs/precision.md).
    # 2026-12-07 05:35: the sixth held-out set (76 logs; 39.5% right / 11.8% wrong blind, 36.8% / 14.5% at the end of
    # the session that never read it) joined tune as *_h6: 913 logs, 75.4% right, 2.1% wrong.
    # 2026-12-07 07:10 (a crash whose crashing frame is the program's own code is code; the precision rule's "a fact
    # only in the title's aside" case; wrong verdicts of sets 3-6 sorted by kind, docs/precision.md): 690 right
    # (75.6%), 13 wrong (1.4%).
    # 2026-12-07 14:10 (log-only kinds from sets 4-6 checked leave-one-set-out, and breadth from primary sources:
    # Slurm/PBS/SGE/LSF/HTCondor daemons, Rucio, FTS3, PanDA, dCache, EOS, XRootD TPC, ARC, DIRAC): 707 right (77.4%),
    # 12 wrong (1.3%).
    "tune": (DATA / "corpus" / "tune", 76.5, 1.6),
    # 2026-12-07 02:45: the fifth held-out set (61 logs; 45.9% right / 6.6% wrong blind) joined tune as *_h5.
    # The sixth held-out set (76 logs from 76 public threads the corpus had not used, labelled before opgtui ran on
    # them), measured blind 2026-12-07 03:02 UTC with the tree of the session's start (73a52c5): 39.5% right, 11.8%
    # wrong (48.7% unknown); at 04:10, after the session's tuning that never read it: 36.8% / 14.5%. Scored only:
    # the floor guards against a regression, it is not a goal.
    # The seventh held-out set (81 logs from 81 public threads the corpus had not used, labelled before opgtui ran on
    # them), measured blind 2026-12-07 05:40 UTC with the tree of the session's start (ab61a0d): 45.7% right, 7.4%
    # wrong; at 07:10, after the session's work that never read it: 44.4% / 7.4%; at 14:10, after the next session's
    # (which never read it either): 46.9% / 7.4%. A regression guard, not a goal.
    "heldout": (DATA / "corpus" / "heldout", 43.0, 9.0),
}


@pytest.fixture(scope="module")
def packs():
    return load_packs(plugins=False)


@pytest.mark.parametrize("part", sorted(FLOORS))
def test_corpus_accuracy_stays_above_its_floor(packs, part):
    root, right_floor, wrong_ceiling = FLOORS[part]
    report = evaluate(root, lambda lines, job: diagnose(lines, packs, job=job))
    assert report.errors == [], report.errors
    assert len(report.outcomes) >= 25, f"{part}: only {len(report.outcomes)} labelled logs"
    misses = "\n".join(f"  {o.case.name}: {o.case.label} -> {o.predicted} [{o.signature}]" for o in report.misses)
    right, wrong = report.percent("right"), report.percent("wrong")
    assert right >= right_floor, f"{part}: {right:.1f}% right, floor {right_floor}%\n{misses}"
    assert wrong <= wrong_ceiling, f"{part}: {wrong:.1f}% wrong, ceiling {wrong_ceiling}%\n{misses}"
