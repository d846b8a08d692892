"""[notify]: a short Markdown digest to chat channels through apprise, tested against a
webhook receiver the test starts on 127.0.0.1 (apprise's json:// posts there)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SAMPLE, SAMPLE_DATE
from digest import notify as notify_module
from digest.cli import main
from digest.config import Config, NotifyConfig, StateConfig
from digest.notify import MAX_CHARS, message
from digest.pipeline import build

from loopback import WebhookReceiver, free_port


pytestmark = pytest.mark.usefixtures("no_proxy")


@pytest.fixture
def hook():
    with WebhookReceiver() as receiver:
        yield receiver


def hook_url(receiver: WebhookReceiver, path: str = "/digest") -> str:
    return receiver.base.replace("http://", "json://") + path


def sample(**changes):
    config = Config(inputs=(str(SAMPLE),), date=SAMPLE_DATE, state=StateConfig(enabled=False), **changes)
    return build(config).digest, config


def write_config(tmp_path: Path, urls: list[str], state: bool = True) -> Path:
    lines = [f'out = "{tmp_path / "out"}"', "[notify]", "urls = [" + ", ".join(json.dumps(u) for u in urls) + "]"]
    if state:
        lines += ["[state]", f'path = "{tmp_path / "state.sqlite"}"']
    (tmp_path / "digest.toml").write_text("\n".join(lines) + "\n")
    return tmp_path / "digest.toml"


def run(config: Path, *more: str) -> int:
    return main(["run", str(SAMPLE), "--config", str(config), "--date", SAMPLE_DATE, *more])


def test_the_message_is_each_storys_headline_and_lead_with_its_outlets() -> None:
    digest, config = sample(site_url="https://news.example/daily/")
    title, body = message(digest, config)
    assert title == "News digest — 2026-11-20"
    blocks = body.split("\n\n")
    assert blocks[0].startswith("**Avalen closes harbour bridge over cracked support beams**\n"
                                "The Avalen Harbour Bridge was closed to all traffic on Thursday")
    lead = digest.sections[0].items[0].fact
    outlets = sorted({o for i in lead.sources for o in (digest.articles[i].outlets or (digest.articles[i].outlet,)) if o})
    assert outlets and blocks[0].endswith(f" ({', '.join(outlets)})")
    assert [b.split("\n")[0] for b in blocks[:3]] == [f"**{s.title}**" for s in digest.sections]
    assert blocks[-1] == "[Full digest](https://news.example/daily/digest-2026-11-20.html)"
    assert len(body) <= MAX_CHARS


def test_a_long_digest_is_cut_to_whole_stories_with_a_count(monkeypatch) -> None:
    digest, config = sample()
    monkeypatch.setattr(notify_module, "MAX_CHARS", 400)
    _, body = message(digest, config)
    assert len(body) <= 400 + 40
    assert body.endswith("…and 2 more stories")


def test_the_digest_reaches_a_webhook_after_the_files_are_written(hook: WebhookReceiver, tmp_path: Path) -> None:
    assert run(write_config(tmp_path, [hook_url(hook)])) == 0
    (post,) = hook.posts
    assert post["path"] == "/digest"
    assert post["body"]["title"] == "News digest — 2026-11-20"
    assert "**Avalen closes harbour bridge over cracked support beams**" in post["body"]["message"]
    assert (tmp_path / "out" / f"digest-{SAMPLE_DATE}.html").exists()
    assert run(write_config(tmp_path, [hook_url(hook)])) == 0  # a rerun of the date: not sent again
    assert len(hook.posts) == 1


def test_one_failing_channel_is_a_warning_naming_it_without_its_secret(
    hook: WebhookReceiver, tmp_path: Path, capsys
) -> None:
    dead = f"json://digest:s3cr3t-token@127.0.0.1:{free_port()}/hook"
    assert run(write_config(tmp_path, [dead, hook_url(hook)])) == 0
    err = capsys.readouterr().err
    (line,) = err.splitlines()
    assert line.startswith("digest: warning: notify json://digest:") and "127.0.0.1" in line
    assert "s3cr3t" not in err
    assert len(hook.posts) == 1


@pytest.mark.parametrize("url, shown", [("nosuchservice://token-abc", "nosuchservice://…"), ("garbage://", "garbage://…"),
                                        ("no scheme at all", "(not a URL)")])
def test_a_url_apprise_cannot_read_is_a_config_error_before_the_run(
    hook: WebhookReceiver, tmp_path: Path, capsys, url: str, shown: str
) -> None:
    assert run(write_config(tmp_path, [url, hook_url(hook)])) == 78
    assert capsys.readouterr().err == f"digest: error: notify.urls: {shown}: not an apprise URL this apprise knows\n"
    assert not hook.posts and not (tmp_path / "out").exists()


def test_every_channel_failing_is_exit_75_with_the_files_written_and_the_retry_delivers(
    tmp_path: Path, capsys
) -> None:
    port = free_port()
    config = write_config(tmp_path, [f"json://127.0.0.1:{port}/hook"])
    assert run(config) == 75
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == ("digest: error: the digest was written but reached none of the 1 chat channels "
                       "([notify] urls); try again later")
    assert len(err) == 2 and err[0].startswith("digest: warning: notify json://127.0.0.1:")
    written = (tmp_path / "out" / f"digest-{SAMPLE_DATE}.json").read_bytes()
    with WebhookReceiver() as receiver:  # the channel is back: cron's retry
        config = write_config(tmp_path, [hook_url(receiver)])
        assert run(config) == 0
        assert len(receiver.posts) == 1
    assert (tmp_path / "out" / f"digest-{SAMPLE_DATE}.json").read_bytes() == written


def test_with_send_the_email_still_goes_when_no_chat_answers(tmp_path: Path, monkeypatch) -> None:
    import digest.cli

    mailed = []
    monkeypatch.setattr(digest.cli, "_send", lambda eml, config, force: mailed.append(Path(eml).name) or 0)
    monkeypatch.setattr("digest.deliver.preflight", lambda config: None)
    config = write_config(tmp_path, [f"json://127.0.0.1:{free_port()}/hook"])
    assert run(config, "--send") == 75
    assert mailed == [f"digest-{SAMPLE_DATE}.eml"]


def test_no_channels_no_apprise(tmp_path: Path) -> None:
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import sys\nfrom digest.cli import main\n"
            f"assert main(['run', {str(SAMPLE)!r}, '--no-state', '--out', {str(tmp_path)!r}]) == 0\n"
            "assert 'apprise' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "XDG_STATE_HOME": str(tmp_path),
                               "XDG_CONFIG_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr


def test_notify_urls_are_configuration(tmp_path: Path) -> None:
    from digest.config import load_config

    (tmp_path / "digest.toml").write_text('[notify]\nurls = ["ntfy://digest-news", "json://hooks.example/x"]\n')
    assert load_config(tmp_path / "digest.toml").notify == NotifyConfig(("ntfy://digest-news", "json://hooks.example/x"))
