"""Shared by the ranking benchmarks: read a JSONL of clusters and turn it into the ranker's input."""
from __future__ import annotations

import json
import re
from pathlib import Path

from digest.models import Article, Fact, Sentence
from digest.segment import segment

# Multi-News joins an article's scraped paragraphs with " \n \n " and sometimes marks
# document boundaries with "|||||"; neither is prose.
_SEPARATOR = re.compile(r"\s*\|{3,}\s*")


def read_clusters(path: str | Path, limit: int | None = None) -> list[dict]:
    """The clusters of a JSONL file of {"docs": [...], "summary": ...}, the first ``limit`` of them."""
    clusters = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                clusters.append(json.loads(line))
            if limit is not None and len(clusters) >= limit:
                break
    return clusters


def articles_of(docs: list[str], first_id: int = 0) -> list[Article]:
    """One Article per document, outlet unknown (the data does not say)."""
    articles = []
    for doc in docs:
        for body in _SEPARATOR.split(doc):
            if body.strip():
                i = first_id + len(articles)
                articles.append(Article(id=i, url="", title="", outlet=None, published=None, body=body, path=f"doc{i}"))
    return articles


def facts_of(articles: list[Article]) -> list[Fact]:
    """One Fact per sentence, except byte-identical sentences (whitespace aside), which become one Fact.

    This stands in for the project's dedup stage, which is not on this branch:
    it gives corroboration the signal verbatim copies carry, and nothing more.
    """
    groups: dict[str, list[Sentence]] = {}
    for article in articles:
        for sentence in segment(article):
            groups.setdefault(" ".join(sentence.text.split()), []).append(sentence)
    facts = []
    for members in groups.values():
        sources = tuple(sorted({m.article for m in members}))
        facts.append(Fact(sentence=members[0], members=tuple(members), sources=sources))
    return facts
