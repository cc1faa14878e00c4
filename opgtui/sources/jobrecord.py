"""Normalise one HTCondor job ClassAd into a :class:`~opgtui.core.model.Job` (pure, no I/O).

An ad is any mapping of attribute name to Python value: a dict from a ``-json`` dump (expressions are strings
``"/Expr(...)/"``), a dict from the ``-long`` line parser, or a ``classad2.ClassAd`` (expressions are
``ExprTree``, undefined is ``classad2.Value.Undefined``). A value of the wrong type (a string ExitCode, an
expression where a number belongs) leaves that field ``None``; the job still loads. Nothing is invented.

This runs over 100,000 ads, so it does type checks with ``type(v) is ...`` and caches string derivations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opgtui.core.model import Job

_CPU_MODEL_ATTRS = (
    "MachineAttrCPUModel0",
    "MachineAttrCpuModel0",
    "MachineAttrCPU_Model0",
    "MachineAttrCpu_Model0",
    "MachineAttrcpu_model0",
    "MachineAttrCPUModelName0",
    "CPUModel",
)
_SITE_ATTRS = (
    "MATCH_EXP_JOB_GLIDEIN_Site",
    "MachineAttrGLIDEIN_Site0",
    "MATCH_GLIDEIN_Site",
    "JOB_Site",
    "MATCH_EXP_JOBGLIDEIN_ResourceName",
)
#: Site values that name no site (unexpanded macros are filtered separately).
_NOT_A_SITE = frozenset({"", "Unknown", "Local Job", "undefined", "UNDEFINED"})

#: The attributes ``job_from_ad`` reads: the projection for live queries and history.
ATTRS: tuple[str, ...] = (
    "ClusterId",
    "ProcId",
    "GlobalJobId",
    "JobsubJobId",
    "Owner",
    "AccountingGroup",
    "AcctGroup",
    "Jobsub_Group",
    "x509UserProxyVOName",
    "x509UserProxyFirstFQAN",
    "JobBatchName",
    "JobStatus",
    "EnteredCurrentStatus",
    "HoldReason",
    "HoldReasonCode",
    "HoldReasonSubCode",
    "LastHoldReason",
    "LastHoldReasonCode",
    "LastHoldReasonSubCode",
    "ExitCode",
    "ExitSignal",
    "ExitBySignal",
    "ExitStatus",
    "RemoteHost",
    "LastRemoteHost",
    *_SITE_ATTRS,
    *_CPU_MODEL_ATTRS,
    "QDate",
    "JobStartDate",
    "JobCurrentStartDate",
    "CompletionDate",
    "RemoteUserCpu",
    "RemoteSysCpu",
    "CumulativeRemoteUserCpu",
    "CumulativeRemoteSysCpu",
    "RemoteWallClockTime",
    "RequestCpus",
    "RequestMemory",
    "MemoryUsage",
    "ResidentSetSize",
    "RequestDisk",
    "DiskUsage",
    "NumJobStarts",
    "BytesRecvd",
    "BytesSent",
    "TransferInput",
    "TransferOutput",
    "TransferInputFiles",
    "TransferOutputFiles",
    "TransferInputStats",
    "TransferOutputStats",
    "Iwd",
    "Out",
    "Err",
    "UserLog",
    "Cmd",
    "Args",
    "Arguments",
    "RemoveReason",
    "CumulativeSlotTime",
    "CommittedSlotTime",
    "CommittedTime",
    "ChirpOpgPhases",  # stats: badput, phases
    "MyType",  # "Job"; a condor_status dump's ads say "Machine"
)

_STATUS_CODES = frozenset(range(1, 8))


# ---------------------------------------------------------------- typed readers


def _int(v: Any) -> int | None:
    t = type(v)
    if t is int:
        return v
    if t is float and v.is_integer():
        return int(v)
    return None


LATEST = 253402300799.0
"""9999-12-31T23:59:59Z: the latest time an ad may give (the feeds' bound, sources/feeds/base.LATEST); a later one
(a CompletionDate of 1e13, inf) is no time and is dropped, never stored."""


def _num(v: Any) -> float | None:
    """A finite number; NaN and inf (a -json dump's ``Infinity`` for 1e400) are no value."""
    t = type(v)
    if t is float:
        return v if v - v == 0.0 else None
    if t is int:
        return float(v)
    return None


def _str(v: Any) -> str | None:
    """A non-empty string that is not an expression (``-json`` writes those as ``"/Expr(...)/"``)."""
    if type(v) is str and v and not v.startswith("/Expr("):
        return v
    return None


def _time(v: Any) -> float | None:
    """An epoch time from 1970 to 9999; 0 and negatives mean 'never' in job ads, a later one (1e13, inf) is none.
    OverflowError beyond any float, as the Job normaliser refuses such an ad (so does jobbrief)."""
    t = type(v)
    if (t is int or t is float) and v > 0:
        f = float(v)
        return f if f <= LATEST else None
    return None


# ---------------------------------------------------------------- cached string derivations

_host_cache: dict[str, str] = {}
_site_cache: dict[str, str | None] = {}
_exp_cache: dict[tuple[str | None, str | None, str | None, str | None], str | None] = {}
_gid_cache: dict[str, str] = {}


def host_of(remote: str | None) -> str | None:
    """``slot1@glidein_123_456@fnpc4108.fnal.gov`` -> ``fnpc4108.fnal.gov``; a sinful string
    ``<ip:port?...&alias=name&...>`` -> its alias, else its IP. None for nothing."""
    if not remote:
        return None
    h = _host_cache.get(remote)
    if h is None:
        h = remote.rsplit("@", 1)[-1].strip()
        if h.startswith("<"):
            h = h[1:].split(">", 1)[0]
            alias = h.partition("alias=")[2].split("&", 1)[0]
            h = alias or h.split("?", 1)[0].rsplit(":", 1)[0]
        if len(_host_cache) < 200_000:
            _host_cache[remote] = h
    return h or None


def domain_of(host: str) -> str | None:
    """The DNS domain of a host name (``fnpc4108.fnal.gov`` -> ``fnal.gov``); None for bare names and IPs."""
    try:
        return _site_cache[host]
    except KeyError:
        pass
    _, dot, rest = host.partition(".")
    d = rest if dot and "." in rest and not rest.replace(".", "").isdigit() else None
    if len(_site_cache) < 200_000:
        _site_cache[host] = d
    return d


def experiment_of(acct_group: str | None, jobsub_group: str | None, vo: str | None, fqan: str | None) -> str | None:
    """Experiment from Jobsub_Group, ``group_nova.prod.novapro`` -> nova, or the VO (``fermilab`` -> FQAN)."""
    key = (acct_group, jobsub_group, vo, fqan)
    try:
        return _exp_cache[key]
    except KeyError:
        pass
    exp: str | None = None
    if jobsub_group:
        exp = jobsub_group
    elif acct_group:
        first = acct_group.split(".", 1)[0]
        exp = first[6:] if first.startswith("group_") else first
    if not exp and vo:
        exp = vo
        if vo == "fermilab" and fqan:
            parts = fqan.split("/")  # "/fermilab/nova/Role=Analysis/Capability=NULL"
            if len(parts) > 2 and parts[2] and "=" not in parts[2]:
                exp = parts[2]
    exp = exp.lower() if exp else None
    if len(_exp_cache) < 100_000:
        _exp_cache[key] = exp
    return exp


_exp_raw: dict[tuple[Any, ...], str | None] = {}


def _experiment(acct: Any, acct_group: Any, jobsub_group: Any, vo: Any, fqan: Any) -> str | None:
    """experiment_of on raw ad values (AccountingGroup, AcctGroup, Jobsub_Group, VO name, first FQAN)."""
    acct = _str(acct) or _str(acct_group)
    jgroup = _str(jobsub_group)
    vo = _str(vo)
    return experiment_of(acct, jgroup, vo, _str(fqan)) if acct or jgroup or vo else None


def _schedd_of(gid: str) -> str:
    s = _gid_cache.get(gid)
    if s is None:
        s = gid.split("#", 1)[0]
        if len(_gid_cache) < 10_000:
            _gid_cache[gid] = s
    return s


def _join(iwd: str | None, path: str | None) -> str | None:
    if path is None or iwd is None or path.startswith("/"):
        return path
    return iwd + path if iwd.endswith("/") else iwd + "/" + path


_count_cache: dict[str, int] = {}


def _count_list(v: Any) -> int | None:
    """Entries of a comma-separated file list (blank entries not counted); None when not a list."""
    if type(v) is not str or not v or v[:6] == "/Expr(":
        return None
    n = _count_cache.get(v)
    if n is None:
        n = sum(1 for p in v.split(",") if p.strip())
        if len(_count_cache) < 100_000:
            _count_cache[v] = n
    return n


def _count_stats(v: Any) -> int | None:
    """Files of the last run from a TransferInputStats/TransferOutputStats nested ad."""
    if not isinstance(v, Mapping):
        return None
    total = None
    for k, n in v.items():
        if k.endswith("FilesCountLastRun") and type(n) is int:
            total = (total or 0) + n
    return total


def _first_str(values: tuple[Any, ...]) -> str | None:
    for v in values:
        if type(v) is str and v and not v.startswith(("/Expr(", "$$(")) and v not in _NOT_A_SITE:
            return v
    return None


# ---------------------------------------------------------------- the normaliser


def _id_parts(cluster_v: Any, proc_v: Any, gid_v: Any, schedd: str | None) -> tuple[str, int, int]:
    cluster = cluster_v if type(cluster_v) is int else _int(cluster_v)
    proc = proc_v if type(proc_v) is int else _int(proc_v)
    gid = _str(gid_v)
    if gid and (schedd is None or cluster is None or proc is None):
        rest = gid.partition("#")[2]
        if schedd is None:
            schedd = _schedd_of(gid)
        if cluster is None or proc is None:
            c, _, p = rest.partition("#")[0].partition(".")
            if c.isdigit() and p.isdigit():
                cluster = int(c) if cluster is None else cluster
                proc = int(p) if proc is None else proc
    if cluster is None or proc is None:
        raise ValueError("ad has no ClusterId/ProcId (nor a GlobalJobId)")
    return (schedd or "local"), cluster, proc


def job_from_ad(
    ad: Mapping[str, Any], *, schedd: str | None = None, source: str | None = None, updated: float | None = None
) -> Job:
    """Normalise one job ad. ``schedd`` defaults to the GlobalJobId prefix. Raises ValueError without an id."""
    return job_from_values(tuple(map(ad.get, ATTRS)), schedd, source, updated)


_POOL: dict[str, str] = {}


def _shared(s: str | None) -> str | None:
    """One string object per distinct value (owners, sites, batches, CPU models repeat across 100,000 jobs)."""
    if not s:
        return s
    t = _POOL.get(s)
    if t is None:
        if len(_POOL) > 500_000:
            return s
        t = _POOL[s] = s
    return t


class NotAJobAd(ValueError):
    """An ad of another kind (``MyType = "Machine"``: a condor_status dump), not a job's."""

    def __init__(self, my_type: str) -> None:
        super().__init__(f"not a job ad (MyType = {my_type[:40]!r})")
        self.my_type = my_type[:40]


_INT64 = (-(1 << 63), (1 << 63) - 1)  # what the store (SQLite) can hold
_INT_FIELDS = ("cluster", "proc", "hold_code", "hold_subcode", "exit_code", "exit_signal", "request_cpus", "num_starts")
_INT_ATTRS = (
    "ClusterId",
    "ProcId",
    "HoldReasonCode",
    "HoldReasonSubCode",
    "ExitCode",
    "ExitSignal",
    "RequestCpus",
    "NumJobStarts",
)


def job_from_values(
    values: Sequence[Any], schedd: str | None = None, source: str | None = None, updated: float | None = None
) -> Job:
    """:func:`job_from_ad` on the values of :data:`ATTRS`, in that order (missing: None).

    ValueError for an ad without a job id, or with a number no job has (an integer beyond 64 bits, a time
    beyond any float): the store could not hold it.
    """
    try:
        job = _job_from_values(values, schedd, source, updated)
    except OverflowError:
        raise ValueError("a number too large for any job attribute (beyond 1e308)") from None
    lo, hi = _INT64
    for v in (
        job.cluster,
        job.proc,
        job.hold_code,
        job.hold_subcode,
        job.exit_code,
        job.exit_signal,
        job.request_cpus,
        job.num_starts,
    ):
        if v is not None and not lo <= v <= hi:
            _too_big(job)
    return job


def _too_big(job: Job) -> None:
    """ValueError naming the first integer attribute of ``job`` beyond 64 bits."""
    lo, hi = _INT64
    for name, attr in zip(_INT_FIELDS, _INT_ATTRS, strict=True):
        v = getattr(job, name)
        if v is not None and not lo <= v <= hi:
            text = str(v)
            raise ValueError(f"{attr} = {text[:20]}{'…' if len(text) > 20 else ''}: an integer beyond 64 bits")


def _job_from_values(values: Sequence[Any], schedd: str | None, source: str | None, updated: float | None) -> Job:
    """The hot path of every load: values are unpacked into locals named after the attributes, type checks are
    inline, and the Job is built positionally, in the order of Job's fields (core/model.py, their one list:
    tests/test_jobrecord.py fails when a field is added, moved or renamed there and not here).
    """
    (
        ClusterId,
        ProcId,
        GlobalJobId,
        JobsubJobId,
        Owner,
        AccountingGroup,
        AcctGroup,
        Jobsub_Group,
        x509UserProxyVOName,
        x509UserProxyFirstFQAN,
        JobBatchName,
        JobStatus,
        EnteredCurrentStatus,
        HoldReason,
        HoldReasonCode,
        HoldReasonSubCode,
        _last_hold,
        _last_code,
        _last_subcode,
        ExitCode,
        ExitSignal,
        ExitBySignal,
        ExitStatus,
        RemoteHost,
        LastRemoteHost,
        site1,
        site2,
        site3,
        site4,
        site5,
        cpu1,
        cpu2,
        cpu3,
        cpu4,
        cpu5,
        cpu6,
        cpu7,
        QDate,
        JobStartDate,
        JobCurrentStartDate,
        CompletionDate,
        RemoteUserCpu,
        RemoteSysCpu,
        CumulativeRemoteUserCpu,
        CumulativeRemoteSysCpu,
        RemoteWallClockTime,
        RequestCpus,
        RequestMemory,
        MemoryUsage,
        ResidentSetSize,
        RequestDisk,
        DiskUsage,
        NumJobStarts,
        BytesRecvd,
        BytesSent,
        TransferInput,
        TransferOutput,
        TransferInputFiles,
        TransferOutputFiles,
        TransferInputStats,
        TransferOutputStats,
        Iwd,
        Out,
        Err,
        UserLog,
        Cmd,
        Args,
        Arguments,
        _remove_reason,
        _cum_slot,
        _committed_slot,
        _committed,
        _phases,
        MyType,
    ) = values
    if MyType is not None and MyType != "Job" and type(MyType) is str:
        raise NotAJobAd(MyType)
    if (
        type(ClusterId) is int
        and type(ProcId) is int
        and (schedd is not None or (type(GlobalJobId) is str and "#" in GlobalJobId and GlobalJobId[:6] != "/Expr("))
    ):
        cluster, proc = ClusterId, ProcId  # the usual ad: the schedd is the GlobalJobId's prefix
        if schedd is None:
            schedd = GlobalJobId[: GlobalJobId.index("#")]
            schedd = _POOL.get(schedd) or _shared(schedd) or "local"
    else:
        schedd, cluster, proc = _id_parts(ClusterId, ProcId, GlobalJobId, schedd)
    # The checks of _str/_num/_int/_time written out: a helper call per attribute would cost as much as the
    # rest of this function (missing attributes are None and fall through every test). A float is finite when
    # ``x - x == 0.0`` (NaN and inf are not: they go to _num, which drops them).
    status = JobStatus if type(JobStatus) is int and 0 < JobStatus < 8 else None
    if status is None and type(JobStatus) is float:
        status = _int(JobStatus)
        if status not in _STATUS_CODES:
            status = None

    remote = RemoteHost if type(RemoteHost) is str and RemoteHost and RemoteHost[:6] != "/Expr(" else None
    if remote is None:
        remote = _str(LastRemoteHost)  # running: the current machine, else the last one
    host = host_of(remote) if remote else None
    if type(site1) is str and site1 and not site1.startswith(("/Expr(", "$$(")) and site1 not in _NOT_A_SITE:
        site = site1
    else:
        site = _first_str((site2, site3, site4, site5))
    if site is None and host is not None:
        site = domain_of(host)
    pool = _POOL
    if site is not None:
        site = pool.get(site) or _shared(site)

    exit_signal = (
        _int(ExitSignal) if (ExitBySignal is True or ExitBySignal is None) and ExitSignal is not None else None
    )
    exit_code = ExitCode if type(ExitCode) is int else (None if ExitCode is None else _int(ExitCode))
    end_time = (
        float(CompletionDate)
        if (type(CompletionDate) is int or type(CompletionDate) is float) and CompletionDate > 0
        else None
    )
    ended = end_time is not None  # even at a time no calendar holds (dropped below): its exit is read
    if exit_code is None and ExitBySignal is not True and ended and exit_signal is None:
        exit_code = _int(ExitStatus)  # pre-ExitCode ads (the deprecated attribute)
    if ExitBySignal is True:
        exit_code = None
    if status is None and ended and (exit_code is not None or exit_signal is not None):
        status = 4  # a trimmed ad without JobStatus that finished with an exit: completed, as its exit says

    cpu_user = (
        CumulativeRemoteUserCpu
        if type(CumulativeRemoteUserCpu) is float and CumulativeRemoteUserCpu - CumulativeRemoteUserCpu == 0.0
        else _num(CumulativeRemoteUserCpu)
    )
    if cpu_user is None:
        cpu_user = _num(RemoteUserCpu)
    cpu_sys = (
        CumulativeRemoteSysCpu
        if type(CumulativeRemoteSysCpu) is float and CumulativeRemoteSysCpu - CumulativeRemoteSysCpu == 0.0
        else _num(CumulativeRemoteSysCpu)
    )
    if cpu_sys is None:
        cpu_sys = _num(RemoteSysCpu)

    mem_used = MemoryUsage if type(MemoryUsage) is float and MemoryUsage - MemoryUsage == 0.0 else _num(MemoryUsage)
    if mem_used is None:
        rss = _num(ResidentSetSize)  # KiB
        if rss is not None:
            mem_used = float((rss + 1023) // 1024)  # what the default MemoryUsage expression computes

    files_in = _count_cache.get(TransferInput) if type(TransferInput) is str else None
    if files_in is None:
        files_in = _count_list(TransferInput)
    if files_in is None:
        files_in = _count_list(TransferInputFiles)
        if files_in is None and TransferInputStats is not None:
            files_in = _count_stats(TransferInputStats)
    files_out = _count_cache.get(TransferOutput) if type(TransferOutput) is str else None
    if files_out is None:
        files_out = _count_list(TransferOutput)
    if files_out is None:
        files_out = _count_list(TransferOutputFiles)
        if files_out is None and TransferOutputStats is not None:
            files_out = _count_stats(TransferOutputStats)

    key = (AccountingGroup, AcctGroup, Jobsub_Group, x509UserProxyVOName, x509UserProxyFirstFQAN)
    try:
        experiment = _exp_raw[key]
    except KeyError:
        experiment = _experiment(*key)
        if len(_exp_raw) < 100_000:
            _exp_raw[key] = experiment
    except TypeError:  # an unhashable value (a list or nested ad where a string belongs)
        experiment = _experiment(*key)
    start = (
        float(JobCurrentStartDate)
        if (type(JobCurrentStartDate) is int or type(JobCurrentStartDate) is float) and JobCurrentStartDate > 0
        else _time(JobStartDate)
    )
    since = (
        float(EnteredCurrentStatus)
        if (type(EnteredCurrentStatus) is int or type(EnteredCurrentStatus) is float) and EnteredCurrentStatus > 0
        else None
    )
    submitted = float(QDate) if (type(QDate) is int or type(QDate) is float) and QDate > 0 else None
    # Times from 1970 to 9999, as the feeds' are: a later one (1e13, inf) is dropped, never stored. Beyond any
    # float, float() raised above and the ad is refused (job_from_values), as jobbrief refuses it.
    if (end_time or 0.0) > LATEST or (start or 0.0) > LATEST or (since or 0.0) > LATEST or (submitted or 0.0) > LATEST:
        end_time, start, since, submitted = (
            t if t is None or t <= LATEST else None for t in (end_time, start, since, submitted)
        )

    iwd = Iwd if type(Iwd) is str and Iwd and Iwd[:6] != "/Expr(" else None
    if iwd is not None:
        iwd = pool.get(iwd) or _shared(iwd)
        slash = "" if iwd[-1] == "/" else "/"
    out = Out if type(Out) is str and Out and Out[:6] != "/Expr(" else None
    if out is not None and iwd is not None and out[0] != "/":
        out = iwd + slash + out
    err = Err if type(Err) is str and Err and Err[:6] != "/Expr(" else None
    if err is not None and iwd is not None and err[0] != "/":
        err = iwd + slash + err
    log = UserLog if type(UserLog) is str and UserLog and UserLog[:6] != "/Expr(" else None
    if log is not None and iwd is not None and log[0] != "/":
        log = iwd + slash + log
    owner = Owner if type(Owner) is str and Owner and Owner[:6] != "/Expr(" else None
    if owner is not None:
        owner = pool.get(owner) or _shared(owner)
    batch = JobBatchName if type(JobBatchName) is str and JobBatchName and JobBatchName[:6] != "/Expr(" else None
    if batch is not None:
        batch = pool.get(batch) or _shared(batch)
    cmd = Cmd if type(Cmd) is str and Cmd and Cmd[:6] != "/Expr(" else None
    if cmd is not None:
        cmd = pool.get(cmd) or _shared(cmd)
    cpu_model = _first_str((cpu1, cpu2, cpu3, cpu4, cpu5, cpu6, cpu7))
    if cpu_model is not None:
        cpu_model = pool.get(cpu_model) or _shared(cpu_model)
    return Job(
        f"{schedd}#{cluster}.{proc}",
        schedd,
        cluster,
        proc,
        JobsubJobId if type(JobsubJobId) is str and JobsubJobId and JobsubJobId[:6] != "/Expr(" else None,
        owner,
        experiment,
        batch,
        status,
        since,
        None if HoldReason is None else _str(HoldReason),
        None if HoldReasonCode is None else _int(HoldReasonCode),
        None if HoldReasonSubCode is None else _int(HoldReasonSubCode),
        exit_code,
        exit_signal,
        host,
        site,
        cpu_model,
        submitted,
        start,
        end_time,
        cpu_user,
        cpu_sys,
        RemoteWallClockTime
        if type(RemoteWallClockTime) is float and RemoteWallClockTime - RemoteWallClockTime == 0.0
        else _num(RemoteWallClockTime),
        RequestCpus if type(RequestCpus) is int else _int(RequestCpus),
        float(RequestMemory) if type(RequestMemory) is int else _num(RequestMemory),
        mem_used,
        float(RequestDisk) if type(RequestDisk) is int else _num(RequestDisk),
        float(DiskUsage) if type(DiskUsage) is int else _num(DiskUsage),
        NumJobStarts if type(NumJobStarts) is int else _int(NumJobStarts),
        BytesRecvd if type(BytesRecvd) is float and BytesRecvd - BytesRecvd == 0.0 else _num(BytesRecvd),
        BytesSent if type(BytesSent) is float and BytesSent - BytesSent == 0.0 else _num(BytesSent),
        files_in,
        files_out,
        iwd,
        out,
        err,
        log,
        cmd,
        Args if type(Args) is str and Args and Args[:6] != "/Expr(" else _str(Arguments),
        source,
        updated,
    )
