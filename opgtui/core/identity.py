"""Who is acting: the one identity function, from the effective uid (used for the action log, retries,
announcements, requests and learned signatures alike)."""

from __future__ import annotations

import os


def whoami() -> str:
    """The user this process runs as, from the effective uid: never from $USER or $LOGNAME, which anyone can set
    (``LOGNAME=someone opgtui announce`` posted as someone). A uid without a name is ``uid N``."""
    if not hasattr(os, "geteuid"):  # not a POSIX system
        return "unknown"
    uid = os.geteuid()
    return user_name(uid) or f"uid {uid}"


def user_name(uid: int) -> str | None:
    """The name of the user ``uid`` (the owner of a file, this process); None when it has none or on a system
    without users."""
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return None
