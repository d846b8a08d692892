"""The default ranker: many articles at once, scored with an editor's signals.

Each fact gets four signals, each in [0, 1]:

* corroboration: how many independent sources carry it (distinct outlets when
  known, else distinct articles; verbatim copies of one wording count little);
* centrality: continuous LexRank on the TF-IDF cosine graph, computed without
  ever building the graph (the graph is X·Xᵀ, so one step is two sparse
  products) and so linear in the input;
* position: leads carry the news (counted among the article's kept sentences, so page
  furniture above a lead does not push it down);
* content: concrete detail (numbers, names) against filler (questions, bare
  quotes, fragments, first-person opinion, page furniture).

The budget is then filled by greedy budgeted submodular maximisation (Lin &
Bilmes 2011, cost-scaled greedy: gain over words ** ``cost_exponent``): the
objective is the weighted coverage of concepts (stemmed bigrams, names, figures
and, at ``word_concepts`` of their worth, other content words), a concept
counting for each independent source beyond the first that uses it, as in
Gillick & Favre's concept ILP. The signals scale what a fact's
new concepts are worth (by up to two), so among facts saying something new, the
corroborated, central, early, concrete one wins. A fact too similar to one
already chosen (TF-IDF cosine, or meaning), or stating a specific figure of it
again ("41 million images"), is passed over, so two wordings of one statement
are never both chosen; so is a short or scrappy one adding no concept and stating no
figure or name.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .analysis import Analyser, is_specific, is_year, unquoted
from .clean import mentions_furniture
from .config import Config
from .dedup import says_all
from .matrix import sparse, term_matrix, tfidf_rows
from .models import Analysis, Article, Budget, Decision, Fact, Item, Ranking
from .segment import word_count, words

SIGNALS = ("corroboration", "centrality", "position", "content")


@dataclass(frozen=True)
class RankerSettings:
    """Weights and thresholds of the default ranker; a weight of 0 switches a signal off."""

    corroboration: float = 1.0
    centrality: float = 1.0
    position: float = 1.0
    content: float = 1.0
    coverage: float = 1.0  # weight of concept coverage; 0 leaves the signals alone to rank
    cost_exponent: float = 0.5  # new concepts per word ** this; 1 is per word, Lin & Bilmes' r is 0.3
    redundancy: float = 0.5  # TF-IDF cosine at or above which a fact repeats a chosen one
    meaning_redundancy: float = 0.6  # sentence-vector cosine (digest.embed) at or above which it does
    # What a concept of one plain word (not a name or figure) is worth beside a bigram, name or
    # figure: it says what the story is about more than what is said, and outlets that
    # paraphrase keep their names and figures, not their words.
    word_concepts: float = 0.5
    copy_credit: float = 0.25  # what a verbatim copy of a wording adds to corroboration
    partial_credit: float = 0.5  # what an outlet saying only part of a fact adds to it
    damping: float = 0.85  # LexRank's random-jump damping


_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|[Mm]e|[Mm]y|[Ww]e|[Ww]e're|[Oo]ur|us|[Yy]ou|[Yy]our)\b")
_TIE_BREAK = 0.01  # what a fact adding no new concept is still worth, relative to the best coverage
_DETAIL_SCALE = 3.0  # names and numbers after which detail saturates (1 - 1/e at three)
# A quotation alone shorter than this, naming nothing ("Some of our members died waiting."), is
# never chosen; a longer one is a statement in its own right, as summaries quote it (Multi-News:
# leaving out every quotation alone cost 0.2 ROUGE-2 at 200 words, this one 0.02).
_BARE_QUOTE_WORDS = 10


def content_signal(text: str, analysis: Analysis) -> tuple[float, float]:
    """(detail, filler factor) of one sentence: concrete detail in [0, 1], and how usable it is as news prose."""
    numbers, names = len(analysis.quantities), len(analysis.names)
    detail = 1.0 - math.exp(-(numbers + names) / _DETAIL_SCALE)
    filler = 1.0
    tokens = analysis.tokens
    if len(tokens) < 6:
        filler *= 0.3
    if text.rstrip(" \"”'’").endswith("?"):
        filler *= 0.3
    elif not text.rstrip(" \"”'’)").endswith((".", "!")):
        filler *= 0.5  # no sentence ending: a caption, credit, heading or cut-off scrap
    if mentions_furniture(text):
        filler *= 0.1
    raw = words(text)
    if len(raw) >= 3 and sum(w[0].isupper() for w in raw) >= 0.6 * len(raw):
        filler *= 0.3  # mostly capitalised words: a heading, label or credit line, not a sentence
    said = unquoted(text)
    if not words(said) and numbers + names == 0 and len(tokens) < _BARE_QUOTE_WORDS:
        return detail, 0.0  # a line of quotation alone: who said it is in a sentence the reader does not see
    if len(said) < len(text) and len(words(said)) < 0.5 * len(tokens) and numbers + names < 2:
        filler *= 0.5  # mostly quotation with nothing concrete in it
    if _FIRST_PERSON.search(said):
        filler *= 0.6  # the writer's own voice: opinion or address to the reader
    return detail, filler


def _outlet_keys(article: Article | None, article_id: int) -> list[object]:
    """Who published this article: its outlets when known, else the article itself."""
    if article is None:
        return [("article", article_id)]
    outlets = [o.strip().lower() for o in ((article.outlet,) if article.outlet else ()) + article.outlets if o]
    return list(dict.fromkeys(outlets)) or [("article", article_id)]


def corroboration(fact: Fact, articles: dict[int, Article], copy_credit: float, partial_credit: float) -> float:
    """Independent sources of a fact: each distinct wording counts once per new outlet, copies of it count little.

    Byte-identical wordings from different articles are wire copies or
    syndication: they show the statement travelled, not that it was reported
    twice. One outlet counts once however many of its articles carry the fact.
    A partial source (an outlet whose sentence says only part of this one) adds
    ``partial_credit``: it corroborates the part it says, not the rest.
    """
    wordings: dict[str, list[int]] = {}
    for a in fact.sources:
        text = next((m.text for m in fact.members if m.article == a), fact.text)
        wordings.setdefault(" ".join(text.split()), []).append(a)
    seen: set[object] = set()
    total = 0.0
    for _, group in sorted(wordings.items()):
        new = [key for a in group for key in _outlet_keys(articles.get(a), a) if key not in seen]
        new = list(dict.fromkeys(new))
        seen.update(new)
        if new:
            total += 1.0 + copy_credit * (len(new) - 1)
    partial = {key for a in fact.partial for key in _outlet_keys(articles.get(a), a)} - seen
    total += partial_credit * len(partial)
    return max(total, 1.0)


def concept_terms(analysis: Analysis) -> tuple[list[str], list[str], set[str]]:
    """(content stems, concepts, details): concepts are content stems and bigrams not made of
    two stop words; details are the stems of its names and figures."""
    stems, stopped = analysis.stems, analysis.stopped
    content = [s for s, stop in zip(stems, stopped) if not stop]
    bigrams = [f"{stems[i]} {stems[i + 1]}" for i in range(len(stems) - 1) if not (stopped[i] and stopped[i + 1])]
    marked = analysis.names | analysis.numbers
    return content, content + bigrams, {s for t, s in zip(analysis.tokens, stems) if t in marked}


def lexrank(x: sparse.csr_matrix, damping: float, iterations: int = 100, tolerance: float = 1e-10) -> np.ndarray:
    """Continuous LexRank scores (sum to 1) of the cosine graph x·xᵀ without self-loops, never materialised."""
    n = x.shape[0]
    self_similarity = np.asarray(x.multiply(x).sum(axis=1)).ravel()
    degree = x @ (x.T @ np.ones(n)) - self_similarity
    dangling = degree <= 1e-12
    inverse_degree = np.where(dangling, 0.0, 1.0 / np.where(dangling, 1.0, degree))
    p = np.full(n, 1.0 / n)
    for _ in range(iterations):
        u = p * inverse_degree
        walk = x @ (x.T @ u) - self_similarity * u + p[dangling].sum() / n
        new = damping * walk + (1.0 - damping) / n
        done = np.abs(new - p).sum() < tolerance
        p = new
        if done:
            break
    return p


def _concept_weights(
    concepts: sparse.csr_matrix, facts: Sequence[Fact], credits: np.ndarray, articles: dict[int, Article]
) -> np.ndarray:
    """Each concept's weight: the independent sources using it (each source counted once, at its best credit).

    Partial sources count too: their shorter sentence uses the fact's concepts.
    """
    units: dict[object, int] = {}
    pair_fact, pair_unit, pair_credit = [], [], []
    for f, fact in enumerate(facts):
        sources = (*fact.sources, *fact.partial) or (fact.sentence.article,)
        keys = list(dict.fromkeys(_outlet_keys(articles.get(a), a)[0] for a in sources))
        share = min(credits[f] / len(keys), 1.0)
        for key in keys:
            pair_fact.append(f)
            pair_unit.append(units.setdefault(key, len(units)))
            pair_credit.append(share)
    pair_fact = np.array(pair_fact, dtype=np.int64)
    starts, ends = concepts.indptr[pair_fact], concepts.indptr[pair_fact + 1]
    sizes = ends - starts
    # Expand every (fact, unit) pair over the fact's concepts, then keep one credit per (unit, concept).
    offsets = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
    concept = concepts.indices[offsets]
    unit = np.repeat(np.array(pair_unit, dtype=np.int64), sizes)
    credit = np.repeat(np.array(pair_credit), sizes)
    key = unit * concepts.shape[1] + concept
    order = np.lexsort((-credit, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    best = order[first]
    return np.bincount(concept[best], weights=credit[best], minlength=concepts.shape[1])


def digest_ranker(settings: RankerSettings = RankerSettings()) -> Callable[..., Ranking]:
    """The default ranker with the given settings (see the module docstring).

    A partial of a module function, not a closure: it pickles, so ``--jobs`` can hand it to
    worker processes.
    """
    rank = functools.partial(_rank, settings=settings)
    rank.__name__ = "digest_ranker"  # type: ignore[attr-defined]
    return rank


def lead_ranks(facts: Sequence[Fact]) -> dict[tuple[int, int], int]:
    """(article, position) of each member of ``facts`` -> how many of its article's sentences
    among them come first: an article's first kept sentence is its lead (0), however many
    lines of page furniture stood above it."""
    positions: dict[int, set[int]] = {}
    for f in facts:
        for m in f.members:
            positions.setdefault(m.article, set()).add(m.position)
    return {(a, p): r for a, ps in positions.items() for r, p in enumerate(sorted(ps))}


# A sentence opening on a personal pronoun names nobody it is about, and a question tells
# nothing: a story opens on one only when nothing else can ("He faces charges in both states.").
_WEAK_OPENING = re.compile(r"""[\s"'“‘(]*(?:He|She|They|His|Her|Their|Him|Them)\b.*|.*\?[\s"'”’)]*""", re.DOTALL)


def reading_order(items: Sequence[Item], facts: Sequence[Fact]) -> tuple[Item, ...]:
    """Leads first (by ``lead_ranks`` among ``facts``, those the items were chosen from), then
    second sentences and so on, each level in the order ``items`` come (a ranker's best first):
    how a news story reads, its best lead opening it, unless that opens on a pronoun or asks a
    question. Stable: ordered items stay as they are."""
    ranks = lead_ranks([*facts, *(i.fact for i in items)])
    ordered = sorted(items, key=lambda i: min(ranks[m.article, m.position] for m in i.fact.members))
    opener = next((k for k, i in enumerate(ordered) if not _WEAK_OPENING.fullmatch(i.fact.text)), 0)
    return (*ordered[opener:opener + 1], *ordered[:opener], *ordered[opener + 1:])


def _rank(
    facts: Sequence[Fact], articles: Sequence[Article], budget: Budget, config: Config,
    analyser: Analyser | None = None, *, settings: RankerSettings,
) -> Ranking:
    """Score every fact, then fill the budget greedily (see the module docstring)."""
    analyser = analyser or Analyser.of(config)
    if not facts:
        return Ranking(chosen=())
    # A canonical order makes every tie-break (argmax takes the first) independent of input order.
    facts = sorted(facts, key=lambda f: (f.sentence.article, f.sentence.position, f.text, f.sources))
    by_id = {a.id: a for a in articles}
    analyses = [analyser(f.text) for f in facts]
    analysed = [concept_terms(a) for a in analyses]
    x = tfidf_rows(term_matrix([content for content, _, _ in analysed])[0])
    concepts, concept_ids = term_matrix([c for _, c, _ in analysed])
    concepts.data[:] = 1.0  # a concept is covered or not, however often a sentence repeats it
    n = len(facts)

    ranks = lead_ranks(facts)
    credits = np.array([corroboration(f, by_id, settings.copy_credit, settings.partial_credit) for f in facts])
    signals = {
        "corroboration": 1.0 - 1.0 / credits,
        "centrality": _squash(lexrank(x, settings.damping) * n),
        "position": 1.0 / np.sqrt(1.0 + np.array([min(ranks[m.article, m.position] for m in f.members) for f in facts])),
    }
    detail, filler = np.array([content_signal(f.text, a) for f, a in zip(facts, analyses)]).reshape(n, 2).T
    signals["content"] = detail
    if settings.content == 0:
        filler = np.ones(n)
    weights = {name: getattr(settings, name) for name in SIGNALS}
    total_weight = sum(weights.values()) or 1.0
    prior = sum(weights[name] * signals[name] for name in SIGNALS) / total_weight

    concept_weight = _concept_weights(concepts, facts, credits, by_id)
    if settings.corroboration == 0:
        concept_weight = (concept_weight > 0).astype(np.float64)
    elif concept_weight.max(initial=0.0) > 1.0:
        # What only one source says is that source's angle; what others repeat is the story
        # (Gillick & Favre keep only concepts found in several documents). A concept counts
        # for its sources beyond the first, unless nothing at all is corroborated.
        concept_weight = np.maximum(concept_weight - 1.0, 0.0)
    if settings.word_concepts != 1:
        details = set().union(*(d for _, _, d in analysed))
        plain = [k for c, k in concept_ids.items() if " " not in c and c not in details]
        concept_weight[plain] *= settings.word_concepts
    lengths = np.array([max(word_count(f.text), 1) for f in facts], dtype=np.float64)  # what the reader counts
    costs = lengths ** settings.cost_exponent
    has_words = np.array([bool(content) for content, _, _ in analysed])

    def density(gain: np.ndarray) -> np.ndarray:
        # New concepts per word (per word ** cost_exponent: a long sentence saying more is not
        # outbid by short ones filling the budget's end), worth up to twice as much in a lead,
        # central, corroborated, concrete sentence; once everything is covered, the signals alone decide.
        return filler * (1.0 + prior) * (settings.coverage * gain / costs / scale + _TIE_BREAK)

    # No figure or name, and weak as prose (short, a question, a scrap): once it adds no concept
    # either, it is hollow ("Dozens of houses were destroyed." once "More than 40 houses were
    # destroyed" is chosen, "Not everyone is convinced."). A full sentence of a lone outlet's own stays.
    weak = (detail <= 0) & (filler < 1)

    gain = concepts @ concept_weight
    scale = float((gain / costs).max()) or 1.0
    initial = density(gain)

    chosen: list[int] = []
    chosen_gain: dict[int, float] = {}
    # How close each fact comes to repeating a chosen one: its TF-IDF cosine over
    # ``redundancy`` or its sentence-vector cosine over ``meaning_redundancy``, the larger.
    vectors = analyser.vectors([f.text for f in facts]) if settings.meaning_redundancy < 1 else None
    at = {f.sentence: i for i, f in enumerate(facts)}
    linked: list[set[int]] = [set() for _ in facts]
    for i, f in enumerate(facts):
        for s in f.linked:
            if s in at:
                linked[i].add(at[s])
                linked[at[s]].add(i)
    # Who states each specific figure, with what it counts: one chosen, the rest repeat it
    # to the reader, however the rest of their wording differs (years date, not state).
    figures_of = [
        {(q.value, q.unit) for q in a.quantities if q.unit and is_specific(q.value) and not is_year(q.value)} for a in analyses
    ]
    stating: dict[tuple[str, str], list[int]] = {}
    for i, figures in enumerate(figures_of):
        for q in figures:
            stating.setdefault(q, []).append(i)
    max_similarity = np.zeros(n)
    most_similar = np.full(n, -1)
    said_by: dict[int, int] = {}
    left = budget.words
    available = has_words & (filler > 0)
    while budget.sentences is None or len(chosen) < budget.sentences:
        candidates = available & (lengths <= left) & (max_similarity < 1.0) & ~(weak & (gain <= 0))
        if not candidates.any():
            break
        scores = np.where(candidates, density(gain), -np.inf)
        k = int(np.argmax(scores))
        # A chosen sentence that says all of this one, in whatever words, has told the reader it.
        said = next((r for r, j in enumerate(chosen, 1) if says_all(analyses[k], analyses[j], analyser)), None)
        if said is not None:
            said_by[k] = said
            available[k] = False
            continue
        chosen.append(k)
        chosen_gain[k] = float(scores[k])
        available[k] = False
        left -= int(lengths[k])
        similarity = (x @ x[k].T.toarray().ravel()) / settings.redundancy
        if vectors is not None:
            similarity = np.maximum(similarity, (vectors @ vectors[k]) / settings.meaning_redundancy)
        for q in figures_of[k]:
            similarity[stating[q]] = np.maximum(similarity[stating[q]], 1.0)
        for j in linked[k]:  # it reports part of what was chosen, in other words
            similarity[j] = max(similarity[j], 1.0)
        closer = similarity > max_similarity
        max_similarity = np.where(closer, similarity, max_similarity)
        most_similar = np.where(closer, len(chosen), most_similar)
        concept_weight[concepts.indices[concepts.indptr[k] : concepts.indptr[k + 1]]] = 0.0
        gain = concepts @ concept_weight

    def item(i: int, score: float) -> Item:
        components = tuple((name, round(float(signals[name][i]), 4)) for name in SIGNALS)
        extra = (
            ("sources", float(credits[i])),
            ("filler", round(float(filler[i]), 4)),
            ("prior", round(float(prior[i]), 4)),
        )
        return Item(fact=facts[i], score=round(score, 6), components=components + extra)

    decisions = [
        Decision(item(k, chosen_gain[k]), True, f"chosen #{r}: best gain for its length ({chosen_gain[k]:.3f})")
        for r, k in enumerate(chosen, 1)
    ]
    # Explain the close calls: the best-scoring facts left out, up to three times as many as were chosen.
    passed = [int(i) for i in np.lexsort((np.arange(n), -initial)) if int(i) not in chosen_gain and has_words[i]]
    sentences_full = budget.sentences is not None and len(chosen) >= budget.sentences
    for i in passed[: max(3 * len(chosen), 10)]:
        if filler[i] <= 0:
            reason = "a short quotation alone: the speaker is named in another sentence"
        elif i in said_by:
            reason = f"said in full by #{said_by[i]}"
        elif max_similarity[i] >= 1.0:
            reason = f"redundant with #{most_similar[i]} ({max_similarity[i]:.2f} x the redundancy bound)"
        elif weak[i] and gain[i] <= 0:
            reason = "nothing new: no concept left to cover, no figure or name, weak as prose"
        elif sentences_full:
            reason = "sentence budget full"
        else:  # the greedy loop only stops once nothing else fits
            reason = f"does not fit budget: {int(lengths[i])} words, {left} left"
        decisions.append(Decision(item(i, float(initial[i])), False, reason))
    return Ranking(chosen=reading_order([d.item for d in decisions if d.chosen], facts), decisions=tuple(decisions))


def _squash(x: np.ndarray) -> np.ndarray:
    """Map a score relative to uniform (1 = average) into [0, 1): 0.5 at average."""
    return x / (1.0 + x)

