"""The Jobs view on a big list (issue 18): sorting or grouping by another column fills in and compares every row,
which takes seconds at 1M jobs; it runs in a thread, the status says so meanwhile, the table and keys answer, and
the list is shown sorted (or grouped) when it is done."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from test_jobbrief import varied, write

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.domain.joblist import RowList, safe
from opgtui.screens import jobs as jobs_screen
from opgtui.sources.dumps import load_files
from opgtui.store import open_store
from opgtui.widgets.job_table import JobTable


class Gate:
    """Wraps a function: records on which thread each big call ran, and holds calls off the UI thread until
    opened (so the test sees the view while the work is going on)."""

    def __init__(self, fn: Any, size_of: Any) -> None:
        self.fn, self.size_of = fn, size_of
        self.open = threading.Event()
        self.on_ui_thread: list[str] = []
        self.off_ui_thread = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.size_of(*args) > jobs_screen.AT_ONCE:
            if threading.current_thread() is threading.main_thread():
                self.on_ui_thread.append(repr(args[1:]))
            else:
                self.off_ui_thread += 1
                self.open.wait(20)
        return self.fn(*args, **kwargs)


async def _until(pilot: Any, test: Any, tries: int = 200) -> None:
    for _ in range(tries):
        if test():
            return
        await pilot.pause(0.05)
    raise AssertionError("the view never got there")


async def test_sorting_and_grouping_a_big_list_never_hold_the_ui_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs_screen, "AT_ONCE", 200)
    path = write(varied(3000), tmp_path / "q.json", "pretty")
    failing = sum(1 for j in load_files([path]).jobs if j.failed or j.status == 5)
    sort_gate = Gate(jobs_screen._sorted_base, lambda rows, *_: len(rows))
    monkeypatch.setattr(jobs_screen, "_sorted_base", sort_gate)
    key_gate = Gate(RowList.group_keys_of, lambda rows, by, _step: 0 if by in rows._keys else len(rows))
    monkeypatch.setattr(RowList, "group_keys_of", lambda self, by, step=None: key_gate(self, by, step))
    cfg = Config(store=tmp_path / "scratch.db")
    store = open_store(cfg.store)
    app = OpgApp(cfg, store, refresh_loop=False, dump=[str(path)])
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: getattr(app.screen, "loaded_at", None) is not None)
        screen = app.screen
        table = screen.query_one(JobTable)
        status = screen.query_one("#jobs-status")
        listed = list(table.indices)
        await pilot.press("o", "o", "o")  # sort by status, by id, by owner
        await _until(pilot, lambda: "sorting by owner…" in str(status.render()))
        await pilot.press("down")  # the table answers meanwhile
        assert table.cursor == 1 and table.indices == listed  # the list as it was until the sort is done
        await pilot.press("F")  # the causes of the jobs in view: they need no sort
        await _until(
            pilot,
            lambda: (
                type(app.screen).__name__ == "FailureSummaryScreen"
                and "failed/held" in str(app.screen.query_one("#failures-status").render())
            ),
        )
        assert f"{failing:,} failed/held" in str(app.screen.query_one("#failures-status").render())
        await pilot.press("escape")
        sort_gate.open.set()
        await _until(pilot, lambda: "sorting" not in str(status.render()))
        owners = [screen.rows[i].key("owner") for i in table.indices]
        known = [o for o in owners if o is not None]
        assert known == sorted(known) and owners == known + [None] * (len(owners) - len(known))
        assert "sort owner" in str(status.render())

        await pilot.press("g", "g", "g", "g")  # cause, hold reason, exit code, site
        await _until(pilot, lambda: "grouping by site…" in str(status.render()))
        key_gate.open.set()
        await _until(pilot, lambda: "grouped by site" in str(status.render()) and table.groups is not None)
        sites = {screen.rows[i].job.site or "(no site)" for i in table.indices}
        assert {g.key for g in table.groups} == sites
    store.close()
    assert sort_gate.on_ui_thread == [] and sort_gate.off_ui_thread >= 1
    assert key_gate.on_ui_thread == [] and key_gate.off_ui_thread >= 1


async def test_a_dump_changed_on_disk_after_listing_says_so_and_never_shows_blanks_as_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are filled in from the dump as they are drawn; when the file changed meanwhile, the fields not read yet
    cannot be: the shifter is told once, naming the file (a notice and the header's problems), and those rows say
    '(changed)' instead of showing empty owner, site and host as if the ads had none."""
    from opgtui.widgets.header import HeaderBar

    monkeypatch.setattr(jobs_screen, "warm", lambda rows: None)  # nothing filled in but what is drawn
    ads = varied(3000)
    path = write(ads, tmp_path / "q.json", "pretty")
    owner_of = {j.id: safe(j.owner, 40) for j in load_files([path]).jobs}  # what the table shows of each ad
    cfg = Config(store=tmp_path / "scratch.db")
    store = open_store(cfg.store)
    app = OpgApp(cfg, store, refresh_loop=False, dump=[str(path)])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await _until(pilot, lambda: getattr(app.screen, "loaded_at", None) is not None)
        screen = app.screen
        table = screen.query_one(JobTable)
        first = [screen.rows[i] for i in table.indices[:20]]
        assert all(r.cell("owner") == owner_of[r.job_id] for r in first)
        path.write_text("[]\n")  # rewritten by someone since it was listed
        await pilot.press("end")
        await _until(pilot, lambda: any("changed on disk" in p for p in app.problems))
        await pilot.pause(0.1)
        drawn = [screen.rows[i] for i in table.indices[-30:]]
        assert any(r.cell("owner") == "(changed)" for r in drawn)
        for r in drawn:
            assert r.cell("owner") in (owner_of[r.job_id], "(changed)")
            if r.cell("owner") == "(changed)":
                assert r.cell("site") == r.cell("host") == "(changed)" and "dump changed" in r.cell("reason")
        assert all(r.cell("owner") == owner_of[r.job_id] for r in first)  # read before: still the ads'
        notes = [n.message for n in app._notifications]
        (note,) = [n for n in notes if "changed on disk" in n]
        assert note.startswith("q.json changed on disk since it was listed")
        await pilot.press("g")  # regrouped, filtered: the same rows, told once
        await pilot.pause(0.2)
        assert len([n for n in app._notifications if "changed on disk" in n.message]) == 1
        assert "problem" in str(screen.query_one(HeaderBar).render())
    store.close()


async def test_the_rows_age_bound_is_made_before_a_key_needs_it_and_off_the_ui_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word of age characters (`m`, `1`) asks every row's age bound: made once the table is on the screen, in a
    thread (on the UI thread it took 16 ms at 100k rows, ~160 ms at 1M, inside the first such key)."""
    made_on: list[str] = []
    bound = RowList.age_bound

    def recorded(self: RowList) -> int:
        if self._age_len is None:
            made_on.append(threading.current_thread().name)
        return bound(self)

    monkeypatch.setattr(RowList, "age_bound", recorded)
    path = write(varied(3000), tmp_path / "q.json", "pretty")
    cfg = Config(store=tmp_path / "scratch.db")
    store = open_store(cfg.store)
    app = OpgApp(cfg, store, refresh_loop=False, dump=[str(path)])
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: getattr(app.screen, "loaded_at", None) is not None)
        screen = app.screen
        await _until(pilot, lambda: screen.rows._age_len is not None)  # no key typed yet
        assert made_on and threading.main_thread().name not in made_on
        await pilot.press("slash", "m")
        table = screen.query_one(JobTable)
        expected = [i for i in screen._base[3] if "m" in screen.rows[i].haystack]
        await _until(pilot, lambda: table.indices == expected and not screen.filtering)
    store.close()
    assert threading.main_thread().name not in made_on
