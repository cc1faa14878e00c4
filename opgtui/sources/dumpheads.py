"""A big ``-json`` dump's job heads read by worker processes, one part of the array each: listing 100,000 full ads
uses every core, and starts while the dashboard is still starting (``opgtui jobs --from FILE --open`` starts them
before it imports Textual). Each worker decodes its part a 16 KB segment at a time, as the loader does
(:func:`~opgtui.sources.dumps.segments_between`), and sends what the loader would have made of each ad's head
(:func:`~opgtui.sources.jobbrief.set_head`) as msgpack frames; the loader makes the briefs from them
(:meth:`HeadReaders.take`). A part with an ad that makes no job (another kind of ad, a bad value), a cut in
the wrong place, a worker that fails or a file changed meanwhile: the loader reads the file itself, as before.

Once the listing is done (the caller tells the workers: :data:`LISTED`), each worker reads its part again
for the rest of each ad, and sends each heads frame's job lines, made by what the caller named
(``HeadReaders(lines=...)``: the job list's ``JobLines``): the listed rows search a free word in them
(:meth:`~opgtui.sources.dumps.LoadResult.job_lines`) instead of filling every row in from the dump. With the
heads come the job parts (:class:`_Parts`, :meth:`~opgtui.sources.dumps.LoadResult.job_parts`): all of a job
line but its CPU/wall and efficiency texts, so a word none of those holds is answered once the table is listed.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import itertools
import operator
import os
import queue
import signal
import struct
import subprocess
import sys
import threading
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

#: Below this size one process reads a dump sooner than workers start.
WORKER_MIN = 24 << 20
_FRAME = 256  # segments per frame a worker sends
_LENGTH = struct.Struct("<Q")
#: The order of a head's fields in a frame (the schedd as its number in the frame's table).
HEAD_FIELDS = ("id", "schedd", "cluster", "proc", "jobsub_id", "status", "status_since", "exit_code", "exit_signal")


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def spare_cores(fork: bool = True) -> int:
    """How many workers to start: one a core. Forked workers (which cost little to start) start however busy the
    machine is: besides the heads they make the job parts and lines every filter key reads, and without them a
    key waits for the filter texts (0.2-3.8 s at 100k jobs, seconds after the table appeared, at a load of 4-9 on
    2 cores), against a listing ~20% slower than one read in this process. Workers in new interpreters start only
    below a load of about the cores' number: above it they take turns with what runs and start on top."""
    n = cores()
    if fork:
        return n
    try:
        busy = os.getloadavg()[0]
    except OSError:
        return n
    return n if busy < n - 0.5 else 0


class PartFailed(Exception):
    """A worker found an ad that makes no job, a cut in the wrong place, or failed: the loader reads the file."""


class _Part:
    """One worker process and its frames, read by a thread of its own as they come (the loader makes briefs of
    every part's frames as they come, in whichever order the parts send them, and no worker waits on a full
    pipe)."""

    def __init__(self, pid: int, out: BinaryIO, proc: subprocess.Popen[bytes] | None = None) -> None:
        self.pid, self.out, self.proc = pid, out, proc
        self.returncode: int | None = None
        self.index = 0  # its place among its file's parts
        self.queue: queue.SimpleQueue[tuple[int, bytes | None]] = queue.SimpleQueue()  # shared by the file's parts
        self.reader = threading.Thread(target=self._read, name="dump-heads", daemon=True)

    @classmethod
    def spawn(cls, argv: list[str], env: dict[str, str]) -> _Part:
        """A worker in a new interpreter."""
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env, close_fds=True
        )
        assert proc.stdout is not None
        return cls(proc.pid, proc.stdout, proc)

    @classmethod
    def fork(cls, path: str, begin: int, last: int, kind: str, lines: str | None = None) -> _Part:
        """A worker forked from this process (only while it runs no other thread): no interpreter to start and
        nothing to import again (~0.1 s of CPU a worker)."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: read its part, write its frames, and leave without running anything of ours
            code = 3
            try:
                os.close(r)
                _block_listed()
                gc.disable()
                with os.fdopen(w, "wb") as out:
                    code = read_part(path, begin, last, kind, out, lines)
            finally:
                os._exit(code)
        os.close(w)
        return cls(pid, os.fdopen(r, "rb"))

    def _read(self) -> None:
        with self.out:
            while len(head := self.out.read(_LENGTH.size)) == _LENGTH.size:
                (size,) = _LENGTH.unpack(head)
                frame = self.out.read(size)
                if len(frame) != size:
                    break
                self.queue.put((self.index, frame))
        if self.proc is not None:
            self.returncode = self.proc.wait()
        else:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        self.queue.put((self.index, None))

    def stop(self) -> None:
        if self.returncode is None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        if self.reader.ident is None:  # its reader never started: reap it here
            self._read()
        else:
            self.reader.join()


class HeadReaders:
    """Workers reading the heads of the big ``-json`` dumps among ``paths`` (started at once; nothing for small
    files, other formats, or a machine of one core or busy with other work: :func:`spare_cores`)."""

    def __init__(
        self,
        paths: Iterable[str | Path],
        workers: int | None = None,
        fork: bool | None = None,
        lines: str | None = None,
    ) -> None:
        self._lines = lines  # what makes the job lines after the heads ("module:class"; None: no lines)
        self._files: dict[str, tuple[tuple[int, int], list[_Part]]] = {}
        self._taken: dict[str, list[_Part]] = {}
        # fork while no other thread runs (a lock another thread holds would stay held in the worker)
        self._fork = hasattr(os, "fork") and (threading.active_count() == 1 if fork is None else fork)
        n = spare_cores(self._fork) if workers is None else workers
        if n < 2:
            return
        for p in paths:
            try:
                self._start(Path(p), n)
            except (OSError, ValueError):  # not one big array: the loader reads it itself
                continue
        for _stamp, parts in self._files.values():  # the readers after every fork
            for part in parts:
                part.reader.start()

    def _start(self, path: Path, n: int) -> None:
        from opgtui.sources.dumps import _SPLIT, array_bounds, detect

        fd = os.open(path, os.O_RDONLY)
        try:
            st = os.fstat(fd)
            if st.st_size < WORKER_MIN or detect(os.pread(fd, 4096, 0)) != "json":
                return
            bounds = array_bounds(fd, st.st_size)
            if bounds is None:
                return
            begin, last, split = bounds
            cuts = [begin]
            for k in range(1, n):  # a comma between two ads near each k/n of the file
                at = begin + (last - begin) * k // n
                found = split.search(os.pread(fd, 1 << 20, at))
                if found is not None and cuts[-1] < at + found.start(1) < last:
                    cuts.append(at + found.start(1))
            cuts.append(last)
        except Exception as exc:  # _NotOneArray: not one array; the loader says what it is
            raise ValueError(str(exc)) from exc
        finally:
            os.close(fd)
        kind = "line" if split is _SPLIT else "any"
        path_var = os.pathsep.join(filter(None, (_package_root(), os.environ.get("PYTHONPATH"))))
        env = {**os.environ, "PYTHONPATH": path_var}
        code = "from opgtui.sources.dumpheads import main; main()"
        parts: list[_Part] = []
        if self._fork:
            _ready_to_fork(self._lines)
        try:
            for a, b in itertools.pairwise(cuts):
                if self._fork:
                    parts.append(_Part.fork(str(path), a, b, kind, self._lines))
                else:
                    argv = [sys.executable, "-c", code, str(path), str(a), str(b), kind, self._lines or ""]
                    parts.append(_Part.spawn(argv, env))
        except OSError:  # no interpreter to start: the loader reads it
            for part in parts:
                part.stop()
            raise
        sink: queue.SimpleQueue[tuple[int, bytes | None]] = queue.SimpleQueue()
        for i, part in enumerate(parts):
            part.index, part.queue = i, sink
        self._files[str(path)] = ((st.st_size, st.st_mtime_ns), parts)

    def take(self, path: str | Path) -> tuple[tuple[int, int], int, Iterator[tuple[int, list[Any]]]] | None:
        """The file's stamp (size, mtime) when the workers started, its number of parts, and every part's frames
        as they come, decoded, with the part's number: each part's in its order, the parts' mixed
        (:class:`PartFailed` from a part that failed); None when no workers read it."""
        entry = self._files.pop(str(path), None)
        if entry is None:
            return None
        stamp, parts = entry
        self._taken[str(path)] = parts
        return stamp, len(parts), _arrivals(parts)

    def listed(self, path: str | Path) -> None:
        """Tell the workers of ``path`` that the listing is done: they go on to its job lines."""
        for part in self._taken.get(str(path), ()):
            if part.returncode is None:
                with contextlib.suppress(OSError):
                    os.kill(part.pid, LISTED)

    def stop(self, path: str | Path | None = None) -> None:
        """Stop the workers of ``path`` (given up on: the loader reads it), or of every file."""
        if path is not None:
            entry = self._files.pop(str(path), None)
            for p in [*(entry[1] if entry else ()), *self._taken.pop(str(path), ())]:
                p.stop()
            return
        for _stamp, parts in self._files.values():
            for p in parts:
                p.stop()
        for parts in self._taken.values():
            for p in parts:
                p.stop()
        self._files.clear()
        self._taken.clear()


def _arrivals(parts: list[_Part]) -> Iterator[tuple[int, list[Any]]]:
    """Each frame of ``parts`` (which share one queue) as it comes, decoded, with its part's number, until every
    part has ended; PartFailed when one failed (after the frames it sent)."""
    import msgspec

    decode = msgspec.msgpack.Decoder().decode
    running = len(parts)
    get = parts[0].queue.get if parts else None
    while running:
        i, frame = get()  # type: ignore[misc]
        if frame is not None:
            yield i, decode(frame)
            continue
        running -= 1
        if parts[i].returncode != 0:
            raise PartFailed(f"worker exit {parts[i].returncode}")


def _ready_to_fork(lines: str | None = None) -> None:
    """Import what a forked worker runs, here: a worker imports nothing (and takes no import lock)."""
    import msgspec.msgpack  # noqa: F401

    from opgtui.sources.dumps import _array_decoder

    _array_decoder("head")  # (what the second pass imports, it imports after the heads: off the listing's path)
    if lines:  # the job parts come with the heads: what makes their texts, and the decoder of head and rest
        _maker(lines)
        _plain_decoder()


def _maker(lines: str) -> Any:
    """The class named ``module:class`` (what makes the job lines and parts: a layer above the sources)."""
    module, _colon, name = lines.partition(":")
    return getattr(importlib.import_module(module), name)


@functools.cache
def _plain_decoder() -> Any:
    """A JSON array of ads into structs of the values of HEAD_ATTRS and REST_ATTRS (in :func:`_plain_attrs`' order),
    refusing a segment (msgspec's ValidationError) whose rest holds a value that could make ``set_rest`` raise or
    whose texts could depend on its type: a string attribute that is not a string, an integer beyond 64 bits, a
    boolean or a float where an integer belongs, a number beyond any float (such a segment's jobs take the exact
    slow path). Where its values are accepted, ``set_rest`` sets them without a ValueError: the parts make the
    texts of only the fields they read (:meth:`_Parts._adder`)."""
    from typing import Annotated

    import msgspec

    from opgtui.sources.jobbrief import HEAD_ATTRS

    int64 = Annotated[int, msgspec.Meta(ge=-(1 << 63), le=(1 << 63) - 1)]
    kinds: dict[str, Any] = dict.fromkeys(HEAD_ATTRS, Any)
    kinds.update(dict.fromkeys(_INT_ATTRS, int64 | None))
    kinds.update(dict.fromkeys(_NUMBER_ATTRS, int64 | float | None))
    fields = [(n, kinds.get(n, str | None), None) for n in _plain_attrs()]
    return msgspec.json.Decoder(list[msgspec.defstruct("PlainAd", fields, gc=False)])  # type: ignore[arg-type]


@functools.cache
def _plain_attrs() -> tuple[str, ...]:
    """The attributes :func:`_plain_decoder` reads, shortest name first (as condor_q writes an ad's attributes:
    msgspec finds each where it looks first, ~15% less decoding than HEAD_ATTRS + REST_ATTRS' order)."""
    from opgtui.sources.jobbrief import HEAD_ATTRS, REST_ATTRS

    return tuple(sorted(HEAD_ATTRS + REST_ATTRS, key=lambda name: (len(name), name)))


def _getter(names: tuple[str, ...], *wanted: str) -> Any:
    """What takes the values of ``wanted`` (two or more, in their order) from a tuple of ``names``' values."""
    return operator.itemgetter(*[names.index(w) for w in wanted])


_INT_ATTRS = ("HoldReasonCode", "HoldReasonSubCode", "RequestCpus", "NumJobStarts")
_NUMBER_ATTRS = (
    "RemoteUserCpu",
    "RemoteSysCpu",
    "CumulativeRemoteUserCpu",
    "CumulativeRemoteSysCpu",
    "RemoteWallClockTime",
)


def _package_root() -> str:
    """The directory holding the ``opgtui`` package this process runs (a checkout or site-packages)."""
    import opgtui

    return str(Path(opgtui.__file__).resolve().parent.parent)


def read_part(path: str, begin: int, last: int, kind: str, out: BinaryIO, lines: str | None = None) -> int:
    """Decode the heads of the ads between ``begin`` and ``last`` and write them to ``out`` as length-prefixed
    msgpack frames ``[spans, counts, schedds, heads, parts]`` (``parts``: the frame's jobs' job parts,
    :class:`_Parts`, made by what ``lines`` names; None without it), then ``[]`` (the heads are all sent), then each
    heads frame's jobs' job lines as a frame ``[lines]`` (:class:`~opgtui.domain.joblist.JobLines`, made from the
    rest of each ad as its row fills it in: :meth:`~opgtui.sources.dumps._BriefSegment.fill`; ``[None]`` when they
    could not be made; none at all when that pass failed, or without ``lines``: ``module:class`` of what makes
    them, named by the caller, a layer above the sources). Returns 0, or 3 when an ad makes no job (the loader
    then reads the whole file itself, naming it)."""
    import msgspec

    from opgtui.sources.dumps import _SPLIT, _SPLIT_ONE_LINE, _array_decoder, segments_between
    from opgtui.sources.jobbrief import HEAD_ATTRS, set_head

    decode = _array_decoder("head").decode
    astuple = msgspec.structs.astuple
    encode = msgspec.msgpack.Encoder().encode
    brief_class = _brief_class()
    brief = brief_class.__new__(brief_class)
    schedds: dict[str, int] = {}
    spans, counts, heads = [], [], []
    every: list[Any] = []  # every job's head, for its job lines
    split = _SPLIT if kind == "line" else _SPLIT_ONE_LINE
    parts = _Parts(_maker(lines)()) if lines else None
    both = _plain_decoder().decode if parts is not None else None
    plain_head = _getter(_plain_attrs(), *HEAD_ATTRS)  # (the head decoder's values are the head's, in order)
    fd = os.open(path, os.O_RDONLY)
    try:
        for start, end, text in segments_between(fd, begin, last, split):
            if parts is None:
                ads, add, head = decode(text), None, tuple
            else:
                try:
                    ads, add, head = both(text), parts.add, plain_head  # type: ignore[misc]
                except msgspec.DecodeError:  # a value the parts read exactly, one job at a time
                    ads, add, head = decode(text), parts.add_exact, tuple
                    parts.exact_segment(text, len(ads))
            for ad in ads:
                values = astuple(ad)
                set_head(brief, head(values))
                if add is not None:
                    add(brief, values)
                s = brief.schedd
                si = schedds.get(s)
                if si is None:
                    si = schedds[s] = len(schedds)
                heads.append(
                    (
                        brief.id,
                        si,
                        brief.cluster,
                        brief.proc,
                        brief.jobsub_id,
                        brief.status,
                        brief.status_since,
                        brief.exit_code,
                        brief.exit_signal,
                    )
                )
            spans += (start, end)
            counts.append(len(ads))
            if len(counts) == _FRAME:
                _send(out, encode([spans, counts, list(schedds), heads, parts and parts.take()]))
                every += heads
                spans, counts, heads = [], [], []
        if counts:
            _send(out, encode([spans, counts, list(schedds), heads, parts and parts.take()]))
            every += heads
        _send(out, encode([]))
        out.flush()
    except Exception:  # a bad ad, a cut inside a string, a file that shrank: the loader reads it
        os.close(fd)
        return 3
    if not lines:
        os.close(fd)
        return 0
    try:
        _wait_for_the_listing()
        with contextlib.suppress(OSError):  # the table is on the screen: its keys and frames get the cores first
            os.nice(5)  # (unniced, the first key's frame took 45-90 ms, 25-35 ms niced); the background children,
            # niced 10, after these lines (on a machine busy with other work, load 3, they come ~2x later)
        table = list(schedds)
        briefs = []
        for head in every:  # the heads again as briefs, for their rest
            b = brief_class.__new__(brief_class)
            b.id, si, b.cluster, b.proc, b.jobsub_id, b.status, b.status_since, b.exit_code, b.exit_signal = head
            b.schedd = table[si]
            briefs.append(b)
        del every
        maker = parts.maker if parts is not None else _maker(lines)()
        _send_lines(fd, begin, last, split, briefs, out, encode, maker)
    except Exception:  # no lines: the list searches as it did without them
        pass
    finally:
        os.close(fd)
    return 0


class _Parts:
    """A worker's job parts, sent with each heads frame: per job a code of its status and reason texts (``said``)
    and of its owner, site, host, batch and experiment texts (``where``), each an index into the worker's table
    of distinct texts (each frame sends the texts new since the last), and its ids' text (``sid id``); all made by
    the caller's maker (``JobLines``: ``said``, ``where``, ``ids``), lowercase, as the job's line holds them.
    A text is made once per distinct raw values it is made from (the rest's strings, the head's status and exit),
    from only the fields of the brief it reads, set as ``set_rest`` sets them (its helpers; the plain decoder
    accepts no value that makes it raise). A segment whose rest msgspec refused as plain (:func:`_plain_decoder`)
    is read exactly as its rows' fill reads it (``_decode_rest``, ``_set_rests``)."""

    def __init__(self, maker: Any) -> None:
        self.maker = maker
        self.hosts: dict[tuple[Any, ...], str | None] = {}  # RemoteHost, LastRemoteHost -> the host (last_host)
        self.said_keys: dict[Any, int] = {}  # raw values -> code
        self.where_keys: dict[Any, int] = {}
        self.said_codes: dict[str, int] = {}  # text -> code
        self.where_codes: dict[str, int] = {}
        self.said_new: list[str] = []  # texts not sent yet
        self.where_new: list[str] = []
        self.said, self.where = array("I"), array("I")
        self.ids: list[str] = []
        self.exact: list[Any] = []  # the rests of the segment read exactly (exact_segment), last first
        self.ok = True
        self.add = self._adder()

    def exact_segment(self, text: Any, n: int) -> None:
        """The segment's rests as its rows' fill reads them (msgspec refused them as plain)."""
        from opgtui.sources.dumps import _decode_rest

        rest, values = _decode_rest(text)
        if len(rest) != n:
            self.ok = False
        self.exact = [(ad, values) for ad in rest]
        self.exact.reverse()

    def _adder(self) -> Any:
        """``add(brief, values)``: the parts of the job of ``values`` (a plain ad's, :func:`_plain_attrs`; its head
        set on ``brief``), with what it reads bound once (a call a job)."""
        from opgtui.sources.jobbrief import REST_ATTRS, _str, _text, experiment_of_values, last_host, site_of

        names = _plain_attrs()
        first = REST_ATTRS.index("MATCH_EXP_JOB_GLIDEIN_Site")
        sites = REST_ATTRS[first : first + 5]  # (as set_rest takes them: site_of)
        accounts = REST_ATTRS[REST_ATTRS.index("AccountingGroup") :]
        # the raw values the where texts are made from but the host: owner, batch, the 5 sites, the 5 accounting
        where_from = _getter(names, "Owner", "JobBatchName", *sites, *accounts)
        remotes = _getter(names, "RemoteHost", "LastRemoteHost")
        reason = names.index("HoldReason")
        maker, make_ids, hosts = self.maker, self.maker.ids, self.hosts
        add_id, add_where, add_said = self.ids.append, self.where.append, self.said.append
        where_keys, said_keys, where_codes, said_codes = (
            self.where_keys,
            self.said_keys,
            self.where_codes,
            self.said_codes,
        )
        get_where, get_said, get_host = where_keys.get, said_keys.get, hosts.get

        # raw values -> what set_rest makes of them but the site (owner, batch, experiment) and the sites' values:
        # one object for many jobs, a where key's first part (the dict's few entries and their strings at hand)
        made: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        get_made = made.get

        def new_where(brief: Any, key: tuple[tuple[Any, ...], str | None]) -> int:
            (brief.owner, brief.batch_name, brief.experiment, sites), host = key  # the fields JobLines.where reads
            brief.last_host, brief.site = host, site_of(sites, host)  # (as set_rest sets them)
            code = where_keys[key] = _code(where_codes, self.where_new, maker.where(brief))
            return code

        def add(brief: Any, values: tuple[Any, ...]) -> None:
            add_id(make_ids(brief))
            remote = remotes(values)  # (each job's slot is its own: its host, made by set_rest's last_host, is not)
            host = get_host(remote, _MISSING)
            if host is _MISSING:
                host = hosts[remote] = last_host(*remote)
            raw = where_from(values)
            fields = get_made(raw)
            if fields is None:
                fields = made[raw] = (_text(raw[0]), _text(raw[1]), experiment_of_values(raw[7:]), raw[2:7])
            where_key = (fields, host)
            where = get_where(where_key)
            if where is None:
                where = new_where(brief, where_key)
            said_key = (brief.status, brief.exit_code, brief.exit_signal, values[reason])
            said = get_said(said_key)
            if said is None:  # the fields JobLines.said reads: the head's, and the hold reason as set_rest sets it
                brief.hold_reason = _str(said_key[3])
                said = said_keys[said_key] = _code(said_codes, self.said_new, maker.said(brief))
            add_where(where)
            add_said(said)

        return add

    def add_exact(self, brief: Any, _values: Any) -> None:
        """The parts of the next job of a segment read exactly (:meth:`exact_segment`; its head set on ``brief``)."""
        self.ids.append(self.maker.ids(brief))
        ad, read = self.exact.pop() if self.exact else (None, tuple)
        self._exactly(brief, ad, read)

    def _exactly(self, brief: Any, ad: Any, values: Any) -> None:
        from opgtui.sources.dumps import _set_rests

        _set_rests([brief], [ad], values)
        self.where.append(_code(self.where_codes, self.where_new, self.maker.where(brief)))
        self.said.append(_code(self.said_codes, self.said_new, self.maker.said(brief)))

    def take(self) -> list[Any] | None:
        """The parts of the jobs since the last frame: ``[said codes, where codes, new said texts, new where
        texts, ids]`` (codes as unsigned 32-bit ints, this machine's order; ids one line a job); None when they
        could not be made."""
        if not self.ok:
            return None
        frame = [self.said.tobytes(), self.where.tobytes(), self.said_new, self.where_new, self.maker.join(self.ids)]
        self.said_new, self.where_new = [], []
        del self.said[:], self.where[:], self.ids[:]  # (the ones add() appends to)
        return frame


_MISSING = object()


def _code(codes: dict[str, int], new: list[str], text: str) -> int:
    code = codes.get(text)
    if code is None:
        code = codes[text] = len(codes)
        new.append(text)
    return code


#: What tells a worker the listing is done (its second pass then takes no core from the listing's end).
LISTED = signal.SIGUSR1
_LISTING_WAIT = 10.0  # seconds a worker waits for it at most


def _wait_for_the_listing() -> None:
    """Wait (at most :data:`_LISTING_WAIT` s) until told the listing is done (:data:`LISTED`: the table is on the
    screen, ``LoadResult.start_lines``; blocked since the worker started: one sent before is pending)."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        signal.sigtimedwait([LISTED], _LISTING_WAIT)


def _send_lines(
    fd: int, begin: int, last: int, split: Any, briefs: list[Any], out: BinaryIO, encode: Any, made: Any
) -> None:
    """The second pass of :func:`read_part`: the rest of every job read as its row's fill reads it, and a frame of
    job lines for the jobs of each heads frame (the same segments: every :data:`_FRAME`)."""
    from opgtui.sources.dumps import _decode_rest, _set_rests, segments_between

    at = first = segments = 0
    ok = True
    for _start, _end, text in segments_between(fd, begin, last, split):
        rest, values = _decode_rest(text)
        mine = briefs[at : at + len(rest)]
        if len(rest) != len(mine) or not rest:  # as the fill finds it: not the ads listed
            ok = False
        if ok:
            _set_rests(mine, rest, values)
        at += len(rest)
        segments += 1
        if segments == _FRAME:
            _send(out, encode([made.block(briefs[first:at]) if ok else None]))
            first, segments = at, 0
    if segments:
        _send(out, encode([made.block(briefs[first:at]) if ok else None]))
    out.flush()


def _brief_class() -> Any:
    from opgtui.core.model import JobBrief

    return JobBrief


def _block_listed() -> None:
    """Hold :data:`LISTED` for :func:`_wait_for_the_listing` (its default action would end the worker)."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        signal.pthread_sigmask(signal.SIG_BLOCK, [LISTED])


def _send(out: BinaryIO, frame: bytes) -> None:
    out.write(_LENGTH.pack(len(frame)))
    out.write(frame)


def main() -> None:
    """The worker: ``PATH BEGIN LAST KIND LINES``; frames on stdout."""
    gc.disable()  # millions of small tuples, no cycles
    _block_listed()
    path, begin, last, kind, lines = sys.argv[1:6]
    sys.exit(read_part(path, int(begin), int(last), kind, sys.stdout.buffer, lines or None))
