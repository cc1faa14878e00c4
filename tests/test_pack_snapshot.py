"""The snapshot of the validated pack set (diagnosis/packsnap.py) and the needles that let a short log's first
scan compile only its candidate signatures (diagnosis/needles.py): a warm start gives exactly the verdicts a cold
one does, and never a stale, foreign or damaged snapshot's."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from opgtui.core import safeyaml
from opgtui.diagnosis import needles, packsnap, signatures
from opgtui.diagnosis.engine import diagnose, verdict_json
from opgtui.diagnosis.signatures import PackSet, load_packs

PACK = """pack: site
signatures:
  - id: site_scratch_gone
    title: {title}
    pattern: '(?i)scratch area (?P<path>/\\S+) vanished'
    category: service
    action: retry
    example: 'ERROR: scratch area /scratch/job1 vanished'
"""


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.setattr(packsnap, "SETTLE_NS", -(10**12))  # files written by the test count as settled
    return home


@pytest.fixture
def extra(tmp_path: Path) -> Path:
    d = tmp_path / "packs"
    d.mkdir()
    (d / "site.yaml").write_text(PACK.format(title="Scratch area vanished"))
    return d


def _fingerprint(packs: PackSet) -> list[Any]:
    sigs = [
        (c.signature, c.example, c.benign, c.requires, c.numbers, c.source, c.role, c.record, c.regex.pattern, veto)
        for c in packs.compiled
        for veto in [c.exclude.pattern if c.exclude is not None else None]
    ]
    return [sigs, packs.errors, packs.tables.tables, packs.tables.errors]


def _count_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a load checked signatures afresh (a snapshot hit checks none)."""
    calls = [0]
    real = signatures.compile_signature

    def counting(*a: Any, **k: Any) -> Any:
        calls[0] += 1
        return real(*a, **k)

    monkeypatch.setattr(signatures, "compile_signature", counting)
    return calls


def test_a_snapshot_gives_exactly_the_packs_and_verdicts_of_a_full_load(
    cache_home: Path, extra: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = load_packs([extra], plugins=False)
    assert (cache_home / "opgtui" / packsnap.FILE_NAME).is_file()
    calls = _count_loads(monkeypatch)
    monkeypatch.setattr(safeyaml, "load_file", lambda *_a, **_k: pytest.fail("a snapshot hit composed YAML"))
    warm = load_packs([extra], plugins=False)
    assert calls[0] == 0 and warm.needles is not None
    assert _fingerprint(warm) == _fingerprint(cold)
    log = ["event 1 processed", "ERROR: SCRATCH AREA /scratch/job7 vanished", "Code 34 Subcode 102"]
    assert verdict_json(diagnose(log, warm, hold_code=34, hold_subcode=102)) == verdict_json(
        diagnose(log, cold, hold_code=34, hold_subcode=102)
    )
    assert verdict_json(diagnose(log[1:2], warm))["signature"] == "site_scratch_gone"


def test_an_edited_or_added_pack_is_loaded_in_full(
    cache_home: Path, extra: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_packs([extra], plugins=False)
    pack = extra / "site.yaml"
    before = pack.stat()
    pack.write_text(PACK.format(title="Scratch area gone!!"))  # same size, same mtime: the ctime tells
    os.utime(pack, ns=(before.st_atime_ns, before.st_mtime_ns))
    titles = {s.id: s.title for s in load_packs([extra], plugins=False).signatures}
    assert titles["site_scratch_gone"] == "Scratch area gone!!"
    (extra / "more.yaml").write_text(PACK.replace("site_scratch_gone", "site_more").format(title="More"))
    assert "site_more" in {s.id for s in load_packs([extra], plugins=False).signatures}


@pytest.mark.parametrize("damage", ["foreign-writable", "foreign-owned", "corrupt", "link"])
def test_an_untrusted_or_damaged_snapshot_is_never_used(
    cache_home: Path, extra: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    cold = load_packs([extra], plugins=False)
    snap = cache_home / "opgtui" / packsnap.FILE_NAME
    if damage == "foreign-writable":
        snap.chmod(0o666)
    elif damage == "foreign-owned":
        if os.geteuid() != 0:
            pytest.skip("only root can give a file to someone else")
        os.chown(snap, 4242, -1)
    elif damage == "corrupt":
        snap.write_bytes(snap.read_bytes()[:-40] + b"[" * 40)
    else:
        target = tmp_path / "planted.json"
        target.write_bytes(snap.read_bytes())
        snap.unlink()
        snap.symlink_to(target)
    calls = _count_loads(monkeypatch)
    again = load_packs([extra], plugins=False)
    assert calls[0] > 0  # loaded and checked in full
    assert _fingerprint(again) == _fingerprint(cold)


def test_a_pack_changed_moments_ago_is_not_snapshotted(
    cache_home: Path, extra: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(packsnap, "SETTLE_NS", 10**12)  # every file is fresh
    load_packs([extra], plugins=False)
    assert not (cache_home / "opgtui" / packsnap.FILE_NAME).exists()


@pytest.mark.parametrize(
    ("pattern", "text", "kept"),
    [
        ("(?i)disk quota exceeded", "DISK QUOTA EXCEEDED", True),
        ("(?i)disk quota", "dis\u212a quota", True),  # RE2 folds the Kelvin sign into k
        ("(?i)lost", "lo\u017ft", True),  # and the long s into s
        ("Disk quota", "disk quota", False),
        ("(?:no space|quota) left", "quota left", True),
        ("(?:no space|quota) left", "nothing here", False),
        ("x[[:alpha:]]y", "xay", True),  # Python reads POSIX classes otherwise: no promise
    ],
)
def test_needles_keep_every_signature_a_text_may_match(pattern: str, text: str, kept: bool) -> None:
    import re2

    assert (re2.search(pattern, text) is not None) <= kept
    assert (needles.candidates(text.encode(), [needles.needles(pattern)]) == [0]) == kept


def test_every_bundled_signature_keeps_its_own_examples(cache_home: Path) -> None:
    """The first scan of a short log asks only the signatures whose needles it holds: each example (a line the
    signature matches) finds exactly what the full set finds."""
    load_packs(plugins=False)
    warm = load_packs(plugins=False)
    assert warm.needles is not None
    full = load_packs(plugins=False)
    full.needles = None
    words = warm.needles
    for i, c in enumerate(warm.compiled):
        line = c.example.encode()
        assert i in needles.candidates(line, words), c.signature.id
        few = warm._few_set(line)
        assert few is not None and sorted(few(line)) == sorted(full._confirm(line)), c.signature.id


def test_a_new_or_edited_code_table_or_a_removed_pack_is_a_new_key(extra: Path) -> None:
    before = packsnap.key([extra])
    codes = extra / "codes"
    codes.mkdir()
    (codes / "site.yaml").write_text("table: site\ntitle: Site code\nsource: the site\ncodes: []\n")
    with_table = packsnap.key([extra])
    assert with_table != before
    (codes / "site.yaml").write_text("table: site\ntitle: Site codes\nsource: the site\ncodes: []\n")
    assert packsnap.key([extra]) != with_table
    (extra / "site.yaml").unlink()
    assert packsnap.key([extra]) not in (before, with_table)


def test_a_changed_extra_pack_misses_the_snapshot_but_parses_only_itself(
    cache_home: Path, extra: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Packs outside the bundle (plugins, extra dirs) change on their own: the whole-set snapshot then misses, and
    the per-file cache (packstore.PARSED) keeps the bundled packs from being parsed again."""
    load_packs([extra], plugins=False)  # cold: both caches written
    (extra / "more.yaml").write_text(PACK.format(title="Scratch area gone").replace("site_scratch_gone", "other"))
    parsed: list[str] = []
    real = safeyaml.load_file

    def spy(path: Path, *args: Any, **kwargs: Any) -> Any:
        parsed.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(safeyaml, "load_file", spy)
    packs = load_packs([extra], plugins=False)
    assert parsed == ["more.yaml"]
    assert {"site_scratch_gone", "other"} <= {c.signature.id for c in packs.compiled}
