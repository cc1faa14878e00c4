"""Who is acting: the one identity function, from the effective uid (used for the action log, retries,
announcements, requests and learned signatures alike)."""

from __future__ import annotations

import os


def whoami() -> str:
    """The user this process runs as, from the effective uid: never from $USER or $LOGNAME, which anyone can set
    (``LOGNAME=someone opgtui announce`` posted as someone). A uid without a name is ``uid N``."""
    try:
        import pwd
    except ImportError:  # not a POSIX system
        return "unknown"
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
