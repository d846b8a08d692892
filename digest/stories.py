"""Stories: group the day's articles into stories, each one section of the digest.

An article is a TF-IDF vector of its cleaned sentences (sublinear term frequency,
title words counted ``TITLE_WEIGHT`` times), compared on its ``STRONGEST_TERMS``. Stories
are the clusters of average linkage cut at cosine ``SIMILARITY``, articles published more
than ``TIME_WINDOW`` apart weighing nothing; there is no fixed number of stories. Only
candidate pairs are compared (blocking on each article's strongest terms, a bounded number
per article) and near-copies are gathered first, so time and memory grow linearly with the
day's size (see the comment above ``candidate_pairs``). An article left alone by that cut
then joins the story it is clearly closest to, if there is one (``attach_singletons``): a
margin over the runner-up rather than a second global threshold, since a short or off-beat
report of a story can score under ``SIMILARITY`` with every article of it while scoring far
less with anything else.

Every article belongs to exactly one story; a fact belongs to the story of the article
its representative sentence comes from. Stories come out in order of importance: the
number of independent outlets carrying them, then recency, then size.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from datetime import timedelta
from typing import Sequence

import numpy as np

from .analysis import Analyser
from .clean import is_boilerplate, is_whole_sentence, mentions_furniture, strip_dateline
from .config import Config
from .matrix import distinct, sparse, term_matrix, tfidf_rows, unit_rows
from .models import Article, Fact, Story, independent_outlets
from .segment import ends_abbreviated, words

# Cosine similarity at which two articles (or, on average, two groups of articles) are
# one story. Chosen from the plateau of the benchmark's threshold sweep (BENCHMARKS.md):
# unrelated news articles score well under 0.1, articles on one story mostly over 0.3.
SIMILARITY = 0.2
# Words are weighed as if the day had at least this many articles, the others on other news
# (``tfidf_rows``' prior): on a day of one story its five reports share its words, which must
# not weigh as everyday words. A day this big or bigger is weighed as it is. 10 is enough to
# keep the five paraphrasing reports of tests/fixtures/coverage/rail-vote one story; from 30,
# a day of eleven unrelated briefs (tests/test_stories.py) starts joining two of them.
PRIOR_DOCUMENTS = 20
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
# Attachment rounds at most: every clustering of the stories benchmark (whole day, sweeps,
# halves, 400 small days) settled within 5.
ATTACH_ROUNDS = 8
# Blocking (``candidate_pairs``): each article's strongest terms, each term's postings cut
# to the articles weighing it most, and the candidates kept per article.
BLOCK_TERMS = 30
BLOCK_POSTINGS = 60
CANDIDATES = 40
# Each article is compared on its strongest terms only: the long tail of common words adds
# small cosines between every pair that blocking would miss.
STRONGEST_TERMS = 100
# Articles at least this close are copies of one text (wire copy, light rewrites): one unit.
COPY_SIMILARITY = 0.8
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


# --------------------------------------------------------------------------- vectors


def terms(analyser: Analyser, sentences: Sequence[str]) -> Counter[str]:
    """Content-word stems of the sentences with their counts (no stop words, no one-letter tokens)."""
    bag: Counter[str] = Counter()
    for sentence in sentences:
        a = analyser(sentence)
        bag.update(stem for stem, stop in zip(a.stems, a.stopped) if not stop and len(stem) > 1)
    return bag


def article_texts(articles: Sequence[Article], facts: Sequence[Fact]) -> list[list[str]]:
    """Each article's cleaned sentences, in position order (from every fact's members)."""
    found: list[list[tuple[int, str]]] = [[] for _ in articles]
    for fact in facts:
        for s in fact.members:
            found[s.article].append((s.position, s.text))
    return [[text for _, text in sorted(set(pairs))] for pairs in found]


def tfidf(articles: Sequence[Article], texts: Sequence[Sequence[str]], analyser: Analyser) -> sparse.csr_matrix:
    """Rows of unit length: sublinear tf (1 + log tf) times smooth idf, title words weighted.

    A title that several articles of the day share ("Morning briefing", "Live updates") is a
    column's name, not a story's, and gets no weight: copies of one wire story match on their
    text anyway. An article with no cleaned sentence (all boilerplate) is represented by its
    own title.
    """
    titles = [" ".join(a.title.casefold().split()) for a in articles]
    uses = Counter(titles)
    bags = []
    for article, title, sentences in zip(articles, titles, texts):
        bag = terms(analyser, sentences)
        if not article.generated_title and (uses[title] == 1 or not bag):
            for term, n in terms(analyser, [article.title]).items():
                bag[term] += TITLE_WEIGHT * n
        bags.append(bag)
    rows = [sorted(bag.items()) for bag in bags]
    counts, _ = term_matrix([[t for t, _ in row] for row in rows], [[n for _, n in row] for row in rows])
    return tfidf_rows(counts, prior=max(0, PRIOR_DOCUMENTS - len(articles)))


# --------------------------------------------------------------------------- clustering
#
# Average linkage over all pairs needs every pair's cosine: n² time and, once the products
# are dense, n² memory. Here only candidate pairs are scored. Candidates come from blocking
# on each article's strongest terms (rare terms weigh most under TF-IDF), each term's
# postings cut to the articles that weigh it most, and each article keeps its best
# candidates by their shared-term score: a bounded number per article, so the cost grows
# with the day's size, not its square. Pairs that share none of their strongest terms have
# cosines near zero; counting them as zero changes an average by little.
#
# Near-copies (wire copy run by many outlets) would fill every article's candidates with
# its own copies and hide the other reports of its story, so copies are first gathered
# into one unit and the units are blocked again. A unit is the sum of its members' vectors:
# the mean cosine between the articles of two groups is the dot product of their sums over
# the product of their sizes, so average linkage over units is average linkage over
# articles.


def _timestamps(articles: Sequence[Article]) -> np.ndarray:
    return np.array([a.published.timestamp() if a.published else np.nan for a in articles], dtype=np.float64)


def _top_per_row(x: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """``x`` keeping each row's ``k`` largest entries (ties: the lower column)."""
    x = x.tocsr()
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    order = np.lexsort((x.indices, -x.data, rows))
    rank = np.arange(len(order)) - x.indptr[rows[order]]
    keep = order[rank < k]
    keep.sort()
    return sparse.csr_matrix((x.data[keep], x.indices[keep], np.searchsorted(keep, x.indptr)), shape=x.shape)


def candidate_pairs(x: sparse.csr_matrix, terms: int | None = None, postings: int | None = None,
                    per_row: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) worth scoring: for each row, the ``per_row`` rows sharing the most
    weight on its ``terms`` strongest terms, each term's postings cut to the ``postings``
    rows that weigh it most (ties: the lower row). At most n x ``per_row`` pairs."""
    terms, postings, per_row = terms or BLOCK_TERMS, postings or BLOCK_POSTINGS, per_row or CANDIDATES
    n = x.shape[0]
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    signature = _top_per_row(x, terms)
    hubs = _top_per_row(signature.T.tocsr(), postings).T.tocsr()
    found_a, found_b = [], []
    chunk = max(1, 200_000 // max(1, terms * postings))
    for start in range(0, n, chunk):
        block = (signature[start : start + chunk] @ hubs.T).tocsr()
        block.data[block.indices == np.repeat(np.arange(start, start + block.shape[0]), np.diff(block.indptr))] = 0
        block.eliminate_zeros()
        best = _top_per_row(block, per_row)
        rows = np.repeat(np.arange(start, start + best.shape[0]), np.diff(best.indptr))
        found_a.append(np.minimum(rows, best.indices))
        found_b.append(np.maximum(rows, best.indices))
    pairs = distinct(np.concatenate(found_a) * n + np.concatenate(found_b))
    return pairs // n, pairs % n


def pair_dots(x: sparse.csr_matrix, a: np.ndarray, b: np.ndarray, chunk: int = 25_000) -> np.ndarray:
    """The dot products of rows ``a[k]`` and ``b[k]`` of ``x``, in chunks of ``chunk`` pairs
    (each chunk copies its rows twice: 100,000 pairs of 100-term rows took 0.2 GB)."""
    out = np.empty(len(a), dtype=np.float64)
    for start in range(0, len(a), chunk):
        part = slice(start, start + chunk)
        out[part] = np.asarray(x[a[part]].multiply(x[b[part]]).sum(axis=1)).ravel()
    return out


def _groups(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each of ``n`` nodes, the lowest node joined to it through the pairs (a[k], b[k])."""
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(a.tolist(), b.tolist()):
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    return np.array([root(i) for i in range(n)], dtype=np.int64)


def _apart(times_a: np.ndarray, times_b: np.ndarray, window: timedelta) -> np.ndarray:
    """Pairs published further apart than ``window`` (a time unknown never parts them)."""
    return np.abs(times_a - times_b) > window.total_seconds()


def average_linkage(sizes: np.ndarray, a: np.ndarray, b: np.ndarray, weight: np.ndarray,
                    threshold: float) -> np.ndarray:
    """Average-linkage clusters of units cut at ``threshold``: each unit's cluster label.

    ``weight[k]`` is the summed similarity between the articles of units ``a[k]`` and
    ``b[k]`` (pairs not given weigh nothing); ``sizes`` the articles in each unit. The pair
    of clusters with the highest mean similarity merges first, while that mean is at least
    ``threshold`` (ties: the lower labels), exactly as cutting the average-linkage tree
    there. The label of a cluster is its lowest unit.
    """
    import heapq

    n = len(sizes)
    size = sizes.astype(np.float64).tolist()
    links: list[dict[int, float]] = [{} for _ in range(n)]
    for i, j, w in zip(a.tolist(), b.tolist(), weight.tolist()):
        if i != j and w > 0:
            links[i][j] = links[i].get(j, 0.0) + w
            links[j][i] = links[j].get(i, 0.0) + w
    floor = threshold - 1e-12
    heap = [(-w / (size[i] * size[j]), i, j) for i in range(n) for j, w in links[i].items() if i < j]
    heap = [entry for entry in heap if -entry[0] >= floor]
    heapq.heapify(heap)
    version = [0] * n
    stamp = {}  # (i, j) -> versions when pushed
    for _, i, j in heap:
        stamp[i, j] = (0, 0)
    label = list(range(n))
    while heap:
        mean, i, j = heapq.heappop(heap)
        if stamp.get((i, j)) != (version[i], version[j]) or label[i] != i or label[j] != j:
            continue  # a cluster changed since this pair was pushed
        keep, gone = (i, j) if len(links[i]) >= len(links[j]) else (j, i)
        label[gone] = keep
        del links[keep][gone]
        del links[gone][keep]
        for other, w in links[gone].items():
            links[other].pop(gone)
            total = links[keep].get(other, 0.0) + w
            links[keep][other] = total
            links[other][keep] = total
        links[gone] = {}
        size[keep] += size[gone]
        version[keep] += 1
        for other, w in links[keep].items():
            m = w / (size[keep] * size[other])
            if m >= floor:
                pair = (min(keep, other), max(keep, other))
                stamp[pair] = (version[pair[0]], version[pair[1]])
                heapq.heappush(heap, (-m, *pair))
    out = np.array(label, dtype=np.int64)
    while True:  # follow merges to each cluster's surviving unit
        up = out[out]
        if np.array_equal(up, out):
            break
        out = up
    return out


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

    Similarities are those of candidate pairs (``candidate_pairs``), articles published
    further apart than ``window`` weighing nothing. Near-copies (cosine at least
    ``COPY_SIMILARITY``) are first gathered into units (see the comment above). Two thin
    articles (fewer than ``min_terms`` distinct terms; default ``MIN_TERMS``, or half the
    day's median if that is less) are never linked to each other directly: the likeness of
    a few words is noise, and error pages, embeds and archive notices are thin and alike. A
    thin article joins a story through a full one, and is never a copy.
    """
    n = vectors.shape[0]
    sizes = np.diff(vectors.indptr)
    if min_terms is None:  # thin for this day: a day of short briefs has no thin article
        min_terms = min(MIN_TERMS, int(np.median(sizes)) // 2) if n else 0
    thin = sizes < min_terms
    vectors = unit_rows(_top_per_row(vectors, STRONGEST_TERMS))
    # Copies: candidate pairs of articles, near-identical ones joined.
    a, b = candidate_pairs(vectors)
    sims = pair_dots(vectors, a, b)
    copy = (sims >= COPY_SIMILARITY) & ~thin[a] & ~thin[b] & ~_apart(times[a], times[b], window)
    unit_of = _groups(n, a[copy], b[copy])
    units, unit_of = np.unique(unit_of, return_inverse=True)
    members = sparse.csr_matrix((np.ones(n), (unit_of, np.arange(n))), shape=(len(units), n))
    # A unit's sum keeps the terms its copies share: each copy's edited words would grow it
    # with the number of copies and weigh almost nothing in any mean.
    summed = _top_per_row((members @ vectors).tocsr(), 2 * STRONGEST_TERMS)
    unit_size = np.asarray(members.sum(axis=1)).ravel()
    unit_thin = thin[units]  # a thin article is a unit of its own (never a copy)
    unit_time = times[units]  # its first member's: copies are published close together
    ua, ub = candidate_pairs(unit_rows(summed))
    weight = pair_dots(summed, ua, ub)
    weight[(unit_thin[ua] & unit_thin[ub]) | _apart(unit_time[ua], unit_time[ub], window)] = 0.0
    label = average_linkage(unit_size, ua, ub, weight, threshold)
    clusters = _clusters(label[unit_of])
    clusters = attach_singletons(clusters, unit_of, ua, ub, weight, unit_size, threshold / 2, attach_ratio)
    clusters = [sorted(c) for c in clusters]
    clusters.sort(key=lambda c: c[0])
    assert sum(len(c) for c in clusters) == n
    return clusters


def _clusters(label: np.ndarray) -> list[list[int]]:
    """Article ids grouped by label, each group in id order, groups by first article."""
    groups: dict[int, list[int]] = {}
    for i, k in enumerate(label.tolist()):
        groups.setdefault(k, []).append(i)
    return list(groups.values())


def attach_singletons(
    clusters: list[list[int]],
    unit_of: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    weight: np.ndarray,
    unit_size: np.ndarray,
    floor: float,
    ratio: float = ATTACH_RATIO,
) -> list[list[int]]:
    """``clusters`` with each lone article moved to the story it is clearly closest to.

    An article's closeness to a story is its mean similarity with the story's articles,
    over the candidate pairs of its unit (``weight``: zero across the time window and
    between two thin articles). A lone article joins its closest story when that closeness
    is at least ``floor`` and ``ratio`` times the runner-up's; two lone articles that pick
    each other (or the same story) end up together. A lone article that is itself at least
    ``floor`` close to that story is no runner-up: two off-beat reports of one story would
    otherwise keep each other out of it. Every choice of a round is made against the
    clusters as given, so the order of the articles does not matter; rounds repeat while
    articles join (a story grown by one report may now be clearly closest for another), at
    most ``ATTACH_ROUNDS`` times, so the cost stays linear in the day's size.
    """
    for _ in range(ATTACH_ROUNDS):
        grown = _attach_round(clusters, unit_of, a, b, weight, unit_size, floor, ratio)
        if len(grown) == len(clusters):
            break
        clusters = grown
    return clusters


def _attach_round(
    clusters: list[list[int]], unit_of: np.ndarray, a: np.ndarray, b: np.ndarray, weight: np.ndarray,
    unit_size: np.ndarray, floor: float, ratio: float,
) -> list[list[int]]:
    """One round of ``attach_singletons``: every lone article's choice against ``clusters``."""
    lone = [c[0] for c in clusters if len(c) == 1]
    if not lone or len(clusters) < 2 or ratio <= 0:
        return clusters
    n_units = len(unit_size)
    story_of_unit = np.empty(n_units, dtype=np.int64)
    story_size = np.zeros(len(clusters))
    for k, group in enumerate(clusters):
        story_of_unit[unit_of[group]] = k
        story_size[k] = len(group)
    lone_unit = {int(unit_of[i]): i for i in lone if unit_size[unit_of[i]] == 1}
    # Each (lone unit, other story): summed weight, from both ends of every pair.
    ends = np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([weight, weight])
    is_lone = np.zeros(n_units, dtype=bool)
    is_lone[list(lone_unit)] = True
    keep = is_lone[ends[0]] & (ends[2] > 0)
    src, dst, w = ends[0][keep], story_of_unit[ends[1][keep]], ends[2][keep]
    if not len(src):
        return clusters
    key = src * len(clusters) + dst
    order = np.argsort(key, kind="stable")
    key, w = key[order], w[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    total = np.add.reduceat(w, starts)
    unit, story = key[starts] // len(clusters), key[starts] % len(clusters)
    closeness = total / story_size[story]
    close = {(int(story_of_unit[u]), int(k)): float(c) for u, k, c in zip(unit, story, closeness)}
    lone_story = story_size == 1
    picks = []
    # Per lone unit: best and runner-up story (ties: the lower story).
    by_unit = np.lexsort((story, -closeness, unit))
    first = np.flatnonzero(np.r_[True, unit[by_unit][1:] != unit[by_unit][:-1]])
    for f, next_f in zip(first.tolist(), np.r_[first[1:], len(by_unit)].tolist()):
        best = by_unit[f]
        target = int(story[best])
        second = next((closeness[k] for k in by_unit[f + 1:next_f]
                       if not (lone_story[story[k]] and close.get((int(story[k]), target), 0.0) >= floor)), 0.0)
        if closeness[best] >= floor and closeness[best] >= ratio * max(second, 0.0):
            picks.append((int(story_of_unit[unit[best]]), target))
    if not picks:
        return clusters
    rows, cols = (np.array(x, dtype=np.int64) for x in zip(*picks))
    merged = _groups(len(clusters), rows, cols)
    groups: dict[int, list[int]] = {}
    for k, group in enumerate(clusters):
        groups.setdefault(int(merged[k]), []).extend(group)
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
    analyser: Analyser | None = None,
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
    sentence = central_sentence([members[k] for k in order], texts, config, analyser)
    return sentence if sentence is not None else articles[members[order[0]]].title


def central_sentence(
    ranked: Sequence[int], texts: Sequence[Sequence[str]], config: Config, analyser: Analyser | None = None,
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
    final full stop is dropped, as headlines have none (an abbreviation's stays: "D.C.");
    nothing else is cut.
    """
    analyser = analyser or Analyser.of(config)
    share: Counter[str] = Counter()
    for i in ranked:
        share.update(set(terms(analyser, texts[i])))
    whole: list[tuple[tuple, str]] = []
    for rank, i in enumerate(ranked[:HEADLINE_ARTICLES]):
        for position, sentence in enumerate(texts[i][:HEADLINE_LEADS]):
            text = _SOURCE_TAG.sub("", strip_dateline(sentence)).strip()
            n = len(words(text))
            if n < HEADLINE_MIN_WORDS or not is_whole_sentence(text) or is_boilerplate(text, config) \
                    or mentions_furniture(text):  # "... on the FDA's website at: http://..."
                continue
            stems = set(terms(analyser, [text]))
            score = sum(share[t] for t in stems) / (len(ranked) * math.sqrt(n)) * (LEAD_WEIGHT if position == 0 else 1)
            whole.append(((n > HEADLINE_WORDS, n if n > HEADLINE_WORDS else -round(score, 9), rank, position), text))
    if not whole:
        return None
    text = min(whole, key=lambda pair: pair[0])[1]
    ended = text.endswith(".") and not text.endswith("..") and not ends_abbreviated(text, config.language)
    return text[:-1] if ended else text


# --------------------------------------------------------------------------- stories


def importance(story: Story) -> tuple:
    """Sort key, most important first: outlets, then recency, then size, then first article."""
    latest = story.latest.timestamp() if story.latest else -math.inf
    return (-story.outlets, -latest, -len(story.articles), story.articles[0] if story.articles else -1)


def cluster_stories(
    articles: Sequence[Article],
    facts: Sequence[Fact],
    config: Config,
    threshold: float = SIMILARITY,
    analyser: Analyser | None = None,
) -> list[Story]:
    """The day's stories, most important first.

    Args:
        articles: every article of the day, indexed by ``Article.id``.
        facts: the deduplicated facts; each goes to the story of its representative.
        threshold: cosine similarity at which articles are one story.
        analyser: the run's one text analysis (one is made if omitted).

    Returns:
        Stories covering every article exactly once, ordered by ``importance``.
    """
    if not articles:
        return []
    texts = article_texts(articles, facts)
    analyser = analyser or Analyser.of(config)
    vectors = tfidf(articles, texts, analyser)
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
                title=headline(members, articles, texts, closeness, config, analyser),
                articles=tuple(members),
                facts=tuple(found),
                outlets=independent_outlets(articles[i] for i in members),
                latest=max(times) if times else None,
            )
        )
    stories.sort(key=importance)
    return stories


group_stories = cluster_stories
