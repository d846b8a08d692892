"""Run ``digest`` as its own process under a time limit and an address-space limit.

The process is forked from the test process, which has imported ``digest`` already, so a
case costs the work and not the ~1 s of imports; the child sets RLIMIT_AS (and, when asked,
RLIMIT_FSIZE, a full disk without root) on itself, points fds 0-2 where the case says, and
calls ``cli.main(argv)`` as the ``digest`` script does. A case that hangs is killed at its
time limit and one that eats memory fails inside its limit: a regression fails, it never
hangs CI.
"""
from __future__ import annotations

import io
import os
import resource
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

SECONDS = 60.0  # per case: a normal case takes well under a second
MEMORY = 1 << 30  # address space a case may add to what the test process has mapped already


@dataclass
class Run:
    argv: tuple[str, ...]
    code: int | None  # None: killed at the time limit
    out: bytes
    err: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return self.err.splitlines()


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def digest(
    argv: Sequence[str],
    cwd: str | os.PathLike,
    *,
    stdout: str = "pipe",  # "pipe", "closed" or "full" (/dev/full)
    stderr: str = "pipe",  # "pipe" or "closed"
    env: dict[str, str] | None = None,
    file_size: int | None = None,  # RLIMIT_FSIZE in bytes: writes past it fail (EFBIG)
    seconds: float = SECONDS,
    memory: int = MEMORY,
    inside: Callable[[], None] | None = None,  # run in the child before main (a test seam)
) -> Run:
    """``digest *argv`` in ``cwd`` as a forked child under the limits; its exit code and output."""
    from digest import cli

    # Pipes, not files: RLIMIT_FSIZE (a full disk) must not stop the messages.
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 99
        try:
            os.close(out_r)
            os.close(err_r)
            os.chdir(cwd)
            os.environ.update(env or {})
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(err_w, 2)
            os.dup2(os.open("/dev/full", os.O_WRONLY) if stdout == "full" else out_w, 1)
            # What Python sets up for a script: stderr backslash-escapes what it cannot
            # encode; a closed stdout is None.
            sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                          errors="backslashreplace", line_buffering=True)
            if stderr == "closed":
                os.close(2)
                sys.stderr = None
            if stdout == "closed":
                os.close(1)
                sys.stdout = None
            else:
                sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)),
                                              encoding="utf-8")
            limit = _vm_size() + memory
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            if file_size is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death
                resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
            if inside is not None:
                inside()
            code = cli.main(list(argv))
            if sys.stdout is not None:
                try:  # as the interpreter does at exit
                    sys.stdout.flush()
                except OSError as exc:
                    print(f"Exception ignored at exit: {exc!r}", file=sys.stderr, flush=True)
                    code = 120
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 -- report it as the interpreter would
            try:
                traceback.print_exc()
                sys.stderr.flush()
            except BaseException:  # noqa: BLE001
                pass
            code = 98
        finally:
            os._exit(code)
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}

    def drain(fd: int) -> None:
        while data := os.read(fd, 65536):
            chunks[fd].append(data)
        os.close(fd)

    readers = [threading.Thread(target=drain, args=(fd,), daemon=True) for fd in (out_r, err_r)]
    for reader in readers:
        reader.start()
    deadline = start + seconds
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.01)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        status = None
    took = time.monotonic() - start
    for reader in readers:
        reader.join(timeout=10)  # a worker process the child started may hold a pipe open
    code = None if status is None else os.waitstatus_to_exitcode(status)
    out = b"".join(chunks[out_r])
    err = b"".join(chunks[err_r]).decode("utf-8", errors="backslashreplace")
    return Run(tuple(argv), code, out, err, took)
