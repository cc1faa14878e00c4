"""The job detail says what the other stored jobs say of a failed or held job (ops.population), under its verdict:
a black-hole node agrees with a service verdict, a job elsewhere shows no pattern, a job that did not fail nothing."""

from __future__ import annotations

from opgtui.app import OpgApp
from opgtui.core.model import Job, JobStatus, Verdict
from opgtui.domain.failures import is_failure
from opgtui.domain.population import Evidence, reading

BLACK_HOLE = "brown-a217"  # the demo's black-hole node


async def detail_of(demo, job_id: str) -> str:  # type: ignore[no-untyped-def]
    """The detail's text once its worker read has been shown (polled, never a fixed wait)."""
    from opgtui.screens.job import JobDetailScreen

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = JobDetailScreen(job_id)
        app.push_screen(screen)
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.detail is not None and not screen.weighing:
                break
        assert screen.detail is not None, "the detail was never read"
        assert not screen.weighing, "the other jobs were never weighed"
        await pilot.pause()
        return str(screen.query_one("#detail").render())


def _pick(store, where: str | None, failed: bool) -> Job:  # type: ignore[no-untyped-def]
    for j in store.jobs():
        on = where is not None and where in (j.last_host or "")
        placed = on if where else BLACK_HOLE not in (j.last_host or "")
        if is_failure(j) == failed and placed and (not failed or store.verdicts_for([j.id]).get(j.id)):
            return j
    raise AssertionError("the demo has no such job")


async def test_a_job_on_the_black_hole_node_shows_the_nodes_line_under_its_verdict(demo) -> None:  # type: ignore[no-untyped-def]
    job = _pick(demo[1], BLACK_HOLE, failed=True)
    text = await detail_of(demo, job.id)
    verdict, population = text.index("Verdict:"), text.index("population agrees: service")
    assert verdict < population < text.index("Last host")  # under the verdict, before the record's fields
    line = text[population:].splitlines()[0]
    assert f"on host {BLACK_HOLE}" in line and " failures of " in line
    assert "successes there" in text[population:].splitlines()[1] and " p " in text[population:].splitlines()[1]


async def test_a_failed_job_elsewhere_shows_no_pattern_and_a_finished_one_nothing(demo) -> None:  # type: ignore[no-untyped-def]
    elsewhere = _pick(demo[1], None, failed=True)
    text = await detail_of(demo, elsewhere.id)
    assert BLACK_HOLE not in text
    assert "population: no pattern (the store: " in text or "population" not in text
    done = next(j for j in demo[1].jobs() if j.status == JobStatus.COMPLETED and not j.failed)
    assert "population" not in await detail_of(demo, done.id)


def test_the_population_line_is_drawn_clean_and_says_how_it_goes_with_the_log() -> None:
    """A host name is text the pool chose: no escape or bidi override reaches the terminal; the hint where the
    log had no verdict, the disagreement beside one of its own."""
    from opgtui.screens.job import Weighed, detail_text, population_text

    osc = "\x1b]52;c;aGk=\x07\u202e[bold]"
    ev = Evidence("node", None, "h1" + osc, 17, 0, 18, 240, 1, 400, 2e-12, batches=3)
    job = Job("s#1.0", "s", 1, 0)
    hint = population_text(Weighed("the store", 700, 180, reading(None, ev))).plain
    assert hint.startswith("population: probably service (node h1") and "17 of 18 failures of 3 batches" in hint
    code = Verdict("code", "fix the job", None)
    drawn = detail_text(job, code, [], weighed=Weighed("the store", 700, 180, reading(code, ev))).plain
    assert "population disagrees: service" in drawn and "the log's verdict stands" in drawn
    assert drawn.index("Verdict:") < drawn.index("population disagrees")
    assert "[bold]" in drawn  # shown as text, never read as markup
    for text in (hint, drawn):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    broken = population_text(Weighed("", 0, 0, None, "database is locked")).plain
    assert broken.startswith("population: could not weigh the other jobs: database is locked")


def test_weighing_a_job_that_did_not_fail_reads_nothing() -> None:
    from opgtui.screens.job import weigh

    class NoStore:
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"read {name} for a job that did not fail")

    done = Job("s#1.0", "s", 1, 0, status=JobStatus.COMPLETED)
    assert weigh(NoStore(), done, None, 0.0) is None  # type: ignore[arg-type]


async def test_the_record_shows_before_the_other_jobs_are_weighed(demo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Weighing reads up to a whole store of jobs: the detail shows the record first and adds the line after."""
    import threading

    import opgtui.screens.job as job_screen
    from opgtui.screens.job import JobDetailScreen

    cfg, store = demo
    release = threading.Event()
    real = job_screen.weigh

    def slow_weigh(*args, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(job_screen, "weigh", slow_weigh)
    job = _pick(store, BLACK_HOLE, failed=True)
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = JobDetailScreen(job.id)
        app.push_screen(screen)
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.detail is not None:
                break
        assert screen.weighing, "the weighing should still be held"
        shown = str(screen.query_one("#detail").render())
        assert "Verdict:" in shown  # the record and its verdict are on screen already
        assert "population" not in shown
        release.set()
        for _ in range(200):
            await pilot.pause(0.05)
            if not screen.weighing:
                break
        await pilot.pause()
        assert "population agrees" in str(screen.query_one("#detail").render())
