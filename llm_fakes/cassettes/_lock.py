"""The lock a cassette's save holds: a file beside the cassette, removed when released.

The lock file is ``.<cassette name>.lock`` in the cassette's own folder (a symlinked cassette's
target folder), so it belongs to whoever owns the cassette, and it exists only while a save runs
(a process killed mid-save leaves one behind; the next save takes it over and removes it).

On POSIX it is held with ``flock``, which the OS releases when a process dies. Removing a lock
file races with a process waiting on it; the usual cure is used: after taking the lock, a process
checks that the path still names the file it locked, and starts over if not. Elsewhere
``filelock`` guards it (and the file stays).

Example:
    >>> import tempfile, pathlib
    >>> cassette = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
    >>> with locked(cassette, timeout=1):
    ...     lock_file(cassette).exists()
    True
    >>> lock_file(cassette).exists()
    False
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["LockTimeout", "lock_file", "locked"]


class LockTimeout(Exception):
    """The lock stayed held by another process for longer than the timeout."""


def lock_file(path: Path) -> Path:
    """The lock file of the cassette at ``path``: ``.<name>.lock`` beside its real file."""
    real = Path(os.path.realpath(path))
    return real.with_name(f".{real.name}.lock")


@contextlib.contextmanager
def locked(path: Path, timeout: float) -> Iterator[None]:
    """Hold the cassette's lock for the block (see the module docs).

    Raises:
        LockTimeout: Another process held it for ``timeout`` seconds.
        OSError: The lock file could not be created (a read-only or missing folder).
    """
    lock = lock_file(path)
    if fcntl is None:  # pragma: no cover - Windows
        from filelock import FileLock, Timeout

        file_lock = FileLock(str(lock), timeout=timeout)
        try:
            file_lock.acquire()
        except Timeout:
            raise LockTimeout(str(lock)) from None
        try:
            yield
        finally:
            file_lock.release()
        return
    fd = _acquire(lock, time.monotonic() + timeout)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)  # releases the flock; a waiter on the removed file starts over


def _acquire(lock: Path, deadline: float) -> int:
    delay = 0.001
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockTimeout(str(lock)) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
            held = os.fstat(fd)
            try:
                now = os.stat(lock)
            except FileNotFoundError:
                now = None
            if now is not None and (now.st_ino, now.st_dev) == (held.st_ino, held.st_dev):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder removed it as we waited: lock the new one
