"""How a screen reads the store: :func:`read_store` runs the read in an exclusive thread worker on a store
connection of its own (the UI thread never waits on SQLite or PostgreSQL) and hands the answer to the screen on
the UI thread. A store that cannot be read is one line (a notification, or the screen's own ``failed``), never a
traceback; an answer for a screen that has closed, or superseded by a newer read of the same group, is dropped."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.screen import Screen
from textual.worker import Worker, get_current_worker

if TYPE_CHECKING:
    from opgtui.app import OpgApp
    from opgtui.store import Store

T = TypeVar("T")


def read_store(
    screen: Screen[Any],
    read: Callable[[Store], T],
    show: Callable[[T], None],
    *,
    group: str,
    failed: Callable[[str], None] | None = None,
    readonly: bool = False,
) -> Worker[None]:
    """Run ``read(store)`` off the UI thread, then ``show(answer)`` on it; ``failed(one line)`` (default: an error
    notification) when the store cannot be opened or read. Another read of the same ``group`` cancels this one.
    ``readonly`` opens the store so (a read that must not create or migrate it)."""
    app = cast("OpgApp", screen.app)
    path = app.store.path
    failed = failed or (lambda line: screen.notify(line, severity="error", markup=False))

    def work() -> None:
        from opgtui.store import StoreError, open_store

        try:
            with open_store(path, readonly=readonly) as store:
                answer = read(store)
        except StoreError as exc:  # damaged, locked, unreachable: one line, the dashboard stays up
            _deliver(screen, failed, str(exc))
            return
        _deliver(screen, show, answer)

    return screen.run_worker(work, name=group, group=group, thread=True, exclusive=True)


def _deliver(screen: Screen[Any], call: Callable[[T], None], value: T) -> None:
    """``call(value)`` on the UI thread, unless this read was superseded or its screen has closed meanwhile."""
    worker = get_current_worker()

    def on_ui() -> None:
        if not worker.is_cancelled and screen.is_attached and screen.is_running:  # not closed, nor closing
            call(value)

    if not worker.is_cancelled:
        screen.app.call_from_thread(on_ui)
