"""Notify: a short Markdown version of the digest to chat channels and webhooks, through apprise.

``[notify] urls`` are apprise URLs, one channel each (``slack://``, ``matrix://``,
``discord://``, ``tgram://``, ``ntfy://``, ``mailto://``, ``json://`` for a plain JSON
webhook, ...). A run delivers after its files are written and recorded. A channel that
fails is a warning naming it (its URL with the secrets masked, as apprise prints it);
only when every channel failed is the run a temporary failure (exit 75), so cron's retry
delivers. With a state, a channel that got a date's digest is not sent it again by a
rerun of that date.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import Config, masked_url
from .errors import TemporaryFailure
from .models import Digest
from .render import markdown_text

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger("digest")

MAX_CHARS = 1800  # under Discord's 2,000 and most chats' limits: the message is a pointer, not the digest


class Unreached(TemporaryFailure):
    """No chat channel took the digest; its files are written and recorded (exit 75: retry)."""


@dataclass(frozen=True)
class Delivery:
    sent: tuple[str, ...]  # the channels (masked) that took the message
    failed: tuple[tuple[str, str], ...]  # (channel, why)
    skipped: tuple[str, ...] = ()  # already sent this date's digest


def channel_key(url: str) -> str:
    """What the state keeps of a channel: a hash (apprise URLs hold tokens)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def message(digest: Digest, config: Config) -> tuple[str, str]:
    """The title and the short Markdown body: each story's headline and lead sentence with
    the outlets that carry it, and a link to the full digest when ``site_url`` is set."""
    articles = digest.articles
    title = f"{digest.title} — {digest.date.isoformat()}"
    link = (config.site_url.rstrip("/") + f"/digest-{digest.date.isoformat()}.html") if config.site_url else None
    tail = f"\n\n[Full digest]({link})" if link else ""
    parts: list[str] = []
    shown = [s for s in digest.sections if s.items]
    for n, section in enumerate(shown):
        lead = section.items[0].fact
        outlets = sorted({o for i in lead.sources for o in (articles[i].outlets or (articles[i].outlet,)) if o})
        part = f"**{markdown_text(section.title)}**\n{markdown_text(lead.text)}"
        if outlets:
            part += f" ({markdown_text(', '.join(outlets))})"
        more = len(shown) - n - 1
        rest = f"\n\n…and {more} more {'story' if more == 1 else 'stories'}" if more else ""
        if parts and len("\n\n".join([*parts, part])) + len(rest) + len(tail) > MAX_CHARS:
            parts.append(f"…and {len(shown) - n} more {'story' if len(shown) - n == 1 else 'stories'}")
            break
        parts.append(part)
    body = "\n\n".join(parts) if parts else "Nothing to report for this date."
    return title, body + tail


def notify(digest: Digest, config: Config, store: "Store | None" = None) -> Delivery:
    """Deliver ``message`` to every ``config.notify.urls`` channel not yet sent this date's digest.

    Raises:
        Unreached: every channel tried failed (the files are written; retry later).
    """
    urls = list(dict.fromkeys(config.notify.urls))
    if not urls:
        return Delivery((), ())
    import apprise  # imported by the runs that notify

    done = store.notified(digest.date) if store else set()
    title, body = message(digest, config)
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    skipped: list[str] = []
    for url in urls:
        channel = apprise.Apprise()
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as said:
            added = channel.add(url)
        if not added:
            failed.append((masked_url(url), "not an apprise URL this apprise knows"))
            continue
        shown = channel[0].url(privacy=True).split("?", 1)[0]
        if channel_key(url) in done:
            skipped.append(shown)
            continue
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as said:
            ok = bool(channel.notify(title=title, body=body, body_format=apprise.NotifyFormat.MARKDOWN))
        if ok:
            sent.append(shown)
            if store is not None:
                store.note_notified(digest.date, channel_key(url))
        else:
            lines = [line for line in said.getvalue().splitlines() if line.strip()]
            failed.append((shown, lines[-1] if lines else "delivery failed"))
    for shown, why in failed:
        log.warning("notify %s: %s", shown, why)
    if skipped:
        log.info("notify: %s already had the digest of %s", ", ".join(skipped), digest.date)
    for shown in sent:
        log.info("notified %s", shown)
    if failed and not sent and not skipped:
        raise Unreached(f"the digest was written but reached none of the {len(failed)} chat channels "
                               f"([notify] urls); try again later")
    return Delivery(tuple(sent), tuple(failed), tuple(skipped))
