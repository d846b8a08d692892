"""Delivery over SMTP to a real server on loopback: aiosmtpd with STARTTLS and AUTH."""
from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shutil
import socket
import ssl
import subprocess
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

pytest.importorskip("aiosmtpd", reason="aiosmtpd is in the test extra: pip install '.[test]'")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from digest import load_config  # noqa: E402
from digest.cli import main  # noqa: E402
from digest.deliver import SEND_LOCK, record_path, send  # noqa: E402
from digest.errors import ConfigError, TemporaryFailure  # noqa: E402
from digest.output import write_outputs  # noqa: E402
from digest.pipeline import build  # noqa: E402

# The implicit-TLS server requires AUTH without "requiring TLS": aiosmtpd cannot see TLS it did not start.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
ROOT = Path(__file__).resolve().parent.parent
DATE = "2026-11-20"
USER, PASSWORD = "digest", "s3cret-pw"
TO = ("reader@example.org", "second@example.org")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def cert(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made now (nothing secret is committed)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, crt = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
         "-out", str(crt), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return crt, key


class Inbox:
    """The aiosmtpd handler: keeps every envelope it receives.

    ``refuse``: addresses answered 550 at RCPT. ``accept``: how many messages are
    taken before every later DATA is answered 421 (the server going away midway).
    """

    def __init__(self):
        self.envelopes = []
        self.refuse: set[str] = set()
        self.accept: int | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.accept is not None and len(self.envelopes) >= self.accept:
            return "421 4.3.2 shutting down"
        self.envelopes.append(envelope)
        return "250 OK queued"

    def messages(self):
        return [BytesParser(policy=policy.default).parsebytes(e.content) for e in self.envelopes]


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def _server_context(cert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert[0]), str(cert[1]))
    return context


@pytest.fixture
def smtp_server(cert):
    """STARTTLS required, AUTH required (only after TLS), on a free loopback port."""
    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), tls_context=_server_context(cert),
        require_starttls=True, auth_required=True, auth_require_tls=True, authenticator=authenticator,
    )
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture(scope="module")
def eml_bytes(tmp_path_factory) -> bytes:
    """The sample digest as a .eml (built once: the pipeline takes a few seconds)."""
    out = tmp_path_factory.mktemp("eml")
    config = load_config(flags={"inputs": [str(ROOT / "input")], "date": DATE, "formats": ["eml"], "out": str(out),
                                "email": {"from": "News Digest <digest@news.example>", "to": list(TO),
                                          "unsubscribe_url": "https://news.example/unsubscribe?list=daily"}},
                         environ={})
    write_outputs(build(config), config)
    return (out / f"digest-{DATE}.eml").read_bytes()


@pytest.fixture
def eml(tmp_path, eml_bytes) -> Path:
    path = tmp_path / f"digest-{DATE}.eml"
    path.write_bytes(eml_bytes)
    return path


def write_config(tmp_path: Path, port: int, cert, to=TO, **smtp) -> Path:
    settings = {"host": "127.0.0.1", "port": port, "security": "starttls", "username": USER,
                "password_env": "SMTP_TEST_PASSWORD", "timeout": 5, "ca_file": str(cert[0]), **smtp}
    lines = ["[email]", 'from = "News Digest <digest@news.example>"',
             "to = " + json.dumps(list(to)), "", "[smtp]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    path = tmp_path / "digest.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def password_env(monkeypatch):
    monkeypatch.setenv("SMTP_TEST_PASSWORD", PASSWORD)


def test_send_over_starttls_with_auth_delivers_both_parts(tmp_path, eml, smtp_server, cert):
    config = load_config(write_config(tmp_path, smtp_server.port, cert), environ={})

    delivery = send(eml, config)

    assert delivery.sent_to == TO
    envelope = smtp_server.envelopes[0]
    assert envelope.mail_from == "digest@news.example"
    got = smtp_server.messages()[0]
    assert got.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in got.iter_parts()] == ["text/plain", "text/html"]
    assert got["Subject"] == f"News digest — {DATE}"
    assert got["List-Unsubscribe"] == "<https://news.example/unsubscribe?list=daily>"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Bcc" not in got
    text = got.get_body(("plain",)).get_content()
    html = got.get_body(("html",)).get_content()
    assert "Northmere's regional council approved" in text
    assert "Unsubscribe: https://news.example/unsubscribe?list=daily" in text
    assert 'href="https://harbourgazette.example/news/2026/11/20/harbour-bridge-shut"' in html
    assert ">Harbour Gazette&nbsp;[" in html  # the outlet's name is the link text, not the URL
    assert 'href="file:' not in html


def _without(raw: bytes, *names: bytes) -> list[bytes]:
    """The message's lines, less the header lines starting with one of ``names``."""
    return [line for line in raw.split(b"\r\n") if not line.startswith(names)]


def test_each_recipient_gets_their_own_copy(tmp_path, eml, smtp_server, cert):
    config = load_config(write_config(tmp_path, smtp_server.port, cert), environ={})
    assert b"reader@example.org" not in eml.read_bytes()  # the written file names no subscriber

    delivery = send(eml, config)

    assert [e.rcpt_tos for e in smtp_server.envelopes] == [[TO[0]], [TO[1]]]
    messages = smtp_server.messages()
    assert [m["To"] for m in messages] == list(TO)
    ids = [m["Message-ID"] for m in messages]
    assert len(set(ids)) == 2 and delivery.message_id not in ids
    assert all(i.endswith("@news.example>") for i in ids)
    # Everything but To and Message-ID is the .eml's bytes: same body, Subject, Date, List-*.
    template = _without(eml.read_bytes(), b"To:", b"Message-ID:")
    assert all(_without(e.content, b"To:", b"Message-ID:") == template for e in smtp_server.envelopes)
    record = json.loads(record_path(eml).read_text())
    assert record["message_id"] == delivery.message_id
    assert {a: r["message_id"] for a, r in record["delivered"].items()} == dict(zip(TO, ids))

    send(eml, config, force=True)  # the same copies again: the same ids
    assert [m["Message-ID"] for m in smtp_server.messages()[2:]] == ids


def test_a_refused_recipient_is_retried_alone(tmp_path, eml, smtp_server, cert, capsys):
    cfg = str(write_config(tmp_path, smtp_server.port, cert))
    smtp_server.refuse = {TO[0]}

    assert main(["send", str(eml), "--config", cfg]) == 75
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("digest: error: not sent to 1 of 2 recipients")
    assert f"{TO[0]} (127.0.0.1:{smtp_server.port} answered 550 5.1.1 no such mailbox here)" in err
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [[TO[1]]]
    assert eml.is_file() and list(json.loads(record_path(eml).read_text())["delivered"]) == [TO[1]]

    smtp_server.refuse = set()
    assert main(["send", str(eml), "--config", cfg]) == 0
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [[TO[1]], [TO[0]]]
    assert sorted(json.loads(record_path(eml).read_text())["delivered"]) == sorted(TO)

    assert main(["send", str(eml), "--config", cfg, "--force"]) == 0
    assert [e.rcpt_tos for e in smtp_server.envelopes[2:]] == [[TO[0]], [TO[1]]]


def test_a_server_gone_midway_leaves_the_rest_for_the_rerun(tmp_path, eml, smtp_server, cert, capsys):
    to = (*TO, "third@example.org")
    cfg = str(write_config(tmp_path, smtp_server.port, cert, to=to))
    smtp_server.accept = 1

    assert main(["send", str(eml), "--config", cfg]) == 75
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not sent to 2 of 3 recipients" in err
    assert f"{TO[1]}, third@example.org (127.0.0.1:{smtp_server.port} answered 421 4.3.2 shutting down)" in err
    assert list(json.loads(record_path(eml).read_text())["delivered"]) == [TO[0]]

    smtp_server.accept = None
    assert main(["send", str(eml), "--config", cfg]) == 0
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [[TO[0]], [TO[1]], ["third@example.org"]]


def test_only_a_new_subscriber_gets_an_already_sent_digest(tmp_path, eml, smtp_server, cert):
    config = load_config(write_config(tmp_path, smtp_server.port, cert), environ={})
    assert send(eml, config).sent_to == TO
    config = load_config(write_config(tmp_path, smtp_server.port, cert, to=(*TO, "Newcomer <new@example.org>")),
                         environ={})

    assert send(eml, config).sent_to == ("new@example.org",)
    assert smtp_server.envelopes[-1].rcpt_tos == ["new@example.org"]
    assert smtp_server.messages()[-1]["To"] == "Newcomer <new@example.org>"
    assert not send(eml, config).sent and len(smtp_server.envelopes) == 3


def test_without_email_to_the_files_own_to_is_used(tmp_path, eml, smtp_server, cert, capsys):
    cfg = str(write_config(tmp_path, smtp_server.port, cert, to=()))
    assert main(["send", str(eml), "--config", cfg]) == 78  # undisclosed-recipients: nobody to send to
    assert "no recipients" in capsys.readouterr().err
    eml.write_bytes(eml.read_bytes().replace(b"To: undisclosed-recipients:;", b"To: Solo <solo@example.org>"))

    assert main(["send", str(eml), "--config", cfg]) == 0
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["solo@example.org"]]
    assert smtp_server.messages()[0]["To"] == "Solo <solo@example.org>"


def test_a_record_without_recipients_counts_as_sent_to_everyone(tmp_path, eml, smtp_server, cert, capsys):
    cfg = str(write_config(tmp_path, smtp_server.port, cert))
    record_path(eml).write_text('{"message_id": "<x@y>", "recipients": ["reader@example.org"]}')  # an older record

    assert main(["send", str(eml), "--config", cfg]) == 0
    assert smtp_server.envelopes == [] and "already sent" in capsys.readouterr().err
    record_path(eml).write_text("{not json")
    assert main(["send", str(eml), "--config", cfg]) == 0
    assert smtp_server.envelopes == []


def test_a_second_sender_from_the_same_folder_is_refused(tmp_path, eml, smtp_server, cert):
    config = load_config(write_config(tmp_path, smtp_server.port, cert), environ={})
    held = os.open(eml.parent / SEND_LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a sender in another process holds it
        with pytest.raises(TemporaryFailure, match="another digest is sending"):
            send(eml, config)
    finally:
        os.close(held)
    assert smtp_server.envelopes == [] and not record_path(eml).exists()


def test_send_over_implicit_tls(tmp_path, eml, cert):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ssl_context=_server_context(cert),
                            auth_required=True, auth_require_tls=False,  # aiosmtpd does not count implicit TLS
                            authenticator=authenticator)
    controller.start()
    try:
        config = load_config(write_config(tmp_path, controller.port, cert, security="ssl"), environ={})
        assert send(eml, config).sent
    finally:
        controller.stop()
    assert len(inbox.envelopes) == len(TO)


def test_no_second_send_for_the_same_digest_unless_forced(tmp_path, eml, smtp_server, cert, capsys):
    cfg = str(write_config(tmp_path, smtp_server.port, cert))

    assert main(["send", str(eml), "--config", cfg]) == 0
    assert main(["send", str(eml), "--config", cfg]) == 0
    assert len(smtp_server.envelopes) == 2  # one copy per recipient, once
    assert "already sent" in capsys.readouterr().err
    assert main(["send", str(eml), "--config", cfg, "--force"]) == 0
    assert len(smtp_server.envelopes) == 4


def test_run_with_send_builds_sends_and_does_not_repeat(tmp_path, smtp_server, cert):
    cfg = str(write_config(tmp_path, smtp_server.port, cert))
    out = tmp_path / "out"
    argv = ["run", str(ROOT / "input"), "--date", DATE, "--format", "text", "--out", str(out), "--config", cfg, "--send"]

    assert main(argv) == 0
    assert main(argv) == 0

    assert [e.rcpt_tos for e in smtp_server.envelopes] == [[TO[0]], [TO[1]]]
    assert (out / f"digest-{DATE}.eml").is_file() and (out / f"digest-{DATE}.eml.sent").is_file()
    assert (out / f"digest-{DATE}.txt").is_file()


def _assert_temporary_failure(argv, eml, capsys, reason):
    assert main(argv) == 75
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("digest: error: not sent")
    assert reason in err
    assert eml.is_file() and not record_path(eml).exists()


def test_refused_connection_exits_75_and_keeps_the_eml(tmp_path, eml, cert, capsys):
    cfg = str(write_config(tmp_path, free_port(), cert))  # nothing listens there
    _assert_temporary_failure(["send", str(eml), "--config", cfg], eml, capsys, "refused the connection")


def test_wrong_password_exits_75(tmp_path, eml, smtp_server, cert, capsys, monkeypatch):
    monkeypatch.setenv("SMTP_TEST_PASSWORD", "wrong")
    cfg = str(write_config(tmp_path, smtp_server.port, cert))
    _assert_temporary_failure(["send", str(eml), "--config", cfg], eml, capsys, "refused the login")
    assert smtp_server.envelopes == []


def test_silent_server_times_out_with_75(tmp_path, eml, cert, capsys):
    with socket.socket() as listener:  # accepts the connection, never says hello
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        cfg = str(write_config(tmp_path, listener.getsockname()[1], cert, timeout=1))
        _assert_temporary_failure(["send", str(eml), "--config", cfg], eml, capsys, "did not answer within 1s")


def test_untrusted_certificate_is_a_temporary_failure_naming_ca_file(tmp_path, eml, smtp_server, cert):
    config = load_config(write_config(tmp_path, smtp_server.port, cert), environ={})
    config = config.replace(smtp=dataclasses.replace(config.smtp, ca_file=None))
    with pytest.raises(TemporaryFailure, match="smtp.ca_file"):
        send(eml, config)


def test_password_comes_only_from_the_named_variable(tmp_path, eml, smtp_server, cert, capsys, monkeypatch):
    monkeypatch.delenv("SMTP_TEST_PASSWORD")
    cfg = str(write_config(tmp_path, smtp_server.port, cert))
    assert main(["send", str(eml), "--config", cfg]) == 78
    assert "$SMTP_TEST_PASSWORD is not set" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:  # there is no flag for it
        main(["send", str(eml), "--config", cfg, "--password", PASSWORD])
    assert exit_info.value.code == 64


def test_missing_eml_is_no_input(tmp_path, capsys):
    assert main(["send", str(tmp_path / "nope.eml")]) == 66


def test_run_with_send_checks_the_settings_before_building(tmp_path, cert, capsys, monkeypatch):
    monkeypatch.delenv("SMTP_TEST_PASSWORD")
    cfg = str(write_config(tmp_path, free_port(), cert))
    out = tmp_path / "out"
    assert main(["run", str(ROOT / "input"), "--date", DATE, "--out", str(out), "--config", cfg, "--send"]) == 78
    assert "$SMTP_TEST_PASSWORD is not set" in capsys.readouterr().err
    assert not out.exists()


def test_no_password_over_an_unencrypted_connection(tmp_path, eml, cert):
    config = load_config(write_config(tmp_path, free_port(), cert, security="none"), environ={})
    with pytest.raises(ConfigError, match="in clear"):
        send(eml, config)


def test_a_file_that_is_no_email_is_refused_before_any_connection(tmp_path, smtp_server, cert, capsys):
    from conftest import SAMPLE

    config = write_config(tmp_path, smtp_server.port, cert)
    code = main(["send", str(SAMPLE / "northern-wire-council.md"), "--config", str(config)])
    assert code == 65 and "not an email message" in capsys.readouterr().err
    assert smtp_server.envelopes == []
