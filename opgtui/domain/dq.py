"""Post-job data-quality checks: did a job that exited 0 leave what a good job of its experiment leaves?

Per experiment in the config (``experiments[].dq``): how many output files, how big each must be, and a line
in stdout that says how many events were processed. :func:`check` is pure: the files are found by
:func:`opgtui.ops.record.find_outputs`. A job that exits 0 but fails a check is recorded in ``dq_results`` with
``ok = 0`` and counts as *dq-failed* (wasted, not goodput) in the stats.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from opgtui.config import DQConfig
from opgtui.core.model import Job


@dataclass(slots=True)
class DQResult:
    """``ok`` True/False when at least one check ran, None when none could; ``problems`` say what failed
    (``unchecked`` what could not be checked and why)."""

    ok: bool | None
    problems: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)


@lru_cache(maxsize=64)
def _compiled(text: str) -> tuple[Any, str]:
    from opgtui.core.patterns import compile_pattern

    return compile_pattern(text)


def count_events(lines: Sequence[str], pattern: str) -> int | None:
    """The event count from the last line matching ``pattern`` (its first group, else its first number), on
    RE2: a configured pattern can never stall on a hostile line. ValueError when RE2 refuses the pattern."""
    rx, problem = _compiled(pattern)
    if rx is None:
        raise ValueError(problem)
    for line in reversed(lines):
        m = rx.search(line)
        if m is None:
            continue
        text = m.group(1) if rx.groups else m.group(0)
        digits = re.search(r"\d+", text or "")
        if digits:
            return int(digits.group(0))
    return None


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def check(
    job: Job,
    dq: DQConfig,
    *,
    log_lines: Sequence[str] | None,
    log_error: str | None = None,
    outputs: Sequence[tuple[str, int]] | None = None,
    outputs_error: str | None = None,
) -> DQResult:
    """Run an experiment's checks on one finished job.

    ``outputs`` are (path, size) of the files the ``outputs`` template found; without a template the job
    record's output count (TransferOutput) and BytesSent stand in. ``log_lines`` None means stdout was
    unreadable (``log_error`` says why).
    """
    res = DQResult(ok=None)
    ran = False
    if dq.min_files is not None or dq.min_bytes is not None:
        if dq.outputs:
            if outputs is None:
                res.unchecked.append(f"outputs: {outputs_error or 'not found'}")
            else:
                ran = True
                if dq.min_files is not None and len(outputs) < dq.min_files:
                    res.problems.append(f"{len(outputs)} output files (expected at least {dq.min_files})")
                if dq.min_bytes is not None:
                    small = [(p, s) for p, s in outputs if s < dq.min_bytes]
                    if small:
                        p, s = small[0]
                        more = f" and {len(small) - 1} more" if len(small) > 1 else ""
                        res.problems.append(
                            f"output {os.path.basename(p)} is {_size(s)} (minimum {_size(dq.min_bytes)}){more}"
                        )
        else:  # the job record's own numbers: outputs listed in TransferOutput, bytes sent back
            for least, have, missing, fmt in (
                (
                    dq.min_files,
                    job.files_out,
                    "output files: the job's ad does not list its outputs",
                    lambda n: f"{n:.0f} output files (expected at least {dq.min_files})",
                ),
                (
                    dq.min_bytes,
                    job.bytes_out,
                    "output size: the job's ad has no BytesSent",
                    lambda n: f"sent {_size(n)} of output (minimum {_size(dq.min_bytes or 0)})",
                ),
            ):
                if least is None:
                    continue
                if have is None:
                    res.unchecked.append(missing)
                    continue
                ran = True
                if have < least:
                    res.problems.append(fmt(have))
    if dq.events_line:
        if log_lines is None:
            res.unchecked.append(f"events: stdout unreadable ({log_error or 'no log known'})")
        else:
            least = dq.min_events if dq.min_events is not None else 1
            problem = _compiled(dq.events_line)[1]  # "" when RE2 takes it
            n = None if problem else count_events(log_lines, dq.events_line)
            ran = ran or not problem
            if problem:
                res.unchecked.append(f"events: events_line {dq.events_line!r}: {problem}")
            elif n is None:
                res.problems.append(f"no event-count line in stdout (pattern {dq.events_line!r})")
            elif n < least:
                res.problems.append(f"{n} events processed (expected at least {least})")
    res.ok = (not res.problems) if ran or res.problems else None
    return res
