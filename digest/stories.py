"""Stories: group the day's articles into stories, each one section of the digest.

An article is a TF-IDF vector of its cleaned sentences (sublinear term frequency,
title words counted ``TITLE_WEIGHT`` times). Two articles are linked when the cosine
of their vectors is at least ``SIMILARITY`` and, when both publication times are
known, they are at most ``TIME_WINDOW`` apart. Stories are the clusters of average
linkage cut at that same similarity, run inside each connected component of the link
graph: average linkage never joins two groups with no link between them, so this is
exactly the global clustering, at the cost of the components only. There is no fixed
number of stories. An article left alone by that cut then joins the story it is clearly
closest to, if there is one (``attach_singletons``): a margin over the runner-up rather
than a second global threshold, since a short or off-beat report of a story can score
under ``SIMILARITY`` with every article of it while scoring far less with anything else.

Every article belongs to exactly one story; a fact belongs to the story of the article
its representative sentence comes from. Stories come out in order of importance: the
number of independent outlets carrying them, then recency, then size.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Sequence

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform

from .clean import is_boilerplate, is_whole_sentence, strip_dateline
from .config import Config
from .models import Article, Fact, Story
from .ranker import tfidf_rows
from .segment import words
from .terms import stemmer, stop_words

# Cosine similarity at which two articles (or, on average, two groups of articles) are
# one story. Chosen from the plateau of the benchmark's threshold sweep (BENCHMARKS.md):
# unrelated news articles score well under 0.1, articles on one story mostly over 0.3.
SIMILARITY = 0.2
# Title words are the densest statement of what an article is about.
TITLE_WEIGHT = 3
# Articles published further apart than this are never one story (when both times are known).
TIME_WINDOW = timedelta(days=3)
# An article with fewer distinct terms than this is thin (see ``cluster_articles``).
MIN_TERMS = 40
# A lone article joins the story it is closest to when that story is at least this many
# times closer than any other (and at least half ``SIMILARITY``): see ``attach_singletons``.
# 1.25 and 1.5 beat no attachment on the benchmark's day and on each of four random halves
# of it; 1.1 and 2 are about even with no attachment there (BENCHMARKS.md).
ATTACH_RATIO = 1.25
# A headline made from a sentence (no article has a real title) has this many words at
# most, when the story has such a sentence; it is never cut.
HEADLINE_WORDS = 35
HEADLINE_MIN_WORDS = 5
LEAD_WEIGHT = 1.5
# Its candidates: the first sentences of the articles closest to the story's centre.
HEADLINE_ARTICLES = 3
HEADLINE_LEADS = 4

# "(CNN) " or "(Reuters) - " opening a lead: the wire's tag, not the headline's.
_SOURCE_TAG = re.compile(r"^\([^()]{1,20}\)\s*(?:[-–—]+\s*)?")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


# --------------------------------------------------------------------------- vectors


class _Terms:
    """Text to counts of content-word stems (no stop words, no one-letter tokens), stems cached per word."""

    def __init__(self, language: str) -> None:
        self.stop = stop_words(language)
        self._stem = stemmer(language)
        self._stems: dict[str, str | None] = {}

    def stem(self, token: str) -> str | None:
        """The stem of one lower-cased token, or None for a stop word or a one-letter token."""
        stem = self._stems.get(token, "")
        if stem == "":
            word = token.replace("’", "'")
            if word.endswith("'s"):
                word = word[:-2]
            stem = self._stems[token] = self._stem(word) if len(word) > 1 and word not in self.stop else None
        return stem

    def __call__(self, text: str) -> Counter[str]:
        """Content-word stems of ``text`` with their counts."""
        # Count tokens first (in C), then stem each distinct one: an article repeats its words.
        bag: Counter[str] = Counter()
        for token, n in Counter(_TOKEN.findall(text.lower())).items():
            stem = self.stem(token)
            if stem:
                bag[stem] += n
        return bag


def article_texts(articles: Sequence[Article], facts: Sequence[Fact]) -> list[list[str]]:
    """Each article's cleaned sentences, in position order (from every fact's members)."""
    found: list[list[tuple[int, str]]] = [[] for _ in articles]
    for fact in facts:
        for s in fact.members:
            found[s.article].append((s.position, s.text))
    return [[text for _, text in sorted(set(pairs))] for pairs in found]


def tfidf(articles: Sequence[Article], texts: Sequence[Sequence[str]], language: str) -> sparse.csr_matrix:
    """Rows of unit length: sublinear tf (1 + log tf) times smooth idf, title words weighted.

    A title that several articles of the day share ("Morning briefing", "Live updates") is a
    column's name, not a story's, and gets no weight: copies of one wire story match on their
    text anyway. An article with no cleaned sentence (all boilerplate) is represented by its
    own title.
    """
    terms = _Terms(language)
    titles = [" ".join(a.title.casefold().split()) for a in articles]
    uses = Counter(titles)
    bags = []
    for article, title, sentences in zip(articles, titles, texts):
        bag = terms(" ".join(sentences))
        if not article.generated_title and (uses[title] == 1 or not bag):
            for term, n in terms(article.title).items():
                bag[term] += TITLE_WEIGHT * n
        bags.append(bag)
    return sparse.csr_matrix(tfidf_rows(count_matrix(bags)))


def count_matrix(bags: Sequence[Counter[str]]) -> sparse.csr_matrix:
    """One row of term counts per bag; columns in the order terms first appear (each bag's alphabetically)."""
    vocab: dict[str, int] = {}
    indptr, indices, counts = [0], [], []
    for bag in bags:
        for term, n in sorted(bag.items()):
            indices.append(vocab.setdefault(term, len(vocab)))
            counts.append(n)
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(counts, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(len(bags), len(vocab)),
    )


# --------------------------------------------------------------------------- clustering


def _timestamps(articles: Sequence[Article]) -> np.ndarray:
    return np.array([a.published.timestamp() if a.published else np.nan for a in articles], dtype=np.float64)


def similarity_graph(
    vectors: sparse.csr_matrix, times: np.ndarray, threshold: float, window: timedelta = TIME_WINDOW
) -> sparse.csr_matrix:
    """Pairs (i != j) with cosine >= ``threshold`` and publication times within ``window``."""
    sims = (vectors @ vectors.T).tocoo()
    rows, cols, data = sims.row, sims.col, sims.data
    keep = (rows != cols) & (data >= threshold - 1e-12)
    dt = np.abs(times[rows] - times[cols])
    keep &= ~(dt > window.total_seconds())  # NaN (a time unknown) never gates
    n = vectors.shape[0]
    return sparse.csr_matrix((data[keep], (rows[keep], cols[keep])), shape=(n, n))


def cluster_articles(
    vectors: sparse.csr_matrix,
    times: np.ndarray,
    threshold: float = SIMILARITY,
    window: timedelta = TIME_WINDOW,
    min_terms: int | None = None,
    attach_ratio: float = ATTACH_RATIO,
) -> list[list[int]]:
    """Average-linkage clusters cut at cosine ``threshold``, each sorted, ordered by first member;
    then each lone article attached to a clearly closest story (``attach_singletons``, with
    ``attach_ratio``; 0 turns it off) at no less than half ``threshold``.

    Two thin articles (fewer than ``min_terms`` distinct terms; default ``MIN_TERMS``, or
    half the day's median if that is less) are never linked to each other directly: the likeness of a few words is noise, and error pages, embeds and
    archive notices are thin and alike. A thin article joins a story through a full one.
    """
    n = vectors.shape[0]
    sizes = np.diff(vectors.indptr)
    if min_terms is None:  # thin for this day: a day of short briefs has no thin article
        min_terms = min(MIN_TERMS, int(np.median(sizes)) // 2) if n else 0
    graph = similarity_graph(vectors, times, threshold, window)
    thin = sizes < min_terms
    if thin.any():
        coo = graph.tocoo()
        keep = ~(thin[coo.row] & thin[coo.col])
        graph = sparse.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    members: dict[int, list[int]] = {}
    for i, c in enumerate(component.tolist()):
        members.setdefault(c, []).append(i)
    clusters: list[list[int]] = []
    for group in members.values():
        if len(group) <= 2:  # one article, or a linked pair: nothing to decide
            clusters.append(group)
            continue
        sub = vectors[group]
        sim = np.asarray((sub @ sub.T).todense())
        dt = np.abs(times[group][:, None] - times[group][None, :])
        sim[dt > window.total_seconds()] = 0.0
        sim[np.ix_(thin[group], thin[group])] = 0.0
        dist = np.clip(1.0 - sim, 0.0, 2.0)
        np.fill_diagonal(dist, 0.0)
        tree = linkage(squareform(dist, checks=False), method="average")
        labels = fcluster(tree, t=1.0 - threshold + 1e-9, criterion="distance")
        split: dict[int, list[int]] = {}
        for i, label in zip(group, labels.tolist()):
            split.setdefault(label, []).append(i)
        clusters.extend(split.values())
    clusters = attach_singletons(vectors, times, clusters, thin, threshold / 2, attach_ratio, window)
    clusters = [sorted(c) for c in clusters]
    clusters.sort(key=lambda c: c[0])
    assert sum(len(c) for c in clusters) == n
    return clusters


def attach_singletons(
    vectors: sparse.csr_matrix,
    times: np.ndarray,
    clusters: list[list[int]],
    thin: np.ndarray,
    floor: float,
    ratio: float = ATTACH_RATIO,
    window: timedelta = TIME_WINDOW,
) -> list[list[int]]:
    """``clusters`` with each lone article moved to the story it is clearly closest to.

    An article's closeness to a story is its mean cosine with the story's articles (zero
    across the time window, and between two thin articles). A lone article joins its
    closest story when that closeness is at least ``floor`` and ``ratio`` times the
    runner-up's; two lone articles that pick each other (or the same story) end up
    together. Every choice is made against the clusters as given, so the order of the
    articles does not matter.
    """
    n = vectors.shape[0]
    lone = [c[0] for c in clusters if len(c) == 1]
    if not lone or len(clusters) < 2 or ratio <= 0:
        return clusters
    story_of = np.empty(n, dtype=np.int64)
    for k, members in enumerate(clusters):
        story_of[members] = k
    sizes = np.array([len(c) for c in clusters], dtype=np.float64)
    membership = sparse.csr_matrix((np.ones(n), (np.arange(n), story_of)), shape=(n, len(clusters)))
    sim = np.asarray((vectors[lone] @ vectors.T).todense())
    dt = np.abs(times[lone][:, None] - times[None, :])
    sim[dt > window.total_seconds()] = 0.0  # NaN (a time unknown) never gates
    sim[np.ix_(thin[lone], thin)] = 0.0
    closeness = np.asarray(membership.T @ sim.T).T / sizes  # lone article x story
    closeness[np.arange(len(lone)), story_of[lone]] = -np.inf  # not its own
    order = np.argsort(-closeness, axis=1, kind="stable")[:, :2]
    best = closeness[np.arange(len(lone)), order[:, 0]]
    second = np.maximum(closeness[np.arange(len(lone)), order[:, 1]], 0.0)
    chosen = (best >= floor) & (best >= ratio * second)
    picks = [(story_of[i], order[k, 0]) for k, i in enumerate(lone) if chosen[k]]
    if not picks:
        return clusters
    rows, cols = zip(*picks)
    graph = sparse.csr_matrix((np.ones(len(picks)), (rows, cols)), shape=(len(clusters),) * 2)
    _, merged = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for k, members in enumerate(clusters):
        groups.setdefault(int(merged[k]), []).extend(members)
    return list(groups.values())


# --------------------------------------------------------------------------- headlines


def centrality(vectors: sparse.csr_matrix, story_of: np.ndarray, stories: int) -> np.ndarray:
    """Each article's closeness to its story: the dot product with the story's mean vector."""
    sizes = np.bincount(story_of, minlength=stories)
    n = len(story_of)
    share = sparse.csr_matrix((1.0 / sizes[story_of], (story_of, np.arange(n))), shape=(stories, n))
    centroids = share @ vectors
    return np.asarray(vectors.multiply(centroids[story_of]).sum(axis=1)).ravel()


def headline(
    members: Sequence[int],
    articles: Sequence[Article],
    texts: Sequence[Sequence[str]],
    closeness: np.ndarray,
    config: Config,
) -> str:
    """A story's headline: the real title of the article closest to the story's centroid
    (``centrality``) that is no boilerplate.

    Without any real title (every title made up from a file name or a lead), a short,
    whole, central sentence of the story (``central_sentence``); never one cut short,
    never a dateline. Failing that, the most central article's title as read.
    """
    order = sorted(range(len(members)), key=lambda k: (-round(float(closeness[members[k]]), 9), members[k]))
    for k in order:
        article = articles[members[k]]
        if not article.generated_title and len(words(article.title)) >= 3 \
                and not is_boilerplate(article.title, config, title=True):
            return article.title
    sentence = central_sentence([members[k] for k in order], texts, config)
    return sentence if sentence is not None else articles[members[order[0]]].title


def central_sentence(
    ranked: Sequence[int], texts: Sequence[Sequence[str]], config: Config
) -> str | None:
    """The sentence that best says what the story's articles share, short enough for a headline.

    Candidates are the first ``HEADLINE_LEADS`` sentences of the ``HEADLINE_ARTICLES``
    articles closest to the centre (``ranked``, most central first): whole sentences
    (``clean.is_whole_sentence``), no boilerplate, wire dateline and source tag removed,
    of ``HEADLINE_MIN_WORDS`` to ``HEADLINE_WORDS`` words. Each scores how much of what the
    story's articles share it says (the share of the articles using each of its content
    words, summed, over the square root of its length), a lead counting ``LEAD_WEIGHT``
    times; the best wins (earlier articles and sentences on a tie). With no candidate that
    short, the shortest whole sentence among them; None when there is none at all. A
    final full stop is dropped, as headlines have none; nothing else is cut.
    """
    terms = _Terms(config.language)
    share: Counter[str] = Counter()
    for i in ranked:
        share.update(set(terms(" ".join(texts[i]))))
    whole: list[tuple[tuple, str]] = []
    for rank, i in enumerate(ranked[:HEADLINE_ARTICLES]):
        for position, sentence in enumerate(texts[i][:HEADLINE_LEADS]):
            text = _SOURCE_TAG.sub("", strip_dateline(sentence)).strip()
            n = len(words(text))
            if n < HEADLINE_MIN_WORDS or not is_whole_sentence(text) or is_boilerplate(text, config):
                continue
            stems = set(terms(text))
            score = sum(share[t] for t in stems) / (len(ranked) * math.sqrt(n)) * (LEAD_WEIGHT if position == 0 else 1)
            whole.append(((n > HEADLINE_WORDS, n if n > HEADLINE_WORDS else -round(score, 9), rank, position), text))
    if not whole:
        return None
    text = min(whole, key=lambda pair: pair[0])[1]
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


# --------------------------------------------------------------------------- stories


def outlet_count(members: Sequence[int], articles: Sequence[Article]) -> int:
    """Independent outlets carrying these articles; an article of unknown outlet counts once."""
    known: set[str] = set()
    unknown = 0
    for i in members:
        a = articles[i]
        named = {o for o in (a.outlet, *a.outlets) if o}
        if named:
            known |= {o.casefold() for o in named}
        else:
            unknown += 1
    return len(known) + unknown


def importance(story: Story) -> tuple:
    """Sort key, most important first: outlets, then recency, then size, then first article."""
    latest = story.latest.timestamp() if story.latest else -math.inf
    return (-story.outlets, -latest, -len(story.articles), story.articles[0] if story.articles else -1)


def cluster_stories(
    articles: Sequence[Article],
    facts: Sequence[Fact],
    config: Config,
    threshold: float = SIMILARITY,
) -> list[Story]:
    """The day's stories, most important first.

    Args:
        articles: every article of the day, indexed by ``Article.id``.
        facts: the deduplicated facts; each goes to the story of its representative.
        threshold: cosine similarity at which articles are one story.

    Returns:
        Stories covering every article exactly once, ordered by ``importance``.
    """
    if not articles:
        return []
    texts = article_texts(articles, facts)
    vectors = tfidf(articles, texts, config.language)
    clusters = cluster_articles(vectors, _timestamps(articles), threshold)
    story_of = np.empty(len(articles), dtype=np.int64)
    for k, members in enumerate(clusters):
        story_of[members] = k
    story_facts: list[list[Fact]] = [[] for _ in clusters]
    for fact in facts:
        story_facts[story_of[fact.sentence.article]].append(fact)
    closeness = centrality(vectors, story_of, len(clusters))
    stories = []
    for members, found in zip(clusters, story_facts):
        times = [articles[i].published for i in members if articles[i].published]
        stories.append(
            Story(
                title=headline(members, articles, texts, closeness, config),
                articles=tuple(members),
                facts=tuple(found),
                outlets=outlet_count(members, articles),
                latest=max(times) if times else None,
            )
        )
    stories.sort(key=importance)
    return stories


def one_story(articles: Sequence[Article], facts: Sequence[Fact], config: Config) -> list[Story]:
    """Everything in one section (the foundation's behaviour; kept for comparison)."""
    return [Story(title="Top stories", articles=tuple(a.id for a in articles), facts=tuple(facts))]


group_stories = cluster_stories
