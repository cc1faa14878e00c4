"""The `opgtui` command. Each verb is a thin call into the modules that do the work.

Exit codes: 0 success, 1 a check failed (``check``), 2 bad input, unavailable capability or unknown state.
Heavy modules (Textual, htcondor2, httpx) are imported inside the verbs that need them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from opgtui import __version__
from opgtui.cli.common import config_of as _config
from opgtui.cli.common import existing_store as _existing_store
from opgtui.cli.common import fail as _fail
from opgtui.cli.common import open_store as _open_store
from opgtui.cli.common import print_json as _print_json
from opgtui.cli.common import read_log as _read_log
from opgtui.cli.common import say as _say

if TYPE_CHECKING:  # the small verbs start in a blink: only what a verb uses is imported, inside it
    from collections.abc import Callable

    from opgtui.config import Config
    from opgtui.ops.collector import CollectReport
    from opgtui.store import Store

# Command groups kept in their own modules, imported when their verb runs (or its own --help).
LAZY_COMMANDS = {
    "diagnose": ("opgtui.cli.diagnose", "diagnose"),
    "request": ("opgtui.cli.requests", "request"),
    "signatures": ("opgtui.cli.signatures", "signatures"),
    "store": ("opgtui.cli.store_copy", "store"),
}
LAZY_HELP = {
    "diagnose": "Say service / code / resource / unknown for a log or a stored job (JOBID), with the evidence lines;"
    " --eval DIR scores it on a labelled corpus.",
    "request": "Production requests: new | list | show | edit | submit | approve | reject | ... | export | import.",
    "signatures": "Learn from the shift: group unknown failures into templates, label them, share the signatures.",
    "store": "The store: create or upgrade it, set up a team's PostgreSQL roles, copy it between SQLite and"
    " PostgreSQL.",
}
"""What `opgtui --help` lists for each lazy command without importing it (its docstring; a test keeps them equal)."""


class _Group(click.Group):
    """Unknown verbs get one clear line and exit 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and name not in self.commands:
            from importlib import import_module

            module, attr = LAZY_COMMANDS[name]
            self.add_command(getattr(import_module(module), attr), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of verbs: a lazy command not loaded yet is listed with its help from LAZY_HELP (importing
        the request commands for one line of help costs `opgtui --help` ~40 ms)."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.commands.get(name) or (
                click.Command(name, help=LAZY_HELP[name]) if name in LAZY_HELP else self.get_command(ctx, name)
            )
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError:
            known = ", ".join(self.list_commands(ctx))
            _fail(f"unknown command {args[0]!r} (known: {known}; see opgtui --help)")

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:  # read-only, locked or damaged store, whatever the verb: one line, exit 2
            store = sys.modules.get("opgtui.store")  # not imported: no store error (and no cost for `tail`)
            if store is not None and isinstance(exc, store.StoreError):
                _fail(str(exc))
            raise


@click.group(cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: $XDG_CONFIG_HOME/opgtui/config.yaml).",
)
@click.version_option(__version__, prog_name="opgtui")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """Terminal dashboard for grid production shifters. With no command: open the dashboard."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config_path
    if ctx.invoked_subcommand is None:
        cfg = _config(ctx)
        _run_dashboard(cfg, _open_store(cfg))


def _run_dashboard(
    cfg: Config,
    store: Store,
    *,
    demo: bool = False,
    demo_rest: Callable[[Store], None] | None = None,
    keep_demo: bool = False,
) -> None:
    from opgtui.core.terminal import terminal_too_small

    problem = terminal_too_small()
    if problem:
        _fail(problem)
    from opgtui.app import OpgApp

    app = OpgApp(cfg, store, demo=demo, demo_rest=demo_rest)
    app.run()
    if keep_demo and app.demo_loading:  # a kept demo directory gets all of the demo, even after a quick quit
        click.echo("opgtui: finishing the demo's jobs in the kept directory ...", err=True)
        app.finish_demo()
    if app.return_code:  # the dashboard crashed (Textual printed the traceback): say so to the shell
        sys.exit(app.return_code)


# ---------------------------------------------------------------------------- demo


@main.command()
@click.option(
    "--keep",
    default=None,
    help="Build the demo in this directory and keep it, with a config.yaml for the CLI verbs "
    "(default: a temporary directory, removed on exit).",
)
@click.option("--build-only", is_flag=True, help="Build the demo store, print its path, do not open the dashboard.")
def demo(keep: str | None, build_only: bool) -> None:
    """The dashboard on the bundled demo data: no pool, no network."""
    from opgtui.demo.workdir import scratch_dir

    if keep:
        cfg, store, rest = _build_demo(Path(keep), keep=True, board_only=not build_only)
        if build_only:
            click.echo(str(cfg.store))
            config = cfg.store.with_name("config.yaml")
            click.echo(
                f"opgtui: the CLI on this demo: opgtui --config {config} status (or jobs --store, stats, "
                "retry --dry-run ...)",
                err=True,
            )
            return
        _run_dashboard(cfg, store, demo=True, demo_rest=rest, keep_demo=True)
        return
    with scratch_dir("opgtui-demo-") as workdir:
        cfg, store, rest = _build_demo(workdir, keep=False, board_only=not build_only)
        try:
            if build_only:
                click.echo(
                    f"demo built: {store.count_jobs()} jobs "
                    "(in a temporary directory, now removed: --keep DIR keeps it)"
                )
                return
            _run_dashboard(cfg, store, demo=True, demo_rest=rest)
        finally:
            store.close()


def _build_demo(
    workdir: Path, *, keep: bool, board_only: bool = False
) -> tuple[Config, Store, Callable[[Store], None] | None]:
    """The demo store in ``workdir`` (and, when kept, its config.yaml); one line and exit 2 if it cannot be.
    With ``board_only`` only what the Status view shows is built: the third value builds the rest (the
    dashboard runs it after its first frame), else it is None."""
    from opgtui.demo.build import build_demo_board
    from opgtui.demo.keep import CONFIG, KeepError, check_keep_dir, write_config
    from opgtui.store import StoreError

    try:
        if keep:
            check_keep_dir(workdir)
        cfg, store, rest = build_demo_board(workdir)
        if not board_only:
            rest(store)
            rest = None
        if keep:
            write_config(cfg, workdir.resolve() / CONFIG)
    except KeepError as exc:
        _fail(str(exc))
    except StoreError as exc:
        _fail(f"demo: {exc}")
    except OSError as exc:
        _fail(
            f"demo: cannot build in {workdir}: {exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
        )
    return cfg, store, rest


# ---------------------------------------------------------------------------- config


@main.group()
def config() -> None:
    """Check the config, or print a commented example."""


@config.command("check")
@click.pass_context
def config_check(ctx: click.Context) -> None:
    """Validate the config file; errors name the file, line and key."""
    cfg = _config(ctx)
    if cfg.path is None:
        from opgtui.config import default_config_path

        _fail(f"no config file found (write one: opgtui config example > {default_config_path()})")
    click.echo(
        f"{cfg.path}: ok ({len(cfg.pools)} pools, {len(cfg.feeds)} feeds, {len(cfg.services)} services, "
        f"{len(cfg.experiments)} experiments)"
    )


@config.command("example")
def config_example() -> None:
    """Print a commented example config."""
    from opgtui.config import EXAMPLE

    click.echo(EXAMPLE, nl=False)


@config.command("schema")
@click.argument("kind", type=click.Choice(["config", "request", "pack", "codes", "feed"]), default="config")
def config_schema(kind: str) -> None:
    """Print the JSON Schema of the config file (or of a request file, a signature pack, a code table, a native
    feed) for an editor to check it as you type."""
    import json

    from opgtui.core.yamlspec import json_schema

    if kind == "config":
        from opgtui.config import Settings as spec
    elif kind == "request":
        from opgtui.domain.requests import RequestFile as spec
    elif kind == "pack":
        from opgtui.diagnosis.signatures import PackSpec as spec
    elif kind == "codes":
        from opgtui.diagnosis.codes import TableSpec as spec
    else:
        from opgtui.sources.feeds.native import NativeFeed as spec
    loose = kind not in ("pack", "codes")  # a pack's and a code table's values are taken as written
    click.echo(json.dumps(json_schema(spec, loose=loose), indent=2))


# ---------------------------------------------------------------------------- logs and diagnosis


@main.command()
@click.argument("source")
@click.option(
    "-n",
    "lines",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="How many lines from the end (0 = all).",
)
def tail(source: str, lines: int) -> None:
    """Last N lines of a log file path or http(s) URL."""
    from opgtui.core.textsafe import clean

    got = _read_log(source, lines)
    # Piped: the bytes as they are (like GNU tail). On a terminal: escape sequences made harmless.
    safe = clean if sys.stdout.isatty() else (lambda s: s)
    sys.stdout.writelines(safe(line) + "\n" for line in got)


# ---------------------------------------------------------------------------- jobs


@main.command(name="jobs")
@click.option(
    "--from",
    "sources",
    multiple=True,
    type=click.Path(),
    help="A condor_q/condor_history -long or -json dump, or a job event log. Repeatable.",
)
@click.option(
    "--store",
    "store_path",
    is_flag=False,
    flag_value="",
    default=None,
    help="The jobs of the store (the config's, or the one given) instead of dumps.",
)
@click.option(
    "--filter",
    "query",
    default="",
    help="The Jobs view's / filter: words, !word, site:purdue, code:34, exit:137, verdict:service, sig:samweb ...",
)
@click.option(
    "--only",
    type=click.Choice(["all", "held", "failed", "running", "idle"]),
    default="all",
    show_default=True,
    help="The Jobs view's quick filter (failed: failed or held).",
)
@click.option("--json", "fmt", flag_value="json", help="Print the jobs as JSON.")
@click.option("--csv", "fmt", flag_value="csv", help="Print the jobs as CSV.")
@click.option("--open", "open_", is_flag=True, help="Open the dumps in the dashboard's Jobs view instead of printing.")
@click.pass_context
def jobs_(
    ctx: click.Context,
    sources: tuple[str, ...],
    store_path: str | None,
    query: str,
    only: str,
    fmt: str | None,
    open_: bool,
) -> None:
    """Normalised jobs from ad dumps and event logs, or from the store; filtered as in the Jobs view."""
    if bool(sources) == (store_path is not None):
        _fail(
            "jobs: give --from FILE (dumps) or --store (the store's jobs), not both"
            if sources
            else "jobs: give --from FILE (dumps) or --store (the store's jobs)"
        )
    if open_:
        if not sources:
            _fail("jobs --open: give --from FILE (the dashboard itself shows the store: opgtui)")
        _open_dump(ctx, sources)
        return
    from opgtui.cli.jobs import print_jobs

    if store_path is not None:
        cfg = _config(ctx)
        if store_path:
            from opgtui.core.storetarget import store_target

            cfg.store = store_target(store_path)
        store = _existing_store(cfg, readonly=True)
        n = print_jobs(store.jobs(), store.verdict_summaries(), query=query, only=only, fmt=fmt or "table")
        if not n and not fmt:
            click.echo("opgtui: no job matches", err=True)
        return

    from opgtui.core.textsafe import clean
    from opgtui.sources.dumps import load_files

    result = load_files(sources)
    for err in result.errors:
        click.echo(f"opgtui: {clean(err)}", err=True)
    print_jobs(result.jobs, {}, query=query, only=only, fmt=fmt or "table")
    if result.errors and not result.jobs:
        sys.exit(2)
    if not result.jobs:
        click.echo("opgtui: no jobs in " + ", ".join(sources), err=True)


def _open_dump(ctx: click.Context, sources: tuple[str, ...]) -> None:
    """The dashboard on dump files: a scratch store (removed on exit), the config's log templates and packs. The
    big dumps' heads are read by worker processes from the start, while the config and the dashboard load."""
    from opgtui.core.terminal import terminal_too_small
    from opgtui.demo.workdir import scratch_dir

    missing = [s for s in sources if not Path(s).is_file()]
    if missing:
        _fail(f"{missing[0]}: no such file")
    problem = terminal_too_small()
    if problem:
        _fail(problem)
    from opgtui.ops.dumpview import DumpSession

    session = DumpSession(list(sources)).start()
    try:
        cfg = _config(ctx)
        from opgtui.app import OpgApp

        with scratch_dir("opgtui-dump-") as scratch:
            cfg.store = scratch / "dump.db"
            store = _open_store(cfg)
            try:
                OpgApp(cfg, store, refresh_loop=False, dump=session).run()
            finally:
                store.close()
    finally:
        session.stop()


# ---------------------------------------------------------------------------- services


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the board as JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """The state of every service, from the store (run `opgtui collect` to fill it)."""
    import time

    from opgtui.core.timefmt import zone
    from opgtui.domain.held import board_held, since_cell
    from opgtui.domain.services import board

    cfg = _config(ctx)
    store = _existing_store(cfg)
    now = time.time()
    rows = board(cfg, store, now)
    held = board_held(cfg, store, rows, now)  # since when, as the Status board says
    if as_json:
        _print_json([r.as_dict(held[r.service]) for r in rows])
        return
    if not rows:
        click.echo("no services known: configure feeds and run `opgtui collect`")
    tz = zone(cfg.timezone)
    for r in rows:
        _say(r.as_line(since_cell(held[r.service], now, tz), tz))


@main.command()
@click.option("--require", "required", required=True, help="Comma-separated services that must be up.")
@click.option(
    "--within",
    default="6h",
    show_default=True,
    help="Also fail if maintenance starts within this time (as the dashboard); 0 to ignore.",
)
@click.pass_context
def check(ctx: click.Context, required: str, within: str) -> None:
    """Exit 0 all clear, 1 a required service is down, in maintenance or about to be, 2 unknown (no fresh data)."""
    from opgtui.core.timefmt import parse_duration
    from opgtui.domain.services import submit_check

    cfg = _config(ctx)
    try:
        horizon = 0.0 if within.strip() in ("0", "0s", "0m", "0h") else parse_duration(within)
    except ValueError as exc:
        _fail(f"--within: {exc}")
    names = [s.strip() for s in required.split(",") if s.strip()]
    if not names:
        _fail("--require: give at least one service name")
    store = _existing_store(cfg)
    _known_services(cfg, store, names)
    result = submit_check(cfg, store, names, horizon)
    for line in result.lines:
        _say(line)
    sys.exit(result.exit_code)


def _known_services(cfg: Config, store: Store, names: list[str]) -> None:
    """Exit 2 naming the first of ``names`` that is neither configured (name or alias) nor seen by a feed."""
    from opgtui.domain.services import board

    known = sorted({s.name for s in cfg.services} | {r.service for r in board(cfg, store)})
    for name in names:
        if cfg.service_for(name) not in known:
            import difflib  # only to say what was meant: not on every check's path

            close = difflib.get_close_matches(cfg.service_for(name), known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            _fail(f"--require: unknown service {name!r} ({hint}known: {', '.join(known) or 'none'})")


@main.command()
@click.option("--once", is_flag=True, help="Poll every source once and exit.")
@click.pass_context
def collect(ctx: click.Context, once: bool) -> None:
    """Poll feeds and schedds on their intervals and record them in the store (run it as a service)."""
    import asyncio

    from opgtui.ops.collector import CollectorBusy, run_collector

    cfg = _config(ctx)
    store = _open_store(cfg)
    try:
        report = asyncio.run(run_collector(cfg, store, once=once, echo=_say))
    except CollectorBusy as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        return
    if once and report is not None and _nothing_collected(cfg, report):
        _fail("collect --once: no source answered (every feed and schedd failed, see above)", 1)


def _nothing_collected(cfg: Config, report: CollectReport) -> bool:
    """Whether a round got nothing from any source: every feed failed and no schedd answered."""
    feeds_failed = not cfg.feeds or report.feeds_ok == 0
    schedd_failed = any(p.startswith(("schedd ", "collector: ")) for p in report.problems)
    pools_failed = not cfg.pools or (report.jobs == 0 and schedd_failed)
    return bool(cfg.feeds or cfg.pools) and feeds_failed and pools_failed


# ---------------------------------------------------------------------------- people


@main.command()
@click.argument("text", required=False)
@click.option("--level", type=click.Choice(["info", "warning", "critical"]), default="info", show_default=True)
@click.option("--until", default=None, help="When it expires: a duration from now (4h) or an ISO time.")
@click.option("--list", "list_only", is_flag=True, help="List the current announcements.")
@click.option("--expire", type=int, default=None, help="Expire the announcement with this id now.")
@click.pass_context
def announce(
    ctx: click.Context, text: str | None, level: str, until: str | None, list_only: bool, expire: int | None
) -> None:
    """Post a message for the team (shown on every screen), list or expire them."""
    import time

    from opgtui.core.model import Announcement
    from opgtui.core.timefmt import parse_when

    if text is not None and not text.strip() and not list_only:
        _fail("announce: the message is empty (give the text, or --list to see the current ones)")
    cfg = _config(ctx)
    posting = bool(text) and not list_only and expire is None
    store = _open_store(cfg) if posting else _existing_store(cfg)
    if expire is not None:
        from opgtui.store import NotAllowed

        try:  # only its author or an operator (roles.operators, the store's owner) may
            found = store.expire_announcement(expire, operators=cfg.roles.operators)
        except NotAllowed as exc:
            _fail(f"refused: {exc}", 1)
        if not found:
            _fail(f"no announcement with id {expire}")
        click.echo(f"announcement {expire} expired")
        return
    if list_only or not text:
        for a in store.announcements():
            _say(f"#{a.id} [{a.level}] {a.author}: {a.text}")
        return
    now = time.time()
    try:
        until_ts = parse_when(until, now) if until else None
    except ValueError as exc:
        _fail(f"--until: {exc}")
    if until_ts is not None and until_ts <= now:
        _fail("--until: the announcement would end before it starts")
    ann_id = store.post_announcement(Announcement(text=text, level=level, until=until_ts), now)  # type: ignore[arg-type]
    click.echo(f"announcement {ann_id} posted")


@main.command(name="retry")
@click.argument("jobs", nargs=-1, required=True)
@click.option("--debug", is_flag=True, help="Apply the experiment's debug_profile from the config.")
@click.option("--bigger", is_flag=True, help="More memory: 1.5x the request, or 1.25x the peak use if more.")
@click.option("--force", is_flag=True, help="Also resubmit jobs that completed with exit code 0.")
@click.option("--dry-run", is_flag=True, help="Show what would change, from the recorded ad; do nothing.")
@click.option("--again", is_flag=True, help="Resubmit even a job that was retried before.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def retry_(
    ctx: click.Context,
    jobs: tuple[str, ...],
    debug: bool,
    bigger: bool,
    force: bool,
    dry_run: bool,
    again: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Retry jobs (CLUSTER.PROC@SCHEDD as the Jobs table shows it, the schedd's short name is enough when the
    store tells them apart; or SCHEDD#CLUSTER.PROC): release held ones (edited first with --debug), resubmit
    finished or removed ones. Each retry is recorded with its lineage. Exit 1 if any failed."""
    from opgtui.cli.retry import run_retry
    from opgtui.ops.jobids import resolve_all

    cfg = _config(ctx)
    store = _open_store(cfg)
    try:
        ids, missing = resolve_all(store, jobs)
    except ValueError as exc:
        _fail(str(exc))
    code = run_retry(
        cfg, store, ids, debug=debug, force=force, dry_run=dry_run, yes=yes, as_json=as_json, bigger=bigger, again=again
    )
    if missing and dry_run:
        click.echo(
            f"opgtui: not in the store: {', '.join(missing)} (the dry run cannot say what a retry would do; "
            "`opgtui collect`, or check the id)",
            err=True,
        )
        code = max(code, 1)
    sys.exit(code)


@main.command(name="actions")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.pass_context
def actions_(ctx: click.Context, as_json: bool, limit: int) -> None:
    """The recorded actions on jobs (who, when, what, how many, HTCondor's answer), newest first."""
    from opgtui.cli.retry import print_actions

    cfg = _config(ctx)
    print_actions(_existing_store(cfg, readonly=True), limit=limit, as_json=as_json)


@main.command(name="stats")
@click.option(
    "--by",
    type=click.Choice(["site", "cpu", "hour", "stage", "verdict", "batch", "experiment", "day"]),
    default="site",
    show_default=True,
)
@click.option("--since", default="7d", show_default=True, help="A duration back from now (7d, 12h) or an ISO time.")
@click.option("--until", default=None, help="End of the period: a duration back from now or an ISO time.")
@click.option("--experiment", default=None, help="Only this experiment's jobs.")
@click.option("--batch", default=None, help="Only this batch (JobBatchName).")
@click.option("--csv", "fmt", flag_value="csv", help="Print CSV.")
@click.option("--json", "fmt", flag_value="json", help="Print JSON.")
@click.pass_context
def stats_(
    ctx: click.Context,
    by: str,
    since: str,
    until: str | None,
    experiment: str | None,
    batch: str | None,
    fmt: str | None,
) -> None:
    """Finished jobs: success, CPU efficiency, wasted/badput/goodput core-hours by site, CPU, hour of day,
    stage, verdict, batch, experiment or day (definitions: docs/definitions.md)."""
    from opgtui.cli.stats import run_stats

    cfg = _config(ctx)
    sys.exit(
        run_stats(
            cfg,
            _existing_store(cfg),
            by=by,
            since=since,
            until=until,
            experiment=experiment,
            batch=batch,
            fmt=fmt or "table",
        )
    )


@main.command()
@click.option(
    "--keep-days",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Keep finished jobs this many days (default: record.keep_days in the config).",
)
@click.option("--dry-run", is_flag=True, help="Only say how many jobs would go.")
@click.pass_context
def prune(ctx: click.Context, keep_days: float | None, dry_run: bool) -> None:
    """Delete finished jobs older than the retention (the collector also does this once a day)."""
    from opgtui.cli.stats import run_prune

    cfg = _config(ctx)
    sys.exit(run_prune(cfg, _open_store(cfg), keep_days=keep_days, dry_run=dry_run))
