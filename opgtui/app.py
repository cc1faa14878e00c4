"""The Textual application: views as modes, global keys, the refresh loop and the app-wide state."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from opgtui.config import Config
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import zone
from opgtui.ops import viewdata
from opgtui.ops.viewdata import ChromeRead, ViewData

if TYPE_CHECKING:  # the store and the dump session are opened by the caller: start-up imports neither
    from opgtui.ops.dumpview import DumpSession
    from opgtui.ops.logtarget import LogTarget
    from opgtui.store import Store

#: Seconds the copy of a big dump into the scratch store waits for the dump's job lines: until they are in, a filter
#: word waits for them, and the copy would share the cores with the workers making them (issue 18).
LINES_BEFORE_COPY = 60.0

VIEWS: dict[str, tuple[str, str]] = {
    # mode: (key, title)
    "status": ("1", "Status"),
    "jobs": ("2", "Jobs"),
    "log": ("3", "Log"),
    "requests": ("4", "Requests"),
    "stats": ("5", "Stats"),
}
ALIASES = {
    "st": "status",
    "svc": "status",
    "services": "status",
    "j": "jobs",
    "job": "jobs",
    "logs": "log",
    "l": "log",
    "req": "requests",
    "request": "requests",
    "r": "requests",
    "s": "status",
    "statistics": "stats",
    "record": "stats",
}


def _modal() -> type:
    from textual.screen import ModalScreen

    return ModalScreen


def _status() -> Screen[Any]:
    from opgtui.screens.status import StatusScreen

    return StatusScreen()


def _jobs() -> Screen[Any]:
    from opgtui.screens.jobs import JobsScreen

    return JobsScreen()


def _log() -> Screen[Any]:
    from opgtui.screens.log import LogScreen

    return LogScreen()


def _stats() -> Screen[Any]:
    from opgtui.screens.stats import StatsScreen

    return StatsScreen()


def _requests() -> Screen[Any]:
    from opgtui.screens.requests import RequestsScreen

    return RequestsScreen()


class OpgApp(App[None]):
    """The opgtui dashboard."""

    TITLE = "opgtui"
    CSS_PATH = "app.tcss"
    MODES = {"status": _status, "jobs": _jobs, "log": _log, "requests": _requests, "stats": _stats}
    BINDINGS = [
        # the footer keeps room for the view's own keys: these are in the header's hint, ? help and the palette
        *(
            Binding(key, f"view('{mode}')", title, show=False, id=f"view.{mode}")
            for mode, (key, title) in VIEWS.items()
        ),
        # priority: taken as the key arrives, so what is typed right after it is held for the prompt
        Binding("colon", "command_line", "Command line", show=False, priority=True, id="app.command"),
        Binding("question_mark", "help", "Help", show=False, id="app.help"),
        Binding("escape", "back", "Back", show=False, id="app.back"),
        Binding("q", "quit", "Quit", show=False, id="app.quit"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="app.refresh"),
        Binding("A", "toggle_announcements", "Announcements: all / one line", show=False, id="app.announcements"),
    ]

    def __init__(
        self,
        cfg: Config,
        store: Store,
        *,
        demo: bool = False,
        refresh_loop: bool = True,
        dump: list[str] | DumpSession | None = None,
        demo_rest: Callable[[Any], None] | None = None,
    ) -> None:
        super().__init__()
        self.cfg = cfg
        self.store = store
        self.demo = demo
        self.dump: DumpSession | None = None  # when opened on dump files, not a pool
        self.dump_notes: list[str] = []  # what the shifter was told about the dump since (a file changed on disk)
        if isinstance(dump, list):  # the paths (a DumpSession: started by the caller already)
            from opgtui.ops.dumpview import DumpSession

            dump = DumpSession(list(dump)).start() if dump else None  # its workers read while the dashboard starts
        if dump is not None:
            self.dump = dump
            self.dump.tell = lambda path: self.post_message(self.DumpChanged(path))  # from any thread
        self.tz: tzinfo | None = zone(cfg.timezone)
        # The views' data (records, announcements, freshness): the App keeps to screens, modes and messages.
        self.data = ViewData(cfg, self.dump, self.tz, demo=demo)
        self.problems: list[str] = []
        self.mode_history: list[str] = []
        self.log_target: LogTarget | None = None  # what the Log view shows: set by the Jobs view and a job's detail
        self.announcements_expanded = False  # A: every announcement, not just the newest on one line
        self.chrome_reads = 0  # reads started: only the newest one's answer is shown
        # keys typed after ':' or '/' while the box they are for is put up (screens/base.py, screens/command.py)
        self.typeahead: list[events.Key] | None = None
        self._refresh_loop = refresh_loop and not demo
        self.listener: Any = None  # opgtui.team.live.Listener on a PostgreSQL store
        # The demo's jobs, verdicts and record, built after the first frame (opgtui.demo.build.build_demo_board);
        # until they are in the store, only the Status view opens: any other waits for them (never "0 jobs").
        self.demo_rest = demo_rest
        self.demo_loading = demo_rest is not None
        self._after_load: Callable[[], None] | None = None
        self._demo_thread: Any = None
        if cfg.keys:
            self.set_keymap(cfg.keys)

    # ------------------------------------------------------------------ state the views read

    class DumpChanged(Message):
        """A dump changed on disk since it was listed (found by whichever thread read it)."""

        def __init__(self, path: str) -> None:
            super().__init__()
            self.path = path

    def on_opg_app_dump_changed(self, message: DumpChanged) -> None:
        """Tell the shifter, once per file: its rows not read yet show '(changed)', never blanks as if data."""
        from opgtui.screens.base import BaseScreen

        line = (
            f"{Path(message.path).name} changed on disk since it was listed: fields not read before show "
            "'(changed)'; open it again to see it as it is now"
        )
        self.dump_notes.append(line)
        self.problems = [*self.problems, line]
        if isinstance(self.screen, BaseScreen):
            self.screen.refresh_chrome()
        self.notify(line, title="dump changed", severity="warning", markup=False, timeout=20)

    def dump_loaded(self, result: Any) -> None:
        """The dump is parsed and listed: say what could not be read, let the view in front read it (``:failures``
        typed meanwhile said it was loading the dump), copy it into the store meanwhile."""
        self.problems = [*result.errors[:3]] + ([f"+{len(result.errors) - 3} more"] if len(result.errors) > 3 else [])
        self.problems += self.dump_notes
        from opgtui.screens.base import BaseScreen
        from opgtui.screens.jobs import JobsScreen

        screen = self.screen
        if isinstance(screen, BaseScreen):
            screen.refresh_chrome()
            if not isinstance(screen, JobsScreen):  # the Jobs view has just listed it; a view below reads on resume
                screen.reload()
        if result.errors:
            self.notify(
                "\n".join(result.errors[:5]),
                title="could not read all of the dump",
                severity="warning",
                markup=False,
                timeout=15,
            )
        self.copy_dump()

    @work(thread=True, exclusive=True, group="dump-import")
    def copy_dump(self) -> None:
        from opgtui.ops.dumpview import copy_in_process

        assert self.dump is not None and self.dump.result is not None
        lines = self.dump.result.job_lines()  # a big dump's job lines come first: a filter word may wait for them
        if lines is not None:
            with contextlib.suppress(Exception):  # none come, or late: the copy goes on
                lines.result(timeout=LINES_BEFORE_COPY)
        try:
            copy_in_process(self.store.path, self.dump.paths)  # another process: the GIL stays with the table
        except OSError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.dump.imported = True
        self.call_from_thread(
            self.notify,
            f"{len(self.dump.jobs):,} jobs from the dump ready for diagnosis (d), the log view and the failure summary",
            markup=False,
        )

    def read_chrome(self) -> None:
        """Read what the header and the announcements show in a worker on a store connection of its own, then
        redraw them on the UI thread; a newer read's answer wins over this one's, and one that fails keeps what was
        shown (the header says the store was not read, if nothing was)."""
        from textual.worker import get_current_worker

        path = self.store.path
        self.chrome_reads += 1
        generation = self.chrome_reads

        def work() -> None:
            from opgtui.store import StoreError, open_store

            worker = get_current_worker()
            try:
                with open_store(path, readonly=True) as store:
                    answer: ChromeRead | str = viewdata.read_chrome(store, time.time(), self.data.maintenance)
            except StoreError as exc:  # damaged, locked, unreachable: the views say why; the header keeps its text
                answer = one_line(str(exc), 200)
            if not worker.is_cancelled:
                with contextlib.suppress(RuntimeError):  # the dashboard closed meanwhile
                    self.call_from_thread(self._chrome_arrived, generation, answer)

        # Not exclusive: the generation drops a read a newer one overtook, and a cancelled worker would only be
        # marked so (a thread runs on), making anyone who waits for the workers see an error.
        self.run_worker(work, name="chrome", group="chrome", thread=True)

    def _chrome_arrived(self, generation: int, answer: ChromeRead | str) -> None:
        from opgtui.screens.base import BaseScreen

        if generation != self.chrome_reads or not self.is_running:  # a newer read is under way: its answer counts
            return
        if isinstance(answer, str):
            self.data.chrome_failed = answer
        else:
            self.data.chrome, self.data.chrome_failed = answer, None
        with contextlib.suppress(Exception):
            screen = self.screen
            if isinstance(screen, BaseScreen):
                screen.draw_chrome()
            else:
                from opgtui.widgets.header import show_header

                show_header(screen)

    def _screen_changed(self, screen: Screen[Any]) -> None:
        """A screen pushed over a view keeps the app's header (a view draws its own)."""
        from opgtui.screens.base import BaseScreen
        from opgtui.widgets.header import show_header

        if not isinstance(screen, BaseScreen):
            screen.call_after_refresh(show_header, screen)

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._screen_changed)
        if self.cfg.path is None and not self.demo:
            self.problems = ["no config: " + " ".join(self.cfg.what_to_configure())]
        self.switch_mode("jobs" if self.dump is not None else "status")
        if self.demo_rest is not None:  # after the first frame: the board is up before the jobs are built
            self.call_after_refresh(self.start_demo_rest)
        if self._refresh_loop:  # after the first frame: the shifter sees the board before any collection
            self.call_after_refresh(
                self.run_worker, self._refresh_forever(), name="refresh", group="refresh", exclusive=True
            )
        if getattr(self.store, "dialect", "sqlite") == "postgresql":  # a team store: re-read on anyone's write
            from opgtui.team.live import Listener

            self.listener = Listener(str(self.store.path), lambda _tables: self.call_from_thread(self.reload_views))
            self.listener.start()

    def on_unmount(self) -> None:
        if self.listener is not None:
            self.listener.stop()
        if self.dump is not None:
            self.dump.stop()

    async def _refresh_forever(self) -> None:
        """Collect (unless a collector service does it), then let the views re-read; the next round is
        scheduled only after this one finished (no overlap)."""
        import asyncio

        from opgtui.ops.collector import collect_once, collector_running

        first = True  # the views read the store when they mounted
        while True:
            team = getattr(self.store, "dialect", "sqlite") != "sqlite"  # a team store: its collector service collects
            collect = bool(self.cfg.feeds or self.cfg.pools) and not team
            collect = collect and not collector_running(Path(self.store.path))
            if collect:
                from opgtui.store import open_store

                writer = await asyncio.to_thread(open_store, self.store.path)
                try:
                    report = await collect_once(self.cfg, writer)
                finally:
                    writer.close()
                self.problems = report.problems
                self.data.last_refresh = report.finished
            if collect or not first:
                self.reload_views()
            first = False
            await asyncio.sleep(self.cfg.refresh)

    def reload_views(self) -> None:
        """Tell the visible view to re-read the store."""
        from textual.app import ScreenStackError

        from opgtui.screens.base import BaseScreen

        try:
            screen = self.screen
        except ScreenStackError:  # closing: a store listener or the demo's build reported after the last screen
            return
        if isinstance(screen, BaseScreen):
            screen.refresh_chrome()
            screen.reload()

    # ------------------------------------------------------------------ actions

    def start_demo_rest(self) -> None:
        """Build the rest of the demo in a thread of its own: not a Textual worker, whose executor a quit would
        wait for (q while the demo loads ends the dashboard at once; ``finish_demo`` waits when it should)."""
        import threading

        if self._demo_thread is None:
            self._demo_thread = threading.Thread(target=self.build_demo_rest, name="opgtui-demo-build", daemon=True)
            self._demo_thread.start()

    def finish_demo(self) -> None:
        """After the dashboard: wait for the rest of the demo (a kept demo directory gets all of it)."""
        if self.demo_rest is None or not self.demo_loading:
            return
        if self._demo_thread is None:
            self.start_demo_rest()
        assert self._demo_thread is not None
        self._demo_thread.join()

    def build_demo_rest(self) -> None:
        """The rest of the demo (~1 s), into the store through a connection of this thread; then every view."""
        from opgtui.store import open_store

        assert self.demo_rest is not None
        problem = ""
        try:
            store = open_store(self.store.path)
            try:
                self.demo_rest(store)
            finally:
                store.close()
        except Exception as exc:  # the temporary directory went with a quit, or a bug: say it, keep the board
            problem = f"demo: {type(exc).__name__}: {exc}"
        self.demo_loading = False
        with contextlib.suppress(RuntimeError):  # the dashboard was closed meanwhile
            self.call_from_thread(self._demo_loaded, problem)

    def _demo_loaded(self, problem: str = "") -> None:
        if problem:
            self.notify(problem, severity="error", markup=False)
        self.demo_loading = False
        self.reload_views()
        then, self._after_load = self._after_load, None
        if then is not None:
            then()

    def _wait_for_demo(self, then: Callable[[], None]) -> bool:
        """While the demo builds its jobs: remember ``then`` (done once they are in) and say so; else False."""
        if not self.demo_loading:
            return False
        self._after_load = then
        self.notify("The demo is loading its jobs: this opens in a moment.", timeout=3, markup=False)
        return True

    def action_view(self, mode: str) -> None:
        if mode not in self.MODES:
            self.notify(f"unknown view {mode!r}", severity="error", markup=False)
            return
        if mode != "status" and self._wait_for_demo(lambda: self.action_view(mode)):
            return
        if self.current_mode != mode:
            # one level: Esc returns to the view you came from, not back through every view visited
            self.mode_history = [self.current_mode] if self.current_mode else []
            self.switch_mode(mode)

    def action_back(self) -> None:
        """Esc: close a pushed screen, else return to the view you came from (once: one level back)."""
        if len(self.screen_stack) > 1:
            self.pop_screen()
        elif self.mode_history:
            self.switch_mode(self.mode_history.pop())

    def action_help(self) -> None:
        from opgtui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    def action_command_line(self) -> None:
        from opgtui.screens.command import CommandLine

        self.typeahead = []  # until the prompt takes them: ':jobs' typed in one go must not reach the view
        self.push_screen(CommandLine(), self.run_command_line)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """':' is a character in a text box (a filter like site:purdue), the command line elsewhere."""
        if action == "command_line":
            from textual.widgets import Input, TextArea

            return not isinstance(self.focused, Input | TextArea) and not isinstance(self.screen, _modal())
        return True

    async def on_event(self, event: events.Event) -> None:
        """A key as it arrives: held while a box it is typed for is put up; `/` opens its box at once."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            from opgtui.screens.base import BaseScreen

            if self.typeahead is not None:
                self.typeahead.append(event)
                return
            if isinstance(self.screen, BaseScreen) and await self.screen.open_text_box(event.key):
                return
        await super().on_event(event)

    def take_typeahead(self) -> list[events.Key]:
        """The keys held since ':' or '/', in order; keys are routed as usual from now on."""
        keys, self.typeahead = self.typeahead or [], None
        return keys

    def action_announce(self) -> None:
        """Post an announcement to everyone sharing this store."""
        from opgtui.screens.announce import AnnouncementForm

        self.push_screen(AnnouncementForm(), lambda changed: self.reload_views() if changed else None)

    def action_toggle_announcements(self) -> None:
        """A: the announcements on one line (the newest, and how many more) or all of them."""
        from opgtui.screens.base import BaseScreen

        self.announcements_expanded = not self.announcements_expanded
        if isinstance(self.screen, BaseScreen):
            self.screen.refresh_chrome()

    def action_announcements(self) -> None:
        from opgtui.screens.announce import AnnouncementsScreen

        self.push_screen(AnnouncementsScreen())

    def action_refresh(self) -> None:
        self.reload_views()

    def run_command_line(self, text: str | None) -> None:
        """k9s-style `:` commands: a view name (or alias), help, quit."""
        word = (text or "").strip().lower()
        if not word:
            return
        if word in ("q", "quit", "q!"):
            self.exit()
            return
        if word in ("actions", "action", "act", "signatures", "sigs", "learn", "failures", "fail", "summary") and (
            self._wait_for_demo(lambda: self.run_command_line(word))
        ):
            return
        if word in ("help", "h", "?"):
            self.action_help()
            return
        if word in ("announce", "announcements", "ann", "a"):
            self.action_announcements()
            return
        if word in ("actions", "action", "act"):
            from opgtui.screens.actions_log import ActionLogScreen

            self.push_screen(ActionLogScreen())
            return
        if word in ("signatures", "sigs", "learn"):
            from opgtui.screens.signatures import SignaturesScreen

            self.push_screen(SignaturesScreen())
            return
        if word in ("failures", "fail", "summary"):
            from opgtui.screens.failures import FailureSummaryScreen

            self.action_view("jobs")  # Enter on a cause opens its jobs there
            self.push_screen(FailureSummaryScreen())
            return
        mode = ALIASES.get(word, word)
        if mode in self.MODES:
            self.action_view(mode)
        else:
            views = ", ".join(VIEWS)
            self.notify(
                f"unknown command: {word} (try {views}, failures, actions, signatures, announce, help, quit)",
                severity="warning",
                markup=False,
            )

    def _screen_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The current view's own actions (retry, diagnose, group, ...), each named with its key."""
        from opgtui.screens.help import MOVING, key_name

        done: set[str] = set()
        for key, active in screen.active_bindings.items():
            b = active.binding
            if (
                active.node is self
                or not b.id
                or not b.description
                or b.id in done
                or b.id.rpartition(".")[2] in (*MOVING, "back", "clear")
            ):
                continue
            done.add(b.id)
            node = active.node
            yield SystemCommand(
                f"{getattr(screen, 'VIEW_NAME', '') or 'This view'}: {b.description}",
                f"key {key_name(key)}",
                lambda n=node, a=b.action: self.call_later(n.run_action, a),
            )

    def open_log(self, target: LogTarget) -> None:
        """Show a job's log in the Log view (called by the Jobs view and a job's detail)."""
        self.log_target = target
        if self.current_mode == "log":
            self.reload_views()
        else:
            self.action_view("log")  # the view re-reads when it comes to the front

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every view, command and action of the view below: the palette finds what the keys do. Only opgtui's
        own: Textual's Keys (? is the help), Theme, Maximize and Screenshot (an SVG written on the host the
        dashboard runs on) are left out."""
        yield SystemCommand("Quit", "Quit opgtui (q, :quit)", self.action_quit)
        for mode, (key, title) in VIEWS.items():
            yield SystemCommand(
                f"View: {title}", f"Switch to the {title} view (key {key})", lambda m=mode: self.action_view(m)
            )
        for word, title, help_ in (
            ("failures", "View: Failures", "Causes of the failed and held jobs (F, :failures)"),
            ("actions", "View: Actions", "What was done to jobs, by whom (:actions)"),
            ("signatures", "View: Signatures", "Unknown failures as templates; label one (:signatures)"),
        ):
            yield SystemCommand(title, help_, lambda w=word: self.run_command_line(w))
        yield from self._screen_commands(screen)
        yield SystemCommand("Help: keys", "Show the keys of this view (?)", self.action_help)
        yield SystemCommand("Refresh", "Re-read the store now (ctrl+r)", self.action_refresh)
        yield SystemCommand("Announce", "Post a message to the team (:announce, then n)", self.action_announce)
        yield SystemCommand("Announcements", "List, edit and expire messages (:announce)", self.action_announcements)
