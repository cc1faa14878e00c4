"""How a screen reads and writes the store: :func:`read_store` runs the read in an exclusive thread worker on a
store connection of its own (the UI thread never waits on SQLite or PostgreSQL) and hands the answer to the screen
on the UI thread. A store that cannot be read is one line (a notification, or the screen's own ``failed``), never a
traceback; an answer for a screen that has closed, or superseded by a newer read of the same group, is dropped.

:func:`write_store` is the same for a write (a save, an edit, an audit row): a worker on a connection of its own,
a store that cannot be written or a refusal (the exceptions named) one line; a write is never superseded (each
answer comes), and a second write of the same group while one is under way is not started (the first's answer
comes: a double Enter saves once). The dialog or form stays up until the answer, so nothing typed is lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast
from weakref import WeakSet

from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

if TYPE_CHECKING:
    from opgtui.app import OpgApp
    from opgtui.store import Store

T = TypeVar("T")

_answered: WeakSet[Worker[None]] = WeakSet()  # workers whose answer has reached the UI thread (done, not under way)


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
    return _in_worker(screen, read, show, group, failed, (), readonly, exclusive=True)


def write_store(
    screen: Screen[Any],
    write: Callable[[Store], T],
    done: Callable[[T], None],
    *,
    group: str,
    failed: Callable[[str], None] | None = None,
    refusals: tuple[type[Exception], ...] = (),
) -> Worker[None] | None:
    """Run ``write(store)`` off the UI thread, then ``done(answer)`` on it; ``failed(one line)`` (default: an error
    notification) when the store cannot be opened or written, or ``write`` raised one of ``refusals`` (not yours,
    changed meanwhile, a value that makes no sense). None, and nothing started, while a write of this ``group``
    on this screen is still under way."""
    if writing(screen, group):
        return None
    return _in_worker(screen, write, done, group, failed, refusals, False, exclusive=False)


def writing(screen: Screen[Any], group: str) -> bool:
    """A write of ``group`` started by ``screen`` is still under way (its answer has not come): a dialog or form
    stays up until it has, since a write cannot be called back."""
    return any(
        w.node is screen
        and w.group == group
        and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
        and w not in _answered  # its answer came: its thread is only returning
        for w in screen.app.workers
    )


def _in_worker(
    screen: Screen[Any],
    step: Callable[[Store], T],
    deliver: Callable[[T], None],
    group: str,
    failed: Callable[[str], None] | None,
    refusals: tuple[type[Exception], ...],
    readonly: bool,
    *,
    exclusive: bool,
) -> Worker[None]:
    app = cast("OpgApp", screen.app)
    path = app.store.path
    failed = failed or (lambda line: screen.notify(line, severity="error", markup=False))

    def work() -> None:
        from opgtui.core.textsafe import one_line
        from opgtui.store import StoreError, open_store

        try:
            with open_store(path, readonly=readonly) as store:
                answer = step(store)
        except StoreError as exc:  # damaged, locked, unreachable: one line, the dashboard stays up
            _deliver(screen, failed, str(exc))
            return
        except refusals as exc:  # refused (not yours, changed meanwhile, a bad value): one line, as said
            _deliver(screen, failed, one_line(str(exc), 300))
            return
        _deliver(screen, deliver, answer)

    return screen.run_worker(work, name=group, group=group, thread=True, exclusive=exclusive)


def _deliver(screen: Screen[Any], call: Callable[[T], None], value: T) -> None:
    """``call(value)`` on the UI thread, unless this read was superseded or its screen has closed meanwhile."""
    worker = get_current_worker()

    def on_ui() -> None:
        _answered.add(worker)
        if not worker.is_cancelled and screen.is_attached and screen.is_running:  # not closed, nor closing
            call(value)

    if not worker.is_cancelled:
        screen.app.call_from_thread(on_ui)
