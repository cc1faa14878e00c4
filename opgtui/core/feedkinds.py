"""The names of the status-feed kinds, listed once: the built-in ones (a module each in ``sources/feeds/``) and
those installed plugins declare in the entry-point group ``opgtui.feeds``, read without importing any feed module,
so checking a config does not load the sources."""

from __future__ import annotations

BUILTIN_KINDS: tuple[str, ...] = ("statuspage", "alertmanager", "prometheus", "osg_downtime", "gocdb", "native")
ENTRY_POINT_GROUP = "opgtui.feeds"


def declared_kinds() -> list[str]:
    """Built-in kinds, then the names plugins declare (nothing is loaded: a broken plugin is reported when polled)."""
    from opgtui.core.entrypoints import entry_points

    plugins = {ep.name for ep in entry_points(ENTRY_POINT_GROUP)}
    return [*BUILTIN_KINDS, *sorted(plugins - set(BUILTIN_KINDS))]
