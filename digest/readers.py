"""Readers for news as it arrives: HTML pages, RSS/Atom feeds, JSON dumps, URL lists.

Every reader has the ``ingest.Reader`` signature ``(path, data, config) ->
list[Article]`` and raises ``InputDataError`` (naming the file) for input it
cannot use; ``ingest`` turns that into one warning and goes on. Input is
hostile: the parsing libraries (trafilatura, feedparser, lxml, json) are called
behind a boundary that turns any failure of theirs into that one error.

Nothing here goes online: a URL list (``urls.txt``, ``*.urls``) reads as its URLs,
and a feed entry that carries only a summary is marked ``summary_only``; fetching
them is ``feeds``' job, through ``fetch``.
"""
from __future__ import annotations

import codecs
import contextlib
import dataclasses
import email.utils
import hashlib
import html.entities
import io
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import urlsplit


from .config import Config
from .errors import InputDataError
from .models import Article
from .sanitise import CONTROL, url_scheme

log = logging.getLogger("digest")

URL_LIST_NAMES = frozenset({"urls.txt"})  # also any file ending in .urls


# --- decoding -------------------------------------------------------------------------------


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as Windows-1252 (latin-1 if undefined)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start:error.end]
    return "".join(_cp1252_char(b) for b in bad), error.end


def _cp1252_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D
        return chr(byte)


codecs.register_error("digest.cp1252_fallback", _cp1252_fallback)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode_bom(data: bytes, path: Path | str) -> str | None:
    """Text whose byte-order mark names its encoding, or None without a BOM."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                if encoding == "utf-8-sig":
                    return None  # mostly UTF-8 with stray bytes: decode() reads it as mixed
                raise InputDataError(f"{path}: starts with a {encoding} byte-order mark but is not {encoding}") from None
    return None


def decode(data: bytes, path: Path | str, declared: str | None = None) -> str:
    """UTF-8 (with or without BOM), else the ``declared`` encoding, else the one
    charset-normalizer finds most likely.

    Mixed files, mostly UTF-8 with some Windows-1252/latin-1 bytes pasted in (a common
    result of concatenating sources), keep their UTF-8 and read the stray bytes as
    Windows-1252 instead of being guessed as one single-byte encoding throughout.
    """
    text = _decode_bom(data, path)
    if text is not None:
        return text
    data = data.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in data[:8192]:
        raise InputDataError(f"{path}: binary file, not an article")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    lenient = data.decode("utf-8", errors="replace")
    invalid = lenient.count("\ufffd")
    multibyte = sum(1 for ch in lenient if ord(ch) > 127) - invalid
    if multibyte >= max(invalid, 1):
        return data.decode("utf-8", errors="digest.cp1252_fallback")
    from charset_normalizer import from_bytes  # only for text that is not UTF-8

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise InputDataError(f"{path}: undecodable bytes (not UTF-8 and no other encoding fits)")
    # Short texts fit several code pages equally well and charset-normalizer's first pick
    # among them is arbitrary (cp1250 for French); on a tie, Windows-1252 is the likelier.
    for match in matches:
        if match.chaos <= best.chaos and match.coherence >= best.coherence \
                and "cp1252" in match.could_be_from_charset:
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                break
    return str(best)


# The HTML standard's encoding prescan looks for a declaration in the first 1024 bytes.
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def decode_html(data: bytes, path: Path | str) -> str:
    """An HTML page's text: BOM, then UTF-8, then the page's declared charset, then detection.

    trafilatura would only guess; a page that declares latin-1 should be read as latin-1.
    """
    declared = _META_CHARSET.search(data[:4096])
    return decode(data, path, declared.group(1).decode("ascii") if declared else None)


# --- HTML to text ---------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    """address article aside blockquote br caption dd details div dl dt figcaption figure footer
    h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td th thead tr
    ul""".split()
)
_DROP_TAGS = frozenset(
    "script style noscript template iframe object embed svg math head form button select".split()
)
_SPACES = re.compile(r"\s+")
_INLINE_SPACES = re.compile(r"[^\S\n]+")


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: one paragraph per block element, blank-line separated;
    scripts and styles dropped.

    Used for feed entries, whose content is a fragment too short for trafilatura's
    main-text heuristics.
    """
    markup = CONTROL.sub(" ", markup)  # lxml refuses text with control characters
    if "<" not in markup and "&" not in markup:
        return plain_text(markup)
    import lxml.etree
    import lxml.html

    try:
        try:
            root = lxml.html.fragment_fromstring(markup, create_parent="div")
        except ValueError:  # a str with an XML encoding declaration
            root = lxml.html.fragment_fromstring(markup.encode("utf-8"), create_parent="div")
    except (lxml.etree.LxmlError, ValueError):  # nothing lxml can make a tree of
        return ""
    for element in list(root.iter()):
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        tag = element.tag.lower()
        if tag in _DROP_TAGS and element.getparent() is not None:
            element.drop_tree()
        elif tag in _BLOCK_TAGS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    return blocks_to_paragraphs(root.text_content())


def blocks_to_paragraphs(text: str) -> str:
    """Text whose every line is one block of a page: non-empty lines, spaces collapsed,
    separated by blank lines.

    Blank lines, not single newlines, because ``segment.paragraphs`` glues a line to the
    one before when that one has no sentence ending, which is right for hard-wrapped
    prose and wrong for a list item or caption that was its own element.
    """
    lines = (_SPACES.sub(" ", line).strip() for line in CONTROL.sub(" ", text).splitlines())
    return "\n\n".join(line for line in lines if line)


def plain_text(text: str) -> str:
    """Text as its author laid it out (wrapped lines stay wrapped), with control characters
    and trailing spaces gone, runs of spaces and of blank lines collapsed."""
    lines = [_INLINE_SPACES.sub(" ", line).strip() for line in CONTROL.sub(" ", text).splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


# --- numbers --------------------------------------------------------------------------------


def number_or_text(text: str, value: int | None = None) -> int | str:
    """A number as written, as an int; as text when it is too long for Python to read or print
    (sys.get_int_max_str_digits, 4300 by default): a value no article needs as a number."""
    try:
        number = int(text) if value is None else value
        str(number)  # a 0x... of thousands of digits is read, but cannot be printed
    except ValueError:
        return text
    return number


def load_json(text: str) -> Any:
    """``json.loads`` with over-long numbers kept as text (``number_or_text``)."""
    return json.loads(text, parse_int=number_or_text)


# --- dates ----------------------------------------------------------------------------------


def struct_time_to_utc(value: Any) -> datetime | None:
    """feedparser's ``*_parsed`` (a UTC ``time.struct_time``) as an aware datetime; junk is None."""
    if not value:
        return None
    try:
        return datetime(*tuple(value)[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_moment(value: Any) -> datetime | None:
    """A date from a dump or a page: ISO 8601, RFC 2822 or epoch seconds; junk is None.

    Unlike front matter (which a person wrote, so a bad date is an error to report),
    machine dumps often carry junk dates and one should not cost the whole file.
    """
    if value is None or isinstance(value, bool):
        return None
    moment: datetime | None = None
    try:
        if isinstance(value, (int, float)):
            moment = datetime.fromtimestamp(value, tz=timezone.utc)
        elif isinstance(value, str) and value.strip():
            text = value.strip()
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError, OSError, IndexError):
        return None
    if moment is None:
        return None
    try:
        return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError):  # year 1 minus an offset
        return None


# --- HTML article pages ---------------------------------------------------------------------

_PUBLISHED_XPATHS = (
    '//meta[@property="article:published_time"]/@content',
    '//meta[@property="og:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content',
    '//meta[@name="date"]/@content',
    '//meta[@name="pubdate"]/@content',
    "//time[@datetime]/@datetime",
)


def _published_from_meta(html: str) -> datetime | None:
    """The publish time to the minute from the page's meta tags (trafilatura keeps only the day)."""
    import lxml.etree
    import lxml.html

    try:
        parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)  # one per call: not shared
        tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except (lxml.etree.LxmlError, ValueError):
        return None
    for xpath in _PUBLISHED_XPATHS:
        for value in tree.xpath(xpath):
            moment = parse_moment(str(value))
            if moment is not None:
                return moment
    return None


# trafilatura and its helpers log their own warnings and errors about a page they cannot
# use ("discarding data", "not valid HTML"); the reader reports that outcome once, naming
# the file, so theirs would be a second warning for the same page.
_EXTRACTION_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext")


@contextlib.contextmanager
def _quiet(names: Iterable[str]) -> Iterator[None]:
    """Silence the named libraries' loggers (and their children) for the duration of one call."""
    prefixes = tuple(names)
    loggers = [logging.getLogger(name) for name in prefixes] + [
        logger for name, logger in list(logging.root.manager.loggerDict.items())
        if isinstance(logger, logging.Logger) and name.startswith(tuple(p + "." for p in prefixes))
    ]
    saved = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, was in zip(loggers, saved):
            logger.disabled = was


def extract_page(html: str, url: str | None, where: str) -> Article:
    """The main text and metadata of one article page, via trafilatura.

    Navigation, cookie banners, promos, share bars, link lists, comments and
    footers are left out: trafilatura with ``favor_precision`` and no comments
    or tables. Paragraphs come back separated by blank lines.

    Raises:
        InputDataError: not HTML, or no article text in it.
    """
    import trafilatura  # imported by the runs that read a page (0.3 s)

    try:
        with _quiet(_EXTRACTION_LOGGERS):
            document = trafilatura.bare_extraction(
                html,
                url=url,
                favor_precision=True,
                include_comments=False,
                include_tables=False,
                include_images=False,
                include_links=False,
                with_metadata=True,
                date_extraction_params={"extensive_search": False, "original_date": True},
            )
    except Exception as exc:  # noqa: BLE001 -- hostile input: any parser failure skips the page
        raise InputDataError(f"{where}: cannot parse HTML ({type(exc).__name__})") from None
    if document is None or not getattr(document, "text", None) or not document.text.strip():
        raise InputDataError(f"{where}: no article text found in the page")
    body = blocks_to_paragraphs(document.text)
    title = " ".join((document.title or "").split())
    first, _, rest = body.partition("\n\n")
    if title and rest and first.casefold() == title.casefold():  # the page's <h1>, already the title
        body = rest
    published = _published_from_meta(html) or parse_moment(document.date)
    generated = not title
    title = title or _first_words(body)
    return Article(
        id=-1,
        url=web_url(document.url) or web_url(url) or "",
        title=title,
        outlet=document.sitename or document.hostname or None,
        published=published,
        body=body,
        path=where,
        generated_title=generated,
    )


def _first_words(text: str, count: int = 12) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


def read_html_article(path: Path, data: bytes, config: Config) -> list[Article]:
    """A saved article page (.html/.htm): main text, title, canonical URL, site name, date."""
    html = decode_html(data, path)
    article = extract_page(html, None, str(path))
    if not article.url:
        article = dataclasses.replace(article, url=path.resolve().as_uri())
    return [article]


# --- RSS and Atom feeds ---------------------------------------------------------------------

_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


def _detail_text(detail: Mapping[str, Any] | None, fallback: str = "") -> str:
    """A feedparser text construct as plain text, HTML reduced to one paragraph per block."""
    if not detail:
        return plain_text(fallback) if fallback else ""
    value = str(detail.get("value") or "")
    kind = str(detail.get("type") or "").lower()
    if kind in _HTML_TYPES or kind.endswith("html"):
        return html_to_text(value)
    return plain_text(value)


def _entry_content(entry: Mapping[str, Any]) -> str:
    """Full content (content:encoded, Atom content) when the entry has it, else ''."""
    best = ""
    for detail in entry.get("content") or ():
        text = _detail_text(detail)
        if len(text) > len(best):
            best = text
    return best


def web_url(value: Any) -> str | None:
    """``value`` if it is an http(s) URL, else None: a javascript: or data: "link" from a
    feed or dump must never become a link in the digest."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if url_scheme(value) not in ("http", "https"):
        return None
    return value if urlsplit(value).netloc else None


def _hostname(url: str | None) -> str | None:
    try:
        host = urlsplit(url or "").hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def read_feed(path: Path, data: bytes, config: Config) -> list[Article]:
    """An RSS or Atom feed (.xml/.rss/.atom): one article per entry.

    The url is the entry's link, the title its title, the outlet the feed's title,
    the date its published (else updated) date; the body is the full content when
    the feed carries it, else the summary, HTML reduced to text (and the article is
    ``summary_only``: with fetching on, ingest completes it from its page). Entries
    without any text are dropped with one warning per file.
    """
    return feed_articles(str(path), data, path.resolve().as_uri())


def feed_articles(where: str, data: bytes, base_uri: str) -> list[Article]:
    """A feed's articles, what was left out said in one warning.

    Raises:
        InputDataError: not a feed, or no entry with any text.
    """
    feed = parse_feed(data, where, base_uri)
    if not feed.entries:
        raise InputDataError(f"{where}: no feed entry has any text" + "".join(f"; {n}" for n in feed.notes))
    if feed.notes:
        log.warning("%s: %s", where, "; ".join(feed.notes))
    return [entry.article for entry in feed.entries]


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed: ``key`` names it the same way on every fetch of the feed."""

    key: str
    article: Article


@dataclass(frozen=True)
class ParsedFeed:
    outlet: str | None  # the feed's title, else its site's host name
    entries: tuple[FeedEntry, ...]  # the entries with any text, in feed order
    notes: tuple[str, ...] = ()  # what was left out or repaired, for one warning


_MAX_KEY = 500


def parse_feed(data: bytes, where: str, base_uri: str) -> ParsedFeed:
    """Parse an RSS or Atom document; ``where`` names it in messages, ``base_uri`` stands
    in for missing links.

    A well-formed feed with no entries is a feed with no news, not an error.

    Raises:
        InputDataError: not an RSS or Atom feed, or cut off before its first entry.
    """
    data = _feed_bytes(data, where)
    try:
        # A stream, never bytes or str: feedparser opens a str as a URL or a file name, and
        # bytes as a file name, before it tries to parse them as a document.
        import feedparser  # imported by the runs that read a feed (0.05 s)

        parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    except Exception as exc:  # noqa: BLE001 -- hostile input: any parser failure skips the file
        raise InputDataError(f"{where}: cannot parse feed ({type(exc).__name__})") from None
    entries = list(parsed.get("entries") or ())
    if not parsed.get("version") and (not entries or not parsed.get("feed")):
        raise InputDataError(f"{where}: not an RSS or Atom feed (no entries found)")
    feed = parsed.get("feed") or {}
    outlet = _detail_text(feed.get("title_detail"), str(feed.get("title") or "")) or _hostname(
        feed.get("link")
    )
    notes: list[str] = []  # what was left out: one warning per file, only if the file is read
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        why = type(problem).__name__ if problem else "unknown error"
        if _cut_off(data) and entries:
            # The last entry ran into the end of the file: its text may stop mid-sentence.
            entries = entries[:-1]
            notes.append(f"feed is cut off ({why}), its last, incomplete entry left out")
            if not entries:
                raise InputDataError(f"{where}: feed is cut off before its first complete entry")
        else:
            notes.append(f"feed is malformed ({why}), read what could be parsed")
    found: list[FeedEntry] = []
    for index, entry in enumerate(entries):
        article = _entry_article(where, base_uri, index, entry, outlet)
        if article is not None:
            found.append(FeedEntry(_entry_key(entry, article), article))
    if len(found) < len(entries):
        notes.append(f"{len(entries) - len(found)} entries without any text left out")
    return ParsedFeed(outlet, tuple(found), tuple(notes))


def _entry_key(entry: Mapping[str, Any], article: Article) -> str:
    """The entry's id (RSS guid, Atom id), else its link, else a hash of its title and text."""
    for value in (entry.get("id"), web_url(entry.get("link"))):
        if isinstance(value, str) and value.strip():
            key = " ".join(value.split())
            return key if len(key) <= _MAX_KEY else "sha1:" + hashlib.sha1(key.encode("utf-8")).hexdigest()
    digest = hashlib.sha1(f"{article.title}\n{article.body}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha1:{digest}"


_XML_DECLARATION_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']""")
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_NAMED_REF = re.compile(rb"&([A-Za-z_][A-Za-z0-9._-]{0,63});")


def _feed_bytes(data: bytes, where: str) -> bytes:
    """A feed's bytes made safe for feedparser: UTF-8 if a BOM says UTF-16/32, and no
    character references to code points XML forbids (feedparser's loose parser crashes
    on ``&#xD800;``), nor to entities no HTML defines (``&xxe;`` of a DOCTYPE: never
    expanded, it would stay in a title as text)."""
    text = _decode_bom(data, where)
    if text is not None:  # feedparser mis-reads UTF-16 feeds; hand it UTF-8 and say so
        data = _XML_DECLARATION_ENCODING.sub(r'\1"utf-8"', text, count=1).encode("utf-8")
    elif b"\x00" in data[:8192]:
        raise InputDataError(f"{where}: binary file, not a feed")
    return _NAMED_REF.sub(_defined_ref, _CHAR_REF.sub(_safe_char_ref, data))


def _defined_ref(match: re.Match[bytes]) -> bytes:
    return match.group(0) if match.group(1).decode("ascii") + ";" in html.entities.html5 else b""


def _safe_char_ref(match: re.Match[bytes]) -> bytes:
    hexa, decimal = match.groups()
    code = int(hexa, 16) if hexa else int(decimal)
    allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD \
        or 0x10000 <= code <= 0x10FFFF
    return match.group(0) if allowed else b"&#xFFFD;"


def _cut_off(data: bytes) -> bool:
    """A feed document without its closing root tag (</rss>, </feed>, </rdf:RDF>) at the end."""
    tail = data[-256:].rstrip().lower()
    return not tail.endswith((b"</rss>", b"</feed>", b"rdf>"))


def _entry_article(
    where: str, base_uri: str, index: int, entry: Mapping[str, Any], outlet: str | None
) -> Article | None:
    """One feed entry as an article, or None when it has no text at all."""
    link = web_url(entry.get("link")) or web_url(entry.get("id")) or ""
    body = _entry_content(entry)
    summary = _detail_text(entry.get("summary_detail"), str(entry.get("summary") or ""))
    # dict.get: FeedParserDict maps a missing published_parsed to updated_parsed, with a warning
    published = struct_time_to_utc(dict.get(entry, "published_parsed")) or struct_time_to_utc(
        dict.get(entry, "updated_parsed")
    )
    title = " ".join(_detail_text(entry.get("title_detail"), str(entry.get("title") or "")).split())
    text = body or summary
    if not text:
        return None
    return Article(
        id=-1,
        url=link or f"{base_uri}#entry-{index + 1}",
        title=title or _first_words(text),
        outlet=outlet,
        published=published,
        body=text,
        path=where,
        summary_only=not body and bool(link),
        generated_title=not title,
    )


# --- JSON and JSONL dumps -------------------------------------------------------------------

_TEXT_KEYS = ("text", "body", "content")


def _dump_article(path: Path, where: str, record: Any) -> Article | None:
    """One dump record ({"title", "url", "outlet", "published", "text"}) or None if it has no text."""
    if not isinstance(record, Mapping):
        return None
    raw = next((record[k] for k in _TEXT_KEYS if isinstance(record.get(k), str) and record[k].strip()), "")
    body = plain_text(raw)
    if not body:
        return None
    title = record.get("title")
    title = " ".join(str(title).split()) if isinstance(title, (str, int, float)) else ""
    outlet = record.get("outlet") or record.get("source")
    url = record.get("url") or record.get("link")
    return Article(
        id=-1,
        url=web_url(url) or f"{path.resolve().as_uri()}#{where}",
        title=title or _first_words(body),
        generated_title=not title,
        outlet=str(outlet).strip() if isinstance(outlet, str) and outlet.strip() else None,
        published=parse_moment(record.get("published") or record.get("date")),
        body=body,
        path=str(path),
    )


def _records(value: Any) -> list[Any]:
    """The article objects in a JSON document: a list, {"articles": [...]}, or one object."""
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        for key in ("articles", "items", "entries"):
            if isinstance(value.get(key), list):
                return value[key]
        return [value]
    return []


def read_json_dump(path: Path, data: bytes, config: Config) -> list[Article]:
    """A .json dump: a list of article objects (or {"articles": [...]}, or one object)."""
    text = decode(data, path)
    try:
        document = load_json(text)
    except RecursionError:
        raise InputDataError(f"{path}: JSON nested too deeply") from None
    except ValueError as exc:
        raise InputDataError(f"{path}: not valid JSON: {exc}") from None
    return _dump_articles(path, [(f"item-{i + 1}", r) for i, r in enumerate(_records(document))])


def read_jsonl_dump(path: Path, data: bytes, config: Config) -> list[Article]:
    """A .jsonl/.ndjson dump: one article object per line; bad lines are left out with a warning."""
    text = decode(data, path)
    records: list[tuple[str, Any]] = []
    bad: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((f"line-{number}", load_json(line)))
        except (ValueError, RecursionError):
            bad.append(number)
    if bad and not records:
        raise InputDataError(f"{path}: no line is valid JSON")
    note = ""
    if bad:
        shown = ", ".join(map(str, bad[:5])) + (" …" if len(bad) > 5 else "")
        note = f"{len(bad)} lines not valid JSON left out (line {shown})"
    return _dump_articles(path, records, note)


def _dump_articles(path: Path, records: list[tuple[str, Any]], note: str = "") -> list[Article]:
    """The records' articles; what was left out is one warning, given only if the file is read."""
    articles = [a for where, r in records if (a := _dump_article(path, where, r)) is not None]
    if not articles:
        raise InputDataError(f"{path}: no article with a \"text\" field" + (f"; {note}" if note else ""))
    notes = [note] if note else []
    if len(articles) < len(records):
        notes.append(f"{len(records) - len(articles)} records without text left out")
    if notes:
        log.warning("%s: %s", path, "; ".join(notes))
    return articles


# --- fetched documents and URL lists ----------------------------------------------------------

_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
_FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:rdf")


def looks_like_feed(content_type: str, data: bytes) -> bool:
    """A feed by its media type, or an XML document whose root is rss, feed or rdf:RDF."""
    if content_type in _FEED_TYPES:
        return True
    head = data[:2048].lstrip().lower()
    return head.startswith((b"<?xml", *_FEED_ROOTS)) and any(root in head for root in _FEED_ROOTS)


def page_article(data: bytes, url: str, where: str) -> Article:
    """A fetched article page (``url`` after redirects), as ``read_html_article`` reads a saved one.

    Raises:
        InputDataError: no article text in the page; names ``where``.
    """
    article = extract_page(decode_html(data, where), url, where)
    return dataclasses.replace(article, url=article.url or url)


@dataclass(frozen=True)
class UrlList:
    """The URLs of a ``urls.txt`` / ``*.urls`` list, for ingest to fetch."""

    path: str
    urls: tuple[str, ...]


# A "#" at the start of a line or after a space starts a comment; one inside a URL is its fragment.
_URL_COMMENT = re.compile(r"(?:^|\s)#.*$")


def parse_url_list(text: str) -> list[str]:
    """The URLs of a urls.txt: one per line; blank lines and ``#`` comments (whole-line or
    after the URL) ignored."""
    urls = []
    for line in text.splitlines():
        line = _URL_COMMENT.sub("", line).strip()
        if line:
            urls.append(line)
    return urls


def is_url_list(path: Path) -> bool:
    return path.name.lower() in URL_LIST_NAMES or path.suffix.lower() == ".urls"


def read_url_list(path: Path, data: bytes, config: Config) -> UrlList:
    """A urls.txt / *.urls list: its URLs, which ingest fetches only when ``config.fetch`` is on."""
    if not config.fetch:
        raise InputDataError(f"{path}: URL list not read because fetching is off (use --fetch)")
    urls = parse_url_list(CONTROL.sub(" ", decode(data, path)))
    if not urls:
        raise InputDataError(f"{path}: no URLs in the list")
    return UrlList(str(path), tuple(urls))
