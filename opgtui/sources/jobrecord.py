"""Normalise one HTCondor job ClassAd into a :class:`~opgtui.model.Job` (pure, no I/O).

An ad is any mapping of attribute name to Python value: a dict from a ``-json`` dump (expressions are strings
``"/Expr(...)/"``), a dict from the ``-long`` line parser, or a ``classad2.ClassAd`` (expressions are
``ExprTree``, undefined is ``classad2.Value.Undefined``). A value of the wrong type (a string ExitCode, an
expression where a number belongs) leaves that field ``None``; the job still loads. Nothing is invented.

This runs over 100,000 ads, so it does type checks with ``type(v) is ...`` and caches string derivations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opgtui.model import Job

_CPU_MODEL_ATTRS = (
    "MachineAttrCPUModel0", "MachineAttrCpuModel0", "MachineAttrCPU_Model0", "MachineAttrCpu_Model0",
    "MachineAttrcpu_model0", "MachineAttrCPUModelName0", "CPUModel",
)
_SITE_ATTRS = (
    "MATCH_EXP_JOB_GLIDEIN_Site", "MachineAttrGLIDEIN_Site0", "MATCH_GLIDEIN_Site", "JOB_Site",
    "MATCH_EXP_JOBGLIDEIN_ResourceName",
)
#: Site values that name no site (unexpanded macros are filtered separately).
_NOT_A_SITE = frozenset({"", "Unknown", "Local Job", "undefined", "UNDEFINED"})

#: The attributes ``job_from_ad`` reads: the projection for live queries and history.
ATTRS: tuple[str, ...] = (
    "ClusterId", "ProcId", "GlobalJobId", "JobsubJobId", "Owner", "AccountingGroup", "AcctGroup", "Jobsub_Group",
    "x509UserProxyVOName", "x509UserProxyFirstFQAN", "JobBatchName", "JobStatus", "EnteredCurrentStatus",
    "HoldReason", "HoldReasonCode", "HoldReasonSubCode",
    "LastHoldReason", "LastHoldReasonCode", "LastHoldReasonSubCode",
    "ExitCode", "ExitSignal", "ExitBySignal", "ExitStatus", "RemoteHost", "LastRemoteHost",
    *_SITE_ATTRS, *_CPU_MODEL_ATTRS,
    "QDate", "JobStartDate", "JobCurrentStartDate", "CompletionDate",
    "RemoteUserCpu", "RemoteSysCpu", "CumulativeRemoteUserCpu", "CumulativeRemoteSysCpu",
    "RemoteWallClockTime", "RequestCpus", "RequestMemory", "MemoryUsage", "ResidentSetSize",
    "RequestDisk", "DiskUsage", "NumJobStarts", "BytesRecvd", "BytesSent",
    "TransferInput", "TransferOutput", "TransferInputFiles", "TransferOutputFiles", "TransferInputStats",
    "TransferOutputStats",
    "Iwd", "Out", "Err", "UserLog", "Cmd", "Args", "Arguments", "RemoveReason",
    "CumulativeSlotTime", "CommittedSlotTime", "CommittedTime", "ChirpOpgPhases",  # stats: badput, phases
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


def _num(v: Any) -> float | None:
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    return None


def _str(v: Any) -> str | None:
    """A non-empty string that is not an expression (``-json`` writes those as ``"/Expr(...)/"``)."""
    if type(v) is str and v and not v.startswith("/Expr("):
        return v
    return None


def _time(v: Any) -> float | None:
    """An epoch time; 0 and negatives mean 'never' in job ads."""
    t = type(v)
    if (t is int or t is float) and v > 0:
        return float(v)
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


def experiment_of(
    acct_group: str | None, jobsub_group: str | None, vo: str | None, fqan: str | None
) -> str | None:
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


def _count_list(v: Any) -> int | None:
    s = _str(v)
    if s is None:
        return None
    return sum(1 for p in s.split(",") if p.strip())


def _count_stats(v: Any) -> int | None:
    """Files of the last run from a TransferInputStats/TransferOutputStats nested ad."""
    if not isinstance(v, Mapping):
        return None
    total = None
    for k, n in v.items():
        if k.endswith("FilesCountLastRun") and type(n) is int:
            total = (total or 0) + n
    return total


def _first_str(get: Any, names: tuple[str, ...]) -> str | None:
    for n in names:
        v = get(n)
        if type(v) is str and v and not v.startswith(("/Expr(", "$$(")) and v not in _NOT_A_SITE:
            return v
    return None


# ---------------------------------------------------------------- the normaliser


def job_id_parts(ad: Mapping[str, Any], schedd: str | None = None) -> tuple[str, int, int]:
    """(schedd, cluster, proc) of an ad; ValueError when the ad names no job."""
    get = ad.get
    cluster = _int(get("ClusterId"))
    proc = _int(get("ProcId"))
    gid = _str(get("GlobalJobId"))
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


def job_from_ad(ad: Mapping[str, Any], *, schedd: str | None = None, source: str | None = None,
                updated: float | None = None) -> Job:
    """Normalise one job ad. ``schedd`` defaults to the GlobalJobId prefix. Raises ValueError without an id."""
    schedd, cluster, proc = job_id_parts(ad, schedd)
    get = ad.get

    status = _int(get("JobStatus"))
    if status not in _STATUS_CODES:
        status = None

    host = host_of(_str(get("RemoteHost")) or _str(get("LastRemoteHost")))  # running: the current machine
    site = _first_str(get, _SITE_ATTRS)
    if site is None and host is not None:
        site = domain_of(host)

    by_signal = get("ExitBySignal")
    exit_signal = _int(get("ExitSignal")) if by_signal is True or (by_signal is None) else None
    exit_code = _int(get("ExitCode"))
    end_time = _time(get("CompletionDate"))
    if exit_code is None and by_signal is not True and end_time is not None and exit_signal is None:
        exit_code = _int(get("ExitStatus"))  # pre-ExitCode ads (the deprecated attribute)
    if by_signal is True:
        exit_code = None

    cpu_user = _num(get("CumulativeRemoteUserCpu"))
    if cpu_user is None:
        cpu_user = _num(get("RemoteUserCpu"))
    cpu_sys = _num(get("CumulativeRemoteSysCpu"))
    if cpu_sys is None:
        cpu_sys = _num(get("RemoteSysCpu"))

    mem_used = _num(get("MemoryUsage"))
    if mem_used is None:
        rss = _num(get("ResidentSetSize"))  # KiB
        if rss is not None:
            mem_used = float((rss + 1023) // 1024)  # what the default MemoryUsage expression computes

    files_in = _count_list(get("TransferInput"))
    if files_in is None:
        files_in = _count_list(get("TransferInputFiles"))
        if files_in is None:
            files_in = _count_stats(get("TransferInputStats"))
    files_out = _count_list(get("TransferOutput"))
    if files_out is None:
        files_out = _count_list(get("TransferOutputFiles"))
        if files_out is None:
            files_out = _count_stats(get("TransferOutputStats"))

    iwd = _str(get("Iwd"))
    acct = _str(get("AccountingGroup")) or _str(get("AcctGroup"))
    jgroup = _str(get("Jobsub_Group"))
    vo = _str(get("x509UserProxyVOName"))
    experiment = (
        experiment_of(acct, jgroup, vo, _str(get("x509UserProxyFirstFQAN"))) if acct or jgroup or vo else None
    )
    args = _str(get("Args"))
    if args is None:
        args = _str(get("Arguments"))
    start = _time(get("JobCurrentStartDate"))
    if start is None:
        start = _time(get("JobStartDate"))

    return Job(
        id=f"{schedd}#{cluster}.{proc}",
        schedd=schedd,
        cluster=cluster,
        proc=proc,
        jobsub_id=_str(get("JobsubJobId")),
        owner=_str(get("Owner")),
        experiment=experiment,
        batch_name=_str(get("JobBatchName")),
        status=status,
        status_since=_time(get("EnteredCurrentStatus")),
        hold_reason=_str(get("HoldReason")),
        hold_code=_int(get("HoldReasonCode")),
        hold_subcode=_int(get("HoldReasonSubCode")),
        exit_code=exit_code,
        exit_signal=exit_signal,
        last_host=host,
        site=site,
        cpu_model=_first_str(get, _CPU_MODEL_ATTRS),
        submit_time=_time(get("QDate")),
        start_time=start,
        end_time=end_time,
        cpu_user=cpu_user,
        cpu_sys=cpu_sys,
        wall=_num(get("RemoteWallClockTime")),
        request_cpus=_int(get("RequestCpus")),
        memory_request_mb=_num(get("RequestMemory")),
        memory_used_mb=mem_used,
        disk_request_kb=_num(get("RequestDisk")),
        disk_used_kb=_num(get("DiskUsage")),
        num_starts=_int(get("NumJobStarts")),
        bytes_in=_num(get("BytesRecvd")),
        bytes_out=_num(get("BytesSent")),
        files_in=files_in,
        files_out=files_out,
        iwd=iwd,
        stdout=_join(iwd, _str(get("Out"))),
        stderr=_join(iwd, _str(get("Err"))),
        userlog=_join(iwd, _str(get("UserLog"))),
        cmd=_str(get("Cmd")),
        args=args,
        source=source,
        updated=updated,
    )
