"""``opgtui jobs``: the jobs of dumps or of the store, filtered with the Jobs view's ``/`` language, as a table,
JSON or CSV (so "retry every samweb failure" can be scripted)."""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from opgtui.cli.common import print_json
from opgtui.core.textsafe import clean, one_line
from opgtui.domain.joblist import build_rows, filter_rows, quick_filter, reason_text, short_id, status_text

if TYPE_CHECKING:
    from opgtui.core.model import Job, JobBrief
    from opgtui.domain.joblist import Row

CSV_FIELDS = (
    "id",
    "short_id",
    "status",
    "owner",
    "experiment",
    "batch",
    "site",
    "host",
    "hold_code",
    "hold_subcode",
    "exit_code",
    "exit_signal",
    "verdict",
    "signature",
    "reason",
    "status_since",
    "end_time",
)


def _csv_row(row: Row) -> dict[str, Any]:
    """One job as a CSV record; text that came from job ads is cleaned (one line, no escape sequences)."""
    j = row.job

    def text(v: str | None) -> str:
        return one_line(v, 1000) if v else ""

    return {
        "id": text(j.id),
        "short_id": short_id(j),
        "status": status_text(j),
        "owner": text(j.owner),
        "experiment": text(j.experiment),
        "batch": text(j.batch_name),
        "site": text(j.site),
        "host": text(j.last_host),
        "hold_code": j.hold_code,
        "hold_subcode": j.hold_subcode,
        "exit_code": j.exit_code,
        "exit_signal": j.exit_signal,
        "verdict": row.verdict,
        "signature": text(row.signature),
        "reason": text(reason_text(j)),
        "status_since": j.status_since,
        "end_time": j.end_time,
    }


def _json_row(row: Row) -> dict[str, Any]:
    j = row.job
    return asdict(j) | {
        "status_label": j.status_label,
        "state": status_text(j),
        "short_id": short_id(j),
        "efficiency": j.efficiency,
        "verdict": row.verdict or None,
        "signature": row.signature or None,
    }


def print_jobs(
    jobs: Sequence[Job | JobBrief], summaries: dict[str, tuple[str, str]], *, query: str, only: str, fmt: str
) -> int:
    """Print the jobs the filter keeps; returns how many."""
    rows = build_rows(
        jobs,
        {k: v[0] for k, v in summaries.items()},
        now=time.time(),
        signatures={k: v[1] for k, v in summaries.items()},
    )
    kept = quick_filter(rows, only)
    if query:
        kept = filter_rows(rows, query, kept)
    chosen = [rows[i] for i in kept]
    if fmt == "json":
        print_json([_json_row(r) for r in chosen])  # valid JSON: a stored inf is null, never Infinity
    elif fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(_csv_row(r) for r in chosen)
    else:
        for r in chosen:
            j = r.job
            click.echo(
                clean(
                    f"{j.display_id:40} {status_text(j):5} {j.owner or '':12} {j.site or '':16} "
                    f"{one_line(reason_text(j), 60)}"
                )
            )
    return len(chosen)
