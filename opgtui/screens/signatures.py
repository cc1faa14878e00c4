"""`:signatures`: the unknown failures grouped into log templates; Enter shows a template's jobs and lines, `v`
labels it (service / code / resource, title, action, service, a pattern checked as you type), `t` in the form
tests it on the store and the labelled corpus, and Enable stores and enables it, re-diagnosing the jobs it
matches. Mining and testing run in thread workers, each with its own store connection."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import clock
from opgtui.screens.base import BaseScreen
from opgtui.screens.reads import read_store
from opgtui.widgets.line_table import Cell, LineTable
from opgtui.widgets.safe_edit import SafeInput

if TYPE_CHECKING:
    from opgtui.app import OpgApp
    from opgtui.learn.library import Learned
    from opgtui.learn.suggest import Suggestion, Suggestions
    from opgtui.learn.unknown import UnknownJob
    from opgtui.store import Store

BAD, GOOD = "$text-error", "$text-success"  # theme colours (Content styles), never parsed from the text
VERDICTS = [("service (retry)", "service"), ("code (debug)", "code"), ("resource (resubmit bigger)", "resource")]
VERDICT_WORDS = tuple(word for _, word in VERDICTS)
CHOOSE = "choose the verdict first (service, code or resource): none is proposed for an unknown cause"
SHOWN_JOBS = 8
AUDIT_SHOWN = 4  # a learned signature's last audit rows in its detail


@dataclass(frozen=True)
class Standing:
    """The verdict most of the jobs being labelled have now (their cause's), and how many hold it confidently."""

    category: str
    action: str
    signature: str | None
    jobs: int  # jobs with this verdict
    confident: int  # of them, confident
    of: int  # jobs being labelled

    def line(self) -> str:
        """What the form says of it, one line: the shifter sees what a label would add to or contradict."""
        verdict, share = f"{self.category}, {self.action}", f"{self.jobs:,} of {self.of:,} jobs"
        if self.signature and self.confident:
            return (
                f"already classified as {self.signature} ({verdict}), confident for {self.confident:,} of "
                f"{self.of:,} jobs: a label adds a second signature for these lines"
            )
        if self.signature:
            return f"diagnosed as {self.signature} ({verdict}), probable, for {share}: proposed below"
        return f"diagnosed as {verdict} for {share} (no signature): proposed below"


def standing(jobs: Sequence[UnknownJob]) -> Standing | None:
    """The verdict most of ``jobs`` have; None when that is unknown (a label then proposes no verdict)."""
    counts = Counter((u.verdict.category, u.verdict.action, u.verdict.signature) for u in jobs)
    if not counts:
        return None
    (category, action, signature), n = counts.most_common(1)[0]
    if category not in VERDICT_WORDS:
        return None
    confident = sum(
        1
        for u in jobs
        if (u.verdict.category, u.verdict.action, u.verdict.signature) == (category, action, signature)
        and u.verdict.confidence == "confident"
    )
    return Standing(category, action, signature, n, confident, len(jobs))


@dataclass(frozen=True)
class LearnedRead:
    """One read of the team's learned signatures: the list, each one's verdict count, its last audit rows."""

    learned: list[Learned]
    counts: dict[str, int]
    audits: dict[str, list[dict[str, Any]]]


def read_learned(store: Store) -> LearnedRead:
    """The learned list, counts and audit trails in one read (run in a worker by read_store)."""
    from opgtui.learn.library import all_learned, audit, verdict_counts

    audits: dict[str, list[dict[str, Any]]] = {}
    for r in audit(store):  # oldest first
        audits.setdefault(r["signature"], []).append(r)
    return LearnedRead(all_learned(store), verdict_counts(store), {k: v[-AUDIT_SHOWN:] for k, v in audits.items()})


class SignaturesScreen(BaseScreen):
    """Templates of the unknown failures, most jobs first."""

    VIEW_NAME = "Signatures"
    DEFAULT_CSS = """
    SignaturesScreen #sig-templates { height: 1fr; }
    SignaturesScreen #sig-detail { height: auto; max-height: 50%; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="signatures.back"),
        Binding("enter", "open", "Jobs and lines", id="signatures.open"),
        Binding("v", "label", "Label", id="signatures.label"),
        Binding("L", "toggle_learned", "Learned", id="signatures.learned"),
        Binding("e", "enable", "Enable", id="signatures.enable"),
        Binding("x", "disable", "Disable", id="signatures.disable"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.result: Suggestions | None = None
        self.opened = False
        self.learned_mode = False  # L: the team's learned signatures instead of the templates
        self.learned: list[Learned] = []
        self.counts: dict[str, int] = {}
        self.audits: dict[str, list[dict[str, Any]]] = {}
        self.learned_read = False  # the learned list has arrived once: until then the view says it is reading

    def compose_body(self) -> ComposeResult:
        yield Static(Text("reading the unknown failures ...", "dim"), id="sig-status")
        yield LineTable(id="sig-templates")
        yield Static(id="sig-detail")

    def columns(self) -> None:
        """The columns, the template's line taking the width the others leave."""
        line = max(20, self.size.width - (6 + 9 + 16 + 11) - 2 * 5 - 2)
        self.query_one("#sig-templates", LineTable).set_columns(
            [("Jobs", 6, True), ("Template", 9), ("Line", line), ("Sites", 16), ("Last", 11)]
        )

    def template_cells(self, row: int) -> tuple[str, ...]:
        """One template's row, drawn when it scrolls into view (a kept template: parsed from its line then)."""
        from opgtui.learn.snapshot import row_of

        assert self.result is not None
        r = row_of(self.result.items, row)
        where = ", ".join(f"{name} {k}" for name, k in r.sites[:3])
        return (
            f"{r.jobs:,}",
            r.id,
            one_line(r.text, 300),
            one_line(where, 60),
            clock(r.last, self.opg.tz, with_date=True),
        )

    def reload(self) -> None:
        """The templates last mined (kept in the store), read in a worker after the view is drawn, then mine
        again in the background."""
        if self.learned_mode:
            self.show_learned()
        elif self.result is None:
            self.load_kept()
        else:
            self.set_timer(0.05, self.mine)

    def load_kept(self) -> None:
        """Read the kept templates off the UI thread (read_store: one split of the kept text) and show them."""
        from opgtui.learn.snapshot import load

        read_store(
            self,
            load,
            self.kept_arrived,
            group="signatures-kept",
            failed=lambda _line: self.kept_arrived(None),  # mining says what is wrong with the store
            readonly=True,
        )

    def kept_arrived(self, kept: tuple[Suggestions, float] | None) -> None:
        """The kept templates are shown unless mining already answered; then mine again."""
        if kept is not None and self.result is None:
            self.show(kept[0], mined_at=kept[1])
        self.set_timer(0.05, self.mine)  # paint the view first: mining holds the GIL while it runs

    def mine(self) -> None:
        """Gather the unknown failures (reading tails not yet kept) and group them, off the UI thread (read_store);
        a store that cannot be read is one line in the status, one that cannot keep the templates only loses that."""
        cfg = self.opg.cfg

        def read(store: Store) -> Suggestions:
            from opgtui.learn.snapshot import save
            from opgtui.learn.suggest import suggest
            from opgtui.learn.unknown import gather
            from opgtui.store import StoreError

            now = time.time()
            result = suggest(gather(cfg, store, now=now))
            with suppress(StoreError):  # a store this shifter may only read: listed now, mined again next time
                save(store, result, now)
            return result

        read_store(self, read, self.show, group="signatures-mine", failed=self.mining_failed)

    def mining_failed(self, line: str) -> None:
        """The store could not be read: why, in one line, where the count would be."""
        self.query_one("#sig-status", Static).update(Content.styled(one_line(line, 300), "bold $text-error"))

    def show(self, result: Suggestions, mined_at: float | None = None) -> None:
        self.result = result
        if self.learned_mode:
            return
        status = (
            f"{result.jobs:,} unknown failure{'s' * (result.jobs != 1)} in {len(result.items):,} "
            f"template{'s' * (len(result.items) != 1)}"
        )
        if mined_at is not None:
            status += f" (as of {clock(mined_at, self.opg.tz)}; reading again ...)"
        if result.no_line:
            status += f" · {len(result.no_line):,} with no log line"
        if result.failed:
            status += f" · {len(result.failed):,} could not be mined (left unknown)"
        self.query_one("#sig-status", Static).update(Text(status + " · Enter jobs · v label"))
        self.columns()
        self.query_one("#sig-templates", LineTable).set_rows(len(result.items), self.template_cells)
        self.show_detail()

    def current(self) -> Suggestion | None:
        row = self.query_one("#sig-templates", LineTable).cursor
        if self.learned_mode or self.result is None or not 0 <= row < len(self.result.items):
            return None
        return self.result.items[row]

    def on_line_table_highlighted(self, _event: LineTable.Highlighted) -> None:
        self.opened = False
        self.show_detail()

    def on_line_table_selected(self, _event: LineTable.Selected) -> None:  # Enter on the table
        self.action_open()

    def action_open(self) -> None:
        self.opened = not self.opened
        self.show_detail()

    def show_detail(self) -> None:
        from opgtui.learn.snapshot import row_of

        detail = self.query_one("#sig-detail", Static)
        if self.learned_mode:
            detail.update(self.learned_detail())
            return
        row = self.query_one("#sig-templates", LineTable).cursor
        if self.result is None or not 0 <= row < len(self.result.items):
            if self.result is not None:
                detail.update(Text("No unknown failures to group: every failed or held job has a verdict.", "dim"))
            return
        r = row_of(self.result.items, row)
        text = Text()
        text.append("e.g. ", "dim")
        text.append(one_line(r.example, 300))
        text.append("\npattern: ", "dim")
        text.append(one_line(r.pattern, 300) if r.pattern else "(too few fixed words: write one when labelling)")
        if self.opened and (s := self.current()) is not None:
            for u in s.jobs[:SHOWN_JOBS]:
                text.append(f"\n{one_line(u.job.id, 40)}  {one_line(u.job.site or '?', 16)}  ", "bold")
                text.append(one_line(u.line or "", 200))
            if len(s.jobs) > SHOWN_JOBS:
                text.append(f"\n... and {len(s.jobs) - SHOWN_JOBS:,} more jobs", "dim")
        detail.update(text)

    def action_label(self) -> None:
        s = self.current()
        if s is None:
            self.notify(
                "no template under the cursor" + (" (L: back to the templates)" if self.learned_mode else ""),
                markup=False,
            )
            return
        self.app.push_screen(LabelForm(s), self.labelled)

    def labelled(self, message: str | None) -> None:
        if message:
            self.notify(message, markup=False)
            self.opg.reload_views()
            self.mine()

    # ------------------------------------------------------------------ the team's learned signatures

    def action_toggle_learned(self) -> None:
        self.learned_mode = not self.learned_mode
        self.opened = False
        if self.learned_mode:
            self.show_learned()
        elif self.result is not None:
            self.show(self.result)
        else:
            self.reload()

    def show_learned(self) -> None:
        """Read the learned signatures, their job counts and audit trails off the UI thread (read_store); the
        list last read stays (or the view says it is reading) until the answer arrives."""
        if self.learned_read:
            self.draw_learned()
        else:
            self.query_one("#sig-status", Static).update(Text("reading the learned signatures ...", "dim"))
            self.query_one("#sig-templates", LineTable).set_rows(0, self.learned_cells)
            self.query_one("#sig-detail", Static).update("")
        read_store(self, read_learned, self.learned_arrived, group="signatures-learned", failed=self.learned_failed)

    def learned_arrived(self, found: LearnedRead) -> None:
        self.learned, self.counts, self.audits = found.learned, found.counts, found.audits
        self.learned_read = True
        if self.learned_mode:
            self.draw_learned()

    def learned_failed(self, line: str) -> None:
        """The store could not be read: why, in one line, where the count would be (the list last read stays)."""
        if self.learned_mode:
            self.mining_failed(line)

    def draw_learned(self) -> None:
        on = sum(1 for x in self.learned if x.enabled)
        self.query_one("#sig-status", Static).update(
            Text(f"{len(self.learned):,} learned signatures, {on:,} enabled · e enable · x disable · L templates")
        )
        table = self.query_one("#sig-templates", LineTable)
        title = max(16, self.size.width - (3 + 8 + 6 + 30 + 10) - 2 * 6 - 2)
        table.set_columns([("On", 3), ("Verdict", 8), ("Jobs", 6, True), ("Id", 30), ("Title", title), ("By", 10)])
        table.set_rows(len(self.learned), self.learned_cells)
        self.show_detail()

    def learned_cells(self, row: int) -> tuple[Cell, ...]:
        x = self.learned[row]
        return (
            ("on", "strong") if x.enabled else ("off", "weak"),
            x.category,
            f"{self.counts.get(x.id, 0):,}",
            one_line(x.id, 100),
            one_line(x.title, 200),
            one_line(x.updated_by, 40),
        )

    def current_learned(self) -> Learned | None:
        row = self.query_one("#sig-templates", LineTable).cursor
        if not self.learned_mode or not 0 <= row < len(self.learned):
            return None
        return self.learned[row]

    def learned_detail(self) -> Text:
        x = self.current_learned()
        if x is None:
            if not self.learned_read:
                return Text()
            return Text("No learned signatures yet: L back to the templates, v to label one.", "dim")
        text = Text()
        text.append("pattern: ", "dim")
        text.append(one_line(x.pattern, 300))
        text.append(
            f"\nv{x.version} by {one_line(x.updated_by, 20)} at {clock(x.updated, self.opg.tz, with_date=True)}"
            + (f": {one_line(x.why, 200)}" if x.why else ""),
            "dim",
        )
        t = x.tested
        if t:
            text.append(
                f"\nlast test: matches {t.get('matched', 0):,} stored jobs, {t.get('other_confident', 0):,} "
                f"confident of another verdict; corpus precision "
                + (
                    "n/a"
                    if (t.get("corpus") or {}).get("precision") is None
                    else f"{100 * t['corpus']['precision']:.0f}%"
                )
            )
        for r in self.audits.get(x.id, []):
            text.append(
                f"\n{clock(r['time'], self.opg.tz, with_date=True)}  {one_line(r['who'], 12)}  {r['action']}"
                + (f"  {one_line(r['why'], 120)}" if r["why"] else "")
            )
        return text

    def action_enable(self) -> None:
        self._switch(True)

    def action_disable(self) -> None:
        self._switch(False)

    def _switch(self, on: bool) -> None:
        x = self.current_learned()
        if x is None:
            self.notify("L lists the learned signatures; e and x enable and disable them there", markup=False)
            return
        self.notify(f"{'testing and enabling' if on else 'disabling'} {x.id} ...", markup=False)
        self.switch(x.id, on)

    def switch(self, sid: str, on: bool) -> None:
        """Enable (tested again first) or disable one learned signature and re-diagnose its jobs, off the UI
        thread (read_store: a store that cannot be read or written is one line, the view stays up)."""
        cfg = self.opg.cfg

        def act(store: Store) -> tuple[str, bool]:
            from opgtui.learn.vetting import default_corpus
            from opgtui.learn.workflow import disable, enable
            from opgtui.ops.logtarget import packs_for

            packs = packs_for(tuple(cfg.classifier_dirs))
            if on:
                _, tested, changed = enable(cfg, store, packs, sid, corpus=default_corpus())
            else:
                tested, changed = {}, disable(cfg, store, packs, sid)
            if changed is None:
                return f"{sid} refused: " + "; ".join(tested.get("refusals", [])), True
            moved = ", ".join(f"{k} {n}" for k, n in changed.items())
            verb = "enabled" if on else "disabled"
            return f"{verb} {sid}: {sum(changed.values()):,} verdicts changed" + (f" ({moved})" if moved else ""), False

        def failed(line: str) -> None:
            self.notify(
                one_line(f"{sid} not {'enabled' if on else 'disabled'}: {line}", 300), severity="error", markup=False
            )

        read_store(self, act, lambda answer: self.switched(*answer), group="signatures-switch", failed=failed)

    def switched(self, message: str, refused: bool) -> None:
        self.notify(message, severity="warning" if refused else "information", markup=False)
        self.opg.reload_views()
        self.show_learned()


class LabelForm(ModalScreen[str | None]):
    """Label one template: verdict, title, action, service and pattern; Test, then Enable."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="label.cancel"),
        Binding("ctrl+s", "enable", "Enable", id="label.enable"),
    ]
    DEFAULT_CSS = """
    LabelForm { align: center middle; }
    LabelForm > Vertical { width: 100%; max-width: 110; height: auto; max-height: 100%; border: round $accent;
                           background: $surface; padding: 0 1; }
    LabelForm .row { height: 1; }
    LabelForm .row Label { width: 9; }
    LabelForm .row Input, LabelForm .row Select { width: 1fr; }
    LabelForm #check, LabelForm #numbers { height: auto; }
    LabelForm #buttons { height: 1; align: right middle; }
    LabelForm #buttons Button { margin-left: 2; }
    """

    def __init__(self, suggestion: Suggestion, on_cause: bool = False) -> None:
        """``on_cause``: opened with `v` on a cause or a job (which may have a verdict already): Cancel has the
        focus, so that Enter does not go on to label what is classified."""
        super().__init__()
        self.suggestion = suggestion
        self.standing = standing(suggestion.jobs)  # the jobs' verdict now: proposed, never service by default
        self.on_cause = on_cause
        self.tested: Any = None
        self.matched: list[str] = []

    @property
    def opg(self) -> OpgApp:
        return cast("OpgApp", self.app)

    def compose(self) -> ComposeResult:
        s = self.suggestion
        with Vertical():
            jobs = f"{len(s.jobs):,} job" + ("s" if len(s.jobs) != 1 else "")
            yield Static(Text(f"Label {s.id} ({jobs}): {one_line(s.template.text, 160)}", "bold"))
            now = self.standing
            if now is None:
                yield Static(Content.styled("unknown: choose the verdict, none is proposed", "$text-warning"))
            else:
                yield Static(Content.styled(one_line(now.line(), 300), "$text-warning" if now.confident else "dim"))
            verdict = Select(
                VERDICTS,
                value=now.category if now is not None else Select.NULL,
                allow_blank=now is None,
                prompt="choose: service, code or resource",
                id="verdict",
                compact=True,
            )
            yield from self._row("Verdict", verdict)
            yield from self._row(
                "Title", SafeInput(placeholder="what the failure is, in a few words", id="title", compact=True)
            )
            yield from self._row(
                "Action",
                SafeInput(
                    value=now.action if now is not None else "",
                    placeholder="empty: retry / debug / resubmit with more memory",
                    id="action",
                    compact=True,
                ),
            )
            yield from self._row(
                "Service",
                SafeInput(placeholder="the service it points to (outage correlation)", id="service", compact=True),
            )
            yield from self._row(
                "Pattern", SafeInput(value=s.pattern or "", placeholder="RE2", id="pattern", compact=True)
            )
            yield Static(id="check")
            yield Static(id="numbers")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Test", id="test", compact=True)
                yield Button("Enable", id="enable", variant="primary", disabled=True, compact=True)

    @staticmethod
    def _row(label: str, widget: Widget) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label(Text(label))
            yield widget

    def on_mount(self) -> None:
        self.query_one("#cancel" if self.on_cause else "#title").focus()
        self.check_pattern()

    def chosen(self) -> bool:
        """A verdict is chosen; if not, say so in one line where the test's numbers go."""
        if self.query_one("#verdict", Select).value in VERDICT_WORDS:
            return True
        self.query_one("#numbers", Static).update(Content.styled(CHOOSE, BAD))
        return False

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "pattern":
            self.check_pattern()
        self.tested = None
        self.query_one("#enable", Button).disabled = True
        self.query_one("#numbers", Static).update("")

    def on_select_changed(self) -> None:
        self.tested = None
        if self.is_mounted:
            self.query_one("#enable", Button).disabled = True

    def check_pattern(self) -> str:
        """Check the pattern as typed: the one-line problem, or how many of the template's lines it matches."""
        from opgtui.learn.patterns import check, matches

        pattern = self.query_one("#pattern", Input).value
        problem = check(pattern)
        shown = self.query_one("#check", Static)
        if problem:
            shown.update(Content.styled(one_line(problem, 200), BAD))
            return problem
        lines = [u.line for u in self.suggestion.jobs if u.line][:2000]
        hit = len(matches(pattern, lines))
        shown.update(Content.styled(f"pattern ok: matches {hit:,} of {len(lines):,} lines of this template", GOOD))
        return ""

    def candidate(self) -> Any:
        from opgtui.learn.library import DEFAULT_ACTION, Learned

        s = self.suggestion
        category = str(self.query_one("#verdict", Select).value)
        action = self.query_one("#action", Input).value.strip() or DEFAULT_ACTION[category]
        service = self.query_one("#service", Input).value.strip() or None
        job_id = s.template.keys[0] if s.template.keys else None
        return Learned(
            "",
            self.query_one("#pattern", Input).value,
            category,
            action,
            self.query_one("#title", Input).value.strip(),
            service,
            example=s.template.example,
            template=s.template.text,
            job_id=job_id,
        )

    def on_input_submitted(self) -> None:
        self.test()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "test":
            self.test()
        elif event.button.id == "enable":
            self.enable()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def test(self) -> None:
        from opgtui.learn.library import check_fields

        self.tested = None  # the last test's answer is for what the form held then
        self.query_one("#enable", Button).disabled = True
        if not self.chosen():
            return
        item = self.candidate()
        problem = check_fields(item.category, item.action, item.title).removeprefix("--") or self.check_pattern()
        if problem:
            self.query_one("#numbers", Static).update(Content.styled(one_line(problem, 200), BAD))
            return
        self.query_one("#numbers", Static).update(Text("testing on the store and the labelled corpus ...", "dim"))
        self.run_test(item)

    def run_test(self, item: Any) -> None:
        """Test the label on the stored jobs and the labelled corpus off the UI thread (read_store)."""
        cfg = self.opg.cfg

        def read(store: Store) -> tuple[Any, Any]:
            from opgtui.learn.library import all_learned, new_id
            from opgtui.learn.vetting import default_corpus, vet
            from opgtui.ops.logtarget import packs_for

            packs = packs_for(tuple(cfg.classifier_dirs))
            taken = {c.signature.id for c in packs.compiled} | {x.id for x in all_learned(store)}
            item.id = new_id(item.title, taken)
            return item, vet(store, packs, item, corpus=default_corpus(), job_id=item.job_id, windows=store.windows())

        read_store(self, read, lambda answer: self.show_test(*answer), group="signatures-test", failed=self.said)

    def said(self, line: str) -> None:
        """The store could not be read or written: why, in one line, where the numbers would be."""
        self.query_one("#numbers", Static).update(Content.styled(one_line(line, 300), BAD))

    def show_test(self, item: Any, result: Any) -> None:
        n = result.summary()
        parts: list[str | tuple[str, str]] = [
            f"stored jobs: matches {n['matched']:,} ({n['unknown']:,} unknown, would decide {n['would_decide']:,}; "
            f"{n['other_confident']:,} confident and {n['other_probable']:,} probable of another verdict)"
        ]
        corpus = n["corpus"]
        if corpus.get("logs"):
            precision = "n/a" if corpus["precision"] is None else f"{100 * corpus['precision']:.0f}%"
            parts.append(
                f"\nlabelled corpus ({corpus['logs']} logs): decides {corpus['decided']}, precision "
                f"{precision}, {len(corpus['regressions'])} right verdicts turned wrong, "
                f"{len(corpus['benign'])} benign logs matched"
            )
        parts += [(f"\nREFUSED: {one_line(why, 200)}", BAD) for why in result.refusals]
        if result.ok:
            parts.append(("\npassed: Enable (ctrl+s) stores it for the team and applies it", GOOD))
            item.tested = n
            self.tested = item
            self.matched = list(result.matched)
        text = Content.assemble(*parts)
        self.query_one("#numbers", Static).update(text)
        self.query_one("#enable", Button).disabled = not result.ok

    def action_enable(self) -> None:
        self.enable()

    def enable(self) -> None:
        if not self.chosen() or self.tested is None:
            return
        self.query_one("#enable", Button).disabled = True
        self.store_and_apply(self.tested, self.matched)

    def store_and_apply(self, item: Any, matched: list[str]) -> None:
        """Store the tested label, enabled, and re-diagnose the jobs it matches, off the UI thread (read_store);
        a store that cannot be written is one line and Enable can be tried again."""
        cfg = self.opg.cfg

        def write(store: Store) -> str:
            from opgtui.learn.apply import affected, rediagnose
            from opgtui.learn.library import save_label
            from opgtui.ops.logtarget import packs_for

            item.enabled = True
            stored = save_label(store, item)
            changes = rediagnose(cfg, store, packs_for(tuple(cfg.classifier_dirs)), affected(store, stored.id, matched))
            moved = ", ".join(f"{a} -> {b} {n}" for (a, b), n in sorted(changes.items()))
            return f"enabled {stored.id}: {sum(changes.values()):,} verdicts changed" + (f" ({moved})" if moved else "")

        def failed(line: str) -> None:
            self.said(line)
            self.query_one("#enable", Button).disabled = False

        read_store(self, write, self.dismiss, group="signatures-enable", failed=failed)


def label_jobs(app: OpgApp, job_ids: list[str], scope: str, then: Callable[[], None] | None = None) -> None:
    """`v` on a job's detail or a cause in the failure summary: mine the jobs' lines off the UI thread (logs
    not yet kept are read), then open the label form on the template most of them share; ``then`` runs after
    a label was enabled."""

    def find() -> None:
        from opgtui.learn.pick import suggestion_for
        from opgtui.store import StoreError, open_store

        try:
            store = open_store(app.store.path)
            try:
                found: Suggestion | str = suggestion_for(app.cfg, store, job_ids)
            finally:
                store.close()
        except StoreError as exc:
            found = str(exc)
        app.call_from_thread(_open_label_form, app, found, scope, then)

    app.notify(f"{scope}: reading its lines to label ...", markup=False, timeout=3)
    app.run_worker(find, thread=True, exclusive=True, group="label-jobs")


def _open_label_form(app: OpgApp, found: Suggestion | str, scope: str, then: Callable[[], None] | None) -> None:
    if isinstance(found, str):
        app.notify(one_line(f"{scope}: {found}", 300), title="nothing to label", severity="warning", markup=False)
        return

    def done(message: str | None) -> None:
        if message:
            app.notify(message, markup=False)
            app.reload_views()
            if then is not None:
                then()

    app.push_screen(LabelForm(found, on_cause=True), done)
