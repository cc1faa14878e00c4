"""Verdicts: what diagnosis decided for each job (category, action, signature, evidence, the outage windows it
overlapped), kept so views and bulk summaries need not diagnose again."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict

import orjson

from opgtui.core.model import Finding, Verdict, Window
from opgtui.store.base import StoreBase
from opgtui.store.dialect import marks
from opgtui.store.jobs import dumps
from opgtui.store.protocols import Params

_COLUMNS = (
    "job_id",
    "category",
    "action",
    "signature",
    "title",
    "confidence",
    "reason",
    "evidence",
    "decided",
    "windows",
)


class VerdictQueries(StoreBase):
    """The verdicts area, mixed into :class:`opgtui.store.Store`."""

    def save_verdicts(self, verdicts: dict[str, Verdict], now: float | None = None) -> None:
        now = now or time.time()
        rows = [
            (
                jid,
                v.category,
                v.action,
                v.signature,
                v.title,
                v.confidence,
                v.reason,
                dumps([asdict(f) for f in v.evidence]),
                now,
                dumps([asdict(w) for w in v.windows]),
            )
            for jid, v in verdicts.items()
        ]
        with self.transaction() as c:
            c.executemany(self.upsert_sql("verdicts", _COLUMNS, ("job_id",)), rows)

    def verdicts(self) -> dict[str, Verdict]:
        """Every stored verdict by job id."""
        return self._verdicts("", ())

    def verdicts_for(self, job_ids: Sequence[str]) -> dict[str, Verdict]:
        if not job_ids:
            return {}
        return self._verdicts(f" WHERE job_id IN ({marks(job_ids)})", tuple(job_ids))

    def verdict_summaries(self) -> dict[str, tuple[str, str]]:
        """Job id -> (verdict category, signature or ''), cheap enough for 100,000 rows."""
        cur = self.conn.execute("SELECT job_id, category, coalesce(signature, '') FROM verdicts")
        return {r[0]: (r[1], r[2]) for r in cur}

    def unsigned_titles(self) -> dict[str, str]:
        """Job id -> the title of its verdict when the verdict has no signature (its own title, else its reason:
        ``Probably service: samweb outage during the job``), the cause's name on every screen."""
        cur = self.conn.execute(
            "SELECT job_id, coalesce(nullif(title, ''), reason) FROM verdicts WHERE signature IS NULL OR signature = ''"
        )
        return {r[0]: r[1] or "" for r in cur}

    def _verdicts(self, where: str, params: Params) -> dict[str, Verdict]:
        out = {}
        cur = self.conn.execute(
            f"SELECT job_id, category, action, signature, title, confidence, reason, evidence, windows FROM verdicts"
            f"{where}",
            params,
        )
        for r in cur:
            evidence = [Finding(**f) for f in orjson.loads(r[7])]
            windows = [Window(**w) for w in orjson.loads(r[8])]
            out[r[0]] = Verdict(r[1], r[2], r[3], r[4], evidence, r[5], r[6], windows)
        return out
