"""Log view: a job's log tail with known errors marked, and the verdict above it."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Static

from opgtui.core.model import Verdict
from opgtui.core.textsafe import one_line
from opgtui.screens.base import BaseScreen
from opgtui.screens.reads import read_store
from opgtui.widgets.log_view import LogView
from opgtui.widgets.safe_edit import SafeInput

if TYPE_CHECKING:
    from opgtui.ops.logfollow import Followed
    from opgtui.ops.logtarget import LogResult, LogTarget
    from opgtui.store import Store

TAIL_SIZES = (50, 200, 1000, 0)  # 0 = all (bounded by the reader)
CATEGORY_STYLE = {  # badges on the theme's colours (Content styles: a theme restyles them)
    "service": "bold $text on $primary",
    "code": "bold $text on $error",
    "resource": "bold $text on $warning",
    "unknown": "bold $text on $panel",
}


def _tail_of(path: str, limit: int) -> str:
    """A long path or URL cut at the front (its file name is what tells logs apart)."""
    path = one_line(path, 400)
    return path if len(path) <= limit else "…" + path[-(limit - 1) :]


def verdict_text(
    verdict: Verdict | None,
    source: str,
    shown: int,
    wanted: int,
    stream: str = "stdout",
    width: int = 80,
    capped: int = 0,
    error: str | None = None,
) -> Content:
    """The panel above the log, three lines at most: the verdict, its reason, which stream and how much (or
    why the stream could not be read, from its start)."""
    parts: list[str | tuple[str, str]] = []
    if verdict is not None:
        parts.append((f" {one_line(verdict.category, 12).upper()} ", CATEGORY_STYLE.get(verdict.category, "bold")))
        parts.append((f"  {one_line(verdict.action, 60)}", "bold"))
        if verdict.confidence and verdict.confidence != "none":
            parts.append((f"  ({one_line(verdict.confidence, 20)})", "italic"))
        if verdict.signature:
            parts.append((f"  [{one_line(verdict.signature, 50)}]", "dim"))
        reason = verdict.reason or verdict.title
        if reason:
            parts.append(("\n" + one_line(reason, 300), "italic"))
        parts.append("\n")
    size = "all" if not wanted else f"last {wanted}"
    tail = (
        f" · {size} lines ({shown} shown)"
        if not capped
        else f" · {size} lines: capped, the last {capped / 2**20:.0f} MiB only ({shown:,} shown)"
    )
    parts.append((f"{stream} · ", "bold"))
    if error:
        parts.append(("not read: " + one_line(error, 400), "$text-warning"))
        return Content.assemble(*parts)
    parts.append((_tail_of(source, max(20, width - len(stream) - len(tail) - 6)) + tail, "dim"))
    return Content.assemble(*parts)


class LogScreen(BaseScreen):
    """The tail of the selected job's stdout or stderr."""

    VIEW_NAME = "Log"
    BINDINGS = [
        Binding("right_square_bracket", "more", "More lines", id="log.more"),
        Binding("left_square_bracket", "fewer", "Fewer lines", show=False, id="log.fewer"),
        Binding("e", "stream", "Stream", id="log.stream"),  # stdout -> stderr -> event log
        Binding("slash", "search", "Search", id="log.search"),
    ]
    DEFAULT_CSS = """
    LogScreen #log-search { height: 1; border: none; padding: 0 1; display: none; }
    LogScreen #log-search.visible { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.size_index = 0
        self.stream = "stdout"
        self.shown_target: LogTarget | None = None
        self.follow_source: str | None = None
        self.follow_offset = 0
        self.following = False  # a follow read is under way

    def on_mount(self) -> None:
        self.set_interval(2.0, self.poll_follow)

    def poll_follow(self) -> None:
        """In follow mode (`s`), append what a running job wrote to its local log since the last read: read off
        the UI thread by the ``ops.logfollow`` use-case."""
        from opgtui.ops.logfollow import can_follow

        source, offset = self.follow_source, self.follow_offset
        if self.query_one(LogView).follow and source and can_follow(source) and not self.following:
            self.following = True  # one read at a time: a slow file system never piles reads up
            self.read_on(source, offset)

    @work(group="log-follow", thread=True)
    def read_on(self, source: str, offset: int) -> None:
        from opgtui.ops.logfollow import follow

        found = follow(source, offset)
        with suppress(RuntimeError):  # the dashboard closed meanwhile
            self.app.call_from_thread(self.followed, source, offset, found)

    def followed(self, source: str, offset: int, found: Followed) -> None:
        """A follow read's answer, unless another log (or stream) is shown since."""
        self.following = False
        if (source, offset) != (self.follow_source, self.follow_offset):
            return
        self.follow_offset = found.offset
        if found.error:
            self.notify(found.error, severity="warning", markup=False)
        elif found.lines:
            self.query_one(LogView).append_lines(found.lines)

    def compose_body(self) -> ComposeResult:
        yield Static(id="verdict")
        yield LogView(id="log-view")
        yield Static(id="hint", classes="hint")
        yield SafeInput(
            placeholder="search: text (case-insensitive), or :N for line N; Enter goes, Esc cancels", id="log-search"
        )

    def reload(self) -> None:
        target = self.opg.log_target
        hint = self.query_one("#hint", Static)
        hint.display = target is None
        self.query_one("#verdict", Static).display = target is not None
        if target is None:
            hint.update(Text("No log selected: pick a job in Jobs (2) and press l."))
            return
        if target != self.shown_target:
            self.size_index, self.stream = 0, "stdout"
            self.shown_target = target
        self.load()

    def load(self) -> None:
        """Find the job's log, read its tail, scan it and show the verdict (read_store: off the UI thread)."""
        from opgtui.ops.logtarget import LogTarget, resolve_and_diagnose

        cfg, path, stream = self.opg.cfg, self.opg.store.path, self.stream
        target, wanted = self.shown_target or LogTarget(), TAIL_SIZES[self.size_index]

        def read(store: Store) -> tuple[LogResult, Verdict | None]:
            result = resolve_and_diagnose(cfg, path, target, stream, wanted)
            job_id = target.job_id  # the panel says what the store has (from its stdout) whichever stream
            return result, store.verdicts_for([job_id]).get(job_id) if job_id else None

        read_store(self, read, lambda found: self.show(*found, stream, wanted), group="log-load")

    def show(self, result: LogResult, stored: Verdict | None, stream: str, wanted: int) -> None:
        """The tail with its marks and the verdict panel; the stream's own findings mark its lines."""
        view = self.query_one(LogView)
        view.set_lines(result.lines, result.marks)
        self.follow_source, self.follow_offset = (result.source or None), result.offset
        self.query_one("#verdict", Static).update(
            verdict_text(
                stored or result.verdict,
                result.source,
                len(result.lines),
                wanted,
                stream,
                self.size.width or 80,
                result.capped,
                result.error,
            )
        )
        if result.error:  # a server's reason phrase or a path from an ad: cleaned before the terminal
            self.notify(
                one_line(result.error, 400), title=f"{stream} not read", severity="error", markup=False, timeout=10
            )

    def action_more(self) -> None:
        if self.size_index < len(TAIL_SIZES) - 1:
            self.size_index += 1
            self.load()

    def action_fewer(self) -> None:
        if self.size_index > 0:
            self.size_index -= 1
            self.load()

    def action_stream(self) -> None:
        """stdout -> stderr -> the job's event (user) log -> stdout."""
        order = ("stdout", "stderr", "userlog")
        self.stream = order[(order.index(self.stream) + 1) % len(order)]
        self.load()

    def action_search(self) -> None:
        """/: the search line (text, or :N for a line number)."""
        box = self.query_one("#log-search", Input)
        box.add_class("visible")
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "log-search":
            view = self.query_one(LogView)
            self.notify(view.search(event.value), markup=False, timeout=3)
            self._close_search()

    def on_key(self, event: Any) -> None:
        box = self.query_one("#log-search", Input)
        if event.key == "escape" and box.has_focus:  # Esc leaves the search line, not the view
            event.stop()
            event.prevent_default()
            self._close_search()

    def _close_search(self) -> None:
        box = self.query_one("#log-search", Input)
        box.remove_class("visible")
        box.value = ""
        self.query_one(LogView).focus()
