"""The learned signatures as one more pack: compiled by the pack loader's own validator and added to a loaded
PackSet (no change to how packs load), and written or read as a signature-pack YAML file."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from opgtui.diagnosis.signatures import CompiledSignature, PackSet, compile_signature
from opgtui.learn.library import PACK, Learned

if TYPE_CHECKING:
    from opgtui.store import Store


def compile_learned(learned: Sequence[Learned], taken: set[str]) -> tuple[list[CompiledSignature], list[str]]:
    """The compiled signatures and one line per one that could not be (invalid, or an id already in the packs)."""
    out, errors = [], []
    for item in learned:
        if item.id in taken:
            errors.append(f"learned signature {item.id!r}: id already used by a pack; skipped")
            continue
        sig, problem = compile_signature(item.pack_entry(), pack=PACK, source="store")
        if sig is None:
            errors.append(f"learned signature {item.id!r}: {problem}")
        else:
            out.append(sig)
    return out, errors


def with_learned(base: PackSet, learned: Sequence[Learned]) -> PackSet:
    """``base`` plus ``learned`` (the base's own signatures win on an id clash)."""
    compiled, errors = compile_learned(learned, {c.signature.id for c in base.compiled})
    return PackSet([*base.compiled, *compiled], base.finders, [*base.errors, *errors], base.tables)


def store_packs(base: PackSet, store: Store) -> PackSet:
    """``base`` plus the store's enabled learned signatures."""
    from opgtui.learn.library import all_learned

    return with_learned(base, all_learned(store, enabled_only=True))


_COMPILED: weakref.WeakKeyDictionary[PackSet, dict[tuple[tuple[str, int], ...], PackSet]] = weakref.WeakKeyDictionary()


def for_store(base: PackSet, store: Store) -> PackSet:
    """``base`` plus the store's enabled learned signatures, compiled once per set of enabled versions;
    ``base`` itself when none is enabled or the store cannot say (diagnosis never fails for this)."""
    from opgtui.learn.library import all_learned

    try:
        key = store.learned_versions()
        if not key:
            return base
        known = _COMPILED.setdefault(base, {})
        if key not in known:
            known.clear()  # only the newest set of versions is worth keeping
            known[key] = with_learned(base, all_learned(store, enabled_only=True))
        return known[key]
    except Exception:  # an older or damaged store: the packs as they are
        return base


def pack_yaml(learned: Sequence[Learned]) -> str:
    """A signature pack (the format of ``classifiers/*.yaml``) holding ``learned``."""
    head = (
        "# Signatures learned from shifters' labels (opgtui signatures export). Merge into an experiment's\n"
        "# pack, or load as a pack: classifier_dirs in the config, or opgtui signatures import.\n"
    )
    body = {"pack": PACK, "signatures": [item.pack_entry() for item in learned]}
    return head + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=110)


def read_pack(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The valid signature entries of a pack file (through the bounded YAML loader) and the problems found."""
    from opgtui.core.safeyaml import YamlError, load_file

    try:
        data = load_file(path)
    except YamlError as exc:
        return [], [str(exc)]
    if not isinstance(data, dict) or not isinstance(data.get("signatures"), list):
        return [], [f"{path}: a pack is a mapping with 'pack' and a 'signatures' list"]
    out, errors = [], []
    for n, raw in enumerate(data["signatures"], 1):
        sig, problem = compile_signature(raw, pack=PACK, source=str(path))
        name = raw.get("id") if isinstance(raw, dict) else None
        if sig is None:
            errors.append(f"{path}: signature {name or f'#{n}'!r}: {problem}")
        elif sig.signature.category == "unknown":
            errors.append(f"{path}: signature {name!r}: category unknown says nothing; not imported")
        else:
            out.append(raw)
    return out, errors
