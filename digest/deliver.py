"""Deliver: send a written .eml over SMTP, one copy per recipient, once each.

Each recipient gets their own copy (To is them alone, their own Message-ID), so
no subscriber sees another's address. Each accepted copy is recorded beside the
.eml in ``<name>.eml.sent`` (JSON: the digest's Message-ID and, per recipient,
their copy's Message-ID and the time); a recipient in that record is not sent
to again unless ``force``. A failed delivery raises ``TemporaryFailure`` (exit
75) and leaves the .eml in place, so a retry reaches only those still missing.
"""
from __future__ import annotations

import json
import logging
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Mapping

from .config import Config, SmtpConfig
from .email import addresses, for_recipient
from .errors import ConfigError, InputDataError, NoInputError, OutputError, TemporaryFailure
from .files import read_bounded, shown
from .lock import lock
from .output import atomic_write

log = logging.getLogger("digest")
SECURITY = ("starttls", "ssl", "none")
NAMED = 5  # failed recipients named per reason in the error line; the rest are counted
EML_BYTES = 25_000_000  # far above any digest (Gmail clips at ~102 KB), far below trouble
RECORD_BYTES = 10_000_000
CA_BYTES = 10_000_000
SEND_LOCK = ".digest-send.lock"  # in the .eml's folder: two sends from one folder never overlap


@dataclass(frozen=True)
class Delivery:
    """What ``send`` did: ``sent_to`` is who got a copy now (empty when all had it already)."""

    eml: Path
    message_id: str
    recipients: tuple[str, ...]
    sent_to: tuple[str, ...]
    record: Path

    @property
    def sent(self) -> bool:
        return bool(self.sent_to)


def record_path(eml: Path) -> Path:
    """Where the delivery record of ``eml`` lives: ``<eml>.sent`` beside it."""
    return eml.with_name(eml.name + ".sent")


def read_record(eml: Path) -> dict | None:
    """The delivery record of ``eml``, or None if it was never delivered."""
    path = record_path(eml)
    if not os.path.lexists(path):
        return None
    try:
        record = json.loads(read_bounded(path, RECORD_BYTES).decode("utf-8"))
    except (InputDataError, ValueError, RecursionError):
        record = None
    # An unreadable record (or one that is not a JSON object) still means "sent": refusing
    # to resend is the safe side.
    return record if isinstance(record, dict) else {"message_id": None}


def tls_context(smtp: SmtpConfig) -> ssl.SSLContext:
    """Certificates verified by default; ``ca_file`` adds a CA, ``verify = false`` turns checks off."""
    try:
        # Read through the bounded reader: a ca_file of /dev/zero must not stream forever.
        pem = read_bounded(smtp.ca_file, CA_BYTES, ConfigError) if smtp.ca_file else None
        context = ssl.create_default_context(cadata=_ca_data(pem) if pem is not None else None)
    except ConfigError as exc:
        raise ConfigError(f"smtp.ca_file: {exc.message}") from None
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise ConfigError(f"smtp.ca_file {smtp.ca_file!r}: cannot load: {exc}") from None
    if not smtp.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _ca_data(data: bytes) -> str | bytes:
    """PEM text, or the DER bytes as they are."""
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        return data


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
    if isinstance(exc, smtplib.SMTPRecipientsRefused):  # one copy, one recipient: their answer
        return _answer(where, *next(iter(exc.recipients.values())))
    if isinstance(exc, smtplib.SMTPResponseException):
        return _answer(where, exc.smtp_code, exc.smtp_error)
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


def _answer(where: str, code: int, error: bytes | str) -> str:
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    return f"{where} answered {code} {' '.join(text.split())}"


def read_message(eml: Path) -> EmailMessage:
    if not os.path.lexists(eml):
        raise NoInputError(f"{shown(eml)}: no such file (write it with digest run --format eml)")
    raw = read_bounded(eml, EML_BYTES, NoInputError)
    msg = BytesParser(policy=policy.SMTP).parsebytes(raw)
    # The parser takes anything; a digest message has these (a Markdown file has none).
    if not all(msg.get(header) for header in ("From", "Date", "Message-ID", "Subject")):
        raise InputDataError(f"{eml}: not an email message (write one with digest run --format eml)")
    return msg  # type: ignore[return-value]


def _recipients(msg: EmailMessage, config: Config) -> tuple[Address, ...]:
    if config.email.to:
        found = addresses(config.email.to, "email.to")
    else:
        found = [a for key in ("To", "Cc", "Bcc") for header in msg.get_all(key, []) for a in header.addresses]
    unique: dict[str, Address] = {}
    for address in found:  # one copy per address; the first spelling wins
        unique.setdefault(address.addr_spec, address)
    return tuple(unique.values())


def send(eml: str | os.PathLike, config: Config, *, force: bool = False,
         environ: Mapping[str, str] | None = None) -> Delivery:
    """Deliver the message in ``eml`` over SMTP, one copy per recipient, to those who do not have it yet.

    Every copy goes over one connection with only its recipient in To and in the
    envelope (``email.for_recipient``). Each delivery is recorded in ``<eml>.sent``
    as soon as the server accepts it, so a rerun after a partial failure sends
    only to the recipients still missing.

    Args:
        eml: a message written by ``digest run --format eml``.
        config: ``config.smtp`` (host, port, security, username, password_env,
            timeout, verify, ca_file) and ``config.email.to`` (the recipients;
            default the message's To/Cc).
        force: send to every recipient, even those ``<eml>.sent`` records.
        environ: where the password variable is looked up (default os.environ).

    Returns:
        A ``Delivery``; ``sent`` is False when every recipient already had it.

    Raises:
        TemporaryFailure: the server could not be reached, refused the login,
            a recipient or the message, or timed out; the .eml is kept and the
            record holds who did get it.
        ConfigError: missing password variable, bad security setting, no recipients.
        NoInputError: ``eml`` does not exist.
        OutputError: a copy was accepted but the record could not be written.
    """
    eml = Path(eml)
    environ = os.environ if environ is None else environ
    msg = read_message(eml)
    message_id = str(msg.get("Message-ID", "")).strip()
    recipients = _recipients(msg, config)
    everyone = tuple(r.addr_spec for r in recipients)
    record = record_path(eml)
    if not recipients:
        raise ConfigError("no recipients: set email.to in the config file")
    secret = password(config.smtp, environ)
    _check_security(config.smtp, secret)

    busy = f"{eml.parent}: another digest is sending from this folder; try again later"
    with lock(eml.parent / SEND_LOCK, 0, busy=busy):
        delivered = _delivered(eml, everyone)
        todo = recipients if force else tuple(r for r in recipients if r.addr_spec not in delivered)
        if not todo:
            log.warning("%s was already sent to every recipient (see %s); use --force to send it again", eml, record)
            return Delivery(eml, message_id, everyone, sent_to=(), record=record)
        if len(todo) < len(recipients):
            log.info("%s: %d of %d recipients already have it; sending to the others",
                     eml, len(recipients) - len(todo), len(recipients))
        try:
            client = _connect(config.smtp)
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"not sent, {eml} kept for a retry: {_why(exc, config.smtp)}") from None
        try:
            if secret is not None:
                client.login(config.smtp.username, secret)
            sent_to, failed = _send_each(client, msg, todo, delivered, record, message_id, config.smtp)
        except (smtplib.SMTPException, OSError) as exc:  # the login: nothing was sent
            client.close()
            raise TemporaryFailure(f"not sent, {eml} kept for a retry: {_why(exc, config.smtp)}") from None
        except BaseException:
            client.close()
            raise
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    if failed:
        raise TemporaryFailure(f"not sent to {len(failed)} of {len(recipients)} recipients, {eml} kept for a retry: "
                               f"{_failures(failed)}")
    return Delivery(eml, message_id, everyone, sent_to=sent_to, record=record)


def _delivered(eml: Path, everyone: tuple[str, ...]) -> dict[str, dict]:
    """Who already got ``eml``, from its record: address -> their copy's Message-ID and time."""
    earlier = read_record(eml)
    if earlier is None:
        return {}
    delivered = earlier.get("delivered")
    if isinstance(delivered, dict):
        return delivered
    # An unreadable record, or one from before per-recipient records, does not say
    # who got the message: count everyone, the side that never sends twice.
    log.warning("%s does not name who got the message: counting every recipient as delivered", record_path(eml))
    return dict.fromkeys(everyone, {})


def _send_each(client: smtplib.SMTP, msg: EmailMessage, todo: tuple[Address, ...], delivered: dict[str, dict],
               record: Path, message_id: str, smtp: SmtpConfig) -> tuple[tuple[str, ...], dict[str, str]]:
    """Send each recipient their copy, recording each delivery; return who got it and why the others did not."""
    sent_to: list[str] = []
    failed: dict[str, str] = {}
    for i, to in enumerate(todo):
        copy = for_recipient(msg, to)
        try:
            client.send_message(copy, to_addrs=[to.addr_spec])
        except smtplib.SMTPRecipientsRefused as exc:  # this address only: the session goes on
            failed[to.addr_spec] = _why(exc, smtp)
            continue
        except (smtplib.SMTPException, OSError) as exc:
            # The connection or the message failed midway: nobody after this one got it.
            failed.update(dict.fromkeys((t.addr_spec for t in todo[i:]), _why(exc, smtp)))
            break
        sent_to.append(to.addr_spec)
        delivered[to.addr_spec] = {"message_id": str(copy.get("Message-ID", "")),
                                   "sent_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        # Recorded before the next copy: a crash or a kill never forgets who got it.
        _write_record(record, message_id, delivered, to.addr_spec)
    return tuple(sent_to), failed


def _write_record(record: Path, message_id: str, delivered: dict[str, dict], last: str) -> None:
    data = {"message_id": message_id, "delivered": delivered}
    try:
        atomic_write(record, json.dumps(data, indent=2) + "\n")
    except OSError as exc:  # everyone before ``last`` is on record already
        raise OutputError(f"sent to {last}, but cannot record it in {record}: {exc.strerror}; "
                          "do not retry without checking") from None


def _failures(failed: dict[str, str]) -> str:
    """``a@x, b@x (why); c@x (why)``: the recipients grouped by reason, a few named per reason."""
    by_reason: dict[str, list[str]] = {}
    for addr, why in failed.items():
        by_reason.setdefault(why, []).append(addr)
    parts = []
    for why, addrs in by_reason.items():
        more = f" and {len(addrs) - NAMED} more" if len(addrs) > NAMED else ""
        parts.append(f"{', '.join(addrs[:NAMED])}{more} ({why})")
    return "; ".join(parts)

