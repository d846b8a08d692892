"""The ranking benchmark's published baselines (benchmarks/baselines.py) do what their papers say."""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ sits beside the package, not inside it
    sys.path.insert(0, str(ROOT))

from benchmarks.baselines import Tokens, centroid_ranker, icsi_ranker, lin_bilmes_ranker  # noqa: E402
from digest.config import Config  # noqa: E402
from digest.models import Article, Fact, Sentence  # noqa: E402
from digest.rank import Budget  # noqa: E402
from digest.segment import word_count  # noqa: E402

DOCS = [
    ["The harbour bridge closed on Thursday after inspectors found cracked beams.",
     "Ferry crossings were added for commuters.",
     "The mayor said repairs would take months."],
    ["Inspectors found cracked beams and the harbour bridge closed on Thursday.",
     "The city added ferry crossings for commuters.",
     "A local bakery reported fewer customers."],
    ["Cracked beams closed the harbour bridge on Thursday, inspectors said.",
     "Repairs would take months, the mayor said.",
     "Ferry crossings were added for commuters on Friday."],
]


def facts_and_articles(docs=DOCS):
    articles = [Article(id=i, url=f"u{i}", title="", outlet=f"Outlet {i}", published=None, body=" ".join(d), path="")
                for i, d in enumerate(docs)]
    facts = []
    for a, doc in enumerate(docs):
        for p, text in enumerate(doc):
            s = Sentence(text=text, article=a, paragraph=p, position=p)
            facts.append(Fact(sentence=s, members=(s,), sources=(a,)))
    return facts, articles


def concept_value(chosen_texts, facts, tokens, floor):
    used_by = {}
    for f in facts:
        for c in set(tokens.bigrams(f.text)):
            used_by.setdefault(c, set()).add(f.sentence.article)
    weight = {c: len(d) for c, d in used_by.items() if len(d) >= floor}
    covered = {c for t in chosen_texts for c in tokens.bigrams(t) if c in weight}
    return sum(weight[c] for c in covered)


@pytest.mark.parametrize("words", [12, 20, 30])
def test_icsi_ilp_is_exact(words):
    """The ILP's summary covers as much concept weight as the best subset found by brute force."""
    facts, articles = facts_and_articles()
    tokens = Tokens("english")
    chosen = icsi_ranker(min_documents=2)(facts, articles, Budget(words=words), Config()).chosen
    assert sum(word_count(i.fact.text) for i in chosen) <= words
    best = max(
        concept_value([facts[i].text for i in subset], facts, tokens, 2)
        for r in range(len(facts) + 1)
        for subset in itertools.combinations(range(len(facts)), r)
        if sum(word_count(facts[i].text) for i in subset) <= words
    )
    assert concept_value([i.fact.text for i in chosen], facts, tokens, 2) == best > 0


def test_icsi_prunes_concepts_of_fewer_documents():
    """Concepts of one document weigh nothing: a sentence no other document echoes is never worth choosing."""
    facts, articles = facts_and_articles()
    chosen = icsi_ranker(min_documents=3)(facts, articles, Budget(words=60), Config()).chosen
    assert "bakery" not in " ".join(i.fact.text for i in chosen)
    assert any("bridge" in i.fact.text for i in chosen)


def test_lin_bilmes_fills_the_budget_and_prefers_what_is_repeated():
    pytest.importorskip("sklearn")
    facts, articles = facts_and_articles()
    chosen = lin_bilmes_ranker()(facts, articles, Budget(words=25), Config()).chosen
    texts = [i.fact.text for i in chosen]
    assert sum(word_count(t) for t in texts) <= 25
    assert any("bridge" in t for t in texts)
    assert sum("bridge" in t for t in texts) == 1  # diversity: one wording of the closure is enough


def test_centroid_skips_a_near_copy_of_a_chosen_sentence():
    docs = [DOCS[0], [DOCS[0][0], "The council met on Friday to discuss the budget."]]
    facts, articles = facts_and_articles(docs)
    chosen = centroid_ranker(redundancy=0.7)(facts, articles, Budget(words=40), Config()).chosen
    texts = [i.fact.text for i in chosen]
    assert texts.count(DOCS[0][0]) == 1
    assert sum(word_count(t) for t in texts) <= 40
