"""What a ``store:`` value names: a SQLite file or a PostgreSQL database. Pure, and imported by the config, so it
stays free of the store and of psycopg."""

from __future__ import annotations

import os
import re
from pathlib import Path

_URI = re.compile(r"^postgres(?:ql)?://", re.IGNORECASE)
_KEYWORDS = re.compile(r"^\s*(?:host|hostaddr|port|dbname|user|service|sslmode|options|application_name)\s*=")


def is_postgres(target: str | Path) -> bool:
    """Whether a ``store:`` value names a PostgreSQL database (a URI or libpq key=value pairs, e.g.
    ``service=opgtui``) rather than a SQLite file."""
    text = str(target)
    return bool(_URI.match(text) or _KEYWORDS.match(text))


def store_target(value: str) -> str | Path:
    """A ``store:`` value as the store opens it: a PostgreSQL connection string kept verbatim (a ``Path`` would
    fold ``postgresql://`` into ``postgresql:/``), a file path with ``~`` and ``$VARS`` expanded."""
    if is_postgres(value):
        return value
    return Path(os.path.expandvars(os.path.expanduser(value)))
