"""Planning a retry from a job's ad: pure, no HTCondor calls (the worker process carries the plan out).

A held job is released, after its ad is edited when a debug profile applies; a finished or removed job is
resubmitted with a submit description rebuilt from its ad. Environment and arguments are read in either of
HTCondor's syntaxes (``Environment``/``Arguments`` V2, ``Env``/``Args`` V1) and written as V2.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from opgtui.config import DebugProfile
from opgtui.core.model import JobStatus, is_failed
from opgtui.core.timefmt import utc_minute

Mode = Literal["release", "resubmit"]

_STATUS_WORD = {
    1: "idle",
    2: "running",
    3: "removed",
    4: "completed",
    5: "held",
    6: "transferring output",
    7: "suspended",
}

# Job attribute -> submit command, for the commands whose attribute has another name.
SUBMIT_COMMANDS: dict[str, str] = {
    "Cmd": "executable",
    "Iwd": "initialdir",
    "In": "input",
    "Out": "output",
    "Err": "error",
    "UserLog": "log",
    "RequestCpus": "request_cpus",
    "RequestMemory": "request_memory",
    "RequestDisk": "request_disk",
    "RequestGPUs": "request_gpus",
    "TransferInput": "transfer_input_files",
    "TransferOutput": "transfer_output_files",
    "TransferOutputRemaps": "transfer_output_remaps",
    "ShouldTransferFiles": "should_transfer_files",
    "WhenToTransferOutput": "when_to_transfer_output",
    "TransferExecutable": "transfer_executable",
    "JobBatchName": "batch_name",
    "AccountingGroup": "accounting_group",
    "AcctGroupUser": "accounting_group_user",
    "x509userproxy": "x509userproxy",
    "Requirements": "requirements",
    "Rank": "rank",
    "JobPrio": "priority",
    "DockerImage": "docker_image",
    "ContainerImage": "container_image",
    "StreamOut": "stream_output",
    "StreamErr": "stream_error",
    "PeriodicHold": "periodic_hold",
    "PeriodicRelease": "periodic_release",
    "PeriodicRemove": "periodic_remove",
    "OnExitHold": "on_exit_hold",
    "OnExitRemove": "on_exit_remove",
    "ConcurrencyLimits": "concurrency_limits",
    "JobLeaseDuration": "job_lease_duration",
    "LeaveJobInQueue": "leave_in_queue",
    "JobMaxVacateTime": "job_max_vacate_time",
    "EncryptExecuteDirectory": "encrypt_execute_directory",
    "CoreSize": "coresize",
    "OAuthServicesNeeded": "use_oauth_services",
}
# Written by the schedd, the shadow, the starter or the negotiator: never part of a resubmission.
GENERATED = frozenset(
    (
        "ClusterId",
        "ProcId",
        "GlobalJobId",
        "QDate",
        "JobStatus",
        "LastJobStatus",
        "EnteredCurrentStatus",
        "Owner",
        "User",
        "MyType",
        "TargetType",
        "ServerTime",
        "CondorPlatform",
        "CondorVersion",
        "AutoClusterId",
        "AutoClusterAttrs",
        "CurrentHosts",
        "CurrentTime",
        "StartdPrincipal",
        "StartdIpAddr",
        "ExitStatus",
        "ExitCode",
        "ExitBySignal",
        "ExitSignal",
        "CompletionDate",
        "JobRunCount",
        "JobStartDate",
        "ImageSize",
        "ImageSize_RAW",
        "ResidentSetSize",
        "ResidentSetSize_RAW",
        "ProportionalSetSizeKb",
        "MemoryUsage",
        "DiskUsage",
        "DiskUsage_RAW",
        "ExecutableSize",
        "ExecutableSize_RAW",
        "CPUsUsage",
        "ScratchDirFileCount",
        "TotalSubmitProcs",
        "TransferIn",
        "TransferInFinished",
        "TransferInStarted",
        "TransferInQueued",
        "TransferOutFinished",
        "TransferOutStarted",
        "TransferOutQueued",
        "TransferInputSizeMB",
        "BytesRecvd",
        "BytesSent",
        "NetworkInputMb",
        "NetworkOutputMb",
        "ReleaseReason",
        "RemoveReason",
        "HoldReason",
        "HoldReasonCode",
        "HoldReasonSubCode",
        "OrigMaxHosts",
        "JobSubmitMethod",
        "JobsubJobId",
        "DAGManJobId",
        "DAGNodeName",
        "DAGParentNodeNames",
        "DAGManNodesLog",
        "DAGManNodesMask",
        "x509UserProxyExpiration",
        "x509UserProxyVOName",
        "x509UserProxyFirstFQAN",
        "x509UserProxyFQAN",
        "x509UserProxyEmail",
        "x509UserProxySubject",
        "RootDir",
        "WantCheckpoint",
        "JobUniverse",
        "WantDocker",
        "WantContainer",
        "Arguments",
        "Args",
        "Environment",
        "Env",
        "BufferSize",
        "BufferBlockSize",
        "MinHosts",
        "MaxHosts",
        "JobNotification",
        "NiceUser",
        "SubmitEventNotes",
        "OpgRetryOf",
        "OpgDebugProfile",
    )
)
GENERATED_PREFIXES = (
    "MATCH_",
    "MachineAttr",
    "Recent",
    "Last",
    "Remote",
    "Cumulative",
    "Committed",
    "Num",
    "Total",
    "JobCurrent",
    "Activation",
    "AllowedExecuteDuration",
    "BlockRead",
    "BlockWrite",
    "StatsLifetime",
    "ChirpLast",
    "LastRej",
    "Transfer",
)
_PROVISIONED_SUFFIX = "Provisioned"
_UNIVERSES = {5: "vanilla", 7: "scheduler", 9: "grid", 10: "java", 11: "parallel", 12: "local", 13: "vm"}
_EXPR_PREFIX, _EXPR_SUFFIX = "/Expr(", ")/"


class RetryRefused(ValueError):
    """The job cannot be retried as asked (running, idle, succeeded, or nothing to rebuild it from)."""


@dataclass(slots=True)
class RetryPlan:
    """What a retry will do: ``edits`` then release (held), or submit ``submit`` (finished or removed)."""

    mode: Mode
    edits: dict[str, str | int] = field(default_factory=dict)
    submit: dict[str, str] = field(default_factory=dict)
    changes: dict[str, list[Any]] = field(default_factory=dict)  # attribute -> [before, after], for people
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- environment and arguments


def _split_v2(text: str) -> list[str]:
    """V2 words: whitespace separates, single quotes group, ``''`` inside quotes is one quote."""
    words: list[str] = []
    word: list[str] = []
    in_word = quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == "'":
                if text[i + 1 : i + 2] == "'":
                    word.append("'")
                    i += 1
                else:
                    quoted = False
            else:
                word.append(ch)
        elif ch == "'":
            quoted = in_word = True
        elif ch.isspace():
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        else:
            word.append(ch)
            in_word = True
        i += 1
    if quoted:
        raise ValueError(f"unterminated quote in {text!r}")
    if in_word:
        words.append("".join(word))
    return words


def _quote_v2(word: str) -> str:
    if word and not any(c.isspace() or c in "'\"" for c in word):
        return word
    return "'" + word.replace("'", "''") + "'"


def parse_environment(ad: Mapping[str, Any]) -> dict[str, str]:
    """The job's environment from ``Environment`` (V2) or else ``Env`` (V1, ``;``-separated)."""
    v2, v1 = ad.get("Environment"), ad.get("Env")
    if isinstance(v2, str):
        words = _split_v2(v2)
    elif isinstance(v1, str):
        words = [w for w in v1.split(";") if w]
    else:
        words = []
    env: dict[str, str] = {}
    for w in words:
        name, eq, value = w.partition("=")
        if eq:
            env[name] = value
    return env


def format_environment(env: Mapping[str, str]) -> str:
    return " ".join(_quote_v2(f"{k}={v}") for k, v in env.items())


def parse_arguments(ad: Mapping[str, Any]) -> list[str]:
    """The job's arguments from ``Arguments`` (V2) or else ``Args`` (V1, whitespace-separated)."""
    v2, v1 = ad.get("Arguments"), ad.get("Args")
    if isinstance(v2, str):
        return _split_v2(v2)
    if isinstance(v1, str):
        return v1.split()
    return []


def format_arguments(words: list[str]) -> str:
    return " ".join(_quote_v2(w) for w in words)


def _submit_quoted(v2: str) -> str:
    """A V2 string as a submit-file value: in double quotes, inner double quotes doubled."""
    return '"' + v2.replace('"', '""') + '"'


# ---------------------------------------------------------------- ad values


def _expr_text(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith(_EXPR_PREFIX) and value.endswith(_EXPR_SUFFIX):
        return value[len(_EXPR_PREFIX) : -len(_EXPR_SUFFIX)]
    return None


def classad_literal(value: Any) -> str:
    """A -json ad value as ClassAd source text (expressions verbatim, strings quoted)."""
    expr = _expr_text(value)
    if expr is not None:
        return expr
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if value is None:
        return "undefined"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    if isinstance(value, list):
        return "{" + ", ".join(classad_literal(v) for v in value) + "}"
    if isinstance(value, dict):
        return "[" + "; ".join(f"{k} = {classad_literal(v)}" for k, v in value.items()) + "]"
    raise ValueError(f"cannot write {type(value).__name__} as a ClassAd value")


def _submit_value(value: Any) -> str:
    """A submit command's value: strings raw, expressions verbatim, booleans as HTCondor writes them."""
    expr = _expr_text(value)
    if expr is not None:
        return expr
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _generated(name: str) -> bool:
    return name in GENERATED or name.startswith(GENERATED_PREFIXES) or name.endswith(_PROVISIONED_SUFFIX)


def _memory(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


# ---------------------------------------------------------------- plans


def check_retryable(ad: Mapping[str, Any], job_id: str, *, force: bool = False) -> Mode:
    """How ``ad``'s job is retried, or RetryRefused saying why it is not."""
    status = ad.get("JobStatus")
    if status == JobStatus.HELD:
        return "release"
    if status in (JobStatus.REMOVED, JobStatus.COMPLETED):
        if status == JobStatus.COMPLETED and not force and ad.get("ExitBySignal") is not True:
            code = ad.get("ExitCode", ad.get("ExitStatus"))  # ExitStatus: ads from before ExitCode
            if code == 0:
                raise RetryRefused(f"{job_id} completed with exit code 0; nothing to retry (force to resubmit anyway)")
            if code is None:
                # the views call such a job succeeded (core.model.is_failed): never resubmit it unasked
                raise RetryRefused(
                    f"{job_id} completed with no exit code or signal recorded; not known to have failed "
                    "(force to resubmit anyway)"
                )
        return "resubmit"
    word = _STATUS_WORD.get(status, f"in status {status!r}") if isinstance(status, int) else "of unknown status"
    raise RetryRefused(f"{job_id} is {word}; only held, failed or removed jobs are retried")


def why_not_retryable(status: int | None, exit_code: int | None, exit_signal: int | None) -> str | None:
    """Why a job in this state is not retried (the same rule as ``check_retryable``), or None if it is."""
    if status in (JobStatus.REMOVED, JobStatus.HELD) or is_failed(status, exit_code, exit_signal):
        return None
    if status == JobStatus.COMPLETED:
        return "succeeded"
    return _STATUS_WORD.get(status, "unknown status") if isinstance(status, int) else "unknown status"


def _debug_changes(ad: Mapping[str, Any], profile: DebugProfile) -> dict[str, tuple[Any, str | int]]:
    """attribute -> (before, after) for what the debug profile changes; V2 attributes, merged with the job's."""
    out: dict[str, tuple[Any, str | int]] = {}
    if profile.environment:
        env = parse_environment(ad)
        before = ad.get("Environment", ad.get("Env"))
        env.update(profile.environment)
        out["Environment"] = (before, format_environment(env))
    if profile.arguments:
        words = parse_arguments(ad)
        extra = _split_v2(profile.arguments)
        if words[-len(extra) :] != extra:
            out["Arguments"] = (ad.get("Arguments", ad.get("Args")), format_arguments(words + extra))
    if profile.request_memory:
        current = _memory(ad.get("RequestMemory"))
        if current is None or current < profile.request_memory:
            out["RequestMemory"] = (ad.get("RequestMemory"), profile.request_memory)
    return out


MEMORY_STEP_MB = 512


def bigger_memory(ad: Mapping[str, Any]) -> int | None:
    """More memory for a job killed or held for memory: 1.5x its request, or 1.25x its peak resident set if
    that is more, rounded up to 512 MB. None when the ad tells neither."""
    request = _memory(ad.get("RequestMemory"))
    rss_kb = _memory(ad.get("ResidentSetSize"))
    wants = [x for x in (request and request * 1.5, rss_kb and rss_kb / 1024 * 1.25) if x]
    if not wants:
        return None
    return int(-(-max(wants) // MEMORY_STEP_MB) * MEMORY_STEP_MB)


def plan_retry(
    ad: Mapping[str, Any],
    job_id: str,
    *,
    profile: DebugProfile | None = None,
    profile_name: str = "",
    force: bool = False,
    bigger: bool = False,
) -> RetryPlan:
    """The plan for retrying the job whose (full) ad is ``ad``; RetryRefused when it cannot be retried.

    ``bigger`` asks for more memory (``bigger_memory``), as a "resubmit with more memory" verdict advises."""
    mode = check_retryable(ad, job_id, force=force)
    debug = _debug_changes(ad, profile) if profile is not None else {}
    if bigger:
        more = bigger_memory(ad)
        if more is None:
            raise RetryRefused(f"{job_id}: its ad has neither RequestMemory nor ResidentSetSize; cannot size it up")
        current = debug.get("RequestMemory", (None, 0))[1]
        if not isinstance(current, int) or more > current:
            debug["RequestMemory"] = (ad.get("RequestMemory"), more)
    changes = {k: [before, after] for k, (before, after) in debug.items()}
    if mode == "release":
        return RetryPlan("release", edits={k: after for k, (_, after) in debug.items()}, changes=changes)
    return _resubmission(ad, job_id, debug, changes, profile_name)


def _resubmission(
    ad: Mapping[str, Any],
    job_id: str,
    debug: Mapping[str, tuple[Any, str | int]],
    changes: dict[str, list[Any]],
    profile_name: str,
) -> RetryPlan:
    if not isinstance(ad.get("Cmd"), str) or not ad["Cmd"]:
        raise RetryRefused(f"{job_id}: its recorded ad has no executable (Cmd); cannot resubmit it")
    submit: dict[str, str] = {"universe": _universe(ad)}
    notes: list[str] = []
    for name, value in ad.items():
        if value is None:
            continue
        if name in SUBMIT_COMMANDS:
            submit[SUBMIT_COMMANDS[name]] = _submit_value(value)
        elif not _generated(name):
            submit[f"MY.{name}"] = classad_literal(value)
    env = (
        debug["Environment"][1]
        if "Environment" in debug
        else (format_environment(parse_environment(ad)) if ("Environment" in ad or "Env" in ad) else None)
    )
    if env:
        submit["environment"] = _submit_quoted(str(env))
    args = (
        debug["Arguments"][1]
        if "Arguments" in debug
        else (format_arguments(parse_arguments(ad)) if ("Arguments" in ad or "Args" in ad) else None)
    )
    if args:
        submit["arguments"] = _submit_quoted(str(args))
    if "RequestMemory" in debug:
        submit["request_memory"] = str(debug["RequestMemory"][1])
    submit["MY.OpgRetryOf"] = classad_literal(job_id)
    if profile_name:
        submit["MY.OpgDebugProfile"] = classad_literal(profile_name)
    if "DAGManJobId" in ad:
        notes.append("resubmitted outside its DAG (DAGMan will not know about the new job)")
    return RetryPlan("resubmit", submit=submit, changes=changes, notes=notes)


def _universe(ad: Mapping[str, Any]) -> str:
    if ad.get("WantDocker") is True:
        return "docker"
    if ad.get("WantContainer") is True:
        return "container"
    u = ad.get("JobUniverse")
    return _UNIVERSES.get(u, "vanilla") if isinstance(u, int) else "vanilla"


# ---------------------------------------------------------------- retrying twice

#: A pending retry older than this is taken as abandoned (its process died without a word).
PENDING_STALE_AFTER = 3600.0
_PENDING = re.compile(r"pending: pid (\d+) on (\S+)")


@dataclass(frozen=True, slots=True)
class Earlier:
    """Why a job is not retried now: retried before (``already``: the retry's id), or being retried right now."""

    message: str
    already: str | None = None


def pending_note(pid: int, host: str) -> str:
    """What a pending retry row says about the process that claimed it."""
    return f"pending: pid {pid} on {host}"


def earlier_retry(
    job_id: str,
    rows: list[dict[str, Any]],
    *,
    again: bool,
    now: float,
    host: str,
    alive: Callable[[int], bool],
    stale_after: float = PENDING_STALE_AFTER,
) -> Earlier | None:
    """Whether the job's earlier retries (the store's rows, oldest first) forbid retrying it now: a pending
    retry of a live process (on this host, or younger than ``stale_after`` elsewhere) always does; an earlier
    resubmission does unless ``again``. None: go ahead."""
    for r in rows:
        if r["mode"] != "pending":
            continue
        m = _PENDING.fullmatch(r["result"] or "")
        if (m and m[2] == host and not alive(int(m[1]))) or now - r["time"] > stale_after:
            continue  # abandoned: the schedd is asked (OpgRetryOf) before anything is submitted
        since = datetime.fromtimestamp(r["time"], UTC).strftime("%H:%M:%S UTC")
        return Earlier(
            f"{job_id} is being retried right now by {r['who']} "
            f"({str(r['result']).removeprefix('pending: ')}, since {since}); nothing done"
        )
    if not again:
        done = [r for r in rows if r["ok"] and r["mode"] == "resubmit" and r["new_job_id"]]
        if done:
            last = done[-1]
            when = utc_minute(last["time"])
            return Earlier(
                f"{job_id} already retried as {last['new_job_id']} (by {last['who']}, {when}); "
                "nothing submitted (--again to submit it once more)",
                already=last["new_job_id"],
            )
    return None
