"""Daily runs end to end, as cron runs them: a simulated week, overlapping runs and kill -9
at every stage (real subprocesses), broken state and config files.

Runs that need no process of their own (the week, reruns, broken files) call
``cli.main`` in-process: the same command line without an interpreter start-up each."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from digest.cli import main

from digest.store import Store

ROOT = Path(__file__).resolve().parent.parent
WEEK = Path(__file__).parent / "fixtures" / "week"
DAY1, DAY2 = "2026-11-16", "2026-11-17"


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env.update(PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(home / "xdg-state"), XDG_CONFIG_HOME=str(home / "xdg-config"),
               PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def argv(home: Path, day: str, *more: str) -> list[str]:
    return [sys.executable, "-m", "digest", "run", "in", "--date", day, "--out", "out",
            "--state", "state/state.sqlite", *more]


def digest(home: Path, day: str, *more: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``digest run in --date DAY ...`` in ``home``, in-process."""
    return in_process(home, argv(home, day, *more)[3:], env)


def in_process(home: Path, args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``digest *args`` through ``cli.main`` in ``home`` with ``env``'s XDG_* and DIGEST_* variables."""
    environment = env or env_for(home)
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("DIGEST_")]:
            patch.delenv(name)
        for name, value in environment.items():
            if name.startswith(("XDG_", "DIGEST_")):
                patch.setenv(name, value)
        patch.chdir(home)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(args)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def add_day(home: Path, name: str) -> None:
    (home / "in").mkdir(exist_ok=True)
    for path in sorted((WEEK / name).glob("*.md")):
        shutil.copy(path, home / "in" / path.name)


def outputs(home: Path) -> dict[str, bytes]:
    """Every file in out/, hidden ones included, by name."""
    folder = home / "out"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder.is_dir() else {}


def digests(home: Path) -> dict[str, bytes]:
    return {k: v for k, v in outputs(home).items() if k.startswith("digest-")}


def recorded(home: Path) -> dict[str, list[str]]:
    """date -> texts the state says that date's digest published."""
    db = sqlite3.connect(home / "state" / "state.sqlite")
    try:
        rows = db.execute("SELECT date, text FROM facts ORDER BY date, text").fetchall()
    finally:
        db.close()
    out: dict[str, list[str]] = {}
    for day, text in rows:
        out.setdefault(day, []).append(text)
    return out


def recorded_outputs(home: Path, day: str) -> dict[str, str] | None:
    db = sqlite3.connect(home / "state" / "state.sqlite")
    try:
        row = db.execute("SELECT outputs FROM runs WHERE date = ?", (day,)).fetchone()
    finally:
        db.close()
    # The date's own files (a run also rewrites index.html and its neighbours' navigation).
    return None if row is None else {Path(o["path"]).name: o["sha256"] for o in json.loads(row[0])
                                     if day in Path(o["path"]).name}


def items(home: Path, day: str) -> list[dict]:
    data = json.loads((home / "out" / f"digest-{day}.json").read_text())
    return [item for section in data["sections"] for item in section["items"]]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- a simulated week


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """Day 1, then day 2 over a folder that still holds day 1's articles."""
    home = tmp_path_factory.mktemp("week")
    add_day(home, "day1")
    first = digest(home, DAY1)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""  # silent on success
    day1 = digests(home)
    add_day(home, "day2")
    second = digest(home, DAY2)
    assert second.returncode == 0, second.stderr
    return home, day1, digests(home)


REPEATED = [
    "The library, built in 1892, held about 12,000 rare volumes.",
    "Fire chief Ingrid Solberg said 40 firefighters fought the blaze for six hours.",
    "Train drivers on the Western Line will strike for two days starting on Wednesday, their union announced.",
    "A fire broke out at the Ravensholm public library late on Sunday night, destroying most of its rare book collection.",
]
UPDATE = "Fire chief Ingrid Solberg said 55 firefighters fought the blaze for eight hours."
NEW = [
    "Talks between the drivers' union and the rail operator broke down on Monday evening.",
    "Police arrested a 23-year-old man on Monday on suspicion of starting the fire at the Ravensholm public library.",
]


def test_day1_publishes_its_facts(week):
    home, _, _ = week
    texts = [i["text"] for i in items(home, DAY1)]
    for text in REPEATED:
        assert text in texts
    assert sorted(texts) == recorded(home)[DAY1]


def test_day2_leaves_out_day1_facts_and_marks_the_update(week):
    home, _, _ = week
    day2 = items(home, DAY2)
    texts = [i["text"] for i in day2]
    for text in REPEATED:
        assert text not in texts
    for text in NEW:
        assert text in texts
    notes = {i["text"]: i["note"] for i in day2}
    assert notes[UPDATE] == "update"
    assert all(notes[t] is None for t in NEW)
    text = " ".join((home / "out" / f"digest-{DAY2}.txt").read_text().split())
    assert re.search(r"\* Fire chief Ingrid Solberg said 55 [^*]*\(update\)", text)
    assert sorted(texts) == recorded(home)[DAY2]


def test_rerun_of_a_recorded_date_is_byte_identical(week):
    home, day1, day2 = week
    again = digest(home, DAY2)
    assert again.returncode == 0, again.stderr
    assert digests(home) == day2
    assert {k: sha(v) for k, v in digests(home).items() if DAY2 in k} == recorded_outputs(home, DAY2)
    # day 1 again, though day 2 is recorded and its articles are in the folder: only earlier
    # dates count as old, and articles dated after day 1 are not day 1's news
    before = digests(home)
    again = digest(home, DAY1)
    assert again.returncode == 0, again.stderr
    texts = [i["text"] for i in items(home, DAY1)]
    assert all(text in texts for text in REPEATED)
    assert digests(home) == before
    # the same as day 1's first run, but for the page's link to the next day, added by day 2
    assert {k: v for k, v in digests(home).items() if DAY1 in k and not k.endswith(".html")} == \
        {k: v for k, v in day1.items() if not k.endswith(".html")}


def test_no_state_forgets(week, tmp_path):
    home, _, _ = week
    shutil.copytree(home / "in", tmp_path / "in")
    done = digest(tmp_path, DAY2, "--no-state")
    assert done.returncode == 0, done.stderr
    texts = [i["text"] for i in items(tmp_path, DAY2)]
    assert REPEATED[0] in texts  # everything is new to a run without memory
    assert not (tmp_path / "state").exists()


def test_since_keeps_only_the_window(week, tmp_path):
    home, _, _ = week
    shutil.copytree(home / "in", tmp_path / "in")
    done = digest(tmp_path, DAY2, "--no-state", "--since", DAY2)
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "out" / f"digest-{DAY2}.json").read_text())
    assert data["stats"]["articles"] == 2  # day 2's own articles only
    none = digest(tmp_path, DAY2, "--no-state", "--since", "2026-11-18")
    assert none.returncode == 66
    assert "every article is published before 2026-11-18" in none.stderr and none.stderr.count("\n") == 1


# --------------------------------------------------------------------------- overlapping runs


def start(home: Path, day: str, *more: str, pause: str) -> subprocess.Popen:
    proc = subprocess.Popen(argv(home, day, *more), cwd=home, env=env_for(home, DIGEST_TEST_PAUSE_AT=pause),
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    line = proc.stderr.readline()
    assert line.startswith("digest: test pause at "), line
    return proc


def test_second_run_gives_up_with_exit_75_while_the_first_holds_the_lock(tmp_path):
    add_day(tmp_path, "day1")
    first = start(tmp_path, DAY1, pause="written")  # holds the lock until killed
    try:
        second = digest(tmp_path, DAY1, "--lock-timeout", "0.5")
        assert second.returncode == 75
        assert second.stderr == "digest: error: another digest run holds state/state.sqlite.lock; gave up after 0.5 s\n"
        assert first.poll() is None  # the refusal did not disturb the holder
    finally:
        first.kill()
        first.wait(timeout=30)
    done = digest(tmp_path, DAY1, "--lock-timeout", "0.5")  # the kernel released the dead run's lock
    assert done.returncode == 0, done.stderr
    assert recorded(tmp_path)[DAY1]


def test_second_run_waits_for_the_first_and_never_interleaves(tmp_path):
    add_day(tmp_path, "day1")
    first = start(tmp_path, DAY1, pause="built:5")  # long enough for the second to start and wait
    second = subprocess.Popen(argv(tmp_path, DAY1, "-v"), cwd=tmp_path, env=env_for(tmp_path),
                              stderr=subprocess.PIPE, text=True)
    first_err = first.communicate(timeout=60)[1]
    first_done = time.monotonic()
    second_err = second.communicate(timeout=60)[1]
    second_done = time.monotonic()
    assert first.returncode == 0 and second.returncode == 0, (first_err, second_err)
    assert second_done > first_done  # it waited for the lock rather than running alongside
    assert "waiting up to 60 s for another digest run" in second_err
    assert not [k for k in outputs(tmp_path) if k.endswith(".tmp")]
    alone = tmp_path / "alone"
    shutil.copytree(tmp_path / "in", alone / "in")
    assert digest(alone, DAY1).returncode == 0
    assert digests(tmp_path) == digests(alone)  # the same bytes as one run on its own
    assert {k: sha(v) for k, v in digests(tmp_path).items()} == recorded_outputs(tmp_path, DAY1)


# --------------------------------------------------------------------------- kill -9


POINTS = ["built", "temps-written", "intended", "first-renamed", "written", "recording", "recorded"]


@pytest.fixture(scope="module")
def before_kill(tmp_path_factory):
    """Day 1 done, then day 2 done over part of its articles (the previous result), and
    the day-2 result over all of them (the new result), computed in a separate folder."""
    base = tmp_path_factory.mktemp("kill")
    add_day(base, "day1")
    assert digest(base, DAY1).returncode == 0
    shutil.copy(WEEK / "day2" / "fjord-times-strike-talks.md", base / "in")
    assert digest(base, DAY2).returncode == 0
    previous = digests(base)
    later = tmp_path_factory.mktemp("kill-new")
    shutil.copytree(base, later, dirs_exist_ok=True)
    add_day(later, "day2")
    assert digest(later, DAY2).returncode == 0
    return base, previous, digests(later), recorded(base), recorded(later)


@pytest.mark.parametrize("point", POINTS)
def test_kill_9_leaves_the_previous_or_the_new_result(before_kill, tmp_path, point):
    base, previous, new, state_before, state_after = before_kill
    home = tmp_path / "home"
    shutil.copytree(base, home)
    add_day(home, "day2")
    proc = start(home, DAY2, pause=point)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # every output is complete: the previous bytes or the new ones, never a mix within a file
    found = digests(home)
    assert set(found) == set(previous)
    for name, data in found.items():
        assert data in (previous[name], new[name]), name
    temps = [k for k in outputs(home) if not k.startswith("digest-") and k not in (".digest.lock", "index.html")]
    assert all(k.startswith(".digest-tmp-") and k.endswith(".tmp") for k in temps)  # never look like outputs

    # the state's record changes only once every new output is in place...
    state = recorded(home)
    assert state == (state_after if point == "recorded" else state_before)
    # ...and what a run killed between its note and its record leaves is recovered, under
    # the lock, by whatever opens the state next: the record then matches the files
    with Store.open(home / "state" / "state.sqlite"):
        pass
    state = recorded(home)
    if point in ("built", "temps-written", "intended"):
        assert found == previous and state == state_before
    elif point == "first-renamed":  # one file new, the others previous: both runs' facts count
        assert sum(found[k] == new[k] != previous[k] for k in found) == 1
        assert state[DAY1] == state_before[DAY1]
        assert state[DAY2] == sorted(set(state_before[DAY2]) | set(state_after[DAY2]))
    else:
        assert found == new and state == state_after
    assert {k: sha(v) for k, v in found.items() if DAY2 in k} == recorded_outputs(home, DAY2)

    # the next run (cron's retry) completes the day and cleans the temporary files up
    again = digest(home, DAY2)
    assert again.returncode == 0, again.stderr
    assert digests(home) == new and recorded(home) == state_after
    assert [k for k in outputs(home) if not k.startswith("digest-")] == ["index.html"]  # no temporary file


# --------------------------------------------------------------------------- broken files


def test_corrupted_state_is_refused_without_a_traceback(tmp_path):
    add_day(tmp_path, "day1")
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "state.sqlite").write_bytes(b"garbage, not SQLite " * 500)
    done = digest(tmp_path, DAY1)
    assert done.returncode == 65
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("digest: error: state/state.sqlite: the state database is unreadable")
    assert "--no-state" in done.stderr
    assert not (tmp_path / "out").exists()  # nothing written for a refused run
    assert digest(tmp_path, DAY1, "--no-state").returncode == 0  # the suggested way out works


def test_missing_state_is_created(tmp_path):
    add_day(tmp_path, "day1")
    done = digest(tmp_path, DAY1, env=env_for(tmp_path))
    assert done.returncode == 0 and done.stderr == ""
    assert recorded(tmp_path)[DAY1]


def test_default_state_lives_under_xdg_state_home(tmp_path):
    add_day(tmp_path, "day1")
    done = in_process(tmp_path, ["run", "in", "--date", DAY1, "--out", "out"])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "xdg-state" / "digest" / "state.sqlite").is_file()


@pytest.mark.parametrize("text, message", [
    ("colour = 'blue'\n", "unknown configuration key 'colour'"),
    ("max_words = 'many'\n", "max_words: expected an integer"),
    ("[state\npath = 1\n", "not valid TOML"),
])
def test_broken_config_file_exits_78(tmp_path, text, message):
    add_day(tmp_path, "day1")
    (tmp_path / "digest.toml").write_text(text)
    done = digest(tmp_path, DAY1)
    assert done.returncode == 78
    assert done.stderr.startswith("digest: error: digest.toml: ") and message in done.stderr
    assert done.stderr.count("\n") == 1


def test_config_file_drives_the_run(tmp_path):
    add_day(tmp_path, "day1")
    (tmp_path / "digest.toml").write_text(
        'inputs = ["in"]\nformats = ["json"]\nout = "daily"\nlock_timeout = 3\n[state]\npath = "mem/state.sqlite"\n')
    done = in_process(tmp_path, ["run", "--date", DAY1])
    assert done.returncode == 0, done.stderr
    assert [p.name for p in (tmp_path / "daily").iterdir() if not p.name.startswith(".")] == [f"digest-{DAY1}.json"]
    assert (tmp_path / "mem" / "state.sqlite").is_file()


# --------------------------------------------------------------------------- progress bar


class _Stream:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("tty, flags, shown", [(True, [], True), (True, ["-q"], False), (False, [], False)])
def test_progress_bar_only_on_a_terminal_without_q(monkeypatch, tty, flags, shown):
    from digest import cli

    monkeypatch.setattr(sys, "stderr", _Stream(tty))
    done, bar = cli._progress(cli.build_parser().parse_args(["run", "in", *flags]))
    assert (bar is not None) == shown and (done is not None) == shown
    if bar is not None:
        bar.close()
