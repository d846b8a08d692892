"""The memory between runs: fingerprints, screening, the database, the lock, --since, config."""
from __future__ import annotations

import json
import os
import sqlite3
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import cli
from digest.config import Config, StateConfig, default_state_path, load_config
from digest.analysis import analyse
from digest.errors import ConfigError, NoInputError, OutputError, StateError, TemporaryFailure, UsageError
from digest.models import Article, Fact, Sentence
from digest.pipeline import lock_path, published_since, since_moment
from digest.state import SCHEMA_VERSION, History, Published, State, fingerprint, lock, screen

CONFIG = Config()


def fact(text: str, article: int = 0, position: int = 0) -> Fact:
    s = Sentence(text=text, article=article, paragraph=0, position=position)
    return Fact(sentence=s, members=(s,), sources=(article,))


def published(text: str, day: str = "2026-11-16") -> Published:
    a = analyse(text)
    return Published(day, fingerprint(a), text, a.content, a.numbers, a.names)


def history(*texts: str) -> History:
    return History(date(2026, 11, 17), tuple(published(t) for t in texts))


# --------------------------------------------------------------------------- fingerprints


@pytest.mark.parametrize("a, b", [
    ("The library held 12,000 rare volumes.", "12000 rare volumes, the library held."),
    ("Ten firefighters fought the blaze.", "10 firefighters fought the blaze, he said."),
    ("The council’s vote passed.", "The council's vote passed."),
])
def test_fingerprint_survives_rewording(a, b):
    assert fingerprint(analyse(a)) == fingerprint(analyse(b))


def test_fingerprint_differs_on_numbers():
    assert fingerprint(analyse("16 votes in favour.")) != fingerprint(analyse("18 votes in favour."))


# --------------------------------------------------------------------------- screening

OLD_LIBRARY = "The library, built in 1892, held about 12,000 rare volumes."
OLD_FIRE = "Fire chief Ingrid Solberg said 40 firefighters fought the blaze for six hours."
OLD_OSEI = "Council leader Hanna Osei said the vote showed that clean water is not a question of left or right."


@pytest.mark.parametrize("new, verdict, added", [
    # the same statement, however worded: left out
    (OLD_LIBRARY, "already published", ()),
    ("About 12,000 rare volumes were held by the library, which was built in 1892.", "already published", ()),
    ("Firefighters fought the blaze for six hours, fire chief Ingrid Solberg said.", "already published", ()),
    ("The library held about 12,000 rare volumes.", "already published", ()),  # says less
    # new numbers or names: kept as an update
    ("Fire chief Ingrid Solberg said 55 firefighters fought the blaze for eight hours.", "update", ("55", "8")),
    ("Council leader Hanna Osei and her deputy Jon Berg said the vote showed that clean water is not a "
     "question of left or right.", "update", ("berg", "jon")),
    # a different person: the names disagree, so a name said on another day still counts
    ("Fire chief Hanna Osei said 40 firefighters fought the blaze for six hours.", "update", ("hanna", "osei")),
    # a new statement: not matched at all
    ("He did not say when the library might reopen.", None, ()),
    ("Police arrested a 23-year-old man on Monday.", None, ()),
])
def test_screen(new, verdict, added):
    result = screen([fact(new)], history(OLD_LIBRARY, OLD_FIRE, OLD_OSEI), CONFIG)
    if verdict is None:
        assert result.facts == (fact(new),) and not result.recalls and not result.updates
        return
    (recall,) = result.recalls
    assert recall.verdict == verdict
    assert recall.added == added
    assert (fact(new) in result.facts) == (verdict == "update")
    assert (fact(new) in result.updates) == (verdict == "update")


def test_screen_a_weekday_is_not_news():
    old = "The bridge was closed to all traffic on Thursday after inspectors found cracks."
    new = "The bridge was closed to all traffic on Friday after inspectors found cracks."
    assert screen([fact(new)], history(old), CONFIG).facts == ()


def test_screen_without_history_keeps_everything():
    facts = [fact(OLD_LIBRARY), fact(OLD_FIRE, 1)]
    assert screen(facts, None, CONFIG).facts == tuple(facts)
    assert screen(facts, History(date(2026, 11, 17)), CONFIG).facts == tuple(facts)


SENTENCES = st.lists(
    st.sampled_from([OLD_LIBRARY, OLD_FIRE, OLD_OSEI,
                     "Talks between the union and the rail operator broke down on Monday evening.",
                     "Police arrested a 23-year-old man on suspicion of arson.",
                     "Commuters were advised to work from home on both strike days.",
                     "Fire chief Ingrid Solberg said 55 firefighters fought the blaze for eight hours."]),
    min_size=0, max_size=7, unique=True,
)


@settings(max_examples=40, deadline=None)
@given(SENTENCES, SENTENCES)
def test_screen_properties(today, before):
    facts = [fact(t, i, i) for i, t in enumerate(today)]
    result = screen(facts, history(*before), CONFIG)
    # a subset, in the original order, updates among the kept
    assert list(result.facts) == [f for f in facts if f in result.facts]
    assert result.updates <= set(result.facts)
    # screening against its own record leaves nothing (a fact is never new twice)
    assert screen(facts, history(*today), CONFIG).facts == ()


def test_screen_thousands_of_facts_is_fast():
    old = [published(f"Item {i} of the council budget allocates {i * 7} crowns to district {i % 97}.") for i in range(3000)]
    new = [fact(f"The minister for district {i} announced {i * 3} new bus routes on road {i + 5}.", i) for i in range(1500)]
    start = time.perf_counter()
    result = screen(new, History(date(2026, 11, 17), tuple(old)), CONFIG)
    assert time.perf_counter() - start < 20
    assert len(result.facts) == 1500


# --------------------------------------------------------------------------- the database


def test_state_round_trip(tmp_path):
    path = tmp_path / "sub" / "state.sqlite"
    with State.open(path) as state:
        state.record(date(2026, 11, 16), [fact(OLD_LIBRARY), fact(OLD_FIRE)], [], CONFIG)
        state.record(date(2026, 11, 17), [fact(OLD_OSEI)], [], CONFIG)
        assert [p.text for p in state.history(date(2026, 11, 17)).published] == [OLD_LIBRARY, OLD_FIRE]
        assert state.history(date(2026, 11, 16)).published == ()  # the date's own facts are not old
        assert len(state.history(date(2026, 11, 18)).published) == 3
        # a rerun of a date replaces its record
        state.record(date(2026, 11, 16), [fact(OLD_FIRE)], [], CONFIG)
        assert [p.text for p in state.history(date(2026, 11, 17)).published] == [OLD_FIRE]
        assert state.dates() == ["2026-11-16", "2026-11-17"]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_state_record_is_one_transaction(tmp_path):
    path = tmp_path / "state.sqlite"
    with State.open(path) as state:
        state.record(date(2026, 11, 16), [fact(OLD_LIBRARY)], [], CONFIG)

        def boom():
            raise RuntimeError("killed")

        with pytest.raises(RuntimeError):
            state.record(date(2026, 11, 16), [fact(OLD_FIRE), fact(OLD_OSEI)], [], CONFIG, before_commit=boom)
        assert [p.text for p in state.history(date(2026, 11, 17)).published] == [OLD_LIBRARY]


@pytest.mark.parametrize("content, message", [
    (b"this is not a database, just some bytes that happen to be long enough" * 100, "unreadable"),
    (b"SQLite format 3\x00" + b"\xff" * 4000, "unreadable"),
])
def test_corrupted_state_is_refused_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "state.sqlite"
    path.write_bytes(content)
    with pytest.raises(StateError) as err:
        State.open(path)
    assert message in err.value.message and "--no-state" in err.value.message
    assert err.value.exit_code == 65
    assert path.read_bytes() == content  # never overwritten: the user decides


def test_empty_or_missing_state_is_created(tmp_path):
    (tmp_path / "empty.sqlite").write_bytes(b"")
    for path in (tmp_path / "empty.sqlite", tmp_path / "new" / "missing.sqlite"):
        with State.open(path) as state:
            assert state.dates() == []


def test_foreign_or_newer_database_is_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)")
    with pytest.raises(StateError, match="not a digest state"):
        State.open(other)
    newer = tmp_path / "newer.sqlite"
    State.open(newer).close()
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StateError, match="newer digest"):
        State.open(newer)


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


# --------------------------------------------------------------------------- --since

NOW = datetime(2026, 11, 17, 7, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, expected", [
    ("24h", NOW - timedelta(hours=24)),
    ("7d", NOW - timedelta(days=7)),
    ("90m", NOW - timedelta(minutes=90)),
    ("2w", NOW - timedelta(weeks=2)),
    ("2026-11-16", datetime(2026, 11, 16, tzinfo=timezone.utc)),
    ("2026-11-16T12:30:00+01:00", datetime(2026, 11, 16, 11, 30, tzinfo=timezone.utc)),
])
def test_since_moment(value, expected):
    assert since_moment(value, NOW) == expected


@pytest.mark.parametrize("value", ["yesterday", "24", "h24", "2026-13-01"])
def test_since_moment_rejects(value):
    with pytest.raises(UsageError, match="--since"):
        since_moment(value, NOW)


def test_published_since_uses_front_matter_then_mtime(tmp_path):
    old_file, new_file = tmp_path / "old.txt", tmp_path / "new.txt"
    old_file.write_text("x")
    new_file.write_text("x")
    os.utime(old_file, (NOW.timestamp() - 3 * 86400,) * 2)
    os.utime(new_file, (NOW.timestamp() - 3600,) * 2)
    art = lambda i, when, path: Article(i, f"u{i}", "t", None, when, "b", str(path))  # noqa: E731
    articles = (
        art(0, NOW - timedelta(days=2), tmp_path / "x"),  # dated, too old
        art(1, None, old_file),  # undated, old file
        art(2, NOW - timedelta(hours=1), tmp_path / "x"),  # dated, recent
        art(3, None, new_file),  # undated, recent file
    )
    kept = published_since(articles, NOW - timedelta(hours=24), CONFIG)
    assert [a.url for a in kept] == ["u2", "u3"] and [a.id for a in kept] == [0, 1]
    with pytest.raises(NoInputError, match="every article is published before"):
        published_since(articles[:2], NOW - timedelta(hours=24), Config(inputs=("in",)))


# --------------------------------------------------------------------------- configuration


def test_config_precedence_flags_env_file_defaults(tmp_path):
    path = tmp_path / "digest.toml"
    path.write_text('max_words = 200\nlock_timeout = 5\nsince = "7d"\n[state]\npath = "/file/state.sqlite"\n'
                    '[smtp]\nhost = "file.example"\n')
    env = {"DIGEST_MAX_WORDS": "300", "DIGEST_SMTP__HOST": "env.example", "DIGEST_STATE__ENABLED": "false"}
    config = load_config(path, flags={"max_words": 400, "state": {"path": "/flag.sqlite"}}, environ=env)
    assert config.max_words == 400  # flag beats env beats file
    assert config.smtp.host == "env.example"  # env beats file
    assert config.state == StateConfig(path="/flag.sqlite", enabled=False)
    assert config.lock_timeout == 5.0 and config.since == "7d"  # file beats defaults
    assert config.algorithm == Config().algorithm  # default
    assert load_config(path, environ={}).max_words == 200


def test_default_state_path_follows_xdg(tmp_path):
    assert default_state_path({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "digest" / "state.sqlite"


@pytest.mark.parametrize("text, message", [
    ("colour = 1\n", "unknown configuration key 'colour'"),
    ("[state]\npth = 'x'\n", "unknown configuration key 'state.pth'"),
    ("max_words = 'many'\n", "max_words: expected an integer"),
    ("[state]\nenabled = 'sometimes'\n", "state.enabled: expected true or false"),
    ("state = 'x.sqlite'\n", "state: expected a table"),
    ("max_words = [\n", "not valid TOML"),
])
def test_broken_config_file(tmp_path, text, message):
    path = tmp_path / "digest.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    assert message in err.value.message and str(path) in err.value.message
    assert err.value.exit_code == 78


def test_test_hook_variable_is_not_a_config_key():
    assert load_config(environ={"DIGEST_TEST_PAUSE_AT": "built"}) == load_config(environ={})


def test_digest_config_prints_the_state_table(tmp_path, capsys, monkeypatch):
    path = tmp_path / "digest.toml"
    path.write_text('[state]\npath = "/srv/digest/state.sqlite"\n')
    monkeypatch.setenv("DIGEST_LOCK_TIMEOUT", "9")
    assert cli.main(["config", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert '[state]\npath = "/srv/digest/state.sqlite"\nenabled = true' in out
    assert "lock_timeout = 9.0" in out
    assert cli.main(["config", "--config", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == {"path": "/srv/digest/state.sqlite", "enabled": True}


def test_readme_example_config_is_valid_and_all_defaults(tmp_path):
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    example = readme.split("A complete `digest.toml`", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "digest.toml"
    path.write_text(example)
    assert load_config(path, environ={}) == Config()


def test_read_only_state_is_a_write_error_not_corruption(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes through read-only permissions")
    folder = tmp_path / "ro"
    folder.mkdir()
    State.open(folder / "state.sqlite").close()
    folder.chmod(0o500)
    (folder / "state.sqlite").chmod(0o400)
    try:
        with pytest.raises(OutputError, match="cannot write the state database"):
            with State.open(folder / "state.sqlite") as state:
                state.record(date(2026, 11, 16), [fact(OLD_FIRE)], [], CONFIG)
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
    from digest.state import _sqlite_error

    err = _sqlite_error(Path("s.sqlite"), error)
    assert type(err) is kind and err.exit_code == code and err.message.startswith("s.sqlite: ")
