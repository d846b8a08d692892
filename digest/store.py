"""The store: what earlier digests published, in SQLite, so tomorrow's can leave it out.

A SQLite database (WAL, one transaction per change, schema version in ``PRAGMA
user_version``) keeps, per digest date, the facts that digest published
(``models.Published``: the records ``recall.published`` makes) and the files it wrote.
Every change goes through ``Store.atomic()``, one transaction that commits whole or not
at all. A new database is built beside its path and renamed into place, so an empty
file is never a fresh memory: it is damage, and refused.

Open it under the run's lock (``lock.lock``): ``Store.open`` finishes what a killed run
left between noting its outputs (``intend``) and recording them (``record``).

Schema 2 adds what ``digest.feeds`` remembers of each subscription (validators, failures,
back-off) and of each entry it read, the stories each digest published (a later story
continues from them), and the chat channels notified per date; a schema-1 file is
migrated in place, in one transaction, the first time a newer digest opens it.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import stat
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from .config import Config, default_state_path
from .errors import DigestError, OutputError, StateError, TemporaryFailure
from .files import file_sha256, kind, shown
from .models import FeedState, History, Published, ReadEntry, RunExtras, StoryRecord, iso_day

__all__ = ["SCHEMA_VERSION", "Store", "state_path"]

log = logging.getLogger("digest")

SCHEMA_VERSION = 2
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
# From one schema version to the next: the statements that make version N out of N - 1.
MIGRATIONS = {
    2: """
CREATE TABLE feeds (                -- each subscription (digest.feeds), by its configured URL
    url TEXT PRIMARY KEY,
    etag TEXT,                      -- validators for the next conditional GET
    last_modified TEXT,
    last_success TEXT,              -- UTC ISO 8601 times
    last_attempt TEXT,
    failures INTEGER NOT NULL DEFAULT 0,  -- consecutive failed fetches
    failing_since TEXT,
    next_try TEXT,                  -- back-off: not fetched before this
    last_error TEXT,
    moved_to TEXT                   -- a permanent redirect's target
);
CREATE TABLE entries (              -- every feed entry read: never read again on a later date
    feed TEXT NOT NULL,
    key TEXT NOT NULL,              -- the entry's id, else its link, else a hash of its text
    date TEXT NOT NULL,             -- the digest it was read for
    article TEXT,                   -- the article as read (JSON), for a rerun (kept ENTRY_TEXT_DAYS)
    PRIMARY KEY (feed, key)
);
CREATE INDEX entries_by_date ON entries(date);
CREATE TABLE stories (              -- the sections each digest published
    date TEXT NOT NULL,
    position INTEGER NOT NULL,      -- 1-based, as the page's #story-N
    title TEXT NOT NULL,
    fingerprints TEXT NOT NULL,     -- space-separated, of the facts it published
    PRIMARY KEY (date, position)
);
CREATE TABLE notified (             -- chat channels a date's digest was delivered to
    date TEXT NOT NULL,
    channel TEXT NOT NULL,          -- sha256 of the apprise URL (no secrets stored)
    at TEXT NOT NULL,
    PRIMARY KEY (date, channel)
);
-- the RunExtras (JSON) a pending note holds beside its outputs and facts
ALTER TABLE pending ADD COLUMN extras TEXT
""",
}
V1_TABLES = frozenset({"runs", "facts", "pending"})
TABLES = V1_TABLES | {"feeds", "entries", "stories", "notified"}
ENTRY_TEXT_DAYS = 30  # a read entry's text is kept this long (a rerun of an older date lacks it)
ENTRY_KEY_DAYS = 400  # and its key this long (no feed keeps an entry longer)
FEED_COLUMNS = tuple(f.name for f in dataclasses.fields(FeedState))
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
                for statement in _statements(SCHEMA, *(MIGRATIONS[v] for v in sorted(MIGRATIONS))):
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
        if 1 <= version < SCHEMA_VERSION and V1_TABLES <= tables:
            with self.atomic() as db:  # under the run's lock: no other digest is reading it
                for statement in _statements(*(MIGRATIONS[v] for v in range(version + 1, SCHEMA_VERSION + 1))):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            log.info("%s: state schema %d migrated to %d", shown(self.path), version, SCHEMA_VERSION)
            version = SCHEMA_VERSION
            tables = {r[0] for r in self._select("SELECT name FROM sqlite_master WHERE type = 'table'")}
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
        """Every fact published by a digest dated before ``before``, and those digests' stories."""
        rows = self._select(f"SELECT {', '.join(FACT_COLUMNS)} FROM facts WHERE date < ? ORDER BY date, rowid",
                            (before.isoformat(),))
        published = tuple(self._published(row, "facts") for row in rows)
        return History(before, published, tuple(self.story_records([p.date for p in published])))

    def dates(self) -> list[str]:
        return [self._day(r[0], "runs") for r in self._select("SELECT date FROM runs ORDER BY date")]

    def run_outputs(self, day: date) -> list[dict] | None:
        rows = self._select("SELECT outputs FROM runs WHERE date = ?", (day.isoformat(),))
        return None if not rows else self._files(rows[0][0], "runs")

    def intend(self, day: date, records: Sequence[Published], outputs: Mapping[Path, str],
               extras: RunExtras | None = None) -> None:
        """Note, before any output is renamed into place, what this run is about to publish.

        ``outputs`` maps each file to the sha256 of its new content. If the run dies while
        renaming, the next ``Store.open`` compares the files with this note and records
        what really is on disk (see ``recover``).
        """
        files = [{"path": str(Path(p).resolve()), "sha256": h} for p, h in outputs.items()]
        with self.atomic() as db:
            db.execute("DELETE FROM pending WHERE date = ?", (day.isoformat(),))
            db.execute("INSERT INTO pending (date, created_at, outputs, facts, extras) VALUES (?, ?, ?, ?, ?)",
                       (day.isoformat(), _now(), json.dumps(files), json.dumps([_row(r) for r in records]),
                        _extras_json(extras or RunExtras())))

    def record(self, day: date, records: Sequence[Published], outputs: Sequence[Path],
               before_commit: Callable[[], None] | None = None, extras: RunExtras | None = None) -> None:
        """Remember ``records`` as published on ``day``, replacing what a rerun of ``day`` recorded.

        Call once every output is in place. One transaction: a run killed half-way leaves
        the previous record whole (and ``recover`` finishes it from the ``intend`` note).
        ``before_commit`` runs inside the transaction, just before it commits. ``extras``
        (the run's feeds and stories) are recorded in the same transaction.
        """
        files = [{"path": str(Path(p).resolve()), "sha256": file_sha256(p)} for p in outputs]
        self._replace(day.isoformat(), files, [_row(r) for r in records], before_commit=before_commit,
                      extras=extras)

    def _replace(self, day: str, files: list[dict], rows: Sequence[Sequence[str]],
                 before_commit: Callable[[], None] | None = None, keep: bool = False,
                 extras: RunExtras | None = None) -> None:
        with self.atomic() as db:
            if extras is not None:
                _write_extras(db, day, extras)
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
        for day, outputs, facts, extras in self._select(
                "SELECT date, outputs, facts, extras FROM pending ORDER BY date"):
            day = self._day(day, "pending")
            files = self._files(outputs, "pending")
            noted = self._extras(extras)
            rows = [_row(self._published(row, "pending")) for row in self._json(facts, "pending", "facts", list)]
            on_disk = [{"path": f["path"], "sha256": file_sha256(f["path"])} for f in files]
            done = [f for f, d in zip(files, on_disk) if f["sha256"] == d["sha256"]]
            if len(done) == len(files):
                self._replace(day, files, rows, extras=noted)
                said.append(f"{day}: an interrupted run had written every output; its record is now complete")
            elif not done:
                with self.atomic() as db:
                    db.execute("DELETE FROM pending WHERE date = ?", (day,))
                said.append(f"{day}: an interrupted run wrote no output; nothing to recover")
            else:
                self._replace(day, on_disk, rows, keep=True, extras=noted)
                said.append(f"{day}: an interrupted run left old and new outputs side by side; "
                            f"run that date again to make them whole")
        return said

    # --- feeds, entries, stories, notifications (schema 2) ----------------------------------

    def feed_states(self) -> dict[str, FeedState]:
        """What is remembered of every subscription, by URL."""
        rows = self._select(f"SELECT {', '.join(FEED_COLUMNS)} FROM feeds ORDER BY url")
        return {state.url: state for state in (self._feed_state(row) for row in rows)}

    def save_feed_states(self, states: Sequence[FeedState]) -> None:
        """Remember how each fetch went now, whatever becomes of the run (failures, back-off)."""
        if states:
            with self.atomic() as db:
                _write_feed_states(db, states)

    def entry_dates(self, feeds: Sequence[str]) -> dict[tuple[str, str], str]:
        """(feed, key) -> the date each entry of ``feeds`` was read for."""
        found: dict[tuple[str, str], str] = {}
        for feed in dict.fromkeys(feeds):
            for key, day in self._select("SELECT key, date FROM entries WHERE feed = ?", (feed,)):
                found[(feed, self._text(key, "entries", "key"))] = self._day(day, "entries")
        return found

    def entries_read_on(self, day: date) -> list[ReadEntry]:
        """The entries read for ``day`` with their text (a rerun of that date reads them again)."""
        rows = self._select("SELECT feed, key, date, article FROM entries WHERE date = ? AND article IS NOT NULL "
                            "ORDER BY rowid", (day.isoformat(),))
        return [ReadEntry(*(self._text(v, "entries", c) for v, c in zip(row, ("feed", "key", "date", "article"))))
                for row in rows]

    def story_records(self, dates: Sequence[str]) -> list[StoryRecord]:
        """The sections the digests of ``dates`` published."""
        out = []
        for day in sorted(set(dates)):
            for d, position, title, prints in self._select(
                    "SELECT date, position, title, fingerprints FROM stories WHERE date = ? ORDER BY position", (day,)):
                if not isinstance(position, int):
                    raise _broken(self.path, "a stories row holds a position that is not a number")
                out.append(StoryRecord(self._day(d, "stories"), position, self._text(title, "stories", "title"),
                                       tuple(self._text(prints, "stories", "fingerprints").split())))
        return out

    def notified(self, day: date) -> set[str]:
        """The channels (hashed) the digest of ``day`` was delivered to."""
        return {self._text(r[0], "notified", "channel")
                for r in self._select("SELECT channel FROM notified WHERE date = ?", (day.isoformat(),))}

    def note_notified(self, day: date, channel: str) -> None:
        with self.atomic() as db:
            db.execute("INSERT OR REPLACE INTO notified (date, channel, at) VALUES (?, ?, ?)",
                       (day.isoformat(), channel, _now()))

    def _feed_state(self, row: Sequence[Any]) -> FeedState:
        values = dict(zip(FEED_COLUMNS, row))
        for column, value in values.items():
            if column == "failures":
                if not isinstance(value, int):
                    raise _broken(self.path, "a feeds row holds failures that are not a number")
            elif value is not None:
                self._text(value, "feeds", column)
        return FeedState(**values)

    def _extras(self, value: Any) -> RunExtras:
        """The extras a pending note holds (none for a note written by schema 1)."""
        if value is None:
            return RunExtras()
        data = self._json(value, "pending", "extras", dict)
        try:
            return RunExtras(
                feeds=tuple(FeedState(**f) for f in data.get("feeds", ())),
                entries=tuple(ReadEntry(**e) for e in data.get("entries", ())),
                stories=tuple(StoryRecord(s["date"], s["position"], s["title"], tuple(s["fingerprints"]))
                              for s in data.get("stories", ())),
            )
        except (TypeError, KeyError, AttributeError):
            raise _broken(self.path, "a pending row's extras are not a run's feeds and stories") from None

    # A row edited by hand (text where JSON belongs, a blob, a key missing) is damage: exit 65
    # naming the table, never a crash.

    def _text(self, value: Any, table: str, column: str) -> str:
        if not isinstance(value, str):
            raise _broken(self.path, f"a {table} row's {column} is {type(value).__name__}, not text")
        return value

    def _day(self, value: Any, table: str) -> str:
        """A row's date column, which later stages parse: YYYY-MM-DD text."""
        text = self._text(value, table, "date")
        try:
            iso_day(text)
        except ValueError:
            raise _broken(self.path, f"a {table} row's date {text[:40]!r} is not a YYYY-MM-DD date") from None
        return text

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
        return Published(self._day(d, table), fp, text, frozenset(tokens.split()), frozenset(numbers.split()), frozenset(names.split()))


def _statements(*scripts: str) -> list[str]:
    return [s for script in scripts for s in script.split(";") if s.strip()]


def _extras_json(extras: RunExtras) -> str:
    return json.dumps({
        "feeds": [dataclasses.asdict(f) for f in extras.feeds],
        "entries": [dataclasses.asdict(e) for e in extras.entries],
        "stories": [{**dataclasses.asdict(s), "fingerprints": list(s.fingerprints)} for s in extras.stories],
    })


def _write_feed_states(db: sqlite3.Connection, states: Sequence[FeedState]) -> None:
    db.executemany(f"INSERT OR REPLACE INTO feeds ({', '.join(FEED_COLUMNS)}) VALUES "
                   f"({', '.join('?' * len(FEED_COLUMNS))})",
                   [tuple(getattr(s, c) for c in FEED_COLUMNS) for s in states])


def _write_extras(db: sqlite3.Connection, day: str, extras: RunExtras) -> None:
    """A run's feeds, read entries and stories, inside its record's transaction."""
    _write_feed_states(db, extras.feeds)
    # An entry keeps the earliest date it was read for (and that date's text).
    db.executemany("INSERT INTO entries (feed, key, date, article) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (feed, key) DO UPDATE SET "
                   "article = CASE WHEN excluded.date <= date THEN excluded.article ELSE article END, "
                   "date = min(date, excluded.date)",
                   [(e.feed, e.key, e.date, e.article) for e in extras.entries])
    db.execute("DELETE FROM stories WHERE date = ?", (day,))
    db.executemany("INSERT INTO stories (date, position, title, fingerprints) VALUES (?, ?, ?, ?)",
                   [(s.date, s.position, s.title, " ".join(s.fingerprints)) for s in extras.stories])
    today = date.fromisoformat(day)
    db.execute("UPDATE entries SET article = NULL WHERE date < ? AND article IS NOT NULL",
               ((today - timedelta(days=ENTRY_TEXT_DAYS)).isoformat(),))
    db.execute("DELETE FROM entries WHERE date < ?", ((today - timedelta(days=ENTRY_KEY_DAYS)).isoformat(),))


def _row(record: Published) -> list[str]:
    """A fact's row in the facts table (and in a pending note's JSON)."""
    return [record.date, record.fingerprint, record.text, " ".join(sorted(record.tokens)),
            " ".join(sorted(record.numbers)), " ".join(sorted(record.names))]


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()
