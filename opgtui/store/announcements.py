"""Announcements: shifters' notes on the banner, with who may edit or end them (the author, an operator, the
store's owner)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from opgtui.core.identity import whoami
from opgtui.core.model import Announcement
from opgtui.store.base import StoreBase
from opgtui.store.errors import NotAllowed


class AnnouncementQueries(StoreBase):
    """The announcements area, mixed into :class:`opgtui.store.Store`."""

    def post_announcement(self, a: Announcement, now: float | None = None) -> int:
        now = now or time.time()
        if a.until is not None and a.start is not None and a.until <= a.start:
            raise ValueError("the announcement ends before it starts")
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO announcements(text, level, author, start, until, created) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (a.text, a.level, a.author or whoami(), a.start or now, a.until, now),
            )
            row = cur.fetchone()
            return int(row[0]) if row else 0

    def announcements(self, now: float | None = None, *, include_expired: bool = False) -> list[Announcement]:
        now = now or time.time()
        where = "" if include_expired else " WHERE (until IS NULL OR until > ?) AND (start IS NULL OR start <= ?)"
        params = () if include_expired else (now, now)
        cur = self.conn.execute(
            f"SELECT text, level, author, start, until, id, created FROM announcements{where} ORDER BY created DESC",
            params,
        )
        return [Announcement(*r) for r in cur]

    def edit_announcement(
        self,
        ann_id: int,
        *,
        text: str,
        level: str,
        until: float | None,
        operators: Iterable[str] = (),
        who: str | None = None,
    ) -> bool:
        """Change an announcement's text, level and end; False when there is no such announcement.
        Only its author or an operator (:meth:`may_moderate`) may: NotAllowed otherwise."""
        with self.transaction() as c:
            row = c.execute("SELECT start, author FROM announcements WHERE id = ?", (ann_id,)).fetchone()
            if row is None:
                return False
            self._check_moderator(ann_id, str(row[1]), "edit", who, operators)
            if until is not None and row[0] is not None and until <= row[0]:
                raise ValueError("the announcement ends before it starts")
            c.execute(
                "UPDATE announcements SET text = ?, level = ?, until = ? WHERE id = ?", (text, level, until, ann_id)
            )
            return True

    def expire_announcement(
        self, ann_id: int, now: float | None = None, *, operators: Iterable[str] = (), who: str | None = None
    ) -> bool:
        """End an announcement now; False when there is no such announcement. Only its author or an operator
        (:meth:`may_moderate`) may: NotAllowed otherwise."""
        with self.transaction() as c:
            row = c.execute("SELECT author FROM announcements WHERE id = ?", (ann_id,)).fetchone()
            if row is None:
                return False
            self._check_moderator(ann_id, str(row[0]), "expire", who, operators)
            c.execute("UPDATE announcements SET until = ? WHERE id = ?", (now or time.time(), ann_id))
            return True

    def may_moderate(self, who: str, author: str, operators: Iterable[str] = ()) -> bool:
        """Whether ``who`` may edit or expire an announcement by ``author``: its author, a configured operator
        (``roles.operators``) or the store's owner."""
        return who == author or who in set(operators) or who == self.owner()

    def _check_moderator(self, ann_id: int, author: str, verb: str, who: str | None, operators: Iterable[str]) -> None:
        who = who or whoami()
        ops = list(operators)
        if not self.may_moderate(who, author, ops):
            from opgtui.core.textsafe import one_line

            allowed = ", ".join(one_line(o, 40) for o in [*ops, self.owner() or "?"])
            raise NotAllowed(
                f"announcement {ann_id} is {one_line(author, 40)}'s: only its author or an operator "
                f"({allowed}) may {verb} it (you are {one_line(who, 40)})"
            )
