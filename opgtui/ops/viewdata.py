"""What the dashboard's views read, whatever holds it: the store, always through the connection the caller hands in
(a screen's worker has its own: screens/reads.read_store), and the dump the dashboard was opened on, for the jobs
not copied into the store yet. The App holds one :class:`ViewData`; it is the App's data, the App itself keeps to
screens, modes and messages. No UI imports."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from opgtui.config import Config
from opgtui.core.model import Announcement, Job
from opgtui.core.timefmt import ago

if TYPE_CHECKING:
    from opgtui.ops.dumpview import DumpSession
    from opgtui.store import Store


@dataclass(frozen=True)
class ChromeRead:
    """What the header and the announcements block show, read from the store in one go."""

    last_stored: float | None  # the newest feed fetch or collection the store knows of
    announcements: list[Announcement]


def read_chrome(store: Store, now: float, maintenance: Callable[[Store, float], list[Announcement]]) -> ChromeRead:
    """The header's freshness and the current announcements (team messages, then ``maintenance``) from ``store``."""
    candidates = [f["last_fetch"] for f in store.feed_status().values()]
    stored = store.get_kv("last_collect")
    if stored:
        candidates.append(float(stored))
    last = max((c for c in candidates if c is not None), default=None)
    return ChromeRead(last, store.announcements(now) + maintenance(store, now))


class ViewData:
    """The records, announcements and freshness the views show, for one dashboard (a pool's store, the demo, or a
    dump being copied into a scratch store)."""

    def __init__(
        self, cfg: Config, dump: DumpSession | None = None, tz: tzinfo | None = None, *, demo: bool = False
    ) -> None:
        self.cfg, self.dump, self.tz, self.demo = cfg, dump, tz, demo
        self.chrome: ChromeRead | None = None  # the header's and announcements' last read of the store
        self.chrome_failed: str | None = None  # why the last such read failed (one line)
        self.last_refresh: float | None = None  # when this dashboard last collected

    # ------------------------------------------------------------------ records

    def job(self, store: Store, job_id: str) -> Job | None:
        """A job's record: from ``store``, else from the dump still being copied into it."""
        found = self.jobs_by_id(store, [job_id])
        return found[0] if found else None

    def jobs_by_id(self, store: Store, job_ids: list[str]) -> list[Job]:
        """The records of these jobs (those known), in one batched read of ``store``, with the dump's jobs for
        those not copied into it yet."""
        found = store.jobs_by_id(job_ids)
        if self.dump is not None and len(found) < len(job_ids):
            have = {j.id for j in found}
            found += self.dump.jobs.many([jid for jid in job_ids if jid not in have])
        return found

    def job_ad(self, store: Store, job_id: str) -> dict[str, Any] | None:
        """A job's raw ad: from ``store``, else as the dump has it."""
        ad = store.job_ad(job_id)
        if ad is None and self.dump is not None:
            ad = self.dump.ad(job_id)
        return ad

    def dump_job(self, job_id: str) -> Job | None:
        """A job's record from the dump (no store read: for a key that must answer at once); None without one."""
        dump = self.dump
        return dump.jobs.get(job_id) if dump is not None and dump.result is not None else None

    # ------------------------------------------------------------------ the header and the announcements

    def maintenance(self, store: Store, now: float) -> list[Announcement]:
        """Scheduled maintenance from the feeds, said as announcements (ongoing, or within the horizon)."""
        from opgtui.domain.maintenance import HORIZON, maintenance_announcements

        windows = store.windows(kind="maintenance", start=now, end=now + HORIZON)
        return maintenance_announcements(windows, now, tz=self.tz)

    def announcements(self) -> list[Announcement]:
        """The team's messages, then maintenance from the feeds (ongoing, or starting within a day), as last read
        (none until then)."""
        return self.chrome.announcements if self.chrome is not None else []

    def where(self) -> str:
        """What this dashboard shows: the dump's files, the demo, or the config's pools."""
        if self.dump is not None:
            return self.dump.label
        return "demo data" if self.demo else self.cfg.label

    def freshness(self, now: float | None = None, *, loading: bool = False) -> str:
        """How fresh the data is, for the header: from the store's last read (``chrome``), never guessed before that
        read has answered; ``loading``: the demo is still building its jobs."""
        if self.dump is not None:
            return f"{len(self.dump.jobs):,} jobs" if self.dump.result is not None else "loading"
        if loading:
            return "demo: loading its jobs"
        chrome = self.chrome
        if chrome is None:
            return "reading the store ..." if self.chrome_failed is None else "store not read"
        now = time.time() if now is None else now
        last = max((c for c in (self.last_refresh, chrome.last_stored) if c is not None), default=None)
        if self.demo:
            return f"demo built {ago(last, now)}" if last else "demo"
        return f"data {ago(last, now)}" if last else "no data collected yet"

    def required_services(self) -> list[str]:
        """What the pre-submit check asks for: every experiment's dependencies."""
        seen: dict[str, None] = {}
        for exp in self.cfg.experiments:
            for dep in exp.depends_on:
                seen[dep] = None
        return list(seen)
