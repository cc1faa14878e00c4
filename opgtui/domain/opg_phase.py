"""`opg-phase start|end NAME [STATUS]`: mark a phase boundary inside a grid job.

Prints one marker line to stdout (opgtui reads it from the job's log afterwards) and, inside an HTCondor job,
records the phases so far in the job's ad as ``ChirpOpgPhases`` through ``condor_chirp set_job_attr_delayed``
(or ``htcondor2.htchirp`` when the job has a chirp proxy), so opgtui sees them while the job runs.

Standalone on purpose: only the standard library, so an experiment can ship this one file with its job
(``python3 opg_phase.py start reco``). It never fails the job: chirp problems are one line on stderr and the
exit code stays 0; only a wrong verb exits 2. The marker format is parsed by :mod:`opgtui.domain.phases`:

    opg-phase: start name=reco t=1795600000.1 cpu=12.3
    opg-phase: end name=reco t=1795603600.5 cpu=3400.2 status=0
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

PREFIX = "opg-phase:"
ATTR = "ChirpOpgPhases"  # set_job_attr_delayed only accepts names starting with "Chirp"
STATE = ".opg-phases"  # the job's phase events so far, in its scratch directory
MAX_VALUE = 1500  # characters of the chirped value: the oldest events are dropped beyond this
NAME_RE = re.compile(r"[A-Za-z0-9_.+-]{1,40}")
USAGE = "usage: opg-phase start|end NAME [STATUS]   (STATUS: the phase's exit code, for end)"


def clean_name(name: str) -> str:
    """A phase name made of letters, digits and ``_.+-`` (others become ``_``), at most 40 characters."""
    out = re.sub(r"[^A-Za-z0-9_.+-]", "_", name.strip())[:40]
    return out or "unnamed"


def job_cpu_seconds() -> float | None:
    """CPU seconds used so far by the whole job: inside a job its cgroup (v2, then v1), else the calling
    shell's own plus its finished children's CPU time. None when nothing can be read."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines() if in_job() else ():
            hier, _, path = line.partition(":")[2].partition(":")
            if hier == "":  # cgroup v2: "0::/path"
                stat = Path("/sys/fs/cgroup" + path, "cpu.stat")
                for row in stat.read_text().splitlines():
                    if row.startswith("usage_usec "):
                        return int(row.split()[1]) / 1e6
            elif "cpuacct" in hier.split(","):
                usage = Path(f"/sys/fs/cgroup/{hier}" + path, "cpuacct.usage")
                if usage.exists():
                    return int(usage.read_text()) / 1e9
    except (OSError, ValueError, IndexError):
        pass
    try:
        fields = Path(f"/proc/{os.getppid()}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return sum(int(f) for f in fields[11:15]) / ticks  # utime stime cutime cstime
    except (OSError, ValueError, IndexError):
        return None


def marker(verb: str, name: str, t: float, cpu: float | None, status: int | None = None) -> str:
    """The marker line for one phase boundary."""
    parts = [PREFIX, verb, f"name={name}", f"t={t:.1f}"]
    if cpu is not None:
        parts.append(f"cpu={cpu:.1f}")
    if status is not None:
        parts.append(f"status={status}")
    return " ".join(parts)


def event(verb: str, name: str, t: float, cpu: float | None, status: int | None = None) -> str:
    """One event of the chirped value: ``verb,name,t,cpu[,status]`` (empty cpu when unknown)."""
    cpu_text = "" if cpu is None else f"{cpu:.1f}"
    return f"{verb},{name},{t:.1f},{cpu_text}" + ("" if status is None else f",{status}")


def in_job() -> bool:
    return bool(os.environ.get("_CONDOR_SCRATCH_DIR") or os.environ.get("_CONDOR_JOB_AD"))


def _state_file() -> Path:
    return Path(os.environ.get("_CONDOR_SCRATCH_DIR") or ".", STATE)


def chirp_value(events: list[str]) -> str:
    """The events joined with ``;``, dropping the oldest until the value fits ``MAX_VALUE``."""
    while len(events) > 1 and sum(len(e) + 1 for e in events) > MAX_VALUE:
        events = events[1:]
    return ";".join(events)


def _chirp(value: str) -> str | None:
    """Set ChirpOpgPhases in the job's ad; None when done, else why not (one line)."""
    literal = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    binary = shutil.which("condor_chirp")
    if binary is None:
        libexec = Path("/usr/libexec/condor/condor_chirp")
        binary = str(libexec) if libexec.exists() else None
    if binary:
        try:
            done = subprocess.run(
                [binary, "set_job_attr_delayed", ATTR, literal], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"condor_chirp failed: {exc}"
        if done.returncode == 0:
            return None
        why = (done.stderr or done.stdout).strip().splitlines()
        return f"condor_chirp exit {done.returncode}: {why[-1] if why else 'no message'}"
    if os.environ.get("_CONDOR_CHIRP_CONFIG"):
        try:
            from htcondor2.htchirp import HTChirp  # type: ignore[import-not-found]
        except ImportError:
            return "neither condor_chirp nor htcondor2.htchirp is available"
        try:
            with HTChirp() as chirp:
                chirp.set_job_attr_delayed(ATTR, literal)
        except Exception as exc:  # the chirp proxy's errors are many; none may fail the job
            return f"htchirp failed: {exc}"
        return None
    return "condor_chirp not found (the marker line in the log still records the phase)"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] not in ("start", "end") or len(args) > 3:
        print(USAGE, file=sys.stderr)
        return 2
    verb, name = args[0], clean_name(args[1])
    if name != args[1].strip():
        print(f"opg-phase: phase name {args[1]!r} recorded as {name!r}", file=sys.stderr)
    status: int | None = None
    if len(args) == 3:
        try:
            status = int(args[2])
        except ValueError:
            print(f"opg-phase: status {args[2]!r} is not a whole number; recorded without a status", file=sys.stderr)
    now, cpu = time.time(), job_cpu_seconds()
    print(marker(verb, name, now, cpu, status), flush=True)
    if not in_job():
        return 0
    state = _state_file()
    try:
        with state.open("a", encoding="utf-8") as f:
            f.write(event(verb, name, now, cpu, status) + "\n")
        events = [e for e in state.read_text(encoding="utf-8").splitlines() if e]
    except OSError as exc:
        print(f"opg-phase: cannot keep the phase list in {state}: {exc.strerror}", file=sys.stderr)
        events = [event(verb, name, now, cpu, status)]
    problem = _chirp(chirp_value(events))
    if problem:
        print(f"opg-phase: {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
