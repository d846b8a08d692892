"""Ranking: score the deduplicated facts and choose the best within a word budget.

A ranker is a callable ``(facts, articles, budget, config, analyser) -> Ranking``, chosen
by name from ``RANKERS``. The default, "digest", is the multi-document ranker
of ``digest.ranker``; sumy's single-document algorithms are wrapped here so they
stay selectable with ``--algorithm``.
"""
from __future__ import annotations

import dataclasses
import functools
import warnings
from typing import Callable, Sequence

from .analysis import Analyser, words_language
from .config import Config
from .errors import ConfigError
from .models import Article, Budget, Conflict, Decision, Fact, Item, Ranking
from .ranker import RankerSettings, digest_ranker, reading_order
from .segment import word_count, words

# ``analyser`` is the run's one text analysis (a ranker makes its own when given None).
Ranker = Callable[[Sequence[Fact], Sequence[Article], Budget, Config, "Analyser | None"], Ranking]


def greedy_select(facts: Sequence[Fact], scores: Sequence[float], budget: Budget) -> Ranking:
    """Best score first until the budget is full; a fact that does not fit is passed over."""
    order = sorted(range(len(facts)), key=lambda i: (-scores[i], facts[i].sentence.article, facts[i].sentence.position))
    chosen: list[Item] = []
    decisions: list[Decision] = []
    used = 0
    for i in order:
        item = Item(fact=facts[i], score=float(scores[i]), components=(("score", float(scores[i])),))
        n = word_count(facts[i].text)
        if budget.sentences is not None and len(chosen) >= budget.sentences:
            decisions.append(Decision(item, False, "sentence budget full"))
        elif used + n > budget.words:
            decisions.append(Decision(item, False, f"does not fit: {n} words, {budget.words - used} left"))
        else:
            used += n
            chosen.append(item)
            decisions.append(Decision(item, True, f"rank {len(chosen)} by score"))
    return Ranking(chosen=reading_order(chosen, facts), decisions=tuple(decisions))


def surface_conflicts(
    chosen: Sequence[Item], conflicts: Sequence[Conflict], articles: Sequence[Article]
) -> tuple[Item, ...]:
    """Outlets that disagree are shown, not merged: one item notes "outlets differ: 16 vs 18".

    A conflict concerns an item when one of its full sources' sentences is a side of it
    (a partial source's sentence says only part of the item). When both sides were chosen,
    the one fewer articles carry in full goes, on a tie the lower-scored (the note names the
    outlet that says otherwise, and cites its article in ``Item.noted``); its sentence is
    never credited to the kept one.
    """
    index = {m: n for n, item in enumerate(chosen) for m in item.fact.members if m.article in item.fact.sources}
    notes: dict[int, list[str]] = {}
    cited: dict[int, set[int]] = {}
    dropped: set[int] = set()
    for c in conflicts:
        ia, ib = index.get(c.a), index.get(c.b)
        if ia is None and ib is None or ia == ib:
            continue
        keep_a = ib is None or (ia is not None and _weight(chosen[ia]) >= _weight(chosen[ib]))
        kept, other = (ia, c.b) if keep_a else (ib, c.a)
        if ia is not None and ib is not None:
            dropped.add(ib if keep_a else ia)
        outlet = articles[other.article].outlet or f"“{articles[other.article].title}”"
        for difference in c.differences:
            ours, theirs = (difference.a, difference.b) if keep_a else (difference.b, difference.a)
            notes.setdefault(kept, []).append(f"outlets differ: {', '.join(ours)} here, {', '.join(theirs)} per {outlet}")
        cited.setdefault(kept, set()).add(other.article)
    out = []
    for n, item in enumerate(chosen):
        if n in dropped:
            continue
        if n in notes:
            note = "; ".join(dict.fromkeys(([item.note] if item.note else []) + notes[n]))
            item = dataclasses.replace(item, note=note, noted=tuple(sorted(set(item.noted) | cited[n])))
        out.append(item)
    return tuple(out)


def _weight(item: Item) -> tuple[int, float]:
    return (len(item.fact.sources), item.score)


class _SumyTokenizer:
    """Hands sumy our tokenizer so it never reaches for NLTK's downloadable data."""

    def __init__(self, language: str):
        self.language = language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        from .segment import split_sentences

        return tuple(split_sentences(paragraph, self.language))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(words(sentence))


def _sumy_document(facts: Sequence[Fact], language: str):
    """One sumy paragraph per article paragraph, facts in document order."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence

    tokenizer = _SumyTokenizer(language)
    order = sorted(range(len(facts)), key=lambda i: (facts[i].sentence.article, facts[i].sentence.position))
    paragraphs, current, key = [], [], None
    for i in order:
        s = facts[i].sentence
        if (s.article, s.paragraph) != key and current:
            paragraphs.append(Paragraph(current))
            current = []
        key = (s.article, s.paragraph)
        current.append(SumySentence(s.text, tokenizer))
    if current:
        paragraphs.append(Paragraph(current))
    return ObjectDocumentModel(paragraphs), order


def sumy_ranker(summarizer_name: str) -> Ranker:
    """Wrap one of sumy's summarizers as a Ranker that scores every fact (a partial: it pickles, for ``--jobs``)."""
    rank = functools.partial(_sumy_rank, summarizer_name=summarizer_name)
    rank.__name__ = f"sumy_{summarizer_name}"  # type: ignore[attr-defined]
    return rank


def _sumy_rank(facts: Sequence[Fact], articles: Sequence[Article], budget: Budget, config: Config,
               analyser: Analyser | None = None, *, summarizer_name: str) -> Ranking:
    if not facts:
        return Ranking(chosen=())
    import sumy.summarizers as _  # noqa: F401  (fails early with a clear import error)
    from sumy.nlp.stemmers import Stemmer
    from sumy.utils import get_stop_words

    language = words_language(config.language)  # sumy knows "english", not Punkt's "english_web"
    try:
        summarizer = _SUMY[summarizer_name](Stemmer(language))
        if hasattr(summarizer, "stop_words"):
            summarizer.stop_words = get_stop_words(language)
    except LookupError:
        raise ConfigError(f"algorithm {summarizer_name}: sumy has no stemmer or stop words for "
                          f"{config.language!r}; use the default algorithm (digest)") from None
    document, order = _sumy_document(facts, config.language)
    ratings: dict[int, float] = {}

    def keep_all(infos):
        # sumy passes every SentenceInfo(sentence, order, rating) through the count
        # callable; reading the ratings here gives a score for every fact.
        infos = list(infos)
        for info in infos:
            ratings[info.order] = float(info.rating)
        return infos

    with warnings.catch_warnings():
        # LexRank divides by zero on a one-sentence story; its ratings are still usable.
        warnings.simplefilter("ignore", RuntimeWarning)
        summarizer(document, keep_all)
    scores = [0.0] * len(facts)
    for doc_order, fact_index in enumerate(order):
        scores[fact_index] = ratings.get(doc_order, 0.0)
    return greedy_select(facts, scores, budget)


def _sumy_classes():
    from sumy.summarizers.kl import KLSummarizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.reduction import ReductionSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer

    return {
        "lexrank": LexRankSummarizer,
        "textrank": TextRankSummarizer,
        "lsa": LsaSummarizer,
        "luhn": LuhnSummarizer,
        "kl": KLSummarizer,
        "sumbasic": SumBasicSummarizer,
        "reduction": ReductionSummarizer,
    }


class _LazySumy(dict):
    """sumy imports are slow; load them on first use."""

    def __missing__(self, key):
        self.update(_sumy_classes())
        return dict.__getitem__(self, key)


_SUMY = _LazySumy()

SUMY_ALGORITHMS = ("lexrank", "textrank", "lsa", "luhn", "kl", "sumbasic", "reduction")

RANKERS: dict[str, Ranker] = {
    "digest": digest_ranker(RankerSettings()),
    **{name: sumy_ranker(name) for name in SUMY_ALGORITHMS},
}


def get_ranker(name: str) -> Ranker:
    try:
        return RANKERS[name]
    except KeyError:
        raise ConfigError(f"unknown algorithm {name!r}; choose one of: {', '.join(sorted(RANKERS))}") from None
