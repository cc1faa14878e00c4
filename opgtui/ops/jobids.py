"""Job ids as a shifter types them, resolved against the store.

The Jobs table shows ``88412003.1@jobsub01`` (the schedd without its domain); the store keys jobs by
``jobsub01.fnal.gov#88412003.1``. Every form the dashboard shows is accepted: the store's id, ``CLUSTER.PROC@SCHEDD``
with the schedd's full or short name, a JobsubJobId, and ``SCHEDD#CLUSTER.PROC`` with a short schedd name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from opgtui.core.model import Job

if TYPE_CHECKING:
    from opgtui.store import Store


class AmbiguousId(ValueError):
    """A short id that names jobs of more than one schedd."""


def _parts(text: str) -> tuple[str, int, int]:
    """(schedd as typed, cluster, proc); ValueError when ``text`` is no job id."""
    if "#" in text:
        schedd, _, local = text.partition("#")
    else:
        local, _, schedd = text.partition("@")
    cluster, dot, proc = local.partition(".")
    if not (dot and cluster.isdigit() and proc.isdigit() and schedd.strip()):
        raise ValueError(f"not a job id: {text!r} (expected CLUSTER.PROC@SCHEDD or SCHEDD#CLUSTER.PROC)")
    return schedd.strip(), int(cluster), int(proc)


def _short(host: str) -> str:
    return host.split(".", 1)[0] if "." in host and not host.replace(".", "").isdigit() else host


def _names(job: Job, schedd: str, text: str) -> bool:
    """Whether ``job`` is the one ``text`` (with schedd part ``schedd``) names."""
    if job.schedd == schedd or _short(job.schedd) == schedd or job.jobsub_id == text:
        return True
    jobsub_host = (job.jobsub_id or "").partition("@")[2]
    return bool(jobsub_host) and (jobsub_host == schedd or _short(jobsub_host) == schedd)


def resolve(store: Store, text: str) -> tuple[str, bool]:
    """(the store's id of the job ``text`` names, whether the store has it).

    A job the store does not have keeps the typed form as ``SCHEDD#CLUSTER.PROC`` (its schedd may still know
    it). ValueError for what is no job id; AmbiguousId, listing the candidates, for a short id of two schedds.
    """
    text = text.strip()
    if "#" in text and store.job(text) is not None:
        return text, True
    schedd, cluster, proc = _parts(text)
    found = [j for j in store.jobs_numbered(cluster, proc) if _names(j, schedd, text)]
    ids = sorted({j.id for j in found})
    if len(ids) == 1:
        return ids[0], True
    if len(ids) > 1:
        shown = ", ".join(ids[:6]) + (f" (+{len(ids) - 6} more)" if len(ids) > 6 else "")
        raise AmbiguousId(f"{text} names {len(ids)} jobs: {shown}; give the schedd's full name")
    return f"{schedd}#{cluster}.{proc}", False


def resolve_all(store: Store, texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """(the store's ids, in order without repeats; the typed ids the store does not have)."""
    ids: list[str] = []
    missing: list[str] = []
    for text in texts:
        job_id, stored = resolve(store, text)
        if job_id not in ids:
            ids.append(job_id)
            if not stored:
                missing.append(text.strip())
    return ids, missing
