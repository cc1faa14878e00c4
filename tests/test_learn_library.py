"""Learned signatures in the store: concurrent labels, who (the effective uid), enable/disable audit, and the
learned signatures joining the packs the dashboard diagnoses with."""

from __future__ import annotations

import os
import pwd
import threading
from pathlib import Path

import pytest

from opgtui.diagnosis.engine import diagnose
from opgtui.diagnosis.signatures import load_packs
from opgtui.learn.library import Learned, all_learned, audit, get, save_label, set_enabled
from opgtui.learn.pack import for_store
from opgtui.store import open_store

NOW = 1_795_600_000.0
LINE = "stage-out: dCache door refused transfer: pool quota group novapro_out full"


def label(title: str, category: str) -> Learned:
    return Learned(
        "learned.stageout",
        r"dCache door refused transfer: pool quota group \S+ full",
        category,
        "retry" if category == "service" else "debug",
        title,
        "dcache",
        example=LINE,
        template="stage-out: dCache door refused transfer: pool quota group <*> full",
    )


def test_two_shifters_labelling_at_once_keep_both_labels(tmp_path: Path) -> None:
    open_store(tmp_path / "s.db").close()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def shifter(who: str, category: str) -> None:
        store = open_store(tmp_path / "s.db")
        try:
            barrier.wait()
            save_label(store, label(f"quota full ({who})", category), who=who, now=NOW)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=shifter, args=a) for a in (("alice", "service"), ("bob", "resource"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = open_store(tmp_path / "s.db")
    try:
        kept = all_learned(store)
        assert len(kept) == 1 and kept[0].version == 2
        trail = audit(store, "learned.stageout")
        assert sorted(r["who"] for r in trail) == ["alice", "bob"]
        assert [r["action"] for r in trail] == ["label", "relabel"]
        assert kept[0].updated_by == trail[1]["who"]  # the later one wins
        assert trail[1]["changes"]["replaced"]["created_by"] == trail[0]["who"]  # the earlier one, in full
    finally:
        store.close()


def test_who_is_the_effective_uid_not_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "somebody-else")
    monkeypatch.setenv("LOGNAME", "somebody-else")
    store = open_store(tmp_path / "s.db")
    try:
        stored = save_label(store, label("quota full", "service"), now=NOW)
        set_enabled(store, stored.id, True, why="checked", now=NOW + 1)
        me = pwd.getpwuid(os.geteuid()).pw_name
        assert {r["who"] for r in audit(store)} == {me}
        assert {e["who"] for e in store.action_log()} == {me}
        assert [e["action"] for e in store.action_log()] == ["signature label", "signature enable"]
    finally:
        store.close()


def test_enabled_learned_signatures_join_the_packs_and_disabled_ones_leave(tmp_path: Path) -> None:
    base = load_packs(plugins=False)
    store = open_store(tmp_path / "s.db")
    try:
        assert diagnose([LINE], base).category == "unknown"
        save_label(store, label("quota full", "service"), now=NOW)
        assert for_store(base, store) is base  # stored, not enabled: the packs as they are
        set_enabled(store, "learned.stageout", True, now=NOW)
        v = diagnose([LINE], for_store(base, store))
        assert (v.category, v.signature, v.action) == ("service", "learned.stageout", "retry")
        assert for_store(base, store) is for_store(base, store)  # compiled once per set of versions
        set_enabled(store, "learned.stageout", False, now=NOW)
        assert diagnose([LINE], for_store(base, store)).category == "unknown"
        assert get(store, "learned.stageout") is not None
    finally:
        store.close()
