"""Feeds: subscriptions, and every other online source (URLs, URL lists, entry pages).

Subscriptions are ``feeds = [...]`` in digest.toml and the feeds of an OPML file
(``opml``; ``digest feeds import`` adds to it). Each run fetches them politely and
with memory, the way feed readers do:

- a conditional GET with the validators of the last full answer, so an unchanged feed
  costs one 304;
- every entry read is remembered by its id (else link, else a hash of its text) with
  the digest date it was read for, so an article is read once however long the feed
  keeps it; a rerun of a date reads that date's entries again, from the store;
- summary-only entries are completed from their pages;
- a failing feed backs off (``backoff``), is one warning, and is named as failing once
  it has failed for ``FAILING_DAYS`` days in a row; it never stops the run.

Every request goes through one ``fetch.Fetcher`` per run (its deadline, size cap,
per-host limit and budget); the bytes are parsed by ``readers``.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .config import Config, default_opml_path
from .errors import ConfigError, InputDataError, OutputError
from .files import read_bounded
from .fetch import FetchError, Fetcher, Request, Response, Validators, check_url
from .models import Article, FeedState, ReadEntry
from .readers import feed_articles, looks_like_feed, page_article, parse_feed

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger("digest")

BACKOFF_FIRST = timedelta(minutes=30)  # after the first failure; doubled after each further one
BACKOFF_MAX = timedelta(hours=23)  # so a daily run always tries a failing feed again
FAILING_DAYS = 3  # failing on this many days in a row: named in warnings and in `feeds list`
FEED_ACCEPT = "application/atom+xml,application/rss+xml,application/rdf+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5"


def read_response(url: str, response: Response) -> list[Article]:
    """The articles of a fetched document: a feed's entries, or a page's one article.

    Raises:
        InputDataError: neither a feed nor a page with article text; names ``url``.
    """
    if looks_like_feed(response.content_type, response.data):
        return feed_articles(url, response.data, response.final_url)
    return [page_article(response.data, response.final_url, url)]


def read_urls(urls: Sequence[str], fetcher: Fetcher) -> list[list[Article] | InputDataError]:
    """Fetch every URL (a page or a feed) and read it; each URL's articles or why not, in order.

    Calling this is asking to go online, so the entries of a fetched feed that carry
    only a summary are completed from their pages.
    """
    results: list[list[Article] | InputDataError] = []
    for url, response in zip(urls, fetcher.fetch_many([Request(url) for url in urls])):
        if isinstance(response, FetchError):
            results.append(response)
            continue
        try:
            results.append(read_response(url, response))
        except InputDataError as exc:
            results.append(exc)
    found = [a for r in results if not isinstance(r, InputDataError) for a in r]
    completed = iter(complete_summaries(found, fetcher))
    return [r if isinstance(r, InputDataError) else [next(completed) for _ in r] for r in results]


def complete_summaries(articles: Sequence[Article], fetcher: Fetcher) -> list[Article]:
    """``articles`` with each summary-only feed entry's body replaced by its page's text.

    A page that cannot be fetched or read keeps the summary, with one warning naming
    it; so does a page whose text is shorter than the summary. Each page is fetched
    once however many entries link to it.
    """
    links = list(dict.fromkeys(a.url for a in articles if a.summary_only))
    if not links:
        return list(articles)
    pages: dict[str, Article | InputDataError] = {}
    for link, response in zip(links, fetcher.fetch_many([Request(link) for link in links])):
        if isinstance(response, FetchError):
            pages[link] = response
            continue
        try:
            pages[link] = page_article(response.data, response.final_url, link)
        except InputDataError as exc:
            pages[link] = exc
    out = []
    warned: set[str] = set()
    for article in articles:
        page = pages.get(article.url) if article.summary_only else None
        if isinstance(page, InputDataError):
            if article.url not in warned:
                warned.add(article.url)
                log.warning("%s (entry of %s): the feed summary is used instead", page.message, article.path)
        elif page is not None and len(page.body) > len(article.body):
            article = dataclasses.replace(article, body=page.body, published=article.published or page.published,
                                          summary_only=False)
        out.append(article)
    return out


# --------------------------------------------------------------------------- subscriptions


@dataclass(frozen=True)
class Subscription:
    url: str
    outlet: str | None = None  # the name to show; None: the feed's own title
    source: str = "digest.toml"  # where it is subscribed (digest.toml or the OPML file)


def opml_path(config: Config) -> Path:
    """The OPML file of subscriptions: ``config.opml``, else the default (read if it exists)."""
    return Path(config.opml) if config.opml else default_opml_path()


def subscriptions(config: Config) -> list[Subscription]:
    """Every subscription: ``config.feeds`` first, then the OPML file's; one per URL.

    Raises:
        ConfigError: a configured feed that is not an http(s) URL, or a configured OPML
            file that cannot be read.
    """
    found: dict[str, Subscription] = {}
    for feed in config.feeds:
        try:
            check_url(feed.url)
        except FetchError as exc:
            raise ConfigError(f"feeds: {exc.message}") from None
        found.setdefault(feed.url, Subscription(feed.url, feed.outlet))
    path = opml_path(config)
    if config.opml or path.is_file():
        try:
            listed = read_opml(path, config.max_file_bytes)
        except InputDataError as exc:
            raise ConfigError(f"opml: {exc.message}") from None
        for feed in listed.feeds:
            found.setdefault(feed.url, feed)
    return list(found.values())


@dataclass(frozen=True)
class Opml:
    feeds: tuple[Subscription, ...]
    problems: tuple[str, ...]  # what was not taken, one line each


def read_opml(path: Path, max_bytes: int = 20_000_000) -> Opml:
    """The feeds of an OPML subscription list (listparser), and what could not be taken.

    Raises:
        InputDataError: the file cannot be read, or is no subscription list.
    """
    return parse_opml(read_bounded(path, max_bytes), str(path))


def parse_opml(data: bytes, where: str) -> Opml:
    """See ``read_opml``; ``data`` is the document (bytes: listparser never goes online for bytes)."""
    import listparser

    try:
        parsed = listparser.parse(bytes(data))
    except Exception as exc:  # noqa: BLE001 -- hostile input: any parser failure is this file's error
        raise InputDataError(f"{where}: cannot parse OPML ({type(exc).__name__})") from None
    if not parsed.get("version") and not parsed.get("feeds"):
        why = parsed.get("bozo_exception")
        raise InputDataError(f"{where}: not an OPML subscription list" + (f" ({why})" if why else ""))
    feeds: dict[str, Subscription] = {}
    problems: list[str] = []
    for item in parsed.get("feeds") or ():
        url = " ".join(str(item.get("url") or "").split())
        title = " ".join(str(item.get("title") or "").split()) or None
        try:
            check_url(url)
        except FetchError as exc:
            problems.append(f"{title or 'an outline'}: {exc.message}")
            continue
        # An outline must have a text: one that is only the URL names no outlet.
        feeds.setdefault(url, Subscription(url, title if title != url else None, where))
    for item in parsed.get("lists") or ():
        problems.append(f"{item.get('title') or item.get('url')}: a link to another subscription list "
                        f"({item.get('url')}), not followed")
    for item in parsed.get("opportunities") or ():
        problems.append(f"{item.get('title') or item.get('url')}: a web site without a feed address "
                        f"({item.get('url')})")
    if parsed.get("bozo") and parsed.get("bozo_exception"):
        problems.append(f"the file is malformed ({parsed['bozo_exception']}); read what could be parsed")
    return Opml(tuple(feeds.values()), tuple(problems))


def opml_document(feeds: Sequence[Subscription], title: str) -> bytes:
    """An OPML 2.0 document of ``feeds`` (what ``digest feeds export`` prints)."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(root, "body")
    for feed in feeds:
        name = feed.outlet or feed.url
        ElementTree.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=feed.url)
    ElementTree.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="utf-8") + b"\n"


@dataclass(frozen=True)
class Imported:
    target: Path
    added: tuple[Subscription, ...]
    already: int  # feeds of the file that were subscribed before
    problems: tuple[str, ...]


def import_opml(source: Path, config: Config) -> Imported:
    """Add the feeds of the OPML file ``source`` to the subscriptions' OPML file (written atomically).

    Raises:
        InputDataError: ``source`` is no OPML list (or cannot be read).
        OutputError: the subscriptions' file cannot be written.
    """
    from .output import atomic_write

    new = read_opml(source, config.max_file_bytes)
    target = opml_path(config)
    current = read_opml(target, config.max_file_bytes).feeds if target.is_file() else ()
    subscribed = {s.url for s in current} | {f.url for f in config.feeds}
    added = tuple(s for s in new.feeds if s.url not in subscribed)
    kept = [dataclasses.replace(s, source=str(target)) for s in (*current, *added)]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, opml_document(kept, "digest subscriptions"))
    except OSError as exc:
        raise OutputError(f"{target}: cannot write the subscriptions: {exc.strerror}") from None
    return Imported(target, added, len(new.feeds) - len(added), new.problems)


# --------------------------------------------------------------------------- reading them


@dataclass(frozen=True)
class FeedBatch:
    """What one run read from its subscriptions."""

    articles: tuple[Article, ...]  # in subscription order, each feed's entries in feed order
    states: tuple[FeedState, ...]  # each fetched feed's state, recorded with the digest
    entries: tuple[ReadEntry, ...]  # the entries read for the first time, recorded with the digest
    unchanged: int = 0  # feeds that answered 304
    failed: int = 0  # feeds that failed or were not fetched (back-off, budget)

    def summary(self) -> str:
        return (f"{len(self.states)} feeds fetched, {self.unchanged} unchanged since the last run, "
                f"{self.failed} failed or not fetched")


def backoff(failures: int) -> timedelta:
    """How long a feed that failed ``failures`` times in a row is left alone."""
    return min(BACKOFF_FIRST * 2 ** min(max(failures - 1, 0), 30), BACKOFF_MAX)


def failing_days(state: FeedState, now: datetime) -> int:
    """On how many calendar days (UTC) the feed has failed without a success in between (0: it works)."""
    since = _moment(state.failing_since)
    if not state.failures or since is None:
        return 0
    return (now.date() - since.date()).days + 1


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def article_json(article: Article) -> str:
    """An article as the store keeps a read entry (id is the run's, so it is left out)."""
    return json.dumps({
        "url": article.url, "title": article.title, "outlet": article.outlet,
        "published": article.published.isoformat() if article.published else None,
        "body": article.body, "path": article.path, "summary_only": article.summary_only,
    }, ensure_ascii=False, sort_keys=True)


def article_from_json(text: str, where: str) -> Article:
    """An article the store kept (``article_json``).

    Raises:
        InputDataError: the stored text is not such an article (a hand-damaged state).
    """
    try:
        data = json.loads(text)
        published = datetime.fromisoformat(data["published"]) if data.get("published") else None
        return Article(id=-1, url=str(data["url"]), title=str(data["title"]),
                       outlet=data["outlet"] if isinstance(data.get("outlet"), str) else None,
                       published=published, body=str(data["body"]), path=str(data["path"]),
                       summary_only=bool(data.get("summary_only")))
    except (ValueError, TypeError, KeyError):
        raise InputDataError(f"{where}: a stored feed entry is damaged") from None


def read_feeds(
    subscribed: Sequence[Subscription],
    day: date,
    fetcher: Fetcher,
    store: "Store | None" = None,
    now: datetime | None = None,
) -> FeedBatch:
    """Fetch every subscription due and read the entries not read for an earlier date.

    With a ``store``: feeds in back-off are not fetched, the others get a conditional
    GET, entries read for earlier dates are left out and the entries read for ``day``
    (a rerun) are read again from the store; how each fetch went is saved at once
    (failures must count even when the run fails later), while validators and read
    entries are returned to be recorded with the digest. A feed's new validators are
    kept only when every entry of its answer was read: an entry dated after ``day``
    is left for a later digest, so the next run must see it again. Without a store,
    every feed is fetched whole and every entry read.

    Args:
        subscribed: the subscriptions, in order.
        day: the digest's date.
        fetcher: the run's fetcher (its budget is shared with the rest of the run).
        store: the state, or None (``--no-state``).
        now: the time back-off counts from (default: now).
    """
    now = now or datetime.now(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(), timezone.utc)
    states = store.feed_states() if store else {}
    urls = [s.url for s in subscribed]
    read_before = store.entry_dates(urls) if store else {}
    again: dict[str, list[Article]] = {}
    again_keys: set[tuple[str, str]] = set()
    for entry in store.entries_read_on(day) if store else ():
        if entry.feed in urls and entry.article:
            again.setdefault(entry.feed, []).append(article_from_json(entry.article, str(store.path)))
            again_keys.add((entry.feed, entry.key))

    due: list[Subscription] = []
    failed = 0
    for sub in subscribed:
        state = states.get(sub.url, FeedState(sub.url))
        wait = _moment(state.next_try)
        if store and wait is not None and wait > now:
            failed += 1
            days = failing_days(state, now)
            log.warning("feed %s not fetched until %s (back-off after %d failures%s; last: %s)", sub.url,
                        _iso(wait), state.failures, f", failing for {days} days" if days >= FAILING_DAYS else "",
                        state.last_error)
        else:
            due.append(sub)
    requests = [Request(s.url, Validators(states[s.url].etag, states[s.url].last_modified)
                        if s.url in states else Validators(), FEED_ACCEPT) for s in due]
    answers = dict(zip((s.url for s in due), fetcher.fetch_many(requests)))

    attempted: list[FeedState] = []  # saved now
    recorded: list[FeedState] = []  # recorded with the digest
    fresh: dict[str, list[tuple[str, Article]]] = {}
    unchanged = 0
    for sub in due:
        state = states.get(sub.url, FeedState(sub.url))
        answer = answers[sub.url]
        if isinstance(answer, Response) and not answer.not_modified:
            try:
                parsed = parse_feed(answer.data, sub.url, answer.final_url)
            except InputDataError as exc:
                answer = FetchError(sub.url, exc.message.removeprefix(f"{sub.url}: "), temporary=False)
            else:
                if parsed.notes:
                    log.warning("%s: %s", sub.url, "; ".join(parsed.notes))
        if isinstance(answer, FetchError):
            if answer.budget:  # the run's budget, not the feed, ran out: no failure counted
                log.warning("feed %s: %s", sub.url, answer.reason)
                failed += 1
                continue
            state = _failed(state, answer, now)
            attempted.append(state)
            recorded.append(state)
            failed += 1
            days = failing_days(state, now)
            if days >= FAILING_DAYS:
                log.warning("feed %s has failed for %d days in a row (since %s, %d failures): %s; next try after %s",
                            sub.url, days, state.failing_since[:10], state.failures, answer.reason, state.next_try)
            else:
                log.warning("feed %s: %s; next try after %s", sub.url, answer.reason, state.next_try)
            continue
        worked = dataclasses.replace(state, last_attempt=_iso(now), last_success=_iso(now), failures=0,
                                     failing_since=None, next_try=None, last_error=None,
                                     moved_to=answer.moved_to or state.moved_to)
        attempted.append(worked)
        if answer.not_modified:
            unchanged += 1
            recorded.append(worked)
            continue
        complete = True
        taken: list[tuple[str, Article]] = []
        for entry in parsed.entries:
            key = (sub.url, entry.key)
            if key in again_keys:
                continue  # read for this very date: the stored copy is read again
            if key in read_before and read_before[key] < day.isoformat():
                continue  # read for an earlier digest
            article = entry.article
            if article.published is not None and article.published >= end:
                complete = False  # a later digest's: the next run must see this answer again
                continue
            if sub.outlet:
                article = dataclasses.replace(article, outlet=sub.outlet)
            taken.append((entry.key, article))
        fresh[sub.url] = taken
        new = answer.validators if complete else Validators(state.etag, state.last_modified)
        recorded.append(dataclasses.replace(worked, etag=new.etag, last_modified=new.last_modified))
        if answer.moved_to:
            log.warning("feed %s moved permanently to %s: update the subscription", sub.url, answer.moved_to)

    # Summary-only entries are completed from their pages, all feeds' at once (per-host limit).
    new_articles = [a for taken in fresh.values() for _, a in taken]
    completed = iter(complete_summaries(new_articles, fetcher))
    articles: list[Article] = []
    entries: list[ReadEntry] = []
    for sub in subscribed:
        articles.extend(again.get(sub.url, ()))
        for key, _ in fresh.get(sub.url, ()):
            article = next(completed)
            articles.append(article)
            entries.append(ReadEntry(sub.url, key, day.isoformat(), article_json(article)))
    if store is not None:
        store.save_feed_states(attempted)
    log.info("feeds: %d of %d fetched, %d unchanged (304), %d new entries read", len(due), len(subscribed),
             unchanged, len(new_articles))
    return FeedBatch(tuple(articles), tuple(recorded) if store else (), tuple(entries) if store else (),
                     unchanged, failed)


def _failed(state: FeedState, error: FetchError, now: datetime) -> FeedState:
    failures = state.failures + 1
    wait = backoff(failures)
    if error.retry_after:
        wait = max(wait, timedelta(seconds=error.retry_after))
    return dataclasses.replace(state, last_attempt=_iso(now), failures=failures,
                               failing_since=state.failing_since or _iso(now), next_try=_iso(now + wait),
                               last_error=error.reason)


# --------------------------------------------------------------------------- listing them


@dataclass(frozen=True)
class FeedStatus:
    """One subscription as ``digest feeds list`` shows it."""

    url: str
    outlet: str | None
    source: str
    state: FeedState
    failing_days: int  # 0: working (or never fetched)

    @property
    def failing(self) -> bool:
        return self.failing_days >= FAILING_DAYS

    def line(self) -> str:
        name = f" ({self.outlet})" if self.outlet else ""
        s = self.state
        if s.failures:
            how = (f"FAILING for {self.failing_days} days" if self.failing else "failed") + \
                f" (since {s.failing_since}, {s.failures} in a row; last: {s.last_error}); next try after {s.next_try}"
        elif s.last_success:
            how = f"ok, last fetched {s.last_success}"
        else:
            how = "not fetched yet"
        moved = f"; moved permanently to {s.moved_to}" if s.moved_to else ""
        return f"{self.url}{name}: {how}{moved}"

    def as_json(self) -> dict:
        return {"url": self.url, "outlet": self.outlet, "source": self.source, "failing": self.failing,
                "failing_days": self.failing_days, **{k: v for k, v in dataclasses.asdict(self.state).items()
                                                       if k != "url"}}


def listing(subscribed: Sequence[Subscription], states: dict[str, FeedState], now: datetime | None = None) -> list[FeedStatus]:
    """Every subscription with what the store remembers of it."""
    now = now or datetime.now(timezone.utc)
    out = []
    for sub in subscribed:
        state = states.get(sub.url, FeedState(sub.url))
        out.append(FeedStatus(sub.url, sub.outlet, sub.source, state, failing_days(state, now)))
    return out
