"""``opgtui demo --keep DIR``: check that DIR can take the demo without losing anything, and write the demo's
config next to its store so every CLI verb works on the demo: ``opgtui --config DIR/config.yaml status``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import yaml

from opgtui.config import Config

HEADER = """\
# The config of the opgtui demo kept in this directory (written by `opgtui demo --keep`).
# Use it with any verb: opgtui --config {path} status | jobs | stats | actions | retry --dry-run ...
# The feeds point at example hosts: the demo's feed data was recorded once when it was built, and the long
# intervals keep it fresh (not stale) for days; `opgtui collect` on this config would only report the hosts
# as unreachable.
"""


STORE = "opgtui.db"
CONFIG = "config.yaml"


class KeepError(Exception):
    """DIR cannot take the demo; the message says why in one line."""


def _written_by_demo(config: Path) -> bool:
    try:
        with config.open(encoding="utf-8", errors="replace") as fh:
            return fh.readline() == HEADER.splitlines(keepends=True)[0]
    except OSError:
        return False


def _demo_store(db: Path) -> bool:
    """Whether ``db`` is a demo's store (the demo builder records its problems; a real store never does)."""
    from opgtui.store import peek_kv

    return peek_kv(db, "demo_problems") is not None


def check_keep_dir(directory: Path) -> Path:
    """Make ``directory`` if needed and check the demo may write there: it must be writable, and empty or an
    earlier demo's (a real store or config is never replaced, nor anyone's files). Raises KeepError."""
    if directory.exists() and not directory.is_dir():
        raise KeepError(f"--keep {directory}: not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".opgtui-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise KeepError(f"--keep {directory}: cannot write there ({exc.strerror or exc})") from None
    db, config = directory / STORE, directory / CONFIG
    if db.exists() and not _demo_store(db):
        raise KeepError(
            f"--keep {directory}: {db} is not a demo's store and would be replaced; choose another directory"
        )
    if config.exists() and not _written_by_demo(config):
        raise KeepError(
            f"--keep {directory}: {config} was not written by the demo and would be replaced; choose another directory"
        )
    earlier_demo = db.exists() or config.exists()
    if not earlier_demo and any(p.name != ".opgtui-write-test" for p in directory.iterdir()):
        raise KeepError(
            f"--keep {directory}: not empty, and not an earlier demo's (the demo writes logs/, "
            "feeds/ and dumps there); choose an empty or new directory"
        )
    return directory


def _default(f: msgspec.structs.FieldInfo) -> Any:
    if f.default is not msgspec.NODEFAULT:
        return f.default
    if f.default_factory is not msgspec.NODEFAULT:
        return f.default_factory()
    return msgspec.NODEFAULT


def plain(obj: Any) -> Any:
    """A config Struct as the YAML mapping the config loader reads back: fields left at their default
    are omitted, paths become strings."""
    if isinstance(obj, msgspec.Struct):
        out = {}
        for f in msgspec.structs.fields(obj):
            value = getattr(obj, f.name)
            if f.name == "path" or value == _default(f) or value is None:
                continue
            out[f.name] = plain(value)
        return out
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    return obj


def write_config(cfg: Config, path: Path) -> Path:
    """Write ``cfg`` as a commented YAML config at ``path``; returns the path."""
    body = yaml.safe_dump(plain(cfg), sort_keys=False, allow_unicode=True, width=110, default_flow_style=None)
    path.write_text(HEADER.format(path=path) + body, encoding="utf-8")
    return path
