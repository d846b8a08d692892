"""Metadata of articles that arrive without it: the title of a plain text file, the outlet of any article.

Titles (text and Markdown files without a front-matter title): the real headline line,
as a reader would pick it out of the top of the file. It is a short line of 3 to 20
words in the file's header (the lines before the first paragraph of prose), stripped of
decoration (``//Title//``, ``== Title ==``, trailing dots), that is no boilerplate by the
clean stage's rules (datelines, bylines, captions, section labels, slogans, separators,
editors' notes). A line repeated near the top is the headline (scraped pages often
print it twice); else the first title-case line; else a short first line with no
sentence ending. Without one, the file name when it says something ("harbour-bridge-
shut.txt" reads "Harbour bridge shut"), and then the lead sentence; a title made up
like that is marked ``Article.generated_title`` so that no stage takes it for a headline.

Outlets: what the article says (front matter, an HTML page's site name, a feed's title, a
dump's ``outlet``) unless that is only its web address's host name; else the ``[outlets]``
table of the configuration, which maps file-name globs, folder names and URL domains to
outlet names (a newsletter setup keeps one folder per source); else the domain of the
article's web address; else none.
"""
from __future__ import annotations

import dataclasses
import re
from fnmatch import fnmatchcase
from pathlib import Path
from urllib.parse import urlsplit

from .clean import detector, is_dateline, normal, strip_dateline
from .config import Config
from .models import Article
from .segment import ends_abbreviated, is_heading, paragraphs, split_sentences, word_count, words

# Paragraphs at the top of a file that may hold its headline, and how far down (in lines) a copy counts.
HEADER_LINES = 8
REPEAT_LINES = 20
TOP_CHARS = 4000
LEAD_CHARS = 400
TITLE_WORDS = (3, 20)
# A short first line with no sentence ending is a headline in sentence case up to this long.
PLAIN_TITLE_WORDS = 14
# A lead sentence made the title has at most this many words, or is cut to the shorter length.
LEAD_TITLE_WORDS = 20
LEAD_TITLE_CUT = 14

_DECORATION_EDGES = re.compile(r"^[\s/=*#~_|>•·:+-]+|[\s/=*#~_|<•·:+-]+$")
_TRAILING_DOTS = re.compile(r"\s*(?:\.{2,}|…)$|(?<=\w)\.$")
# A slogan or a list of labels: parts set apart by a single slash or bar ("Local news, local
# voices /", "News | Sport | Weather"); a title decorated on both ends ("//Title//") is none.
_SLOGAN = re.compile(r"\s[/|]\s|^[/|](?![/|])|(?<![/|])[/|]$")
_DECORATED = re.compile(r"^(//|==|\*\*|##|~~|--|__)(.+)\1$")
_FILE_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]{2,}(?![a-z])")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_ALNUM_START = re.compile(r"^[^\w\"“‘']+(?=[\w\"“‘'])")
_HEXISH = re.compile(r"^(?=[0-9a-f]*\d)[0-9a-f]{6,}$", re.IGNORECASE)


# --------------------------------------------------------------------------- titles


def undecorate(line: str) -> str:
    """A title line without decoration: ``//Title//``, ``== Title ==``, ``# Title``, ``Title...``
    (an abbreviation keeps its period: "Storm Closes Schools in Washington, D.C.")."""
    text = _DECORATION_EDGES.sub("", line.strip())
    if not ends_abbreviated(text):
        text = _TRAILING_DOTS.sub("", text)
    return " ".join(text.split())


def _is_prose(line: str) -> bool:
    """A line of running text: it ends a sentence and is long, or is long and not a heading."""
    n = word_count(line, 13)
    return n >= 13 or (n >= 8 and line.rstrip(" \"'”’)").endswith((".", "!", "?")) and not is_heading(line))


def _candidate(line: str) -> tuple[str, bool] | None:
    """(title, title-cased) when ``line`` can be a headline, else None."""
    raw = line.strip()
    decorated = _DECORATED.match(raw)
    if not raw or _SLOGAN.search(decorated.group(2).strip() if decorated else raw):
        return None
    text = undecorate(raw)
    n = len(words(text))
    if not TITLE_WORDS[0] <= n <= TITLE_WORDS[1] or not (text[:1].isalnum() or text[:1] in "\"“‘'(") \
            or text[:1].islower():
        return None
    if detector().title_rule(text) is not None or detector().title_rule(raw) is not None or is_dateline(raw) \
            or strip_dateline(raw) != raw:  # "WFTV – Orlando, Fla": a dateline opening the line
        return None
    title_case = is_heading(text)
    if not title_case and raw.rstrip(" \"'”’)").endswith((".", "!", "?", ":", ";", ",")):
        return None  # a sentence, not a headline
    return text, title_case


def _top(body: str) -> str:
    """The top of a body, where a headline or a lead is: its first lines, up to a few thousand characters."""
    head = body[:TOP_CHARS]
    return "\n".join(head.splitlines()[:REPEAT_LINES]) if len(head) < len(body) or head.count("\n") > REPEAT_LINES else head


def find_title(body: str) -> tuple[str | None, str]:
    """The headline line of a body without front matter, and the body without that line.

    The header is the body's paragraphs (``segment.paragraphs``: hard-wrapped lines
    joined) before the first one of prose; a headline is one of its lines standing alone.
    See the module docstring for the rest; None and the body unchanged when there is none.
    """
    lines = body.splitlines()
    stripped = [line.strip() for line in lines]
    header: list[str] = []
    for paragraph in paragraphs(_top(body)):
        if _is_prose(paragraph) or len(header) >= HEADER_LINES:
            break
        header.append(paragraph)
    found: dict[int, tuple[str, bool]] = {}  # line index -> candidate
    for paragraph in header:
        if paragraph in stripped and (c := _candidate(paragraph)) is not None:
            found.setdefault(stripped.index(paragraph), c)
    if not found:
        return None, body
    nearby = [normal(undecorate(line)) for line in stripped[:REPEAT_LINES] if line]
    copies = {key: nearby.count(key) for key in {normal(title) for title, _ in found.values()}}
    first = min(found)
    chosen = next((i for i, (title, _) in sorted(found.items()) if copies[normal(title)] > 1), None)
    if chosen is None:
        chosen = next((i for i, (_, title_case) in sorted(found.items()) if title_case), None)
    if chosen is None and header and stripped[first] == header[0] and word_count(found[first][0]) <= PLAIN_TITLE_WORDS:
        chosen = first  # a short first line in sentence case, no sentence ending
    if chosen is None:
        return None, body
    rest = lines[:chosen] + lines[chosen + 1:]
    if not any(line.strip() for line in rest):
        return None, body  # a file of one line is an article, not a title
    return found[chosen][0], "\n".join(rest)


def readable_name(path: str | Path) -> str | None:
    """A file name as a title when it is made of words ("harbour-bridge_shut" reads
    "Harbour bridge shut"); None for hashes, numbers and dates."""
    stem = Path(path).name.split(".", 1)[0]
    parts = [p for p in re.split(r"[\s_.+-]+", _CAMEL.sub(" ", stem)) if p]
    kept = [p for p in parts if not _HEXISH.match(p) and not p.isdigit()]
    if sum(1 for p in kept if _FILE_WORD.fullmatch(p) and len(p) > 1) < 2:
        return None
    text = " ".join(kept)
    return text[:1].upper() + text[1:]


def lead_title(body: str, language: str = "english") -> str | None:
    """The body's first sentence as a title (wire dateline removed): whole when it has at most
    ``LEAD_TITLE_WORDS`` words, else its first words and an ellipsis; None for an empty body."""
    for paragraph in paragraphs(_top(body))[:5]:
        # The first sentence is in the paragraph's first characters (a longer one is cut anyway).
        for sentence in split_sentences(paragraph[:LEAD_CHARS], language)[:1]:
            text = _TRAILING_DOTS.sub("", strip_dateline(sentence)) if sentence.endswith(("...", "…")) else strip_dateline(sentence)
            if len(words(text)) < 4 or not text[:1].isalnum() and text[:1] not in "\"“‘'" \
                    or "://" in text or detector().rule(text) is not None:
                continue
            tokens = text.split()
            if len(tokens) <= LEAD_TITLE_WORDS:  # its period off, unless an abbreviation's ("in Washington, D.C.")
                ended = text.endswith(".") and not text.endswith("..") and not ends_abbreviated(text, language)
                return text[:-1] if ended else text
            return " ".join(tokens[:LEAD_TITLE_CUT]).rstrip(",;:") + " …"
    return None


def text_title(body: str, path: str | Path, language: str = "english") -> tuple[str, str, bool]:
    """(title, body, generated) of a text article without a front-matter title: the headline
    line (taken out of the body), else the readable file name, else the lead sentence."""
    title, rest = find_title(body)
    if title:
        return title, rest, False
    made = readable_name(path) or lead_title(body, language) or _first_words(body) or Path(path).stem
    return made, body, True


def _first_words(body: str) -> str:
    """The first words of the body's first paragraph that is no boilerplate (leading dots and
    other punctuation off), when no sentence of it will do as a title."""
    found = paragraphs(_top(body))
    text = next((p for p in found if detector().title_rule(p) is None), found[0] if found else "")
    tokens = _ALNUM_START.sub("", text, count=1).split()
    return " ".join(tokens[:LEAD_TITLE_CUT]) + (" …" if len(tokens) > LEAD_TITLE_CUT else "")


# --------------------------------------------------------------------------- outlets


def _host(url: str) -> str | None:
    """The host of an http(s) URL, lower-case, without "www."; None for anything else."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return host.lower().removeprefix("www.")


def table_outlet(path: str, url: str, table: tuple[tuple[str, str], ...]) -> str | None:
    """The outlet the ``[outlets]`` table gives an article: a glob matching its file name
    first, then its nearest folder's name, then its URL's domain (or a parent domain)."""
    if not table:
        return None
    file = Path(path)
    for key, outlet in table:
        if any(ch in key for ch in "*?[") and fnmatchcase(file.name, key):
            return outlet
    names = dict(table)
    for folder in reversed(file.parent.parts):
        if folder in names:
            return names[folder]
    host = _host(url)
    if host:
        domains = {key.lower().removeprefix("www."): outlet for key, outlet in table}
        labels = host.split(".")
        for k in range(len(labels) - 1):
            found = domains.get(".".join(labels[k:]))
            if found:
                return found
    return None


def with_outlet(article: Article, config: Config) -> Article:
    """``article`` with its outlet worked out (see the module docstring)."""
    host = _host(article.url)
    given = article.outlet
    if given and (host is None or given.lower().removeprefix("www.") != host):
        return article
    outlet = table_outlet(article.path, article.url, config.outlets) or given or host
    if outlet == article.outlet:
        return article
    return dataclasses.replace(article, outlet=outlet)
