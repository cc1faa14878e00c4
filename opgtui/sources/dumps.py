"""Recorded job data a shifter can open: ``condor_q``/``condor_history`` ``-long`` and ``-json`` dumps, new-format
ClassAd files and job event logs. The format is detected from the content, never from the file name.

Every ad becomes a dict in the layout ``condor_q -json`` prints (expressions as ``"/Expr(...)/"`` strings,
undefined as ``None``), whichever format it came from, so the raw-ad view and the store see one shape.
A ``-json`` array is decoded by msgspec into only the attributes a Job needs (the rest is skipped unparsed);
its raw ads stay as the file's bytes and are decoded one at a time when asked for (:class:`RawAds`).
``-long`` text goes through a line parser for plain literals (``Name = 42``, ``Name = "text"``) and hands only
the other lines of an ad (expressions, lists, nested ads, escaped strings) to ``classad2`` in one call.
Nothing raises: problems become one-line errors naming the file and line; the good ads before them load.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import gc
import json
import os
import re
import time
import weakref
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from opgtui.core.model import Job, JobBrief, JobEvent
from opgtui.sources.jobbrief import HEAD_ATTRS, REST_ATTRS, LazyBrief, set_head, set_rest
from opgtui.sources.jobrecord import _POOL, ATTRS, NotAJobAd, _shared, host_of, job_from_ad, job_from_values

if TYPE_CHECKING:  # started by the caller, only for the big -json dumps
    from concurrent.futures import Future

    from opgtui.sources.dumpheads import HeadReaders

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while a large file is read."""

_BLOCK = 8 << 20
_MAX_ERRORS = 20  # per file: past this, a file is not worth reading on
_WANTED = frozenset(ATTRS)
_DIGITS = frozenset("-0123456789.")
_WORDS: dict[str, Any] = {
    "true": True,
    "false": False,
    "undefined": None,
    "TRUE": True,
    "FALSE": False,
    "UNDEFINED": None,
    "True": True,
    "False": False,
    "Undefined": None,
}
_MISSING = object()
_EVENT_HEAD = re.compile(r"\d{3} \(")
_NEW_AD = re.compile(r"\[\s*[A-Za-z_]\w*\s*=")
_PROMPT = re.compile(r"\[[^\]\n]*\][$#%>] ")


class DumpChanged(OSError):
    """A dump was changed or removed after it was loaded, so its raw ads can no longer be read."""


class _JsonFile:
    """Where the ads of a loaded ``-json`` array are in its file: runs of whole ads (segments) of about
    ``_SEGMENT`` bytes, with the number of the first ad of each. An ad's raw text, or its whole Job, is read back
    from disk when asked for, by decoding its one segment again: 100,000 loaded jobs keep no copy of the dump
    in memory. Reading refuses a file changed since."""

    __slots__ = (
        "__weakref__",
        "_cache",
        "_checked",
        "changed",
        "fd",
        "firsts",
        "on_changed",
        "path",
        "source",
        "spans",
        "stamp",
        "updated",
    )

    def __init__(self, path: Path, stamp: tuple[int, int], updated: float | None = None) -> None:
        self.path, self.stamp, self.source, self.updated = path, stamp, str(path), updated
        self.spans = array("q")  # start, end (inclusive: the bracket or comma after it) of each segment
        self.firsts = array("q")  # the number (from 0) of each segment's first ad in the array
        self.fd: int | None = None
        self._checked = 0.0  # when the file was last found unchanged
        self._cache: tuple[int, list[Any]] = (-1, [])  # the last segment read back: its raw ads
        self.changed = False  # found changed on disk since it was loaded
        self.on_changed: Callable[[str], None] | None = None  # told once, from whichever thread found it

    def found_changed(self) -> None:
        """Note that the file changed since it was loaded (said once: :attr:`on_changed`)."""
        if not self.changed:
            self.changed = True
            if self.on_changed is not None:
                self.on_changed(str(self.path))

    def unchanged(self) -> bool:
        """The file is as it was when it was loaded (else it is noted: :meth:`found_changed`)."""
        if self.changed:
            return False
        try:
            st = os.stat(self.path)
        except OSError:
            st = None
        if st is None or (st.st_size, st.st_mtime_ns) != self.stamp:
            self.found_changed()
            return False
        return True

    def text(self, k: int, recheck: float = 0.0) -> bytes:
        """Segment ``k`` as a JSON array of its own, read back from the file (DumpChanged when the file changed
        since it was loaded: looked at each time, or once per ``recheck`` seconds, so that filling rows in costs one
        system call each: each gives up the GIL, and a keystroke's search waits to get it back)."""
        now = time.monotonic()
        if self.fd is None or now - self._checked >= recheck:
            try:
                if self.fd is None:
                    self.fd = os.open(self.path, os.O_RDONLY)
                    weakref.finalize(self, os.close, self.fd)
                st = os.fstat(self.fd)
                same = (st.st_size, st.st_mtime_ns) == self.stamp and os.stat(self.path).st_ino == st.st_ino
            except OSError as exc:
                self.found_changed()
                raise DumpChanged(f"{self.path}: cannot read the raw ad again: {exc.strerror or exc}") from exc
            if not same:
                self.found_changed()
                raise DumpChanged(f"{self.path}: changed since it was loaded; load it again to see its raw ads")
            self._checked = now
        start, end = self.spans[2 * k], self.spans[2 * k + 1]
        return b"[" + os.pread(self.fd, end - start - 1, start + 1) + b"]"

    def segment(self, index: int) -> int:
        """The segment ad ``index`` is in."""
        return bisect.bisect_right(self.firsts, index) - 1

    def raw(self, index: int) -> Any:
        """The raw text (``msgspec.Raw``) of ad ``index``; the last segment read stays decoded."""
        k = self.segment(index)
        text = self.text(k)  # checks the file is unchanged, every time
        if self._cache[0] != k:
            self._cache = (k, _decoders()[0].decode(text))
        return self._cache[1][index - self.firsts[k]]

    def ad(self, index: int) -> dict[str, Any]:
        raw = self.raw(index)
        try:
            return orjson.loads(memoryview(raw))
        except orjson.JSONDecodeError:  # a number beyond any float (1e400): inf, as a -json dump's salvage reads it
            return json.loads(bytes(raw))

    def jobs(self, indices: Iterable[int]) -> dict[int, Job]:
        """The whole Jobs of these ads, normalised as :func:`load_files` does (an ad refused by the normaliser
        is left out); each segment is read and decoded once."""
        import msgspec

        astuple = msgspec.structs.astuple
        out: dict[int, Job] = {}
        k, ads, first, values = -1, [], 0, astuple
        for i in sorted(indices):
            if k < 0 or not first <= i < first + len(ads):
                k = self.segment(i)
                first, text = self.firsts[k], self.text(k)
                try:
                    ads, values = _array_decoder("full").decode(text), astuple
                except msgspec.DecodeError:  # a number beyond any float (1e400)
                    ads, values = _values_beyond(text, ATTRS), tuple
            if i - first < len(ads):  # else no JSON, which it was when it was loaded
                with contextlib.suppress(ValueError):
                    out[i] = job_from_values(values(ads[i - first]), None, self.source, self.updated)
        return out


class _BriefSegment:
    """The jobs of one dump segment listed by their head: the first read of a field of one of them fills in the
    rest of every one (:class:`~opgtui.sources.jobbrief.LazyBrief`)."""

    __slots__ = ("briefs", "file", "k")

    def __init__(self, file: _JsonFile, k: int) -> None:
        self.file, self.k = file, k
        self.briefs: list[LazyBrief | None] | None = []  # one per ad of the segment; None: no job

    def fill(self) -> None:
        briefs = self.briefs
        if briefs is None:
            return
        try:
            text = self.file.text(self.k, recheck=1.0)
        except DumpChanged:  # changed since it was listed: the rest is not known
            rest: list[Any] = []
        else:
            rest, values = _decode_rest(text)
        if len(rest) != len(briefs):
            self.file.found_changed()
            for brief in briefs:
                if brief is not None:
                    set_rest(brief, _NONE_REST)
                    brief.owner = brief.site = brief.last_host = UNREAD  # never a blank that reads as data
                    brief.hold_reason = UNREAD_REASON
            self.briefs = None
            return
        _set_rests(briefs, rest, values)
        self.briefs = None


def _decode_rest(text: bytes) -> tuple[list[Any], Callable[[Any], Sequence[Any]]]:
    """The :data:`~opgtui.sources.jobbrief.REST_ATTRS` of each ad of a dump segment (None: no ad), and what reads
    one's values in their order; [] when the text is no JSON array of ads."""
    import msgspec

    try:
        return _array_decoder("rest").decode(text), msgspec.structs.astuple
    except msgspec.DecodeError:  # a number beyond any float (1e400)
        return _values_beyond(bytes(text), REST_ATTRS), tuple


def _set_rests(briefs: Sequence[JobBrief | None], rest: list[Any], values: Callable[[Any], Sequence[Any]]) -> None:
    """Fill in the rest of each brief (None: no job) from its ad's (:func:`_decode_rest`, one an ad)."""
    for brief, ad in zip(briefs, rest, strict=True):
        if brief is not None:
            try:
                set_rest(brief, _NONE_REST if ad is None else values(ad))
            except ValueError:  # a number beyond what a job has, in a field not listed before
                set_rest(brief, _NONE_REST)


def _values_beyond(text: bytes, names: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The values of ``names`` in each ad of a segment msgspec refused, which held when it was listed (only the head
    was read): a number beyond any float (``1e400``, valid JSON) is out of msgspec's range. Python's json reads it as
    inf, which the normalisers drop, and an integer of thousands of digits as one beyond 64 bits, which they refuse;
    [] when the text is no JSON array of ads."""
    try:
        ads = json.loads(text, parse_int=_int_or_huge)
        return [tuple(map(ad.get, names)) for ad in ads]
    except (ValueError, RecursionError, TypeError, AttributeError):
        return []


_HUGE = 1 << 1100  # beyond 64 bits and beyond any float


def _int_or_huge(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # more digits than Python converts (4,300)
        return -_HUGE if digits[0] == "-" else _HUGE


_NONE_REST = (None,) * len(REST_ATTRS)
#: What a listed job's owner, site and host read when its dump changed on disk before they were read.
UNREAD = "(changed)"
UNREAD_REASON = "(not read: the dump changed on disk since it was listed)"


class RawAds(MutableMapping[str, dict[str, Any]]):
    """Raw ads by job id, in ``-json`` layout. Ads from ``-json`` dumps stay in their file and are read back
    when asked for (the job detail view, the store): loading 100,000 of them keeps no dicts and no copy of
    the file (:class:`DumpChanged` when the file changed since). A job listed by a brief record
    (:class:`~opgtui.sources.jobbrief.LazyBrief`) has its ad where its record says (no entry of its own here: a
    million of them would cost a dict and a million tuples)."""

    __slots__ = ("_ads", "_result")

    def __init__(self, ads: Mapping[str, dict[str, Any]] | None = None) -> None:
        self._ads: dict[str, Any] = dict(ads or {})  # job id -> dict, or (_JsonFile, index in its array)
        self._result: LoadResult | None = None  # whose brief records' ads are in their dumps

    def _brief(self, job_id: str) -> LazyBrief | None:
        result = self._result
        i = None if result is None else result.index.get(job_id)
        record = None if i is None else result.jobs[i]  # type: ignore[union-attr]
        return record if type(record) is LazyBrief else None

    def __getitem__(self, job_id: str) -> dict[str, Any]:
        v = self._ads.get(job_id, _MISSING)
        if v is _MISSING:
            brief = self._brief(job_id)
            if brief is None:
                raise KeyError(job_id)
            return brief._seg.file.ad(brief._ad)
        return v if type(v) is dict else v[0].ad(v[1])

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._ads or (type(job_id) is str and self._brief(job_id) is not None)

    def _brief_ids(self) -> Iterator[str]:
        if self._result is not None:
            ads = self._ads
            yield from (j.id for j in self._result.jobs if type(j) is LazyBrief and j.id not in ads)

    def __iter__(self) -> Iterator[str]:
        yield from self._ads
        yield from self._brief_ids()

    def __len__(self) -> int:
        return len(self._ads) + sum(1 for _ in self._brief_ids())

    def __setitem__(self, job_id: str, ad: dict[str, Any]) -> None:
        self._ads[job_id] = ad

    def __delitem__(self, job_id: str) -> None:
        del self._ads[job_id]

    def __repr__(self) -> str:
        return f"RawAds({len(self._ads)} ads)"


@dataclass(slots=True)
class LoadResult:
    """Jobs (one per id; a dump's record wins over one rebuilt from events), events, raw ads by job id, errors.

    Loaded with ``brief=True``, the jobs of ``-json`` dumps are :class:`~opgtui.core.model.JobBrief` records (what
    the job list needs) and :meth:`job` / :meth:`full_jobs` normalise their whole Job when asked for."""

    jobs: list[Job | JobBrief] = field(default_factory=list)
    events: list[JobEvent] = field(default_factory=list)
    ads: RawAds = field(default_factory=RawAds)
    errors: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)  # job id -> its place in jobs
    files: list[_JsonFile] = field(default_factory=list)  # the -json files whose ads are read back when asked for
    lines: dict[str, Future] = field(default_factory=dict)  # path -> its job lines to come (_lines_to_come)
    lines_go: list[Callable[[], None]] = field(default_factory=list)  # what lets their workers go on (start_lines)
    parts: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # path -> its job parts (_from_heads)

    def start_lines(self) -> None:
        """Let the workers of the dumps go on to their job lines (once the table is on the screen: until then the
        listing has the cores; a worker waits 10 s at most for this)."""
        go, self.lines_go = self.lines_go, []
        for listed in go:
            listed()

    def job_lines(self) -> Future | None:
        """The job lines to come of every loaded job (for :meth:`~opgtui.domain.joblist.RowList.expect_lines`), when
        they all come from one ``-json`` dump read by workers; else None."""
        if len(self.lines) != 1 or len(self.files) != 1 or self.events:
            return None
        return next(iter(self.lines.values()))

    def job_parts(self) -> tuple[Any, ...] | None:
        """The job parts of every loaded job, which came with the heads (for
        :meth:`~opgtui.domain.joblist.RowList.use_parts`: ``(jobs, parts, valid)``), when they all come from one
        ``-json`` dump read by workers; else None."""
        if len(self.parts) != 1 or len(self.files) != 1 or self.events:
            return None
        return next(iter(self.parts.values()))

    def on_changed(self, tell: Callable[[str], None]) -> None:
        """Call ``tell(path)`` (from whichever thread finds it) when a dump is found changed on disk since it was
        loaded: what was not read from it yet cannot be, and reads as not read (:data:`UNREAD`)."""
        for file in self.files:
            file.on_changed = tell
            if file.changed:
                tell(str(file.path))

    def job(self, job_id: str) -> Job | None:
        """The whole record of a loaded job (None: not loaded, or its dump changed since)."""
        found = self.full_jobs([job_id])
        return found[0] if found else None

    def full_jobs(self, job_ids: Iterable[str]) -> list[Job]:
        """The whole records of those of ``job_ids`` that were loaded, in their order; the ads of one dump
        segment are read back together (a JobBrief's Job comes from its ad in the file)."""
        jobs, index = self.jobs, self.index
        wanted = list(dict.fromkeys(job_ids))
        out: dict[str, Job] = {}
        by_file: dict[int, tuple[_JsonFile, dict[int, str]]] = {}  # the briefs' ads, by file
        for job_id in wanted:
            i = index.get(job_id)
            if i is None:
                continue
            record = jobs[i]
            if type(record) is Job:
                out[job_id] = record
            elif type(record) is LazyBrief:
                file = record._seg.file
                by_file.setdefault(id(file), (file, {}))[1][record._ad] = job_id
        for file, ads in by_file.values():
            with _gc_paused(), contextlib.suppress(DumpChanged):  # changed since: those jobs have no record here
                for n, job in file.jobs(ads).items():
                    out[ads[n]] = job
        return [out[j] for j in wanted if j in out]


class Skipped(str):
    """A warning, not an error: lines skipped before a file's first ad (a shell prompt pasted with the output)."""


_LEADING = 5  # lines before the first ad that may be skipped


class DumpError(ValueError):
    """A problem at one line of a dump."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


# ---------------------------------------------------------------- ClassAd values


def _fast_value(text: str) -> Any:
    """The value of a plain literal, or ``_MISSING`` when classad2 must read it."""
    c = text[:1]
    if c == '"':
        if len(text) > 1 and text[-1] == '"' and "\\" not in text and text.count('"') == 2:
            return text[1:-1]
        return _MISSING
    if c in _DIGITS and c:
        if "_" in text:
            return _MISSING
        try:
            return int(text)
        except ValueError:
            pass
        if text[-1] in "0123456789.":
            try:
                return float(text)
            except ValueError:
                pass
        return _MISSING
    return _WORDS.get(text, _MISSING)


def _classad_values(items: list[tuple[int, str, str]]) -> dict[str, Any]:
    """Values of ``(line, name, text)`` items through classad2, in ``-json`` layout; DumpError at a bad line."""
    import classad2

    text = "\n".join(f"{name} = {value}" for _, name, value in items)
    try:
        parsed = classad2.parseNext(text, classad2.ParserType.Old)
        out = orjson.loads(parsed.printJson())
    except Exception:
        out = {}
    lower = {k.lower() for k in out}
    for line, name, value in items:
        if name.lower() not in lower:  # classad2 stops quietly at the first line it cannot read
            v = value.strip()
            if not v:
                raise DumpError(line, f"{name}: no value")
            if v[0] == '"' and (len(v) < 2 or v[-1] != '"' or v.endswith('\\"')):
                raise DumpError(line, f"{name}: unterminated string (truncated dump?)")
            raise DumpError(line, f"{name}: not a ClassAd expression: {value[:80]!r}")
    return out


def literal(text: str) -> Any:
    """The ``-json`` value of one ClassAd value text: literals as Python values, others as ``"/Expr(...)/"``."""
    t = text.strip()
    v = _fast_value(t)
    if v is not _MISSING:
        return v
    return _classad_values([(1, "V", t)])["V"]


def _names_a_schedd(line: str) -> str | None:
    """``-- Schedd: jobsub01.fnal.gov : <131.225...>`` -> ``jobsub01.fnal.gov``."""
    _, found, rest = line.partition("Schedd:")
    return rest.split(" : ", 1)[0].strip() or None if found else None


# ---------------------------------------------------------------- -long


def _chunks(path: Path, progress: Progress | None) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each blank-line-separated chunk of a file, read in large blocks."""
    total = path.stat().st_size
    done = 0
    lineno = 1
    carry = b""
    with path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            if block:
                data = carry + block
                cut = data.rfind(b"\n\n")
                if cut < 0:
                    carry = data
                    continue
                data, carry = data[: cut + 2], data[cut + 2 :]
            elif carry:
                data, carry = carry, b""
            else:
                break
            done += len(data)
            text = data.decode("utf-8", errors="replace")
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            pieces = text.split("\n\n")
            last = len(pieces) - 1
            for i, piece in enumerate(pieces):
                body = piece.lstrip("\n")
                if body.strip():
                    yield lineno + len(piece) - len(body), body.rstrip("\n")
                if i < last:
                    lineno += piece.count("\n") + 2
                else:
                    lineno += piece.count("\n")
            if progress is not None:
                progress(done, total)
    if progress is not None:
        progress(total, total)


def iter_long_ads(
    path: str | Path,
    progress: Progress | None = None,
    *,
    wanted: frozenset[str] | None = None,
    schedd_seen: list[str | None] | None = None,
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Stream a ``-long`` dump: ``(first line, ad)`` per ad, or ``(line, "path:line: error")`` for an ad that
    cannot be read (the rest of that ad is skipped; the next ad is read).

    Each ad is parsed by ``classad2.parseNext`` and kept only when every line made it into the ad; otherwise
    (banners, comments, damage) a line parser reads it and names the bad line. ``wanted`` keeps only those
    attributes and uses the line parser throughout (faster when the raw ad is not needed).
    ``schedd_seen[0]`` is set from ``-- Schedd:`` banners.
    """
    import classad2

    path = Path(path)
    old = classad2.ParserType.Old
    parse_next = classad2.parseNext
    loads = orjson.loads
    names: dict[str, str] = {}  # one string object per attribute name across all ads
    leading = True  # before the first ad: a pasted shell prompt is skipped, with a warning
    held: list[tuple[int, str]] = []  # lines before the first ad that are no attributes, while an ad may follow
    for lineno, chunk in _chunks(path, progress):
        if wanted is None and chunk[0] not in "#-":
            try:
                parsed = parse_next(chunk, old)
            except Exception:
                parsed = None
            if parsed is not None and len(parsed) == chunk.count("\n") + 1:
                if held:
                    yield _skipped(path, held)
                    held = []
                leading = False
                yield lineno, loads(parsed.printJson())
                continue
        for item in _parse_lines(path, chunk.split("\n"), lineno, wanted, names, schedd_seen, leading):
            if (
                leading
                and isinstance(item[1], str)
                and not isinstance(item[1], Skipped)
                and ": not a ClassAd attribute" in item[1]
                and len(held) + chunk.count("\n") < _LEADING
            ):
                held.append(item)  # a prompt on its own, a blank line, then the output: decided by what follows
                continue
            if isinstance(item[1], dict):
                if held:
                    yield _skipped(path, held)
                    held = []
                leading = False
            elif held:  # more than a prompt: the held lines were damage after all, reported in order
                yield from held
                held = []
            yield item
    yield from held[:1]  # no ad after them: they were no dump


def _skipped(path: Path, held: list[tuple[int, str]]) -> tuple[int, Skipped]:
    return held[0][0], Skipped(
        f"{path}:{held[0][0]}: warning: skipped the lines before the first ad "
        "(not ClassAd attributes: a pasted shell prompt?)"
    )


def _parse_lines(
    path: Path,
    lines: list[str],
    lineno: int,
    wanted: frozenset[str] | None,
    names: dict[str, str],
    schedd_seen: list[str | None] | None,
    leading: bool = False,
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """The line parser: plain literals in Python, the rest of an ad's lines through classad2 in one call.

    ``leading``: no ad was read from the file yet, so up to ``_LEADING`` lines that are no attributes (a shell
    prompt pasted with the output) are skipped with a :class:`Skipped` warning when an ad follows them."""
    skipped: list[tuple[int, str]] = []  # (line, the error it would be)
    ad: dict[str, Any] = {}
    slow: list[tuple[int, str, str]] = []
    start = lineno
    in_ad = skipping = False
    fast = _fast_value
    missing = _MISSING
    lineno -= 1
    for line in lines:
        lineno += 1
        if not line or line.isspace():
            if in_ad:
                yield _finish(path, start, ad, slow)
                ad, slow = {}, []
            elif skipped:  # no ad after them: they were the damage
                yield skipped[0]
                skipped = []
            skipping = in_ad = False
            continue
        if skipping:
            continue
        if not in_ad and line.startswith(("--", "#")):  # condor_q banners, comments
            if schedd_seen is not None and "Schedd:" in line:
                schedd_seen[0] = _names_a_schedd(line)
            continue
        name, sep, value = line.partition(" = ")
        if not sep:
            name, sep, value = line.partition("=")
            name, value = name.strip(), value.strip()
        elif not name.isidentifier():
            name = name.strip()
        if not sep or not name.isidentifier():
            what = "attribute line (expected 'Name = value')" if not sep else f"attribute name: {name[:40]!r}"
            if leading and not in_ad and len(skipped) < _LEADING:
                skipped.append((lineno, f"{path}:{lineno}: not a ClassAd {what}"))
                continue
            yield skipped[0] if skipped else (lineno, f"{path}:{lineno}: not a ClassAd {what}")
            ad, slow, skipping, in_ad, skipped = {}, [], True, False, []
            continue
        if not in_ad:
            if skipped:
                yield (
                    skipped[0][0],
                    Skipped(
                        f"{path}:{skipped[0][0]}: warning: skipped {len(skipped)} "
                        f"line{'s' if len(skipped) > 1 else ''} "
                        "before the first ad (not ClassAd attributes: a pasted shell prompt?)"
                    ),
                )
                skipped = []
            leading = False
            start, in_ad = lineno, True
        if wanted is not None and name not in wanted:
            continue
        key = names.get(name)
        if key is None:
            key = names[name] = name
        v = fast(value)
        if v is missing:
            v = value.strip()
            v2 = fast(v) if v != value else missing
            if v2 is missing:
                slow.append((lineno, key, v))
                ad[key] = None  # keeps the attribute order; classad2 fills it in
                continue
            v = v2
        ad[key] = v
    if in_ad:
        yield _finish(path, start, ad, slow)
    elif skipped:
        yield skipped[0]


def _finish(path: Path, start: int, ad: dict[str, Any], slow: list[tuple[int, str, str]]) -> tuple[int, Any]:
    if slow:
        try:
            values = _classad_values(slow)
        except DumpError as exc:
            return exc.line, f"{path}:{exc.line}: {exc}"
        lower = {k.lower(): v for k, v in values.items()}
        for _, name, _ in slow:
            ad[name] = lower[name.lower()]
    return start, ad


# ---------------------------------------------------------------- -json and new-format ClassAds


def _json_salvage(text: str) -> tuple[list[Any], int, str]:
    """The complete ads of a damaged JSON array, and the line and reason where reading stopped."""
    dec = json.JSONDecoder()
    ws = re.compile(r"\s*")
    pos = ws.match(text, 0).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] != "[":
        return [], text.count("\n", 0, pos) + 1, "expected '['"
    pos += 1
    ads: list[Any] = []
    while True:
        pos = ws.match(text, pos).end()  # type: ignore[union-attr]
        if text[pos : pos + 1] == "]":
            return ads, 0, ""
        try:
            obj, pos = dec.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            where = "end of file (truncated dump?)" if exc.pos >= len(text.rstrip()) else exc.msg
            return ads, exc.lineno, where
        except RecursionError:
            return ads, text.count("\n", 0, pos) + 1, "values nested too deeply for a job ad"
        except ValueError:  # an integer of more digits than Python converts (4,300)
            return ads, text.count("\n", 0, pos) + 1, "an integer of thousands of digits (no job ad has one)"
        ads.append(obj)
        pos = ws.match(text, pos).end()  # type: ignore[union-attr]
        sep = text[pos : pos + 1]
        if sep == ",":
            pos += 1
        elif sep != "]":
            line = text.count("\n", 0, pos) + 1
            return ads, line, "end of file (truncated dump?)" if not sep else f"expected ',' or ']', found {sep!r}"


def _refused(exc: orjson.JSONDecodeError, text: str) -> str:
    """Why orjson refused a dump (or a line of one) Python's json reads whole: NaN or Infinity (which condor_q -json
    writes for 1e400), else orjson's own reason (a lone surrogate, 1e400). ``exc.pos`` counts characters, not bytes
    (so a non-ASCII name before the value does not hide it)."""
    at = text[exc.pos : exc.pos + 9].lstrip("-")  # -Infinity: orjson stops after the sign
    for name in ("Infinity", "NaN"):
        if at.startswith(name):
            return f"{name} is no JSON number (read as no value)"
    return exc.msg


def _read_jsonl(path: Path, text: str, errors: list[str]) -> list[Any]:
    """The ads of a ``-jsonl`` dump (one ad per line). A line orjson refuses and Python's json reads (Infinity, NaN,
    1e400) keeps its ad, as a ``-json`` dump's salvage keeps it (the Job normaliser drops the value): the first such
    line is named, with how many more say the same; a line no JSON reader reads is named and left out."""
    ads: list[Any] = []
    kept: dict[str, list[int]] = {}  # why -> [its place in errors, its first line, lines like it]
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            ads.append(orjson.loads(line))
            continue
        except orjson.JSONDecodeError as exc:
            refused = exc
        try:
            ads.append(json.loads(line))
        except (ValueError, RecursionError):  # not JSON; or an integer of 4,300 digits, values nested too deeply
            errors.append(f"{path}:{n}: not valid JSON ({refused.msg})")
            if len(errors) > _MAX_ERRORS:
                break
            continue
        why = _refused(refused, line)
        if why in kept:
            kept[why][2] += 1
        else:
            kept[why] = [len(errors), n, 0]
            errors.append("")
    for why, (at, n, more) in kept.items():
        also = ", as is that of 1 more line like it" if more == 1 else f", as are those of {more} more lines like it"
        errors[at] = f"{path}:{n}: not valid JSON: {why}; its ad kept{also if more else ''}"
    return ads


def _read_json(path: Path, data: bytes, errors: list[str]) -> list[Any]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        refused = exc
    else:
        return doc if isinstance(doc, list) else [doc]
    text = data.decode("utf-8", errors="replace")
    if text.lstrip().startswith("{"):  # one ad per line (-jsonl)
        return _read_jsonl(path, text, errors)
    ads, line, why = _json_salvage(text)
    if not line:  # read to its end: what orjson refused is a value JSON has not, at orjson's line
        errors.append(f"{path}:{refused.lineno}: not valid JSON: {_refused(refused, text)}; all {len(ads)} ads kept")
    else:
        errors.append(f"{path}:{line}: not valid JSON: {why}; kept the {len(ads)} complete ads before it")
    return ads


def _read_new_classads(path: Path, text: str, errors: list[str]) -> list[Any]:
    import classad2

    try:
        return [orjson.loads(ad.printJson()) for ad in classad2.parseAds(text, classad2.ParserType.New)]
    except Exception as exc:
        errors.append(f"{path}: not readable as new-format ClassAds: {exc}")
        return []


# ---------------------------------------------------------------- event logs


_META = frozenset(
    {
        "MyType",
        "EventTime",
        "Cluster",
        "Proc",
        "Subproc",
        "EventTypeNumber",
        "TriggerEventTypeName",
        "TriggerEventTypeNumber",
        "CurrentTime",
        "LogNotes",
        "UserNotes",
        "SubmitHost",
    }
)


def _usage(text: Any) -> tuple[float, float] | None:
    """``Usr 0 00:00:05, Sys 0 00:00:00`` -> (user, sys) seconds."""
    if type(text) is not str:
        return None
    try:
        usr, sys_ = text.split(",")
        out = []
        for part in (usr, sys_):
            _, days, hms = part.split()
            h, m, s = hms.split(":")
            out.append(int(days) * 86400 + int(h) * 3600 + int(m) * 60 + float(s))
    except ValueError:
        return None
    return out[0], out[1]


def _event_detail(name: str, a: dict[str, Any]) -> str:
    if name == "SUBMIT":
        notes = a.get("LogNotes")
        return f"from {host_of(a.get('SubmitHost')) or '?'}" + (f"; {notes}" if notes else "")
    if name == "EXECUTE":
        return f"on {host_of(a.get('SlotName')) or host_of(a.get('ExecuteHost')) or '?'}"
    if name == "JOB_TERMINATED":
        if a.get("TerminatedNormally") is True:
            return f"exit code {a.get('ReturnValue')}"
        return f"killed by signal {a.get('TerminatedBySignal')}"
    if name == "JOB_HELD":
        return f"{a.get('HoldReason') or ''} (code {a.get('HoldReasonCode')}/{a.get('HoldReasonSubCode')})".lstrip()
    if name == "JOB_EVICTED":
        return "evicted" + (", requeued" if a.get("TerminatedAndRequeued") is True else "")
    if name == "POST_SCRIPT_TERMINATED":
        if a.get("TerminatedNormally") is True:
            return f"POST script exit code {a.get('ReturnValue')}"
        return f"POST script killed by signal {a.get('TerminatedBySignal')}"
    for key in ("Reason", "ReleaseReason", "Message", "ErrorMsg", "DisconnectReason", "EventHead", "EventDescription"):
        v = a.get(key)
        if type(v) is str and v:
            return v
    return ""


class _Rebuild:
    """The job ad (real attribute names) as a job's events tell it, for ``job_from_ad``."""

    __slots__ = ("ad", "info", "run_start", "wall")

    def __init__(self, cluster: int, proc: int) -> None:
        self.ad: dict[str, Any] = {"ClusterId": cluster, "ProcId": proc}
        self.info: dict[str, Any] = {}  # JOB_AD_INFORMATION attributes: real ad values
        self.run_start: float | None = None
        self.wall = 0.0

    def _stop_run(self, t: float) -> None:
        ad = self.ad
        if self.run_start is not None:
            self.wall += max(0.0, t - self.run_start)
            ad["RemoteWallClockTime"] = self.wall
            self.run_start = None
        if "RemoteHost" in ad:
            ad["LastRemoteHost"] = ad.pop("RemoteHost")

    def apply(self, name: str, t: float, a: dict[str, Any]) -> None:
        ad = self.ad
        if name == "JOB_AD_INFORMATION":
            self.info.update((k, v) for k, v in a.items() if k not in _META)
            return
        status = _STATUS_AFTER.get(name)
        if status is not None:
            ad["JobStatus"], ad["EnteredCurrentStatus"] = status, t
        if name == "SUBMIT":
            ad["QDate"] = t
        elif name == "EXECUTE":
            ad["JobCurrentStartDate"] = t
            ad.setdefault("JobStartDate", t)
            ad["NumJobStarts"] = ad.get("NumJobStarts", 0) + 1
            ad["RemoteHost"] = a.get("SlotName") or a.get("ExecuteHost")
            self.run_start = t
        elif name in ("JOB_EVICTED", "SHADOW_EXCEPTION", "JOB_ABORTED", "JOB_RECONNECT_FAILED"):
            self._stop_run(t)
            if name == "JOB_ABORTED" and a.get("Reason"):
                ad["RemoveReason"] = a["Reason"]
        elif name == "JOB_HELD":
            self._stop_run(t)
            for k in ("HoldReason", "HoldReasonCode", "HoldReasonSubCode"):
                if k in a:
                    ad[k] = a[k]
        elif name == "JOB_RELEASED":
            for k in ("HoldReason", "HoldReasonCode", "HoldReasonSubCode"):
                if k in ad:
                    ad["Last" + k] = ad.pop(k)
        elif name == "JOB_TERMINATED":
            self._stop_run(t)
            ad["CompletionDate"] = t
            if a.get("TerminatedNormally") is True:
                ad["ExitBySignal"], ad["ExitCode"] = False, a.get("ReturnValue")
            else:
                ad["ExitBySignal"], ad["ExitSignal"] = True, a.get("TerminatedBySignal")
            usage = _usage(a.get("TotalRemoteUsage"))
            if usage is not None:
                ad["RemoteUserCpu"], ad["RemoteSysCpu"] = usage
            for src, dst in (
                ("TotalSentBytes", "BytesSent"),
                ("TotalReceivedBytes", "BytesRecvd"),
                ("RequestCpus", "RequestCpus"),
                ("RequestMemory", "RequestMemory"),
                ("RequestDisk", "RequestDisk"),
                ("MemoryUsage", "MemoryUsage"),
                ("DiskUsage", "DiskUsage"),
            ):
                if src in a:
                    ad[dst] = a[src]
        elif name == "IMAGE_SIZE":
            for k in ("MemoryUsage", "ResidentSetSize"):
                if k in a:
                    ad[k] = a[k]

    def job_ad(self) -> dict[str, Any]:
        return {**self.ad, **self.info}


_STATUS_AFTER = {
    "SUBMIT": 1,
    "EXECUTE": 2,
    "JOB_EVICTED": 1,
    "SHADOW_EXCEPTION": 1,
    "JOB_RECONNECT_FAILED": 1,
    "JOB_ABORTED": 3,
    "JOB_TERMINATED": 4,
    "JOB_HELD": 5,
    "JOB_RELEASED": 1,
    "JOB_SUSPENDED": 7,
    "JOB_UNSUSPENDED": 2,
}


def read_event_logs(
    paths: Sequence[str | Path],
) -> Iterator[tuple[Path, list[JobEvent], list[tuple[Job, dict[str, Any]]], list[str]]]:
    """Per job event log: its events, (job, its JOB_AD_INFORMATION attributes) per job, and errors.

    The logs are read by ``htcondor2.JobEventLog`` in a worker process (:mod:`eventlog_worker`): a log that
    crashes or hangs the binding is one error line, and this process and its terminal carry on."""
    from opgtui.sources.eventlog_worker import read_logs

    for answer in read_logs([str(p) for p in paths]):
        path = Path(answer["path"])
        errors = [f"{path}: {answer['error']}"] if answer.get("error") else []
        if answer.get("jobless"):
            errors.append(f"{path}: {answer['jobless']} events carry no job id (cluster -1) and were skipped")
        events, jobs = _rebuild_jobs(path, answer.get("events") or [])
        yield path, events, jobs, errors


def _rebuild_jobs(path: Path, raw: list[list[Any]]) -> tuple[list[JobEvent], list[tuple[Job, dict[str, Any]]]]:
    """The events and the jobs they tell, from a worker's ``[cluster, proc, time, type, attrs]`` rows."""
    jobs: dict[tuple[int, int], _Rebuild] = {}
    submit_host: dict[tuple[int, int], str | None] = {}
    for cluster, proc, t, name, attrs in raw:
        key = (cluster, proc)
        rb = jobs.get(key)
        if rb is None:
            rb = jobs[key] = _Rebuild(cluster, proc)
        rb.apply(name, t, attrs)
        if name == "SUBMIT":
            submit_host[key] = host_of(attrs.get("SubmitHost"))
    out: list[tuple[Job, dict[str, Any]]] = []
    ids: dict[tuple[int, int], str] = {}
    for key, rb in jobs.items():
        ad = rb.job_ad()
        gid = ad.get("GlobalJobId")
        schedd = None if type(gid) is str and "#" in gid else (submit_host.get(key) or path.stem)
        job = job_from_ad(ad, schedd=schedd, source=str(path))
        ids[key] = job.id
        out.append((job, rb.info))
    events = [JobEvent(ids[(c, p)], t, name, _event_detail(name, attrs), attrs) for c, p, t, name, attrs in raw]
    return events, out


# ---------------------------------------------------------------- detection and loading


@functools.cache
def _decoders() -> tuple[Any, Any]:
    """msgspec decoders: a JSON array into its elements' raw bytes, and one ad into a struct of the ATTRS
    values (other attributes skipped unparsed)."""
    import msgspec

    ad = msgspec.defstruct("ProjectedAd", [(name, Any, None) for name in ATTRS], gc=False)
    return msgspec.json.Decoder(list[msgspec.Raw]), msgspec.json.Decoder(ad)


@functools.cache
def _array_decoder(kind: str) -> Any:
    """A JSON array of ads into structs of the values of ATTRS (``full``), HEAD_ATTRS (``head``) or REST_ATTRS
    (``rest``): msgspec skips each other attribute unparsed, at a cost that grows with the attributes asked for."""
    import msgspec

    names = {"full": ATTRS, "head": HEAD_ATTRS, "rest": REST_ATTRS}[kind]
    ad = msgspec.defstruct(f"{kind.title()}Ad", [(n, Any, None) for n in names], gc=False)
    return msgspec.json.Decoder(list[ad])


_SEGMENT = 16 << 10  # bytes of ads read back together: to fill in a row, show a raw ad or make a whole Job
_READ = 4 << 20  # bytes read at a time while loading
_SPLIT = re.compile(rb"(,)[ \t\r]*\n[ \t\r]*\{")  # between two ads, as condor_q prints them (a line break)
_SPLIT_ONE_LINE = re.compile(rb"\}[ \t\r\n]*(,)[ \t\r\n]*\{")  # between two ads of an array on one line
_LINE_AD = re.compile(rb"\n[ \t\r]*\{")  # where _SPLIT may be: a line break is rarer than a comma, so faster to find


def _next_cut(buf: bytearray, start: int, end: int, split: re.Pattern[bytes]) -> int:
    """The offset of the next comma between two ads (``split``) in ``buf[start:end]``, or -1."""
    if split is not _SPLIT:
        found = split.search(buf, start, end)
        return -1 if found is None else found.start(1)
    while (found := _LINE_AD.search(buf, start, end)) is not None:  # then the comma before the line break
        j = found.start() - 1
        while j >= start and buf[j] in b" \t\r":
            j -= 1
        if j >= start and buf[j] == 0x2C:
            return j
        start = found.end()
    return -1


class _NotOneArray(Exception):
    """The file is not one JSON array with a line break between ads: the general path reads it."""


def array_bounds(fd: int, size: int) -> tuple[int, int, re.Pattern[bytes]] | None:
    """The offsets of a ``-json`` array's opening and closing brackets, and how its ads are told apart: by a
    comma and a line break (as condor_q prints them), or, in an array written on one line (``json.dumps``), by
    ``}`` ``,`` ``{``. None for an empty array; _NotOneArray when the file is no array."""
    head = os.pread(fd, 4096, 0)
    begin = len(head) - len(head.lstrip(b" \t\r\n"))
    tail = os.pread(fd, 4096, max(size - 4096, 0)).rstrip(b" \t\r\n")
    last = max(size - 4096, 0) + len(tail) - 1  # the closing bracket
    if head[begin : begin + 1] != b"[" or tail[-1:] != b"]" or last <= begin:
        raise _NotOneArray
    inner = last - begin - 1
    if inner <= 4096 and not os.pread(fd, inner, begin + 1).strip():
        return None  # []: no ads
    first = os.pread(fd, min(_READ, last - begin), begin)
    return begin, last, _SPLIT if b"\n" in first and _SPLIT.search(first) else _SPLIT_ONE_LINE


def _segments(fd: int, size: int) -> Iterator[tuple[int, int, memoryview]]:
    """(start, end, text) of each segment of a ``-json`` array file, in order (:func:`segments_between`)."""
    bounds = array_bounds(fd, size)
    if bounds is not None:
        yield from segments_between(fd, *bounds)


def segments_between(fd: int, begin: int, last: int, split: re.Pattern[bytes]) -> Iterator[tuple[int, int, memoryview]]:
    """(start, end, text) of each segment of the ads between the bytes at ``begin`` and ``last`` (the array's
    brackets, or commas between two ads), in order: ``text`` is a JSON array of its own (``[`` ads ``]``: the
    bytes around the segment are turned into brackets in the read buffer), valid until the next segment is
    asked for; ``start`` and ``end`` are the offsets of those two bytes. A segment is cut only at a comma
    between two ads (``split``); a cut in the wrong place (inside a string or a nested list of ads) makes its
    text invalid JSON, which its decoding finds. The file is read ``_READ`` bytes at a time: never held whole.
    _NotOneArray when the file shrank meanwhile."""
    buf = bytearray(_READ)
    pos = begin  # the file offset of the next segment's opening byte
    while pos < last:
        want = min(len(buf), last + 1 - pos)
        with memoryview(buf) as view:
            n = os.preadv(fd, [view[:want]], pos)
        if n < want:
            raise _NotOneArray  # the file shrank meanwhile
        at_end = pos + n == last + 1
        buf[0] = 0x5B  # "["
        cut = 0
        while True:
            comma = _next_cut(buf, cut + _SEGMENT, n, split) if cut + _SEGMENT < n else -1
            if comma < 0:
                break
            buf[comma] = 0x5D  # "]"
            with memoryview(buf) as view:
                yield pos + cut, pos + comma, view[cut : comma + 1]
            buf[comma] = 0x5B  # "[": the next segment opens where this one closed
            cut = comma
        if at_end:
            buf[n - 1] = 0x5D  # "]" (a comma where the range ends between two ads)
            with memoryview(buf) as view:
                yield pos + cut, last, view[cut:n]
            return
        if cut == 0:  # no cut in the whole buffer: an ad larger than it, read again with a larger one
            buf = bytearray(2 * len(buf))
            continue
        pos += cut


def detect(head: bytes) -> str:
    """``json``, ``new`` (new-format ClassAds), ``eventlog`` or ``long``, from a file's first bytes."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return "json"
    if text.startswith("["):
        if _NEW_AD.match(text):  # [ Name = ...; ]
            return "new"
        if _PROMPT.match(text):  # a pasted shell prompt, "[user@host ~]$ condor_q -l", before -long output
            return "long"
        return "json"  # [ {...}, ]
    if _EVENT_HEAD.match(text) or text.startswith("<c>"):
        return "eventlog"
    return "long"


def _heads(ads: list[Any], seg: _BriefSegment, first: int) -> list[LazyBrief]:
    """The jobs of a segment's ads (the first is ad ``first`` of its file) as LazyBriefs with their head read:
    the rest is filled by ``seg``."""
    import msgspec

    astuple = msgspec.structs.astuple
    new = LazyBrief.__new__
    out = []
    for n, ad in enumerate(ads, first):
        brief = new(LazyBrief)
        set_head(brief, astuple(ad))
        brief._seg, brief._ad = seg, n
        out.append(brief)
    seg.briefs += out  # type: ignore[operator]
    return out


_ID = attrgetter("id")


class _PartRead:
    """What the loader made of one worker's part of a dump so far: its segments, where they are and their first
    ads' numbers, and its briefs (numbered from the part's start)."""

    __slots__ = ("briefs", "count", "firsts", "frames", "ids", "lines", "said", "segs", "spans", "texts", "where")

    def __init__(self) -> None:
        self.spans, self.firsts = array("q"), array("q")
        self.segs: list[_BriefSegment] = []
        self.briefs: list[LazyBrief] = []
        self.count = 0
        self.frames: list[int] = []  # the jobs of each of its heads frames
        self.lines: list[str | None] = []  # the job lines of each of them, as they come after the heads
        # its job parts, as they come with the heads (dumpheads._Parts; ids None: none came)
        self.said, self.where = array("I"), array("I")  # each job's code in these texts:
        self.ids: list[tuple[int, str]] | None = []  # (jobs, their ids' lines) of each heads frame
        self.texts: tuple[list[str], list[str]] = ([], [])  # its distinct said and where texts

    def take_parts(self, n: int, parts: list[Any] | None) -> None:
        """The job parts of a heads frame of ``n`` jobs (None: none)."""
        if parts is None or self.ids is None or len(parts) != 5:
            self.ids = None
            return
        said, where, said_new, where_new, ids = parts
        self.said.frombytes(said)
        self.where.frombytes(where)
        self.texts[0].extend(said_new)
        self.texts[1].extend(where_new)
        self.ids.append((n, ids))


def _lines_to_come(where: _JsonFile, briefs: list[LazyBrief], parts: list[_PartRead], frames: Iterator[Any]) -> Future:
    """The job lines of a dump's listed briefs (``(briefs, blocks, valid)`` for
    :meth:`~opgtui.domain.joblist.RowList.use_lines`), read from the workers' frames that follow their heads by a
    thread of its own; None when a worker made none (or failed), the lines do not match the heads, or the dump
    changed on disk meanwhile."""
    import threading
    from concurrent.futures import Future

    future: Future = Future()

    def collect() -> None:
        value = None
        try:
            for p, frame in frames:
                if len(frame) == 1:
                    parts[p].lines.append(frame[0])
            blocks: list[tuple[int, str]] = []
            for part in parts:
                if len(part.lines) != len(part.frames) or None in part.lines:
                    break
                blocks += zip(part.frames, part.lines, strict=True)  # type: ignore[arg-type]
            else:
                if where.unchanged():
                    value = (briefs, blocks, where.unchanged)
        except Exception:  # a worker failed: the list searches as it did without them
            value = None
        finally:
            for part in parts:
                part.lines = []
            future.set_result(value)

    threading.Thread(target=collect, name="dump-lines", daemon=True).start()
    return future


class _Loader:
    def __init__(self, keep_ads: bool, brief: bool = False, heads: HeadReaders | None = None) -> None:
        self.heads = heads  # workers reading big -json dumps' heads, when started
        self.result = LoadResult()
        self.result.ads._result = self.result
        self.seen = self.result.index
        self.keep_ads = keep_ads or brief  # a brief's whole Job is read back from where its ad is
        self.brief = brief
        self.now = time.time()
        self.others: dict[str, dict[str, int]] = {}  # file -> MyType -> ads of that kind

    def other_kind(self, source: str, exc: NotAJobAd) -> None:
        """Count an ad of another kind (a machine ad): said once per file, by :meth:`said_other_kinds`."""
        kinds = self.others.setdefault(source, {})
        kinds[exc.my_type] = kinds.get(exc.my_type, 0) + 1

    def said_other_kinds(self, source: str, *, stopped: bool = False) -> None:
        kinds = self.others.pop(source, None)
        if not kinds:
            return
        what = ", ".join(f"{'' if stopped else f'{n} '}{kind!r}" for kind, n in kinds.items())
        status = " (condor_status)" if "Machine" in kinds else ""
        self.result.errors.append(
            f"{source}: {what} ads{status}, not job ads: skipped; opgtui reads condor_q/condor_history "
            "-long or -json dumps and job event logs"
        )

    def add(self, ad: Any, source: str, where: str, schedd: str | None = None) -> bool | None:
        """Load one ad: True, False when it is no job ad (said in errors), None when it is another kind's."""
        if not isinstance(ad, dict):
            self.result.errors.append(f"{where}: not a ClassAd (a JSON {type(ad).__name__})")
            return False
        try:
            job = job_from_ad(ad, schedd=None if "GlobalJobId" in ad else schedd, source=source, updated=self.now)
        except NotAJobAd as exc:
            self.other_kind(source, exc)
            return None
        except ValueError as exc:
            self.result.errors.append(f"{where}: {exc}")
            return False
        i = self.seen.get(job.id)
        if i is None:
            self.seen[job.id] = len(self.result.jobs)
            self.result.jobs.append(job)
        else:  # a later dump of the same job (history after queue) is newer
            self.result.jobs[i] = job
        if self.keep_ads:
            self.result.ads[job.id] = ad
        return True

    def load_long(self, path: Path, progress: Progress | None) -> None:
        errors = self.result.errors
        first_error = len(errors)
        banner: list[str | None] = [None]
        n_ok = n_bad = n_other = 0
        for line, item in iter_long_ads(path, progress, wanted=None if self.keep_ads else _WANTED, schedd_seen=banner):
            if isinstance(item, Skipped):
                errors.append(item)
                continue
            if isinstance(item, str):
                errors.append(item)
                added: bool | None = False
            else:
                added = self.add(item, str(path), f"{path}:{line}", banner[0])
            if added:
                n_ok += 1
            elif added is None:
                n_other += 1
                if n_other >= 2 and not n_ok:  # a condor_status dump: no need to read on
                    self.said_other_kinds(str(path), stopped=True)
                    return
            else:
                n_bad += 1
            if n_bad >= (2 if not n_ok else _MAX_ERRORS):
                errors.append(f"{path}: stopped at line {line} after {n_bad} bad ads")
                break
        self.said_other_kinds(str(path), stopped=not n_ok)
        if n_bad and not n_ok and ": not a ClassAd attribute" in errors[first_error]:
            why = errors[first_error].removeprefix(f"{path}:")  # no ClassAd syntax at all: one line for the file
            del errors[first_error:]
            errors.append(
                f"{path}: not a condor_q/condor_history -long or -json dump, nor a job event log (line {why})"
            )

    def load_json(self, path: Path) -> None:
        if not self._load_json_segments(path):
            try:
                data = path.read_bytes()
            except OSError as exc:
                self.result.errors.append(f"{path}: cannot read: {exc.strerror or exc}")
                return
            for i, ad in enumerate(_read_json(path, data, self.result.errors), 1):
                self.add(ad, str(path), f"{path}: ad {i}")
        self.said_other_kinds(str(path))

    def _load_json_segments(self, path: Path) -> bool:
        """A well-formed ``-json`` array, a segment at a time through msgspec, reading only the attributes a Job
        (or a JobBrief) needs; False (nothing done) otherwise, and the general path (salvage, ``-jsonl``,
        not-an-ad errors) reads the file."""
        import msgspec

        read = self.heads.take(path) if self.heads is not None and self.brief else None
        if read is not None:
            from opgtui.sources.dumpheads import PartFailed

            try:
                if self._from_heads(path, *read):
                    return True
                self.heads.stop(path)  # changed since they started: what they read is not the file's
            except (PartFailed, ValueError):  # a worker found what only this loader can name: it reads the file
                self.heads.stop(path)
                if not self.result.jobs:  # (nor the ids the heads put in the index as they came)
                    self.seen.clear()
        decoder = _array_decoder("head" if self.brief else "full")
        astuple = msgspec.structs.astuple
        source, now = str(path), self.now
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return False
        try:
            st = os.fstat(fd)
            where = _JsonFile(path, (st.st_size, st.st_mtime_ns), now)
            new: list[Job | JobBrief] = []
            kept: list[int] | None = None  # the ad behind each of new, once an ad made no job
            count = 0
            for start, end, text in _segments(fd, st.st_size):
                ads = decoder.decode(text)
                where.spans.extend((start, end))
                where.firsts.append(count)
                try:  # the usual segment: every ad is a job
                    if self.brief:
                        made: list[Job | JobBrief] = _heads(ads, _BriefSegment(where, len(where.firsts) - 1), count)
                    else:
                        made = [job_from_values(astuple(a), None, source, now) for a in ads]
                except ValueError:
                    if kept is None:
                        kept = list(range(len(new)))
                    made = self._one_by_one(path, ads, count, kept, where)
                else:
                    if kept is not None:
                        kept += range(count, count + len(made))
                new += made
                count += len(ads)
        except (_NotOneArray, msgspec.DecodeError, RecursionError):  # not one well-formed array of objects
            return False
        finally:
            os.close(fd)
        ids = self._add_jobs(new)
        self.result.files.append(where)
        if self.brief:  # each brief knows where its ad is; an ad of the same job from a file before is not its
            self._forget_ads(ids)
        elif self.keep_ads:  # the later of two ads of one job wins, as for the jobs
            self.result.ads._ads.update(
                zip(ids, [(where, i) for i in (range(len(new)) if kept is None else kept)], strict=True)
            )
        return True

    def _from_heads(self, path: Path, stamp: tuple[int, int], n_parts: int, frames: Iterator[Any]) -> bool:
        """The briefs of a ``-json`` dump from the heads its workers read (:mod:`opgtui.sources.dumpheads`), each
        frame made into briefs as it comes from whichever part sent it (no part's frames wait for the part before
        to end: a part read last costs no tail after the workers); False (nothing done) when the file changed
        since they started."""
        try:
            st = os.stat(path)
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != stamp:
            return False
        where = _JsonFile(path, stamp, self.now)
        parts = [_PartRead() for _ in range(n_parts)]  # nothing is added to the result until every part is read
        new_brief = LazyBrief.__new__
        heads_read = 0
        # the first file's first part is the start of the jobs: its ids go into the index as they come (while the
        # workers read on), not all after the last frame (a dict of 1M ids: ~0.45 s of the listing's tail)
        early = self.seen if not self.seen else None
        for p, frame in frames:
            part = parts[p]  # its segments and ads numbered from its own start until the parts are put together
            if len(frame) < 4:
                if frame:  # the job lines of one of its heads frames, which follow its heads
                    part.lines.append(frame[0])
                    continue
                heads_read += 1  # every head of the part is in
                if heads_read == n_parts:
                    break
                continue
            spans, counts, table, heads = frame[:4]
            part.frames.append(sum(counts))
            part.take_parts(part.frames[-1], frame[4] if len(frame) > 4 else None)
            schedds = [_POOL.get(s) or _shared(s) for s in table]
            part.spans.extend(spans)
            segs, firsts, new, count, at = part.segs, part.firsts, part.briefs, part.count, 0
            for n in counts:
                firsts.append(count)
                seg = _BriefSegment(where, len(segs))
                segs.append(seg)
                made = []
                for ad, head in enumerate(heads[at : at + n], count):
                    b = new_brief(LazyBrief)
                    (
                        b.id,
                        si,
                        b.cluster,
                        b.proc,
                        b.jobsub_id,
                        b.status,
                        b.status_since,
                        b.exit_code,
                        b.exit_signal,
                    ) = head
                    b.schedd = schedds[si]
                    b._seg, b._ad = seg, ad
                    made.append(b)
                seg.briefs = made  # type: ignore[assignment]
                new += made
                if p == 0 and early is not None:
                    early.update(zip(map(_ID, made), range(count, count + n), strict=False))
                count += n
                at += n
            part.count = count
        new = []
        for part in parts:  # renumbered from the file's start: each part's segments and ads follow the part's before
            ads, k = len(new), len(where.firsts)
            if ads:
                for seg in part.segs:
                    seg.k += k
                for b in part.briefs:
                    b._ad += ads
                where.firsts.extend([first + ads for first in part.firsts])
            else:
                where.firsts.extend(part.firsts)
            where.spans.extend(part.spans)
            new += part.briefs
        self._forget_ads(self._add_jobs(new, parts[0].count if early is not None and parts else 0))
        self.result.files.append(where)
        self.result.lines[str(path)] = _lines_to_come(where, new, parts, frames)
        if all(part.ids is not None and len(part.said) == len(part.where) == part.count for part in parts):
            self.result.parts[str(path)] = (
                new,
                [(part.count, part.said, part.texts[0], part.where, part.texts[1], part.ids) for part in parts],
                where.unchanged,
            )
        for part in parts:
            part.said, part.where, part.ids, part.texts = array("I"), array("I"), None, ([], [])
        if self.heads is not None:
            self.result.lines_go.append(functools.partial(self.heads.listed, path))
        return True

    def _forget_ads(self, ids: list[str]) -> None:
        """Drop the raw ads of these jobs kept from a file before: each of their briefs knows where its own is."""
        ads = self.result.ads._ads
        if ads:
            for job_id in ids:
                ads.pop(job_id, None)

    def _one_by_one(
        self, path: Path, ads: list[Any], first: int, kept: list[int], where: _JsonFile
    ) -> list[Job | JobBrief]:
        """The jobs of a segment with an ad that makes none: each bad ad is named (its number in the file)."""
        import msgspec

        astuple = msgspec.structs.astuple
        seg = _BriefSegment(where, len(where.firsts) - 1)
        made: list[Job | JobBrief] = []
        for i, ad in enumerate(ads, first):
            try:
                if self.brief:
                    job: Job | JobBrief = _heads([ad], seg, i)[0]
                else:
                    job = job_from_values(astuple(ad), None, str(path), self.now)
            except NotAJobAd as exc:
                self.other_kind(str(path), exc)
            except ValueError as exc:
                self.result.errors.append(f"{path}: ad {i + 1}: {exc}")
            else:
                made.append(job)
                kept.append(i)
                continue
            if seg.briefs is not None:
                seg.briefs.append(None)
        return made

    def _add_jobs(self, new: list[Job | JobBrief], indexed: int = 0) -> list[str]:
        """Append jobs; a job already loaded is replaced (a later dump of it, history after queue, is newer).
        Returns their ids. ``indexed``: the first file's first jobs already in the index, numbered as they came
        (the index held nothing else)."""
        jobs, seen = self.result.jobs, self.seen
        ids = [job.id for job in new]
        if indexed or not seen:  # the first file: every id is new unless the file repeats one
            if len(seen) == indexed:  # (the ones put in as they came repeat none)
                seen.update(zip(islice(ids, indexed, None), range(indexed, len(new)), strict=True))
                if len(seen) == len(new):
                    jobs.extend(new)
                    return ids
            seen.clear()
        elif seen.keys().isdisjoint(ids) and len(set(ids)) == len(ids):
            seen.update(zip(ids, range(len(jobs), len(jobs) + len(new)), strict=True))
            jobs.extend(new)
            return ids
        for job_id, job in zip(ids, new, strict=True):
            n = seen.get(job_id)
            if n is None:
                seen[job_id] = len(jobs)
                jobs.append(job)
            else:
                jobs[n] = job
        return ids

    def load_new(self, path: Path, data: bytes) -> None:
        text = data.decode("utf-8", errors="replace")
        for i, ad in enumerate(_read_new_classads(path, text, self.result.errors), 1):
            self.add(ad, str(path), f"{path}: ad {i}")
        self.said_other_kinds(str(path))

    def load_eventlogs(self, paths: list[Path]) -> None:
        for _path, events, jobs, errors in read_event_logs(paths):
            self._add_eventlog(events, jobs, errors)

    def _add_eventlog(self, events: list[JobEvent], jobs: list[tuple[Job, dict[str, Any]]], errors: list[str]) -> None:
        self.result.events.extend(events)
        self.result.errors.extend(errors)
        for job, info in jobs:
            if job.id in self.seen:
                continue  # a dump's record is richer than one rebuilt from events
            job.updated = self.now
            self.seen[job.id] = len(self.result.jobs)
            self.result.jobs.append(job)
            if self.keep_ads and info:
                self.result.ads[job.id] = info


def load_files(
    paths: Iterable[str | Path],
    progress: Progress | None = None,
    *,
    keep_ads: bool = True,
    brief: bool = False,
    heads: HeadReaders | None = None,
) -> LoadResult:
    """Every job, event and raw ad in the given dumps and event logs; never raises.

    ``progress`` gets (bytes done, bytes total) over ``-long`` dumps; ``keep_ads=False`` keeps no raw ads
    (and reads only the attributes a Job needs from ``-long`` text, which is faster). ``brief``: the jobs of
    ``-json`` dumps are read as :class:`~opgtui.core.model.JobBrief` records, their whole Jobs normalised when asked
    for (:meth:`LoadResult.full_jobs`): listing 100,000 full ads reads a third of the attributes. ``heads``: a
    :class:`~opgtui.sources.dumpheads.HeadReaders` started on these paths: its workers read the big dumps' heads.
    """
    with _gc_paused():
        return _load(paths, progress, keep_ads, brief, heads)


class Unstreamable(Exception):
    """What :func:`stream_jobs` does not read a chunk at a time (not one well-formed ``-json`` array, a job id
    twice): :func:`load_files` reads it whole."""


def stream_jobs(paths: Sequence[str | Path], chunk: int, errors: list[str] | None = None) -> Iterator[list[Job]]:
    """The jobs :func:`load_files` (``keep_ads=False``) makes of ``-json`` dumps, ``chunk`` at a time, in its order
    and as its chunks of ``chunk`` would be: the file is read ``_READ`` bytes at a time and never more than a chunk
    of jobs is alive (a copy of 1M jobs into a store held them all: 1.2 GB). Problems go to ``errors`` as
    load_files words them. Unstreamable (before any chunk, or after some) when a path is no well-formed
    ``-json`` array of ads, or a job id comes twice in one chunk (the caller checks those of earlier chunks)."""
    import msgspec

    for p in map(Path, paths):  # every file's kind before any chunk
        try:
            with p.open("rb") as fh:
                head = fh.read(4096)
        except OSError as exc:
            raise Unstreamable(str(p)) from exc
        if not head.strip(b" \t\r\n\xef\xbb\xbf") or detect(head) != "json":
            raise Unstreamable(str(p))
    loader = _Loader(keep_ads=False)
    decoder, astuple, now = _array_decoder("full"), msgspec.structs.astuple, loader.now
    out: list[Job] = []
    for p in map(Path, paths):
        source = str(p)
        try:
            fd = os.open(p, os.O_RDONLY)
        except OSError as exc:
            raise Unstreamable(source) from exc
        try:
            count = 0
            for _start, _end, text in _segments(fd, os.fstat(fd).st_size):
                ads = decoder.decode(text)
                try:  # the usual segment: every ad is a job
                    made = [job_from_values(astuple(a), None, source, now) for a in ads]
                except ValueError:  # each bad ad named, as the loader names it
                    made = loader._one_by_one(p, ads, count, [], _JsonFile(p, (0, 0)))  # type: ignore[assignment]
                count += len(ads)
                out += made
                while len(out) >= chunk:
                    part, out = out[:chunk], out[chunk:]
                    if len({j.id for j in part}) < len(part):
                        raise Unstreamable(source)
                    yield part
        except (_NotOneArray, msgspec.DecodeError, RecursionError) as exc:
            raise Unstreamable(source) from exc
        finally:
            os.close(fd)
        loader.said_other_kinds(source)
    if out:
        if len({j.id for j in out}) < len(out):
            raise Unstreamable(str(paths[-1]))
        yield out
    if errors is not None:
        errors += loader.result.errors


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic GC while a bulk load allocates millions of objects: 100k full ads load in 4.7 s, not 11 s."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _load(
    paths: Iterable[str | Path],
    progress: Progress | None,
    keep_ads: bool,
    brief: bool,
    heads: HeadReaders | None = None,
) -> LoadResult:
    loader = _Loader(keep_ads, brief, heads)
    eventlogs: list[Path] = []
    for p in map(Path, paths):
        try:
            with p.open("rb") as fh:
                head = fh.read(4096)
                kind = detect(head)
                if kind == "new":
                    fh.seek(0)
                    data = fh.read()  # not head + rest: that copies the file once more
                else:
                    data = b""
        except OSError as exc:
            loader.result.errors.append(f"{p}: cannot read: {exc.strerror or exc}")
            continue
        if not head.strip(b" \t\r\n\xef\xbb\xbf"):
            loader.result.errors.append(f"{p}: empty: no job ads in it")
            continue
        if kind == "eventlog":
            eventlogs.append(p)  # after the dumps: a dump's record is richer than one rebuilt from events
        elif kind == "json":
            loader.load_json(p)
        elif kind == "new":
            loader.load_new(p, data)
        else:
            loader.load_long(p, progress)
    if eventlogs:
        loader.load_eventlogs(eventlogs)
    return loader.result
