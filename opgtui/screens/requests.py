"""Requests view: production requests with status and priority, open and urgent first; filters, the form
(n new, e edit) and the detail page (Enter) with the workflow and the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from opgtui.core.model import ProductionRequest
from opgtui.core.textsafe import one_line
from opgtui.domain import requests as rq
from opgtui.ops.request_ops import actor
from opgtui.screens.base import BaseScreen
from opgtui.screens.reads import read_store
from opgtui.widgets.safe_edit import SafeInput
from opgtui.widgets.vim import Table

if TYPE_CHECKING:
    from opgtui.config import Roles

# Status filters cycled with s: (label, statuses or None for all).
STATUS_FILTERS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("open", rq.OPEN_STATES),
    ("awaiting approval", ("submitted",)),
    ("approved, not running yet", ("approved", "scheduled")),
    ("running", ("running",)),
    ("drafts", ("draft",)),
    ("closed", ("done", "rejected", "cancelled")),
    ("all", None),
)
STATUS_LOOKS = ("draft", "submitted", "approved", "rejected", "scheduled", "running", "done", "cancelled")
"""Statuses with a look of their own: component classes requests--<status> (the theme's colours)."""
FIXED = {"#": 3, "Status": 9, "Priority": 8, "Exp.": 5, "Requester": 9, "Deadline": 10}


def visible(
    reqs: list[ProductionRequest], statuses: tuple[str, ...] | None, text: str, mine: str | None
) -> list[ProductionRequest]:
    """The requests a filter shows, open and most urgent first."""
    return [
        r
        for r in sorted(reqs, key=rq.sort_key)
        if (statuses is None or r.status in statuses)
        and (not text or rq.matches(r, text))
        and (mine is None or r.requester == mine)
    ]


class RequestsScreen(BaseScreen):
    """The list of production requests in the store."""

    VIEW_NAME = "Requests"
    BINDINGS = [
        Binding("n", "new", "New", id="requests.new"),
        Binding("e", "edit", "Edit", id="requests.edit"),
        Binding("s", "cycle_status", "Status filter", id="requests.status"),
        Binding("m", "mine", "Mine", id="requests.mine"),
        Binding("slash", "filter", "Filter", id="requests.filter"),
        Binding("escape", "clear", "Back", show=False, id="requests.clear"),
    ]
    COMPONENT_CLASSES = {f"requests--{status}" for status in STATUS_LOOKS}
    DEFAULT_CSS = """
    RequestsScreen > .requests--draft, RequestsScreen > .requests--cancelled { text-style: dim; }
    RequestsScreen > .requests--submitted { color: $text-warning; }
    RequestsScreen > .requests--approved { color: $text-success; }
    RequestsScreen > .requests--rejected { color: $text-error; }
    RequestsScreen > .requests--scheduled { color: $text-primary; }
    RequestsScreen > .requests--running { color: $text-primary; text-style: bold; }
    RequestsScreen > .requests--done { color: $text-success; text-style: dim; }
    RequestsScreen #req-status { height: 1; background: $panel; color: $text-muted; text-wrap: nowrap;
                                 text-overflow: ellipsis; }
    RequestsScreen #req-filter { height: 1; border: none; padding: 0 1; display: none; }
    RequestsScreen #req-filter.visible { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.status_index = 0
        self.mine = False
        self.shown: list[ProductionRequest] = []
        self.loaded: tuple[list[ProductionRequest], tuple[str, Roles]] | None = None  # the last read: requests, actor

    def compose_body(self) -> ComposeResult:
        yield Static(id="req-status")
        yield Table(id="requests", cursor_type="row", zebra_stripes=True)
        yield Static(id="hint", classes="hint")
        yield SafeInput(
            placeholder="filter: words in title, experiment, requester, status, fields (Esc clears)", id="req-filter"
        )

    def on_mount(self) -> None:
        self.query_one("#requests", DataTable).focus()

    def _title_width(self) -> int:
        width = self.size.width or 80
        return max(12, width - sum(FIXED.values()) - 2 * (len(FIXED) + 1) - 1)

    def reload(self) -> None:
        """Read the requests and who is acting off the UI thread (read_store), then list them."""
        cfg = self.opg.cfg
        read_store(self, lambda store: (store.requests(), actor(store, cfg)), self._loaded, group="requests-load")

    def _loaded(self, found: tuple[list[ProductionRequest], tuple[str, Roles]]) -> None:
        self.loaded = found
        self.render_list()

    def render_list(self) -> None:
        """The list as the filters select it, from the last read."""
        if self.loaded is None:
            return
        reqs, (who, roles) = self.loaded
        table = self.query_one("#requests", DataTable)
        keep = self.shown[table.cursor_row].id if self.shown and 0 <= table.cursor_row < len(self.shown) else None
        table.clear(columns=True)
        title_w = self._title_width()
        for label in ("#", "Status", "Priority", "Exp.", "Title", "Requester", "Deadline"):
            table.add_column(label, width=title_w if label == "Title" else FIXED[label], key=label)
        label, statuses = STATUS_FILTERS[self.status_index]
        text = self.query_one("#req-filter", Input).value.strip()
        self.shown = visible(reqs, statuses, text, who if self.mine else None)
        looks = {status: self.get_component_rich_style(f"requests--{status}", partial=True) for status in STATUS_LOOKS}
        for r in self.shown:
            table.add_row(
                Text(str(r.id)),
                Text(one_line(r.status, 12), looks.get(r.status) or ""),
                Text(rq.priority_label(r.priority), "bold" if (r.priority or 0) >= 3 else ""),
                Text(one_line(r.experiment, FIXED["Exp."])),
                Text(one_line(r.title, title_w)),
                Text(one_line(r.requester, FIXED["Requester"])),
                Text(one_line(str(r.fields.get("deadline") or ""), 10)),
                key=str(r.id),
            )
        if keep is not None:
            row = next((i for i, r in enumerate(self.shown) if r.id == keep), 0)
            table.move_cursor(row=row)
        held = sorted(rq.roles_of(who, None, roles)) or ["requester"]
        waiting = sum(r.status == "submitted" for r in reqs)
        self.query_one("#req-status", Static).update(
            Text(
                f" {len(self.shown)} of {len(reqs)} · {label}"
                + (" · mine" if self.mine else "")
                + (f" · '{one_line(text, 20)}'" if text else "")
                + f" · {waiting} awaiting approval"
                + f" · you: {one_line(who, 12)} ({', '.join(held)})"
            )
        )
        hint = self.query_one("#hint", Static)
        hint.display = not self.shown
        hint.update(
            Text(
                "No production requests yet: n opens the request form (or `opgtui request new`)."
                if not reqs
                else "No request matches: s changes the status filter, / the text filter, m mine."
            )
        )

    def on_resize(self) -> None:
        if self.is_mounted:
            self.render_list()

    def selected(self) -> ProductionRequest | None:
        row = self.query_one("#requests", DataTable).cursor_row
        return self.shown[row] if self.shown and 0 <= row < len(self.shown) else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from opgtui.screens.request_detail import RequestDetailScreen

        if event.row_key.value:
            self.app.push_screen(RequestDetailScreen(int(event.row_key.value)))

    def _opened(self, saved_id: int | None) -> None:
        from opgtui.screens.request_detail import RequestDetailScreen

        self.reload()
        if saved_id is not None:
            self.app.push_screen(RequestDetailScreen(saved_id))

    def action_new(self) -> None:
        from opgtui.screens.request_form import RequestForm

        self.app.push_screen(RequestForm(), self._opened)

    def action_edit(self) -> None:
        from opgtui.screens.request_form import RequestForm

        r = self.selected()
        if r is None:
            return
        if self.loaded is None or not rq.editable_fields(r, *self.loaded[1]):
            from opgtui.screens.request_detail import RequestDetailScreen

            self.app.push_screen(RequestDetailScreen(r.id or 0))  # the detail says why, on e
            return
        self.app.push_screen(RequestForm(r), lambda _saved: self.reload())

    def action_cycle_status(self) -> None:
        self.status_index = (self.status_index + 1) % len(STATUS_FILTERS)
        self.render_list()

    def action_mine(self) -> None:
        self.mine = not self.mine
        self.render_list()

    def action_filter(self) -> None:
        box = self.query_one("#req-filter", Input)
        box.add_class("visible")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "req-filter":
            self.render_list()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "req-filter":
            self.query_one("#requests", DataTable).focus()
            if not event.value.strip():
                event.input.remove_class("visible")

    def action_clear(self) -> None:
        """Esc: close the filter, else go back to the previous view."""
        box = self.query_one("#req-filter", Input)
        if box.has_class("visible") or box.value:
            box.value = ""
            box.remove_class("visible")
            self.query_one("#requests", DataTable).focus()
        else:
            self.opg.action_back()
