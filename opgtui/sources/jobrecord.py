"""Normalise a job ClassAd (as a dict of Python values) into a :class:`Job` record. Pure and fast.

Missing attributes become ``None``; attributes of the wrong type (a string ExitCode, an unevaluated
expression) leave their field ``None`` and the job still loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opgtui.model import Job

# The projection: every attribute job_from_ad reads (ask schedds for these only).
ATTRS: tuple[str, ...] = (
    "ClusterId", "ProcId", "GlobalJobId", "JobsubJobId", "Owner", "AccountingGroup", "AcctGroup",
    "x509UserProxyVOName", "JobBatchName", "JobStatus", "EnteredCurrentStatus", "HoldReason", "HoldReasonCode",
    "HoldReasonSubCode", "ExitCode", "ExitBySignal", "ExitSignal", "LastRemoteHost", "RemoteHost",
    "MATCH_EXP_JOB_GLIDEIN_Site", "MachineAttrGLIDEIN_Site0", "JOB_Site", "MATCH_GLIDEIN_Site",
    "MachineAttrCPUModel0", "MachineAttrCpuModel0", "QDate", "JobStartDate", "JobCurrentStartDate",
    "CompletionDate", "RemoteUserCpu", "RemoteSysCpu", "CumulativeRemoteUserCpu", "CumulativeRemoteSysCpu",
    "RemoteWallClockTime", "RequestCpus", "RequestMemory", "MemoryUsage", "ResidentSetSize", "RequestDisk",
    "DiskUsage", "NumJobStarts", "BytesRecvd", "BytesSent", "TransferInputFiles", "TransferOutputFiles",
    "Iwd", "Out", "Err", "UserLog", "Cmd", "Arguments", "Args",
)


# Exact type tests (bool is not a number here): these run ~50 times per ad over 100,000 ads.
def _int(v: Any) -> int | None:
    t = type(v)
    if t is int:
        return v  # type: ignore[no-any-return]
    if t is float and v.is_integer():
        return int(v)
    return None


def _num(v: Any) -> float | None:
    t = type(v)
    if t is float:
        return v  # type: ignore[no-any-return]
    if t is int:
        return float(v)
    return None


def _str(v: Any) -> str | None:
    return v if type(v) is str and v else None


def _when(v: Any) -> float | None:
    """An epoch time; 0 and negatives mean 'never'."""
    n = _num(v)
    return n if n is not None and n > 0 else None


def host_of(remote: str | None) -> str | None:
    """``slot1_3@glidein_1_2@fnpc4108.fnal.gov`` -> ``fnpc4108.fnal.gov``."""
    if not remote:
        return None
    return remote.rsplit("@", 1)[-1] or None


def experiment_of(acct_group: str | None, vo: str | None) -> str | None:
    """``group_nova.prod.novapro`` -> ``nova``; else the proxy's VO name."""
    if acct_group:
        first = acct_group.split(".", 1)[0]
        return first.removeprefix("group_") or None
    return vo


def _count(files: Any) -> int | None:
    if type(files) is not str:
        return None
    files = files.strip(", ")
    return files.count(",") + 1 if files else 0


def _path(iwd: str | None, name: Any) -> str | None:
    name = _str(name)
    if name is None:
        return None
    if name[0] == "/" or not iwd:
        return name
    return f"{iwd.rstrip('/')}/{name}"


def job_from_ad(ad: Mapping[str, Any], *, schedd: str | None = None, source: str | None = None,
                updated: float | None = None) -> Job:
    """The Job record of one ad. ``schedd`` defaults to the GlobalJobId's prefix."""
    g = ad.get
    cluster, proc = _int(g("ClusterId")), _int(g("ProcId"))
    gjid = _str(g("GlobalJobId"))
    parts = gjid.split("#") if gjid else []
    if schedd is None:
        schedd = parts[0] if len(parts) >= 2 else "local"
    if (cluster is None or proc is None) and len(parts) >= 2:  # trimmed ads: schedd#cluster.proc#qdate
        c, _, p = parts[1].partition(".")
        cluster = cluster if cluster is not None else _int(int(c)) if c.isdigit() else None
        proc = proc if proc is not None else int(p) if p.isdigit() else None
    if cluster is None or proc is None:
        raise ValueError("not a job ad (no ClusterId/ProcId)")
    iwd = _str(g("Iwd"))
    by_signal = g("ExitBySignal") is True
    user = _num(g("RemoteUserCpu"))
    sys_ = _num(g("RemoteSysCpu"))
    if user is None and sys_ is None:
        user, sys_ = _num(g("CumulativeRemoteUserCpu")), _num(g("CumulativeRemoteSysCpu"))
    host = host_of(_str(g("LastRemoteHost")) or _str(g("RemoteHost")))
    site = (_str(g("MATCH_EXP_JOB_GLIDEIN_Site")) or _str(g("MachineAttrGLIDEIN_Site0")) or _str(g("JOB_Site"))
            or _str(g("MATCH_GLIDEIN_Site")))
    if site is None and host and "." in host:
        site = host.split(".", 1)[1]
    memory_used = _num(g("MemoryUsage"))
    if memory_used is None:
        rss = _num(g("ResidentSetSize"))
        memory_used = rss / 1024 if rss is not None else None
    return Job(
        id=f"{schedd}#{cluster}.{proc}", schedd=schedd, cluster=cluster, proc=proc,
        jobsub_id=_str(g("JobsubJobId")), owner=_str(g("Owner")),
        experiment=experiment_of(_str(g("AccountingGroup")) or _str(g("AcctGroup")), _str(g("x509UserProxyVOName"))),
        batch_name=_str(g("JobBatchName")), status=_int(g("JobStatus")), status_since=_when(g("EnteredCurrentStatus")),
        hold_reason=_str(g("HoldReason")), hold_code=_int(g("HoldReasonCode")),
        hold_subcode=_int(g("HoldReasonSubCode")),
        exit_code=None if by_signal else _int(g("ExitCode")), exit_signal=_int(g("ExitSignal")) if by_signal else None,
        last_host=host, site=site, cpu_model=_str(g("MachineAttrCPUModel0")) or _str(g("MachineAttrCpuModel0")),
        submit_time=_when(g("QDate")), start_time=_when(g("JobStartDate")) or _when(g("JobCurrentStartDate")),
        end_time=_when(g("CompletionDate")), cpu_user=user, cpu_sys=sys_, wall=_num(g("RemoteWallClockTime")),
        request_cpus=_int(g("RequestCpus")), memory_request_mb=_num(g("RequestMemory")),
        memory_used_mb=memory_used, disk_request_kb=_num(g("RequestDisk")), disk_used_kb=_num(g("DiskUsage")),
        num_starts=_int(g("NumJobStarts")), bytes_in=_num(g("BytesRecvd")), bytes_out=_num(g("BytesSent")),
        files_in=_count(g("TransferInputFiles")), files_out=_count(g("TransferOutputFiles")),
        iwd=iwd, stdout=_path(iwd, g("Out")), stderr=_path(iwd, g("Err")), userlog=_path(iwd, g("UserLog")),
        cmd=_str(g("Cmd")), args=_str(g("Arguments")) or _str(g("Args")), source=source, updated=updated,
    )
