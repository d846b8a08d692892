"""Ingest: find article files and read each into an ``Article``.

One reader per input kind, looked up by file extension in ``READERS``. A reader
takes the file's bytes and returns the articles in it; one bad file raises
``InputDataError`` and is skipped with a warning naming it, the rest go on.
The readers for web inputs (HTML pages, feeds, JSON dumps, URL lists) live in
``readers``; what is fetched (URLs, URL lists' URLs, the pages of summary-only feed
entries) is fetched in this process through one ``fetch.Fetcher`` (``feeds``).

The same article arriving twice (the same URL once normalised, or the same text
under two URLs) is read once: the first in reading order is kept and
``Article.outlets`` lists every distinct outlet that carried it, sorted. Every
article with a known outlet has ``outlets`` set, ``(outlet,)`` when it came once;
an article with no known outlet has ``outlets == ()``.
"""
from __future__ import annotations

import dataclasses
import errno
import logging
import os
import re
import stat
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import frontmatter
import yaml

from .config import Config
from .errors import InputDataError, NoInputError, UsageError
from .files import kind, read_bounded
from .markdown import markdown_to_text
from .metadata import text_title, with_outlet
from .models import Article
from .readers import (
    UrlList,
    decode,
    is_url_list,
    load_json,
    number_or_text,
    read_feed,
    read_html_article,
    read_json_dump,
    read_jsonl_dump,
    read_url_list,
)
from .sanitise import clean_article, printable, url_problem, without_controls

if TYPE_CHECKING:
    from .fetch import Fetcher

log = logging.getLogger("digest")

Reader = Callable[[Path, bytes, Config], "list[Article] | UrlList"]


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
            raise InputDataError(f"{path}: front matter 'published' is not a date: {value!r} (expected YYYY-MM-DD "
                                 "or an ISO 8601 date and time such as 2026-11-20T06:30:00+01:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# Front matter is a few plain values (title, url, outlet, published). YAML can say far more:
# an alias bomb (a 700-byte "title: *i" over nine levels of aliases) expands to gigabytes
# when printed, deep nesting exhausts the stack. So: no aliases, little nesting, bounded
# size, and the fields digest reads must be plain scalars of bounded length.
FRONT_MATTER_CHARS = 64_000
FRONT_MATTER_DEPTH = 8
FIELD_CHARS = 2_000
FIELDS = ("title", "url", "outlet", "source", "published", "date")
_SCALARS = (str, int, float, bool, date, datetime)


def front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """The front matter (YAML between ``---`` lines, or JSON between ``;;;``) and the body.

    Raises:
        InputDataError: front matter that is not valid, uses YAML aliases, nests deeply,
            is over FRONT_MATTER_CHARS, or whose title, url, outlet, source, published or
            date is not a plain value of at most FIELD_CHARS characters.
    """
    text = text.strip()
    handler = frontmatter.detect_format(text, frontmatter.handlers)
    if handler is None:
        return {}, text
    try:
        raw, body = handler.split(text)
    except ValueError:  # no closing delimiter: no front matter
        return {}, text
    if len(raw) > FRONT_MATTER_CHARS:
        raise InputDataError(f"{printable(path)}: front matter of {len(raw)} characters is over the "
                             f"{FRONT_MATTER_CHARS}-character limit")
    try:
        if isinstance(handler, frontmatter.YAMLHandler):
            meta = _bounded_yaml(raw, path)
        else:  # JSON through load_json: a number of 5000 digits is text, not int-max-str-digits
            meta = load_json(raw) if isinstance(handler, frontmatter.JSONHandler) else handler.load(raw)
    except InputDataError:
        raise
    except (yaml.YAMLError, ValueError, TypeError, RecursionError, OverflowError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputDataError(f"{printable(path)}: bad front matter: {first}") from None
    meta = meta if isinstance(meta, dict) else {}
    for key in FIELDS:
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, _SCALARS):
            raise InputDataError(f"{printable(path)}: front matter '{key}' is not a plain value "
                                 f"({_yaml_kind(value)})")
        if len(str(value)) > FIELD_CHARS:
            raise InputDataError(f"{printable(path)}: front matter '{key}' is over {FIELD_CHARS} characters")
    return meta, body.strip()


def _yaml_kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bytes: "binary data"}.get(type(value), type(value).__name__)


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, but a number too long to read or a date that does not exist (month 13,
    offset +25:00) is kept as text: a key digest reads then says plainly what is wrong."""

    def construct_yaml_int(self, node):  # type: ignore[no-untyped-def]
        try:
            return number_or_text(node.value, super().construct_yaml_int(node))
        except ValueError:
            return self.construct_scalar(node)

    def construct_yaml_timestamp(self, node):  # type: ignore[no-untyped-def]
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_YamlLoader.add_constructor("tag:yaml.org,2002:int", _YamlLoader.construct_yaml_int)
_YamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _YamlLoader.construct_yaml_timestamp)
_YAML_LOADER = _YamlLoader


def _bounded_yaml(raw: str, path: Path) -> Any:
    """``raw`` parsed by YAML's safe loader once its events show no alias and little nesting."""
    depth = 0
    for event in yaml.parse(raw, Loader=_YAML_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise InputDataError(f"{printable(path)}: front matter uses a YAML alias (*{event.anchor}); "
                                 "only plain values are read")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > FRONT_MATTER_DEPTH:
                raise InputDataError(f"{printable(path)}: front matter nests deeper than {FRONT_MATTER_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return yaml.load(raw, Loader=_YAML_LOADER)


def read_text_article(path: Path, data: bytes, config: Config) -> list[Article]:
    """A .txt or .md article with optional YAML front matter."""
    text = without_controls(decode(data, path))  # terminal escapes, NULs: never into a digest
    meta, body = front_matter(text, path)
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
    url = str(meta.get("url") or "").strip()
    if url and (problem := url_problem(url)):
        log.warning("%s: front matter 'url' %r is %s; read without it", printable(path), url, problem)
        url = ""
    return [
        Article(
            id=-1,
            url=url or path.resolve().as_uri(),
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


# What a run writes: never read back as news (yesterday's digest in a folder of articles
# would be mailed again as "updates"). Temporary files and locks are hidden, so skipped anyway.
OUTPUT_NAME = re.compile(r"^digest-\d{4}-\d{2}-\d{2}\.(?:txt|html|md|json|eml)(?:\.sent)?$")


@dataclasses.dataclass(frozen=True)
class OwnFiles:
    """The files a run writes (resolved): outputs by name, the explain file, the output folder's
    index and feed, the state and its lock."""

    files: frozenset[Path]

    @classmethod
    def of(cls, config: Config) -> "OwnFiles":
        from .store import state_path  # sqlite3 only when asked

        named = [Path(config.explain)] if config.explain else []
        if config.out != "-":  # the folder's index page and Atom feed (digest.archive)
            named += [Path(config.out) / "index.html", Path(config.out) / "digest.atom"]
        if config.state.enabled:
            state = state_path(config)
            named += [state, state.with_name(state.name + ".lock")]
        return cls(frozenset(_resolved(p) for p in named))

    def __contains__(self, path: Path) -> bool:
        return OUTPUT_NAME.match(path.name) is not None or _resolved(path) in self.files


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop
        return path.absolute()


def discover(paths: Sequence[str | Path], config: Config | None = None) -> list[Path | Skipped]:
    """The one place that decides what an input file is, listed in a stable order.

    An input file is a regular file with a reader's extension, given as a path or found
    under a given folder (hidden files and folders left out), that is not one of the
    run's own outputs (``OwnFiles``). A link under a folder is followed only to a file
    inside the given inputs; a link out of them, a FIFO, a device, a broken link or a
    sub-folder that cannot be read is listed as ``Skipped`` (a warning naming it, the rest
    goes on). A path the user names is read wherever it leads, if it is a regular file.

    Raises:
        NoInputError: a given path does not exist or is not a file or folder.
    """
    own = OwnFiles.of(config or Config())
    given = [Path(raw) for raw in paths if not is_url(raw)]  # URLs are fetched by collect()
    roots = [_resolved(p) for p in given]
    found: list[Path | Skipped] = []
    for path in given:
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise NoInputError(f"{printable(path)}: no such file or directory") from None
        except OSError as exc:
            raise NoInputError(f"{printable(path)}: cannot read: {exc.strerror}") from None
        if stat.S_ISDIR(mode):
            found.extend(_walk(path, roots, own))
        elif not stat.S_ISREG(mode):
            raise NoInputError(f"{printable(path)}: {kind(mode)}, not an article file or folder")
        elif path in own:
            log.warning("%s: not read: a file digest writes, not an article", printable(path))
        else:
            found.append(path)
    return found


def _walk(folder: Path, roots: Sequence[Path], own: OwnFiles) -> list[Path | Skipped]:
    """The input files under ``folder`` (see ``discover``), sorted by path."""
    found: list[tuple[str, Path | Skipped]] = []

    def unreadable(exc: OSError) -> None:
        where = printable(exc.filename or folder)
        found.append((str(exc.filename), Skipped(where, f"{where}: cannot read the folder: {exc.strerror}; "
                                                         "its articles are left out")))

    for top, dirs, names in os.walk(folder, onerror=unreadable):
        here = Path(top)
        for name in list(dirs):
            if name.startswith(".") or (here / name).is_symlink():
                dirs.remove(name)  # hidden; a linked folder inside the inputs is read as itself
                if not name.startswith(".") and not _inside(here / name, roots):
                    path = here / name
                    found.append((path.as_posix(), _skip(path, f"a link to a folder outside the input folders "
                                                               f"({printable(_resolved(path))}), not followed")))
        for name in names:
            path = here / name
            if name.startswith(".") or reader_for(path) is None:
                continue
            entry = _entry(path, roots, own)
            if entry is not None:
                found.append((path.as_posix(), entry))
    found.sort(key=lambda pair: pair[0])
    return [entry for _, entry in found]


def _entry(path: Path, roots: Sequence[Path], own: OwnFiles) -> Path | Skipped | None:
    """``path`` found in a folder: read it, refuse it with a reason, or leave it out (ours)."""
    if path in own:
        log.info("%s: left out: a file digest writes, not an article", printable(path))
        return None
    try:
        mode = path.stat().st_mode  # follows a link
    except OSError as exc:
        if path.is_symlink():
            broken = "a link that loops" if exc.errno == errno.ELOOP else "a broken link"
            return _skip(path, f"{broken} (to {printable(os.readlink(path))})")
        return _skip(path, f"cannot read: {exc.strerror}")
    if path.is_symlink():
        if not _inside(path, roots):
            target = printable(_resolved(path))
            return _skip(path, f"a link to {target}, outside the input folders; not read "
                               f"(give {target} as an input to read it)")
        if _resolved(path) in own.files or OUTPUT_NAME.match(_resolved(path).name):
            return None
    if not stat.S_ISREG(mode):
        return _skip(path, f"{kind(mode)}, not an article file")
    if any("\udc80" <= ch <= "\udcff" for ch in str(path)):
        log.warning("%s: the file name is not valid UTF-8 (shown with \\x escapes); read anyway", printable(path))
    return path


def is_input(path: Path, inputs: Sequence[str | Path]) -> bool:
    """True when ``path`` is one of ``inputs``, or a file a reader takes under one of their folders."""
    target = _resolved(path)
    roots = [_resolved(Path(p)) for p in inputs if not is_url(p)]
    return target in roots or (reader_for(target) is not None and any(root in target.parents for root in roots))


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    """True when the link ``path`` leads into one of the given inputs."""
    target = _resolved(path)
    return any(target == root or root in target.parents for root in roots)


def _skip(path: Path, why: str) -> Skipped:
    return Skipped(printable(path), f"{printable(path)}: {why}")


def read_file(path: Path, config: Config) -> list[Article] | UrlList:
    """Read one file with the reader for its extension, never more than ``config.max_file_bytes``
    (a URL list gives its URLs)."""
    reader = reader_for(path)
    if reader is None:
        raise InputDataError(f"{printable(path)}: unsupported file type {printable(path.suffix) or '(none)'}")
    return reader(path, read_bounded(path, config.max_file_bytes), config)


def read_one(path: Path | Skipped, config: Config) -> list[Article] | UrlList | Skipped:
    """The articles of one file ``discover`` found (a URL list: its URLs), or why it is skipped."""
    if isinstance(path, Skipped):
        return path
    try:
        return read_file(path, config)
    except InputDataError as exc:
        return Skipped(printable(path), exc.message)
    except (RecursionError, MemoryError):
        return Skipped(printable(path), f"{printable(path)}: nested too deeply or too large to read")
    except Exception as exc:  # noqa: BLE001 -- a parser's bug on hostile input costs one file, not the run
        log.debug("reading %s failed", printable(path), exc_info=True)
        return Skipped(printable(path), f"{printable(path)}: cannot read ({type(exc).__name__} in a parser: "
                                        "please report it with this file)")


def input_urls(paths: Sequence[str | Path], config: Config) -> list[str]:
    """The http(s) URLs among ``paths``; they need fetching to be on.

    Raises:
        NoInputError: a URL was given but fetching is off.
        UsageError: a URL that is not a valid one (``http://[::1/broken``).
    """
    urls = [str(p) for p in paths if is_url(p)]
    if urls and not config.fetch:
        raise NoInputError(f"{urls[0]}: a URL, but fetching is off (use --fetch)")
    if urls:
        from .fetch import FetchError, check_url  # imported by the runs that fetch
    for url in urls:
        try:
            check_url(url)
        except FetchError as exc:
            raise UsageError(exc.message) from None
    return urls


def collect(
    paths: Sequence[str | Path],
    files: Sequence[Path | Skipped],
    results: Sequence[list[Article] | UrlList | Skipped],
    config: Config,
    fetcher: "Fetcher | None" = None,
    more: Sequence[Article] = (),
) -> Ingested:
    """Number the articles read from ``files`` (``results`` in the same order), fetched
    from URL lists and from the URLs among ``paths``, and ``more`` (a run's feed
    subscriptions); warn about skips; put every article through the sanitiser; keep an
    article read twice once.

    With ``config.fetch``, summary-only entries of feed files are completed from their
    pages. Every fetch goes through ``fetcher`` (one is made from ``config`` if needed).

    Raises:
        NoInputError: no readable article was found.
    """
    urls = input_urls(paths, config)
    skipped: list[Skipped] = []
    lists = [r for r in results if isinstance(r, UrlList)]
    wanted = [u for found in lists for u in found.urls] + urls
    online = fetcher
    if online is None and (wanted or config.fetch):
        from .fetch import Fetcher  # imported by the runs that fetch

        online = Fetcher.from_config(config)
    if wanted or config.fetch:
        from .feeds import complete_summaries, read_urls
    fetched = iter(read_urls(wanted, online) if wanted else [])
    articles: list[Article] = []
    local: list[Article] = []  # read from files: their summary-only entries are completed
    for found in results:
        if isinstance(found, Skipped):
            log.warning("skipped %s", found.reason)
            skipped.append(found)
        elif isinstance(found, UrlList):
            got = [next(fetched) for _ in found.urls]
            for failure in (g for g in got if isinstance(g, InputDataError)):
                log.warning("skipped %s: %s", found.path, failure.message)
            read = [a for g in got if not isinstance(g, InputDataError) for a in g]
            if not read:
                why = Skipped(found.path, f"{found.path}: none of the {len(found.urls)} URLs gave an article")
                log.warning("skipped %s", why.reason)
                skipped.append(why)
            articles.extend(read)
        else:
            articles.extend(found)
            local.extend(found)
    if config.fetch and any(a.summary_only for a in local):
        completed = dict(zip(map(id, local), complete_summaries(local, online)))
        articles = [completed.get(id(a), a) for a in articles]
    url_failures: list[str] = []
    for url, got in zip(urls, fetched):
        if isinstance(got, InputDataError):
            url_failures.append(got.message)  # every message starts with the URL
        else:
            articles.extend(got)
    articles.extend(more)
    articles = [clean_article(a) for a in articles]  # whatever a reader or a fetch let through
    articles = [with_outlet(a, config) for a in articles]
    only_urls = bool(urls) and not files and not more
    if articles or not only_urls:  # else the error says what failed
        for failure in url_failures:
            log.warning("skipped %s", failure)
    if not articles:
        where = ", ".join(printable(p) for p in paths) or "feeds"
        if only_urls:  # what failed, not which file names are read
            if len(urls) == 1:
                raise NoInputError(url_failures[0] if url_failures else f"{urls[0]}: no readable article")
            raise NoInputError(f"none of the {len(urls)} URLs gave an article"
                               + (f" (first: {url_failures[0]})" if url_failures else ""))
        why = "no article files" if not files and not urls and not more else "no readable article"
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
    files = discover(paths, config)
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
