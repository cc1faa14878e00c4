"""Status feed kinds behind one interface (:class:`~opgtui.sources.feeds.base.FeedKind`).

Built-in kinds live in this package, one module each; a plugin can add a kind through the entry-point group
``opgtui.feeds`` (an object with the FeedKind fields). Poll feeds with :func:`poll.poll_all`.
"""

from __future__ import annotations

from importlib import import_module

from opgtui.core.feedkinds import BUILTIN_KINDS, ENTRY_POINT_GROUP, declared_kinds
from opgtui.sources.feeds.base import FeedError, FeedKind, FeedReport

_cache: dict[str, FeedKind] = {}


def get_kind(name: str) -> FeedKind:
    """The feed kind called ``name``; KeyError naming the known kinds when there is none."""
    if name in _cache:
        return _cache[name]
    if name in BUILTIN_KINDS:
        kind: FeedKind = import_module(f"{__name__}.{name}").KIND
    else:
        kind = _plugins().get(name)  # type: ignore[assignment]
        if kind is None:
            raise KeyError(f"unknown feed kind {name!r} (known: {', '.join(kind_names())})")
    _cache[name] = kind
    return kind


def kind_names() -> list[str]:
    """Built-in kinds, then plugin kinds (:func:`opgtui.core.feedkinds.declared_kinds`, which the config checks)."""
    return declared_kinds()


def _plugins() -> dict[str, FeedKind]:
    from opgtui.core.entrypoints import entry_points  # without importlib.metadata's ~25 ms

    out: dict[str, FeedKind] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            out[ep.name] = ep.load()
        except Exception:  # a broken plugin must not take the built-in kinds down
            continue
    return out


__all__ = ["BUILTIN_KINDS", "FeedError", "FeedKind", "FeedReport", "get_kind", "kind_names"]
