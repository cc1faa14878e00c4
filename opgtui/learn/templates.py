"""Log lines to templates: mask what varies (numbers, paths, hosts, job ids, hex), then group the masked lines
whose tokens mostly agree, the differing tokens becoming ``<*>``. Pure: no I/O, no clock.

The grouping is the idea of Drain (He et al., ICWS 2017: lines of the same length whose tokens mostly agree
share a template), written here in ~60 lines rather than taken from the drain3 package, whose last release
(0.9.11, 2022) pins ``cachetools==4.2.1`` and ``jsonpickle==1.5.1`` exactly (it cannot be installed beside
tox 4; logpai/Drain3 issue 98), which would make this dependency a liability for every experiment's install.

Each job contributes one *decisive line*: the line its unknown verdict rests on, else its hold reason, else its
first error-looking line that says more than "failed with status N", else its last non-blank line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import re2

from opgtui.diagnosis.prefixes import normalise

MAX_LINE = 512
"""Characters of a line that are masked and grouped (the rest rarely tells templates apart)."""
MAX_TOKENS = 48
SIMILARITY = 0.5
"""A line joins a template when at least this share of its tokens are the template's, position by position."""
MAX_PER_BUCKET = 64
"""Templates compared per (length, first token) bucket: bounds the cost of a flood of distinct lines."""
WILDCARD = "<*>"

# One pass, first alternative wins at a position: a URL before its path, a job id before its host, an IP before
# a host, hex before numbers. Each alternative is linear (no nested quantifier matches the same text two ways).
_MASKS: tuple[tuple[str, str, str], ...] = (
    ("url", "<URL>", r"\b[a-zA-Z][a-zA-Z0-9+.-]{0,15}://\S+"),
    ("job", "<JOB>", r"\b\d+(?:\.\d+)?@[\w.-]+|\b[\w.-]+#\d+\.\d+\b"),
    ("path", "<PATH>", r"(?<![\w/.-])(?:~|\.\.?)?(?:/[^\s'\"`,;()\[\]{}<>|/]+)+/?"),
    (
        "hex",
        "<HEX>",
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        r"|\b0[xX][0-9a-fA-F]+\b",
    ),
    ("ip", "<IP>", r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"),
    ("host", "<HOST>", r"\b[a-zA-Z0-9][\w-]*(?:\.[\w-]+)+\.[a-zA-Z]{2,}(?::\d+)?\b"),
    ("date", "<DATE>", r"\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b|\b\d{1,2}-[A-Z][a-z]{2}-\d{4}\b"),
    ("time", "<TIME>", r"\b\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\b"),
    ("longhex", "<HEX>", r"\b[0-9a-fA-F]{8,}\b"),  # a hash: only when it has a digit (see _masked)
    ("num", "<NUM>", r"(?<![A-Za-z<\d])[-+]?\d+(?:\.\d+)?"),
)
_MASK = re.compile("|".join(f"(?P<{group}>{regex})" for group, _, regex in _MASKS))
_MASK_OF = {group: name for group, name, _ in _MASKS}
MASK_NAMES = frozenset(_MASK_OF.values())

_ERRORISH = re2.compile(  # RE2: one DFA pass over a tail (Python's re is ~10x slower on this alternation)
    r"(?i)\b(?:error|fatal|exception|fail(?:ed|ure|s)?|abort(?:ed|ing)?|cannot|can't|unable|denied|refused|"
    r"timed? ?out|killed|segmentation|no such|not found|traceback|exceeded|invalid|panic|corrupt(?:ed)?|"
    r"unreachable|could not|couldn't|missing)\b"
)
_WORD = re.compile(r"[A-Za-z]+")
_GENERIC_WORDS = frozenset(
    (
        "job",
        "jobs",
        "failed",
        "fails",
        "failure",
        "with",
        "status",
        "exit",
        "exited",
        "code",
        "return",
        "returned",
        "value",
        "the",
        "process",
        "error",
        "signal",
        "terminated",
        "and",
        "of",
        "non",
        "zero",
        "nonzero",
        "is",
        "was",
        "has",
        "by",
        "rc",
        "script",
        "command",
        "finished",
        "end",
        "ended",
        "exiting",
        "payload",
        "a",
        "an",
        "in",
    )
)


def _masked(m: re.Match[str]) -> str:
    group = m.lastgroup or "num"
    if group == "longhex" and not any(c.isdigit() for c in m.group()):
        return m.group()  # a word of the letters a-f, not a hash
    return _MASK_OF[group]


@lru_cache(maxsize=16384)
def mask(line: str) -> str:
    """``line`` with numbers, paths, hosts, job ids, hex, times and URLs replaced by ``<NUM>``, ``<PATH>``, ...;
    whitespace runs become one space."""
    return " ".join(_MASK.sub(_masked, line[:MAX_LINE]).split())


def is_generic(line: str) -> bool:
    """A line that says only that something failed or exited with a number ("job failed with status 1")."""
    words = {w.lower() for w in _WORD.findall(mask(line).replace("<NUM>", " "))}
    return not words - _GENERIC_WORDS


def decisive_line(lines: Sequence[str], evidence: Sequence[str] = (), hold_reason: str | None = None) -> str | None:
    """The line a job's failure is grouped by: the first of ``evidence`` (the lines its verdict rests on) that is
    not generic, else the hold reason, else the first error-looking non-generic line, else the last non-blank. The
    lines are read as the scan reads them (``diagnosis.prefixes``: no quote, timestamp or JSON wrapper), so a
    pattern proposed from the line matches what the scan sees."""
    evidence = [part for text in evidence for part in normalise([text])[0]]
    lines = normalise(lines)[0]
    for text in evidence:
        if text.strip() and not is_generic(text):
            return text
    if hold_reason and hold_reason.strip():
        return hold_reason
    shown = [line if isinstance(line, str) else "" for line in lines]
    text = "\n".join(shown)  # one search over the tail, not one per line
    pos = 0
    while (m := _ERRORISH.search(text, pos)) is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        line = text[start:end]
        if not is_generic(line):
            return shown[text.count("\n", 0, start)]
        pos = end + 1
    return next((line for line in reversed(shown) if line.strip()), None)


@dataclass(slots=True)
class Template:
    """Lines that share one template: the template, the keys (job ids) of its lines, an example line each."""

    tokens: list[str]
    keys: list[str] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)  # key -> its decisive line

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def id(self) -> str:
        """A short stable name of the template text: ``T`` and 8 hex digits."""
        return "T" + hashlib.blake2b(self.text.encode("utf-8", "replace"), digest_size=4).hexdigest()

    @property
    def example(self) -> str:
        return self.examples[self.keys[0]] if self.keys else ""


@dataclass(slots=True)
class Mined:
    """The templates (most keys first) and the keys whose line could not be mined, with why."""

    templates: list[Template]
    failed: dict[str, str] = field(default_factory=dict)


def _similarity(template: Sequence[str], tokens: Sequence[str]) -> float:
    same = sum(1 for a, b in zip(template, tokens, strict=True) if a == b)
    return same / len(tokens)


class Miner:
    """Groups lines into templates as they come (see the module docstring)."""

    def __init__(self, similarity: float = SIMILARITY) -> None:
        self.similarity = similarity
        self._exact: dict[str, Template] = {}
        self._buckets: dict[tuple[int, str], list[Template]] = {}
        self._all: list[Template] = []

    def add(self, key: str, line: str) -> Template:
        """Put ``line`` (of job ``key``) in its template; returns the template."""
        masked = mask(line)
        tokens = masked.split(" ")[:MAX_TOKENS] if masked else ["<EMPTY>"]
        joined = " ".join(tokens)
        found = self._exact.get(joined)
        if found is None:
            first = tokens[0] if tokens[0] not in MASK_NAMES else WILDCARD
            bucket = self._buckets.setdefault((len(tokens), first), [])
            best, best_sim = None, self.similarity
            for t in bucket:
                sim = _similarity(t.tokens, tokens)
                if sim >= best_sim:
                    best, best_sim = t, sim
            if best is None:
                best = Template(list(tokens))
                if len(bucket) < MAX_PER_BUCKET:
                    bucket.append(best)
                self._all.append(best)
            else:
                best.tokens = [a if a == b else WILDCARD for a, b in zip(best.tokens, tokens, strict=True)]
            self._exact[joined] = best
            found = best
        if key not in found.examples:
            found.keys.append(key)
            found.examples[key] = line
        return found

    def templates(self) -> list[Template]:
        """Every template, most keys first (then by text)."""
        return sorted((t for t in self._all if t.keys), key=lambda t: (-len(t.keys), t.text))


def mine(items: Iterable[tuple[str, str]], similarity: float = SIMILARITY) -> Mined:
    """Templates of ``(key, line)`` items; a line that cannot be mined leaves its key in ``failed``."""
    miner = Miner(similarity)
    failed: dict[str, str] = {}
    for key, line in items:
        try:
            miner.add(key, line)
        except Exception as exc:  # a pathological line: its job stays unknown, and we say so
            failed[key] = f"{type(exc).__name__}: {exc}"[:200]
    return Mined(miner.templates(), failed)
