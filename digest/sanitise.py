"""The one sanitiser: what a terminal, a mail client or a page would act on never passes as text.

Input is hostile. Every text field of every article (``clean_article``, applied by
``ingest`` to whatever a reader returns), every value a template prints
(``render``'s finalize) and every message on stderr (``printable``) goes through here:

- terminal escape sequences go whole, 7-bit and 8-bit (CSI ``ESC [``, OSC ``ESC ]`` up to
  BEL or ST, DCS/SOS/PM/APC strings, two-character escapes), then every remaining C0
  control but tab and newline, DEL and every C1 control;
- lone surrogates (an undecodable file name) and bidirectional overrides, which make
  text display in another order than it reads;
- entity references no HTML defines (``&xxe;`` from a feed's DOCTYPE): they name text
  that was never there.
"""
from __future__ import annotations

import dataclasses
import html.entities
import os
import re
from urllib.parse import urlsplit

from .models import Article

# A string of an OSC/DCS/SOS/PM/APC sequence ends at BEL or ST; one that never ends takes
# at most this many characters with it (a stray "ESC ]" must not eat an article).
_STRING_MAX = 512
CONTROL = re.compile(
    "\x1b\\[[0-?]*[ -/]*[@-~]"  # CSI: ESC [ parameters intermediates final
    "|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    f"|(?:\x1b[\\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{{0,{_STRING_MAX}}}(?:\x07|\x1b\\\\|\x9c)?"
    "|\x1b[ -/]*[0-~]"  # other escapes: ESC (intermediates) final
    "|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # C0 but tab, newline and carriage return, DEL, C1
    "|[\ud800-\udfff]"  # lone surrogates: never text
    "|[\u202a-\u202e\u2066-\u2069]"  # bidirectional embeddings, overrides and isolates
    "|[\u2028\u2029]"  # line and paragraph separators: a line break only some readers see
)
# Every character a CONTROL match can start with, in one class: one fast scan says that a
# text (nearly every one) has nothing to replace.
_CONTROL_START = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def without_controls(text: str) -> str:
    """``CONTROL.sub(" ", text)``: each escape sequence or control character a space."""
    return CONTROL.sub(" ", text) if _CONTROL_START.search(text) else text


_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")


def _undefined_entity(match: re.Match[str]) -> str:
    return match.group(0) if match.group(1) + ";" in html.entities.html5 else ""


def clean_text(text: str) -> str:
    """``text`` without control characters, escape sequences, surrogates, bidi overrides and
    undefined entity references; lines and tabs stay."""
    text = without_controls(text.replace("\r\n", "\n").replace("\r", "\n"))
    return _ENTITY.sub(_undefined_entity, text) if "&" in text else text


def clean_line(text: str) -> str:
    """``clean_text`` on one line: every run of white space one space, none at the ends."""
    return " ".join(clean_text(text).split())


# A title or an outlet name longer than this is not one (a dump's whole text in its title).
LINE_CHARS = 2_000


def clean_name(text: str, limit: int = LINE_CHARS) -> str:
    """``clean_line`` cut to ``limit`` characters at a word, with an ellipsis when cut."""
    line = clean_line(text)
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] if " " in line[:limit] else line[:limit]
    return cut.rstrip() + " …"


def clean_article(article: Article) -> Article:
    """Every text field of ``article`` through the sanitiser (``path`` made printable)."""
    outlet = clean_name(article.outlet) if article.outlet else None
    return dataclasses.replace(
        article,
        url=clean_line(article.url),
        title=clean_name(article.title),
        outlet=outlet or None,
        outlets=tuple(o for o in (clean_name(o) for o in article.outlets) if o),
        body=clean_text(article.body),
        path=printable(article.path),
    )


_UNPRINTABLE = re.compile(CONTROL.pattern + "|[\t\n\r]")  # a message is one line


def printable(text: str | os.PathLike) -> str:
    """``text`` (a message, a path) safe to print: bytes a file name had that are not UTF-8,
    control characters and escape sequences shown as ``\\x..`` escapes instead of acted on."""
    value = os.fspath(text)
    if any("\udc80" <= ch <= "\udcff" for ch in value):  # undecodable bytes of a file name
        try:
            value = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # other lone surrogates too: the escapes below show them
            pass
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)


def url_problem(url: str) -> str | None:
    """Why ``url`` is no usable URL (urlsplit, its port or its host name's IDNA encoding
    fails: ``http://[::1``, ``http://a:99999/``), or None when it is one."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if host:
        try:
            host.encode("idna")
        except UnicodeError:
            return "not a valid URL (bad host name)"
    return None


def url_scheme(url: object) -> str:
    """The lower-case scheme of a usable URL; "" for none, a non-string, or one ``url_problem`` refuses."""
    if not isinstance(url, str) or url_problem(url.strip()) is not None:
        return ""
    return urlsplit(url.strip()).scheme.lower()
