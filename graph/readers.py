"""Who is reading a release, so that pruning never drops one being read (issue 16).

A process that opens a release's store holds a shared lock on the release folder's lock file for as long as it has
the store open; prune takes the exclusive lock without waiting and keeps a release it cannot lock. This module owns
only that lock: it imports no store, so a query worker starts without the release-building code.
"""
import fcntl
import os
import shutil
from pathlib import Path

LOCK = "reader.lock"
DROPPED = ".dropped"  # a release folder being deleted: renamed first, so no reader finds half of it


def hold(folder: str | Path):
    """A shared lock on the release in `folder`, as an open file to close when done; None if the release is gone
    (dropped, or dropped while this process waited for the lock)."""
    folder = Path(folder)
    try:
        lock = (folder / LOCK).open("a")
    except FileNotFoundError:
        return None
    fcntl.flock(lock, fcntl.LOCK_SH)  # waits only while a prune holds it, a rename's time
    if not folder.is_dir():  # prune renamed it between our open and our lock
        lock.close()
        return None
    return lock


def drop(folder: Path) -> bool:
    """Delete a release nobody reads: rename it to a .dropped name under the exclusive lock (atomic: a reader finds
    the whole release or none), then delete it. False, and the release kept, when a reader holds it."""
    try:
        lock = (folder / LOCK).open("a")
    except FileNotFoundError:
        return False
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        gone = folder.with_name(folder.name + DROPPED)
        os.rename(folder, gone)
    shutil.rmtree(gone, ignore_errors=True)
    return True
