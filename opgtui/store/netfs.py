"""Is a path on a network filesystem? SQLite's WAL mode needs shared-memory locking, which NFS, AFS, CephFS, EOS
and the other network filesystems do not give: a store there corrupts or locks up when two hosts open it."""

from __future__ import annotations

from pathlib import Path

MOUNTINFO = Path("/proc/self/mountinfo")
NETWORK_FS = frozenset(
    {
        "nfs",
        "nfs4",
        "afs",
        "cifs",
        "smb3",
        "smbfs",
        "ceph",
        "fuse.ceph",
        "fuse.cephfs",
        "fuse.eos",
        "eos",
        "lustre",
        "gpfs",
        "glusterfs",
        "fuse.glusterfs",
        "fuse.sshfs",
        "9p",
        "beegfs",
        "fuse.beegfs",
        "ncpfs",
        "coda",
        "fuse.cvmfs",
        "fuse.xrootdfs",
        "ocfs2",
        "gfs2",
        "pvfs2",
        "orangefs",
        "fuse.gcsfuse",
        "fuse.s3fs",
    }
)


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal (``\\040``)."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def fs_type(path: str, mountinfo: str) -> str | None:
    """The filesystem type of the mount holding absolute ``path``, from /proc/self/mountinfo's text (the longest
    mount point that contains it); None if no line says."""
    best, best_type = -1, None
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 5 or not tail:
            continue
        mount = _unescape(fields[4])
        inside = path == mount or path.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) > best:
            best, best_type = len(mount), tail[0]
    return best_type


def network_fs(path: Path, mountinfo: str | None = None) -> str | None:
    """The network filesystem type ``path`` (or the nearest existing parent) lives on, None for a local one."""
    if mountinfo is None:
        try:
            mountinfo = MOUNTINFO.read_text(errors="replace")
        except OSError:
            return None  # not Linux: nothing to say
    target = path.expanduser().absolute()
    while not target.exists() and target != target.parent:
        target = target.parent
    kind = fs_type(str(target.resolve()), mountinfo)
    return kind if kind in NETWORK_FS else None
