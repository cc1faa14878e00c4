"""The job list's part of a job ad, read from every ad of a dump at once (:class:`~opgtui.core.model.JobBrief`):
the whole :class:`~opgtui.core.model.Job` is normalised only for the jobs that need it (the detail, diagnosis, the
copy into the store). Each field is what :func:`~opgtui.sources.jobrecord.job_from_values` makes of the same
attributes (the tests compare the two on the recorded ads); an ad the Job normaliser refuses (no job id,
another kind of ad, an integer beyond 64 bits or a number beyond 1e308 in what the list reads) is refused here
too; a number beyond 1e308 elsewhere in the ad is found when its whole Job is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opgtui.core.model import JobBrief
from opgtui.sources.jobrecord import (
    _INT64,
    _POOL,
    NotAJobAd,
    _exp_raw,
    _experiment,
    _first_str,
    _id_parts,
    _int,
    _num,
    _shared,
    _str,
    _time,
    domain_of,
    host_of,
)

#: What the job list needs of every job at once (ids, status, age, exit), read while a dump is listed.
HEAD_ATTRS: tuple[str, ...] = (
    "ClusterId",
    "ProcId",
    "GlobalJobId",
    "JobsubJobId",
    "JobStatus",
    "EnteredCurrentStatus",
    "ExitCode",
    "ExitSignal",
    "ExitBySignal",
    "ExitStatus",
    "CompletionDate",
    "MyType",
)
#: The rest of a JobBrief (owner, hold, host, site, CPU, experiment): read when a row needs it.
REST_ATTRS: tuple[str, ...] = (
    "Owner",
    "JobBatchName",
    "HoldReason",
    "HoldReasonCode",
    "HoldReasonSubCode",
    "RemoteHost",
    "LastRemoteHost",
    "MATCH_EXP_JOB_GLIDEIN_Site",
    "MachineAttrGLIDEIN_Site0",
    "MATCH_GLIDEIN_Site",
    "JOB_Site",
    "MATCH_EXP_JOBGLIDEIN_ResourceName",
    "RemoteUserCpu",
    "RemoteSysCpu",
    "CumulativeRemoteUserCpu",
    "CumulativeRemoteSysCpu",
    "RemoteWallClockTime",
    "RequestCpus",
    "NumJobStarts",
    "AccountingGroup",
    "AcctGroup",
    "Jobsub_Group",
    "x509UserProxyVOName",
    "x509UserProxyFirstFQAN",
)
#: The attributes a JobBrief is made of, in the order :func:`brief_from_values` takes them.
BRIEF_ATTRS: tuple[str, ...] = HEAD_ATTRS + REST_ATTRS
_LO, _HI = _INT64


def _text(v: Any) -> str | None:
    """A string attribute as the Job normaliser keeps it (no expression), one object per distinct value."""
    if type(v) is str and v and v[:6] != "/Expr(":
        return _POOL.get(v) or _shared(v)
    return None


def _cpu(cumulative: Any, last: Any) -> float | None:
    """The cumulative CPU time, else the last run's; NaN and inf are no value (the Job normaliser's _num)."""
    v = _num(cumulative)
    return _num(last) if v is None else v


def _too_big(**values: int | None) -> None:
    """ValueError naming the first of ``values`` beyond 64 bits, as the Job normaliser says it."""
    for attr, v in values.items():
        if v is not None and not _LO <= v <= _HI:
            text = str(v)
            raise ValueError(f"{attr} = {text[:20]}{'…' if len(text) > 20 else ''}: an integer beyond 64 bits")


def set_head(brief: JobBrief, values: Sequence[Any], schedd: str | None = None) -> None:
    """Set the fields of ``brief`` that come from the values of :data:`HEAD_ATTRS` (ids, status, age, exit).
    ValueError (NotAJobAd for another kind of ad) where the Job normaliser raises one."""
    (
        cluster_v,
        proc_v,
        gid,
        jobsub,
        status_v,
        since,
        exit_code_v,
        exit_signal_v,
        by_signal,
        exit_status,
        completion,
        my_type,
    ) = values
    if my_type is not None and my_type != "Job" and type(my_type) is str:
        raise NotAJobAd(my_type)
    if (
        type(cluster_v) is int
        and type(proc_v) is int
        and schedd is None
        and type(gid) is str
        and (cut := gid.find("#")) >= 0
        and gid[:6] != "/Expr("
    ):
        cluster, proc = cluster_v, proc_v  # the usual ad: the schedd is the GlobalJobId's prefix
        schedd = gid[:cut]
        schedd = _POOL.get(schedd) or _shared(schedd) or "local"
    else:
        schedd, cluster, proc = _id_parts(cluster_v, proc_v, gid, schedd)
    if type(status_v) is int and 0 < status_v < 8:
        status: int | None = status_v
    else:
        status = _int(status_v) if type(status_v) is float else None
        if status is not None and not 0 < status < 8:
            status = None
    exit_signal = (
        _int(exit_signal_v) if (by_signal is True or by_signal is None) and exit_signal_v is not None else None
    )
    exit_code = exit_code_v if type(exit_code_v) is int or exit_code_v is None else _int(exit_code_v)
    if completion is None:
        ended = False
    else:
        ended = (type(completion) is int or type(completion) is float) and completion > 0
        if ended and type(completion) is int and completion > _HI:
            _float(completion)  # as the Job normaliser does: beyond 1e308 is no time
    try:
        since_f = _time(since)  # 1970 to 9999, as the Job normaliser reads it: 1e13 and inf are no time
    except OverflowError:
        raise ValueError(_BEYOND) from None
    if exit_code is None and by_signal is not True and ended and exit_signal is None:
        exit_code = _int(exit_status)
    if by_signal is True:
        exit_code = None
    if status is None and ended and (exit_code is not None or exit_signal is not None):
        status = 4
    if (
        not (_LO <= cluster <= _HI and _LO <= proc <= _HI)
        or (exit_code is not None and not _LO <= exit_code <= _HI)
        or (exit_signal is not None and not _LO <= exit_signal <= _HI)
    ):
        _too_big(ClusterId=cluster, ProcId=proc, ExitCode=exit_code, ExitSignal=exit_signal)
    brief.id = f"{schedd}#{cluster}.{proc}"
    brief.schedd, brief.cluster, brief.proc, brief.status, brief.status_since = schedd, cluster, proc, status, since_f
    brief.jobsub_id = jobsub if type(jobsub) is str and jobsub and jobsub[:6] != "/Expr(" else None
    brief.exit_code, brief.exit_signal = exit_code, exit_signal


_BEYOND = "a number too large for any job attribute (beyond 1e308)"


def _float(v: int | float) -> float:
    try:
        return float(v)
    except OverflowError:
        raise ValueError(_BEYOND) from None


def set_rest(brief: JobBrief, values: Sequence[Any]) -> None:
    """Set the fields of ``brief`` that come from the values of :data:`REST_ATTRS`. ValueError where the Job
    normaliser raises one (then nothing is set)."""
    (
        owner,
        batch,
        reason,
        code,
        subcode,
        remote_host,
        last_remote,
        site1,
        site2,
        site3,
        site4,
        site5,
        user_cpu,
        sys_cpu,
        cum_user,
        cum_sys,
        wall,
        cpus,
        starts,
        acct,
        acct_group,
        jobsub_group,
        vo,
        fqan,
    ) = values
    try:
        cpu_user, cpu_sys = _cpu(cum_user, user_cpu), _cpu(cum_sys, sys_cpu)
        wall_f = _num(wall)
    except OverflowError:
        raise ValueError(_BEYOND) from None
    hold_code, hold_subcode = _int(code), _int(subcode)
    request_cpus = cpus if type(cpus) is int else _int(cpus)
    _too_big(
        HoldReasonCode=hold_code, HoldReasonSubCode=hold_subcode, RequestCpus=request_cpus, NumJobStarts=_int(starts)
    )
    host = last_host(remote_host, last_remote)
    site = site_of((site1, site2, site3, site4, site5), host)
    experiment = experiment_of_values((acct, acct_group, jobsub_group, vo, fqan))
    brief.owner, brief.experiment, brief.batch_name = _text(owner), experiment, _text(batch)
    brief.hold_reason, brief.hold_code, brief.hold_subcode = _str(reason), hold_code, hold_subcode
    brief.last_host, brief.site = host, site
    brief.cpu_user, brief.cpu_sys, brief.wall, brief.request_cpus = cpu_user, cpu_sys, wall_f, request_cpus


def last_host(remote_host: Any, last_remote: Any) -> str | None:
    """The host a job runs or last ran on, from its RemoteHost and LastRemoteHost values (None: no host)."""
    remote = _str(remote_host) or _str(last_remote)
    return host_of(remote) if remote else None


def site_of(sites: tuple[Any, ...], host: str | None) -> str | None:
    """The site of a job from the values of its five site attributes (``MATCH_EXP_JOB_GLIDEIN_Site`` to
    ``MATCH_EXP_JOBGLIDEIN_ResourceName``, in :data:`REST_ATTRS`' order) and its host (:func:`last_host`): the first
    value naming one, else the host's domain; one object per distinct site."""
    site = _first_str(sites)
    if site is None and host is not None:
        site = domain_of(host)
    if site is not None:
        site = _POOL.get(site) or _shared(site)
    return site


def experiment_of_values(key: tuple[Any, ...]) -> str | None:
    """The experiment of a job from the values of ``AccountingGroup``, ``AcctGroup``, ``Jobsub_Group``,
    ``x509UserProxyVOName`` and ``x509UserProxyFirstFQAN``."""
    try:
        return _exp_raw[key]
    except (KeyError, TypeError):  # not met yet (experiment_of keeps it), or a list where a string belongs
        return _experiment(*key)


_HEAD = len(HEAD_ATTRS)


def brief_from_values(values: Sequence[Any], schedd: str | None = None) -> JobBrief:
    """A JobBrief from the values of :data:`BRIEF_ATTRS` (missing: None). ValueError (NotAJobAd for another
    kind of ad) where :func:`~opgtui.sources.jobrecord.job_from_values` raises one."""
    brief = JobBrief.__new__(JobBrief)
    set_head(brief, values[:_HEAD], schedd)
    set_rest(brief, values[_HEAD:])
    return brief


class LazyBrief(JobBrief):
    """A JobBrief whose head (:data:`HEAD_ATTRS`) is read and whose rest is filled in the first time one of its
    fields is read (``_seg.fill()`` sets it for every job of its dump segment at once), so a dump is listed
    after reading a third of the attributes, and every field read is the ad's, never a stand-in."""

    __slots__ = ("_ad", "_seg")  # its ad's number in its dump; its segment of the dump

    def __getattr__(self, name: str) -> Any:  # only called for a field not set yet: the rest
        if name.startswith("__"):
            raise AttributeError(name)
        seg = object.__getattribute__(self, "_seg")
        seg.fill()
        return object.__getattribute__(self, name)
