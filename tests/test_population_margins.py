"""Review finding (population.py, proposed): the batch-wide test's multiple-testing count."""

from __future__ import annotations

from dataclasses import replace

from test_population import NOW, SITES, failures, ok_jobs

from opgtui.core.model import Job
from opgtui.domain.population import analyse, fisher_greater


def test_a_batch_all_failing_by_chance_among_many_small_batches_is_not_batch_wide() -> None:
    """400 DAG batches of 8 jobs at a 30% failure rate (the same exit code everywhere), one of which failed all
    8 (on 4 hosts at 4 sites). Under that null, P(some batch fails all 8) = 1-(1-p)^400 with p = P(8 of 8) ~ 6e-5:
    ~2.6%, 26 times ALPHA. Every one of the 400 batches could have reached that p (its 8 jobs are a margin, not
    an outcome), so Tarone's count is over them all and nothing is significant; the count of batches observed
    failing everywhere (1) is not a correction."""
    jobs: list[Job] = []
    for b in range(400):
        batch = f"dag_{b:03d}"
        bad = 8 if b == 0 else (2 if b % 10 < 6 else 3)  # 2.4 of 8 failing on average: 30%
        sites = SITES if b == 0 else SITES[b % 4 : b % 4 + 1]
        for i in range(bad):
            jobs += failures(batch, 1, f"wn{(b * 8 + i) % 97:03d}.{sites[i % len(sites)]}", sites[i % len(sites)])
        jobs += ok_jobs(batch, 8 - bad, hosts=97)
    pop = analyse(jobs, now=NOW)
    lone = pop.batch.get("dag_000")
    rate_p = fisher_greater(8, 0, sum(1 for j in jobs if j.failed) - 8, sum(1 for j in jobs if not j.failed))
    assert 1e-5 < rate_p < 1e-3  # one batch's chance of failing all 8
    assert lone is None, f"batch-wide with p {lone.p:.1e} (uncorrected {rate_p:.1e}); 400 batches could have"


def test_a_node_with_8_of_10_failed_among_200_like_it_is_no_black_hole() -> None:
    """One batch on 200 hosts, 10 jobs each, 20% failing: 2 of 10 on every host but one, which failed 8 of 10.
    P(a host fails 8 or more of 10) ~ 9e-5, so among 200 hosts ~1.7% of such pools show one: 17 times ALPHA.
    Each host's 10 jobs are the test's margin (all 10 failing, p ~ 1e-7, is reachable on every host), so Tarone
    counts 200 tests; counting only the hosts that were seen with 5 failures or more (1 here) is no correction."""
    jobs: list[Job] = []
    for h in range(200):
        host, site = f"wn{h:03d}.{SITES[h % 4]}", SITES[h % 4]
        bad = 8 if h == 0 else 2
        jobs += failures("mc_gen", bad, host, site)
        jobs += [j for j in ok_jobs("mc_gen", 10 - bad, hosts=1, sites=(site,))]
        jobs[-(10 - bad) :] = [replace(j, last_host=host) for j in jobs[-(10 - bad) :]]
    pop = analyse(jobs, now=NOW)
    assert not pop.node, [e.text() for e in pop.node.values()]
