"""Files at the edges of a run: every read of a user's file is bounded, every failed write is exit 73.

``read_bounded`` is the one way digest reads a file it did not write (articles, the config
file, templates, an .eml, a delivery record): regular files only, opened without blocking
(a FIFO or a device never hangs or floods the run), never more than a cap. ``writing``
is the one place an ``OSError`` while writing becomes ``OutputError`` (exit 73): a full
disk, a quota, a read-only folder, a closed or full standard output.
"""
from __future__ import annotations

import hashlib
import os
import stat
from contextlib import contextmanager
from typing import Iterator

from .errors import DigestError, InputDataError, OutputError

# What a path is, for messages ("/dev/zero: a character device, not a file").
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind(mode: int) -> str:
    """What a file of ``st_mode`` is, in words: "a regular file", "a FIFO (named pipe)", ..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def shown(path: str | os.PathLike) -> str:
    """``path`` as it can be printed or stored: bytes that are not UTF-8 as \\x escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read_bounded(path: str | os.PathLike, limit: int, error: type[DigestError] = InputDataError) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Opened with O_NONBLOCK and checked with fstat on the open descriptor, so a FIFO, a
    device or a socket (also behind a symlink, also swapped in after a check) is refused
    instead of blocking or streaming forever.

    Raises:
        ``error`` (InputDataError by default): the message names the file and says why
            (missing, unreadable, not a regular file, over ``limit`` bytes).
    """
    where = shown(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise error(f"{where}: no such file") from None
    except OSError as exc:
        raise error(f"{where}: cannot read: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"{where}: {kind(mode)}, not a file")
        size = os.fstat(fd).st_size
        if size > limit:
            raise error(f"{where}: {size} bytes is over the {limit}-byte limit")
        chunks, total = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - total)):  # it may still be growing
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise error(f"{where}: over the {limit}-byte limit")
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"{where}: cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


@contextmanager
def writing(target: str | os.PathLike, what: str = "output") -> Iterator[None]:
    """Turn any ``OSError`` raised in the block into ``OutputError`` (exit 73) naming ``target``.

    A broken pipe (whoever read standard output went away) is not a failure to report: it
    passes unchanged.
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"{shown(target)}: cannot write {what}: {exc.strerror or exc}") from None


def file_sha256(path: str | os.PathLike) -> str | None:
    """The sha256 of the regular file ``path`` (read in chunks), or None when it is missing,
    unreadable or not a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        digest = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)
