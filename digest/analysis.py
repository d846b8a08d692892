"""The one text analysis: every stage that compares wordings reads a sentence's ``Analysis``.

Dedup, recall, stories and ranking must never disagree about what "$1,000", "U.S." or
"ten" is, so one ``Analyser`` per run turns each sentence once into tokens, stems,
content words, numbers with what they count, names and negation, and (when an embedder
is configured) a sentence vector; every stage reads that one analysis.
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Callable, Iterable, Sequence

import numpy as np

from .embed import Embedder, get_embedder
from .models import Analysis, Quantity

__all__ = [
    "Analyser", "analyse", "is_figure", "is_specific", "is_year", "stemmer", "stop_words", "tallies", "unquoted", "words_language",
    "CALENDAR_WORDS", "FILLER", "MONTHS", "NEGATIONS",
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
    from .nltk_parts import snowball

    try:
        stem = snowball().SnowballStemmer(words_language(language)).stem
    except ValueError:
        return str
    return lru_cache(maxsize=1 << 18)(stem)


@lru_cache(maxsize=None)
def stop_words(language: str) -> frozenset[str]:
    """sumy's stop words for the language, apostrophes straight ("don’t" -> "don't"); none if it has no list.

    ``language`` is a full name, as Punkt's: read sumy's list file by name, without
    ``sumy.utils``, which imports requests and pycountry (0.03 s) and whose
    ``get_stop_words`` loads pycountry's database (0.1 s); parsed as its
    ``parse_stop_words`` does.
    """
    import pkgutil

    name = words_language(language)
    if not name.isalpha():  # a name, never a path
        return frozenset()
    try:
        data = pkgutil.get_data("sumy", f"data/stopwords/{name}.txt")
    except OSError:
        return frozenset()
    if data is None:
        return frozenset()
    found = (w.rstrip() for w in data.decode("utf-8").splitlines() if w)
    return frozenset(w.replace("\u2019", "'") for w in found)


_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u00a0": " ",
})
_TOKEN = re.compile(
    r"\d{1,2}:\d\d(?:\s*[ap]\.?m\b\.?)?"  # times: 2:30  2:30 p.m.
    r"|\d*0s(?!\w)"  # decades, a word and not a count: 1990s  "in his 80s"
    r"|(?:(?<![\w.,-])(?<!\d\s)-)?[$€£¥]?\d[\d,]*(?:\.\d+)?(?:(?:%|bn|m|k)(?!\w))?"  # numbers: 1,000  3.50  10%  $5  €2.5bn  -5
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
_PERCENT = frozenset({"percent", "pct"})

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
# Titles, not names, spelt out or short: "Police Supt. Eddie Johnson" / "Superintendent Eddie Johnson".
_TITLES = frozenset(
    "mr mrs ms dr sen rep gov gen prof st mt president senator governor professor "
    "supt superintendent sgt sergeant det detective insp inspector capt lt lieutenant cpl corporal".split()
)
NEGATIONS = frozenset("not no never nor neither none nobody nothing nowhere without cannot n't".split())
# Names that move with the calendar: "on Thursday" -> "on Friday" updates no statement (recall).
MONTHS = frozenset("january february march april may june july august september october november december".split())
CALENDAR_WORDS = MONTHS | frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow".split()
)


# Shared by every analysis that has none: most sentences state no number, a quarter no name.
_NONE: frozenset[str] = frozenset()
_NOTHING_SHOWN: dict[str, str] = {}  # read-only


def _format_number(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _number(token: str) -> tuple[str, str | None] | None:
    """(canonical digits, currency sign) of a numeric token ("$1,000" -> ("1000", "$")), else None."""
    minus = token.startswith("-")  # "-5C", never "6-3" or "3 – 1": the pattern reads it only after a space, not after a figure
    token = token[minus:]
    sign = token[0] if token[0] in "$€£¥" else None
    t = token.lstrip("$€£¥").rstrip("%")
    scale = 1
    for suffix, factor in _SUFFIX.items():
        if t.endswith(suffix):
            t, scale = t[: -len(suffix)], factor
            break
    t = t.replace(",", "")
    try:
        value = float(t) * scale
    except ValueError:
        return None
    if value in (math.inf, -math.inf):  # over 309 digits: no float holds it, its digits name it
        return "-" * minus + (t.lstrip("0") or "0"), sign
    return _format_number(-value if minus else value), sign


# A vulgar fraction, with the whole number before it: NFKC would make "1½" the "11⁄2" of 11 and 2.
_FRACTION = re.compile(r"(\d*)([\u00bc-\u00be\u2150-\u215e])")


def _decimal(match: re.Match) -> str:
    """ "1½" -> "1.5", "¾" -> "0.75"."""
    whole, fraction = match.groups()
    return _format_number(int(whole or 0) + unicodedata.numeric(fraction))


def _time(token: str) -> str:
    """A clock time on the 24-hour clock: "2:30 p.m." -> "14:30", "12:05 a.m." -> "0:05"."""
    low = token.lower().replace(".", "").replace(" ", "")
    half = low[-2:] if low.endswith(("am", "pm")) else ""
    hours, minutes = low[: len(low) - len(half)].split(":")
    hour = int(hours) % 12 + (12 if half == "pm" else 0) if half else int(hours)
    return f"{hour}:{minutes}"


class _Word:
    """One token with everything the analysis needs of it, worked out once per run per spelling."""

    __slots__ = ("text", "shown", "cased", "upper", "number", "unit", "stem", "stop", "content", "negates",
                 "name", "wordy", "alias")

    def __init__(self, text: str, shown: str = "", cased: bool = False, upper: bool = False,
                 number: bool = False, unit: str | None = None) -> None:
        self.text, self.shown, self.cased, self.upper = text, shown, cased, upper
        self.number, self.unit = number, unit


QUOTE_WORDS = 6  # a quotation this long is one speaker's words, not a phrase outlets share by chance
_QUOTATION = re.compile(r'"([^"]+)"')


def unquoted(text: str) -> str:
    """``text`` without its quotations (quote marks of any kind)."""
    return _QUOTATION.sub(" ", text.translate(_QUOTES))


def _quotations(text: str) -> tuple[str, ...]:
    """The quotations of ``text`` (quote marks unified) of ``QUOTE_WORDS`` words or more, as their
    lower-cased words: "It is moving faster than we can cut lines," she said -> ("it is moving ...",)."""
    found = (" ".join(_TOKEN.findall(q.lower())) for q in _QUOTATION.findall(text))
    return tuple(q for q in found if q.count(" ") + 1 >= QUOTE_WORDS)


class Analyser:
    """Turns sentence text into ``Analysis`` for one language; one per run, caching each sentence.

    ``embedding`` names the embedder (``digest.embed.EMBEDDERS``) that supplies sentence
    vectors through ``vectors``: loaded on first use, computed in batches and cached
    beside the analyses.
    """

    def __init__(self, language: str = "english", embedding: str = "none") -> None:
        self.language = language
        self.embedding = embedding
        self._embedder: Embedder | None = None
        self.stop = stop_words(language) | FILLER
        self.plain_stop = stop_words(language)
        self.stem = stemmer(language)
        self._cache: dict[str, Analysis] = {}
        # Each spelling's words, for ordinary and for all-capitals text (where "US" is "us").
        self._words: tuple[dict[str, tuple[_Word, ...]], dict[str, tuple[_Word, ...]]] = ({}, {})
        self._vectors: dict[str, np.ndarray] = {}
        self._known_quantities: dict[Quantity, Quantity] = {}
        self._sets: dict[frozenset[str], frozenset[str]] = {}

    @classmethod
    def of(cls, config) -> "Analyser":
        """The analysis a run with ``config`` uses (its language and embedding)."""
        return cls(config.language, config.embedding)

    def __call__(self, text: str) -> Analysis:
        found = self._cache.get(text)
        if found is None:
            found = self._cache[text] = self._analyse(text)
        return found

    def many(self, texts: Iterable[str]) -> list[Analysis]:
        return [self(t) for t in texts]

    @property
    def embedder(self) -> Embedder | None:
        if self._embedder is None and self.embedding != "none":
            self._embedder = get_embedder(self.embedding)
        return self._embedder

    def vectors(self, texts: Sequence[str]) -> np.ndarray | None:
        """Unit sentence vectors of ``texts`` (rows in order), or None without an embedder.

        Raises:
            ConfigError: the embedder's package is not installed.
        """
        embedder = self.embedder
        if embedder is None:
            return None
        todo = sorted({t for t in texts if t not in self._vectors})
        if todo:
            self._vectors.update(zip(todo, embedder.encode(todo)))
        if not texts:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    # ------------------------------------------------------------------ words

    def _spell(self, raw: str, shouted: bool) -> tuple[_Word, ...]:
        """The words of one token as found in the text ("10%" is "10" and "percent")."""
        if ":" in raw:
            return (self._finish(_Word(_time(raw), number=True)),)
        if raw[0].isdigit() or raw[0] in "-$€£¥":
            found = _number(raw)
            if found is not None:
                # As written where the digits alone would read oddly in a note: "$2.38bn", "10%".
                plain = raw.replace(",", "").isdigit()
                number = self._finish(_Word(found[0], "" if plain else raw, number=True, unit=found[1]))
                return (number, self._finish(_Word("percent"))) if raw.endswith("%") else (number,)
        tok = raw.replace(".", "") if "." in raw else raw  # U.S. -> US
        if tok.lower().endswith("'s"):
            tok = tok[:-2]
        if not tok:
            return ()
        return (self._finish(_Word(tok.lower(), tok, tok[0].isupper(), not shouted and len(tok) > 1 and tok.isupper())),)

    def _finish(self, w: _Word) -> _Word:
        """Fill in a word's stem and roles; an acronym is a name even when it spells a stop
        word ("US", "UN", "WHO")."""
        t = w.text
        w.negates = not w.number and (t in NEGATIONS or t.endswith("n't"))
        if w.number:
            w.stem, w.stop, w.content = t, False, True
        elif w.upper:
            w.stem, w.stop, w.content = t, False, True
        else:
            w.stop = t in self.plain_stop or len(t) < 2
            w.stem = t if w.stop else self.stem(t)
            w.content = not w.stop and t not in self.stop
        w.name = w.cased and w.content and not w.number and t not in _TITLES
        w.wordy = t in _NUMBER_WORDS or t == "cent"  # a number in words, a scale, "per cent"
        w.alias = t in _ALIAS_FIRST
        return w

    def _numbers_from_words(self, words: list[_Word]) -> list[_Word]:
        """"ten" -> "10", "twenty five" -> "25", "2.5 million" -> "2500000"."""
        out: list[_Word] = []
        i = 0
        while i < len(words):
            w = words[i]
            value: float | None = None
            if w.text == "per" and i + 1 < len(words) and words[i + 1].text == "cent":
                out.append(self._finish(_Word("percent")))  # "per cent" is "percent", as "%" is
                i += 2
                continue
            if w.text in _UNITS:
                value = _UNITS[w.text]
            elif w.text in _TENS:
                value = _TENS[w.text]
                if i + 1 < len(words) and words[i + 1].text in _UNITS and 0 < _UNITS[words[i + 1].text] < 10:
                    i += 1
                    value += _UNITS[words[i].text]
            elif w.number and ":" not in w.text:  # a clock time stays as it is
                value = float(w.text)
            if value is not None and (w.number or w.text not in _SCALES):
                scales = []
                while i + 1 < len(words) and words[i + 1].text in _SCALES:
                    i += 1
                    value *= _SCALES[words[i].text]
                    scales.append(words[i].shown or words[i].text)
                shown = " ".join([w.shown or w.text, *scales]) if scales else ""
                out.append(w if w.number and not scales else self._finish(_Word(_format_number(value), shown, number=True, unit=w.unit)))
            else:
                out.append(w)
            i += 1
        return out

    def _canonical_names(self, words: list[_Word]) -> list[_Word]:
        """Aliases of one name as one word: "United States", "U.S." and "US" are "usa"."""
        out: list[_Word] = []
        i = 0
        while i < len(words):
            for size in (4, 2, 1) if words[i].alias else ():
                span = words[i:i + size]
                key = tuple(w.text for w in span)
                if (len(key) == size and key in _ALIASES and all(w.cased for w in span)
                        and (key[0] not in _CASED_ONLY or span[0].upper)):
                    name = _ALIASES[key]
                    out.append(self._finish(_Word(name, " ".join(w.shown for w in span), True, True)))
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def _denied(self, text: str, shouted: bool, content: frozenset[str]) -> frozenset[str] | None:
        """What the negations of ``text`` deny: the content stems from each negation to the end
        of its clause ("none of them life-threatening": life-threatening); None if it negates
        nothing (an idiom, a condition's negation), all of ``content`` if a negation ends its clause."""
        known = self._words[shouted]
        denied: set[str] | None = None
        for scope in _NEGATION_SCOPE.findall(_CONDITION.sub(" ", text)):
            words = [w for raw in _TOKEN.findall(scope) for w in known.get(raw) or self._spell(raw, shouted)]
            if not words or _idiom([w.text for w in words], 0):
                continue
            denied = denied or set()
            denied.update(w.stem for w in words[1:] if w.content)
        if denied is None:
            return None
        return frozenset(denied) if denied else content

    # ------------------------------------------------------------------ sentences

    def _analyse(self, text: str) -> Analysis:
        if not text.isascii():
            text = unicodedata.normalize("NFKC", _FRACTION.sub(_decimal, text)).translate(_QUOTES)
        elif "`" in text:
            text = text.replace("`", "'")
        shouted = text.isupper()
        known = self._words[shouted]
        words: list[_Word] = []
        for raw in _TOKEN.findall(text):
            found = known.get(raw)
            if found is None:
                found = known[raw] = self._spell(raw, shouted)
            words.extend(found)
        if any(w.wordy for w in words):
            words = self._numbers_from_words(words)
        if any(w.alias for w in words):
            words = self._canonical_names(words)
        tokens = tuple([w.text for w in words])
        stems = tuple([w.stem for w in words])
        content = self._set([w.stem for w in words if w.content])
        numbers = self._set([w.text for w in words if w.number])
        names = self._set([w.text for k, w in enumerate(words) if w.name and (k > 0 or w.upper)])
        denied = self._denied(text, shouted, content) if any(w.negates for w in words) else None
        stopped = tuple([w.stop for w in words])
        shown: dict[str, str] = {}
        if names or numbers:
            for w in words:
                if w.shown and (w.text in names or w.number) and w.text not in shown:
                    shown[w.text] = w.shown
        return Analysis(
            tokens=tokens,
            norm=" ".join(tokens),
            stems=stems,
            stopped=stopped,
            content=content,
            numbers=numbers,
            quantities=self._quantities(words) if numbers else (),
            names=names,
            negated=denied is not None,
            denied=denied or frozenset(),
            weight=len(content) + len(numbers) + len(names),
            quotes=_quotations(text) if '"' in text else (),
            shown=shown or _NOTHING_SHOWN,
        )

    def _set(self, items: list[str]) -> frozenset[str]:
        """``frozenset(items)``, one object for the run per distinct set (most sentences name
        the names and state the numbers of others), copied from a set: a frozenset copied
        from a set gets a table sized for its items, not the one it grew into (472 bytes
        against 728 for five to seven stems, 1,240 against 2,264 from 17)."""
        if not items:
            return _NONE
        found = frozenset(set(items))
        return self._sets.setdefault(found, found)

    def _quantities(self, words: list[_Word]) -> tuple[Quantity, ...]:
        """``_quantities(words)``, each distinct quantity one object for the run."""
        known = self._known_quantities
        return tuple([known.setdefault(q, q) for q in _quantities(words)])


def _quantities(words: list[_Word]) -> tuple[Quantity, ...]:
    """Each number with what it counts: its currency or %, else the next content word ("93 votes")."""
    out: list[Quantity] = []
    for k, w in enumerate(words):
        if not w.number:
            continue
        unit = w.unit
        if unit is None and k + 1 < len(words):
            after = words[k + 1].text
            if after in _PERCENT:
                unit = "%"
            elif after in _CURRENCY:
                unit = _CURRENCY[after]
        if unit is None and k > 0 and words[k - 1].text in _CURRENCY:
            unit = _CURRENCY[words[k - 1].text]
        if unit is None:
            for j in range(k + 1, min(k + 3, len(words))):
                if words[j].number:
                    break
                if not words[j].stop:
                    unit = words[j].stem
                    break
        out.append(Quantity(w.text, unit or ""))
    return tuple(out)


# What may stand between the two figures of a tally or a range: "212-148", "213 to 148",
# "212 votes to 148", "6 against 3".
_TALLY_JOINS = frozenset({"to", "against", "vs", "versus"})


def tallies(a: Analysis) -> dict[str, set[str]]:
    """Each count stated as one side of a tally with the count on its other side.

    "212 votes to 148" and "213 to 148" count the same thing though no word follows 213:
    each side of a tally is what its partner is not, so one side told alike and the other
    differently is a disagreement, not a shared detail.
    """
    tokens = a.tokens
    # Counts as written in plain digits: never a year ("March 10, 2027, 14 people"), money,
    # a share, a decimal or a scale ("$10 million-$12 million", "$12-billion, 10-year plan").
    numbers = {v for v in a.numbers if v.isdigit() and v not in a.shown and not is_year(v)}
    out: dict[str, set[str]] = {}
    if len(numbers) < 2:  # a tally has two sides
        return out
    for k, token in enumerate(tokens):
        if token not in numbers:
            continue
        j = next((j for j in range(k + 1, min(k + 4, len(tokens))) if tokens[j] in a.numbers), None)
        if j is None or tokens[j] == token or tokens[j] not in numbers:
            continue
        between = tokens[k + 1:j]
        if not between or between[-1] in _TALLY_JOINS:
            out.setdefault(token, set()).add(tokens[j])
            out.setdefault(tokens[j], set()).add(token)
    return out


def is_figure(token: str) -> bool:
    """Whether a token of ``Analysis.tokens`` is written in digits ("14", "-5", "80s", "14:30")."""
    return token[0].isdigit() or token[0] == "-"


def is_specific(value: str) -> bool:
    """A figure rarely shared by chance: three digits or more, or a decimal."""
    try:
        number = float(value)
    except ValueError:  # a clock time
        return True
    return abs(number) >= 100 or number != int(number)


def is_year(value: str) -> bool:
    """A figure that reads as a year: a whole number from 1900 to 2100."""
    return len(value) == 4 and value.isdigit() and 1900 <= int(value) <= 2100


# Phrases with a negation word that negate nothing: "no less than five times".
_IDIOMS = (("no", "less", "than"), ("no", "more", "than"), ("no", "fewer", "than"), ("not", "only"), ("no", "doubt"))


def _idiom(tokens: Sequence[str], k: int) -> bool:
    return any(tuple(tokens[k:k + len(idiom)]) == idiom for idiom in _IDIOMS)


# A condition, up to the end of its clause: a negation inside it ("30 days to withdraw; if it
# does not, the Council will meet", "whether or not it rains") says what may happen, not that
# the statement is negative.
_CONDITION = re.compile(r"\b(?:if|unless|whether)\b[^,;:.!?()\u2013\u2014]*", re.IGNORECASE)
# A negation and the rest of its clause: what it denies.
_NEGATION_SCOPE = re.compile(
    rf"(?:\b(?:{'|'.join(sorted(w for w in NEGATIONS if w.isalpha()))})\b|\b\w+n't\b)[^,;:.!?()\u2013\u2014]*",
    re.IGNORECASE,
)


def opposed(a: Analysis, b: Analysis) -> bool:
    """Whether one sentence denies what the other says: only one is negated, and its negation
    denies a word the other says ("did not approve the budget" / "approved the budget");
    "seven treated for injuries, none of them life-threatening" denies nothing of "seven hurt"."""
    if a.negated == b.negated:
        return False
    denying, saying = (a, b) if a.negated else (b, a)
    return not denying.denied.isdisjoint(saying.content)


def analyse(text: str, language: str = "english") -> Analysis:
    """The analysis of one sentence (uncached; for tests and tools)."""
    return Analyser(language)(text)
