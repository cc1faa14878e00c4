"""Evidence beyond the log, from the population of jobs: what an experienced shifter reads off the other jobs.

- **A black-hole node or a bad site** (service): a batch's failures concentrated on one host (or site) while the
  same batch's jobs succeed elsewhere and fail rarely there. A node failing the jobs of several batches is also
  tested across batches.
- **The batch itself** (code): the same failure (signature, or exit/hold code when undiagnosed) at several sites
  and hosts, with no success of that batch anywhere while the other batches succeed.

Each finding is a one-sided Fisher exact test (failures there against failures elsewhere) with its numbers; small
numbers never decide: a place needs :data:`MIN_FAILURES` failures, at least :data:`MIN_SHARE` of its finished jobs
failed, :data:`MIN_OK_ELSEWHERE` successes elsewhere, and a p-value below :data:`ALPHA` after a Bonferroni
correction over the places tested, counted as Tarone does: a place whose failures could not reach significance even
with no success there is neither tested nor counted (most places, on a big pool). Failures an outage explains
(their verdict names an outage window, or their run overlaps one) never make a batch-wide finding: a wave at every
site during an outage is the timeline's story, not the batch's.

The population never overturns the log: :func:`reading` turns an ``unknown`` (or undiagnosed) verdict into a
"probably service (node h123)" or "probably code (batch-wide)" hint and only adds a note beside a verdict of the
log's own. Pure: jobs, verdicts and outage windows in, findings out; no I/O.
"""

from __future__ import annotations

import gc
import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import and_, attrgetter, ge, itemgetter, le, ne, or_, sub
from typing import Literal, TypeVar

from opgtui.core.model import Job, JobStatus, Verdict, Window
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import clock
from opgtui.domain.failures import ended_at, is_failure, undiagnosed_title

MIN_FAILURES = 5
"""Failures at one place (or of one batch) before the population may say anything about it."""
MIN_SHARE = 0.5
"""At least this share of the finished jobs there failed: a place that merely runs many jobs is not a black hole."""
MIN_OK_ELSEWHERE = 10
"""Successes elsewhere (of the same batch for a node or site; of the other batches for a batch-wide finding)."""
ALPHA = 1e-3
"""The one-sided Fisher p-value, times the number of places tested (Bonferroni, as Tarone counts them), must be
below this."""
MIN_HOSTS, MIN_SITES = 3, 2
"""A batch-wide failure ran on at least this many hosts and (when sites are known) sites."""
SAME_SHARE = 0.8
"""A batch-wide failure: at least this share of the batch's failures are the same failure."""
SITE_CONCENTRATION = 2.0
"""A site is tested for one batch when it holds this many times more of the batch's failures than of the finished
jobs (a screen that spares counting every batch at every site; the test itself is exact)."""

Kind = Literal["node", "site", "batch"]
_COMPLETED = int(JobStatus.COMPLETED)


# ------------------------------------------------------------------------------------------- the test


def fisher_greater(a: int, b: int, c: int, d: int) -> float:
    """One-sided Fisher exact test on the table [[a, b], [c, d]] (failures, successes there; failures,
    successes elsewhere): the probability, with the margins fixed, of ``a`` or more failures there.

    The hypergeometric tail is summed term by term from its first term (log-gamma) by the exact ratio of
    consecutive terms, until the terms no longer change the sum."""
    n, k, total = a + b, a + c, a + b + c + d
    if min(a, b, c, d) < 0:
        raise ValueError("counts are never negative")
    hi = min(n, k)
    if total == 0 or a > hi:
        return 1.0
    rest = total - k  # successes overall
    lo = max(0, n - rest)
    if a <= lo:
        return 1.0
    lg = math.lgamma

    def log_term(x: int) -> float:
        return (
            lg(k + 1)
            - lg(x + 1)
            - lg(k - x + 1)
            + lg(rest + 1)
            - lg(n - x + 1)
            - lg(rest - n + x + 1)
            - lg(total + 1)
            + lg(n + 1)
            + lg(total - n + 1)
        )

    term = math.exp(log_term(a))
    p = term
    for x in range(a, hi):
        term *= (k - x) * (n - x) / ((x + 1) * (rest - n + x + 1))
        p += term
        if term < p * 1e-17:
            break
    return min(p, 1.0)


def binomial_greater(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed term by term like :func:`fisher_greater`."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    lg = math.lgamma
    term = math.exp(lg(n + 1) - lg(k + 1) - lg(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p))
    total, odds = term, p / (1.0 - p)
    for x in range(k, n):
        term *= (n - x) / (x + 1) * odds
        total += term
        if term < total * 1e-17:
            break
    return min(total, 1.0)


# ------------------------------------------------------------------------------------------- findings


@dataclass(frozen=True, slots=True)
class Evidence:
    """One finding with its numbers. For a node or site: ``failed`` of the batch's ``batch_failed`` failures
    ran there, ``ok`` of its ``batch_ok`` successes; elsewhere ``failed_elsewhere`` failures in
    ``ran_elsewhere`` finished jobs. For a batch: its ``failed`` failures at ``sites`` sites on ``hosts``
    hosts, ``ok`` (0) successes; the other batches ``failed_elsewhere`` failures in ``ran_elsewhere`` jobs."""

    kind: Kind
    batch: str | None  # the batch; None: the jobs of every batch (a node failing several batches' jobs)
    where: str  # the host, the site, or the batch
    failed: int
    ok: int
    batch_failed: int
    batch_ok: int
    failed_elsewhere: int
    ran_elsewhere: int
    p: float  # the one-sided Fisher p-value, Bonferroni-corrected
    first: float | None = None  # when the first and last failures there ended
    last: float | None = None
    batches: int = 1  # how many batches failed there
    hosts: int = 0  # batch-wide: where its failures ran
    sites: int = 0
    common: str = ""  # batch-wide: the failure most of them share
    common_count: int = 0
    explained: int = 0  # batch-wide: failures left out because an outage explains them
    expected: float | None = None  # across batches: failures there expected from each batch's rate elsewhere
    # made once: the failure summary asks every failure's finding for its hint and counts the findings by hash
    _hint: str = field(default="", init=False, repr=False, compare=False)
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hint", f"probably {self.category} ({self.label})")
        object.__setattr__(self, "_hash", hash((self.kind, self.batch, self.where, self.failed, self.p)))

    def __hash__(self) -> int:  # of fields that equal findings share: as the generated hash, without its tuple
        return self._hash

    @property
    def category(self) -> Literal["service", "code"]:
        return "code" if self.kind == "batch" else "service"

    @property
    def label(self) -> str:
        """``node h123``, ``site Purdue``, ``batch-wide``: where the population points."""
        return "batch-wide" if self.kind == "batch" else f"{self.kind} {one_line(self.where, 60)}"

    @property
    def hint(self) -> str:
        """``probably service (node h123)``: what the population says when the log could not."""
        return self._hint

    def head(self) -> str:
        """What was found, in counts: ``17 of 18 failures of batch X on host h123``, ``batch X: 60 failures
        at 5 sites on 41 hosts, 0 successes anywhere``."""
        if self.kind == "batch":
            return (
                f"batch {one_line(self.where, 60)}: {_n(self.failed, 'failure')} at {_n(self.sites, 'site')} on "
                f"{_n(self.hosts, 'host')}, 0 successes anywhere"
            )
        of = f"batch {one_line(self.batch, 60)}" if self.batch is not None else f"{self.batches} batches"
        place = "host" if self.kind == "node" else "site"
        return f"{self.failed:,} of {_n(self.batch_failed, 'failure')} of {of} on {place} {one_line(self.where, 60)}"

    def numbers(self) -> str:
        """What it is measured against: ``0 of 240 successes there; elsewhere 1 failure in 400 jobs;
        03:10-04:55; p 2e-12``."""
        p = f"p {self.p:.0e}" if self.p >= 1e-99 else "p < 1e-99"
        others = f"{_n(self.failed_elsewhere, 'failure')} in {self.ran_elsewhere:,} jobs"
        if self.kind == "batch":
            parts = [f"{self.common_count:,} of them {one_line(self.common, 60)}"] if self.common else []
            if self.explained:
                parts.append(f"{self.explained:,} more left out (an outage explains them)")
            return "; ".join([*parts, f"the other batches: {others}", p])
        parts = [f"{self.ok:,} of {_n(self.batch_ok, 'success')} there", f"elsewhere {others}"]
        if self.first is not None and self.last is not None:
            dated = self.last - self.first > 20 * 3600
            parts.append(f"{clock(self.first, with_date=dated)}-{clock(self.last, with_date=dated)}")
        if self.expected is not None:
            parts.append(f"{self.expected:.1f} expected from its batches' rates")
        return "; ".join([*parts, p])

    def text(self) -> str:
        """The evidence in numbers, e.g. ``17 of 18 failures of batch X on host h123 (0 of 240 successes
        there; elsewhere 1 failure in 400 jobs; 03:10-04:55; p 2e-12)``."""
        return f"{self.head()} ({self.numbers()})"


def _n(count: int, word: str) -> str:
    plural = word + ("es" if word.endswith("s") else "s")
    return f"{count:,} {word if count == 1 else plural}"


@dataclass(slots=True)
class Population:
    """The findings over a set of jobs, and the way from a failed job to the finding that concerns it."""

    findings: list[Evidence] = field(default_factory=list)  # strongest (smallest p) first
    batch: dict[str, Evidence] = field(default_factory=dict)  # batch -> failing everywhere
    node: dict[tuple[str | None, str], Evidence] = field(default_factory=dict)  # (batch or None, host)
    site: dict[tuple[str | None, str], Evidence] = field(default_factory=dict)  # (batch or None, site)
    by_job: dict[str, Evidence] = field(default_factory=dict)  # failed job id -> its finding

    def for_job(self, job: Job) -> Evidence | None:
        """The finding that concerns this failed job (one of the failures analysed)."""
        return self.by_job.get(job.id)


def batch_of(job: Job) -> str:
    """The batch a job belongs to: its JobBatchName, else its submission (``schedd#cluster``)."""
    return job.batch_name or f"{job.schedd}#{job.cluster}"


def failure_key(job: Job, verdict: Verdict | None) -> str:
    """What makes two failures "the same": the verdict's signature, else what HTCondor says (the hold or exit
    code, the signal: :func:`opgtui.domain.failures.undiagnosed_title`)."""
    if verdict is not None and verdict.signature:
        return verdict.signature
    return undiagnosed_title(job)


def _explained(job: Job, verdict: Verdict | None, outages: Sequence[Window], now: float) -> bool:
    """An outage explains this failure: its verdict names one, or the job ran while one was open."""
    if verdict is not None and verdict.windows:
        return True
    end = ended_at(job)
    start = job.start_time if job.start_time is not None else end
    return start is not None and any(w.overlaps(start, end, now) for w in outages)


# ------------------------------------------------------------------------------------------- the analysis

_batch_name, _id, _end_time = attrgetter("batch_name"), attrgetter("id"), attrgetter("end_time")
_FINISHED = frozenset({_COMPLETED, int(JobStatus.HELD)})  # a held job is a failure that did not complete
_NONE: Mapping[object, int] = {}
_NO_BATCH = object()  # before the first run
_K = TypeVar("_K")
_T = TypeVar("_T")
BatchKey = Callable[[Job], str | None]


def analyse(
    jobs: Iterable[Job],
    verdicts: Mapping[str, Verdict] | None = None,
    outages: Sequence[Window] = (),
    *,
    now: float,
    since: float | None = None,
    failures: Sequence[Job] | None = None,
) -> Population:
    """The findings over ``jobs``: their failures (failed or held) against their successes (completed, not
    failed); running, idle and removed jobs do not count. ``verdicts`` say what makes two failures the same and
    which outages they overlapped, ``outages`` are the windows known; with ``since``, only the jobs that ended
    since then count. A caller that has the failures of ``jobs`` (the failed and held jobs among them, as
    :func:`is_failure` finds them) already passes them as ``failures``.

    The finished jobs (completed or held) are read in one loop and counted run by run of a batch on the C side by
    (batch, site) and (batch, host), and so are the failures; the rest works on those counts: Tarone's bound leaves
    out the places that could not be significant before any test (and spares working out the smallest p of a
    site's places where the batch's extremes are far below the bound), and a node's mix of batches is weighed only
    when its own test could pass."""
    jobs = jobs if isinstance(jobs, list) else list(jobs)
    if since is not None:
        jobs = [j for j in jobs if (t := ended_at(j)) is not None and t >= since]
        if failures is not None:
            failures = [j for j in failures if (t := ended_at(j)) is not None and t >= since]
    failed = [j for j in jobs if is_failure(j)] if failures is None else list(failures)
    if len(failed) < MIN_FAILURES:
        return Population()
    collecting = gc.isenabled()
    gc.disable()  # ~100k keys of plain tuples counted: no cycles to find, and collections would walk every job
    try:
        return _Counts(jobs, failed).decide(verdicts or {}, [w for w in outages if w.kind == "outage"], now)
    finally:
        if collecting:
            gc.enable()


class _Counts:
    """The finished jobs (completed or held: a held job is a failure that did not complete) and the failures, each
    counted per batch by host and by site: one loop reads the finished jobs' hosts and sites and where their batch
    changes, and the jobs of one batch, which come in runs (a listing by id lists a cluster's jobs together), are
    counted by host and by site run by run on the C side, without making a (batch, host) key per job. A success is
    a finished job that is not one of the failures (the failed and held jobs of ``jobs``)."""

    def __init__(self, jobs: list[Job], failed: list[Job]) -> None:
        self.failed = failed
        self.on_nodes: list[int] = []  # the failures on a node found (_sites picks them)
        self.hosts, self.sites, labels, starts = _finished(jobs)
        fail_b, self.fail_hosts, self.fail_sites, fail_runs = _failure_columns(failed)  # after: warm for what's next
        nameless = None in labels or None in fail_runs[0]
        if not nameless:
            self._count(labels, starts, fail_b, fail_runs, _batch_name)
            nameless = "" in self.fin_s.keys() | self.fb.keys() and None in map(_batch_name, jobs)
        if nameless:  # jobs with no batch name: their submission (schedd#cluster) is the batch of every job
            fin_b = [batch_of(j) for j in jobs if j.status in _FINISHED]  # as _finished reads them
            fail_b = list(map(batch_of, failed))
            self._count(*_runs(fin_b), fail_b, _runs(fail_b), batch_of)

    def _count(
        self,
        labels: list[str],
        starts: list[int],
        fail_b: list[str],
        fail_runs: tuple[list[str], list[int]],
        key: BatchKey,
    ) -> None:
        """Count by the finished jobs' runs of batches (each run's batch, where it starts) and the failures'
        batches ``fail_b`` (and their runs)."""
        self.key, self.fail_b = key, fail_b
        # the finished jobs' hosts as counted (regrouped by batch where the runs are short): counted again across
        # the batches by _nodes; the failures' columns keep their order (the jobs' findings are picked by place)
        labels, starts, (self.fin_hosts, sites) = _grouped(labels, starts, (self.hosts, self.sites))
        self.fin_runs = labels, starts
        self.fin_h, self.fin_s = _nest(labels, starts, (self.fin_hosts, sites))
        self.fail_runs = fail_runs
        self.fail_h, fail_s = _nest(*_grouped(*fail_runs, (self.fail_hosts, self.fail_sites)))
        self.fb: Counter[str] = Counter({b: sum(at.values()) for b, at in fail_s.items()})  # first failure's order
        self.ok_b: Counter[str] = Counter()
        self.ok_s: Counter[str | None] = Counter()
        self.ok_bs: dict[tuple[str, str | None], int] = {}
        self.fail_bs: dict[tuple[str, str | None], int] = {}
        for b, at in self.fin_s.items():
            fails = fail_s.get(b, _NONE)
            for s, n in at.items():
                f = fails.get(s, 0)
                self.ok_bs[b, s] = n - f
                self.ok_s[s] += n - f
            self.ok_b[b] = sum(at.values()) - self.fb[b]
        for b, at in fail_s.items():
            self.fail_bs.update(((b, s), f) for s, f in at.items())
        self.total_ok = len(self.hosts) - len(fail_b)

    def failed_of(self, batches: Set[str]) -> dict[str, tuple[list[Job], list[str | None], list[str | None]]]:
        """The failures of each of ``batches`` with their hosts and sites, taken whole from the failures' runs of a
        batch (where the runs are short, those batches' failures picked on the C side and grouped by a stable sort
        first)."""
        out: dict[str, tuple[list[Job], list[str | None], list[str | None]]] = {b: ([], [], []) for b in batches}
        labels, starts = self.fail_runs
        n = len(self.failed)
        failed, fail_hosts, fail_sites = self.failed, self.fail_hosts, self.fail_sites
        if (len(starts) - 1) * 4 > n:  # short runs: those batches' failures, a batch's together in their order
            picked = list(compress(range(n), map(batches.__contains__, self.fail_b)))
            rank = dict(zip(batches, count()))  # not the names themselves: any names, of any type, sort
            picked.sort(key=lambda i: rank[self.fail_b[i]])
            failed = list(map(failed.__getitem__, picked))
            fail_hosts = list(map(fail_hosts.__getitem__, picked))
            fail_sites = list(map(fail_sites.__getitem__, picked))
            labels, starts = _runs(list(map(self.fail_b.__getitem__, picked)))
            n = len(picked)
        for b, start, end in zip(labels, starts, [*starts[1:], n], strict=True):
            if b in batches:
                jobs, hosts, sites = out[b]
                jobs += failed[start:end]
                hosts += fail_hosts[start:end]
                sites += fail_sites[start:end]
        return out

    def ok(self, kind: str, place: str | None) -> int:
        """Successes of a batch (``kind`` "batch") or at a site ("site")."""
        return (self.ok_b if kind == "batch" else self.ok_s).get(place, 0)  # type: ignore[arg-type]

    def fails_at(self, b: str | None, h: str | None) -> int:
        """Failures of batch ``b`` on host ``h``."""
        return self.fail_h.get(b, _NONE).get(h, 0)  # type: ignore[arg-type]

    def ok_at(self, b: str | None, h: str | None) -> int:
        """Successes of batch ``b`` on host ``h`` (never below 0)."""
        return max(self.fin_h.get(b, _NONE).get(h, 0) - self.fails_at(b, h), 0)  # type: ignore[arg-type]

    def decide(self, verdicts: Mapping[str, Verdict], outages: Sequence[Window], now: float) -> Population:
        out = Population()
        # a batch failing everywhere says nothing of the nodes and sites it ran on: its failures are left out of
        # the tests below, and the counts of the others are taken as they are
        broken = self._batch_wide(out, verdicts, outages, now)
        self._nodes(out, broken)
        self._sites(out, broken)
        self._attach(out, broken)
        return out

    def _batch_wide(
        self, out: Population, verdicts: Mapping[str, Verdict], outages: Sequence[Window], now: float
    ) -> set[str]:
        candidates = {b for b, n in self.fb.items() if n >= MIN_FAILURES and self.ok("batch", b) <= 0}
        if not candidates or self.total_ok < MIN_OK_ELSEWHERE:
            return set()
        # Tarone over every batch that could have failed everywhere: its finished jobs are a margin of the test
        # (all of them failing is the smallest p it could reach), whether it failed or not; the batches seen
        # failing everywhere are an outcome, and counting only them is no correction
        total_failed = len(self.failed)
        sizes = [(b, n) for b in self.fb.keys() | self.ok_b.keys() if (n := self.fb[b] + self.ok_b[b]) >= MIN_FAILURES]
        testable, m = _testable(
            sizes, lambda _b, n: fisher_greater(n, 0, total_failed - n, self.total_ok) if n <= total_failed else 1.0
        )
        candidates &= {b for b, _n in testable}
        if not candidates:
            return set()
        wide: list[tuple[str, list[Job], int, int, str, int]] = []
        for b, (jobs, hosts_of, sites_of) in self.failed_of(candidates).items():
            said = list(map(verdicts.get, map(_id, jobs)))
            if outages:
                keep = [not _explained(j, v, outages, now) for j, v in zip(jobs, said, strict=True)]
            else:  # _explained with no outage known: the verdict names one
                keep = [v is None or not v.windows for v in said]
            kept = list(compress(jobs, keep))
            if len(kept) < MIN_FAILURES:
                continue
            hosts = _named(compress(hosts_of, keep))
            sites = _named(compress(sites_of, keep))
            if hosts < MIN_HOSTS or (sites and sites < MIN_SITES):
                continue
            common, count = _most_common_failure(kept, list(compress(said, keep)))
            if count >= SAME_SHARE * len(kept):
                wide.append((b, kept, hosts, sites, common, count))
        broken: set[str] = set()
        for b, kept_jobs, hosts, sites, common, count in wide:
            other_fail = total_failed - self.fb[b]
            p = min(1.0, fisher_greater(len(kept_jobs), 0, other_fail, self.total_ok) * m)
            if p >= ALPHA:
                continue
            times = list(map(_end_time, kept_jobs))  # ended_at on the C side where every one of them has an end
            if None in times:
                times = [t for j in kept_jobs if (t := ended_at(j)) is not None]
            ev = Evidence(
                "batch",
                b,
                b,
                len(kept_jobs),
                0,
                self.fb[b],
                0,
                other_fail,
                other_fail + self.total_ok,
                p,
                first=min(times, default=None),
                last=max(times, default=None),
                hosts=hosts,
                sites=sites,
                common=common,
                common_count=count,
                explained=self.fb[b] - len(kept_jobs),
            )
            out.findings.append(ev)
            out.batch[b] = ev
            out.by_job.update(dict.fromkeys(map(_id, kept_jobs), ev))
            broken.add(b)
        return broken

    # -------------------------------------------------------------------------------- a node or a site

    def _nodes(self, out: Population, broken: set[str]) -> None:
        across = _count_but(self.fail_hosts, self.fail_runs, broken, self.fail_h)
        hosts = [h for h in _enough(across) if h is not None]
        if not hosts:
            return
        # Tarone over every (batch, host) by its finished jobs, the test's margin (all of them failing is the
        # smallest p it could reach), whether it failed or not; then only those with enough failures are tested.
        # The smallest p depends on the batch and the count alone: the places are counted by (batch, count)
        classes: dict[tuple[str, int], int] = {}
        for b, at in self.fin_h.items():
            if b not in broken and self.fb[b]:  # a batch with no failure: its places' smallest p is 1
                sizes = Counter(at.values())
                if None in at:
                    sizes[at[None]] -= 1
                classes.update(((b, n), k) for n, k in sizes.items() if n >= MIN_FAILURES and k)
        tested, m = _tarone(classes, lambda bn: _best(bn[1], self.fb[bn[0]], self.ok_b[bn[0]]))
        for b, fails in self.fail_h.items():
            if b not in broken:
                for h in _enough(fails):
                    if h is not None and (b, self.fin_h[b][h]) in tested:
                        self._test(out.node, "node", b, h, fails[h], self.ok_at(b, h), self.fb[b], self.ok_b[b], m)
        # across batches: Tarone over every host by its finished jobs (of the batches not failing everywhere)
        ran_h = Counter(self.fin_hosts)  # whole, then less the batches failing everywhere (0 for their own hosts)
        for b in broken:
            ran_h.subtract(self.fin_h.get(b, _NONE))
        sizes = Counter(ran_h.values())
        if None in ran_h:
            sizes[ran_h[None]] -= 1
        all_f, all_o = self._others(broken)
        tested_n, m_pool = _tarone(
            {n: k for n, k in sizes.items() if n >= MIN_FAILURES and k}, lambda n: _best(n, all_f, all_o)
        )
        fails, ran = list(map(across.__getitem__, hosts)), list(map(ran_h.__getitem__, hosts))
        # tested, and at least MIN_SHARE of its finished jobs failed (as _could has it), picked on the C side
        shared = map(ge, fails, map(MIN_SHARE.__mul__, ran))
        picked = map(and_, map(tested_n.__contains__, ran), shared)
        for h, f, n in compress(zip(hosts, fails, ran, strict=True), picked):
            if not _could(f, o := max(n - f, 0), all_o):
                continue
            batches = sum(h in at for b, at in self.fail_h.items() if b not in broken)
            if batches >= 2:
                mix = partial(self._expected, lambda b, h=h: (self.fails_at(b, h), self.ok_at(b, h)), broken)
                self._test(out.node, "node", None, h, f, o, all_f, all_o, m_pool, batches=batches, expected=mix)  # type: ignore[arg-type]

    def _others(self, broken: set[str]) -> tuple[int, int]:
        """The failures and successes of the batches not failing everywhere."""
        return len(self.failed) - sum(self.fb[b] for b in broken), self.total_ok - sum(self.ok_b[b] for b in broken)

    def _sites(self, out: Population, broken: set[str]) -> None:
        fail_bs = {bs: n for bs, n in self.fail_bs.items() if bs[0] not in broken and bs[1] is not None}
        across: Counter[str | None] = Counter()
        batches: Counter[str | None] = Counter()
        for (_b, s), n in fail_bs.items():
            across[s] += n
            batches[s] += 1
        # a site whose failures are mostly on a node found already is that node's story, not the site's
        on_node: Counter[tuple[str, str | None]] = Counter()
        on_node_at: Counter[str | None] = Counter()
        node_hosts = {h for _b, h in out.node}
        self.on_nodes = (  # the failures on a node found, by their place in the failures' columns
            list(compress(range(len(self.fail_hosts)), map(node_hosts.__contains__, self.fail_hosts)))
            if node_hosts
            else []
        )
        if self.on_nodes:
            at = self.on_nodes
            pairs = zip(map(self.fail_b.__getitem__, at), map(self.fail_sites.__getitem__, at), strict=True)
            for (b, s), n in Counter(pairs).items():
                if b not in broken:
                    on_node[b, s] = n
                    on_node_at[s] += n
        # within each batch, a site where that batch's failures are concentrated: a share of them
        # SITE_CONCENTRATION times the site's share of the finished jobs (a site that merely runs many jobs has
        # as large a share of their failures); a site bad for every batch is the test across batches'
        finished = self.total_ok + sum(self.fb.values())
        at_site = Counter({s: self.ok_s[s] + across[s] for s in across})
        # Tarone over every (batch, site) by its finished jobs (the test's margin); the concentration and the
        # nodes found only remove tests after that count
        ran = Counter({k: n for k, n in self.ok_bs.items() if n > 0 and k[0] not in broken and k[1] is not None})
        ran.update(fail_bs)
        places = [(b, s, n) for (b, s), n in ran.items() if n >= MIN_FAILURES]
        testable, m, best = _testable_in_batches(places, lambda b: (self.fb[b], self.ok_b[b]))
        cands = [
            (i, b, s, f)
            for i in testable
            if (f := fail_bs.get(((b := places[i][0]), (s := places[i][1])), 0)) >= MIN_FAILURES
            and f * finished > SITE_CONCENTRATION * at_site[s] * self.fb[b]
            and on_node[b, s] * 2 < f
        ]
        cands.sort(key=lambda c: (best(places[c[0]]), c[0]))  # as _testable ranks them: smallest best p first
        for _i, b, s, f in cands:
            o = max(self.ok_bs.get((b, s), 0), 0)
            self._test(out.site, "site", b, s, f, o, self.fb[b], self.ok_b[b], m)
        all_f, all_o = self._others(broken)
        ran_s: Counter[str | None] = Counter()
        for (_b, s), n in ran.items():
            ran_s[s] += n
        pool_t, m = _testable(
            [(s, n) for s, n in ran_s.items() if n >= MIN_FAILURES], lambda _s, n: _best(n, all_f, all_o)
        )
        pool = [
            (s, f)
            for s, _n in pool_t
            if (f := across.get(s, 0)) >= MIN_FAILURES and batches[s] >= 2 and on_node_at[s] * 2 < f
        ]
        for s, f in pool:
            o = max(self.ok_s.get(s, 0), 0)
            mix = partial(
                self._expected, lambda b, s=s: (fail_bs.get((b, s), 0), max(self.ok_bs.get((b, s), 0), 0)), broken
            )
            self._test(out.site, "site", None, s, f, o, all_f, all_o, m, batches=batches[s], expected=mix)  # type: ignore[arg-type]

    def _expected(self, at: Callable[[str], tuple[int, int]], broken: set[str]) -> float:
        """How many failures a place would have if it were like elsewhere for each batch it ran: the sum over
        batches of its finished jobs there times the batch's failure rate elsewhere (the pool's for a batch with
        too few jobs elsewhere to say). ``at(batch)`` is the batch's (failures, successes) there."""
        rates: list[tuple[int, int, int]] = []
        pool_f = pool_n = 0
        for b, fb in self.fb.items():
            if b in broken:
                continue
            f, o = at(b)
            f_else, n_else = fb - f, fb + self.ok_b[b] - f - o
            pool_f, pool_n = pool_f + f_else, pool_n + n_else
            if f + o:
                rates.append((f + o, f_else, n_else))
        pool_rate = pool_f / pool_n if pool_n else 1.0
        return sum(n * (fe / ne if ne >= MIN_OK_ELSEWHERE else pool_rate) for n, fe, ne in rates)

    @staticmethod
    def _test(
        table: dict[tuple[str | None, str], Evidence],
        kind: Kind,
        batch: str | None,
        where: str,
        f: int,
        o: int,
        all_f: int,
        all_o: int,
        m: int,
        batches: int = 1,
        expected: Callable[[], float] | None = None,
    ) -> None:
        """One place: ``f`` failures and ``o`` successes there, of ``all_f`` and ``all_o`` in its batch (or every
        batch); a finding when at least MIN_SHARE of its jobs failed, the others succeeded often enough and the
        p-value times ``m`` (Tarone's number of tests) is below ALPHA. Across batches, the place must also have
        more failures than its mix of batches explains: ``expected`` failures from each batch's rate elsewhere,
        tested as a binomial with their mean rate (which overstates the chance of many failures, Hoeffding 1956:
        a conservative test), so that a node that merely ran a bad batch's jobs is not a black hole."""
        if not _could(f, o, all_o):
            return
        p = fisher_greater(f, o, all_f - f, all_o - o)
        mix = None
        if expected is not None:
            if min(1.0, p * m) >= ALPHA:  # the binomial only raises p: not worth computing the mix
                return
            mix = expected()
            p = max(p, binomial_greater(f, f + o, min(1.0, mix / (f + o))))
        p = min(1.0, p * m)
        if p < ALPHA:
            e = all_f - f
            table[batch, where] = Evidence(
                kind, batch, where, f, o, all_f, all_o, e, e + all_o - o, p, batches=batches, expected=mix
            )

    def _attach(self, out: Population, broken: set[str]) -> None:
        """The failures of the batches not failing everywhere that each node or site finding concerns (a failed
        job's id -> its finding: its node's, in its batch then across batches, else its site's, in its batch then
        across batches; a batch failing everywhere, which comes first, has its failures already), when the failures
        at each node and site ended, and the findings listed strongest first."""
        if not (out.node or out.site):
            out.findings.sort(key=lambda e: (e.p, -e.failed, e.kind, e.where))
            return
        node, site, hosts, sites = out.node, out.site, self.fail_hosts, self.fail_sites
        touched: Iterable[int] = self.on_nodes  # the failures on a node found (_sites picked them)
        if site:
            at = map(
                or_, map({h for _b, h in node}.__contains__, hosts), map({s for _b, s in site}.__contains__, sites)
            )
            touched = compress(range(len(hosts)), at)
        spans: dict[tuple[str, str | None, str], list[float]] = {}  # (kind, batch or None, where) -> times
        chosen: dict[str, tuple[str, str | None, str]] = {}  # failed job id -> its finding's key
        concern: dict[tuple[str, str | None, str | None], list[tuple[str, str | None, str]]] = {}
        for i in touched:
            b, h, s = self.fail_b[i], hosts[i], sites[i]
            found = concern.get((b, h, s))
            if found is None:  # the findings that concern a failure there, in the order its finding is chosen
                found = concern[b, h, s] = [] if b in broken else _concerning(node, site, b, h, s)
            if not found:
                continue
            j = self.failed[i]
            chosen[j.id] = found[0]
            t = ended_at(j)
            if t is not None:
                for key in found:
                    spans.setdefault(key, []).append(t)
        for (kind, of, where), times in spans.items():
            table = node if kind == "node" else site
            table[of, where] = replace(table[of, where], first=min(times), last=max(times))
        out.by_job.update(
            (jid, (node if kind == "node" else site)[of, where]) for jid, (kind, of, where) in chosen.items()
        )
        out.findings = sorted(
            [*out.batch.values(), *out.node.values(), *out.site.values()],
            key=lambda e: (e.p, -e.failed, e.kind, e.where),
        )


def _concerning(
    node: Mapping[tuple[str | None, str], Evidence],
    site: Mapping[tuple[str | None, str], Evidence],
    b: str,
    h: str | None,
    s: str | None,
) -> list[tuple[str, str | None, str]]:
    """The node and site findings that concern a failure of batch ``b`` on host ``h`` at site ``s``, as (kind,
    batch or None, where), in the order its finding is chosen: its node's, in its batch then across batches, then
    its site's likewise."""
    return [
        (kind, of, where)  # type: ignore[misc]
        for kind, table, where in (("node", node, h), ("site", site, s))
        for of in (b, None)
        if (of, where) in table
    ]


def _could(f: int, o: int, all_o: int) -> bool:
    """A place with ``f`` failures and ``o`` successes, of ``all_o`` successes in all, may be a finding: at least
    MIN_SHARE of its jobs failed and MIN_OK_ELSEWHERE succeeded elsewhere."""
    return f >= MIN_SHARE * (f + o) and all_o - o >= MIN_OK_ELSEWHERE


def _best(n: int, fails: int, oks: int) -> float:
    """The smallest one-sided p a place with ``n`` finished jobs can reach, of ``fails`` failures and ``oks``
    successes in all (its margins): as many of its jobs failing as there are failures."""
    a = min(n, fails)
    return fisher_greater(a, n - a, fails - a, max(oks - (n - a), 0))


def _testable(places: list[_T], best_p: Callable[..., float]) -> tuple[list[_T], int]:
    """Tarone's correction: the places that could be significant at all, and how many tests to correct for.

    ``best_p(*place)`` is the smallest p-value the place could reach (its failures with no success there), which
    depends on the place's batch (first of three) and its count of failures (last) alone; with
    K(m) the places whose best is below ALPHA / m, the smallest m with K(m) <= m is the number of tests, and those
    K(m) places are the ones tested. A place that cannot pass is neither tested nor counted."""
    if not places:
        return [], 0
    memo: dict[tuple[object, ...], float] = {}  # most places share their batch and count: one p each

    def best(place: tuple[object, ...]) -> float:
        look = (place[0], place[-1]) if len(place) == 3 else (place[-1],)
        p = memo.get(look)
        if p is None:
            p = memo[look] = best_p(*place)
        return p

    bests = list(map(best, places))  # type: ignore[arg-type]
    ranked = sorted(range(len(places)), key=bests.__getitem__)  # stable: equal p-values keep the places' order
    ps = [bests[i] for i in ranked]
    lo, hi = 1, len(places)  # K(m) never grows with m: the smallest m with K(m) <= m, by bisection
    while lo < hi:
        mid = (lo + hi) // 2
        if bisect_left(ps, ALPHA / mid) <= mid:
            hi = mid
        else:
            lo = mid + 1
    return [places[i] for i in ranked[: bisect_left(ps, ALPHA / lo)]], lo


def _finished(jobs: list[Job]) -> tuple[list[str | None], list[str | None], list[str], list[int]]:
    """The finished jobs' hosts and sites, and the runs of their batch names (each run's name, where it starts in
    the columns), read in one pass: a loop reads a slot faster than ``map(attrgetter)`` does, and finds where the
    batch changes as it goes."""
    hosts: list[str | None] = []
    sites: list[str | None] = []
    labels: list[str] = []
    starts: list[int] = []
    batch: object = _NO_BATCH
    for j in jobs:
        if j.status in _FINISHED:
            if j.batch_name != batch:
                batch = j.batch_name
                labels.append(batch)  # type: ignore[arg-type]  # None: counted again by batch_of
                starts.append(len(hosts))
            hosts.append(j.last_host)
            sites.append(j.site)
    return hosts, sites, labels, starts


def _failure_columns(
    failed: list[Job],
) -> tuple[list[str], list[str | None], list[str | None], tuple[list[str], list[int]]]:
    """The failures' batch names, hosts and sites, and the runs of their batch names (each run's name, where it
    starts), in one pass."""
    batches: list[str] = []
    hosts: list[str | None] = []
    sites: list[str | None] = []
    labels: list[str] = []
    starts: list[int] = []
    batch: object = _NO_BATCH
    for j in failed:
        if j.batch_name != batch:
            batch = j.batch_name
            labels.append(batch)  # type: ignore[arg-type]  # None: counted again by batch_of
            starts.append(len(batches))
        batches.append(batch)  # type: ignore[arg-type]  # the run's name: the same name
        hosts.append(j.last_host)
        sites.append(j.site)
    return batches, hosts, sites, (labels, starts)


def _named(places: Iterable[str | None]) -> int:
    """How many places are named (neither None nor empty)."""
    return len({p for p in places if p})


_FAILURE_CODES = attrgetter("status", "hold_code", "exit_signal", "exit_code")  # what undiagnosed_title reads


def _most_common_failure(jobs: list[Job], said: list[Verdict | None]) -> tuple[str, int]:
    """The failure most of ``jobs`` share (:func:`failure_key`; ``said``: their verdicts) and how many share it,
    the first of them seen on a tie (as ``Counter.most_common`` finds it): the jobs are counted by their
    verdict's signature and HTCondor's codes on the C side, and each distinct one named once."""
    keys = list(zip(map(getattr, said, repeat("signature"), repeat(None)), map(_FAILURE_CODES, jobs), strict=True))
    one_of = dict(zip(keys, jobs, strict=True))
    named: Counter[str] = Counter()
    for (signature, codes), n in Counter(keys).items():
        named[signature or undiagnosed_title(one_of[signature, codes])] += n
    return max(named.items(), key=itemgetter(1))


def _runs(batches: list[_K]) -> tuple[list[_K], list[int]]:
    """The runs of equal batches in ``batches``: each run's batch and where it starts."""
    if not batches:
        return [], []
    starts = [0, *compress(range(1, len(batches)), map(ne, batches, islice(batches, 1, None)))]
    return list(map(batches.__getitem__, starts)), starts


def _testable_in_batches(
    places: list[tuple[str, str | None, int]], margins: Callable[[str], tuple[int, int]]
) -> tuple[list[int], int, Callable[[tuple[str, str | None, int]], float]]:
    """:func:`_testable` over places (batch, where, its finished jobs there) whose smallest p is :func:`_best` with
    the batch's ``margins`` (failures, successes), working out that p for fewer places: the places tested (their
    indices, in ``places``' order), Tarone's number of tests, and the smallest p of a place (for the order
    :func:`_testable` lists them in).

    Within a batch the smallest p falls as a place's jobs grow up to the batch's failures and rises after (the
    hypergeometric term of all of a place's jobs failing, then of all the batch's failures there): when the places
    of a batch with the fewest and the most jobs are both below ALPHA / (every place), with room for rounding, every
    place of that batch is tested whatever Tarone's number is, and its own p is not needed to count them."""
    if not places:
        return [], 0, lambda _place: 1.0
    memo: dict[tuple[str, int], float] = {}

    def best(b: str, n: int) -> float:
        p = memo.get((b, n))
        if p is None:
            p = memo[b, n] = _best(n, *margins(b))
        return p

    of_batch: dict[str, list[int]] = {}
    for i, (b, _where, _n) in enumerate(places):
        at = of_batch.get(b)
        if at is None:
            of_batch[b] = [i]
        else:
            at.append(i)
    surely = ALPHA / len(places) * (1 - 1e-6)  # below ALPHA / m for any m Tarone can find, rounding aside
    certain: list[int] = []
    unsure: list[tuple[float, int]] = []
    for b, at in of_batch.items():
        fails, oks = margins(b)
        fewest, most = min(places[i][2] for i in at), max(places[i][2] for i in at)
        if (
            fewest >= 0
            and most <= fails + oks
            and min(fails, oks) >= 0
            and max(best(b, fewest), best(b, most)) < surely
        ):
            certain += at
        else:
            unsure += ((best(b, places[i][2]), i) for i in at)
    ps = sorted(p for p, _i in unsure)
    lo, hi = 1, len(places)  # as _testable finds m, the certain places counted for every m
    while lo < hi:
        mid = (lo + hi) // 2
        if len(certain) + bisect_left(ps, ALPHA / mid) <= mid:
            hi = mid
        else:
            lo = mid + 1
    return sorted(certain + [i for p, i in unsure if p < ALPHA / lo]), lo, lambda place: best(place[0], place[2])


def _count_but(
    column: list[_T], runs: tuple[list[str], list[int]], left_out: Set[str], nested: Mapping[str, Mapping[_T, int]]
) -> Counter[_T]:
    """How often each value comes in ``column`` (rows in runs of a batch: each run's batch, where it starts) in the
    rows of the batches not ``left_out``: counted run by run, or whole less ``nested``'s counts of those batches
    where the runs are short."""
    labels, starts = runs
    n = len(column)
    if (len(starts) - 1) * 4 > n:
        counts = Counter(column)
        for b in left_out:
            counts.subtract(nested[b])
        return counts
    counts: Counter[_T] = Counter()
    for b, start, end in zip(labels, starts, [*starts[1:], n] if starts else [], strict=True):
        if b not in left_out:
            counts.update(column[start:end])  # Counter's own C loop
    return counts


def _nest(labels: list[_K], starts: list[int], columns: tuple[list[_T], ...]) -> tuple[dict[_K, Counter[_T]], ...]:
    """Per column, how often each value comes in each batch, the columns' rows coming in runs of a batch (the
    ``labels[i]`` run starts at row ``starts[i]``): {batch: {value: count}}, the batches in the order they first
    come and each batch's values likewise. Counted on the C side run by run where the runs are long, else by
    (batch, value) pairs (:func:`_grouped` makes the runs long where the batches have rows enough)."""
    n = len(columns[0])
    ends = [*starts[1:], n] if starts else []
    outs: tuple[dict[_K, Counter[_T]], ...] = tuple({} for _ in columns)
    if (len(starts) - 1) * 4 > n:  # short runs: a count by (batch, value), nested after
        batches = list(chain.from_iterable(map(repeat, labels, map(sub, ends, starts))))
        for column, out in zip(columns, outs, strict=True):
            for (b, v), c in Counter(zip(batches, column, strict=True)).items():
                at = out.get(b)
                if at is None:
                    at = out[b] = Counter()
                at[v] = c
        return outs
    for b, start, end in zip(labels, starts, ends, strict=True):
        for column, out in zip(columns, outs, strict=True):
            at = out.get(b)
            if at is None:
                at = out[b] = Counter()
            at.update(column[start:end])  # Counter's own C loop
    return outs


REGROUP_ROWS = 4
"""Rows in runs of a batch too short to count run by run are regrouped by batch when the batches have this many
rows each on average (fewer: the (batch, value) pairs are counted, each batch's own count costing more than its
pairs; 80,000 rows in no order: regrouped ~10% faster at 4 rows a batch, ~25% slower at 3)."""


def _grouped(
    labels: list[_K], starts: list[int], columns: tuple[list[_T], ...]
) -> tuple[list[_K], list[int], tuple[list[_T], ...]]:
    """The columns' rows (in runs of a batch: ``labels[i]`` from row ``starts[i]``) as :func:`_nest` counts them
    best: as they are where the runs are long or the batches have fewer than :data:`REGROUP_ROWS` rows each on
    average, else in one run per batch, the batches in the order they first come and each batch's rows in their
    order (a stable sort of the rows by the batch's first run, on the C side), which :func:`_nest` counts run by
    run as it would count the pairs."""
    n = len(columns[0])
    if (len(starts) - 1) * 4 <= n:
        return labels, starts, columns
    first = dict(zip(dict.fromkeys(labels), count()))  # batch -> its rank, in the order they first come
    if len(first) * REGROUP_ROWS > n:
        return labels, starts, columns
    marks = bytearray(n)  # 1 where a run starts: a row's run is the count of marks up to it (no object per run)
    for start in starts:
        marks[start] = 1
    ranks = list(map([-1, *map(first.__getitem__, labels)].__getitem__, accumulate(marks)))  # each row's batch's
    order = sorted(range(n), key=ranks.__getitem__)  # stable: a batch's rows keep their order
    sizes = Counter(ranks)
    grouped = [0, *accumulate(map(sizes.__getitem__, range(len(first) - 1)))]
    return list(first), grouped, tuple(list(map(column.__getitem__, order)) for column in columns)


def _tarone(classes: Mapping[_K, int], best_p: Callable[[_K], float]) -> tuple[set[_K], int]:
    """Tarone's correction over places counted by class (``classes``: how many places in each, all of a class
    reaching the same smallest p-value, ``best_p(class)``): the classes of the places tested, and how many tests to
    correct for (as :func:`_testable` finds them for the places one by one)."""
    if not classes:
        return set(), 0
    bests = list(map(best_p, classes))
    ranked = sorted(zip(bests, classes.values(), range(len(bests)), strict=True))
    ps = [p for p, _k, _i in ranked]
    below = list(accumulate(k for _p, k, _i in ranked))  # below[j]: the places of the first j + 1 classes

    def tested(m: int) -> int:  # K(m): the places whose best p is below ALPHA / m
        j = bisect_left(ps, ALPHA / m)
        return below[j - 1] if j else 0

    lo, hi = 1, below[-1]
    while lo < hi:
        mid = (lo + hi) // 2
        if tested(mid) <= mid:
            hi = mid
        else:
            lo = mid + 1
    return {c for c, p in zip(classes, bests, strict=True) if p < ALPHA / lo}, lo


def _enough(counts: Mapping[_K, int]) -> list[_K]:
    """The keys counted at least :data:`MIN_FAILURES` times, picked on the C side (most count once or twice)."""
    return list(compress(counts.keys(), map(le, repeat(MIN_FAILURES), counts.values())))  # no bound method call


# ------------------------------------------------------------------------------------------- with the log


@dataclass(frozen=True, slots=True)
class Reading:
    """What the population adds to a verdict: a hint when the log said unknown (``suggests`` the category),
    else a note that it agrees or disagrees. The verdict itself is never changed."""

    evidence: Evidence
    suggests: str | None  # "service" or "code" when the log could not say; None beside a verdict of its own
    agrees: bool | None  # beside a verdict of the log's own: whether the population points the same way

    @property
    def line(self) -> str:
        """One line for a person: ``probably service (node h123): 17 of 18 failures ...``."""
        ev = self.evidence
        if self.suggests is not None:
            return f"{ev.hint}: {ev.text()}"
        if self.agrees:
            return f"the population agrees ({ev.label}): {ev.text()}"
        return f"note: the population points to {ev.category} ({ev.label}), the log's verdict stands: {ev.text()}"


def reading(verdict: Verdict | None, evidence: Evidence | None) -> Reading | None:
    """How the population's ``evidence`` for a job goes with its log ``verdict`` (None: not diagnosed)."""
    if evidence is None:
        return None
    if verdict is None or verdict.category == "unknown":
        return Reading(evidence, evidence.category, None)
    return Reading(evidence, None, verdict.category == evidence.category)
