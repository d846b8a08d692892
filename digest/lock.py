"""One file lock: overlapping runs (beside the state) and overlapping sends (in the .eml's folder).

An exclusive ``fcntl.flock`` on a lock file. The kernel drops it when the process dies,
so a killed run never leaves it held, and nothing needs cleaning up afterwards.
"""
from __future__ import annotations

import errno
import fcntl
import logging
import os
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import OutputError, TemporaryFailure
from .files import kind, shown, writing

log = logging.getLogger("digest")


@contextmanager
def lock(path: str | os.PathLike, timeout: float, busy: str | None = None) -> Iterator[Path]:
    """Hold an exclusive flock on ``path`` for the block; wait up to ``timeout`` seconds.

    Args:
        path: the lock file, created if missing; it holds the holder's pid.
        timeout: seconds to wait for another holder (0: do not wait).
        busy: the error message when the lock stays held (default: another run holds it).

    Raises:
        TemporaryFailure: another process still held it after ``timeout`` seconds.
        OutputError: the lock file cannot be created or written.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Never through a link: the pid write truncates the file, and a link planted in a
        # shared output folder could point at any file the run may write.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        why = "it is a link, not followed" if exc.errno == errno.ELOOP else exc.strerror
        raise OutputError(f"{shown(path)}: cannot create the lock file: {why}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):  # a FIFO or a device planted there
        os.close(fd)
        raise OutputError(f"{shown(path)}: cannot use the lock file: {kind(mode)}, not a file")
    try:
        deadline = time.monotonic() + max(0.0, timeout)
        waiting = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TemporaryFailure(
                        busy or f"another digest run holds {shown(path)}; gave up after {timeout:g} s"
                    ) from None
                if not waiting:
                    waiting = True
                    log.info("waiting up to %g s for another digest run (it holds %s)", timeout, shown(path))
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())) or 0.01)
        with writing(path, "the lock file"):  # who holds it, for a curious admin
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(fd)  # closing releases the flock
