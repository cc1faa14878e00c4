"""`opgtui diagnose`: the verdict for one log, one stored job, or a whole labelled corpus (``--eval``).

- ``opgtui diagnose --log FILE [--hold-code N] [--hold-subcode N] [--hold-reason TEXT] [--exit-code N]
  [--exit-signal N] --json``: one JSON object (category, action, signature, evidence, ...). A stable contract.
- ``opgtui diagnose JOBID``: the job from the store (its record, hold reason and code, exit code, memory against
  its request, the outages while it ran) and its stdout and stderr found as the Log view finds them; for a
  failed or held job, what the other stored jobs say (``population``: a black-hole node, a bad site, its batch
  failing everywhere; see ``opgtui.domain.population``), beside the verdict, never changing it.
- ``opgtui diagnose --eval DIR [--json]``: right / unknown / wrong over every LABELS.tsv below DIR, the confusion
  matrix, per-signature precision and the misses (see ``opgtui.diagnosis.evaluate``).

Exit codes: 0 done, 2 bad input (no such log, job or directory).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from opgtui.cli.common import config_of as _config
from opgtui.cli.common import existing_store as _existing_store
from opgtui.cli.common import fail as _fail
from opgtui.cli.common import print_json as _print_json
from opgtui.cli.common import read_log as _read_log
from opgtui.cli.common import say as _say
from opgtui.core.model import Job, Verdict

if TYPE_CHECKING:
    from opgtui.config import Config
    from opgtui.diagnosis.signatures import PackSet
    from opgtui.ops.population import Pool
    from opgtui.store import Store

STREAMS = ("stdout", "stderr")


def _packs(cfg: Config, *, warn: bool = True) -> PackSet:
    from opgtui.diagnosis.signatures import load_packs

    packs = load_packs(cfg.classifier_dirs)
    if warn:
        for err in packs.errors:
            click.echo(f"opgtui: warning: {err}", err=True)
    return packs


@click.command()
@click.argument("job_id", required=False)
@click.option("--log", "log_path", default=None, help="The job's log (stdout/stderr) file or URL.")
@click.option("--hold-code", type=int, default=None, help="HoldReasonCode.")
@click.option("--hold-subcode", type=int, default=None, help="HoldReasonSubCode.")
@click.option("--hold-reason", default=None, help="HoldReason text.")
@click.option("--exit-code", type=int, default=None, help="The job's exit code.")
@click.option("--exit-signal", type=int, default=None, help="The signal that ended the job.")
@click.option(
    "-n",
    "lines",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="How many lines from the end of the log to read.",
)
@click.option(
    "--eval",
    "eval_dir",
    type=click.Path(),
    default=None,
    help="Score the diagnosis on every LABELS.tsv below this directory (a labelled corpus).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="With --eval: an earlier --eval --json report; list the logs whose score changed since.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def diagnose(
    ctx: click.Context,
    job_id: str | None,
    log_path: str | None,
    hold_code: int | None,
    hold_subcode: int | None,
    hold_reason: str | None,
    exit_code: int | None,
    exit_signal: int | None,
    lines: int,
    eval_dir: str | None,
    baseline: str | None,
    as_json: bool,
) -> None:
    """Say service / code / resource / unknown for a log or a stored job (JOBID), with the evidence lines;
    --eval DIR scores it on a labelled corpus."""

    cfg = _config(ctx)
    if eval_dir is not None:
        if job_id or log_path:
            _fail("--eval takes a directory alone (no JOBID or --log)")
        run_eval(cfg, Path(eval_dir), as_json=as_json, baseline=Path(baseline) if baseline else None)
        return
    if baseline:
        _fail("--baseline goes with --eval DIR")
    numbers = {
        "hold_code": hold_code,
        "hold_subcode": hold_subcode,
        "hold_reason": hold_reason,
        "exit_code": exit_code,
        "exit_signal": exit_signal,
    }
    if not job_id and not log_path and all(v is None for v in numbers.values()):
        _fail("give a JOBID (from the store), --log FILE, the job's numbers (--exit-code 8021 ...), or --eval DIR")
    if job_id:
        out = diagnose_stored(cfg, job_id, log_path, lines, numbers)
    else:
        from opgtui.diagnosis.engine import diagnose as run_diagnosis
        from opgtui.diagnosis.engine import verdict_json

        text = _read_log(log_path, lines) if log_path else []  # numbers alone: what they mean
        out = verdict_json(run_diagnosis(text, _packs(cfg), **numbers))
    if as_json:
        _print_json(out)
        return
    print_verdict(out)


def print_verdict(out: dict[str, Any]) -> None:
    """The verdict as a few lines for a person."""
    from opgtui.core.textsafe import one_line

    _say(f"{out['category']}: {out['action']}" + (f"  [{out['signature']}]" if out["signature"] else ""))
    if out.get("reason"):
        _say(f"  why: {one_line(out['reason'], 300)}")
    for src in out.get("logs", []):  # each piece cleaned alone: an escape's opener hides the rest of a line
        what = one_line(src.get("error"), 300) or f"{src['lines']} lines from line {src['first_line']}"
        _say(f"  {src['stream']}: {one_line(src.get('source') or '-', 120)} ({what})")
    for ev in out["evidence"]:
        where = f"{ev['line']:>6}: " if ev.get("line") else "  rule: "
        _say(f"{where}{one_line(ev['text'], 200)}")
    pop = out.get("population")
    if pop:
        found = pop.get("finding")
        scope = one_line(pop["scope"], 120)  # "batch <JobBatchName>": the submitter's text
        counted = f"population of {scope} ({pop['jobs']:,} jobs, {pop['failures']:,} failed or held)"
        if found is None:
            _say(f"  {counted}: nothing points beyond the log")
        else:
            _say(f"  {counted}: {one_line(found['line'], 400)}")


# ------------------------------------------------------------------------------------------- a stored job


def diagnose_stored(
    cfg: Config, job_id: str, log_path: str | None, lines: int, numbers: dict[str, Any]
) -> dict[str, Any]:
    """The verdict JSON for a job of the store: its stdout then its stderr (or ``log_path``), its numbers."""
    from opgtui.diagnosis.engine import diagnose as run_diagnosis
    from opgtui.diagnosis.engine import verdict_json
    from opgtui.learn.pack import for_store
    from opgtui.ops.logtarget import depends_on
    from opgtui.ops.population import read_population

    store = _existing_store(cfg, readonly=True)
    try:
        job = _find_job(store, job_id)
        logs, text = _job_logs(cfg, store, job, log_path, lines)
        windows = store.windows(start=(job.submit_time or 0) - 86400)
        packs = for_store(_packs(cfg), store)  # plus the team's enabled learned signatures (opgtui signatures)
        population = read_population(store, job)
    finally:
        store.close()
    now = time.time()
    verdict: Verdict = run_diagnosis(
        text, packs, job=job, windows=windows, depends_on=depends_on(cfg, job), now=now, **numbers
    )
    out = {**verdict_json(verdict), "job": job.id, "logs": logs}
    if population is not None:
        out["population"] = _population_json(job, verdict, population, now)
    return out


def _population_json(job: Job, verdict: Verdict, pool: Pool, now: float) -> dict[str, Any]:
    """What the population says of ``job`` beside this ``verdict`` (which it never changes)."""
    from dataclasses import replace

    from opgtui.ops.population import showable

    read = pool.reading(job, verdict, now)
    out: dict[str, Any] = {"scope": pool.scope, "jobs": len(pool.jobs), "failures": len(pool.failed), "finding": None}
    if read is not None:
        ev = showable(read.evidence)  # its text without the span of its failures when one ended at no time at all
        read = replace(read, evidence=ev)
        out["finding"] = {
            "kind": ev.kind,
            "category": ev.category,
            "where": ev.where,
            "batch": ev.batch,
            "p": ev.p,
            "suggests": read.suggests,
            "agrees": read.agrees,
            "text": ev.text(),
            "line": read.line,
        }
    return out


def _find_job(store: Store, text: str) -> Job:
    from opgtui.cli.retry import job_id_of
    from opgtui.ops.jobids import AmbiguousId, resolve

    try:  # every form the Jobs table shows, 88412003.1@jobsub01 too
        found_id, stored = resolve(store, text)
        if stored:
            return store.job(found_id)
    except AmbiguousId as exc:
        _fail(str(exc))
    except ValueError:
        pass
    try:
        jid = job_id_of(text)
    except ValueError:
        jid = None
    job = store.job(jid) if jid else None
    if job is None and jid is None and text.replace(".", "", 1).isdigit():
        cluster, _, proc = text.partition(".")
        found = store.jobs_numbered(int(cluster), int(proc or 0))
        if len(found) > 1:
            _fail(f"{text}: {len(found)} jobs of that number in the store (give SCHEDD#CLUSTER.PROC)")
        job = found[0] if found else None
    if job is None:
        _fail(f"no job {text} in the store (SCHEDD#CLUSTER.PROC or CLUSTER.PROC@SCHEDD)")
    return job


def _job_logs(
    cfg: Config, store: Store, job: Job, log_path: str | None, lines: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """The tails to diagnose (stdout first, then stderr) joined, and where each came from."""
    from opgtui.ops import logtarget
    from opgtui.sources.logs import LogError

    if log_path:
        text = _read_log(log_path, lines)
        return [{"stream": "log", "source": log_path, "first_line": 1, "lines": len(text)}], text
    ad = store.job_ad(job.id)
    logs: list[dict[str, Any]] = []
    text: list[str] = []
    seen: set[str] = set()
    for stream in STREAMS:
        source, why = _where_log(cfg, job, ad, stream)
        entry: dict[str, Any] = {"stream": stream, "source": source, "first_line": len(text) + 1, "lines": 0}
        if not source:
            entry["error"] = why or f"no {stream} known (configure 'logs:' templates)"
        elif source in seen:
            entry["error"] = "same file as stdout"
        else:
            seen.add(source)
            try:
                got = logtarget.read_tail(source, lines)[0]
            except LogError as exc:
                entry["error"] = str(exc)
            else:
                entry["lines"] = len(got)
                text += got
        logs.append(entry)
    return logs, text


def _where_log(cfg: Config, job: Job, ad: dict[str, Any] | None, stream: str) -> tuple[str | None, str | None]:
    """(source, None) or (None, why not: a path outside the configured log directories is refused)."""
    from opgtui.ops.logtarget import find_log

    source, _cap, why = find_log(cfg, job, ad, stream)
    return source, why


# ------------------------------------------------------------------------------------------- --eval


def run_eval(cfg: Config, root: Path, *, as_json: bool, baseline: Path | None = None) -> None:
    """Score the diagnosis over the labelled corpus under ``root`` and print the report (and, against an earlier
    report, what changed)."""
    import json

    from opgtui.diagnosis.engine import diagnose as run_diagnosis
    from opgtui.diagnosis.evaluate import changes, evaluate, report_json, report_lines

    if not root.exists():
        _fail(f"{root}: no such directory")
    before: dict[str, Any] | None = None
    if baseline is not None:
        try:
            before = json.loads(baseline.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            _fail(f"{baseline}: not an --eval --json report ({exc})")
        if not isinstance(before, dict):
            _fail(f"{baseline}: not an --eval --json report")
    packs = _packs(cfg)
    report = evaluate(root, lambda text, job: run_diagnosis(text, packs, job=job))
    if not report.outcomes and report.errors:
        for err in report.errors:
            click.echo(f"opgtui: {err}", err=True)
        sys.exit(2)
    changed = changes(report, before) if before is not None else None
    if as_json:
        _print_json(report_json(report) | ({"changes": changed} if changed is not None else {}))
        return
    for line in report_lines(report):
        _say(line)
    if changed is not None:
        worse = sum(c["change"] == "worse" for c in changed)
        _say("")
        _say(f"against {baseline}: {len(changed) - worse} better, {worse} worse")
        for c in changed:
            _say(
                f"  {c['change']:6} {c['file']}  {c['label']}: {c['before']} -> {c['after']} ({c['was']} -> {c['now']})"
            )
