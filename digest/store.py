"""The store: what earlier digests published, in SQLite, so tomorrow's can leave it out.

A SQLite database (WAL, one transaction per change, schema version in ``PRAGMA
user_version``) keeps, per digest date, the facts that digest published
(``models.Published``: the records ``recall.published`` makes) and the files it wrote.
Every change goes through ``Store.atomic()``, one transaction that commits whole or not
at all. A new database is built beside its path and renamed into place, so an empty
file is never a fresh memory: it is damage, and refused.

Open it under the run's lock (``lock.lock``): ``Store.open`` finishes what a killed run
left between noting its outputs (``intend``) and recording them (``record``).
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from .config import Config, default_state_path
from .errors import DigestError, OutputError, StateError, TemporaryFailure
from .files import file_sha256, kind, shown
from .models import History, Published

__all__ = ["SCHEMA_VERSION", "Store", "state_path"]

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
TABLES = frozenset({"runs", "facts", "pending"})
FACT_COLUMNS = ("date", "fingerprint", "text", "tokens", "numbers", "names")


def state_path(config: Config) -> Path:
    return Path(config.state.path) if config.state.path else default_state_path()


def _broken(path: Path, why: str) -> StateError:
    return StateError(
        f"{shown(path)}: the state database is unreadable ({why}); move it aside to start a new memory "
        f"(the next digest may then repeat facts already sent) or run with --no-state"
    )


def _sqlite_error(path: Path, exc: sqlite3.DatabaseError) -> DigestError:
    """The one-line error for an SQLite failure: busy (75), cannot write (73), damaged (65)."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError):
        if "locked" in text or "busy" in text:
            return TemporaryFailure(f"{shown(path)}: the state database is busy ({text}); try again later")
        if any(k in text for k in ("readonly", "read-only", "unable to open", "disk I/O", "disk is full")):
            return OutputError(f"{shown(path)}: cannot write the state database ({text})")
    return _broken(path, text)


class Store:
    """The state database. Open with ``Store.open``; use as a context manager."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        self.path = path
        self._db = connection

    @classmethod
    def open(cls, path: str | os.PathLike, timeout: float = 60.0) -> "Store":
        """Open (or create) the database at ``path``, check it, and ``recover`` what a
        killed run left unrecorded (so: open it under the lock).

        Raises:
            StateError: the file is empty, not a digest state database, damaged, or
                written by a newer digest.
            OutputError: the file or its folder cannot be created.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{shown(path.parent)}: cannot create the state folder: {exc.strerror}") from None
        busy = min(max(timeout, 1.0), 3600.0)  # the lock keeps runs apart; this is for other readers
        try:
            found = os.stat(path)
        except FileNotFoundError:
            if os.path.islink(path):
                raise StateError(f"{shown(path)}: a broken link, not a state database") from None
            cls._create(path, busy)
        except OSError as exc:
            raise OutputError(f"{shown(path)}: cannot open the state database: {exc.strerror}") from None
        else:
            if not stat.S_ISREG(found.st_mode):  # sqlite would block on a FIFO
                raise StateError(f"{shown(path)}: {kind(found.st_mode)}, not a state database")
            if found.st_size == 0:
                # A new memory is renamed into place whole: an empty file is one that lost its content.
                raise _broken(path, "the file is empty")
        store = cls(path, cls._connect(path, busy))
        try:
            store._check()
            recovered = store.recover()
        except BaseException:
            store.close()
            raise
        for line in recovered:
            log.warning("%s: %s", shown(path), line)
        return store

    @staticmethod
    def _connect(path: Path, timeout: float) -> sqlite3.Connection:
        try:
            return sqlite3.connect(path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise OutputError(f"{shown(path)}: cannot open the state database: {exc}") from None

    @classmethod
    def _create(cls, path: Path, timeout: float) -> None:
        """A new, empty digest state at ``path``, built beside it and renamed into place."""
        new = path.with_name(path.name + ".new")
        for leftover in (new, new.with_name(new.name + "-wal"), new.with_name(new.name + "-shm")):
            leftover.unlink(missing_ok=True)  # a creation killed half-way (we hold the lock)
        store = cls(new, cls._connect(new, timeout))
        try:
            store._settings()
            with store.atomic() as db:
                # one statement at a time: executescript would COMMIT this transaction early
                for statement in filter(str.strip, SCHEMA.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        finally:
            store.close()
        try:
            os.replace(new, path)
        except OSError as exc:
            new.unlink(missing_ok=True)
            raise OutputError(f"{shown(path)}: cannot create the state database: {exc.strerror}") from None

    def _settings(self) -> None:
        try:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as exc:
            raise _sqlite_error(self.path, exc) from None

    def _check(self) -> None:
        """A digest state of a schema this digest reads, not damaged."""
        db = self._db
        try:
            check = db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise _broken(self.path, f"integrity check: {check[0] if check else 'no answer'}")
            self._settings()
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise _sqlite_error(self.path, exc) from None
        if version > SCHEMA_VERSION:
            raise StateError(f"{shown(self.path)}: state schema {version} is from a newer digest "
                             f"(this one reads {SCHEMA_VERSION})")
        if version < SCHEMA_VERSION:
            if tables:
                raise StateError(f"{shown(self.path)}: an SQLite database, but not a digest state "
                                 f"(tables: {', '.join(sorted(tables))})")
            raise _broken(self.path, "no digest tables")
        if not TABLES <= tables:
            raise _broken(self.path, "tables missing")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """One transaction for the block: committed when it ends, rolled back if it raises.

        Raises:
            TemporaryFailure, OutputError, StateError: an SQLite failure (busy, cannot
                write, damaged), as one line naming the database.
        """
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            raise _sqlite_error(self.path, exc) from None

    def _select(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _sqlite_error(self.path, exc) from None

    def history(self, before: date) -> History:
        """Every fact published by a digest dated before ``before``."""
        rows = self._select(f"SELECT {', '.join(FACT_COLUMNS)} FROM facts WHERE date < ? ORDER BY date, rowid",
                            (before.isoformat(),))
        return History(before, tuple(self._published(row, "facts") for row in rows))

    def dates(self) -> list[str]:
        return [self._text(r[0], "runs", "date") for r in self._select("SELECT date FROM runs ORDER BY date")]

    def run_outputs(self, day: date) -> list[dict] | None:
        rows = self._select("SELECT outputs FROM runs WHERE date = ?", (day.isoformat(),))
        return None if not rows else self._files(rows[0][0], "runs")

    def intend(self, day: date, records: Sequence[Published], outputs: Mapping[Path, str]) -> None:
        """Note, before any output is renamed into place, what this run is about to publish.

        ``outputs`` maps each file to the sha256 of its new content. If the run dies while
        renaming, the next ``Store.open`` compares the files with this note and records
        what really is on disk (see ``recover``).
        """
        files = [{"path": str(Path(p).resolve()), "sha256": h} for p, h in outputs.items()]
        with self.atomic() as db:
            db.execute("DELETE FROM pending WHERE date = ?", (day.isoformat(),))
            db.execute("INSERT INTO pending (date, created_at, outputs, facts) VALUES (?, ?, ?, ?)",
                       (day.isoformat(), _now(), json.dumps(files), json.dumps([_row(r) for r in records])))

    def record(self, day: date, records: Sequence[Published], outputs: Sequence[Path],
               before_commit: Callable[[], None] | None = None) -> None:
        """Remember ``records`` as published on ``day``, replacing what a rerun of ``day`` recorded.

        Call once every output is in place. One transaction: a run killed half-way leaves
        the previous record whole (and ``recover`` finishes it from the ``intend`` note).
        ``before_commit`` runs inside the transaction, just before it commits.
        """
        files = [{"path": str(Path(p).resolve()), "sha256": file_sha256(p)} for p in outputs]
        self._replace(day.isoformat(), files, [_row(r) for r in records], before_commit=before_commit)

    def _replace(self, day: str, files: list[dict], rows: Sequence[Sequence[str]],
                 before_commit: Callable[[], None] | None = None, keep: bool = False) -> None:
        with self.atomic() as db:
            if not keep:
                db.execute("DELETE FROM facts WHERE date = ?", (day,))
            db.execute("DELETE FROM runs WHERE date = ?", (day,))
            db.execute("DELETE FROM pending WHERE date = ?", (day,))
            db.execute("INSERT INTO runs (date, created_at, outputs) VALUES (?, ?, ?)", (day, _now(), json.dumps(files)))
            db.executemany(f"INSERT OR IGNORE INTO facts VALUES ({', '.join('?' * len(FACT_COLUMNS))})",
                           [tuple(r) for r in rows])
            if before_commit is not None:
                before_commit()

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
        for day, outputs, facts in self._select("SELECT date, outputs, facts FROM pending ORDER BY date"):
            day = self._text(day, "pending", "date")
            files = self._files(outputs, "pending")
            rows = [_row(self._published(row, "pending")) for row in self._json(facts, "pending", "facts", list)]
            on_disk = [{"path": f["path"], "sha256": file_sha256(f["path"])} for f in files]
            done = [f for f, d in zip(files, on_disk) if f["sha256"] == d["sha256"]]
            if len(done) == len(files):
                self._replace(day, files, rows)
                said.append(f"{day}: an interrupted run had written every output; its record is now complete")
            elif not done:
                with self.atomic() as db:
                    db.execute("DELETE FROM pending WHERE date = ?", (day,))
                said.append(f"{day}: an interrupted run wrote no output; nothing to recover")
            else:
                self._replace(day, on_disk, rows, keep=True)
                said.append(f"{day}: an interrupted run left old and new outputs side by side; "
                            f"run that date again to make them whole")
        return said

    # A row edited by hand (text where JSON belongs, a blob, a key missing) is damage: exit 65
    # naming the table, never a crash.

    def _text(self, value: Any, table: str, column: str) -> str:
        if not isinstance(value, str):
            raise _broken(self.path, f"a {table} row's {column} is {type(value).__name__}, not text")
        return value

    def _json(self, value: Any, table: str, column: str, kind: type) -> Any:
        try:
            data = json.loads(self._text(value, table, column))
        except ValueError:
            raise _broken(self.path, f"a {table} row's {column} is not JSON") from None
        if not isinstance(data, kind):
            raise _broken(self.path, f"a {table} row's {column} is not a JSON {kind.__name__}")
        return data

    def _files(self, value: Any, table: str) -> list[dict]:
        files = self._json(value, table, "outputs", list)
        for f in files:
            if not (isinstance(f, dict) and isinstance(f.get("path"), str)
                    and (f.get("sha256") is None or isinstance(f.get("sha256"), str))):
                raise _broken(self.path, f"a {table} row's outputs are not {{path, sha256}} entries")
        return files

    def _published(self, row: Any, table: str) -> Published:
        if not isinstance(row, (list, tuple)) or len(row) != len(FACT_COLUMNS):
            raise _broken(self.path, f"a {table} fact is not {len(FACT_COLUMNS)} values")
        d, fp, text, tokens, numbers, names = (self._text(v, table, c) for v, c in zip(row, FACT_COLUMNS))
        return Published(d, fp, text, frozenset(tokens.split()), frozenset(numbers.split()), frozenset(names.split()))


def _row(record: Published) -> list[str]:
    """A fact's row in the facts table (and in a pending note's JSON)."""
    return [record.date, record.fingerprint, record.text, " ".join(sorted(record.tokens)),
            " ".join(sorted(record.numbers)), " ".join(sorted(record.names))]


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()
