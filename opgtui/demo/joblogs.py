"""One log per demo job: the cause's recorded log with the facts of the job that wrote it.

The bundled logs (``data/logs/``) are one per cause, their failure lines verbatim from real jobs; they name the
host, dates, experiment and user of one recorded job. Each demo job's log is its cause's log with those facts
taken from the job's own ad: the host it ran on, the times it ran (shifted like the rest of the demo), its
experiment, owner and batch, and for a memory hold the limit and usage its HoldReason states. A line whose
fact no demo job can share (another run's record, another experiment's file) is left out, and so is a progress
line the job would have written after it ended: a log never contradicts its job.
"""

from __future__ import annotations

import calendar
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JOB_LOGS = "jobs"  # under the demo's logs/ directory: one file per job, named by cluster.proc

# The recorded job's facts in the bundled logs, as they appear there.
_HOSTS = ("fnpc4512.fnal.gov", "fnpc4131.fnal.gov", "brown-a217.rcac.purdue.edu", "brown-a231.rcac.purdue.edu")
_PROJECTS = ("novapro_reco_20240312_0412", "uboonepro_reco2_20240601")
_DEFNAME = "prod_bnb_reco2_v08"
_WINDOWS_EP = ("slot3@TODDS480S", "C:\\condor\\bin\\", "C:\\condor\\bin/", "curl_plugin.exe")
_KILLED = "lar -c prodgenie_nu_dune10kt_1x2x6.fcl"
# The art program and a generator FHiCL of each experiment, for the line naming what the OOM killer ended.
_ART = {"dune": ("lar", "prodgenie_nu_dune10kt_1x2x6.fcl"), "nova": ("nova", "prodgenie_fd_nonswap_fhc_nova.fcl")}
# Lines that name the recorded job's own run or another experiment's file: no demo job can share them.
_OTHER_JOBS = ("run: 50461 ", "//cms-t2-se01.sdfarm.kr")

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MON = "|".join(_MONTHS)
# `date` and ctime ("Wed Nov 25 03:10:01 CST 2026", "Tue Mar 12 04:12:57 2024"), art's MessageLogger
# ("25-Nov-2026 03:10:09 CST"), an event header ("012 (1.004.000) 2024-06-05 23:10:06"), opg-phase "t=1795578001.0".
_CTIME = re.compile(rf"\b(?:{'|'.join(_DAYS)}) ({_MON}) +(\d{{1,2}}) (\d\d):(\d\d):(\d\d)( [A-Z]{{3,4}})? (\d{{4}})")
_ART_TIME = re.compile(rf"\b(\d\d)-({_MON})-(\d{{4}}) (\d\d):(\d\d):(\d\d) [A-Z]{{3,4}}")
_EVENT = re.compile(r"^(\d{3}) \(\d+\.\d+\.\d+\) (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)")
_PHASE_T = re.compile(r"(?<= t=)(\d{9,10}(?:\.\d+)?)")
_MEMORY = re.compile(r"memory limit of (\d+) megabytes\. Last measured usage: (\d+) megabytes")
_HOLD_CODES = re.compile(r"^(\s*)Code \d+ Subcode \d+$")
_ERROR_FROM = re.compile(r"^Error from (\S+?):")
_DAY = 86400


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What a job's ad says about the run its log describes."""

    cluster: int
    proc: int
    host: str
    slot: str  # slot@host as the hold reason names the execution point
    start: int
    end: int  # when it finished or was held; for a running job, the demo's now
    owner: str
    experiment: str
    batch: str
    hold_code: int | None = None
    hold_subcode: int | None = None
    memory: tuple[int, int] | None = None  # a memory hold's limit and last measured usage, in MB

    @property
    def project(self) -> str:
        """The SAM project the job's batch would have run under (named as production names them)."""
        day = time.strftime("%Y%m%d", time.gmtime(self.start))
        return f"{self.owner}_{self.batch}_{day}"


def facts_of(ad: Mapping[str, Any], now: float) -> JobFacts | None:
    """The job's facts, or None when its ad lacks one a log names (it never ran, or has no owner)."""
    where = str(ad.get("LastRemoteHost") or "")
    start = ad.get("JobCurrentStartDate") or ad.get("JobStartDate")
    owner, batch = ad.get("Owner"), ad.get("JobBatchName")
    group = str(ad.get("AccountingGroup") or "")
    experiment = ad.get("x509UserProxyVOName") or (group[6:].split(".")[0] if group.startswith("group_") else None)
    if "@" not in where or not start or not owner or not batch or not experiment:
        return None
    host = where.rsplit("@", 1)[1]
    reason = str(ad.get("HoldReason") or "")
    error_from = _ERROR_FROM.match(reason)
    slot = error_from[1] if error_from else f"{where.split('@', 1)[0]}@{host}"
    held = ad.get("JobStatus") == 5
    end = ad.get("CompletionDate") or (ad.get("EnteredCurrentStatus") if held else None) or now
    memory = _MEMORY.search(reason)
    return JobFacts(
        cluster=int(ad["ClusterId"]),
        proc=int(ad["ProcId"]),
        host=host,
        slot=slot,
        start=int(start),
        end=int(end),
        owner=str(owner),
        experiment=str(experiment),
        batch=str(batch),
        hold_code=ad.get("HoldReasonCode") if held else None,
        hold_subcode=ad.get("HoldReasonSubCode") if held else None,
        memory=(int(memory[1]), int(memory[2])) if memory else None,
    )


def agree_memory(ad: dict[str, Any]) -> None:
    """A memory hold's ad measures the usage its HoldReason states (the generator drew the two apart)."""
    found = _MEMORY.search(str(ad.get("HoldReason") or ""))
    if found and ad.get("JobStatus") == 5:
        ad["MemoryUsage"] = int(found[2])


def _art_program(f: JobFacts) -> str:
    program, fcl = _ART.get(f.experiment, _ART["dune"])
    return f"{program} -c {fcl}"


# What in a bundled log names the recorded job, and what it becomes in a demo job's log.
_SUBSTITUTIONS: tuple[tuple[str, Callable[[JobFacts], str]], ...] = (
    *((h, lambda f: f.host) for h in _HOSTS),
    *((p, lambda f: f.project) for p in _PROJECTS),
    (_DEFNAME, lambda f: f.batch),
    (_WINDOWS_EP[0], lambda f: f.slot),
    *((w, lambda f: "/usr/libexec/condor/") for w in _WINDOWS_EP[1:3]),
    (_WINDOWS_EP[3], lambda f: "curl_plugin"),
    (_KILLED, _art_program),
    ("lar exit code", lambda f: f"{_ART.get(f.experiment, _ART['dune'])[0]} exit code"),
    ("-e uboone ", lambda f: f"-e {f.experiment} "),
    *((f"/sam/{e}/", lambda f: f"/sam/{f.experiment}/") for e in ("uboone", "nova")),
    (" nova v09.91 ", lambda f: f" {f.experiment} v09.91 "),
    *((f"/cvmfs/{e}.", lambda f: f"/cvmfs/{f.experiment}.") for e in ("nova", "dune")),
    *((f"setup-{e}", lambda f: f"setup-{f.experiment}") for e in ("nova", "dune")),
    ("creds/novapro.use", lambda f: f"creds/{f.owner}.use"),
    (' novapro "" ', lambda f: f' {f.owner} "" '),
    ("/pnfs/nova/", lambda f: f"/pnfs/{f.experiment}/"),
    ("/production/keepup/", lambda f: f"/production/{f.batch}/"),
)


@dataclass(frozen=True, slots=True)
class _Line:
    """A line of a bundled log and what in it names the recorded job (found once, used for every job)."""

    text: str
    subs: tuple[int, ...] = ()  # which _SUBSTITUTIONS it holds
    times: tuple[re.Pattern[str], ...] = ()  # the kinds of time it holds
    memory: bool = False  # a memory hold's numbers
    codes: bool = False  # a hold's code and subcode

    @classmethod
    def of(cls, text: str) -> _Line:
        subs = tuple(i for i, (old, _new) in enumerate(_SUBSTITUTIONS) if old in text)
        times = tuple(p for p in (_CTIME, _ART_TIME, _EVENT, _PHASE_T) if p.search(text))
        return cls(text, subs, times, bool(_MEMORY.search(text)), bool(_HOLD_CODES.match(text)))

    @property
    def fixed(self) -> bool:
        return not (self.subs or self.times or self.memory or self.codes)


@dataclass(frozen=True, slots=True)
class Template:
    """A bundled log, split into lines, with the reference times its own times are read against."""

    lines: tuple[_Line, ...]
    began: int | None  # when the recorded job started (its first date), as a wall clock read as UTC
    first_phase: float | None  # its first opg-phase time

    @classmethod
    def of(cls, text: str) -> Template:
        began = next((_ctime(m) for m in _CTIME.finditer(text)), None)
        phase = _PHASE_T.search(text)
        lines = tuple(_Line.of(t) for t in text.splitlines() if not any(other in t for other in _OTHER_JOBS))
        return cls(lines, began, float(phase[1]) if phase else None)


def _ctime(m: re.Match[str]) -> int:
    return calendar.timegm((int(m[7]), _MONTHS.index(m[1]) + 1, int(m[2]), int(m[3]), int(m[4]), int(m[5])))


def _art_time(m: re.Match[str]) -> int:
    return calendar.timegm((int(m[3]), _MONTHS.index(m[2]) + 1, int(m[1]), int(m[4]), int(m[5]), int(m[6])))


def _show_ctime(t: int, zone: bool) -> str:
    g = time.gmtime(t)
    clock = f"{g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d}"
    return f"{_DAYS[g.tm_wday]} {_MONTHS[g.tm_mon - 1]} {g.tm_mday:2d} {clock}{' UTC' if zone else ''} {g.tm_year}"


def _show_art(t: int) -> str:
    g = time.gmtime(t)
    return f"{g.tm_mday:02d}-{_MONTHS[g.tm_mon - 1]}-{g.tm_year} {g.tm_hour:02d}:{g.tm_min:02d}:{g.tm_sec:02d} UTC"


class _Clock:
    """Moves a line's times into the job's run; remembers whether one fell after the job ended."""

    def __init__(self, template: Template, f: JobFacts) -> None:
        self.template, self.f, self.late = template, f, False

    def at(self, recorded: int) -> int:
        """A time of the recorded job as a time of this one: an offset into the run keeps its offset (an
        earlier one is the start); a time of another day (a fixture's own failure) is when this job ended."""
        began = self.template.began
        if began is None or abs(recorded - began) > _DAY:
            return self.f.end
        moved = self.f.start + max(recorded - began, 0)
        self.late = self.late or moved > self.f.end
        return moved

    def line(self, text: str, kinds: tuple[re.Pattern[str], ...]) -> str:
        """``text`` with its times (of ``kinds``) moved; an event header also names this job."""
        if _CTIME in kinds:
            text = _CTIME.sub(lambda m: _show_ctime(self.at(_ctime(m)), bool(m[6])), text)
        if _ART_TIME in kinds:
            text = _ART_TIME.sub(lambda m: _show_art(self.at(_art_time(m))), text)
        event = _EVENT.match(text) if _EVENT in kinds else None
        if event:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.f.end))
            text = f"{event[1]} ({self.f.cluster:03d}.{self.f.proc:03d}.000) {when}{text[event.end() :]}"
        first = self.template.first_phase
        if _PHASE_T in kinds and first is not None:
            text = _PHASE_T.sub(lambda m: f"{self.f.start + float(m[1]) - first:.1f}", text)
        return text


def render(template: Template, f: JobFacts) -> str:
    """The job's log: ``template`` with the job's facts, lines it cannot state truly left out."""
    out = []
    clock = _Clock(template, f)
    for line in template.lines:
        if line.fixed:
            out.append(line.text)
            continue
        text = line.text
        for i in line.subs:
            old, new = _SUBSTITUTIONS[i]
            text = text.replace(old, new(f))
        if line.times:
            clock.late = False
            text = clock.line(text, line.times)
            if clock.late:
                continue
        if line.memory:
            if f.memory is None:
                continue
            limit, usage = f.memory
            text = _MEMORY.sub(f"memory limit of {limit} megabytes. Last measured usage: {usage} megabytes", text)
        if line.codes:
            codes = _HOLD_CODES.match(text)
            if codes is None or f.hold_code is None:
                continue
            text = f"{codes[1]}Code {f.hold_code} Subcode {f.hold_subcode or 0}"
        out.append(text)
    return "\n".join(out) + "\n"


class JobLogWriter:
    """Each demo job's log under ``logs/jobs/`` of the demo's directory, and what its ad's Out and Err become; a
    job its ad cannot describe keeps its cause's shared log. The files are written by threads (``start``) while
    the dumps are read, and are all there when ``wait`` returns."""

    def __init__(self, workdir: Path, data_logs: Path, now: float) -> None:
        self.dir = workdir / "logs" / JOB_LOGS
        self.data_logs, self.now = data_logs, now
        self.templates: dict[str, Template | None] = {}
        self.pending: list[tuple[Path, str]] = []
        self.threads: list[threading.Thread] = []
        self.errors: list[OSError] = []

    def _template(self, name: str) -> Template | None:
        if name not in self.templates:
            path = self.data_logs / name
            self.templates[name] = Template.of(path.read_text(encoding="utf-8")) if path.is_file() else None
        return self.templates[name]

    def log_for(self, ad: Mapping[str, Any]) -> str | None:
        """The job's own log (to be written), as its ad's Out names it; None: keep the ad's Out."""
        out = str(ad.get("Out") or "")
        if not out.startswith("logs/") or "/" in out[5:]:
            return None
        template, f = self._template(out[5:]), facts_of(ad, self.now)
        if template is None or f is None:
            return None
        name = f"{f.cluster}.{f.proc}.out"
        self.pending.append((self.dir / name, render(template, f)))
        return f"logs/{JOB_LOGS}/{name}"

    def own_logs(self, ads: Iterable[dict[str, Any]]) -> None:
        """Point each ``-json`` ad at a log of its own."""
        for ad in ads:
            agree_memory(ad)
            own = self.log_for(ad)
            if own:
                ad["Out"] = ad["Err"] = own

    def own_logs_long(self, text: str) -> str:
        """The same for a ``-long`` dump's text: each ad's Out and Err lines name its own log."""
        return "\n\n".join(self._own_block(block) for block in text.split("\n\n"))

    def _own_block(self, block: str) -> str:
        if 'Out = "logs/' not in block:
            return block
        own = self.log_for({name: _value(value) for name, value in _FACT_ATTRS.findall(block)})
        if own is None:
            return block
        return _OUT_ERR.sub(lambda m: f'{m[1]} = "{own}"', block)

    def start(self) -> None:
        """Write the logs in a few threads: creating a file is a few syscalls that wait on the disk, so they
        overlap one another and the parsing of the dumps. Daemon threads: quitting the demo does not wait."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.threads = [
            threading.Thread(target=self._write, args=(self.pending[i::_WRITERS],), name="demo-job-logs", daemon=True)
            for i in range(_WRITERS)
        ]
        for thread in self.threads:
            thread.start()

    def _write(self, logs: list[tuple[Path, str]]) -> None:
        try:
            for path, text in logs:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                try:
                    os.write(fd, text.encode())
                finally:
                    os.close(fd)
        except OSError as exc:  # raised by wait()
            self.errors.append(exc)

    def wait(self) -> int:
        """Block until every log is written; returns how many. Raises what the writing raised."""
        if not self.threads:
            self.start()
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]
        return len(self.pending)


_WRITERS = 4


_OUT_ERR = re.compile(r'^(Out|Err) = "[^"\n]*"$', re.MULTILINE)
_FACT_ATTRS = re.compile(
    r"^(ClusterId|ProcId|Out|LastRemoteHost|JobCurrentStartDate|JobStartDate|CompletionDate|EnteredCurrentStatus|"
    r"JobStatus|Owner|JobBatchName|AccountingGroup|x509UserProxyVOName|HoldReason|HoldReasonCode|"
    r"HoldReasonSubCode) = (.*)$",
    re.MULTILINE,
)


def _value(text: str) -> Any:
    """A ``-long`` value as Python: a string (unquoted), an int or float, else the text."""
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text
