"""`opgtui signatures`: learn from the shift.

- ``suggest [--since 7d] [--json]``: the unknown failures grouped into log templates, most jobs first, each with
  an example line, the sites, the time range and a proposed pattern.
- ``label JOBID|TEMPLATE --verdict service|code|resource --title ...``: make a signature from a label; it is
  tested (stored jobs, the labelled corpus) and refused with the numbers when it would change confident verdicts
  or match benign lines; ``--enable`` enables it when it passes.
- ``list``, ``show ID``, ``enable ID``, ``disable ID``, ``edit ID``, ``audit [ID]``, ``export [FILE]``,
  ``import FILE``: the team's learned signatures, kept in the store with who, when and why.

Exit codes: 0 done, 1 refused (the test failed), 2 bad input.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import click

from opgtui.cli.common import config_of as _config
from opgtui.cli.common import existing_store as _existing_store
from opgtui.cli.common import fail as _fail
from opgtui.cli.common import open_store as _open_store
from opgtui.cli.common import print_json as _print_json
from opgtui.cli.common import say as _say
from opgtui.core.timefmt import clock, parse_duration

if TYPE_CHECKING:
    from opgtui.config import Config
    from opgtui.diagnosis.signatures import PackSet
    from opgtui.learn.library import Learned
    from opgtui.learn.suggest import Suggestions
    from opgtui.learn.vetting import Tested
    from opgtui.store import Store


def _when(t: float) -> str:
    return clock(t, with_date=True) if t else "?"


def _since(text: str | None, now: float) -> float | None:
    if not text:
        return None
    try:
        return now - parse_duration(text)
    except ValueError as exc:
        _fail(f"--since: {exc}")


@click.group()
def signatures() -> None:
    """Learn from the shift: group unknown failures into templates, label them, share the signatures."""


@signatures.command()
@click.option("--since", default=None, help="Only jobs that failed or were held this long ago or later (7d, 12h).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--no-read", is_flag=True, help="Use only the log tails already kept in the store (no log I/O).")
@click.option("--now", "now_at", type=float, default=None, hidden=True)
@click.pass_context
def suggest(ctx: click.Context, since: str | None, as_json: bool, no_read: bool, now_at: float | None) -> None:
    """The unknown failures grouped into log templates, most jobs first."""
    from opgtui.learn.snapshot import save
    from opgtui.learn.suggest import suggest as build
    from opgtui.learn.suggest import suggestions_json
    from opgtui.learn.unknown import gather

    cfg = _config(ctx)
    now = now_at if now_at is not None else time.time()
    start = _since(since, now)
    with _existing_store(cfg) as store:
        result = build(gather(cfg, store, start, now, read_logs=not no_read))
        if start is None:
            save(store, result, now)  # the Signatures view lists these at once
    if as_json:
        _print_json(suggestions_json(result, start))
        return
    print_suggestions(result, since)


def print_suggestions(result: Suggestions, since: str | None) -> None:
    """The templates as a few lines each."""
    from opgtui.core.textsafe import one_line

    span = f" in the last {since}" if since else ""
    _say(
        f"{result.jobs} unknown failures{span} in {len(result.items)} templates"
        + (f"; {len(result.no_line)} with no log line to group" if result.no_line else "")
        + (f"; {len(result.failed)} could not be mined (left unknown)" if result.failed else "")
    )
    for s in result.items:
        sites = ", ".join(f"{name} {n}" for name, n in s.sites[:4]) + (" ..." if len(s.sites) > 4 else "")
        _say("")
        _say(f"{len(s.jobs):>6}  {s.id}  {one_line(s.template.text, 200)}")
        _say(f"        e.g. {one_line(s.template.example, 200)}  ({s.template.keys[0]})")
        _say(f"        sites: {sites}   {_when(s.first)} - {_when(s.last)}")
        _say(f"        pattern: {s.pattern or '(too few fixed words: write one with --pattern)'}")
    if result.items:
        _say("")
        _say("label one: opgtui signatures label TEMPLATE|JOBID --verdict service|code|resource --title '...'")


# ------------------------------------------------------------------------------------------- labels


def _default_corpus() -> str | None:
    from opgtui.learn.vetting import default_corpus

    found = default_corpus()
    return str(found) if found else None


def _base_packs(cfg: Config) -> PackSet:
    from opgtui.diagnosis.signatures import load_packs

    return load_packs(cfg.classifier_dirs)


def _taken_ids(store: Store, packs: PackSet) -> set[str]:
    from opgtui.learn.library import all_learned

    return {c.signature.id for c in packs.compiled} | {s.id for s in all_learned(store)}


def _resolve(
    cfg: Config, store: Store, key: str, now: float, read_logs: bool
) -> tuple[str, str, str | None, list[str]]:
    """(template, example line, job id, the template's job ids) of a template id or a job id."""
    from opgtui.learn.suggest import suggest as build
    from opgtui.learn.templates import decisive_line, mask
    from opgtui.learn.unknown import gather
    from opgtui.learn.vetting import job_lines

    found = build(gather(cfg, store, None, now, read_logs=read_logs)).find(key)
    if found is not None:
        job_id = key if key != found.id else found.template.keys[0]
        example = found.template.examples.get(job_id, found.template.example)
        return found.template.text, example, job_id, [j.job.id for j in found.jobs]
    known = job_lines(store).get(key)
    if known is None:
        _fail(f"no template or failed/held job {key} in the store (see opgtui signatures suggest)")
    job, verdict, _, tail = known
    evidence = [f.text for f in verdict.evidence if f.line is not None and f.text] if verdict else []
    line = decisive_line(tail or [], evidence, job.hold_reason)
    if not line:
        _fail(f"{key}: no log line known for this job to make a pattern from (give --pattern and an example)")
    return mask(line), line, key, [key]


def print_test(sid: str, pattern: str, tested: dict[str, Any]) -> None:
    """The numbers of a test, then refused (why) or passed."""
    _say(f"test of {sid}: pattern {pattern}")
    if "matched" in tested:
        simulated = tested.get("simulated", tested["unknown"])  # kept by an earlier version: no sample
        tried = f" of {simulated} tried" if simulated < tested["unknown"] else ""
        _say(
            f"  stored jobs: matches {tested['matched']} ({tested['unknown']} unknown, would decide "
            f"{tested['would_decide']}{tried}; {tested['same_verdict']} already this verdict; "
            f"{tested['other_confident']} confident and {tested['other_probable']} probable of another verdict)"
        )
        for jid, cat, sig in tested.get("other_examples", []):
            _say(f"    {jid}: {cat} ({sig or 'rule'})")
    corpus = tested.get("corpus") or {}
    if corpus.get("logs"):
        precision = "n/a" if corpus["precision"] is None else f"{100 * corpus['precision']:.0f}%"
        _say(
            f"  labelled corpus ({corpus['dir']}, {corpus['logs']} logs): decides {corpus['decided']}, right "
            f"{corpus['right']}, wrong {corpus['wrong']}, precision {precision}; "
            f"{len(corpus['regressions'])} right verdicts turned wrong; {len(corpus['benign'])} benign logs matched"
        )
    elif "corpus" in tested:
        _say("  labelled corpus: not measured (give --corpus DIR)")
    for why in tested.get("refusals", []):
        _say(f"  REFUSED: {why}")
    if tested.get("ok"):
        _say("  passed")


def _vet(
    cfg: Config, store: Store, packs: PackSet, candidate: Learned, corpus: str | None, job_id: str | None, now: float
) -> Tested:
    from pathlib import Path

    from opgtui.learn.vetting import vet

    return vet(
        store,
        packs,
        candidate,
        corpus=Path(corpus) if corpus else None,
        job_id=job_id,
        windows=store.windows(),
        now=now,
    )


def _apply(cfg: Config, store: Store, packs: PackSet, sid: str, matched: list[str], now: float) -> dict[str, int]:
    from opgtui.learn.workflow import apply_changes

    return apply_changes(cfg, store, packs, sid, matched, now)


def print_changes(changed: dict[str, int]) -> None:
    _say(
        f"  {sum(changed.values())} stored verdict(s) changed"
        + (": " + ", ".join(f"{k} {n}" for k, n in changed.items()) if changed else "")
    )


_VERDICT = click.Choice(["service", "code", "resource"])


@signatures.command()
@click.argument("key", metavar="JOBID|TEMPLATE")
@click.option("--verdict", "category", type=_VERDICT, required=True, help="What the failure is.")
@click.option("--title", required=True, help="A few words a shifter reads in the jobs table.")
@click.option("--action", default=None, help="What to do (default: retry / debug / resubmit with more memory).")
@click.option("--service", default=None, help="The service it points to (for outage correlation).")
@click.option("--pattern", default=None, help="The RE2 pattern (default: proposed from the template).")
@click.option("--why", default="", help="Why you say so (kept with the label).")
@click.option("--enable", is_flag=True, help="Enable it at once when it passes the test.")
@click.option(
    "--corpus",
    default=_default_corpus,
    show_default="the project's tune corpus, when present",
    help="A labelled corpus (LABELS.tsv) to measure precision on; '' for none.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--no-read", is_flag=True, help="Use only the log tails already kept in the store.")
@click.option("--now", "now_at", type=float, default=None, hidden=True)
@click.pass_context
def label(
    ctx: click.Context,
    key: str,
    category: str,
    title: str,
    action: str | None,
    service: str | None,
    pattern: str | None,
    why: str,
    enable: bool,
    corpus: str | None,
    as_json: bool,
    no_read: bool,
    now_at: float | None,
) -> None:
    """Label a template or a job: a signature is proposed, tested and (with --enable, when it passes) enabled."""
    from opgtui.learn.library import DEFAULT_ACTION, Learned, check_fields, new_id, save_label, whoami
    from opgtui.learn.patterns import propose

    cfg = _config(ctx)
    now = now_at if now_at is not None else time.time()
    action = action or DEFAULT_ACTION[category]
    problem = check_fields(category, action, title)
    if problem:
        _fail(problem)
    with _existing_store(cfg) as store:
        template, example, job_id, _ = _resolve(cfg, store, key, now, not no_read)
        pattern = pattern if pattern is not None else propose(template)
        if pattern is None:
            _fail(f"the template has too few fixed words for a pattern: {template[:200]} (give --pattern)")
        packs = _base_packs(cfg)
        candidate = Learned(
            new_id(title, _taken_ids(store, packs)),
            pattern,
            category,
            action,
            title.strip(),
            service,
            example=example,
            template=template,
            job_id=job_id,
            why=why,
        )
        result = _vet(cfg, store, packs, candidate, corpus, job_id, now)
        tested = {**result.summary(), "tested_at": now}
        out: dict[str, Any] = {"id": candidate.id, "pattern": pattern, "template": template, "tested": tested}
        if not result.ok:
            _refused(store, candidate, tested, now)
            if as_json:
                _print_json({**out, "stored": False})
            else:
                print_test(candidate.id, pattern, tested)
            sys.exit(1)
        candidate.tested = tested
        candidate.enabled = enable
        stored = save_label(store, candidate, who=whoami(), now=now)
        out.update(id=stored.id, version=stored.version, enabled=stored.enabled, stored=True)
        if not as_json:
            print_test(stored.id, pattern, tested)
            _say(f"  stored {stored.id} (version {stored.version}, {'enabled' if stored.enabled else 'disabled'})")
        if enable:
            out["changed"] = _apply(cfg, store, packs, stored.id, result.matched, now)
            if not as_json:
                print_changes(out["changed"])
        elif not as_json:
            _say(f"  enable it: opgtui signatures enable {stored.id}")
    if as_json:
        _print_json(out)


def _refused(store: Store, candidate: Learned, tested: dict[str, Any], now: float) -> None:
    from opgtui.learn.workflow import refused

    refused(store, candidate, tested, now)


def _get(store: Store, sid: str) -> Learned:
    from opgtui.learn.library import get

    found = get(store, sid)
    if found is None:
        _fail(f"no learned signature {sid} (see opgtui signatures list)")
    return found


@signatures.command()
@click.argument("sid", metavar="ID")
@click.option("--why", default="", help="Why (kept in the audit).")
@click.option(
    "--corpus",
    default=_default_corpus,
    show_default="the project's tune corpus, when present",
    help="A labelled corpus to measure precision on; '' for none.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--now", "now_at", type=float, default=None, hidden=True)
@click.pass_context
def enable(ctx: click.Context, sid: str, why: str, corpus: str | None, as_json: bool, now_at: float | None) -> None:
    """Test a learned signature again and enable it when it passes; the verdicts it changes are saved."""
    from pathlib import Path

    from opgtui.learn.workflow import enable as run_enable

    cfg = _config(ctx)
    now = now_at if now_at is not None else time.time()
    with _existing_store(cfg) as store:
        item = _get(store, sid)
        item, tested, changed = run_enable(
            cfg, store, _base_packs(cfg), sid, why=why, corpus=Path(corpus) if corpus else None, now=now
        )
    if as_json:
        _print_json({"id": sid, "enabled": changed is not None or item.enabled, "tested": tested, "changed": changed})
    else:
        print_test(sid, item.pattern, tested)
        if changed is not None:
            _say(f"  enabled {sid}")
            print_changes(changed)
    if changed is None:
        sys.exit(1)


@signatures.command()
@click.argument("sid", metavar="ID")
@click.option("--why", default="", help="Why (kept in the audit).")
@click.option("--now", "now_at", type=float, default=None, hidden=True)
@click.pass_context
def disable(ctx: click.Context, sid: str, why: str, now_at: float | None) -> None:
    """Disable a learned signature; the verdicts it decided are diagnosed again without it."""
    from opgtui.learn.workflow import disable as run_disable

    cfg = _config(ctx)
    now = now_at if now_at is not None else time.time()
    with _existing_store(cfg) as store:
        _get(store, sid)
        changed = run_disable(cfg, store, _base_packs(cfg), sid, why=why, now=now)
    _say(f"disabled {sid}")
    print_changes(changed)


@signatures.command()
@click.argument("sid", metavar="ID")
@click.option("--verdict", "category", type=_VERDICT, default=None)
@click.option("--title", default=None)
@click.option("--action", default=None)
@click.option("--service", default=None, help="'' for none.")
@click.option("--pattern", default=None)
@click.option("--why", default="", help="Why you change it (kept with it).")
@click.option(
    "--corpus",
    default=_default_corpus,
    show_default="the project's tune corpus, when present",
    help="A labelled corpus to measure precision on; '' for none.",
)
@click.option("--now", "now_at", type=float, default=None, hidden=True)
@click.pass_context
def edit(
    ctx: click.Context,
    sid: str,
    category: str | None,
    title: str | None,
    action: str | None,
    service: str | None,
    pattern: str | None,
    why: str,
    corpus: str | None,
    now_at: float | None,
) -> None:
    """Change a learned signature; it is tested again, and an enabled one stays enabled only if it passes."""
    import dataclasses

    from opgtui.learn.library import check_fields, save_label

    cfg = _config(ctx)
    now = now_at if now_at is not None else time.time()
    with _existing_store(cfg) as store:
        item = _get(store, sid)
        changed_fields = {
            k: v
            for k, v in (("category", category), ("title", title), ("action", action), ("pattern", pattern))
            if v is not None
        }
        if service is not None:
            changed_fields["service"] = service or None
        new = dataclasses.replace(item, **changed_fields, why=why or item.why)
        problem = check_fields(new.category, new.action, new.title)
        if problem:
            _fail(problem)
        packs = _base_packs(cfg)
        result = _vet(cfg, store, packs, new, corpus, None, now)
        tested = {**result.summary(), "tested_at": now}
        print_test(sid, new.pattern, tested)
        if not result.ok:
            _refused(store, new, tested, now)
            _say(f"  {sid} is unchanged")
            sys.exit(1)
        new.tested = tested
        stored = save_label(store, new, now=now)
        _say(f"  stored {sid} (version {stored.version}, {'enabled' if stored.enabled else 'disabled'})")
        if stored.enabled:
            print_changes(_apply(cfg, store, packs, sid, result.matched, now))


@signatures.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """The learned signatures: enabled or not, verdict, title, who changed them last and when."""
    import dataclasses

    from opgtui.learn.library import all_learned, verdict_counts

    cfg = _config(ctx)
    with _existing_store(cfg, readonly=True) as store:
        items = all_learned(store)
        counts = verdict_counts(store)
    if as_json:
        _print_json({"signatures": [{**dataclasses.asdict(s), "jobs": counts.get(s.id, 0)} for s in items]})
        return
    if not items:
        _say("no learned signatures yet (opgtui signatures suggest, then label)")
    for s in items:
        _say(
            f"{'on ' if s.enabled else 'off'}  {s.category:<8} {counts.get(s.id, 0):>5} jobs  {s.id}  v{s.version} "
            f"by {s.updated_by} {_when(s.updated)}"
        )
        _say(f"     {s.title}")
        _say(f"     pattern: {s.pattern}")


@signatures.command()
@click.argument("sid", metavar="ID", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def audit(ctx: click.Context, sid: str | None, as_json: bool) -> None:
    """Who labelled, enabled, disabled, edited or tried what, and why, oldest first."""
    from opgtui.core.textsafe import one_line
    from opgtui.learn.library import audit as read_audit

    cfg = _config(ctx)
    with _existing_store(cfg, readonly=True) as store:
        rows = read_audit(store, sid)
    if as_json:
        _print_json({"audit": rows})
        return
    for r in rows:
        _say(
            f"{_when(r['time'])}  {r['who']:<12} {r['action']:<8} {r['signature']}"
            + (f"  ({one_line(r['why'], 200)})" if r["why"] else "")
        )


@signatures.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--all", "everything", is_flag=True, help="Disabled ones too.")
@click.pass_context
def export(ctx: click.Context, path: str | None, everything: bool) -> None:
    """Write the enabled learned signatures as a signature pack (YAML) to PATH or standard output."""
    from opgtui.learn.library import all_learned
    from opgtui.learn.pack import pack_yaml

    cfg = _config(ctx)
    with _existing_store(cfg, readonly=True) as store:
        text = pack_yaml(all_learned(store, enabled_only=not everything))
    if path is None:
        click.echo(text, nl=False)
        return
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        _fail(f"{path}: cannot write: {exc.strerror or exc}")
    _say(f"wrote {path}")


@signatures.command(name="import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--enable", is_flag=True, help="Enable each one that passes the test.")
@click.option("--why", default="", help="Why (kept with each).")
@click.option(
    "--corpus",
    default=_default_corpus,
    show_default="the project's tune corpus, when present",
    help="A labelled corpus to measure precision on; '' for none.",
)
@click.option("--now", "now_at", type=float, default=None, hidden=True)
@click.pass_context
def import_(ctx: click.Context, path: str, enable: bool, why: str, corpus: str | None, now_at: float | None) -> None:
    """Read a signature pack (YAML) into the store's learned signatures; each is tested, kept disabled unless
    --enable and it passes. Exit 1 when any was refused."""
    from pathlib import Path

    from opgtui.learn.library import ID_PREFIX, PRIORITY, Learned, save_label
    from opgtui.learn.pack import read_pack

    cfg = _config(ctx)
    now = now_at if now_at is not None else time.time()
    entries, errors = read_pack(Path(path))
    for err in errors:
        click.echo(f"opgtui: {err}", err=True)
    if not entries and errors:
        sys.exit(2)
    refused = 0
    with _open_store(cfg) as store:
        packs = _base_packs(cfg)
        bundled = {c.signature.id for c in packs.compiled}
        for raw in entries:
            sid = str(raw["id"])
            sid = sid if sid.startswith(ID_PREFIX) else (ID_PREFIX + sid)[:80]  # learned ones are named so
            if sid in bundled:
                _say(f"{sid}: id already used by a loaded pack; skipped")
                refused += 1
                continue
            item = Learned(
                sid,
                raw["pattern"],
                raw["category"],
                raw["action"],
                raw["title"],
                raw.get("service"),
                raw.get("priority", PRIORITY),
                raw["example"],
                why=why or f"imported from {path}",
            )
            result = _vet(cfg, store, packs, item, corpus, None, now)
            tested = {**result.summary(), "tested_at": now}
            print_test(sid, item.pattern, tested)
            if not result.ok:
                _refused(store, item, tested, now)
                refused += 1
                continue
            item.tested, item.enabled = tested, enable
            stored = save_label(store, item, now=now)
            _say(f"  stored {stored.id} (version {stored.version}, {'enabled' if stored.enabled else 'disabled'})")
            if enable:
                print_changes(_apply(cfg, store, packs, stored.id, result.matched, now))
    if refused:
        sys.exit(1)


@signatures.command()
@click.argument("sid", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def show(ctx: click.Context, sid: str, as_json: bool) -> None:
    """One learned signature: its fields, the label it came from, its last test and its audit trail."""
    import dataclasses

    from opgtui.learn.library import audit as read_audit

    cfg = _config(ctx)
    with _existing_store(cfg, readonly=True) as store:
        item = _get(store, sid)
        trail = read_audit(store, sid)
    if as_json:
        _print_json({**dataclasses.asdict(item), "audit": trail})
        return
    _say(f"{item.id}  {'enabled' if item.enabled else 'disabled'}  version {item.version}")
    _say(f"  {item.category}: {item.action}  {item.title}" + (f"  (service {item.service})" if item.service else ""))
    _say(
        f"  labelled by {item.created_by} {_when(item.created)}, last changed by {item.updated_by} "
        f"{_when(item.updated)}" + (f": {item.why}" if item.why else "")
    )
    _say(f"  from job {item.job_id or '-'}, template {item.template or '-'}")
    _say(f"  example: {item.example}")
    if item.tested:
        print_test(item.id, item.pattern, item.tested)
    for r in trail:
        _say(f"  {_when(r['time'])}  {r['who']}  {r['action']}" + (f"  ({r['why']})" if r["why"] else ""))
