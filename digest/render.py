"""Render: a ``Digest`` through a Jinja2 template into text, HTML, Markdown or JSON."""
from __future__ import annotations

import json
import os
import re
import string
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jinja2
import markupsafe
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from .errors import ConfigError, DigestError
from .files import read_bounded, shown
from .sanitise import CONTROL, url_scheme
from .models import Article, Digest, independent_outlets

# "eml" is not a template: digest.email builds the MIME message (text + HTML parts); nor is
# "atom": digest.archive writes the rolling feed of the folder's digests (out/digest.atom).
FORMATS = {"text": "txt", "html": "html", "md": "md", "json": "json", "eml": "eml", "atom": "atom"}
TEMPLATE_FORMATS = ("text", "html", "md", "json")
# Schemes that may become links in a page opened from disk; email allows fewer.
LOCAL_LINK_SCHEMES = frozenset({"http", "https", "mailto", "file"})
EMAIL_LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def templates_dir() -> Path:
    """The packaged templates (a wheel ships them as digest/templates; a checkout has ../templates)."""
    packaged = Path(__file__).with_name("templates")
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


TEMPLATE_BYTES = 1_000_000  # a template is a few kilobytes


class _TemplateFiles(jinja2.FileSystemLoader):
    """FileSystemLoader reading through ``files.read_bounded``: a FIFO or /dev/zero named
    like a template is a config error, never a hang."""

    def get_source(self, environment: jinja2.Environment, template: str):  # type: ignore[override]
        for folder in self.searchpath:
            path = Path(folder, *jinja2.loaders.split_template_path(template))
            if not os.path.lexists(path):
                continue
            data = read_bounded(path, TEMPLATE_BYTES, ConfigError)
            try:
                source = data.decode(self.encoding)
            except UnicodeDecodeError:
                raise ConfigError(f"{shown(path)}: template error: not UTF-8 text") from None
            mtime = os.path.getmtime(path)
            return source, str(path), lambda: os.path.exists(path) and os.path.getmtime(path) == mtime
        raise jinja2.TemplateNotFound(template)


def _printed(value: Any) -> Any:
    """Every value a template prints loses control characters and escape sequences
    (a config title, a subject), whatever the template does with it."""
    if not isinstance(value, str):
        return value
    clean = _CONTROL_OR_CR.sub(" ", value)
    return markupsafe.Markup(clean) if isinstance(value, markupsafe.Markup) else clean


_CONTROL_OR_CR = re.compile(CONTROL.pattern + "|\r")


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs: compiling the default three is ~45 ms of a
    0.9 s start. Jinja checks each entry against its template's source (an edited template
    is compiled again) and writes through a temporary file; a folder that cannot be written
    costs a compile, nothing else."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def template_cache() -> jinja2.BytecodeCache | None:
    """$XDG_CACHE_HOME/digest/templates (XDG default ~/.cache), or None if it cannot be made."""
    try:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base, "digest", "templates")
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to be found
        return None
    return _CompiledTemplates(str(folder))


# What a template may build: a digest page is well under a megabyte, so output, repeated
# strings, widths and lorem ipsum far past that are a mistake that would exhaust memory.
# The JSON contract lists every article of the day (14 MB for 16,000 articles), so a render
# may also write as many characters as the day's articles hold: bounded, and linear in the day.
MAX_OUTPUT_CHARS = 50_000_000
MAX_WIDTH = 10_000
_PERCENT_WIDTHS = re.compile(r"%[-#0 +]*(\d*)(?:\.(\d*))?")


def _too_wide(numbers: Iterable[str]) -> bool:
    return any(len(n) > 5 or int(n) > MAX_WIDTH for n in numbers if n)


class _BoundedTemplate(jinja2.Template):
    def render(self, *args: Any, output_limit: int = MAX_OUTPUT_CHARS, **kwargs: Any) -> str:
        out, size = [], 0
        for chunk in self.generate(*args, **kwargs):
            size += len(chunk)
            if size > output_limit:
                raise SecurityError(f"the output passed {output_limit:,} characters")
            out.append(chunk)
        return "".join(out)


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, with bounds on what one expression may allocate."""

    template_class = _BoundedTemplate
    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_OUTPUT_CHARS:
                    raise SecurityError("a repetition longer than a digest")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
            if right * abs(left).bit_length() > 100_000:
                raise SecurityError("a power too large to compute")
        elif operator == "%" and isinstance(left, str):
            _check_percent(left)
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None

        def checked(*args: Any, **kwargs: Any) -> str:
            try:
                specs = [spec for _, _, spec, _ in string.Formatter().parse(value.__self__) if spec]
            except ValueError:
                specs = []
            numbers = [n for spec in specs for n in re.findall(r"\d+", spec)]
            nested = any("{" in spec for spec in specs)
            given = [*args, *kwargs.values(), *(v for a in args if isinstance(a, dict) for v in a.values())]
            if _too_wide(numbers) or (nested and any(isinstance(v, int) and abs(v) > MAX_WIDTH for v in given)):
                raise SecurityError(f"a format width over {MAX_WIDTH:,}")
            return wrapped(*args, **kwargs)

        return checked


def _check_percent(text: str) -> None:
    if "%" in text and _too_wide(n for m in _PERCENT_WIDTHS.finditer(text) for n in m.groups()):
        raise SecurityError(f"a format width over {MAX_WIDTH:,}")


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    _check_percent(str(value))
    return jinja2.filters.do_format(value, *args, **kwargs)


def _check_width(width: Any) -> None:
    if isinstance(width, int) and width > MAX_WIDTH:
        raise SecurityError(f"a width over {MAX_WIDTH:,}")


def _center(value: Any, width: int = 80) -> str:
    _check_width(width)
    return jinja2.filters.do_center(value, width)


def _indent(value: Any, width: Any = 4, *args: Any, **kwargs: Any) -> str:
    _check_width(width)
    return jinja2.filters.do_indent(value, width, *args, **kwargs)


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002 -- Jinja's names
    if not all(isinstance(x, int) and x <= 1000 for x in (n, min, max)):
        raise SecurityError("lipsum past 1,000 paragraphs or words")
    return jinja2.utils.generate_lorem_ipsum(n, html, min, max)


@lru_cache(maxsize=8)
def environment(override: str | None = None) -> jinja2.Environment:
    """Templates from ``override`` first, then the packaged ones; HTML is autoescaped.

    Sandboxed: a template reads the digest, it cannot reach Python's internals or build a
    range of billions.
    """
    loaders: list[jinja2.BaseLoader] = [_TemplateFiles(str(templates_dir()))]
    if override:
        loaders.insert(0, _TemplateFiles(override))
    env = _Sandbox(
        loader=jinja2.ChoiceLoader(loaders),
        finalize=_printed,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "html.j2"), default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=template_cache(),
    )
    env.filters["format"] = _format
    env.filters["center"] = _center
    env.filters["indent"] = _indent
    env.globals["lipsum"] = _lipsum
    env.filters["json"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)
    env.filters["link"] = safe_link
    env.filters["md"] = markdown_text
    env.filters["md_code"] = markdown_code
    env.filters["md_url"] = markdown_destination
    return env


# Markdown (CommonMark): article text is data, never markup. Every ASCII punctuation character
# that can open or close an inline construct gets a backslash (emphasis, code, links, raw HTML,
# autolinks, GFM strikethrough; "!" needs none, as the "[" of an image is escaped), "&" only
# where it would start an entity; characters that only matter at the start of a line are escaped
# only there, so ordinary prose (. , ' " - ( ) : ; ! &) stays readable.
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")  # an "&" that would start an entity reference
_MD_INLINE = re.compile(rf"([\\`*_\[\]<>~]|{_MD_ENTITY.pattern})")
# At the start of the text (a list item's or heading's first characters): headings, bullet
# lists, thematic breaks (--- / +++ are not, but a leading - or + would nest a list), ordered lists.
_MD_BLOCK_START = re.compile(r"^(?:([#+\-])|(\d{1,9})([.)])(?=\s|$))")
# A heading's closing sequence: a run of # at the end, after a space.
_MD_CLOSING_HASHES = re.compile(r"(?<=\s)(#+)(\s*)$")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def markdown_text(value: Any) -> str:
    """``value`` as literal CommonMark inline text (one line; backslash escapes where needed)."""
    text = _LINE_BREAKS.sub(" ", str(value)).strip()
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_CLOSING_HASHES.sub(lambda m: "\\#" * len(m.group(1)) + m.group(2), text)
    match = _MD_BLOCK_START.match(text)
    if match and match.group(1):
        text = "\\" + text
    elif match:
        text = f"{match.group(2)}\\{match.group(3)}{text[match.end():]}"
    return text


def markdown_code(value: Any) -> str:
    """``value`` as a CommonMark code span: backslashes mean nothing there, so the fence is one
    backtick longer than any run inside, and a space pads content that starts or ends with a
    backtick (or with spaces at both ends, which the parser would strip)."""
    text = _LINE_BREAKS.sub(" ", str(value))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    if text.startswith("`") or text.endswith("`") or (text[:1] == text[-1:] == " " and text.strip(" ")):
        text = f" {text} "
    return f"{fence}{text}{fence}"


# Inside <...> a destination may not hold < > or a line ending; spaces and controls are not
# valid in a URL anyway; a backslash would escape the next character.
_MD_DESTINATION_UNSAFE = re.compile(r"[<>\\\s\x00-\x1f\x7f]")


def markdown_destination(url: Any) -> str:
    """``url`` for a CommonMark ``[text](<url>)`` link: < > \\ whitespace and controls
    percent-encoded, ``&`` escaped where it would read as an entity (``&amp;`` stays literal)."""
    encoded = _MD_DESTINATION_UNSAFE.sub(
        lambda m: "".join(f"%{byte:02X}" for byte in m.group().encode("utf-8")), str(url))
    return _MD_ENTITY.sub(r"\\&", encoded)


def safe_link(url: str | None, schemes: frozenset[str] | tuple[str, ...] = LOCAL_LINK_SCHEMES) -> str | None:
    """``url`` when it is a valid URL whose scheme may become a link, else None (shown as
    plain text). Never raises: a template calls it on whatever an article carries."""
    return url.strip() if url_scheme(url) in schemes else None


def _source(article: Article) -> dict[str, Any]:
    return {"url": article.url, "title": article.title, "outlet": article.outlet, "outlets": list(article.outlets)}


def story_index(digest: Digest) -> tuple[dict[int, int], list[int | None]]:
    """(article id -> index of its story in ``digest.stories``, each story's section index or None).

    A story's section is the one that shows its items: its own, or "In brief" when its
    sentence is there; None when it is only counted there (no item of its own).
    """
    story_of = {a: k for k, story in enumerate(digest.stories) for a in story.articles}
    shown: list[int | None] = [None] * len(digest.stories)
    for n, section in enumerate(digest.sections):
        for item in section.items:
            k = story_of.get(item.fact.sentence.article)
            if k is not None and shown[k] is None:
                shown[k] = n
    return story_of, shown


def contract(digest: Digest) -> dict[str, Any]:
    """The JSON contract other tools read (documented in the README; keep it stable)."""
    articles = digest.articles
    story_of, shown = story_index(digest)
    return {
        "date": digest.date.isoformat(),
        "title": digest.title,
        "sections": [
            {
                "title": section.title,
                "continues": None if section.continues is None else {
                    "date": section.continues.date, "title": section.continues.title,
                    "url": f"digest-{section.continues.date}.html#story-{section.continues.position}"},
                "articles": [_source(articles[i]) for i in section.articles],
                "items": [
                    {
                        "text": item.fact.text,
                        "score": round(item.score, 6),
                        "sources": [_source(articles[i]) for i in item.fact.sources],
                        "partial_sources": [_source(articles[i]) for i in item.fact.partial],
                        "note": item.note,
                        "note_sources": [_source(articles[i]) for i in item.noted],
                        "story": story_of.get(item.fact.sentence.article),
                        "outlets": independent_outlets(articles[i] for i in (*item.fact.sources, *item.fact.partial)),
                    }
                    for item in section.items
                ],
            }
            for section in digest.sections
        ],
        "stories": [
            {"title": story.title, "articles": [_source(articles[i]) for i in story.articles], "section": shown[k]}
            for k, story in enumerate(digest.stories)
        ],
        "stats": {
            "articles": digest.stats.articles,
            "sentences": digest.stats.sentences,
            "duplicates_merged": digest.stats.duplicates_merged,
            "boilerplate_dropped": digest.stats.boilerplate_dropped,
            "skipped_files": digest.stats.skipped_files,
            "conflicts": [
                {"a": c.a.text, "b": c.b.text, "differences": [str(d) for d in c.differences],
                 "sources": [_source(articles[c.a.article]), _source(articles[c.b.article])]}
                for c in digest.conflicts
            ],
        },
    }


def _own_file_uri(article: Article) -> bool:
    """True when ``article.url`` is the file:// URI ingest made from its own path (no url given)."""
    try:
        return article.url == Path(article.path).resolve().as_uri()
    except (OSError, ValueError):
        return False


def reference_link(article: Article, schemes: frozenset[str] | tuple[str, ...]) -> str | None:
    """The href for an article's source, or None to show it as plain text.

    A file: URL becomes a link only when ingest made it from the article's own
    path (a local page linking to the local file); a file: URL given by the
    input itself (front matter, a feed) never does.
    """
    href = safe_link(article.url, schemes)
    if href and url_scheme(href) == "file" and not _own_file_uri(article):
        return None
    return href


def view(digest: Digest, link_schemes: frozenset[str] | tuple[str, ...] = LOCAL_LINK_SCHEMES) -> dict[str, Any]:
    """What the text, HTML and Markdown templates see: the contract plus numbered references.

    Each reference carries ``href`` (a link allowed by ``link_schemes``, or None)
    and ``shown_url`` (a file: address to print as plain text when it is not a link), and
    ``shown_outlet`` (every outlet that carried the article, or None when none is known:
    the source line then shows its title and link alone).
    """
    data = contract(digest)
    numbers: dict[int, int] = {}
    for section in digest.sections:
        for item in section.items:
            for i in (*item.fact.sources, *item.fact.partial, *item.noted):
                numbers.setdefault(i, len(numbers) + 1)
    for section_data, section in zip(data["sections"], digest.sections):
        for item_data, item in zip(section_data["items"], section.items):
            item_data["refs"] = sorted(numbers[i] for i in item.fact.sources)
            item_data["partial_refs"] = sorted(numbers[i] for i in item.fact.partial)
            item_data["note_refs"] = sorted(numbers[i] for i in item.noted)
    data["references"] = [
        {"n": n, **_source(digest.articles[i]),
         "shown_outlet": ", ".join(digest.articles[i].outlets) or digest.articles[i].outlet or None,
         **_reference_target(digest.articles[i], link_schemes)}
        for i, n in sorted(numbers.items(), key=lambda kv: kv[1])
    ]
    # A section that chose nothing (an "In brief" without room) is a heading with nothing under
    # it for a reader; the JSON contract keeps it, for its articles.
    data["sections"] = [s for s in data["sections"] if s["items"]]
    data["lead"] = data["sections"][0]["items"][0]["text"] if data["sections"] else ""
    return data


def _reference_target(article: Article, schemes: frozenset[str] | tuple[str, ...]) -> dict[str, Any]:
    href = reference_link(article, schemes)
    return {"href": href, "shown_url": article.url if href is None and url_scheme(article.url) == "file" else None}


def render(digest: Digest, fmt: str, templates: str | None = None, **extra: Any) -> str:
    """Render ``digest`` in one of the template formats with ``<fmt>.j2`` (user templates first).

    ``extra`` reaches the template: ``link_schemes`` (default LOCAL_LINK_SCHEMES),
    ``email`` (True inside an email), ``unsubscribe_url``.
    """
    if fmt == "eml":
        raise ValueError("eml is a MIME message, not a template: use digest.email.build_message")
    if fmt not in TEMPLATE_FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    extra.setdefault("link_schemes", LOCAL_LINK_SCHEMES)
    extra.setdefault("email", False)
    extra.setdefault("unsubscribe_url", None)
    extra.setdefault("days", None)  # the page's day navigation (digest.archive.days)
    if templates and not Path(templates).is_dir():
        raise ConfigError(f"templates: {templates} is not a folder")
    name = f"{fmt}.j2" if fmt != "html" else "html.html.j2"
    data = view(digest, extra["link_schemes"]) if fmt != "json" else contract(digest)
    limit = MAX_OUTPUT_CHARS + sum(len(a.title) + len(a.url) + len(a.body) for a in digest.articles)
    try:
        return environment(templates).get_template(name).render(digest=data, output_limit=limit, **extra)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{exc.filename or name}:{exc.lineno}: template error: {exc.message}") from None
    except jinja2.TemplateError as exc:  # e.g. a name the template uses that the digest does not have
        raise ConfigError(f"{_template_path(templates, name)}: template error: {exc}") from None
    except DigestError:
        raise
    except Exception as exc:  # noqa: BLE001 -- {{ 1/0 }}, a recursive macro: the template's mistake
        where = _template_path(templates, name)
        line = next((f":{frame.f_lineno}" for frame, _ in traceback.walk_tb(exc.__traceback__)
                     if frame.f_code.co_filename == where), "")
        raise ConfigError(f"{where}{line}: template error: {type(exc).__name__}: {exc}") from None


def _template_path(templates: str | None, name: str) -> str:
    """The file ``name`` was loaded from: the user's folder first, as the loader looks."""
    if templates and (Path(templates) / name).is_file():
        return str(Path(templates) / name)
    return str(templates_dir() / name)
