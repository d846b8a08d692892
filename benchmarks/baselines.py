"""Published multi-document summarizers, written from their papers, as baselines for benchmarks/rouge.py.

Each is a Ranker ``(facts, articles, budget, config) -> Ranking`` over the same Facts the
default ranker gets (one sentence per fact: its representative wording), with the same
word budget. Tokens are digest's own (``segment.words``, Snowball stems, sumy's stop words)
so no system wins on tokenisation.

* ``centroid``: MEAD's centroid scorer (Radev, Jing, Styś & Tam 2004, "Centroid-based
  summarization of multiple documents", IP&M 40). Centroid value of a word: its average
  count per document of the cluster times its IDF (IDF from a background collection: every
  document of the benchmark file, as MEAD uses a corpus beyond the cluster). A sentence scores
  C_i + P_i + F_i with the paper's equal weights: C_i the centroid values of its words,
  P_i = (n - i + 1) / n * C_max its position in its document, F_i its word overlap with the
  document's first sentence. MEAD's reranker drops a sentence too similar (cosine > 0.7)
  to one already chosen. The bag-of-words variant: Rossiello et al.'s embedding centroid
  needs word2vec vectors this project does not ship.
* ``icsi``: the concept ILP of Gillick & Favre 2009 ("A scalable global model for
  summarization", ILP for NLP workshop), the core of the ICSI system: concepts are stemmed
  word bigrams (none made of two stop words), weighted by the number of documents that use
  them, pruned below 3 documents; maximise the weight of covered concepts subject to the
  length constraint (sum of sentence lengths <= budget) and the consistency constraints
  (a concept is covered if and only if a chosen sentence has it), solved exactly with
  scipy.optimize.milp (HiGHS). Multi-News clusters often have 2 documents, where no
  concept reaches 3: there the floor is the cluster's number of documents (all of them).
* ``lin-bilmes``: Lin & Bilmes 2011 ("A class of submodular functions for document
  summarization", ACL): F(S) = L1(S) + lambda R1(S), L1(S) = sum_i min(C_i(S), alpha C_i(V)) with
  C_i(S) = sum_{j in S} w_ij the TF-IDF cosine, alpha = a / N, and R1(S) = sum_k sqrt(sum_{j in
  S ∩ P_k} r_j) over K-means clusters P_k of the sentences (K = 0.2 N), r_j = (1/N) sum_i w_ij.
  Their DUC-04 parameters: a = 5, lambda = 6, the cost-scaled greedy (gain / cost^r, r = 0.3)
  with the best singleton as fallback. IDF is over the cluster's sentences, as their
  reference code does when documents are few.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from digest.config import Config
from digest.models import Article, Fact, Item
from digest.rank import Budget, Ranking, reading_order
from digest.segment import word_count, words
from digest.analysis import stemmer, stop_words


class Tokens:
    """Lower-cased words, their stems, and which are stop words, for one language."""

    def __init__(self, language: str = "english"):
        self.stop = stop_words(language)
        self.stem = stemmer(language)

    def terms(self, text: str) -> list[str]:
        """Stems of the content words (letters or digits, not stop words)."""
        return [self.stem(w) for w in (t.lower() for t in words(text)) if w.isalnum() and w not in self.stop]

    def bigrams(self, text: str) -> list[str]:
        """Stemmed word bigrams, none made of two stop words (Gillick & Favre's concepts)."""
        tokens = [t.lower() for t in words(text) if any(c.isalnum() for c in t)]
        stops = [t in self.stop for t in tokens]
        stems = [t if s else self.stem(t) for t, s in zip(tokens, stops)]
        return [f"{stems[i]} {stems[i + 1]}" for i in range(len(stems) - 1) if not (stops[i] and stops[i + 1])]


def document_frequencies(docs: Iterable[str], language: str = "english") -> tuple[dict[str, float], int]:
    """(stem -> number of documents using it, number of documents): MEAD's background IDF."""
    tokens = Tokens(language)
    df: Counter[str] = Counter()
    n = 0
    for doc in docs:
        df.update(set(tokens.terms(doc)))
        n += 1
    return dict(df), n


def _rows(term_lists: Sequence[Sequence[str]]) -> tuple[sparse.csr_matrix, dict[str, int]]:
    index: dict[str, int] = {}
    data, cols, indptr = [], [], [0]
    for terms in term_lists:
        for term, count in Counter(terms).items():
            cols.append(index.setdefault(term, len(index)))
            data.append(float(count))
        indptr.append(len(cols))
    return sparse.csr_matrix((data, cols, indptr), shape=(len(term_lists), len(index))), index


def _unit_rows(x: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ x


def _select_in_order(facts: Sequence[Fact], order: Sequence[int], budget: Budget, reason: str) -> Ranking:
    """Take facts in ``order`` while they fit the budget (the order is the system's)."""
    chosen, used = [], 0
    for i in order:
        n = word_count(facts[i].text)
        if budget.sentences is not None and len(chosen) >= budget.sentences:
            break
        if used + n <= budget.words:
            used += n
            chosen.append(Item(fact=facts[i], score=float(len(order) - len(chosen)), components=((reason, 1.0),)))
    return Ranking(chosen=reading_order(chosen, facts))


# MEAD centroid --------------------------------------------------------------------------

def centroid_ranker(background: tuple[dict[str, float], int] | None = None, redundancy: float = 0.7):
    """MEAD's centroid + position + first-sentence-overlap scorer with its cosine reranker."""

    def rank(facts: Sequence[Fact], articles: Sequence[Article], budget: Budget, config: Config) -> Ranking:
        if not facts:
            return Ranking(chosen=())
        tokens = Tokens(config.language)
        terms = [tokens.terms(f.text) for f in facts]
        docs = sorted({f.sentence.article for f in facts})
        df, n_docs = background if background else document_frequencies(
            (" ".join(t for f, ts in zip(facts, terms) if f.sentence.article == d for t in ts) for d in docs),
            config.language)
        cluster_tf: Counter[str] = Counter(t for ts in terms for t in ts)
        centroid = {w: c / len(docs) * math.log((n_docs + 1) / (df.get(w, 0) + 1)) for w, c in cluster_tf.items()}
        c_score = np.array([sum(centroid[w] for w in set(ts)) for ts in terms])
        by_doc: dict[int, list[int]] = {}
        for i, f in enumerate(facts):
            by_doc.setdefault(f.sentence.article, []).append(i)
        p_score = np.zeros(len(facts))
        f_score = np.zeros(len(facts))
        for members in by_doc.values():
            members.sort(key=lambda i: facts[i].sentence.position)
            n = len(members)
            c_max = max(c_score[i] for i in members)
            first = Counter(terms[members[0]])
            for rank_in_doc, i in enumerate(members, 1):
                p_score[i] = (n - rank_in_doc + 1) / n * c_max
                f_score[i] = sum(first[w] * c for w, c in Counter(terms[i]).items())
        score = c_score + p_score + f_score
        x = _unit_rows(_rows(terms)[0])
        order = sorted(range(len(facts)), key=lambda i: (-score[i], facts[i].sentence.article, facts[i].sentence.position))
        kept: list[int] = []
        for i in order:
            if kept and float((x[kept] @ x[i].T).toarray().max()) > redundancy:
                continue
            kept.append(i)
        return _select_in_order(facts, kept, budget, "mead")

    rank.__name__ = "mead_centroid"
    return rank


# Gillick & Favre concept ILP ------------------------------------------------------------

def icsi_ranker(min_documents: int = 3, time_limit: float = 120.0):
    """Gillick & Favre's exact concept-coverage ILP (see the module docstring)."""

    def rank(facts: Sequence[Fact], articles: Sequence[Article], budget: Budget, config: Config) -> Ranking:
        if not facts:
            return Ranking(chosen=())
        tokens = Tokens(config.language)
        concepts = [set(tokens.bigrams(f.text)) for f in facts]
        # A concept's weight: the documents using it, counted over every merged sentence's article.
        used_by: dict[str, set[int]] = {}
        for fact in facts:
            for member in fact.members:
                for c in set(tokens.bigrams(member.text)):
                    used_by.setdefault(c, set()).add(member.article)
        n_docs = len({m.article for f in facts for m in f.members})
        floor = min(min_documents, n_docs)
        weight = {c: len(d) for c, d in used_by.items() if len(d) >= floor}
        names = sorted({c for cs in concepts for c in cs if c in weight})
        if not names:
            return Ranking(chosen=())
        index = {c: k for k, c in enumerate(names)}
        candidates = [j for j, cs in enumerate(concepts) if any(c in index for c in cs)]
        m, n = len(names), len(candidates)
        lengths = np.array([word_count(facts[j].text) for j in candidates], dtype=float)
        occ_rows, occ_cols = [], []
        for col, j in enumerate(candidates):
            for c in concepts[j]:
                if c in index:
                    occ_rows.append(index[c])
                    occ_cols.append(col)
        occ = sparse.csr_matrix((np.ones(len(occ_rows)), (occ_rows, occ_cols)), shape=(m, n))
        # Variables: m concepts c_i, then n sentences s_j.
        pairs = len(occ_rows)
        pair_matrix = sparse.hstack([
            sparse.csr_matrix((-np.ones(pairs), (np.arange(pairs), occ_rows)), shape=(pairs, m)),
            sparse.csr_matrix((np.ones(pairs), (np.arange(pairs), occ_cols)), shape=(pairs, n)),
        ])  # s_j - c_i <= 0 where sentence j has concept i
        cover_matrix = sparse.hstack([-sparse.identity(m), occ])  # sum_j occ_ij s_j - c_i >= 0
        length_row = sparse.hstack([sparse.csr_matrix((1, m)), sparse.csr_matrix(lengths.reshape(1, -1))])
        constraints = [
            LinearConstraint(pair_matrix.tocsr(), -np.inf, 0.0),
            LinearConstraint(cover_matrix.tocsr(), 0.0, np.inf),
            LinearConstraint(length_row.tocsr(), 0.0, float(budget.words)),
        ]
        if budget.sentences is not None:
            count_row = sparse.hstack([sparse.csr_matrix((1, m)), sparse.csr_matrix(np.ones((1, n)))])
            constraints.append(LinearConstraint(count_row.tocsr(), 0.0, float(budget.sentences)))
        objective = np.concatenate([-np.array([weight[c] for c in names], dtype=float), np.zeros(n)])
        result = milp(objective, constraints=constraints, integrality=np.ones(m + n), bounds=Bounds(0, 1),
                      options={"time_limit": time_limit})
        if result.x is None:
            return Ranking(chosen=())
        chosen = [candidates[k] for k in range(n) if result.x[m + k] > 0.5]
        items = [Item(fact=facts[j], score=1.0, components=(("ilp", 1.0),)) for j in chosen]
        return Ranking(chosen=reading_order(items, facts))

    rank.__name__ = "icsi_ilp"
    return rank


# Lin & Bilmes submodular coverage + diversity -------------------------------------------

def lin_bilmes_ranker(a: float = 5.0, lam: float = 6.0, r: float = 0.3, cluster_share: float = 0.2, seed: int = 0):
    """Lin & Bilmes 2011, L1 + lambda R1 by the cost-scaled greedy (see the module docstring)."""

    def rank(facts: Sequence[Fact], articles: Sequence[Article], budget: Budget, config: Config) -> Ranking:
        if not facts:
            return Ranking(chosen=())
        from sklearn.cluster import KMeans

        tokens = Tokens(config.language)
        counts, _ = _rows([tokens.terms(f.text) for f in facts])
        n = len(facts)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = np.log(n / np.maximum(df, 1))
        x = _unit_rows(counts @ sparse.diags(idf))
        w = (x @ x.T).toarray()
        cap = a / n * w.sum(axis=1)  # alpha C_i(V), alpha = a / N
        singleton = w.sum(axis=0) / n  # r_j
        k = max(1, min(n, round(cluster_share * n)))
        if k > 1 and x.nnz:
            clusters = KMeans(n_clusters=k, n_init=1, random_state=seed).fit_predict(x)
        else:
            clusters = np.zeros(n, dtype=int)
        cost = np.array([max(word_count(f.text), 1) for f in facts], dtype=float)

        def value(chosen: list[int]) -> float:
            covered = w[:, chosen].sum(axis=1) if chosen else np.zeros(n)
            reward = np.bincount(clusters[chosen], weights=singleton[chosen], minlength=k) if chosen else np.zeros(k)
            return float(np.minimum(covered, cap).sum() + lam * np.sqrt(reward).sum())

        covered = np.zeros(n)
        reward = np.zeros(k)
        chosen: list[int] = []
        left = float(budget.words)
        available = np.ones(n, dtype=bool)
        while budget.sentences is None or len(chosen) < budget.sentences:
            # A candidate that does not fit is discarded without changing the summary, so taking
            # the best among those that fit is the paper's greedy, step for step.
            fits = available & (cost <= left)
            if not fits.any():
                break
            base = np.minimum(covered, cap)
            l1_gain = (np.minimum(covered[:, None] + w, cap[:, None]) - base[:, None]).sum(axis=0)
            r1_gain = lam * (np.sqrt(reward[clusters] + singleton) - np.sqrt(reward[clusters]))
            ratio = np.where(fits, (l1_gain + r1_gain) / cost ** r, -np.inf)
            j = int(np.argmax(ratio))
            chosen.append(j)
            available[j] = False
            left -= cost[j]
            covered += w[:, j]
            reward[clusters[j]] += singleton[j]
        fitting = [j for j in range(n) if cost[j] <= budget.words]
        if fitting:
            best = max(fitting, key=lambda j: value([j]))
            if value([best]) > value(chosen):
                chosen = [best]
        items = [Item(fact=facts[j], score=1.0, components=(("submodular", 1.0),)) for j in chosen]
        return Ranking(chosen=reading_order(items, facts))

    rank.__name__ = "lin_bilmes"
    return rank
