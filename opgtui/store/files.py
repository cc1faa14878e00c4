"""A SQLite store's files on disk: created private to the user (or shared with the config's ``store_group``), and
files beside it (the collector's lock) as private as the store itself."""

from __future__ import annotations

import os
from pathlib import Path

from opgtui.store.errors import StoreError


def create_private(path: Path, group: str | None) -> None:
    """Make the store's directory and an empty store file if they do not exist yet, readable only by the user
    (or by ``group`` too). Existing ones are left as they are."""
    gid = _group_id(path, group)
    directory = path.parent
    if not directory.exists():
        directory.mkdir(parents=True, exist_ok=True)
        _restrict(directory, 0o2770 if gid is not None else 0o700, gid)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o660 if gid is not None else 0o600)  # the mode, whatever the umask
        if gid is not None:
            os.fchown(fd, -1, gid)
    finally:
        os.close(fd)


def _restrict(path: Path, mode: int, gid: int | None) -> None:
    if gid is not None:
        os.chown(path, -1, gid)
    os.chmod(path, mode)


def _group_id(path: Path, group: str | None) -> int | None:
    if not group:
        return None
    import grp

    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise StoreError(f"{path}: store_group {group!r} is not a group on this machine") from None


def lock_mode(store_path: Path) -> tuple[int, int | None]:
    """The mode and group for a file beside the store (the collector's lock): as shared as the store itself."""
    try:
        st = store_path.stat()
    except OSError:
        return 0o600, None
    return (0o660, st.st_gid) if st.st_mode & 0o020 else (0o600, None)  # group-writable: shared


def open_beside_store(path: Path, store_path: Path) -> int:
    """``os.open`` (read-write, created if missing) of a file beside the store, as private as the store."""
    mode, gid = lock_mode(store_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
    try:
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, mode)
            if gid is not None:
                os.fchown(fd, -1, gid)
    except OSError:
        pass
    return fd


def file_owner(path: Path) -> str | None:
    """The user owning ``path``; None if unknown."""
    from opgtui.core.identity import user_name

    try:
        return user_name(path.stat().st_uid)
    except OSError:
        return None
