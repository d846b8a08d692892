import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "input"
SAMPLE_DATE = "2026-11-20"

# The suite runs in four workers on two cores (much of it waits on servers and timeouts), so
# generating an example can be slow for reasons that are not the test's. Lines drawn to
# fullmatch a pattern (``st.from_regex``) are filtered by design, more on some draws than others.
settings.register_profile("digest", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile("digest")


# Module- and session-scoped fixtures run before own_home: they too must never see the
# user's own state or config (a shared ~/.local/state/digest made test_email's fixture exit 65).
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="digest-tests-home-"))
os.environ["XDG_STATE_HOME"] = str(_SESSION_HOME / "state")
os.environ["XDG_CONFIG_HOME"] = str(_SESSION_HOME / "config")
os.environ["XDG_CACHE_HOME"] = str(_SESSION_HOME / "cache")  # compiled templates, shared by the session
for _name in [n for n in os.environ if n.startswith("DIGEST_")]:
    del os.environ[_name]
atexit.register(shutil.rmtree, _SESSION_HOME, ignore_errors=True)


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's own state, config or DIGEST_* settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for name in [n for n in os.environ if n.startswith("DIGEST_")]:
        monkeypatch.delenv(name)


@dataclass
class Ran:
    """What a command line run gave: as subprocess.CompletedProcess, for the same asserts."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys):
    """The command line in-process, ``cli.main(argv)``: no interpreter start-up per call.

    What needs a real process (locks, signals, kill -9, concurrency) is in test_cron.py.
    """
    from digest.cli import main

    def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> Ran:
        with pytest.MonkeyPatch.context() as call:  # env and cwd for this call only, as for a process
            for name, value in (env or {}).items():
                call.setenv(name, value)
            if cwd is not None:
                call.chdir(cwd)
            capsys.readouterr()
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, --version, a usage error
                code = exc.code if isinstance(exc.code, int) else 2
            captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


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


PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


@pytest.fixture
def no_proxy(monkeypatch):
    """Requests to the tests' own servers on 127.0.0.1 go straight there, never to a proxy."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def web(no_proxy):
    """A web server on 127.0.0.1 with routes the test sets (tests/loopback.py)."""
    from loopback import WebServer

    with WebServer() as server:
        yield server
