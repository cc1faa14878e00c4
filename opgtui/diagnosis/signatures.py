"""Signature packs: load and validate them, compile them with RE2, scan log lines for findings.

A pack is YAML (see ``classifiers/htcondor.yaml`` for the schema). Packs come from the bundled directory,
from extra directories (the config's ``classifier_dirs``) and from installed plugins: an entry point in the
group ``opgtui.classifiers`` names either a directory of packs or a callable ``findings(lines) -> [Finding]``.

Patterns are untrusted. They are compiled with RE2 (linear time, bounded memory), never with Python's ``re``;
whatever RE2 cannot run (backreferences, lookaround) is rejected with a clear error, and so is anything invalid.
A broken file, signature or plugin is reported in ``PackSet.errors`` (one line each) and skipped.

Fields beyond the schema in ``classifiers/htcondor.yaml``'s header:

- ``exclude:`` an RE2 pattern that vetoes the signature on a line it also matches (``"OOMKilled": false`` is no
  OOM kill; ``Operation expired ... retrying`` is no failure). Its examples must not be vetoed, and a ``benign:``
  example the pattern matches is accepted when ``exclude`` vetoes it.
- ``role: interrupt`` (an eviction or preemption the job is re-run after) gives way to a later real error;
  ``role: frame`` marks a frame of a package's own code (middleware): a Python frame whose programming errors are
  its own, or a gdb or Java frame that, as a stack's innermost frame, says that component failed.
- ``role: wrapper`` marks a line that wraps its cause ("container creation failed:" with the reason on the
  next lines): a real finding in the 30 lines after it decides instead; alone, the wrapper decides.
- ``role: benign`` marks lines that say the job went on fine: no finding on such a line decides.
  ``role: context`` marks lines that are no cause by themselves (a removal by the owner, a DAG abort): they
  never decide, and an eviction logged with them is no site failure.
- ``record: disk`` on an ambiguous line (category unknown: "No space left on device"): the job record's disk
  use decides it, at the request resource, well below it (under half) the node's disk (service).
  ``record: memory`` on an allocation failure (std::bad_alloc, MemoryError): when the job's record (or its log's
  HTCondor termination event) shows memory use well below the request (under half), the failure was no memory
  limit (an allocation of an absurd size, or an address-space limit): unknown instead of resource.
- named groups ``(?P<path>...)``, ``(?P<file>...)``, ``(?P<host>...)``, ``(?P<url>...)``, ``(?P<what>...)`` in a
  pattern: the verdict's reason quotes what they captured on the deciding line ("path /store/x.root").

Scanning joins the lines into one buffer and asks a one-pattern ``re2.Set`` of every signature combined (the
prefilter) whether the buffer, then each block of ``BLOCK_LINES`` lines, matches at all; the lines of a block
that does are asked of the full ``re2.Set``, whose answer (which signatures) is the truth. A set only answers
yes or no, a DFA pass with no match positions: RE2 finds where a match starts with a slower reverse pass or its
NFA (about 100 us per matching line for the combined pattern), which made error-dense text crawl.
What the full set said of a line (its findings to be, vetoes applied) is kept by the line's bytes across scans
(``LINE_CACHE``); after an error-dense text the next one's known lines are answered from there and only the
others go to the prefilter.
Error lines that never repeat (their ids, times and sizes change) are answered from their masks, their digits
made 0s (:class:`Masker`): most signatures treat every digit alike (``needles.digit_blind``) and match a line
exactly when they match its mask, which the full set is asked about once; the others are asked of the line itself
in a small set of only those whose words the line holds. RE2 builds its DFAs' states as new text asks for them
(about 5x the cost of a warm pass for the full set on text it has not seen): the masks keep the large sets on
text they know.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any, get_type_hints

import msgspec
import re2

from classifiers import PACK_DIR
from opgtui.core.model import CATEGORIES, Finding, Signature
from opgtui.core.patterns import compile_pattern, re2_options
from opgtui.core.yamlspec import Spec, SpecError, convert, did_you_mean
from opgtui.diagnosis import packcache, packsnap
from opgtui.diagnosis.codes import CodeTables, bundled_tables, load_tables
from opgtui.diagnosis.needles import Needle, candidates, digit_blind, folded, requirements
from opgtui.diagnosis.plugins import PluginRunner
from opgtui.diagnosis.prefixes import needs_normalising, normalise

MAX_LINE = 4096
"""Only the first MAX_LINE characters of a line are examined (and shown as evidence)."""

ACTIONS: tuple[str, ...] = (
    "retry",
    "debug",
    "resubmit with more memory",
    "resubmit with more disk",
    "resubmit with more time",
    "look at the log",
)
ENTRY_POINT_GROUP = "opgtui.classifiers"
NUMBER_KINDS = ("hold", "art_status")
"""The original ``numbers:`` kinds; any code table's name (``classifiers/codes``) is accepted too."""
NUMBER_ALIASES = {"hold": "htcondor_hold", "art_status": "art"}
"""Older ``numbers:`` kinds and the code table they now name."""
ROLES = ("wrapper", "crash", "consequence", "benign", "context", "interrupt", "frame")
"""``role:`` of a signature for the reader: an exception that wraps the cause, a crash an earlier I/O failure
explains, something an earlier error causes (a missing output), a line that says the job went on fine (every
other match on that line is vetoed too: it never decides), context that is no cause by itself (a removal by
the owner or a DAG abort: it never decides, and the reason names it when nothing else does), an interruption the
job is re-run after (an eviction, a preemption: a later real error decides instead), or a Python frame in a
package's code (never decides; a programming-error exception raised there is that package's, as the frame's
category says)."""
RECORDS = ("disk", "memory")
"""``record:`` what in the job's record settles a signature's line (``disk``, ``memory``: use against request)."""
DETAIL_GROUPS = ("path", "file", "host", "url", "what")
"""Named groups (``(?P<path>...)``) whose text the verdict's reason quotes for the deciding line."""
_NUMBERS_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")


_YAML_ONLY: tuple[tuple[str, Any, Any], ...] = (
    ("benign", list[str] | None, None),
    ("requires", list[str] | None, None),
    ("numbers", str | None, None),
    ("examples", list[str] | None, None),
    ("notes", Any, None),
    ("role", str | None, None),
    ("exclude", str | None, None),
    ("record", str | None, None),
)
"""The keys a pack's signature may have beyond the model's (``core.model.Signature``), optional, in schema order."""


def _spec_fields() -> list[tuple[Any, ...]]:
    """SignatureSpec's keys: the model's fields (``core.model.Signature``, their one declaration), but ``category``
    as text (checked in :func:`compile_signature` with its own message) and not ``pack`` (the file's, not the
    signature's); then the YAML-only keys: the required ``example`` after the model's required keys, the rest
    after its optional ones."""
    hints = get_type_hints(Signature)
    model = [(f, str if f.name == "category" else hints[f.name]) for f in fields(Signature) if f.name != "pack"]
    required = [(f.name, kind) for f, kind in model if f.default is MISSING]
    optional = [(f.name, kind, f.default) for f, kind in model if f.default is not MISSING]
    return [*required, ("example", str), *optional, *_YAML_ONLY]


SignatureSpec: Any = msgspec.defstruct(
    "SignatureSpec",
    _spec_fields(),
    bases=(Spec,),
    module=__name__,
    forbid_unknown_fields=True,
    namespace={
        "__doc__": "One signature of a pack, as its YAML gives it: the one declaration of the keys a signature may"
        " have (the\nchecks of their values follow in :func:`compile_signature`).",
    },
)


class PackSpec(msgspec.Struct):
    """A pack file, for editors' JSON Schema (``opgtui config schema pack``): its name and its signatures. The
    loader checks each signature on its own (one bad signature does not lose the pack) and ignores other keys."""

    signatures: list[SignatureSpec]
    pack: str | None = None


_KEYS = SignatureSpec.__struct_fields__
_KEYS_REQUIRED = _KEYS[: len(_KEYS) - len(SignatureSpec.__struct_defaults__)]
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,80}")
_MAX_PACK_BYTES = 2 << 20
_RE2_COMBINED_MEM = 256 << 20
_MAX_ERRORS = 200
BLOCK_LINES = 32
"""Lines per block the prefilter is asked about: a block with no match costs one DFA pass; in error-dense text
(a third of the lines matching) nearly every block matches, and its lines go to the full set one by one."""
DENSE_RUN = 3
"""After this many matching blocks in a row the text is error-dense: the remaining lines go to the full set
without asking the prefilter about their blocks."""
DENSE_SHARE = 8
"""A long text one of whose ``DENSE_SHARE`` lines gives findings is error-dense: the next long text's lines are
first looked up in the line cache, and only the lines it does not know go to the prefilter (as one text, then
in blocks), not the whole text."""
LINE_CACHE = 1 << 15
"""Distinct lines whose findings (signatures matched, vetoes applied, best priority first) a PackSet keeps
across scans: a failing job repeats its error lines, and a batch of jobs repeats them too. Emptied when full."""
LINE_CACHE_WIDTH = 1024
"""Longer lines are not kept in the line cache (it stays under ~32 MB)."""
FEW_SETS = 4
"""Short texts scanned with a set of only their candidate signatures (``needles``) before the full set is built:
one log costs ~2 ms instead of the full set's ~35 ms, but many logs are quicker with the full set built once."""
MASK_CACHE = 1 << 15
"""Distinct line masks (digits made 0s: :class:`Masker`) a PackSet keeps across scans, as LINE_CACHE."""
SUBSETS = 512
"""Sets of a few digit-bound signatures (a line's candidates) kept compiled for the error-dense path; emptied
when full. Each has an RE2 budget of ``_SUBSET_MEM``: at most 512 MB together, a few MB as they are used."""
SUBSET_MAX = 24
"""A line with more digit-bound candidates than this asks the full set: a small set is quicker only while small."""
_SUBSET_MEM = 1 << 20
_PART_LINES = 8
"""Lines per part of a block the needle-less digit-bound signatures may match (``_always_hits``)."""
_WAYS = 1 << 16
"""A signature's requirements are numbered way * _WAYS + requirement (``Masker.by_word``)."""
_DIGITS = bytes.maketrans(b"0123456789", b"0000000000")
PLUGIN_BUDGET = 2.0
"""Seconds a Python plugin's findings() may take on one log before its findings for that log are dropped."""

Finder = Callable[[list[str]], list[Finding]]
Entry = tuple[tuple[str, ...], str, str, str, str, "str | None", int]
"""A signature's ``requires``, then the fields of its Finding but the line's: id, category, action, title, service,
priority."""
Rows = tuple[tuple[str, ...], tuple[Entry, ...]] | tuple[()]
"""A line's findings to be: the ids of the signatures matched and not vetoed there that another signature
``requires``, and the entries of all of them, best first; () for a line with none."""


def _first(item: tuple[int, Rows]) -> int:
    return item[0]


def _holds(line: bytes, ways: Ways) -> bool:
    """Whether ``line`` holds a word of each requirement of one of ``ways`` (case ignored as ``needles`` does)."""
    low: bytes | None = None
    for way in ways:
        for alternatives in way:
            for word, ci in alternatives:
                if ci:
                    if low is None:
                        low = folded(line)
                    if word in low:
                        break
                elif word in line:
                    break
            else:
                break  # a requirement no word of which the line holds: not this way
        else:
            return True
    return False


def _keep(cache: dict[bytes, Any], line: bytes, value: Any, most: int) -> None:
    """``cache[line] = value`` for a line no longer than ``LINE_CACHE_WIDTH``; the cache emptied at ``most``."""
    if len(line) <= LINE_CACHE_WIDTH:
        if len(cache) >= most:
            cache.clear()
        cache[line] = value


def _matching_blocks(matches: Callable[[bytes], Any], lines: list[bytes], at: Sequence[int]) -> list[tuple[int, bytes]]:
    """(index, line) of ``lines`` (their indices ``at``) in the blocks of ``BLOCK_LINES`` the prefilter's
    ``matches`` says may match; after ``DENSE_RUN`` matching blocks in a row the rest are taken without asking
    (in error-dense text asking about blocks is wasted)."""
    out: list[tuple[int, bytes]] = []
    run = 0  # blocks in a row that matched
    for start in range(0, len(lines), BLOCK_LINES):
        block = lines[start : start + BLOCK_LINES]
        if run >= DENSE_RUN or matches(b"\n".join(block)):
            out.extend(zip(at[start : start + BLOCK_LINES], block, strict=True))
            run += 1
        else:
            run = 0
    return out


@dataclass(slots=True)
class Masker:
    """What the error-dense path knows of the signatures. ``blind``: those whose pattern and veto treat every
    digit alike (``needles.digit_blind``): they match a line exactly when they match it with its digits made 0s
    (its mask). The others (``digit-bound``) are asked of the line itself, only those whose words its mask holds
    (a word of each requirement of one of their ways, ``needles.requirements``; a word with its digits made 0s,
    case ignored for a case-ignoring one): ``match`` (an RE2 set of those words) gives the words in a mask,
    ``by_word`` each word's (signature, way * _WAYS + requirement), ``needed`` each signature's count of
    requirements per way; ``always`` are the digit-bound ones with no needles, asked only in the blocks of lines
    a set of them (``always_match``) says they may match."""

    blind: list[bool]
    match: Callable[[bytes], list[int]] | None
    by_word: list[tuple[tuple[int, int], ...]]
    needed: list[list[int]]
    always: tuple[int, ...]
    always_match: Callable[[bytes], Any] | None
    exact: dict[int, Ways]
    """The digit-bound signatures with a word holding digits, their ways as (word, case ignored) to look for in
    the line itself (its mask holds a word with other digits too) before the line is asked of them."""


Ways = tuple[tuple[tuple[tuple[bytes, bool], ...], ...], ...]
"""A signature's ways, each its requirements, each the words (and whether case is ignored) one of which a match
holds (``needles.requirements``)."""
Masked = tuple[Rows, tuple[int, ...], tuple[int, ...]]
"""What a line mask (digits made 0s) says of every line it is the mask of: the rows of its digit-blind matches
(vetoes applied), those matches, and the digit-bound signatures whose words it holds (still to ask)."""
_NOTHING: Masked = ((), (), ())


@dataclass(slots=True, frozen=True)
class CompiledSignature:
    """A validated signature with its compiled pattern and the pack-only fields."""

    signature: Signature
    regex: Any  # re2 compiled pattern
    example: str
    benign: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    numbers: str | None = None
    source: str = ""
    role: str | None = None
    exclude: Any = None  # re2 compiled veto: a line it matches is no match of this signature
    record: str | None = None  # "disk": the job record's disk use against its request says whose this line is


class PackSet:
    """The loaded signatures, the problems found while loading, and the scanner."""

    def __init__(
        self,
        compiled: Sequence[CompiledSignature],
        finders: Sequence[tuple[str, Finder]] = (),
        errors: Sequence[str] = (),
        tables: CodeTables | None = None,
    ) -> None:
        self.compiled: list[CompiledSignature] = list(compiled)
        self.signatures: list[Signature] = [c.signature for c in self.compiled]
        self.finders: list[tuple[str, Finder]] = list(finders)
        self.errors: list[str] = list(errors)
        self.tables: CodeTables = tables if tables is not None else bundled_tables()
        self.numbers: dict[str, str] = {
            c.signature.id: NUMBER_ALIASES.get(c.numbers, c.numbers) for c in self.compiled if c.numbers
        }
        self.number_regex: dict[str, Any] = {c.signature.id: c.regex for c in self.compiled if c.numbers}
        self.roles: dict[str, str] = {c.signature.id: c.role for c in self.compiled if c.role}
        self.pack_of: dict[str, str] = {c.signature.id: c.signature.pack for c in self.compiled}
        self.records: dict[str, str] = {c.signature.id: c.record for c in self.compiled if c.record}
        self.detail_regex: dict[str, Any] = {  # from the pattern's text: a lazy pattern stays uncompiled
            c.signature.id: c.regex
            for c in self.compiled
            if not _group_names(c.signature.pattern).isdisjoint(DETAIL_GROUPS)
        }
        self.plugin_budget = PLUGIN_BUDGET
        self._runners: dict[str, PluginRunner] = {}
        self._rows = [(c.signature, c.exclude, c.requires) for c in self.compiled]
        self._required = {r for c in self.compiled for r in c.requires}
        order = sorted(range(len(self.compiled)), key=lambda i: (-self.compiled[i].signature.priority, i))
        self._rank = [0] * len(order)  # signature index -> its place, best priority first
        for place, i in enumerate(order):
            self._rank[i] = place
        self._set_built: Any = _UNBUILT
        self._prefilter_built: Any = _UNBUILT
        self.needles: list[list[Needle] | None] | None = None
        self._few_left = FEW_SETS
        """Each signature's needles (``needles.py``; a loaded snapshot knows them): a short text's first scan
        compiles only the signatures whose words it holds, not the full set."""
        self._lines: dict[bytes, Rows] = {}
        """The line cache (``LINE_CACHE``): a line's bytes -> its rows, () for a line with no finding."""
        self._dense = False
        """The last long text was error-dense (``DENSE_SHARE``): look its successor's lines up first."""
        self._unknown_found = True
        """The last error-dense text's lines the line cache did not know gave findings: ask their successors'
        masks at once, not the prefilter first (:meth:`_unknown_rows`)."""
        self._masker_built: Any = _UNBUILT
        self._masks: dict[bytes, Masked] = {}
        """A line's mask (its digits made 0s) -> what it says of the line (``MASK_CACHE``)."""
        self._subsets: dict[tuple[int, ...], Callable[[bytes], list[int]]] = {}
        """Candidate signatures -> a set of only them, compiled (``SUBSETS``)."""

    # The two combined sets (~13 ms each for the bundled packs) are built on first use: a small verb that loads
    # the packs and scans a short log never builds the prefilter; None means "not available" (too big).

    @property
    def _set(self) -> Any:
        if self._set_built is _UNBUILT:
            self._set_built = self._build_set()
        return self._set_built

    @_set.setter
    def _set(self, value: Any) -> None:
        self._set_built = value

    @property
    def _prefilter(self) -> Any:
        if self._prefilter_built is _UNBUILT:
            self._prefilter_built = self._build_prefilter()
        return self._prefilter_built

    @_prefilter.setter
    def _prefilter(self, value: Any) -> None:
        self._prefilter_built = value

    def _build_set(self) -> Any:
        if not self.compiled:
            return None
        opts = re2_options(_RE2_COMBINED_MEM)
        try:
            rset = re2.Set.SearchSet(opts)
            for c in self.compiled:  # (?m): the same on one line, and ^ $ stay line anchors on the whole text
                rset.Add("(?m)" + c.signature.pattern)
            rset.Compile()
            return rset
        except re2.error as exc:  # too big together: confirm with the single patterns instead
            self._note(f"signature set: {exc}; scanning with single patterns (slower)")
            return None

    def _build_prefilter(self) -> Any:
        if not self.compiled:
            return None
        opts = re2_options(_RE2_COMBINED_MEM)
        opts.never_capture = True
        try:  # (?m): ^ and $ stay line anchors in a block of lines; a block never misses a line's match
            prefilter = re2.Set.SearchSet(opts)
            prefilter.Add("(?m)" + "|".join(f"(?:{c.signature.pattern})" for c in self.compiled))
            prefilter.Compile()
            return prefilter
        except re2.error as exc:
            self._note(f"combined prefilter: {exc}; checking every line (slower)")
            return None

    def close(self) -> None:
        """Stop the plugins' worker processes (they also end with this process)."""
        for runner in self._runners.values():
            runner.close()

    def _note(self, error: str) -> None:
        if error not in self.errors and len(self.errors) < _MAX_ERRORS:
            self.errors.append(error)

    def _confirm(self, line: bytes) -> list[int]:
        if self._set is not None:
            return self._set.Match(line) or []  # type: ignore[no-any-return]
        return [i for i, c in enumerate(self.compiled) if c.regex.search(line) is not None]

    def scan(self, lines: Sequence[str]) -> list[Finding]:
        """Every signature match in ``lines`` (1-based line numbers), in line order; never raises on input."""
        try:
            text, shown = _prepare(lines)
        except Exception as exc:  # input we cannot even turn into text
            self._note(f"scan: unreadable input ({type(exc).__name__})")
            return []
        return self._scan_prepared(text, shown)

    def scan_unquoted(self, lines: Sequence[str]) -> tuple[list[Finding], Sequence[str]]:
        """``scan_normalised`` without the line map."""
        found, lines, _origin = self.scan_normalised(lines)
        return found, lines

    def scan_normalised(self, lines: Sequence[str]) -> tuple[list[Finding], Sequence[str], list[int] | None]:
        """``scan`` of the lines as the job wrote them (``prefixes.py``: without a quote's "> ", timestamps, a JSON
        wrapper, ANSI colours, a shared indentation; squashed lines split), those lines (``lines`` itself when none
        needed it), and which line of ``lines`` each came from (None: one for one). The check rides on the text
        the scan prepares anyway, so a log that needs nothing costs no second join."""
        origin = None
        try:
            text, shown = _prepare(lines)
            if needs_normalising(text):
                normal, origin = normalise(shown, text)
                if normal is not shown:
                    lines = normal
                    text, shown = _prepare(lines)
        except Exception as exc:  # input we cannot even turn into text
            self._note(f"scan: unreadable input ({type(exc).__name__})")
            return [], lines, None
        return self._scan_prepared(text, shown), lines, origin

    def _scan_prepared(self, text: bytes, shown: Sequence[str]) -> list[Finding]:
        out = self._scan_text(text, shown) if self.compiled else []
        if self.finders:  # the scan's own are in order already: by line, then best priority first
            for name, finder in self.finders:
                out.extend(self._plugin_findings(name, finder, shown))
            out.sort(key=lambda f: (f.line or 0, -f.priority))
        return out

    def _candidate_lines(self, text: bytes) -> list[tuple[int, bytes]]:
        """(0-based index, line) of every line in a block the prefilter says may match; all blocks are asked
        before any line goes to the full set (alternating the two large DFAs costs each its CPU cache)."""
        if self._prefilter_built is _UNBUILT and text.count(b"\n") < BLOCK_LINES:
            return list(enumerate(text.split(b"\n")))  # a short text: the full set alone is quicker than building it
        if self._prefilter is None:
            return list(enumerate(text.split(b"\n")))
        matches = self._prefilter.Match
        if not matches(text):
            return []
        lines = text.split(b"\n")
        if len(lines) <= BLOCK_LINES:
            return list(enumerate(lines))
        return _matching_blocks(matches, lines, range(len(lines)))

    def _confirmer(self, text: bytes) -> Callable[[bytes], list[int]]:
        """Which signatures match a line: the full set's answer, or, for a short text while the full set is not
        built, that of a set of only the signatures whose needles the text holds (the others cannot match)."""
        short = self._set_built is _UNBUILT and text.count(b"\n") < BLOCK_LINES
        if short and self._few_left and self.needles is not None:
            self._few_left -= 1
            few = self._few_set(text)
            if few is not None:
                return few
        return self._full()

    def _full(self) -> Callable[[bytes], list[int]]:
        """Which signatures match a line: the full set's answer (the truth)."""
        raw = getattr(self._set, "_set", None)  # the binding's own set: no per-line wrapper call
        return raw.Match if raw is not None and hasattr(raw, "Match") else self._confirm  # type: ignore[no-any-return]

    def _few_set(self, text: bytes) -> Callable[[bytes], list[int]] | None:
        assert self.needles is not None
        if len(self.needles) != len(self.compiled):
            return None
        keep = candidates(text, self.needles)
        if not keep:
            return lambda _line: []
        if 2 * len(keep) > len(self.compiled):  # nearly the full set: build that, for the scans to come too
            return None
        try:
            rset = re2.Set.SearchSet(re2_options(_RE2_COMBINED_MEM))
            for i in keep:
                rset.Add("(?m)" + self.compiled[i].signature.pattern)
            rset.Compile()
        except re2.error:
            return None
        match = rset.Match
        return lambda line: [keep[j] for j in match(line) or ()]

    def _scan_text(self, text: bytes, shown: Sequence[str]) -> list[Finding]:
        """The findings of the lines that give any (:meth:`_matched_rows`), in line order; a signature that
        ``requires`` others finds only after one of them has, on an earlier line."""
        out: list[Finding] = []
        seen: set[str] = set()
        count = len(shown)
        append = out.append
        for index, (ids, entries) in self._matched_rows(text):
            at = shown[index][:MAX_LINE] if index < count else ""
            for req, sid, category, action, title, service, priority in entries:
                if req and not seen.intersection(req):
                    continue
                append(Finding(sid, category, action, title, index + 1, at, service, priority))
            if ids:
                seen.update(ids)
        return out

    def _matched_rows(self, text: bytes) -> list[tuple[int, Rows]]:
        """(0-based index, rows) of every line of ``text`` that matches a signature not vetoed there, in order.
        A long text after an error-dense one: the line cache answers for the lines it knows and the prefilter is
        asked only about the others; else the prefilter's candidate lines (:meth:`_candidate_lines`)."""
        cache = self._lines
        lines: list[bytes] | None = None
        if self._dense and cache and self._prefilter_built not in (_UNBUILT, None):
            lines = text.split(b"\n")
        if lines is not None and len(lines) > BLOCK_LINES:
            known = list(map(cache.get, lines))
            found = [(index, rows) for index, rows in enumerate(known) if rows]
            unknown = [index for index, rows in enumerate(known) if rows is None]
            asked = self._unknown_rows(text, lines, unknown) if unknown else []
            if asked:
                found.extend(asked)
                found.sort(key=_first)
            total = len(lines)
        else:
            found = self._confirmed_rows(text, self._candidate_lines(text))
            total = text.count(b"\n") + 1 if found else 0
        if total > BLOCK_LINES or not found:
            self._dense = DENSE_SHARE * len(found) >= total > 0
        return found

    def _unknown_rows(self, text: bytes, lines: list[bytes], unknown: list[int]) -> list[tuple[int, Rows]]:
        """(index, rows) of the lines at ``unknown`` (the line cache does not know them) that give findings: from
        their masks (:meth:`_masked_rows`), or, when the last text's such lines gave none (in error-dense text
        whose errors repeat the others are progress lines), after the prefilter says they may give any (asked
        about them as one text: with line anchors a line's match is one of the joined text's). Without the
        masks' sets the prefilter's candidates (:meth:`_unknown_candidates`) go to the full set."""
        asked = b"\n".join([lines[i] for i in unknown])
        if not self._unknown_found and not self._prefilter.Match(asked):
            return []
        found = self._masked_rows(asked, lines, unknown)
        if found is None:
            found = self._confirmed_rows(text, self._unknown_candidates(lines, unknown))
        self._unknown_found = bool(found)
        return found

    def _unknown_candidates(self, lines: list[bytes], unknown: list[int]) -> list[tuple[int, bytes]]:
        """(index, line) of the lines at ``unknown`` the prefilter says may match: asked about them all as one
        text (with line anchors a line's match is one of the joined text's), then block by block (``DENSE_RUN``)."""
        matches = self._prefilter.Match
        asked = [lines[i] for i in unknown]
        if not unknown or not matches(b"\n".join(asked)):
            return []
        if len(unknown) <= BLOCK_LINES:
            return list(zip(unknown, asked, strict=True))
        return _matching_blocks(matches, asked, unknown)

    @property
    def _masker(self) -> Masker | None:
        if self._masker_built is _UNBUILT:
            self._masker_built = self._build_masker()
        return self._masker_built  # type: ignore[no-any-return]

    def _build_masker(self) -> Masker | None:
        """Which signatures are digit-blind, and the digit-bound ones' words (digits made 0s) in one RE2 set
        (their signatures by word) and a set of those with no needles; None when a set does not compile."""
        blind = [
            digit_blind(c.signature.pattern)
            and (c.exclude is None or digit_blind(getattr(c.exclude, "pattern", None) or "\\1"))
            for c in self.compiled
        ]
        index: dict[str, set[tuple[int, int]]] = {}
        always = []
        needed: list[list[int]] = [[] for _ in self.compiled]
        exact: dict[int, Ways] = {}
        for i, c in enumerate(self.compiled):
            if blind[i]:
                continue
            ways = requirements(c.signature.pattern)
            if ways is None:
                always.append(i)
                continue
            if any(ch.isdigit() for reqs in ways for alternatives in reqs for w, _ci in alternatives for ch in w):
                exact[i] = tuple(
                    tuple(tuple((w.encode(), ci) for w, ci in alternatives) for alternatives in reqs) for reqs in ways
                )
            for way, reqs in enumerate(ways):
                needed[i].append(len(reqs))
                for r, alternatives in enumerate(reqs):
                    for w, ci in alternatives:
                        word = ("(?i)" if ci else "") + re2.escape(w.encode().translate(_DIGITS)).decode()
                        index.setdefault(word, set()).add((i, way * _WAYS + r))
        try:
            match = None
            if index:
                rset = re2.Set.SearchSet(re2_options(_RE2_COMBINED_MEM))
                for word in index:
                    rset.Add(word)
                rset.Compile()
                match = getattr(rset, "_set", rset).Match
            always_match = self._subset(tuple(always), _RE2_COMBINED_MEM) if always else None
        except re2.error as exc:
            self._note(f"needle set: {exc}; error-dense text goes to the prefilter (slower)")
            return None
        return Masker(blind, match, [tuple(v) for v in index.values()], needed, tuple(always), always_match, exact)

    def _subset(self, keep: tuple[int, ...], mem: int = _SUBSET_MEM) -> Callable[[bytes], list[int]]:
        """Which of the signatures ``keep`` (indices, ascending) match a line: a set of only them (``mem`` its
        RE2 budget), compiled once (``SUBSETS``); or the full set's answer among them, when there are many
        (``SUBSET_MAX``), or they do not compile together, or the set does not find each one's example (its
        DFA out of memory: a set then answers nothing)."""
        done = self._subsets.get(keep)
        if done is not None:
            return done
        match = None
        if len(keep) <= SUBSET_MAX:
            try:
                rset = re2.Set.SearchSet(re2_options(mem))
                for i in keep:
                    rset.Add("(?m)" + self.compiled[i].signature.pattern)
                rset.Compile()
                match = getattr(rset, "_set", rset).Match
            except re2.error:
                match = None
        if match is not None and all(
            j in (match(self.compiled[i].example.encode("utf-8", "replace")) or ()) for j, i in enumerate(keep)
        ):

            def confirm(line: bytes) -> list[int]:
                return [keep[j] for j in match(line) or ()]

        else:
            full, wanted = self._full(), set(keep)

            def confirm(line: bytes) -> list[int]:
                return [i for i in full(line) or () if i in wanted]

        if len(self._subsets) >= SUBSETS:
            self._subsets.clear()
        self._subsets[keep] = confirm
        return confirm

    def _masked_rows(self, asked: bytes, lines: list[bytes], unknown: list[int]) -> list[tuple[int, Rows]] | None:
        """(index, rows) of the lines at ``unknown`` that give findings, from their masks (digits made 0s:
        :class:`Masker`): a mask met before answers for its digit-blind signatures (``_masks``), a new one is
        asked of the full set once; the digit-bound signatures whose words a line holds are asked of the
        line itself, as one small set (:meth:`_subset`); a line with none of them is asked nothing. The
        needle-less digit-bound ones are asked about in blocks of ``BLOCK_LINES`` (a line's match is one of its
        block's, with line anchors), and a line of a block they may match is asked of them too. ``asked``: those
        lines joined. None when the sets do not compile (:meth:`_build_masker`)."""
        masker = self._masker
        if masker is None:
            return None
        more = self._always_hits(masker, asked, lines, unknown)
        known, cache, exact = self._masks, self._lines, masker.exact
        masks = asked.translate(_DIGITS).split(b"\n")
        saids = list(map(known.get, masks))
        out: list[tuple[int, Rows]] = []
        for k in [k for k, said in enumerate(saids) if said is not _NOTHING or unknown[k] in more]:
            said, index = saids[k], unknown[k]
            if said is None:
                mask = masks[k]
                said = self._mask_says(masker, mask)
                _keep(known, mask, said, MASK_CACHE)
            rows, hits, bound = said
            line = lines[index]
            if bound and exact:
                bound = tuple(i for i in bound if i not in exact or _holds(line, exact[i]))
            found = [*(self._subset(bound)(line) if bound else ()), *more.get(index, ())]
            if found:
                rows = self._rows_of(line, [*hits, *found])
            if rows or bound:  # a line met again is not asked again
                _keep(cache, line, rows, LINE_CACHE)
            if rows:
                out.append((index, rows))
        return out

    def _always_hits(
        self, masker: Masker, asked: bytes, lines: list[bytes], unknown: list[int]
    ) -> dict[int, list[int]]:
        """The needle-less digit-bound signatures matching each line at ``unknown`` (index -> them, lines with
        any): asked of those lines as one text (``asked``), then of each block of ``BLOCK_LINES`` lines, of each
        ``_PART_LINES`` of a block they match, and of each line of a part they match (a line's match is one of
        the text's, its block's and its part's: line anchors)."""
        match = masker.always_match
        if match is None or not match(asked):
            return {}
        wanted = set(unknown)
        out: dict[int, list[int]] = {}
        for start in range(0, len(lines), BLOCK_LINES):
            if not match(b"\n".join(lines[start : start + BLOCK_LINES])):
                continue
            for part in range(start, min(start + BLOCK_LINES, len(lines)), _PART_LINES):
                if match(b"\n".join(lines[part : part + _PART_LINES])):
                    for index in range(part, min(part + _PART_LINES, len(lines))):
                        if index in wanted and (hits := match(lines[index])):
                            out[index] = hits
        return out

    def _mask_says(self, masker: Masker, mask: bytes) -> Masked:
        """What ``mask`` says of every line it is the mask of: the full set's digit-blind matches on it (the
        same as on the line) and their rows (their vetoes are digit-blind too), and the digit-bound signatures
        whose words it holds (a line holding a word holds the word with its digits made 0s in its mask)."""
        blind = masker.blind
        hits = tuple(i for i in self._full()(mask) or () if blind[i])
        bound: tuple[int, ...] = ()
        if masker.match is not None:
            words = masker.match(mask)
            if words:
                by_word, needed = masker.by_word, masker.needed
                held = {pair for w in words for pair in by_word[w]}
                have = Counter((i, r // _WAYS) for i, r in held)
                bound = tuple(sorted({i for (i, way), n in have.items() if n == needed[i][way]}))
        rows = self._rows_of(mask, list(hits))
        return (rows, hits, bound) if rows or bound else _NOTHING

    def _confirmed_rows(self, text: bytes, candidates: list[tuple[int, bytes]]) -> list[tuple[int, Rows]]:
        """(index, rows) of the ``candidates`` (lines of ``text``) that give findings: each line's rows from the
        line cache, or from the full set (:meth:`_confirmer`), then kept there."""
        cache = self._lines
        confirm: Callable[[bytes], list[int]] | None = None
        out: list[tuple[int, Rows]] = []
        for index, line in candidates:
            rows = cache.get(line)
            if rows is None:
                if confirm is None:
                    confirm = self._confirmer(text)
                rows = self._rows_of(line, confirm(line) or [])
                _keep(cache, line, rows, LINE_CACHE)
            if rows:
                out.append((index, rows))
        return out

    def _rows_of(self, line: bytes, hits: list[int]) -> Rows:
        """The signatures (and their ``requires``) of the set's ``hits`` on ``line``, vetoes applied, best
        priority first."""
        if len(hits) > 1:
            hits = sorted(hits, key=self._rank.__getitem__)
        rows = [self._rows[i] for i in hits]
        kept = [(sig, req) for sig, veto, req in rows if veto is None or veto.search(line) is None]
        if not kept:
            return ()
        ids = tuple(sig.id for sig, _req in kept if sig.id in self._required)
        return ids, tuple(
            (req, sig.id, sig.category, sig.action, sig.title, sig.service, sig.priority) for sig, req in kept
        )

    def _plugin_findings(self, name: str, finder: Finder, shown: Sequence[str]) -> list[Finding]:
        """The plugin's findings, run in its worker with ``plugin_budget`` seconds; late or failing: none."""
        runner = self._runners.get(name)
        if runner is None:
            runner = self._runners[name] = PluginRunner(name, finder)
        result, problem = runner.call(shown, self.plugin_budget)
        if result is None:
            self._note(problem)
            return []
        good = [f for f in result if isinstance(f, Finding) and f.category in CATEGORIES]
        if len(good) != len(result):
            self._note(f"plugin {name!r}: findings() returned something that is not a Finding with a valid category")
        return good


def _clean_line(item: Any) -> str:
    if isinstance(item, bytes | bytearray):
        item = bytes(item).decode("utf-8", "replace")
    elif not isinstance(item, str):
        try:
            item = str(item)
        except Exception:
            item = ""
    item = item[:MAX_LINE]
    if "\r" in item or "\n" in item:
        item = item.rstrip("\r").replace("\r", " ").replace("\n", " ")
    return item


def _prepare(lines: Sequence[str]) -> tuple[bytes, Sequence[str]]:
    """One UTF-8 buffer of the lines joined by newlines, and the lines as examined."""
    if not isinstance(lines, list | tuple):
        lines = list(lines)
    shown: Sequence[str] = lines
    try:
        if lines and max(map(len, lines)) > MAX_LINE:
            raise TypeError
        joined = "\n".join(lines)
    except TypeError:
        shown = [_clean_line(x) for x in lines]
        joined = "\n".join(shown)
    if joined.count("\n") != max(len(shown) - 1, 0) or "\r" in joined:
        shown = [_clean_line(x) for x in shown]
        joined = "\n".join(shown)
    return joined.encode("utf-8", "replace"), shown


# ---------------------------------------------------------------------------------------------- loading


def load_packs(extra_dirs: Iterable[Path] = (), *, plugins: bool = True) -> PackSet:
    """Bundled packs, then ``extra_dirs`` (directories of ``*.yaml`` or single files), then plugins."""
    errors: list[str] = []
    sources: list[Path] = [PACK_DIR, *(Path(d) for d in extra_dirs)]
    finders: list[tuple[str, Finder]] = []
    if plugins:
        plugin_dirs, finders = _plugins(errors)
        sources.extend(plugin_dirs)
    stamps = packsnap.key(sources)
    snapshot = packsnap.load(stamps)  # the validated set of a load of these very files: nothing checked again
    if snapshot is not None:
        compiled, problems, tables, words = snapshot
        packs = PackSet(compiled, finders, [*errors, *problems], tables)
        packs.needles = words
        return packs
    found = len(errors)
    compiled, tables = _load_sources(sources, errors)
    packsnap.save(stamps, sources, compiled, errors[found:], tables)
    return PackSet(compiled, finders, errors, tables)


def _load_sources(sources: list[Path], errors: list[str]) -> tuple[list[CompiledSignature], CodeTables]:
    """Every pack file and code table of ``sources``, read (through the pack cache) and checked in full."""
    packcache.begin()
    compiled: list[CompiledSignature] = []
    for source in sources:
        for path in _pack_files(source, errors):
            compiled.extend(load_pack_file(path, errors))
    tables = load_tables([s / "codes" for s in sources if s.is_dir()])
    errors.extend(tables.errors)
    packcache.flush()
    compiled = _check_numbers(compiled, tables, errors) + mention_signatures(tables) + structure_signatures()
    return _resolve(compiled, errors), tables


def _check_numbers(compiled: list[CompiledSignature], tables: CodeTables, errors: list[str]) -> list[CompiledSignature]:
    """Drop signatures whose ``numbers:`` names no loaded table."""
    out = []
    for c in compiled:
        table = NUMBER_ALIASES.get(c.numbers or "", c.numbers)
        if table is not None and table not in tables:
            errors.append(f"{c.source}: signature {c.signature.id!r}: numbers names no code table {c.numbers!r}")
        else:
            out.append(c)
    return out


STRUCTURE = "structure"
"""``numbers:`` of the reader's own structural markers (not a code table)."""
_STRUCTURE_PATTERNS = {
    "structure.python_chain": (
        r"^\s*(?:During handling of the above exception, another exception occurred|"
        r"The above exception was the direct cause of the following exception):",
        "During handling of the above exception, another exception occurred:",
    ),
    "structure.return_value": (
        r"\bNormal termination \(return value (?P<code>\d+)\)",
        "	(1) Normal termination (return value 0)",
    ),
    "structure.exit_status": (
        r"(?i)\b(?:exit(?:ed)?|returned|finished|failed|terminated|completed)(?: with)?(?: an?)?"
        r"(?: non-?zero)? (?:exit )?(?:code|status)\b[ :=]*(?P<code>\d{1,3})\b",
        "Command exited with non-zero status 134",
    ),
    "structure.died_with_signal": (
        r"\bdied with <Signals\.SIG[A-Z0-9]+: (?P<signal>\d{1,2})>",
        "subprocess.CalledProcessError: Command '['lar', '-c', 'reco.fcl']' died with <Signals.SIGSEGV: 11>.",
    ),
    "structure.memory_usage": (
        r"^\s*Memory \(MB\)\s*:\s*(?P<used>\d+)\s+(?P<request>\d+)\s+\d+\s*$",
        "	   Memory (MB)          :     2135     2000      2048 ",
    ),
    "structure.ad_memory_usage": (
        r'^\s*"?MemoryUsage"?\s*[=:]\s*(?P<used>\d+)\s*,?\s*$',
        "MemoryUsage = 9766",
    ),
    "structure.ad_request_memory": (
        r'^\s*"?RequestMemory"?\s*[=:]\s*(?P<request>\d+)\s*,?\s*$',
        "RequestMemory = 2000",
    ),
    "structure.lsf_max_memory": (
        r"^\s*Max Memory :\s+(?P<used>\d+(?:\.\d+)?) MB\s*$",
        "    Max Memory :                                 4759 MB",
    ),
    "structure.lsf_requested_memory": (
        r"^\s*Total Requested Memory :\s+(?P<request>\d+(?:\.\d+)?) MB\s*$",
        "    Total Requested Memory :                     10240.00 MB",
    ),
    "structure.pbs_used_memory": (
        r"^\s*resources_used\.mem\s*=\s*(?P<used>\d+)(?P<unit>[kmgtKMGT]?[bB])\s*$",
        "    resources_used.mem = 4194304kb",
    ),
    "structure.pbs_requested_memory": (
        r"^\s*Resource_List\.mem\s*=\s*(?P<request>\d+)(?P<unit>[kmgtKMGT]?[bB])\s*$",
        "    Resource_List.mem = 4gb",
    ),
    "structure.seff_memory": (
        r"^\s*Memory Efficiency:\s+(?P<pct>\d+(?:\.\d+)?)% of (?P<request>\d+(?:\.\d+)?) (?P<unit>[KMGTPE]B)\s*$",
        "    Memory Efficiency: 99.69% of 117.79 GB",
    ),
    "structure.ad_exit_code": (
        r'^\s*"?ExitCode"?\s*[=:]\s*(?P<code>\d+)\s*,?\s*$',
        "ExitCode = 137",
    ),
    "structure.ad_exit_signal": (
        r'^\s*"?ExitSignal"?\s*[=:]\s*(?P<signal>\d+)\s*,?\s*$',
        "ExitSignal = 9",
    ),
    "structure.user_source_error": (
        r"(?i)(?:^|[\s\"'(])(?P<source>(?:/home|/Users|/afs/[^/\s]+/(?:user|work)|/eos/user)/[^\s:\"']+)"
        r":\d+:(?:\d+:)?\s*(?:fatal error|error|exception|terminate called|abort|assertion)\b"
        r"|\w(?:Exception|Error)\b[^\n]*\bin line \d+ of "
        r"(?P<rule_source>(?:/home|/Users|/afs/[^/\s]+/(?:user|work)|/eos/user)/[^\s:\"']+)"
        r"|\w(?:Exception|Error) in file \"?"
        r"(?P<file_source>(?:/home|/Users|/afs/[^/\s]+/(?:user|work)|/eos/user)/[^\s:\"']+)\"?, line \d+",
        "/afs/cern.ch/user/v/vpascuzz/work/private/analysis/lxqq/code/DijetFramework_r21/source/DijetFramework/"
        "xAODAnaHelpers/Root/Algorithm.cxx:65:exception: Could not retrieve eventInfo container (EventInfo) for "
        "isMC() check.",
    ),
}
"""Lines that give a log its structure: Python's chained tracebacks (the first exception is the cause),
HTCondor's termination events (the job's exit code, when its record does not say) and their resource table
(``Memory (MB) : usage request allocated``, condor_utils/condor_event.cpp: the job's memory against its request), a
pasted job ad's literal ``MemoryUsage`` and ``RequestMemory`` (condor_q -l ``MemoryUsage = 9766``, -json
``"MemoryUsage": 9766,``; an expression is no number and is not read) and its ``ExitCode`` / ``ExitSignal``, LSF's
resource usage summary in the job's output (``Max Memory :  4759 MB``, ``Total Requested Memory :  10240.00 MB``),
Slurm's seff (contribs/seff: ``Memory Efficiency: 99.69% of 117.79 GB``), PBS/Torque qstat -f
(``resources_used.mem = 4194304kb``, ``Resource_List.mem = 4gb``),
and a wrapper's statement of its payload's exit status ("Command exited with non-zero status N": GNU time;
"returned non-zero exit status N" / "died with <Signals.SIGSEGV: 11>": CPython's subprocess.CalledProcessError;
"exited with exit code N", "finished with exit code N": batch systems and job wrappers), read as an exit code."""


def structure_signatures() -> list[CompiledSignature]:
    """The reader's structural markers as scan signatures (``numbers: structure``)."""
    out = []
    for sid, (pattern, example) in _STRUCTURE_PATTERNS.items():
        regex, _ = compile_pattern(pattern)
        sig = Signature(sid, pattern, "unknown", "look at the log", "log structure", None, -100, "codes")
        out.append(CompiledSignature(sig, regex, example, (), (), STRUCTURE, "opgtui.diagnosis.signatures"))
    return out


def mention_signatures(tables: CodeTables) -> list[CompiledSignature]:
    """The code tables' mention patterns as scan signatures (``numbers:`` their table); the engine turns each
    match into what the table says the number or name means."""
    out = []
    for table in tables.tables.values():
        for n, m in enumerate(table.mentions, 1):
            regex, _ = compile_pattern(m.pattern)
            sid = f"codes.{table.name}.{'name' if m.by_name else 'code'}{n}"
            sig = Signature(
                sid, m.pattern, "unknown", "look at the log", f"{table.title} in the log", None, -100, "codes"
            )
            veto = compile_pattern(m.exclude)[0] if m.exclude else None
            out.append(CompiledSignature(sig, regex, m.example, (), (), table.name, table.path, exclude=veto))
    return out


def _pack_files(source: Path, errors: list[str]) -> list[Path]:
    if source.is_file():
        return [source]
    if not source.is_dir():
        errors.append(f"{source}: classifier directory does not exist")
        return []
    return sorted(p for p in source.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def entry_points(group: str) -> Any:
    """The installed entry points of ``group``, read without importlib.metadata (``plugins.entry_points``)."""
    from opgtui.core.entrypoints import entry_points as installed

    return installed(group=group)


def _plugins(errors: list[str]) -> tuple[list[Path], list[tuple[str, Finder]]]:
    dirs: list[Path] = []
    finders: list[tuple[str, Finder]] = []
    try:
        eps = list(entry_points(group=ENTRY_POINT_GROUP))
    except Exception as exc:
        errors.append(f"plugins: cannot list entry points: {exc}")
        return dirs, finders
    for ep in eps:
        label = f"plugin {ep.name!r} ({ep.value})"
        try:
            obj = ep.load()
        except Exception as exc:
            errors.append(f"{label}: failed to load: {type(exc).__name__}: {exc}")
            continue
        obj = getattr(obj, "PACK_DIR", obj)
        if isinstance(obj, str | os.PathLike):
            dirs.append(Path(obj))
        elif callable(obj):
            finders.append((ep.name, obj))
        else:
            errors.append(f"{label}: neither a directory of packs nor a callable findings(lines)")
    return dirs, finders


def read_yaml(path: Path, max_bytes: int) -> tuple[Any, str]:
    """(data, "") or (None, one line saying why not), through the bounded loader (``opgtui.core.safeyaml``): size,
    aliases, nesting and scalars capped, safe types only; a file unchanged since it last parsed comes from the
    JSON cache of parsed packs (``opgtui.diagnosis.packcache``)."""
    hit, data = packcache.lookup(path)
    if hit:
        return data, ""
    from opgtui.core import safeyaml

    try:
        data = safeyaml.load_file(path, safeyaml.Limits(max_bytes=max_bytes))
        packcache.store(path, data)
        return data, ""
    except safeyaml.YamlError as exc:
        problem = (
            exc.problem
            if exc.problem.startswith(("larger than", "cannot read", "not valid YAML"))
            else f"not valid YAML: {exc.problem}"
        )
        return None, f"{path}{f':{exc.line}' if exc.line else ''}: {problem}"


def load_pack_file(path: Path, errors: list[str]) -> list[CompiledSignature]:
    """The valid signatures of one pack file; problems are appended to ``errors``."""
    data, problem = read_yaml(path, _MAX_PACK_BYTES)
    if problem:
        errors.append(problem)
        return []
    if not isinstance(data, dict) or not isinstance(data.get("signatures"), list):
        errors.append(f"{path}: a pack is a mapping with 'pack' and a 'signatures' list")
        return []
    pack = str(data.get("pack") or path.stem)
    checked = packcache.clean(path)  # every signature of this very file passed before: its examples too
    out = []
    lines: list[int | None] | None = None
    for n, raw in enumerate(data["signatures"], 1):
        sig, problem = compile_signature(raw, pack=pack, source=str(path), examples=not checked)
        if sig is None:
            name = raw.get("id") if isinstance(raw, dict) else None
            lines = lines if lines is not None else _signature_lines(path, len(data["signatures"]))
            where = f"{path}:{lines[n - 1]}" if n <= len(lines) and lines[n - 1] else str(path)
            errors.append(f"{where}: signature {name or f'#{n}'!r}: {problem}")
        else:
            out.append(sig)
    if len(out) == len(data["signatures"]):
        packcache.mark_clean(path)
    return out


def _signature_lines(path: Path, count: int) -> list[int | None]:
    """The line each signature of a pack file starts on (its data may have come from the pack cache, with no
    lines): read only for a file with a bad signature."""
    from opgtui.core import safeyaml
    from opgtui.core.yamlspec import line_of

    try:
        root = safeyaml.compose(safeyaml.read_text(path, safeyaml.Limits(max_bytes=_MAX_PACK_BYTES)), path)
    except safeyaml.YamlError:
        return []
    return [line_of(root, "signatures", i) for i in range(count)]


def compile_signature(
    raw: Any, *, pack: str = "", source: str = "", examples: bool = True
) -> tuple[CompiledSignature | None, str]:
    """Validate one signature mapping and compile its pattern: (compiled, "") or (None, problem). ``examples``
    False skips matching the examples (a file the pack cache knows passed them unchanged)."""
    if not isinstance(raw, dict):
        return None, "not a mapping"
    missing = [k for k in _KEYS_REQUIRED if raw.get(k) in (None, "")]
    if missing:
        return None, f"missing {', '.join(missing)}"
    unknown = sorted(set(raw) - set(_KEYS), key=str)
    if unknown:
        return None, f"unknown keys {', '.join(map(str, unknown))}" + (
            did_you_mean(str(unknown[0]), _KEYS) if len(unknown) == 1 else ""
        )
    try:
        spec: Any = convert(raw, SignatureSpec, None, source, loose=False)
    except SpecError as exc:
        return None, f"{exc.key}: {exc.problem}" if exc.key else exc.problem
    sid, pattern, category = spec.id, spec.pattern, spec.category
    if not _ID.fullmatch(sid):
        return None, "id must be 1-80 characters of letters, digits, _ . : -"
    if category not in CATEGORIES:
        return None, f"category {category!r} is not one of {', '.join(CATEGORIES)}"
    if not -1000 <= spec.priority <= 1000:
        return None, "priority must be an integer in -1000..1000"
    lists = {key: tuple(getattr(spec, key) or ()) for key in ("benign", "requires", "examples")}
    numbers = spec.numbers
    if numbers is not None and not _NUMBERS_NAME.fullmatch(numbers):
        return None, f"numbers must name a code table ({', '.join(NUMBER_KINDS)} or a table in classifiers/codes)"
    role = spec.role
    if role is not None and role not in ROLES:
        return None, f"role must be one of {', '.join(ROLES)}"
    record = spec.record
    if record is not None and record not in RECORDS:
        return None, f"record must be one of {', '.join(RECORDS)}"
    if examples:
        regex, problem = compile_pattern(pattern)
        if regex is None:
            return None, problem
    else:  # a cached file whose every signature passed these checks: compiled when first used
        regex = LazyPattern(pattern)
    exclude = None
    if spec.exclude is not None:
        exclude, problem = compile_pattern(spec.exclude)
        if exclude is None:
            return None, f"exclude: {problem}"
    for example in (spec.example, *lists["examples"]) if examples else ():
        if regex.search(example.encode("utf-8", "replace")) is None:
            return None, f"its example does not match the pattern: {example[:120]!r}"
        if exclude is not None and exclude.search(example.encode("utf-8", "replace")) is not None:
            return None, f"its exclude pattern vetoes its own example: {example[:120]!r}"
    for benign in lists["benign"] if examples else ():
        line = benign.encode("utf-8", "replace")
        if regex.search(line) is not None and (exclude is None or exclude.search(line) is None):
            return None, f"it matches its benign example: {benign[:120]!r}"
    sig = Signature(sid, pattern, category, spec.action, spec.title, spec.service, spec.priority, pack)
    return CompiledSignature(
        sig, regex, spec.example, lists["benign"], lists["requires"], numbers, source, role, exclude, record
    ), ""


class LazyPattern:
    """An RE2 pattern compiled on its first use (``search``, ``groupindex``...): a pack file the pack cache knows
    passed every check compiles nothing at load. A pattern RE2 no longer takes never matches."""

    __slots__ = ("_regex", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._regex: Any = None

    def compiled(self) -> Any:
        """The RE2 pattern, compiled now if it was not."""
        if self._regex is None:
            regex, _ = compile_pattern(self.pattern)
            self._regex = regex if regex is not None else re2.compile(r"[^\s\S]")
        return self._regex

    def search(self, text: Any, *args: Any) -> Any:
        return self.compiled().search(text, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)


_GROUP_NAME = re.compile(r"\(\?P<(\w+)>")
_UNBUILT: Any = object()


def _group_names(pattern: str) -> set[str]:
    """The names of ``(?P<name>...)`` groups in ``pattern`` (a superset: an escaped paren may count)."""
    return set(_GROUP_NAME.findall(pattern)) if "(?P<" in pattern else set()


def _resolve(compiled: list[CompiledSignature], errors: list[str]) -> list[CompiledSignature]:
    """Drop duplicate ids (the first wins) and signatures that require unknown ids."""
    first: dict[str, CompiledSignature] = {}
    for c in compiled:
        sid = c.signature.id
        if sid in first:
            errors.append(f"{c.source}: signature {sid!r}: duplicate id (already defined in {first[sid].source})")
        else:
            first[sid] = c
    out = []
    for c in first.values():
        unknown = [r for r in c.requires if r not in first]
        if unknown:
            errors.append(f"{c.source}: signature {c.signature.id!r}: requires unknown ids {', '.join(unknown)}")
        else:
            out.append(c)
    return out
