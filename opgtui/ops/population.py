"""What the other stored jobs say of one failed or held job (a black-hole node, a bad site, its batch failing
everywhere): the store read behind ``opgtui diagnose JOBID`` and the job detail. The decision is
``opgtui.domain.population``'s; this step reads what it weighs.

:func:`read_population` reads the jobs to weigh the job against: every stored job up to :data:`POOL_READ_LIMIT`,
else the job's batch alone; their verdicts and the outages. :meth:`Pool.reading` then weighs them beside the job's
own verdict (which it never changes)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from opgtui.core.model import Job, Verdict, Window
from opgtui.domain.failures import is_failure

if TYPE_CHECKING:
    from opgtui.domain.population import Evidence, Reading
    from opgtui.store import Store

POOL_READ_LIMIT = 25_000
"""Up to this many stored jobs, the population is every stored job (a node failing several batches, a batch
failing everywhere against the others); beyond, the job's batch alone (its nodes and sites)."""


@dataclass(frozen=True, slots=True)
class Pool:
    """The jobs a failed or held job is weighed against, as one read found them."""

    scope: str  # "the store" or "batch X"
    jobs: list[Job]
    failed: list[Job]  # those of ``jobs`` that failed or are held
    verdicts: dict[str, Verdict]  # the stored verdicts of ``failed``
    outages: list[Window]

    def reading(self, job: Job, verdict: Verdict | None, now: float) -> Reading | None:
        """What the population says of ``job`` beside its ``verdict`` (this diagnosis, else the stored one, else
        None: undiagnosed); None when it points nowhere."""
        from opgtui.domain.population import analyse, reading

        verdicts = dict(self.verdicts)
        if verdict is not None:  # this diagnosis, for what makes its failure the same as others'
            verdicts[job.id] = verdict
        found = analyse(self.jobs, verdicts, self.outages, now=now, failures=self.failed)
        return reading(verdict, found.for_job(job))


def read_population(store: Store, job: Job) -> Pool | None:
    """The jobs to weigh ``job`` against, their verdicts and the outages; None when the job neither failed nor is
    held, or the store holds too many jobs to read them all and the job has no batch."""
    if not is_failure(job):
        return None
    if store.count_jobs() <= POOL_READ_LIMIT:
        scope, jobs = "the store", store.jobs()
    elif job.batch_name:
        scope, jobs = f"batch {job.batch_name}", store.request_jobs([job.batch_name])
    else:
        return None
    failed = [j for j in jobs if is_failure(j)]
    return Pool(scope, jobs, failed, store.verdicts_for([j.id for j in failed]), store.windows(kind="outage"))


def showable(evidence: Evidence) -> Evidence:
    """``evidence`` as it can be written: without the span of its failures when one of their times is none a clock
    can show (an ad's CompletionDate of 1e13, a time read as inf), so that one such job on a black-hole node does not
    make every line about that node raise. What the screens and ``opgtui diagnose JOBID`` format."""
    try:
        evidence.numbers()
    except (ValueError, OverflowError, OSError):
        return replace(evidence, first=None, last=None)
    return evidence
