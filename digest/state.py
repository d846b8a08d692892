"""State: what earlier digests published, so a reader never gets yesterday's news again.

A SQLite database (WAL, one transaction per run) remembers, per digest date, the facts
that digest published. Before ranking, ``screen`` takes the day's facts out when they
were already published on an *earlier* date, unless the new wording adds numbers or
names the old one lacked: then the fact stays, marked as an update. Facts recorded for
the digest's own date are never "old", so re-running a date rebuilds the same digest.

Matching is robust to rewording: a fact is reduced to its content-word stems and
numbers (``models.Analysis``); its fingerprint is the hash of that sorted set, and the
lookup is fuzzy: earlier facts sharing enough stems (a sparse stem matrix, so thousands
of facts cost milliseconds) are verified with the dedup stage's own scorer.

``lock`` keeps overlapping runs apart (fcntl.flock on a file beside the state).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np

from .config import Config, default_state_path
from .analysis import CALENDAR_WORDS, Analyser
from .dedup import MIN_OVERLAP, content_matrix, make_scorer, verify
from .errors import DigestError, OutputError, StateError, TemporaryFailure
from .models import Analysis, Fact

__all__ = [
    "SCHEMA_VERSION", "Published", "History", "Recall", "Screening", "State",
    "fingerprint", "lock", "screen", "state_path",
]

log = logging.getLogger("digest")

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE runs (
    date TEXT PRIMARY KEY,          -- the digest's date, YYYY-MM-DD
    created_at TEXT NOT NULL,       -- when this date was last (re)built, UTC ISO 8601
    outputs TEXT NOT NULL           -- JSON [{"path": ..., "sha256": ...}] of the files written
);
CREATE TABLE facts (
    date TEXT NOT NULL,             -- the digest that published it (see runs)
    fingerprint TEXT NOT NULL,      -- sha1 of the sorted content stems: same under rewording
    text TEXT NOT NULL,             -- the wording published
    tokens TEXT NOT NULL,           -- content stems and numbers, space-separated (fuzzy lookup)
    numbers TEXT NOT NULL,          -- space-separated
    names TEXT NOT NULL,            -- space-separated, lower-case
    PRIMARY KEY (date, fingerprint)
);
CREATE INDEX facts_by_fingerprint ON facts(fingerprint);
CREATE TABLE pending (              -- a run between its first rename and its record (see recover)
    date TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    outputs TEXT NOT NULL,          -- JSON [{"path": ..., "sha256": ...}] about to be renamed into place
    facts TEXT NOT NULL             -- JSON rows for the facts table
);
"""

UPDATE = "update"
# Earlier facts verified per sentence of the day, best overlap first: bounds the work
# however long the memory grows.
CANDIDATES = 20


# --------------------------------------------------------------------------- fingerprints


def fingerprint(analysis: Analysis) -> str:
    """The same for two wordings with the same content stems and numbers."""
    return hashlib.sha1(" ".join(sorted(analysis.content)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Published:
    """A fact an earlier digest published."""

    date: str
    fingerprint: str
    text: str
    tokens: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str]


@dataclass(frozen=True)
class History:
    """What was published before ``before`` (the digest's date): the state, read-only."""

    before: date
    published: tuple[Published, ...] = ()


@dataclass(frozen=True)
class Recall:
    """What the history says about one of the day's facts (for --explain)."""

    fact: Fact
    verdict: str  # "already published" (left out) or "update" (kept, marked)
    published: tuple[Published, ...]  # the earlier facts it matched
    added: tuple[str, ...] = ()  # numbers or names the earlier facts lacked


@dataclass(frozen=True)
class Screening:
    facts: tuple[Fact, ...]  # the facts to rank, in their original order
    updates: frozenset[Fact]  # kept facts that update an earlier one
    recalls: tuple[Recall, ...]  # every fact that matched the history


# --------------------------------------------------------------------------- screening


def screen(facts: Sequence[Fact], history: History | None, config: Config, analyser: Analyser | None = None) -> Screening:
    """Leave out facts published on an earlier date; keep and mark those that add to one.

    A fact matches an earlier one when any of its sentences would have merged with it
    in the dedup stage (near-duplicate, subsumed or the same), or is that close but
    disagrees on numbers or names. A matched fact stays only if its wording carries a
    number or name that no matched earlier fact had ("18 votes" after "16 votes").
    """
    if history is None or not history.published or not facts:
        return Screening(tuple(facts), frozenset(), ())
    scorer = make_scorer(config)
    analyse = analyser or Analyser(config.language)
    old = history.published
    members = []  # (fact index, sentence), one per distinct wording of each fact
    for f, fact in enumerate(facts):
        seen: set[str] = set()
        for s in fact.members:
            if s.text not in seen:
                seen.add(s.text)
                members.append((f, s))
    analyses = [analyse(s.text) for _, s in members]
    pairs = _overlapping([a.content for a in analyses], [p.tokens for p in old])

    matched: dict[int, dict[int, bool]] = {}  # fact index -> {old index: same statement?}
    cosines = None
    if scorer.uses_vectors and pairs:
        new_vectors = analyse.vectors([members[m][1].text for m, _ in pairs])
        old_vectors = analyse.vectors([old[o].text for _, o in pairs])
        if new_vectors is not None and old_vectors is not None:
            cosines = np.einsum("ij,ij->i", new_vectors, old_vectors)
    found = verify([analyses[m] for m, _ in pairs], [analyse(old[o].text) for _, o in pairs], scorer, cosines)
    for (m, o), match in zip(pairs, found):
        if match is None:
            continue
        f, sentence = members[m]
        same = match.rule is not None
        related = same or (bool(match.conflicts) and match.score >= scorer.threshold)
        if related:
            seen = matched.setdefault(f, {})
            seen[o] = seen.get(o, False) or same

    said: set[str] | None = None

    def said_names() -> set[str]:
        nonlocal said
        if said is None:
            said = set()
            for p in old:
                said |= p.names | set(analyse(p.text).norm.split())
        return said

    kept: list[Fact] = []
    updates: set[Fact] = set()
    recalls: list[Recall] = []
    for f, fact in enumerate(facts):
        found = matched.get(f)
        if not found:
            kept.append(fact)
            continue
        earlier = tuple(old[o] for o in sorted(found))
        numbers: set[str] = set()
        words: set[str] = set()
        for p in earlier:
            numbers |= p.numbers
            words |= p.names | set(analyse(p.text).norm.split())
        rep = analyse(fact.text)
        # A number is new when the matched statements lacked it ("55" after "40"). A name
        # is new when the statement was the same but no earlier digest ever said that
        # name (naming the town again is not news), or when the statements disagree on
        # names and the matched ones lacked it ("Mayor Berg" where "Mayor Lund" was).
        same = any(found.values())
        names = rep.names - (said_names() if same else words) - CALENDAR_WORDS
        added = tuple(sorted((rep.numbers - numbers) | names))
        if added:
            kept.append(fact)
            updates.add(fact)
            recalls.append(Recall(fact, UPDATE, earlier, added))
        else:
            recalls.append(Recall(fact, "already published", earlier))
    return Screening(tuple(kept), frozenset(updates), tuple(recalls))


def _overlapping(
    new: Sequence[frozenset[str]],
    old: Sequence[frozenset[str]],
    top: int = CANDIDATES,
    chunk: int = 256,
) -> list[tuple[int, int]]:
    """(new, old) index pairs worth verifying, sorted.

    A pair qualifies when the smaller side has MIN_OVERLAP of its stems in the other; of
    those, each new sentence keeps its ``top`` earlier facts by Jaccard similarity, so the
    verifier runs at most ``top`` times per sentence however large the history grows.
    """
    if not new or not old:
        return []
    both, _ = content_matrix([*new, *old])  # one vocabulary for both sides
    a, b = both[:len(new)], both[len(new):]
    size_a = np.diff(a.indptr)
    size_b = np.diff(b.indptr)
    bt = b.T.tocsr()
    out: list[tuple[int, int]] = []
    for start in range(0, a.shape[0], chunk):
        shared = (a[start:start + chunk] @ bt).tocoo()
        rows, cols, inter = shared.row + start, shared.col, shared.data
        small = np.minimum(size_a[rows], size_b[cols])
        ok = (small > 0) & (inter >= MIN_OVERLAP * small)
        rows, cols, inter = rows[ok], cols[ok], inter[ok]
        if not len(rows):
            continue
        jaccard = inter / (size_a[rows] + size_b[cols] - inter)
        order = np.lexsort((cols, -jaccard, rows))
        rows, cols = rows[order], cols[order]
        firsts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        rank = np.arange(len(rows)) - np.repeat(firsts, np.diff(np.r_[firsts, len(rows)]))
        keep = rank < top
        out.extend(zip(rows[keep].tolist(), cols[keep].tolist()))
    out.sort()
    return out


# --------------------------------------------------------------------------- the database


def state_path(config: Config) -> Path:
    return Path(config.state.path) if config.state.path else default_state_path()


def _broken(path: Path, why: str) -> StateError:
    return StateError(
        f"{path}: the state database is unreadable ({why}); move it aside to start a new memory "
        f"(the next digest may then repeat facts already sent) or run with --no-state"
    )


def _sqlite_error(path: Path, exc: sqlite3.DatabaseError) -> DigestError:
    """The one-line error for an SQLite failure: busy (75), cannot write (73), damaged (65)."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError):
        if "locked" in text or "busy" in text:
            return TemporaryFailure(f"{path}: the state database is busy ({text}); try again later")
        if any(k in text for k in ("readonly", "read-only", "unable to open", "disk I/O", "disk is full")):
            return OutputError(f"{path}: cannot write the state database ({text})")
    return _broken(path, text)


class State:
    """The state database. Open with ``State.open``; use as a context manager."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        self.path = path
        self._db = connection

    @classmethod
    def open(cls, path: str | os.PathLike, timeout: float = 60.0) -> "State":
        """Open (or create) the database at ``path``, check it, and ``recover`` what a
        killed run left unrecorded (so: open it under the lock).

        Raises:
            StateError: the file is not a digest state database, is damaged, or was
                written by a newer digest.
            OutputError: the file or its folder cannot be created.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{path.parent}: cannot create the state folder: {exc.strerror}") from None
        if path.is_dir():
            raise StateError(f"{path}: is a folder, not a state database")
        try:
            db = sqlite3.connect(path, timeout=max(timeout, 1.0), isolation_level=None)
        except sqlite3.Error as exc:
            raise OutputError(f"{path}: cannot open the state database: {exc}") from None
        try:
            cls._prepare(db, path)
            state = cls(path, db)
            recovered = state.recover()
        except sqlite3.DatabaseError as exc:
            db.close()
            raise _sqlite_error(path, exc) from None
        except BaseException:
            db.close()
            raise
        for line in recovered:
            log.warning("%s: %s", path, line)
        return state

    @staticmethod
    def _prepare(db: sqlite3.Connection, path: Path) -> None:
        check = db.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise _broken(path, f"integrity check: {check[0] if check else 'no answer'}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateError(f"{path}: state schema {version} is from a newer digest (this one reads {SCHEMA_VERSION})")
        if version == SCHEMA_VERSION:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"runs", "facts", "pending"} <= tables:
                raise _broken(path, "tables missing")
            return
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if tables:
            raise StateError(f"{path}: an SQLite database, but not a digest state (tables: {', '.join(tables)})")
        db.execute("BEGIN IMMEDIATE")
        try:
            # one statement at a time: executescript would COMMIT this transaction early
            for statement in filter(str.strip, SCHEMA.split(";")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "State":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def history(self, before: date) -> History:
        """Every fact published by a digest dated before ``before``."""
        try:
            rows = self._db.execute(
                "SELECT date, fingerprint, text, tokens, numbers, names FROM facts WHERE date < ? ORDER BY date, rowid",
                (before.isoformat(),),
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _sqlite_error(self.path, exc) from None
        return History(before, tuple(
            Published(d, fp, text, frozenset(tokens.split()), frozenset(numbers.split()), frozenset(names.split()))
            for d, fp, text, tokens, numbers, names in rows
        ))

    def dates(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT date FROM runs ORDER BY date")]

    def run_outputs(self, day: date) -> list[dict] | None:
        row = self._db.execute("SELECT outputs FROM runs WHERE date = ?", (day.isoformat(),)).fetchone()
        return None if row is None else json.loads(row[0])

    def intend(self, day: date, facts: Sequence[Fact], outputs: Mapping[Path, str], config: Config) -> None:
        """Note, before any output is renamed into place, what this run is about to publish.

        ``outputs`` maps each file to the sha256 of its new content. If the run dies while
        renaming, the next ``State.open`` compares the files with this note and records
        what really is on disk (see ``recover``).
        """
        rows = _fact_rows(day, facts, config)
        files = [{"path": str(Path(p).resolve()), "sha256": h} for p, h in outputs.items()]
        self._transaction(
            ("DELETE FROM pending WHERE date = ?", (day.isoformat(),)),
            ("INSERT INTO pending (date, created_at, outputs, facts) VALUES (?, ?, ?, ?)",
             (day.isoformat(), _now(), json.dumps(files), json.dumps(rows))),
        )

    def record(self, day: date, facts: Sequence[Fact], outputs: Sequence[Path], config: Config,
               before_commit: Callable[[], None] | None = None) -> None:
        """Remember ``facts`` as published on ``day``, replacing what a rerun of ``day`` recorded.

        Call once every output is in place. One transaction: a run killed half-way leaves
        the previous record whole (and ``recover`` finishes it from the ``intend`` note).
        """
        files = [{"path": str(Path(p).resolve()), "sha256": _sha256(Path(p))} for p in outputs]
        self._replace(day.isoformat(), files, _fact_rows(day, facts, config), before_commit)

    def _replace(self, day: str, files: list[dict], rows: Sequence[Sequence], before_commit=None, keep=False) -> None:
        statements = [] if keep else [("DELETE FROM facts WHERE date = ?", (day,))]
        statements += [
            ("DELETE FROM runs WHERE date = ?", (day,)),
            ("DELETE FROM pending WHERE date = ?", (day,)),
            ("INSERT INTO runs (date, created_at, outputs) VALUES (?, ?, ?)", (day, _now(), json.dumps(files))),
        ]
        self._transaction(*statements, many=("INSERT OR IGNORE INTO facts VALUES (?, ?, ?, ?, ?, ?)", rows),
                          before_commit=before_commit)

    def _transaction(self, *statements, many=None, before_commit=None) -> None:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    db.execute(sql, args)
                if many is not None:
                    db.executemany(many[0], [tuple(r) for r in many[1]])
                if before_commit is not None:
                    before_commit()
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            raise _sqlite_error(self.path, exc) from None

    def recover(self) -> list[str]:
        """Finish what a killed run left between its ``intend`` note and its ``record``.

        Every file as noted: the renames were done, so the note becomes the record. None:
        nothing was renamed, the note is dropped. Some: the folder mixes both runs, so the
        date keeps its old facts *and* gains the new ones (anything a reader may have seen
        counts as published) and a warning says to re-run that date. Call under the lock.

        Returns:
            One line per recovered date, for the log.
        """
        said = []
        for day, outputs, rows in self._db.execute("SELECT date, outputs, facts FROM pending ORDER BY date").fetchall():
            files = json.loads(outputs)
            on_disk = [{"path": f["path"], "sha256": _sha256(Path(f["path"]))} for f in files]
            done = [f for f, d in zip(files, on_disk) if f["sha256"] == d["sha256"]]
            if len(done) == len(files):
                self._replace(day, files, json.loads(rows))
                said.append(f"{day}: an interrupted run had written every output; its record is now complete")
            elif not done:
                self._transaction(("DELETE FROM pending WHERE date = ?", (day,)))
                said.append(f"{day}: an interrupted run wrote no output; nothing to recover")
            else:
                self._replace(day, on_disk, json.loads(rows), keep=True)
                said.append(f"{day}: an interrupted run left old and new outputs side by side; "
                            f"run that date again to make them whole")
        return said


def _fact_rows(day: date, facts: Sequence[Fact], config: Config) -> list[list[str]]:
    """The facts table's rows for ``facts`` on ``day`` (one per fingerprint)."""
    analyse = Analyser(config.language)  # the stored stems and names are of plain analyses
    rows: dict[str, list[str]] = {}
    for fact in facts:
        a = analyse(fact.text)
        fp = fingerprint(a)
        rows.setdefault(fp, [day.isoformat(), fp, fact.text, " ".join(sorted(a.content)),
                             " ".join(sorted(a.numbers)), " ".join(sorted(a.names))])
    return list(rows.values())


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# --------------------------------------------------------------------------- the lock


@contextmanager
def lock(path: str | os.PathLike, timeout: float) -> Iterator[Path]:
    """Hold an exclusive flock on ``path`` for the block; wait up to ``timeout`` seconds.

    The kernel drops the lock when the process dies, so a killed run never leaves it held.

    Raises:
        TemporaryFailure: another process still held it after ``timeout`` seconds.
        OutputError: the lock file cannot be created.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the lock file: {exc.strerror}") from None
    try:
        deadline = time.monotonic() + max(0.0, timeout)
        waiting = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waiting:
                    waiting = True
                    log.info("waiting up to %g s for another digest run (it holds %s)", timeout, path)
                if time.monotonic() >= deadline:
                    raise TemporaryFailure(
                        f"another digest run holds {path}; gave up after {timeout:g} s"
                    ) from None
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())) or 0.01)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for a curious admin
        yield path
    finally:
        os.close(fd)  # closing releases the flock
