"""Deliver: send a written .eml over SMTP, once.

A delivered message is recorded beside it in ``<name>.eml.sent`` (JSON with the
Message-ID, the time and the recipients); while that record exists the same
file is not sent again unless ``force``. A failed delivery raises
``TemporaryFailure`` (exit 75) and leaves the .eml in place for a retry.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path
from typing import Mapping

from .config import Config, SmtpConfig
from .errors import ConfigError, NoInputError, OutputError, TemporaryFailure
from .output import atomic_write

log = logging.getLogger("digest")
SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class Delivery:
    """What ``send`` did: ``sent`` is False when the record said it was already delivered."""

    eml: Path
    message_id: str
    recipients: tuple[str, ...]
    sent: bool
    record: Path
    refused: tuple[str, ...] = ()


def record_path(eml: Path) -> Path:
    """Where the delivery record of ``eml`` lives: ``<eml>.sent`` beside it."""
    return eml.with_name(eml.name + ".sent")


def read_record(eml: Path) -> dict | None:
    """The delivery record of ``eml``, or None if it was never delivered."""
    path = record_path(eml)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        # An unreadable record still means "sent": refusing to resend is the safe side.
        return {"message_id": None}


def tls_context(smtp: SmtpConfig) -> ssl.SSLContext:
    """Certificates verified by default; ``ca_file`` adds a CA, ``verify = false`` turns checks off."""
    try:
        context = ssl.create_default_context(cafile=smtp.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"smtp.ca_file {smtp.ca_file!r}: cannot load: {exc}") from None
    if not smtp.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def password(smtp: SmtpConfig, environ: Mapping[str, str]) -> str | None:
    """The SMTP password, read only from the variable named by ``smtp.password_env``."""
    if not smtp.username:
        return None
    if not smtp.password_env:
        raise ConfigError("smtp.username is set but smtp.password_env is not: name the variable that holds the password")
    value = environ.get(smtp.password_env)
    if not value:
        raise ConfigError(f"smtp.password_env: ${smtp.password_env} is not set or empty")
    return value


def preflight(config: Config, environ: Mapping[str, str] | None = None) -> None:
    """Check the delivery settings before a long build: recipients, security, password variable.

    Raises:
        ConfigError: what ``send`` would refuse anyway, said before anything is built.
    """
    environ = os.environ if environ is None else environ
    if not config.email.to:
        raise ConfigError("no recipients: set email.to in the config file")
    _check_security(config.smtp, password(config.smtp, environ))


def _check_security(smtp: SmtpConfig, secret: str | None) -> None:
    if smtp.security not in SECURITY:
        raise ConfigError(f"smtp.security {smtp.security!r}: choose from {', '.join(SECURITY)}")
    if secret is not None and smtp.security == "none":
        raise ConfigError("smtp.security = \"none\" would send the password in clear: use starttls or ssl")


def _connect(smtp: SmtpConfig) -> smtplib.SMTP:
    if smtp.security == "ssl":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=tls_context(smtp))
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.security == "starttls":
            client.ehlo()
            client.starttls(context=tls_context(smtp))
            client.ehlo()
    except BaseException:
        client.close()
        raise
    return client


def _why(exc: BaseException, smtp: SmtpConfig) -> str:
    """One line saying why delivery failed."""
    where = f"{smtp.host}:{smtp.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"{where} refused the login for {smtp.username!r} ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"{where} refused every recipient: {', '.join(exc.recipients)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{where} answered {exc.smtp_code} {' '.join(text.split())}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{where}: certificate not trusted ({exc.verify_message}); set smtp.ca_file for a private CA"
    if isinstance(exc, (socket.timeout, TimeoutError)) or isinstance(exc.__context__, (socket.timeout, TimeoutError)):
        return f"{where} did not answer within {smtp.timeout:g}s"
    if isinstance(exc, ConnectionRefusedError):
        return f"{where} refused the connection"
    if isinstance(exc, socket.gaierror):
        return f"{smtp.host}: unknown host ({exc.strerror})"
    text = str(exc) or type(exc).__name__
    return f"{where}: {' '.join(text.split())}"


def read_message(eml: Path) -> EmailMessage:
    try:
        raw = eml.read_bytes()
    except FileNotFoundError:
        raise NoInputError(f"{eml}: no such file (write it with digest run --format eml)") from None
    except OSError as exc:
        raise NoInputError(f"{eml}: cannot read: {exc.strerror}") from None
    return BytesParser(policy=policy.SMTP).parsebytes(raw)  # type: ignore[return-value]


def _recipients(msg: EmailMessage, config: Config) -> tuple[str, ...]:
    if config.email.to:
        return tuple(addr for _, addr in getaddresses(list(config.email.to)) if addr)
    headers = [str(v) for key in ("To", "Cc", "Bcc") for v in msg.get_all(key, [])]
    return tuple(addr for _, addr in getaddresses(headers) if addr)


def send(eml: str | os.PathLike, config: Config, *, force: bool = False,
         environ: Mapping[str, str] | None = None) -> Delivery:
    """Deliver the message in ``eml`` over SMTP as ``config.smtp`` says, unless already delivered.

    Args:
        eml: a message written by ``digest run --format eml``.
        config: ``config.smtp`` (host, port, security, username, password_env,
            timeout, verify, ca_file) and ``config.email.to`` (the envelope
            recipients; default the message's To/Cc).
        force: send even when ``<eml>.sent`` records an earlier delivery.
        environ: where the password variable is looked up (default os.environ).

    Returns:
        A ``Delivery``; ``sent`` is False when an earlier delivery was recorded.

    Raises:
        TemporaryFailure: the server could not be reached, refused the login or
            the message, or timed out; the .eml is kept for a retry.
        ConfigError: missing password variable, bad security setting, no recipients.
        NoInputError: ``eml`` does not exist.
    """
    eml = Path(eml)
    environ = os.environ if environ is None else environ
    msg = read_message(eml)
    message_id = str(msg.get("Message-ID", "")).strip()
    recipients = _recipients(msg, config)
    record = record_path(eml)
    if not recipients:
        raise ConfigError("no recipients: set email.to in the config file")
    secret = password(config.smtp, environ)
    _check_security(config.smtp, secret)

    with _lock(eml):
        earlier = read_record(eml)
        if earlier is not None and not force:
            log.warning("%s was already sent (%s); use --force to send it again",
                        eml, earlier.get("message_id") or "record unreadable")
            return Delivery(eml, message_id, recipients, sent=False, record=record)
        try:
            client = _connect(config.smtp)
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"not sent, {eml} kept for a retry: {_why(exc, config.smtp)}") from None
        try:
            if secret is not None:
                client.login(config.smtp.username, secret)
            refused = client.send_message(msg, to_addrs=list(recipients))
        except (smtplib.SMTPException, OSError) as exc:
            client.close()
            raise TemporaryFailure(f"not sent, {eml} kept for a retry: {_why(exc, config.smtp)}") from None
        try:
            # Record before QUIT: the server has the message, a late error must not cause a resend.
            _write_record(record, message_id, recipients, refused)
        except OSError as exc:
            raise OutputError(f"sent {message_id}, but cannot record it in {record}: {exc.strerror}; "
                              "do not retry without checking") from None
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
    if refused:
        log.warning("%s: %d recipient(s) refused: %s", eml, len(refused), ", ".join(sorted(refused)))
    return Delivery(eml, message_id, recipients, sent=True, record=record, refused=tuple(sorted(refused)))


def _write_record(record: Path, message_id: str, recipients: tuple[str, ...], refused: dict) -> None:
    data = {
        "message_id": message_id,
        "sent_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "recipients": [r for r in recipients if r not in refused],
        "refused": sorted(refused),
    }
    atomic_write(record, json.dumps(data, indent=2) + "\n")


class _lock:
    """An exclusive lock on the .eml's folder so two runs cannot send at once (freed when the process ends)."""

    def __init__(self, eml: Path):
        self.folder = eml.parent
        self.fd: int | None = None

    def __enter__(self) -> None:
        try:
            self.fd = os.open(self.folder, os.O_RDONLY)
        except OSError as exc:
            raise TemporaryFailure(f"{self.folder}: cannot lock: {exc.strerror}") from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise TemporaryFailure(f"{self.folder}: another digest is sending from this folder; try again later") from None

    def __exit__(self, *exc: object) -> None:
        assert self.fd is not None
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
