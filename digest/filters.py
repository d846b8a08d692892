"""Filters: what the reader asked to see (``include``) and not to see (``mute``,
``mute_outlets``).

Patterns are words or phrases, matched case-insensitively as whole words ("rail"
is not "trail"; "city council" matches across any spaces), or regular expressions
written between slashes (``/celebrit(y|ies)/``, also case-insensitive).

- ``mute_outlets``: an article goes when every outlet that carried it is muted (an
  outlet name, or a web host such as ``valleypost.example`` with its subdomains); an
  article another outlet carried too stays, crediting both, since provenance is never
  rewritten.
- ``mute``: a story goes when its headline or one of its articles' titles matches; a
  sentence goes (from any story) when any wording of it matches.
- ``include``: when set, only stories whose headline, an article title or a remaining
  sentence matches one of the patterns stay.

Everything left out is a ``models.Removal``, counted and listed by ``--explain``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence
from urllib.parse import urlsplit

from .config import Config, Pattern, compile_patterns
from .models import Article, Fact, Removal, Story


@dataclass(frozen=True)
class Filters:
    include: tuple[Pattern, ...] = ()
    mute: tuple[Pattern, ...] = ()
    outlets: frozenset[str] = frozenset()  # muted outlet names and hosts, case-folded

    @classmethod
    def from_config(cls, config: Config) -> "Filters":
        return cls(compile_patterns(config.include, "include"), compile_patterns(config.mute, "mute"),
                   frozenset(" ".join(o.split()).casefold() for o in config.mute_outlets if o.strip()))

    def __bool__(self) -> bool:
        return bool(self.include or self.mute or self.outlets)


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.casefold().removeprefix("www.") if host else None


def _muted_outlet(article: Article, muted: frozenset[str]) -> str | None:
    """The muted outlet that is the only one to carry ``article``, or None."""
    names = list(dict.fromkeys(n for n in (*article.outlets, article.outlet) if n))
    if names and all(" ".join(n.split()).casefold() in muted for n in names):
        return names[0]
    host = _host(article.url)
    if host and len(names) <= 1:  # the URL is one outlet's: it speaks for no other
        for entry in muted:
            if host == entry or host.endswith("." + entry):
                return entry
    return None


def mute_outlets(articles: Sequence[Article], filters: Filters) -> tuple[list[Article], list[Removal]]:
    """The articles not carried only by muted outlets, and a removal for each one left out."""
    if not filters.outlets:
        return list(articles), []
    kept, removed = [], []
    for article in articles:
        outlet = _muted_outlet(article, filters.outlets)
        if outlet is None:
            kept.append(article)
        else:
            removed.append(Removal("article", f"mute_outlets: {outlet}", article.title, (article.url,)))
    return kept, removed


def filter_stories(stories: Sequence["Story"], articles: Sequence[Article], filters: Filters
                   ) -> tuple[list["Story"], list[Removal]]:
    """Stories without the muted ones, their muted sentences gone, only included ones if
    ``include`` is set; a story left with no sentence goes too."""
    if not (filters.include or filters.mute):
        return list(stories), []
    kept: list["Story"] = []
    removed: list[Removal] = []
    for story in stories:
        sources = tuple(articles[i].url for i in story.articles)
        titles = [story.title, *(articles[i].title for i in story.articles)]
        hit = next((p for p in filters.mute for t in titles if p(t)), None)
        if hit is not None:
            removed.append(Removal("story", f"mute: {hit.source}", story.title, sources))
            continue
        facts: list[Fact] = []
        for fact in story.facts:
            hit = next((p for p in filters.mute for s in fact.members if p(s.text)), None)
            if hit is None:
                facts.append(fact)
            else:
                removed.append(Removal("sentence", f"mute: {hit.source}", fact.text,
                                       tuple(articles[i].url for i in (*fact.sources, *fact.partial))))
        if filters.include and not any(p(t) for p in filters.include
                                       for t in (*titles, *(f.text for f in facts))):
            removed.append(Removal("story", "include: none matched", story.title, sources))
            continue
        if facts:
            kept.append(dataclasses.replace(story, facts=tuple(facts)))
    return kept, removed


def counts(removed: Sequence[Removal]) -> dict[str, int]:
    """How many articles, stories and sentences the filters left out."""
    return {kind: sum(1 for r in removed if r.kind == kind) for kind in ("article", "story", "sentence")}
