"""`opgtui request ...`: production requests for scripts (new, list, show, edit, the workflow, YAML in and out).

Identity is the operating-system user. Exit codes: 0 done, 1 refused (not allowed, or the request changed
since it was read: nothing was overwritten), 2 bad input (unknown request, bad value, unreadable file).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from opgtui.cli.common import config_of as _config
from opgtui.cli.common import existing_store as _existing_store
from opgtui.cli.common import fail as _fail
from opgtui.cli.common import open_store as _open_store
from opgtui.core.model import ProductionRequest
from opgtui.domain import requests as rq

if TYPE_CHECKING:
    from collections.abc import Callable

    from opgtui.config import Config
    from opgtui.store import Store

T = TypeVar("T")


def _open(ctx: click.Context) -> tuple[Config, Store]:
    cfg = _config(ctx)
    return cfg, _open_store(cfg)


def _load(store: Store, req_id: int) -> ProductionRequest:
    req = store.request(req_id)
    if req is None:
        _fail(f"no request with id {req_id}")
    return req


def _safe(text: str) -> str:
    """Untrusted text for people: escape sequences and control characters made harmless (--json is raw)."""
    from opgtui.core.textsafe import clean_block

    return clean_block(text)


def _run(action: Callable[[], T]) -> T:
    """Run a store operation; refusals and conflicts exit 1, bad values exit 2, one line each."""
    from opgtui.store import RequestConflict, StoreError

    try:
        return action()
    except rq.Refused as exc:
        _fail(f"refused: {exc}", 1)
    except RequestConflict as exc:
        _fail(str(exc), 1)
    except (ValueError, StoreError) as exc:
        _fail(str(exc))
    except Exception as exc:  # a team store refusing what its roles do not allow (psycopg's InsufficientPrivilege)
        if getattr(exc, "sqlstate", None) != "42501":
            raise
        from opgtui.core.textsafe import one_line

        _fail(f"refused by the database: {one_line(str(exc), 300)}", 1)


def _parse_sets(pairs: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
    """--set key=value words -> (typed fields, record attributes title/experiment)."""
    try:
        texts = rq.parse_assignments(pairs)
    except ValueError as exc:
        _fail(f"--set {exc}")
    attrs = {k: texts.pop(k) for k in ("title", "experiment") if k in texts}
    fields, errors = rq.parse_form(texts)
    if errors:
        name, message = next(iter(errors.items()))
        _fail(f"--set {name}: {message}")
    cleared = {k: None for k, v in texts.items() if not v.strip()}
    return {**fields, **cleared}, attrs


def _after_save(req: ProductionRequest, cfg: Config, verb: str) -> None:
    line = f"request {req.id} {verb} ({req.status}, version {req.version})"
    gap = rq.missing_sentence(rq.missing(req, cfg)) if req.status == "draft" else ""
    click.echo(line + (f"; {gap[0].lower()}{gap[1:]}" if gap else ""))


@click.group()
def request() -> None:
    """Production requests: new | list | show | edit | submit | approve | reject | ... | export | import."""


@request.command("new")
@click.option("-e", "--experiment", default=None, help="The experiment (as in the config).")
@click.option("-t", "--title", default=None, help="A one-line title.")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="A field (repeatable): events=10000, fhicl=a.fcl,b.fcl ... (see `opgtui request fields`).",
)
@click.option(
    "--from",
    "from_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Start from a request YAML file (`opgtui request export`).",
)
@click.option("--submit", is_flag=True, help="Submit for approval at once (refused if something is missing).")
@click.pass_context
def new(
    ctx: click.Context,
    experiment: str | None,
    title: str | None,
    sets: tuple[str, ...],
    from_file: str | None,
    submit: bool,
) -> None:
    """Create a draft request (you are its requester)."""
    from opgtui.ops.request_ops import create, transition

    fields, attrs = _parse_sets(sets)
    base: dict[str, Any] = {}
    if from_file:
        imported = _read_yaml(from_file).request
        base, experiment, title = imported.fields, experiment or imported.experiment, title or imported.title
    experiment, title = attrs.get("experiment", experiment), attrs.get("title", title)
    if not experiment or not title or not title.strip():
        _fail("a request needs --experiment and --title")
    cfg, store = _open(ctx)
    who = rq.whoami()
    req = _run(
        lambda: create(
            store, cfg, who, experiment, title, {**base, **fields}, note=f"import {from_file}" if from_file else ""
        )
    )
    if submit:
        req = _run(lambda: transition(store, cfg, req, "submit", who))
    _after_save(req, cfg, "submitted" if submit else "created")


@request.command("fields")
def fields_() -> None:
    """The fields a request can carry, with their types."""
    for spec in rq.FIELDS:
        kind = spec.kind + (f" ({'|'.join(v for v, _ in spec.choices)})" if spec.choices else "")
        click.echo(f"{spec.name:20} {kind:30} {spec.label}: {spec.help}")


@request.command("list")
@click.option("--status", "statuses", multiple=True, type=click.Choice(rq.STATES), help="Only these (repeatable).")
@click.option("--open", "open_only", is_flag=True, help="Only open requests (not done, rejected or cancelled).")
@click.option("-e", "--experiment", default=None)
@click.option("--mine", is_flag=True, help="Only the requests you made.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_(
    ctx: click.Context, statuses: tuple[str, ...], open_only: bool, experiment: str | None, mine: bool, as_json: bool
) -> None:
    """Requests, open and most urgent first."""
    from opgtui.core.textsafe import one_line
    from opgtui.ops.request_ops import actor

    cfg = _config(ctx)
    store = _existing_store(cfg, readonly=True)  # listing never creates a store at a mistyped path
    who = actor(store, cfg)[0]  # on a team store: the database user, whom the requests name
    reqs = [
        r
        for r in sorted(store.requests(), key=rq.sort_key)
        if (not statuses or r.status in statuses)
        and (not open_only or r.status in rq.OPEN_STATES)
        and (not experiment or r.experiment == experiment)
        and (not mine or r.requester == who)
    ]
    if as_json:
        click.echo(json.dumps([asdict(r) for r in reqs], indent=2, default=str))
        return
    for r in reqs:
        click.echo(
            f"{r.id:>4} {r.status:10} {rq.priority_label(r.priority):9} {one_line(r.experiment, 10):10} "
            f"{one_line(r.requester, 12):12} {one_line(r.title, 80)}"
        )


@request.command("show")
@click.argument("req_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show(ctx: click.Context, req_id: int, as_json: bool) -> None:
    """One request: its fields, what it lacks, its linked jobs and its audit trail."""
    from opgtui.core.timefmt import clock, zone
    from opgtui.ops.request_ops import linked_jobs

    cfg, store = _open(ctx)
    req = _load(store, req_id)
    audit = store.request_audit(req_id)
    _jobs, progress = linked_jobs(store, cfg, req)
    if as_json:
        click.echo(
            json.dumps(
                {"request": asdict(req), "missing": rq.missing(req, cfg), "audit": audit, "jobs": asdict(progress)},
                indent=2,
                default=str,
            )
        )
        return
    tz = zone(cfg.timezone)
    out = [
        f"#{req.id} {req.title}",
        f"  status {req.status}, priority {rq.priority_label(req.priority) or '-'}, version {req.version}",
        f"  {'Experiment':20} {req.experiment}",
        f"  {'Requester':20} {req.requester}",
    ]
    out += [
        f"  {spec.label:20} {rq.format_value(spec, req.fields[spec.name])}"
        for spec in rq.FIELDS
        if spec.name in req.fields
    ]
    gap = rq.missing_sentence(rq.missing(req, cfg))
    if gap:
        out.append(f"  {gap}")
    if req.fields.get("batches"):
        out.append(
            f"Jobs: {progress.total} ({', '.join(f'{n} {s}' for s, n in (progress.by_status or {}).items())})"
            f", {progress.succeeded} succeeded, {progress.failed} failed, {progress.held} held"
        )
        out += [f"  {n:>6}  {cause}" for cause, n in progress.causes or ()]
    out.append("Audit trail:")
    for entry in audit:
        out.append(f"  {clock(entry['time'], tz, with_date=True)} {entry['who']} {entry['action']}")
        out += [f"      {line}" for line in rq.describe_change(entry["changes"])]
    click.echo(_safe("\n".join(out)))


@request.command("edit")
@click.argument("req_id", type=int)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="A field (repeatable); KEY= clears it.")
@click.option(
    "--expect-version",
    type=int,
    default=None,
    help="Refuse if the request is no longer at this version (you read it at that version).",
)
@click.pass_context
def edit_(ctx: click.Context, req_id: int, sets: tuple[str, ...], expect_version: int | None) -> None:
    """Change fields of a request (the requester or an operator; after approval only batches and notes)."""
    from opgtui.ops.request_ops import edit

    fields, attrs = _parse_sets(sets)
    if not fields and not attrs:
        _fail("nothing to change: give --set KEY=VALUE")
    cfg, store = _open(ctx)
    req = _load(store, req_id)
    if expect_version is not None:
        req.version = expect_version
    saved = _run(lambda: edit(store, cfg, req, rq.whoami(), fields=fields, **attrs))
    _after_save(saved, cfg, "saved" if saved is not req else "unchanged")


def _transition_command(action: str) -> click.Command:
    t = rq.TRANSITIONS[action]

    @click.argument("req_id", type=int)
    @click.pass_context
    def command(ctx: click.Context, req_id: int, reason: str = "", priority: int | None = None) -> None:
        from opgtui.ops.request_ops import transition

        cfg, store = _open(ctx)
        req = _load(store, req_id)
        saved = _run(lambda: transition(store, cfg, req, action, rq.whoami(), reason or "", priority))
        _after_save(saved, cfg, f"{action} -> {saved.status}")

    if t.reason != "none":
        extra: dict[str, Any] = {"required": True} if t.reason == "required" else {"default": ""}
        command = click.option("--reason", help="Why (recorded in the audit trail).", **extra)(command)
    if action == "approve":
        command = click.option(
            "--priority",
            type=click.IntRange(1, 4),
            default=None,
            help="1 low .. 4 urgent (default: the requested priority).",
        )(command)
    roles = " or ".join(rq.ROLE_NAMES[r] for r in t.roles)
    return click.command(action, help=f"{t.label}: {' or '.join(t.sources)} -> {t.target} ({roles}).")(command)


for _action in rq.TRANSITIONS:
    request.add_command(_transition_command(_action))


@request.command("priority")
@click.argument("req_id", type=int)
@click.argument("level", type=click.IntRange(1, 4))
@click.pass_context
def priority_(ctx: click.Context, req_id: int, level: int) -> None:
    """Set the priority (approvers): 1 low, 2 normal, 3 high, 4 urgent."""
    from opgtui.ops.request_ops import set_priority

    cfg, store = _open(ctx)
    req = _load(store, req_id)
    saved = _run(lambda: set_priority(store, cfg, req, rq.whoami(), level))
    click.echo(f"request {saved.id} priority {rq.priority_label(saved.priority)} (version {saved.version})")


@request.command("link")
@click.argument("req_id", type=int)
@click.argument("batches", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Unlink these batches instead.")
@click.pass_context
def link(ctx: click.Context, req_id: int, batches: tuple[str, ...], remove: bool) -> None:
    """Link the batches (JobBatchName, or the experiment's request_link attribute) that run a request."""
    from opgtui.ops.request_ops import edit

    cfg, store = _open(ctx)
    req = _load(store, req_id)
    now = list(req.fields.get("batches") or [])
    new = [b for b in now if b not in batches] if remove else now + [b for b in batches if b not in now]
    saved = _run(lambda: edit(store, cfg, req, rq.whoami(), fields={"batches": new or None}, action="link"))
    click.echo(f"request {saved.id} batches: {', '.join(saved.fields.get('batches') or []) or '(none)'}")


@request.command("export")
@click.argument("req_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write here (default: stdout).")
@click.pass_context
def export(ctx: click.Context, req_id: int, output: str | None) -> None:
    """The request as YAML, to mail or keep in git."""
    _cfg, store = _open(ctx)
    text = rq.to_yaml(_load(store, req_id))
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"request {req_id} written to {output}")
    else:
        click.echo(text, nl=False)


def _read_yaml(path: str) -> rq.Imported:
    from opgtui.core import safeyaml

    cap = rq.YAML_LIMITS.max_bytes
    try:  # never more than the cap is read: a bigger file is refused before it is parsed
        text = sys.stdin.read(cap + 1) if path == "-" else safeyaml.read_text(path, rq.YAML_LIMITS)
    except safeyaml.YamlError as exc:
        _fail(str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: cannot read: {exc}")
    try:
        return rq.from_yaml(text, path)
    except rq.RequestFormatError as exc:
        _fail(str(exc))


@request.command("import")
@click.argument("path")
@click.option(
    "--update",
    is_flag=True,
    help="Edit the request the file names (its id), refused if it changed since the file's version.",
)
@click.pass_context
def import_(ctx: click.Context, path: str, update: bool) -> None:
    """Read a request YAML file (- for stdin): a new draft by you, or with --update an edit of the request."""
    from opgtui.ops.request_ops import create, edit

    read = _read_yaml(path)
    imported = read.request
    cfg, store = _open(ctx)
    who = rq.whoami()
    if not update:
        req = _run(
            lambda: create(
                store, cfg, who, imported.experiment, imported.title, imported.fields, action="import", note=path
            )
        )
        _after_save(req, cfg, "imported as a new draft")
        return
    if imported.id is None or "version" not in read.lines:
        _fail(
            f"{path}: --update needs the request's id and version in the file (as `opgtui request export` writes them)"
        )
    current = _load(store, imported.id)
    current.version = imported.version
    fields = {**{k: None for k in current.fields}, **imported.fields}
    saved = _run(
        lambda: edit(
            store,
            cfg,
            current,
            who,
            title=imported.title,
            experiment=imported.experiment,
            fields=fields,
            action="import",
        )
    )
    _after_save(saved, cfg, "updated" if saved is not current else "unchanged")
