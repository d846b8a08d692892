"""Ingest: find article files and read each into an ``Article``.

One reader per input kind, looked up by file extension in ``READERS``. A reader
takes the file's bytes and returns the articles in it; one bad file raises
``InputDataError`` and is skipped with a warning naming it, the rest go on.
The readers for web inputs (HTML pages, feeds, JSON dumps, URL lists) live in
``readers``.

The same article arriving twice (the same URL once normalised, or the same text
under two URLs) is read once: the first in reading order is kept and
``Article.outlets`` lists every distinct outlet that carried it, sorted. Every
article with a known outlet has ``outlets`` set, ``(outlet,)`` when it came once;
an article with no known outlet has ``outlets == ()``.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import frontmatter
import yaml

from .config import Config
from .errors import InputDataError, NoInputError
from .markdown import markdown_to_text
from .metadata import text_title, with_outlet
from .models import Article
from .readers import (
    CONTROL,
    decode,
    fetch_articles,
    is_url_list,
    read_feed,
    read_html_article,
    read_json_dump,
    read_jsonl_dump,
    read_url_list,
)

log = logging.getLogger("digest")

Reader = Callable[[Path, bytes, Config], list[Article]]


@dataclasses.dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclasses.dataclass(frozen=True)
class Duplicate:
    """An article read once already: ``path``/``url`` were dropped in favour of ``kept_url``."""

    path: str
    url: str
    kept_url: str
    reason: str  # "same URL" or "same text"


@dataclasses.dataclass(frozen=True)
class Ingested:
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]
    duplicates: tuple[Duplicate, ...] = ()


def parse_published(value: Any, path: Path) -> datetime | None:
    """A date or date-time from front matter; naive values are taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputDataError(f"{path}: front matter 'published' is not a date: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def read_text_article(path: Path, data: bytes, config: Config) -> list[Article]:
    """A .txt or .md article with optional YAML front matter."""
    text = CONTROL.sub(" ", decode(data, path))  # terminal escapes, NULs: never into a digest
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputDataError(f"{path}: bad front matter: {first}") from None
    meta = post.metadata if isinstance(post.metadata, dict) else {}
    body = post.content
    if path.suffix.lower() in (".md", ".markdown"):
        body = markdown_to_text(body)
    title, generated = meta.get("title"), False
    if title:
        title = str(title)
    else:
        title, body, generated = text_title(body, path, config.language)
    outlet = meta.get("outlet") or meta.get("source")
    if not body.strip():
        raise InputDataError(f"{path}: empty article")
    return [
        Article(
            id=-1,
            url=str(meta.get("url") or path.resolve().as_uri()),
            title=" ".join(title.split()),
            outlet=" ".join(str(outlet).split()) or None if outlet else None,
            published=parse_published(meta.get("published") or meta.get("date"), path),
            body=body,
            path=str(path),
            generated_title=generated,
        )
    ]


READERS: dict[str, Reader] = {
    ".txt": read_text_article,
    ".md": read_text_article,
    ".markdown": read_text_article,
    ".html": read_html_article,
    ".htm": read_html_article,
    ".xhtml": read_html_article,
    ".xml": read_feed,
    ".rss": read_feed,
    ".atom": read_feed,
    ".json": read_json_dump,
    ".jsonl": read_jsonl_dump,
    ".ndjson": read_jsonl_dump,
    ".urls": read_url_list,
}


def reader_for(path: Path) -> Reader | None:
    """The reader for a file: by extension, except that urls.txt is a URL list."""
    if is_url_list(path):
        return read_url_list
    return READERS.get(path.suffix.lower())


def is_url(value: str | Path) -> bool:
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """Every article file under ``paths`` in a stable order; a missing path is an error.

    A broken link is listed too, so that reading it warns about it by name.
    """
    found: list[Path] = []
    for raw in paths:
        if is_url(raw):
            continue  # fetched by ingest() when fetching is on
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*"), key=lambda p: p.as_posix())
                if (p.is_file() or p.is_symlink()) and reader_for(p) is not None and not p.name.startswith(".")
            )
        elif path.is_file():
            found.append(path)
        else:
            raise NoInputError(f"{raw}: no such file or directory")
    return found


def read_file(path: Path, config: Config) -> list[Article]:
    """Read one file with the reader for its extension."""
    reader = reader_for(path)
    if reader is None:
        raise InputDataError(f"{path}: unsupported file type {path.suffix or '(none)'}")
    try:
        size = path.stat().st_size
        if size > config.max_file_bytes:
            raise InputDataError(f"{path}: {size} bytes is over the {config.max_file_bytes}-byte limit")
        with path.open("rb") as handle:  # a fetcher may still be writing it: never read past the cap
            data = handle.read(config.max_file_bytes + 1)
        if len(data) > config.max_file_bytes:
            raise InputDataError(f"{path}: over the {config.max_file_bytes}-byte limit")
    except OSError as exc:
        raise InputDataError(f"{path}: cannot read: {exc.strerror}") from None
    return reader(path, data, config)


def read_one(path: Path, config: Config) -> list[Article] | Skipped:
    """The articles of one file, or why it is skipped."""
    try:
        return read_file(path, config)
    except InputDataError as exc:
        return Skipped(str(path), exc.message)


def input_urls(paths: Sequence[str | Path], config: Config) -> list[str]:
    """The http(s) URLs among ``paths``; they need fetching to be on."""
    urls = [str(p) for p in paths if is_url(p)]
    if urls and not config.fetch:
        raise NoInputError(f"{urls[0]}: a URL, but fetching is off (use --fetch)")
    return urls


def collect(
    paths: Sequence[str | Path], files: Sequence[Path], results: Sequence[list[Article] | Skipped], config: Config
) -> Ingested:
    """Number the articles read from ``files`` (``results`` in the same order) and from the
    URLs among ``paths``; warn about skips; keep an article read twice once.

    Raises:
        NoInputError: no readable article was found.
    """
    urls = input_urls(paths, config)
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for found in results:
        if isinstance(found, Skipped):
            log.warning("skipped %s", found.reason)
            skipped.append(found)
            continue
        articles.extend(found)
    if urls:
        articles.extend(fetch_articles(urls, config))
    articles = [with_outlet(a, config) for a in articles]
    if not articles:
        where = ", ".join(str(p) for p in paths)
        why = "no article files" if not files and not urls else "no readable article"
        raise NoInputError(f"{where}: {why} (looked for {', '.join(sorted(READERS))})")
    unique, duplicates = read_once(articles)
    numbered = tuple(dataclasses.replace(a, id=i) for i, a in enumerate(unique))
    return Ingested(articles=numbered, skipped=tuple(skipped), duplicates=tuple(duplicates))


def ingest(paths: Iterable[str | Path], config: Config) -> Ingested:
    """Read every article under ``paths``; bad files are skipped with a warning.

    ``paths`` may also hold http(s) URLs of pages or feeds, read only when
    ``config.fetch`` is on. The same article read twice is kept once (see the module
    docstring); ids follow the stable reading order after that.

    Raises:
        NoInputError: a path does not exist, a URL was given without fetching, or
            no readable article was found.
    """
    paths = list(paths)
    input_urls(paths, config)
    files = discover(paths)
    return collect(paths, files, [read_one(path, config) for path in files], config)


# Query parameters that say where a click came from, not which page it is.
_TRACKING_PARAMS = re.compile(r"^(utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid)$", re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
MIN_SAME_TEXT_WORDS = 12  # shorter bodies ("Developing story.") are too common to prove identity


def normalise_url(url: str) -> str:
    """A web URL as an identity: lower-case scheme and host, no fragment, no tracking
    parameters, no trailing slash, no default port. Other URLs stay as they are."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    if port and not (scheme, port) in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    )
    if scheme not in ("http", "https"):  # file:///feed.xml#entry-2 stands for one entry of many
        return urlunsplit((scheme, host, parts.path, parts.query, parts.fragment))
    return urlunsplit((scheme, host, parts.path.rstrip("/"), query, ""))


def text_key(body: str) -> str | None:
    """The body's words, case-folded, as an identity; None when too short to be one."""
    tokens = _WORDS.findall(body.casefold())
    return " ".join(tokens) if len(tokens) >= MIN_SAME_TEXT_WORDS else None


def read_once(articles: Sequence[Article]) -> tuple[list[Article], list[Duplicate]]:
    """Keep the first of each article read more than once, crediting every outlet that carried it.

    Two articles are the same when their normalised URLs match or their normalised
    texts match. The first in reading order is kept (its ``outlet`` too, unless it had
    none); ``outlets`` becomes every distinct outlet of the copies, sorted.
    """
    kept: list[Article] = []
    outlets: list[list[str]] = []
    by_url: dict[str, int] = {}
    by_text: dict[str, int] = {}
    duplicates: list[Duplicate] = []
    for article in articles:
        url_key = normalise_url(article.url)
        body_key = text_key(article.body)
        index = by_url.get(url_key)
        reason = "same URL"
        if index is None and body_key is not None:
            index = by_text.get(body_key)
            reason = "same text"
        if index is None:
            index = len(kept)
            kept.append(article)
            outlets.append([])
        else:
            first = kept[index]
            duplicates.append(Duplicate(article.path, article.url, first.url, reason))
            log.info("read once: %s (%s) is %s (%s)", article.url, article.path, first.url, reason)
        for outlet in (article.outlet, *article.outlets):  # outlets: already read once before
            if outlet and outlet not in outlets[index]:
                outlets[index].append(outlet)
        by_url.setdefault(url_key, index)
        if body_key is not None:
            by_text.setdefault(body_key, index)
    merged = []
    for article, carried in zip(kept, outlets):
        outlet = article.outlet or (carried[0] if carried else None)
        merged.append(dataclasses.replace(article, outlet=outlet, outlets=tuple(sorted(set(carried)))))
    return merged, duplicates
