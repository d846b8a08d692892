"""Deduplication: one fact per statement, crediting every article that makes it, in any wording.

The day's sentences become facts in four steps, each linear in the day's size:

1. units: sentences with the same normalised text (``Analysis.norm``) are one unit;
2. near copies: MinHash bands over each unit's tokens find the units that are copies of
   one another with a few words changed (wire copy, light rewrites); each is verified
   against the most informative unit of its band only, so a thousand copies cost a
   thousand checks, and the copies collapse into groups;
3. statements: the groups' leading wordings are indexed by their rare content stems (a
   fixed document-frequency cut-off, so the index grows with the day, not its square);
   pairs sharing enough of them are verified by the scorer, which with an embedder reads
   the cosine of the two sentence vectors too, so paraphrases with little shared wording
   still meet;
4. facts: leader clustering (most informative first; each unit joins the best leader it
   matches directly, never by a chain A~B~C) with provenance rules.

A ``Scorer`` scores pairs 0-100; ``decide`` is the one merge rule all scorers share.
Pairs whose numbers or names disagree ("93 votes" vs "18 votes") never merge; they come
back as ``Conflict``. Provenance: a fact's ``sources`` carry the whole statement (every
number and name of the shown wording); an article whose sentence says only part of it
(a shorter sentence wholly inside the shown one, or a paraphrase lacking one of its
details) is ``partial`` and is never credited with the rest. Two different sentences of
one article never merge as the same statement (a shorter one inside the fact's wording
may join as "subsumed", which credits its article with nothing new).
"""
from __future__ import annotations

import functools
import gc
import math
from dataclasses import dataclass
from itertools import chain
from typing import Callable, Iterable, Mapping, Protocol, Sequence

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .analysis import Analyser, is_figure, is_year, opposed, tallies
from .config import Config
from .errors import ConfigError
from .matrix import distinct, incidence, sparse, term_matrix
from .models import Analysis, Conflict, Difference, Fact, Merge, Sentence

__all__ = [
    "Deduplication", "Match", "Scorer", "LogisticScorer", "SCORERS", "make_scorer",
    "near_duplicates", "near_copy_pairs", "candidate_pairs", "verify", "decide",
    "comparable", "conflicts", "carries", "rounded", "says_all", "representative", "subsumes", "pair_features", "partial_floor",
    "EXACT", "NEAR_DUPLICATE", "PARAPHRASE", "SUBSUMED",
]

EXACT = "exact"
NEAR_DUPLICATE = "near-duplicate"
PARAPHRASE = "paraphrase"
SUBSUMED = "subsumed"

# A pair is looked at only if the shorter side has this share of its content stems in the
# other one. The verifier applies the same gate, so an exhaustive all-pairs run with the
# gate is exactly "every pair the verifier could accept".
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
# A stem in more of the day's leading wordings than this is not indexed (it is counted
# when a pair is checked): fixed, so candidates grow with the day's size, never its square.
# On the Multi-News day, the candidates find every pair the verifier accepts among all
# pairs at 512 (0.96 at 256, 0.89 at 128; benchmarks/dedup_scale.py).
MAX_DF = 512
# MinHash bands x rows for near copies: a unit pair with 85% of its tokens in common
# shares a band with probability 0.9995, one with 30% with probability 0.2.
BANDS, ROWS = 8, 3
# Pairs verified at a time: their features' token and trigram rows are the dedup stage's
# largest arrays (586,861 near-copy pairs at once added 0.8 GB to a 16,000-article day).
VERIFY_CHUNK = 1 << 16


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Match:
    """What the merge rule says about two sentences.

    ``score`` is the scorer's 0-100; ``rule`` is "exact", "near-duplicate", "paraphrase"
    or "subsumed" when the pair may merge, else None; "subsumed" means the one with fewer
    content words is wholly contained in the other. ``conflicts`` lists disagreeing
    numbers or names: a pair with any never merges.
    """

    score: float
    rule: str | None
    conflicts: tuple[Difference, ...] = ()


@dataclass(frozen=True)
class Deduplication:
    """The dedup stage's result: facts in reading order, and why sentences were merged."""

    facts: tuple[Fact, ...]  # ordered by the representative's (article, position)
    merges: tuple[Merge, ...]  # ordered by the dropped sentence's (article, position)
    conflicts: tuple[Conflict, ...]  # ordered by (a, b) (article, position)


# --------------------------------------------------------------------------- the merge rule


def comparable(a: Analysis, b: Analysis) -> bool:
    """The verifier's gate, also applied by candidate generation: enough content in common."""
    sizes = len(a.content), len(b.content)
    return bool(_gate(len(a.content & b.content), min(sizes), max(sizes)))


def _gate(inter, small, large):
    """``comparable`` on counts (the smaller and larger content size); works element-wise on numpy arrays too."""
    return (inter >= MIN_SHARED) & (inter >= MIN_OVERLAP * small) & (large <= MAX_LENGTH_RATIO * small)


def subsumes(large: Analysis, small: Analysis, wording: float | None = None) -> bool:
    """Whether ``small`` is wholly contained in ``large``, which says more (``wording``: their
    partial_ratio, if already known)."""
    if len(small.content) < MIN_SUBSUMED_WORDS or not small.content < large.content:
        return False
    if wording is None:
        wording = fuzz.partial_ratio(small.norm, large.norm)
    return wording >= MIN_SUBSUMED_WORDING


def decide(
    a: Analysis, b: Analysis, score: float, threshold: float, rule: str = NEAR_DUPLICATE, wording: float | None = None,
) -> Match:
    """The merge rule shared by all scorers, given their 0-100 ``score``.

    Exact text merges; a pair failing the gate (``comparable``) never does, nor one where
    one denies what the other says (``opposed``: "approved" / "did not approve", "is under video
    surveillance" / "does not have surveillance cameras"; a negation reworded is rarely worth that risk); a
    sentence whose content stems are all in the other, which has more, is "subsumed";
    otherwise the score decides
    (``rule`` names how the pair was found). Conflicting numbers or names veto any merge,
    and are reported for pairs that would otherwise merge.
    """
    if a.norm == b.norm:
        return Match(100.0, EXACT)
    if not comparable(a, b) or opposed(a, b):
        return Match(score, None)
    small, large = (a, b) if len(a.content) <= len(b.content) else (b, a)
    if subsumes(large, small, wording):
        found_rule = SUBSUMED
    elif score >= threshold:
        found_rule = rule
    else:
        return Match(score, None)
    found = conflicts(a, b)
    return Match(score, None, found) if found else Match(score, found_rule)


def conflicts(a: Analysis, b: Analysis) -> tuple[Difference, ...]:
    """Numbers or names that one sentence states and the other contradicts.

    Numbers conflict when each side has a number the other lacks ("93 vs 18"), a rounded
    figure agreeing with the precise one (1.2 and 1.23); where the numbers count the same
    thing (the same unit: "16 votes" / "18 votes") just those pairs are named, and a
    figure only one side gives ("62 million crowns") is detail, not disagreement. Names
    conflict only when one replaces the other in the aligned wording ("Obama won" vs
    "Romney won"): a name merely added on one side is extra detail, and spelling variants
    (Labor/Labour) agree.
    """
    out: list[Difference] = []
    only_a = [n for n in sorted(a.numbers - b.numbers, key=_numkey) if not _rounds_to_any(n, b.numbers)]
    only_b = [n for n in sorted(b.numbers - a.numbers, key=_numkey) if not _rounds_to_any(n, a.numbers)]
    if only_a and only_b:
        units_a, units_b = _units(a), _units(b)
        # One figure contradicts one other at most, smallest with smallest ("53% versus 48%" /
        # "72% versus 63%" is two differences, not four).
        aligned, used = [], set()
        for x in only_a:
            y = next((y for y in only_b if y not in used and units_a[x] & units_b[y]), None)
            if y is not None:
                used.add(y)
                aligned.append((x, y))
        if aligned:
            out.extend(Difference("number", (a.shown.get(x, x),), (b.shown.get(y, y),)) for x, y in aligned)
        else:
            # Figures that may count one thing: never money against a share or a clock time.
            signs_a, signs_b = _signs(a), _signs(b)
            left = [x for x in only_a if any(signs_a.get(x) == signs_b.get(y) for y in only_b)]
            right = [y for y in only_b if any(signs_a.get(x) == signs_b.get(y) for x in only_a)]
            if left and right:
                out.append(Difference("number", tuple(a.shown.get(x, x) for x in left), tuple(b.shown.get(y, y) for y in right)))
    if a.names - b.names and b.names - a.names:
        ta, tb = a.tokens, b.tokens
        said_a, said_b = _attribution(ta), _attribution(tb)
        # The token-level edit script (rapidfuzz, in C): difflib's took a tenth of a big day's dedup.
        for op, i1, i2, j1, j2 in Levenshtein.opcodes(ta, tb):
            if op != "replace" or i2 - i1 > _MAX_SWAP or j2 - j1 > _MAX_SWAP:
                continue
            if i1 >= said_a and j1 >= said_b:
                continue  # who each outlet cites ("according to TBN calculations"), not what is said
            left = [t for t in ta[i1:i2] if t in a.names and t not in b.names]
            right = [t for t in tb[j1:j2] if t in b.names and t not in a.names]
            if left and right and not _same_name(ta[i1:i2], tb[j1:j2]):
                out.append(Difference(
                    "name", (" ".join(a.shown.get(t, t) for t in left),), (" ".join(b.shown.get(t, t) for t in right),),
                ))
    return tuple(out)


_MAX_SWAP = 3  # a name replacing another spans at most this many tokens on each side


def _attribution(tokens: Sequence[str]) -> int:
    """Where a closing attribution starts ("..., according to Compact officials"), else the end.
    Only in the second half: "According to police, Smith won" opens on who says it, then what."""
    for k in range(len(tokens) - 2, len(tokens) // 2 - 1, -1):
        if tokens[k] == "according" and tokens[k + 1] == "to":
            return k
    return len(tokens)


def _units(a: Analysis) -> dict[str, set[str]]:
    """What each number counts: its unit, and the words beside it (a unit may come first: "votes: 93")."""
    units: dict[str, set[str]] = {}
    tokens = a.tokens
    for k, t in enumerate(tokens):
        if t in a.numbers:
            units.setdefault(t, set()).update(
                w for w in tokens[max(0, k - 1):k] + tokens[k + 1:k + 2] if not is_figure(w) and w not in _UNIT_FILLER
            )
    for q in a.quantities:
        if q.unit:
            units.setdefault(q.value, set()).add(q.unit)
    for value, others in tallies(a).items():  # "213 to 148" / "212-148": 213 and 212 count one thing
        units.setdefault(value, set()).update("~" + other for other in others)
    return units


def _signs(a: Analysis) -> dict[str, str]:
    """Each figure's kind: "$" / "€" / "%" for money and shares, ":" for a clock time, else ""."""
    out = {q.value: q.unit if q.unit and not q.unit.isalpha() else "" for q in a.quantities}
    return {v: ":" if ":" in v else kind for v, kind in out.items()}


_UNIT_FILLER = frozenset("a an the of and or to in on at by for with from about than".split())


def carries(statement: Analysis, other: Analysis) -> bool:
    """Whether ``other`` states every number and name of ``statement``."""
    return _stated(statement.numbers, statement.names, other) == len(statement.numbers) + len(statement.names)


def _stated(numbers: Iterable[str], names: Iterable[str], other: Analysis) -> int:
    """How many of ``numbers`` (itself or rounded) and ``names`` ``other`` states."""
    words = set(other.tokens)
    return sum(n in other.numbers or _rounds_to_any(n, other.numbers) for n in numbers) + sum(
        name in words or name in other.names for name in names
    )


# A full source leaves less than this share of the statement's content words unsaid (never a number
# or name), in words of its own: "aboard the vessel" / "the vessel's expedition".
MAX_UNSAID = 0.2
# ... and less than this share, in words of its own, where both state the same figures and
# names: "Minister Edda Varga promised that diggers would be on site by next spring" /
# "Edda Varga, the transport minister, said work would begin next spring".
MAX_UNSAID_NAMED = 0.5
# Two words are one in meaning from this cosine of their vectors ("homes" / "houses",
# "killed" / "dead"); antonyms ("rose" / "fell") and mere neighbours ("buried" / "destroyed")
# score far lower.
SAME_WORD = 0.6


def says_all(statement: Analysis, other: Analysis, analyser: "Analyser | None" = None) -> bool:
    """Whether ``other`` says the whole of ``statement``, so that its article is a full source.

    It must state every number and name of it (``carries``) and leave less than
    ``MAX_UNSAID`` of its content words unsaid (the same stem, or with the analyser's
    vectors a word of the same meaning). Where the two state the same figures and names
    both ways (who and how many are pinned down), up to ``MAX_UNSAID_NAMED`` may be worded
    apart, each word past ``MAX_UNSAID`` matched by a word of ``other``'s own: worded apart,
    not left out. A clause ``other`` never wrote (``CLAUSE_WORDS`` unsaid content words in
    a row: "after a debate that ran past midnight", "the bridge would stay shut until we are
    certain it is safe") is left out, so it is not credited to it; nor is "... is paying for
    the additional protection" to an outlet naming the same association for something else.
    """
    if not carries(statement, other):
        return False
    unsaid = statement.content - other.content
    allowed = MAX_UNSAID * len(statement.content)
    if (statement.names or statement.numbers) and carries(other, statement):
        named = min(MAX_UNSAID_NAMED * len(statement.content), allowed + len(other.content - statement.content))
    else:
        named = allowed

    def enough(unsaid: set[str]) -> bool:
        if _quotation_left_out(statement, unsaid):
            return False
        return len(unsaid) < allowed or (len(unsaid) < named and not _clause_left_out(statement, unsaid))

    if enough(unsaid):
        return True
    if analyser is None or analyser.embedder is None:
        return False
    theirs = [t for t, s in zip(other.tokens, other.stems) if s in other.content and not is_figure(t)]
    ours = [(t, s) for t, s in zip(statement.tokens, statement.stems) if s in unsaid]
    if not theirs or not ours:
        return False
    vectors = analyser.vectors([t for t, _ in ours] + theirs)
    similar = (vectors[:len(ours)] @ vectors[len(ours):].T).max(axis=1) >= SAME_WORD
    return enough(unsaid - {s for (_, s), same in zip(ours, similar) if same})


def _quotation_left_out(statement: Analysis, unsaid: set[str]) -> bool:
    """Whether most content words of ``statement``'s quotations are unsaid: what a quotation
    says is its words, so an outlet that names the speaker and not the words ("Jeff Bock, an
    analyst, agrees") has not said it."""
    if not statement.quotes:
        return False
    words = {w for quote in statement.quotes for w in quote.split()}
    quoted = {s for t, s in zip(statement.tokens, statement.stems) if t in words} & statement.content
    return 2 * len(quoted & unsaid) > len(quoted)


# Unsaid content words in a row that make a clause of their own: "promised that diggers would
# be on site" is worded apart (three), "would stay shut until we are certain it is safe" is not.
CLAUSE_WORDS = 4


def _clause_left_out(statement: Analysis, unsaid: set[str]) -> bool:
    """Whether ``CLAUSE_WORDS`` of ``statement``'s content words in a row are ``unsaid``."""
    run = 0
    for stem in statement.stems:
        if stem not in statement.content:
            continue
        run = run + 1 if stem in unsaid else 0
        if run >= CLAUSE_WORDS:
            return True
    return False


def representative(
    candidates: Sequence[int], info: Sequence[Analysis], articles: Sequence[frozenset[int]], analyser: "Analyser | None" = None,
) -> tuple[int, set[int]]:
    """Of a fact's wordings, the one stating the most of the figures and names that two or
    more articles give, then the one the most articles say in full (``says_all``), then the
    most informative; with the articles that say it in full.

    A detail two outlets agree on is what a reader looks for ("received nine years", not
    "received prison terms"), so it is never traded for credits; beyond that, showing the
    wording outlets share credits each of them, and an outlet's extra detail is its own
    angle, its article a partial source. The most informative wording of each set of
    numbers and names stands for its copies, so a thousand copies cost a few checks.
    """
    best_of: dict[tuple, int] = {}
    told: tuple[dict[str, set[int]], dict[str, set[int]]] = ({}, {})  # number / name -> the articles giving it
    for u in candidates:
        key = (info[u].numbers, info[u].names)
        if key not in best_of or (-info[u].weight, u) < (-info[best_of[key]].weight, best_of[key]):
            best_of[key] = u
        for said, figures in zip(told, key):
            for figure in figures:
                said.setdefault(figure, set()).update(articles[u])
    numbers, names = ([f for f, by in said.items() if len(by) > 1] for said in told)
    best: tuple | None = None
    for u in best_of.values():
        detail = _stated(numbers, names, info[u])
        carriers = set().union(*(articles[m] for m in candidates if m == u or says_all(info[u], info[m], analyser)))
        key = (-detail, -len(carriers), -info[u].weight, u)
        if best is None or key < best[0]:
            best = (key, u, carriers)
    return best[1], best[2]


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
    if ":" in number:
        return False
    for other in others:
        if ":" in other:
            continue
        short, long = sorted((number, other), key=lambda n: len(n.partition(".")[2]))
        digits = len(short.partition(".")[2])
        if digits < len(long.partition(".")[2]) and _format(round(float(long), digits)) == short:
            return True
    return False


def rounded(a: str, b: str) -> bool:
    """Whole numbers, one the other rounded to its own significant digits: at least two, and
    at least two zeros after them: $973,000 ~ $972,814, 4.5 billion ~ 4.54 billion (one
    digit is another figure as often as a rounding, 50 / 47; 210 / 212 are two counts,
    2010 / 2012 two years)."""
    if not (a.isdigit() and b.isdigit()):  # a decimal, a clock time
        return False
    short, long = sorted((a, b), key=lambda n: len(n.rstrip("0")))
    significant = len(short.rstrip("0"))
    if (significant < 2 or len(short) - significant < 2 or significant >= len(long.rstrip("0"))
            or len(short) != len(long) or is_year(a) or is_year(b)):
        return False
    return round(int(long), significant - len(long)) == int(short)


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.6f}".rstrip("0").rstrip(".")


def _numkey(n: str) -> tuple[float, str]:
    try:
        return (float(n), n)
    except ValueError:
        return (math.inf, n)


# --------------------------------------------------------------------------- scorers

FEATURES = (
    "word_dice",  # shared distinct tokens (numbers as digits), Dice
    "trigram_dice",  # shared token trigrams, Dice: same wording, not just same words
    "ratio",  # rapidfuzz ratio of the normalised texts
    "partial_ratio",  # rapidfuzz partial_ratio: one wording inside the other
    "numbers_equal",  # 1 when both state the same numbers (or none)
    "unmatched",  # content stems of the closer side missing from the other, /10, capped at 1
    "content_jaccard",  # content-word stems, Jaccard
)
MEANING_FEATURES = FEATURES + (
    "cosine",  # cosine of the two sentence vectors (digest.embed)
    "length_gap",  # difference in token count, /10, capped at 1: a paraphrase rarely adds a clause
)
_RATIO = FEATURES.index("ratio")
_PARTIAL = FEATURES.index("partial_ratio")
_UNMATCHED = FEATURES.index("unmatched")
_JACCARD = FEATURES.index("content_jaccard")


def pair_features(
    xs: Sequence[Analysis], ys: Sequence[Analysis], cosines: np.ndarray | None = None, partial: bool = True,
) -> np.ndarray:
    """The features of the pairs (xs[k], ys[k]), one row each (``FEATURES``, then with
    ``cosines`` the two of ``MEANING_FEATURES``), computed on whole columns; each is 0-1
    and symmetric. ``partial=False`` leaves partial_ratio, the costly one, at 0."""
    counts = np.array(
        [(len(a.content & b.content), len(a.content), len(b.content), a.numbers == b.numbers,
          len(a.tokens), len(b.tokens)) for a, b in zip(xs, ys)],
        dtype=np.int64,
    ).reshape(-1, 6)
    inter, size_a, size_b = counts[:, 0:3].T
    # Token and token-trigram sets as sparse rows of each distinct wording: sets of tuples
    # built per sentence cost more than every pair's intersections.
    row: dict[str, int] = {}
    norms_a, norms_b = [a.norm for a in xs], [b.norm for b in ys]
    rows_a = np.array([row.setdefault(t, len(row)) for t in norms_a], dtype=np.int64)
    rows_b = np.array([row.setdefault(t, len(row)) for t in norms_b], dtype=np.int64)
    words, trigrams = _token_sets(list(row))
    union = size_a + size_b - inter
    width = len(FEATURES) + (0 if cosines is None else 2)
    out = np.zeros((len(counts), width))
    out[:, 0] = _dice(*_shared(words, rows_a, rows_b))
    out[:, 1] = _dice(*_shared(trigrams, rows_a, rows_b))
    out[:, _RATIO] = process.cpdist(norms_a, norms_b, scorer=fuzz.ratio, dtype=np.float64, workers=-1) / 100
    if partial:
        out[:, _PARTIAL] = process.cpdist(norms_a, norms_b, scorer=fuzz.partial_ratio, dtype=np.float64, workers=-1) / 100
    out[:, 4] = counts[:, 3]
    out[:, _UNMATCHED] = np.minimum(np.minimum(size_a - inter, size_b - inter), 10) / 10
    out[:, _JACCARD] = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
    if cosines is not None:
        out[:, len(FEATURES)] = cosines
        out[:, len(FEATURES) + 1] = np.minimum(np.abs(counts[:, 4] - counts[:, 5]), 10) / 10
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
    return incidence(owner, flat, len(norms)), incidence(owner[starts], trigram.ravel(), len(norms))


def _shared(sets: sparse.csr_matrix, rows_a: np.ndarray, rows_b: np.ndarray) -> tuple[np.ndarray, ...]:
    """(intersection, size of a, size of b) of the sets in the given rows."""
    sizes = np.diff(sets.indptr)
    inter = np.asarray(sets[rows_a].multiply(sets[rows_b]).sum(axis=1)).ravel()
    return np.rint(inter).astype(np.int64), sizes[rows_a], sizes[rows_b]


def _dice(inter: np.ndarray, size_x: np.ndarray, size_y: np.ndarray) -> np.ndarray:
    """Dice from the intersection's and the sets' sizes; 1 for two empty sets."""
    total = size_x + size_y
    return np.where(total > 0, 2 * inter / np.maximum(total, 1), 1.0)


class Scorer(Protocol):
    """Scores candidate pairs 0-100; two sentences may merge from ``threshold``.

    ``uses_vectors``: the scorer reads the cosine of the pair's sentence vectors (the run
    then embeds the sentences it verifies). ``partial`` holds the pairs' partial_ratio / 100
    where the caller has measured it already (NaN elsewhere), for a scorer that reads it.
    ``scores`` may return, for a pair that cannot reach ``threshold``, an upper bound
    rather than the exact score.
    """

    name: str
    threshold: float
    uses_vectors: bool

    def scores(
        self, xs: Sequence[Analysis], ys: Sequence[Analysis], cosines: np.ndarray | None, partial: np.ndarray,
    ) -> np.ndarray: ...


@dataclass(frozen=True)
class LogisticScorer:
    """A logistic regression over ``pair_features`` (fit on MSRP train), as 0-100.

    partial_ratio costs more than the other features together: the score with its term at
    its most (1, or ``partial_floor`` for a negative weight) bounds the pair's score from
    above, so it is computed only where that bound does not already rule a merge out, or
    where the pair may be "subsumed" (no content stem of one side missing in the other).
    """

    name: str
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    uses_vectors: bool = False

    def scores(
        self, xs: Sequence[Analysis], ys: Sequence[Analysis], cosines: np.ndarray | None = None,
        partial: np.ndarray | None = None,
    ) -> np.ndarray:
        if not len(xs):
            return np.zeros(0)
        rows = pair_features(xs, ys, cosines if self.uses_vectors else None, partial=False)
        coef = np.array(self.coef)
        weight = coef[_PARTIAL]
        if weight >= 0:
            most = np.full(len(rows), weight)
        else:
            most = weight * partial_floor([x.norm for x in xs], [y.norm for y in ys], rows[:, _RATIO])
        z = self.intercept + most + rows @ coef
        bound = _sigmoid(z)
        inside = (rows[:, _UNMATCHED] == 0) & (rows[:, _JACCARD] < 1)
        # The slack covers the rounding of this arithmetic against the exact score's.
        todo = np.flatnonzero((bound >= self.threshold - 1e-6) | inside)
        if len(todo):
            known = np.full(len(rows), np.nan) if partial is None else partial
            missing = todo[np.isnan(known[todo])]
            rows[todo, _PARTIAL] = known[todo]
            rows[missing, _PARTIAL] = process.cpdist(
                [xs[k].norm for k in missing], [ys[k].norm for k in missing], scorer=fuzz.partial_ratio,
                dtype=np.float64, workers=-1,
            ) / 100
            bound[todo] = _sigmoid(self.intercept + rows[todo] @ coef)
        return bound


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 100.0 / (1.0 + np.exp(-z))


# Logistic regressions over ``pair_features``, fit on MSRP train (../shared/eval/msrp/
# train.tsv, 4,076 pairs) with scikit-learn's LogisticRegression (L2, lbfgs, C chosen by
# 5-fold cross-validation on train); ``python benchmarks/dedup_msrp.py --refit`` refits
# and prints them. The meaning scorers' intercepts are shifted so that their best train
# threshold is the fuzzy one, so one ``Config.dedup_threshold`` fits all.
FUZZY_COEF = (5.593, -2.288, 8.551, -6.057, 0.422, -0.637, 1.863)
FUZZY_INTERCEPT = -4.522
# With the cosine of all-MiniLM-L6-v2 embeddings and the length gap (C=10).
MINILM_COEF = (5.011, -1.758, 8.372, -6.048, 0.444, -1.439, 0.011, 3.493, -1.603)
MINILM_INTERCEPT = -5.064
# With the cosine of wordllama's static embeddings and the length gap (C=10).
WORDLLAMA_COEF = (6.216, -2.156, 8.557, -5.898, 0.444, -1.531, -0.032, 1.674, -1.562)
WORDLLAMA_INTERCEPT = -4.585
MEANING_COEF: Mapping[str, tuple[tuple[float, ...], float]] = {
    "wordllama": (WORDLLAMA_COEF, WORDLLAMA_INTERCEPT),
    "minilm": (MINILM_COEF, MINILM_INTERCEPT),
}


def fuzzy_scorer(config: Config) -> LogisticScorer:
    return LogisticScorer("fuzzy", FUZZY_COEF, FUZZY_INTERCEPT, config.dedup_threshold)


def meaning_scorer(config: Config) -> LogisticScorer:
    """Fuzzy features plus the cosine of the configured embedder's vectors (fuzzy without one)."""
    if config.embedding == "none" or config.embedding not in MEANING_COEF:
        return fuzzy_scorer(config)
    coef, intercept = MEANING_COEF[config.embedding]
    return LogisticScorer(f"semantic/{config.embedding}", coef, intercept, config.dedup_threshold, uses_vectors=True)


SCORERS: Mapping[str, Callable[[Config], Scorer]] = {
    "fuzzy": fuzzy_scorer,
    "semantic": meaning_scorer,
}


def make_scorer(config: Config) -> Scorer:
    """The scorer named by ``config.dedup_mode``.

    Raises:
        ConfigError: an unknown mode.
    """
    try:
        factory = SCORERS[config.dedup_mode]
    except KeyError:
        raise ConfigError(f"unknown dedup mode {config.dedup_mode!r}; choose from {', '.join(sorted(SCORERS))}") from None
    return factory(config)


def verify(
    xs: Sequence[Analysis], ys: Sequence[Analysis], scorer: Scorer, cosines: np.ndarray | None = None,
    rule: str = NEAR_DUPLICATE,
) -> list[Match | None]:
    """The merge rule for each pair (xs[k], ys[k]), or None where the Match would have
    neither a rule nor conflicts (nothing to merge or report). ``cosines`` of the pairs'
    sentence vectors are needed by a scorer that ``uses_vectors``; ``rule`` names how the
    pairs were found ("near-duplicate" or "paraphrase")."""
    if not len(xs):
        return []
    if scorer.uses_vectors and cosines is None:
        raise ConfigError(f"the {scorer.name} dedup scorer needs sentence vectors: set an embedding")
    if len(xs) > VERIFY_CHUNK:  # each pair's verdict is its own: in chunks, memory stays bounded
        return [m for start in range(0, len(xs), VERIFY_CHUNK) for m in verify(
            xs[start:start + VERIFY_CHUNK], ys[start:start + VERIFY_CHUNK], scorer,
            None if cosines is None else cosines[start:start + VERIFY_CHUNK], rule)]
    # One side's content stems all in the other's: its wording is looked for in the other
    # (partial_ratio, symmetric), for all such pairs at once, and the scorer reuses it.
    inside = [k for k, (x, y) in enumerate(zip(xs, ys))
              if x.norm != y.norm and (x.content < y.content or y.content < x.content)]
    wording = process.cpdist(
        [xs[k].norm for k in inside], [ys[k].norm for k in inside], scorer=fuzz.partial_ratio, dtype=np.float64, workers=-1,
    ) if inside else np.zeros(0)
    wordings = dict(zip(inside, wording.tolist()))
    partial = np.full(len(xs), np.nan)
    partial[inside] = wording / 100
    scores = scorer.scores(xs, ys, cosines, partial)
    out: list[Match | None] = [None] * len(xs)
    for k, (x, y) in enumerate(zip(xs, ys)):
        score = float(scores[k])
        if score < scorer.threshold - 1e-6 and x.norm != y.norm and k not in wordings:
            continue  # neither merged nor reported, whatever decide() would say
        match = decide(x, y, score, scorer.threshold, rule, wordings.get(k))
        if match.rule is not None or match.conflicts:
            out[k] = match
    return out


def _verify_units(pairs: np.ndarray, info: Sequence[Analysis], scorer: Scorer, vectors: np.ndarray | None, rule: str):
    cosines = None
    if vectors is not None and len(pairs):
        cosines = np.einsum("ij,ij->i", vectors[pairs[:, 0]], vectors[pairs[:, 1]])
    return verify([info[i] for i in pairs[:, 0]], [info[j] for j in pairs[:, 1]], scorer, cosines, rule)


# --------------------------------------------------------------------------- candidates


def content_matrix(contents: Sequence[frozenset[str]]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Binary sentence x stem matrix (sorted indices) and each stem's document frequency."""
    matrix, vocabulary = term_matrix(contents, binary=True)
    return matrix, np.bincount(matrix.indices, minlength=len(vocabulary))


def candidate_pairs(
    contents: Sequence[frozenset[str]],
    *,
    max_df: int = MAX_DF,
    groups: Sequence[int] | None = None,
    exhaustive: bool = False,
    chunk: int = 512,
) -> np.ndarray:
    """Pairs (i < j) worth verifying, as an (n, 2) array sorted by (i, j).

    A pair is a candidate when the two share a stem found in at most ``max_df`` of the
    wordings and pass the verifier's gate (``comparable``: enough stems in common, lengths
    within a factor). A stem in d wordings makes d^2 pairs, and d <= ``max_df``, so the
    work is at most ``max_df`` times the day's stems. Pairs within one of ``groups``
    (article ids) are left out: sentences of one article never merge as the same
    statement. ``exhaustive=True`` indexes every stem: all pairs that pass the gate.
    ``chunk`` rows are multiplied at a time: their products are the dedup stage's largest
    arrays (2,048 rows took 0.3 GB on a day of 4,000 articles; 512 as fast, a quarter of it).
    """
    n = len(contents)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    full, df = content_matrix(contents)
    group_of = None if groups is None else np.asarray(groups)
    sizes = np.diff(full.indptr)
    rare = np.ones(len(df), dtype=bool) if exhaustive else df <= max_df
    index = full[:, np.flatnonzero(rare)]
    frequent = None if rare.all() else full[:, np.flatnonzero(~rare)].tocsr()
    common = sizes - np.diff(index.indptr)  # each sentence's frequent stems
    index_t = index.T.tocsr()
    found: list[np.ndarray] = []
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        # Only columns from ``start`` on: pairs (i < j) are in the upper triangle.
        shared = (index[start:stop] @ index_t[:, start:]).tocoo()
        local_rows, local_cols, inter = shared.row, shared.col, shared.data
        keep = np.flatnonzero(local_cols > local_rows)
        rows, cols, inter = local_rows[keep] + start, local_cols[keep] + start, inter[keep].astype(np.int64)
        small, large = np.minimum(sizes[rows], sizes[cols]), np.maximum(sizes[rows], sizes[cols])
        # The gate as if they shared all the frequent stems they could.
        ok = _gate(inter + np.minimum(common[rows], common[cols]), small, large)
        if group_of is not None:
            ok &= group_of[rows] != group_of[cols]
        rows, cols, inter, small, large = rows[ok], cols[ok], inter[ok], small[ok], large[ok]
        if frequent is not None and len(rows):  # the frequent stems they share, counted per pair
            inter = inter + np.rint(np.asarray(frequent[rows].multiply(frequent[cols]).sum(axis=1)).ravel()).astype(np.int64)
        ok = _gate(inter, small, large)
        found.append(np.stack([rows[ok], cols[ok]], axis=1))
    pairs = np.concatenate(found).astype(np.int64)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


_HASH_SEED = 0x5EED


def near_copy_pairs(
    tokens: Sequence[Sequence[str]], rank: np.ndarray, bands: int = BANDS, rows: int = ROWS,
) -> np.ndarray:
    """(leader, other) pairs of units that may be near copies, as an (n, 2) array of distinct pairs.

    Each unit's token set gets ``bands * rows`` MinHash values; units with the same values
    in one band share a bucket, and each is paired with its bucket's leader only (the unit
    with the lowest ``rank``): verifying copies against one representative keeps the work
    linear however many copies a sentence has.
    """
    n = len(tokens)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    vocab: dict[str, int] = {}
    ids = [sorted({vocab.setdefault(t, len(vocab)) for t in toks}) for toks in tokens]
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    flat = np.fromiter(chain.from_iterable(ids), dtype=np.uint64, count=int(lengths.sum()))
    has = lengths > 0
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[has]
    rng = np.random.default_rng(_HASH_SEED)
    k = bands * rows
    multipliers = rng.integers(1, 2**63, size=k, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    offsets = rng.integers(0, 2**63, size=k, dtype=np.uint64)
    signature = np.zeros((n, k), dtype=np.uint64)
    # Multiply-shift hashing of token ids, two columns at a time and in place to bound memory.
    for c in range(0, k, 2):
        block = flat[:, None] * multipliers[None, c:c + 2]
        block += offsets[None, c:c + 2]
        signature[has, c:c + 2] = np.minimum.reduceat(block, starts, axis=0) if len(flat) else 0
    found: list[np.ndarray] = []
    units = np.flatnonzero(has)
    mix = np.array([1, 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F], dtype=np.uint64)[:rows]
    for b in range(bands):
        band = signature[units, b * rows:(b + 1) * rows]
        key = np.bitwise_xor.reduce(band * mix[None, :], axis=1)
        order = np.lexsort((rank[units], key))
        sorted_key = key[order]
        first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
        head = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
        members = np.flatnonzero(~first)
        found.append(np.stack([units[order[head[members]]], units[order[members]]], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    found_all = np.concatenate(found)
    codes = distinct(found_all[:, 0] * n + found_all[:, 1])  # (i, j) as one number: pairs in (i, j) order
    return np.stack([codes // n, codes % n], axis=1).astype(np.int64)


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


_PRIORITY = {EXACT: 0, NEAR_DUPLICATE: 1, PARAPHRASE: 2, SUBSUMED: 3}


class _Clusters:
    """Leader clustering's result: each item's leader, and each leader's members with their match."""

    def __init__(self, n: int) -> None:
        self.leader_of = list(range(n))
        self.members: dict[int, list[tuple[int, Match]]] = {}


def _neighbours(n: int, pairs: np.ndarray, matches: Sequence[Match | None]) -> list[list[tuple[int, Match]]]:
    out: list[list[tuple[int, Match]]] = [[] for _ in range(n)]
    for (i, j), m in zip(pairs.tolist(), matches):
        if m is not None and m.rule is not None:
            out[i].append((j, m))
            out[j].append((i, m))
    return out


class _Facts:
    """What a growing fact holds, for ``may_join``: its articles and its members' details."""

    def __init__(self, info: Sequence[Analysis], articles: Sequence[frozenset[int]]) -> None:
        self.info, self.articles = info, articles
        self.held: dict[int, set[int]] = {}
        self.details: dict[int, dict[tuple, int]] = {}  # leader -> {(numbers, names): a member with them}

    def start(self, i: int) -> None:
        self.held[i] = set(self.articles[i])
        self.details[i] = {(self.info[i].numbers, self.info[i].names): i}

    def may_join(self, i: int, lead: int, rule: str) -> bool:
        """Whether unit ``i`` may join the fact led by ``lead`` by ``rule``.

        Two different sentences of one article are never the same statement (exact repeats
        are one unit already); a shorter sentence wholly inside the fact's wording may join
        as "subsumed" even so. No member may conflict with ``i``: one member per distinct
        set of numbers and names is checked, so a thousand copies cost one check.
        """
        if rule != SUBSUMED and self.articles[i] & self.held[lead]:
            return False
        own = self.info[i]
        return not any(
            conflicts(own, self.info[k]) for (numbers, names), k in self.details[lead].items()
            if (numbers, names) != (own.numbers, own.names)
        )

    def join(self, i: int, lead: int) -> None:
        self.held[lead] |= self.articles[i]
        self.details[lead].setdefault((self.info[i].numbers, self.info[i].names), i)


def _cluster(order: Sequence[int], neighbours, facts: "_Facts", clusters: _Clusters) -> None:
    """Leader clustering: in ``order``, each item joins the best earlier leader it matches
    directly (by rule, then score, then the leader's rank) if ``facts.may_join`` allows it,
    so a fact never chains A~B~C into A~C."""
    rank = {i: r for r, i in enumerate(order)}
    for i in order:
        best = None
        for j, m in neighbours[i]:
            if j not in clusters.members:
                continue
            key = (_PRIORITY[m.rule], -m.score, rank[j])
            if (best is None or key < best[0]) and facts.may_join(i, j, m.rule):
                best = (key, j, m)
        if best is None:
            clusters.members[i] = []
            facts.start(i)
        else:
            _, j, m = best
            clusters.members[j].append((i, m))
            clusters.leader_of[i] = j
            facts.join(i, j)


# --------------------------------------------------------------------------- the stage


@_collector_paused
def near_duplicates(
    sentences: Sequence[Sentence],
    config: Config,
    scorer: Scorer | None = None,
    analyser: Analyser | None = None,
) -> Deduplication:
    """Merge sentences that state the same thing into facts with every source.

    Args:
        sentences: every sentence of the day, any order.
        config: ``dedup_threshold`` (0-100) and ``dedup_mode`` choose the scorer.
        scorer: a ``Scorer`` to use instead of ``config.dedup_mode``'s.
        analyser: the run's ``Analyser`` (one is made for ``config.language`` if omitted).

    Returns:
        Facts ordered by their representative's (article, position), each with the most
        informative wording as ``sentence``; every merge and every conflict.
    """
    scorer = make_scorer(config) if scorer is None else scorer
    analyser = analyser or Analyser.of(config)
    items = sorted(dict.fromkeys(sentences), key=_where)

    # 1. Units: sentences with the same normalised text, in their first sentence's order.
    by_norm: dict[str, list[int]] = {}
    for k, s in enumerate(items):
        by_norm.setdefault(analyser(s.text).norm, []).append(k)
    units = list(by_norm.values())
    heads = [items[group[0]] for group in units]
    info = [analyser(s.text) for s in heads]
    articles = [frozenset(items[k].article for k in group) for group in units]
    n = len(units)
    order = sorted(range(n), key=lambda i: (-info[i].weight, i))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    # A unit spanning several articles gets a group of its own, so it is never left out.
    groups = np.array([s.article if len(a) == 1 else -1 - k for k, (s, a) in enumerate(zip(heads, articles))])
    facts = _Facts(info, articles)
    clusters = _Clusters(n)

    # 2. Near copies, verified against their band's leader.
    pairs = near_copy_pairs([a.tokens for a in info], rank)
    if len(pairs):
        pairs = pairs[groups[pairs[:, 0]] != groups[pairs[:, 1]]]
    copy_scorer = fuzzy_scorer(config) if scorer.uses_vectors else scorer  # copies need no meaning
    found_copies = _verify_units(pairs, info, copy_scorer, None, NEAR_DUPLICATE)
    _cluster(order, _neighbours(n, pairs, found_copies), facts, clusters)
    leaders = sorted(clusters.members, key=lambda i: rank[i])

    # 3. Statements: the groups' leading wordings, indexed by rare stems, verified with meaning.
    lead_index = np.array(leaders, dtype=np.int64)
    candidates = candidate_pairs([info[i].content for i in leaders], groups=groups[lead_index])
    statement_pairs = lead_index[candidates] if len(candidates) else np.empty((0, 2), dtype=np.int64)
    vectors = None
    if scorer.uses_vectors and len(statement_pairs):
        wanted = distinct(statement_pairs)
        found = analyser.vectors([heads[i].text for i in wanted])
        if found is None:
            raise ConfigError(f"the {scorer.name} dedup scorer needs sentence vectors: set an embedding")
        vectors = np.zeros((n, found.shape[1]), dtype=np.float32)
        vectors[wanted] = found
    found_statements = _verify_units(statement_pairs, info, scorer, vectors, PARAPHRASE)
    groups_of = _Clusters(n)
    _cluster(leaders, _neighbours(n, statement_pairs, found_statements), _GroupFacts(facts), groups_of)

    # 4. Facts.
    result_facts, merges = _assemble(items, units, heads, info, articles, clusters, groups_of, analyser)
    leader_of = [groups_of.leader_of[clusters.leader_of[i]] for i in range(n)]
    all_pairs = np.concatenate([pairs, statement_pairs]) if len(statement_pairs) else pairs
    found_conflicts = _conflicts(heads, all_pairs, [*found_copies, *found_statements], leader_of, scorer.threshold)
    return Deduplication(facts=tuple(result_facts), merges=tuple(merges), conflicts=tuple(found_conflicts))


class _GroupFacts(_Facts):
    """``_Facts`` over near-copy groups: a group brings all its articles and details."""

    def __init__(self, facts: _Facts) -> None:
        super().__init__(facts.info, facts.articles)
        self.groups = facts

    def start(self, i: int) -> None:
        self.held[i] = set(self.groups.held[i])
        self.details[i] = dict(self.groups.details[i])

    def may_join(self, i: int, lead: int, rule: str) -> bool:
        if rule != SUBSUMED and self.groups.held[i] & self.held[lead]:
            return False
        return not any(
            conflicts(self.info[mine], self.info[k])
            for detail, mine in self.groups.details[i].items()
            for other, k in self.details[lead].items()
            if detail != other
        )

    def join(self, i: int, lead: int) -> None:
        self.held[lead] |= self.groups.held[i]
        for detail, k in self.groups.details[i].items():
            self.details[lead].setdefault(detail, k)


def _assemble(items, units, heads, info, articles, clusters: _Clusters, groups_of: _Clusters, analyser: Analyser):
    """Facts and merges from the two clusterings (near copies, then statements)."""
    facts: list[Fact] = []
    merges: list[tuple[int, Merge]] = []  # with the dropped sentence's place in ``items``
    for lead in sorted(groups_of.members):
        joined: list[tuple[int, Match]] = list(clusters.members[lead])
        for g, m in groups_of.members[lead]:
            joined.append((g, m))
            # The group's copies join as it did, unless one is only a part of its leader.
            joined.extend((i, copy if copy.rule == SUBSUMED else m) for i, copy in clusters.members[g])
        # A subsumed sentence is a part of the fact: never its wording, never a full source.
        wordings = [lead, *(i for i, m in joined if m.rule != SUBSUMED)]
        shown, full = representative(wordings, info, articles, analyser)
        rep = heads[shown]
        joined_as = dict(joined)
        group: list[int] = []
        copies = set(units[shown])
        for u in [lead, *joined_as]:
            group.extend(units[u])
            m = joined_as.get(u if u != lead else shown)  # the leader is as close to the shown as it to the leader
            for k in units[u]:
                if k == units[shown][0]:
                    continue
                exact = k in copies or items[k].text == rep.text
                merges.append((k, Merge(dropped=items[k], kept=rep, score=100.0 if exact or m is None else round(m.score, 2),
                                        rule=EXACT if exact or m is None else m.rule)))
        every = set().union(*(articles[u] for u in [lead, *joined_as]))
        facts.append(Fact(
            sentence=rep,
            members=tuple(items[k] for k in sorted(group)),
            sources=tuple(sorted(full)),
            partial=tuple(sorted(every - full)),
        ))
    facts.sort(key=lambda f: _where(f.sentence))
    merges.sort(key=lambda placed: placed[0])  # a sentence is dropped once at most
    return facts, [m for _, m in merges]


def _conflicts(heads, pairs: np.ndarray, matches, leader_of, threshold: float) -> list[Conflict]:
    """One conflict per pair of facts: the best-scoring pair of sentences from two articles."""
    best: dict[tuple[int, int], tuple[tuple, int, int, Match]] = {}
    for (i, j), m in zip(pairs.tolist(), matches):
        if m is None or not m.conflicts or m.score < threshold or heads[i].article == heads[j].article:
            continue
        fi, fj = leader_of[i], leader_of[j]
        if fi == fj:
            continue
        key = (min(fi, fj), max(fi, fj))
        rank_key = (-m.score, i, j)
        if key not in best or rank_key < best[key][0]:
            best[key] = (rank_key, i, j, m)
    found = []
    for _, i, j, m in best.values():
        a, b = sorted((heads[i], heads[j]), key=_where)
        differences = m.conflicts if a is heads[i] else tuple(d.swapped() for d in m.conflicts)
        found.append(Conflict(a=a, b=b, score=round(m.score, 2), differences=differences))
    found.sort(key=lambda c: (_where(c.a), _where(c.b)))
    return found


def _where(s: Sentence) -> tuple[int, int, int, str]:
    return (s.article, s.position, s.paragraph, s.text)
