"""Output: every format rendered, then written atomically beside the others.

A run's files appear complete and new, or not at all: each is written to a hidden
temporary file in its folder, fsynced, and renamed into place only once all are ready.
"""
from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from datetime import date
from pathlib import Path
from typing import Any, Callable

from .config import Config
from .filters import counts
from .errors import OutputError, UsageError
from .files import shown, writing
from .models import Digest, Result
from .render import FORMATS, render

log = logging.getLogger("digest")

TEMP_PREFIX = ".digest-tmp-"  # temporary files: hidden, and never named like an output


def output_paths(day: date, formats: tuple[str, ...], out: str | os.PathLike) -> dict[str, Path]:
    """Where each format goes: ``<out>/digest-YYYY-MM-DD.<ext>``; the rolling Atom feed of
    every day is ``<out>/digest.atom``."""
    return {fmt: Path(out) / ("digest.atom" if fmt == "atom" else f"digest-{day.isoformat()}.{FORMATS[fmt]}")
            for fmt in formats}


def check_formats(formats: tuple[str, ...]) -> None:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"unknown format {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    tmp = _write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_temp(path: Path, data: str | bytes, sync: bool = True) -> Path:
    """``data`` in a complete temporary file in ``path``'s folder, fsynced (unless not ``sync``)."""
    raw = _raw(data)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide the digest from a web server
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _fsync_all(temps: dict[Path, Path]) -> None:
    """fsync each temporary file (``temps``: output -> its file), one thread each: every
    fsync waits on the disk, and side by side they take about as long as one (a run's
    four files: ~14 ms one after another, ~5 ms together).

    Raises:
        OutputError: an fsync failed (the first output, in order, whose file did).
    """
    failed: dict[Path, OSError] = {}

    def sync(path: Path, tmp: Path) -> None:
        try:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            failed[path] = error

    threads = [threading.Thread(target=sync, args=item) for item in temps.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for path in temps:
        if path in failed:
            with writing(path):
                raise failed[path]


def render_output(digest: Digest, fmt: str, config: Config) -> str | bytes:
    """One output file's content: a template's text, for "eml" the MIME message's bytes
    (CRLF), for "atom" the feed of the output folder's digests with this one."""
    if fmt == "eml":
        from .email import message_bytes  # css_inline is only needed for email

        return message_bytes(digest, config)
    if fmt == "atom":
        from .archive import atom_feed  # feedgen is only needed for the feed

        return atom_feed(digest, config, render_page(digest, config))
    if fmt == "html":
        return render_page(digest, config)
    return render(digest, fmt, config.templates)


def render_page(digest: Digest, config: Config) -> str:
    """The HTML page, with its navigation among the digests already in the output folder."""
    from .archive import days

    return render(digest, "html", config.templates, days=days(digest.date, config))


def _raw(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _fsync_dir(folder: Path) -> None:
    """Make the renames in ``folder`` durable (a crash after this keeps them)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse to fsync a folder; the renames are still atomic
    finally:
        os.close(fd)


def remove_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Delete temporary files a killed run left in ``folder`` (call while holding the lock)."""
    removed = []
    for tmp in sorted(Path(folder).glob(f"{TEMP_PREFIX}*.tmp")):
        try:
            tmp.unlink()
            removed.append(tmp)
        except OSError:
            continue
    if removed:
        log.info("removed %d temporary files left by an interrupted run in %s", len(removed), folder)
    return removed


def write_outputs(
    result: Result,
    config: Config,
    before_rename: Callable[[dict[Path, str]], None] | None = None,
    checkpoint: Callable[[str], None] | None = None,
) -> list[Path]:
    """Render every format, write each to a complete temporary file, then rename them all.

    Rendering and writing everything before renaming anything means a failure (or a
    kill) leaves every output as it was, or complete and new: never half a file.
    ``before_rename`` gets {path: sha256 of the new content} once every temporary
    file is complete (the state notes it, to recover from a kill between renames).
    ``checkpoint`` is called at "temps-written", "intended" and "first-renamed"
    (``pipeline.CHECKPOINTS``).
    """
    at = checkpoint or (lambda point: None)
    check_formats(config.formats)
    rendered = {fmt: render_output(result.digest, fmt, config) for fmt in config.formats}
    paths = output_paths(result.digest.date, config.formats, config.out)
    contents = {path: rendered[fmt] for fmt, path in paths.items()}
    if "html" in rendered:  # the index and the neighbours' navigation change with the page
        from .archive import companions

        contents.update(companions(result.digest, config, rendered["html"]))
    if config.explain:
        contents[Path(config.explain)] = explain_json(result)
    temps: dict[Path, Path] = {}
    try:
        for path, data in contents.items():
            with writing(path):
                path.parent.mkdir(parents=True, exist_ok=True)
                temps[path] = _write_temp(path, data, sync=False)
        _fsync_all(temps)
        # A rename that would fail must fail before the first one: all new or all old.
        for path in temps:
            if path.is_dir():
                raise OutputError(f"{shown(path)}: cannot write output: {os.strerror(errno.EISDIR)}")
        at("temps-written")
        if before_rename is not None:
            before_rename({path: hashlib.sha256(_raw(contents[path])).hexdigest() for path in temps})
            at("intended")
        for n, (path, tmp) in enumerate(temps.items()):
            with writing(path):
                os.replace(tmp, path)
            if n == 0:
                at("first-renamed")
        for folder in sorted({p.parent for p in temps}):
            _fsync_dir(folder)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return list(contents)


def write_explain(result: Result, config: Config) -> Path:
    """The ``--explain`` file alone, for ``--out -`` (which writes no digest file)."""
    path = Path(config.explain)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, explain_json(result))
    return path


def explain_json(result: Result) -> str:
    return json.dumps(explain(result), indent=2, ensure_ascii=False) + "\n"


# How explain_json's output starts: an earlier --explain file is told from an article by it.
_EXPLAIN_START = re.compile(rb'\{\n  "date": "[0-9]{4}-[0-9]{2}-[0-9]{2}",\n  "boilerplate": \[')


def is_explain_file(path: Path) -> bool:
    """True when the regular file ``path`` starts as an ``--explain`` file does."""
    try:
        with open(path, "rb") as file:
            return _EXPLAIN_START.match(file.read(64)) is not None
    except OSError:
        return False


def explain(result: Result) -> dict[str, Any]:
    """Every boilerplate drop, merge, conflict and ranking decision, in a stable order."""
    d = result.digest
    where = lambda s: {"article": d.articles[s.article].path, "position": s.position}  # noqa: E731
    return {
        "date": d.date.isoformat(),
        "boilerplate": [{"text": x.sentence.text, "rule": x.rule, **where(x.sentence)} for x in d.drops],
        "merges": [
            {"dropped": m.dropped.text, "kept": m.kept.text, "score": round(m.score, 4), "rule": m.rule,
             "dropped_from": where(m.dropped), "kept_from": where(m.kept)}
            for m in d.merges
        ],
        "conflicts": [
            {"a": c.a.text, "b": c.b.text, "score": round(c.score, 4), "differences": [str(d) for d in c.differences],
             "a_from": where(c.a), "b_from": where(c.b)}
            for c in d.conflicts
        ],
        "ranking": [
            {"text": x.item.fact.text, "chosen": x.chosen, "reason": x.reason, "score": round(x.item.score, 6),
             "components": {k: round(v, 6) for k, v in x.item.components}}
            for x in result.decisions
        ],
        "history": [
            {"text": r.fact.text, "verdict": r.verdict, "added": list(r.added),
             "published": [{"date": p.date, "text": p.text} for p in r.published]}
            for r in result.recalls
        ],
        "filters": {
            "removed": counts(result.removed),
            "decisions": [{"kind": r.kind, "rule": r.rule, "text": r.text, "sources": list(r.sources)}
                          for r in result.removed],
        },
    }

