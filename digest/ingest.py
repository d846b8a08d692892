"""Ingest: find article files and read each into an ``Article``.

One reader per input kind, looked up by file extension in ``READERS``. A reader
takes the file's bytes and returns the articles in it; one bad file raises
``InputDataError`` and is skipped with a warning naming it, the rest go on.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import frontmatter
import yaml
from charset_normalizer import from_bytes

from .config import Config
from .errors import InputDataError, NoInputError
from .models import Article
from .segment import is_heading

log = logging.getLogger("digest")

Reader = Callable[[Path, bytes, Config], list[Article]]


@dataclasses.dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclasses.dataclass(frozen=True)
class Ingested:
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]


def decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), else the encoding charset-normalizer finds most likely."""
    if b"\x00" in data[:8192]:
        raise InputDataError(f"{path}: binary file, not an article")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    match = from_bytes(data).best()
    if match is None:
        raise InputDataError(f"{path}: undecodable bytes (not UTF-8 and no other encoding fits)")
    return str(match)


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


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?", re.MULTILINE)


def markdown_to_text(text: str) -> str:
    """Just enough Markdown: headings, emphasis, links and images become plain text."""
    text = _MD_IMAGE.sub(lambda m: m.group(1), text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _MD_EMPHASIS.sub(lambda m: m.group(2), text)
    text = _MD_QUOTE.sub("", text)
    return _MD_HEADING.sub("", text)


def split_headline(body: str) -> tuple[str | None, str]:
    """A leading headline line (short, no sentence ending) and the body without it."""
    lines = body.strip("\n").splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    if len(lines) >= 2 and is_heading(lines[0]) and len(lines[0].split()) >= 2:
        return lines[0].strip(), "\n".join(lines[1:])
    return None, "\n".join(lines)


def read_text_article(path: Path, data: bytes, config: Config) -> list[Article]:
    """A .txt or .md article with optional YAML front matter."""
    text = decode(data, path)
    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputDataError(f"{path}: bad front matter: {first}") from None
    meta = post.metadata if isinstance(post.metadata, dict) else {}
    body = post.content
    if path.suffix.lower() in (".md", ".markdown"):
        body = markdown_to_text(body)
    headline, body = split_headline(body)
    title = str(meta.get("title") or headline or path.stem.replace("-", " ").replace("_", " "))
    outlet = meta.get("outlet") or meta.get("source")
    if not body.strip():
        raise InputDataError(f"{path}: empty article")
    return [
        Article(
            id=-1,
            url=str(meta.get("url") or path.resolve().as_uri()),
            title=" ".join(title.split()),
            outlet=str(outlet) if outlet else None,
            published=parse_published(meta.get("published") or meta.get("date"), path),
            body=body,
            path=str(path),
        )
    ]


READERS: dict[str, Reader] = {
    ".txt": read_text_article,
    ".md": read_text_article,
    ".markdown": read_text_article,
}


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """Every readable file under ``paths`` in a stable order; a missing path is an error."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*"), key=lambda p: p.as_posix())
                if p.is_file() and p.suffix.lower() in READERS and not p.name.startswith(".")
            )
        elif path.is_file():
            found.append(path)
        else:
            raise NoInputError(f"{raw}: no such file or directory")
    return found


def read_file(path: Path, config: Config) -> list[Article]:
    """Read one file with the reader for its extension."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputDataError(f"{path}: unsupported file type {path.suffix or '(none)'}")
    try:
        size = path.stat().st_size
        if size > config.max_file_bytes:
            raise InputDataError(f"{path}: {size} bytes is over the {config.max_file_bytes}-byte limit")
        data = path.read_bytes()
    except OSError as exc:
        raise InputDataError(f"{path}: cannot read: {exc.strerror}") from None
    return reader(path, data, config)


def read_one(path: Path, config: Config) -> list[Article] | Skipped:
    """The articles of one file, or why it is skipped."""
    try:
        return read_file(path, config)
    except InputDataError as exc:
        return Skipped(str(path), exc.message)


def collect(paths: Sequence[str | Path], files: Sequence[Path], results: Sequence[list[Article] | Skipped]) -> Ingested:
    """Number the articles read from ``files`` (``results`` in the same order); warn about skips.

    Raises:
        NoInputError: no readable article was found.
    """
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for found in results:
        if isinstance(found, Skipped):
            log.warning("skipped %s", found.reason)
            skipped.append(found)
            continue
        articles.extend(found)
    if not articles:
        where = ", ".join(str(p) for p in paths)
        why = "no article files" if not files else "no readable article"
        raise NoInputError(f"{where}: {why} (looked for {', '.join(sorted(READERS))})")
    numbered = tuple(dataclasses.replace(a, id=i) for i, a in enumerate(articles))
    return Ingested(articles=numbered, skipped=tuple(skipped))


def ingest(paths: Iterable[str | Path], config: Config) -> Ingested:
    """Read every article under ``paths``; bad files are skipped with a warning.

    Raises:
        NoInputError: a path does not exist, or no readable article was found.
    """
    paths = list(paths)
    files = discover(paths)
    return collect(paths, files, [read_one(path, config) for path in files])
