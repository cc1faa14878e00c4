"""Evidence beyond the log, from the population of jobs: what an experienced shifter reads off the other jobs.

- **A black-hole node or a bad site** (service): a batch's failures concentrated on one host (or site) while the
  same batch's jobs succeed elsewhere and fail rarely there. A node failing the jobs of several batches is also
  tested across batches.
- **The batch itself** (code): the same failure (signature, or exit/hold code when undiagnosed) at several sites
  and hosts, with no success of that batch anywhere while the other batches succeed.

Each finding is a one-sided Fisher exact test (failures there against failures elsewhere) with its numbers; small
numbers never decide: a place needs :data:`MIN_FAILURES` failures, at least :data:`MIN_SHARE` of its finished jobs
failed, :data:`MIN_OK_ELSEWHERE` successes elsewhere, and a p-value below :data:`ALPHA` after a Bonferroni
correction over every place that reached those minimums. Failures an outage explains (their verdict names an
outage window, or their run overlaps one) never make a batch-wide finding: a wave at every site during an outage is
the timeline's story, not the batch's.

The population never overturns the log: :func:`reading` turns an ``unknown`` (or undiagnosed) verdict into a
"probably service (node h123)" or "probably code (batch-wide)" hint and only adds a note beside a verdict of the
log's own. Pure: jobs, verdicts and outage windows in, findings out; no I/O.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import compress
from operator import attrgetter, itemgetter
from typing import Literal, TypeVar

from opgtui.core.model import Job, JobStatus, Verdict, Window
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import clock
from opgtui.domain.failures import ended_at, is_failure

MIN_FAILURES = 5
"""Failures at one place (or of one batch) before the population may say anything about it."""
MIN_SHARE = 0.5
"""At least this share of the finished jobs there failed: a place that merely runs many jobs is not a black hole."""
MIN_OK_ELSEWHERE = 10
"""Successes elsewhere (of the same batch for a node or site; of the other batches for a batch-wide finding)."""
ALPHA = 1e-3
"""The one-sided Fisher p-value, times the number of places tested (Bonferroni), must be below this."""
MIN_HOSTS, MIN_SITES = 3, 2
"""A batch-wide failure ran on at least this many hosts and (when sites are known) sites."""
SAME_SHARE = 0.8
"""A batch-wide failure: at least this share of the batch's failures are the same failure."""
SITE_CONCENTRATION = 1.25
"""A site is tested for one batch when it holds this many times more of the batch's failures than of the finished
jobs (a screen that spares counting every batch at every site; the test itself is exact)."""

Kind = Literal["node", "site", "batch"]
_HELD, _COMPLETED = int(JobStatus.HELD), int(JobStatus.COMPLETED)


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
        return f"probably {self.category} ({self.label})"

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

    def choose(self, batch: str, host: str | None, site: str | None) -> Evidence | None:
        """A failure's finding: its batch failing everywhere first (it would fail on any node), then its node
        (in its batch, then across batches), then its site."""
        found = self.batch.get(batch)
        if found is None and host is not None:
            found = self.node.get((batch, host)) or self.node.get((None, host))
        if found is None and site is not None:
            found = self.site.get((batch, site)) or self.site.get((None, site))
        return found

    def current(self, ev: Evidence) -> Evidence:
        """``ev`` as the tables hold it now (with the times of its failures)."""
        table = self.node if ev.kind == "node" else self.site if ev.kind == "site" else None
        return ev if table is None else table.get((ev.batch, ev.where), ev)


def batch_of(job: Job) -> str:
    """The batch a job belongs to: its JobBatchName, else its submission (``schedd#cluster``)."""
    return job.batch_name or f"{job.schedd}#{job.cluster}"


def failure_key(job: Job, verdict: Verdict | None) -> str:
    """What makes two failures "the same": the verdict's signature, else the hold or exit code."""
    if verdict is not None and verdict.signature:
        return verdict.signature
    if job.status == _HELD:
        return f"held, code {job.hold_code if job.hold_code is not None else '?'}"
    if job.exit_signal is not None:
        return f"signal {job.exit_signal}"
    return f"exit code {job.exit_code}"


def _explained(job: Job, verdict: Verdict | None, outages: Sequence[Window], now: float) -> bool:
    """An outage explains this failure: its verdict names one, or the job ran while one was open."""
    if verdict is not None and verdict.windows:
        return True
    end = ended_at(job)
    start = job.start_time if job.start_time is not None else end
    return start is not None and any(w.overlaps(start, end, now) for w in outages)


# ------------------------------------------------------------------------------------------- the analysis

_status, _batch_name = attrgetter("status"), attrgetter("batch_name")
_host, _site = attrgetter("last_host"), attrgetter("site")
_second = itemgetter(1)
_K = TypeVar("_K")
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
    since then count. A caller that has the failures of ``jobs`` already passes them as ``failures``.

    Counting is done on the C side (``map``/``Counter``/``compress`` over the records) so that 100,000 jobs cost
    tens of milliseconds; the Python-level work is per place with enough failures, not per job."""
    jobs = jobs if isinstance(jobs, list) else list(jobs)
    if since is not None:
        jobs = [j for j in jobs if (t := ended_at(j)) is not None and t >= since]
        if failures is not None:
            failures = [j for j in failures if (t := ended_at(j)) is not None and t >= since]
    failed = [j for j in jobs if is_failure(j)] if failures is None else list(failures)
    if len(failed) < MIN_FAILURES:
        return Population()
    completed = list(compress(jobs, map(_COMPLETED.__eq__, map(_status, jobs))))
    return _Counts(failed, completed).decide(verdicts or {}, [w for w in outages if w.kind == "outage"], now)


class _Counts:
    """Failures and successes per batch, host and site (and failures per batch and place), each counted in one
    pass on the C side; a success is a completed job that is not one of the failures."""

    def __init__(self, failed: list[Job], completed: list[Job]) -> None:
        fc = list(compress(failed, map(_COMPLETED.__eq__, map(_status, failed))))
        key: BatchKey = _batch_name
        self.fb, comp_b = Counter(map(key, failed)), Counter(map(key, completed))
        if None in self.fb or None in comp_b:  # jobs with no batch name: their submission is their batch
            key = batch_of
            self.fb, comp_b = Counter(map(key, failed)), Counter(map(key, completed))
        self.key, self.failed, self.completed, self.failed_completed = key, failed, completed, fc
        self.comp = {"batch": comp_b, "node": Counter(map(_host, completed)), "site": Counter(map(_site, completed))}
        self.fcomp = {"batch": Counter(map(key, fc)), "node": Counter(map(_host, fc)), "site": Counter(map(_site, fc))}
        self.total_ok = len(completed) - len(fc)

    def ok(self, kind: str, place: str | None) -> int:
        """Successes of a batch (``kind`` "batch"), at a host ("node") or at a site ("site")."""
        return self.comp[kind].get(place, 0) - self.fcomp[kind].get(place, 0)

    def ok_pairs(self, getter: Callable[[Job], str | None], places: set[str]) -> Counter[tuple[str | None, str | None]]:
        """Successes per (batch, place) at ``places``."""
        if not places:
            return Counter()
        key = self.key

        def pairs(jobs: list[Job]) -> Iterable[tuple[str | None, str | None]]:
            picked = _at(jobs, getter, places)
            return zip(map(key, picked), map(getter, picked), strict=True)

        at = Counter(pairs(self.completed))
        at.subtract(Counter(pairs(self.failed_completed)))
        return at

    def decide(self, verdicts: Mapping[str, Verdict], outages: Sequence[Window], now: float) -> Population:
        out = Population()
        broken = self._batch_wide(out, verdicts, outages, now)
        failed = self.failed
        if broken:  # a batch failing everywhere says nothing of the nodes it ran on
            keep = set(self.fb) - broken
            failed = _at(failed, self.key, keep)  # type: ignore[arg-type]
        self._places(out, failed, _host, "node", broken)
        self._places(out, failed, _site, "site", broken)
        _attach(out, self.failed, self.key)
        return out

    # -------------------------------------------------------------------------------- the batch itself

    def _batch_wide(
        self, out: Population, verdicts: Mapping[str, Verdict], outages: Sequence[Window], now: float
    ) -> set[str]:
        candidates = {b for b, n in self.fb.items() if n >= MIN_FAILURES and self.ok("batch", b) <= 0}
        if not candidates or self.total_ok < MIN_OK_ELSEWHERE:
            return set()
        members: dict[str, list[Job]] = {b: [] for b in candidates}  # type: ignore[misc]
        for j in _at(self.failed, self.key, candidates):  # type: ignore[arg-type]
            members[self.key(j)].append(j)  # type: ignore[index]
        wide: list[tuple[str, list[Job], int, int, str, int]] = []
        for b, jobs in members.items():
            kept = [j for j in jobs if not _explained(j, verdicts.get(j.id), outages, now)]
            if len(kept) < MIN_FAILURES:
                continue
            hosts = len({j.last_host for j in kept if j.last_host})
            sites = len({j.site for j in kept if j.site})
            if hosts < MIN_HOSTS or (sites and sites < MIN_SITES):
                continue
            common, count = Counter(failure_key(j, verdicts.get(j.id)) for j in kept).most_common(1)[0]
            if count >= SAME_SHARE * len(kept):
                wide.append((b, kept, hosts, sites, common, count))
        broken: set[str] = set()
        total_failed = len(self.failed)
        for b, kept, hosts, sites, common, count in wide:
            other_fail = total_failed - self.fb[b]
            p = min(1.0, fisher_greater(len(kept), 0, other_fail, self.total_ok) * len(wide))
            if p >= ALPHA:
                continue
            times = [t for j in kept if (t := ended_at(j)) is not None]
            ev = Evidence(
                "batch",
                b,
                b,
                len(kept),
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
                explained=self.fb[b] - len(kept),
            )
            out.findings.append(ev)
            out.batch[b] = ev
            broken.add(b)
        return broken

    # -------------------------------------------------------------------------------- a node or a site

    def _places(
        self, out: Population, failed: list[Job], getter: Callable[[Job], str | None], kind: Kind, broken: set[str]
    ) -> None:
        key = self.key
        table = out.node if kind == "node" else out.site
        pairs = Counter(zip(map(key, failed), map(getter, failed), strict=True))
        # within each batch: a place with enough failures of that batch
        across = Counter(map(getter, failed))
        cands = [(b, w, pairs[b, w]) for b, w in _enough(pairs) if w is not None]
        on_node: Counter[tuple[str | None, str | None]] = Counter()
        on_node_at: Counter[str | None] = Counter()
        if kind == "site":
            # a site is tested for one batch when that batch's failures are concentrated there: a share of them
            # SITE_CONCENTRATION times the site's share of the finished jobs (a site that merely runs many jobs
            # has as large a share of their failures); a site bad for every batch is the test across batches'
            finished, at_site = len(self.completed), self.comp["site"]
            cands = [(b, w, f) for b, w, f in cands if f * finished > SITE_CONCENTRATION * at_site[w] * self.fb[b]]
            # a site whose failures are mostly on a node found already is that node's story, not the site's
            flagged = _at(failed, _host, {h for _b, h in out.node})
            on_node = Counter(zip(map(key, flagged), map(_site, flagged), strict=True))
            on_node_at = Counter(map(_site, flagged))
            cands = [(b, w, f) for b, w, f in cands if on_node[b, w] * 2 < f]
        if cands:
            # a place with no success at all has none of any batch either: only the others need a count
            need = {w for _b, w, _f in cands if self.ok(kind, w) > 0}
            ok = self.ok_pairs(getter, need)  # type: ignore[arg-type]
            tested = [(b, w, f, max(ok.get((b, w), 0), 0)) for b, w, f in cands]
            tested = [t for t in tested if t[2] >= MIN_SHARE * (t[2] + t[3])]
            for b, w, f, o in tested:
                bf, bo = self.fb[b], self.ok("batch", b)
                if bo - o < MIN_OK_ELSEWHERE:
                    continue
                p = min(1.0, fisher_greater(f, o, bf - f, bo - o) * len(tested))
                if p < ALPHA:
                    table[b, w] = Evidence(kind, b, w, f, o, bf, bo, bf - f, bf - f + bo - o, p)  # type: ignore[index]
        # across batches: a place failing the jobs of two batches or more
        batches: Counter[str | None] = Counter(map(_second, pairs))
        all_f = len(failed)
        all_o = self.total_ok - sum(self.ok("batch", b) for b in broken)
        pool = [
            (w, f, self.ok(kind, w))
            for w in _enough(across)
            if w is not None and batches[w] >= 2 and on_node_at[w] * 2 < (f := across[w])
        ]
        pool = [t for t in pool if t[1] >= MIN_SHARE * (t[1] + t[2]) and all_o - t[2] >= MIN_OK_ELSEWHERE]
        for w, f, o in pool:
            p = min(1.0, fisher_greater(f, o, all_f - f, all_o - o) * len(pool))
            if p < ALPHA:
                table[None, w] = Evidence(  # type: ignore[index]
                    kind, None, w, f, o, all_f, all_o, all_f - f, all_f - f + all_o - o, p, batches=batches[w]
                )


def _enough(counts: Mapping[_K, int]) -> list[_K]:
    """The keys counted at least :data:`MIN_FAILURES` times, picked on the C side (most count once or twice)."""
    return list(compress(counts.keys(), map((MIN_FAILURES - 1).__lt__, counts.values())))


def _at(jobs: list[Job], getter: Callable[[Job], str | None], places: set[str]) -> list[Job]:
    """The jobs whose host (or site, or batch: ``getter``) is one of ``places``, picked on the C side."""
    return list(compress(jobs, map(places.__contains__, map(getter, jobs))))


def _attach(out: Population, failed: list[Job], key: BatchKey) -> None:
    """The failures each finding concerns (a failed job's id -> its finding, in :meth:`Population.for_job`'s
    order), when the failures at each node and site ended, and the findings listed strongest first."""
    if not (out.batch or out.node or out.site):
        return
    touched: dict[str, Job] = {}
    for getter, places in (
        (key, set(out.batch)),
        (_host, {h for _b, h in out.node}),
        (_site, {s for _b, s in out.site}),
    ):
        if places:
            for j in compress(failed, map(places.__contains__, map(getter, failed))):
                touched[j.id] = j
    spans: dict[tuple[str, str | None, str], list[float]] = {}
    chosen: dict[str, Evidence] = {}
    for j in touched.values():
        b, h, s = key(j), j.last_host, j.site
        ev = out.choose(b, h, s)  # type: ignore[arg-type]
        if ev is None:
            continue
        chosen[j.id] = ev
        t = ended_at(j)
        if t is None:
            continue
        for kind, table, where in (("node", out.node, h), ("site", out.site, s)):
            for of in (b, None):
                if (of, where) in table:
                    spans.setdefault((kind, of, where), []).append(t)  # type: ignore[arg-type]
    for kind, table in (("node", out.node), ("site", out.site)):
        for k, ev in table.items():
            times = spans.get((kind, k[0], k[1]))
            if times:
                table[k] = replace(ev, first=min(times), last=max(times))
    out.by_job = {jid: out.current(ev) for jid, ev in chosen.items()}
    out.findings = sorted(
        [*out.batch.values(), *out.node.values(), *out.site.values()], key=lambda e: (e.p, -e.failed, e.kind, e.where)
    )


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
