"""The JSON cache of parsed packs: a warm start gives exactly the packs a cold one does, and never stale ones."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from opgtui.core import safeyaml
from opgtui.diagnosis import packcache, packsnap
from opgtui.diagnosis.signatures import PackSet, load_packs

PACK = """pack: site
signatures:
  - id: site_scratch_gone
    title: {title}
    pattern: 'scratch area (?P<path>/\\S+) vanished'
    category: service
    action: retry
    example: 'ERROR: scratch area /scratch/job1 vanished'
"""


@pytest.fixture(autouse=True)
def _no_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the per-file cache: the snapshot of a whole load (test_pack_snapshot.py) stays off."""
    monkeypatch.setattr(packsnap, "load", lambda _stamps: None)


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def _fingerprint(packs: PackSet) -> list[Any]:
    out: list[Any] = [
        (
            c.signature,
            c.example,
            c.benign,
            c.requires,
            c.numbers,
            c.source,
            c.role,
            c.record,
            c.regex.pattern,
            c.exclude.pattern if c.exclude is not None else None,
        )
        for c in packs.compiled
    ]
    tables = packs.tables
    assert tables is not None
    for name, t in sorted(tables.tables.items()):
        out.append(
            (
                name,
                t.title,
                t.source,
                sorted(t.codes.items()),
                sorted(t.subcodes.items()),
                [(m.pattern, m.example) for m in t.mentions],
            )
        )
    return [*out, packs.errors]


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a cache hit composed YAML")

    monkeypatch.setattr(safeyaml, "load_file", fail)


def test_a_warm_load_gives_exactly_the_packs_of_a_cold_one(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "packs"
    extra.mkdir()
    (extra / "site.yaml").write_text(PACK.format(title="Scratch area vanished"))
    cold = load_packs([extra], plugins=False)
    cache = cache_home / "opgtui" / "packs.json"
    assert cache.is_file()
    assert (cache_home / "opgtui").stat().st_mode & 0o777 == 0o700
    _no_yaml(monkeypatch)
    warm = load_packs([extra], plugins=False)
    assert _fingerprint(warm) == _fingerprint(cold)
    assert "site_scratch_gone" in [s.id for s in warm.signatures]


def test_an_edited_pack_is_read_again(cache_home: Path, tmp_path: Path) -> None:
    extra = tmp_path / "packs"
    extra.mkdir()
    pack = extra / "site.yaml"
    pack.write_text(PACK.format(title="Scratch area vanished"))
    load_packs([extra], plugins=False)
    stat = pack.stat()
    pack.write_text(PACK.format(title="Scratch area gone"))  # same size: only mtime_ns tells
    os.utime(pack, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    titles = {s.id: s.title for s in load_packs([extra], plugins=False).signatures}
    assert titles["site_scratch_gone"] == "Scratch area gone"
    pack.write_text(PACK.format(title="Scratch area was removed by the site"))
    titles = {s.id: s.title for s in load_packs([extra], plugins=False).signatures}
    assert titles["site_scratch_gone"] == "Scratch area was removed by the site"


def test_a_corrupt_cache_is_ignored_and_rebuilt(cache_home: Path) -> None:
    cold = load_packs(plugins=False)
    cache = cache_home / "opgtui" / "packs.json"
    cache.write_bytes(b'{"schema": 1, "version": "\xff' + b"[" * 5000)
    again = load_packs(plugins=False)
    assert _fingerprint(again) == _fingerprint(cold)
    assert json.loads(cache.read_text())["entries"]


def test_a_bad_pack_says_its_one_line_error_on_every_load(cache_home: Path, tmp_path: Path) -> None:
    extra = tmp_path / "packs"
    extra.mkdir()
    (extra / "broken.yaml").write_text("pack: broken\nsignatures:\n  - id: x\n    pattern: [unclosed\n")
    (extra / "invalid.yaml").write_text(PACK.format(title="t").replace("category: service", "category: site"))
    (extra / "mismatch.yaml").write_text(
        PACK.format(title="t")
        .replace("pack: site", "pack: other")
        .replace("site_scratch_gone", "other_gone")
        .replace("+) vanished", "+) gone")
    )
    for _ in range(2):
        errors = load_packs([extra], plugins=False).errors
        assert len([e for e in errors if "broken.yaml" in e]) == 1
        assert len([e for e in errors if "invalid.yaml" in e and "site_scratch_gone" in e]) == 1
        assert len([e for e in errors if "mismatch.yaml" in e and "example does not match" in e]) == 1


def test_an_unwritable_cache_dir_only_disables_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    packs = load_packs(plugins=False)
    assert packs.errors == [] and len(packs.compiled) > 300
    assert packcache.cache_file() == blocker / "opgtui" / "packs.json"


def test_a_warm_load_diagnoses_a_log_as_a_cold_one_does(cache_home: Path, tmp_path: Path) -> None:
    """Patterns of a cached pack compile on first use: the verdict, its evidence and the captured path match."""
    from opgtui.diagnosis.engine import diagnose, verdict_json

    extra = tmp_path / "packs"
    extra.mkdir()
    (extra / "site.yaml").write_text(PACK.format(title="Scratch area vanished"))
    log = [f"event {i} processed" for i in range(100)] + ["ERROR: scratch area /scratch/job7 vanished"]
    cold = verdict_json(diagnose(log, load_packs([extra], plugins=False)))
    warm_packs = load_packs([extra], plugins=False)
    warm = verdict_json(diagnose(log, warm_packs))
    assert warm == cold
    assert cold["signature"] == "site_scratch_gone" and "/scratch/job7" in json.dumps(cold)
