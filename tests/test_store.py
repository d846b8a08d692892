"""The store (SQLite memory between runs) and the lock."""
from __future__ import annotations

import os
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest

from digest.config import Config, StateConfig
from digest.errors import OutputError, StateError, TemporaryFailure
from digest.lock import lock
from digest.models import Fact, Sentence
from digest.pipeline import lock_path
from digest.recall import published
from digest.store import SCHEMA_VERSION, Store, _sqlite_error

CONFIG = Config()


def fact(text: str, article: int = 0, position: int = 0) -> Fact:
    s = Sentence(text=text, article=article, paragraph=0, position=position)
    return Fact(sentence=s, members=(s,), sources=(article,))


def records(day: date, *facts: Fact):
    return published(day, facts, CONFIG)


OLD_LIBRARY = "The library, built in 1892, held about 12,000 rare volumes."
OLD_FIRE = "Fire chief Ingrid Solberg said 40 firefighters fought the blaze for six hours."
OLD_OSEI = "Council leader Hanna Osei said the vote showed that clean water is not a question of left or right."


# --------------------------------------------------------------------------- the database


def test_state_round_trip(tmp_path):
    path = tmp_path / "sub" / "state.sqlite"
    with Store.open(path) as store:
        store.record(date(2026, 11, 16), records(date(2026, 11, 16), fact(OLD_LIBRARY), fact(OLD_FIRE)), [])
        store.record(date(2026, 11, 17), records(date(2026, 11, 17), fact(OLD_OSEI)), [])
        assert [p.text for p in store.history(date(2026, 11, 17)).published] == [OLD_LIBRARY, OLD_FIRE]
        assert store.history(date(2026, 11, 16)).published == ()  # the date's own facts are not old
        assert len(store.history(date(2026, 11, 18)).published) == 3
        # a rerun of a date replaces its record
        store.record(date(2026, 11, 16), records(date(2026, 11, 16), fact(OLD_FIRE)), [])
        assert [p.text for p in store.history(date(2026, 11, 17)).published] == [OLD_FIRE]
        assert store.dates() == ["2026-11-16", "2026-11-17"]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_state_record_is_one_transaction(tmp_path):
    path = tmp_path / "state.sqlite"
    with Store.open(path) as store:
        store.record(date(2026, 11, 16), records(date(2026, 11, 16), fact(OLD_LIBRARY)), [])

        def boom():
            raise RuntimeError("killed")

        with pytest.raises(RuntimeError):
            store.record(date(2026, 11, 16), records(date(2026, 11, 16), fact(OLD_FIRE), fact(OLD_OSEI)), [],
                         before_commit=boom)
        assert [p.text for p in store.history(date(2026, 11, 17)).published] == [OLD_LIBRARY]


@pytest.mark.parametrize("content, message", [
    (b"this is not a database, just some bytes that happen to be long enough" * 100, "unreadable"),
    (b"SQLite format 3\x00" + b"\xff" * 4000, "unreadable"),
])
def test_corrupted_state_is_refused_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "state.sqlite"
    path.write_bytes(content)
    with pytest.raises(StateError) as err:
        Store.open(path)
    assert message in err.value.message and "--no-state" in err.value.message
    assert err.value.exit_code == 65
    assert path.read_bytes() == content  # never overwritten: the user decides


def test_missing_state_is_created_whole_and_an_empty_one_refused(tmp_path):
    path = tmp_path / "new" / "missing.sqlite"
    with Store.open(path) as store:
        assert store.dates() == []
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [path.name]
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")  # a fresh memory would repeat everything already sent
    with pytest.raises(StateError, match="unreadable .the file is empty.") as err:
        Store.open(empty)
    assert err.value.exit_code == 65 and empty.read_bytes() == b""


def test_atomic_commits_whole_or_not_at_all(tmp_path):
    with Store.open(tmp_path / "s.sqlite") as store:
        with pytest.raises(KeyError):
            with store.atomic() as db:
                db.execute("INSERT INTO runs VALUES ('2026-11-16', 'now', '[]')")
                raise KeyError("boom")
        assert store.dates() == []
        with store.atomic() as db:
            db.execute("INSERT INTO runs VALUES ('2026-11-16', 'now', '[]')")
        assert store.dates() == ["2026-11-16"]


def test_foreign_or_newer_database_is_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)")
    with pytest.raises(StateError, match="not a digest state"):
        Store.open(other)
    newer = tmp_path / "newer.sqlite"
    Store.open(newer).close()
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StateError, match="newer digest"):
        Store.open(newer)


# --------------------------------------------------------------------------- the lock


def test_lock_waits_then_gives_up(tmp_path):
    path = tmp_path / "state.sqlite.lock"
    with lock(path, 1):
        start = time.monotonic()
        with pytest.raises(TemporaryFailure) as err:
            with lock(path, 0.3):
                pass
        assert 0.3 <= time.monotonic() - start < 3
    assert err.value.exit_code == 75
    assert err.value.message == f"another digest run holds {path}; gave up after 0.3 s"
    with lock(path, 0):  # released
        assert path.read_text().strip() == str(os.getpid())


def test_lock_path_beside_state_or_in_output_folder(tmp_path):
    assert lock_path(Config(state=StateConfig(path=str(tmp_path / "s.db")))) == tmp_path / "s.db.lock"
    assert lock_path(Config(out=str(tmp_path), state=StateConfig(enabled=False))) == tmp_path / ".digest.lock"
    assert lock_path(Config(out="-", state=StateConfig(enabled=False))) is None


def test_read_only_state_is_a_write_error_not_corruption(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes through read-only permissions")
    folder = tmp_path / "ro"
    folder.mkdir()
    Store.open(folder / "state.sqlite").close()
    folder.chmod(0o500)
    (folder / "state.sqlite").chmod(0o400)
    try:
        with pytest.raises(OutputError, match="cannot write the state database"):
            with Store.open(folder / "state.sqlite") as store:
                store.record(date(2026, 11, 16), records(date(2026, 11, 16), fact(OLD_FIRE)), [])
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("error, kind, code", [
    (sqlite3.OperationalError("database is locked"), TemporaryFailure, 75),
    (sqlite3.OperationalError("attempt to write a readonly database"), OutputError, 73),
    (sqlite3.OperationalError("unable to open database file"), OutputError, 73),
    (sqlite3.DatabaseError("file is not a database"), StateError, 65),
    (sqlite3.DatabaseError("database disk image is malformed"), StateError, 65),
])
def test_sqlite_errors_become_one_line_errors(error, kind, code):
    err = _sqlite_error(Path("s.sqlite"), error)
    assert type(err) is kind and err.exit_code == code and err.message.startswith("s.sqlite: ")
