"""Email: a ``Digest`` as a multipart/alternative MIME message (plain text first, then HTML).

The message is deterministic: the same digest and settings give the same bytes
(Message-ID from the date, a hash of both parts and the sender's domain; Date
at a fixed hour of the digest's day), so a rerun never looks like a new issue.
"""
from __future__ import annotations

import hashlib
import logging
import re
from copy import deepcopy
from datetime import datetime, time, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from urllib.parse import urlsplit

import css_inline

from .config import Config, EmailConfig
from .errors import ConfigError
from .models import Digest
from .render import EMAIL_LINK_SCHEMES, render, safe_link
from .sanitise import clean_line

log = logging.getLogger("digest")
# Gmail clips an HTML part larger than about 102 KB; stay clearly below it.
HTML_SIZE_LIMIT = 100_000
# The Date header's time of day on the digest's date (UTC): the morning edition.
SEND_TIME = time(7, 0, tzinfo=timezone.utc)

# Rules are inlined into style attributes; @media rules (dark mode, narrow
# screens) cannot be, so they stay in <style>. Nothing remote is ever loaded.
_STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.I | re.S)  # article text is escaped: no "<style" in it
_IMPORT = re.compile(r"@import\b[^;]*;?", re.I)
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False, keep_link_tags=False)


_SUBJECT_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def subject(email: EmailConfig, digest: Digest) -> str:
    """The Subject: ``email.subject`` with ``{date}`` and ``{title}`` filled in (``{{``, ``}}``
    are braces). Only these two names, no format specs: ``{title:>1000000000}`` would build
    a gigabyte."""
    values = {"date": digest.date.isoformat(), "title": digest.title}

    def fill(match: re.Match[str]) -> str:
        if match.group() in ("{{", "}}"):
            return match.group()[0]
        if match.group(1) not in values:
            raise ConfigError(f"email.subject {email.subject!r}: only {{date}} and {{title}} can be filled in "
                              f"(not {match.group()!r})")
        return values[match.group(1)]

    return clean_line(_SUBJECT_FIELD.sub(fill, email.subject))  # one line, no controls: a header


def _domain(address: str) -> str:
    domain = address.rpartition("@")[2].strip().strip(">").lower()
    return domain or "localhost"


def _unsubscribe(email: EmailConfig) -> str | None:
    url = (email.unsubscribe_url or "").strip()
    if not url:
        return None
    if safe_link(url, EMAIL_LINK_SCHEMES) is None or any(c in url for c in "<>\r\n \t"):
        raise ConfigError(f"email.unsubscribe_url {url!r}: expected an https:// (or mailto:) address")
    return url


def html_part(digest: Digest, config: Config) -> str:
    """The email's HTML: the HTML template with email link rules, CSS inlined."""
    html = render(digest, "html", config.templates, link_schemes=EMAIL_LINK_SCHEMES, email=True,
                  unsubscribe_url=_unsubscribe(config.email))
    # keep_at_rules keeps every at-rule; an @import (from a user template) would make the
    # reader's client fetch a remote stylesheet, so it goes.
    html = _STYLE.sub(lambda m: _IMPORT.sub("", m.group(0)), html)
    html = _INLINER.inline(html)
    size = len(html.encode("utf-8"))
    if size > HTML_SIZE_LIMIT:
        log.warning("the email's HTML is %d KB: Gmail clips messages above about 102 KB; lower --max-words",
                    size // 1000)
    return html


def text_part(digest: Digest, config: Config) -> str:
    """The plain-text part: the text digest, plus the unsubscribe address when there is one."""
    text = render(digest, "text", config.templates)
    url = _unsubscribe(config.email)
    if url:
        text = text.rstrip("\n") + f"\n\n--\nUnsubscribe: {url}\n"
    return text


def message_id(digest: Digest, text: str, html: str, sender: str) -> str:
    """``<digest-YYYY-MM-DD.HASH@domain>``: the same content always gets the same id."""
    content = hashlib.sha256(text.encode("utf-8") + b"\0" + html.encode("utf-8")).hexdigest()[:16]
    return f"<digest-{digest.date.isoformat()}.{content}@{_domain(sender)}>"


def list_id(email: EmailConfig) -> str:
    """RFC 2919 List-Id: the configured one, or ``<digest.DOMAIN>`` from the sender."""
    if email.list_id:
        value = email.list_id.strip()
        return value if "<" in value else f"<{value}>"
    return f"<digest.{_domain(email.from_)}>"


def addresses(values: tuple[str, ...] | list[str], where: str) -> list[Address]:
    """Each of ``values`` (``"Name <a@b>"`` or ``"a@b"``) as an ``Address``; ``where`` names the setting in errors."""
    out = []
    for name, addr in getaddresses(list(values)):
        if "@" not in addr or any(c in addr for c in "\r\n"):
            raise ConfigError(f"{where}: {addr or values!r} is not an email address")
        local, _, domain = addr.rpartition("@")
        out.append(Address(display_name=name, username=local, domain=domain))
    return out


def build_message(digest: Digest, config: Config) -> EmailMessage:
    """The digest as a multipart/alternative ``EmailMessage``.

    Args:
        digest: the built digest.
        config: ``config.email`` gives From, To, the Subject template and the
            unsubscribe URL (List-Unsubscribe, RFC 8058 one-click when https).

    Returns:
        A message with a text/plain part first and a text/html part second.

    Raises:
        ConfigError: a malformed address, subject template or unsubscribe URL.
    """
    email = config.email
    text = text_part(digest, config)
    html = html_part(digest, config)
    sender = addresses([email.from_], "email.from")
    if len(sender) != 1:
        raise ConfigError(f"email.from {email.from_!r}: expected one address")
    recipients = addresses(email.to, "email.to")

    msg = EmailMessage(policy=policy.SMTP)
    unsubscribe = _unsubscribe(email)
    try:  # the header registry rejects what is not a header (a newline, a malformed address)
        msg["From"] = sender[0]
        # Several subscribers never see each other: the file is the template that
        # deliver.send personalises (for_recipient), one copy each.
        msg["To"] = recipients[0] if len(recipients) == 1 else "undisclosed-recipients:;"
        msg["Subject"] = subject(email, digest)
        msg["Date"] = format_datetime(datetime.combine(digest.date, SEND_TIME))
        msg["Message-ID"] = message_id(digest, text, html, email.from_)
        msg["List-Id"] = list_id(email)
        if unsubscribe:
            msg["List-Unsubscribe"] = f"<{unsubscribe}>"
            if urlsplit(unsubscribe).scheme.lower() == "https":  # RFC 8058 one-click needs an https URI
                msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    except ValueError as exc:
        raise ConfigError(f"email settings: {' '.join(str(exc).split())}") from None
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # A fixed boundary keeps reruns byte-identical; "=_" can never occur in quoted-printable text.
    msg.set_boundary(f"=_digest_{message_id(digest, text, html, email.from_)[1:-1].split('@')[0]}")
    return msg


def message_bytes(digest: Digest, config: Config) -> bytes:
    """The message as it goes on the wire: CRLF line endings (``email.policy.SMTP``)."""
    return build_message(digest, config).as_bytes(policy=policy.SMTP)


def for_recipient(msg: EmailMessage, to: Address) -> EmailMessage:
    """``msg``'s copy for one subscriber: To is that address alone, Message-ID is its own.

    Everything else (body bytes, Subject, Date, List-* headers) is unchanged. The
    Message-ID is derived from ``msg``'s and the address, so a resend is the same
    message and each subscriber's replies thread on their own copy.
    """
    copy = deepcopy(msg)
    del copy["Cc"], copy["Bcc"]  # a hand-made template's other recipients are not shown either
    _replace(copy, "To", to)
    digest_id = str(msg.get("Message-ID", "")).strip()
    if digest_id:
        tag = hashlib.sha256(f"{digest_id}\0{to.addr_spec}".encode("utf-8")).hexdigest()[:12]
        _replace(copy, "Message-ID", f"<{tag}.{digest_id.strip('<>')}>")
    return copy


def _replace(msg: EmailMessage, name: str, value: object) -> None:
    """Set a header in place (keeping the header order), or add it when missing."""
    if name in msg:
        msg.replace_header(name, value)
    else:
        msg[name] = value

