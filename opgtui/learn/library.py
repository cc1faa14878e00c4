"""The team's learned signatures in the store: made from labels, with who (the effective uid's user), when and
why; enabled, disabled and edited, never silently: every change is one audit row (``learned_audit``, which
cannot be edited) and one entry in the action log beside the actions on jobs.

A label of a template that already has a signature replaces it (the later label wins, its version goes up) and
the earlier one stays in the audit trail with all its fields.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from opgtui.core.identity import whoami  # re-exported for the learn workflow and CLI
from opgtui.core.model import CATEGORIES
from opgtui.store.learned import LEARNED_FIELDS

if TYPE_CHECKING:
    from opgtui.store import Store
    from opgtui.store.protocols import Connection

PACK = "learned"
ID_PREFIX = "learned."
PRIORITY = 78
"""Top of the packs' "specific" band (50-79): above the hints that leave a job unknown, below the definitive
signatures (80+), so a learned signature alone makes a "probable" verdict (confident with a matching outage)."""
DEFAULT_ACTION = {"service": "retry", "code": "debug", "resource": "resubmit with more memory"}
VERDICTS = ("service", "code", "resource")
_SLUG = re.compile(r"[^a-z0-9]+")
_FIELDS = LEARNED_FIELDS


@dataclass(slots=True)
class Learned:
    """One learned signature and the label it came from."""

    id: str
    pattern: str
    category: str
    action: str
    title: str
    service: str | None = None
    priority: int = PRIORITY
    example: str = ""
    template: str = ""
    job_id: str | None = None
    why: str = ""
    enabled: bool = False
    tested: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    created: float = 0.0
    created_by: str = ""
    updated: float = 0.0
    updated_by: str = ""

    def pack_entry(self) -> dict[str, Any]:
        """The signature as a pack's YAML entry (``classifiers/*.yaml``)."""
        notes = f"learned from a label by {self.updated_by or self.created_by}"
        if self.why:
            notes += f": {self.why}"
        return {
            "id": self.id,
            "title": self.title,
            "pattern": self.pattern,
            "category": self.category,
            "action": self.action,
            "service": self.service,
            "priority": self.priority,
            "example": self.example,
            "notes": notes,
        }


def new_id(title: str, taken: set[str]) -> str:
    """``learned.<slug of the title>``, made unique against ``taken``."""
    slug = _SLUG.sub("_", title.lower()).strip("_")[:60] or "signature"
    base = ID_PREFIX + slug
    sid, n = base, 2
    while sid in taken:
        sid, n = f"{base}_{n}", n + 1
    return sid


def _row(r: Any) -> Learned:
    d = dict(zip(_FIELDS, r, strict=True))
    d["enabled"] = bool(d["enabled"])
    d["tested"] = orjson.loads(d["tested"] or "{}")
    return Learned(**d)


def all_learned(store: Store, *, enabled_only: bool = False) -> list[Learned]:
    return [_row(r) for r in store.learned_rows(enabled_only=enabled_only)]


def get(store: Store, sid: str) -> Learned | None:
    r = store.learned_row(sid)
    return _row(r) if r else None


def _audit(
    store: Store,
    c: Connection,
    sid: str,
    who: str,
    action: str,
    why: str,
    changes: dict[str, Any],
    now: float,
    job_ids: list[str],
) -> None:
    store.audit_learned(c, sid, who, action, why, orjson.dumps(changes, default=str).decode(), now)
    store.log_action_in(
        c, now, who, f"signature {action}", orjson.dumps(job_ids).decode(), f"{sid}" + (f": {why}" if why else "")
    )


def save_label(store: Store, learned: Learned, *, who: str | None = None, now: float | None = None) -> Learned:
    """Store a labelled signature: new, or replacing the one of the same id or template (the later label wins;
    the earlier is in the audit). Returns what was stored."""
    who = who or whoami()
    now = time.time() if now is None else now
    with store.transaction() as c:
        prev_row = store.learned_replaced(c, learned.id, learned.template)
        prev = _row(prev_row) if prev_row else None
        if prev is None:
            learned.version, learned.created, learned.created_by = 1, now, who
            action, changes = "label", {"new": asdict(learned)}
        else:
            learned.id, learned.version = prev.id, prev.version + 1
            learned.created, learned.created_by = prev.created, prev.created_by
            action = "relabel"
            changes = {
                "replaced": asdict(prev),
                "by": {k: v for k, v in asdict(learned).items() if getattr(prev, k) != v},
            }
        learned.updated, learned.updated_by = now, who
        values = asdict(learned)
        values["enabled"] = int(learned.enabled)
        values["tested"] = orjson.dumps(learned.tested, default=str).decode()
        store.write_learned(c, values)
        _audit(store, c, learned.id, who, action, learned.why, changes, now, [learned.job_id] if learned.job_id else [])
    return learned


def set_enabled(
    store: Store,
    sid: str,
    enabled: bool,
    *,
    why: str = "",
    tested: dict[str, Any] | None = None,
    who: str | None = None,
    now: float | None = None,
) -> Learned | None:
    """Enable or disable a signature (recording the test it passed); None when there is no such signature."""
    who = who or whoami()
    now = time.time() if now is None else now
    with store.transaction() as c:
        row = store.learned_state(c, sid)
        if row is None:
            return None
        store.set_learned_enabled(
            c, sid, enabled, now, who, None if tested is None else orjson.dumps(tested, default=str).decode()
        )
        _audit(
            store,
            c,
            sid,
            who,
            "enable" if enabled else "disable",
            why,
            {"enabled": [bool(row[0]), enabled], "version": row[1], **({"tested": tested} if tested else {})},
            now,
            [],
        )
    return get(store, sid)


def verdict_counts(store: Store) -> dict[str, int]:
    """Learned signature id -> how many stored verdicts it decided."""
    return store.signature_counts(ID_PREFIX)


def audit(store: Store, sid: str | None = None) -> list[dict[str, Any]]:
    """The audit trail, oldest first: all of it, or one signature's."""
    return [
        {"signature": r[0], "time": r[1], "who": r[2], "action": r[3], "why": r[4], "changes": orjson.loads(r[5])}
        for r in store.learned_audit(sid)
    ]


def check_fields(category: str, action: str, title: str) -> str:
    """ "" or why a label's fields cannot make a signature."""
    if category not in CATEGORIES or category == "unknown":
        return f"--verdict must be one of {', '.join(VERDICTS)}"
    if not title.strip():
        return "--title is empty: say in a few words what the failure is"
    from opgtui.diagnosis.signatures import ACTIONS

    if action not in ACTIONS:
        return f"--action must be one of: {', '.join(ACTIONS)}"
    return ""
