"""One call from (log tail, job numbers, windows, packs) to a verdict, and the verdict as the CLI's JSON.

The packs scan the lines; the reader (``reader.py``) turns stated numbers and exception blocks into findings and
gives each its role; the job's own numbers (hold code, exit code, signal, memory against its request) add
theirs, a specific hold code first; ``verdict.decide`` picks the root cause. A job that exited 0 (its record, or
the log's HTCondor termination events) gets no failure verdict.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from opgtui.core.model import Finding, Job, Verdict, Window
from opgtui.diagnosis import rules
from opgtui.diagnosis.reader import add_roles, read
from opgtui.diagnosis.signatures import PackSet, _clean_line
from opgtui.diagnosis.verdict import decide

_KILLED = ("rule:signal_9", "rule:exit_137", "exit_code_137", "process_killed_sigkill")
"""Findings that say SIGKILL: from the job's numbers, or the log's "exit code 137" and the shell's "Killed"."""
HOLD_FIRST, HOLD_DECIDES = 50, 100
"""A job's hold code whose table entry is this specific decides before any log text (HTCondor said why)."""
KILLED_AT_LIMIT_PRIORITY = 85
"""SIGKILL with the job's memory at its request: the memory limit, for sure."""
CONTEXT_LINES = 8
"""How many lines after an allocation failure its framework's exception context is read."""
IN_EVENT_LOOP = re.compile(r"\bevent:? \d+\b|\bevent method\b")
"""A framework's exception context that names an event: CMSSW's "[0] Processing run: 1 lumi: 1 event: 4" and
"Calling event method for module" (FWCore/Framework exception context), art's "... during a call to the module X
run: 1 subRun: 0 event: 1". Memory grows with events: an allocation failure there is the job's memory running
out; one while constructing modules, in beginJob or an EventSetup component is more often one absurd size."""
EVENT_NUMBER = re.compile(r"\bevent:? (\d+)\b")
FIRST_EVENT = 1
"""An event loop's context naming only event 1 shows no growth: the first event of a run (a simulation's first
job) fails before any event finished, as an allocation of an absurd size does (larexamples' Exploder throws
std::bad_alloc "run: 1 subRun: 0 event: 1"); with no numbers, it stays unknown like a failure in set-up."""
SIZE_ASKED = re.compile(r"Unable to allocate \d")
"""numpy's _ArrayMemoryError states the size it asked for ("Unable to allocate 7.45 GiB for an array")."""


def diagnose(
    lines: Sequence[str],
    packs: PackSet,
    *,
    job: Job | None = None,
    hold_code: int | None = None,
    hold_subcode: int | None = None,
    hold_reason: str | None = None,
    exit_code: int | None = None,
    exit_signal: int | None = None,
    windows: Sequence[Window] = (),
    depends_on: Sequence[str] = (),
    now: float | None = None,
) -> Verdict:
    """The verdict for one job; explicit numbers win over the job's fields, which win over log lines."""
    if job is not None:
        hold_code = job.hold_code if hold_code is None else hold_code
        hold_subcode = job.hold_subcode if hold_subcode is None else hold_subcode
        hold_reason = job.hold_reason if hold_reason is None else hold_reason
        exit_code = job.exit_code if exit_code is None else exit_code
        exit_signal = job.exit_signal if exit_signal is None else exit_signal
    quoted = lines if isinstance(lines, list | tuple) else list(lines)  # indexed again for the evidence
    found, lines, origin = packs.scan_normalised(quoted)
    reading = read(found, packs, lines, have_hold=bool(hold_code))
    findings = reading.findings
    if hold_reason:  # the hold reason is read like a one-line log (codes in it too), its findings without a line
        for f in read(packs.scan([hold_reason]), packs, [hold_reason], have_hold=True).findings:
            f.line = None
            findings.append(f)
    tables = packs.tables
    numbers = rules.rule_findings(
        hold_code=hold_code,
        hold_subcode=hold_subcode,
        hold_reason=hold_reason,
        exit_code=exit_code,
        exit_signal=exit_signal,
        tables=tables,
    )
    for f in numbers:  # a specific hold code comes before text, unless the text says the same more precisely
        if (
            f.signature.startswith("rule:hold_")
            and f.category != "unknown"
            and f.priority >= HOLD_FIRST
            and not any(g.category == f.category and g.priority >= HOLD_FIRST for g in findings)
        ):
            f.priority = max(f.priority, HOLD_DECIDES)
    findings.extend(numbers)
    findings.extend(_memory(job, findings, reading.memory))
    if any(_allocation_failure(f, packs) for f in findings):
        findings[:] = _not_the_memory_limit(job, findings, reading.memory, packs, lines)
    if any(packs.records.get(f.signature) == "disk" for f in findings):
        findings.extend(rules.disk_below_findings(job))
    add_roles(reading.roles, findings, packs)
    exited = exit_code if exit_code is not None or exit_signal else (0 if reading.exited_zero else None)
    succeeded = exited == 0 and not hold_code and not exit_signal
    verdict = decide(
        findings,
        job=job,
        windows=windows,
        depends_on=depends_on,
        now=now,
        roles=reading.roles,
        line_roles=reading.line_roles,
        notes=reading.notes,
        succeeded=succeeded,
        details=reading.details,
    )
    return verdict if lines is quoted else as_quoted(verdict, quoted, origin)


_LINE_MENTION = re.compile(r"\b(lines? )(\d+(?:(?:, | and )\d+)*)")


def as_quoted(verdict: Verdict, quoted: Sequence[str], origin: Sequence[int] | None) -> Verdict:
    """The verdict with its evidence as the log was quoted: each line's original text (a timestamp, a quote's
    "> ", a JSON wrapper kept) and, where squashed lines were split, the number of the line they came from."""

    def number(n: int) -> int:
        return origin[n - 1] + 1 if origin is not None and 0 < n <= len(origin) else n

    evidence = []
    shown: set[int] = set()
    for f in verdict.evidence:
        if f.line is None or not 0 < number(f.line) <= len(quoted):
            evidence.append(f)
            continue
        at = number(f.line)
        if at not in shown:  # the lines split from one quoted line are shown once
            shown.add(at)
            evidence.append(replace(f, line=at, text=_clean_line(quoted[at - 1])))
    reason = verdict.reason
    if origin is not None:
        reason = _LINE_MENTION.sub(
            lambda m: m.group(1) + re.sub(r"\d+", lambda d: str(number(int(d.group()))), m.group(2)), reason
        )
    return replace(verdict, evidence=evidence, reason=reason)


def _allocation_failure(f: Finding, packs: PackSet) -> bool:
    """A pack's ``record: memory`` line, or the art/CMSSW exception category BadAlloc (their code tables' name for
    a std::bad_alloc caught in a module), read from the log."""
    return packs.records.get(f.signature) == "memory" or (
        f.signature.startswith(rules.PREFIX) and f.signature.endswith("_BadAlloc")
    )


def _not_the_memory_limit(
    job: Job | None,
    findings: list[Finding],
    logged: tuple[float, float, int] | None,
    packs: PackSet,
    lines: Sequence[str],
) -> list[Finding]:
    """An allocation failure (``record: memory``: std::bad_alloc, MemoryError) is the memory limit only when
    something says so. When the job's record, or the memory row of its log's HTCondor termination event, shows use
    well below the request, it was no memory limit (an allocation of an absurd size, or an address-space limit),
    which more memory would not cure. With no numbers at all, only a failure in the framework's event loop or one
    that states the size it asked for stays resource; a bare ``std::bad_alloc`` (in set-up, beginJob, an
    EventSetup component, or with no context) says unknown: the limit and a bug look the same."""
    used, asked = (job.memory_used_mb, job.memory_request_mb) if job is not None else (None, None)
    if (used is None or not asked) and logged is not None:
        used, asked = logged[0], logged[1]
    if used is None or not asked:
        note = (
            ", and neither the job's record nor its log shows its memory use against its request: the memory "
            "limit or one allocation of an absurd size (a bug), the line alone does not say which"
        )
        return [
            _unknown(f, note) if _allocation_failure(f, packs) and not _memory_growth(f, lines) else f for f in findings
        ]
    if used >= rules.WELL_BELOW * asked:
        return findings
    note = (
        f", yet the job used only {used:.0f} MB of the {asked:.0f} MB it requested: not its memory limit "
        "(an allocation of an absurd size, or an address-space limit)"
    )
    return [_unknown(f, note) if _allocation_failure(f, packs) else f for f in findings]


def _unknown(f: Finding, note: str) -> Finding:
    """A resource finding turned unknown, its title saying why."""
    if f.category != "resource":
        return f
    return replace(f, category="unknown", action=rules.LOOK, title=f.title + note)


def _memory_growth(f: Finding, lines: Sequence[str]) -> bool:
    """The allocation failure happened in the framework's event loop (its line or the exception context after it
    names an event), or its line states the size it asked for."""
    if SIZE_ASKED.search(f.text):
        return True
    if f.line is None:
        return False
    start = f.line - 1
    return any(_past_first_event(text) for text in lines[start : start + CONTEXT_LINES])


def _past_first_event(text: str) -> bool:
    """The line names the event loop, and an event other than the first ("event method" names none: it counts)."""
    if not IN_EVENT_LOOP.search(text):
        return False
    numbers = [int(n) for n in EVENT_NUMBER.findall(text)]
    return not numbers or any(n != FIRST_EVENT for n in numbers)


def _memory(job: Job | None, findings: list[Finding], logged: tuple[float, float, int] | None) -> list[Finding]:
    """Memory or disk at the request from the job's record, or the memory use and request the log's HTCondor
    termination event states (on that line) when the record does not say; with a SIGKILL that is the memory
    limit."""
    line = None
    if logged is not None and (job is None or job.memory_used_mb is None or not job.memory_request_mb):
        used, asked, line = logged
        job = replace(job or Job(id="", schedd="", cluster=0, proc=0), memory_used_mb=used, memory_request_mb=asked)
    out = rules.memory_findings(job)
    for f in out:
        if f.signature == rules.MEMORY_AT_REQUEST and line is not None:
            f.line = line
    if any(f.signature in _KILLED for f in findings):
        for f in out:
            if f.action == rules.MEMORY:
                f.priority = KILLED_AT_LIMIT_PRIORITY
                f.title = f"Killed (SIGKILL) at the memory limit: {f.title[0].lower()}{f.title[1:]}"
    return out


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
        "windows": [
            {"service": w.service, "kind": w.kind, "start": w.start, "end": w.end, "source": w.source}
            for w in v.windows
        ],
    }
