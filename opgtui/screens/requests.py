"""Requests view: production requests and their status (the form and approvals come with their issue)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from opgtui.screens.base import BaseScreen
from opgtui.textsafe import one_line
from opgtui.timefmt import clock


class RequestsScreen(BaseScreen):
    """The list of production requests in the store."""

    VIEW_NAME = "Requests"

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="requests", cursor_type="row", zebra_stripes=True)
        yield Static(id="hint", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one("#requests", DataTable)
        for label in ("#", "Status", "Priority", "Experiment", "Title", "Requester", "Updated"):
            table.add_column(label)

    def reload(self) -> None:
        table = self.query_one("#requests", DataTable)
        table.clear()
        reqs = self.opg.store.requests()
        for r in reqs:
            table.add_row(Text(str(r.id)), Text(r.status), Text("" if r.priority is None else str(r.priority)),
                          Text(one_line(r.experiment, 16)), Text(one_line(r.title, 60)),
                          Text(one_line(r.requester, 16)), Text(clock(r.updated, self.opg.tz, with_date=True)))
        hint = self.query_one("#hint", Static)
        hint.display = not reqs
        hint.update(Text("No production requests yet. The request form and approval workflow are not built "
                         "yet; requests recorded in the store by `opgtui request` will show here."))
