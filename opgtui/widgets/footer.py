"""A footer that is not composed again on every focus change.

Textual's ``Footer`` removes and mounts all its keys each time the screen's bindings are refreshed, which a focus
change does twice (``Screen._watch_focused`` and ``Screen.set_focus`` each publish): 10-17 ms of the UI thread's
CPU each on a loaded 2-core machine, in the frames right after '/' puts the Jobs view's filter up, where the first
filter key waits for them (issue 18). This one draws the same keys, and when the keys to show are unchanged it
does nothing; when they are some of the keys it composed, in the same order (the table's Open and Mark leave when
the filter takes the focus and come back after), it shows and hides those keys in place, at once (drawn in the
frame that draws the focus change); anything else (other keys, a key enabled or disabled, grouped keys) is
composed again after the next refresh, as Textual does.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen

Entry = tuple[str, str, str, str, bool, str]
"""A key as the footer shows it: key, its display, description, action, enabled, tooltip."""
PALETTE = "\x00palette"  # the command palette's key, shown last (docked right)


class SteadyFooter(Footer):
    """Textual's ``Footer``, updated in place when only which of its keys show changes."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._composed: tuple[Entry, ...] | None = None  # the keys composed, one FooterKey each (None: grouped)
        self._keys: list[FooterKey] = []
        self._shown: tuple[Entry, ...] | None = None  # the keys shown (some of the composed ones, in order)

    def shown_keys(self) -> tuple[Entry, ...] | None:
        """The keys the footer is to show now, in order; None when some are grouped (Textual's own layout)."""
        active = self.screen.active_bindings
        by_action: defaultdict[str, list[Entry]] = defaultdict(list)
        for _node, binding, enabled, tooltip in active.values():
            if binding.show:
                if binding.group is not None:
                    return None
                entry = (binding.key, self.app.get_key_display(binding), binding.description, binding.action)
                by_action[binding.action].append((*entry, enabled, tooltip))
        entries = [multi[0] for multi in by_action.values()]
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, _tooltip = found
                key = (binding.key, self.app.get_key_display(binding), binding.description, PALETTE)
                entries.append((*key, enabled, binding.tooltip or binding.description))
        return tuple(entries)

    def compose(self) -> ComposeResult:
        entries = self.shown_keys() if self._bindings_ready else None
        keys: list[FooterKey] = []
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                keys.append(widget)
            yield widget
        ok = entries is not None and len(keys) == len(entries)
        self._composed, self._shown, self._keys = (entries, entries, keys) if ok else (None, None, [])

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._show_in_place():
            self.call_after_refresh(self._bindings_changed)

    async def _bindings_changed(self) -> None:
        if self.is_attached and not self._show_in_place():
            await self.recompose()

    def _show_in_place(self) -> bool:
        """Show the keys to show now without composing (at once: drawn in the frame the focus change is drawn
        in, not one of their own); False when they must be composed."""
        if self._composed is None or any(not key.is_attached for key in self._keys):
            return False
        entries = self.shown_keys()
        if entries is None:
            return False
        if entries == self._shown:
            return True  # the same keys (a focus change within the view, the second of its two refreshes)
        show = _positions(entries, self._composed)
        if show is None:
            return False
        for position, key in enumerate(self._keys):
            key.display = position in show
        self._shown = entries
        return True


def _positions(entries: tuple[Entry, ...], composed: tuple[Entry, ...] | None) -> set[int] | None:
    """Where ``entries`` stand among ``composed``, in order; None when they are not some of them in that order."""
    if composed is None:
        return None
    found: set[int] = set()
    at = 0
    for entry in entries:
        while at < len(composed) and composed[at] != entry:
            at += 1
        if at == len(composed):
            return None
        found.add(at)
        at += 1
    return found
