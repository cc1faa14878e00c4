"""The kept templates (opgtui.learn.snapshot): what the Signatures view lists at once, read back row by row."""

from __future__ import annotations

from pathlib import Path

from opgtui.core.model import Job, Verdict
from opgtui.learn.snapshot import KEY, KeptItems, load, row_of, save
from opgtui.learn.suggest import Suggestion, Suggestions
from opgtui.learn.templates import Template
from opgtui.learn.unknown import UnknownJob
from opgtui.store import open_store

UNKNOWN = Verdict("unknown", "look at the log", None)


def mined() -> Suggestions:
    tokens = ["open", "failed", "for", "<PATH>", "on", "<*>"]
    jobs = [
        UnknownJob(
            Job(f"s#{i}.0", "s", i, 0, site=f"Site{i % 2}", end_time=1000.0 + i),
            UNKNOWN,
            line=f"open failed for /a/{i} on host{i}\nnext",
        )
        for i in range(3)
    ]
    one = Suggestion(
        Template(tokens, [u.job.id for u in jobs], {u.job.id: u.line or "" for u in jobs}), jobs, "open failed for"
    )
    lone = UnknownJob(Job("t#9.0", "t", 9, 0, site=None, end_time=2000.0), UNKNOWN, line="segfault in reco")
    two = Suggestion(Template(["segfault", "in", "reco"], ["t#9.0"], {"t#9.0": "segfault in reco"}), [lone], None)
    return Suggestions([one, two], [UnknownJob(Job("u#1.0", "u", 1, 0), UNKNOWN)], {"v#2.0": "too long"})


def test_kept_templates_read_back_with_their_rows_and_jobs(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    try:
        result = mined()
        save(store, result, 5000.0)
        kept, at = load(store) or (None, 0.0)
    finally:
        store.close()
    assert kept is not None and at == 5000.0
    assert (len(kept.items), kept.jobs, len(kept.no_line), kept.failed) == (2, 4, 1, {"v#2.0": "too long"})
    for i in range(len(result.items)):  # the row read from the kept line is the row of the mined template
        assert row_of(kept.items, i) == row_of(result.items, i)
    first = kept.items[0]
    assert [u.job.id for u in first.jobs] == ["s#0.0", "s#1.0", "s#2.0"] and first.pattern == "open failed for"
    assert first.template.example == "open failed for /a/0 on host0\nnext" and first.id == result.items[0].id


def test_a_damaged_template_is_listed_as_damaged_and_an_older_snapshot_is_mined_again(tmp_path: Path) -> None:
    items = KeptItems(['[1, ["a"], null, [["X", 1]], 1.0, [["j", "X", 1.0, "a"]]]', "{not json", "[1, 2]"])
    assert row_of(items, 0).text == "a" and row_of(items, 0).example == "a"
    assert row_of(items, 1).jobs == 0 and "damaged" in row_of(items, 1).text
    assert "damaged" in row_of(items, 2).text and items[2].jobs == []
    store = open_store(tmp_path / "s.db")
    try:
        store.set_kv(KEY, '{"at": 1, "items": []}')  # kept by an earlier opgtui
        assert load(store) is None
        save(store, mined(), 1.0)
        store.set_kv(KEY, store.get_kv(KEY).rsplit("\n", 1)[0])  # a template line lost
        assert load(store) is None
    finally:
        store.close()


def test_a_kept_template_of_the_wrong_shape_is_listed_without_its_jobs() -> None:
    """The view draws a kept job's site and line as text: a number or a list there is damage, not a crash."""
    good = '[1, ["a"], null, [["X", 1]], 1.0, [["j", "X", 1.0, "a line"]]]'
    items = KeptItems(
        [good, good.replace('"a line"', "[1]"), good.replace('"X", 1.0', "7, 1.0"), good.replace("null", "3")]
    )
    assert [u.line for u in items[0].jobs] == ["a line"]
    assert items[1].jobs == [] and items[2].jobs == [] and items[1].template.text == "a"
    assert "damaged" in row_of(items, 3).text and items[3].pattern is None
