"""The demo's evidence belongs to the job it explains: every failed or held demo job has a log of its own whose
host, times, experiment, owner, batch, job id and memory numbers are the ones its ad and hold reason state, and
giving each job its own log changed no verdict.

tests/data/demo_verdicts.tsv is the demo's verdicts as they were when every job of a cause shared one log. When
a pack change moves a demo verdict on purpose, record the list again from a built demo (the columns are
``job id, category, action, signature, title, confidence, outage services``).
"""

from __future__ import annotations

import calendar
import re
from pathlib import Path
from typing import Any

from opgtui.core.model import Job
from opgtui.demo.joblogs import JOB_LOGS
from opgtui.ops.logtarget import find_log

VERDICTS = Path(__file__).parent / "data" / "demo_verdicts.tsv"
OWN_DUMPS = ("queue.json", "history.long")  # the demo's jobs; the real recorded ads keep their own paths
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EXPERIMENTS = ("nova", "dune", "uboone", "cms")

RUNNING_ON = re.compile(r"^Job running on (\S+) at (.+)$")
CTIME = re.compile(r"\b[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?: ([A-Z]{3,4}))? (\d{4})\b")
ART_TIME = re.compile(r"\b(\d\d)-([A-Z][a-z]{2})-(\d{4}) (\d\d):(\d\d):(\d\d) ([A-Z]{3,4})\b")
EVENT = re.compile(r"^\d{3} \((\d+)\.(\d+)\.\d+\) (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)")
WORKER = re.compile(r"(?<![\w.-])[\w.-]+\.(?:fnal\.gov|wisc\.edu|purdue\.edu|ucsd\.edu|mit\.edu|ultralight\.org)\b")
SLOT = re.compile(r"\bslot[\w]*@([\w.-]+)")
MEMORY = re.compile(r"memory limit of (\d+) megabytes\. Last measured usage: (\d+) megabytes")
CODES = re.compile(r"^\s*Code (\d+) Subcode (\d+)$")
NAMES_EXPERIMENT = re.compile(r"/cvmfs/(\w+)\.|setup-(\w+)|samweb -e (\w+)|/sam/(\w+)/|/pnfs/(\w+)/")
NAMES_OWNER = re.compile(r"creds/(\w+)\.use|/projects/(\w+?)_")


def utc(year: str, month: str, day: str, hh: str, mm: str, ss: str) -> int:
    return calendar.timegm((int(year), MONTHS.index(month) + 1, int(day), int(hh), int(mm), int(ss)))


def times_in(line: str) -> list[tuple[int, str | None]]:
    """Every time a line states (seconds since the epoch) and the zone it names."""
    found = [(utc(m[7], m[1], m[2], m[3], m[4], m[5]), m[6] or "UTC") for m in CTIME.finditer(line)]
    found += [(utc(m[3], m[2], m[1], m[4], m[5], m[6]), m[7]) for m in ART_TIME.finditer(line)]
    event = EVENT.match(line)
    if event:
        month = MONTHS[int(event[4]) - 1]
        found.append((utc(event[3], month, event[5], event[6], event[7], event[8]), "UTC"))
    return found


def contradictions(job: Job, lines: list[str], now: float | None = None) -> list[str]:
    """What the job's log says that its ad or hold reason does not (``now``: when a running job's log ends)."""
    bad: list[str] = []
    start, end = job.start_time, now if job.status == 2 else job.end_time or job.status_since
    assert start is not None and end is not None
    running = RUNNING_ON.match(lines[0]) if lines else None
    if lines and "Transfer input" not in (job.hold_reason or "") and not running:
        bad.append(f"no 'Job running on HOST at DATE' first line: {lines[0]!r}")
    if running and running[1] != job.last_host:
        bad.append(f"ran on {running[1]}, the ad says {job.last_host}")
    if running and [t for t, _ in times_in(running[2])] != [int(start)]:
        bad.append(f"started {running[2]}, the ad says {start}")
    memory = MEMORY.search(job.hold_reason or "")
    owner_names = {job.owner, f"{job.owner}_{job.batch_name}"}
    for n, line in enumerate(lines, 1):
        for when, zone in times_in(line):
            if zone != "UTC" or not start <= when <= end:
                bad.append(f"line {n} at {when} {zone}, outside the job's run {start:.0f}-{end:.0f}: {line!r}")
        for host in [*WORKER.findall(line), *SLOT.findall(line)]:
            if host not in (job.last_host, "samweb.fnal.gov"):
                bad.append(f"line {n} names host {host}, the job ran on {job.last_host}")
        for limit, usage in MEMORY.findall(line):
            if memory is None or (limit, usage) != (memory[1], memory[2]):
                bad.append(f"line {n} says limit {limit} usage {usage}, the hold reason {job.hold_reason!r}")
            if (float(limit), float(usage)) != (job.memory_request_mb, job.memory_used_mb):
                bad.append(f"line {n}: {limit}/{usage} MB, the ad {job.memory_request_mb}/{job.memory_used_mb}")
        event = EVENT.match(line)
        if event and (int(event[1]), int(event[2])) != (job.cluster, job.proc):
            bad.append(f"line {n} is job {event[1]}.{event[2]}'s event, this is {job.cluster}.{job.proc}")
        codes = CODES.match(line)
        if codes and (int(codes[1]), int(codes[2])) != (job.hold_code, job.hold_subcode):
            bad.append(f"line {n} codes {codes[1]}/{codes[2]}, the ad {job.hold_code}/{job.hold_subcode}")
        for name in (x for m in NAMES_EXPERIMENT.findall(line) for x in m if x):
            if name != job.experiment:
                bad.append(f"line {n} names experiment {name}, the job is {job.experiment}'s")
        for other in set(EXPERIMENTS) - {job.experiment}:  # a host's name aside (t2bat0740.cmsaf.mit.edu)
            if re.search(rf"(?<![a-z]){other}", WORKER.sub("", line).lower()):
                bad.append(f"line {n} names {other}, the job is {job.experiment}'s: {line!r}")
        for name in (x for m in NAMES_OWNER.findall(line) for x in m if x):
            if name not in owner_names:
                bad.append(f"line {n} names user {name}, the job is {job.owner}'s")
        if "--defname=" in line and f"--defname={job.batch_name} " not in line:
            bad.append(f"line {n} names another batch than {job.batch_name}: {line!r}")
    return bad


def test_every_failed_or_held_jobs_log_agrees_with_its_ad_and_hold_reason(demo: tuple[Any, Any]) -> None:
    cfg, store = demo
    checked, logs, wrong = 0, set(), {}
    for job in store.jobs():
        if not (job.failed or job.status == 5) or Path(job.source or "").name not in OWN_DUMPS:
            continue
        source, _cap, why = find_log(cfg, job, store.job_ad(job.id), "stdout")
        assert source and not why, (job.id, why)
        lines = Path(source).read_text(encoding="utf-8").splitlines()
        assert lines, job.id
        logs.add(source)
        checked += 1
        bad = contradictions(job, lines)
        if bad:
            wrong[job.display_id] = bad
    assert not wrong, f"{len(wrong)} of {checked} logs contradict their job, e.g. {next(iter(wrong.items()))}"
    assert checked >= 170 and len(logs) == checked  # each job its own log


def test_every_other_demo_jobs_log_agrees_with_its_ad_too(demo: tuple[Any, Any]) -> None:
    """Running and succeeded jobs (the Log view and the record read them): host, times, experiment, user."""
    cfg, store = demo
    now = float(store.get_kv("last_collect"))  # the demo's now: a running job's log ends there
    checked, wrong = 0, {}
    for job in store.jobs():
        if job.failed or job.status == 5:
            continue
        source, _cap, why = find_log(cfg, job, store.job_ad(job.id), "stdout")
        if not source or why or f"/logs/{JOB_LOGS}/" not in source:
            continue
        checked += 1
        bad = contradictions(job, Path(source).read_text(encoding="utf-8").splitlines(), now)
        if bad:
            wrong[job.display_id] = bad
    assert checked >= 450
    assert not wrong, f"{len(wrong)} of {checked} logs contradict their job, e.g. {next(iter(wrong.items()))}"


def test_a_memory_holds_ad_log_and_reason_state_the_same_numbers(demo: tuple[Any, Any]) -> None:
    """The shifter's M reads the ad's peak: the hold reason, the ad and the log's evidence say one number."""
    cfg, store = demo
    holds = [j for j in store.jobs() if j.status == 5 and MEMORY.search(j.hold_reason or "")]
    assert len(holds) >= 20
    for job in holds:
        limit, usage = (float(x) for x in MEMORY.search(job.hold_reason or "").groups())  # type: ignore[union-attr]
        assert (job.memory_request_mb, job.memory_used_mb) == (limit, usage), job.id
        source, _cap, _why = find_log(cfg, job, store.job_ad(job.id), "stdout")
        text = Path(source or "").read_text(encoding="utf-8")
        assert MEMORY.findall(text) == [(f"{limit:.0f}", f"{usage:.0f}")], job.id


def test_no_demo_verdict_changed(demo: tuple[Any, Any]) -> None:
    _cfg, store = demo
    want = {}
    for row in VERDICTS.read_text(encoding="utf-8").splitlines()[1:]:
        job_id, category, action, signature, _title, confidence, services = row.split("\t")
        want[job_id] = (category, action, None if signature == "-" else signature, confidence, services)
    got = {}
    for job_id, v in store.verdicts().items():
        services = ",".join(sorted({w.service for w in v.windows})) or "-"
        got[job_id] = (v.category, v.action, v.signature, v.confidence, services)
    changed = {j: (want.get(j), got.get(j)) for j in set(want) | set(got) if want.get(j) != got.get(j)}
    assert len(want) >= 180 and not changed, changed
