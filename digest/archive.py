"""The archive of digests: day navigation, the index page, the Atom feed, stories across days.

Everything is derived from the folder itself (the ``digest-YYYY-MM-DD.html`` pages there)
plus the digest being written, so it never disagrees with what a reader can open:

- each page links to the index and to the digests before and after it; writing a day
  also rewrites the navigation of its neighbours' pages (between ``NAV_START`` and
  ``NAV_END``), in the same all-or-nothing rename as the day's own files;
- ``index.html`` lists every digest, newest first, with its headlines;
- ``digest.atom`` (format ``atom``) is a rolling Atom feed of the newest
  ``atom_entries`` digests, written with feedgen: each entry's id is derived from the
  feed's identity and the date (stable across reruns), its content the HTML digest.

Same folder, same digest: same bytes (times come from the digests' dates, 07:00 UTC,
as the email's Date does).

A story that continues an earlier digest's says so: the state records each digest's
sections with the fingerprints of the facts they published (``story_records``), and a
section whose articles repeat or update one of those facts continues that story
(``continuations``), linked to that day's page at ``#story-N``.
"""
from __future__ import annotations

import dataclasses
import html
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import __version__
from .config import Config
from .errors import DigestError
from .files import read_bounded
from .models import Continuation, Digest, History, Recall, Section, StoryRecord

PAGE = re.compile(r"^digest-(\d{4}-\d{2}-\d{2})\.html$")
NAV_START = "<!-- digest:days -->"
NAV_END = "<!-- /digest:days -->"
INDEX = "index.html"
ATOM = "digest.atom"
_HEADLINE_OPEN = re.compile(r'<h2 id="story-\d+">')
_TAGS = re.compile(r"<[^>]*>")
PUBLISHED_AT = time(7, 0)  # a digest's moment in the feed: its date, 07:00 UTC (as the email's Date)


def page_name(day: date) -> str:
    return f"digest-{day.isoformat()}.html"


def pages(out: str | Path) -> dict[date, Path]:
    """The digest pages in the folder ``out``, by date."""
    found: dict[date, Path] = {}
    try:
        entries = list(Path(out).iterdir())
    except OSError:
        return found
    for path in entries:
        match = PAGE.match(path.name)
        if match:
            try:
                found[date.fromisoformat(match.group(1))] = path
            except ValueError:
                continue
    return found


def _link(day: date | None) -> dict[str, str] | None:
    return None if day is None else {"date": day.isoformat(), "href": page_name(day)}


def days_around(day: date, dates: set[date] | list[date]) -> dict[str, Any]:
    """What a page's navigation shows: the index, the nearest digest before and after ``day``."""
    before = max((d for d in dates if d < day), default=None)
    after = min((d for d in dates if d > day), default=None)
    return {"index": INDEX, "previous": _link(before), "next": _link(after)}


def days(day: date, config: Config) -> dict[str, Any] | None:
    """The navigation of ``day``'s page among the pages already in ``config.out`` (None for ``--out -``)."""
    if config.out == "-":
        return None
    return days_around(day, set(pages(config.out)) | {day})


def _page_text(path: Path, config: Config) -> str | None:
    """An earlier page's HTML, or None when it cannot be read (it is then left as it is)."""
    try:
        return read_bounded(path, config.max_file_bytes).decode("utf-8", errors="replace")
    except DigestError:
        return None


def companions(digest: Digest, config: Config, page: str) -> dict[Path, str]:
    """The files that change with the day's page ``page``: the index, and the neighbours'
    pages with their navigation naming this day (only those whose navigation changes)."""
    from .render import environment

    out = Path(config.out)
    found = pages(out)
    dates = set(found) | {digest.date}
    changed: dict[Path, str] = {}
    nav = environment(config.templates).get_template("days.html.j2")
    around = days_around(digest.date, dates)
    for side in ("previous", "next"):
        if around[side] is None:
            continue
        neighbour = date.fromisoformat(around[side]["date"])
        text = _page_text(found[neighbour], config)
        if text is None or NAV_START not in text:
            continue  # a page by a template without the navigation: left as it is
        fresh = NAV_START + nav.render(days=days_around(neighbour, dates)) + NAV_END
        patched = _without_nav(text, fresh, count=1)
        if patched != text:
            changed[found[neighbour]] = patched
    changed[out / INDEX] = index_page(digest, config, found)
    return changed


# Pages already in the folder are scanned with str.find, never a lazy ".*?" regex: on a page
# of many openings and no closing, each opening would scan to the end (n² on a hostile page).
def _without_nav(text: str, fresh: str = "", count: int | None = None) -> str:
    """``text`` with its day navigation blocks (the first ``count``, or all) replaced by ``fresh``."""
    out, pos, done = [], 0, 0
    while count is None or done < count:
        start = text.find(NAV_START, pos)
        end = text.find(NAV_END, start + len(NAV_START)) if start >= 0 else -1
        if end < 0:
            break
        out += [text[pos:start], fresh]
        pos, done = end + len(NAV_END), done + 1
    return "".join(out) + text[pos:]


def _headlines(text: str) -> list[str]:
    found, pos = [], 0
    while (start := text.find('<h2 id="story-', pos)) >= 0:
        opening = _HEADLINE_OPEN.match(text, start)
        if opening is None:
            pos = start + 1
            continue
        end = text.find("</h2>", opening.end())
        if end < 0:
            break
        found.append(html.unescape(_TAGS.sub("", text[opening.end():end])).strip())
        pos = end + len("</h2>")
    return found


def index_page(digest: Digest, config: Config, found: Mapping[date, Path]) -> str:
    """``index.html``: every digest in the folder (and this one), newest first, with headlines."""
    from .render import environment

    entries = []
    for day in sorted(set(found) | {digest.date}, reverse=True):
        if day == digest.date:
            headlines = [s.title for s in digest.sections if s.items]
        else:
            text = _page_text(found[day], config)
            headlines = _headlines(text) if text else []
        entries.append({"date": day.isoformat(), "href": page_name(day), "headlines": headlines})
    atom = ATOM if "atom" in config.formats else None
    return environment(config.templates).get_template("index.html.j2").render(
        title=digest.title, entries=entries, atom=atom)


# --------------------------------------------------------------------------- the Atom feed


@dataclass(frozen=True)
class _Entry:
    day: date
    page: str  # the digest's HTML page


def _content(page: str) -> str:
    """The HTML a feed entry carries: the page's body without the hidden preheader and the
    day navigation (a feed reader has its own)."""
    import lxml.html

    page = _without_nav(page)
    try:
        root = lxml.html.document_fromstring(page.encode("utf-8"))
    except (ValueError, lxml.etree.LxmlError):
        return ""
    for hidden in root.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " preheader ")]'):
        hidden.drop_tree()
    body = root.find("body")
    if body is None:
        return ""
    return "".join(lxml.html.tostring(child, encoding="unicode") for child in body)


def feed_id(config: Config) -> str:
    """The feed's permanent id: its URL under ``site_url``, else a name-based UUID of its title."""
    if config.site_url:
        return config.site_url.rstrip("/") + "/" + ATOM
    return uuid.uuid5(uuid.NAMESPACE_URL, f"digest:{config.title}").urn


def entry_id(config: Config, day: date) -> str:
    """An entry's id: the same for a date however often it is rebuilt."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{feed_id(config)}#{day.isoformat()}").urn


def _href(config: Config, name: str) -> str:
    return config.site_url.rstrip("/") + "/" + name if config.site_url else name


def atom_feed(digest: Digest, config: Config, page: str) -> bytes:
    """``digest.atom``: the newest ``config.atom_entries`` digests of the folder (this one's
    HTML is ``page``), newest first."""
    from feedgen.feed import FeedGenerator

    found = {} if config.out == "-" else pages(config.out)
    entries = [_Entry(digest.date, page)]
    for day in sorted((d for d in found if d != digest.date), reverse=True):
        if len(entries) >= config.atom_entries:
            break
        text = _page_text(found[day], config)
        if text is not None:
            entries.append(_Entry(day, text))
    entries.sort(key=lambda e: e.day, reverse=True)
    entries = entries[:config.atom_entries]

    feed = FeedGenerator()
    feed.id(feed_id(config))
    feed.title(digest.title)
    feed.author({"name": digest.title})
    feed.link(href=_href(config, ATOM), rel="self", type="application/atom+xml")
    feed.link(href=_href(config, INDEX), rel="alternate", type="text/html")
    feed.generator("digest", version=__version__)
    feed.language("en")
    feed.updated(_moment(entries[0].day))
    for item in entries:
        entry = feed.add_entry(order="append")
        entry.id(entry_id(config, item.day))
        entry.title(f"{digest.title} — {item.day.isoformat()}")
        entry.link(href=_href(config, page_name(item.day)), rel="alternate", type="text/html")
        entry.published(_moment(item.day))
        entry.updated(_moment(item.day))
        headlines = _headlines(item.page)
        if headlines:
            entry.summary("; ".join(headlines))
        entry.content(_content(item.page), type="html")
    return feed.atom_str(pretty=True)


def _moment(day: date) -> datetime:
    return datetime.combine(day, PUBLISHED_AT, timezone.utc)


# --------------------------------------------------------------------------- stories across days


def story_records(digest: Digest, config: Config) -> tuple[StoryRecord, ...]:
    """The sections ``digest`` publishes, numbered as its page numbers them (#story-N), each
    with the fingerprints of its facts (the store records them with the day's facts)."""
    from .recall import published

    shown = [s for s in digest.sections if s.items]
    day = digest.date.isoformat()
    return tuple(
        StoryRecord(day, n, section.title,
                    tuple(sorted({p.fingerprint for p in published(digest.date, [i.fact for i in section.items],
                                                                    config)})))
        for n, section in enumerate(shown, start=1)
    )


def continuations(sections: Sequence[Section], recalls: Sequence[Recall], history: History | None
                  ) -> tuple[Section, ...]:
    """``sections``, each marked with the earlier story it continues, if any.

    A section continues an earlier digest's story when its articles repeat or update a
    statement that digest published in that story (the recall stage's matches say which):
    the latest such digest, and in it the story with the most of those statements.
    """
    if history is None or not history.stories or not recalls:
        return tuple(sections)
    story_of: dict[tuple[str, str], StoryRecord] = {}
    for story in history.stories:
        for fingerprint in story.fingerprints:
            story_of.setdefault((story.date, fingerprint), story)
    out = []
    for section in sections:
        mine = set(section.articles)
        earlier: Counter[StoryRecord] = Counter()
        for recall in recalls:
            if any(s.article in mine for s in recall.fact.members):
                for p in {(p.date, p.fingerprint) for p in recall.published}:
                    if p in story_of:
                        earlier[story_of[p]] += 1
        if earlier:
            best = max(earlier, key=lambda s: (s.date, earlier[s], -s.position))
            section = dataclasses.replace(section, continues=Continuation(best.date, best.title, best.position))
        out.append(section)
    return tuple(out)
