"""Shared by the ranking benchmarks: read a JSONL of clusters and turn it into the ranker's input."""
from __future__ import annotations

import json
import re
from pathlib import Path

from digest.align import align_facts
from digest.analysis import Analyser
from digest.clean import remove_boilerplate
from digest.config import Config
from digest.dedup import near_duplicates
from digest.models import Article, Fact
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


def facts_of(articles: list[Article], config: Config | None = None) -> list[Fact]:
    """What the pipeline hands a ranker: sentences, boilerplate dropped, near-duplicates merged,
    and (the cluster being one story) its outlets' statements aligned."""
    config = config or Config()
    analyser = Analyser.of(config)
    sentences = [s for article in articles for s in segment(article, config.language)]
    kept, _ = remove_boilerplate(articles, sentences, config)
    facts = near_duplicates(kept, config, analyser=analyser).facts
    return list(align_facts(facts, analyser)[0])
