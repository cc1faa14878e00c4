"""Enable and disable a learned signature, as the CLI and the Signatures view both do it: test again, refuse
with the numbers (audited), or change it and re-diagnose the jobs it matches or decided. Blocking I/O."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from opgtui.diagnosis.signatures import PackSet
from opgtui.learn.apply import affected, rediagnose
from opgtui.learn.library import Learned, get, set_enabled, whoami
from opgtui.learn.vetting import vet

if TYPE_CHECKING:
    from opgtui.config import Config
    from opgtui.store import Store


def refused(store: Store, candidate: Learned, tested: dict[str, Any], now: float) -> None:
    """A refused label or enable is audited (who tried what, and the numbers); nothing else changes."""
    with store.transaction() as c:
        store.audit_learned(
            c,
            candidate.id,
            whoami(),
            "refused",
            "; ".join(tested["refusals"]),
            orjson.dumps(
                {
                    "pattern": candidate.pattern,
                    "category": candidate.category,
                    "title": candidate.title,
                    "tested": tested,
                }
            ).decode(),
            now,
        )


def apply_changes(
    cfg: Config, store: Store, packs: PackSet, sid: str, matched: list[str], now: float
) -> dict[str, int]:
    """Diagnose the jobs ``sid`` matches or decided again; "old -> new" category -> jobs changed."""
    changes = rediagnose(cfg, store, packs, affected(store, sid, matched), now)
    return {f"{a} -> {b}": n for (a, b), n in sorted(changes.items())}


def enable(
    cfg: Config,
    store: Store,
    packs: PackSet,
    sid: str,
    *,
    why: str = "",
    corpus: Path | None = None,
    now: float | None = None,
) -> tuple[Learned, dict[str, Any], dict[str, int] | None]:
    """(signature, test numbers, verdicts changed) — changed is None when the test refused it."""
    now = time.time() if now is None else now
    item = get(store, sid)
    if item is None:
        raise KeyError(sid)
    result = vet(store, packs, item, corpus=corpus, windows=store.windows(), now=now)
    tested = {**result.summary(), "tested_at": now}
    if not result.ok:
        refused(store, item, tested, now)
        return item, tested, None
    set_enabled(store, sid, True, why=why, tested=tested, now=now)
    return item, tested, apply_changes(cfg, store, packs, sid, result.matched, now)


def disable(
    cfg: Config, store: Store, packs: PackSet, sid: str, *, why: str = "", now: float | None = None
) -> dict[str, int]:
    """Disable ``sid`` and re-diagnose the jobs it decided; the verdicts changed."""
    now = time.time() if now is None else now
    if set_enabled(store, sid, False, why=why, now=now) is None:
        raise KeyError(sid)
    return apply_changes(cfg, store, packs, sid, [], now)
