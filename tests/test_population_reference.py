"""The population's analysis (opgtui/domain/population.py, counted on the C side and pruned by Tarone's bound)
against a straightforward reading of its rules (below: every job looked at by plain loops, every place's best p
computed, the corrected count found by trying m = 1, 2, ...), on seeded random populations of the real records
test_population varies (a DUNE success, the CHTC DAG node's exit-8 runs, a held CHTC job): the same findings, with
the same numbers and p-values, and the same finding for every failed job."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

import pytest
from test_population import FAILURES, HELD, NOW, SUCCESS, vary

from opgtui.core.model import Finding, Job, JobStatus, Verdict, Window
from opgtui.domain.failures import ended_at, is_failure
from opgtui.domain.population import (
    ALPHA,
    MIN_FAILURES,
    MIN_HOSTS,
    MIN_OK_ELSEWHERE,
    MIN_SHARE,
    MIN_SITES,
    SAME_SHARE,
    SITE_CONCENTRATION,
    Evidence,
    Population,
    _explained,  # the outage rule itself: not what is compared
    analyse,
    batch_of,
    binomial_greater,
    failure_key,
    fisher_greater,
)


def tarone(best: dict[object, float]) -> tuple[set[object], int]:
    """The places whose best p is below ALPHA / m, for the smallest m with at most m of them."""
    m = 1
    while True:
        kept = {place for place, p in best.items() if p < ALPHA / m}
        if len(kept) <= m:
            return kept, m
        m += 1


def best_p(n: int, fails: int, oks: int) -> float:
    """A place's smallest reachable p: as many of its ``n`` finished jobs failing as there are failures."""
    a = min(n, fails)
    return fisher_greater(a, n - a, fails - a, max(oks - (n - a), 0))


def reference(jobs: list[Job], verdicts: dict[str, Verdict], outages: Sequence[Window], now: float) -> Population:
    out = Population()
    failed = [j for j in jobs if is_failure(j)]
    if len(failed) < MIN_FAILURES:
        return out
    outages = [w for w in outages if w.kind == "outage"]
    key: Callable[[Job], str] = batch_of if any(j.batch_name is None for j in jobs) else (lambda j: j.batch_name)  # type: ignore[assignment,return-value]
    ok = [j for j in jobs if j.status == JobStatus.COMPLETED and not is_failure(j)]
    order = list(dict.fromkeys(key(j) for j in failed))  # batches in the order of their first failure
    fails_of = {b: [j for j in failed if key(j) == b] for b in order}
    oks_of = Counter(key(j) for j in ok)
    total_ok, total_failed = len(ok), len(failed)

    # a batch failing everywhere
    broken: set[str] = set()
    candidates = [b for b in order if len(fails_of[b]) >= MIN_FAILURES and oks_of[b] == 0]
    if candidates and total_ok >= MIN_OK_ELSEWHERE:
        sizes = {b: len(fails_of.get(b, [])) + oks_of[b] for b in {*order, *oks_of}}
        best = {
            b: fisher_greater(n, 0, total_failed - n, total_ok) if n <= total_failed else 1.0
            for b, n in sizes.items()
            if n >= MIN_FAILURES
        }
        testable, m = tarone(best)  # type: ignore[arg-type]
        for b in candidates:
            if b not in testable:
                continue
            kept = [j for j in fails_of[b] if not _explained(j, verdicts.get(j.id), outages, now)]  # what the outage is
            hosts, sites = len({j.last_host for j in kept if j.last_host}), len({j.site for j in kept if j.site})
            if len(kept) < MIN_FAILURES or hosts < MIN_HOSTS or (sites and sites < MIN_SITES):
                continue
            common, count = Counter(failure_key(j, verdicts.get(j.id)) for j in kept).most_common(1)[0]
            other = total_failed - len(fails_of[b])
            p = min(1.0, fisher_greater(len(kept), 0, other, total_ok) * m)
            if count < SAME_SHARE * len(kept) or p >= ALPHA:
                continue
            times = [t for j in kept if (t := ended_at(j)) is not None]
            ev = Evidence(
                "batch", b, b, len(kept), 0, len(fails_of[b]), 0, other, other + total_ok, p,
                first=min(times, default=None), last=max(times, default=None), hosts=hosts, sites=sites,
                common=common, common_count=count, explained=len(fails_of[b]) - len(kept),
            )  # fmt: skip
            out.batch[b] = ev
            out.by_job.update(dict.fromkeys([j.id for j in kept], ev))
            broken.add(b)
    failed = [j for j in failed if key(j) not in broken]
    all_f, all_o = len(failed), total_ok
    order = [b for b in order if b not in broken]

    def test(kind: str, b: str | None, where: str, at: Callable[[Job], bool], m: int, batch_f: int, batch_o: int,
             mixed: bool) -> None:  # fmt: skip
        fails_here = Counter(key(j) for j in failed if at(j))  # per batch
        oks_here = Counter(key(j) for j in ok if at(j))
        f = fails_here[b] if b is not None else fails_here.total()
        o = oks_here[b] if b is not None else oks_here.total()
        if f < MIN_SHARE * (f + o) or batch_o - o < MIN_OK_ELSEWHERE:
            return
        p, mix, batches = fisher_greater(f, o, batch_f - f, batch_o - o), None, 1
        if mixed:  # across batches: more failures than each batch's rate elsewhere explains
            rates, pool_f, pool_n = [], 0, 0
            for c in order:
                fc, oc = fails_here[c], oks_here[c]
                f_else, n_else = len(fails_of[c]) - fc, len(fails_of[c]) + oks_of[c] - fc - oc
                pool_f, pool_n = pool_f + f_else, pool_n + n_else
                if fc + oc:
                    rates.append((fc + oc, f_else, n_else))
                batches += fc > 0
            pool_rate = pool_f / pool_n if pool_n else 1.0
            mix = sum(n * (fe / ne if ne >= MIN_OK_ELSEWHERE else pool_rate) for n, fe, ne in rates)
            p, batches = max(p, binomial_greater(f, f + o, min(1.0, mix / (f + o)))), batches - 1
        p = min(1.0, p * m)
        if p < ALPHA:
            e = batch_f - f
            table = out.node if kind == "node" else out.site
            table[b, where] = Evidence(kind, b, where, f, o, batch_f, batch_o, e, e + batch_o - o, p, batches=batches,
                                       expected=mix)  # type: ignore[arg-type]  # fmt: skip

    # a node: within each batch, then across batches
    finished = [*ok, *failed]
    across = Counter(j.last_host for j in failed if j.last_host is not None)
    if any(n >= MIN_FAILURES for n in across.values()):
        ran = Counter((key(j), j.last_host) for j in finished if j.last_host is not None)
        best = {
            (b, h): best_p(n, len(fails_of[b]), oks_of[b])
            for (b, h), n in ran.items()
            if n >= MIN_FAILURES and b in fails_of
        }
        best.update({(b, h): 1.0 for (b, h), n in ran.items() if n >= MIN_FAILURES and b not in fails_of})
        testable, m = tarone(best)  # type: ignore[arg-type]
        for b, h in testable:  # type: ignore[misc]
            if sum(1 for j in failed if key(j) == b and j.last_host == h) >= MIN_FAILURES:
                test("node", b, h, lambda j, h=h: j.last_host == h, m, len(fails_of[b]), oks_of[b], False)
        ran_h = Counter(j.last_host for j in finished if j.last_host is not None)
        pool, m = tarone({h: best_p(n, all_f, all_o) for h, n in ran_h.items() if n >= MIN_FAILURES})
        for h in pool:
            n_batches = len({key(j) for j in failed if j.last_host == h})
            if across[h] >= MIN_FAILURES and n_batches >= 2:  # type: ignore[index]
                test("node", None, h, lambda j, h=h: j.last_host == h, m, all_f, all_o, True)  # type: ignore[arg-type]

    # a site: within each batch (where its failures are concentrated), then across batches; a site whose failures
    # are mostly on a node found already is that node's story
    nodes = {h for _b, h in out.node}
    on_node = Counter((key(j), j.site) for j in failed if j.last_host in nodes)
    on_node_at = Counter(j.site for j in failed if j.last_host in nodes)
    fail_bs = Counter((key(j), j.site) for j in failed if j.site is not None)
    across_s = Counter(j.site for j in failed if j.site is not None)
    ok_s = Counter(j.site for j in ok)
    every_finished = total_ok + sum(len(v) for v in fails_of.values())
    ran_bs = Counter((key(j), j.site) for j in finished if j.site is not None)
    best = {
        (b, s): best_p(n, len(fails_of[b]), oks_of[b]) if b in fails_of else 1.0
        for (b, s), n in ran_bs.items()
        if n >= MIN_FAILURES
    }
    testable, m = tarone(best)  # type: ignore[arg-type]
    for b, s in testable:  # type: ignore[misc]
        f = fail_bs[b, s]
        at_site = ok_s[s] + across_s[s]
        if (
            f >= MIN_FAILURES
            and f * every_finished > SITE_CONCENTRATION * at_site * len(fails_of[b])
            and on_node[b, s] * 2 < f
        ):
            test("site", b, s, lambda j, s=s: j.site == s, m, len(fails_of[b]), oks_of[b], False)
    ran_s = Counter(j.site for j in finished if j.site is not None)
    pool, m = tarone({s: best_p(n, all_f, all_o) for s, n in ran_s.items() if n >= MIN_FAILURES})
    for s in pool:
        n_batches = len({key(j) for j in failed if j.site == s})
        if across_s[s] >= MIN_FAILURES and n_batches >= 2 and on_node_at[s] * 2 < across_s[s]:  # type: ignore[index]
            test("site", None, s, lambda j, s=s: j.site == s, m, all_f, all_o, True)  # type: ignore[arg-type]

    # when the failures at each finding ended, and each failure's finding: its node (in its batch, then across
    # batches), then its site
    for table, attr in ((out.node, "last_host"), (out.site, "site")):
        for (b, where), ev in table.items():
            times = [
                t
                for j in failed
                if getattr(j, attr) == where and (b is None or key(j) == b) and (t := ended_at(j)) is not None
            ]
            if times:
                table[b, where] = replace(ev, first=min(times), last=max(times))
    for j in failed:
        b, h, s = key(j), j.last_host, j.site
        ev = out.node.get((b, h)) or out.node.get((None, h)) or out.site.get((b, s)) or out.site.get((None, s))  # type: ignore[arg-type]
        if ev is not None:
            out.by_job[j.id] = ev
    out.findings = sorted([*out.batch.values(), *out.node.values(), *out.site.values()], key=lambda e: (e.p, -e.failed))
    return out


OUTAGE = Window("dcache", "outage", NOW - 50_000, NOW - 40_000, "test")
VERDICTS = [
    Verdict("service", "retry", "sam_fetch", "SAM fetch failed", [Finding("sam_fetch", "service", "retry", "x")]),
    Verdict("code", "debug", "fhicl_parse", "FHiCL parse error", [Finding("fhicl_parse", "code", "debug", "x")]),
    Verdict("unknown", "look", None, "no known signature"),
    Verdict("service", "wait", "dcache_down", "dCache down", windows=[OUTAGE]),
]


def population(seed: int) -> tuple[list[Job], dict[str, Verdict], list[Window]]:
    """A random pool of the real records varied: batches, hosts and sites of random counts, a failure rate, a few
    black-hole nodes, a bad site, batches failing everywhere, jobs with no batch name, host or site, running ones."""
    rng = random.Random(seed)
    n_batches, n_sites, n_hosts = rng.choice([1, 2, 4, 12, 60]), rng.choice([1, 2, 4, 9]), rng.choice([3, 12, 60, 300])
    rate = rng.choice([0.03, 0.1, 0.25, 0.4])
    holes = {f"wn{rng.randrange(n_hosts):03d}" for _ in range(rng.choice([0, 1, 1, 3]))}
    bad_site = f"SITE_{rng.randrange(n_sites)}" if rng.random() < 0.3 else None
    broken = {f"batch_{rng.randrange(n_batches)}" for _ in range(rng.choice([0, 0, 1, 2]))}
    nameless, empty = rng.random() < 0.15, rng.random() < 0.05
    jobs: list[Job] = []
    verdicts: dict[str, Verdict] = {}
    for _ in range(rng.choice([40, 300, 1200, 3000])):
        batch: str | None = f"batch_{rng.randrange(n_batches)}"
        if nameless and rng.random() < 0.1:
            batch = None
        elif empty and rng.random() < 0.05:
            batch = ""
        site: str | None = f"SITE_{rng.randrange(n_sites)}"
        host: str | None = f"wn{rng.randrange(n_hosts):03d}"
        host, site = (None if rng.random() < 0.02 else host), (None if rng.random() < 0.02 else site)
        end = NOW - rng.uniform(0, 2 * 86_400)
        bad = 0.95 if host in holes else 1.0 if batch in broken else 0.7 if site == bad_site else rate
        roll = rng.random()
        if roll < bad and batch in broken:  # the same failure everywhere, a few of them in an outage
            job = vary(rng.choice(FAILURES), batch, host, site, end)  # type: ignore[arg-type]
            if rng.random() < 0.1:
                verdicts[job.id] = VERDICTS[-1]
        elif roll < bad:
            real = HELD if rng.random() < 0.3 else rng.choice(FAILURES)
            job = vary(real, batch, host, site, end)  # type: ignore[arg-type]
            if real is not HELD and rng.random() < 0.1:
                job = replace(job, exit_code=None, exit_signal=9)
            if rng.random() < 0.5:
                verdicts[job.id] = rng.choice(VERDICTS)
        elif roll < 0.85:
            job = vary(SUCCESS, batch, host, site, end)  # type: ignore[arg-type]
        else:
            status = rng.choice([JobStatus.RUNNING, JobStatus.IDLE, JobStatus.REMOVED])
            job = replace(vary(SUCCESS, batch, host, site, end), status=status, end_time=None)  # type: ignore[arg-type]
        if rng.random() < 0.5:
            job = replace(job, status=int(job.status))  # type: ignore[arg-type]
        jobs.append(job)
    if rng.random() < 0.3:
        rng.shuffle(jobs)
    return jobs, verdicts, [OUTAGE] if rng.random() < 0.2 else []


def same(pop: Population) -> tuple[list[str], dict[str, str]]:
    return sorted(map(repr, pop.findings)), {jid: repr(ev) for jid, ev in pop.by_job.items()}


@pytest.mark.parametrize("seeds", [range(0, 40), range(40, 80)])
def test_the_analysis_finds_what_the_straightforward_reading_finds_on_random_pools(seeds: range) -> None:
    found = 0
    for seed in seeds:
        jobs, verdicts, outages = population(seed)
        want = reference(jobs, verdicts, outages, NOW)
        got = analyse(jobs, verdicts, outages, now=NOW)
        assert same(got) == same(want), f"seed {seed}"
        given = analyse(jobs, verdicts, outages, now=NOW, failures=[j for j in jobs if is_failure(j)])
        assert same(given) == same(want), f"seed {seed}, the failures handed over"
        assert [(e.p, -e.failed) for e in got.findings] == sorted((e.p, -e.failed) for e in got.findings)
        found += bool(want.findings)
    assert found >= len(seeds) // 5  # the pools find something often enough for the comparison to mean something
