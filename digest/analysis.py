"""The one text analysis: every stage that compares wordings reads a sentence's ``Analysis``.

Dedup, recall, stories and ranking must never disagree about what "$1,000", "U.S." or
"ten" is, so one ``Analyser`` per run turns each sentence once into tokens, stems,
content words, numbers with what they count, names and negation, and (when an embedder
is configured) a sentence vector; every stage reads that one analysis.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable, Iterable, Sequence

import numpy as np

from .models import Analysis, Quantity

__all__ = [
    "Analyser", "analyse", "stemmer", "stop_words", "words_language",
    "CALENDAR_WORDS", "FILLER", "NEGATIONS",
]


def words_language(language: str) -> str:
    """The language whose words a Punkt variant uses ("english_web" -> "english")."""
    return language.partition("_")[0]


@lru_cache(maxsize=None)
def stemmer(language: str) -> Callable[[str], str]:
    """The language's Snowball stem function (``str`` when Snowball has none), memoised.

    Snowball costs about 20 us a word and a day repeats its words; bounded, so a
    long-lived process cannot grow it forever.
    """
    from nltk.stem.snowball import SnowballStemmer

    try:
        stem = SnowballStemmer(words_language(language)).stem
    except ValueError:
        return str
    return lru_cache(maxsize=1 << 18)(stem)


@lru_cache(maxsize=None)
def stop_words(language: str) -> frozenset[str]:
    """sumy's stop words for the language, apostrophes straight ("don’t" -> "don't"); none if it has no list.

    Read by name, without sumy's ``get_stop_words``, whose language-code lookup loads
    pycountry's database (0.1 s).
    """
    from sumy.utils import expand_resource_path, read_stop_words

    name = words_language(language)
    if not name.isalpha():  # a name, never a path
        return frozenset()
    try:
        found = read_stop_words(expand_resource_path(f"stopwords/{name}.txt"))
    except OSError:
        return frozenset()
    return frozenset(w.replace("\u2019", "'") for w in found)


_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u00a0": " ",
})
_TOKEN = re.compile(
    r"[$€£¥]?\d[\d,]*(?:\.\d+)?(?:%|bn|m|k)?(?![\w])"  # numbers: 1,000  3.50  10%  $5  €2.5bn
    r"|[$€£¥]?\d[\d,]*(?:\.\d+)?"  # a number glued to a word: 30-year, 5th
    r"|(?:[^\W\d_]\.){2,}"  # initialisms with dots: U.S.  U.N.
    r"|[^\W_]+(?:'[^\W_]+)*",  # words, keeping inner apostrophes
    re.UNICODE,
)
_CURRENCY = {"$": "$", "€": "€", "£": "£", "¥": "¥", "dollar": "$", "dollars": "$", "euro": "€", "euros": "€",
             "pound": "£", "pounds": "£", "yen": "¥"}
_SUFFIX = {"bn": 1_000_000_000, "m": 1_000_000, "k": 1_000}
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 10**12, "bn": 1_000_000_000}
_NUMBER_WORDS = frozenset(_UNITS) | frozenset(_TENS) | frozenset(_SCALES)
_PERCENT = frozenset({"percent", "per cent", "%", "pct"})

# Names with several spellings, as one token: what matters is that "U.S." and "United
# States" are one country, so the canonical token is an unambiguous one ("usa", never
# the pronoun "us"). Longest phrases first.
_ALIASES = {
    ("united", "states", "of", "america"): "usa", ("united", "states"): "usa", ("us",): "usa",
    ("usa",): "usa", ("united", "kingdom"): "uk", ("great", "britain"): "uk", ("britain",): "uk",
    ("uk",): "uk", ("united", "nations"): "un", ("un",): "un", ("european", "union"): "eu", ("eu",): "eu",
}
_ALIAS_FIRST = frozenset(k[0] for k in _ALIASES)
# Only in capitals is "US" the country and "UN" the body ("us" is a pronoun).
_CASED_ONLY = frozenset({"us", "un"})

# Words that add nothing to a statement's claim: kept out of content words beside the
# language's stop words so that "X, he said" and "X" are one statement.
FILLER = frozenset(
    "said says say told tell according reported report reports added adding also mr mrs ms dr "
    "just percent per cent".split()
)
_TITLES = frozenset("mr mrs ms dr sen rep gov gen prof st mt president".split())
NEGATIONS = frozenset("not no never nor neither none nobody nothing nowhere without cannot n't".split())
# Names that move with the calendar, not with the news ("on Thursday" -> "on Friday").
CALENDAR_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow "
    "january february march april may june july august september october november december".split()
)


def _format_number(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _number(token: str) -> tuple[str, str | None] | None:
    """(canonical digits, currency sign) of a numeric token ("$1,000" -> ("1000", "$")), else None."""
    sign = token[0] if token[0] in "$€£¥" else None
    t = token.lstrip("$€£¥").rstrip("%")
    scale = 1
    for suffix, factor in _SUFFIX.items():
        if t.endswith(suffix):
            t, scale = t[: -len(suffix)], factor
            break
    t = t.replace(",", "")
    try:
        value = float(t)
    except ValueError:
        return None
    return _format_number(value * scale), sign


class _Token:
    __slots__ = ("text", "cased", "upper", "number", "unit")

    def __init__(self, text: str, cased: bool, number: bool = False, unit: str | None = None, upper: bool = False):
        self.text, self.cased, self.upper, self.number, self.unit = text, cased, upper, number, unit


def _raw_tokens(text: str, shown: dict[str, str]) -> list[_Token]:
    """Tokens with quotes unified, initialisms undotted, numbers in digits (with their currency or %)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    elif "`" in text:
        text = text.replace("`", "'")
    out: list[_Token] = []
    wordy = False
    for tok in _TOKEN.findall(text):
        if tok[0].isdigit() or tok[0] in "$€£¥":
            found = _number(tok)
            if found is not None:
                out.append(_Token(found[0], False, True, found[1]))
                if tok.endswith("%"):  # "10%" is "10 percent"
                    out.append(_Token("percent", False))
                continue
        if "." in tok:  # U.S. -> US
            tok = tok.replace(".", "")
        if tok.lower().endswith("'s"):
            tok = tok[:-2]
        if not tok:
            continue
        low = tok.lower()
        wordy = wordy or low in _NUMBER_WORDS
        cased = tok[0].isupper()
        if cased and low not in shown:
            shown[low] = tok
        out.append(_Token(low, cased, upper=len(tok) > 1 and tok.isupper()))
    if wordy:
        out = _numbers_from_words(out)
    return _canonical_names(out)


def _numbers_from_words(tokens: list[_Token]) -> list[_Token]:
    """"ten" -> "10", "twenty five" -> "25", "2.5 million" -> "2500000"."""
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        value: float | None = None
        if tok.text in _UNITS:
            value = _UNITS[tok.text]
        elif tok.text in _TENS:
            value = _TENS[tok.text]
            if i + 1 < len(tokens) and tokens[i + 1].text in _UNITS and 0 < _UNITS[tokens[i + 1].text] < 10:
                i += 1
                value += _UNITS[tokens[i].text]
        elif tok.number:
            value = float(tok.text)
        if value is not None and (tok.number or tok.text not in _SCALES):
            while i + 1 < len(tokens) and tokens[i + 1].text in _SCALES:
                i += 1
                value *= _SCALES[tokens[i].text]
            out.append(_Token(_format_number(value), False, True, tok.unit))
        else:
            out.append(tok)
        i += 1
    return out


def _canonical_names(tokens: list[_Token]) -> list[_Token]:
    """Aliases of one name as one token: "United States", "U.S." and "US" are "usa"."""
    if not any(t.text in _ALIAS_FIRST for t in tokens):
        return tokens
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        for size in (4, 2, 1):
            key = tuple(t.text for t in tokens[i:i + size])
            span = tokens[i:i + size]
            if (len(key) == size and key in _ALIASES and all(t.cased for t in span)
                    and (key[0] not in _CASED_ONLY or span[0].upper)):
                out.append(_Token(_ALIASES[key], True, upper=True))
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


class Analyser:
    """Turns sentence text into ``Analysis`` for one language; one per run, caching each sentence.

    ``embedder`` (``digest.embed``), when given, supplies sentence vectors through
    ``vectors``, computed in batches and cached beside the analyses.
    """

    def __init__(self, language: str = "english", embedder=None) -> None:
        self.language = language
        self.stop = stop_words(language) | FILLER
        self.plain_stop = stop_words(language)
        self.stem = stemmer(language)
        self.embedder = embedder
        self._cache: dict[str, Analysis] = {}
        self._vectors: dict[str, np.ndarray] = {}

    def __call__(self, text: str) -> Analysis:
        found = self._cache.get(text)
        if found is None:
            found = self._cache[text] = self._analyse(text)
        return found

    def many(self, texts: Iterable[str]) -> list[Analysis]:
        return [self(t) for t in texts]

    def vectors(self, texts: Sequence[str]) -> np.ndarray | None:
        """Unit sentence vectors of ``texts`` (rows in order), or None without an embedder."""
        if self.embedder is None:
            return None
        todo = sorted({t for t in texts if t not in self._vectors})
        if todo:
            self._vectors.update(zip(todo, self.embedder.encode(todo)))
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def _analyse(self, text: str) -> Analysis:
        shown: dict[str, str] = {}
        tokens = _raw_tokens(text, shown)
        stop, plain_stop, stem = self.stop, self.plain_stop, self.stem
        words: list[str] = []
        stems: list[str] = []
        stopped: list[bool] = []
        numbers: set[str] = set()
        names: set[str] = set()
        content: set[str] = set()
        negated = False
        for k, tok in enumerate(tokens):
            t = tok.text
            words.append(t)
            if tok.number:
                numbers.add(t)
                content.add(t)
                stems.append(t)
                stopped.append(False)
                continue
            if t in NEGATIONS or t.endswith("n't"):
                negated = True
            # An acronym is a name even when it spells a stop word ("US", "UN", "WHO").
            is_stop = not tok.upper and (t in plain_stop or len(t) < 2)
            stems.append(t if is_stop or tok.upper else stem(t))
            stopped.append(is_stop)
            if is_stop or t in stop and not tok.upper:
                continue
            if tok.cased and t not in _TITLES and t not in CALENDAR_WORDS and (k > 0 or tok.upper):
                names.add(t)
            content.add(stems[-1])
        quantities = _quantities(tokens, stems, stopped)
        return Analysis(
            tokens=tuple(words),
            stems=tuple(stems),
            stopped=tuple(stopped),
            content=frozenset(content),
            numbers=frozenset(numbers),
            quantities=quantities,
            names=frozenset(names),
            negated=negated,
            weight=len(content) + len(numbers) + len(names),
            shown={t: shown[t] for t in names if t in shown},
        )


def _quantities(tokens: list[_Token], stems: list[str], stopped: list[bool]) -> tuple[Quantity, ...]:
    """Each number with what it counts: its currency or %, else the next content word ("93 votes")."""
    out: list[Quantity] = []
    for k, tok in enumerate(tokens):
        if not tok.number:
            continue
        unit = tok.unit
        if unit is None and k + 1 < len(tokens):
            after = tokens[k + 1].text
            if after in _PERCENT or after == "pct":
                unit = "%"
            elif after in _CURRENCY:
                unit = _CURRENCY[after]
        if unit is None and k > 0 and tokens[k - 1].text in _CURRENCY:
            unit = _CURRENCY[tokens[k - 1].text]
        if unit is None:
            for j in range(k + 1, min(k + 3, len(tokens))):
                if tokens[j].number:
                    break
                if not stopped[j]:
                    unit = stems[j]
                    break
        out.append(Quantity(tok.text, unit or ""))
    return tuple(out)


def analyse(text: str, language: str = "english") -> Analysis:
    """The analysis of one sentence (uncached; for tests and tools)."""
    return Analyser(language)(text)
