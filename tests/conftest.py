import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "input"
SAMPLE_DATE = "2026-11-20"


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's own state, config or DIGEST_* settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for name in [n for n in os.environ if n.startswith("DIGEST_")]:
        monkeypatch.delenv(name)


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None):
    """The real command line in a subprocess, as a user runs it."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        cwd=cwd or ROOT, env=full_env, capture_output=True, text=True, timeout=300, input=input,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def write_article(tmp_path):
    """Write an article file under tmp_path/articles and return its path."""
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)

    def write(name: str, text: str | bytes) -> Path:
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    write.folder = folder
    return write
