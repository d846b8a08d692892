"""Configuration (defaults < file < environment < flags) and the --since window."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from digest import cli
from digest.config import Config, StateConfig, default_state_path, load_config
from digest.errors import ConfigError, NoInputError, UsageError
from digest.models import Article
from digest.pipeline import published_since, since_moment

CONFIG = Config()


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


@pytest.mark.parametrize("value", ["yesterday", "24", "h24", "2026-13-01", "\u0662\u0664h", "\u0667d", "20261116",
                                   "20261116T0000"])
def test_since_moment_rejects(value):
    with pytest.raises(UsageError, match="--since"):
        since_moment(value, NOW)


@pytest.mark.parametrize("value", ["20261120", "2026-W47-5", "\u0662\u0660\u0662\u0666-11-20", "2026-11-20x"])
def test_date_must_be_yyyy_mm_dd(cli, tmp_path, value):
    (tmp_path / "a.txt").write_text("The harbour bridge reopened on Friday after three weeks of repairs.\n")
    r = cli("run", str(tmp_path / "a.txt"), "--no-state", "--date", value, "--out", str(tmp_path / "out"))
    assert r.returncode == 64 and r.stderr == f"digest: error: --date {value!r}: expected YYYY-MM-DD\n"



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
    # A library caller may give its folders as paths: the error still names them.
    with pytest.raises(NoInputError, match="^in: every article is published before"):
        published_since(articles[:2], NOW - timedelta(hours=24), Config(inputs=(Path("in"),)))


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
    ("max_words = " + "9" * 5000 + "\n", "a number of more than 4300 digits"),
    ("title = 0x" + "f" * 5000 + "\n", "title: expected a string, got a number of 20000 bits"),
])
def test_broken_config_file(tmp_path, text, message):
    path = tmp_path / "digest.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    assert message in err.value.message and str(path) in err.value.message
    assert err.value.exit_code == 78


@pytest.mark.parametrize("text, message", [
    ("atom_entries = 0\n", "atom_entries: expected from 1 to 10000, got 0"),
    ("atom_entries = -3\n", "atom_entries: expected from 1 to 10000, got -3"),
    ("max_words = 100000000000000000000\n", "max_words: expected from 1 to 1000000"),
    ("sentences = 100000000000000000000\n", "sentences: expected from 1 to 100000"),
    ("boilerplate_min_repeats = 100000000000000000000\n", "boilerplate_min_repeats: expected from 2 to 1000000"),
    ("lock_timeout = inf\n", "lock_timeout: expected from 0 to 86400, got inf"),
    ("max_words = 0x" + "f" * 5000 + "\n", "max_words: expected from 1 to 1000000, got a number of 20000 bits"),
])
def test_a_number_out_of_range_is_a_config_error_naming_the_key(cli, tmp_path, text, message):
    (tmp_path / "digest.toml").write_text(text)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("The harbour bridge reopened on Friday after three weeks of repairs.\n")
    r = cli("run", "in", "--no-state", "--format", "atom,json", "--config", "digest.toml", cwd=tmp_path)
    assert r.returncode == 78 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("digest: error: ") and message in r.stderr


def test_every_number_setting_is_range_checked():
    import dataclasses
    import typing

    from digest.config import _RANGES

    def numbers(cls, prefix=""):
        for f in dataclasses.fields(cls):
            hint = typing.get_type_hints(cls)[f.name]
            if dataclasses.is_dataclass(hint):
                yield from numbers(hint, f"{prefix}{f.name}.")
            elif {int, float} & {hint, *typing.get_args(hint)}:
                yield prefix + f.name

    assert sorted(numbers(Config)) == sorted(name for name, *_ in _RANGES)


def test_test_hook_variable_is_read_by_the_cli_alone(monkeypatch, capsys):
    monkeypatch.setenv(cli.PAUSE_ENV, "built")
    assert cli.main(["config", "--json"]) == 0  # not an unknown configuration key
    assert json.loads(capsys.readouterr().out)["max_words"] == Config().max_words
    with pytest.raises(ConfigError, match="unknown configuration key 'DIGEST_test_pause_at'"):
        load_config(environ={cli.PAUSE_ENV: "built"})  # the library does not know it


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
