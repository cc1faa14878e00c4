"""Test a candidate signature before it is enabled, and say why it is refused.

On the store: which failed or held jobs it matches (their kept tail, the lines their verdict rests on, their
hold reason), how many of those already carry another verdict (confident or probable), and how many unknown
ones it would decide (each re-diagnosed on its kept tail with and without the candidate). On the labelled corpus
(the evaluation harness of ``opgtui.diagnosis.evaluate``): how many logs it decides, its precision there,
verdicts it would turn from right to wrong, and benign lines it matches (lines of logs labelled ``none``).

Refused: an invalid or too-general pattern, a confident verdict of another category it would change, a benign
line it matches, a right corpus verdict it would make wrong, or (labelling a job) not matching that job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opgtui.diagnosis.signatures import PackSet
from opgtui.learn.library import Learned
from opgtui.learn.pack import compile_learned, with_learned
from opgtui.learn.patterns import check
from opgtui.learn.unknown import cached_tails, failed_jobs

if TYPE_CHECKING:
    from opgtui.store import Store

SIMULATE = 400
"""Unknown jobs re-diagnosed with and without the candidate (a sample: ~4 ms each)."""


@dataclass(slots=True)
class Tested:
    """The numbers of one test, and the refusals (empty: it may be enabled)."""

    problem: str = ""
    matched: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    other_confident: list[tuple[str, str, str]] = field(default_factory=list)  # (job, category, signature)
    other_probable: list[tuple[str, str, str]] = field(default_factory=list)
    would_decide: list[str] = field(default_factory=list)
    simulated: int = 0  # unknown jobs re-diagnosed on their kept tail (at most SIMULATE)
    corpus: dict[str, Any] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refusals

    def summary(self) -> dict[str, Any]:
        """What is kept with the signature and printed as JSON."""
        return {
            "ok": self.ok,
            "refusals": self.refusals,
            "matched": len(self.matched),
            "unknown": len(self.unknown),
            "same_verdict": len(self.same),
            "other_confident": len(self.other_confident),
            "other_probable": len(self.other_probable),
            "would_decide": len(self.would_decide),
            "simulated": self.simulated,
            "other_examples": [list(x) for x in (self.other_confident + self.other_probable)[:5]],
            "corpus": self.corpus,
        }


def default_corpus() -> Path | None:
    """The project's tune corpus when opgtui runs from its source tree (never the held-out one)."""
    import opgtui

    tune = Path(opgtui.__file__).resolve().parents[1] / "tests" / "data" / "corpus" / "tune"
    return tune if tune.is_dir() else None


def job_lines(store: Store) -> dict[str, tuple[Any, Any, list[str], list[str] | None]]:
    """job id -> (job, verdict, lines known without log I/O, kept tail or None) for failed/held jobs."""
    jobs = {j.id: j for j in failed_jobs(store)}
    verdicts = store.verdicts_for(list(jobs)) if jobs else {}
    tails = cached_tails(store, list(jobs))
    out = {}
    for jid, job in jobs.items():
        v = verdicts.get(jid)
        tail = tails[jid][0] if jid in tails else None
        lines = list(tail or [])
        if v is not None:
            lines += [f.text for f in v.evidence if f.text]
        if job.hold_reason:
            lines.append(job.hold_reason)
        out[jid] = (job, v, lines, tail)
    return out


def _search(regex: Any, lines: Sequence[str]) -> bool:
    return any(regex.search(line.encode("utf-8", "replace")) is not None for line in lines)


def vet_on_store(
    store: Store, base: PackSet, candidate: Learned, windows: Sequence[Any] = (), now: float | None = None
) -> Tested:
    """The store half of the test (see the module docstring)."""
    from opgtui.core.patterns import compile_pattern
    from opgtui.diagnosis.engine import diagnose

    t = Tested()
    regex, _ = compile_pattern(candidate.pattern)
    if regex is None:
        return t
    packs = with_learned(base, [candidate])
    for jid, (job, v, lines, tail) in sorted(job_lines(store).items()):
        if not _search(regex, lines):
            continue
        t.matched.append(jid)
        if v is None or v.category == "unknown":
            t.unknown.append(jid)
            if tail and t.simulated < SIMULATE:
                t.simulated += 1
                before = diagnose(tail, base, job=job, windows=windows, now=now)
                after = diagnose(tail, packs, job=job, windows=windows, now=now)
                if after.signature == candidate.id and before.category != after.category:
                    t.would_decide.append(jid)
        elif v.category == candidate.category or v.signature == candidate.id:
            t.same.append(jid)
        elif v.confidence == "confident":
            t.other_confident.append((jid, v.category, v.signature or ""))
        else:
            t.other_probable.append((jid, v.category, v.signature or ""))
    return t


def vet_on_corpus(base: PackSet, candidate: Learned, corpus: Path) -> dict[str, Any]:
    """The corpus half: logs, decided, right, wrong, precision, regressions, benign lines matched."""
    from opgtui.core.patterns import compile_pattern
    from opgtui.diagnosis.engine import diagnose
    from opgtui.diagnosis.evaluate import evaluate, find_cases, read_lines

    cases, errors = find_cases(corpus)
    if not cases:
        return {"dir": str(corpus), "logs": 0, "errors": errors[:3]}
    packs = with_learned(base, [candidate])
    before = evaluate(corpus, lambda lines, job: diagnose(lines, base, job=job), cases=cases)
    after = evaluate(corpus, lambda lines, job: diagnose(lines, packs, job=job), cases=cases)
    was = {o.case.name: o.score for o in before.outcomes}
    mine = [o for o in after.outcomes if o.signature == candidate.id]
    right = sum(1 for o in mine if o.score == "right")
    regressions = [o.case.name for o in after.outcomes if was.get(o.case.name) == "right" and o.score != "right"]
    regex, _ = compile_pattern(candidate.pattern)
    benign = []
    for case in cases:
        if case.label != "none" or regex is None:
            continue
        for line in read_lines(case.path):
            if regex.search(line.encode("utf-8", "replace")) is not None:
                benign.append({"file": case.name, "line": line[:200]})
                break
    return {
        "dir": str(corpus),
        "logs": len(cases),
        "decided": len(mine),
        "right": right,
        "wrong": sum(1 for o in mine if o.score == "wrong"),
        "precision": round(right / len(mine), 3) if mine else None,
        "regressions": regressions,
        "benign": benign,
    }


def vet(
    store: Store,
    base: PackSet,
    candidate: Learned,
    *,
    corpus: Path | None = None,
    job_id: str | None = None,
    windows: Sequence[Any] = (),
    now: float | None = None,
) -> Tested:
    """The whole test; ``refusals`` says why it may not be enabled, with the numbers."""
    benign = [b for c in base.compiled for b in c.benign]
    problem = check(candidate.pattern, benign)
    if not problem:
        errors = compile_learned([candidate], set())[1]
        problem = errors[0].split(": ", 1)[-1] if errors else ""
    if problem:
        return Tested(problem=problem, refusals=[problem])
    t = vet_on_store(store, base, candidate, windows, now)
    if job_id is not None and job_id not in t.matched:
        t.refusals.append(f"the pattern does not match any line of {job_id}, the job you labelled")
    if t.other_confident:
        jid, cat, sig = t.other_confident[0]
        t.refusals.append(
            f"it matches {len(t.other_confident)} job(s) with a confident verdict of another "
            f"category (e.g. {jid}: {cat} by {sig or 'rule'})"
        )
    if corpus is not None:
        t.corpus = vet_on_corpus(base, candidate, corpus)
        if t.corpus.get("benign"):
            first = t.corpus["benign"][0]
            t.refusals.append(
                f"it matches benign lines of {len(t.corpus['benign'])} labelled log(s) that did not "
                f"fail (e.g. {first['file']}: {first['line'][:80]!r})"
            )
        if t.corpus.get("regressions"):
            t.refusals.append(
                f"it would turn {len(t.corpus['regressions'])} right verdict(s) of the labelled "
                f"corpus wrong (e.g. {t.corpus['regressions'][0]})"
            )
    return t
