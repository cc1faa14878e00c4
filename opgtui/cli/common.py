"""What every verb shares: a failure said in one line, the config and the store opened as a verb needs them, and
output that carries untrusted text. The verbs' modules import these from here, never from the package's
``__init__`` (which imports them: that was an import cycle)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from opgtui.config import Config
    from opgtui.store import Store


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr and exit; the message may carry untrusted text (an HTTP reason phrase, a file's
    content, a path), so escape sequences and control characters never reach the terminal."""
    from opgtui.core.textsafe import one_line

    click.echo(f"opgtui: {one_line(message, 2000)}", err=True)
    sys.exit(code)


def config_of(ctx: click.Context) -> Config:
    """The config the verb was given (``--config``) or the default one; a bad one is one line and exit 2."""
    from opgtui.config import ConfigError, load_config

    try:
        return load_config(ctx.obj.get("config"))
    except ConfigError as exc:
        fail(str(exc))


def open_store(cfg: Config, path: Path | None = None, *, readonly: bool = False) -> Store:
    """The config's store (or ``path``), created when missing; a store that cannot be opened is one line."""
    from opgtui.store import StoreError
    from opgtui.store import open_store as open_any

    try:
        return open_any(path or cfg.store, readonly=readonly, group=cfg.store_group)
    except StoreError as exc:
        fail(str(exc))


def existing_store(cfg: Config, *, readonly: bool = False) -> Store:
    """The store of a command that only reads: a missing file is a mistyped path or no collection yet, not a
    reason to create an empty store there."""
    from opgtui.core.storetarget import is_postgres

    if not is_postgres(cfg.store) and not Path(cfg.store).expanduser().exists():
        where = f"`store:` in {cfg.path}" if cfg.path else "the config's `store:`"
        fail(f"no store at {cfg.store}: run `opgtui collect` first, or check {where}")
    return open_store(cfg, readonly=readonly)


def read_log(source: str, lines: int) -> list[str]:
    """The last ``lines`` (0 = all) of a log file path or http(s) URL; a log that cannot be read is one line."""
    from opgtui.sources.logs import LogError, tail_now

    try:
        return tail_now(source, lines).lines  # a file: read at once, no event loop to start
    except LogError as exc:
        fail(str(exc))


def say(line: str) -> None:
    """One line of output that carries untrusted text (job, service, feed, announcement): escape sequences
    and control characters never reach the terminal."""
    from opgtui.core.textsafe import clean

    click.echo(clean(line))


def print_json(obj: Any) -> None:
    """``obj`` as JSON (RFC 8259): a number that is none (NaN, inf: a stored RemoteUserCpu of 1e400) is null,
    never ``Infinity``, which no JSON parser but Python's reads."""
    import json  # only the verbs' --json: not on every start-up

    try:
        text = json.dumps(obj, indent=2, default=str, allow_nan=False)
    except ValueError:  # a non-finite number somewhere: the rare case pays for the walk
        text = json.dumps(_finite(obj), indent=2, default=str, allow_nan=False)
    click.echo(text)


def _finite(obj: Any) -> Any:
    """``obj`` with every NaN and inf in its lists, tuples and dict values as None."""
    if isinstance(obj, float):
        return obj if obj - obj == 0.0 else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj
