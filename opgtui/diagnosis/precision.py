"""The precision rule: a decided verdict whose only evidence says *where* the job failed or *that* a service
reported a failure, but not whose fault it was, becomes "unknown"; its reason says what it probably is and why
that is not sure, and its evidence lines stay. Pure: a function of the verdict and the findings it came from.

Three kinds of finding cannot decide alone (the data and its sources: ``precision.yaml``):

- **A, a step exit code**: WMAgent's stage-out and log-collect codes and CMSSW's FileOpenError / FileReadError /
  FallbackFileOpenError say which step failed, not why (the storage, the job's own path or a corrupt file).
- **B, an errno text**: "Disk quota exceeded", "Stale file handle", "Permission denied", ... name what a system
  call met; whose path or host it was decides, and the line alone does not say.
- **F, a service verdict with no availability fact**: the line says a service (storage, CVMFS, a transfer)
  reported a failure, but neither it nor the main clause of the signature's title says the service was unavailable
  (timed out, refused, unreachable, down, 5xx, DNS, the node, full, an I/O error, a CRL, a proxy, a download), and
  neither says the failure is its own (its configuration, installation or code; a preemption). A title's
  parenthetical aside lists what the line may mean ("(I/O, overloaded, no space, timed out on the server)", "(a
  broken transfer or pool: retry)"): a possibility, not a fact the line states.

A signature the site's shifters taught (``learned.*``) is theirs to judge and is left alone. Any of them decides
after all with a second finding of the same side (another signature, on another line or in
the job record, not one that only frames or gives context) or when a recorded outage of its service overlapped
the job (the verdict then carries that window). Why (issue 12): on held-out logs scored blind these kinds were
right 50-69% of the time when they decided alone, while the same kinds were 93-100% on the corpus they were
tuned on (docs/precision.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import orjson

from opgtui.core.model import Finding, Verdict

DATA = Path(__file__).with_name("precision.yaml")
LOOK = "look at the log"
QUIET = ("benign", "context", "frame")
"""Roles whose findings never count as a second piece of evidence (verdict.QUIET)."""
DECIDED = ("service", "code", "resource")
LEARNED = "learned."
"""Signatures a site's shifters taught (opgtui.learn): the rule leaves their verdicts alone."""


@dataclass(frozen=True, slots=True)
class Knowledge:
    """``precision.yaml`` read: the availability facts, the step codes by table, the errno-text signatures."""

    availability: tuple[tuple[str, re.Pattern[str]], ...]
    ownership: tuple[tuple[str, re.Pattern[str]], ...]
    """Facts that the failure is the service's own (``owner: true``): read in the whole title, asides included."""
    step_codes: dict[int, tuple[str, str]]
    """code -> (table, what the step is)."""
    step_names: dict[tuple[str, str], int]
    """(table, name) -> code, for the tables whose codes the log names (CMSSW's exception categories)."""
    errno_texts: dict[str, tuple[str, str]]
    """signature -> (errno name, strerror text)."""


def parse(raw: dict) -> Knowledge:
    """The knowledge in a parsed ``precision.yaml`` (every entry names its source)."""
    availability = []
    ownership = []
    for entry in raw.get("availability") or []:
        if not entry.get("source"):
            raise ValueError(f"availability fact {entry.get('fact')!r} names no source")
        (ownership if entry.get("owner") else availability).append((str(entry["fact"]), re.compile(entry["pattern"])))
    step_codes: dict[int, tuple[str, str]] = {}
    step_names: dict[tuple[str, str], int] = {}
    for table in raw.get("step_codes") or []:
        if not table.get("source"):
            raise ValueError(f"step codes of {table.get('table')!r} name no source")
        for code, what in (table.get("codes") or {}).items():
            step_codes[int(code)] = (str(table["table"]), str(what))
            if table.get("names"):
                step_names[(str(table["table"]), str(what))] = int(code)
    errno_texts: dict[str, tuple[str, str]] = {}
    for entry in raw.get("errno_texts") or []:
        if not entry.get("source"):
            raise ValueError(f"errno text {entry.get('errno')!r} names no source")
        for sig in entry.get("signatures") or []:
            errno_texts[str(sig)] = (str(entry["errno"]), str(entry["text"]))
    return Knowledge(tuple(availability), tuple(ownership), step_codes, step_names, errno_texts)


COMPILED = DATA.with_suffix(".json")
"""``precision.yaml`` as plain JSON, written by ``write_compiled()`` (``python -m opgtui.diagnosis.precision``):
read with orjson, so a small verb does not import PyYAML for it (~13 ms); ``tests/test_precision.py`` fails when the
two differ."""


def read_yaml() -> dict:
    """The source, ``precision.yaml`` (comments and all), as plain data."""
    from opgtui.core import safeyaml

    return safeyaml.load_file(DATA)


def write_compiled() -> None:
    """Write ``precision.json`` from ``precision.yaml``."""
    COMPILED.write_bytes(orjson.dumps(read_yaml(), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n")


KNOWLEDGE = parse(orjson.loads(COMPILED.read_bytes()))
"""The shipped knowledge, read once when this module is imported (<1 ms): a verdict reads no file."""


def knowledge() -> Knowledge:
    """The shipped ``precision.yaml``."""
    return KNOWLEDGE


_CODE = re.compile(r"rule:(?:exit|(?P<table>[a-z_]+))_(?:(?P<code>\d+)|(?P<name>[A-Za-z]\w*))$")


def step_code(signature: str | None, k: Knowledge) -> tuple[int, str] | None:
    """(code, what step) when ``signature`` is a step exit code: the job record's ``rule:exit_N`` or a log line's
    mention of it (``rule:<table>_N``, that table's, or ``rule:<table>_<Name>`` where the log names it)."""
    m = _CODE.match(signature or "")
    if m is None:
        return None
    if m.group("name") is not None:
        named = k.step_names.get((m.group("table") or "", m.group("name")))
        if named is None:
            return None
        return named, k.step_codes[named][1]
    code = int(m.group("code"))
    entry = k.step_codes.get(code)
    if entry is None or (m.group("table") is not None and m.group("table") != entry[0]):
        return None
    return code, entry[1]


_ASIDE = re.compile(r"\([^()]*\)")


def main_clause(title: str) -> str:
    """``title`` without its parenthetical asides: what it states, not the causes it lists as possible."""
    while True:
        bare = _ASIDE.sub("", title)
        if bare == title:
            return bare
        title = bare


def first_fact(texts: Iterable[str], facts: Iterable[tuple[str, re.Pattern[str]]]) -> str | None:
    """The first of ``facts`` any of ``texts`` states, or None."""
    facts = tuple(facts)
    for text in texts:
        for fact, pattern in facts:
            if text and pattern.search(text):
                return fact
    return None


def availability_fact(top: Finding, k: Knowledge) -> str | None:
    """The availability fact ``top``'s line or its title's main clause states, or the fact that the failure is
    the service's own, which its title (asides too) or its line states; None when neither says either."""
    return first_fact((main_clause(top.title), top.text), k.availability) or first_fact(
        (top.title, top.text), k.ownership
    )


def doubt(top: Finding, k: Knowledge) -> str | None:
    """Why ``top`` alone does not say whose fault it is, or None when it may decide alone."""
    step = step_code(top.signature, k)
    if step is not None:
        return f"exit code {step[0]} says which step failed, not whose fault it was"
    if top.signature in k.errno_texts:
        name, text = k.errno_texts[top.signature]
        return f'"{text}" ({name}) says what a system call met, not whose path or host it was'
    if top.category == "service" and availability_fact(top, k) is None:
        return (
            "nothing says the service was unavailable or at fault (no time-out, refusal, outage, 5xx, DNS, full disk, "
            "its own configuration ...)"
        )
    return None


def second(
    top: Finding,
    findings: Sequence[Finding],
    role_of: Callable[[Finding], str | None] | None = None,
    k: Knowledge | None = None,
) -> Finding | None:
    """Another finding of ``top``'s side that backs it: another signature, on another line or in the job record,
    of positive priority, not a line that only frames, gives context or says all went on fine, and not the same
    exit code again (the log's mention of the code the job record holds)."""
    k = k or knowledge()
    code = step_code(top.signature, k)
    for f in findings:
        if (
            f is not top
            and f.category == top.category
            and f.signature != top.signature
            and f.priority > 0
            and (f.line is None or f.line != top.line)
            and (role_of is None or role_of(f) not in QUIET)
            and (code is None or step_code(f.signature, k) != code)
        ):
            return f
    return None


PROBABLY = "probably "


def side(verdict: Verdict) -> str:
    """The side a verdict names, or the side it probably is when this rule held it back (its reason begins
    "probably <side> ("): what the deciding finding itself says, for a test of a signature's reading."""
    if verdict.category == "unknown" and verdict.reason.startswith(PROBABLY):
        held = verdict.reason[len(PROBABLY) :].split(" ", 1)[0]
        if held in DECIDED:
            return held
    return verdict.category


def settle(
    verdict: Verdict,
    findings: Sequence[Finding],
    role_of: Callable[[Finding], str | None] | None = None,
    k: Knowledge | None = None,
) -> Verdict:
    """The final verdict: ``verdict`` itself, or "unknown" when its deciding finding (the first of its evidence)
    is one of the kinds that cannot decide alone and nothing backs it (see the module docstring)."""
    if verdict.category not in DECIDED or verdict.windows or not verdict.evidence:
        return verdict
    top = verdict.evidence[0]
    if top.signature != verdict.signature or top.category != verdict.category:
        return verdict
    if top.signature.startswith(LEARNED):  # a line the site's own shifters taught: their knowledge, not ours
        return verdict
    k = k or knowledge()
    why = doubt(top, k)
    if why is None or second(top, findings, role_of, k) is not None:
        return verdict
    return replace(
        verdict,
        category="unknown",
        action=LOOK,
        confidence="none",
        reason=f"{PROBABLY}{verdict.category} ({verdict.action}): {verdict.reason}; but {why}",
    )


if __name__ == "__main__":
    write_compiled()
