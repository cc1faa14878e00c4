"""A dump someone sent, opened in the dashboard (``opgtui jobs --from FILE --open``): the jobs are listed as
soon as the files are parsed, and copied into a scratch store in the background so that diagnosis, the
log view and the failure summary work on them too."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from opgtui.core.model import Job, JobBrief, JobEvent

if TYPE_CHECKING:  # the head readers are started only for a dump that needs them; the loader when it is loaded
    from opgtui.sources.dumpheads import HeadReaders
    from opgtui.sources.dumps import LoadResult
    from opgtui.store import Store

CHUNK = 5000
JOB_LINES = "opgtui.domain.joblist:JobLines"
"""What the dump's head workers make the job lines with, after the heads (the rows search a free word in them)."""


class DumpJobs(Mapping[str, Job]):
    """The whole record of each job of a loaded dump, by id: the table lists brief records, and a job's Job is
    normalised from its ad when asked for (the detail, the log view, diagnosis, the failure summary)."""

    def __init__(self, result: LoadResult | None = None) -> None:
        self._result = result  # loaded with brief=True; None: not loaded yet
        self._index: dict[str, int] = {} if result is None else result.index

    def __getitem__(self, job_id: str) -> Job:
        job = self._result.job(job_id) if self._result is not None and job_id in self._index else None
        if job is None:
            raise KeyError(job_id)
        return job

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def many(self, job_ids: Iterable[str]) -> list[Job]:
        """The records of those of ``job_ids`` in the dump, in their order, each dump segment read once."""
        return [] if self._result is None else self._result.full_jobs(job_ids)


@dataclass(slots=True)
class DumpSession:
    """The dump files, what they held once parsed, and whether the scratch store has them all yet."""

    paths: list[str]
    result: LoadResult | None = None  # once loaded
    jobs: DumpJobs = field(default_factory=DumpJobs)  # whole records by id, normalised when asked for
    imported: bool = False
    heads: HeadReaders | None = None  # workers reading the big dumps' heads, once started
    tell: Callable[[str], None] | None = None  # called (from any thread) with a dump's path found changed on disk
    changed: list[str] = field(default_factory=list)  # the dumps found changed on disk since they were listed

    def start(self) -> DumpSession:
        """Start reading the big ``-json`` dumps' heads in worker processes (one per core), so that the
        listing uses every core and goes on while the dashboard starts; :meth:`load` takes what they read."""
        if self.heads is None and self.result is None:
            from opgtui.sources.dumpheads import HeadReaders

            self.heads = HeadReaders(self.paths, lines=JOB_LINES)
        return self

    def stop(self) -> None:
        """Stop the workers (a quit before the listing)."""
        if self.heads is not None:
            self.heads.stop()

    @property
    def label(self) -> str:
        names = [Path(p).name for p in self.paths]
        return f"dump {names[0]}" + (f" +{len(names) - 1}" if len(names) > 1 else "")

    def load(self) -> LoadResult:
        """Parse the files (the real loaders: -long, -json, event logs); errors name file and line. The jobs of
        ``-json`` dumps are brief records (the table's fields, filled in as rows are read): each job's whole
        record is normalised when :attr:`jobs` is asked for it."""
        from opgtui.sources.dumps import load_files

        collecting = gc.isenabled()
        gc.disable()
        try:
            self.result = load_files(self.paths, brief=True, heads=self.heads)
            gc.freeze()  # the jobs live as long as the session: no collection walks them (~0.04 s at 100k, now)
        finally:
            if collecting:
                gc.enable()
        self.jobs = DumpJobs(self.result)
        self.heads = None
        self.result.on_changed(self._found_changed)
        return self.result

    def _found_changed(self, path: str) -> None:
        """A dump changed on disk since it was listed: what was not read from it yet reads as not read
        (``sources.dumps.UNREAD``), and the shifter is told once, by :attr:`tell`."""
        if path not in self.changed:
            self.changed.append(path)
            if self.tell is not None:
                self.tell(path)

    @property
    def listed(self) -> list[Job | JobBrief]:
        """What the table lists: a brief record (or a whole Job) per job, in the dump's order."""
        return self.result.jobs if self.result is not None else []

    def ad(self, job_id: str) -> dict[str, Any] | None:
        """The raw ad as the dump has it (read back from the file on demand): ClassAd values, as JSON has them."""
        if self.result is None:
            return None
        try:
            return self.result.ads.get(job_id)
        except Exception:  # the file changed since it was loaded: the detail says there is no raw ad
            return None


def import_into(store: Store, jobs: Sequence[Job], events: Sequence[JobEvent]) -> int:
    """Copy the dump's jobs and events into the (scratch) store in chunks; raw ads stay in the file."""
    for start in range(0, len(jobs), CHUNK):
        store.upsert_jobs(jobs[start : start + CHUNK])
    if events:
        store.add_events(events)
    return len(jobs)


BACKGROUND = "import os\ntry:\n    os.nice(10)\nexcept OSError:\n    pass\n"
"""The first lines of a background process's code: niced before its imports, which are most of its start (the
dashboard's own process, its first frames and the first filter key, gets the cores first: issue 18)."""


def _child_code(call: str) -> str:
    """``python -c`` code for a niced child process that runs ``opgtui.ops.dumpview``'s ``call`` and exits with its
    value: with this process's opgtui first on sys.path, not one the working directory (sys.path[0] under -c)
    holds."""
    from opgtui.sources.dumpheads import _package_root

    name = call.split("(", 1)[0]
    return BACKGROUND + (
        f"import sys; sys.path.insert(0, {_package_root()!r}); from opgtui.ops.dumpview import {name}; sys.exit({call})"
    )


def copy_in_process(store_path: str | Path, paths: Sequence[str]) -> int:
    """Copy the dump into the (scratch) store from another process, which reads the files again: the copy
    never holds this process's GIL, so the table and a filter keystroke answer while it runs; niced, it leaves
    them the cores too (on a loaded machine it finishes later: nothing waits for it but diagnosis). Returns the
    number of jobs copied; OSError naming the problem when the copy failed."""
    code = _child_code("_copy_main(sys.argv[1:])")
    done = subprocess.run(
        [sys.executable, "-c", code, str(store_path), *paths], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise OSError(f"copying the dump into {store_path} failed: {last}")
    return int(done.stdout.strip() or 0)


def copy_files(store: Store, paths: Sequence[str]) -> int:
    """Copy the dump files' jobs and events (no raw ads) into the (scratch) store; returns the number of jobs.

    ``-json`` dumps are streamed (:func:`~opgtui.sources.dumps.stream_jobs`): a chunk of jobs parsed, written
    (one transaction) and dropped, so a 1M-job dump never has all its jobs alive (1.2 GB). What it does not
    stream (other formats, a malformed array, a job id twice) is loaded whole and written as before, over what
    was written: the store ends with the rows the whole load writes, in its order. A kill leaves whole chunks."""
    from opgtui.sources.dumps import Unstreamable, load_files, stream_jobs

    done = 0
    if store.dialect == "sqlite":
        try:
            for jobs in stream_jobs(paths, CHUNK):
                if store.has_any_job([j.id for j in jobs]):  # a later record of a job written: its place moves
                    raise Unstreamable(paths[-1])
                done += import_into(store, jobs, ())
            return done
        except Unstreamable:
            pass
    result = load_files(paths, keep_ads=False)
    return import_into(store, cast("list[Job]", result.jobs), result.events)  # brief=False: every one a Job


def _copy_main(argv: list[str]) -> int:
    """The copying process: the dump files' jobs and events into the store (:func:`copy_files`), with no cyclic
    GC (a short life: the jobs it makes hold no cycles; with it on, it walked each chunk's objects again)."""
    from opgtui.store import open_store

    gc.disable()
    store_path, *paths = argv
    store = open_store(store_path)
    try:
        print(copy_files(store, paths))
    finally:
        store.close()
    return 0


@dataclass(slots=True)
class TextsAsked:
    """What the filter texts of a dump's listed rows are made from besides the dump: the listing's time and the
    verdicts it showed (job id -> category, job id -> signature id, signature id -> title, job id -> the title
    of a verdict with no signature)."""

    now: float
    verdicts: dict[str, str] = field(default_factory=dict)
    signatures: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    unsigned: dict[str, str] = field(default_factory=dict)


def dump_stamps(result: LoadResult, paths: Sequence[str]) -> list[tuple[str, int, int]] | None:
    """Each dump's path, size and modification time when it was listed; None unless every one is a ``-json`` dump
    (the only kind whose listing keeps them)."""
    stamps = {str(f.path): f.stamp for f in result.files}
    if any(str(p) not in stamps for p in paths):
        return None
    return [(str(p), *stamps[str(p)]) for p in paths]


TEXTS_FRAME = 2000  # rows per frame the texts' process sends
TextsFrame = tuple[list[str], list[str], list[str], list[str]]  # job ids, filter texts, hold-reason and cause keys


def texts_in_process(stamps: Sequence[tuple[str, int, int]], asked: TextsAsked) -> Iterator[TextsFrame]:
    """The filter texts and the warmed group keys (:data:`opgtui.domain.joblist.WARM_GROUPINGS`) of a dump's
    listed rows, made by another process, which reads the dump again and builds the same rows
    (:func:`opgtui.domain.joblist.build_rows`): a :data:`TextsFrame` for each :data:`TEXTS_FRAME` rows, in the
    listing's order. Made here they would hold this process's GIL for seconds (each row's rest read from the
    dump, then ~10 cells), which the table and a keystroke would share. ``stamps``: the dumps as listed
    (:func:`dump_stamps`): the process refuses a dump changed since. OSError when it cannot be started or
    fails (after the frames it sent)."""
    import msgspec

    code = _child_code("_texts_main()")
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            with proc.stdin:
                proc.stdin.write(
                    msgspec.msgpack.encode(
                        [list(stamps), asked.now, asked.verdicts, asked.signatures, asked.titles, asked.unsigned]
                    )
                )
            decode = msgspec.msgpack.Decoder(TextsFrame).decode
            read = proc.stdout.read
            while head := read(4):
                yield decode(read(int.from_bytes(head, "big")))
        except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise OSError(f"filter texts' process: {exc}") from exc
        finally:
            proc.stdout.close()
            proc.kill()  # a reader that stopped early (the rows changed) leaves it nothing to do
            proc.wait()
        if proc.returncode not in (0, -9):
            errors.seek(0)
            last = (errors.read().decode(errors="replace").strip().splitlines() or ["no message"])[-1]
            raise OSError(f"filter texts' process failed: {last}")


def _texts_main() -> int:
    """The texts' process: the dump's rows as the listing builds them, their filter texts and group keys written
    to stdout as length-prefixed msgpack frames (:data:`TextsFrame`)."""
    import msgspec

    from opgtui.domain.joblist import GROUP_KEYS, WARM_GROUPINGS, build_rows, filter_texts
    from opgtui.sources.dumps import load_files

    stamps, now, verdicts, signatures, titles, unsigned = msgspec.msgpack.decode(sys.stdin.buffer.read())
    paths = [path for path, _size, _mtime in stamps]

    def as_listed() -> bool:
        return all((os.stat(p).st_size, os.stat(p).st_mtime_ns) == (size, mtime) for p, size, mtime in stamps)

    if not as_listed():
        print("a dump changed on disk since it was listed", file=sys.stderr)
        return 3
    gc.disable()  # a short life, no cycles among the rows: a collection would walk every brief again
    jobs: list[Any] = load_files(paths, brief=True).jobs
    encode, out = msgspec.msgpack.Encoder().encode, sys.stdout.buffer
    for start in range(0, len(jobs), TEXTS_FRAME):  # a frame's rows made, sent and dropped: never all alive
        part = build_rows(
            jobs[start : start + TEXTS_FRAME],
            verdicts,
            now=now,
            signatures=signatures,
            titles=titles,
            unsigned=unsigned,
        )
        jobs[start : start + TEXTS_FRAME] = [None] * len(part)  # the briefs, filled in by the rows, go with them
        if not as_listed():  # each frame sent was read from the dump as listed
            print("a dump changed on disk while it was read", file=sys.stderr)
            return 3
        keys = [list(map(GROUP_KEYS[by], part)) for by in WARM_GROUPINGS]
        frame = encode([[r.job_id for r in part], filter_texts(part), *keys])
        out.write(len(frame).to_bytes(4, "big") + frame)
        del part
    out.flush()
    return 0
