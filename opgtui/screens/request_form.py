"""The request form: every ingredient of a production request, checked as you type.

Each field says what is wrong with it as soon as it is typed; the bottom line says what the experiment still
needs before the request can be submitted. Saving an edit of a request someone else changed meanwhile is
refused (nothing is overwritten) and ctrl+r puts your edits on top of their version for another look.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from opgtui.core.model import ProductionRequest
from opgtui.core.textsafe import one_line
from opgtui.domain import requests as rq
from opgtui.ops.request_ops import actor
from opgtui.screens.reads import read_store, write_store, writing
from opgtui.widgets.footer import SteadyFooter
from opgtui.widgets.safe_edit import SafeInput, SafeTextArea

if TYPE_CHECKING:
    from opgtui.app import OpgApp
    from opgtui.config import Roles
    from opgtui.store import Store

BLANK = Select.NULL


@dataclass(frozen=True)
class _Outcome:
    """What a save came to: the request as stored (None: nothing was), as it ends (submitted, or the stored one;
    None: not), and why it stopped short (changed meanwhile, refused, a value that makes no sense here)."""

    saved: ProductionRequest | None
    final: ProductionRequest | None
    problem: Exception | None = None


class RequestForm(Screen[int | None]):
    """New request (``existing`` None) or an edit of ``existing`` as read; dismisses with the saved id."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="request_form.save"),
        Binding("ctrl+r", "rebase", "Rebase on latest", id="request_form.rebase"),
        Binding("escape", "cancel", "Cancel", id="request_form.cancel"),
    ]
    DEFAULT_CSS = """
    RequestForm #form-title { height: 1; background: $panel; padding: 0 1; text-wrap: nowrap; }
    RequestForm #form { height: 1fr; padding: 0 1; }
    RequestForm .row { height: auto; }
    RequestForm .row Label { width: 22; padding-right: 1; }
    RequestForm .row Input, RequestForm .row Select { width: 1fr; }
    RequestForm .row TextArea { width: 1fr; height: 4; }
    RequestForm .field-error { color: $error; padding-left: 22; height: auto; display: none; }
    RequestForm .field-error.shown { display: block; }
    RequestForm .help { color: $text-muted; padding-left: 22; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    RequestForm #buttons { height: auto; margin-top: 1; align: right middle; }
    RequestForm #buttons Button { margin-left: 2; }
    RequestForm #form-status { height: auto; max-height: 3; padding: 0 1; background: $panel; }
    """

    def __init__(self, existing: ProductionRequest | None = None) -> None:
        super().__init__()
        self.base = existing  # the version the edit started from
        self.initial: dict[str, Any] = {}
        self.saved_id: int | None = None
        self.notice: Content | None = None  # above the field checks until the form changes or is saved
        self.notice_values: dict[str, str] = {}
        self.who: tuple[str, Roles] | None = None  # the shifter and their roles, once read (read_store)

    @property
    def opg(self) -> OpgApp:
        return cast("OpgApp", self.app)

    # ------------------------------------------------------------------ building

    def compose(self) -> ComposeResult:
        yield Static(id="form-title")
        with VerticalScroll(id="form"):
            yield from self._row(
                "title",
                "Title",
                SafeInput(placeholder="one line", id="f-title", compact=True),
                "what this production is, in one line",
            )
            experiments = [e.name for e in self.opg.cfg.experiments]
            if experiments:
                widget: Widget = Select(
                    [(Text(one_line(e, 60)), e) for e in experiments],
                    id="f-experiment",
                    compact=True,
                    prompt="choose the experiment",
                )
            else:
                widget = SafeInput(placeholder="e.g. nova", id="f-experiment", compact=True)
            yield from self._row("experiment", "Experiment", widget, "which experiment (its required fields apply)")
            for spec in rq.FIELDS:
                yield from self._row(
                    spec.name, spec.label + (f" ({spec.unit})" if spec.unit else ""), self._widget(spec), spec.help
                )
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Save", id="save", variant="primary", compact=True)
                if self.base is None or self.base.status == "draft":
                    yield Button("Save and submit", id="submit", variant="success", compact=True)
        yield Static(id="form-status")
        yield SteadyFooter()

    def _row(self, name: str, label: str, widget: Widget, help_text: str) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label(Text(label), id=f"l-{name}")
            yield widget
        yield Static(Text(help_text), classes="help")
        yield Static(id=f"e-{name}", classes="field-error")

    @staticmethod
    def _widget(spec: rq.FieldSpec) -> Widget:
        if spec.kind == "choice":
            return Select(
                list((Text(label), value) for value, label in spec.choices),
                id=f"f-{spec.name}",
                compact=True,
                prompt="(not set)",
            )
        if spec.kind == "longtext":
            return SafeTextArea(id=f"f-{spec.name}", compact=True, soft_wrap=True, tab_behavior="focus")
        placeholder = {"int": "a whole number", "float": "a number", "list": "a, b, c", "date": "YYYY-MM-DD"}
        return SafeInput(placeholder=placeholder.get(spec.kind, ""), id=f"f-{spec.name}", compact=True)

    def on_mount(self) -> None:
        if self.base is not None:
            self._fill(rq.snapshot(self.base))
            for name in ("title", "experiment", *rq.FIELD_NAMES):  # until we know which fields are yours to edit
                self.query_one(f"#f-{name}").disabled = True
        self.initial = self.values()
        self._title()
        self.validate()
        self._focus_first()
        cfg = self.opg.cfg
        read_store(self, lambda store: actor(store, cfg), self.known, group="form-actor", failed=self.unknown)

    def known(self, who: tuple[str, Roles]) -> None:
        """Who the shifter is has been read: the fields they may edit open, and the title names them."""
        self.who = who
        if self.base is not None:
            allowed = set(rq.editable_fields(self.base, *who))
            for name in ("title", "experiment", *rq.FIELD_NAMES):
                self.query_one(f"#f-{name}").disabled = name not in allowed
            self._focus_first()
        self._title()

    def unknown(self, line: str) -> None:
        """The store cannot say who the shifter is: one line; an edit's fields stay closed."""
        self._say(f"Cannot read who you are: {line}")

    def _focus_first(self) -> None:
        first = next((w for w in self.query("#form Input, #form Select, #form TextArea") if not w.disabled), None)
        if first is not None:
            first.focus()

    def _title(self) -> None:
        b = self.base
        who = one_line(self.who[0], 30) if self.who else "reading who you are ..."
        text = (
            f"Edit request {b.id} (version {b.version}, {b.status}, by {one_line(b.requester, 20)})"
            if b
            else f"New production request (requester: {who})"
        )
        self.query_one("#form-title", Static).update(Text(text, "bold"))

    # ------------------------------------------------------------------ values

    def _fill(self, values: dict[str, Any]) -> None:
        for name in ("title", "experiment", *rq.FIELD_NAMES):
            widget = self.query_one(f"#f-{name}")
            value = values.get(name)
            if isinstance(widget, Select):
                spec = rq.FIELD_BY_NAME.get(name)
                legal = {v for v, _ in spec.choices} if spec else {e.name for e in self.opg.cfg.experiments}
                widget.value = str(value) if value is not None and str(value) in legal else BLANK
            elif isinstance(widget, TextArea):
                widget.text = rq.format_value(None, value)
            elif isinstance(widget, Input):
                widget.value = rq.format_value(None, value)

    def values(self) -> dict[str, str]:
        """Every field's text as typed (a blank select is '')."""
        out: dict[str, str] = {}
        for name in ("title", "experiment", *rq.FIELD_NAMES):
            widget = self.query_one(f"#f-{name}")
            if isinstance(widget, Select):
                out[name] = "" if widget.value is BLANK else str(widget.value)
            elif isinstance(widget, TextArea):
                out[name] = widget.text
            elif isinstance(widget, Input):
                out[name] = widget.value
        return out

    def parsed(self) -> tuple[ProductionRequest, dict[str, str]]:
        """The request as the form has it now, and the problems by field name."""
        values = self.values()
        fields, errors = rq.parse_form(values)
        cfg = self.opg.cfg
        base = self.base or ProductionRequest("", "", self.who[0] if self.who else "")
        cleared = {n: None for n in rq.FIELD_NAMES if n not in fields}
        req = rq.with_changes(
            base,
            title=" ".join(values["title"].split()),
            experiment=values["experiment"].strip(),
            fields={**cleared, **fields},
        )
        errors.update({k: v for k, v in rq.problems(req, cfg).items() if k not in errors})
        return req, errors

    # ------------------------------------------------------------------ checking as you type

    def on_input_changed(self, _event: Input.Changed) -> None:
        self.validate()

    def on_select_changed(self, _event: Select.Changed) -> None:
        self.validate()

    def on_text_area_changed(self, _event: TextArea.Changed) -> None:
        self.validate()

    def validate(self) -> list[str]:
        """Mark bad fields and required ones; say what is missing for submit. Returns the missing names."""
        if not self.is_mounted:
            return []
        req, errors = self.parsed()
        if self.notice is not None and self.values() != self.notice_values:
            self.notice = None
        required = set(rq.required_fields(self.opg.cfg, req.experiment))
        for name in ("title", "experiment", *rq.FIELD_NAMES):
            label = self.query_one(f"#l-{name}", Label)
            spec = rq.FIELD_BY_NAME.get(name)
            text = rq.LABELS[name] + (f" ({spec.unit})" if spec and spec.unit else "")
            label.update(Content.assemble(text, (" *", "bold $text-error") if name in required else ""))
            err = self.query_one(f"#e-{name}", Static)
            err.update(Text(errors.get(name, "")))
            err.set_class(name in errors, "shown")
        gap = rq.missing(req, self.opg.cfg)
        if errors:
            line = Content.styled(
                f"Fix {len(errors)} field{'s' if len(errors) > 1 else ''}: "
                + ", ".join(rq.LABELS.get(n, n) for n in errors),
                "bold $text-error",
            )
        elif gap:
            line = Content.styled(rq.missing_sentence(gap) + " (a draft can be saved without them)", "$text-warning")
        else:
            line = Content.styled("Complete: ready to submit.", "$text-success")
        self.query_one("#form-status", Static).update(Content("\n").join([self.notice, line]) if self.notice else line)
        return gap

    # ------------------------------------------------------------------ saving

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.action_cancel()
        else:
            self.save(submit=event.button.id == "submit")

    def action_save(self) -> None:
        self.save()

    def _say(self, message: str, style: str = "bold $text-error") -> None:
        """A notice above the form (a Content style: the theme's colours), kept until the values change."""
        self.notice, self.notice_values = Content.styled(message, style), self.values()
        self.validate()

    def save(self, *, submit: bool = False) -> None:
        """Save (and submit) off the UI thread (write_store); the form stays up with what was typed until the
        answer: saved, refused, changed meanwhile, or a store that cannot be written (one line above the form). A
        second ctrl+s while it saves starts nothing."""
        from opgtui.ops.request_ops import create, edit, transition
        from opgtui.store import RequestConflict, StoreError

        self.notice = None
        req, errors = self.parsed()
        if errors:
            name = next(iter(errors))
            self._say(f"Not saved: {rq.LABELS.get(name, name)}: {errors[name]}")
            self.query_one(f"#f-{name}").focus()
            return
        if not req.title or not req.experiment:
            self._say("Not saved: a request needs a title and an experiment.")
            return
        cfg, base, typed = self.opg.cfg, self.base, self.values()
        changed = {n for n, v in typed.items() if v != self.initial.get(n)}  # a value shown cleaned is no edit

        def write(store: Store) -> _Outcome:
            who = actor(store, cfg)[0]
            saved = None
            try:
                if base is None or base.id is None:
                    saved = create(store, cfg, who, req.experiment, req.title, req.fields)
                else:  # only what was changed here
                    saved = edit(
                        store,
                        cfg,
                        base,
                        who,
                        title=req.title if "title" in changed else None,
                        experiment=req.experiment if "experiment" in changed else None,
                        fields={n: req.fields.get(n) for n in rq.FIELD_NAMES if n in changed},
                    )
                return _Outcome(saved, transition(store, cfg, saved, "submit", who) if submit else saved)
            except (RequestConflict, rq.Refused, ValueError) as exc:  # a refusal is in the audit trail already
                return _Outcome(saved, None, exc)
            except StoreError as exc:
                if saved is None:
                    raise  # nothing stored: write_store says why in one line
                # stored, then the store failed (the submit step): the form must know the draft, or the next
                # save would store a second request
                return _Outcome(saved, None, exc)

        started = write_store(
            self,
            write,
            lambda outcome: self.saved(outcome, typed, submit),
            group="form-save",
            failed=lambda line: self._say(f"Not saved: {line}"),
        )
        if started is not None:
            self._say("Saving ...", "bold $text-warning")

    def saved(self, outcome: _Outcome, typed: dict[str, str], submit: bool) -> None:
        """The save's answer: the form closes on the saved request, else says why and keeps what was typed."""
        from opgtui.store import RequestConflict

        if outcome.saved is not None:  # stored (a refused submit leaves it a draft): the form edits that version
            self.base, self.saved_id = outcome.saved, outcome.saved.id
            self.initial = typed
        problem, final = outcome.problem, outcome.final
        if isinstance(problem, RequestConflict):
            self._say(f"Not saved: {problem}. Your edits are still here: ctrl+r puts them on top of the new version.")
        elif isinstance(problem, rq.Refused):
            draft = submit and outcome.saved is not None
            self._say(f"Refused: {problem}" + (" (the request was saved as a draft)" if draft else ""))
            self._title()
        elif problem is not None and outcome.saved is not None:  # stored, then the store failed (the submit)
            self._say(f"Not submitted: {one_line(str(problem), 300)} (the request was saved as a draft)")
        elif problem is not None or final is None:
            self._say(f"Not saved: {problem}")
        else:
            self.opg.notify(f"Request {final.id} saved ({final.status}, version {final.version})", markup=False)
            self.dismiss(final.id)

    def action_rebase(self) -> None:
        """Put my edits on top of the latest stored version (after a refused save), read off the UI thread
        (read_store): the form says it is reading until that version arrives."""
        if self.base is None or self.base.id is None:
            return
        rid = self.base.id
        self._say(f"Reading the latest version of request {rid} ...", "bold $text-warning")
        read_store(
            self, lambda store: store.request(rid), lambda theirs: self.rebased(rid, theirs), group="form-rebase"
        )

    def rebased(self, rid: int, theirs: ProductionRequest | None) -> None:
        """The latest version arrived: my edits as they are now go on top of it."""
        if self.base is None or self.base.id != rid:  # saved as another request meanwhile: not this one's answer
            return
        if theirs is None:
            self._say(f"Request {rid} no longer exists.")
            return
        mine, _errors = self.parsed()
        merged, clashes = rq.rebase(rq.snapshot(self.base), rq.snapshot(mine), rq.snapshot(theirs))
        self.base = theirs
        self._fill(merged)
        self._title()
        self.validate()
        both = ", ".join(rq.LABELS.get(n, n) for n in clashes)
        self._say(
            f"Your edits are now on version {theirs.version}."
            + (f" You both changed {both}: yours are kept, check them." if clashes else "")
            + " Review, then ctrl+s to save.",
            "bold $text-warning",
        )

    def action_cancel(self) -> None:
        if writing(self, "form-save"):  # a write cannot be called back: the form closes on its answer
            self._say("Being saved: it cannot be cancelled now.", "bold $text-warning")
            return
        if self.values() == self.initial:
            self.dismiss(self.saved_id)
            return
        from opgtui.screens.confirm import ConfirmScreen

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(self.saved_id)

        self.app.push_screen(ConfirmScreen(Text("Discard your changes to this request?", "bold")), answer)
