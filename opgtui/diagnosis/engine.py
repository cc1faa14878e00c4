"""One call from (log tail, job numbers, windows, packs) to a verdict, and the verdict as the CLI's JSON."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from opgtui.diagnosis.rules import art_status_findings, hold_findings, rule_findings
from opgtui.diagnosis.signatures import PackSet
from opgtui.diagnosis.verdict import decide
from opgtui.model import Finding, Job, Verdict, Window

_INT = re.compile(r"-?\d+")


def _numbers(text: str) -> list[int]:
    return [int(n) for n in _INT.findall(text[:200])[:4]]


def _expand_numbers(findings: list[Finding], packs: PackSet, *, have_hold: bool) -> list[Finding]:
    """Replace number-carrying lines (hold event codes, art exit status) by what the rules say they mean."""
    out: list[Finding] = []
    last_hold: Finding | None = None
    for f in findings:
        kind = packs.numbers.get(f.signature)
        if kind is None:
            out.append(f)
        elif kind == "art_status":
            nums = _numbers(f.text)
            if nums:
                out.extend(art_status_findings(nums[-1], line=f.line, text=f.text))
        elif kind == "hold":
            last_hold = f
    if last_hold is not None and not have_hold:
        nums = _numbers(last_hold.text)
        if len(nums) >= 2:
            out.extend(hold_findings(nums[0], nums[1], line=last_hold.line, text=last_hold.text))
    return out


def diagnose(lines: Sequence[str], packs: PackSet, *, job: Job | None = None, hold_code: int | None = None,
             hold_subcode: int | None = None, hold_reason: str | None = None, exit_code: int | None = None,
             exit_signal: int | None = None, windows: Sequence[Window] = (), depends_on: Sequence[str] = (),
             now: float | None = None) -> Verdict:
    """The verdict for one job; explicit numbers win over the job's fields, which win over log lines."""
    if job is not None:
        hold_code = job.hold_code if hold_code is None else hold_code
        hold_subcode = job.hold_subcode if hold_subcode is None else hold_subcode
        hold_reason = job.hold_reason if hold_reason is None else hold_reason
        exit_code = job.exit_code if exit_code is None else exit_code
        exit_signal = job.exit_signal if exit_signal is None else exit_signal
    findings = _expand_numbers(packs.scan(lines), packs, have_hold=bool(hold_code))
    if hold_reason:
        for f in packs.scan([hold_reason]):
            if f.signature not in packs.numbers:
                f.line = None
                findings.append(f)
    findings.extend(rule_findings(hold_code=hold_code, hold_subcode=hold_subcode, hold_reason=hold_reason,
                                  exit_code=exit_code, exit_signal=exit_signal))
    return decide(findings, job=job, windows=windows, depends_on=depends_on, now=now)


def verdict_json(v: Verdict) -> dict[str, Any]:
    """The ``opgtui diagnose --json`` object: category, action, signature, evidence, plus title/confidence/reason."""
    return {
        "category": v.category,
        "action": v.action,
        "signature": v.signature,
        "evidence": [{"line": f.line, "text": f.text, "signature": f.signature} for f in v.evidence],
        "title": v.title,
        "confidence": v.confidence,
        "reason": v.reason,
        "windows": [{"service": w.service, "kind": w.kind, "start": w.start, "end": w.end, "source": w.source}
                    for w in v.windows],
    }
